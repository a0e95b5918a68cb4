"""The benchmark's browser half: a new server started, visited and changed in headless Chromium.

Times are read from the browser's own clock (`performance.now()`, milliseconds since the
navigation started; `performance.timeOrigin` places that start on the machine's clock), at the
moment a check running in the page first sees the state asked for; Playwright's round trips to
the browser are not counted.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from borderstates.app.timeaxis import HISTOGRAM
from borderstates.core.cache import CACHE_DIR_VARIABLE
from borderstates.core.paths import DATA_DIR_VARIABLE
from tools.localserver import (
    APP_READY,
    CHROMIUM,
    CHROMIUM_ARGS,
    MAP_FRAME,
    ROOT,
    START_TIMEOUT_S,
    Server,
    free_port,
    is_loopback,
    stop,
    streamlit_command,
)

# The floor under a new reader's page: a bare page of the same stack (Streamlit, a sidebar of
# three widgets, a Folium map of one GeoJSON shape through streamlit-folium, one brushable
# Altair chart of a year's weeks), offline as the dashboard is (Leaflet served by the app).
# The chart is keyed as the histogram is, so that `HISTOGRAM_BARS` finds its bars.
FLOOR_APP = f"""from pathlib import Path

import altair as alt
import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from borderstates.render.assets import ensure_static, use_local_map_assets

st.set_page_config(page_title="Floor", layout="wide")
ensure_static(Path(__file__).parent / "static")
with st.sidebar:
    st.multiselect("Relation type", ["military", "security", "diplomatic"], key="relation")
    st.date_input("From", value=None, key="from")
    st.text_input("Search text", key="q")
square = {{"type": "Polygon", "coordinates": [[[30, 46], [40, 46], [40, 52], [30, 52], [30, 46]]]}}
m = folium.Map(location=[49, 35], zoom_start=5, tiles=None)
use_local_map_assets(m)
folium.GeoJson({{"type": "Feature", "properties": {{}}, "geometry": square}}).add_to(m)
st_folium(m, key="map", height=620, use_container_width=True, returned_objects=[])
weeks = pd.DataFrame({{"week": pd.date_range("2024-01-01", periods=52, freq="W-MON"), "events": range(52)}})
weeks["end"] = weeks["week"] + pd.Timedelta(days=7)
brush = alt.selection_interval(encodings=["x"], name="brush")
chart = alt.Chart(weeks).mark_rect().encode(x="week:T", x2="end:T", y="events:Q").add_params(brush)
st.altair_chart(chart, key="{HISTOGRAM}", on_select="rerun")
"""
TIMEOUT_MS = 600_000  # a first visit on a busy machine, at a hundred million events
REPEATS = 5
READERS = 4  # new browser profiles, one at a time, for "a new reader's map drawn"
LABEL_READERS = 8  # as many with the place names and as many without: their difference is small
RELATIONS = ("military", "security", "diplomatic", "economic", "energy")  # chosen one more each time
SEARCHES = ("kharkiv", "baku", "tbilisi", "yerevan", "odesa")  # each a filter not asked before
# Brushes across the histogram (shares of its width), each starting outside the one before: a
# new drag, not a move of the brush, and each a filter not asked before.
BRUSHES = ((0.05, 0.2), (0.25, 0.45), (0.5, 0.7), (0.75, 0.95), (0.02, 0.15))
PLAYBACK_FRAMES = 300  # animation frames of playback measured, one window a frame
_POLL_S = 0.05  # how often a new server is tried while it starts

HISTOGRAM_BARS = f".st-key-{HISTOGRAM} svg .mark-rect path"  # the histogram below the map has bars
EXCEPTION = "[data-testid='stException']"  # the page's script raised
# The first run of the page's script has finished: the script is not running and the map's
# frame is there (it is only there once the script has reached the map). An exception shown
# on the page ends the wait at once (-1).
READY_AT_JS = f"""() => {{
    if (document.querySelector("{EXCEPTION}")) return -1;
    return !!(document.querySelector("{APP_READY}") && document.querySelector('{MAP_FRAME}'))
        && performance.now();
}}"""
# A page other than the map drawn for a new reader: its script done, and what it shows there.
PAGE_DRAWN_AT_JS = f"""(shown) => {{
    if (document.querySelector("{EXCEPTION}")) return -1;
    return !!(document.querySelector("{APP_READY}") && document.querySelector(shown)) && performance.now();
}}"""
PAGES_SHOWN = {  # what each page draws last: the Timeline's charts' marks, the Trends' table
    "timeline_s": ("Timeline", "[data-testid='stVegaLiteChart'] svg .mark-rect path"),
    "trends_page_s": ("Trends", "[data-testid='stDataFrame'] canvas"),
}
# Installed in every page before its own scripts: the browser-clock moments at which the app's
# script was first seen in each state ("running", "notRunning"…), for the first visit's parts,
# and at which the histogram below the map first had bars ("histogram": it may be drawn before
# the map, so it is marked as it happens rather than looked for once the map is drawn).
MARKS_JS = f"""
window.__bsMarks = {{}};
new MutationObserver(() => {{
    const marks = window.__bsMarks;
    const app = document.querySelector("[data-testid='stApp']");
    if (!app) return;
    if (!("app" in marks)) marks.app = performance.now();
    const state = app.getAttribute("data-test-script-state");
    if (state && !(state in marks)) marks[state] = performance.now();
    if (!("histogram" in marks) && document.querySelector("{HISTOGRAM_BARS}")) {{
        marks.histogram = performance.now();
    }}
}}).observe(document, {{subtree: true, childList: true, attributes: true}});
"""
# The histogram has been marked as drawn, or the page's script raised (the wait ends at once).
HISTOGRAM_OR_ERROR_JS = (
    f"""() => 'histogram' in window.__bsMarks || !!document.querySelector("{EXCEPTION}")"""
)
# The map is drawn when the script has finished, the frame has its height and Leaflet's layers
# hold more than the four focus states (markers, cells or the neighbouring states).
_DRAWN = f"""
    const app = document.querySelector("{APP_READY}");
    const frame = document.querySelector('{MAP_FRAME}');
    const view = frame && frame.contentWindow;
    if (!app || !frame || frame.offsetHeight < 500 || !view || !view.map || !view.L) return false;
    let shapes = 0;
    view.map.eachLayer(l => {{
        if (l.feature || l instanceof view.L.Rectangle || l instanceof view.L.CircleMarker) shapes++; }});
