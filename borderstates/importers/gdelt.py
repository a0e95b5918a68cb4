"""GDELT 2.0 event exports (tab-separated, no header, 61 columns) → events and articles."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import pandas as pd

from borderstates.core.contract import ISO3_CODES
from borderstates.importers.actors import AliasTable
from borderstates.importers.common import (
    UNNAMED,
    MapContext,
    articles_frame,
    cite_dataset_where_missing,
    coordinates,
    finish_events,
    first_of,
    id_prefix,
    iso_day,
    join_notes,
    stable_ids,
)
from borderstates.importers.countries import countries_from_fips, countries_from_names

FORMAT = "gdelt"
NAME = "GDELT 2.0 events"
DATASET = "GDELT"
COLUMNS = (
    "GLOBALEVENTID", "SQLDATE", "MonthYear", "Year", "FractionDate",
    *(f"Actor{n}{field}" for n in (1, 2) for field in (
        "Code", "Name", "CountryCode", "KnownGroupCode", "EthnicCode", "Religion1Code", "Religion2Code",
        "Type1Code", "Type2Code", "Type3Code")),
    "IsRootEvent", "EventCode", "EventBaseCode", "EventRootCode", "QuadClass", "GoldsteinScale",
    "NumMentions", "NumSources", "NumArticles", "AvgTone",
    *(f"{place}_{field}" for place in ("Actor1Geo", "Actor2Geo", "ActionGeo") for field in (
        "Type", "FullName", "CountryCode", "ADM1Code", "ADM2Code", "Lat", "Long", "FeatureID")),
    "DATEADDED", "SOURCEURL",
)  # fmt: skip
REQUIRED = ("GLOBALEVENTID", "SQLDATE", "EventCode", "QuadClass", "ActionGeo_Type", "ActionGeo_FullName",
            "ActionGeo_CountryCode", "ActionGeo_Lat", "ActionGeo_Long", "SOURCEURL")  # fmt: skip
USED = (*REQUIRED, "Actor1Code", "Actor1Name", "Actor1CountryCode", "Actor1Type1Code", "Actor2Code",
        "Actor2Name", "Actor2CountryCode", "Actor2Type1Code", "EventBaseCode", "EventRootCode",
        "DATEADDED", "ActionGeo_ADM1Code")  # fmt: skip
DATASET_ARTICLE = {"article_id": "GDELT:gdeltproject.org", "title": "[GDELT event data]", "outlet": "GDELT",
                   "url": "https://www.gdeltproject.org/", "language": "en"}  # fmt: skip

_QUAD_CLASSES = {"1": "verbal_cooperation", "2": "material_cooperation", "3": "verbal_conflict",
                 "4": "material_conflict"}  # fmt: skip
_RELATION_BY_ROOT = {
    **dict.fromkeys(("01", "02", "03", "04", "05", "08", "10", "11", "12", "13", "16"), "diplomatic"),
    **dict.fromkeys(("06", "07"), "economic"),
    **dict.fromkeys(("09", "17", "18"), "security"),
    "14": "political",
    **dict.fromkeys(("15", "19", "20"), "military"),
}
_RELATION_BY_BASE = {"062": "military", "072": "military", "163": "sanctions"}  # cooperation, aid, sanctions
_GEO_PRECISION = {"1": "country", "2": "region", "3": "city", "4": "city", "5": "region"}
_NO_PLACE = {"", "0"}  # ActionGeo_Type of events GDELT could not place
# CAMEO actor roles: an actor with one of these keeps its own name and shows the role, so that
# RUSSIA as opposition (RUSOPP) does not become the Government of Russia.
_ROLES = {
    "MIL": "military", "COP": "police", "JUD": "judiciary", "SPY": "intelligence", "LEG": "legislature",
    "OPP": "opposition", "REB": "rebels", "SEP": "separatist rebels", "INS": "insurgents",
    "UAF": "armed group", "BUS": "business", "CVL": "civilians", "MED": "media", "EDU": "education",
    "LAB": "labour", "REF": "refugees", "CRM": "criminals", "HRI": "human rights", "ELI": "elites",
}  # fmt: skip


@cache
def cameo_descriptions() -> dict[str, str]:
    """Return CAMEO event code (root, base or full, with leading zeros) → description."""
    with (Path(__file__).parent / "cameo.csv").open(newline="", encoding="utf-8") as handle:
        return {row["code"]: row["description"] for row in csv.DictReader(handle)}


def map_chunk(rows: pd.DataFrame, ctx: MapContext, aliases: AliasTable) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Map a chunk of GDELT rows to events and the articles they cite; bad rows are logged."""
    event_id = rows["GLOBALEVENTID"].str.strip()
    rows = ctx.reject(rows.assign(event_id=id_prefix(DATASET) + event_id), ~event_id.str.fullmatch(r"\d+"),
                      "GLOBALEVENTID", "is not a GDELT event id", rows["GLOBALEVENTID"])  # fmt: skip
    unplaced = rows["ActionGeo_Type"].str.strip().isin(_NO_PLACE)
    rows = ctx.leave_out(rows, unplaced, "without a place (GDELT could not locate them)")
    country_name = rows["ActionGeo_FullName"].str.rsplit(",", n=1).str[-1].str.strip()
    country = countries_from_fips(rows["ActionGeo_CountryCode"]).fillna(countries_from_names(country_name))
    rows = ctx.require(rows, "country", country, "ActionGeo_CountryCode",
                       "is no FIPS 10-4 country code we know (nor is the place's country name)")  # fmt: skip
    rows = ctx.keep_countries(rows)
    rows = ctx.require(rows, "day", _day(rows["SQLDATE"]), "SQLDATE", "is not a date written YYYYMMDD")
    rows = ctx.keep_dates(rows.assign(date=iso_day(rows["day"]), date_end="", date_precision="day"))
    rows = ctx.translate(rows, "QuadClass", _QUAD_CLASSES, "quad_class", "is not a GDELT QuadClass (1 to 4)")
    rows = _cameo(rows, ctx)
    rows = ctx.translate(rows, "ActionGeo_Type", _GEO_PRECISION, "geo_precision",
                         "is not a GDELT geographic type (1 to 5)")  # fmt: skip
    rows = coordinates(rows, ctx, "ActionGeo_Lat", "ActionGeo_Long")
    actor1, country1, note1 = _actor(rows, aliases, 1)
    actor2, country2, note2 = _actor(rows, aliases, 2)
    place = rows["ActionGeo_FullName"].str.strip()
    with_actor2 = (" → " + actor2).where(actor2 != "", "")
    summary = (
        actor1.where(actor1 != "", UNNAMED) + " → " + rows["description"] + with_actor2 + " (" + place + ")."
    )
    article_ids, articles = _articles(rows)
    events = finish_events(rows, ctx, DATASET, {
        "actor1": actor1, "actor1_country": country1, "actor2": actor2, "actor2_country": country2,
        "status": "reported", "location": place.str.split(",").str[0].str.strip(), "summary": summary,
        "article_id": article_ids, "source_code": rows["EventCode"].str.strip(),
        "notes": join_notes(note1, note2), "source_admin1": rows["ActionGeo_ADM1Code"],
    })  # fmt: skip
    return events, articles


