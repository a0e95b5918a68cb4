"""Regions on the map in headless Chromium: drawn when chosen or zoomed in, a click filters by one."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from borderstates.core.filters import EventFilter
from borderstates.render.fills import REGION_ZOOM
from tests.browser.driver import (
    WAIT,
    after_rerun,
    click_map,
    count_line,
    map_frame,
    map_quiet,
    screenshot,
    set_view,
    settle,
)
from tests.conftest import ROOT
from tests.oracle import filter_events

pytestmark = pytest.mark.browser

SCREENSHOT = ROOT / "docs" / "regions.png"

# The regions drawn (their features carry ISO 3166-2 ids), and how many states' shapes show a fill.
REGIONS_JS = """() => { let n = 0; window.map.eachLayer(l => {
    const p = l.feature && l.feature.properties;
    if (p && p.region === l.feature.id && p.iso_a3) n += 1; }); return n; }"""
FILLED_STATES_JS = """() => { let n = 0; window.map.eachLayer(l => {
    const state = l.feature && ["UKR", "GEO", "ARM", "AZE"].includes(l.feature.id);
    if (state && l.options.fillOpacity > 0) n += 1; }); return n; }"""


def test_regions_show_from_the_zoom_past_the_states_view(server, new_page, outside):
    page = new_page(server)
    frame = map_frame(page)
    set_view(frame, 42.0, 43.6, REGION_ZOOM - 1)
    map_quiet(frame)
    assert frame.evaluate(REGIONS_JS) == 0 and frame.evaluate(FILLED_STATES_JS) == 4
    set_view(frame, 42.0, 43.6, REGION_ZOOM)
    frame.wait_for_function(f"() => ({REGIONS_JS})() > 100", timeout=WAIT)  # fetched once, then drawn
    assert frame.evaluate(FILLED_STATES_JS) == 0  # the regions' fill takes the states' place
    expect(frame.locator(".bs-legend")).to_contain_text(
        f"Filtered events per state (regions from zoom {REGION_ZOOM})"
    )
    assert outside == []


def test_regions_fill_the_map_when_chosen_and_a_click_filters_by_one(server, new_page, outside, events):
    page = new_page(f"{server}/?by=region")
    frame = map_frame(page)
    frame.wait_for_function(f"() => ({REGIONS_JS})() > 100", timeout=WAIT)
    expect(frame.locator(".bs-legend")).to_contain_text("Filtered events per region")
    settle(page)
    screenshot(page, SCREENSHOT)  # the README's picture of the regions and the place names
    set_view(frame, 42.0, 43.6, 7)
    settle(page)
    after_rerun(page, lambda: click_map(page, frame, 42.3, 42.4))  # Imereti, western Georgia
    expect(page).to_have_url(re.compile(re.escape("region=GE-IM")), timeout=WAIT)
    shown = len(filter_events(events, EventFilter(regions=("GE-IM",))))
    expect(count_line(page)).to_have_text(f"{shown} of {len(events)} events", timeout=WAIT)
    expect(page.get_by_test_id("stMultiSelect").filter(has_text="Region")).to_contain_text("GE-IM")
    assert outside == []