"""
MAP_DRAWN_AT_JS = f"() => {{ {_DRAWN} return shapes > 4 && performance.now(); }}"
# A new reader's page settled: the map drawn (more than `least` shapes) and the histogram's bars too.
_SETTLED = "shapes > least && 'histogram' in window.__bsMarks && performance.now()"
SETTLED_AT_JS = f"(least) => {{ {_DRAWN} return {_SETTLED}; }}"
MAP_SHAPES, FLOOR_SHAPES = 4, 0  # the dashboard's map shows more than the four states; the floor's, one
# The same, and the place names drawn too (render/labels.py: they arrive in a file of their own).
_NAMED = "!!view.document.querySelector('.bs-label')"
LABELLED_AT_JS = f"() => {{ {_DRAWN} return shapes > 4 && {_NAMED} && performance.now(); }}"
LABELS_FILE = "**/published/labels-*"  # the place names' file (`app.data.labels_url`)
# In the map's frame: the names of the first view drawn again from the data already there (the
# layer taken off and put back), layout included; and the labels file's bytes on the wire and
# as JSON.
LABELS_SCRIPT_MS_JS = """() => { let layer = null;
    window.map.eachLayer(l => { if (L.BsLabels && l instanceof L.BsLabels) layer = l; });
    window.map.removeLayer(layer);
    const start = performance.now();
    window.map.addLayer(layer);
    layer.getPane().getBoundingClientRect();  // the layout the new labels need
    document.querySelectorAll(".bs-label-text").forEach(el => el.getBoundingClientRect());
    return performance.now() - start; }"""
LABELS_BYTES_JS = """() => { const e = performance.getEntriesByType("resource")
    .find(r => r.name.includes("/published/labels-"));
    return e ? [e.transferSize, e.encodedBodySize, e.decodedBodySize] : null; }"""
# streamlit-folium appends each rerun's new layers to `window.feature_group`: a longer list
# means the filtered layers of the rerun have arrived and been drawn.
LAYERS_SENT_JS = f"() => document.querySelector('{MAP_FRAME}').contentWindow.feature_group.length"
LAYERS_REDRAWN_AT_JS = (
    f"(before) => {{ {_DRAWN} return view.feature_group.length > before && performance.now(); }}"
)
HISTOGRAM_PLOT = f".st-key-{HISTOGRAM} svg path.background"  # the histogram's plot area, brushed
# Playback on the map, asked for its counts: the first window is shown once they have come.
PLAYBACK_SHOWN_AT_JS = "() => window.map._bsPlayback._on === true && performance.now()"
# The counts playback plays (render/playback.py WindowCounts), as the bytes of their JSON (without
# the running sums the control keeps beside them, `_…`).
PLAYBACK_PAYLOAD_JS = """() => { let size = 0, cells = 0, windows = 0; window.map.eachLayer(l => {
    if (l._bsWindows) {
        size = JSON.stringify(l._bsWindows, (k, v) => k.startsWith("_") ? undefined : v).length;
        cells = l._bsWindows.cells ? l._bsWindows.cells.starts.length : 0;
        windows = l._bsWindows.days.length; } });
    return [size, cells, windows]; }"""
# Play one window per animation frame (requestAnimationFrame), from the first window on, for
# `frames` frames: the frame rate playback keeps, the canvas's redraw of the cells included.
PLAYBACK_FPS_JS = """(frames) => new Promise(resolve => {
    const control = window.map._bsPlayback;
    let shown = 0, first = null, stepping = 0;
    control.show(null);
    function frame(now) {
        if (first === null) first = now;
        const before = performance.now();
        if (!control.step(1)) control.show(null);
        stepping += performance.now() - before;
        shown += 1;
        if (shown < frames) requestAnimationFrame(frame);
        else resolve({frames: shown - 1, ms: now - first, stepping_ms: stepping / shown});
    }
    requestAnimationFrame(frame);
})"""


def prepare_static() -> None:
    """Prepare `static/` beside the dashboard, as `make run` does before it starts the server."""
    command = [sys.executable, "-m", "borderstates.render.assets", str(ROOT / "static")]
    subprocess.run(command, check=True, capture_output=True)  # noqa: S603 (this interpreter, our module)


def measure_server(data_dir: Path, cache: Path, *, interact: bool, labels: bool = False) -> dict[str, Any]:
    """Start a server on a data directory, visit it in headless Chromium; return timings and memory.

    - `ready_s`: from `streamlit run` to the first page's script finished (the first reader
      navigates as soon as the server answers; the columnar cache `cache` is new and empty);
      `first_visit_s`, `first_drawn_s`: from that navigation to the script finished, to the map drawn;
    - `up_s`: from the start to the server's first answer; `app_shown_s`, `script_started_s`: from
      the navigation to the frontend drawn, to the first run of the script begun;
    - `rss_mb`, `peak_mb`: the server's memory now and at its highest (VmHWM), with that one session;
    - `drawn_s`, `histogram_s`, `settled_s`: a new reader's map, the time histogram below it,
      and the page settled (both drawn), from navigation, median of `READERS` new browser
      profiles, each closed before the next;
    - with `interact`: `filter_s`, `search_s`, `brush_s`, from a change in the sidebar or a brush
      on the histogram to the rerun's layers drawn, median of five (each a filter not asked
      before); playback by week (`_playback`); and `peak_end_mb` afterwards;
    - with `labels`: what the place names cost a new reader's map (`_labels`).

    `prepare_static()` must have run.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # The browser is up before the server starts: its own start is no part of the figure.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            with _started(data_dir, cache) as (server, process, started):
                figures = _visit(browser, server, process, started, interact=interact, labels=labels)
        finally:
            browser.close()
    return figures


