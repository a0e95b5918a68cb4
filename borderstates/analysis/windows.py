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
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from borderstates.analysis import density
from borderstates.analysis.density import CELL
from borderstates.analysis.timeline import UNITS, bin_of, next_bin, window_starts
from borderstates.core.contract import FOCUS_STATES, LOCATED_IN, SPAN_END
from borderstates.core.engine import Store
from borderstates.core.filters import EventFilter

# Cells × windows sent for playback at most (two arrays of counts, about 1.2 MB each as text); beyond,
# the cells do not play and the control asks for a longer window or a narrower filter.
MAX_CELL_WINDOWS = 600_000
# Rows of (state, cell, window) asked of the engine at most, for where spans begin and again for
# where they end: a bound on the answer before the arrays are made (a cell on a border is a row
# per state).
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
    the map draws markers, or when there are more than `MAX_CELL_WINDOWS` values or
    `MAX_CELL_ROWS` rows.
    """

    unit: str
    days: pd.DatetimeIndex
    state_keys: list[str]
    states: Counts
    cell_keys: pd.DataFrame | None = None
    cells: Counts | None = None

    @property
    def end(self) -> pd.Timestamp | None:
        """The day after the last window (None without windows)."""
        if len(self.days) == 0:
            return None
        return pd.Timestamp(next_bin(pd.Series(self.days[-1:]), self.unit).iloc[0])

    @property
    def too_many_cells(self) -> bool:
        """True when the map draws cells but their windows were too many to send."""
        return self.cell_keys is not None and self.cells is None


def window_counts(store: Store, f: EventFilter, unit: str, grid: density.Grid | None = None) -> Windows:
    """Return the events `f` keeps, counted where they begin and end, per window of `unit`.

    Per focus state (the others and the sea together as `OUTSIDE`) always, for the choropleth and
    the count; per cell of `grid` when it is given. The windows run from the first event's to the
    last one's, within the filter's From and To: an event begun before the first window counts
    as begun in it, one that ends after the last never ends.
    """
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, not {unit!r}")
    events = store.narrowed(f)
    keys = [LOCATED_IN]
    if grid is not None:
        events = density.cells_of(events, grid.size)
        keys += list(CELL)
    # Two small answers, each at most a row per key and window: where spans begin, where they end.
    # With cells the answers are cut at `MAX_CELL_ROWS`; a row per state and window is always few.
    limit = MAX_CELL_ROWS if grid is not None else None
    begun, ended = (_per_window(store, events, keys, column, unit, limit) for column in ("date", SPAN_END))
    too_many = begun is None or ended is None
    if too_many:  # more rows than cells may send: the states' counts alone, asked again
        begun, ended = (_per_window(store, events, [LOCATED_IN], c, unit, None) for c in ("date", SPAN_END))
    assert begun is not None and ended is not None  # the states' rows are never cut short
    if begun.empty:
        empty = Counts(np.zeros((0, 0), dtype=np.int64), np.zeros((0, 0), dtype=np.int64))
        return Windows(unit, pd.DatetimeIndex([]), [], empty)
    first, last = pd.Timestamp(begun["window"].min()), pd.Timestamp(ended["window"].max())
    if f.date_from is not None:  # window_starts begins at the window that holds it
        first = max(first, pd.Timestamp(f.date_from))
    if f.date_to is not None:
        last = min(last, pd.Timestamp(f.date_to))
    days = window_starts(first, last, unit)
    for rows in (begun, ended):
        rows[LOCATED_IN] = rows[LOCATED_IN].astype(str).where(rows[LOCATED_IN].isin(FOCUS_STATES), OUTSIDE)
    codes = sorted(set(begun[LOCATED_IN]) | set(ended[LOCATED_IN]))
    states = _counts(begun, ended, [LOCATED_IN], pd.DataFrame({LOCATED_IN: codes}), days)
    windows = Windows(unit, days, codes, states)
    if grid is None:
        return windows
    if too_many:
        return replace(windows, cell_keys=pd.DataFrame({c: [] for c in CELL}))
    cell_keys = begun[list(CELL)].drop_duplicates().sort_values(list(CELL), ignore_index=True)
    if len(cell_keys) * len(days) > MAX_CELL_WINDOWS:
        return replace(windows, cell_keys=cell_keys)
    return replace(windows, cell_keys=cell_keys, cells=_counts(begun, ended, list(CELL), cell_keys, days))


def _per_window(
    store: Store, events: ir.Table, keys: list[str], column: str, unit: str, limit: int | None
) -> pd.DataFrame | None:
    """Return the events per key and window of `column`'s day; None when there are more than `limit` rows."""
    grouped = events.group_by(*keys, window=bin_of(events[column], unit)).aggregate(events=ibis._.count())
    if limit is None:
        return store.fetch(grouped)
    rows = store.fetch(grouped.limit(limit + 1))
    return None if len(rows) > limit else rows


def _counts(
    begun: pd.DataFrame, ended: pd.DataFrame, keys: list[str], key_rows: pd.DataFrame, days: pd.DatetimeIndex
) -> Counts:
    """Sum the rows per key (in the order of `key_rows`) and window into two keys × windows arrays.

    A window before the first is the first; an end after the last window falls off the arrays.
    """
    index = pd.MultiIndex.from_frame(key_rows[keys])
    arrays = []
    for rows in (begun, ended):
        key = index.get_indexer(pd.MultiIndex.from_frame(rows[keys]))
        # Every window is a day of `days` or lies before the first (index 0) or after the last
        # (index len(days), the column that falls off).
        window = days.searchsorted(pd.to_datetime(rows["window"]))
        counts = np.zeros((len(index), len(days) + 1), dtype=np.int64)
        np.add.at(counts, (key, window), rows["events"].to_numpy())
        arrays.append(counts[:, : len(days)])
    return Counts(*arrays)
