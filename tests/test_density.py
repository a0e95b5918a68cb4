"""Aggregation into grid cells conserves counts, and the map switches from markers to cells as documented."""

import numpy as np
import pandas as pd
import pytest

from borderstates.analysis import density
from borderstates.core.filters import EventFilter, filter_events
from borderstates.core.geo import load_countries
from borderstates.render import mapview
from tools.synthetic import synthetic_events

from .conftest import ROOT


@pytest.fixture(scope="module")
def events():
    raw = synthetic_events(20_000, seed=3)
    return raw.assign(
        latitude=raw["latitude"].astype(float),
        longitude=raw["longitude"].astype(float),
        relation_type=pd.Categorical(raw["relation_type"]),
    )


def test_cells_conserve_counts(events):
    grid = density.fit_grid(events)
    cells = density.grid_cells(events, grid)
    assert cells["count"].sum() == len(events)
    assert cells["count"].max() == grid.densest
    assert (cells["north"] > cells["south"]).all() and (cells["east"] > cells["west"]).all()


def test_every_event_lies_in_its_cell(events):
    grid = density.fit_grid(events)
    cells = density.grid_cells(events, grid)
    lat, lon = events["latitude"].to_numpy(), events["longitude"].to_numpy()
    inside = (
        (lat[:, None] >= cells["south"].to_numpy()) & (lat[:, None] < cells["north"].to_numpy())
        & (lon[:, None] >= cells["west"].to_numpy()) & (lon[:, None] < cells["east"].to_numpy())
    )  # fmt: skip
    assert (inside.sum(axis=1) == 1).all()
    assert (inside.sum(axis=0) == cells["count"].to_numpy()).all()


def test_filtered_cells_conserve_counts_on_the_datasets_grid(events):
    grid = density.fit_grid(events)
    some = events[events["relation_type"] == "military"]
    cells = density.grid_cells(some, grid)
    assert cells["count"].sum() == len(some)
    assert set(cells["top_relation"]) == {"military"}


def test_grid_coarsens_until_the_cells_fit(events):
    fine = density.fit_grid(events, max_cells=100_000)
    coarse = density.fit_grid(events, max_cells=50)
    assert fine.size == density.FINEST_CELL
    assert coarse.size > fine.size and coarse.size / density.FINEST_CELL == 2 ** round(
        np.log2(coarse.size / density.FINEST_CELL)
    )
    assert len(density.grid_cells(events, coarse)) <= 50
    assert density.grid_cells(events, coarse)["count"].sum() == len(events)


def test_markers_up_to_the_limit_then_cells():
    assert density.draws_markers(density.MARKER_LIMIT)
    assert not density.draws_markers(density.MARKER_LIMIT + 1)


def test_layers_switch_from_markers_to_cells(fixture_rows, make_data_dir, events):
    from borderstates.core.load import load_dataset

    countries = load_countries(ROOT / "data" / "geo")
    small = load_dataset(make_data_dir(fixture_rows))
    big = small.events.sample(density.MARKER_LIMIT + 1, replace=True, random_state=1).reset_index(drop=True)
    grid = density.fit_grid(big)
    classes = mapview.count_classes(10)
    few = mapview.build_layers(countries, small.events, small.articles, classes, grid=grid)[1]
    many = mapview.build_layers(countries, big, small.articles, classes, grid=grid)[1]
    few_js = _script(few)
    many_js = _script(many)
    assert "L.CircleMarker" in few_js and "L.rectangle" not in few_js
    assert "L.rectangle" in many_js and "L.CircleMarker" not in many_js
    empty = filter_events(small.events, EventFilter(text="nothing matches this"))
    assert density.grid_cells(empty, grid).empty


def _script(layer) -> str:
    import folium

    m = folium.Map(tiles=None)
    layer.add_to(m)
    return m.get_root().render()
