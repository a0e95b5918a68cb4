"""Many events drawn as grid cells: the map shows what the eye can see, and counts are conserved.

The engine counts the events per cell of a square grid in degrees; only the occupied cells come
back, at most `MAX_CELLS` of them whatever the number of events.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from borderstates.core import contract
from borderstates.core.engine import Store
from borderstates.core.filters import EventFilter

MARKER_LIMIT = 1_000  # filtered events drawn one by one; above this, as grid cells
MAX_CELLS = 4_000  # cells drawn at most: the grid coarsens until the whole dataset fits
FINEST_CELL = 0.125  # degrees: the finest cell side (about 14 km north-south)
COARSEST_CELL = 64.0  # degrees: a grid this coarse always fits
CELL = ("cell_row", "cell_col")  # a cell's row and column, from the south-west corner


@dataclass(frozen=True)
class Grid:
    """A square grid in degrees: the cell side, and the largest count one cell holds."""

    size: float
    densest: int


def draws_markers(count: int) -> bool:
    """Return True when `count` filtered events are drawn as single markers, False for cells."""
    return count <= MARKER_LIMIT


def cells_of(events: ir.Table, size: float) -> ir.Table:
    """Return the events with the row and column of their cell (from the south-west corner)."""
    return events.mutate(
        cell_row=((events["latitude"] + 90.0) / size).floor().cast("int64"),
        cell_col=((events["longitude"] + 180.0) / size).floor().cast("int64"),
    )


def fit_grid(store: Store, max_cells: int = MAX_CELLS) -> Grid:
    """Return the finest grid (doubling from `FINEST_CELL`) on which all events fill at most `max_cells`.

    Fitted to the whole dataset once, the grid stays the same whatever the filter, so the
    colours of its cells mean the same counts on every view. One query counts the occupied
    cells of every candidate size at once.
    """
    sizes = [FINEST_CELL * 2**step for step in range(int(np.log2(COARSEST_CELL / FINEST_CELL)) + 1)]
    events = store.events
    occupied = events.aggregate(
        **{
            f"cells_{step}": (
                ((events["latitude"] + 90.0) / size).floor().cast("int64") * 100_000
                + ((events["longitude"] + 180.0) / size).floor().cast("int64")
            ).nunique()
            for step, size in enumerate(sizes)
        }
    )
    counts = (
        store.fetch(occupied).iloc[0]
        if store.total
        else pd.Series(0, index=[f"cells_{i}" for i in range(len(sizes))])
    )
    size = next((s for step, s in enumerate(sizes) if counts[f"cells_{step}"] <= max_cells), sizes[-1])
    if not store.total:
        return Grid(size, 0)
    per_cell = cells_of(events, size).group_by(["cell_row", "cell_col"]).aggregate(events=ibis._.count())
    return Grid(size, int(store.scalar(per_cell["events"].max())))


def grid_cells(store: Store, f: EventFilter, grid: Grid) -> pd.DataFrame:
    """Return one row per occupied cell: its row and column, bounds, count of events, commonest relation type.

    The counts add up to the number of filtered events: nothing is dropped or counted twice.
    """
    per_kind = store.fetch(
        cells_of(store.narrowed(f), grid.size)
        .group_by([*CELL, "relation_type"])
        .aggregate(events=ibis._.count())
    )
    if per_kind.empty:
        columns = (*CELL, "south", "west", "north", "east", "count", "top_relation")
        return pd.DataFrame({c: [] for c in columns})
    # The commonest relation type of a cell; ties go to the earlier type of the vocabulary.
    per_kind["rank"] = pd.Categorical(per_kind["relation_type"], categories=contract.RELATION_TYPES).codes
    ordered = per_kind.sort_values([*CELL, "events", "rank"], ascending=[True, True, False, True])
    top = ordered.drop_duplicates(list(CELL)).set_index(list(CELL))["relation_type"]
    cells = per_kind.groupby(list(CELL))["events"].sum().rename("count").reset_index()
    south = cells["cell_row"].to_numpy() * grid.size - 90.0
    west = cells["cell_col"].to_numpy() * grid.size - 180.0
    return pd.DataFrame(
        {
            "cell_row": cells["cell_row"].to_numpy(),
            "cell_col": cells["cell_col"].to_numpy(),
            "south": south,
            "west": west,
            "north": np.minimum(south + grid.size, 90.0),
            "east": np.minimum(west + grid.size, 180.0),
            "count": cells["count"].to_numpy(dtype=np.int64),
            "top_relation": top.reindex(pd.MultiIndex.from_frame(cells[list(CELL)])).to_numpy(),
        }
    )
