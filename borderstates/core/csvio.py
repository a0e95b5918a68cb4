"""CSV in and out as the contract says: physical line numbers, RFC 4180, spreadsheet safety."""

from __future__ import annotations

import csv
import io
import os
import re
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pandas as pd
import pyarrow as pa
from pyarrow import csv as pa_csv

LINE = "_line"  # the physical line a row starts on, kept beside the data
WHOLE_ROW = "-"  # the column named by a problem that is not about one column

# Characters that make a spreadsheet read a cell as a formula (OWASP's CSV injection list:
# = + - @ tab, carriage return, line feed; with the full-width forms some spreadsheets accept too).
FORMULA_START = "=+-@\t\r\n＝＋－＠"
_NEEDS_GUARD = re.compile(f"'*[{re.escape(FORMULA_START)}]")
_GUARDED = re.compile(f"^'(?='*[{re.escape(FORMULA_START)}])")  # at the start only: `d'=x` stays
_HAS_CONTENT = re.compile(rb"\S")  # found at the first non-blank byte, without copying the file
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")
# Largest data file the loader reads, in bytes: loading takes about six times as much memory.
MAX_FILE_BYTES = 1024**3


def _loose_quotes(delimiter: str) -> re.Pattern[bytes]:
    """Match quoting that breaks RFC 4180 within a line: text after a closing quote.

    An odd run of quotes inside a field closes it (`"ab"c`); an even run at a field's start
    opens and closes it (`""ab`). Arrow reads both leniently, Python's strict csv rejects them.
    The pattern starts with the quote itself, so that a search skips ahead to the next one.
    """
    sep = re.escape(delimiter).encode()
    text = b"[^" + sep + b'"\r\n]'
    odd_run_inside = b"(?<=" + text + b'")(?:"")*(?=' + text + b")"
    even_run_at_start = b"(?<![^" + sep + b'\n]")"(?:"")*(?=' + text + b")"
    return re.compile(b'"(?:' + odd_run_inside + b"|" + even_run_at_start + b")")


