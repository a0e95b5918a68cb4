"""Accessibility in headless Chromium: axe-core finds no WCAG 2.1 A/AA violation; the map works by keyboard.

axe-core is vendored for these tests only (`vendor/axe-core/`, see its README): the app never
serves it. It is injected into each page after its script has run and its content is drawn, and
into the map's frame, which is part of the map page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from borderstates.core.filters import EventFilter
from borderstates.render import charts
from tests.browser.conftest import APP_READY
from tests.browser.driver import MARKERS_JS, VIEW_JS, WAIT, count_line, map_frame
from tests.oracle import filter_events

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# `iframes: false`: the map's frame gets its own run (axe would otherwise wait for a copy of
# itself in every frame), so a failure says which document it is in.
AXE_RUN_JS = """async (tags) => {
    const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, iframes: false});
    const why = (n) => (n.failureSummary || "").split("\\n").slice(1).map(s => s.trim()).join(" ");
    return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html.slice(0, 120), why: why(n)}))}));
}"""
TARGETS_SHOWN = 3
# Of each chart with the time axis's brush (`charts.BRUSH`), every mark that is in the
# accessibility tree: (is it one of the brush's own two, the names of its items).
BRUSH_CHART_MARKS_JS = """(brush) => [...document.querySelectorAll(`g.role-mark.${brush}_brush_bg`)].map(
    (bg) => [...bg.parentElement.children]
        .filter((m) => m.classList.contains("role-mark") && m.getAttribute("aria-hidden") !== "true")
        .map((m) => [
            m.classList.contains(`${brush}_brush_bg`) || m.classList.contains(`${brush}_brush`),
            [...new Set([...m.children].map((item) => item.getAttribute("aria-label")))],
        ]))"""
CHART = "[data-testid='stVegaLiteChart']"
TABLE = "[data-testid='stDataFrame']"
# What each page shows once it is drawn, as (path, selector, how many at least).
PAGES = {
    "Events": ("/Events", [(TABLE, 1)]),
    "Timeline": ("/Timeline", [(f"{CHART} svg g.mark-rect path", 3), (".bs-chronicle li", 1)]),
    "Actors": (
        "/Actors",
        [
            (f"{CHART} svg g.mark-rect path", 1),
            (f"{CHART} svg g.mark-symbol.role-mark path", 15),
            (f"{CHART} svg g.mark-rule line", 4),
        ],
    ),
    "Articles": ("/Articles", [(".bs-article", 1)]),
    "Data quality": ("/Data_quality", [(TABLE, 2)]),
}
# Keyboard-ready layers of the map (mapcontrols.KeyboardAccess), and the element that has the focus.
FOCUSABLE = ".bs-focusable[role='button'][tabindex='0']"
ACTIVE_LABEL_JS = "() => document.activeElement && document.activeElement.getAttribute('aria-label')"
# The map's zoom once its animation is over (Leaflet ignores a new zoom while one is animated).
ZOOMED_JS = """() => window.map.getPane("mapPane").classList.contains("leaflet-zoom-anim")
    ? null : window.map.getZoom()"""


def axe_violations(target) -> list[dict]:
    """Inject axe into a page or frame and return its WCAG 2.1 A/AA violations."""
    target.add_script_tag(path=str(AXE))
    return target.evaluate(AXE_RUN_JS, WCAG)


def assert_the_brush_is_named(page, charts_with_brush: int) -> None:
    """The brush's two marks have the brush's name, and the chart's own marks names of their own."""
    found = page.evaluate(BRUSH_CHART_MARKS_JS, charts.BRUSH)
    assert len(found) == charts_with_brush, found
    for marks in found:
        assert [names for brush, names in marks if brush] == [[charts.BRUSH_NAME]] * 2, marks
        bars = [name for brush, names in marks if not brush for name in names]
        assert bars and charts.BRUSH_NAME not in bars and None not in bars, marks


