"""ACLED exports (export tool or API) → events and articles, as the data contract maps them."""

from __future__ import annotations

import pandas as pd

from borderstates.importers.actors import AliasTable
from borderstates.importers.common import (
    MapContext,
    articles_frame,
    cite_dataset_where_missing,
    coordinates,
    dates_from_parts,
    finish_events,
    first_of,
    id_prefix,
    iso_day,
    join_notes,
    renamed_note,
    stable_ids,
    whole_numbers,
)
from borderstates.importers.countries import countries_from_iso_numeric, countries_from_names

FORMAT = "acled"
NAME = "ACLED"
DATASET = "ACLED"
REQUIRED = ("event_id_cnty", "event_date", "event_type", "sub_event_type", "actor1", "country",
            "latitude", "longitude")  # fmt: skip
USED = (*REQUIRED, "time_precision", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
        "interaction", "civilian_targeting", "iso", "admin1", "admin2", "admin3", "location", "geo_precision",
        "source", "notes", "fatalities", "tags", "timestamp")  # fmt: skip
# Where ACLED names no outlet, the event cites the dataset itself.
DATASET_ARTICLE = {"article_id": "ACLED:acleddata.com", "title": "[ACLED event data]", "outlet": "ACLED",
                   "url": "https://acleddata.com/", "language": "en"}  # fmt: skip

# (relation_type, quad_class) by sub-event type where it decides, else by event type.
_BY_SUB_EVENT = {
    "excessive force against protesters": ("security", "material_conflict"),
    "agreement": ("diplomatic", "verbal_cooperation"),
    "arrests": ("security", "material_conflict"),
    "headquarters or base established": ("military", "material_conflict"),
    "disrupted weapons use": ("military", "material_conflict"),
    "non-violent transfer of territory": ("military", "material_conflict"),
    "looting/property destruction": ("security", "material_conflict"),
    "change to group/activity": ("political", "neutral"),
    "other": ("political", "neutral"),
}
_BY_EVENT = {
    "battles": ("military", "material_conflict"),
    "explosions/remote violence": ("military", "material_conflict"),
    "violence against civilians": ("security", "material_conflict"),
    "protests": ("political", "verbal_conflict"),
    "riots": ("political", "material_conflict"),
}
_TIME_PRECISION = {"1": "day", "2": "week", "3": "month", "": "day"}
# ACLED's 3 (province-level) is as coarse as the contract's region; so is a place ACLED left open.
_GEO_PRECISION = {"1": "city", "2": "region", "3": "region", "": "region"}
_MONTHS = {name: number for number, names in enumerate(
    [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
     ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
     ("october", "oct"), ("november", "nov"), ("december", "dec")], start=1) for name in names}  # fmt: skip
# inter1/inter2: ACLED's eight actor types, as codes (older exports, the API until 2024) or by
# name (newer exports: the codebook's names, and the plurals and spellings some files use).
_ACTOR_TYPES = {
    "1": "state forces", "2": "rebel group", "3": "political militia", "4": "identity militia",
    "5": "rioters", "6": "protesters", "7": "civilians", "8": "external/other forces",
}  # fmt: skip
_TYPE_BY_NAME = {name: code for code, name in _ACTOR_TYPES.items()} | {
    "rebel groups": "2", "political militias": "3", "identity militias": "4", "protestors": "6",
}  # fmt: skip
_TYPE_CODES = {code: code for code in _ACTOR_TYPES} | _TYPE_BY_NAME
# A one-sided event has no actor2: the codebook codes its type 0, and leaves it blank since the
# names replaced the codes.
_NO_ACTOR = ("0", "")
# interaction: one actor type alone (`10`, `State forces only`) or two (`17`, `State forces-Civilians`).
# The codes put the smaller type first (`17`, never `71`); the names do not always (the codebook
# writes 78 as `External/Other forces-Civilians`), so two names are taken in either order.
_INTERACTIONS = {f"{a}{b}" for a in range(1, 9) for b in (0, *range(a, 9))}
_INTERACTION_NAMES = r"^(.+?)(?: only|-(.+))$"
# civilian_targeting is a mark or empty: the exports write `Civilian targeting`, the codebook's
# table of columns `Civilians targeted`.
_CIVILIAN_TARGETING = {"civilian targeting", "civilians targeted"}
_STATE_TYPES = {"state forces", "external/other forces", ""}
_PEOPLE_TYPES = {"rioters", "protesters", "civilians", ""}
# `Military Forces of Russia (2000-)`, `Police Forces of …`, `Government of …`: the state in the name.
_STATE_ACTOR = r"^(?:(?:Military|Police) Forces|Government) of (.+?) \(\d{4}-\d{0,4}\)"
_PEOPLE_ACTOR = r"^(?:Civilians|Protesters|Rioters) \(([^()]+)\)$"  # `Civilians (Ukraine)`


