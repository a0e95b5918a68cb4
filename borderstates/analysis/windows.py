"""The filtered events per window of time, for playback in the browser: per state and per density cell.

A window is one bar of the time histogram (a day, a Monday week or a month). An event shows in
a window while its span (`date` … `span_end`) overlaps it, so each event is counted twice: in
the window where its span begins and in the window where it ends. The events a window `k` shows
are then those begun by its end less those ended before it began,

    shown[k] = starts[0..k].sum() - ends[0..k-1].sum()      (cumulative playback: the first term)

an exact count for any span, made from arrays that grow with the windows and the cells, never
with the events. The engine answers one grouped question; the browser sums the arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import ibis
import numpy as np
import pandas as pd

from borderstates.analysis import density
from borderstates.analysis.timeline import UNITS, bin_of, next_bin, window_starts
from borderstates.core.contract import LOCATED_IN, SPAN_END
from borderstates.core.filters import EventFilter
from borderstates.core.store import Store

# Cells × windows sent for playback at most (two arrays of counts, about 1.2 MB each as text); beyond,
# the cells do not play and the control asks for a longer window or a narrower filter.
MAX_CELL_WINDOWS = 600_000
# Rows of (cell, first window, last window) asked of the engine at most: a bound on the answer
# before the arrays are made (they hold fewer values than that when the windows are many).
MAX_CELL_ROWS = 2 * MAX_CELL_WINDOWS
OUTSIDE = ""  # the key of the events placed in no state of the geometry


@dataclass(frozen=True)
class Counts:
    """Events that begin and that end in each window, per key (a state's code, or a cell)."""

    starts: np.ndarray  # keys × windows
    ends: np.ndarray

    def shown(self, k: int, *, cumulative: bool = False) -> np.ndarray:
        """Return the events each key shows in window `k` (moving, or cumulative from the first)."""
        begun = self.starts[:, : k + 1].sum(axis=1)
        return begun if cumulative else begun - self.ends[:, :k].sum(axis=1)


@dataclass(frozen=True)
class Windows:
    """The windows of one unit over the filtered events' reach, and their counts.

    `days` holds the first day of every window, contiguous from the first to the last window, and
    `end` the day after the last. `states` counts per placed state (`OUTSIDE` for none);
    `cells` per density cell (`cell_keys` gives their rows and columns on the grid), None when
    the map draws markers or when there are more than `MAX_CELL_WINDOWS` values.
    """

    unit: str
    days: pd.DatetimeIndex
    end: pd.Timestamp | None
    state_keys: list[str]
    states: Counts
    cell_keys: pd.DataFrame | None = None
    cells: Counts | None = None

    @property
    def too_many_cells(self) -> bool:
        """True when the map draws cells but their windows were too many to send."""
        return self.cell_keys is not None and self.cells is None


def window_counts(store: Store, f: EventFilter, unit: str, grid: density.Grid | None = None) -> Windows:
    """Return the events `f` keeps, counted where they begin and end, per window of `unit`.

    Per state always (for the choropleth and the count); per cell of `grid` when it is given.
    """
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, not {unit!r}")
    events = store.matching(f)
    keys = [LOCATED_IN]
    if grid is not None:
        events = density.cells_of(events, grid.size)
        keys += ["cell_row", "cell_col"]
    spans = events.group_by(
        *keys, first=bin_of(events["date"], unit), last=bin_of(events[SPAN_END], unit)
    ).aggregate(events=ibis._.count())
    rows = store.fetch(spans.limit(MAX_CELL_ROWS + 1) if grid is not None else spans)
    too_many = len(rows) > MAX_CELL_ROWS
    if too_many:  # the states' counts alone, asked again without the cells
        states = events.group_by(
            LOCATED_IN, first=bin_of(events["date"], unit), last=bin_of(events[SPAN_END], unit)
        ).aggregate(events=ibis._.count())
        rows = store.fetch(states)
    rows[LOCATED_IN] = rows[LOCATED_IN].fillna(OUTSIDE).astype(str)
    if rows.empty:
        empty = Counts(np.zeros((0, 0), dtype=np.int64), np.zeros((0, 0), dtype=np.int64))
        return Windows(unit, pd.DatetimeIndex([]), None, [], empty)
    days = window_starts(pd.Timestamp(rows["first"].min()), pd.Timestamp(rows["last"].max()), unit)
    end = pd.Timestamp(next_bin(pd.Series(days[-1:]), unit).iloc[0])
    first = days.searchsorted(pd.to_datetime(rows["first"]))
    last = days.searchsorted(pd.to_datetime(rows["last"]))
    state_codes, state_index = np.unique(rows[LOCATED_IN].to_numpy(), return_inverse=True)
    states = _counts(state_index, len(state_codes), first, last, rows["events"].to_numpy(), len(days))
    windows = Windows(unit, days, end, state_codes.tolist(), states)
    if grid is None:
        return windows
    if too_many:
        return replace(windows, cell_keys=pd.DataFrame({"cell_row": [], "cell_col": []}))
    cell_frame = rows[["cell_row", "cell_col"]]
    cell_keys = cell_frame.drop_duplicates().sort_values(["cell_row", "cell_col"], ignore_index=True)
    if len(cell_keys) * len(days) > MAX_CELL_WINDOWS:
        return replace(windows, cell_keys=cell_keys)
    index = pd.MultiIndex.from_frame(cell_keys).get_indexer(pd.MultiIndex.from_frame(cell_frame))
    cells = _counts(index, len(cell_keys), first, last, rows["events"].to_numpy(), len(days))
    return replace(windows, cell_keys=cell_keys, cells=cells)


def _counts(
    key: np.ndarray, keys: int, first: np.ndarray, last: np.ndarray, events: np.ndarray, windows: int
) -> Counts:
    starts = np.zeros((keys, windows), dtype=np.int64)
    ends = np.zeros((keys, windows), dtype=np.int64)
    np.add.at(starts, (key, first), events)
    np.add.at(ends, (key, last), events)
    return Counts(starts, ends)
