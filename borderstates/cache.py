"""A columnar (Parquet) cache of loaded datasets, keyed on the content of their files."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path

import pandas as pd

from borderstates.csvio import Problem, atomic_write

CACHE_DIR_VARIABLE = "BORDERSTATES_CACHE_DIR"
CACHE_VERSION = "1"  # bump when the loaded frames change shape
KEPT_ENTRIES = 6  # older cache entries are removed, so the cache cannot grow without bound


def cache_dir() -> Path:
    """Return where cached datasets live: `BORDERSTATES_CACHE_DIR`, or the user's cache folder."""
    configured = os.environ.get(CACHE_DIR_VARIABLE, "").strip()
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "borderstates"


def content_key(*paths: Path, options: str = "") -> str:
    """Return a key that changes whenever any of the files' bytes (or the options) change."""
    digest = hashlib.sha256(f"{CACHE_VERSION}|{options}".encode())
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