def _day(text: pd.Series) -> pd.Series:
    """Read GDELT's `YYYYMMDD` dates; NaT where there is none."""
    return pd.to_datetime(text.str.strip(), format="%Y%m%d", errors="coerce")


def _cameo(rows: pd.DataFrame, ctx: MapContext) -> pd.DataFrame:
    """Set the relation type and the description of the CAMEO code (zeros a spreadsheet ate put back)."""
    code = rows["EventCode"].str.strip().str.zfill(3)
    root = first_of(rows["EventRootCode"].str.strip(), code.str[:2]).str.zfill(2)
    base = first_of(rows["EventBaseCode"].str.strip(), code.str[:3]).str.zfill(3)
    relation = base.map(_RELATION_BY_BASE).fillna(root.map(_RELATION_BY_ROOT))
    descriptions = cameo_descriptions()
    described = code.map(descriptions).fillna(base.map(descriptions)).fillna(root.map(descriptions))
    rows = ctx.require(rows, "relation_type", relation, "EventCode", "is not a CAMEO event code")
    return rows.assign(description=described.fillna(""))


def _actor(rows: pd.DataFrame, aliases: AliasTable, n: int) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Return an actor's shown name, its country and a note on GDELT's name where renamed.

    The alias table is asked for the CAMEO actor code first (`RUSMIL`), then for the name
    (`RUSSIA`) unless the code gives the actor a role the name would lose.
    """
    code, name = rows[f"Actor{n}Code"].str.strip(), rows[f"Actor{n}Name"].str.strip()
    role = rows[f"Actor{n}Type1Code"].str.strip().map(_ROLES)
    by_code, code_country = aliases.resolve(code)
    by_name, name_country = aliases.resolve(name)
    by_name, name_country = by_name.where(role.isna()), name_country.where(role.isna())
    source_name = first_of(name, code)
    with_role = (source_name + " (" + role + ")").where(role.notna() & (source_name != ""))
    shown = by_code.fillna(by_name).fillna(with_role).fillna(source_name)
    own_country = rows[f"Actor{n}CountryCode"].str.strip()
    country = code_country.where(by_code.notna(), name_country).fillna(
        own_country.where(own_country.isin(ISO3_CODES))
    )
    renamed = (shown != source_name) & (source_name != "")
    note = (f"In GDELT Actor{n} is '" + source_name + "' (" + code + ").").where(renamed, "")
    return shown, country.fillna(""), note


def _articles(rows: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """One article per `SOURCEURL`; GDELT gives no headline, so the title names the site."""
    source = rows["SOURCEURL"].str.strip()
    named = source[source != ""]
    is_url = named.str.match(r"(?i)https?://[^\s/]+")
    host = named.str.replace(r"(?i)^https?://(?:www\.)?", "", regex=True).str.replace(
        r"[/:?#].*", "", regex=True
    )
    site = host.where(is_url, named)
    ids = stable_ids(DATASET, named)
    articles = articles_frame(
        article_id=ids,
        title="[Article on " + site + "]",
        outlet=site,
        published=iso_day(_day(rows.loc[named.index, "DATEADDED"].str.slice(0, 8))),
        language="en",
        url=named.where(is_url, ""),
    )
    return cite_dataset_where_missing(ids, rows.index, articles, DATASET_ARTICLE)
