"""The filter form's pure half: widget values to URL parameters, and notices for dropped values."""

import datetime as dt

from borderstates.app import filterform
from borderstates.core import contract
from borderstates.core.filters import Choices, EventFilter, present_countries
from borderstates.core.load import load_dataset


def test_widget_values_become_contract_parameters():
    values = {
        "actor": ["A", "B"],
        "side": "actor2",
        "from": dt.date(2024, 1, 2),
        "to": None,
        "relation": [],
        "involving": True,
        "q": "  ",
    }
    assert filterform.widget_params(values) == {
        "actor": ["A", "B"],
        "side": ["actor2"],
        "from": ["2024-01-02"],
        "involving": ["1"],
    }
    assert filterform.widget_params({"side": "any", "involving": False}) == {}


def test_notices_name_what_the_url_lost(fixture_rows, make_data_dir):
    data = load_dataset(make_data_dir(fixture_rows), check_geography=False)
    choices = Choices.of(data.events)
    raw = {"actor": ["CSTO", "Nobody"], "from": ["2024-13-01"], "country": ["ARM", "FRA"], "zz": ["1"],
           "dedupe": ["yes"]}  # fmt: skip
    kept = {"actor": ["CSTO"], "country": ["ARM"]}  # what the widgets kept: FRA is not offered
    notices = filterform.url_notices(raw, kept, choices)
    assert notices == [
        "unknown parameter zz",
        "actor=Nobody (not in the data)",
        "from=2024-13-01 (not a date YYYY-MM-DD)",
        "dedupe=yes (allowed: 1, 0)",
        "country=FRA (not offered here)",
    ]
    assert filterform.url_notices(kept, kept, choices) == []
    assert filterform.read_filter(kept, choices) == EventFilter(actors=("CSTO",), countries=("ARM",))


def test_country_options_put_the_focus_states_first(fixture_rows, make_data_dir):
    data = load_dataset(make_data_dir(fixture_rows), check_geography=False)
    options = filterform.country_options(present_countries(data.events))
    assert options[:4] == list(filterform.FOCUS_STATES)
    assert "RUS" in options and len(options) == len(set(options))
    assert contract.country_name("GEO") == "Georgia" and contract.country_name("XXX") == "XXX"


def test_widget_values_show_a_filter_and_read_back_the_same(fixture_rows, make_data_dir):
    data = load_dataset(make_data_dir(fixture_rows), check_geography=False)
    choices = Choices.of(data.events)
    days = (dt.date(1900, 1, 1), dt.date(2100, 12, 31))
    params = {
        "actor": ["CSTO"],
        "side": ["actor2"],
        "from": ["2024-01-02"],
        "country": ["ARM"],
        "involving": ["1"],
        "dedupe": ["1"],
    }
    shown = filterform.widget_values(filterform.read_filter(params, choices), ["ARM", "AZE"], days)
    assert shown["actor"] == ["CSTO"] and shown["side"] == "actor2" and shown["involving"] is True
    assert shown["dedupe"] is True and filterform.read_filter(params, choices).dedupe
    assert filterform.widget_params(shown) == params
    far = filterform.read_filter({"from": ["1066-10-14"], "country": ["RUS"]}, choices)
    kept = filterform.widget_values(far, ["ARM"], days)
    assert kept["from"] is None and kept["country"] == []  # what the widgets cannot show is left out
    assert set(kept) == set(filterform.WIDGET_KEYS)
