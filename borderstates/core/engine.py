"""The query engine over a data directory: DuckDB over Parquet embedded, Spark when the data is on a cluster.

A data directory is two tables to an engine: `events` and `articles`, each the union of the
curated CSV files (validated, then kept in columnar form by the cache) and the columnar store
that imports write (`columnstore`). Every question the app, the analysis and the command line ask
goes through a `Store`: they build ibis expressions over its tables, and the store runs them
and hands back only the answer. This module is the only one that speaks to an engine.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from borderstates.core import clustering, columnstore, contract, kept, query, storereader
from borderstates.core.cache import Entry
from borderstates.core.csvio import LINE, Problem
from borderstates.core.filters import EventFilter
from borderstates.core.load import Progress, load_columnar
from borderstates.core.paths import data_dir

ENGINE_VARIABLE = "BORDERSTATES_ENGINE"  # duckdb (the default) or spark
SPARK_MASTER_VARIABLE = "BORDERSTATES_SPARK_MASTER"  # local[2], spark://host:7077, yarn…
STORE_VARIABLE = "BORDERSTATES_STORE"  # where the columnar store lives (default: DATA_DIR/store)
ENGINES = ("duckdb", "spark")
DUCKDB_MEMORY = "1GB"  # the embedded engine's memory limit: it spills to disk beyond
# What DuckDB raises when a file it reads is gone or damaged.
_UNREADABLE = (duckdb.IOException, duckdb.InvalidInputException)
T = TypeVar("T")


class UnknownEngine(ValueError):
    """`BORDERSTATES_ENGINE` names no engine the project runs on."""


@dataclass(frozen=True)
class EngineConfig:
    """Which engine answers, and where it finds the columnar store."""

    engine: str = "duckdb"
    master: str = "local[2]"  # Spark's master, when the engine is Spark
    store: str | None = None  # a path or URL the engine reads; None: the data directory's store/

    @classmethod
    def from_environment(cls) -> EngineConfig:
        """Return the configuration `BORDERSTATES_ENGINE`, `…_SPARK_MASTER` and `…_STORE` set.

        Raises `UnknownEngine` when `BORDERSTATES_ENGINE` names no engine of `ENGINES`.
        """
        engine = os.environ.get(ENGINE_VARIABLE, "").strip().lower() or "duckdb"
        if engine not in ENGINES:
            raise UnknownEngine(
                f"{ENGINE_VARIABLE}={engine!r}: the engine must be one of {', '.join(ENGINES)}"
            )
        master = os.environ.get(SPARK_MASTER_VARIABLE, "").strip() or "local[2]"
        return cls(engine, master, os.environ.get(STORE_VARIABLE, "").strip() or None)


@dataclass(frozen=True)
class DataStatus:
    """What loading a data directory found: the problems, and how many rows each source gave."""

    problems: list[Problem] = field(default_factory=list)
    rows_in_file: int = 0  # event rows in events.csv, valid or not
    valid_in_file: int = 0  # of them, the valid ones
    in_store: int = 0  # events in the columnar store that count (their id held by no row of the file)
    articles: int = 0  # valid articles, of the file and of the store
    shadowed: int = 0  # events in the store whose id a row of events.csv holds: the file's row counts
    import_problems: list[Problem] = field(default_factory=list)  # of `problems`, those imports recorded
    store_faults: list[Problem] = field(default_factory=list)  # of `problems`, the store's own: a bad file

    @property
    def errors(self) -> list[Problem]:
        """Problems that kept a row or a file out."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def import_errors(self) -> list[Problem]:
        """Errors the imports recorded with the store: rows of the imported files they left out."""
        return [p for p in self.import_problems if p.severity == "error"]

    @property
    def file_errors(self) -> list[Problem]:
        """Errors of the data directory's CSV files: rows or a whole file left out."""
        apart = set(self.import_problems) | set(self.store_faults)
        return [p for p in self.errors if p not in apart]

    @property
    def store_errors(self) -> list[Problem]:
        """Errors of the store itself: files that cannot be read, whose events are left out."""
        return [p for p in self.store_faults if p.severity == "error"]

    @classmethod
    def of(
        cls,
        events_file: Path | str,
        problems: list[Problem],
        rows_in_file: int,
        valid_ids: pa.Table | pd.DataFrame,
        articles: int,
        store: storereader.Served,
    ) -> DataStatus:
        """Return the status of the CSV files (their problems and counts) and of what the store serves.

        An id that a row of the file and an event of the store both hold is one event: the
        file's row, the hand-edited one, is counted and shown; each such id is a warning.

        Parameters
        ----------
        events_file, problems, rows_in_file
            The events file, what its load and its articles' load found, and its rows.
        valid_ids
            `event_id` and `_line` of the file's valid rows.
        articles
            The articles file's valid rows.
        store
            What the store serves (`storereader.served`): its events, articles and problems.

        """
        shared = storereader.shared_ids(store, valid_ids)
        conflicts = [
            Problem(str(events_file), line, "event_id",
                    f"{event_id!r} is also an event of the store ({datasets}): this row is the one counted",
                    "warning")
            for event_id, line, datasets, _ in shared
        ]  # fmt: skip
        shadowed = sum(n for *_, n in shared)
        return cls(
            [*problems, *conflicts, *store.problems],
            rows_in_file,
            len(valid_ids),
            store.event_rows - shadowed,
            articles + store.article_rows,
            shadowed,
            list(store.recorded),
            list(store.faults),
        )

    @property
    def rows_left_out(self) -> int:
        """Event rows of the file that are not in the data."""
        return self.rows_in_file - self.valid_in_file


