"""A columnar (Parquet) cache of loaded CSV files, keyed on their content and the code that loaded them.

An engine reads an entry's files on every query, long after it was loaded. While an `Entry` is
alive its folder is held (a shared lock on it, where the system has `flock`): the removal of
old entries, by this process or another, passes over a held entry, however old.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib
import importlib.metadata
import json
import os
import shutil
import tempfile
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from borderstates.core.csvio import Problem, atomic_write

try:
    import fcntl
except ImportError:  # no flock (Windows): entries are kept by their age alone
    fcntl = None  # type: ignore[assignment]

CACHE_DIR_VARIABLE = "BORDERSTATES_CACHE_DIR"
KEPT_ENTRIES = 6  # older cache entries are removed, so the cache cannot grow without bound …
# … but only once unused this long, and never while held: a loading process has not held its
# entry yet, and a system without flock has nothing but the age to go by.
UNUSED_FOR_S = 24 * 3600
ROW_GROUP_ROWS = 122_880  # rows per Parquet row group: the engines skip groups by their min and max
# Where the cache cannot be written, an entry goes to a temporary folder of the process, removed
# when nothing holds it any more; one a killed process left is removed by a later one, once
# unheld and older than this (a folder just made is not held yet).
FALLBACK_PREFIX = "borderstates-uncached-"
FALLBACK_KEPT_S = 3600
# The modules whose code decides what a load gives: the contract, the reader, the loader, the
# geography check (countries and regions), the columnar form, and this cache's own format.
_SHAPING_MODULES = ("contract", "csvio", "load", "geo", "regions", "paths", "columnar", "cache")


def cache_dir() -> Path:
    """Return where cached datasets live: `BORDERSTATES_CACHE_DIR`, or the user's cache folder."""
    configured = os.environ.get(CACHE_DIR_VARIABLE, "").strip()
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "borderstates"


@functools.cache
def code_fingerprint() -> str:
    """Return what the cached frames depend on besides the files: the code that made them.

    The package's version, the source of the modules that shape a load (the contract it
    encodes, the parsing rules, the derived columns) and the versions of pandas and pyarrow,
    which write and read the frames. An upgrade that changes any of them misses the old entries.
    """
    digest = hashlib.sha256()
    try:
        digest.update(importlib.metadata.version("borderstates").encode())
    except importlib.metadata.PackageNotFoundError:  # run from a source tree that is not installed
        digest.update(b"not installed")
    digest.update(f"|{pd.__version__}|{pa.__version__}|".encode())
    for name in _SHAPING_MODULES:
        module = importlib.import_module(f"borderstates.core.{name}")
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()


def content_key(*paths: Path, options: str = "") -> str:
    """Return a key that changes whenever any of the files' bytes, the options or the code change."""
    digest = hashlib.sha256(f"{code_fingerprint()}|{options}".encode())
    for path in paths:
        digest.update(str(path).encode())
        try:
            with Path(path).open("rb") as handle:
                digest.update(hashlib.file_digest(handle, "sha256").digest())
        except OSError:
            digest.update(b"missing")
    return digest.hexdigest()[:32]


@dataclass(frozen=True)
class Entry:
    """A loaded pair of files in columnar form, and what the load found wrong with them."""

    events: Path  # Parquet, in `columnar.EVENT_SCHEMA` (plus the file's extra columns)
    articles: Path  # Parquet, in `columnar.ARTICLE_SCHEMA`
    problems: list[Problem]
    rows_in_file: int  # event rows in the events file, valid or not
    held: _Hold | None = field(default=None, compare=False, repr=False)  # the folder, while the entry lives


class _Hold:
    """A shared lock on an entry's folder, released when the hold is collected (or the process ends).

    With `remove`, the folder (a fallback of this process) is removed then too.
    """

    def __init__(self, folder: Path, *, remove: bool = False) -> None:
        fd = None
        if fcntl is not None:
            fd = os.open(folder, os.O_RDONLY)
            fcntl.flock(fd, fcntl.LOCK_SH)
        weakref.finalize(self, _release, fd, folder if remove else None)


def _release(fd: int | None, folder: Path | None) -> None:
    if fd is not None:
        os.close(fd)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def _remove_unless_held(folder: Path) -> None:
    """Remove a folder of the cache unless a process holds it (an engine reading its files)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # held: it stays
        shutil.rmtree(folder, ignore_errors=True)
    finally:
        os.close(fd)


def read_cached(key: str) -> Entry | None:
    """Return the entry stored under `key`, or None when there is none (or only part of one)."""
    entry = cache_dir() / key
    try:
        held = _Hold(entry)  # first: a removal that comes after passes over it
        meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (entry / "events.parquet").is_file() or not (entry / "articles.parquet").is_file():
        return None
    entry.touch()  # recently used entries are kept longest
    problems = [Problem(**p) for p in meta["problems"]]
    return Entry(entry / "events.parquet", entry / "articles.parquet", problems, meta["rows_in_file"], held)


def write_cached(
    key: str, events: pa.Table, articles: pa.Table, problems: list[Problem], rows_in_file: int
) -> Entry:
    """Store a loaded pair of files under `key` and return the entry.

    Where the cache cannot be written, the entry goes to a temporary folder of this process:
    the engine still needs the files, and the next start simply loads again. The folder goes
    when the entry is no longer used, or at the latest when the process ends.
    """
    try:
        folder = cache_dir() / key
        folder.mkdir(parents=True, exist_ok=True)
        return _write_entry(folder, _Hold(folder), events, articles, problems, rows_in_file)
    except OSError:
        folder = Path(tempfile.mkdtemp(prefix=FALLBACK_PREFIX))
        held = _Hold(folder, remove=True)
        stale_since = time.time() - FALLBACK_KEPT_S
        for left in folder.parent.glob(FALLBACK_PREFIX + "*"):
            if left != folder and left.stat().st_mtime < stale_since:
                _remove_unless_held(left)  # left by a process that was killed
        return _write_entry(folder, held, events, articles, problems, rows_in_file)


def _write_entry(
    entry: Path, held: _Hold, events: pa.Table, articles: pa.Table, problems: list[Problem], rows_in_file: int
) -> Entry:
    for name, table in (("events", events), ("articles", articles)):
        with atomic_write(entry / f"{name}.parquet", binary=True) as handle:
            pq.write_table(table, handle, row_group_size=ROW_GROUP_ROWS)
    meta = {"problems": [dataclasses.asdict(p) for p in problems], "rows_in_file": rows_in_file}
    with atomic_write(entry / "meta.json") as handle:  # written last: it marks the entry complete
        json.dump(meta, handle, ensure_ascii=False)
    if entry.parent == cache_dir():
        _remove_old_entries(keep=entry)
    return Entry(entry / "events.parquet", entry / "articles.parquet", problems, rows_in_file, held)


def _remove_old_entries(keep: Path) -> None:
    others = [(p.stat().st_mtime, p) for p in cache_dir().iterdir() if p.is_dir() and p != keep]
    unused_since = time.time() - UNUSED_FOR_S
    beyond = sorted(others, reverse=True)[KEPT_ENTRIES - 1 :]
    for old in (p for used, p in beyond if used < unused_since):
        _remove_unless_held(old)
