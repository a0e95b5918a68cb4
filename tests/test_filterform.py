"""The filter form's pure half: widget values to URL parameters, and notices for dropped values."""

import datetime as dt

from borderstates import filterform
from borderstates.filters import Choices, EventFilter
from borderstates.load import load_dataset


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
    raw = {"actor": ["CSTO", "Nobody"], "from": ["2024-13-01"], "country": ["ARM", "FRA"], "zz": ["1"]}
    kept = {"actor": ["CSTO"], "country": ["ARM"]}  # what the widgets kept: FRA is not offered
    notices = filterform.url_notices(raw, kept, choices)
    assert notices == [
        "unknown parameter zz",
        "actor=Nobody (not in the data)",
        "from=2024-13-01 (not a date YYYY-MM-DD)",
        "country=FRA (not offered here)",
    ]
    assert filterform.url_notices(kept, kept, choices) == []
    assert filterform.read_filter(kept, choices) == EventFilter(actors=("CSTO",), countries=("ARM",))


def test_country_options_put_the_focus_states_first(fixture_rows, make_data_dir):
    data = load_dataset(make_data_dir(fixture_rows), check_geography=False)
    options = filterform.country_options(data.events)
    assert options[:4] == list(filterform.FOCUS_STATES)
    assert "RUS" in options and len(options) == len(set(options))
    assert filterform.country_name("GEO") == "Georgia" and filterform.country_name("XXX") == "XXX"