@dataclass(frozen=True)
class _Sources:
    """Where a store's tables come from: the CSV files' columnar copy, and the columnar store."""

    events_file: Path
    entry: Entry  # held while the store is open: the cache keeps its files
    location: str  # the columnar store's folder
    config: EngineConfig


class Store:
    """The events and articles of a data directory as tables of a query engine.

    `events`, `articles`, `status` and `version` are set when it opens, and again when a file of
    the columnar store turns out to be unreadable: the store then goes on without it.
    """

    events: ir.Table
    articles: ir.Table
    status: DataStatus
    version: str  # changes whenever the data does: a key for what is computed from it

    def __init__(self, backend: Any, sources: _Sources) -> None:
        self.backend = backend
        self._sources = sources
        # The backend's own connection: registering the tables, making and dropping kept rows.
        # Questions run on cursors of their own (DuckDB), several at once; Spark's under the lock.
        self._lock = threading.RLock()
        self._compiling = threading.Lock()  # ibis's compiler keeps caches of its own
        self._idle: list[Any] = []  # DuckDB cursors no question is using now
        self._kept = kept.KeptRows(backend, self._lock)
        self._served: storereader.Served | None = None
        self._register()

    def _register(self) -> bool:
        """Find what the columnar store serves and register the tables; return False when nothing changed."""
        with self._lock:
            served = storereader.served(self._sources.location)
            if served == self._served:
                return False
            entry = self._sources.entry
            ids = pq.read_table(entry.events, columns=["event_id", LINE])
            articles = pq.read_metadata(entry.articles).num_rows
            status = DataStatus.of(
                self._sources.events_file, entry.problems, entry.rows_in_file, ids, articles, served
            )
            self.events, self.articles = _tables(
                self.backend, self._sources.config, entry, served, status.shadowed
            )
            files = "|".join([served.generation or "-", *served.events, *served.articles])
            self.version = f"{entry.events.parent.name}|{hashlib.sha256(files.encode()).hexdigest()[:16]}"
            self.status, self._served = status, served
            self._kept.forget()  # the rows of the tables as they were
            return True

    def _answer(self, run: Callable[[], T]) -> T:
        """Run a question; when a file of the store can no longer be read, go on without it.

        The store's files were checked when it opened; a file damaged since makes the engine
        fail. Then the files are checked again, the tables registered without the damaged one
        (its problem in `status`), and the question asked once more.
        """
        try:
            return run()
        except _UNREADABLE:
            if not self._register():
                raise
            return run()

    @property
    def total(self) -> int:
        """Every event of the data directory, counted once: from the files' row counts, no query.

        The file's valid rows and the store's readable events, less those a row of the file
        shadows: exactly the rows of `events`.
        """
        return self.status.valid_in_file + self.status.in_store

    @property
    def beside(self) -> tuple[Path, ...]:
        """Folders where what is computed from this version of the data may be kept, in order.

        The served generation's `summaries/` (a store on this machine), then the folder of the
        CSV files' columnar copy. Neither is part of any table: no engine reads them.
        """
        generation = Path(self._served.generation) if self._served and self._served.generation else None
        local = [generation / "summaries"] if generation is not None and generation.is_dir() else []
        return (*local, self._sources.entry.events.parent)

    def matching(self, f: EventFilter) -> ir.Table:
        """Return the events that match a filter, as an expression to refine or run."""
        return query.matching(self.events, f, self._hits(f))

    def narrowed(self, f: EventFilter) -> ir.Table:
        """Return the events that match a filter with the columns of `kept.NARROW` alone.

        What the grouped questions of a page read: on DuckDB the rows of a recent filter are
        kept (`kept.KeptRows`), so that its questions share one scan; a filter with dates is
        narrowed from the kept rows of the same filter without them (the time histogram's),
        so that a brush, which changes the dates only, scans nothing.
        """
        if self.backend.name != "duckdb" or f.is_empty():
            return self._select(f)
        undated = replace(f, date_from=None, date_to=None)
        # Counted once, a cluster keeps its first event within the dates: not one of all dates.
        if undated != f and not undated.is_empty() and not f.dedupe:
            rows = self._answer(lambda: self._kept.rows(undated, lambda: self._select(undated)))
            if rows is not None:
                dates = EventFilter(date_from=f.date_from, date_to=f.date_to)
                return rows.filter(query.predicate(rows, dates))
        rows = self._answer(lambda: self._kept.rows(f, lambda: self._select(f)))
        return rows if rows is not None else self._select(f)

    def _select(self, f: EventFilter) -> ir.Table:
        """Return the `kept.NARROW` columns of a filter's events, as read from the events."""
        hits = self._hits(f) if f != EventFilter(text=f.text) else None  # a search is read from the text
        return query.matching(self.events, f, hits).select(*kept.NARROW)

    def _hits(self, f: EventFilter) -> ir.Table | None:
        """Return a table holding the ids whose text matches the filter's, when one is kept.

        A text search reads all the text; a page asks several questions of one filter. On DuckDB
        the search alone (the filter of its text only) is kept as narrowed rows, and the next
        questions look its ids up instead of reading the text again. A search that finds more
        events than are kept is searched in the text by each question.
        """
        if not f.text.strip() or self.backend.name != "duckdb":
            return None
        search = EventFilter(text=f.text)
        rows = self._answer(lambda: self._kept.rows(search, lambda: self._select(search)))
        return None if rows is None else rows.select("event_id")

    def count(self, f: EventFilter) -> int:
        """Return how many events match a filter."""
        return self.total if f.is_empty() else int(self.scalar(self.narrowed(f).count()))

    def fetch(self, expr: ir.Table) -> pd.DataFrame:
        """Run an expression and return its (small) answer as a frame."""
        table = self.arrow(expr)
        return table.to_pandas(date_as_object=False)

    def arrow(self, expr: ir.Table) -> pa.Table:
        """Run an expression and return its answer as an Arrow table."""
        if self.backend.name != "duckdb":

            def spark() -> pa.Table:
                with self._lock:  # straight to Arrow: ibis's own way goes through pandas first
                    return self.backend._session.sql(self.backend.compile(expr)).toArrow()

            return self._answer(spark)

        def duck() -> pa.Table:
            with self._compiling:
                sql = self.backend.compile(expr)
            with self._cursor() as cursor:
                return cursor.sql(sql).to_arrow_table()

        return self._answer(duck)

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        """Lend a DuckDB cursor of the connection: each question running at once has its own."""
        with self._lock:
            cursor = self._idle.pop() if self._idle else self.backend.con.cursor()
        try:
            yield cursor
        finally:
            with self._lock:
                self._idle.append(cursor)

    def scalar(self, expr: ir.Scalar) -> Any:
        """Run an expression that gives one value."""
        return self.arrow(expr.as_table()).column(0)[0].as_py()

    def batches(self, expr: ir.Table, rows: int = 50_000) -> Iterator[pa.RecordBatch]:
        """Yield the answer of an expression in record batches, without holding it all at once."""
        if self.backend.name != "duckdb":
            yield from self.arrow(expr).to_batches(max_chunksize=rows)
            return
        # ibis 12's to_pyarrow_batches fails on DuckDB 2; the DuckDB reader streams. One open
        # result per connection: a cursor of its own keeps the other sessions' queries going.
        cursor = self.backend.con.cursor()
        try:
            reader = cursor.sql(self.backend.compile(expr)).to_arrow_reader(batch_size=rows)
            yield from reader
        finally:
            cursor.close()

    def to_sql(self, f: EventFilter, dialect: str) -> str:
        """Return the SQL that selects the events matching a filter, in one of `query.DIALECTS`."""
        return query.to_sql(self.events, f, dialect)


