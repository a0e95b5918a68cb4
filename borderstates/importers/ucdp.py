"""UCDP Georeferenced Event Dataset (GED) CSV → events and articles, as the data contract maps them."""

from __future__ import annotations

import pandas as pd

from borderstates.core.contract import FATALITIES_HIGH, FATALITIES_LOW
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
from borderstates.importers.countries import countries_from_gleditsch_ward, countries_from_names

FORMAT = "ucdp"
NAME = "UCDP GED"
DATASET = "UCDP"
REQUIRED = ("id", "type_of_violence", "side_a", "side_b", "country", "latitude", "longitude", "date_start")
USED = (*REQUIRED, "date_end", "date_prec", "where_prec", "where_coordinates", "where_description",
        "adm_1", "adm_2", "country_id", "best", "low", "high",
        "source_headline", "source_office", "source_date",
        "source_original", "conflict_name", "dyad_name", "gwnoa", "gwnob")  # fmt: skip
DATASET_ARTICLE = {"article_id": "UCDP:ucdp.uu.se", "title": "[UCDP Georeferenced Event Dataset]",
                   "outlet": "UCDP", "url": "https://ucdp.uu.se/", "language": "en"}  # fmt: skip

_RELATION = {"1": "military", "2": "military", "3": "security"}  # by type_of_violence
_VIOLENCE = {"1": "State-based conflict", "2": "Non-state conflict", "3": "One-sided violence"}
_DATE_PRECISION = {"1": "day", "2": "week", "3": "week", "4": "month", "5": "year", "": "day"}
_WHERE_PRECISION = {"1": "exact", "2": "city", "3": "region", "4": "region", "5": "region",
                    "6": "country", "7": "region", "": "region"}  # fmt: skip
_SOURCES = {"source_headline": "headline", "source_office": "office", "source_date": "published"}  # in step
_PLACE_KIND = r"\s+(?:town|city|village)$"  # where_coordinates says `Donetsk town`; a map says Donetsk


def map_chunk(rows: pd.DataFrame, ctx: MapContext, aliases: AliasTable) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Map a chunk of UCDP GED rows to events and the articles they cite; bad rows are logged."""
    ucdp_id = rows["id"].str.strip().str.replace(r"\.0+$", "", regex=True)
    rows = ctx.reject(rows.assign(event_id=id_prefix(DATASET) + ucdp_id), ucdp_id == "", "id",
                      "is required but empty")  # fmt: skip
    country = countries_from_gleditsch_ward(rows["country_id"]).fillna(countries_from_names(rows["country"]))
    rows = ctx.require(rows.assign(country_name=rows["country"]), "country", country, "country",
                       "is no country we can map to ISO 3166-1 alpha-3 (nor is its country_id)")  # fmt: skip
    rows = ctx.keep_dates(_dates(ctx.keep_countries(rows), ctx))
    rows = ctx.translate(rows, "type_of_violence", _RELATION, "relation_type",
                         "is not a UCDP type of violence (1, 2 or 3)")  # fmt: skip
    rows = ctx.translate(
        rows, "where_prec", _WHERE_PRECISION, "geo_precision", "is not a UCDP where_prec (1 to 7)"
    )
    rows = coordinates(rows, ctx, "latitude", "longitude").assign(quad_class="material_conflict")
    side_a, country_a, note_a = _actor(rows, aliases, "side_a", "gwnoa")
    side_b, country_b, note_b = _actor(rows, aliases, "side_b", "gwnob")
    place = rows["where_coordinates"].str.strip().str.replace(_PLACE_KIND, "", regex=True)
    location = first_of(place, rows["adm_2"], rows["adm_1"], rows["country_name"])
    deaths = whole_numbers(rows, ctx, "best")
    low, high = (whole_numbers(rows, ctx, column) for column in ("low", "high"))
    article_ids, articles = _articles(rows, ctx)
    events = finish_events(rows, ctx, DATASET, {
        "actor1": side_a, "actor1_country": country_a, "actor2": side_b, "actor2_country": country_b,
        "status": "reported", "location": location,
        "summary": _summary(rows["type_of_violence"].str.strip(), side_a, side_b, location, deaths),
        "article_id": article_ids, "fatalities": deaths, FATALITIES_LOW: low, FATALITIES_HIGH: high,
        "source_code": "type_of_violence=" + rows["type_of_violence"].str.strip(),
        "notes": join_notes(note_a, note_b, _context(rows)), "source_admin1": rows["adm_1"],
    })  # fmt: skip
    return events, articles


def parse_dates(text: pd.Series) -> pd.Series:
    """Read the date formats UCDP files mix: `2014-01-22`, `1/22/2014 12:00:00 AM`, `05/02/2014 00:00`.

    Slashed dates are month first, as in UCDP's own exports.
    """
    text = text.str.strip()
    iso = text.str.extract(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
    slashed = text.str.extract(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s.*)?$")
    return dates_from_parts(iso[0], iso[1], iso[2]).fillna(
        dates_from_parts(slashed[2], slashed[0], slashed[1])
    )


def _dates(rows: pd.DataFrame, ctx: MapContext) -> pd.DataFrame:
    kind = "is not a date (2014-01-22 or 1/22/2014)"
    rows = ctx.require(rows, "start", parse_dates(rows["date_start"]), "date_start", kind)
    end = parse_dates(rows["date_end"])
    unreadable = end.isna() & (rows["date_end"].str.strip() != "")
    rows = ctx.reject(rows.assign(end=end), unreadable, "date_end", kind, rows["date_end"])
    rows = ctx.reject(rows, rows["end"] < rows["start"], "date_end", "is before date_start", rows["date_end"])
    rows = ctx.translate(
        rows, "date_prec", _DATE_PRECISION, "date_precision", "is not a UCDP date_prec (1 to 5)"
    )
    one_day = ~(rows["end"] > rows["start"])  # then date_end stays empty: the date itself
    return rows.assign(date=iso_day(rows["start"]), date_end=iso_day(rows["end"]).where(~one_day, ""))


def _actor(rows: pd.DataFrame, aliases: AliasTable, column: str, gw_column: str) -> tuple[pd.Series, ...]:
    """Return a side's shown name, its state (alias table, else its Gleditsch–Ward number), a note."""
    name = rows[column].str.strip()
    canonical, country = aliases.resolve(name)
    shown = canonical.fillna(name)
    country = country.fillna(countries_from_gleditsch_ward(rows[gw_column])).fillna("")
    return shown, country, renamed_note(DATASET, column, name, shown)


