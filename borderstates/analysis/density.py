"""Many events drawn as grid cells: the map shows what the eye can see, and counts are conserved."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from borderstates.core import contract

MARKER_LIMIT = 1_000  # filtered events drawn one by one; above this, as grid cells
MAX_CELLS = 4_000  # cells drawn at most: the grid coarsens until the whole dataset fits
FINEST_CELL = 0.125  # degrees: the finest cell side (about 14 km north-south)
_BINCOUNT_LIMIT = 8_000_000  # grid slots up to which counting by array index beats sorting


@dataclass(frozen=True)
class Grid:
    """A square grid in degrees: the cell side, and the largest count one cell holds."""

    size: float
    densest: int


def draws_markers(count: int) -> bool:
    """Return True when `count` filtered events are drawn as single markers, False for cells."""
    return count <= MARKER_LIMIT


def fit_grid(events: pd.DataFrame, max_cells: int = MAX_CELLS) -> Grid:
    """Return the finest grid (doubling from `FINEST_CELL`) on which the events fill at most `max_cells`.

    Fitted to a whole dataset once, the grid stays the same whatever the filter, so the
    colours of its cells mean the same counts on every view.
    """
    size = FINEST_CELL
    while True:
        counts = _cell_counts(events, size)[1]
        if len(counts) <= max_cells or size >= 90:
            return Grid(size, int(counts.max()) if len(counts) else 0)
        size *= 2


def grid_cells(events: pd.DataFrame, grid: Grid) -> pd.DataFrame:
    """Return one row per occupied cell: its bounds, its count of events, its commonest relation type.

    The counts add up to the number of events: nothing is dropped or counted twice.
    """
    keys, counts, inverse = _cell_counts(events, grid.size, with_inverse=True)
    rows, cols = np.divmod(keys, _columns(grid.size))
    south, west = rows * grid.size - 90.0, cols * grid.size - 180.0
    relations = pd.Categorical(events["relation_type"], categories=contract.RELATION_TYPES).codes
    kinds = len(contract.RELATION_TYPES)
    per_kind = np.bincount(inverse * kinds + relations, minlength=len(keys) * kinds).reshape(-1, kinds)
    return pd.DataFrame(
        {
            "south": south,
            "west": west,
            "north": np.minimum(south + grid.size, 90.0),
            "east": np.minimum(west + grid.size, 180.0),
            "count": counts,
            "top_relation": np.asarray(contract.RELATION_TYPES)[per_kind.argmax(axis=1)],
        }
    )


def _columns(size: float) -> int:
    return int(np.ceil(360.0 / size)) + 1


def _cell_counts(
    events: pd.DataFrame, size: float, with_inverse: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the occupied cells' keys (row * columns + column), their counts and each event's cell."""
    row = np.floor((events["latitude"].to_numpy() + 90.0) / size).astype(np.int64)
    col = np.floor((events["longitude"].to_numpy() + 180.0) / size).astype(np.int64)
    key = row * _columns(size) + col
    slots = (int(np.ceil(180.0 / size)) + 1) * _columns(size)
    if slots <= _BINCOUNT_LIMIT:  # one pass, no sort
        per_slot = np.bincount(key, minlength=slots)
        keys = np.flatnonzero(per_slot)
        inverse = np.searchsorted(keys, key) if with_inverse else np.empty(0, np.int64)
        return keys, per_slot[keys], inverse
    unique = np.unique(key, return_inverse=True, return_counts=True)  # values, inverse, counts
    return unique[0], unique[2], unique[1]
