"""Drawing an area with the mouse in headless Chromium: the count and the markers follow, links and saving."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from borderstates.core import area as areas
from borderstates.core import arealink
from borderstates.core.filters import EventFilter
from tests.browser.conftest import MAP_FRAME
from tests.browser.driver import (
    BOUNDS_JS,
    MARKERS_JS,
    POINT_JS,
    WAIT,
    after_report,
    after_rerun,
    count_line,
    map_frame,
    remount_map,
    set_view,
    settle,
)
from tests.conftest import ROOT
from tests.oracle import filter_events
from tools.localserver import streamlit_server

pytestmark = pytest.mark.browser

# Corners (lat, lon) of a rectangle round Tbilisi and Yerevan, and the vertices of a polygon round
# Odesa and Kremenchuk (not Kyiv): both clear of every marker, so the mouse lands on the map.
RECTANGLE = ((42.6, 43.0), (39.3, 46.0))
POLYGON = ((45.9, 29.9), (45.9, 34.2), (49.6, 34.2), (49.6, 32.5))
DRAWN_JS = "() => window.drawnItems.getLayers().length"
VERTICES_JS = "() => document.querySelectorAll('.leaflet-editing-icon').length"
# Leaflet.draw ignores a click for 50 ms after the last (a timer re-enables it): a timer set
# after the click, with a later deadline, has fired only once that one has.
CLICK_PAUSE_JS = "() => new Promise(resolve => setTimeout(resolve, 60))"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """The shipped data in a folder of its own, where areas can be saved."""
    directory = tmp_path_factory.mktemp("areas") / "data"
    directory.mkdir()
    for name in ("events.csv", "articles.csv", "actors.csv"):
        (directory / name).write_bytes((ROOT / "data" / name).read_bytes())
    (directory / "geo").symlink_to(ROOT / "data" / "geo")
    return directory


@pytest.fixture(scope="module")
def server(data_dir):
    with streamlit_server(data_dir) as served:
        yield served.url


def _at(page, frame, lat: float, lon: float) -> tuple[float, float]:
    box = page.locator(MAP_FRAME).bounding_box()
    x, y = frame.evaluate(POINT_JS, [lat, lon])
    return box["x"] + x, box["y"] + y


def _draw_rectangle(page, frame) -> None:
    frame.locator(".leaflet-draw-draw-rectangle").click()
    (x1, y1), (x2, y2) = (_at(page, frame, *corner) for corner in RECTANGLE)
    page.mouse.move(x1, y1)
    page.mouse.down()
    page.mouse.move(x2, y2, steps=12)
    page.mouse.up()


def _draw_polygon(page, frame) -> None:
    frame.locator(".leaflet-draw-draw-polygon").click()
    for number, vertex in enumerate(POLYGON, start=1):
        x, y = _at(page, frame, *vertex)
        page.mouse.click(x, y)
        frame.wait_for_function(f"() => ({VERTICES_JS})() === {number}")
        frame.evaluate(CLICK_PAUSE_JS)
    frame.locator(".leaflet-draw-actions a", has_text="Finish").click()


def _url_area(page) -> areas.Area:
    (text,) = parse_qs(urlsplit(page.url).query)["area"]
    return arealink.decode(text)


def _at_tbilisi_and_yerevan(events) -> int:
    """The shipped events placed on Tbilisi or Yerevan, which the areas drawn here enclose."""
    return int(events["location"].isin(["Tbilisi", "Yerevan"]).sum())


def _expect_area(page, frame, events, area: areas.Area) -> int:
    """Check the count line and the drawn markers against the oracle for this area; return the count."""
    expected = len(filter_events(events, EventFilter(area=area)))
    expect(count_line(page)).to_have_text(f"{expected} of {len(events)} events", timeout=WAIT)
    frame.wait_for_function(f"() => ({MARKERS_JS})() === {expected}", timeout=WAIT)
    return expected


def test_drawing_a_rectangle_and_a_polygon_filters_and_the_link_keeps_it(
    server, new_page, outside, events, data_dir
):
    page = new_page(server)
    frame = map_frame(page)
    frame.evaluate("() => { window.map.fitBounds([[38.5, 29.0], [50.5, 47.0]], {animate: false}); }")
    settle(page)

    after_rerun(page, lambda: _draw_rectangle(page, frame))
    expect(page).to_have_url(re.compile(r"[?&]area="), timeout=WAIT)
    rectangle = _url_area(page)
    (outline,) = rectangle.polygons[0]
    assert areas.ring_box(outline) == pytest.approx((39.3, 43.0, 42.6, 46.0), abs=0.15)  # where it was drawn
    in_rectangle = _expect_area(page, frame, events, rectangle)
    assert in_rectangle == _at_tbilisi_and_yerevan(events)  # no more
    frame.wait_for_function(f"() => ({DRAWN_JS})() === 1")

    after_rerun(page, lambda: _draw_polygon(page, frame))
    expect(page).not_to_have_url(
        re.compile(re.escape(f"area={parse_qs(urlsplit(page.url).query)['area'][0]}"))
    )
    both = _url_area(page)
    assert len(both.polygons) == 2
    in_both = _expect_area(page, frame, events, both)
    assert in_both == in_rectangle + 2  # Odesa and Kremenchuk added; Kyiv left out
    frame.wait_for_function(f"() => ({DRAWN_JS})() === 2")

    # The link reproduces the area: the same count, the same shapes on the map.
    again = new_page(page.url)
    again_frame = map_frame(again)
    expect(count_line(again)).to_have_text(f"{in_both} of {len(events)} events")
    again_frame.wait_for_function(f"() => ({DRAWN_JS})() === 2", timeout=WAIT)
    again_frame.wait_for_function(f"() => ({MARKERS_JS})() === {in_both}", timeout=WAIT)
    assert _url_area(again) == both

    # Saved, it is a choice of the sidebar and the link names it.
    again.get_by_label("Name").fill("Caucasus and the south")
    after_rerun(again, lambda: again.get_by_label("Name").press("Enter"))
    after_rerun(again, lambda: again.get_by_role("button", name="Save this area").click())
    expect(again).to_have_url(re.compile(r"areaname=Caucasus"), timeout=WAIT)
    assert (data_dir / "areas" / "Caucasus and the south.geojson").exists()
    expect(again.get_by_role("combobox", name="Area")).to_have_value("Caucasus and the south")
    expect(count_line(again)).to_have_text(f"{in_both} of {len(events)} events")

    # Deleted, the filter is gone: every event, nothing drawn.
    after_rerun(again, lambda: again.get_by_role("button", name="Delete this saved area").click())
    expect(count_line(again)).to_have_text(f"{len(events)} of {len(events)} events", timeout=WAIT)
    expect(again).not_to_have_url(re.compile(r"area(name)?="), timeout=WAIT)
    again_frame = map_frame(again)
    again_frame.wait_for_function(f"() => ({DRAWN_JS})() === 0", timeout=WAIT)
    again_frame.wait_for_function(f"() => ({MARKERS_JS})() === {len(events)}", timeout=WAIT)
    assert not (data_dir / "areas" / "Caucasus and the south.geojson").exists()
    again.get_by_role("combobox", name="Area").click()
    expect(again.get_by_role("option").first).to_be_visible()
    expect(again.get_by_role("option", name="Caucasus and the south")).to_have_count(0)
    expect(again.get_by_role("option", name="Armenia (ARM, country)")).to_have_count(1)
    assert outside == []


def test_drawing_a_circle_filters_by_its_geodesic_radius_and_deleting_it_clears(
    server, new_page, outside, events
):
    page = new_page(server)
    frame = map_frame(page)
    frame.evaluate("() => { window.map.fitBounds([[38.5, 42.0], [43.5, 50.5]], {animate: false}); }")
    settle(page)
    centre, edge = (40.9, 45.6), (40.9, 47.38)  # about 150 km east: Tbilisi and Yerevan inside, Baku not

    def draw_circle():
        frame.locator(".leaflet-draw-draw-circle").click()
        (x1, y1), (x2, y2) = _at(page, frame, *centre), _at(page, frame, *edge)
        page.mouse.move(x1, y1)
        page.mouse.down()
        page.mouse.move(x2, y2, steps=12)
        page.mouse.up()

    after_rerun(page, draw_circle)
    expect(page).to_have_url(re.compile(r"[?&]area=c"), timeout=WAIT)
    (circle,) = _url_area(page).circles
    assert (circle.lat, circle.lon) == pytest.approx(centre, abs=0.1)
    assert circle.radius_km == pytest.approx(areas.distance_km(*centre, *edge), rel=0.1)
    assert _expect_area(page, frame, events, _url_area(page)) == _at_tbilisi_and_yerevan(events)
    frame.wait_for_function(f"() => ({DRAWN_JS})() === 1")

    def delete_circle():
        frame.locator(".leaflet-draw-edit-remove").click()
        page.mouse.click(*_at(page, frame, *centre))
        frame.wait_for_function(f"() => ({DRAWN_JS})() === 0")
        frame.locator(".leaflet-draw-actions a", has_text="Save").click()

    after_rerun(page, delete_circle)
    expect(count_line(page)).to_have_text(f"{len(events)} of {len(events)} events", timeout=WAIT)
    expect(page).not_to_have_url(re.compile(r"[?&]area="), timeout=WAIT)
    assert outside == []


# What a few lines of script in the map's frame can send, whatever the drawing tool allows: a
# polygon of 2,001 vertices that crosses itself at every one, reported as an edit. Its repair
# once took 21 s and 1.7 GB of the server before "encloses nothing".
CRAFTED_DRAWING_JS = """() => {
    const corners = 2000, points = [];
    for (let k = 0; k < corners; k++) {
        const turn = 2 * Math.PI * ((k * 999) % corners) / corners;
        points.push([48.0 + 3 * Math.sin(turn), 36.2 + 3 * Math.cos(turn)]);
    }
    const layer = L.polygon(points);
    window.drawnItems.addLayer(layer);
    window.map.fire("draw:edited", {layers: L.layerGroup([layer])});
}"""


def test_a_crafted_drawing_is_refused_by_its_size_and_the_page_carries_on(server, new_page, outside, events):
    page = new_page(server)
    frame = map_frame(page)
    after_rerun(page, lambda: frame.evaluate(CRAFTED_DRAWING_JS))
    expect(page.get_by_text(re.compile(r"The drawing was not applied: .*2,001 vertices"))).to_be_visible()
    expect(count_line(page)).to_have_text(f"{len(events)} of {len(events)} events")
    assert "area=" not in page.url
    frame.wait_for_function(f"() => ({DRAWN_JS})() === 0")  # the map shows the area in effect: none
    assert outside == []


def test_only_events_in_the_current_view_narrows_the_markers_too(server, new_page, outside, events):
    page = new_page(server)
    frame = remount_map(page, page.get_by_text("Only events in the current view").click)
    after_report(page, frame, lambda: set_view(frame, 41.0, 45.5, 6))  # the Caucasus: not Ukraine
    in_view = len(filter_events(events, EventFilter(bounds=tuple(frame.evaluate(BOUNDS_JS)))))
    assert 0 < in_view < len(events)
    expect(count_line(page)).to_have_text(f"{in_view} of {len(events)} events", timeout=WAIT)
    frame.wait_for_function(f"() => ({MARKERS_JS})() === {in_view}", timeout=WAIT)
    assert outside == []
