"""The time axis in headless Chromium: the histogram's brush and the map's playback set the dates."""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest
from playwright.sync_api import expect

from borderstates.app.timeaxis import HISTOGRAM
from borderstates.core.filters import EventFilter
from borderstates.core.load import load_dataset
from tests.browser.conftest import streamlit_server
from tests.browser.driver import WAIT, after_rerun, count_line, map_frame, screenshot, settle
from tests.conftest import ROOT
from tests.oracle import filter_events
from tools.synthetic import write_synthetic_dataset

pytestmark = pytest.mark.browser

PLOT = f".st-key-{HISTOGRAM} svg path.background"  # the histogram's plot area
SCREENSHOT = ROOT / "docs" / "time.png"  # the README's picture of the time axis


def brush(page, start: float, end: float, plot_area: str = PLOT) -> None:
    """Drag across a chart's plot area from one share of its width to another, as a reader does."""
    plot = page.locator(plot_area).first
    plot.scroll_into_view_if_needed()
    settle(page)  # nothing above the chart moves it any more
    box = plot.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * start, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * (start + end) / 2, y, steps=4)
    page.mouse.move(box["x"] + box["width"] * end, y, steps=4)
    page.mouse.up()


def url_dates(page) -> tuple[dt.date | None, dt.date | None]:
    query = parse_qs(urlparse(page.url).query)
    return tuple(dt.date.fromisoformat(query[k][-1]) if k in query else None for k in ("from", "to"))


def test_brushing_the_histogram_sets_from_and_to_and_a_double_click_clears_them(
    server, new_page, outside, events
):
    page = new_page(f"{server}/?unit=month")
    chosen = EventFilter()
    expect(count_line(page)).to_have_text(f"{len(filter_events(events, chosen))} of {len(events)} events")
    expect(page.locator(PLOT)).not_to_have_count(0)
    after_rerun(page, lambda: brush(page, 0.55, 0.9))
    expect(page).to_have_url(re.compile(r"from=\d{4}-\d\d-\d\d&to=\d{4}-\d\d-\d\d"), timeout=WAIT)
    first, last = url_dates(page)
    assert first < last
    brushed = EventFilter(date_from=first, date_to=last)
    expected = len(filter_events(events, brushed))
    assert 0 < expected < len(filter_events(events, chosen))  # the brush narrowed what is shown
    expect(count_line(page)).to_have_text(f"{expected} of {len(events)} events")
    from_box = page.get_by_test_id("stDateInput").filter(has_text="From").locator("input")
    expect(from_box).to_have_value(first.isoformat())  # the sidebar's box holds the brushed day
    assert "unit=month" in page.url  # the histogram's unit stays
    page.set_viewport_size({"width": 1500, "height": 1450})  # the map and the histogram below it
    page.get_by_role("heading", level=1).scroll_into_view_if_needed()
    settle(page)
    screenshot(page, SCREENSHOT)
    plot = page.locator(PLOT).first
    box = plot.bounding_box()
    after_rerun(
        page, lambda: page.mouse.dblclick(box["x"] + box["width"] * 0.7, box["y"] + box["height"] / 2)
    )
    expect(page).not_to_have_url(re.compile(r"[?&](from|to)="), timeout=WAIT)
    expect(count_line(page)).to_have_text(f"{len(filter_events(events, chosen))} of {len(events)} events")
    assert outside == []


def test_brushing_the_timeline_sets_from_and_to(server, new_page, outside, events):
    page = new_page(f"{server}/Timeline", with_map=False)
    bars = ".st-key-timeline_bars svg path.background"
    expect(page.locator(bars)).not_to_have_count(0)
    after_rerun(page, lambda: brush(page, 0.6, 0.95, bars))
    expect(page).to_have_url(re.compile(r"/Timeline\?from=\d{4}-\d\d-\d\d&to=\d{4}-\d\d-\d\d"), timeout=WAIT)
    first, last = url_dates(page)
    expected = len(filter_events(events, EventFilter(date_from=first, date_to=last)))
    assert 0 < expected < len(events)
    expect(count_line(page)).to_have_text(f"{expected} of {len(events)} events")
    assert outside == []


