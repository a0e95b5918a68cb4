"""The data contract, declared once: columns, vocabularies and the pandera schemas."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode

import pandas as pd
import pandera.pandas as pandera
import pyarrow as pa
import pyarrow.compute as pc
import pycountry

EVENT_COLUMNS = (
    "event_id", "date", "date_end", "date_precision",
    "actor1", "actor1_country", "actor2", "actor2_country",
    "relation_type", "quad_class", "status",
    "country", "location", "latitude", "longitude", "geo_precision",
    "summary", "article_id", "excerpt", "excerpt_en",
    "fatalities", "dataset", "source_code", "tags", "notes",
)  # fmt: skip
# A source's range around `fatalities` (UCDP's low and high; `fatalities` is its best): optional,
# typed like it, kept by every load, store and export beside the contract's columns.
FATALITIES_LOW, FATALITIES_HIGH = "fatalities_low", "fatalities_high"
FATALITY_RANGE = (FATALITIES_LOW, FATALITIES_HIGH)
TYPED_EVENT_COLUMNS = (*EVENT_COLUMNS, *FATALITY_RANGE)  # the columns an events table types
ARTICLE_COLUMNS = (
    "article_id", "title", "outlet", "published", "language", "url", "cited_sources",
)  # fmt: skip

RELATION_TYPES = (
    "military", "security", "sanctions", "diplomatic", "energy",
    "economic", "cultural", "media", "political",
)  # fmt: skip
QUAD_CLASSES = (
    "verbal_cooperation", "material_cooperation", "verbal_conflict", "material_conflict", "neutral",
)  # fmt: skip
STATUSES = ("reported", "alleged", "planned", "assessment")
DATE_PRECISIONS = ("day", "week", "month", "year")
GEO_PRECISIONS = ("exact", "city", "region", "country")
ACTOR_SIDES = ("any", "actor1", "actor2")  # which side of an event an actor filter looks at

# Cooperation or conflict: the side of each quad class, for charts that set them apart.
COOPERATION, CONFLICT, NEUTRAL = "cooperation", "conflict", "neutral"
QUAD_SIDES = (COOPERATION, CONFLICT, NEUTRAL)
SIDE_OF_QUAD = {
    "verbal_cooperation": COOPERATION,
    "material_cooperation": COOPERATION,
    "verbal_conflict": CONFLICT,
    "material_conflict": CONFLICT,
    "neutral": NEUTRAL,
}

#: The states on Russia's southern flank that the dashboard is about.
FOCUS_STATES: tuple[str, ...] = ("UKR", "GEO", "ARM", "AZE")
#: The states whose regions (admin-1, ISO 3166-2) the geometry holds, and every region's code:
#: their subdivisions, a parent of others standing for them (AZ-NX is its eight units).
REGION_STATES: tuple[str, ...] = (*FOCUS_STATES, "RUS")


def _region_codes() -> frozenset[str]:
    subdivisions = [
        s
        for state in REGION_STATES
        for s in pycountry.subdivisions.get(country_code=pycountry.countries.lookup(state).alpha_2) or ()
    ]
    return frozenset(s.code for s in subdivisions) - {s.parent_code for s in subdivisions if s.parent_code}


REGION_CODES = _region_codes()

# URL parameters: each name with all its values (a repeated key gives several).
Params = Mapping[str, Sequence[str]]

DEFAULT_STATUS = "reported"
DEFAULT_DATASET = "curated"

ISO3_CODES = frozenset(c.alpha_3 for c in pycountry.countries) | {"XKX"}  # XKX: Kosovo
LANGUAGE_CODES = frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))

ARTICLE_ID_SEPARATOR = ";"  # between the articles an event cites: `A;B`
# The one URL rule: validation reports what display would refuse, display links what validation
# accepts. http(s), a host, no white space inside (around it is trimmed).
_HTTP_URL_PATTERN = re.compile(r"(?i)https?://[^\s/]+\S*")
# What is trimmed around an article id: ASCII white space, as SQL's TRIM does on every engine.
BLANK = " \t\n\r\v\f"
# An empty item in a list of article ids: `;A`, `A;;B`, `A;`.
_EMPTY_ARTICLE_ITEM = re.compile(r"(?:^|;)[ \t\n\r\v\f]*(?:;|$)")


def country_name(code: str) -> str:
    """Return a country's English name (its common name where it has one), or the code itself."""
    country = pycountry.countries.get(alpha_3=code)
    return str(getattr(country, "common_name", None) or getattr(country, "name", code))


def is_http_url(value: object) -> bool:
    """Return True for an `http://` or `https://` URL: the only ones accepted, and shown as links."""
    return isinstance(value, str) and _HTTP_URL_PATTERN.fullmatch(value.strip()) is not None


def article_ids(cell: str) -> list[str]:
    """Return the article ids of one `article_id` cell, trimmed, in order: the first is quoted."""
    return [item.strip(BLANK) for item in cell.split(ARTICLE_ID_SEPARATOR)]