_LOOSE_QUOTES = {delimiter: _loose_quotes(delimiter) for delimiter in ",;"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, where it is and what it is."""

    file: str
    line: int
    column: str
    message: str
    severity: str = "error"  # or "warning": reported, but the row is kept

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.file}:{self.line}: {self.column}: {prefix}{self.message}"


@dataclass
class RawTable:
    """A CSV file as text cells ("" when empty), with the line each row starts on."""

    frame: pd.DataFrame
    problems: list[Problem]
    delimiter: str = ","
    rows_in_file: int = 0  # data rows the file holds, parsed or not


def read_table(path: Path | str, expected: tuple[str, ...] = ()) -> RawTable:
    """Read a CSV file into text cells without ever raising on its content.

    Parameters
    ----------
    path
        The file to read.
    expected
        Columns that must be in the header; each missing one is a problem and no rows load.

    Returns
    -------
    RawTable
        Every well-formed row, and one problem per row or file-level fault that was left out.

    """
    name = str(path)
    try:
        size = Path(path).stat().st_size
        if size > MAX_FILE_BYTES:
            return _unreadable(
                name,
                1,
                f"the file has {size / 2**20:,.0f} MB; the loader reads files of up to "
                f"{MAX_FILE_BYTES / 2**20:,.0f} MB (import a narrower range of dates or countries)",
            )
        data = Path(path).read_bytes()
    except OSError as exc:
        return _unreadable(name, 1, f"cannot be read: {exc.strerror or exc}")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not _HAS_CONTENT.search(data):
        return _unreadable(name, 1, "the file is empty")
    # Arrow checks the UTF-8 itself: a well-formed file is never also held as one large str.
    fast = _read_fast(name, data, expected)
    if fast is not None:
        return fast
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        position = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        byte = data[exc.start : exc.start + 1].hex()
        table = _unreadable(
            name,
            line,
            f"the file is not UTF-8 text (byte 0x{byte} at byte {position} of the line); save it as UTF-8",
        )
        table.rows_in_file = _count_data_lines(data)
        return table
    return _parse(name, text, expected)


def sniff_delimiter(first_line: str, candidates: str = ",;") -> str:
    """Return the delimiter a file's first line uses: the candidate it holds most of, the first on a tie.

    A comma by default; a semicolon where Excel set to a European locale wrote the file; tab
    among the candidates for formats that use it (GDELT).
    """
    return max(candidates, key=first_line.count)


def _count_data_lines(data: bytes) -> int:
    """Estimate the data rows of a file that cannot be parsed: its non-blank lines but the header."""
    return max(0, sum(1 for line in data.split(b"\n") if line.strip()) - 1)


def _no_rows() -> pd.DataFrame:
    return pd.DataFrame({LINE: pd.Series(dtype="int64")})


def _unreadable(name: str, line: int, message: str) -> RawTable:
    return RawTable(_no_rows(), [Problem(name, line, WHOLE_ROW, message)])


def _parse_header(
    name: str, first_line: str, expected: tuple[str, ...]
) -> tuple[list[str] | None, str, list[Problem]]:
    """Return the header's names (None when no rows can load), the delimiter, and the problems."""
    delimiter = sniff_delimiter(first_line)
    problems: list[Problem] = []
    header = _read_header(first_line, name, delimiter, problems)
    if header is None:
        return None, delimiter, problems or [Problem(name, 1, WHOLE_ROW, "no header row")]
    # A name an export guarded (`guard_formulas`) is read back as it was, as the cells are.
    header = [_GUARDED.sub("", h.strip(), count=1) for h in header]
    duplicates = sorted({h for h in header if header.count(h) > 1})
    missing = [c for c in expected if c not in header]
    problems += [Problem(name, 1, c, "the header names this column twice") for c in duplicates]
    problems += [Problem(name, 1, c, "required column is missing from the header") for c in missing]
    return (None if problems else header), delimiter, problems


def _read_fast(name: str, data: bytes, expected: tuple[str, ...]) -> RawTable | None:
    """Read a well-formed file on Arrow's fast path; None sends it down the careful path."""
    try:
        first_line = data[: data.find(b"\n") + 1 or None].decode("utf-8")
    except UnicodeDecodeError:
        return None
    header, delimiter, problems = _parse_header(name, first_line, expected)
    if header is None:
        return None
    fast = _read_one_record_per_line(data, header, delimiter)
    return None if fast is None else RawTable(_restore_guarded(fast), problems, delimiter, len(fast))


def _parse(name: str, text: str, expected: tuple[str, ...]) -> RawTable:
    header, delimiter, problems = _parse_header(name, text[: text.find("\n") + 1 or None], expected)
    if header is None:
        return RawTable(_no_rows(), problems, delimiter)
    rows, lines = _read_records(name, text, delimiter, len(header), problems)
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(header)
    frame = pd.DataFrame({h: pd.Series(col, dtype="str") for h, col in zip(header, columns, strict=True)})
    frame[LINE] = pd.Series(lines, dtype="int64")
    left_out = sum(1 for p in problems if p.line > 1)
    return RawTable(_restore_guarded(frame), problems, delimiter, len(rows) + left_out)


class _PhysicalLines:
    """The lines of a text, each ended by LF only, for a csv reader that may restart at any line."""

    def __init__(self, text: str) -> None:
        # newline="\n": only LF ends a physical line, so a bare CR inside a field keeps the count.
        self.lines = io.StringIO(text, newline="\n").readlines()
        self.next = 1  # index of the next line to hand out, which is physical line `next + 1`

    def __iter__(self) -> _PhysicalLines:
        return self

    def __next__(self) -> str:
        if self.next >= len(self.lines):
            raise StopIteration
        self.next += 1
        return self.lines[self.next - 1]


def _read_records(
    name: str, text: str, delimiter: str, width: int, problems: list[Problem]
) -> tuple[list[list[str]], list[int]]:
    """Read the data rows after the header strictly, each with the physical line it starts on.

    A malformed record is reported on its first line, and reading resumes on the line after
    that one: an unclosed quote costs its own row, not every row up to the next quote.
    """
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FILE_BYTES))  # as Arrow: no limit but the file's
    source = _PhysicalLines(text)
    reader = csv.reader(source, delimiter=delimiter, strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    while True:
        start = source.next + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(name, start, WHOLE_ROW, f"malformed CSV: {exc}"))
        else:
            if not record or record == [""]:
                continue  # a blank line holds no data
            if len(record) == width:
                rows.append(record)
                lines.append(start)
                continue
            message = f"row has {len(record)} fields, the header has {width}"
            problems.append(Problem(name, start, WHOLE_ROW, message))
        if source.next > start:  # the broken record ran over further lines: read them again as rows
            source.next = start
            reader = csv.reader(source, delimiter=delimiter, strict=True)
    return rows, lines