# Browsers from UTC to UTC+14: Kamchatka is UTC+12, where rounding to local midnights was a
# day off, and Kiritimati the first place of a new day.
@pytest.mark.parametrize("zone", ["UTC", "Asia/Kamchatka", "Pacific/Kiritimati", "America/Los_Angeles"])
def test_a_brush_sets_the_same_days_in_every_time_zone(server, new_page, outside, zone):
    # The security events fall on 27 and 30 June 2025: a day's bars, four days across the axis.
    page = new_page(f"{server}/?relation=security&unit=day", timezone_id=zone)
    expect(page.locator(PLOT)).not_to_have_count(0)
    labels = page.locator(f".st-key-{HISTOGRAM} svg [aria-label]").evaluate_all(
        "nodes => nodes.map(n => n.getAttribute('aria-label')).join(' ')"
    )
    assert set(re.findall(r"(\d{4}-\d\d-\d\d); security", labels)) == {"2025-06-27", "2025-06-30"}
    # From two hours before the start of 28 June to two hours before the start of 30 June: the
    # nearest midnights are those that start the 28th and the 30th, wherever the reader is.
    before = 2 / 24 / 4  # two hours, as a share of the four days
    after_rerun(page, lambda: brush(page, 0.25 - before, 0.75 - before))
    expect(page).to_have_url(re.compile(r"from=\d{4}-\d\d-\d\d&to=\d{4}-\d\d-\d\d"), timeout=WAIT)
    assert url_dates(page) == (dt.date(2025, 6, 28), dt.date(2025, 6, 29))
    assert outside == []


# The ids of the markers the map draws now (those playback leaves in the clusters).
SHOWN_IDS_JS = """() => { const ids = []; window.map.eachLayer(l => {
    if (L.MarkerClusterGroup && l instanceof L.MarkerClusterGroup)
        l.getLayers().forEach(m => ids.push(m.feature.id)); });
    return ids.sort(); }"""


def test_playback_of_a_week_draws_the_events_overlapping_it_and_applies_it(server, new_page, outside, events):
    page = new_page(server)
    frame = map_frame(page)
    control = open_playback(frame)
    expect(control.locator(".bs-playback-window")).to_have_text("Playback: off")
    choose_window(page, control, "week")
    day = control.get_by_label("Go to the window of a day")
    day.fill("2025-06-27")  # a Friday: the week of Monday 23 June, the raid in Yekaterinburg
    day.dispatch_event("change")
    monday, sunday = dt.date(2025, 6, 23), dt.date(2025, 6, 29)
    week = filter_events(events, EventFilter(date_from=monday, date_to=sunday))
    assert 0 < len(week) < len(events)
    expect(control.locator(".bs-playback-window")).to_have_text(
        f"2025-06-23 – 2025-06-29 · {len(week)} events"
    )
    frame.wait_for_function(f"() => ({SHOWN_IDS_JS})().length === {len(week)}")
    assert frame.evaluate(SHOWN_IDS_JS) == sorted(week["event_id"])
    # The states say, and are filled by, their events in the window.
    placed = week["located_in"].astype(str).value_counts()
    said = frame.evaluate(STATE_WINDOW_JS)
    assert said == {code: int(placed.get(code, 0)) for code in ("ARM", "AZE", "GEO", "UKR")}
    fills = frame.evaluate(WINDOW_FILLS_JS)  # the legend's classes, as the page sent them
    expected = {
        code: fills["zero"] if n == 0 else fills["colours"][sum(low <= n for low in fills["lows"]) - 1]
        for code, n in said.items()
    }
    assert frame.evaluate(STATE_FILLS_JS) == expected  # each state is filled by its window's count
    assert len(set(expected.values())) > 1
    after_rerun(page, lambda: control.get_by_role("button", name="Use this window as From and To").click())
    expect(page).to_have_url(re.compile(r"from=2025-06-23&to=2025-06-29"), timeout=WAIT)
    expect(count_line(page)).to_have_text(f"{len(week)} of {len(events)} events")
    assert outside == []


# Each focus state's count of events in the playback's window, as its tooltip says it.
STATE_WINDOW_JS = """() => { const said = {}; window.map.eachLayer(l => {
    const f = l.feature;
    if (f && f.properties && f.properties.fill !== undefined) {
        const m = /([0-9,]+) events? in this window/.exec(l.getTooltip().getContent());
        said[f.id] = m ? parseInt(m[1].replace(/,/g, ""), 10) : null; } });
    return said; }"""
WINDOW_FILLS_JS = """() => { let fills = null; window.map.eachLayer(l => {
    if (l._bsWindows) fills = l._bsWindows.fills; }); return fills; }"""
STATE_FILLS_JS = """() => { const fills = {}; window.map.eachLayer(l => {
    const f = l.feature;
    if (f && f.properties && f.properties.fill !== undefined) fills[f.id] = l.options.fillColor; });
    return fills; }"""


