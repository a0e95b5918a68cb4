"""Reading foreign event files as people get them: plain, zipped or gzipped; recognised; in chunks."""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import operator
import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TextIO

import pandas as pd

from borderstates.core.csvio import LINE, WHOLE_ROW, sniff_delimiter
from borderstates.importers import acled, gdelt, ucdp
from borderstates.importers.common import ImportFailure, MapContext, id_prefix

FORMATS = {module.FORMAT: module for module in (acled, ucdp, gdelt)}
FORMAT_NAMES = {name: module.NAME for name, module in FORMATS.items()}
IMPORTED_DATASETS = frozenset(module.DATASET for module in FORMATS.values())
CHUNK_ROWS = 20_000  # rows mapped at a time: bounds memory whatever the size of the file
_SNIFF_LINES = 20
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, gzip.BadGzipFile)
_GKG_RECORD_ID = re.compile(r"\d{14}-T?\d+")
_FIELD_SIZE_LIMIT = 10_000_000  # characters: UCDP's source_article cites many articles in one cell


def imported_row(event_id: str, dataset: str) -> bool:
    """Whether an events row is one an importer wrote: its id carries its dataset's prefix (`ACLED:`, ACLED).

    A row whose dataset an analyst changed (`My team`, `curated`) is theirs, whatever its id.
    """
    return dataset in IMPORTED_DATASETS and event_id.startswith(id_prefix(dataset))


@dataclass(frozen=True)
class Layout:
    """How a recognised file is read."""

    format: str  # a key of FORMATS
    delimiter: str
    names: tuple[str, ...]  # the name of each field, as the format module spells it
    has_header: bool


@contextmanager
def open_text(path: Path) -> Iterator[TextIO]:
    """Open a plain, zipped or gzipped file as text; undecodable bytes become U+FFFD."""
    with ExitStack() as stack:
        binary: IO[bytes] | gzip.GzipFile
        try:
            raw = stack.enter_context(path.open("rb"))
            magic = raw.read(4)
            raw.seek(0)
            if magic.startswith(b"PK\x03\x04"):
                archive = stack.enter_context(zipfile.ZipFile(raw))
                binary = stack.enter_context(archive.open(_only_member(path, archive)))
            elif magic.startswith(b"\x1f\x8b"):
                binary = stack.enter_context(gzip.GzipFile(fileobj=raw))
            else:
                binary = raw
        except OSError as exc:
            raise ImportFailure(f"{path}: cannot be read: {exc.strerror or exc}") from None
        except zipfile.BadZipFile as exc:
            raise ImportFailure(f"{path}: damaged zip archive ({exc})") from None
        # newline="\n": only LF ends a line, so a bare CR inside a field keeps the line count.
        yield io.TextIOWrapper(binary, encoding="utf-8-sig", errors="replace", newline="\n")


