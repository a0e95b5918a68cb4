"""Work done by several sessions at once: no process-wide side effect, no reader sees a gap."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from borderstates.core.csvio import atomic_write
from borderstates.render import assets


def _umask() -> int:
    """Read the process's umask without setting it (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("Umask:"):
            return int(line.split()[1], 8)
    pytest.skip("no /proc/self/status to read the umask from")


def test_atomic_writes_never_change_the_process_umask(tmp_path, monkeypatch):
    def umask(_mask):  # the loader's thread writes while other sessions' threads create files
        raise AssertionError("os.umask changes the umask of every thread of the process")

    expected = 0o666 & ~_umask()
    monkeypatch.setattr(os, "umask", umask)
    with atomic_write(tmp_path / "new.txt") as handle:
        handle.write("new")
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == expected
    kept = tmp_path / "kept.txt"
    kept.write_text("old")
    kept.chmod(0o640)
    with atomic_write(kept) as handle:
        handle.write("new")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640 and kept.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.txt", "new.txt"]  # nothing left aside


def _open_at_once(static: Path, files: list[str], sessions: int = 8) -> tuple[list[str], list[str]]:
    """Let `sessions` threads prepare a fresh static folder at once while a reader watches it.

    Returns the files missing when a session's call returned, and those that vanished after
    having been there (a 404 for a page that asks at that moment).
    """
    start, done = threading.Barrier(sessions + 1), threading.Event()
    missing: list[str] = []
    vanished: list[str] = []

    def session() -> None:
        start.wait()
        assets.ensure_static(static)
        missing.extend(f for f in files if not (static / f).is_file())

    def reader() -> None:
        start.wait()
        seen: set[str] = set()
        while not done.is_set():
            for f in files:
                if (static / f).is_file():
                    seen.add(f)
                elif f in seen:
                    vanished.append(f)

    threads = [threading.Thread(target=session) for _ in range(sessions)]
    watcher = threading.Thread(target=reader)
    for thread in [*threads, watcher]:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    watcher.join()
    return missing, sorted(set(vanished))


def test_sessions_opening_at_once_never_see_the_map_scripts_vanish(tmp_path):
    files = [url.removeprefix(assets.STATIC_URL + "/") for _, url in assets.map_js() + assets.MAP_CSS]
    for round_ in range(12):
        static = tmp_path / f"static-{round_}"
        missing, vanished = _open_at_once(static, files)
        assert not missing, f"round {round_}: {missing} not there when the page asked"
        assert not vanished, f"round {round_}: {vanished} vanished after being served"
        assert not [p for p in static.iterdir() if p.name.startswith(".")]  # no staging left behind


# A server: opens the store, says so, and answers a count on each line read.
SERVER = """
import sys
from borderstates.core.engine import open_store
store = open_store(sys.argv[1])
print("ready", flush=True)
for _ in sys.stdin:
    print(store.fetch(store.events.select("event_id")).shape[0], flush=True)
"""


def test_another_process_never_removes_the_cache_entry_a_running_server_reads(
    fixture_rows, make_data_dir, monkeypatch, tmp_path
):
    import subprocess
    import sys
    import time

    import pyarrow as pa

    from borderstates.core import cache
    from tests.conftest import ROOT

    monkeypatch.setenv(cache.CACHE_DIR_VARIABLE, str(tmp_path / "cache"))
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(make_data_dir(fixture_rows))],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    try:
        assert server.stdout is not None and server.stdin is not None
        assert server.stdout.readline().strip() == "ready"
        (entry,) = (tmp_path / "cache").iterdir()  # the one the server reads
        stamp = time.time() - cache.UNUSED_FOR_S - 3600  # a day of queries, none touching the entry
        os.utime(entry, (stamp, stamp))
        table = pa.table({"x": [1]})
        for n in range(cache.KEPT_ENTRIES + 1):  # this process writes newer entries meanwhile
            cache.write_cached(f"other-{n}", table, table, [], 1)
        server.stdin.write("count\n")
        server.stdin.flush()
        assert server.stdout.readline().strip() == "3" and entry.is_dir()
    finally:
        server.kill()
        server.wait()
        server.stdin.close()  # type: ignore[union-attr]
        server.stdout.close()  # type: ignore[union-attr]
