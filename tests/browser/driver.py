"""Driving the dashboard in the browser: the map's frame, Leaflet's state, clicks, reruns.

Nothing here waits for a number of milliseconds and hopes: every wait is for a state of the
page, bounded by a generous timeout that costs nothing when the state comes early. On a busy
two-core CI machine a rerun may take ten seconds or more.

How a test knows that the page has finished what it started (`settle`):

* Streamlit. `WATCH_JS`, installed in every page before Streamlit's own script, reads the
  messages on Streamlit's WebSocket: each rerun the page asks for (`BackMsg.rerun_script`),
  each run the server begins (`ForwardMsg.new_session`) and ends (`ForwardMsg.script_finished`,
  unless cut short for another rerun). The page is idle once the last run began after the
  last request and has ended. stApp's `data-test-script-state` alone cannot say so: it is
  `notRunning` before a requested run has begun, and React may fold a short run into a
  single render that never shows `running`.
* The map. streamlit-folium reports what the map returns once it is up, and a click or a
  move 250 ms after it (a debounce), each only if it changed (a view only with the view
  switch on: a new map then reruns the page once more). `reported`
  waits until Leaflet has stopped animating, then until a timer set in the map's frame after
  the debounce's own timer has fired (timers fire in order of their deadlines, however busy
  the machine), then passes a message through the page (messages from one frame arrive in the
  order they were posted): whatever the map had to report has reached Streamlit by then.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import expect

from tools.localserver import APP_READY, MAP_FRAME

WAIT = 60_000  # ms for a rerun, a remount, a chart to draw (a rerun takes 10+ s on a busy CI machine)
OPEN_WAIT = 180_000  # ms for the first page of a server: the first load of its data is cold
SCREENSHOTS_VARIABLE = "BORDERSTATES_SCREENSHOTS"  # set: the browser tests rewrite docs/*.png
REPORT_DEBOUNCE_MS = 250  # streamlit-folium reports a click or a move this long after it

VIEW_JS = "() => { const c = window.map.getCenter(); return [c.lat, c.lng, window.map.getZoom()]; }"
MARKERS_JS = """() => { let n = 0; window.map.eachLayer(l => {
    if (L.MarkerClusterGroup && l instanceof L.MarkerClusterGroup) n += l.getLayers().length; });
    return n; }"""
FOCUS_JS = """() => { const ids = new Set(); window.map.eachLayer(l => {
    if (l.feature && ["UKR", "GEO", "ARM", "AZE"].includes(l.feature.id)) ids.add(l.feature.id); });
    return [...ids].sort(); }"""
POINT_JS = """([lat, lng]) => { const p = window.map.latLngToContainerPoint([lat, lng]);
    const r = window.map.getContainer().getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; }"""
MARKER_SHOWN_JS = """(id) => { let shown = false; window.map.eachLayer(l => {
    if (l.feature && l.feature.id === id && l.getLatLng) shown = true; }); return shown; }"""
BOUNDS_JS = """() => { const b = window.map.getBounds();
    return [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()]; }"""

# Installed in every frame before the page's own scripts (`watch`); does its work in the top one.
WATCH_JS = r"""(() => {
    if (window !== window.top || window.__bs) return;
    // Marks in one sequence (when each last happened), and counts of requests and values sent.
    const s = window.__bs = {seq: 0, request: 0, start: 0, end: 0, posted: 0, requests: 0, posts: 0};
    // The top-level fields of a protobuf message: field number -> varint value (or null).
    const varint = (b, i) => { let v = 0, shift = 0, x;
        do { x = b[i++]; v += (x & 0x7f) * 2 ** shift; shift += 7; } while (x & 0x80); return [v, i]; };
    const fields = (bytes) => { const out = new Map(); let i = 0, tag, n;
        while (i < bytes.length) {
            [tag, i] = varint(bytes, i);
            const type = tag & 7, field = (tag - type) / 8;
            if (type === 0) { [n, i] = varint(bytes, i); out.set(field, n); }
            else if (type === 2) { [n, i] = varint(bytes, i); i += n; out.set(field, null); }
            else if (type === 1) i += 8; else if (type === 5) i += 4; else break;
        }
        return out; };
    const asBytes = (d) => d instanceof ArrayBuffer ? new Uint8Array(d)
        : ArrayBuffer.isView(d) ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength) : null;
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
        constructor(...args) {
            super(...args);
            this.addEventListener("message", (e) => {
                const bytes = asBytes(e.data); if (!bytes) return;
                const f = fields(bytes);
                if (f.has(4)) s.start = ++s.seq;  // ForwardMsg.new_session: a run begins
                // ForwardMsg.script_finished, unless FINISHED_EARLY_FOR_RERUN (2): the run ends
                if (f.has(6) && f.get(6) !== 2) s.end = ++s.seq;
            });
        }
        send(data) {
            const bytes = asBytes(data);
            // BackMsg.rerun_script: a widget changed, a link was followed, a component sent a value
            if (bytes && fields(bytes).has(11)) { s.request = ++s.seq; s.requests += 1; }
            return super.send(data);
        }
    };
    window.addEventListener("message", (e) => {
        if (!e.data) return;
        // A component's value: Streamlit asks for a rerun with it (after a zero-delay timer).
        if (e.data.type === "streamlit:setComponentValue") { s.posted = ++s.seq; s.posts += 1; }
        if (e.data.bsPing !== undefined) e.source.postMessage({bsPong: e.data.bsPing}, "*");
    });
})();"""
# No rerun asked for is pending: every value a component sent was followed by a request, the
# last request by the start of a run, that run by its end; and the page shows it has finished.
IDLE_JS = f"""() => {{ const s = window.__bs;
    return !!s && (s.posted === 0 || s.posted < s.request) && s.request < s.start && s.start < s.end
        && document.querySelector("{APP_READY}") !== null; }}"""
REQUESTS_JS = "() => window.__bs.requests"
# Leaflet is not moving: no zoom, pan or fly animation, no cluster animation or queued cluster
# work, and the layers the page sends (streamlit-folium's feature groups) are on the map.
QUIET_JS = """() => { const m = window.map;
    if (!m || !m._loaded || m._animatingZoom || m._flyToFrame) return false;
    if (m._panAnim && m._panAnim._inProgress) return false;
    let busy = false;
    m.eachLayer(l => { if (l._inZoomAnimation || (l._queue && l._queue.length)) busy = true; });
    return !busy && (window.feature_group || []).some(g => m.hasLayer(g)); }"""
REPORTED_JS = """(delay) => new Promise(resolve => setTimeout(() => {
    const id = Math.random();
    const pong = (e) => {
        if (e.data && e.data.bsPong === id) { window.removeEventListener("message", pong); resolve(); }
    };
    window.addEventListener("message", pong);
    window.parent.postMessage({bsPing: id}, "*");
}, delay))"""


def screenshot(page, path: Path) -> None:
    """Take the README's picture; written only by `make screenshots`, so a test run changes no file."""
    image = page.screenshot()  # taken in every run: the page can be drawn
    if os.environ.get(SCREENSHOTS_VARIABLE):
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(image)


