"""Running an import: stream a file through its format's mapper into CSV files or the store's staging."""

from __future__ import annotations

import contextlib
import ctypes
import gzip
import io
import os
import pickle
import subprocess
import sys
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pyarrow import csv as pa_csv

from borderstates.core import columnar
from borderstates.core.contract import LOCATED_IN, REGION, REGION_NAME
from borderstates.core.csvio import LINE, MAX_FILE_BYTES, WHOLE_ROW
from borderstates.core.geo import TOLERANCE_KM, load_countries, locate_events
from borderstates.core.load import typed_events
from borderstates.core.paths import FULL_FILE
from borderstates.importers.actors import AliasTable, load_aliases
from borderstates.importers.common import (
    ImportFailure,
    ImportOptions,
    MapContext,
    ProblemLog,
)
from borderstates.importers.source import FORMAT_NAMES, FORMATS, Layout, open_text, read_chunks

PROGRESS_ROWS = 100_000  # report progress each time this many more rows have been read
PARALLEL_BYTES = 64 * 2**20  # a larger file is mapped in two processes (about 170,000 GDELT rows)
# The geography check's warnings, one kind each: the log keeps a few examples of every kind.
OUTSIDE_COUNTRY = f"lies more than {TOLERANCE_KM:g} km outside its declared country"
NO_POLYGON = "has no country polygon to check the point against"

Progress = Callable[[int, int], None]  # (rows read, rows imported so far)


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
    articles_added: int = 0  # with -o: articles written
    articles_held: int | None = None  # with -o: articles the articles file held before, if it existed
    merge: dict[str, int] = field(default_factory=dict)  # added/updated/unchanged/… with --into
    generation: Path | None = None  # the store's new generation, when the merge changed it
    imported_in_file: int = 0  # with --into: imported rows still in the directory's events.csv
    repaired: list[str] = field(default_factory=list)  # with --into: damaged files of the store rewritten

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
            lines += [
                f"rewrote {path}, which could not be read: the new generation holds its rows of this "
                "import and of the readable files again (rows only that file held are lost)"
                for path in self.repaired
            ]
        elif self.written:
            articles, *others = self.written
            added = ""
            if self.articles_held is not None:
                added = f" ({self.articles_added:,} articles added to the {self.articles_held:,} it held)"
            lines.append(f"wrote {articles}{added} and " + " and ".join(str(p) for p in others))
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
            events += f", {m['kept newer']:,} kept (the store holds a newer revision)"
        if m["conflicts"]:
            taken = "their id belongs to a row of events.csv or of another dataset"
            events += f", {m['conflicts']:,} not imported ({taken})"
        hint = ""
        if m["conflicts"] and self.imported_in_file:
            hint = (
                f" (events.csv still holds {self.imported_in_file:,} imported rows: "
                "`borderstates migrate` moves them into the store)"
            )
        articles = f"articles: {m['articles added']:,} added"
        if self.generation is None:
            return f"{events}; {articles}; nothing changed{hint}"
        kept = "" if self.generation.name == "gen-000001" else " (the previous generation kept)"
        return f"{events}; {articles}; the store is now {self.generation}{kept}{hint}"


class EventSink(Protocol):
    """Where the mapped events of each chunk go."""

    def write(self, events: Any, ctx: MapContext) -> int:
        """Write a chunk's events (as `ChunkMapper` gives them); return how many were written."""


class ArticleSink(Protocol):
    """Where the articles the events of each chunk cite go."""

    def write(self, articles: pd.DataFrame) -> None:
        """Write a chunk's articles."""


class StagedEvents:
    """Stage imported events for the store (typed and placed by `ChunkMapper`) as Parquet by year.

    One file per year of the events' first day, so that the merge reads only a year's file to
    write that year. Repeated ids are left to the engine (`columnstore.repeated_ids`): no set of
    every id is kept here.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._writers: dict[int, pq.ParquetWriter] = {}
        self._schema: pa.Schema | None = None
        folder.mkdir(parents=True, exist_ok=True)

    def write(self, table: pa.Table, ctx: MapContext) -> int:
        """Stage a chunk's events in columnar form; return the rows staged."""
        if not table.num_rows:
            return 0
        if self._schema is None:
            self._schema = table.schema
        table = table.cast(self._schema)
        years = pc.year(table["date"])
        for year in pc.unique(years).to_pylist():
            if year not in self._writers:
                self._writers[year] = pq.ParquetWriter(self.folder / f"{year}.parquet", self._schema)
            self._writers[year].write_table(table.filter(pc.equal(years, year)))
        return table.num_rows

    def close(self) -> None:
        """Finish every staged file."""
        for writer in self._writers.values():
            writer.close()


