"""Merging an import into a data directory's columnar store, and moving imported rows of events.csv there.

`events.csv` and `articles.csv` stay the curated, hand-edited source; imports go to the store
(`core.columnstore`), which the engine reads together with them. An import streams its mapped rows
into a staging folder of the store (typed Parquet), then the store merges them as a new
generation under its lock: events are added or updated by id, a newer export of the source
revises its rows and an older one does not, curated rows are never touched.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import shutil
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from borderstates.core import columnstore
from borderstates.core.csvio import LINE, WHOLE_ROW, Problem, atomic_write, sniff_delimiter
from borderstates.core.load import load_columnar
from borderstates.core.paths import geometry_dir
from borderstates.importers.common import ImportFailure, ImportOptions, ProblemLog
from borderstates.importers.datafiles import Fingerprint, check_unchanged, fingerprint, records
from borderstates.importers.pipeline import ImportReport, Progress, StagedArticles, StagedEvents, stream
from borderstates.importers.source import FORMATS, Layout, imported_row

BACKUP_SUFFIX = ".bak"
IDS_PER_BATCH = 100_000  # ids written at a time to the staged list of reserved ids


def import_into(
    directory: Path,
    layout: Layout,
    source: Path,
    report: ImportReport,
    options: ImportOptions,
    actors: Path,
    progress: Progress | None,
) -> None:
    """Import a file into a data directory's store: add new events, update revised ones, keep the rest.

    `report.merge` gets the counts: events added, updated, unchanged, kept (the store holds a
    newer revision), in conflict (the id belongs to a row of events.csv or of another dataset),
    and articles added; `report.generation` the store's new generation, if anything changed.
    """
    if not directory.is_dir():
        raise ImportFailure(f"{directory}: no such data directory")
    dataset = FORMATS[layout.format].DATASET
    location = directory / columnstore.STORE_FOLDER
    try:
        with columnstore.exclusive(location), columnstore.staging(location) as staged:
            reserved = _reserved(directory, staged)  # first: a damaged events.csv stops everything
            report.imported_in_file = reserved.imported_rows
            events = StagedEvents(staged / "events")
            articles = StagedArticles(staged / "articles.parquet")
            try:
                stream(layout, source, events, articles, report, options, actors, progress,
                       store_geometry=geometry_dir(directory))  # fmt: skip
            finally:
                events.close()
                articles.close()
            for event_id, line, first in columnstore.repeated_ids(staged / "events", staged):
                report.log.add(
                    str(source), [line], WHOLE_ROW, f"repeats event {event_id} (first on line {first})"
                )
            result = columnstore.merge(
                location, dataset, staged / "events", staged / "articles.parquet",
                recorded_problems(report.log, source), reserved.events,
                reserved_articles=reserved.articles, source=columnstore.source_key(source),
            )  # fmt: skip
    except columnstore.StoreBusy as exc:
        raise ImportFailure(str(exc)) from None
    report.imported -= result.counts["repeated"]
    report.merge = {**result.counts, "changed": int(result.changed)}
    report.generation = Path(result.generation) if result.generation else None
    report.repaired = result.repaired


def recorded_problems(log: ProblemLog, source: Path) -> list[Problem]:
    """Return what an import found wrong as the store records it: the examples, and how many more.

    The imported file is named by its absolute path: the store is read from anywhere.
    """
    where = columnstore.source_key(source)
    problems = [dataclasses.replace(p, file=where) if p.file == str(source) else p for p in log.problems]
    for (column, kind, severity), count in log.counts.items():
        more = count - len(log.examples[(column, kind, severity)])
        if more > 0:  # line 0: no one line, the file as a whole
            problems.append(Problem(where, 0, column, f"… and {more:,} more like this: {kind}", severity))
    return problems


@dataclass
class _Reserved:
    """The ids an import must not take: those of the directory's CSV files, staged as Parquet."""

    events: Path | None = None
    articles: Path | None = None
    imported_rows: int = 0  # rows of events.csv an importer wrote (`source.imported_row`)


def _reserved(directory: Path, staged: Path, leaving: np.ndarray | None = None) -> _Reserved:
    """Stage the event ids of events.csv (but the rows starting on `leaving` lines) and the article ids."""
    reserved = _Reserved()
    events, articles = directory / "events.csv", directory / "articles.csv"
    if events.exists():
        reserved.events = staged / "reserved-events.parquet"
        reserved.imported_rows = _write_ids(events, "event_id", reserved.events, leaving)
    if articles.exists():
        reserved.articles = staged / "reserved-articles.parquet"
        _write_ids(articles, "article_id", reserved.articles, None)
    return reserved


