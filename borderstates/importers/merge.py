"""Merging an import into a data directory without ever losing a row.

The import is first staged in a hidden folder of the directory. Then new `articles.csv` and
`events.csv` are written aside in full, the current files are kept as `*.bak` (hard links: no
copy, no time), and the new files are renamed into place, articles first: at every instant
the directory holds a complete pair in which every event's articles exist.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO

from filelock import FileLock, Timeout

from borderstates.core import contract
from borderstates.core.csvio import WHOLE_ROW, atomic_write, sniff_delimiter
from borderstates.importers.common import IMPORTED_EVENT_COLUMNS, SOURCE_UPDATED, ImportFailure, ImportOptions
from borderstates.importers.pipeline import (
    ArticleWriter,
    EventWriter,
    ImportReport,
    Progress,
    Staged,
    digest,
    stream,
)
from borderstates.importers.source import FORMATS, Layout

LOCK_FILE = ".borderstates-import.lock"
STAGING_PREFIX = ".borderstates-import-"
BACKUP_SUFFIX = ".bak"


class _NothingChanged(Exception):
    """Raised inside the writes to drop them: the directory already holds everything imported."""


def import_into(
    directory: Path,
    layout: Layout,
    source: Path,
    report: ImportReport,
    options: ImportOptions,
    actors: Path,
    progress: Progress | None,
) -> None:
    """Import a file into a data directory: add new events, update revised ones, keep the rest.

    `report.merge` gets the counts: events added, updated, unchanged, kept (the directory holds
    a newer revision), in conflict (the id belongs to another dataset), and articles added.
    """
    if not directory.is_dir():
        raise ImportFailure(f"{directory}: no such data directory")
    dataset = FORMATS[layout.format].DATASET
    with _exclusive(directory):
        _remove_stale_files(directory)
        with tempfile.TemporaryDirectory(prefix=STAGING_PREFIX, dir=directory) as staging:
            staged = Path(staging)
            with ExitStack() as stack:
                events_handle, articles_handle = (
                    stack.enter_context((staged / name).open("w", encoding="utf-8", newline=""))
                    for name in ("events.csv", "articles.csv")
                )
                events = EventWriter(events_handle)
                stream(
                    layout, source, events, ArticleWriter(articles_handle), report, options, actors, progress
                )
            report.merge = _replace_files(directory, staged, events.index, dataset)
    report.written = [directory / "articles.csv", directory / "events.csv"] if report.merge["changed"] else []


@contextmanager
def _exclusive(directory: Path) -> Iterator[None]:
    """Hold the directory's import lock, on any system; it is released even when the process is killed."""
    lock = FileLock(directory / LOCK_FILE)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise ImportFailure(f"{directory}: another import into this directory is running") from None
    try:
        yield
    finally:
        lock.release()


def _remove_stale_files(directory: Path) -> None:
    """Remove what a killed import left behind: its staging folder and half-written files."""
    for path in directory.glob(STAGING_PREFIX + "*"):
        shutil.rmtree(path, ignore_errors=True)
    for name in ("events.csv", "articles.csv"):
        for path in directory.glob(f".{name}.*.tmp"):
            path.unlink(missing_ok=True)


def _replace_files(directory: Path, staged: Path, index: dict[str, Staged], dataset: str) -> dict[str, int]:
    """Write the merged files aside, keep the current ones as backups, and rename the new ones in."""
    events_path, articles_path = directory / "events.csv", directory / "articles.csv"
    counts: Counter = Counter()
    try:
        # Leaving the stack renames articles.csv into place first, then events.csv.
        with ExitStack() as stack:
            events_out = stack.enter_context(atomic_write(events_path))
            articles_out = stack.enter_context(atomic_write(articles_path))
            counts["articles added"] = _merge_articles(articles_path, staged / "articles.csv", articles_out)
            counts.update(_merge_events(events_path, staged / "events.csv", index, dataset, events_out))
            if not (counts["added"] or counts["updated"] or counts["articles added"]):
                raise _NothingChanged
            _backup(articles_path)
            _backup(events_path)
        _sync_directory(directory)
        counts["changed"] = 1
    except _NothingChanged:
        counts["changed"] = 0
    return dict(counts)


def _read_existing(path: Path) -> Iterator[list[str]]:
    """Yield the records of an existing data file, header first; fail on anything unreadable.

    A row with the wrong number of fields is passed on as it is: it is not ours to drop.
    """
    if not path.exists():
        return
    try:
        delimiter = _delimiter(path)
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter, strict=True)
            start = 1
            for record in reader:
                yield record
                start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFailure(
            f"{path}:{start}: {WHOLE_ROW}: malformed CSV ({exc}); fix it (see borderstates validate), "
            "then import again"
        ) from None
    except UnicodeDecodeError:
        raise ImportFailure(f"{path}: not UTF-8 text; save it as UTF-8, then import again") from None


