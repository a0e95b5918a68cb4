"""The dashboard in headless Chromium against a real `streamlit run`, with the internet blocked."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from playwright.sync_api import expect

from borderstates.app.mapui import MAP_HEIGHT
from borderstates.core.filters import EventFilter
from borderstates.render.mapview import FIT_MAX_ZOOM
from tests.browser.conftest import MAP_FRAME
from tests.browser.driver import (
    BOUNDS_JS,
    FOCUS_JS,
    MARKERS_JS,
    VIEW_JS,
    WAIT,
    after_report,
    after_rerun,
    choose,
    click_map,
    count_line,
    map_frame,
    pan_by,
    remount_map,
    screenshot,
    set_view,
    settle,
    zoom_to_marker,
)
from tests.conftest import ROOT
from tests.oracle import filter_events
from tools.localserver import is_loopback

pytestmark = pytest.mark.browser

SCREENSHOT = ROOT / "docs" / "screenshot.png"
# The map frame's height, which streamlit-folium sets once the map is up.
FRAME_HEIGHT_JS = f"() => document.querySelector('{MAP_FRAME}').getBoundingClientRect().height"
DRAWN_JS = "() => document.querySelectorAll('.marker-cluster, path.leaflet-interactive').length > 4"


def test_the_map_draws_offline(server, new_page, outside, events):
    page = new_page(server)
    frame = map_frame(page)
    page.wait_for_function(f"() => Math.abs(({FRAME_HEIGHT_JS})() - {MAP_HEIGHT}) <= 2")
    assert page.locator(MAP_FRAME).bounding_box()["height"] == pytest.approx(MAP_HEIGHT, abs=2)
    frame.wait_for_function(f"() => ({MARKERS_JS})() === {len(events)}")
    frame.wait_for_function(f"() => ({FOCUS_JS})().length === 4")
    assert frame.evaluate(FOCUS_JS) == ["ARM", "AZE", "GEO", "UKR"]
    # The neighbouring states arrive on their own, fetched from the app's static files.
    frame.wait_for_function("() => document.querySelectorAll('path').length > 50")
    frame.wait_for_function(DRAWN_JS)
    expect(frame.locator(".bs-legend")).to_contain_text("Events by relation type")
    expect(count_line(page)).to_have_text(f"{len(events)} of {len(events)} events")
    settle(page)
    screenshot(page, SCREENSHOT)
    assert outside == []


def test_online_tiles_load_only_when_chosen(server, new_page, outside):
    page = new_page(server)
    frame = map_frame(page)
    assert outside == []
    frame.locator(".leaflet-control-layers").hover()
    # The state to wait for: the first outside request, recorded and then blocked by the routing.
    with page.context.expect_event("requestfailed", lambda request: not is_loopback(request.url)):
        frame.get_by_text("OpenStreetMap tiles (online)").click()
    assert all("tile.openstreetmap.org" in url for url in outside), outside


def test_a_filter_keeps_the_view_and_an_actor_changes_the_markers(server, new_page, outside, events):
    page = new_page(server)
    frame = map_frame(page)
    zoom = frame.evaluate("() => window.map.getZoom()")
    frame.locator(".leaflet-control-zoom-in").click()
    frame.wait_for_function(f"() => window.map.getZoom() === {zoom + 1}")
    settle(page)  # the zoom's animation is over
    view = frame.evaluate(VIEW_JS)
    choose(page, "Actor", "Russian police")
    expected = len(filter_events(events, EventFilter(actors=("Russian police",))))
    expect(count_line(page)).to_have_text(f"{expected} of {len(events)} events", timeout=WAIT)
    frame.wait_for_function(f"() => ({MARKERS_JS})() === {expected}", timeout=WAIT)
    assert frame.evaluate(VIEW_JS) == pytest.approx(view)
    expect(page).to_have_url(re.compile(re.escape("actor=Russian+police")), timeout=WAIT)
    assert outside == []


def test_clicking_a_marker_shows_its_excerpt_beside_the_map(server, new_page, outside, events):
    page = new_page(server)
    frame = map_frame(page)
    kyiv = events.set_index("event_id").loc["BS-0008"]
    zoom_to_marker(page, frame, "BS-0008", kyiv.latitude, kyiv.longitude)
    click_map(page, frame, kyiv.latitude, kyiv.longitude)
    passage = page.locator(".bs-passage")
    expect(passage).to_contain_text(kyiv.excerpt[:60], timeout=WAIT)
    expect(passage).to_contain_text(kyiv.excerpt_en[:60])
    expect(page).to_have_url(re.compile(re.escape("event=BS-0008")), timeout=WAIT)
    assert passage.bounding_box()["x"] > page.locator(MAP_FRAME).bounding_box()["x"] + 300  # beside it
    assert outside == []


def test_clicking_a_state_toggles_the_country_filter(server, new_page, outside, events):
    page = new_page(server)
    frame = map_frame(page)
    set_view(frame, 42.0, 43.6, 5)  # the states' view: from zoom 6 a click picks a region
    settle(page)
    after_rerun(page, lambda: click_map(page, frame, 42.3, 42.4))  # western Georgia, away from any marker
    in_georgia = len(filter_events(events, EventFilter(countries=("GEO",))))
    expect(count_line(page)).to_have_text(f"{in_georgia} of {len(events)} events", timeout=WAIT)
    expect(page).to_have_url(re.compile(re.escape("country=GEO")), timeout=WAIT)
    expect(page.get_by_test_id("stMultiSelect").filter(has_text="Country")).to_contain_text("GEO")
    # A marker's click must not repeat the state's click. Once streamlit-folium has reported the
    # click and any rerun it asked for is over, the filter holds.
    tbilisi = events.set_index("event_id").loc["BS-0019"]
    after_report(page, frame, lambda: click_map(page, frame, tbilisi.latitude, tbilisi.longitude))
    expect(page).to_have_url(re.compile(re.escape("country=GEO")), timeout=WAIT)
    expect(count_line(page)).to_have_text(f"{in_georgia} of {len(events)} events")
    frame.evaluate("() => { window.map.closePopup(); }")  # the marker's popup covers western Georgia
    set_view(frame, 42.0, 43.6, 5)
    settle(page)
    after_rerun(page, lambda: click_map(page, frame, 42.3, 42.4))
    expect(count_line(page)).to_have_text(f"{len(events)} of {len(events)} events", timeout=WAIT)
    expect(page).not_to_have_url(re.compile(re.escape("country=")), timeout=WAIT)
    assert outside == []


def test_the_csv_download_holds_exactly_the_filtered_rows(server, new_page, outside, events):
    page = new_page(f"{server}/?relation=military")
    military = filter_events(events, EventFilter(relations=("military",)))
    expect(count_line(page)).to_have_text(f"{len(military)} of {len(events)} events")
    with page.expect_download(timeout=WAIT) as download:
        page.get_by_role("button", name="Download CSV").click()
    assert download.value.suggested_filename == f"borderstates_{dt.date.today().isoformat()}_military.csv"
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    assert sorted(r["event_id"] for r in rows) == sorted(military["event_id"])
    assert {r["relation_type"] for r in rows} == {"military"}
    assert outside == []


def test_an_event_link_opens_the_map_on_that_event(server, new_page, outside, events):
    page = new_page(f"{server}/?event=BS-0018")
    washington = events.set_index("event_id").loc["BS-0018"]
    expect(page.locator(".bs-passage")).to_contain_text(washington.excerpt[:60])
    frame = map_frame(page)
    # The map opens on the event: wait for that view (it may come with an animation), then compare.
    frame.wait_for_function(
        """([lat, lng, zoom]) => { const c = window.map.getCenter(), near = (a, b) => Math.abs(a - b) < 0.01;
            return window.map.getZoom() === zoom && near(c.lat, lat) && near(c.lng, lng); }""",
        arg=[float(washington.latitude), float(washington.longitude), FIT_MAX_ZOOM],
        timeout=WAIT,
    )
    view = frame.evaluate(VIEW_JS)
    assert view == pytest.approx([washington.latitude, washington.longitude, FIT_MAX_ZOOM], abs=0.01)
    assert outside == []


def test_panning_reruns_the_page_only_with_the_view_switch_on(server, new_page, outside, events):
    page = new_page(server)
    frame = map_frame(page)
    # Once streamlit-folium has had its chance to report the move, nothing was sent, nothing ran.
    assert after_report(page, frame, lambda: pan_by(frame, 150, 80)) == (0, 0), "the move reran the page"
    # Nor did the map when it came up (streamlit-folium reports then): it is no change either,
    # and a rerun then would empty what the reader has begun to type into a filter.
    assert page.evaluate("() => window.__bs.posts") == 0, "the mounted map sent a value unasked"

    frame = remount_map(page, page.get_by_text("Only events in the current view").click)
    # The switch narrows to the view at once: the new map reports where it is before any move.
    in_view = len(filter_events(events, EventFilter(bounds=tuple(frame.evaluate(BOUNDS_JS)))))
    assert 0 < in_view < len(events)
    expect(count_line(page)).to_have_text(f"{in_view} of {len(events)} events", timeout=WAIT)
    sent, reruns = after_report(page, frame, lambda: set_view(frame, 48.5, 31.0, 6))
    assert sent and reruns
    south, west, north, east = frame.evaluate(BOUNDS_JS)
    in_view = len(filter_events(events, EventFilter(bounds=(south, west, north, east))))
    assert 0 < in_view < len(events)
    expect(count_line(page)).to_have_text(f"{in_view} of {len(events)} events", timeout=WAIT)
    sent, reruns = after_report(page, frame, lambda: pan_by(frame, 100, 0))
    assert sent and reruns, "with the view switch on, a move did not rerun the page"
    in_view = len(filter_events(events, EventFilter(bounds=tuple(frame.evaluate(BOUNDS_JS)))))
    expect(count_line(page)).to_have_text(f"{in_view} of {len(events)} events", timeout=WAIT)
    assert outside == []
