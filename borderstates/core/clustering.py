"""Where the clusters are computed and kept: the store's at each import, the CSV files' at load.

**The store** keeps every event's cluster in its own row (`contract.CLUSTER_COLUMNS`, in every
events file: read without a join) and the matching pairs beside them, as
`gen-…/clusters/pairs.parquet`. An import of one dataset changes only that dataset's rows: the
pairs between the other datasets stay, the dataset's own are found again against the other
datasets (`recluster`; an event's best match in a dataset may change with any of its events),
and the clusters are recomputed from all pairs. The files of other datasets are rewritten
only where one of their rows' clusters changed.

**The CSV files** (the curated events and an analyst's own) change without an import: their
events are matched when they are loaded, against each other and the store's (`attach`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import operator
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from borderstates.core import corroboration
from borderstates.core.contract import (
    CLUSTER_COLUMNS,
    CLUSTER_ID,
    CLUSTER_SIZE,
    CORROBORATED_BY,
    LOCATED_IN,
    REGION,
    SPAN_END,
)
from borderstates.core.csvio import atomic_write

FOLDER = "clusters"  # in a generation of the store
# DuckDB's memory for finding an import's pairs when the merge's is not enough: at 400 MB the
# second of three imports of 3.3 million events each ran out; at 1.5 GB all three passed.
MATCH_MEMORY = "1500MB"
PAIRS_FILE = "pairs.parquet"
# What the rule reads of an event (`corroboration.pairs`), and the type of each column.
MATCHED = {
    "event_id": "VARCHAR", "dataset": "VARCHAR", "date": "DATE", SPAN_END: "DATE",
    "relation_type": "VARCHAR", "quad_class": "VARCHAR", "source_code": "VARCHAR",
    "geo_precision": "VARCHAR", "latitude": "DOUBLE", "longitude": "DOUBLE",
    REGION: "VARCHAR", LOCATED_IN: "VARCHAR",
}  # fmt: skip
TYPES = {CLUSTER_ID: "VARCHAR", CLUSTER_SIZE: "BIGINT", CORROBORATED_BY: "VARCHAR"}
ASSIGNED = "assigned"  # the table of the clustered events' clusters, in the merge's connection
ASSIGNED_SCHEMA = pa.schema(
    [("event_id", pa.string()), ("dataset", pa.string()), ("year", pa.int64()), (CLUSTER_ID, pa.string()),
     (CLUSTER_SIZE, pa.int64()), (CORROBORATED_BY, pa.string())]
)  # fmt: skip


@dataclass(frozen=True)
class Reclustered:
    """What an import's reclustering did."""

    events: int  # events whose pairs were looked for
    pairs: int  # matching pairs in the whole store afterwards
    clustered: int  # events in a cluster of several
    seconds: float


def pairs_file(generation: Path | str | None) -> Path | None:
    """Return a generation's file of matching pairs, None where it has none or it cannot be read."""
    if generation is None:
        return None
    path = Path(generation) / FOLDER / PAIRS_FILE
    try:
        pq.read_metadata(path)
    except (OSError, pa.ArrowException):  # none, or damaged: every event is matched again
        return None
    return path


def recluster(con: duckdb.DuckDBPyConnection, dataset: str, previous: Path | None) -> Reclustered:
    """Find the store's matching pairs after an import of `dataset`, and its clusters; return the counts.

    Reads the views `changed` (the imported dataset's rows of the years it rewrites, as they will
    be) and `unchanged` (every other stored row, with its `year`), each with the columns `MATCHED`.
    With the previous generation's pairs (`previous`), only the dataset's events are matched,
    against the other datasets'; without them, every event against every other. Leaves the
    tables `cluster_pairs` (`corroboration.PAIR_COLUMNS`) and `assigned` (`corroboration.clusters`).
    """
    start = time.perf_counter()
    backend = ibis.duckdb.from_connection(con)
    changed, unchanged = backend.table("changed"), backend.table("unchanged").drop("year")
    if previous is None:
        everything = changed.union(unchanged, distinct=False)
        found, events = corroboration.pairs(everything), everything
    else:
        kept = backend.read_parquet(previous)
        kept = kept.filter((kept.a_dataset != dataset) & (kept.b_dataset != dataset))
        own = changed.union(unchanged.filter(unchanged.dataset == dataset), distinct=False)
        new = corroboration.pairs(own, unchanged.filter(unchanged.dataset != dataset), among=False)
        found = kept.select(*corroboration.PAIR_COLUMNS).union(new, distinct=False)
        events = own
    create = f"CREATE TABLE cluster_pairs AS {backend.compile(found)}"
    try:
        con.execute(create)
    except duckdb.OutOfMemoryException:
        # Finding the pairs joins each event with its candidates, which DuckDB cannot all spill:
        # at millions of events of several sources, more than the merge's memory. Then, only
        # then, it is asked again with more (an import of a few sources stays within the merge's).
        limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]  # type: ignore[index]
        con.execute("DROP TABLE IF EXISTS cluster_pairs")
        con.execute(f"SET memory_limit = '{MATCH_MEMORY}'")
        try:
            con.execute(create)
        finally:
            con.execute(f"SET memory_limit = '{limit}'")
    table = con.sql("SELECT * FROM cluster_pairs").to_arrow_table().to_pandas()
    assigned = pa.Table.from_pandas(
        corroboration.clusters(table), schema=ASSIGNED_SCHEMA, preserve_index=False
    )
    con.register("assigned_rows", assigned)
    con.execute(f"CREATE TABLE {ASSIGNED} AS SELECT * FROM assigned_rows")
    con.unregister("assigned_rows")
    counted = int(con.execute(f"SELECT count(*) FROM ({backend.compile(events)})").fetchone()[0])  # type: ignore[index]
    return Reclustered(counted, len(table), assigned.num_rows, time.perf_counter() - start)