def measure_floor() -> dict[str, Any]:
    """Return a bare page's figures (`FLOOR_APP`): the stack alone, under a new reader's page.

    - `settled_s`: from navigation to the page settled (its map and its chart drawn);
    - `histogram_s`: to its chart drawn.

    Measured as `measure_server` measures the dashboard (median of `READERS` new browser
    profiles, after a first reader has drawn it), so the two make ratios.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as app:
        (Path(app) / "dashboard.py").write_text(FLOOR_APP)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            with _started(ROOT / "data", Path(app) / "cache", app_dir=Path(app)) as (server, process, _):
                url = server.url + "/"
                load = _load_average()
                context = _context(browser)
                page = context.new_page()
                _navigate_when_up(page, url, process, server)
                _settled_ms(page, FLOOR_SHAPES)  # the server's first run (its imports) is no reader's
                context.close()
                settled, histogram = _new_readers(
                    browser, url, lambda page: _settled_ms(page, FLOOR_SHAPES), _histogram_ms
                )
        finally:
            browser.close()
    return {
        "load": load,
        "settled_s": statistics.median(settled),
        "histogram_s": statistics.median(histogram),
    }


def _visit(
    browser: Any, server: Server, process: subprocess.Popen, started: float, *, interact: bool, labels: bool
) -> dict[str, Any]:
    url = server.url + "/"
    figures: dict[str, Any] = {"load": _load_average()}
    context = _context(browser)
    page = context.new_page()
    _navigate_when_up(page, url, process, server)
    ready_ms = page.wait_for_function(READY_AT_JS, timeout=TIMEOUT_MS, polling="raf").json_value()
    if ready_ms < 0:
        raise RuntimeError(f"the dashboard raised; the server said: {server.output()[-2000:]}")
    origin_ms = page.evaluate("performance.timeOrigin")
    figures["ready_s"] = (origin_ms + ready_ms) / 1000 - started
    figures["up_s"] = origin_ms / 1000 - started  # the server answered; the first reader navigated
    figures["first_visit_s"] = ready_ms / 1000
    marks = page.evaluate("window.__bsMarks")
    figures["app_shown_s"] = marks.get("app", float("nan")) / 1000  # the frontend has drawn the app
    figures["script_started_s"] = marks.get("running", float("nan")) / 1000  # the first run began
    figures["first_drawn_s"] = _drawn_ms(page) / 1000
    figures["rss_mb"], figures["peak_mb"] = _memory_mb(process.pid, "VmRSS"), _memory_mb(process.pid, "VmHWM")
    context.close()
    drawn, histogram, settled = _new_readers(
        browser, url, _drawn_ms, _histogram_ms, lambda page: _settled_ms(page, MAP_SHAPES)
    )
    figures["drawn_s"] = statistics.median(drawn)
    figures["histogram_s"] = statistics.median(histogram)
    figures["settled_s"] = statistics.median(settled)
    if labels:
        figures |= _labels(browser, url)
        for name, (path, shown) in PAGES_SHOWN.items():
            (drawn,) = _new_readers(
                browser, url + path, lambda page, shown=shown: _page_drawn_ms(page, shown)
            )
            figures[name] = statistics.median(drawn)
    if interact:
        context = _context(browser)
        page = context.new_page()
        page.goto(url)
        _drawn_ms(page)
        figures["search_s"] = statistics.median(_search(page, SEARCHES[step]) for step in range(REPEATS))
        _search(page, "")
        figures["filter_s"] = statistics.median(
            _add_relation(page, RELATIONS[step]) for step in range(REPEATS)
        )
        figures["brush_s"] = statistics.median(_brush(page, *BRUSHES[step]) for step in range(REPEATS))
        figures |= _playback(page, url + "?unit=week")
        context.close()
    figures["peak_end_mb"] = _memory_mb(process.pid, "VmHWM")
    return figures


@contextmanager
def _started(
    data_dir: Path, cache: Path, app_dir: Path = ROOT
) -> Iterator[tuple[Server, subprocess.Popen, float]]:
    """Run `app_dir`'s `streamlit run dashboard.py` as `make run` does; yield it and when it was started.

    As `localserver.streamlit_server`, but the moment of the start is kept and the server is not
    waited for: the first reader tries it every `_POLL_S` seconds, so it is ready when it is up.
    Run from the project's folder whatever the page, so the floor's has the same Streamlit config.
    """
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in (DATA_DIR_VARIABLE, "BORDERSTATES_ENGINE")}
    env[DATA_DIR_VARIABLE] = str(data_dir)
    env[CACHE_DIR_VARIABLE] = str(cache)
    command = streamlit_command(app_dir, port)
    with tempfile.TemporaryDirectory() as scratch, (Path(scratch) / "server.log").open("wb") as log:
        started = time.time()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        try:
            yield (
                Server(f"http://127.0.0.1:{port}", process.pid, Path(scratch) / "server.log"),
                process,
                started,
            )
        finally:
            stop(process)


def _navigate_when_up(page: Any, url: str, process: subprocess.Popen, server: Server) -> None:
    """Open the page as soon as the server accepts connections (a refused one fails at once)."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited: {server.output()[-2000:]}")
        try:
            page.goto(url)
            return
        except Error:
            if time.monotonic() > deadline:
                raise
            time.sleep(_POLL_S)


