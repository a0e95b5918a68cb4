"""Bugs the review found that only a browser shows: clicks after a remount, a fresh static folder."""

from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import expect

from borderstates.app.mapui import MAP_HEIGHT
from tests.browser.conftest import APP_READY, MAP_FRAME, streamlit_server
from tests.browser.driver import MARKER_SHOWN_JS, WAIT, after_rerun, click_map, map_frame
from tests.conftest import ROOT

pytestmark = pytest.mark.browser
PLACEHOLDER = "README.md"  # the one file of static/ in the repository


def _click_event(page, events, event_id: str) -> None:
    """Bring an event's marker into view, click it, and wait for its passage beside the map."""
    event = events.set_index("event_id").loc[event_id]
    frame = map_frame(page)
    frame.evaluate(f"() => window.map.setView([{event.latitude}, {event.longitude}], 9, {{animate: false}})")
    frame.wait_for_function(MARKER_SHOWN_JS, arg=event_id, timeout=WAIT)
    page.wait_for_selector(APP_READY, timeout=WAIT)  # with the view switch on, the move reran the page
    click_map(page, frame, event.latitude, event.longitude)
    expect(page.locator(".bs-passage")).to_contain_text(event.excerpt[:60], timeout=WAIT)
    expect(page).to_have_url(re.compile(re.escape(f"event={event_id}")), timeout=WAIT)


def test_a_marker_click_counts_after_the_map_is_mounted_again(server, new_page, outside, events):
    page = new_page(server)
    _click_event(page, events, "BS-0008")  # Kyiv
    # The switch mounts the map anew, with a click count that starts from 0 again.
    after_rerun(page, page.get_by_text("Only events in the current view").click)
    _click_event(page, events, "BS-0019")  # Tbilisi
    # Another page and back: the map is mounted anew once more.
    page.get_by_test_id("stSidebar").get_by_role("link", name="Events").click()
    page.wait_for_url(re.compile(r"/Events"), timeout=WAIT)
    page.wait_for_selector(APP_READY, timeout=WAIT)
    page.get_by_test_id("stSidebar").get_by_role("link", name="Map").click()
    page.wait_for_selector(APP_READY, timeout=WAIT)
    _click_event(page, events, "BS-0020")  # Moscow
    assert outside == []


@pytest.fixture
def app_copy(tmp_path):
    """The app as a fresh clone holds it, in a folder of its own: static/ holds only its README."""
    app = tmp_path / "app"
    app.mkdir()
    shutil.copy(ROOT / "dashboard.py", app)
    shutil.copytree(ROOT / "pages", app / "pages")
    shutil.copytree(ROOT / ".streamlit", app / ".streamlit")
    (app / "static").mkdir()
    shutil.copy(ROOT / "static" / PLACEHOLDER, app / "static")
    return app


def test_streamlit_run_on_a_fresh_clone_finds_the_static_folder(app_copy):
    """`streamlit run dashboard.py`, as every Streamlit user starts an app: nothing prepared first."""
    with streamlit_server(app_dir=app_copy, prepare_static=False) as served:
        assert "no static folder" not in served.output(), served.output()


def test_the_server_starts_with_its_static_folder_in_place(app_copy):
    with streamlit_server(app_dir=app_copy) as served:
        assert (app_copy / "static").is_dir()
        assert "no static folder" not in served.output(), served.output()


def test_sessions_opening_at_once_on_a_fresh_static_folder_all_get_the_map(app_copy, browser, outside):
    readers = 5
    with streamlit_server(app_dir=app_copy, prepare_static=False) as served:
        assert [p.name for p in (app_copy / "static").iterdir()] == [PLACEHOLDER]
        contexts = [browser.new_context(viewport={"width": 1500, "height": 1100}) for _ in range(readers)]
        try:
            pages = []
            for context in contexts:
                context.route("**/*", outside.route)
                pages.append(context.new_page())
            missing: list[str] = []
            for page in pages:  # every reader asks before any has its map
                page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
                page.goto(served.url, wait_until="commit")
            for page in pages:
                page.wait_for_selector(APP_READY, timeout=120_000)
                frame = map_frame(page)
                frame.wait_for_function("() => typeof L.markerClusterGroup === 'function'", timeout=WAIT)
                assert page.locator(MAP_FRAME).bounding_box()["height"] == pytest.approx(MAP_HEIGHT, abs=2)
            assert not [url for url in missing if "/app/static/" in url], missing
        finally:
            for context in contexts:
                context.close()
    assert outside == []
