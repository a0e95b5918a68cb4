"""The benchmark's browser half: time from navigation to the map drawn, and the server's memory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
APP_READY = "[data-testid='stApp'][data-test-script-state='notRunning']"
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
# The map is drawn when Leaflet is up, the frame has its height and the layers hold features.
MAP_DRAWN_JS = """() => { if (!window.map) return false; let shapes = 0;
    window.map.eachLayer(l => {
        if (l.feature || l instanceof L.Rectangle || l instanceof L.CircleMarker) shapes++; });
    return shapes > 4; }"""
ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_MS = 180_000


def free_port() -> int:
    """Return a TCP port on the loopback interface that is free now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Return a process's resident memory in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _time_to_map(browser, url: str) -> float:
    page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    page.route("**/*", _local_only)
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(APP_READY, timeout=TIMEOUT_MS)
    frame = page.locator(MAP_FRAME)
    frame.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function(
        f"() => {{ const f = document.querySelector('{MAP_FRAME}'); return f && f.offsetHeight >= 500; }}",
        timeout=TIMEOUT_MS,
    )
    content = frame.element_handle().content_frame()
    content.wait_for_function(MAP_DRAWN_JS, timeout=TIMEOUT_MS)
    return time.perf_counter() - start


def _local_only(route) -> None:
    host = route.request.url.split("/")[2].split(":")[0]
    if host in ("127.0.0.1", "localhost"):
        route.continue_()
    else:
        route.abort()


def measure_browser(data_dir: Path) -> dict[str, float]:
    """Serve a data directory, open the dashboard in headless Chromium; return timings and RSS.

    `drawn_s` is a new session on a running server (the data already loaded, as for every
    reader but the first; the median of four sessions opened one after another, each left
    open); `first_visit_s` includes the server loading the data (from the Parquet cache).
    """
    from playwright.sync_api import sync_playwright

    port = free_port()
    env = {**os.environ, "BORDERSTATES_DATA_DIR": str(data_dir)}
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"), "--server.port", str(port),
        "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(  # noqa: S603 (this interpreter, our own app)
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            wait_until_healthy(url, server)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                first = _time_to_map(browser, url)  # one session open
                rss_one = rss_mb(server.pid)
                later = sorted(_time_to_map(browser, url) for _ in range(4))  # five sessions open
                rss_five = rss_mb(server.pid)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=20)
    drawn = (later[1] + later[2]) / 2  # the median of the four
    return {"first_visit_s": first, "drawn_s": drawn, "rss_one_mb": rss_one, "rss_five_mb": rss_five}


def wait_until_healthy(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    """Wait until a streamlit server answers its health check; raise if it stops or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the streamlit server stopped while starting")
        try:
            with urllib.request.urlopen(url + "_stcore/health", timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the streamlit server did not start in time")