def _write_ids(path: Path, column: str, out: Path, leaving: np.ndarray | None) -> int:
    """Write the ids of a data file to Parquet, in batches; return its rows of an imported dataset."""
    imported = 0
    schema = pa.schema([(column, pa.string())])
    with pq.ParquetWriter(out, schema) as writer:
        batch: list[str] = []
        lines = records(path)
        header = [h.strip() for h in next(lines, (1, []))[1]]
        at = header.index(column) if column in header else None
        dataset_at = header.index("dataset") if "dataset" in header else None
        skip = iter(leaving.tolist() if leaving is not None else [])
        next_skip = next(skip, None)
        for line, record in lines:
            while next_skip is not None and next_skip < line:
                next_skip = next(skip, None)
            if at is None or at >= len(record):
                continue
            if dataset_at is not None and dataset_at < len(record):
                imported += imported_row(record[at], record[dataset_at])
            if line == next_skip:
                continue
            batch.append(record[at].strip())
            if len(batch) == IDS_PER_BATCH:
                writer.write_table(pa.table({column: batch}, schema=schema))
                batch = []
        writer.write_table(pa.table({column: batch}, schema=schema))
    return imported


# --- migrate -------------------------------------------------------------------------------------


@dataclass
class MigrateReport:
    """What `borderstates migrate` moved from events.csv into the store."""

    directory: Path
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # per dataset, as `columnstore.merge`
    moved: int = 0  # rows removed from events.csv
    left: int = 0  # imported rows that stay in events.csv: in conflict, or not valid
    generation: Path | None = None
    backup: Path | None = None

    def summary(self) -> list[str]:
        """Say per dataset what was moved, and what stays in events.csv."""
        events = self.directory / "events.csv"
        if not self.counts and not self.left:
            return [f"{events}: no imported rows: nothing to move"]
        lines = []
        for dataset, c in self.counts.items():
            line = (
                f"{dataset}: {c['added']:,} moved into the store, {c['updated']:,} updated the stored "
                f"revision, {c['unchanged']:,} already stored"
            )
            if c["kept newer"]:
                line += f", {c['kept newer']:,} older than the stored revision"
            if c["conflicts"]:
                line += f", {c['conflicts']:,} left in events.csv (their id belongs to another row)"
            lines.append(line)
        if self.moved:
            lines.append(f"{events}: {self.moved:,} rows removed; the previous file kept as {self.backup}")
        if self.left:
            lines.append(
                f"{events}: {self.left:,} imported rows stay "
                "(in conflict, or not valid: see borderstates validate)"
            )
        if self.generation:
            lines.append(f"the store is now {self.generation}")
        return lines


class ChangedAfterMerge(ImportFailure):
    """events.csv changed while `migrate` merged its rows: the store holds them, and the file still does."""


def migrate(directory: Path) -> MigrateReport:
    """Move the imported rows of a data directory's events.csv into its store, dataset by dataset.

    The imported rows are those an importer wrote (`source.imported_row`). They are read as the
    dashboard reads them (checked, typed and placed, through the columnar cache), merged into
    the store like an import, and then removed from events.csv by id: written aside and
    renamed, the previous file kept as events.csv.bak. Rows that are not valid, or whose id
    another row holds, stay. Articles stay in articles.csv.

    Raises
    ------
    ImportFailure
        When nothing was moved: no events.csv, it cannot be read, an import is running, or it
        changed while it was read.
    ChangedAfterMerge
        When events.csv changed while its rows were merged: none is removed from it; the store
        holds them as they were read, which a second run finds unchanged, and then removes them.

    """
    events_path = directory / "events.csv"
    if not events_path.is_file():
        raise ImportFailure(f"{events_path}: no such file")
    report = MigrateReport(directory)
    location = directory / columnstore.STORE_FOLDER
    try:
        with columnstore.exclusive(location), columnstore.staging(location) as staged:
            seen = fingerprint(events_path)
            entry = load_columnar(events_path, directory / "articles.csv")
            rows = _imported_rows(entry.events)
            candidates = _joined(rows.values())
            reserved = _reserved(directory, staged, leaving=candidates)
            check_unchanged(events_path, seen, "migrate read it: run borderstates migrate again")
            report.left = reserved.imported_rows - len(candidates)
            backup = events_path.with_name(events_path.name + BACKUP_SUFFIX)
            stay: list[np.ndarray] = []
            for number, (dataset, own) in enumerate(sorted(rows.items())):
                staged_rows = _stage_dataset(entry.events, dataset, staged / f"migrate-{number}.parquet")
                # Their warnings (a point outside its country) now name the lines of the backup.
                warnings = [
                    dataclasses.replace(p, file=str(backup))
                    for p in entry.problems
                    if p.severity == "warning" and p.file == str(events_path) and p.line in own
                ]
                result = columnstore.merge(
                    location, dataset, staged_rows, None, warnings, reserved.events,
                    source=columnstore.source_key(backup), conflict_lines=True,
                )  # fmt: skip
                report.counts[dataset] = result.counts
                report.generation = Path(result.generation) if result.generation else report.generation
                if result.conflict_lines is not None:
                    stay.append(result.conflict_lines)
            moving = np.setdiff1d(candidates, _joined(stay))
            report.left += len(candidates) - len(moving)
            if len(moving):
                ids = {line: event_id for own in rows.values() for line, event_id in own.items()}
                _remove_rows(events_path, {line: ids[line] for line in moving.tolist()}, backup, seen)
                report.moved, report.backup = len(moving), backup
    except columnstore.StoreBusy as exc:
        raise ImportFailure(str(exc)) from None
    return report


