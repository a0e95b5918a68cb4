"""The columnar store that imports write: Parquet, typed per the contract, partitioned, replaced whole.

Layout (readable by DuckDB, Spark and BigQuery external tables without the project's code)::

    store/CURRENT                      the name of the current generation, e.g. gen-000004
    store/current -> gen-000004        the same as a symbolic link, where the system has them
    store/gen-000004/events/dataset=ACLED/year=2024/part-<id>.parquet
    store/gen-000004/articles/dataset=ACLED/part-<id>.parquet
    store/gen-000004/problems/dataset=ACLED/problems.parquet

`dataset` and `year` (the year of an event's first day) are in the folder names only, as Hive
partitioning writes them: a dataset or date filter reads only its folders. Every events file of
a store has the same columns (the contract's, the extra ones such as `source_updated`, the derived
ones), so that an engine reading the folder needs no schema merging. An import writes a new
generation beside the current one (its unchanged files hard links, no copies), then renames
`CURRENT` into place: a reader sees the old store or the new one, never half of either, and a
killed import leaves the old one whole. The previous generation is kept for `rollback`, which
undoes the last change; sharing the unchanged files, it is no copy to restore a damaged file from.

Readers take what can be read (`storereader.served`): a bad `CURRENT` is reported and the newest
complete generation served, a file whose Parquet footer cannot be read is reported and left
out. An import of the damaged file's dataset rewrites it (`_Plan.repairs`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from filelock import FileLock, Timeout

from borderstates.core import clustering, contract
from borderstates.core.columnar import DERIVED
from borderstates.core.contract import CLUSTER_COLUMNS
from borderstates.core.csvio import LINE, Problem, atomic_write
from borderstates.core.storereader import (
    ARTICLE_HIVE_TYPES,
    PROBLEM_FIELDS,
    Served,
    files_sql,
    generation_name,
    generation_numbers,
    read_current,
    served,
    stored_events_sql,
)

# Where the store's callers have found these since before it had a reader of its own.
from borderstates.core.storereader import CURRENT as CURRENT
from borderstates.core.storereader import current_generation as current_generation
from borderstates.core.storereader import event_count as event_count
from borderstates.core.storereader import events_location as events_location

STORE_FOLDER = "store"  # in the data directory
EVENT_PARTITIONS = ("dataset", "year")
ARTICLE_PARTITIONS = ("dataset",)
SOURCE_UPDATED = "source_updated"  # when the source last revised a row (imported rows only)
LOCK_FILE = ".lock"
ROW_GROUP_ROWS = 122_880
# DuckDB's memory during a merge: it spills to the store's disk beyond, and an import of ten
# million rows stays within 1 GB with the Python process around it.
MERGE_MEMORY = "400MB"
OUTCOMES = ("added", "updated", "unchanged", "kept newer", "conflicts")
_STAGING_PREFIX = ".staging-"
_MERGE_PREFIX = ".merge-"
_PROBLEM_SCHEMA = pa.schema(
    [("file", pa.string()), ("line", pa.int64()), ("column", pa.string()), ("message", pa.string()),
     ("severity", pa.string()), ("source", pa.string())]
)  # fmt: skip
_PROBLEMS_FILE = "problems.parquet"


class StoreBusy(Exception):
    """Another import into the same store is running."""


class NothingToRollBack(Exception):
    """The store has no generation before the current one."""


@dataclass
class MergeReport:
    """What a merge did to the store."""

    # added, updated, unchanged, kept newer, conflicts, repeated (left out), articles added
    counts: dict[str, int] = field(default_factory=dict)
    generation: str | None = None  # the new generation, when anything changed
    conflict_lines: np.ndarray | None = None  # `_line` of the conflicting staged rows, when asked for
    # Files of the dataset that could not be read, relative to the store: the new generation
    # holds their years again, written from the staged rows and the files that could be read.
    repaired: list[str] = field(default_factory=list)
    reclustered: clustering.Reclustered | None = None  # the clusters found again, when anything changed

    @property
    def changed(self) -> bool:
        """Whether the merge wrote a new generation."""
        return self.generation is not None


@contextmanager
def exclusive(location: Path | str) -> Iterator[None]:
    """Hold the store's import lock, on any system; released even when the process is killed."""
    Path(location).mkdir(parents=True, exist_ok=True)
    lock = FileLock(Path(location) / LOCK_FILE)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise StoreBusy(f"{location}: another import into this store is running") from None
    try:
        yield
    finally:
        lock.release()


