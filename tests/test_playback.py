"""Playback in the map: each marker's span, the windows it shows in, and the window reported back."""

import datetime as dt
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from borderstates.analysis import density, mapdata, windows
from borderstates.core.contract import FOCUS_STATES
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
    """Random events of every precision on a grid of cells: the store, the grid, its cells, the events."""
    directory = tmp_path_factory.mktemp("dense") / "data"
    rng = np.random.default_rng(8)
    rows = [
        r | {"latitude": f"{lat:.4f}", "longitude": f"{lon:.4f}"}  # over the South Caucasus and beyond
        for r, lat, lon in zip(
            random_rows(600, seed=8), rng.uniform(38.0, 43.5, 600), rng.uniform(43.0, 50.5, 600), strict=True
        )
    ]
    store = write_store(directory, rows)
    grid = density.Grid(0.5, 1)  # coarse enough that cells hold several events
    return store, grid, density.grid_cells(store, EventFilter(), grid), load_dataset(directory).events


def played(counts: dict, k: int, cumulative: bool) -> list[int]:
    """Sum the sent counts as playback.js does: begun by window k's end, less those ended before it."""
    begun = [sum(row[: k + 1]) for row in counts["starts"]]
    if cumulative:
        return begun
    return [b - sum(row[:k]) for b, row in zip(begun, counts["ends"], strict=True)]


def cell_of(events: pd.DataFrame, grid: density.Grid) -> pd.Series:
    rows = np.floor((events["latitude"] + 90.0) / grid.size).astype(int)
    cols = np.floor((events["longitude"] + 180.0) / grid.size).astype(int)
    return pd.Series(list(zip(rows, cols, strict=True)), index=events.index)


DATED = EventFilter(date_from=dt.date(2021, 2, 10), date_to=dt.date(2021, 9, 3))  # a Wednesday, a Friday


@pytest.mark.parametrize("unit", ["day", "week", "month"])
@pytest.mark.parametrize("cumulative", [False, True], ids=["moving", "cumulative"])
@pytest.mark.parametrize("f", [EventFilter(), DATED], ids=["all", "dated"])
def test_each_window_plays_the_events_the_filter_keeps_for_it(dense, unit, cumulative, f):
    store, grid, _, events = dense
    cells = density.grid_cells(store, f, grid)
    counted = windows.window_counts(store, f, unit, grid)
    data = playback.window_data(unit, counted, [(1, "#111111")], "#ffffff", cells)
    days = [EPOCH + dt.timedelta(days=d) for d in [*data["days"], data["end"]]]
    matching = filter_events(events, f)
    if f.date_from is None:  # the windows reach from the first event to the last
        assert days[0] <= matching["date"].min().date() and days[-1] > matching["span_end"].max().date()
    else:  # within From and To: the first window holds From, the last To
        assert days[0] <= f.date_from < days[1] and days[-2] <= f.date_to < days[-1]
    cell_keys = list(zip(cells["cell_row"], cells["cell_col"], strict=True))
    checked = range(len(days) - 1) if unit != "day" else range(0, len(days) - 1, 37)
    for k in checked:
        first, last = days[k], days[k + 1] - dt.timedelta(days=1)
        assert (unit == "day") == (first == last)
        # The window within the filter's dates: what playback shows of the filtered events.
        since = f.date_from if cumulative else max(first, f.date_from or first)
        kept = filter_events(matching, EventFilter(date_from=since, date_to=min(last, f.date_to or last)))
        states = dict(zip(data["states"]["codes"], played(data["states"], k, cumulative), strict=True))
        placed = kept["located_in"].astype(str)
        expected = Counter(placed.where(placed.isin(FOCUS_STATES), windows.OUTSIDE))  # others: outside
        assert {c: n for c, n in states.items() if n} == dict(expected), (first, last)
        shown = Counter(cell_of(kept, grid))
        got = dict(zip(cell_keys, played(data["cells"], k, cumulative), strict=True))
        assert {c: n for c, n in got.items() if n} == dict(shown), (first, last)


def test_the_counts_hold_every_event_once_and_too_many_cells_are_not_sent(dense, monkeypatch):
    store, grid, cells, _ = dense
    counted = windows.window_counts(store, EventFilter(), "week", grid)
    assert counted.states.starts.sum() == counted.states.ends.sum() == store.total
    assert counted.cells is not None and counted.cells.starts.sum() == store.total
    assert len(cells) > 20 and len(counted.days) > 100  # many cells and windows: a real test of the sums
    monkeypatch.setattr(windows, "MAX_CELL_WINDOWS", counted.cells.starts.size - 1)
    bounded = windows.window_counts(store, EventFilter(), "week", grid)
    assert bounded.cells is None and bounded.too_many_cells
    np.testing.assert_array_equal(bounded.states.starts, counted.states.starts)  # the states still play
    monkeypatch.setattr(windows, "MAX_CELL_ROWS", 10)  # too many rows: the engine's answer is cut short
    bounded = windows.window_counts(store, EventFilter(), "week", grid)
    assert bounded.too_many_cells and bounded.states.ends.sum() == store.total
    data = playback.window_data("week", bounded, [(1, "#111111")], "#ffffff", cells)
    assert data["cells"] is None and data["tooManyCells"] is True
    markers_only = windows.window_counts(store, EventFilter(), "week")
    assert markers_only.cell_keys is None and not markers_only.too_many_cells


def test_a_filter_without_events_plays_nothing(dense):
    store, grid, _, _ = dense
    counted = windows.window_counts(store, EventFilter(text="no event says this"), "month", grid)
    assert len(counted.days) == 0 and counted.states.starts.size == 0


def test_until_playback_asks_only_its_unit_travels():
    assert playback.window_data("week", None, [(1, "#111111")], "#ffffff") == {"unit": "week", "days": None}
    assert playback.clicked_playing(playback.PLAY_TAG) is True
    assert playback.clicked_playing(playback.OFF_TAG) is False
    for other in (None, "", "UKR", f"{playback.UNIT_TAG} week"):
        assert playback.clicked_playing(other) is None


def test_a_new_unit_is_read_back_from_its_tooltip():
    assert playback.clicked_unit(f"{playback.UNIT_TAG} month") == "month"
    for other in (None, "", f"{playback.UNIT_TAG} year", f"{playback.WINDOW_TAG} month", "UKR"):
        assert playback.clicked_unit(other) is None
