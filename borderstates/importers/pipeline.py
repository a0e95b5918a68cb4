"""Running an import: stream a file through its format's mapper into an events and an articles file."""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, NamedTuple

import pandas as pd

from borderstates.core import contract
from borderstates.core.csvio import LINE, MAX_FILE_BYTES, WHOLE_ROW, atomic_write, guard_formulas
from borderstates.importers.actors import load_aliases
from borderstates.importers.common import (
    IMPORTED_EVENT_COLUMNS,
    ImportFailure,
    ImportOptions,
    MapContext,
    ProblemLog,
)
from borderstates.importers.source import FORMAT_NAMES, FORMATS, Layout, read_chunks

PROGRESS_ROWS = 100_000  # report progress each time this many more rows have been read

Progress = Callable[[int, int], None]  # (rows read, rows imported so far)


class Staged(NamedTuple):
    """Where an imported event row lies in the staged events file, and what it holds."""

    line: int  # its line in the source file
    digest: bytes  # of its written cells, to tell an unchanged row from an updated one
    start: int  # byte offsets of the row in the staged file
    end: int


@dataclass
class ImportReport:
    """What an import read, wrote and left out."""

    source: Path
    format: str
    log: ProblemLog
    rows_read: int = 0
    imported: int = 0
    left_out: Counter = field(default_factory=Counter)
    written: list[Path] = field(default_factory=list)
    merge: dict[str, int] = field(default_factory=dict)  # added/updated/unchanged/… with --into

    def summary(self) -> list[str]:
        """Say in a few lines what was imported, what was left out and why, and what changed."""
        parts = [f"{self.imported:,} imported"]
        for reason, count in self.left_out.items():
            hint = " (--all-countries keeps them)" if reason.startswith("located outside") else ""
            parts.append(f"{count:,} {reason}{hint}")
        if self.log.errors:
            parts.append(f"{self.log.errors:,} left out for errors (listed above)")
        warnings = sum(self.log.counts.values()) - self.log.errors
        if warnings:
            parts.append(f"{warnings:,} warning{'s' if warnings > 1 else ''}")
        lines = [f"{self.source}: {FORMAT_NAMES[self.format]}, {self.rows_read:,} rows: " + "; ".join(parts)]
        lines += self.log.more()
        if self.merge:
            lines.append(self._merge_summary())
        elif self.written:
            lines.append("wrote " + " and ".join(str(p) for p in self.written))
        lines += [
            f"warning: {path} now holds {path.stat().st_size / 2**20:,.0f} MB; the dashboard and "
            f"`borderstates validate` read files of up to {MAX_FILE_BYTES / 2**20:,.0f} MB: "
            "import a narrower range of dates (--since, --until) or countries"
            for path in self.written
            if path.exists() and path.stat().st_size > MAX_FILE_BYTES
        ]
        return lines

    def _merge_summary(self) -> str:
        m = Counter(self.merge)
        events = f"events: {m['added']:,} added, {m['updated']:,} updated, {m['unchanged']:,} unchanged"
        if m["kept newer"]:
            events += f", {m['kept newer']:,} kept (the directory holds a newer revision)"
        if m["conflicts"]:
            events += f", {m['conflicts']:,} not imported (their id belongs to another dataset's row)"
        if not m["changed"]:
            return f"{events}; articles: 0 added; nothing changed"
        backups = " and ".join(p.name + ".bak" for p in self.written)
        return f"{events}; articles: {m['articles added']:,} added; previous files kept as {backups}"


def digest(cells: list[str] | tuple[str, ...]) -> bytes:
    """Return a short fingerprint of a row's cells."""
    return hashlib.blake2b("\x1f".join(cells).encode(), digest_size=16).digest()


class EventWriter:
    """Write imported events as CSV, once per id, remembering where each row went."""

    def __init__(self, handle: IO[str]) -> None:
        self.handle = handle
        self.index: dict[str, Staged] = {}
        self._buffer = io.StringIO(newline="")
        self._csv = csv.writer(self._buffer, lineterminator="\r\n")
        self.position = self._write([self._format(IMPORTED_EVENT_COLUMNS)])

    def _format(self, cells: list[str] | tuple[str, ...]) -> str:
        self._csv.writerow(cells)
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text

    def _write(self, texts: list[str]) -> int:
        text = "".join(texts)
        self.handle.write(text)
        return len(text.encode())

    def write(self, events: pd.DataFrame, ctx: MapContext) -> int:
        """Write the events not written before; log a repeated id as an error. Return the rows written."""
        safe = _rows(guard_formulas(events[list(IMPORTED_EVENT_COLUMNS)]))
        texts = []
        for line, cells in zip(events[LINE].tolist(), safe, strict=True):
            event_id = cells[0]
            if event_id in self.index:
                first = self.index[event_id].line
                ctx.log.add(
                    ctx.source, [line], WHOLE_ROW, f"repeats event {event_id} (first on line {first})"
                )
                continue
            text = self._format(cells)
            end = self.position + len(text.encode())
            self.index[event_id] = Staged(int(line), digest(cells), self.position, end)
            self.position = end
            texts.append(text)
        self._write(texts)
        return len(texts)


class ArticleWriter:
    """Write the articles of imported events as CSV, once per id."""

    def __init__(self, handle: IO[str]) -> None:
        self.ids: set[str] = set()
        self._csv = csv.writer(handle, lineterminator="\r\n")
        self._csv.writerow(contract.ARTICLE_COLUMNS)

    def write(self, articles: pd.DataFrame) -> None:
        """Write the articles whose id was not written before."""
        # A set lookup per id: Series.isin would copy the ever-growing set of ids for each chunk.
        unseen = [article_id not in self.ids for article_id in articles["article_id"]]
        new = articles[unseen].drop_duplicates("article_id")
        self.ids.update(new["article_id"])
        self._csv.writerows(_rows(guard_formulas(new[list(contract.ARTICLE_COLUMNS)])))


def _rows(frame: pd.DataFrame) -> list[list[str]]:
    """Return the rows of a text frame as lists (iterating Arrow-backed columns cell by cell is slow)."""
    return frame.to_numpy(dtype=object).tolist()


def stream(
    layout: Layout,
    source: Path,
    events: EventWriter,
    articles: ArticleWriter,
    report: ImportReport,
    options: ImportOptions,
    actors: Path,
    progress: Progress | None,
) -> None:
    """Read, map and write every chunk of the source, reporting progress."""
    module = FORMATS[layout.format]
    aliases = load_aliases(actors, report.log)
    ctx = MapContext(str(source), options, report.log, report.left_out)
    reported = 0
    for rows in read_chunks(source, layout, ctx):
        mapped, cited = module.map_chunk(rows, ctx, aliases)
        articles.write(cited)  # before the events that cite them, as in the files
        report.imported += events.write(mapped, ctx)
        if progress and ctx.rows_read // PROGRESS_ROWS > reported:
            reported = ctx.rows_read // PROGRESS_ROWS
            progress(ctx.rows_read, report.imported)
    report.rows_read = ctx.rows_read


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
    """Import into a new events file and its articles file, each replaced atomically."""
    if len({output.resolve(), articles.resolve(), source.resolve()}) < 3:
        raise ImportFailure(f"{output}: the events, articles and input files must be three different files")
    # Leaving the stack renames the articles file into place first, then the events file.
    with ExitStack() as stack:
        events_handle = stack.enter_context(atomic_write(output))
        articles_handle = stack.enter_context(atomic_write(articles))
        stream(layout, source, EventWriter(events_handle), ArticleWriter(articles_handle),
               report, options, actors, progress)  # fmt: skip
    report.written = [articles, output]
