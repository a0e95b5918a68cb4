"""Browser fixtures: a real `streamlit run` on a free port, and a headless Chromium kept on localhost."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

from borderstates.cache import CACHE_DIR_VARIABLE
from borderstates.load import DATA_DIR_VARIABLE, load_dataset
from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
SERVER_START_TIMEOUT = 60  # s
APP_READY = "[data-testid='stApp'][data-test-script-state='notRunning']"
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


@pytest.fixture(scope="session", autouse=True)
def chromium_present():
    """Fail in CI, skip loudly elsewhere, when there is no Chromium to drive."""
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing: BROWSER TESTS NOT RUN (apt-get install -y chromium)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def streamlit_server(data_dir: Path | None = None):
    """Run `streamlit run dashboard.py` on a free port; yield its URL; stop it afterwards."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != DATA_DIR_VARIABLE}
    if data_dir is not None:
        env[DATA_DIR_VARIABLE] = str(data_dir)
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"),
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
        "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    # The log goes to a file, not a pipe: nobody reads it while the tests run, and a full pipe
    # would stall the server. The Parquet cache stays out of the user's cache folder.
    with tempfile.TemporaryFile() as log, tempfile.TemporaryDirectory() as cache:
        env[CACHE_DIR_VARIABLE] = cache
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_healthy(url, server, log)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_until_healthy(url: str, server: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"streamlit exited: {log.read().decode(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"streamlit did not answer at {url} within {SERVER_START_TIMEOUT} s")


@pytest.fixture(scope="session")
def server():
    """One server on the shipped data for every module that only reads it (a module may override)."""
    with streamlit_server() as url:
        yield url


@pytest.fixture(scope="session")
def events():
    """The shipped events, to compare what the browser shows with."""
    return load_dataset(ROOT / "data").events


@pytest.fixture(scope="session")
def browser(chromium_present):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class OutsideRequests(list):
    """Every request for a host other than localhost: blocked, and recorded here."""

    def route(self, route):
        if urlparse(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.append(route.request.url)
            route.abort()


@pytest.fixture
def outside():
    return OutsideRequests()


@pytest.fixture
def new_page(browser, outside):
    """Return a function that opens a URL in a fresh page whose outside requests are blocked."""
    contexts = []

    def open_page(url: str, *, with_map: bool = True):
        context = browser.new_context(viewport={"width": 1500, "height": 1100}, accept_downloads=True)
        contexts.append(context)
        context.route("**/*", outside.route)
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector(APP_READY, timeout=30_000)
        if with_map:  # the analysis pages have none
            page.frame_locator(MAP_FRAME).locator(".leaflet-container").wait_for(timeout=30_000)
        return page

    yield open_page
    for context in contexts:
        context.close()
