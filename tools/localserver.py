"""The dashboard served on the loopback interface, for the browser tests, the benchmark and the load test."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from borderstates.core.cache import CACHE_DIR_VARIABLE
from borderstates.core.paths import DATA_DIR_VARIABLE

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 180  # s: a cold start on a busy machine
# Chromium from Debian's package, headless; these switches keep it from calling home.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
# The served page's landmarks: the script has finished its run; the map's frame.
APP_READY = "[data-testid='stApp'][data-test-script-state='notRunning']"
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


@dataclass(frozen=True)
class Server:
    """A running dashboard: where to reach it, which process serves it, and where it logs."""

    url: str  # without a trailing slash
    pid: int
    log: Path

    def output(self) -> str:
        """Return what the server has printed so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    """Return a TCP port on the loopback interface that is free now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_mb(pid: int, *, peak: bool = False) -> float:
    """Return a process's resident memory in MB, now or at its highest so far (Linux /proc)."""
    field = "VmHWM:" if peak else "VmRSS:"
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextmanager
def streamlit_server(
    data_dir: Path | None = None, *, app_dir: Path = ROOT, prepare_static: bool = True
) -> Iterator[Server]:
    """Run `streamlit run dashboard.py` on a free loopback port; yield it; stop it afterwards.

    Parameters
    ----------
    data_dir
        The data folder to serve; None serves the shipped `data/`. The Parquet cache goes to a
        temporary folder: the user's own cache is neither used nor touched, and a first visit
        loads cold.
    app_dir
        The folder holding `dashboard.py`, `pages/` and `.streamlit/` (a copy of the app, for
        a test that needs a static folder of its own).
    prepare_static
        Prepare `static/` before the start, as `make run` does; False leaves it to the pages.

    """
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != DATA_DIR_VARIABLE}
    if data_dir is not None:
        env[DATA_DIR_VARIABLE] = str(data_dir)
    if prepare_static:
        prepare = [sys.executable, "-m", "borderstates.render.assets", str(app_dir / "static")]
        subprocess.run(prepare, check=True, capture_output=True)  # noqa: S603 (this interpreter, our module)
    command = streamlit_command(app_dir, port)
    # The log goes to a file, not a pipe: nobody reads it while the server runs, and a full pipe
    # would stall it.
    with tempfile.TemporaryDirectory() as scratch, (Path(scratch) / "server.log").open("wb") as log:
        env[CACHE_DIR_VARIABLE] = scratch
        process = subprocess.Popen(command, cwd=app_dir, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        try:
            server = Server(f"http://127.0.0.1:{port}", process.pid, Path(scratch) / "server.log")
            _wait_until_healthy(server, process)
            yield server
        finally:
            stop(process)


def streamlit_command(app_dir: Path, port: int) -> list[str]:
    """Return the command that serves the dashboard of `app_dir` on a loopback port, as `make run` does."""
    return [
        sys.executable, "-m", "streamlit", "run", str(app_dir / "dashboard.py"),
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
        "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip


def stop(process: subprocess.Popen) -> None:
    """End a server: ask it to stop, and kill it if it has not within 20 s."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_until_healthy(server: Server, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited: {server.output()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as answer:  # noqa: S310 (loopback)
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"streamlit did not answer at {server.url} within {START_TIMEOUT_S} s")


def is_loopback(url: str) -> bool:
    """Return True for a URL on this machine: the only requests the browser may make."""
    return urlparse(url).hostname in LOCAL_HOSTS