def watch(context) -> None:
    """Have every page of a browser context keep count of reruns (see `settle`)."""
    context.add_init_script(WATCH_JS)


def map_frame(page):
    """The map's frame, once there is exactly one and Leaflet is up in it."""
    expect(page.locator(MAP_FRAME)).to_have_count(1, timeout=WAIT)
    page.frame_locator(MAP_FRAME).locator(".leaflet-container").wait_for(timeout=WAIT)
    frame = page.locator(MAP_FRAME).element_handle(timeout=WAIT).content_frame()
    frame.wait_for_function("() => window.map && window.map.getZoom() !== undefined", timeout=WAIT)
    return frame


def set_view(frame, lat: float, lng: float, zoom: int) -> None:
    """Show a point at a zoom level at once (no animation, so no animation to wait for)."""
    # A block body: `setView` returns the map, and Playwright would serialise all of Leaflet's
    # state back to the test (seconds, more on a busy machine).
    frame.evaluate(f"() => {{ window.map.setView([{lat}, {lng}], {zoom}, {{animate: false}}); }}")


def pan_by(frame, x: int, y: int) -> None:
    """Pan the map by some pixels at once (no animation)."""
    frame.evaluate(f"() => {{ window.map.panBy([{x}, {y}], {{animate: false}}); }}")


