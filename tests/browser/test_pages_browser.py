"""The analysis pages in headless Chromium: they open offline, their charts draw, the filter travels."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import quote_plus

import pytest
from playwright.sync_api import expect

from borderstates.app import sidebar
from borderstates.core.filters import EventFilter
from tests.browser.driver import WAIT, after_rerun, choose, count_line, map_frame, settle
from tests.oracle import filter_events

pytestmark = pytest.mark.browser

PATHS = {label: "/" + script.removeprefix("pages/")[2:-3] for script, label, _ in sidebar.PAGES[1:]}
CHART = "[data-testid='stVegaLiteChart']"


def go_to(page, label: str) -> None:
    """Follow the sidebar's link to a page, as a reader would; wait until that page's run is over."""
    after_rerun(page, page.get_by_test_id("stSidebar").get_by_role("link", name=label, exact=True).click)
    page.wait_for_url(re.compile(rf"/{PATHS.get(label, '').strip('/')}(\?|$)"), timeout=WAIT)


def test_every_page_opens_offline_and_its_charts_draw(server, new_page, outside, events):
    page = new_page(f"{server}{PATHS['Events']}", with_map=False)
    for label, path in PATHS.items():
        if label != "Events":
            go_to(page, label)
        assert page.url.split("?")[0].endswith(path)
        expect(page.get_by_role("heading", level=1)).to_have_text(label)
        expect(count_line(page)).to_have_text(f"{len(events)} of {len(events)} events")
        assert page.get_by_test_id("stException").count() == 0
        if label == "Timeline":  # the bars, the neutral row and the band of spans
            expect(page.locator(CHART)).to_have_count(3, timeout=WAIT)
            for chart in page.locator(CHART).all():
                # The bars' marks, not the brush's (empty until the reader drags across the chart).
                bars = chart.locator("svg g.mark-rect.role-mark:not([class*='_brush']) path")
                expect(bars.first).to_be_visible(timeout=WAIT)
        if label == "Actors":  # matrix cells, network nodes (one per actor shown) and edges
            expect(page.locator(f"{CHART} svg g.mark-rect path").first).to_be_visible(timeout=WAIT)
            expect(page.locator(f"{CHART} svg g.mark-symbol.role-mark path")).to_have_count(15)
            edges = f"{CHART} svg g.mark-rule line"
            page.wait_for_function(f"() => document.querySelectorAll(`{edges}`).length > 3")
    assert outside == []


def test_the_filter_survives_map_to_page_to_map(server, new_page, outside, events):
    page = new_page(f"{server}/?relation=military&relation=security")
    military = filter_events(events, EventFilter(relations=("military", "security")))
    expect(count_line(page)).to_have_text(f"{len(military)} of {len(events)} events")
    go_to(page, "Timeline")
    expect(count_line(page)).to_have_text(f"{len(military)} of {len(events)} events")
    expect(page).to_have_url(re.compile(re.escape("relation=military&relation=security")), timeout=WAIT)
    choose(page, "Country where it happened", "UKR")
    both = filter_events(events, EventFilter(relations=("military", "security"), countries=("UKR",)))
    expect(count_line(page)).to_have_text(f"{len(both)} of {len(events)} events", timeout=WAIT)
    go_to(page, "Map")
    map_frame(page)
    settle(page)  # the map and its layers drawn
    expect(count_line(page)).to_have_text(f"{len(both)} of {len(events)} events")
    expect(page).to_have_url(re.compile(r"/\?.*relation=military&relation=security.*country=UKR"))
    expect(page.get_by_test_id("stMultiSelect").filter(has_text="Country")).to_contain_text("UKR")
    after_rerun(page, page.go_back)  # the browser's history holds the timeline with the same filter
    expect(page).to_have_url(re.compile(rf"{PATHS['Timeline']}\?"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Timeline")
    expect(count_line(page)).to_have_text(f"{len(both)} of {len(events)} events")
    assert outside == []


def test_an_event_id_on_a_page_opens_the_map_on_that_event(server, new_page, outside, events):
    page = new_page(f"{server}{PATHS['Timeline']}?country=RUS", with_map=False)
    first = page.locator("a.bs-event").first  # the oldest event in Russia: the 2022 declaration
    expect(first).to_have_text("BS-0020")
    first.click()
    page.wait_for_url(re.compile(r"/\?event=BS-0020&country=RUS$"), timeout=WAIT)
    declaration = events.set_index("event_id").loc["BS-0020"]
    expect(page.locator(".bs-passage")).to_contain_text(declaration.excerpt[:60], timeout=WAIT)
    map_frame(page)
    in_russia = filter_events(events, EventFilter(countries=("RUS",)))
    expect(count_line(page)).to_have_text(f"{len(in_russia)} of {len(events)} events")
    assert outside == []


def test_clicking_an_actor_applies_it_as_the_actor_filter(server, new_page, outside, events):
    page = new_page(f"{server}{PATHS['Actors']}", with_map=False)
    nodes = page.locator(f"{CHART} svg g.mark-symbol.role-mark path")
    expect(nodes).to_have_count(15, timeout=WAIT)
    nodes.first.click()  # the actor with the most events, at the top of the circle
    # An actor counts an event once, on either side; ties go by name (relations.actor_events).
    per_actor = Counter(a for e in events.itertuples() for a in {e.actor1, e.actor2} if a.strip())
    top = min(per_actor, key=lambda actor: (-per_actor[actor], actor))
    acting = filter_events(events, EventFilter(actors=(top,)))
    expect(count_line(page)).to_have_text(f"{len(acting)} of {len(events)} events", timeout=WAIT)
    expect(page).to_have_url(re.compile(re.escape("actor=" + quote_plus(top))), timeout=WAIT)
    expect(page.get_by_test_id("stMultiSelect").filter(has_text="Actor")).to_contain_text(top)
    assert outside == []


def test_choosing_a_row_shows_its_passage(server, new_page, outside, events):
    page = new_page(f"{server}{PATHS['Events']}?relation=sanctions", with_map=False)
    grid = page.get_by_test_id("stDataFrame")
    expect(grid).to_be_visible()
    settle(page)  # nothing above the grid moves it any more
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 16, box["y"] + 35 + 17)  # the first row's selection box
    sanctions = events.set_index("event_id").loc["BS-0018"]
    expect(page.locator(".bs-passage")).to_contain_text(sanctions.excerpt[:60], timeout=WAIT)
    expect(page.locator("a.bs-event")).to_have_attribute("href", "./?event=BS-0018&relation=sanctions")
    assert outside == []
