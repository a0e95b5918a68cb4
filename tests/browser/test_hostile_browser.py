"""Hostile text in the data files, in a real browser: shown as text, never run."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from borderstates import schema
from tests.browser.conftest import MAP_FRAME, streamlit_server
from tests.browser.driver import click_map, map_frame
from tests.conftest import FIXTURES, ROOT, read_rows, write_csv_rows

pytestmark = pytest.mark.browser

ATTACK = "<img src=x onerror=alert(1)> <script>alert(2)</script> ${alert(3)} `x` </div></div>"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("hostile")
    rows = [
        dict(row, summary=ATTACK, actor1=ATTACK, location=ATTACK, excerpt=ATTACK, notes=ATTACK)
        for row in read_rows(FIXTURES / "events.csv")
    ]
    write_csv_rows(directory / "events.csv", schema.EVENT_COLUMNS, rows)
    articles = read_rows(FIXTURES / "articles.csv")
    write_csv_rows(
        directory / "articles.csv", schema.ARTICLE_COLUMNS, [dict(a, title=ATTACK) for a in articles]
    )
    shutil.copytree(ROOT / "data" / "geo", directory / "geo")
    with streamlit_server(directory) as served:
        yield served.url


def test_hostile_text_is_shown_not_run(server, new_page, outside):
    dialogs = []
    page = new_page(f"{server}/?event=T-1")
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    expect(page.locator(".bs-passage h4")).to_have_text(ATTACK)
    frame = map_frame(page)
    frame.evaluate("() => window.map.setView([40.1776, 44.5126], 9, {animate: false})")  # T-1, Yerevan
    page.wait_for_timeout(500)
    click_map(page, frame, 40.1776, 44.5126)  # opens the popup and shows the tooltip
    popup = page.frame_locator(MAP_FRAME).locator(".leaflet-popup-content")
    expect(popup).to_contain_text(ATTACK)
    expect(page.frame_locator(MAP_FRAME).locator(".leaflet-tooltip")).to_contain_text("alert(1)")
    page.wait_for_timeout(500)
    assert dialogs == []
    assert page.frame_locator(MAP_FRAME).locator(".leaflet-popup-content img").count() == 0
    assert page.locator(".bs-passage img, .bs-passage script").count() == 0
    assert outside == []