def _summary(
    violence_type: pd.Series, side_a: pd.Series, side_b: pd.Series, place: pd.Series, deaths: pd.Series
) -> pd.Series:
    kind = violence_type.map(_VIOLENCE)
    sides = (" between " + side_a + " and " + side_b).where(
        violence_type != "3", " by " + side_a + " against " + side_b
    )
    counted = (deaths + " deaths").where(deaths != "1", "1 death")
    toll = (": " + counted + " (UCDP best estimate)").where(deaths != "", "")
    return kind + sides + " in " + place + toll + "."


def _context(rows: pd.DataFrame) -> pd.Series:
    def sentence(text: str, column: str) -> pd.Series:
        value = rows[column].str.strip()
        return (text + value + ".").where(value != "", "")

    return join_notes(
        sentence("UCDP conflict: ", "conflict_name"),
        sentence("UCDP dyad: ", "dyad_name"),
        sentence("UCDP describes the place as: ", "where_description"),
        sentence("Sources UCDP names: ", "source_original"),
    )


def _articles(rows: pd.DataFrame, ctx: MapContext) -> tuple[pd.Series, pd.DataFrame]:
    """Return each event's article ids, one per entry of the source lists (in step), and the articles."""
    headlines, offices = rows["source_headline"].str.strip(), rows["source_office"].str.strip()
    uneven = (headlines != "") & (offices != "") & (headlines.str.count(";") != offices.str.count(";"))
    kind = "has another number of entries than source_office; paired in order"
    ctx.warn(rows, uneven, "source_headline", kind, headlines)
    entries = pd.concat([_entries(rows[column], name) for column, name in _SOURCES.items()], axis=1)
    entries = entries.fillna("")
    entries = entries[(entries != "").any(axis=1)]
    published = iso_day(parse_dates(entries["published"]))
    key = entries["office"].str.casefold() + "\x1f" + published + "\x1f" + entries["headline"].str.casefold()
    ids = stable_ids(DATASET, key)
    office = entries["office"].where(entries["office"] != "", "Source")
    dated = (" of " + published).where(published != "", "")
    title = entries["headline"].where(entries["headline"] != "", "[" + office + " report" + dated + "]")
    cited = ids.groupby(level=0).agg(lambda s: ";".join(dict.fromkeys(s)))
    articles = articles_frame(article_id=ids, title=title, outlet=entries["office"], published=published,
                              language="en")  # fmt: skip
    return cite_dataset_where_missing(cited, rows.index, articles, DATASET_ARTICLE)


def _entries(cells: pd.Series, name: str) -> pd.DataFrame:
    """Split `;`-separated cells into one row per entry, indexed by (event row, position)."""
    entries = cells.str.split(";").explode().str.strip().fillna("").to_frame(name)
    entries["position"] = entries.groupby(level=0).cumcount()
    return entries.set_index("position", append=True)
