"""Browser fixtures: a real `streamlit run` on a free port, and a headless Chromium kept on localhost."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from borderstates.core.load import load_dataset
from tests.browser.driver import OPEN_WAIT, WAIT, map_frame, settle, watch
from tests.conftest import ROOT
from tools.localserver import APP_READY, CHROMIUM, CHROMIUM_ARGS, MAP_FRAME, is_loopback, streamlit_server

__all__ = ["APP_READY", "MAP_FRAME", "streamlit_server"]  # what the browser tests import from here

# Every expectation waits as long as a rerun may take on a busy machine (Playwright's default: 5 s).
expect.set_options(timeout=WAIT)


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
        if is_loopback(route.request.url):
            route.continue_()
        else:
            self.append(route.request.url)
            route.abort()


@pytest.fixture
def outside():
    return OutsideRequests()


def new_context(browser, outside, **options):
    """A browser context whose outside requests are blocked and whose pages count their reruns."""
    context = browser.new_context(viewport={"width": 1500, "height": 1100}, **options)
    context.set_default_timeout(WAIT)
    context.route("**/*", outside.route)
    watch(context)
    return context


@pytest.fixture
def new_page(browser, outside):
    """Return a function that opens a URL in a fresh page, once its first run and the map's are over."""
    contexts = []

    def open_page(url: str, *, with_map: bool = True, **options):
        """Open `url`; `options` go to the browser context (such as `timezone_id`)."""
        context = new_context(browser, outside, accept_downloads=True, **options)
        contexts.append(context)
        page = context.new_page()
        page.goto(url, timeout=OPEN_WAIT)
        page.wait_for_selector(APP_READY, timeout=OPEN_WAIT)  # "initial" until the first run ends
        if with_map:  # the analysis pages have none
            map_frame(page)
        settle(page)  # the page and the map at rest
        return page

    yield open_page
    for context in contexts:
        context.close()