def _context(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.route("**/*", _local_only)
    context.add_init_script(MARKS_JS)
    return context


def _new_readers(browser: Any, url: str, *measures: Callable[[Any], float]) -> list[list[float]]:
    """Open `url` in `READERS` new browser profiles, one after another; return each measure's seconds."""
    figures: list[list[float]] = [[] for _ in measures]
    for _ in range(READERS):
        context = _context(browser)
        page = context.new_page()
        page.goto(url)
        for figure, measure in zip(figures, measures, strict=True):
            figure.append(measure(page) / 1000)
        context.close()
    return figures


def _histogram_ms(page: Any) -> float:
    """Return the browser clock's milliseconds from navigation to the histogram's bars drawn (`MARKS_JS`)."""
    page.wait_for_function(HISTOGRAM_OR_ERROR_JS, timeout=TIMEOUT_MS)
    moment: float | None = page.evaluate("window.__bsMarks.histogram")
    if moment is None:
        raise RuntimeError("the page raised before its chart was drawn")
    return moment


def _load_average() -> float:
    """Return the machine's load average over the last minute, printed beside the figures."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def _settled_ms(page: Any, shapes: int) -> float:
    """Return the browser clock's milliseconds from navigation to the page settled (map and chart drawn)."""
    settled: float = page.wait_for_function(
        SETTLED_AT_JS, arg=shapes, timeout=TIMEOUT_MS, polling="raf"
    ).json_value()
    return settled


def _page_drawn_ms(page: Any, shown: str) -> float:
    """Return the browser clock's milliseconds from navigation to a page's script done and `shown` there."""
    drawn: float = page.wait_for_function(
        PAGE_DRAWN_AT_JS, arg=shown, timeout=TIMEOUT_MS, polling="raf"
    ).json_value()
    if drawn < 0:
        raise RuntimeError("the page raised")
    return drawn


def _drawn_ms(page: Any) -> float:
    """Return the browser clock's milliseconds from navigation to the map drawn."""
    drawn: float = page.wait_for_function(MAP_DRAWN_AT_JS, timeout=TIMEOUT_MS, polling="raf").json_value()
    return drawn


def _brush(page: Any, start: float, end: float) -> float:
    """Drag across the histogram below the map; return the seconds to the new layers drawn."""
    plot = page.locator(HISTOGRAM_PLOT).first
    plot.scroll_into_view_if_needed()
    box = plot.bounding_box()
    y = box["y"] + box["height"] / 2

    def drag() -> None:
        page.mouse.move(box["x"] + box["width"] * start, y)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * end, y, steps=4)
        page.mouse.up()

    return _timed(page, drag)