def clustered_select(alias: str, columns: list[str]) -> str:
    """Return a select list of `columns` from a relation `alias` joined with `assigned` (as `a`).

    The cluster columns come from `assigned`; an event in none is a cluster of its own.
    """
    defaults = {CLUSTER_ID: f'{alias}."event_id"', CLUSTER_SIZE: "1", CORROBORATED_BY: "''"}
    return ", ".join(
        f'coalesce(a."{c}", {defaults[c]})::{TYPES[c]} AS "{c}"' if c in defaults else f'{alias}."{c}"'
        for c in columns
    )


def with_clusters(rows: str, columns: list[str]) -> str:
    """Return a query of `rows` (with `columns`) whose cluster columns are those of `assigned`, in order."""
    return (
        f"SELECT {clustered_select('r', columns)} FROM ({rows}) r "
        f"LEFT JOIN {ASSIGNED} a ON r.event_id = a.event_id ORDER BY r.date, r.event_id"
    )


# --- the CSV files, at load ----------------------------------------------------------------------

SOURCES_VIEW = "events_sources"  # the engine's union of the CSV files and the store, before clusters
_KEPT_FOR_S = 24 * 3600  # a cached file of clusters unused this long is removed
_CODE = hashlib.sha256(
    b"".join(Path(m.__file__ or "").read_bytes() for m in (corroboration, sys.modules[__name__]))
).hexdigest()[:16]


def attach(backend: Any, sources: ir.Table, csv_events: Path, generation: str | None) -> ir.Table:
    """Register the engine's `events`: the sources, each event with its cluster; return the table.

    The store's events carry their clusters. The CSV files' events are matched at load against
    every event (`csv_clusters`, kept beside their columnar copy per store generation), and the
    clusters they join or make replace the stored ones: only in the partitions (dataset and
    year) those events lie in, so that every other event is read as stored, without a join.
    """
    events = _with_cluster_columns(sources)
    changes = csv_clusters(backend, events, csv_events, generation)
    if len(changes):
        changed = _changes_table(backend, changes[["event_id", *CLUSTER_COLUMNS]].add_prefix("new_"))
        touched = _partitions(events, changes)
        joined = events.filter(touched).left_join(changed, events["event_id"] == changed["new_event_id"])
        joined = joined.mutate(
            **{c: joined[f"new_{c}"].fill_null(joined[c]) for c in CLUSTER_COLUMNS}
        ).select(*events.columns)
        events = events.filter(~touched).union(joined, distinct=False)
    backend.create_view("events", events, overwrite=True)
    return backend.table("events")


def _changes_table(backend: Any, rows: pd.DataFrame) -> ir.Table:
    """Return the changed clusters as a table of the engine.

    On DuckDB a table of the database, not an in-memory one: a cursor of its own (a streamed
    download) sees it too. (Not ibis's `create_table(overwrite=True)`: with sqlglot 30 its drop
    fails to compile.)
    """
    if backend.name != "duckdb":
        return ibis.memtable(rows)
    backend.con.register("csv_clusters_rows", pa.Table.from_pandas(rows, preserve_index=False))
    backend.raw_sql("CREATE OR REPLACE TABLE csv_clusters AS SELECT * FROM csv_clusters_rows")
    backend.con.unregister("csv_clusters_rows")
    return backend.table("csv_clusters")


def _with_cluster_columns(events: ir.Table) -> ir.Table:
    """Return events with every cluster column, an event outside the store's clusters a cluster of its own."""
    own = {
        CLUSTER_ID: events["event_id"],
        CLUSTER_SIZE: ibis.literal(1, "int64"),
        CORROBORATED_BY: ibis.literal(""),
    }
    return events.mutate(
        **{c: events[c].fill_null(value) if c in events.columns else value for c, value in own.items()}
    )


