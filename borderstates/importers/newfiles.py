"""`borderstates import -o`: an import written as a new events file and its articles file.

Both files are written aside in full and renamed into place only once the import is done and
neither target has changed meanwhile: the articles first, so that the events never cite a
missing article, then the events; should that second rename fail, the previous articles file
is put back. An existing articles file is never replaced by the import's articles: its bytes
stay as they are and the imported articles it lacks are added after them, in its columns and
its form (delimiter, line ends); an id it holds keeps its row, and an imported article of that
id with other values is reported, one line each.
"""

from __future__ import annotations

import csv
import os
import secrets
import shutil
import stat
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from borderstates.core import contract
from borderstates.core.csvio import LINE, WHOLE_ROW, atomic_write, guard_formulas, sniff_delimiter
from borderstates.importers.common import IMPORTED_EVENT_COLUMNS, ImportFailure, ImportOptions, MapContext
from borderstates.importers.datafiles import check_unchanged, fingerprint, records
from borderstates.importers.pipeline import ImportReport, Progress, stream
from borderstates.importers.source import Layout

KEPT_CONFLICT = "is already in this file with other values; the file's row is kept"


def write_new(
    output: Path,
    articles: Path,
    layout: Layout,
    source: Path,
    report: ImportReport,
    options: ImportOptions,
    actors: Path,
    progress: Progress | None,
) -> None:
    """Import into a new events file and its articles file (added to, where it exists): both or neither.

    Raises
    ------
    ImportFailure
        When a target is a folder or cannot be written, the articles file cannot be read, or it
        changed while the import ran. Neither file is written then.

    """
    if len({output.resolve(), articles.resolve(), source.resolve()}) < 3:
        raise ImportFailure(f"{output}: the events, articles and input files must be three different files")
    _check_targets(output, articles)
    seen = fingerprint(articles)
    existing = _Existing.read(articles)
    events_new, articles_new = _aside(output, "new"), _aside(articles, "new")
    try:
        with ExitStack() as stack:
            events_handle = stack.enter_context(atomic_write(events_new))
            articles_handle = stack.enter_context(atomic_write(articles_new))
            article_writer = ArticleWriter(articles_handle, articles, existing, report)
            stream(layout, source, EventWriter(events_handle), article_writer,
                   report, options, actors, progress)  # fmt: skip
        _check_targets(output, articles)
        check_unchanged(articles, seen, "the import ran (it is kept as it is: import again)")
        _put_in_place(articles_new, articles, events_new, output)
    finally:
        events_new.unlink(missing_ok=True)
        articles_new.unlink(missing_ok=True)
    report.written = [articles, output]
    report.articles_added = article_writer.added
    report.articles_held = len(existing.rows) if existing else None


def _check_targets(output: Path, articles: Path) -> None:
    """Refuse, in one line, a target that a rename cannot replace: a folder, a device, a closed folder."""
    for path, example in ((output, "events.csv"), (articles, "articles.csv")):
        if path.is_dir():
            raise ImportFailure(
                f"{path}: is a folder, not a file: name the file to write, such as {path / example}"
            )
        if path.exists() and not path.is_file():
            raise ImportFailure(f"{path}: is not a regular file")
        folder = path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent  # a folder still to be made is made in the nearest one there is
        if not folder.is_dir():
            raise ImportFailure(f"{folder}: is not a folder, so {path} cannot be written")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise ImportFailure(f"{folder}: this folder cannot be written to, so {path} cannot be written")


def _aside(path: Path, kind: str) -> Path:
    """Return a hidden name beside `path` for a file on its way in or out."""
    return path.with_name(f".{path.name}.{secrets.token_hex(8)}.{kind}")


def _put_in_place(articles_new: Path, articles: Path, events_new: Path, events: Path) -> None:
    """Rename the articles, then the events into place; put the previous articles back if the events fail."""
    previous = None
    if articles.exists():
        previous = _aside(articles, "old")
        try:
            os.link(articles, previous)
        except OSError:  # a file system without hard links
            shutil.copy2(articles, previous)
    try:
        _replace(articles_new, articles)
        try:
            _replace(events_new, events)
        except BaseException:
            if previous is not None:
                os.replace(previous, articles)
            else:
                articles.unlink(missing_ok=True)
            raise
    finally:
        if previous is not None:
            previous.unlink(missing_ok=True)


def _replace(new: Path, target: Path) -> None:
    """Rename a new file over its target, with the permissions of the file it replaces."""
    if target.exists():
        os.chmod(new, stat.S_IMODE(target.stat().st_mode))
    os.replace(new, target)


