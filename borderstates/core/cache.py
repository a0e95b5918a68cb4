"""A columnar (Parquet) cache of loaded CSV files, keyed on their content and the code that loaded them."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib
import importlib.metadata
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from borderstates.core.csvio import Problem, atomic_write

CACHE_DIR_VARIABLE = "BORDERSTATES_CACHE_DIR"
KEPT_ENTRIES = 6  # older cache entries are removed, so the cache cannot grow without bound …
# … but only once unused this long: a running server reads its entry's files on every query,
# and another process's load (another data folder, a test) must not remove them under it.
UNUSED_FOR_S = 24 * 3600
ROW_GROUP_ROWS = 122_880  # rows per Parquet row group: the engines skip groups by their min and max
# The modules whose code decides what a load gives: the contract, the reader, the loader, the
# geography check, and this cache's own format.
_SHAPING_MODULES = ("contract", "csvio", "load", "geo", "regions", "columnar", "paths", "cache")


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


def read_cached(key: str) -> Entry | None:
    """Return the entry stored under `key`, or None when there is none (or only part of one)."""
    entry = cache_dir() / key
    try:
        meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (entry / "events.parquet").is_file() or not (entry / "articles.parquet").is_file():
        return None
    entry.touch()  # recently used entries are kept longest
    problems = [Problem(**p) for p in meta["problems"]]
    return Entry(entry / "events.parquet", entry / "articles.parquet", problems, meta["rows_in_file"])


def write_cached(
    key: str, events: pa.Table, articles: pa.Table, problems: list[Problem], rows_in_file: int
) -> Entry:
    """Store a loaded pair of files under `key` and return the entry.

    Where the cache cannot be written, the entry goes to a temporary folder of this process:
    the engine still needs the files, and the next start simply loads again.
    """
    try:
        return _write_entry(cache_dir() / key, events, articles, problems, rows_in_file)
    except OSError:
        return _write_entry(
            Path(tempfile.mkdtemp(prefix="borderstates-")), events, articles, problems, rows_in_file
        )


def _write_entry(
    entry: Path, events: pa.Table, articles: pa.Table, problems: list[Problem], rows_in_file: int
) -> Entry:
    entry.mkdir(parents=True, exist_ok=True)
    for name, table in (("events", events), ("articles", articles)):
        with atomic_write(entry / f"{name}.parquet", binary=True) as handle:
            pq.write_table(table, handle, row_group_size=ROW_GROUP_ROWS)
    meta = {"problems": [dataclasses.asdict(p) for p in problems], "rows_in_file": rows_in_file}
    with atomic_write(entry / "meta.json") as handle:  # written last: it marks the entry complete
        json.dump(meta, handle, ensure_ascii=False)
    if entry.parent == cache_dir():
        _remove_old_entries(keep=entry)
    return Entry(entry / "events.parquet", entry / "articles.parquet", problems, rows_in_file)


def _remove_old_entries(keep: Path) -> None:
    others = [(p.stat().st_mtime, p) for p in cache_dir().iterdir() if p.is_dir() and p != keep]
    unused_since = time.time() - UNUSED_FOR_S
    beyond = sorted(others, reverse=True)[KEPT_ENTRIES - 1 :]
    for old in (p for used, p in beyond if used < unused_since):
        for file in old.iterdir():
            file.unlink(missing_ok=True)
        old.rmdir()
