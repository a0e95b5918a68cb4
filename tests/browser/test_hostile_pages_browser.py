"""Hostile text on every page, in a real browser: shown as text, never run, never a link.

The data directory of tests/hostile_data.py puts script payloads into every text field of the
events and articles, and `javascript:`/`data:` links into every article. Every page of the app
(the map and each `pages/*.py`, found on disk, so a new page is covered the day it is added)
is opened on it, and in every frame of the page nothing ran (`window.__pwned` unset, no
dialog), no element got an event handler or `srcdoc`, no link has another scheme than
http(s), and no Markdown or HTML of the data was rendered.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import expect
from streamlit.source_util import page_icon_and_name

from tests.browser.conftest import APP_READY, MAP_FRAME, new_context, streamlit_server
from tests.browser.driver import (
    OPEN_WAIT,
    WAIT,
    after_rerun,
    click_map,
    count_line,
    map_frame,
    settle,
    zoom_to_marker,
)
from tests.conftest import ROOT
from tests.hostile_data import BAD_URLS, HOSTILE_ID, PAYLOADS, dataset_name, hostile_text, write_hostile_dir

pytestmark = pytest.mark.browser

# Page name -> URL path: the map, then every page script as Streamlit names it.
PAGES = {"Map": ""} | {
    page_icon_and_name(script)[1]: page_icon_and_name(script)[1]
    for script in sorted((ROOT / "pages").glob("*.py"))
}
EVENT_COUNT = 4
# What each frame of a page holds that could show an attack got through.
INSPECT_JS = r"""() => ({
    pwned: window.__pwned === undefined ? null : String(window.__pwned),
    handlers: [...document.querySelectorAll("[onerror], [onload], [onmouseover], [srcdoc]")]
        .map(e => e.outerHTML.slice(0, 120)),
    links: [...document.querySelectorAll("a[href], area[href], iframe[src], form[action]")]
        .map(e => e.getAttribute("href") || e.getAttribute("src") || e.getAttribute("action"))
        .filter(u => /^\s*(javascript|data|vbscript):/i.test(u)),
    rendered: [...document.querySelectorAll("b, strong, em, a, span")]
        .filter(e => ["not bold", "not red", "link"].includes(e.textContent.trim()))
        .map(e => e.outerHTML.slice(0, 120)),
    text: document.body ? document.body.innerText : "",
})"""
# Every chart has drawn (Vega-Lite draws after the script has finished).
CHARTS_DRAWN_JS = """() => [...document.querySelectorAll("[data-testid='stVegaLiteChart']")]
    .every(chart => chart.querySelector("svg, canvas") !== null)"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    directory = write_hostile_dir(tmp_path_factory.mktemp("hostile-pages"))
    with streamlit_server(directory) as served:
        yield served.url


@pytest.fixture
def open_hostile(browser, outside):
    """Open a URL in a fresh context that records dialogs from the first byte on."""
    contexts = []

    def open_page(url: str):
        context = new_context(browser, outside)
        contexts.append(context)
        dialogs: list[str] = []
        context.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page = context.new_page()
        page.goto(url, timeout=OPEN_WAIT)
        page.wait_for_selector(APP_READY, timeout=OPEN_WAIT)
        settle(page)
        return page, dialogs

    yield open_page
    for context in contexts:
        context.close()


def assert_nothing_ran(page, dialogs: list[str]) -> str:
    """Check every frame of the page; return the text the page shows, frames included."""
    settle(page)  # the last rerun is over; the map, if any, is up and still
    page.wait_for_function(CHARTS_DRAWN_JS, timeout=WAIT)
    texts = []
    for frame in page.frames:
        if frame.is_detached():
            continue
        found = frame.evaluate(INSPECT_JS)
        where = frame.url
        assert found["pwned"] is None, f"a payload ran in {where}: {found['pwned']}"
        assert found["handlers"] == [], where
        assert found["links"] == [], where
        assert found["rendered"] == [], where
        texts.append(found["text"])
    assert dialogs == []
    assert page.get_by_test_id("stException").count() == 0
    return "\n".join(texts)


def assert_literal(text: str) -> None:
    """Where the page shows the data's text, it shows it character for character.

    Each line that shows a payload holds a whole field, or a part of one cut short with `…`.
    """
    fields = [f(n) for n in range(10) for f in (hostile_text, dataset_name)] + [*BAD_URLS, HOSTILE_ID]
    for line in (line.strip() for line in text.splitlines() if "__pwned" in line):
        whole = any(field in line for field in fields)
        cut = line.endswith("…") and any(line.removesuffix("…") in field for field in fields)
        assert whole or cut, line


def test_the_pages_found_on_disk_are_the_pages_in_the_sidebar(server, open_hostile):
    page, _ = open_hostile(f"{server}/")
    links = page.get_by_test_id("stSidebar").get_by_test_id("stPageLink-NavLink")
    expect(links).to_have_count(len(PAGES))
    hrefs = {(link.get_attribute("href") or "").split("?")[0].strip("./") for link in links.all()}
    assert hrefs == set(PAGES.values())