def map_chunk(rows: pd.DataFrame, ctx: MapContext, aliases: AliasTable) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Map a chunk of ACLED rows to events and the articles they cite; bad rows are logged."""
    event_id = rows["event_id_cnty"].str.strip()
    rows = ctx.reject(rows.assign(event_id=id_prefix(DATASET) + event_id), event_id == "", "event_id_cnty",
                      "is required but empty")  # fmt: skip
    country = countries_from_iso_numeric(rows["iso"]).fillna(countries_from_names(rows["country"]))
    rows = ctx.require(rows.assign(country_name=rows["country"]), "country", country, "country",
                       "is no country we can map to ISO 3166-1 alpha-3 (nor is its iso code)")  # fmt: skip
    rows = ctx.keep_dates(_dates(ctx.keep_countries(rows), ctx))
    rows = _event_types(rows, ctx)
    rows = ctx.require(rows, "geo_precision", _code(rows["geo_precision"]).map(_GEO_PRECISION),
                       "geo_precision", "is not an ACLED geo_precision (1, 2 or 3)")  # fmt: skip
    rows = coordinates(rows, ctx, "latitude", "longitude")
    actor1, country1, note1 = _actor(rows, ctx, aliases, "actor1", "inter1")
    actor2, country2, note2 = _actor(rows, ctx, aliases, "actor2", "inter2")
    _check_interaction(rows, ctx)
    article_ids, articles = _articles(rows["source"])
    location = first_of(
        rows["location"], rows["admin3"], rows["admin2"], rows["admin1"], rows["country_name"]
    )
    notes = join_notes(note1, _associated(rows, "assoc_actor_1", "actor1"), note2,
                       _associated(rows, "assoc_actor_2", "actor2"), rows["date_note"])  # fmt: skip
    events = finish_events(rows, ctx, DATASET, {
        "actor1": actor1, "actor1_country": country1, "actor2": actor2, "actor2_country": country2,
        "status": "reported", "location": location,
        "summary": first_of(rows["notes"].str.strip(), _summary(rows, actor1, actor2)),
        "article_id": article_ids, "fatalities": whole_numbers(rows, ctx, "fatalities"),
        "source_code": rows["sub_event_type"].str.strip(), "tags": _tags(rows, ctx), "notes": notes,
        "source_updated": _revised(rows["timestamp"]), "source_admin1": rows["admin1"],
    })  # fmt: skip
    return events, articles


def _dates(rows: pd.DataFrame, ctx: MapContext) -> pd.DataFrame:
    """Read `16 February 2024` or `2024-02-16` and widen the date to ACLED's time precision.

    ACLED dates an event known to the week by the middle of that week, and one known to the
    month by a day in it: the span becomes that week (three days either side) or that month.
    """
    text = rows["event_date"].str.strip()
    iso = text.str.extract(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
    named = text.str.extract(r"^(\d{1,2})[\s-]+([A-Za-z]+)\.?,?[\s-]+(\d{4})$")
    day = dates_from_parts(iso[0], iso[1], iso[2])
    day = day.fillna(dates_from_parts(named[2], named[1].str.casefold().map(_MONTHS), named[0]))
    rows = ctx.require(rows, "day", day, "event_date", "is not a date written 16 February 2024 or 2024-02-16")
    rows = ctx.require(rows, "date_precision", _code(rows["time_precision"]).map(_TIME_PRECISION),
                       "time_precision", "is not an ACLED time_precision (1, 2 or 3)")  # fmt: skip
    day, week, month = rows["day"], rows["date_precision"] == "week", rows["date_precision"] == "month"
    start = day.where(~week, day - pd.Timedelta(days=3)).where(~month, day.dt.to_period("M").dt.start_time)
    return rows.assign(
        date=iso_day(start),
        date_end=iso_day(day + pd.Timedelta(days=3)).where(week, ""),
        date_note=("ACLED dates the event to the week around " + iso_day(day) + ".").where(week, ""),
    )


def _event_types(rows: pd.DataFrame, ctx: MapContext) -> pd.DataFrame:
    def classify(part: int) -> pd.Series:
        by_sub = {k: v[part] for k, v in _BY_SUB_EVENT.items()}
        by_event = {k: v[part] for k, v in _BY_EVENT.items()}
        return _key(rows["sub_event_type"]).map(by_sub).fillna(_key(rows["event_type"]).map(by_event))

    shown = rows["event_type"].str.strip() + " / " + rows["sub_event_type"].str.strip()
    rows = ctx.require(rows, "relation_type", classify(0), "event_type",
                       "is not an ACLED event type / sub-event type", shown)  # fmt: skip
    return rows.assign(quad_class=classify(1))


def _code(cells: pd.Series) -> pd.Series:
    """Compare ACLED's codes whatever their case, and `7.0` (a spreadsheet's 7) as `7`."""
    return cells.str.strip().str.casefold().str.replace(r"^(\d+)\.0*$", r"\1", regex=True)


def _key(names: pd.Series) -> pd.Series:
    """Compare ACLED's type names whatever their case, and in either spelling of protesters."""
    return names.str.strip().str.casefold().str.replace("protestors", "protesters")


