"""Loaders: CSV files in, typed frames and a list of problems out, never an exception for bad data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import cast

import pandas as pd
import pandera.pandas as pandera
import pyarrow as pa
import pyarrow.parquet as pq

from borderstates.core import cache as columnar_cache
from borderstates.core import columnar, contract
from borderstates.core.contract import LOCATED_IN, REGION, REGION_NAME, SEARCH_TEXT, SPAN_END, span_end
from borderstates.core.csvio import LINE, Problem, read_table
from borderstates.core.paths import FULL_FILE, REGIONS_FULL_FILE, data_dir, geometry_dir

_MAX_SHOWN_VALUE = 60  # characters of a bad value quoted in a message

_CATEGORIES = {
    "date_precision": contract.DATE_PRECISIONS,
    "relation_type": contract.RELATION_TYPES,
    "quad_class": contract.QUAD_CLASSES,
    "status": contract.STATUSES,
    "geo_precision": contract.GEO_PRECISIONS,
}
_LENIENT_ARTICLE_COLUMNS = ("url", "published")
EMPTY_ARTICLE_ITEM = "has an empty item: separate article ids by ';' with none empty between, before or after"

# Told what a load is doing and how far it has come (0 to 1), for a progress bar. The shares
# are those of a cold load of a million synthetic events on two cores (`make bench`).
Progress = Callable[[str, float], None]
_STAGES = {
    "hash": ("Comparing the files with the columnar cache", 0.0),
    "articles": ("Reading {articles}", 0.03),
    "events": ("Reading {events}", 0.05),
    "check": ("Checking every row of {events} against the data contract", 0.28),
    "types": ("Converting {events} to typed columns", 0.5),
    "locate": ("Placing each event in its state and checking the declared country", 0.7),
    "cache": ("Keeping a columnar copy for the next start", 0.94),
    "done": ("Loaded", 1.0),
}
_FREE_CATEGORIES = ("actor1", "actor2", "actor1_country", "actor2_country", "country", "dataset", "location")


@dataclass
class Dataset:
    """The valid events and articles of a data directory, and everything wrong with it."""

    events: pd.DataFrame
    articles: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    rows_in_file: int = 0  # event rows in events.csv, valid or not

    @cached_property
    def event_ids(self) -> frozenset[str]:
        """Every valid event's id, built once per loaded dataset (the app shares one)."""
        return frozenset(self.events["event_id"])

    @property
    def errors(self) -> list[Problem]:
        """Problems that kept a row or a file out."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def rows_left_out(self) -> int:
        """Event rows in the file that are not in `events`."""
        return self.rows_in_file - len(self.events)


def load_dataset(
    directory: Path | str | None = None,
    *,
    check_geography: bool = True,
    cache: bool = False,
    progress: Progress | None = None,
) -> Dataset:
    """Load `events.csv` and `articles.csv` of a data directory, partially where rows are bad.

    Parameters
    ----------
    directory
        The data directory; by default `data_dir()`.
    check_geography
        Also locate every event in the country polygons (`geometry_dir`) and warn about
        points outside their declared country.
    cache
        Keep the loaded frames in the Parquet cache (`borderstates.cache`) and reuse them
        while the files' content is unchanged.
    progress
        Told each stage of the load as it begins (what it does, and the share of the load
        done before it), and ("Loaded", 1.0) at the end.

    """
    directory = Path(directory) if directory is not None else data_dir()
    return load_files(
        directory / "events.csv",
        directory / "articles.csv",
        check_geography=check_geography,
        cache=cache,
        progress=progress,
    )


def load_files(
    events_path: Path | str,
    articles_path: Path | str,
    *,
    check_geography: bool = True,
    cache: bool = False,
    progress: Progress | None = None,
) -> Dataset:
    """Load an events file and the articles file it cites; see `load_dataset`."""
    if cache:
        entry = load_columnar(events_path, articles_path, check_geography=check_geography, progress=progress)
        events = frame_from_columnar(pq.read_table(entry.events))
        articles = pq.read_table(entry.articles).to_pandas()
        return Dataset(events, articles, entry.problems, entry.rows_in_file)
    stage = _reporter(progress, events_path, articles_path)
    dataset = _load(Path(events_path), Path(articles_path), check_geography, stage)
    stage("done")
    return dataset


def load_columnar(
    events_path: Path | str,
    articles_path: Path | str,
    *,
    check_geography: bool = True,
    progress: Progress | None = None,
) -> columnar_cache.Entry:
    """Load a pair of files into the columnar cache (once per content and code); return its entry.

    The frames are dropped once written: the engine reads the Parquet files, and a server
    that starts on unchanged files reads nothing but the entry's problems.
    """
    stage = _reporter(progress, events_path, articles_path)
    stage("hash")
    geo_dir = geometry_dir(Path(events_path).parent)
    geometry = [geo_dir / FULL_FILE, geo_dir / REGIONS_FULL_FILE] if check_geography else []
    inputs = [Path(events_path), Path(articles_path), *geometry]
    key = columnar_cache.content_key(*inputs, options=f"geography={check_geography}")
    entry = columnar_cache.read_cached(key)
    if entry is None:
        dataset = _load(Path(events_path), Path(articles_path), check_geography, stage)
        stage("cache")
        entry = columnar_cache.write_cached(
            key,
            columnar.events_table(dataset.events),
            columnar.articles_table(dataset.articles),
            dataset.problems,
            dataset.rows_in_file,
        )
    stage("done")
    return entry


def _reporter(
    progress: Progress | None, events_path: Path | str, articles_path: Path | str
) -> Callable[[str], None]:
    names = {"events": Path(events_path).name, "articles": Path(articles_path).name}

    def stage(name: str) -> None:
        if progress is not None:
            text, done = _STAGES[name]
            progress(text.format(**names), done)

    return stage


def _load(
    events_path: Path, articles_path: Path, check_geography: bool, stage: Callable[[str], None]
) -> Dataset:
    stage("articles")
    articles, article_problems = load_articles(articles_path)
    # When no article could be read, that is the problem to report, not every event's reference.
    readable = len(articles) > 0 or not article_problems
    known_articles = set(articles["article_id"]) if readable else None
    events, event_problems, rows = load_events(events_path, known_articles=known_articles, stage=stage)
    problems = article_problems + event_problems
    if check_geography:
        from borderstates.core.geo import locate_events  # geometry is heavy: only when asked

        stage("locate")
        events, geo_problems = locate_events(events, geometry_dir(events_path.parent), str(events_path))
        problems += geo_problems
    return Dataset(events, articles, problems, rows)


def frame_from_columnar(table: pa.Table) -> pd.DataFrame:
    """Return events in columnar form (`columnar.events_table`) as the typed frame a load gives."""
    frame = table.drop_columns([c for c in (SEARCH_TEXT,) if c in table.column_names]).to_pandas(
        date_as_object=False
    )
    frame = frame.astype({column: "datetime64[ms]" for column in ("date", "date_end", SPAN_END)})
    order = _in_order(frame.columns)
    return _categorised(frame[order + [c for c in (LOCATED_IN, REGION, REGION_NAME) if c in frame]])


def _in_order(columns: pd.Index) -> list[str]:
    """Return the columns of an events frame in one order: the contract's, the file's own, the derived.

    A file's own columns named like the derived ones (an export read back: `region`,
    `cluster_id`) are left out: they are computed again, never trusted.
    """
    derived = (LINE, SPAN_END, LOCATED_IN, REGION, REGION_NAME, SEARCH_TEXT, *contract.CLUSTER_COLUMNS)
    extra = [c for c in columns if c not in {*contract.TYPED_EVENT_COLUMNS, *derived}]
    return [*contract.TYPED_EVENT_COLUMNS, *extra, LINE, SPAN_END]


def load_events(
    path: Path | str, *, known_articles: set[str] | None = None, stage: Callable[[str], None] = lambda _: None
) -> tuple[pd.DataFrame, list[Problem], int]:
    """Read and validate an events file.

    Parameters
    ----------
    path
        The events CSV.
    known_articles
        Article ids that exist; every id in `article_id` must be one of them. None skips the check.
    stage
        Told the name of each stage as it begins (`_STAGES`: events, check, types).

    Returns
    -------
    events, problems, rows_in_file
        The valid rows as a typed frame, the problems found, and how many data rows the file holds.

    """
    stage("events")
    raw = read_table(path, contract.REQUIRED_EVENT_COLUMNS)
    frame = _with_optional_columns(raw.frame, contract.TYPED_EVENT_COLUMNS)
    if raw.delimiter == ";":  # Dutch-locale Excel writes decimal commas
        for column in ("latitude", "longitude"):
            frame[column] = frame[column].str.replace(",", ".", n=1, regex=False)
    stage("check")
    problems = raw.problems + _schema_problems(str(path), frame, contract.EVENTS_SCHEMA)
    problems += _event_rule_problems(str(path), frame, known_articles)
    bad_lines = {p.line for p in problems if p.severity == "error"}
    valid = frame[~frame[LINE].isin(bad_lines)]
    stage("types")
    return typed_events(valid), sorted(problems, key=lambda p: p.line), raw.rows_in_file


def load_articles(path: Path | str) -> tuple[pd.DataFrame, list[Problem]]:
    """Read and validate an articles file; returns the valid rows and the problems found."""
    raw = read_table(path, contract.REQUIRED_ARTICLE_COLUMNS)
    frame = _with_optional_columns(raw.frame, contract.ARTICLE_COLUMNS)
    problems = raw.problems + _schema_problems(str(path), frame, contract.ARTICLES_SCHEMA)
    problems += _duplicate_problems(str(path), frame, "article_id")
    # A bad optional cell (a `javascript:` link, a garbled date) is reported and blanked:
    # the article and the events quoting it stay.
    for column in _LENIENT_ARTICLE_COLUMNS:
        bad = frame[LINE].isin({p.line for p in problems if p.column == column})
        frame[column] = frame[column].where(~bad, "")
    bad_lines = {p.line for p in problems if p.column not in _LENIENT_ARTICLE_COLUMNS}
    valid = frame[~frame[LINE].isin(bad_lines)].reset_index(drop=True)
    return valid, sorted(problems, key=lambda p: p.line)


def _with_optional_columns(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    missing = {c: pd.Series("", index=frame.index, dtype="str") for c in columns if c not in frame}
    return frame.assign(**missing) if missing else frame


def _schema_problems(name: str, frame: pd.DataFrame, table_schema: pandera.DataFrameSchema) -> list[Problem]:
    if frame.empty:
        return []
    try:
        table_schema.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        cases = cases[cases["index"].notna()]
        lines = frame[LINE].to_numpy()
        # Every cell the schema checks is text, as `read_table` reads it.
        return [
            Problem(
                name,
                int(lines[int(case.index)]),
                case.column,
                _describe(cast(str, frame.at[int(case.index), case.column]), case.check),
            )
            for case in cases.itertuples()
        ]
    return []


def _describe(value: str, message: str) -> str:
    if message.startswith("is required"):
        return message
    shown = value if len(value) <= _MAX_SHOWN_VALUE else value[:_MAX_SHOWN_VALUE] + "…"
    return f"{shown!r} {message}"


def _event_rule_problems(name: str, frame: pd.DataFrame, known_articles: set[str] | None) -> list[Problem]:
    """Rules that span columns or rows, which a per-column schema cannot state."""
    problems = _duplicate_problems(name, frame, "event_id")
    date = pd.to_datetime(frame["date"], format="%Y-%m-%d", errors="coerce")
    end = pd.to_datetime(frame["date_end"], format="%Y-%m-%d", errors="coerce")
    backwards = frame.loc[end < date, [LINE, "date", "date_end"]].to_numpy()
    problems += [
        Problem(name, int(line), "date_end", f"{stop} is before date {start}")
        for line, start, stop in backwards
    ]
    problems += _precision_problems(name, frame, date, end) + _range_problems(name, frame)
    curated = frame["dataset"].isin(("", contract.DEFAULT_DATASET))
    for line in frame.loc[curated & (frame["excerpt"].str.strip() == ""), LINE]:
        problems.append(Problem(name, int(line), "excerpt", "is required for curated events but empty"))
    ids = frame["article_id"]
    gaps = contract.has_empty_article_item(ids)
    problems += [
        Problem(name, int(line), "article_id", f"{_describe(cell, EMPTY_ARTICLE_ITEM)}")
        for line, cell in zip(frame.loc[gaps, LINE], ids[gaps], strict=True)
    ]
    if known_articles is not None:
        suspect = ~ids.isin(known_articles) & (ids != "") & ~gaps  # single known ids need no split
        for line, cell in zip(frame.loc[suspect, LINE], ids[suspect], strict=True):
            unknown = [a for a in contract.article_ids(cell) if a not in known_articles]
            if unknown:
                problems.append(
                    Problem(
                        name,
                        int(line),
                        "article_id",
                        f"{', '.join(unknown)} is not a valid article of the articles file",
                    )
                )
    return problems


def _range_problems(name: str, frame: pd.DataFrame) -> list[Problem]:
    """Warn where a fatality range does not hold its best figure: low ≤ fatalities ≤ high."""
    columns = [contract.FATALITIES_LOW, "fatalities", contract.FATALITIES_HIGH]
    low, best, high = (pd.to_numeric(frame[c], errors="coerce") for c in columns)
    wrong = (low > best) | (best > high) | (low > high)
    return [
        Problem(
            name,
            int(line),
            contract.FATALITIES_LOW,
            f"the range {lo or '…'}–{hi or '…'} does not hold fatalities {mid or '(none)'}",
            "warning",
        )
        for line, lo, mid, hi in frame.loc[wrong, [LINE, *columns]].to_numpy()
    ]


def _precision_problems(name: str, frame: pd.DataFrame, date: pd.Series, end: pd.Series) -> list[Problem]:
    """Warn where a span is longer than its precision stands for (`contract.LONGEST_SPAN_DAYS`).

    A warning, not an error: the span is what every filter and chart uses, and it is kept;
    only the precision shown beside it claims more than the dating gives.
    """
    if frame.empty:  # no rows: no dates to subtract (an empty column is text, not datetime)
        return []
    days = (end - date).dt.days + 1  # NaN without a valid date_end: the precision's own window
    longest = frame["date_precision"].map(contract.LONGEST_SPAN_DAYS)  # NaN for year: no bound
    over = days > longest
    cells = frame.loc[over, [LINE, "date", "date_end", "date_precision"]].assign(days=days[over].astype(int))
    problems = []
    for line, start, stop, precision, span in cells.to_numpy():
        fits = next((p for p, most in contract.LONGEST_SPAN_DAYS.items() if span <= most), "year")
        message = (
            f"{precision!r} for a span of {span} days ({start} … {stop}), but a {precision} spans at most "
            f"{contract.LONGEST_SPAN_DAYS[precision]}: make the span exact or the precision {fits!r}"
        )
        problems.append(Problem(name, int(line), "date_precision", message, "warning"))
    return problems


def _duplicate_problems(name: str, frame: pd.DataFrame, column: str) -> list[Problem]:
    ids = frame[column]
    repeated = ids.duplicated(keep="first") & (ids != "")
    first_line = frame.drop_duplicates(column).set_index(column)[LINE]
    return [
        Problem(name, int(line), column, f"duplicate id {value!r} (first on line {first_line[value]})")
        for value, line in zip(ids[repeated], frame.loc[repeated, LINE], strict=True)
    ]


def typed_events(frame: pd.DataFrame) -> pd.DataFrame:
    """Turn validated text cells into the declared dtypes and add the derived columns."""
    out = frame.reset_index(drop=True).copy()
    for column in ("date", "date_end"):  # one unit everywhere: frames concatenate and compare cleanly
        out[column] = pd.to_datetime(out[column], format="%Y-%m-%d", errors="coerce").astype("datetime64[ms]")
    out["status"] = out["status"].where(out["status"] != "", contract.DEFAULT_STATUS)
    out["dataset"] = out["dataset"].where(out["dataset"] != "", contract.DEFAULT_DATASET)
    for column in ("latitude", "longitude"):
        out[column] = pd.to_numeric(out[column]).astype("float64")
    for column in ("fatalities", *contract.FATALITY_RANGE):
        out[column] = pd.to_numeric(out[column].replace("", None)).astype("Int64")
    out = _categorised(out)
    out[SPAN_END] = span_end(out)
    return out[_in_order(out.columns)]


def _categorised(frame: pd.DataFrame) -> pd.DataFrame:
    """Hold vocabularies, actors and places as categoricals: filters then compare small codes."""
    for column, values in _CATEGORIES.items():
        frame[column] = pd.Categorical(frame[column], categories=values)
    for column in _FREE_CATEGORIES:
        frame[column] = frame[column].astype("category")
    for column in (LOCATED_IN, REGION, REGION_NAME):
        if column in frame:
            frame[column] = pd.Categorical(frame[column].astype("str"))
    for column in ("fatalities", *contract.FATALITY_RANGE):
        if column in frame:
            frame[column] = frame[column].astype("Int64")
    return frame
