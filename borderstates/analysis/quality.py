"""What the loaded data is worth: the validation report and the checks an analyst reads before trusting it."""

from __future__ import annotations

import functools
import operator
import string
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import ibis.expr.types as ir
import pandas as pd

from borderstates.analysis.sources import disagreements
from borderstates.core import contract, query
from borderstates.core.contract import LOCATED_IN, REGION, REGION_NAME, SOURCE_ADMIN1
from borderstates.core.csvio import LINE
from borderstates.core.engine import DataStatus, Store
from borderstates.core.filters import EventFilter
from borderstates.core.geo import beyond_tolerance
from borderstates.core.paths import FULL_FILE
from borderstates.core.regions import RegionNames, load_regions

PROBLEM_COLUMNS = ("file", "line", "column", "message", "severity")
ROWS_LISTED = 1_000  # rows of each list that a report holds; its count says how many there are
AT_SEA = "(no country: at sea)"
UNKNOWN_LANGUAGE = "(unknown)"
# What the engines' `strip` removes (ibis trims ASCII white space): a cell without any of these
# nor a separator is an article id as it stands, and needs no splitting or trimming.
_WHITE_SPACE = string.whitespace
_SOME_TEXT = r"[^ \t\n\r\x0b\x0c]"  # a character that `strip` keeps, as RE2 and Java read it


@dataclass(frozen=True)
class QualityReport:
    """The checks of the data: its problems as a whole, and the checks of the filtered events.

    Each list holds the first rows in file order (`build_report`'s `limit`), and beside it the
    count of every row that belongs in it. `outside` is None when the geography check could not
    run (no country polygons) or no geometry folder was given; `other_region` is None when no
    event carries its source's admin-1 (only imported ones do) or there are no regions to
    compare it with.
    """

    printed: list[str]
    problems: pd.DataFrame
    outside: pd.DataFrame | None
    date_precision: pd.DataFrame
    geo_precision: pd.DataFrame
    without_english: pd.DataFrame
    articles_without_url: pd.DataFrame
    uncited_articles: pd.DataFrame
    outside_count: int  # 0 when the geography check did not run
    without_english_count: int
    articles_without_url_count: int
    uncited_articles_count: int
    other_region: pd.DataFrame | None = None
    other_region_count: int = 0
    unknown_admin1: pd.DataFrame | None = None  # the source's admin-1 names no region goes by
    disagreeing: pd.DataFrame | None = None  # clusters whose sources disagree (`sources.disagreements`)
    disagreeing_count: int = 0


def validation_lines(status: DataStatus) -> list[str]:
    """Return the problems as `borderstates validate` prints them: `FILE:LINE: COLUMN: message`."""
    return [str(problem) for problem in status.problems]


def validation_summary(status: DataStatus, events_path: Path | str) -> str:
    """Return the summary line that `borderstates validate` ends with (and the quality page shows)."""
    errors = len(status.errors)
    # Every stored event passed its import's checks: it counts as read and as valid.
    valid = status.valid_in_file + status.in_store
    read = status.rows_in_file + status.in_store
    return (
        f"{events_path}: {valid} valid events of {read}, {status.articles} articles; "
        f"{errors} errors, {len(status.problems) - errors} warnings"
    )


def build_report(
    store: Store, f: EventFilter, geo_dir: Path | str | None = None, limit: int = ROWS_LISTED
) -> QualityReport:
    """Check the data: its problems as a whole, and the events that match `f` one by one.

    Parameters
    ----------
    store
        The data, on its engine.
    f
        The filter: the event checks and the articles without URL follow it; the uncited
        articles are those no event at all cites.
    geo_dir
        The geometry folder the events were placed in: the points outside their country are
        measured against its polygons, and the source's admin-1 of each event is compared
        with its region. None: neither check.
    limit
        Rows each list holds at most; the report counts them all.

    """
    status = store.status
    problems = pd.DataFrame([vars(p) for p in status.problems], columns=list(PROBLEM_COLUMNS))
    outside, outside_count = (
        outside_country(store, f, geo_dir, limit)
        if geo_dir is not None and geography_checked(status)
        else (None, 0)
    )
    without, without_count = without_english(store, f, limit)
    no_url, no_url_count = articles_without_url(store, f, limit)
    uncited, uncited_count = uncited_articles(store, limit)
    other, other_count, unknown = other_region(store, f, _region_names(geo_dir), limit)
    disagreeing, disagreeing_count = disagreements(store, f, limit)
    return QualityReport(
        printed=validation_lines(status),
        problems=problems,
        outside=outside,
        date_precision=precision_counts(store, f, "date_precision", contract.DATE_PRECISIONS),
        geo_precision=precision_counts(store, f, "geo_precision", contract.GEO_PRECISIONS),
        without_english=without,
        articles_without_url=no_url,
        uncited_articles=uncited,
        outside_count=outside_count,
        without_english_count=without_count,
        articles_without_url_count=no_url_count,
        uncited_articles_count=uncited_count,
        other_region=other,
        other_region_count=other_count,
        unknown_admin1=unknown,
        disagreeing=disagreeing,
        disagreeing_count=disagreeing_count,
    )


