"""The Parquet cache gives back exactly what a cold load gives, and notices every change."""

import importlib
import importlib.metadata
import os
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pyarrow as pa

from borderstates.core import cache, contract
from borderstates.core.cache import CACHE_DIR_VARIABLE, cache_dir, read_cached
from borderstates.core.csvio import read_table
from borderstates.core.load import load_dataset

from .conftest import FIXTURES, ROOT


def test_warm_load_equals_cold_load(fixture_rows, make_data_dir):
    directory = make_data_dir([*fixture_rows, dict(fixture_rows[0], event_id="BAD", date="2025-02-30")])
    cold = load_dataset(directory)
    first = load_dataset(directory, cache=True)
    warm = load_dataset(directory, cache=True)
    for loaded in (first, warm):
        pd.testing.assert_frame_equal(loaded.events, cold.events)
        pd.testing.assert_frame_equal(loaded.articles, cold.articles)
        assert loaded.problems == cold.problems and loaded.rows_in_file == cold.rows_in_file == 4


def test_a_changed_file_is_loaded_again(fixture_rows, make_data_dir):
    directory = make_data_dir(fixture_rows)
    assert len(load_dataset(directory, cache=True).events) == 3
    events = directory / "events.csv"
    events.write_bytes(events.read_bytes().replace(b"T-3,", b"T-3b,"))
    assert load_dataset(directory, cache=True).events["event_id"].tolist() == ["T-1", "T-2", "T-3b"]


def test_an_unwritable_cache_is_no_cache(fixture_rows, make_data_dir, monkeypatch, tmp_path):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    monkeypatch.setenv(CACHE_DIR_VARIABLE, str(blocker / "cache"))
    assert len(load_dataset(make_data_dir(fixture_rows), cache=True).events) == 3
    assert read_cached("anything") is None


def test_fast_and_careful_parsers_agree(tmp_path):
    clean = read_table(FIXTURES / "events.csv")  # one record per line: the fast path
    multi = tmp_path / "events.csv"  # the same file plus a blank line at the end: the careful path
    multi.write_bytes((FIXTURES / "events.csv").read_bytes() + b"\r\n\r\n")
    careful = read_table(multi)
    assert clean.problems == careful.problems == []
    pd.testing.assert_frame_equal(clean.frame, careful.frame)


def test_a_load_reports_its_stages_in_order_and_ends_at_one(fixture_rows, make_data_dir):
    directory = make_data_dir(fixture_rows)
    cold, warm = [], []
    load_dataset(directory, cache=True, progress=lambda text, done: cold.append((text, done)))
    load_dataset(directory, cache=True, progress=lambda text, done: warm.append((text, done)))
    shares = [done for _, done in cold]
    assert shares == sorted(shares) and shares[0] == 0.0 and cold[-1] == ("Loaded", 1.0)
    texts = [text for text, _ in cold]
    assert "Reading events.csv" in texts and "Reading articles.csv" in texts
    assert any("state" in text for text in texts) and any("columnar copy" in text for text in texts)
    assert warm == [cold[0], ("Loaded", 1.0)]  # from the cache: compared, then done


def _tamper(marker: str) -> None:
    """Put a marker into the one cache entry, so that a load that serves it shows the marker."""
    (entry,) = [p for p in cache_dir().iterdir() if p.is_dir()]
    events = pd.read_parquet(entry / "events.parquet")
    events["summary"] = marker
    events.to_parquet(entry / "events.parquet", index=False)


def test_an_upgrade_misses_the_entries_the_old_code_wrote(fixture_rows, make_data_dir, monkeypatch, tmp_path):
    monkeypatch.setenv(CACHE_DIR_VARIABLE, str(tmp_path / "cache"))
    directory = make_data_dir(fixture_rows)
    load_dataset(directory, cache=True)
    _tamper("served from the cache")
    assert set(load_dataset(directory, cache=True).events["summary"]) == {"served from the cache"}
    # A new version of the package: the entry was written by the old one.
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "99.0")
    cache.code_fingerprint.cache_clear()
    try:
        assert "served from the cache" not in set(load_dataset(directory, cache=True).events["summary"])
    finally:
        cache.code_fingerprint.cache_clear()


