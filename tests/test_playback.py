"""Playback in the map: each marker's span, the windows it shows in, and the window reported back."""

import datetime as dt

import pandas as pd
import pytest

from borderstates.analysis import mapdata
from borderstates.core.filters import EventFilter
from borderstates.core.geo import load_countries
from borderstates.core.load import load_dataset
from borderstates.render import assets, mapview, playback
from tests.conftest import ROOT
from tests.oracle import filter_events
from tests.test_mapview import geojson_features
from tests.test_timeline import random_rows, write_store

EPOCH = dt.date(1970, 1, 1)


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    """600 random events of every precision as the map's markers, and the same events for the oracle."""
    directory = tmp_path_factory.mktemp("playback") / "data"
    store = write_store(directory, random_rows(600, seed=7))
    features = geojson_features(mapview.build_event_layer(mapdata.markers(store, EventFilter(), 1_000)))
    return features, load_dataset(directory).events


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


WINDOWS = [
    (dt.date(2020, 3, 2), dt.date(2020, 3, 8)),  # a week
    (dt.date(2021, 2, 1), dt.date(2021, 2, 28)),  # a month
    (dt.date(2022, 12, 31), dt.date(2022, 12, 31)),  # a day
    (dt.date(2019, 1, 1), dt.date(2019, 1, 31)),  # before every event
]


@pytest.mark.parametrize(("first", "last"), WINDOWS)
def test_the_markers_a_window_shows_are_the_events_the_filter_keeps_for_it(drawn, first, last):
    features, events = drawn
    assert len(features) == len(events)
    spans = {f["id"]: (f["properties"]["t0"], f["properties"]["t1"]) for f in features}
    w0, w1 = day_number(first), day_number(last)
    moving = {i for i, (t0, t1) in spans.items() if t0 <= w1 and t1 >= w0}  # as playback.js shows them
    assert moving == set(filter_events(events, EventFilter(date_from=first, date_to=last))["event_id"])
    cumulative = {i for i, (t0, _) in spans.items() if t0 <= w1}
    assert cumulative == set(filter_events(events, EventFilter(date_to=last))["event_id"])


def test_a_span_is_two_day_numbers():
    assert playback.span_days(pd.Timestamp("1970-01-02"), dt.date(1970, 2, 1)) == (1, 31)


def test_use_this_window_is_read_back_from_its_tooltip():
    tag = playback.WINDOW_TAG
    assert playback.clicked_window(f"{tag} 2025-06-23 2025-06-29") == (
        dt.date(2025, 6, 23),
        dt.date(2025, 6, 29),
    )
    for other in (
        None,
        "",
        "UKR",
        f"{tag} 2025-06-29 2025-06-23",  # ends the wrong way round
        f"{tag} 2025-02-30 2025-03-01",
        f"{tag} 2025-06-23",
        f"not-{tag} 2025-06-23 2025-06-29",
    ):
        assert playback.clicked_window(other) is None


def test_the_control_is_on_the_map_and_its_script_in_the_bundle():
    countries = load_countries(ROOT / "data" / "geo")
    page = mapview.build_base_map(countries, mapview.count_classes(5)).get_root().render()
    assert "new L.Control.BsPlayback(" in page
    assert f'tag: "{playback.WINDOW_TAG}"' in page
    script, _ = assets._map_script()
    assert "L.Control.BsPlayback = L.Control.extend" in script