class EventWriter:
    """Write imported events as CSV, once per id (the first line that has it)."""

    def __init__(self, handle: IO[str]) -> None:
        self.handle = handle
        self.first_line: dict[str, int] = {}
        self._csv = csv.writer(handle, lineterminator="\r\n")
        self._csv.writerow(IMPORTED_EVENT_COLUMNS)

    def write(self, events: pd.DataFrame, ctx: MapContext) -> int:
        """Write the events not written before; log a repeated id as an error. Return the rows written."""
        safe = _rows(guard_formulas(events[list(IMPORTED_EVENT_COLUMNS)]))
        written = []
        for line, cells in zip(events[LINE].tolist(), safe, strict=True):
            event_id = cells[0]
            if event_id in self.first_line:
                first = self.first_line[event_id]
                ctx.log.add(
                    ctx.source, [line], WHOLE_ROW, f"repeats event {event_id} (first on line {first})"
                )
                continue
            self.first_line[event_id] = int(line)
            written.append(cells)
        self._csv.writerows(written)
        return len(written)


@dataclass
class _Existing:
    """An articles file an import adds to: its form, and the line and content of each id's row."""

    header: list[str]
    delimiter: str
    line_end: str
    open_end: bool  # the last line has no line end
    rows: dict[str, tuple[int, int]]  # article id → (line, hash of its contract cells)

    @classmethod
    def read(cls, path: Path) -> _Existing | None:
        """Read an articles file's ids; None when there is none (or it is empty)."""
        if not path.exists() or path.stat().st_size == 0:
            return None
        with path.open("rb") as handle:
            first = handle.readline()
            handle.seek(-1, os.SEEK_END)
            open_end = handle.read(1) != b"\n"
        lines = records(path)
        header = [name.strip() for name in next(lines, (1, []))[1]]
        if "article_id" not in header:
            raise ImportFailure(f"{path}: has no article_id column: name another file with --articles")
        at = [header.index(c) if c in header else None for c in contract.ARTICLE_COLUMNS]
        rows: dict[str, tuple[int, int]] = {}
        for line, record in lines:
            cells = tuple(record[i] if i is not None and i < len(record) else "" for i in at)
            rows.setdefault(cells[0], (line, hash(cells)))
        line_end = "\r\n" if first.endswith(b"\r\n") else "\n"
        delimiter = sniff_delimiter(first.decode("utf-8-sig"))
        return cls(header, delimiter, line_end, open_end, rows)


class ArticleWriter:
    """Write the articles of imported events as CSV, once per id, after the rows of an existing file."""

    def __init__(self, handle: IO[str], path: Path, existing: _Existing | None, report: ImportReport) -> None:
        self.ids: set[str] = set()
        self.added = 0
        self.path, self.existing, self.log = path, existing, report.log
        if existing is None:
            self._csv = csv.writer(handle, lineterminator="\r\n")
            self._csv.writerow(contract.ARTICLE_COLUMNS)
            return
        with path.open(encoding="utf-8", newline="") as current:  # checked as UTF-8 by `_Existing.read`
            shutil.copyfileobj(current, handle)
        if existing.open_end:
            handle.write(existing.line_end)
        self._csv = csv.writer(handle, delimiter=existing.delimiter, lineterminator=existing.line_end)
        columns = contract.ARTICLE_COLUMNS
        self._order = [columns.index(c) if c in columns else None for c in existing.header]

    def write(self, articles: pd.DataFrame) -> None:
        """Write the articles whose id was not written before, nor is in the existing file."""
        # A set lookup per id: Series.isin would copy the ever-growing set of ids for each chunk.
        # A boolean array, not a list: an empty list would select no columns rather than no rows.
        ids = articles["article_id"]
        unseen = np.fromiter((a not in self.ids for a in ids), dtype=bool, count=len(ids))
        new = articles[unseen].drop_duplicates("article_id")
        self.ids.update(new["article_id"])
        rows = _rows(guard_formulas(new[list(contract.ARTICLE_COLUMNS)]))
        if self.existing is not None:
            rows = self._beside_existing(rows, self.existing)
        self._csv.writerows(rows)
        self.added += len(rows)

    def _beside_existing(self, rows: list[list[str]], existing: _Existing) -> list[list[str]]:
        """Return the rows the existing file lacks, in its columns; report those it holds otherwise."""
        kept = []
        for row in rows:
            held = existing.rows.get(row[0])
            if held is None:
                kept.append(["" if i is None else row[i] for i in self._order])
            elif hash(tuple(row)) != held[1]:
                self.log.add(str(self.path), [held[0]], "article_id", KEPT_CONFLICT, [row[0]], "warning")
        return kept


def _rows(frame: pd.DataFrame) -> list[list[str]]:
    """Return the rows of a text frame as lists (iterating Arrow-backed columns cell by cell is slow)."""
    return frame.to_numpy(dtype=object).tolist()