def _merge_articles(existing: Path, staged: Path, out: IO[str]) -> int:
    """Copy the existing articles, then add the staged ones whose id is new; return how many."""
    writer = csv.writer(out, lineterminator="\r\n")
    rows = _read_existing(existing)
    header = next(rows, list(contract.ARTICLE_COLUMNS))
    header = _with_columns(header, contract.ARTICLE_COLUMNS)
    writer.writerow(header)
    id_column = header.index("article_id")
    known = set()
    for record in rows:
        writer.writerow(record)
        if len(record) > id_column:
            known.add(record[id_column])
    added = 0
    for cells in _staged_rows(staged, contract.ARTICLE_COLUMNS, header):
        if cells[id_column] not in known:
            writer.writerow(cells)
            added += 1
    return added


def _merge_events(
    existing: Path, staged: Path, index: dict[str, Staged], dataset: str, out: IO[str]
) -> Counter:
    """Copy the existing events, updating rows the import revised; then add the new ones."""
    writer = csv.writer(out, lineterminator="\r\n")
    rows = _read_existing(existing)
    original = next(rows, [])
    header = _with_columns(original, IMPORTED_EVENT_COLUMNS)
    writer.writerow(header)
    decimal_commas = existing.exists() and _delimiter(existing) == ";"
    with staged.open("rb") as staged_file:
        merger = _EventMerger(header, index, dataset, staged_file)
        for record in rows:
            if len(record) == len(original):  # a row of the wrong length is kept exactly as it is
                record = record + [""] * (len(header) - len(original))
                if decimal_commas:  # a Dutch-Excel file: its numbers come back with points
                    for column in ("latitude", "longitude"):
                        at = header.index(column)
                        record[at] = record[at].replace(",", ".", 1)
                record = merger.settle(record)
            writer.writerow(record)
    for cells in _staged_rows(staged, IMPORTED_EVENT_COLUMNS, header):
        if cells[merger.id_at] not in merger.settled:
            writer.writerow(cells)
            merger.counts["added"] += 1
    return merger.counts


class _EventMerger:
    """Decide what becomes of each existing event row that the import also holds."""

    def __init__(self, header: list[str], index: dict[str, Staged], dataset: str, staged: IO[bytes]) -> None:
        self.positions = [header.index(c) for c in IMPORTED_EVENT_COLUMNS]
        self.id_at, self.dataset_at = header.index("event_id"), header.index("dataset")
        self.updated_at = header.index(SOURCE_UPDATED)
        self.index, self.dataset, self.staged = index, dataset.casefold(), staged
        self.settled: set[str] = set()  # ids of the import found in the directory
        self.counts: Counter = Counter()

    def settle(self, record: list[str]) -> list[str]:
        """Return an existing row as the import leaves it: as it was, or updated to the new revision."""
        entry = self.index.get(record[self.id_at])
        if entry is None:
            return record
        self.settled.add(record[self.id_at])
        if record[self.dataset_at].strip().casefold() != self.dataset:
            self.counts["conflicts"] += 1  # a curated (or other) row with this id: never touched
            return record
        if digest([record[p] for p in self.positions]) == entry.digest:
            self.counts["unchanged"] += 1
            return record
        self.staged.seek(entry.start)
        text = self.staged.read(entry.end - entry.start).decode()
        cells = next(csv.reader(io.StringIO(text, newline="")))
        revised = cells[IMPORTED_EVENT_COLUMNS.index(SOURCE_UPDATED)]
        if record[self.updated_at] and revised and record[self.updated_at] > revised:
            self.counts["kept newer"] += 1  # the directory holds a later revision than this file
            return record
        record = list(record)
        for position, value in zip(self.positions, cells, strict=True):
            record[position] = value  # the user's own columns stay as they are
        self.counts["updated"] += 1
        return record


def _with_columns(header: list[str], columns: tuple[str, ...]) -> list[str]:
    return list(header) + [c for c in columns if c not in header]


def _staged_rows(staged: Path, columns: tuple[str, ...], header: list[str]) -> Iterator[list[str]]:
    """Yield the staged rows laid out in the order of `header` (other columns empty)."""
    positions = [header.index(c) for c in columns]
    with staged.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for cells in reader:
            row = [""] * len(header)
            for position, value in zip(positions, cells, strict=True):
                row[position] = value
            yield row


def _delimiter(path: Path) -> str:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        first = handle.readline()
    return sniff_delimiter(first)


def _backup(path: Path) -> None:
    """Keep the current file as `NAME.bak`, replacing the backup atomically."""
    if not path.exists():
        return
    aside = path.with_name(f".{path.name}{BACKUP_SUFFIX}.tmp")
    aside.unlink(missing_ok=True)
    try:
        os.link(path, aside)
    except OSError:  # a file system without hard links
        shutil.copy2(path, aside)
    os.replace(aside, path.with_name(path.name + BACKUP_SUFFIX))


def _sync_directory(directory: Path) -> None:
    """Make the renames durable."""
    if hasattr(os, "O_DIRECTORY"):
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