def _actor(
    rows: pd.DataFrame, ctx: MapContext, aliases: AliasTable, column: str, type_column: str
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Return an actor's shown name, its country and a note on its ACLED name where renamed.

    The actor's type in `type_column` is checked against the codebook, which gives each named
    actor one of eight types and a missing one (actor2 of a one-sided event) 0 or nothing.
    """
    name = rows[column].str.strip()
    canonical, country = aliases.resolve(name)
    code = _code(rows[type_column])
    type_code, none = code.map(_TYPE_CODES), code.isin(_NO_ACTOR)
    problems = {
        "is not an ACLED actor type (1–8 or its name)": type_code.isna() & ~none,
        # Not an empty type beside a named actor: a file without the column reads as empty
        # cells, and would warn on every row.
        f"says there is no {column}, but {column} is named": (code == "0") & (name != ""),
        f"gives {column} a type, but {column} is empty": type_code.notna() & (name == ""),
    }
    for kind, odd in problems.items():
        ctx.warn(rows, odd, type_column, kind, rows[type_column])
    actor_type = type_code.map(_ACTOR_TYPES).where(~none, "")  # NaN where the type is unknown
    # Unaliased actors: the state a state force's name gives, the country civilians are of.
    named_state = countries_from_names(name.str.extract(_STATE_ACTOR)[0].fillna(""))
    named_people = countries_from_names(name.str.extract(_PEOPLE_ACTOR)[0].fillna(""))
    derived = named_state.where(actor_type.isin(_STATE_TYPES))
    derived = derived.fillna(named_people.where(actor_type.isin(_PEOPLE_TYPES)))
    shown = canonical.fillna(name)
    return shown, country.fillna(derived).fillna(""), renamed_note(DATASET, column, name, shown)


def _check_interaction(rows: pd.DataFrame, ctx: MapContext) -> None:
    """Warn where `interaction` holds none of the codebook's values.

    It is checked, not mapped: inter1 and inter2 say the same per actor. An empty cell is no
    problem, as a file without the column reads as empty cells.
    """
    text = _code(rows["interaction"]).str.replace(r"\s*[-–]\s*", "-", regex=True)  # `Rebel group – Civilians`
    names = text.str.extract(_INTERACTION_NAMES)
    first, second = names[0].map(_TYPE_BY_NAME), names[1].map(_TYPE_BY_NAME)
    named = first.notna() & (names[1].isna() | second.notna())
    odd = (text != "") & ~text.isin(_INTERACTIONS) & ~named
    ctx.warn(rows, odd, "interaction", "is not an ACLED interaction (such as 17 or State forces-Civilians)",
             rows["interaction"])  # fmt: skip


def _associated(rows: pd.DataFrame, column: str, actor: str) -> pd.Series:
    names = rows[column].str.strip()
    return ("ACLED associates with " + actor + ": " + names + ".").where(names != "", "")


def _summary(rows: pd.DataFrame, actor1: pd.Series, actor2: pd.Series) -> pd.Series:
    """Write a summary for the rare row without ACLED's notes."""
    with_actor2 = (" and " + actor2).where(actor2 != "", "")
    return rows["sub_event_type"].str.strip() + ": " + actor1 + with_actor2 + ", " + rows["location"] + "."


def _tags(rows: pd.DataFrame, ctx: MapContext) -> pd.Series:
    """Return ACLED's tags, with `civilian targeting` added where ACLED marks the event so."""
    tags = rows["tags"].str.replace(r"\s*;\s*", "; ", regex=True).str.strip("; ")
    mark = rows["civilian_targeting"].str.strip().str.casefold()
    targeting = mark.isin(_CIVILIAN_TARGETING)
    # Anything else may as well mean "no" as "yes": the event is not tagged, and the analyst told.
    kind = "is not ACLED's mark (Civilian targeting or empty); not tagged"
    ctx.warn(rows, (mark != "") & ~targeting, "civilian_targeting", kind, rows["civilian_targeting"])
    return tags.where(~targeting, (tags + "; civilian targeting").str.lstrip("; "))


def _revised(timestamp: pd.Series) -> pd.Series:
    """Write ACLED's `timestamp` (Unix seconds of the last revision) as UTC `YYYY-MM-DDTHH:MM:SSZ`."""
    seconds = pd.to_numeric(timestamp.str.strip(), errors="coerce")
    moment = pd.to_datetime(seconds, unit="s", utc=True, errors="coerce")
    return moment.dt.strftime("%Y-%m-%dT%H:%M:%SZ").fillna("").astype("str")


def _articles(sources: pd.Series) -> tuple[pd.Series, pd.DataFrame]:
    """Return each event's article ids (one per outlet in `source`) and those articles."""
    outlets = sources.str.split(";").explode().str.strip()
    outlets = outlets[outlets.fillna("") != ""]
    ids = stable_ids(DATASET, outlets.str.casefold())
    cited = ids.groupby(level=0).agg(lambda s: ";".join(dict.fromkeys(s)))
    articles = articles_frame(
        article_id=ids, title="[" + outlets + ", as cited by ACLED]", outlet=outlets, language="en"
    )
    return cite_dataset_where_missing(cited, sources.index, articles, DATASET_ARTICLE)