def _labels(browser: Any, url: str) -> dict[str, Any]:
    """Return what the place names cost a new reader's map, measured with and without them.

    New readers one after another, by turns with the names and with their file blocked (the map
    then draws none), `LABEL_READERS` of each:

    - `labelled_s`: from navigation to the map drawn with its names (median);
    - `unlabelled_s`: from navigation to the map drawn, the names' file blocked (median);
    - `labels_added_ms`: the difference of the two medians;
    - `labels_script_ms`: the names of the first view drawn from the data already fetched,
      layout included (median), the script's own share;
    - `labels_wire_mb`, `labels_json_mb`: the names' file on the wire and as JSON.
    """
    labelled, unlabelled, script = [], [], []
    sizes = None
    for _ in range(LABEL_READERS):
        for with_labels in (True, False):
            context = _context(browser)
            if not with_labels:
                context.route(LABELS_FILE, lambda route: route.abort())
            page = context.new_page()
            page.goto(url)
            if with_labels:
                drawn = page.wait_for_function(LABELLED_AT_JS, timeout=TIMEOUT_MS, polling="raf").json_value()
                labelled.append(drawn / 1000)
                frame = page.locator(MAP_FRAME).element_handle().content_frame()
                script.append(frame.evaluate(LABELS_SCRIPT_MS_JS))
                sizes = frame.evaluate(LABELS_BYTES_JS)
            else:
                unlabelled.append(_drawn_ms(page) / 1000)
            context.close()
    figures = {
        "labelled_s": statistics.median(labelled),
        "unlabelled_s": statistics.median(unlabelled),
        "labels_script_ms": statistics.median(script),
    }
    figures["labels_added_ms"] = (figures["labelled_s"] - figures["unlabelled_s"]) * 1000
    if sizes:
        figures["labels_wire_mb"], figures["labels_json_mb"] = sizes[0] / 1e6, sizes[2] / 1e6
    return figures