def _partitions(events: ir.Table, changes: pd.DataFrame) -> ir.BooleanValue:
    """Return where an event lies in a partition (dataset and year of its first day) of `changes`."""
    places = changes[["dataset", "year"]].drop_duplicates().itertuples(index=False)
    return functools.reduce(
        operator.or_,
        [
            (events["dataset"] == dataset)
            & (events["date"] >= dt.date(int(year), 1, 1))
            & (events["date"] < dt.date(int(year) + 1, 1, 1))
            for dataset, year in places
        ],
    )


def csv_clusters(backend: Any, events: ir.Table, csv_events: Path, generation: str | None) -> pd.DataFrame:
    """Return the clusters that the CSV files' events make or change, as `corroboration.clusters` gives them.

    Kept in a file beside the files' columnar copy, per store generation and code: a server that
    starts again on the same files and store reads it instead of matching again.
    """
    kept = _kept_file(csv_events, generation)
    if kept.exists():
        kept.touch()
        return pq.read_table(kept).to_pandas()
    changes = _matched(backend, events, csv_events)
    with contextlib.suppress(OSError):  # a cache that cannot be written: matched again next time
        with atomic_write(kept, binary=True) as handle:
            pq.write_table(
                pa.Table.from_pandas(changes, schema=ASSIGNED_SCHEMA, preserve_index=False), handle
            )
        _remove_unused(kept)
    return changes


def _matched(backend: Any, events: ir.Table, csv_events: Path) -> pd.DataFrame:
    """Match the CSV files' events against every event; return the clusters they make or change."""
    dates = pq.read_table(csv_events, columns=["date", SPAN_END])
    if dates.num_rows == 0:
        return ASSIGNED_SCHEMA.empty_table().to_pandas()
    first, last = pc.min(dates["date"]).as_py(), pc.max(dates[SPAN_END]).as_py()
    margin = dt.timedelta(days=corroboration.DAYS_APART)
    near = events.filter((events[SPAN_END] >= first - margin) & (events["date"] <= last + margin))
    csv = backend.read_parquet(csv_events).select(*MATCHED)
    stored = near.filter(~near["event_id"].isin(csv["event_id"]))  # the CSV files' are matched among them
    found = _fetch(backend, corroboration.pairs(csv, stored.select(*MATCHED)))
    if found.empty:
        return ASSIGNED_SCHEMA.empty_table().to_pandas()
    # The stored clusters these pairs reach, whole: each member joined to its cluster's id.
    reached = pd.unique(pd.concat([found["a"], found["b"]]))
    clusters = events.filter(events["event_id"].isin(reached.tolist()) & (events[CLUSTER_SIZE] > 1))
    members = events.filter(events[CLUSTER_ID].isin(clusters.select(CLUSTER_ID).distinct()[CLUSTER_ID]))
    members = _fetch(
        backend,
        members.select("event_id", "dataset", CLUSTER_ID, year=members["date"].year().cast("int64")),
    )
    ends = members.set_index("event_id")
    rep = members[CLUSTER_ID]
    links = pd.DataFrame(
        {
            "a": members["event_id"],
            "a_dataset": members["dataset"],
            "a_year": members["year"],
            "b": rep,
            "b_dataset": ends["dataset"].reindex(rep).to_numpy(),
            "b_year": ends["year"].reindex(rep).to_numpy(),
        }
    )
    # A representative in a file that cannot be read links no member: its cluster is found anew.
    kept = links[(links["a"] != links["b"]) & links["b"].isin(ends.index)]
    return corroboration.clusters(pd.concat([found, kept], ignore_index=True))


def _fetch(backend: Any, expr: ir.Table) -> pd.DataFrame:
    return backend.to_pyarrow(expr).to_pandas()


def _kept_file(csv_events: Path, generation: str | None) -> Path:
    """Return where the CSV files' clusters against a generation are kept: beside their columnar copy."""
    digest = hashlib.sha256(_CODE.encode())
    if generation is not None:
        folder = Path(generation)
        stat = folder.stat()  # a generation is written once: its folder's identity names it
        digest.update(f"|{folder.resolve()}|{stat.st_ino}|{stat.st_mtime_ns}".encode())
    return csv_events.parent / f"clusters-{digest.hexdigest()[:24]}.parquet"


def _remove_unused(kept: Path) -> None:
    unused_since = time.time() - _KEPT_FOR_S
    for other in kept.parent.glob("clusters-*.parquet"):
        if other != kept and other.stat().st_mtime < unused_since:
            other.unlink(missing_ok=True)