@contextmanager
def staging(location: Path | str) -> Iterator[Path]:
    """Yield a fresh folder inside the store for an import's staged rows; removed afterwards.

    The caller holds the lock (`exclusive`): what killed imports left behind is removed first.
    """
    location = Path(location)
    location.mkdir(parents=True, exist_ok=True)
    _recover(location)
    for stale in location.glob(_STAGING_PREFIX + "*"):
        shutil.rmtree(stale, ignore_errors=True)
    folder = location / f"{_STAGING_PREFIX}{uuid.uuid4().hex}"
    folder.mkdir()
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def repeated_ids(events: Path, scratch: Path, batch: int = 10_000) -> Iterator[tuple[str, int, int]]:
    """Yield (event id, line, first line) for each staged row whose id an earlier line already has.

    In line order, found by the engine (spilling into `scratch`): no set of every id is held in memory.
    """
    if not _has_parquet(events):
        return
    with _connection(scratch) as con:
        con.execute(f"CREATE VIEW staged_rows AS SELECT event_id, {LINE} FROM {_parquet(events)}")
        result = con.execute(f"""
            SELECT event_id, {LINE}, first FROM (
                SELECT event_id, {LINE},
                    min({LINE}) OVER (PARTITION BY event_id) AS first,
                    row_number() OVER (PARTITION BY event_id ORDER BY {LINE}) AS n
                FROM staged_rows
                WHERE event_id IN (SELECT event_id FROM staged_rows GROUP BY event_id HAVING count(*) > 1)
            ) WHERE n > 1 ORDER BY {LINE}
        """)
        while rows := result.fetchmany(batch):
            for event_id, line, first in rows:
                yield str(event_id), int(line), int(first)


def merge(
    location: Path | str,
    dataset: str,
    events: Path,
    articles: Path | None,
    problems: list[Problem],
    reserved_ids: Path | None = None,
    *,
    reserved_articles: Path | None = None,
    source: str = "",
    conflict_lines: bool = False,
) -> MergeReport:
    """Merge staged events and articles of one dataset into the store, as a new generation.

    Parameters
    ----------
    location
        The store's folder. The caller holds its lock (`exclusive`).
    dataset
        The dataset the staged rows belong to: only its partitions can change.
    events, articles
        Parquet files (or folders of them) of the staged rows in columnar form
        (`columnar.events_table`, `columnar.articles_table`), each with `_line`: the line of the
        source the row was read from (for articles: their order). The column is not stored.
    problems
        What the import found wrong; they replace what earlier imports of `source` recorded.
    reserved_ids, reserved_articles
        Parquet files with a column `event_id` (`article_id`): ids held by rows outside the store
        (the curated CSV files), which an import never touches. A staged event with such an id,
        or with the id of another dataset's stored event, is a conflict and is not imported; a
        staged article with a known id is not added again.
    source
        What the problems are about (the imported file): a later import of it replaces them.
    conflict_lines
        Also return the `_line` of every conflicting staged row.

    Returns
    -------
    MergeReport
        The counts: `added`, `updated`, `unchanged`, `kept newer` (the store holds a later
        revision), `conflicts`, `repeated` (a later row with an id already staged: the first
        is kept), `articles added`; the new generation, None if nothing changed; and the
        files of the dataset that could not be read and are now rewritten (`repaired`).

    """
    location = Path(location)
    location.mkdir(parents=True, exist_ok=True)
    _recover(location)
    current = served(location)
    with _connection(location) as con:
        plan = _Plan(con, dataset, current)
        plan.stage(events, reserved_ids)
        report = MergeReport(plan.decide())
        report.counts["articles added"] = plan.new_articles(articles, reserved_articles)
        if conflict_lines:
            lines = con.execute(f"SELECT {LINE} FROM decided WHERE outcome = 'conflicts' ORDER BY 1")
            report.conflict_lines = np.asarray(lines.fetchnumpy()[LINE], dtype=np.int64)
        recorded = _problem_rows(problems, source)
        others, before = _stored_problems(current, dataset, source)
        counts = report.counts
        report.repaired = plan.repairs()
        changed = counts["added"] or counts["updated"] or counts["articles added"] or before != recorded
        if changed or report.repaired:
            report.generation = plan.write(location, others + recorded)
            report.reclustered = plan.reclustered
    return report


