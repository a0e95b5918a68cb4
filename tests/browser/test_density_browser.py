"""More events than markers can show: cells first, and markers again once a filter narrows them down."""

from __future__ import annotations

import pytest

from borderstates import density
from borderstates.filters import EventFilter, filter_events
from borderstates.load import load_dataset
from borderstates.synthetic import write_synthetic_dataset
from tests.browser.conftest import APP_READY, streamlit_server
from tests.browser.driver import MARKERS_JS, after_rerun, map_frame

pytestmark = pytest.mark.browser

EVENTS = 1_500  # above density.MARKER_LIMIT
CELLS_JS = """() => { let n = 0;
    window.map.eachLayer(l => { if (l instanceof L.Rectangle) n++; }); return n; }"""


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
    assert frame.evaluate(CELLS_JS) > 0 and frame.evaluate(MARKERS_JS) == 0

    search = page.get_by_test_id("stTextInput").filter(has_text="Search text").locator("input")
    search.fill("baku")
    after_rerun(page, lambda: search.press("Enter"))

    # The first render loaded the marker-cluster plugin although it drew only cells.
    frame.wait_for_function(f"() => ({MARKERS_JS})() === {expected}", timeout=20_000)
    assert frame.evaluate(CELLS_JS) == 0
    assert not errors, errors


def test_a_long_load_shows_its_progress(tmp_path, browser, outside):
    directory = write_synthetic_dataset(tmp_path / "data", 300_000)  # a few seconds to load cold
    stages = ("Reading", "Checking", "Converting", "Placing", "Keeping")
    with streamlit_server(directory) as served:
        context = browser.new_context()
        context.route("**/*", outside.route)
        page = context.new_page()
        page.goto(served.url)
        bar = page.get_by_test_id("stProgress")
        bar.wait_for(timeout=30_000)
        said = bar.inner_text()
        assert any(stage in said for stage in stages), said
        page.wait_for_selector(APP_READY, timeout=120_000)
        map_frame(page)
        assert bar.count() == 0  # gone once the data is there
        context.close()
    assert not outside
