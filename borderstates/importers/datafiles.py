"""The analyst's CSV files as imports read them: records with their lines, and whether a file changed."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from borderstates.core.csvio import WHOLE_ROW, sniff_delimiter
from borderstates.importers.common import ImportFailure

Fingerprint = tuple[int, int, int] | None  # (inode, size, modification time in ns); None: no such file


def records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Yield (line, record) of a data file, header first; fail on anything unreadable.

    Lines are physical lines ended by LF, as the loader counts them. A row with the wrong
    number of fields is passed on as it is.
    """
    start = 1
    try:
        with path.open(encoding="utf-8-sig", newline="\n") as handle:
            delimiter = sniff_delimiter(handle.readline())
            handle.seek(0)
            lines = _Counted(handle)
            reader = csv.reader(lines, delimiter=delimiter, strict=True)
            while True:
                start = lines.count + 1
                record = next(reader, None)
                if record is None:
                    return
                if record and record != [""]:
                    yield start, record
    except csv.Error as exc:
        raise ImportFailure(
            f"{path}:{start}: {WHOLE_ROW}: malformed CSV ({exc}); fix it (see borderstates validate), "
            "then import again"
        ) from None
    except UnicodeDecodeError:
        raise ImportFailure(f"{path}: not UTF-8 text; save it as UTF-8, then import again") from None


class _Counted:
    """The lines of a file, counted as a csv reader takes them."""

    def __init__(self, handle: io.TextIOBase) -> None:
        self.handle = handle
        self.count = 0

    def __iter__(self) -> _Counted:
        return self

    def __next__(self) -> str:
        line = self.handle.readline()
        if not line:
            raise StopIteration
        self.count += 1
        return line


def fingerprint(path: Path) -> Fingerprint:
    """Return what tells one version of a file from the next without reading it.

    A save writes the file (its size or modification time changes) or renames a new one into
    place (its inode changes).
    """
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return status.st_ino, status.st_size, status.st_mtime_ns


def check_unchanged(
    path: Path, seen: Fingerprint, during: str, failure: type[ImportFailure] = ImportFailure
) -> None:
    """Raise `failure` when a file is no longer the version that was read as `seen`.

    `during` says what ran meanwhile, and what is done about it: it completes the line.
    """
    if fingerprint(path) != seen:
        raise failure(f"{path}: changed while {during}")
