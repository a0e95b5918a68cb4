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