@contextmanager
def _connection(location: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open DuckDB on a scratch database inside the store, so that large merges spill to its disk."""
    scratch = location / f"{_MERGE_PREFIX}{uuid.uuid4().hex}"
    scratch.mkdir(parents=True)
    try:
        con = duckdb.connect(str(scratch / "merge.duckdb"))
        try:
            con.execute(f"SET memory_limit = '{MERGE_MEMORY}'")
            con.execute(f"SET temp_directory = '{_q(scratch / 'spill')}'")
            con.execute("SET preserve_insertion_order = false")  # every write below orders its rows
            yield con
        finally:
            con.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


class _Plan:
    """The engine's view of one merge: the staged rows, the stored ones, and what becomes of each."""

    def __init__(self, con: duckdb.DuckDBPyConnection, dataset: str, current: Served) -> None:
        self.con, self.dataset, self.served = con, dataset, current
        self.current = current.generation
        self.value = _partition_value(dataset)
        self.staged: dict[str, str] = {}  # column → type, of the staged events (without `_line`)
        self.stored: dict[str, str] = {}  # column → type, of the store's events (without partitions)
        self.years: set[int] = set()
        self.reclustered: clustering.Reclustered | None = None

    def stage(self, events: Path, reserved_ids: Path | None) -> None:
        con, dataset = self.con, _literal(self.dataset)
        if _has_parquet(events):
            con.execute(f"CREATE VIEW staged_rows AS SELECT * FROM {_parquet(events)}")
        else:  # every row of the source was left out
            con.execute(
                f"CREATE VIEW staged_rows AS SELECT NULL::VARCHAR AS event_id, NULL::BIGINT AS {LINE}, "
                "NULL::DATE AS date WHERE false"
            )
        columns = _columns(con, "staged_rows")
        if LINE not in columns or "event_id" not in columns:
            raise ValueError(f"{events}: staged events need the columns event_id and {LINE}")
        self.staged = {c: t for c, t in columns.items() if c not in (LINE, *EVENT_PARTITIONS)}
        # A repeated id: the first row (by line) is imported, the later ones are not.
        con.execute(f"""
            CREATE TABLE repeats AS SELECT event_id, {LINE} FROM (
                SELECT event_id, {LINE}, row_number() OVER (PARTITION BY event_id ORDER BY {LINE}) AS n
                FROM staged_rows
                WHERE event_id IN (SELECT event_id FROM staged_rows GROUP BY event_id HAVING count(*) > 1)
            ) WHERE n > 1
        """)
        con.execute(
            f"CREATE VIEW staged AS SELECT * FROM staged_rows ANTI JOIN repeats USING (event_id, {LINE})"
        )
        reserved = [f"SELECT event_id FROM {_parquet(reserved_ids)}"] if reserved_ids else []
        if self.served.events:  # the files that can be read: a damaged one is rewritten (`repairs`)
            con.execute(f"CREATE VIEW stored AS SELECT * FROM {stored_events_sql(self.served)}")
            self.stored = {c: t for c, t in _columns(con, "stored").items() if c not in EVENT_PARTITIONS}
            con.execute(f"CREATE VIEW existing AS SELECT * FROM stored WHERE dataset = {dataset}")
            reserved.append(f"SELECT event_id FROM stored WHERE dataset <> {dataset}")
        else:
            con.execute("CREATE VIEW existing AS SELECT *, 0 AS year FROM staged_rows WHERE false")
        con.execute(
            "CREATE VIEW reserved AS "
            + (" UNION ALL ".join(reserved) if reserved else "SELECT NULL::VARCHAR AS event_id WHERE false")
        )

    def decide(self) -> dict[str, int]:
        """Classify every staged row; return the counts of each outcome."""
        compared = list(self.staged)
        staged_hash = "hash(" + ", ".join(f's."{c}"' for c in compared) + ")"
        stored_hash = "hash(" + ", ".join(self._stored_or_empty("e", c) for c in compared) + ")"
        newer = "false"
        if SOURCE_UPDATED in self.staged and SOURCE_UPDATED in self.stored:
            # ISO timestamps compare as text; an empty one never wins over a stored one.
            newer = "e.su <> '' AND (s.su = '' OR e.su > s.su)"
        staged_su = f's."{SOURCE_UPDATED}"' if SOURCE_UPDATED in self.staged else "''"
        stored_su = f'e."{SOURCE_UPDATED}"' if SOURCE_UPDATED in self.stored else "''"
        # Rows are compared by a 64-bit hash of their columns: two different revisions of one
        # event collide with a chance of one in 2^64.
        self.con.execute(f"""
            CREATE TABLE decided AS
            SELECT s.event_id, s.{LINE},
                CASE
                    WHEN s.event_id IN (SELECT event_id FROM reserved) THEN 'conflicts'
                    WHEN e.event_id IS NULL THEN 'added'
                    WHEN e.row_hash = s.row_hash THEN 'unchanged'
                    WHEN {newer} THEN 'kept newer'
                    ELSE 'updated'
                END AS outcome,
                s.new_year, e.old_year
            FROM (SELECT s.event_id, s.{LINE}, year(s.date) AS new_year, coalesce({staged_su}, '') AS su,
                         {staged_hash} AS row_hash FROM staged s) s
            LEFT JOIN (SELECT e.event_id, e.year AS old_year, coalesce({stored_su}, '') AS su,
                              {stored_hash} AS row_hash FROM existing e) e
                ON s.event_id = e.event_id
        """)
        counts = dict.fromkeys(OUTCOMES, 0)
        counts.update(self.con.execute("SELECT outcome, count(*) FROM decided GROUP BY outcome").fetchall())
        counts["repeated"] = int(self.con.execute("SELECT count(*) FROM repeats").fetchone()[0])  # type: ignore[index]
        self.years = {
            int(y)
            for (y,) in self.con.execute(
                "SELECT new_year FROM decided WHERE outcome IN ('added', 'updated') "
                "UNION SELECT old_year FROM decided WHERE outcome = 'updated'"
            ).fetchall()
            if y is not None
        }
        return {k: int(v) for k, v in counts.items()}

    def new_articles(self, articles: Path | None, reserved_articles: Path | None) -> int:
        """Keep the staged articles whose id is new (the first of each id); return how many."""
        con = self.con
        if articles is None or not _has_parquet(articles):
            con.execute("CREATE TABLE added_articles AS SELECT NULL::VARCHAR AS article_id WHERE false")
            return 0
        con.execute(f"CREATE VIEW staged_articles AS SELECT * FROM {_parquet(articles)}")
        columns = _columns(con, "staged_articles")
        known = [f"SELECT article_id FROM {_parquet(reserved_articles)}"] if reserved_articles else []
        if self.served.articles:
            options = f"hive_partitioning = true, hive_types = {ARTICLE_HIVE_TYPES}"
            known.append(f"SELECT article_id FROM {files_sql(self.served.articles, options)}")
        known_ids = " UNION ALL ".join(known) or "SELECT NULL::VARCHAR AS article_id WHERE false"
        order = LINE if LINE in columns else "article_id"
        dropped = ", ".join(c for c in (LINE, "dataset") if c in columns)
        con.execute(f"""
            CREATE TABLE added_articles AS
            SELECT * {f"EXCLUDE ({dropped})" if dropped else ""} FROM staged_articles
            WHERE article_id NOT IN (SELECT article_id FROM ({known_ids}) WHERE article_id IS NOT NULL)
            QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY {order}) = 1
        """)
        return int(con.execute("SELECT count(*) FROM added_articles").fetchone()[0])  # type: ignore[index]

    def repairs(self) -> list[str]:
        """Return the dataset's files that cannot be read (relative to the store): `write` rewrites them."""
        own = f"dataset={self.value}"
        return [
            str(Path(path).relative_to(Path(self.served.generation).parent))
            for path in self.served.damaged
            if self.served.generation and Path(path).relative_to(self.served.generation).parts[1] == own
        ]

    def write(self, location: Path, problems: list[dict]) -> str:
        """Write the next generation aside, then make it current; return its folder."""
        name = generation_name(max(generation_numbers(location), default=0) + 1)
        aside = location / f".{name}.tmp"
        shutil.rmtree(aside, ignore_errors=True)
        aside.mkdir(parents=True)
        arriving = [*(c for c in self.staged if c not in self.stored), *CLUSTER_COLUMNS]
        target = _in_order([*self.stored, *(c for c in arriving if c not in self.stored)])
        widened = bool(self.stored) and any(c not in self.stored for c in target)
        # A year whose file cannot be read is written again: its readable rows and the staged ones.
        self.years |= {_year(Path(p).parts[3]) or 0 for p in self.repairs() if Path(p).parts[1] == "events"}
        affected = self._recluster(target)
        written: list[Path] = []
        if self.current is not None:
            written += self._keep_unchanged(Path(self.current), aside, target, widened, affected)
        for year in sorted(self.years):
            written += self._write_year(aside, year, target)
        written += self._write_pairs(aside)
        written += self._write_articles(aside)
        written += _write_problems(aside / "problems" / f"dataset={self.value}", problems)
        _sync(written, aside)
        final = location / name
        os.replace(aside, final)
        _sync([], location)
        _point_to(location, name)
        _remove_old_generations(location, keep={name, Path(self.current).name if self.current else name})
        return str(final)

    def _recluster(self, target: list[str]) -> set[tuple[str, int]]:
        """Find the clusters of the store as the merge leaves it; return the kept partitions they change.

        A partition is a (dataset folder, year) of the events that the merge keeps as they are.
        """
        matched, years = clustering.MATCHED, sorted(self.years)
        dataset = _literal(self.dataset)
        rows = " UNION ALL ".join(self._year_rows(year, target) for year in years)
        present = {c: self._type(c) for c in target} if years else {}
        columns = ", ".join(_column_or_empty("", c, present, matched[c]) for c in matched if c != "dataset")
        self.con.execute(
            f"CREATE VIEW changed AS SELECT {columns}, {dataset} AS dataset FROM "
            + (f"({rows})" if years else "(SELECT 1) WHERE false")
        )

        def kept(alias: str = "") -> str:
            return f"NOT ({alias}dataset = {dataset} AND {alias}year IN ({', '.join(map(str, years))}))"

        stored = {**self.stored, "dataset": "VARCHAR"}
        picked = ", ".join(_column_or_empty("", c, stored, matched[c]) for c in matched)
        has_stored = bool(self.served.events)  # the events files that can be read: the `stored` view
        self.con.execute(
            f"CREATE VIEW unchanged AS SELECT {picked}, year FROM stored WHERE {kept() if years else 'true'}"
            if has_stored
            else "CREATE VIEW unchanged AS SELECT *, NULL::INTEGER AS year FROM changed WHERE false"
        )
        previous = clustering.pairs_file(self.current) if has_stored else None
        self.reclustered = clustering.recluster(self.con, self.dataset, previous)
        if not has_stored:
            return set()
        alone = ("s.event_id", "1", "''")  # the cluster of an event in none: its own
        differs = " OR ".join(
            f"{_value('s.', c, self.stored, self._type(c))} IS DISTINCT FROM coalesce(a.{c}, {value})"
            for c, value in zip(CLUSTER_COLUMNS, alone, strict=True)
        )
        found = self.con.execute(f"""
            SELECT DISTINCT s.dataset, s.year FROM stored s LEFT JOIN {clustering.ASSIGNED} a
            ON s.event_id = a.event_id WHERE ({kept("s.") if years else "true"}) AND ({differs})
        """).fetchall()
        return {(_partition_value(str(name)), int(year)) for name, year in found}

    def _write_pairs(self, aside: Path) -> list[Path]:
        folder = aside / clustering.FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        out = folder / clustering.PAIRS_FILE
        self._copy("SELECT * FROM cluster_pairs ORDER BY a, b", out)
        return [out]

    def _keep_unchanged(
        self, current: Path, aside: Path, target: list[str], widened: bool, affected: set[tuple[str, int]]
    ) -> list[Path]:
        """Hard-link every file the merge does not change; rewrite it to add new columns or new clusters.

        A file of the dataset that cannot be read is left behind (its year is written again);
        one of another dataset is linked as it is, and stays reported until its dataset is imported.
        """
        written = []
        for path in current.rglob("*.parquet"):
            relative = path.relative_to(current)
            parts = relative.parts
            of_dataset = parts[1] == f"dataset={self.value}"
            if parts[0] == "events" and of_dataset and _year(parts[2]) in self.years:
                continue  # rewritten below
            if parts[0] == "problems" and of_dataset:
                continue  # replaced below
            if parts[0] == clustering.FOLDER:
                continue  # found again
            damaged = str(path) in self.served.damaged
            if damaged and of_dataset:
                continue  # an article file: the staged articles it held are added again
            out = aside / relative
            out.parent.mkdir(parents=True, exist_ok=True)
            reclustered = parts[0] == "events" and (parts[1][len("dataset=") :], _year(parts[2])) in affected
            if parts[0] == "events" and (widened or reclustered) and not damaged:
                own = _columns(self.con, _parquet(path))
                select = ", ".join(_column_or_empty("", c, own, self._type(c)) for c in target)
                self._copy(clustering.with_clusters(f"SELECT {select} FROM {_parquet(path)}", target), out)
                written.append(out)
            else:
                _link_or_copy(path, out)
        return written

    def _write_year(self, aside: Path, year: int, target: list[str]) -> list[Path]:
        """Write one year of the dataset: its stored rows that stay, and the staged rows that win."""
        query = clustering.with_clusters(self._year_rows(year, target), target)
        folder = aside / "events" / f"dataset={self.value}" / f"year={year}"
        folder.mkdir(parents=True, exist_ok=True)
        out = folder / f"part-{uuid.uuid4().hex}.parquet"
        if self._copy(query, out):
            return [out]
        out.unlink(missing_ok=True)
        folder.rmdir()
        return []

    def _year_rows(self, year: int, target: list[str]) -> str:
        """Return the rows of one year of the dataset as the merge leaves them, in no order."""
        kept = ", ".join(_column_or_empty("e.", c, self.stored, self._type(c)) for c in target)
        # A stored column the import does not give (an analyst's own, moved in by `migrate`) keeps
        # its value when the row is updated. The clusters are found again.
        carried = [c for c in target if c in self.stored and c not in (*self.staged, *CLUSTER_COLUMNS)]
        arriving = ", ".join(
            _carried(c, self._type(c))
            if c in carried
            else _column_or_empty("s.", c, self.staged, self._type(c))
            for c in target
        )
        join = "LEFT JOIN existing e ON s.event_id = e.event_id" if carried else ""
        return f"""
            SELECT {kept} FROM existing e
            WHERE e.year = {year}
              AND e.event_id NOT IN (SELECT event_id FROM decided WHERE outcome = 'updated')
            UNION ALL
            SELECT {arriving} FROM staged s {join}
            WHERE s.date >= DATE '{year:04d}-01-01' AND s.date < DATE '{year + 1:04d}-01-01'
              AND s.event_id IN (
                SELECT event_id FROM decided WHERE outcome IN ('added', 'updated') AND new_year = {year})
        """

    def _write_articles(self, aside: Path) -> list[Path]:
        if not int(self.con.execute("SELECT count(*) FROM added_articles").fetchone()[0]):  # type: ignore[index]
            return []
        folder = aside / "articles" / f"dataset={self.value}"
        folder.mkdir(parents=True, exist_ok=True)
        out = folder / f"part-{uuid.uuid4().hex}.parquet"
        self._copy("SELECT * FROM added_articles ORDER BY article_id", out)
        return [out]

    def _copy(self, query: str, out: Path) -> int:
        """Write a query's rows to one Parquet file, streaming; return how many."""
        result = self.con.execute(
            f"COPY ({query}) TO '{_q(out)}' (FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP_ROWS})"
        ).fetchone()
        return int(result[0]) if result else 0

    def _stored_or_empty(self, alias: str, column: str) -> str:
        return _value(f"{alias}.", column, self.stored, self._type(column))

    def _type(self, column: str) -> str:
        return self.staged.get(column) or self.stored.get(column) or clustering.TYPES.get(column, "VARCHAR")


def _value(prefix: str, column: str, present: dict[str, str], kind: str) -> str:
    """Return a column of a row, or an empty cell of its type where the row has no such column."""
    if column in present:
        return f'{prefix}"{column}"'
    return "''" if kind == "VARCHAR" else f"NULL::{kind}"


def _carried(column: str, kind: str) -> str:
    """Return a stored row's value of a column the import does not give (empty for a new row)."""
    value = f'e."{column}"'
    return f"coalesce({value}, '') AS \"{column}\"" if kind == "VARCHAR" else f'{value} AS "{column}"'


def _column_or_empty(prefix: str, column: str, present: dict[str, str], kind: str) -> str:
    """Return `_value` named as the column, for a select list."""
    return f'{_value(prefix, column, present, kind)} AS "{column}"'


def _in_order(columns: list[str]) -> list[str]:
    """Return event columns in one order: the contract's, the extra ones, the derived ones."""
    derived = [*(c for c in DERIVED if c != LINE), *CLUSTER_COLUMNS]
    own = [c for c in contract.TYPED_EVENT_COLUMNS if c != "dataset"]
    extra = [c for c in columns if c not in own and c not in derived]
    return [c for c in own if c in columns] + extra + [c for c in derived if c in columns]


def _problem_rows(problems: list[Problem], source: str) -> list[dict]:
    return [{name: getattr(p, name) for name in PROBLEM_FIELDS} | {"source": source} for p in problems]


def _stored_problems(current: Served, dataset: str, source: str) -> tuple[list[dict], list[dict]]:
    """Return a dataset's recorded problems: those of other sources, and those of `source`."""
    if current.generation is None:
        return [], []
    path = Path(current.generation) / "problems" / f"dataset={_partition_value(dataset)}" / _PROBLEMS_FILE
    if not path.exists() or str(path) in current.damaged:  # a damaged record is replaced
        return [], []
    rows = pq.read_table(path).to_pylist()
    return [r for r in rows if r.get("source") != source], [r for r in rows if r.get("source") == source]


def _write_problems(folder: Path, rows: list[dict]) -> list[Path]:
    if not rows:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=_PROBLEM_SCHEMA), folder / _PROBLEMS_FILE)
    return [folder / _PROBLEMS_FILE]


