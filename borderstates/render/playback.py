"""Playback of the filtered events in the map: the control, the counts it plays, and what it reports back.

The control's script (`js/playback.js`) travels in the map frame's one bundle (`assets`). It
plays the counts per window (`WindowCounts`, from `analysis.windows`) and the spans the markers
carry, as day numbers (`days_since_epoch`): no round trip per frame. "Use this window" and a new
unit, and the asking for counts and their end, are reported as the tooltip of a click, which the
page reads back with `clicked_window`, `clicked_unit` and `clicked_playing`.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from borderstates.analysis.timeline import UNITS
from borderstates.analysis.windows import Windows

WINDOW_TAG = "bs-window"  # the first word of the tooltip that reports a window: "bs-window FIRST LAST"
UNIT_TAG = f"{WINDOW_TAG}-unit"  # and of the one that reports a new unit: "bs-window-unit week"
PLAY_TAG, OFF_TAG = f"{WINDOW_TAG}-play", f"{WINDOW_TAG}-off"  # playback wants its counts; no longer
_EPOCH = pd.Timestamp("1970-01-01")


class Playback(MacroElement):
    """The playback control: play, pause, step, window (day, week, month), moving or cumulative, speed."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        if (L.Control.BsPlayback) {
            new L.Control.BsPlayback({position: {{ this.position|tojson }}, tag: {{ this.tag|tojson }}})
                .addTo({{ this._parent.get_name() }});
        }
        {% endmacro %}
        """
    )

    def __init__(self, position: str = "bottomright"):
        super().__init__()
        self._name = "Playback"
        self.position = position
        self.tag = WINDOW_TAG


def days_since_epoch(days: pd.Series) -> list[int]:
    """Return dates as whole days since 1970-01-01, as the control reads them."""
    return ((pd.to_datetime(days) - _EPOCH).dt.days).tolist()


def clicked_window(tooltip: object) -> tuple[dt.date, dt.date] | None:
    """Return the window that "use this window" reported (first and last day), or None."""
    words = str(tooltip or "").split()
    if len(words) != 3 or words[0] != WINDOW_TAG:
        return None
    try:
        first, last = (dt.date.fromisoformat(d) for d in words[1:])
    except ValueError:
        return None
    return (first, last) if first <= last else None


def clicked_playing(tooltip: object) -> bool | None:
    """Return True when the control asked for its counts (playback began), False when it stopped."""
    return {PLAY_TAG: True, OFF_TAG: False}.get(str(tooltip or "").strip())


def clicked_unit(tooltip: object) -> str | None:
    """Return the unit the control's window was set to (day, week or month), or None."""
    words = str(tooltip or "").split()
    return words[1] if len(words) == 2 and words[0] == UNIT_TAG and words[1] in UNITS else None


class WindowCounts(MacroElement):
    """The filtered events per window, per state and per density cell, attached to the states' layer.

    Numbers only (and the four states' codes): a few kB for the states by week or month (some
    40 kB by day over years), up to about 2.5 MB for the cells (`analysis.windows.MAX_CELL_WINDOWS`).
    Until playback is used only the unit travels (`window_data` without counts), and the control
    asks for the counts when it starts.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}._bsWindows = {{ this.data|tojson }};
        {% endmacro %}
        """
    )

    def __init__(self, data: dict[str, object]):
        super().__init__()
        self._name = "WindowCounts"
        self.data = data


def window_data(
    unit: str,
    windows: Windows | None,
    fills: list[tuple[int, str]],
    zero: str,
    cells: pd.DataFrame | None = None,
) -> dict[str, object]:
    """Return what the control plays: the windows' first days, the counts, the states' fill classes.

    Parameters
    ----------
    unit
        The window's unit, the histogram's (day, week or month).
    windows
        The counts per window of that unit (`analysis.windows.window_counts`); None until
        playback asks for them.
    fills, zero
        Each fill class's lowest count and colour, as the legend has them, and the colour of none.
    cells
        The density cells drawn (`analysis.density.grid_cells`, with `cell_row` and `cell_col`):
        the cells' counts are sent in their order.

    """
    if windows is None:
        return {"unit": unit, "days": None}
    cell_counts: dict[str, object] | None = None
    if windows.cells is not None and windows.cell_keys is not None and cells is not None:
        keys = pd.MultiIndex.from_frame(windows.cell_keys)
        order = keys.get_indexer(pd.MultiIndex.from_frame(cells[["cell_row", "cell_col"]]))
        cell_counts = {"starts": _rows(windows.cells.starts[order]), "ends": _rows(windows.cells.ends[order])}
    return {
        "unit": windows.unit,
        "days": days_since_epoch(pd.Series(windows.days)),
        "end": days_since_epoch(pd.Series([windows.end]))[0] if windows.end is not None else None,
        "states": {
            "codes": windows.state_keys,
            "starts": _rows(windows.states.starts),
            "ends": _rows(windows.states.ends),
        },
        "cells": cell_counts,
        "tooManyCells": windows.too_many_cells,
        "fills": {"lows": [low for low, _ in fills], "colours": [c for _, c in fills], "zero": zero},
    }


def _rows(counts: np.ndarray) -> list[list[int]]:
    return counts.astype(np.int64).tolist()
