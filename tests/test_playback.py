"""Playback in the map: each marker's span, the windows it shows in, and the window reported back."""

import datetime as dt
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from borderstates.analysis import density, mapdata
from borderstates.core.filters import EventFilter
from borderstates.core.geo import load_countries
from borderstates.core.load import load_dataset
from borderstates.render import assets, mapview, playback
from borderstates.render.mapcontrols import DensityCells
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


def test_days_are_numbered_from_1970():
    days = pd.Series(pd.to_datetime(["1970-01-01", "1970-02-01", "1969-12-31", "2024-02-29"]))
    assert playback.days_since_epoch(days) == [0, 31, -1, 19782]


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


@pytest.fixture(scope="module")
def dense(tmp_path_factory):
    """Random events on a grid of cells: the density layer's element, the grid, the events, the store."""
    directory = tmp_path_factory.mktemp("dense") / "data"
    rng = np.random.default_rng(8)
    rows = [
        r | {"latitude": f"{lat:.4f}", "longitude": f"{lon:.4f}"}  # spread over the South Caucasus
        for r, lat, lon in zip(
            random_rows(600, seed=8), rng.uniform(39.0, 41.5, 600), rng.uniform(45.0, 49.5, 600), strict=True
        )
    ]
    store = write_store(directory, rows)
    grid = density.Grid(0.5, 1)  # coarse enough that cells hold several events
    cells = density.grid_cells(store, EventFilter(), grid)
    spans = density.cell_spans(store, EventFilter(), grid, store.total)
    layer = mapview.build_density_layer(cells, grid, spans)
    (element,) = [c for c in layer._children.values() if isinstance(c, DensityCells)]
    return element, grid, load_dataset(directory).events, store


@pytest.mark.parametrize(("first", "last"), WINDOWS)
def test_each_cell_plays_the_events_the_filter_keeps_for_a_window(dense, first, last):
    element, grid, events, _ = dense
    w0, w1 = day_number(first), day_number(last)
    counts = [0] * len(element.cells)
    for cell, t0, t1, n in element.spans:  # as playback.js sums them
        if t0 <= w1 and t1 >= w0:
            counts[cell] += n
    kept = filter_events(events, EventFilter(date_from=first, date_to=last))
    rows = np.floor((kept["latitude"] + 90.0) / grid.size).astype(int)
    cols = np.floor((kept["longitude"] + 180.0) / grid.size).astype(int)
    expected = Counter(zip(rows, cols, strict=True))
    got = {
        (round((c[0] + 90.0) / grid.size), round((c[1] + 180.0) / grid.size)): n
        for c, n in zip(element.cells, counts, strict=True)
        if n
    }
    assert got == dict(expected)
    assert sum(counts) == len(kept)
    assert len(element.cells) > 20  # many cells: each span found its own


def test_every_event_is_in_one_span_and_too_many_spans_are_not_sent(dense, monkeypatch):
    element, grid, _, store = dense
    assert sum(s[3] for s in element.spans) == sum(c[4] for c in element.cells) == store.total
    monkeypatch.setattr(density, "MAX_SPANS", len(element.spans) - 1)
    assert density.cell_spans(store, EventFilter(), grid, store.total) is None
    monkeypatch.undo()
    assert density.cell_spans(store, EventFilter(), grid, store.total) is not None
    monkeypatch.setattr(density, "MAX_SPAN_EVENTS", store.total - 1)  # too many events: not asked
    assert density.cell_spans(store, EventFilter(), grid, store.total) is None