def describe(violations: list[dict]) -> str:
    """Each violated rule (id, impact, how many elements, what it asks), then its first elements."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])} elements): {v['help']}")
        lines += [f"  {n['html']}\n    at {n['target']}\n    {n['why']}" for n in v["nodes"][:TARGETS_SHOWN]]
    return "\n".join(lines)


def drawn_map(page, markers: int):
    """The map's frame once everything is drawn: markers, neighbours, and their keyboard access."""
    frame = map_frame(page)
    frame.wait_for_function(f"() => ({MARKERS_JS})() === {markers}", timeout=WAIT)
    # The neighbouring states arrive on their own, fetched from the app's static files.
    frame.wait_for_function("() => document.querySelectorAll('path').length > 50", timeout=WAIT)
    expect(frame.locator(FOCUSABLE).first).to_be_attached(timeout=WAIT)
    return frame


@pytest.mark.parametrize(
    ("query", "relations"),
    [("", ()), ("?event=BS-0008&relation=military", ("military",))],
    ids=["map", "map-passage-filter"],
)
def test_the_map_and_its_frame_have_no_axe_violations(server, new_page, outside, events, query, relations):
    page = new_page(f"{server}/{query}")
    frame = drawn_map(page, len(filter_events(events, EventFilter(relations=relations))))
    if query:  # the passage beside the map, and a chosen value in the sidebar
        expect(page.locator(".bs-passage")).to_be_visible(timeout=WAIT)
        expect(page.get_by_test_id("stMultiSelect").filter(has_text="Relation type")).to_contain_text(
            "military"
        )
    else:
        expect(page.locator(".bs-excerpts li").first).to_be_visible(timeout=WAIT)
    found = axe_violations(page)
    assert not found, f"axe on the map page:\n{describe(found)}"
    assert_the_brush_is_named(page, 1)  # the time histogram below the map
    found = axe_violations(frame)
    assert not found, f"axe in the map's frame:\n{describe(found)}"
    assert outside == []


@pytest.mark.parametrize("label", PAGES)
def test_every_page_has_no_axe_violations(server, new_page, outside, events, label):
    path, landmarks = PAGES[label]
    page = new_page(f"{server}{path}", with_map=False)
    expect(page.get_by_role("heading", level=1)).to_have_text(label)
    expect(count_line(page)).to_have_text(f"{len(events)} of {len(events)} events")
    for selector, least in landmarks:
        page.wait_for_function(
            "([selector, least]) => document.querySelectorAll(selector).length >= least",
            arg=[selector, least],
            timeout=WAIT,
        )
    found = axe_violations(page)
    assert not found, f"axe on the {label} page:\n{describe(found)}"
    assert_the_brush_is_named(page, 1 if label == "Timeline" else 0)
    assert outside == []


def test_tab_reaches_every_marker_cluster_and_state_and_arrows_pan(server, new_page, outside, events):
    page = new_page(server)
    frame = drawn_map(page, len(events))
    buttons = frame.locator(FOCUSABLE)
    labels = set(buttons.evaluate_all("els => els.map(e => e.getAttribute('aria-label'))"))
    assert {"UKR", "GEO", "ARM", "AZE"} <= {label.split(" ")[0] for label in labels}
    assert any(label.startswith("BS-") for label in labels)  # single markers
    assert any("grouped here" in label for label in labels)  # clusters
    container = frame.locator(".leaflet-container")
    container.focus()
    reached = set()
    for _ in labels:
        page.keyboard.press("Tab")
        reached.add(frame.evaluate(ACTIVE_LABEL_JS))
    assert labels <= reached, labels - reached
    # Back on the map itself, the arrow keys pan it (Leaflet's keyboard option).
    container.focus()
    _, lng, _ = frame.evaluate(VIEW_JS)
    page.keyboard.press("ArrowRight")
    frame.wait_for_function(f"() => window.map.getCenter().lng > {lng} + 0.1", timeout=WAIT)
    assert outside == []


def test_enter_on_a_marker_opens_its_passage_beside_the_map(server, new_page, outside, events):
    page = new_page(server)
    frame = drawn_map(page, len(events))
    kyiv = events.set_index("event_id").loc["BS-0008"]
    marker = frame.get_by_role("button", name=re.compile(r"^BS-0008 · "))
    marker.focus()
    assert frame.evaluate(ACTIVE_LABEL_JS).startswith("BS-0008 · ")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]event=BS-0008(&|$)"), timeout=WAIT)
    passage = page.locator(".bs-passage")
    expect(passage).to_contain_text(kyiv.excerpt[:60], timeout=WAIT)
    expect(passage).to_contain_text(kyiv.excerpt_en[:60])
    expect(frame.locator(".leaflet-popup")).to_contain_text(kyiv.excerpt[:40])  # as a click opens it
    assert outside == []


