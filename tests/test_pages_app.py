"""The analysis pages under streamlit.testing: they run on any data, and their numbers are the filter's."""

import re
from html import unescape

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from borderstates import cli
from borderstates.app import sidebar
from borderstates.app.filterform import filter_from_params
from borderstates.app.timeaxis import UNIT_CHOICE
from borderstates.core.filters import Choices
from borderstates.core.load import load_dataset
from tests.conftest import ROOT
from tests.oracle import filter_events
from tests.test_dashboard_app import captions, html_bodies, run_app, shown_count

PAGES = {script: label for script, label, _ in sidebar.PAGES[1:]}
FILTER = {"relation": ["military", "security"], "country": ["AZE", "UKR"]}


@pytest.fixture
def five_events_dir(fixture_rows, make_data_dir):
    """The three fixture events and two more, with the shipped geometry."""
    t1, t2, t3 = fixture_rows
    rows = [
        t1,
        t2,
        t3,
        dict(t2, event_id="P-1", date="2025-07-02", quad_class="verbal_cooperation", relation_type="energy"),
        dict(t3, event_id="P-2", date="2022-03-01", date_end="", date_precision="day", actor2=""),
    ]
    directory = make_data_dir(rows)
    (directory / "geo").symlink_to(ROOT / "data" / "geo")
    return directory


@pytest.fixture
def invalid_rows_dir(fixture_rows, make_data_dir):
    rows = [*fixture_rows, dict(fixture_rows[0], event_id="BAD-1", date="2024-02-31")]
    directory = make_data_dir(rows)
    (directory / "geo").symlink_to(ROOT / "data" / "geo")
    return directory


def timeline_counts(app: AppTest) -> tuple[int, int, str, int]:
    """The timeline's caption: events, those in bins, the unit, those in the band."""
    total, binned, unit, banded = re.search(
        r"([\d,]+) events: ([\d,]+) dated within one (day|week|month) .*?; ([\d,]+) dated less precisely",
        captions(app),
    ).groups()
    return int(total.replace(",", "")), int(binned.replace(",", "")), unit, int(banded.replace(",", ""))


def expected_events(directory, params):
    events = load_dataset(directory).events
    event_filter, _ = filter_from_params(params, Choices.of(events))
    return filter_events(events, event_filter), len(events)


@pytest.mark.parametrize("script", PAGES)
def test_every_page_runs_on_the_shipped_data(monkeypatch, script):
    app = run_app(monkeypatch, page=script)
    events = load_dataset(ROOT / "data").events
    assert app.title[0].value == PAGES[script]
    assert shown_count(app) == (len(events), len(events))
    assert not app.warning and not app.info
    assert [b.proto.label for b in app.get("download_button")] == ["Download CSV", "Download GeoJSON"]
    links = [(link.proto.label, link.proto.page) for link in app.sidebar.get("page_link")]
    assert [label for label, _ in links] == [label for _, label, _ in sidebar.PAGES]


@pytest.mark.parametrize("script", PAGES)
def test_every_page_says_when_the_filter_keeps_nothing(monkeypatch, script):
    app = run_app(monkeypatch, params={"q": "no event says this"}, page=script)
    assert shown_count(app) == (0, len(load_dataset(ROOT / "data").events))
    if script == sidebar.QUALITY_PAGE:  # the file's report still stands; the checks cover nothing
        assert "cover the 0 filtered events" in captions(app)
    else:
        assert [i.value for i in app.info] == [
            "No event matches the filter. Widen it in the sidebar, or reset it."
        ]


@pytest.mark.parametrize("script", PAGES)
def test_every_page_shows_the_valid_rows_of_a_broken_file_and_links_to_the_report(
    monkeypatch, invalid_rows_dir, script
):
    app = run_app(monkeypatch, invalid_rows_dir, page=script)
    assert shown_count(app) == (3, 3)
    assert "1 of 4 event rows were left out" in app.warning[0].value
    to_report = [link for link in app.main.get("page_link") if link.proto.page == "Data_quality"]
    assert len(to_report) == (0 if script == sidebar.QUALITY_PAGE else 1)


def test_the_map_warns_and_links_to_the_report(monkeypatch, invalid_rows_dir):
    app = run_app(monkeypatch, invalid_rows_dir, {"relation": ["military"]}, page="dashboard.py")
    assert "1 of 4 event rows were left out" in app.warning[0].value
    (link,) = [link for link in app.main.get("page_link") if link.proto.page == "Data_quality"]
    assert link.proto.query_string == "relation=military"  # the report opens on the same filter


