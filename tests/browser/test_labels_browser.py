"""The map's place names and its first view in headless Chromium, with the internet blocked.

Place names are drawn by the map itself (render/labels.py, js/labels.js): present offline, more
of them closer in, never overlapping, never in the way of a click, and a layer of their own. At
the first view of the curated data and of an imported dataset the four states are whole on the
map, and no control or legend covers any of them.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from borderstates.cli import main as cli
from tests.browser.conftest import APP_READY, MAP_FRAME, new_context, streamlit_server
from tests.browser.driver import OPEN_WAIT, WAIT, map_frame, set_view, settle, zoom_to_marker
from tests.conftest import FIXTURES
from tools.synthetic import write_synthetic_dataset

pytestmark = pytest.mark.browser

FOCUS = ("UKR", "GEO", "ARM", "AZE")
LABELS = ".bs-label .bs-label-text"
# Every label drawn now: its text and its box in the frame.
LABEL_BOXES_JS = f"""() => [...document.querySelectorAll("{LABELS}")].map(el => {{
    const b = el.getBoundingClientRect();
    return {{text: el.firstChild.textContent, box: [b.left, b.top, b.right, b.bottom]}}; }})"""
# The labels drawn now whose point lies within [south, west, north, east].
LABELS_WITHIN_JS = """([s, w, n, e]) => { let found = 0; window.map.eachLayer(l => {
    const el = l.getElement && l.getElement();
    if (el && el.classList.contains("bs-label")) {
        const p = l.getLatLng(); if (p.lat >= s && p.lat <= n && p.lng >= w && p.lng <= e) found++; } });
    return found; }"""
# The focus states' boxes, and every control's (each corner's controls, the legend among them).
STATE_BOXES_JS = f"""() => {{ const o = {{}}; window.map.eachLayer(l => {{
    if (l.feature && {list(FOCUS)}.includes(l.feature.id) && l.getElement) {{
        const b = l.getElement().getBoundingClientRect();
        o[l.feature.id] = [b.left, b.top, b.right, b.bottom]; }} }});
    return o; }}"""
# The box of the marker of an event, in the frame.
MARKER_BOX_JS = """(id) => { let box = null; window.map.eachLayer(l => {
    if (l.feature && l.feature.id === id && l.getElement) {
        const b = l.getElement().getBoundingClientRect(); box = [b.left, b.top, b.right, b.bottom]; } });
    return box; }"""
CONTROL_BOXES_JS = """() => [...document.querySelectorAll(".leaflet-control")].map(el => {
    const b = el.getBoundingClientRect();
    return {name: el.className, box: [b.left, b.top, b.right, b.bottom]}; })"""
CONTAINER_JS = """() => { const b = window.map.getContainer().getBoundingClientRect();
    return [b.left, b.top, b.right, b.bottom]; }"""
DONBAS = [47.0, 36.5, 49.5, 40.0]  # south, west, north, east
WINDOW = {"width": 1400, "height": 900}


def overlap(a, b, slack: float = 0.5) -> bool:
    return a[0] + slack < b[2] and b[0] + slack < a[2] and a[1] + slack < b[3] and b[1] + slack < a[3]


def drawn_labels(frame, least: int = 1) -> list[dict]:
    """The labels once the layer has drawn them (they arrive in a file of their own)."""
    frame.wait_for_function(f"() => document.querySelectorAll('{LABELS}').length >= {least}", timeout=WAIT)
    return frame.evaluate(LABEL_BOXES_JS)


def assert_apart(labels: list[dict]) -> None:
    clashes = [
        (a["text"], b["text"])
        for i, a in enumerate(labels)
        for b in labels[i + 1 :]
        if overlap(a["box"], b["box"])
    ]
    assert clashes == []


def test_place_names_are_drawn_offline_more_of_them_closer_in_and_never_overlapping(
    server, new_page, outside
):
    page = new_page(server)
    frame = map_frame(page)
    first = drawn_labels(frame, 20)
    names = {label["text"] for label in first}
    assert {
        "Kyiv",
        "Tbilisi",
        "Yerevan",
        "Baku",
        "Black Sea",
        "Sea of Azov",
        "Caspian Sea",
        "Ukraine",
    } <= names
    assert_apart(first)
    in_donbas = frame.evaluate(LABELS_WITHIN_JS, DONBAS)
    set_view(frame, 48.25, 38.25, 8)
    settle(page)
    closer = drawn_labels(frame, 20)
    assert frame.evaluate(LABELS_WITHIN_JS, DONBAS) > 3 * max(in_donbas, 1)
    assert {"Donetsk", "Horlivka", "Kramatorsk"} <= {label["text"] for label in closer}
    assert_apart(closer)
    assert outside == []


def test_the_local_name_shows_while_the_pointer_is_over_a_label(server, new_page, outside):
    page = new_page(server)
    frame = map_frame(page)
    drawn_labels(frame, 20)
    kyiv = frame.locator(".bs-label-capital .bs-label-text").filter(has_text="Kyiv")
    local = kyiv.locator(".bs-label-local")
    expect(local).to_have_text("Київ")
    expect(local).to_have_attribute("lang", "uk")
    expect(local).to_be_hidden()
    box, frame_box = kyiv.bounding_box(), page.locator(MAP_FRAME).bounding_box()
    assert box is not None and frame_box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # both in the page
    expect(local).to_be_visible()
    page.mouse.move(frame_box["x"] + 5, frame_box["y"] + frame_box["height"] - 5)
    expect(local).to_be_hidden()
    assert outside == []


def test_a_click_on_a_marker_under_a_label_opens_its_record(server, new_page, outside, events):
    page = new_page(server)
    frame = map_frame(page)
    kyiv = events.set_index("event_id").loc["BS-0008"]
    zoom_to_marker(page, frame, "BS-0008", kyiv.latitude, kyiv.longitude)
    drawn_labels(frame)
    label = next(lab["box"] for lab in frame.evaluate(LABEL_BOXES_JS) if lab["text"] == "Kyiv")
    marker = frame.evaluate(MARKER_BOX_JS, "BS-0008")  # both in the frame
    assert overlap(label, marker), "the label does not lie over the marker"
    # Where the label's text, drawn above the marker, covers it: the click goes through to the marker.
    x = (max(label[0], marker[0]) + min(label[2], marker[2])) / 2
    y = (max(label[1], marker[1]) + min(label[3], marker[3])) / 2
    hit = frame.evaluate("([x, y]) => document.elementFromPoint(x, y).tagName.toLowerCase()", [x, y])
    assert hit == "path"  # the marker, not the label above it
    frame_box = page.locator(MAP_FRAME).bounding_box()
    page.mouse.click(frame_box["x"] + x, frame_box["y"] + y)
    expect(page.locator(".bs-passage")).to_contain_text(kyiv.excerpt[:60], timeout=WAIT)
    expect(page).to_have_url(re.compile(re.escape("event=BS-0008")), timeout=WAIT)
    assert outside == []


def test_the_place_names_are_a_layer_the_reader_can_turn_off(server, new_page, outside):
    page = new_page(server)
    frame = map_frame(page)
    drawn_labels(frame, 20)
    frame.locator(".leaflet-control-layers").hover()
    switch = frame.get_by_label("Place names")
    expect(switch).to_be_checked()
    switch.uncheck()
    expect(frame.locator(LABELS)).to_have_count(0)
    switch.check()
    drawn_labels(frame, 20)
    assert outside == []


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """A data directory of many events (drawn as density cells) with an ACLED export imported into it."""
    directory = write_synthetic_dataset(tmp_path_factory.mktemp("imported"), 1_500)
    assert cli(["import", "--into", str(directory), str(FIXTURES / "import" / "acled_export.csv")]) == 0
    with streamlit_server(directory) as served:
        yield served.url


def first_view(browser, outside, url: str):
    context = new_context(browser, outside)
    page = context.new_page()
    page.set_viewport_size(WINDOW)
    page.goto(url, timeout=OPEN_WAIT)
    page.wait_for_selector(APP_READY, timeout=OPEN_WAIT)
    frame = map_frame(page)
    settle(page)
    frame.wait_for_function(f"() => Object.keys(({STATE_BOXES_JS})()).length === 4", timeout=WAIT)
    expect(frame.locator(".bs-legend")).to_be_visible()
    expect(frame.locator(".bs-playback")).to_be_visible()
    return context, page, frame


@pytest.mark.parametrize("data", ["curated", "imported"])
def test_the_four_states_are_whole_at_the_first_view_and_no_control_covers_them(
    request, browser, outside, data
):
    url = request.getfixturevalue("server" if data == "curated" else "imported")
    context, page, frame = first_view(browser, outside, url)
    try:
        assert page.locator(MAP_FRAME).bounding_box()["width"] >= 680  # the room the states need
        assert frame.evaluate("() => window.map.getZoom()") == 5
        states, controls = frame.evaluate(STATE_BOXES_JS), frame.evaluate(CONTROL_BOXES_JS)
        container = frame.evaluate(CONTAINER_JS)
        assert len(controls) >= 8  # zoom, layers, fit, drawing, legend, scale, playback, attribution
        for code, box in states.items():
            assert container[0] <= box[0] and box[2] <= container[2], f"{code} is cut at the side"
            assert container[1] <= box[1] and box[3] <= container[3], f"{code} is cut at the top or bottom"
            covering = [c["name"] for c in controls if overlap(c["box"], box, slack=0)]
            assert covering == [], f"{code} is covered by {covering}"
        if data == "imported":
            expect(frame.locator(".bs-legend")).to_contain_text("Events per")
    finally:
        context.close()
    assert outside == []