def _region_names(geo_dir: Path | str | None) -> RegionNames | None:
    if geo_dir is None:
        return None
    try:
        return RegionNames(load_regions(geo_dir))
    except (OSError, ValueError):  # a geometry folder from before regions: the loader said so
        return None


def other_region(
    store: Store, f: EventFilter, names: RegionNames | None, limit: int = ROWS_LISTED
) -> tuple[pd.DataFrame | None, int, pd.DataFrame | None]:
    """Return the matching events whose source names another region than their point lies in.

    The source's admin-1 (`source_admin1`, as it came) is read tolerantly: any spelling of a
    region's name, its ISO code, or GDELT's FIPS code (`RegionNames.codes`); a name of a city
    and the unit around it means either. Events with no admin-1, or whose point lies in no
    region, are not compared (the geography check covers those); names that no region goes by
    are counted apart.

    Returns
    -------
    tuple
        The first `limit` events that disagree (None: nothing to compare), how many there are,
        and the unknown names with their counts of events (None likewise).

    """
    events = store.matching(f)
    if names is None or SOURCE_ADMIN1 not in events.columns:
        return None, 0, None
    named = events.filter((events[SOURCE_ADMIN1] != "") & (events[REGION] != ""))
    pairs = store.fetch(named.group_by(SOURCE_ADMIN1, REGION).aggregate(events=named.count()))
    meant = {name: names.codes(name) for name in pairs[SOURCE_ADMIN1].unique()}
    unmeant = pairs[pairs[SOURCE_ADMIN1].map(lambda n: not meant[n])]
    unknown = unmeant.groupby(SOURCE_ADMIN1)["events"].sum().sort_index().reset_index()
    disagreeing = sorted(
        {
            n
            for n, r in zip(pairs[SOURCE_ADMIN1], pairs[REGION], strict=True)
            if meant[n] and r not in meant[n]
        }
    )
    columns = ["event_id", "location", SOURCE_ADMIN1, REGION, REGION_NAME, LINE]
    if not disagreeing:
        return (
            pd.DataFrame(columns=["event_id", "location", "source_says", "means", "lies_in"]),
            0,
            unknown,
        )
    wrong = functools.reduce(
        operator.or_,
        [(named[SOURCE_ADMIN1] == n) & ~named[REGION].isin(sorted(meant[n])) for n in disagreeing],
    )
    rows, count = in_file_order(store, named.filter(wrong).select(*columns), limit)
    frame = pd.DataFrame(
        {
            "event_id": rows["event_id"],
            "location": rows["location"],
            "source_says": rows[SOURCE_ADMIN1],
            "means": rows[SOURCE_ADMIN1].map(
                lambda n: "; ".join(f"{c} {names.name_of[c]}" for c in sorted(meant[n]))
            ),
            "lies_in": rows[REGION] + " " + rows[REGION_NAME],
        }
    )
    return frame, count, unknown


def geography_checked(status: DataStatus) -> bool:
    """Return False when the geography check could not run: a problem names the full geometry file."""
    return not any(Path(p.file).name == FULL_FILE for p in status.problems)


def outside_country(
    store: Store, f: EventFilter, geo_dir: Path | str, limit: int = ROWS_LISTED
) -> tuple[pd.DataFrame, int]:
    """Return the first `limit` matching events whose point lies outside their declared country, and how many.

    `beyond_tolerance` marks those that the geography check warns about (further out than its
    tolerance for coasts and borders, measured against the polygons of `geo_dir`), imported or
    not; the others lie just outside, at sea or across a border.
    """
    events = store.matching(f)
    outside = events.filter(events[LOCATED_IN] != events["country"])
    columns = ["event_id", "location", "country", LOCATED_IN, "latitude", "longitude", LINE]
    rows, count = in_file_order(store, outside.select(*columns), limit)
    frame = pd.DataFrame(
        {
            "event_id": rows["event_id"],
            "location": rows["location"],
            "country": rows["country"],
            "located_in": rows[LOCATED_IN].replace("", AT_SEA),
            "latitude": rows["latitude"],
            "longitude": rows["longitude"],
            # Measured again, as the check measured it: the warnings of imports name lines of
            # the imported files, and keep only a few examples of each kind.
            "beyond_tolerance": beyond_tolerance(rows, geo_dir),
        }
    )
    return frame, count


def precision_counts(store: Store, f: EventFilter, column: str, levels: tuple[str, ...]) -> pd.DataFrame:
    """Return how many matching events have each precision level, every level listed, with its share."""
    events = store.matching(f)
    answer = store.fetch(events.group_by(column).aggregate(events=events.count()))
    counts = answer.set_index(column)["events"].reindex(list(levels), fill_value=0).astype("int64")
    share = counts / counts.sum() if counts.sum() else counts.astype(float)
    return pd.DataFrame({"precision": levels, "events": counts.to_numpy(), "share": share.to_numpy()})


