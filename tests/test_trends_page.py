"""The Trends page under streamlit.testing: its tables are the method's, its settings are in the URL."""

import datetime as dt
import json

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState

from borderstates.analysis.trends import build_trends, compare_periods, periods_until
from borderstates.app.trendform import TrendSettings, format_range, params_from_settings, settings_from_params
from borderstates.core.engine import open_store
from borderstates.core.filters import EventFilter
from tests.test_dashboard_app import run_app, warnings
from tests.test_trends import WEEKS

PAGE = "pages/6_Trends.py"


@pytest.fixture
def weekly_dir(make_data_dir):
    return make_data_dir(WEEKS)


def test_the_page_shows_the_methods_trends_for_the_links_settings(monkeypatch, weekly_dir):
    params = {"period": ["week"], "baseline": ["4"], "asof": ["2024-03-13"]}
    app = run_app(monkeypatch, weekly_dir, params, page=PAGE)
    expected = build_trends(open_store(weekly_dir), EventFilter(), periods_until(dt.date(2024, 3, 13)))
    frame = app.dataframe[0].value
    assert list(frame["unit"]) == list(expected.table["unit"])
    assert list(frame["band"]) == ["surge", "new", "decrease", "limited"]
    assert "2 filtered events of these weeks are left out" in "\n".join(c.value for c in app.caption)
    assert app.query_params["asof"] == "2024-03-13"


def test_the_comparison_defaults_to_baseline_and_latest_and_follows_the_link(monkeypatch, weekly_dir):
    a, b = (dt.date(2024, 2, 5), dt.date(2024, 2, 11)), (dt.date(2024, 3, 4), dt.date(2024, 3, 10))
    params = {"asof": ["2024-03-13"], "a": [format_range(a)], "b": [format_range(b)]}
    app = run_app(monkeypatch, weekly_dir, params, page=PAGE)
    compared = app.dataframe[-1].value.set_index("unit")
    expected = compare_periods(open_store(weekly_dir), EventFilter(), a, b).table.set_index("unit")
    assert compared[["a", "b", "difference"]].equals(expected[["a", "b", "difference"]])


def test_bad_trend_values_in_a_link_are_dropped_with_a_notice(monkeypatch, weekly_dir):
    params = {"period": ["fortnight"], "baseline": ["0"], "asof": ["13-03-2024"], "a": ["2024-03-01"]}
    app = run_app(monkeypatch, weekly_dir, params, page=PAGE)
    said = warnings(app)
    for value in ("period=fortnight", "baseline=0", "asof=13-03-2024", "a=2024-03-01"):
        assert value in said
    assert app.dataframe  # the defaults apply


def choose_row(app, row: int) -> None:
    """Choose a row of the trend table and run, as the browser reports it (AppTest has no handle on it)."""
    table = app.dataframe[0]
    states = app._tree.get_widget_states()
    selection = {"selection": {"rows": [row], "columns": [], "cells": []}}
    states.widgets.append(WidgetState(id=table.proto.id, string_value=json.dumps(selection)))
    app._run(states)
    assert not app.exception, [e.value for e in app.exception]


def test_choosing_a_row_filters_every_page_by_its_state(monkeypatch, weekly_dir):
    app = run_app(monkeypatch, weekly_dir, {"asof": ["2024-03-13"]}, page=PAGE)
    choose_row(app, list(app.dataframe[0].value["unit"]).index("GEO"))
    assert app.query_params["country"] == "GEO"
    assert list(app.dataframe[0].value["unit"]) == ["GEO"]


@pytest.mark.parametrize(
    "settings",
    [
        TrendSettings(),
        TrendSettings(
            "month", 12, dt.date(2024, 1, 31), "state", (dt.date(2023, 1, 1), dt.date(2023, 1, 31)), None
        ),
    ],
)
def test_settings_round_trip_through_the_url(settings):
    assert settings_from_params(params_from_settings(settings)) == (settings, [])


def test_choosing_a_region_row_filters_every_page_by_that_region(monkeypatch, weekly_dir):
    app = run_app(monkeypatch, weekly_dir, {"asof": ["2024-03-13"], "by": ["region"]}, page=PAGE)
    units = list(app.dataframe[0].value["unit"])
    assert "GE-TB" in units and "GEO" not in units
    choose_row(app, units.index("GE-TB"))
    assert app.query_params["region"] == "GE-TB"
    assert list(app.dataframe[0].value["unit"]) == ["GE-TB"]