def open_store(
    directory: Path | str | None = None,
    config: EngineConfig | None = None,
    *,
    progress: Progress | None = None,
) -> Store:
    """Open a data directory on an engine: load and check its CSV files (once), find its store.

    Parameters
    ----------
    directory
        The data directory; by default `data_dir()`.
    config
        The engine and the store's location; by default from the environment.
    progress
        Told each stage of a CSV load (`load.load_columnar`).

    """
    directory = Path(directory) if directory is not None else data_dir()
    return open_files(directory / "events.csv", directory / "articles.csv", config, progress=progress)


def open_files(
    events_path: Path | str,
    articles_path: Path | str,
    config: EngineConfig | None = None,
    *,
    progress: Progress | None = None,
) -> Store:
    """Open an events file and its articles on an engine, with the store of the folder they are in."""
    config = config or EngineConfig.from_environment()
    entry = load_columnar(events_path, articles_path, progress=progress)
    location = config.store or str(Path(events_path).parent / columnstore.STORE_FOLDER)
    return Store(_connect(config), _Sources(Path(events_path), entry, location, config))


def _connect(config: EngineConfig) -> Any:
    if config.engine == "spark":
        return ibis.pyspark.connect(spark_session(config.master))
    backend = ibis.duckdb.connect()
    backend.raw_sql(f"SET memory_limit = '{DUCKDB_MEMORY}'")
    return backend


