"""The query engine over a data directory: DuckDB over Parquet embedded, Spark when the data is on a cluster.

A data directory is two tables to an engine: `events` and `articles`, each the union of the
curated CSV files (validated, then kept in columnar form by the cache) and the columnar store
that imports write (`columnstore`). Every question the app, the analysis and the command line ask
goes through a `Store`: they build ibis expressions over its tables, and the store runs them
and hands back only the answer. This module is the only one that speaks to an engine.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from borderstates.core import clustering, columnstore, contract, query
from borderstates.core.cache import Entry
from borderstates.core.csvio import Problem
from borderstates.core.filters import EventFilter
from borderstates.core.load import Progress, load_columnar
from borderstates.core.paths import data_dir

ENGINE_VARIABLE = "BORDERSTATES_ENGINE"  # duckdb (the default) or spark
SPARK_MASTER_VARIABLE = "BORDERSTATES_SPARK_MASTER"  # local[2], spark://host:7077, yarn…
STORE_VARIABLE = "BORDERSTATES_STORE"  # where the columnar store lives (default: DATA_DIR/store)
ENGINES = ("duckdb", "spark")
DUCKDB_MEMORY = "1GB"  # the embedded engine's memory limit: it spills to disk beyond
KEPT_SEARCHES = 8  # recent text searches whose hits are kept
KEPT_HITS = 2_000_000  # events a kept search may find at most (their ids take memory)


@dataclass(frozen=True)
class EngineConfig:
    """Which engine answers, and where it finds the columnar store."""

    engine: str = "duckdb"
    master: str = "local[2]"  # Spark's master, when the engine is Spark
    store: str | None = None  # a path or URL the engine reads; None: the data directory's store/

    @classmethod
    def from_environment(cls) -> EngineConfig:
        """Return the configuration `BORDERSTATES_ENGINE`, `…_SPARK_MASTER` and `…_STORE` set."""
        engine = os.environ.get(ENGINE_VARIABLE, "").strip().lower() or "duckdb"
        if engine not in ENGINES:
            raise ValueError(f"{ENGINE_VARIABLE}={engine!r}: the engine must be one of {', '.join(ENGINES)}")
        master = os.environ.get(SPARK_MASTER_VARIABLE, "").strip() or "local[2]"
        return cls(engine, master, os.environ.get(STORE_VARIABLE, "").strip() or None)


@dataclass(frozen=True)
class DataStatus:
    """What loading a data directory found: the problems, and how many rows each source gave."""

    problems: list[Problem] = field(default_factory=list)
    rows_in_file: int = 0  # event rows in events.csv, valid or not
    valid_in_file: int = 0  # of them, the valid ones
    in_store: int = 0  # events in the columnar store
    articles: int = 0  # valid articles, of the file and of the store

    @property
    def errors(self) -> list[Problem]:
        """Problems that kept a row or a file out."""
        return [p for p in self.problems if p.severity == "error"]

    @classmethod
    def of(
        cls,
        problems: list[Problem],
        rows_in_file: int,
        valid_in_file: int,
        articles: int,
        generation: str | None,
    ) -> DataStatus:
        """Return the CSV files' status (their problems and counts) with the store's generation added."""
        return cls(
            problems + columnstore.import_problems(generation),
            rows_in_file,
            valid_in_file,
            columnstore.event_count(generation),
            articles + columnstore.article_count(generation),
        )

    @property
    def rows_left_out(self) -> int:
        """Event rows of the file that are not in the data."""
        return self.rows_in_file - self.valid_in_file


class Store:
    """The events and articles of a data directory as tables of a query engine."""

    def __init__(
        self, backend: Any, events: ir.Table, articles: ir.Table, status: DataStatus, version: str
    ) -> None:
        self.backend = backend
        self.events = events
        self.articles = articles
        self.status = status
        self.version = version  # changes whenever the data does: a key for what is computed from it
        self._lock = threading.Lock()  # one engine connection, shared by every session's thread
        self._total: int | None = None
        self._searches: OrderedDict[str, tuple[str, ir.Table]] = OrderedDict()  # needle → table of its hits
        self._searches_made = 0  # numbers the tables, so that no name is used twice

    @property
    def total(self) -> int:
        """Every event of the data directory, counted once."""
        if self._total is None:
            self._total = int(self.scalar(self.events.count()))
        return self._total

    def matching(self, f: EventFilter) -> ir.Table:
        """Return the events that match a filter, as an expression to refine or run."""
        return query.matching(self.events, f, self._hits(f))

    def _hits(self, f: EventFilter) -> ir.Table | None:
        """Return a table of the ids whose text matches the filter's, when keeping one pays.

        A text search reads all the text; a page asks several questions of one filter. On DuckDB
        the ids found are kept (a few recent searches), so that the next questions look ids up
        instead of reading the text again. A search that finds most events is not kept.
        """
        needle = contract.fold_text(f.text.strip())
        if not needle or self.backend.name != "duckdb":
            return None
        with self._lock:
            if needle in self._searches:
                self._searches.move_to_end(needle)
                return self._searches[needle][1]
            self._searches_made += 1
            name = f"hits_{self._searches_made}"
            # Not a temporary table: a cursor (a download streaming its rows) must see it too.
            found = self.backend.create_table(name, query.text_hits(self.events, needle))
            if int(found.count().execute()) > KEPT_HITS:
                self._drop(name)
                return None
            self._searches[needle] = (name, found)
            while len(self._searches) > KEPT_SEARCHES:
                _, (oldest, _) = self._searches.popitem(last=False)
                self._drop(oldest)
            return found

    def _drop(self, table: str) -> None:
        # Not ibis's drop_table: with sqlglot 30 it compiles to a bare "DROP TABLE".
        self.backend.raw_sql(f'DROP TABLE IF EXISTS "{table}"')

    def count(self, f: EventFilter) -> int:
        """Return how many events match a filter."""
        return self.total if f.is_empty() else int(self.scalar(self.matching(f).count()))

    def fetch(self, expr: ir.Table) -> pd.DataFrame:
        """Run an expression and return its (small) answer as a frame."""
        table = self.arrow(expr)
        return table.to_pandas(date_as_object=False)

    def arrow(self, expr: ir.Table) -> pa.Table:
        """Run an expression and return its answer as an Arrow table."""
        with self._lock:
            sql = self.backend.compile(expr)
            if self.backend.name == "duckdb":
                return self.backend.con.sql(sql).to_arrow_table()
            # Straight to Arrow: ibis's own way goes through pandas first.
            return self.backend._session.sql(sql).toArrow()

    def scalar(self, expr: ir.Scalar) -> Any:
        """Run an expression that gives one value."""
        with self._lock:
            return expr.execute()

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
    generation = columnstore.current_generation(location)
    backend = _connect(config)
    events, articles = _tables(backend, config, entry, generation)
    status = DataStatus.of(
        entry.problems, entry.rows_in_file, _rows(entry.events), _rows(entry.articles), generation
    )
    version = f"{entry.events.parent.name}|{generation or '-'}"
    return Store(backend, events, articles, status, version)


def _rows(parquet: Path) -> int:
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(parquet).metadata.num_rows)


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
    backend: Any, config: EngineConfig, entry: Entry, generation: str | None
) -> tuple[ir.Table, ir.Table]:
    """Register the union of the CSV files' columnar copy and the store as `events` and `articles`.

    A store written before regions existed has no region columns: its events read as in no
    region ("") until a re-import of their dataset places them. Every event carries its cluster
    (`clustering.attach`): the store's as stored, the CSV files' events matched at load.
    """
    unplaced = (contract.REGION, contract.REGION_NAME)
    # The partition columns that are no column of the contract: events keep `dataset`, their own.
    sources = {
        "events": (
            entry.events,
            columnstore.events_location(generation),
            "year",
            "{'dataset': VARCHAR, 'year': INTEGER}",
        ),
        "articles": (
            entry.articles,
            columnstore.articles_location(generation),
            "dataset",
            "{'dataset': VARCHAR}",
        ),
    }
    for name, (csv_copy, stored, partition_only, hive_types) in sources.items():
        view = clustering.SOURCES_VIEW if name == "events" else name
        if config.engine == "spark":
            session = backend._session
            frame = session.read.parquet(str(csv_copy))
            if stored is not None:
                frame = frame.unionByName(
                    session.read.option("basePath", stored).parquet(stored).drop(partition_only),
                    allowMissingColumns=True,
                )
            if name == "events":
                frame = frame.fillna("", subset=list(unplaced))
            frame.createOrReplaceTempView(view)
        else:
            union = f"SELECT * FROM read_parquet('{_quoted(csv_copy)}')"
            if stored is not None:
                union += (
                    f" UNION ALL BY NAME SELECT * EXCLUDE ({partition_only}) "
                    f"FROM read_parquet('{_quoted(stored)}/**/*.parquet', hive_partitioning = true, "
                    f"hive_types = {hive_types})"
                )
            if name == "events":
                filled = ", ".join(f"coalesce({c}, '') AS {c}" for c in unplaced)
                union = f"SELECT * REPLACE ({filled}) FROM ({union})"
            backend.raw_sql(f"CREATE OR REPLACE VIEW {view} AS {union}")
    events = clustering.attach(backend, backend.table(clustering.SOURCES_VIEW), entry.events, generation)
    return events, backend.table("articles")


def _quoted(path: Path | str) -> str:
    return str(path).replace("'", "''")