class StagedArticles:
    """Stage the articles of imported events as Parquet, each with its order of arrival in `_line`.

    Repeated ids (an article cited in many chunks) are left to the engine, which keeps the first.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer: pq.ParquetWriter | None = None
        self._order = 0

    def write(self, articles: pd.DataFrame) -> None:
        """Stage a chunk's articles."""
        if articles.empty:
            return
        frame = articles.assign(**{LINE: range(self._order, self._order + len(articles))})
        self._order += len(articles)
        table = columnar.articles_table(frame)
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, table.schema)
        self._writer.write_table(table.cast(self._writer.schema))

    def close(self) -> None:
        """Finish the staged file."""
        if self._writer is not None:
            self._writer.close()


@dataclass
class Mapped:
    """One chunk mapped: its events and articles, and what mapping it logged and left out."""

    events: Any  # text frame, or in columnar form for the store (`ChunkMapper.columnar`)
    articles: pd.DataFrame
    log: ProblemLog
    left_out: Counter
    rows_read: int


@dataclass(frozen=True)
class ChunkMapper:
    """Map one chunk of a source: parse it (a block of lines), map it, and type it for the store.

    Picklable, and the same in the main process and in a worker: each chunk gets a log of its
    own, which the main process adds to the import's log in file order.
    """

    layout: Layout
    source: str
    options: ImportOptions
    aliases: AliasTable
    columnar: bool = False  # type, place and convert the events for the store
    geo_dir: Path | None = None  # the country polygons; None when there are none

    def __call__(self, chunk: bytes | pd.DataFrame, first_line: int) -> Mapped:
        """Map a chunk: raw lines starting on `first_line`, or rows already read."""
        ctx = MapContext(self.source, self.options, ProblemLog())
        rows = chunk if isinstance(chunk, pd.DataFrame) else _parse_block(chunk, first_line, self.layout, ctx)
        if rows is None:
            return Mapped(None, pd.DataFrame(), ctx.log, ctx.left_out, ctx.rows_read)
        events, cited = FORMATS[self.layout.format].map_chunk(rows, ctx, self.aliases)
        if self.columnar:
            events = self._columnar(events, ctx)
        return Mapped(events, cited, ctx.log, ctx.left_out, ctx.rows_read)

    def _columnar(self, events: pd.DataFrame, ctx: MapContext) -> pa.Table:
        """Type the events per the contract, place them in their state and region, and convert them."""
        typed = typed_events(events)
        if self.geo_dir is None:
            return columnar.events_table(typed.assign(**dict.fromkeys((LOCATED_IN, REGION, REGION_NAME), "")))
        located, problems = locate_events(typed, self.geo_dir, ctx.source)
        for problem in problems:
            if problem.column == "country":
                code = problem.message.removeprefix("no polygon for ").split(":")[0]
                ctx.log.add(ctx.source, [problem.line], problem.column, NO_POLYGON, [code], "warning")
            else:  # "point (lat, lon) lies N km outside UKR; it falls in RUS": the point and the rest
                detail = problem.message.removeprefix("point ").replace(" lies ", ": ", 1)
                ctx.log.add(ctx.source, [problem.line], problem.column, OUTSIDE_COUNTRY, [detail], "warning")
        return columnar.events_table(located)


def stream(
    layout: Layout,
    source: Path,
    events: EventSink,
    articles: ArticleSink,
    report: ImportReport,
    options: ImportOptions,
    actors: Path,
    progress: Progress | None,
    *,
    store_geometry: Path | None = None,
) -> None:
    """Read, map and write every chunk of the source, reporting progress.

    With `store_geometry` (the country polygons of the target) the events are typed and placed
    for the store; otherwise they stay text. A large file is mapped in two processes: this one
    and a worker take turns, and the chunks are written in file order.
    """
    aliases = load_aliases(actors, report.log)
    ctx = MapContext(str(source), options, report.log, report.left_out)
    geo_dir = store_geometry and _usable_geometry(store_geometry, ctx)
    mapper = ChunkMapper(layout, str(source), options, aliases, store_geometry is not None, geo_dir or None)
    reported = 0
    for result in _mapped_in_order(_chunks(source, layout, ctx), mapper, parallel=_worth_a_worker(source)):
        _absorb(ctx, result)
        if result.events is not None:
            articles.write(result.articles)  # before the events that cite them, as in the files
            report.imported += events.write(result.events, ctx)
        if progress and ctx.rows_read // PROGRESS_ROWS > reported:
            reported = ctx.rows_read // PROGRESS_ROWS
            progress(ctx.rows_read, report.imported)
    report.rows_read = ctx.rows_read
    release_memory()