def spark_session(master: str) -> Any:
    """Return the process's Spark session on `master`, started the first time it is asked for."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # no "resolves to a loopback address" warning
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master(master)
        .appName("borderstates")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        # A handful of partitions on one machine; a cluster keeps Spark's own default (and AQE).
        .config("spark.sql.shuffle.partitions", "2" if master.startswith("local") else "200")
        .getOrCreate()
    )


def _tables(
    backend: Any, config: EngineConfig, entry: Entry, store: storereader.Served, shadowed: int
) -> tuple[ir.Table, ir.Table]:
    """Register the union of the CSV files' columnar copy and the store as `events` and `articles`.

    The store's part is its files that can be read. When rows of events.csv hold ids of stored
    events (`shadowed`), those stored events are left out: the file's row is the event. Only
    then: the usual store, whose ids no row of the file holds, is read without that join. A
    store written before regions existed has no region columns: its events read as in no
    region ("") until a re-import of their dataset places them. Every event carries its cluster
    (`clustering.attach`): the store's as stored, the CSV files' events matched at load.
    """
    unplaced = (contract.REGION, contract.REGION_NAME)
    # The partition columns that are no column of the contract: events keep `dataset`, their own.
    sources = {
        "events": (entry.events, store.events, "year", storereader.EVENT_HIVE_TYPES, shadowed > 0),
        "articles": (entry.articles, store.articles, "dataset", storereader.ARTICLE_HIVE_TYPES, False),
    }
    for name, (csv_copy, stored, partition_only, hive_types, shadows) in sources.items():
        base = str(Path(store.generation or "", name))
        view = clustering.SOURCES_VIEW if name == "events" else name
        if config.engine == "spark":
            session = backend._session
            frame = session.read.parquet(str(csv_copy))
            if stored:
                part = session.read.option("basePath", base).parquet(*stored).drop(partition_only)
                if shadows:
                    part = part.join(frame.select("event_id"), "event_id", "left_anti")
                frame = frame.unionByName(part, allowMissingColumns=True)
            if name == "events":
                frame = frame.fillna("", subset=list(unplaced))
            frame.createOrReplaceTempView(view)
        else:
            union = f"SELECT * FROM read_parquet('{_quoted(csv_copy)}')"
            if stored:
                files = ", ".join(f"'{_quoted(path)}'" for path in stored)
                union += (
                    f" UNION ALL BY NAME SELECT * EXCLUDE ({partition_only}) "
                    f"FROM read_parquet([{files}], hive_partitioning = true, hive_types = {hive_types})"
                )
                if shadows:
                    union += (
                        f" WHERE event_id NOT IN (SELECT event_id FROM read_parquet('{_quoted(csv_copy)}'))"
                    )
            if name == "events":
                filled = ", ".join(f"coalesce({c}, '') AS {c}" for c in unplaced)
                union = f"SELECT * REPLACE ({filled}) FROM ({union})"
            backend.raw_sql(f"CREATE OR REPLACE VIEW {view} AS {union}")
    events = clustering.attach(
        backend, backend.table(clustering.SOURCES_VIEW), entry.events, store.generation
    )
    return events, backend.table("articles")


def _quoted(path: Path | str) -> str:
    return str(path).replace("'", "''")