def test_space_on_a_state_toggles_the_country_filter_and_keeps_the_focus(server, new_page, outside, events):
    page = new_page(server)
    frame = drawn_map(page, len(events))
    georgia = frame.get_by_role("button", name=re.compile(r"^GEO · "))
    georgia.focus()
    page.keyboard.press(" ")
    expect(page).to_have_url(re.compile(r"[?&]country=GEO(&|$)"), timeout=WAIT)
    in_georgia = len(filter_events(events, EventFilter(countries=("GEO",))))
    expect(count_line(page)).to_have_text(f"{in_georgia} of {len(events)} events", timeout=WAIT)
    page.wait_for_selector(APP_READY, timeout=WAIT)
    # The rerun redraws the states (Georgia outlined as chosen); the focus stays on Georgia.
    frame.wait_for_function(f"() => ({ACTIVE_LABEL_JS})()?.startsWith('GEO · ')", timeout=WAIT)
    page.keyboard.press("Enter")  # and a second press takes the filter off again
    expect(page).not_to_have_url(re.compile(r"country=GEO"), timeout=WAIT)
    expect(count_line(page)).to_have_text(f"{len(events)} of {len(events)} events", timeout=WAIT)
    assert outside == []


def test_enter_on_a_cluster_opens_it_and_its_markers_open_by_keyboard(server, new_page, outside, events):
    page = new_page(server)
    frame = drawn_map(page, len(events))
    # The most events on one spot (in the shipped data, Baku): like a click, Enter spreads them out.
    spot = events.groupby(["latitude", "longitude"]).size().idxmax()
    baku = events[(events["latitude"] == spot[0]) & (events["longitude"] == spot[1])]
    cluster = frame.get_by_role("button", name=f"{len(baku)} events grouped here: press Enter to zoom in")
    cluster.focus()
    page.keyboard.press("Enter")
    # The focus moves on to the first of its markers, and each of them is a button of its own.
    frame.wait_for_function(f"() => /^BS-\\d+ · /.test(({ACTIVE_LABEL_JS})())", timeout=WAIT)
    for event_id in baku["event_id"]:
        expect(frame.get_by_role("button", name=re.compile(f"^{event_id} · "))).to_have_count(1)
    first = frame.evaluate(ACTIVE_LABEL_JS).split(" ")[0]
    assert first in set(baku["event_id"])
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"[?&]event={first}(&|$)"), timeout=WAIT)
    excerpt = events.set_index("event_id").loc[first].excerpt
    expect(page.locator(".bs-passage")).to_contain_text(excerpt[:60], timeout=WAIT)
    assert outside == []


def test_minus_zooms_out_and_enter_on_a_cluster_zooms_in_to_it(server, new_page, outside, events):
    page = new_page(server)
    frame = drawn_map(page, len(events))
    container = frame.locator(".leaflet-container")
    container.focus()
    _, _, zoom = frame.evaluate(VIEW_JS)
    for out in (1, 2):  # far enough out for the Caucasus' three clusters to merge into one
        page.keyboard.press("-")
        frame.wait_for_function(f"([zoom]) => ({ZOOMED_JS})() === zoom", arg=[zoom - out], timeout=WAIT)
    caucasus = events[events["latitude"].between(38, 43) & events["longitude"].between(40, 51)]
    merged = frame.get_by_role("button", name=f"{len(caucasus)} events grouped here: press Enter to zoom in")
    merged.focus()
    page.keyboard.press("Enter")
    frame.wait_for_function(f"() => window.map.getZoom() > {zoom - 2}", timeout=WAIT)
    # The cluster is gone with the zoom: the focus is back on the map, for Tab to go on from.
    frame.wait_for_function("() => document.activeElement.classList.contains('leaflet-container')")
    assert outside == []