def first_article(cells: pd.Series) -> pd.Series:
    """Return each event's first article id (the one its excerpt quotes) from its `article_id` cell."""
    ids = cells.astype("str")
    several = ids.str.contains(ARTICLE_ID_SEPARATOR, regex=False)
    # Most events cite one article: splitting only the others is many times faster.
    return ids.mask(several, ids[several].str.split(ARTICLE_ID_SEPARATOR).str[0]).str.strip(BLANK)


def has_empty_article_item(cells: pd.Series) -> pd.Series:
    """Return True where a non-empty `article_id` cell holds an empty item (`;A`, `A;;B`, `A;`)."""
    return (cells != "") & cells.str.contains(_EMPTY_ARTICLE_ITEM)


Rule = tuple[Callable[[pd.Series], pd.Series], str]  # a vectorised test and its message


def _one_of(values: Iterable[str], message: str | None = None) -> Rule:
    values = tuple(values)
    return (lambda s: s.isin(values), message or "must be one of: " + ", ".join(values))


def _iso_date() -> Rule:
    # The pattern first: pandas' format also takes `2024-1-1` and full-width digits.
    def is_date(s: pd.Series) -> pd.Series:
        written = s.str.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
        return written & pd.to_datetime(s.where(written), format="%Y-%m-%d", errors="coerce").notna()

    return (is_date, "must be a real date written YYYY-MM-DD")


def _published() -> Rule:
    def is_published(s: pd.Series) -> pd.Series:
        written = s.str.fullmatch(r"[0-9]{4}-[0-9]{2}(-[0-9]{2})?")
        day = pd.to_datetime(s.where(written), format="%Y-%m-%d", errors="coerce")
        month = pd.to_datetime(s.where(written), format="%Y-%m", errors="coerce")
        return written & (day.notna() | month.notna())

    return (is_published, "must be a date written YYYY-MM-DD or YYYY-MM")


def _number_between(low: float, high: float) -> Rule:
    def in_range(s: pd.Series) -> pd.Series:
        return pd.to_numeric(s, errors="coerce").between(low, high)

    return (in_range, f"must be a number from {low:g} to {high:g}")


# [0-9], not \d: \d also matches other scripts' digits (١٢), which pandas cannot turn into numbers.
_WHOLE_NUMBER: Rule = (lambda s: s.str.fullmatch(r"[0-9]{1,9}"), "must be a whole number ≥ 0")
_HTTP_URL: Rule = (
    lambda s: s.str.strip().str.fullmatch(_HTTP_URL_PATTERN),
    "must be an http:// or https:// URL with no space inside",
)
_COUNTRY = _one_of(sorted(ISO3_CODES), "must be an ISO 3166-1 alpha-3 country code (RUS, UKR, AZE…)")
_LANGUAGE = _one_of(sorted(LANGUAGE_CODES), "must be an ISO 639-1 language code (nl, en…)")


def _text(*rules: Rule, required: bool = False) -> pandera.Column:
    """Declare a column of raw text cells.

    Every rule skips empty cells, so an empty required cell is reported once, as empty.
    """
    checks = [pandera.Check(lambda s: s.str.strip() != "", error="is required but empty")] if required else []
    checks += [pandera.Check(lambda s, f=test: (s == "") | f(s), error=msg) for test, msg in rules]
    return pandera.Column(str, checks, required=required)


# Schemas over the raw text of each file: every cell is a string, an empty cell is "".
# Checks are vectorised, so a million rows validate in seconds, and their error strings
# are the messages users read.
EVENTS_SCHEMA = pandera.DataFrameSchema(
    {
        "event_id": _text(required=True),
        "date": _text(_iso_date(), required=True),
        "date_end": _text(_iso_date()),
        "date_precision": _text(_one_of(DATE_PRECISIONS), required=True),
        "actor1": _text(required=True),
        "actor1_country": _text(_COUNTRY),
        "actor2": _text(),
        "actor2_country": _text(_COUNTRY),
        "relation_type": _text(_one_of(RELATION_TYPES), required=True),
        "quad_class": _text(_one_of(QUAD_CLASSES), required=True),
        "status": _text(_one_of(STATUSES)),
        "country": _text(_COUNTRY, required=True),
        "location": _text(required=True),
        "latitude": _text(_number_between(-90, 90), required=True),
        "longitude": _text(_number_between(-180, 180), required=True),
        "geo_precision": _text(_one_of(GEO_PRECISIONS), required=True),
        "summary": _text(required=True),
        "article_id": _text(required=True),
        # The column must exist; its cells are required for curated rows only (load.py).
        "excerpt": pandera.Column(str, required=True),
        "fatalities": _text(_WHOLE_NUMBER),
        FATALITIES_LOW: _text(_WHOLE_NUMBER),
        FATALITIES_HIGH: _text(_WHOLE_NUMBER),
    },
    strict=False,
    name="events",
)

ARTICLES_SCHEMA = pandera.DataFrameSchema(
    {
        "article_id": _text(required=True),
        "title": _text(required=True),
        "published": _text(_published()),
        "language": _text(_LANGUAGE, required=True),
        "url": _text(_HTTP_URL),
    },
    strict=False,
    name="articles",
)

