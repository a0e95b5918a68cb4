"""Driving the dashboard in the browser: the map's frame, Leaflet's state, clicks, reruns."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import APP_READY, MAP_FRAME

WAIT = 20_000  # ms for a rerun to show

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
# Counts the page's script runs from now on: stApp's state attribute turns to "running".
COUNT_RUNS_JS = """() => { window.__runs = 0; const app = document.querySelector("[data-testid='stApp']");
    new MutationObserver(() => {
        if (app.getAttribute("data-test-script-state") === "running") window.__runs += 1;
    }).observe(app, {attributes: true, attributeFilter: ["data-test-script-state"]}); }"""


def map_frame(page):
    """The map's frame, once Leaflet is up in it (it is a new frame after the map remounts)."""
    page.frame_locator(MAP_FRAME).locator(".leaflet-container").wait_for(timeout=WAIT)
    frame = page.locator(MAP_FRAME).element_handle().content_frame()
    frame.wait_for_function("() => window.map && window.map.getZoom() !== undefined")
    return frame


def click_map(page, frame, lat: float, lng: float) -> None:
    """Click the map at a point, as a reader would (Playwright's own click aims at an element's centre)."""
    box = page.locator(MAP_FRAME).bounding_box()
    x, y = frame.evaluate(POINT_JS, [lat, lng])
    page.mouse.click(box["x"] + x, box["y"] + y)


def count_line(page):
    return page.get_by_test_id("stSidebar").get_by_text(re.compile(r"^\d+ of \d+ events$"))


def settle(page):
    """Wait for the page's script to finish, and give Leaflet time to finish its animations."""
    page.wait_for_selector(APP_READY, timeout=WAIT)
    page.wait_for_timeout(600)


def after_rerun(page, action) -> None:
    """Do something that reruns the page's script, and wait until that run has finished."""
    page.evaluate(COUNT_RUNS_JS)
    action()
    page.wait_for_function("() => window.__runs > 0", timeout=WAIT)
    settle(page)
    expect(page.locator(MAP_FRAME)).to_have_count(1, timeout=WAIT)  # a remounted map replaced the old


def choose(page, label: str, option: str) -> None:
    box = page.get_by_test_id("stMultiSelect").filter(has_text=label)
    box.locator("input").click()
    page.keyboard.type(option)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