def test_a_change_to_the_code_that_shapes_a_load_changes_the_key(monkeypatch, tmp_path):
    paths = [FIXTURES / "events.csv"]
    before = cache.content_key(*paths)
    # The contract's module as an upgrade would change it (here a copy, so the package stays as it is).
    changed = tmp_path / "contract.py"
    changed.write_text(
        Path(contract.__file__).read_text() + "\nRELATION_TYPES = (*RELATION_TYPES, 'cyber')\n"
    )
    real_import = importlib.import_module

    def import_module(name: str):
        return (
            SimpleNamespace(__file__=str(changed))
            if name == "borderstates.core.contract"
            else real_import(name)
        )

    monkeypatch.setattr(importlib, "import_module", import_module)
    cache.code_fingerprint.cache_clear()
    try:
        assert cache.content_key(*paths) != before
    finally:
        cache.code_fingerprint.cache_clear()


def test_old_entries_go_only_once_unused_for_a_day(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_DIR_VARIABLE, str(tmp_path))
    table = pa.table({"x": [1]})
    day = cache.UNUSED_FOR_S
    # The folders alone: an entry held (by an open store) is never removed, however old.
    folders = [
        cache.write_cached(f"entry-{n}", table, table, [], 1).events.parent
        for n in range(cache.KEPT_ENTRIES + 3)
    ]
    assert all(f.is_dir() for f in folders)  # many, but all in use today: none removed
    for n, folder in enumerate(folders[:2]):  # the two oldest unused for more than a day
        stamp = time.time() - day - 3600 * (n + 1)
        os.utime(folder, (stamp, stamp))
    cache.write_cached("newest", table, table, [], 1)
    # Beyond the newest KEPT_ENTRIES, only the entries unused for a day are gone: not entry-2 or -3.
    kept = {p.name for p in tmp_path.iterdir()}
    assert kept == {"newest", *(f"entry-{n}" for n in range(2, cache.KEPT_ENTRIES + 3))}
    assert read_cached("entry-2") is not None and read_cached("entry-0") is None


def test_an_entry_an_open_store_reads_is_kept_however_old(fixture_rows, make_data_dir, monkeypatch, tmp_path):
    import gc

    from borderstates.core.engine import open_store

    monkeypatch.setenv(CACHE_DIR_VARIABLE, str(tmp_path / "cache"))
    store = open_store(make_data_dir(fixture_rows))  # a server that runs for days
    (entry,) = (tmp_path / "cache").iterdir()
    stamp = time.time() - cache.UNUSED_FOR_S - 3600  # its queries do not touch the entry
    os.utime(entry, (stamp, stamp))
    table = pa.table({"x": [1]})
    for n in range(cache.KEPT_ENTRIES):  # other folders, other exports: newer entries
        cache.write_cached(f"newer-{n}", table, table, [], 1)
    assert store.fetch(store.events.select("event_id"))["event_id"].tolist() == ["T-1", "T-2", "T-3"]
    assert entry.is_dir()
    del store  # the server stops: its entry is old and unused, and goes at the next write
    gc.collect()
    cache.write_cached("newest", table, table, [], 1)
    assert not entry.exists()


def _unwritable_cache(monkeypatch, tmp_path) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    monkeypatch.setenv(CACHE_DIR_VARIABLE, str(blocker / "cache"))


def test_the_copy_an_unwritable_cache_makes_goes_with_its_user(
    fixture_rows, make_data_dir, monkeypatch, tmp_path
):
    import gc

    from borderstates.core.load import load_columnar

    _unwritable_cache(monkeypatch, tmp_path)
    directory = make_data_dir(fixture_rows)
    entry = load_columnar(directory / "events.csv", directory / "articles.csv")
    folder = entry.events.parent
    assert folder.parent == Path(tempfile.gettempdir()) and folder.name.startswith("borderstates-")
    del entry
    gc.collect()
    assert not folder.exists()


def test_the_copy_a_killed_process_left_is_removed_by_the_next(
    fixture_rows, make_data_dir, monkeypatch, tmp_path
):
    import signal
    import subprocess
    import sys

    _unwritable_cache(monkeypatch, tmp_path)
    directory = make_data_dir(fixture_rows)
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_LOAD, str(directory)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL
    left = Path(killed.stdout.strip())
    assert left.is_dir()  # what a killed process leaves behind
    stamp = time.time() - cache.FALLBACK_KEPT_S - 60
    os.utime(left, (stamp, stamp))
    load_dataset(directory, cache=True)  # the next load with the cache unwritable clears it
    assert not left.exists()


# Loads with the cache unwritable, prints the folder it wrote instead, and dies without cleaning up.
KILLED_LOAD = """
import os, signal, sys
from pathlib import Path
from borderstates.core.load import load_columnar
entry = load_columnar(Path(sys.argv[1]) / "events.csv", Path(sys.argv[1]) / "articles.csv")
print(entry.events.parent, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""