REQUIRED_EVENT_COLUMNS = tuple(n for n, c in EVENTS_SCHEMA.columns.items() if c.required)
REQUIRED_ARTICLE_COLUMNS = tuple(n for n, c in ARTICLES_SCHEMA.columns.items() if c.required)


# --- dates are intervals -------------------------------------------------------------------------

# Derived columns every events frame carries beside the contract's (never written to events.csv).
SPAN_END = "span_end"  # the last day the event can have happened: date_end or the precision window
LOCATED_IN = "located_in"  # the country whose polygon holds the point ("" at sea)
REGION = "region"  # the region (ISO 3166-2) of that country whose polygon holds the point ("" if none)
REGION_NAME = "region_name"  # its English name
SOURCE_ADMIN1 = "source_admin1"  # imported events: the source's own admin-1 as it came, to compare
# Corroboration (`core.corroboration`): the events of all datasets judged to be one event.
CLUSTER_ID = "cluster_id"  # the id the events of one cluster share: its representative's event id
CLUSTER_SIZE = "cluster_size"  # how many events the cluster holds (1: a single source)
CORROBORATED_BY = "corroborated_by"  # the cluster's other event ids, `;`-separated ("" for a single source)
CLUSTER_COLUMNS = (CLUSTER_ID, CLUSTER_SIZE, CORROBORATED_BY)

# The longest span, in days, each date precision stands for: its window below, at its longest
# (a week from its first day, a 31-day month). A `date` … `date_end` span longer than that
# claims a dating more exact than it is. `year` is the coarsest precision and takes any span.
LONGEST_SPAN_DAYS = {"day": 1, "week": 7, "month": 31}


def span_end(events: pd.DataFrame) -> pd.Series:
    """Return the last day each event can have happened (contract: "Dates are intervals")."""
    date = events["date"]
    precision = events["date_precision"].astype("str")
    window_end = date.where(precision != "week", date + pd.Timedelta(days=6))
    window_end = window_end.where(precision != "month", date + pd.offsets.MonthEnd(0))
    window_end = window_end.where(precision != "year", date + pd.offsets.YearEnd(0))
    return events["date_end"].fillna(window_end).astype("datetime64[ms]")


def overlaps(start: Any, end: Any, since: object | None, until: object | None) -> Any:
    """Return where a span (`start` … `end`, both days included) overlaps `since` … `until`.

    The one date rule of every filter: an event is kept when its span reaches the first day and
    starts by the last. Works on anything that compares (pandas columns, query expressions);
    None when neither end is given.
    """
    keep = None
    if since is not None:
        keep = end >= since
    if until is not None:
        keep = (start <= until) if keep is None else keep & (start <= until)
    return keep


def quad_side(quad_class: pd.Series) -> pd.Series:
    """Return each quad class's side: cooperation, conflict or neutral."""
    return quad_class.astype("str").map(SIDE_OF_QUAD).fillna(NEUTRAL)


def map_href(event_id: str, params: Params) -> str:
    """Return the app-relative link that opens the map on an event, keeping the filter `params`.

    Relative (`./?…`), so that it works from every page and under any base path; the event id
    and every value are URL-encoded, so a link is never more than a query string.
    """
    query = [("event", event_id)] + [(k, v) for k, values in params.items() for v in values]
    return "./?" + urlencode(query, quote_via=quote, safe=":")


# --- text search -------------------------------------------------------------------------------

# The columns the free-text search looks in, and the derived column that holds them folded.
SEARCHED_COLUMNS = ("summary", "excerpt", "excerpt_en", "location", "tags", "actor1", "actor2")
SEARCH_TEXT = "search_text"
_SEARCH_SEPARATOR = "\x1f"  # between the columns: no needle spans two of them (it is removed from needles)


def fold(texts: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Fold text for a case-insensitive search that every engine answers alike.

    The Unicode lowercase mapping of each character on its own (`İ` → `i`, `Σ` → `σ`; Arrow's
    `utf8_lower`, as DuckDB's `lower`), and the final sigma as a sigma. Engines lowercase
    differently (Spark and Python map `İ` to two characters, and know the final sigma), so the
    data is folded once, where it is written, and the engines compare bytes.
    """
    return pc.replace_substring(pc.utf8_lower(texts), "ς", "σ")


def fold_text(text: str) -> str:
    """Fold one search needle as `fold` folds the data."""
    cleaned = text.replace(_SEARCH_SEPARATOR, " ")
    return str(fold(pa.array([cleaned], type=pa.string()))[0].as_py()) if cleaned else ""


def search_text(columns: Mapping[str, pa.Array | pa.ChunkedArray]) -> pa.Array | pa.ChunkedArray:
    """Return the folded search column of events from their searched columns (null reads as empty)."""
    parts = [pc.fill_null(pc.cast(columns[name], pa.string()), "") for name in SEARCHED_COLUMNS]
    return fold(pc.binary_join_element_wise(*parts, _SEARCH_SEPARATOR))