def _sync(files: list[Path], folder: Path) -> None:
    """Make written files and the folders holding them durable before they are pointed at."""
    for path in files:
        with path.open("rb") as handle:
            os.fsync(handle.fileno())
    if not hasattr(os, "O_DIRECTORY"):
        return
    for directory in [folder, *(p for p in folder.rglob("*") if p.is_dir())]:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _point_to(location: Path, name: str) -> None:
    """Make `name` the current generation: `CURRENT` renamed into place, then the link beside it."""
    with atomic_write(location / CURRENT) as handle:
        handle.write(name + "\n")
    with contextlib.suppress(OSError):  # a system without symbolic links has CURRENT alone
        aside = location / f".current-{uuid.uuid4().hex}"
        os.symlink(name, aside, target_is_directory=True)
        os.replace(aside, location / "current")


def _remove_old_generations(location: Path, keep: set[str]) -> None:
    for name in map(generation_name, generation_numbers(location)):
        if name not in keep:
            shutil.rmtree(location / name, ignore_errors=True)


def _recover(location: Path) -> None:
    """Clear what a killed import left behind; finish one that was killed after its last write.

    A generation folder is complete once renamed from its `.tmp` name. When it is newer than the
    one `CURRENT` names (the import died before renaming `CURRENT`), or `CURRENT` is bad (it
    names none, or is garbled or missing), the newest complete generation becomes current:
    nothing it holds is lost.
    """
    for stale in [*location.glob(".gen-*.tmp"), *location.glob(_MERGE_PREFIX + "*")]:
        shutil.rmtree(stale, ignore_errors=True)
    for link in location.glob(".current-*"):
        link.unlink(missing_ok=True)
    numbers = generation_numbers(location)
    if not numbers:
        return
    current, problem = read_current(location)
    if problem is not None or current is None or numbers[-1] > int(Path(current).name[4:]):
        _point_to(location, generation_name(numbers[-1]))