@pytest.mark.parametrize("name", PAGES)
def test_every_page_shows_hostile_text_and_runs_none_of_it(server, open_hostile, outside, name):
    page, dialogs = open_hostile(f"{server}/{PAGES[name]}")
    expect(count_line(page)).to_have_text(f"{EVENT_COUNT} of {EVENT_COUNT} events")
    assert_literal(assert_nothing_ran(page, dialogs))
    # The dataset filter offers hostile names as options: choosing one filters by it, runs nothing.
    box = page.get_by_test_id("stMultiSelect").filter(has_text="Dataset").locator("input")
    settle(page)  # a rerun still to come would empty the typed text
    box.click()
    page.keyboard.type("pwned")
    expect(page.get_by_role("option").filter(has_text=dataset_name(0))).to_have_text(dataset_name(0))
    # Chosen by keyboard: the whole name leaves one option, and Enter takes it once the list is
    # open (a closed list leaves its options on the page for a while, and takes no choice).
    box.fill(dataset_name(0))
    expect(page.get_by_role("option")).to_have_text([dataset_name(0)])
    expect(box).to_be_focused()
    expect(box).to_have_attribute("aria-expanded", "true")
    after_rerun(page, lambda: page.keyboard.press("Enter"))
    page.keyboard.press("Escape")
    expect(count_line(page)).to_have_text(f"1 of {EVENT_COUNT} events", timeout=WAIT)
    expect(page).to_have_url(re.compile(r"[?&]dataset="), timeout=WAIT)  # the URL follows the run
    assert_literal(assert_nothing_ran(page, dialogs))
    assert outside == []


def test_the_map_shows_the_passage_tooltip_and_popup_as_text(server, open_hostile, outside):
    page, dialogs = open_hostile(f"{server}/?event=T-1")
    expect(page.locator(".bs-passage h4")).to_have_text(hostile_text(0))
    expect(page.locator(".bs-passage blockquote").first).to_have_text(hostile_text(0))
    frame = map_frame(page)
    zoom_to_marker(page, frame, "T-1", 40.1776, 44.5126)  # Yerevan
    click_map(page, frame, 40.1776, 44.5126)  # shows the tooltip and opens the popup
    inside = page.frame_locator(MAP_FRAME)
    expect(inside.locator(".leaflet-popup-content")).to_contain_text(hostile_text(0), timeout=WAIT)
    expect(inside.locator(".leaflet-tooltip")).to_contain_text(PAYLOADS[0])
    assert_literal(assert_nothing_ran(page, dialogs))
    assert outside == []


def test_a_hostile_event_id_opens_its_passage_and_cites_no_bad_link(server, open_hostile, outside):
    page, dialogs = open_hostile(f"{server}/?event={quote(HOSTILE_ID, safe='')}")
    passage = page.locator(".bs-passage")
    expect(passage).to_contain_text(HOSTILE_ID)
    expect(passage.locator("li")).to_have_count(5)  # every article it cites, each without a link
    assert passage.locator("li a").count() == 0
    # Its one other link: the event of another dataset that reports it too (`T-1`), on this map.
    also = passage.locator(".bs-also a")
    assert passage.locator("a").count() == also.count() == 1
    assert also.get_attribute("href").startswith("./?event=T-1")
    assert_nothing_ran(page, dialogs)
    map_frame(page)
    assert_nothing_ran(page, dialogs)
    assert outside == []


@pytest.mark.skipif("Events" not in PAGES, reason="no Events page")
def test_choosing_a_hostile_row_shows_its_passage_as_text(server, open_hostile, outside):
    page, dialogs = open_hostile(f"{server}/{PAGES['Events']}")
    grid = page.get_by_test_id("stDataFrame")
    expect(grid).to_be_visible()
    settle(page)  # nothing above the grid moves it any more
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 16, box["y"] + 35 + 17)  # the first row's selection box
    expect(page.locator(".bs-passage h4")).to_have_count(1, timeout=WAIT)
    assert_literal(assert_nothing_ran(page, dialogs))
    assert any(page.locator(".bs-passage h4").inner_text() == hostile_text(n) for n in range(4))
    assert outside == []


@pytest.mark.skipif("Actors" not in PAGES, reason="no Actors page")
def test_clicking_a_hostile_actor_filters_by_it(server, open_hostile, outside):
    page, dialogs = open_hostile(f"{server}/{PAGES['Actors']}")
    nodes = page.locator("[data-testid='stVegaLiteChart'] svg g.mark-symbol.role-mark path")
    expect(nodes.first).to_be_visible(timeout=WAIT)
    nodes.first.click()
    expect(count_line(page)).not_to_have_text(f"{EVENT_COUNT} of {EVENT_COUNT} events", timeout=WAIT)
    expect(page).to_have_url(re.compile(r"[?&]actor="), timeout=WAIT)
    assert_nothing_ran(page, dialogs)
    assert outside == []


def test_url_values_in_a_notice_are_shown_as_text(server, open_hostile, outside):
    crafted = "**not bold** [link](https://evil.example) :red[not red] <b>not bold</b>"
    breakout = "x`` \n\n[link](https://evil.example) www.evil.example"  # out of a code span?
    page, dialogs = open_hostile(
        f"{server}/?actor={quote(crafted)}&{quote(crafted)}=1&actor={quote(breakout)}"
    )
    notice = page.get_by_test_id("stAlert").filter(has_text="Not applied from the link")
    expect(notice).to_contain_text("actor=")
    assert notice.locator("a, strong, b").count() == 0
    expect(notice).to_contain_text("**not bold** [link](https://evil.example")  # long values are cut
    assert_nothing_ran(page, dialogs)
    assert outside == []