def open_playback(frame):
    """The playback control, unfolded: at the map's first view it is one button."""
    control = frame.locator(".bs-playback")
    expect(control.locator(".bs-playback-panel")).to_be_hidden()
    control.get_by_role("button", name=re.compile(r"^Playback: show the control")).click()
    expect(control.get_by_role("button", name="Play the events through time")).to_be_focused()
    return control


def choose_window(page, control, unit: str) -> None:
    """Choose the playback's window: the page reruns with that unit, and keeps it in the link."""
    after_rerun(page, lambda: control.get_by_label("Window", exact=True).select_option(unit))
    expect(page).to_have_url(re.compile(rf"unit={unit}"), timeout=WAIT)
    expect(control.get_by_label("Window", exact=True)).to_have_value(unit)


def shows(frame, control, label: str, expected) -> None:
    """Wait until the control names the window `label` and the map draws exactly the `expected` events."""
    ids = sorted(expected["event_id"])
    expect(control.locator(".bs-playback-window")).to_have_text(f"{label} · {len(ids)} events")
    wanted = json.dumps(ids, separators=(",", ":"))  # as JSON.stringify writes it
    frame.wait_for_function(f"() => JSON.stringify(({SHOWN_IDS_JS})()) === {json.dumps(wanted)}")


def test_playback_steps_across_month_ends_moving_and_cumulative(server, new_page, outside, events):
    page = new_page(server)
    frame = map_frame(page)
    control = open_playback(frame)
    choose_window(page, control, "month")
    day = control.get_by_label("Go to the window of a day")
    day.fill("2024-01-15")
    day.dispatch_event("change")
    # BS-0015 is dated 22 February 2024: it shows in February only.
    months = [("2024-01-01", "2024-01-31"), ("2024-02-01", "2024-02-29"), ("2024-03-01", "2024-03-31")]
    for first, last in months:
        window = EventFilter(date_from=dt.date.fromisoformat(first), date_to=dt.date.fromisoformat(last))
        shows(frame, control, f"{first} – {last}", filter_events(events, window))
        assert ("BS-0015" in frame.evaluate(SHOWN_IDS_JS)) == (first == "2024-02-01")
        control.get_by_role("button", name="Step forward one window").click()
    control.get_by_role("button", name="Step back one window").click()  # back to March
    control.get_by_label("Moving or cumulative").select_option("cumulative")
    up_to_march = filter_events(events, EventFilter(date_to=dt.date(2024, 3, 31)))
    shows(frame, control, "Up to 2024-03-01 – 2024-03-31", up_to_march)
    assert "BS-0015" in frame.evaluate(SHOWN_IDS_JS)
    control.get_by_role("button", name="Stop: show every filtered event").click()
    expect(control.locator(".bs-playback-window")).to_have_text("Playback: off")
    frame.wait_for_function(f"() => ({SHOWN_IDS_JS})().length === {len(events)}")
    assert outside == []


# Every density cell drawn now, as [events it says it holds in the window].
CELL_COUNTS_JS = """() => { const counts = []; window.map.eachLayer(l => {
    if (l instanceof L.Rectangle && l.options.fillOpacity > 0)
        counts.push(parseInt(l.getTooltip().getContent().replace(/,/g, ""), 10)); });
    return counts; }"""


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    directory = write_synthetic_dataset(tmp_path_factory.mktemp("dense"), 1_500)  # above the marker limit
    with streamlit_server(directory) as served:
        yield served.url, load_dataset(directory).events


def test_playback_of_a_week_recolours_the_density_cells_by_its_events(synthetic, new_page, outside):
    url, events = synthetic
    page = new_page(url)
    frame = map_frame(page)
    frame.wait_for_function(f"() => ({CELL_COUNTS_JS})().length > 10")
    monday = events["date"].median().normalize() - pd.Timedelta(days=events["date"].median().day_of_week)
    first, last = monday.date(), (monday + pd.Timedelta(days=6)).date()
    week = filter_events(events, EventFilter(date_from=first, date_to=last))
    assert 0 < len(week) < len(events)
    control = open_playback(frame)
    choose_window(page, control, "week")
    day = control.get_by_label("Go to the window of a day")
    day.fill(first.isoformat())
    day.dispatch_event("change")
    expect(control.locator(".bs-playback-window")).to_have_text(f"{first} – {last} · {len(week)} events")
    frame.wait_for_function(f"() => ({CELL_COUNTS_JS})().reduce((a, b) => a + b, 0) === {len(week)}")
    assert 0 < len(frame.evaluate(CELL_COUNTS_JS)) <= len(week)
    assert outside == []
