"""A columnar (Parquet) cache of loaded datasets, keyed on the content of their files."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib
import importlib.metadata
import json
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa

from borderstates.core.csvio import Problem, atomic_write

CACHE_DIR_VARIABLE = "BORDERSTATES_CACHE_DIR"
KEPT_ENTRIES = 6  # older cache entries are removed, so the cache cannot grow without bound
# The modules whose code decides what a load gives: the contract, the reader, the loader, the
# geography check, and this cache's own format.
_SHAPING_MODULES = ("contract", "csvio", "load", "geo", "paths", "cache")


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


def read_cached(key: str) -> tuple[pd.DataFrame, pd.DataFrame, list[Problem], int] | None:
    """Return the events, articles, problems and row count stored under `key`, or None."""
    entry = cache_dir() / key
    try:
        meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
        events = pd.read_parquet(entry / "events.parquet")
        articles = pd.read_parquet(entry / "articles.parquet")
    except (OSError, ValueError):
        return None
    entry.touch()  # recently used entries are kept longest
    problems = [Problem(**p) for p in meta["problems"]]
    return events, articles, problems, meta["rows_in_file"]


def write_cached(
    key: str, events: pd.DataFrame, articles: pd.DataFrame, problems: list[Problem], rows_in_file: int
) -> bool:
    """Store a loaded dataset under `key`; return False (and keep going) if the cache is not writable."""
    entry = cache_dir() / key
    try:
        entry.mkdir(parents=True, exist_ok=True)
        for name, frame in (("events", events), ("articles", articles)):
            with atomic_write(entry / f"{name}.parquet", binary=True) as handle:
                frame.to_parquet(handle, index=False)
        meta = {"problems": [dataclasses.asdict(p) for p in problems], "rows_in_file": rows_in_file}
        with atomic_write(entry / "meta.json") as handle:  # written last: it marks the entry complete
            json.dump(meta, handle, ensure_ascii=False)
        _remove_old_entries()
    except OSError:
        return False
    return True


def _remove_old_entries() -> None:
    entries = sorted(
        (p for p in cache_dir().iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True
    )
    for old in entries[KEPT_ENTRIES:]:
        for file in old.iterdir():
            file.unlink(missing_ok=True)
        old.rmdir()