def rollback(location: Path | str) -> tuple[str, str]:
    """Undo the store's last change: make its previous generation current again, as a new generation.

    The new generation holds the previous one's files (hard links); the one rolled back from is
    kept as the previous generation, so that a second rollback undoes the first. A later import
    builds on the new generation. The caller holds the lock (`exclusive`).

    Returns
    -------
    new, restored
        The names of the new generation and of the generation whose files it holds.

    Raises
    ------
    NothingToRollBack
        When the store holds no generation before the current one.

    """
    location = Path(location)
    _recover(location)  # CURRENT then names the newest generation
    numbers = generation_numbers(location)
    if len(numbers) < 2:
        raise NothingToRollBack(f"{location}: the store holds no generation before the current one")
    current, restored = generation_name(numbers[-1]), location / generation_name(numbers[-2])
    name = generation_name(numbers[-1] + 1)
    aside = location / f".{name}.tmp"
    shutil.rmtree(aside, ignore_errors=True)
    written = []
    for path in sorted(restored.rglob("*.parquet")):
        out = aside / path.relative_to(restored)
        out.parent.mkdir(parents=True, exist_ok=True)
        _link_or_copy(path, out)
        written.append(out)
    aside.mkdir(parents=True, exist_ok=True)  # a generation of no file at all is one too
    _sync(written, aside)
    os.replace(aside, location / name)
    _sync([], location)
    _point_to(location, name)
    _remove_old_generations(location, keep={name, current})
    return name, restored.name


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    return dict(
        (name, kind) for name, kind, *_ in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    )


