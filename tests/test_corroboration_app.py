"""Corroboration in the app (AppTest): counted once by link and sidebar, the record, the quality page."""

from __future__ import annotations

import pytest

from borderstates.app import sidebar
from tests.conftest import ROOT
from tests.test_corroboration import event
from tests.test_dashboard_app import html_bodies, run_app, shown_count


@pytest.fixture
def sources_dir(make_data_dir):
    """An ACLED and a UCDP event of one strike (their fatalities differ), and a GDELT event alone."""
    rows = [
        event("ACLED:1", "ACLED", fatalities="2", actor2="Military of Ukraine"),
        event("UCDP:1", "UCDP", fatalities="5", actor2="Civilians"),
        event("GDELT:1", "GDELT", km_north=-50),
    ]
    directory = make_data_dir(rows)
    (directory / "geo").symlink_to(ROOT / "data" / "geo")
    return directory


def test_dedupe_in_the_link_counts_each_cluster_once_and_the_toggle_undoes_it(monkeypatch, sources_dir):
    app = run_app(monkeypatch, sources_dir, {"dedupe": "1"})
    assert shown_count(app) == (2, 3)
    assert app.toggle(key="dedupe").value is True
    app.toggle(key="dedupe").set_value(False).run()
    assert shown_count(app) == (3, 3) and "dedupe" not in app.query_params
    app.toggle(key="dedupe").set_value(True).run()
    assert shown_count(app) == (2, 3) and app.query_params["dedupe"] == "1"
    app = run_app(monkeypatch, sources_dir, {"dedupe": "1", "dataset": ["UCDP", "GDELT"]})
    assert shown_count(app) == (2, 3)  # UCDP's event stands for its cluster


def test_the_record_names_the_other_sources_with_links_to_them(monkeypatch, sources_dir):
    app = run_app(monkeypatch, sources_dir, {"event": "UCDP:1", "dedupe": "1"})
    passage = html_bodies(app)
    assert "Also reported by" in passage
    assert (
        '<a class="bs-event" href="./?event=ACLED:1&amp;dedupe=1" target="_self">ACLED:1</a> (ACLED)'
        in passage
    )
    assert "<th>Cluster</th><td>ACLED:1</td>" in passage
    alone = html_bodies(run_app(monkeypatch, sources_dir, {"event": "GDELT:1"}))
    assert "Also reported by" not in alone


def test_the_quality_page_lists_sources_that_disagree(monkeypatch, sources_dir):
    app = run_app(monkeypatch, sources_dir, {"dedupe": "1"}, page=sidebar.QUALITY_PAGE)
    assert "Sources that disagree on one event" in [h.value for h in app.subheader]
    (listed,) = [t.value for t in app.dataframe if "disagree_on" in t.value.columns]
    assert listed.to_dict("records") == [
        {
            "event_id": listed["event_id"][0],  # a link to the cluster's first event, ACLED:1
            "sources": "ACLED, UCDP",
            "disagree_on": "fatalities and actors",
            "fatalities": "ACLED:1: 2 · UCDP:1: 5",
            "actors": "ACLED:1: Russian armed forces → Military of Ukraine · "
            "UCDP:1: Russian armed forces → Civilians",
        }
    ]
    assert "ACLED:1" in listed["event_id"][0]
