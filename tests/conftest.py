"""Shared fixtures: small data directories written the way users write them."""

from __future__ import annotations

import atexit
import csv
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest

from borderstates.core import contract
from borderstates.core.cache import CACHE_DIR_VARIABLE
from borderstates.core.engine import EngineConfig

TESTS = Path(__file__).parent
FIXTURES = TESTS / "data"
BROKEN = FIXTURES / "broken"
ROOT = TESTS.parent

# Tests (and the servers they start) never write into the user's cache; the folder goes at exit.
os.environ[CACHE_DIR_VARIABLE] = tempfile.mkdtemp(prefix="borderstates-test-cache-")
atexit.register(shutil.rmtree, os.environ[CACHE_DIR_VARIABLE], ignore_errors=True)


def write_csv_rows(path: Path, columns, rows) -> Path:
    """Write rows as RFC 4180 CSV with CRLF, as the project does."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, list(columns), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def fixture_rows() -> list[dict[str, str]]:
    """The three valid events of tests/data/events.csv as dicts, to change in a test."""
    return read_rows(FIXTURES / "events.csv")


@pytest.fixture
def make_data_dir(tmp_path):
    """Return a function that writes events (and the fixture articles) into a fresh data dir."""

    def make(rows, articles=None, name="data", columns=contract.EVENT_COLUMNS) -> Path:
        directory = tmp_path / name
        directory.mkdir()
        write_csv_rows(directory / "events.csv", columns, rows)
        if articles is None:
            shutil.copy(FIXTURES / "articles.csv", directory / "articles.csv")
        else:
            write_csv_rows(directory / "articles.csv", contract.ARTICLE_COLUMNS, articles)
        return directory

    return make


@pytest.fixture(scope="session")
def spark() -> EngineConfig:
    """The Spark engine on two local cores; its session starts once and serves every test.

    Without Java the Spark tier fails in CI and is skipped, loudly, elsewhere.
    """
    if shutil.which("java") is None:
        reason = "java is missing: the SPARK TIER IS NOT RUN (apt-get install -y openjdk-17-jre-headless)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return EngineConfig(engine="spark", master="local[2]")


def kill_once_said(process: subprocess.Popen, said: str) -> None:
    """Read a process's stderr until a line says `said`, then SIGKILL it there (fail if it never does)."""
    assert process.stderr is not None
    try:
        lines = []
        while (line := process.stderr.readline()) and said not in line:
            lines.append(line)
        assert said in line, "".join(lines)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