def click_map(page, frame, lat: float, lng: float) -> None:
    """Click the map at a point, as a reader would (Playwright's own click aims at an element's centre)."""
    box = page.locator(MAP_FRAME).bounding_box()
    x, y = frame.evaluate(POINT_JS, [lat, lng])
    page.mouse.click(box["x"] + x, box["y"] + y)


def count_line(page):
    return page.get_by_test_id("stSidebar").get_by_text(re.compile(r"^\d+ of \d+ events$"))


def rerun_requests(page) -> int:
    """Return how many reruns the page has asked for so far."""
    return page.evaluate(REQUESTS_JS)


def map_quiet(frame) -> None:
    """Wait until Leaflet has finished moving and the page's layers are on the map."""
    frame.wait_for_function(QUIET_JS, timeout=WAIT)


def reported(frame) -> None:
    """Wait until the map has stopped and whatever streamlit-folium had to report has reached the page."""
    map_quiet(frame)
    frame.evaluate(REPORTED_JS, 2 * REPORT_DEBOUNCE_MS)


def idle(page) -> None:
    """Wait until no rerun the page asked for is pending, and the page shows its last run finished."""
    page.wait_for_function(IDLE_JS, timeout=WAIT)


def zoom_to_marker(page, frame, event_id: str, lat: float, lng: float, zoom: int = 9) -> None:
    """Zoom in on an event's point until its own marker is drawn, where it belongs (its cluster split up)."""
    set_view(frame, lat, lng, zoom)
    settle(page)
    frame.wait_for_function(MARKER_SHOWN_JS, arg=event_id, timeout=WAIT)


def settle(page) -> None:
    """Wait until the page is at rest: reruns done, the map still and its reports handled."""
    idle(page)
    if page.locator(MAP_FRAME).count():
        frame = map_frame(page)
        reported(frame)  # the map's report of the last move or click
        idle(page)
        map_quiet(frame)  # the rerun's new layers


def after_rerun(page, action) -> None:
    """Do something that reruns the page's script, and wait until that rerun has finished."""
    before = rerun_requests(page)
    action()
    page.wait_for_function(f"() => window.__bs.requests > {before}", timeout=WAIT)
    settle(page)


def remount_map(page, action):
    """Do something that mounts the map anew (a rerun); return the new map's frame once it is up."""
    map_frame(page).evaluate("() => { window.__bsReplaced = true; }")
    after_rerun(page, action)
    page.wait_for_function(
        f"""() => {{ const f = document.querySelectorAll('{MAP_FRAME}');
            const w = f.length === 1 && f[0].contentWindow;
            return !!w && !w.__bsReplaced && !!w.map; }}""",
        timeout=WAIT,
    )
    settle(page)  # with the view switch on, the new map reports its bounds: one more rerun
    return map_frame(page)


def after_report(page, frame, action) -> tuple[int, int]:
    """Do something on the map; return (values streamlit-folium sent, reruns the page asked for).

    Waits until streamlit-folium has had its chance to report the action (`reported`), and
    then until the page is idle: a rerun the action caused has been asked for and run by then.
    Also what a test needs to show that an action reruns nothing.
    """
    settle(page)
    before = page.evaluate("() => [window.__bs.posts, window.__bs.requests]")
    action()
    reported(frame)
    idle(page)
    after = page.evaluate("() => [window.__bs.posts, window.__bs.requests]")
    map_quiet(frame)  # the rerun's new layers
    return after[0] - before[0], after[1] - before[1]


def choose(page, label: str, option: str) -> None:
    """Choose an option in a sidebar multiselect, as a reader types it; waits for the rerun."""
    box = page.get_by_test_id("stMultiSelect").filter(has_text=label).locator("input")
    settle(page)  # a rerun still to come would close the list under the typing
    box.click()
    page.keyboard.type(option)
    expect(page.get_by_role("option").first).to_contain_text(option, ignore_case=True, timeout=WAIT)
    # Enter takes the first option only while the list is open and the input has the focus; a
    # closed list leaves its options on the page for a while.
    expect(box).to_be_focused(timeout=WAIT)
    expect(box).to_have_attribute("aria-expanded", "true", timeout=WAIT)
    after_rerun(page, lambda: page.keyboard.press("Enter"))
    page.keyboard.press("Escape")
