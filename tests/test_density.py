"""Aggregation into grid cells conserves counts, and the map switches from markers to cells as documented."""

import numpy as np
import pytest

from borderstates.analysis import density, mapdata
from borderstates.core.engine import open_store
from borderstates.core.filters import EventFilter
from borderstates.core.geo import load_countries
from borderstates.core.load import load_dataset
from borderstates.render import mapview
from tests.oracle import filter_events
from tools.synthetic import write_synthetic_dataset

from .conftest import ROOT


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    directory = write_synthetic_dataset(tmp_path_factory.mktemp("density") / "data", 20_000, seed=3)
    return open_store(directory), load_dataset(directory).events


def test_cells_conserve_counts(synthetic):
    store, events = synthetic
    grid = density.fit_grid(store)
    cells = density.grid_cells(store, EventFilter(), grid)
    assert cells["count"].sum() == len(events)
    assert cells["count"].max() == grid.densest
    assert (cells["north"] > cells["south"]).all() and (cells["east"] > cells["west"]).all()


def test_every_event_lies_in_its_cell(synthetic):
    store, events = synthetic
    grid = density.fit_grid(store)
    cells = density.grid_cells(store, EventFilter(), grid)
    lat, lon = events["latitude"].to_numpy(), events["longitude"].to_numpy()
    inside = (
        (lat[:, None] >= cells["south"].to_numpy()) & (lat[:, None] < cells["north"].to_numpy())
        & (lon[:, None] >= cells["west"].to_numpy()) & (lon[:, None] < cells["east"].to_numpy())
    )  # fmt: skip
    assert (inside.sum(axis=1) == 1).all()
    assert (inside.sum(axis=0) == cells["count"].to_numpy()).all()


def test_filtered_cells_conserve_counts_on_the_datasets_grid(synthetic):
    store, events = synthetic
    grid = density.fit_grid(store)
    military = EventFilter(relations=("military",))
    cells = density.grid_cells(store, military, grid)
    assert cells["count"].sum() == len(filter_events(events, military))
    assert set(cells["top_relation"]) == {"military"}


def test_each_cell_names_its_commonest_relation_type(synthetic):
    store, events = synthetic
    grid = density.fit_grid(store)
    cells = density.grid_cells(store, EventFilter(), grid)
    row = np.floor((events["latitude"] + 90.0) / grid.size)
    col = np.floor((events["longitude"] + 180.0) / grid.size)
    busiest = cells.loc[cells["count"].idxmax()]
    here = events[
        (row == round((busiest["south"] + 90.0) / grid.size))
        & (col == round((busiest["west"] + 180.0) / grid.size))
    ]
    counts = here["relation_type"].astype("str").value_counts()
    assert counts[busiest["top_relation"]] == counts.max()


def test_grid_coarsens_until_the_cells_fit(synthetic):
    store, events = synthetic
    fine = density.fit_grid(store, max_cells=100_000)
    coarse = density.fit_grid(store, max_cells=50)
    assert fine.size == density.FINEST_CELL
    assert coarse.size > fine.size and coarse.size / density.FINEST_CELL == 2 ** round(
        np.log2(coarse.size / density.FINEST_CELL)
    )
    assert len(density.grid_cells(store, EventFilter(), coarse)) <= 50
    assert density.grid_cells(store, EventFilter(), coarse)["count"].sum() == len(events)


def test_markers_up_to_the_limit_then_cells():
    assert density.draws_markers(density.MARKER_LIMIT)
    assert not density.draws_markers(density.MARKER_LIMIT + 1)


def test_layers_switch_from_markers_to_cells(fixture_rows, make_data_dir, synthetic):
    big, _ = synthetic
    countries = load_countries(ROOT / "data" / "geo")
    small = open_store(make_data_dir(fixture_rows))
    grid = density.fit_grid(big)
    classes = mapview.count_classes(10)
    counts = mapdata.state_counts(small, EventFilter(), mapview.focus_codes(countries))
    counts = mapview.count_fills(mapview.state_units(countries), counts, classes)
    markers = mapdata.markers(small, EventFilter(), density.MARKER_LIMIT)
    few = mapview.build_layers(countries, counts, classes, markers=markers, grid=grid)[1]
    cells = density.grid_cells(big, EventFilter(), grid)
    many = mapview.build_layers(countries, counts, classes, cells=cells, grid=grid)[1]
    few_js = _script(few)
    many_js = _script(many)
    assert "L.CircleMarker" in few_js and "L.rectangle" not in few_js
    assert "L.rectangle" in many_js and "L.CircleMarker" not in many_js
    assert density.grid_cells(big, EventFilter(text="nothing matches this"), grid).empty


def _script(layer) -> str:
    import folium

    m = folium.Map(tiles=None)
    layer.add_to(m)
    return m.get_root().render()
