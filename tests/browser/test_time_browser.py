"""The time axis in headless Chromium: a brush sets the dates, a double click clears them."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from borderstates.app.timeaxis import HISTOGRAM
from borderstates.core.filters import EventFilter
from tests.browser.driver import WAIT, after_rerun, count_line, settle
from tests.oracle import filter_events

pytestmark = pytest.mark.browser

PLOT = f".st-key-{HISTOGRAM} svg path.background"  # the histogram's plot area


def brush(page, start: float, end: float) -> None:
    """Drag across the histogram's plot area from one share of its width to another, as a reader does."""
    plot = page.locator(PLOT).first
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
    page = new_page(f"{server}/?relation=diplomatic&relation=energy")
    chosen = EventFilter(relations=("diplomatic", "energy"))
    expect(count_line(page)).to_have_text(f"{len(filter_events(events, chosen))} of {len(events)} events")
    expect(page.locator(PLOT)).not_to_have_count(0)
    after_rerun(page, lambda: brush(page, 0.55, 0.9))
    expect(page).to_have_url(re.compile(r"from=\d{4}-\d\d-\d\d&to=\d{4}-\d\d-\d\d"), timeout=WAIT)
    first, last = url_dates(page)
    assert first < last
    brushed = EventFilter(relations=chosen.relations, date_from=first, date_to=last)
    expected = len(filter_events(events, brushed))
    assert 0 < expected < len(filter_events(events, chosen))  # the brush narrowed what is shown
    expect(count_line(page)).to_have_text(f"{expected} of {len(events)} events")
    from_box = page.get_by_test_id("stDateInput").filter(has_text="From").locator("input")
    expect(from_box).to_have_value(first.isoformat())  # the sidebar's box holds the brushed day
    assert "relation=diplomatic&relation=energy" in page.url  # the other filters stay
    plot = page.locator(PLOT).first
    box = plot.bounding_box()
    after_rerun(
        page, lambda: page.mouse.dblclick(box["x"] + box["width"] * 0.7, box["y"] + box["height"] / 2)
    )
    expect(page).not_to_have_url(re.compile(r"[?&](from|to)="), timeout=WAIT)
    expect(count_line(page)).to_have_text(f"{len(filter_events(events, chosen))} of {len(events)} events")
    assert outside == []