def _imported_rows(events: Path) -> dict[str, dict[int, str]]:
    """Return the valid imported rows of events.csv (its columnar copy), by dataset: line → event id."""
    table = pq.read_table(events, columns=["event_id", "dataset", LINE])
    rows: dict[str, dict[int, str]] = {}
    for event_id, dataset, line in zip(*(table[c].to_pylist() for c in table.column_names), strict=True):
        if imported_row(event_id, dataset):
            rows.setdefault(dataset, {})[line] = event_id
    return rows


def _joined(parts: Iterable[Iterable[int]]) -> np.ndarray:
    """Return line numbers from several groups as one sorted array."""
    return np.sort(np.fromiter((line for part in parts for line in part), dtype=np.int64))


def _stage_dataset(events: Path, dataset: str, out: Path) -> Path:
    """Copy one dataset's rows of the columnar copy of events.csv to a staged Parquet file."""
    source = pq.ParquetFile(events)
    with pq.ParquetWriter(out, source.schema_arrow) as writer:
        for batch in source.iter_batches(batch_size=100_000):
            own = batch.filter(pc.equal(batch["dataset"], dataset))
            if own.num_rows:
                writer.write_batch(own)
    return out


def _remove_rows(path: Path, removed: dict[int, str], backup: Path, seen: Fingerprint) -> None:
    """Rewrite a CSV file without the records of the given ids, every other byte kept.

    `removed` maps the line each record starts on to its id, as the file was read (`seen`): the
    file is checked unchanged before it is read and once more right before the rename, and each
    record removed must hold its id. A record runs over several lines where a quoted field
    holds a line break: it ends on the line where its quotes balance. The new file is written
    aside; the old one becomes `backup` (a hard link), then the new one is renamed into place.
    """
    changed = (
        f"migrate merged its rows: none was removed from it, and the store holds the {len(removed):,} it "
        "read as well: run borderstates migrate again to remove them from the file"
    )
    check_unchanged(path, seen, changed, ChangedAfterMerge)
    with ExitStack() as stack:
        out = stack.enter_context(atomic_write(path, binary=True))
        handle = stack.enter_context(path.open("rb"))
        header = handle.readline()
        out.write(header)
        first = header.decode("utf-8-sig", "replace")
        delimiter = sniff_delimiter(first)
        at = [name.strip() for name in next(csv.reader([first], delimiter=delimiter))].index("event_id")
        number = 1
        for raw in handle:
            number += 1
            if number not in removed:
                out.write(raw)
                continue
            record, start, quotes = [raw], number, raw.count(b'"')
            while quotes % 2 == 1 and (more := handle.readline()):  # a quoted field is still open
                record.append(more)
                quotes += more.count(b'"')
                number += 1
            text = b"".join(record).decode("utf-8", "replace")
            cells = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
            if at >= len(cells) or cells[at] != removed[start]:
                raise ChangedAfterMerge(f"{path}: changed while {changed}")
        check_unchanged(path, seen, changed, ChangedAfterMerge)
        _backup(path, backup)


def _backup(path: Path, backup: Path) -> None:
    """Keep the current file as `backup`, replacing an older backup atomically."""
    aside = backup.with_name(f".{backup.name}.tmp")
    aside.unlink(missing_ok=True)
    try:
        os.link(path, aside)
    except OSError:  # a file system without hard links
        shutil.copy2(path, aside)
    os.replace(aside, backup)