def _playback(page: Any, url: str) -> dict[str, Any]:
    """Open the map with weekly windows, start playback, and play it one window per animation frame.

    - `playback_start_s`: from asking (the first ▶) to the first window shown, the page's
      counting rerun included;
    - `playback_mb`, `playback_cells`, `playback_windows`: the counts sent, and their shape;
    - `playback_fps`: frames per second over `PLAYBACK_FRAMES` animation frames, each showing the
      next window; `playback_step_ms`: the script's own time per window.
    """
    page.goto(url)
    _drawn_ms(page)
    frame = page.locator(MAP_FRAME).element_handle().content_frame()
    start_ms = frame.evaluate("() => { const t = performance.now(); map._bsPlayback.play(); return t; }")
    shown = frame.wait_for_function(PLAYBACK_SHOWN_AT_JS, timeout=TIMEOUT_MS, polling="raf")
    shown_ms = shown.json_value()
    frame.evaluate("() => window.map._bsPlayback.pause()")
    size, cells, windows = frame.evaluate(PLAYBACK_PAYLOAD_JS)
    played = frame.evaluate(PLAYBACK_FPS_JS, PLAYBACK_FRAMES)
    return {
        "playback_start_s": (shown_ms - start_ms) / 1000,
        "playback_mb": size / 1e6,
        "playback_cells": cells,
        "playback_windows": windows,
        "playback_fps": played["frames"] / (played["ms"] / 1000),
        "playback_step_ms": played["stepping_ms"],
    }


def _add_relation(page: Any, relation: str) -> float:
    box = page.get_by_test_id("stMultiSelect").filter(has_text="Relation type").locator("input")
    box.click()
    page.keyboard.type(relation)
    return _timed(page, lambda: page.keyboard.press("Enter"), after=lambda: page.keyboard.press("Escape"))


def _search(page: Any, text: str) -> float:
    box = page.get_by_test_id("stTextInput").filter(has_text="Search text").locator("input")
    box.fill(text)
    return _timed(page, lambda: box.press("Enter"))


def _timed(page: Any, action: Any, after: Any = None) -> float:
    """Return the seconds from `action` (one filter change) to the rerun's layers drawn."""
    before = page.evaluate(LAYERS_SENT_JS)
    start_ms = page.evaluate("performance.now()")
    action()
    done_ms = page.wait_for_function(
        LAYERS_REDRAWN_AT_JS, arg=before, timeout=TIMEOUT_MS, polling="raf"
    ).json_value()
    if after is not None:
        after()
    return float(done_ms - start_ms) / 1000


def _memory_mb(pid: int, field: str) -> float:
    """Return a process's resident memory (VmRSS) or its highest so far (VmHWM), in MB (10^6 bytes)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024 / 1e6
    return float("nan")


def _local_only(route: Any) -> None:
    if is_loopback(route.request.url):
        route.continue_()
    else:
        route.abort()
