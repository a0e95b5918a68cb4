"""One event, several sources, in the browser: the ringed markers and the record's "Also reported by"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from borderstates.render.mapview import CORROBORATED_RING, RING
from tests.browser.conftest import streamlit_server
from tests.browser.driver import WAIT, map_frame, settle
from tests.conftest import FIXTURES, ROOT, write_csv_rows
from tests.test_corroboration import event

pytestmark = pytest.mark.browser

# Each marker's id and the colour of its ring, read from Leaflet (clustered markers included).
RINGS_JS = """() => { const rings = {}; window.map.eachLayer(l => {
    if (L.MarkerClusterGroup && l instanceof L.MarkerClusterGroup)
        l.getLayers().forEach(m => { rings[m.feature.id] = [m.options.color, m.options.weight]; }); });
    return rings; }"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("sources") / "data"
    directory.mkdir()
    rows = [event("ACLED:1", "ACLED"), event("UCDP:1", "UCDP"), event("GDELT:1", "GDELT", km_north=-50)]
    write_csv_rows(directory / "events.csv", list(rows[0]), rows)
    (directory / "articles.csv").write_bytes((FIXTURES / "articles.csv").read_bytes())
    (directory / "geo").symlink_to(ROOT / "data" / "geo")
    with streamlit_server(directory) as served:
        yield served.url


def test_a_record_names_the_other_source_and_its_link_opens_it(server, new_page, outside):
    page = new_page(f"{server}/?event=UCDP:1")
    passage = page.locator(".bs-passage")
    expect(passage).to_contain_text("Also reported by ACLED:1 (ACLED).")
    frame = map_frame(page)
    frame.wait_for_function("(n) => Object.keys((" + RINGS_JS + ")()).length === n", arg=3, timeout=WAIT)
    dark, white = list(CORROBORATED_RING), list(RING)
    assert frame.evaluate(RINGS_JS) == {"ACLED:1": dark, "UCDP:1": dark, "GDELT:1": white}
    expect(frame.locator(".bs-legend")).to_contain_text("several sources")
    passage.get_by_role("link", name="ACLED:1").click()
    expect(page).to_have_url(re.compile(re.escape("event=ACLED%3A1") + "|" + re.escape("event=ACLED:1")))
    settle(page)
    expect(page.locator(".bs-passage")).to_contain_text("Also reported by UCDP:1 (UCDP).", timeout=WAIT)
    assert outside == []