def _only_member(path: Path, archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    members = [m for m in archive.infolist() if not m.is_dir() and not m.filename.startswith("__MACOSX/")]
    if len(members) > 1:
        members = [m for m in members if m.filename.lower().endswith((".csv", ".tsv", ".txt"))]
    if len(members) != 1:
        names = ", ".join(m.filename for m in archive.infolist()[:5])
        raise ImportFailure(
            f"{path}: the zip archive must hold one data file, it holds: {names or 'nothing'}"
        )
    return members[0]


def recognise(path: Path, declared: str = "auto") -> Layout:
    """Recognise the format of a file from its first lines and check it is the one declared.

    Raises ImportFailure with a one-line reason when the file is empty, of another format,
    or misses columns the format needs.
    """
    with open_text(path) as text:
        try:
            lines = [line.rstrip("\r\n") for line in itertools.islice(text, _SNIFF_LINES)]
        except _DAMAGED as exc:
            raise ImportFailure(f"{path}: the compressed file is damaged ({exc})") from None
    lines = [line for line in lines if line.strip()]
    if not lines:
        raise ImportFailure(f"{path}: the file is empty")
    layout, looks_like = _detect(lines)
    if declared != "auto" and (layout is None or layout.format != declared):
        wanted = FORMAT_NAMES[declared]
        if looks_like:
            raise ImportFailure(f"{path}: this looks like {looks_like}, not {wanted}")
        raise ImportFailure(f"{path}: this is not {_article(wanted)} file (first line: {_excerpt(lines[0])})")
    if layout is None:
        what = f"this looks like {looks_like}" if looks_like else f"first line: {_excerpt(lines[0])}"
        raise ImportFailure(f"{path}: not an ACLED, UCDP GED or GDELT 2.0 events file ({what})")
    _check_header(path, layout)
    return layout


def _detect(lines: list[str]) -> tuple[Layout | None, str]:
    """Return the layout of a known format, or None and what the file looks like instead."""
    first = lines[0]
    delimiter = sniff_delimiter(first, "\t,;")
    header = [h.strip().lower() for h in next(csv.reader([first], delimiter=delimiter))]
    names = set(header)
    if "event_id_cnty" in names or {"event_type", "sub_event_type", "actor1"} <= names:
        return Layout("acled", delimiter, tuple(header), True), "an ACLED file"
    if {"type_of_violence", "side_a", "side_b"} <= names or "dyad_new_id" in names:
        return Layout("ucdp", delimiter, tuple(header), True), "a UCDP GED file"
    if "globaleventid" in names:
        canonical = {c.lower(): c for c in gdelt.COLUMNS}
        return Layout("gdelt", delimiter, tuple(canonical.get(h, h) for h in header), True), ""
    if {"event_id", "relation_type", "quad_class"} <= names:
        return None, "a borderstates events file, which needs no import"
    fields = first.split("\t")
    if len(fields) > 1 and fields[0].isdigit():
        widths = {len(line.split("\t")) for line in lines}
        if len(gdelt.COLUMNS) in widths:
            return Layout("gdelt", "\t", gdelt.COLUMNS, False), "a GDELT 2.0 events file"
        if widths <= {57, 58}:
            return None, f"a GDELT 1.0 events file ({len(fields)} columns; GDELT 2.0 has 61)"
        if widths == {16}:
            return None, "a GDELT 2.0 Mentions file"
        return None, f"a damaged GDELT file ({len(fields)} columns, expected 61)"
    if _GKG_RECORD_ID.fullmatch(fields[0]):
        return None, "a GDELT Global Knowledge Graph file"
    return None, ""


def _check_header(path: Path, layout: Layout) -> None:
    if not layout.has_header:
        return
    module = FORMATS[layout.format]
    repeated = sorted({n for n in layout.names if layout.names.count(n) > 1})
    if repeated:
        raise ImportFailure(f"{path}:1: {WHOLE_ROW}: the header names {', '.join(repeated)} twice")
    missing = [c for c in module.REQUIRED if c not in layout.names]
    if missing:
        raise ImportFailure(
            f"{path}:1: {WHOLE_ROW}: columns that {module.NAME} files have are missing from the header: "
            + ", ".join(missing)
        )


def _article(name: str) -> str:
    return ("an " if name[0] in "AEIO" else "a ") + name  # a UCDP: the letter U sounds as "you"


def _excerpt(line: str, limit: int = 60) -> str:
    return repr(line if len(line) <= limit else line[:limit] + "…")


def read_chunks(path: Path, layout: Layout, ctx: MapContext) -> Iterator[pd.DataFrame]:
    """Yield the rows of a file as frames of text cells, `CHUNK_ROWS` at a time, with their line.

    Only the columns the format maps are kept (a missing optional column is empty). A row
    with the wrong number of fields or broken quoting is logged and skipped.
    """
    module = FORMATS[layout.format]
    present = [c for c in module.USED if c in layout.names]
    absent = [c for c in module.USED if c not in layout.names]
    pick = operator.itemgetter(*(layout.names.index(c) for c in present))
    width = len(layout.names)
    unquoted = layout.format == "gdelt" and not layout.has_header
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_SIZE_LIMIT))  # process-wide: only ever raised
    with open_text(path) as text:
        reader = csv.reader(
            text,
            delimiter=layout.delimiter,
            quoting=csv.QUOTE_NONE if unquoted else csv.QUOTE_MINIMAL,
            strict=True,
        )
        if layout.has_header:
            _next(reader, path, 1, ctx)
        rows, lines = [], []
        while True:
            start = reader.line_num + 1
            try:
                record = _next(reader, path, start, ctx)
            except StopIteration:
                break
            if not record or record == [""]:
                continue  # blank lines (and malformed records, already logged)
            ctx.rows_read += 1
            if len(record) != width:
                ctx.log.add(ctx.source, [start], WHOLE_ROW, f"{len(record)} columns, expected {width}")
                continue
            rows.append(pick(record))
            lines.append(start)
            if len(rows) == CHUNK_ROWS:
                yield _frame(rows, lines, present, absent, ctx)
                rows, lines = [], []
        if rows:
            yield _frame(rows, lines, present, absent, ctx)


def _next(reader: Iterator[list[str]], path: Path, start: int, ctx: MapContext) -> list[str]:
    try:
        return next(reader)
    except csv.Error as exc:
        ctx.rows_read += 1
        ctx.log.add(ctx.source, [start], WHOLE_ROW, f"malformed CSV: {exc}")
        return []
    except _DAMAGED as exc:
        raise ImportFailure(f"{path}:{start}: {WHOLE_ROW}: the compressed file is damaged ({exc})") from None


def _frame(
    rows: list, lines: list[int], present: list[str], absent: list[str], ctx: MapContext
) -> pd.DataFrame:
    columns = zip(*rows, strict=True) if len(present) > 1 else [rows]
    frame = pd.DataFrame(
        {name: pd.Series(cells, dtype="str") for name, cells in zip(present, columns, strict=True)}
    )
    for name in absent:
        frame[name] = ""
    frame[LINE] = pd.Series(lines, dtype="int64")
    garbled = pd.Series(False, index=frame.index)
    for name in present:
        garbled |= frame[name].str.contains("\ufffd", regex=False)
    if garbled.any():
        ctx.warn(frame, garbled, WHOLE_ROW, "holds bytes that are not UTF-8 text (imported as �)")
    return frame