def release_memory() -> None:
    """Give memory freed by the chunks back to the system, before the merge asks the engine for its own.

    Arrow's allocator and C's keep freed memory for reuse: a few hundred MB after a large import.
    """
    pa.default_memory_pool().release_unused()
    with contextlib.suppress(OSError, AttributeError):  # C libraries other than glibc have no malloc_trim
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _usable_geometry(geo_dir: Path, ctx: MapContext) -> Path | None:
    """Return the geometry folder if its polygons load; else log why, once, and return None."""
    try:
        load_countries(geo_dir, full=True)
    except (OSError, ValueError) as exc:
        ctx.log.add(
            str(geo_dir / FULL_FILE), [1], WHOLE_ROW, f"no geography check: {exc}", severity="warning"
        )
        return None
    return geo_dir


def _worth_a_worker(source: Path) -> bool:
    """Whether a second process pays for its start (about two seconds of imports)."""
    try:
        size = source.stat().st_size
    except OSError:
        return False
    return size >= PARALLEL_BYTES and (os.cpu_count() or 1) > 1


def _mapped_in_order(
    chunks: Iterator[tuple[bytes | pd.DataFrame, int]], mapper: ChunkMapper, *, parallel: bool
) -> Iterator[Mapped]:
    """Yield the mapped chunks in file order: mapped here, or every other one by a worker process.

    The worker maps a chunk while this process maps the next one; its result is read before it
    gets another, so that neither ever waits on the other to read. A chunk the worker could
    not map is mapped here (which raises its error, if it has one).
    """
    worker = _Worker.start(mapper) if parallel else None
    given: tuple[bytes | pd.DataFrame, int] | None = None  # the chunk the worker maps
    try:
        for chunk, line in chunks:
            if worker is not None and given is None:
                worker = worker.map(chunk, line)
                if worker is not None:
                    given = (chunk, line)
                    continue
            mapped = mapper(chunk, line)
            if given is not None:
                yield _collect(worker, given, mapper)
                given = None
            yield mapped
        if given is not None:
            yield _collect(worker, given, mapper)
    finally:
        if worker is not None:
            worker.stop()


def _collect(worker: _Worker | None, given: tuple[bytes | pd.DataFrame, int], mapper: ChunkMapper) -> Mapped:
    """Return what the worker made of its chunk, or map the chunk here if it made nothing."""
    result = worker.result() if worker is not None else None
    return result if result is not None else mapper(*given)