def test_the_report_lists_the_invalid_rows_as_validate_prints_them(monkeypatch, invalid_rows_dir, capsys):
    app = run_app(monkeypatch, invalid_rows_dir, page=sidebar.QUALITY_PAGE)
    assert cli.main(["validate"]) == cli.EXIT_INVALID  # the data directory's files, as the page
    printed = capsys.readouterr()
    (report,) = app.code
    assert report.value == printed.out.strip()
    assert (
        report.value
        == f"{invalid_rows_dir / 'events.csv'}:5: date: '2024-02-31' must be a real date written YYYY-MM-DD"
    )
    assert printed.err.strip() in captions(app)


def test_the_events_table_holds_the_filtered_events(monkeypatch, five_events_dir):
    expected, total = expected_events(five_events_dir, FILTER)
    app = run_app(monkeypatch, five_events_dir, FILTER, page="pages/1_Events.py")
    assert shown_count(app) == (len(expected), total) == (3, 5)
    table = app.dataframe[0].value
    assert sorted(table["event_id"]) == sorted(expected["event_id"])
    assert list(table["date"]) == sorted(table["date"], reverse=True)  # newest first
    link = table.set_index("event_id").loc["T-2", "event"]
    assert link == "./?event=T-2&relation=military&relation=security&country=AZE&country=UKR"
    assert pd.isna(table.set_index("event_id").loc["T-2", "source"])  # A-1 has no URL: no link
    assert table.set_index("event_id").loc["T-3", "source"] == "https://example.org/two"
    assert table.set_index("event_id").loc["T-3", "region"] == "UA-30 Kyiv"
    assert table.set_index("event_id").loc["T-2", "region"] == "AZ-BA Baku"


def test_the_timeline_counts_every_filtered_event_once(monkeypatch, five_events_dir):
    expected, _ = expected_events(five_events_dir, FILTER)
    app = run_app(monkeypatch, five_events_dir, FILTER, page="pages/2_Timeline.py")
    total, binned, unit, banded = timeline_counts(app)
    assert total == len(expected) == binned + banded == 3
    assert unit == "month" and banded == 1  # T-3 spans most of 2022
    assert len(app.get("vega_lite_chart")) == 2  # the bars and the band; no neutral event
    listed = re.findall(r'class="bs-event" href="([^"]+)"[^>]*>([^<]+)</a>', html_bodies(app))
    assert [event_id for _, event_id in listed] == ["T-3", "P-2", "T-2"]  # oldest first
    hrefs = [unescape(href) for href, _ in listed]
    assert hrefs[0] == "./?event=T-3&relation=military&relation=security&country=AZE&country=UKR"
    app.segmented_control(key=UNIT_CHOICE).set_value("week").run()
    total, binned, unit, banded = timeline_counts(app)
    assert (total, unit) == (3, "week") and binned + banded == 3
    assert app.query_params["unit"] == "week"  # the map's unit too: one control, one URL parameter
    links = {link.proto.label: link.proto.query_string for link in app.sidebar.get("page_link")}
    assert links and all(query.endswith("&unit=week") for query in links.values())  # every page link keeps it


def test_the_actors_page_counts_the_filtered_events(monkeypatch, five_events_dir):
    expected, _ = expected_events(five_events_dir, FILTER)
    app = run_app(monkeypatch, five_events_dir, FILTER, page="pages/3_Actors.py")
    held, total = re.search(r"the pairs among them hold (\d+) of the (\d+) events", captions(app)).groups()
    assert int(held) == int(total) == len(expected)  # few actors: every one is shown
    assert len(app.get("vega_lite_chart")) == 2  # the matrix and the network


def test_the_actors_page_shows_the_top_actors_and_says_so(monkeypatch):
    app = run_app(monkeypatch, page="pages/3_Actors.py")
    events = load_dataset(ROOT / "data").events
    actors = len(set(events["actor1"].astype(str)) | set(events["actor2"].astype(str)) - {""})
    assert actors > 15
    assert f"The 15 actors with the most events, of {actors}" in captions(app)
    app.slider(key="actors_shown").set_value(5).run()
    held, total = re.search(r"The 5 actors .*? hold (\d+) of the (\d+) events", captions(app)).groups()
    assert 0 < int(held) < int(total) == len(events)


def test_the_articles_page_quotes_every_filtered_event(monkeypatch, five_events_dir):
    expected, _ = expected_events(five_events_dir, FILTER)
    app = run_app(monkeypatch, five_events_dir, FILTER, page="pages/4_Articles.py")
    page = html_bodies(app)
    linked = set(re.findall(r'class="bs-event" href="[^"]+"[^>]*>([^<]+)</a>', page))
    assert set(expected["event_id"]) <= linked
    assert "[Test article one]" in page and 'href="https://example.org/two"' in page
    assert "The 2 articles that the 3 filtered events cite" in captions(app)