def _parquet(path: Path) -> str:
    """Return the SQL that reads a Parquet file, or every Parquet file under a folder."""
    where = f"{_q(path)}/**/*.parquet" if Path(path).is_dir() else _q(path)
    # Not Hive: a `key=value` folder on the way to the data directory is no column of it.
    return f"read_parquet('{where}', union_by_name = true, hive_partitioning = false)"


def _has_parquet(path: Path) -> bool:
    return any(path.glob("**/*.parquet")) if path.is_dir() else path.exists()


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        shutil.copy2(source, target)


def _year(part: str) -> int | None:
    match = re.fullmatch(r"year=(\d+)", part)
    return int(match.group(1)) if match else None


def _partition_value(value: str) -> str:
    """Return a dataset's name as a folder name, escaped as Hive escapes it (DuckDB and Spark decode it).

    ASCII signs become `%XX`; other letters stay as they are: Spark decodes `%XX` as one
    character, not as UTF-8.
    """
    return re.sub(r"[\x00-\x2c/:-@\[-^`{-\x7f]", lambda m: f"%{ord(m.group(0)):02X}", value)


def source_key(path: Path | str) -> str:
    """Return the key under which the problems of an imported file are recorded: its absolute path."""
    return str(Path(path).resolve())


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _q(path: Path | str) -> str:
    return str(path).replace("'", "''")