def _read_one_record_per_line(data: bytes, header: list[str], delimiter: str) -> pd.DataFrame | None:
    """Parse a well-formed file with Arrow's CSV reader, ten times faster than `csv`.

    Only when every record is exactly one physical line are line numbers then known
    (row i is on line i + 2); any other file returns None and takes the careful path,
    which reports blank lines, short or long rows and multi-line fields line by line.
    """
    if _LOOSE_QUOTES[delimiter].search(data):
        return None  # Arrow would read `"ab"c` as `abc`; the careful path reports it
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    try:
        table = pa_csv.read_csv(
            io.BytesIO(data),
            read_options=pa_csv.ReadOptions(column_names=header, skip_rows=1),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=False),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, ValueError):
        return None
    if table.num_rows != lines - 1:
        return None
    frame = table.to_pandas(split_blocks=True, self_destruct=True)  # frees Arrow's copy as it goes
    del table
    frame[LINE] = pd.RangeIndex(2, len(frame) + 2, dtype="int64")
    return frame


def _read_header(line: str, name: str, delimiter: str, problems: list[Problem]) -> list[str] | None:
    """Return the header's names, or None when the first line is not a CSV record."""
    try:
        return next(csv.reader([line], delimiter=delimiter, strict=True), None)
    except csv.Error as exc:
        problems.append(Problem(name, 1, WHOLE_ROW, f"malformed CSV: {exc}"))
        return None


def _restore_guarded(frame: pd.DataFrame) -> pd.DataFrame:
    """Remove the quote that an export put before a formula character, and only that one."""
    for column in frame.columns.drop(LINE):
        cells = frame[column]
        if cells.str.startswith("'").any():
            frame[column] = cells.str.replace(_GUARDED, "", n=1, regex=True)
    return frame


def guard_cell(value: str) -> str:
    """Make one text cell safe to open in a spreadsheet; plain numbers stay numbers."""
    if _NEEDS_GUARD.match(value) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def guard_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy whose text cells, and the column names its header shows, cannot run as formulas."""
    out = frame.copy()
    out.columns = [guard_cell(str(name)) for name in out.columns]
    for column in out.columns:
        if pd.api.types.is_string_dtype(out[column]) or out[column].dtype == object:
            cells = out[column].astype("str").where(out[column].notna(), "")
            risky = cells.str.match(_NEEDS_GUARD) & ~cells.str.fullmatch(_PLAIN_NUMBER)
            out[column] = cells.where(~risky, "'" + cells)
    return out


def write_csv(frame: pd.DataFrame, target: Path | str | IO[str], *, excel_nl: bool = False) -> None:
    """Write a frame as spreadsheet-safe CSV: RFC 4180 with CRLF, or for Dutch-locale Excel.

    The Dutch-Excel variant is UTF-8 with a byte-order mark, `;`-separated, with decimal
    commas, so that Excel set to Dutch opens it with numbers as numbers.
    """
    safe = guard_formulas(frame)
    sep, decimal = (";", ",") if excel_nl else (",", ".")

    def write(handle: IO[str]) -> None:
        safe.to_csv(
            handle, index=False, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL, sep=sep, decimal=decimal
        )

    if isinstance(target, str | Path):
        with atomic_write(target, encoding="utf-8-sig" if excel_nl else "utf-8") as handle:
            write(handle)
    else:
        if excel_nl:
            target.write("\ufeff")
        write(target)


@contextmanager
def atomic_write(path: Path | str, *, encoding: str | None = "utf-8", binary: bool = False) -> Iterator[IO]:
    """Write a file aside and rename it into place, so a reader never sees half of it.

    The new file gets the permissions of the file it replaces, or those a plain `open()` gives.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp, fd = _create_aside(path)
    try:
        with os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding=encoding, newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _create_aside(path: Path) -> tuple[Path, int]:
    """Create an empty, hidden file beside `path`; return its path and descriptor.

    Created with mode 0o666 for the kernel to apply the umask: `tempfile.mkstemp` makes
    owner-only files, and reading the umask means setting it, for every thread of the process.
    """
    while True:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
        try:
            return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:  # pragma: no cover (64 random bits)
            continue