def without_english(store: Store, f: EventFilter, limit: int = ROWS_LISTED) -> tuple[pd.DataFrame, int]:
    """Return the first `limit` events quoting a non-English article without `excerpt_en`, and how many.

    An article the data does not hold counts as not English (its language is shown as unknown).
    """
    events = store.matching(f)
    untranslated = events.filter(has_text(events["excerpt"]) & ~has_text(events["excerpt_en"]))
    untranslated = untranslated.mutate(quoted_from=query.first_article(untranslated["article_id"]))
    english = store.articles.filter(store.articles["language"] == "en")
    # An anti-join, not a lookup: an article id that two sources both hold cannot double a row.
    missing = untranslated.anti_join(english, untranslated["quoted_from"] == english["article_id"])
    rows, count = in_file_order(store, missing.select("event_id", "quoted_from", "excerpt", LINE), limit)
    language = _languages(store, rows["quoted_from"].unique().tolist())
    frame = pd.DataFrame(
        {
            "event_id": rows["event_id"],
            "article_id": rows["quoted_from"],
            "language": rows["quoted_from"].map(language).fillna("").replace("", UNKNOWN_LANGUAGE),
            "excerpt": rows["excerpt"],
        }
    )
    return frame, count


def articles_without_url(store: Store, f: EventFilter, limit: int = ROWS_LISTED) -> tuple[pd.DataFrame, int]:
    """Return the first `limit` articles without URL that the matching events cite, and how many.

    Each with `events`: how many of the matching events cite it (in any position).
    """
    articles = store.articles
    no_url = articles.filter(~has_text(articles["url"]))
    cited = query.citations(store.matching(f))
    # Narrowed to the articles without URL before counting: the fewer the faster.
    cited = cited.filter(cited["article_id"].isin(no_url["article_id"]))
    counts = cited.group_by("article_id").aggregate(events=cited["event_id"].nunique())
    joined = no_url.inner_join(counts, "article_id")
    rows, count = in_file_order(
        store, joined.select("article_id", "title", "outlet", "published", "language", "events", LINE), limit
    )
    return rows.drop(columns=LINE).astype({"events": "int64"}), count


def uncited_articles(store: Store, limit: int = ROWS_LISTED) -> tuple[pd.DataFrame, int]:
    """Return the first `limit` articles that no event cites (whatever the filter), and how many."""
    articles = store.articles
    cited = query.citations(store.events)
    uncited = articles.anti_join(cited, articles["article_id"] == cited["article_id"])
    rows, count = in_file_order(store, uncited.select("article_id", "title", "outlet", LINE), limit)
    return rows.drop(columns=LINE), count


def in_file_order(store: Store, rows: ir.Table, limit: int) -> tuple[pd.DataFrame, int]:
    """Return the first `limit` rows in file order, and how many there are.

    File order is the order of the CSV file (`LINE`), then the imported rows (no line) by id.
    One row more than shown tells whether counting them all is needed at all.
    """
    # A top-N, then a count only when there are more rows: when they are many, two passes over
    # `rows`. A window count over every row would make it one, a third faster on DuckDB, but
    # Spark computes a window without partition in one task, on one machine.
    identity = "event_id" if "event_id" in rows.columns else "article_id"
    # ibis writes NULLS LAST on every engine: the imported rows come after the file's.
    first = store.fetch(rows.order_by([rows[LINE].asc(), rows[identity].asc()]).limit(limit + 1))
    count = len(first) if len(first) <= limit else int(store.scalar(rows.count()))
    return first.head(limit).reset_index(drop=True), count


def _languages(store: Store, article_ids: Sequence[str]) -> dict[str, str]:
    """Return the language of each of a few articles (the first a source gives, for an id held twice)."""
    if not article_ids:
        return {}
    articles = store.articles
    found = store.fetch(
        articles.filter(articles["article_id"].isin(list(article_ids))).select("article_id", "language")
    )
    return dict(found.drop_duplicates("article_id").itertuples(index=False, name=None))


def has_text(cells: ir.StringValue) -> ir.BooleanValue:
    """Return where a text cell holds more than white space: `strip() != ""`, without trimming every cell."""
    # Trimming copies each string (about 1 s a million long cells on DuckDB); the search stops at
    # the first character that is not white space, and most cells are empty or start with text.
    return (cells != "") & cells.re_search(_SOME_TEXT)


def quotes_one_of(events: ir.Table, article_ids: Sequence[str]) -> ir.BooleanValue:
    """Return where an event's first article is one of a few `article_ids`.

    A filter condition: the engines test the cheap prefixes first, and read the first article
    only of the cells that start with one of the ids (or with white space).
    """
    cells = events["article_id"]
    maybe = functools.reduce(operator.or_, [cells.startswith(p) for p in [*article_ids, *_WHITE_SPACE]])
    return maybe & query.first_article(cells).isin(list(article_ids))