class _Worker:
    """A second Python process that maps chunks: tasks go in on its stdin, results come back on a pipe.

    A process of its own (not `multiprocessing`): it runs no code of the calling program, inherits
    no thread, lock or file (the store's lock stays with this process), and ends when this one
    does, at the end of its input.
    """

    def __init__(self, process: subprocess.Popen, results: IO[bytes]) -> None:
        self.process = process
        self.results = results

    @classmethod
    def start(cls, mapper: ChunkMapper) -> _Worker | None:
        """Start a worker for `mapper`; None if it cannot be started."""
        read_end, write_end = os.pipe()
        # The worker imports this package from where this process found it.
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        try:
            process = subprocess.Popen(  # noqa: S603 (this interpreter, running this module)
                [sys.executable, "-c", _WORKER_CODE, str(write_end)],
                stdin=subprocess.PIPE, pass_fds=(write_end,), env=env,
            )  # fmt: skip
        except OSError:
            os.close(read_end)
            return None
        finally:
            os.close(write_end)
        worker = cls(process, os.fdopen(read_end, "rb"))
        return worker if worker._send(mapper) else None

    def map(self, chunk: bytes | pd.DataFrame, line: int) -> _Worker | None:
        """Give the worker a chunk to map; return None (and stop it) if it is gone."""
        if self._send((chunk, line)):
            return self
        return None

    def result(self) -> Mapped | None:
        """Return the mapped chunk, or None when the worker failed or is gone."""
        try:
            outcome = pickle.load(self.results)  # noqa: S301 (our own process, over our own pipe)
        except (EOFError, OSError, pickle.UnpicklingError):
            return None
        return outcome if isinstance(outcome, Mapped) else None

    def _send(self, message: object) -> bool:
        assert self.process.stdin is not None
        try:
            pickle.dump(message, self.process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            self.stop()
            return False
        return True

    def stop(self) -> None:
        """End the worker: close its input, and kill it if it does not end."""
        with contextlib.suppress(OSError):
            if self.process.stdin is not None:
                self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.results.close()


_WORKER_CODE = "from borderstates.importers.pipeline import serve_chunks; serve_chunks()"


def serve_chunks() -> None:
    """Map chunks for another process (`_Worker`): a mapper, then chunks, on stdin; results on a pipe."""
    out = os.fdopen(int(sys.argv[1]), "wb")
    tasks = sys.stdin.buffer
    mapper = pickle.load(tasks)  # noqa: S301 (from the process that started this one)
    while True:
        try:
            chunk, line = pickle.load(tasks)  # noqa: S301
        except EOFError:
            return
        try:
            outcome: Mapped | None = mapper(chunk, line)
        except Exception:  # the other process maps the chunk again, and reports the error itself
            outcome = None
        pickle.dump(outcome, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()


def _absorb(ctx: MapContext, chunk: Mapped) -> None:
    """Add what mapping a chunk logged and left out to the import's: as if mapped here, in order."""
    ctx.rows_read += chunk.rows_read
    ctx.left_out.update(chunk.left_out)
    log = ctx.log
    for key, count in chunk.log.counts.items():
        log.counts[key] += count
        room = log.examples_per_kind - len(log.examples[key])
        if room > 0:
            log.examples[key].extend(chunk.log.examples[key][:room])


# --- reading unquoted files fast -----------------------------------------------------------------

BLOCK_BYTES = 8 * 2**20  # bytes parsed at a time by the fast reader: about 22,000 GDELT rows
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, gzip.BadGzipFile)
_BOM = b"\xef\xbb\xbf"
# What Python's csv module says of a carriage return inside an unquoted field.
_CR_INSIDE = (
    "malformed CSV: new-line character seen in unquoted field - "
    "do you need to open the file in universal-newline mode?"
)


def read_fast(path: Path, layout: Layout, ctx: MapContext) -> Iterator[pd.DataFrame]:
    """Yield the rows of a file as `source.read_chunks` does, with Arrow's reader where it can."""
    for chunk, first_line in _chunks(path, layout, ctx):
        rows = chunk if isinstance(chunk, pd.DataFrame) else _parse_block(chunk, first_line, layout, ctx)
        if rows is not None:
            yield rows


def _chunks(path: Path, layout: Layout, ctx: MapContext) -> Iterator[tuple[bytes | pd.DataFrame, int]]:
    """Yield a file in chunks, each with the line it starts on: blocks of raw lines where they can be.

    GDELT's exports are tab-separated without quoting: every record is one line, and a block of
    whole lines is parsed on its own (`_parse_block`), in any process. Other formats (quoted CSV,
    fields over several lines) are read by `source.read_chunks`, here.
    """
    if layout.format != "gdelt" or layout.has_header:
        for rows in read_chunks(path, layout, ctx):
            yield rows, 0
        return
    line = 1  # the line the next block starts on
    with open_text(path) as text:
        binary = text.buffer
        rest = b""
        while True:
            try:
                data = binary.read(BLOCK_BYTES)
            except _DAMAGED as exc:
                raise ImportFailure(
                    f"{path}:{line}: {WHOLE_ROW}: the compressed file is damaged ({exc})"
                ) from None
            block = rest + data
            if not block:
                break
            if data:  # whole lines only: the rest waits for the next read
                cut = block.rfind(b"\n") + 1
                if cut == 0:
                    rest = block
                    continue
                block, rest = block[:cut], block[cut:]
            else:
                rest = b""
            if line == 1 and block.startswith(_BOM):
                block = block[len(_BOM) :]
            yield block, line
            line += block.count(b"\n") + (0 if block.endswith(b"\n") else 1)


def _parse_block(block: bytes, first_line: int, layout: Layout, ctx: MapContext) -> pd.DataFrame | None:
    """Parse whole lines of an unquoted file as `source.read_chunks` reads them; None when none is good.

    The lines are checked with array operations (their fields, carriage returns, blank lines),
    the well-formed ones are parsed by Arrow, ten times faster than `csv`, and the others are
    logged as `read_chunks` logs them.
    """
    width = len(layout.names)
    lines = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
    clean = (
        b"\r" not in block
        and b"\n\n" not in block
        and not block.startswith(b"\n")
        and block.count(b"\t") == (width - 1) * lines
    )
    if clean:  # the common case: no line to leave out, unless two lines' errors cancel out
        numbers = first_line + np.arange(lines)
        table = _read_lines(block, layout)
        if table is not None:
            ctx.rows_read += lines
            return _frame(table, numbers, layout, ctx)
    numbers, block = _checked_lines(block, first_line, width, ctx)
    if not len(numbers):
        return None
    table = _read_lines(block, layout)
    if table is None or table.num_rows != len(numbers):  # pragma: no cover (the checks are Arrow's rules)
        raise ImportFailure(f"{ctx.source}:{first_line}: {WHOLE_ROW}: the lines could not be read one by one")
    return _frame(table, numbers, layout, ctx)


def _checked_lines(block: bytes, first_line: int, width: int, ctx: MapContext) -> tuple[np.ndarray, bytes]:
    """Log the lines of a block that are no row of `width` fields; return the others and their numbers."""
    data = np.frombuffer(block, dtype=np.uint8)
    ends = np.flatnonzero(data == 10)
    if not block.endswith(b"\n"):
        ends = np.append(ends, len(block))  # the file's last line, without its line feed
    starts = np.concatenate(([0], ends[:-1] + 1))
    stops = ends.copy()
    crlf = (stops > starts) & (data[np.maximum(stops - 1, 0)] == 13)
    stops[crlf] -= 1  # a CR before the LF ends the line with it
    tabs = _counts(data == 9, starts, stops)
    carriage_returns = _counts(data == 13, starts, stops)
    blank = stops == starts
    good = (tabs == width - 1) & (carriage_returns == 0)
    numbers = first_line + np.arange(len(ends))
    ctx.rows_read += int((~blank).sum())
    for count in np.unique(tabs[~good & ~blank & (carriage_returns == 0)]):
        wrong = ~good & ~blank & (carriage_returns == 0) & (tabs == count)
        ctx.log.add(ctx.source, numbers[wrong].tolist(), WHOLE_ROW, f"{count + 1} columns, expected {width}")
    if (carriage_returns > 0).any():
        ctx.log.add(ctx.source, numbers[carriage_returns > 0].tolist(), WHOLE_ROW, _CR_INSIDE)
    # Only the good lines go to Arrow, so that its rows are exactly those lines.
    kept = b"".join(block[s : e + 1] for s, e in zip(starts[good], ends[good], strict=True))
    return numbers[good], kept


def _read_lines(block: bytes, layout: Layout) -> pa.Table | None:
    """Parse lines of tab-separated fields; None if a line has the wrong number of fields."""
    present = [c for c in FORMATS[layout.format].USED if c in layout.names]
    try:
        return pa_csv.read_csv(
            io.BytesIO(block),
            read_options=pa_csv.ReadOptions(column_names=list(layout.names)),
            parse_options=pa_csv.ParseOptions(
                delimiter="\t",
                quote_char=False,
                double_quote=False,
                escape_char=False,
                newlines_in_values=False,
            ),
            convert_options=pa_csv.ConvertOptions(
                include_columns=present,
                column_types=dict.fromkeys(present, pa.binary()),  # UTF-8 is checked below, column by column
                strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None


def _frame(table: pa.Table, numbers: np.ndarray, layout: Layout, ctx: MapContext) -> pd.DataFrame:
    """Return parsed rows as `read_chunks` frames them: text cells, missing columns empty, lines."""
    module = FORMATS[layout.format]
    frame = pd.DataFrame({name: _text(table[name]) for name in table.column_names})
    for name in module.USED:
        if name not in frame:
            frame[name] = ""
    frame[LINE] = pd.Series(numbers, dtype="int64")
    garbled = pd.Series(False, index=frame.index)
    for name in table.column_names:
        garbled |= frame[name].str.contains("\ufffd", regex=False)
    if garbled.any():
        ctx.warn(frame, garbled, WHOLE_ROW, "holds bytes that are not UTF-8 text (imported as �)")
    return frame


def _counts(flags: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """Return how many flags each line (`starts[i]` to `stops[i]`, exclusive) holds."""
    # Positions, then a binary search per line: a running sum over every byte is ten times slower.
    where = np.flatnonzero(flags)
    return np.searchsorted(where, stops) - np.searchsorted(where, starts)


def _text(cells: pa.ChunkedArray) -> pd.Series:
    """Return a column of raw bytes as text; bytes that are no UTF-8 become U+FFFD, as `open_text` has it."""
    try:
        text = pc.cast(cells, pa.string())
    except pa.ArrowInvalid:
        text = pa.array([cell.decode("utf-8", "replace") for cell in cells.to_pylist()], type=pa.string())
    return pd.Series(text, dtype="str") if isinstance(text, pa.Array) else text.to_pandas()
