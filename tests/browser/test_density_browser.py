"""More events than markers can show: cells first, and markers again once a filter narrows them down."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from borderstates.analysis import density
from borderstates.app import data as app_data
from borderstates.core import load
from borderstates.core.filters import EventFilter
from borderstates.core.load import load_dataset
from tests.browser.conftest import APP_READY, new_context, streamlit_server
from tests.browser.driver import MARKERS_JS, after_rerun, map_frame
from tests.oracle import filter_events
from tools.synthetic import write_synthetic_dataset

pytestmark = pytest.mark.browser

EVENTS = 1_500  # above density.MARKER_LIMIT
CELLS_JS = """() => { let n = 0;
    window.map.eachLayer(l => { if (l instanceof L.Rectangle) n++; }); return n; }"""
LOAD_WAIT = 600_000  # ms: a cold load of 300,000 events takes a few seconds, many more on a busy machine
# Every text the progress bar shows, recorded from the page's first byte (a stage may be over
# before a test could look at it).
PROGRESS_JS = r"""(() => { if (window !== window.top) return;
    const said = window.__progress = [];
    new MutationObserver(() => {
        const bar = document.querySelector("[data-testid='stProgress']");
        const text = bar && bar.innerText.trim();
        if (text && text !== said[said.length - 1]) said.push(text);
    }).observe(document, {subtree: true, childList: true, characterData: true});
})();"""


def stage_texts() -> list[re.Pattern]:
    """Every text the loading bar may show: the loader's stages, each file name a wildcard."""
    before_first = app_data._Loading.stage[0]
    texts = [text for text, _ in load._STAGES.values()] + [before_first, app_data._SUMMARISING]
    return [re.compile(".+".join(re.escape(part) for part in re.split(r"\{\w+\}", text))) for text in texts]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    directory = write_synthetic_dataset(tmp_path_factory.mktemp("density"), EVENTS)
    with streamlit_server(directory) as served:
        yield served.url, load_dataset(directory).events


def test_markers_come_back_when_a_filter_narrows_a_dense_map(synthetic, new_page):
    url, events = synthetic
    assert not density.draws_markers(len(events))
    expected = len(filter_events(events, EventFilter(text="baku")))
    assert 0 < expected <= density.MARKER_LIMIT
    page = new_page(url)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    frame = map_frame(page)
    frame.wait_for_function(f"() => ({CELLS_JS})() > 0")
    assert frame.evaluate(MARKERS_JS) == 0

    search = page.get_by_test_id("stTextInput").filter(has_text="Search text").locator("input")
    search.fill("baku")
    after_rerun(page, lambda: search.press("Enter"))

    # The first render loaded the marker-cluster plugin although it drew only cells.
    frame.wait_for_function(f"() => ({MARKERS_JS})() === {expected}")
    assert frame.evaluate(CELLS_JS) == 0
    assert not errors, errors


def test_a_long_load_shows_its_progress(tmp_path, browser, outside):
    directory = write_synthetic_dataset(tmp_path / "data", 300_000)  # a few seconds to load cold
    stages = stage_texts()
    with streamlit_server(directory) as served:
        context = new_context(browser, outside)
        context.add_init_script(PROGRESS_JS)
        page = context.new_page()
        page.goto(served.url, timeout=LOAD_WAIT)
        page.wait_for_selector(APP_READY, timeout=LOAD_WAIT)  # the first run ends once the data is there
        map_frame(page)
        expect(page.get_by_test_id("stProgress")).to_have_count(0)  # gone once the data is there
        said = page.evaluate("() => window.__progress")
        context.close()
    assert said, "no progress bar was shown during the load"
    unknown = [text for text in said if not any(stage.fullmatch(text) for stage in stages)]
    assert not unknown, (unknown, said)
    assert not outside
