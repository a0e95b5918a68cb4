"""Browser fixtures: a real `streamlit run` on a free port, and a headless Chromium kept on localhost."""

from __future__ import annotations

import os

import pytest

from borderstates.load import load_dataset
from borderstates.localserver import APP_READY, CHROMIUM, CHROMIUM_ARGS, MAP_FRAME, is_local, streamlit_server
from tests.conftest import ROOT

__all__ = ["APP_READY", "MAP_FRAME", "streamlit_server"]  # what the browser tests import from here


@pytest.fixture(scope="session", autouse=True)
def chromium_present():
    """Fail in CI, skip loudly elsewhere, when there is no Chromium to drive."""
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing: BROWSER TESTS NOT RUN (apt-get install -y chromium)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def server():
    """One server on the shipped data for every module that only reads it (a module may override)."""
    with streamlit_server() as served:
        yield served.url


@pytest.fixture(scope="session")
def events():
    """The shipped events, to compare what the browser shows with."""
    return load_dataset(ROOT / "data").events


@pytest.fixture(scope="session")
def browser(chromium_present):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class OutsideRequests(list):
    """Every request for a host other than localhost: blocked, and recorded here."""

    def route(self, route):
        if is_local(route.request.url):
            route.continue_()
        else:
            self.append(route.request.url)
            route.abort()


@pytest.fixture
def outside():
    return OutsideRequests()


@pytest.fixture
def new_page(browser, outside):
    """Return a function that opens a URL in a fresh page whose outside requests are blocked."""
    contexts = []

    def open_page(url: str, *, with_map: bool = True):
        context = browser.new_context(viewport={"width": 1500, "height": 1100}, accept_downloads=True)
        contexts.append(context)
        context.route("**/*", outside.route)
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector(APP_READY, timeout=30_000)
        if with_map:  # the analysis pages have none
            page.frame_locator(MAP_FRAME).locator(".leaflet-container").wait_for(timeout=30_000)
        return page

    yield open_page
    for context in contexts:
        context.close()
