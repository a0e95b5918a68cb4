"""The benchmark's browser half: the map drawn after navigation, a filter change, the server's memory.

Times are read from the browser's own clock (`performance.now()`, milliseconds since the
navigation started), at the moment a check running in the page first sees the state asked for;
Playwright's round trips to the browser are not counted.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from tools.localserver import (
    APP_READY,
    CHROMIUM,
    CHROMIUM_ARGS,
    MAP_FRAME,
    is_loopback,
    rss_mb,
    streamlit_server,
)

TIMEOUT_MS = 180_000
REPEATS = 5
SEARCHES = ("baku", "")  # alternated, so that each search changes the filtered events
RELATION = "military"  # chosen, then taken off again

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
# streamlit-folium appends each rerun's new layers to `window.feature_group`: a longer list
# means the filtered layers of the rerun have arrived and been drawn.
LAYERS_SENT_JS = f"() => document.querySelector('{MAP_FRAME}').contentWindow.feature_group.length"
LAYERS_REDRAWN_AT_JS = (
    f"(before) => {{ {_DRAWN} return view.feature_group.length > before && performance.now(); }}"
)


def measure_browser(data_dir: Path) -> dict[str, float]:
    """Serve a data directory, open the dashboard in headless Chromium; return timings and RSS.

    - `first_visit_s`: the first session, which waits for the server to load the data (from the
      Parquet cache when there is one);
    - `drawn_s`: a new session on the running server, in a new browser profile (nothing
      cached), the median of four, each closed before the next: a reader's browser draws one
      dashboard, not five;
    - `filter_s`, `search_s`: from a change in the sidebar (relation type chosen or taken off;
      a new search text) to the rerun's layers drawn and the script finished, median of five;
    - `rss_one_mb`, `rss_five_mb`: the server's resident memory with one and with five sessions;
      `peak_one_mb`, `peak_five_mb`: its highest so far (the first includes the cold load).
    """
    from playwright.sync_api import sync_playwright

    with streamlit_server(data_dir) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        url = server.url + "/"
        first_page, first = _open(browser, url)
        rss_one, peak_one = rss_mb(server.pid), rss_mb(server.pid, peak=True)
        first_page.context.close()
        drawn = []
        for _ in range(4):
            page, seconds = _open(browser, url)
            drawn.append(seconds)
            page.context.close()
        page, _ = _open(browser, url)
        filter_s = statistics.median(_change_relation(page, step) for step in range(REPEATS))
        search_s = statistics.median(_search(page, SEARCHES[step % 2]) for step in range(REPEATS))
        for _ in range(4):  # four more readers: five sessions
            _open(browser, url)
        rss_five, peak_five = rss_mb(server.pid), rss_mb(server.pid, peak=True)
        browser.close()
    return {
        "first_visit_s": first,
        "drawn_s": statistics.median(drawn),
        "filter_s": filter_s,
        "search_s": search_s,
        "rss_one_mb": rss_one,
        "rss_five_mb": rss_five,
        "peak_one_mb": peak_one,
        "peak_five_mb": peak_five,
    }


def _open(browser, url: str):
    """Open the dashboard in a new browser profile; return the page and the seconds to the map drawn."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.route("**/*", _local_only)
    page = context.new_page()
    page.goto(url)
    drawn_ms = page.wait_for_function(MAP_DRAWN_AT_JS, timeout=TIMEOUT_MS, polling="raf").json_value()
    return page, drawn_ms / 1000


def _change_relation(page, step: int) -> float:
    box = page.get_by_test_id("stMultiSelect").filter(has_text="Relation type").locator("input")
    box.click()
    if step % 2 == 0:
        page.keyboard.type(RELATION)
        return _timed(page, lambda: page.keyboard.press("Enter"), after=lambda: page.keyboard.press("Escape"))
    return _timed(page, lambda: page.keyboard.press("Backspace"))


def _search(page, text: str) -> float:
    box = page.get_by_test_id("stTextInput").filter(has_text="Search text").locator("input")
    box.fill(text)
    return _timed(page, lambda: box.press("Enter"))


def _timed(page, action, after=None) -> float:
    """Return the seconds from `action` (one filter change) to the rerun's layers drawn."""
    before = page.evaluate(LAYERS_SENT_JS)
    start_ms = page.evaluate("performance.now()")
    action()
    done_ms = page.wait_for_function(
        LAYERS_REDRAWN_AT_JS, arg=before, timeout=TIMEOUT_MS, polling="raf"
    ).json_value()
    if after is not None:
        after()
    return (done_ms - start_ms) / 1000


def _local_only(route) -> None:
    if is_loopback(route.request.url):
        route.continue_()
    else:
        route.abort()