def test_the_quality_checks_cover_the_filtered_events(monkeypatch, five_events_dir):
    expected, _ = expected_events(five_events_dir, FILTER)
    app = run_app(monkeypatch, five_events_dir, FILTER, page=sidebar.QUALITY_PAGE)
    precision = [t.value for t in app.dataframe if "precision" in t.value.columns]
    assert [frame["events"].sum() for frame in precision] == [len(expected)] * 2
    assert f"cover the {len(expected)} filtered events" in captions(app)


def test_the_quality_page_lists_a_source_naming_another_region(monkeypatch, five_events_dir, tmp_path):
    from borderstates.importers.run import import_file

    from .import_helpers import IMPORTS

    acled = tmp_path / "acled.csv"
    acled.write_text(
        (IMPORTS / "acled_api.csv").read_text(encoding="utf-8").replace(",Donetsk,", ",Dnipropetrovs'k,", 1),
        encoding="utf-8",
    )
    import_file(acled, into=five_events_dir)
    app = run_app(monkeypatch, five_events_dir, page=sidebar.QUALITY_PAGE)
    assert not app.exception
    assert "Events whose source names another region" in [h.value for h in app.subheader]
    (listed,) = [t.value for t in app.dataframe if "source_says" in t.value.columns]
    assert listed["source_says"].tolist() == ["Dnipropetrovs'k"]
    assert listed["lies_in"].tolist() == ["UA-14 Donetsk Oblast"]


def test_hostile_text_on_the_pages_is_escaped(monkeypatch, fixture_rows, make_data_dir):
    attack = "<script>alert(1)</script>"
    rows = [dict(row, summary=attack, location=attack, excerpt=attack) for row in fixture_rows]
    directory = make_data_dir(rows)
    for script in ("pages/2_Timeline.py", "pages/4_Articles.py"):
        page = html_bodies(run_app(monkeypatch, directory, page=script))
        assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_moving_between_the_map_and_the_pages_keeps_the_filter(monkeypatch, five_events_dir):
    expected, total = expected_events(five_events_dir, FILTER)
    app = run_app(monkeypatch, five_events_dir, {**FILTER, "event": "T-2"}, page="dashboard.py")
    for script, label, _ in sidebar.PAGES:
        app.switch_page(script).run()
        assert not app.exception
        assert shown_count(app) == (len(expected), total), label
        assert app.multiselect(key="relation").value == FILTER["relation"]
        links = {link.proto.label: link.proto.query_string for link in app.sidebar.get("page_link")}
        assert links[label] == "relation=military&relation=security&country=AZE&country=UKR&event=T-2"
    app.toggle(key="involving").set_value(True).run()  # changed on a page …
    app.switch_page("dashboard.py").run()
    assert app.toggle(key="involving").value is True  # … and still on the map
    assert app.query_params["involving"] == "1"
    assert "Twee werknemers werden gearresteerd." in html_bodies(app)  # the map still shows event T-2


def unescape_summary(table: pd.DataFrame, event_id: str) -> str:
    from markupsafe import escape

    return str(escape(table.set_index("event_id").loc[event_id, "summary"]))


def _select_table_row(app: AppTest, row: int) -> None:
    (key,) = [k for k in app.session_state if str(k).startswith("events_table")]
    app.session_state[key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    app.run()


@pytest.mark.parametrize("row", [14, 2])
def test_a_chosen_row_never_shows_another_event_after_the_filter_changes(monkeypatch, row):
    app = run_app(monkeypatch, page="pages/1_Events.py")
    table = app.dataframe[0].value
    chosen = table["event_id"].iloc[row]
    _select_table_row(app, row)
    assert re.findall(r"<h4>(.*?)</h4>", html_bodies(app)) == [unescape_summary(table, chosen)]
    # Narrow the rows under the selection: fewer than it points at, or others at its position.
    other = next(r for r in ("political", "diplomatic") if r not in table["relation"].iloc[row])
    app.multiselect(key="relation").select(other).run()
    assert len(app.dataframe[0].value) > 2
    assert not app.exception, [e.value for e in app.exception]
    kept = app.dataframe[0].value
    assert chosen not in set(kept["event_id"])
    shown = re.findall(r'<article class="bs-passage">', html_bodies(app))
    assert shown == [], "a passage is shown for a row the reader did not choose"
    assert "Choose a row" in captions(app)
