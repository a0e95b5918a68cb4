"""The time axis of the map and the Timeline page: the histogram, its unit, and the brush that sets the dates.

A brush on a chart's time axis is read back through Streamlit's selection state and put into the
sidebar's From and To boxes (`filterform.set_dates`), so it is the same filter, with the same URL
parameters and notices, as dates typed there; a double click clears the brush and the dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from functools import partial

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from borderstates.analysis.timeline import UNITS, build_timeline, default_unit
from borderstates.app import data as appdata
from borderstates.app import filterform
from borderstates.core.engine import Store
from borderstates.core.filters import EventFilter
from borderstates.render import charts

HISTOGRAM = "map_histogram"  # the key of the map's histogram (its selection state)
UNIT_CHOICE = "map_unit"  # the key of its unit's control


def apply_brush(chart_key: str) -> None:
    """Set From and To to the days a chart's brush covers; clear them when the brush is cleared."""
    days = charts.brushed_days(st.session_state.get(chart_key))
    filterform.set_dates(*(days or (None, None)))


def brush_days(f: EventFilter) -> tuple[dt.date, dt.date] | None:
    """Return the days a chart's brush shows: the filter's From and To, when both are set."""
    return (f.date_from, f.date_to) if f.date_from and f.date_to else None


def brushable(chart_key: str) -> partial[None]:
    """Return the `on_select` callback of a chart whose brush sets the dates."""
    return partial(apply_brush, chart_key)


def _write_unit() -> None:
    chosen = st.session_state.get(UNIT_CHOICE)
    if chosen in UNITS:
        st.query_params[filterform.UNIT] = chosen
    elif filterform.UNIT in st.query_params:
        del st.query_params[filterform.UNIT]


def set_unit(unit: str) -> None:
    """Choose the unit, as the control below the map does (a callback: before the control is drawn)."""
    st.session_state[UNIT_CHOICE] = unit
    _write_unit()


def undated(f: EventFilter) -> EventFilter:
    """Return the filter without its dates: what the map's histogram counts."""
    return replace(f, date_from=None, date_to=None)


def unit_control(container: DeltaGenerator, automatic: str) -> str:
    """Draw the control of the bars' unit (URL `unit`, kept by the page links); return the unit.

    One control for the map's histogram, its playback and the Timeline page: without a choice,
    `automatic`, the unit that suits the span shown.
    """
    asked = filterform.unit_from_params(filterform.url_params())
    if asked is None and filterform.UNIT in st.query_params:
        del st.query_params[filterform.UNIT]  # the notice names it; the link in the address bar is clean
    chosen = container.segmented_control(
        "Bars per",
        UNITS,
        default=None if UNIT_CHOICE in st.session_state else asked,  # a value set by a callback wins
        key=UNIT_CHOICE,
        on_change=_write_unit,
        help=f"Without a choice, the span shown decides: now a {automatic}. Playback's window is one bar.",
    )
    return chosen or automatic


def show_histogram(store: Store, f: EventFilter) -> str:
    """Draw the events per day, week or month below the map, with the brush and the control of the unit.

    The bars follow every filter but the dates, which the brush shows and sets: brushed, the
    axis stays where it was, and the brush over the range that From and To keep. Returns the
    unit, which is also playback's window.
    """
    words, control = st.columns([2, 1], vertical_alignment="bottom")
    unit = unit_control(control, appdata.ask(store, default_unit, undated(f)))
    timeline = appdata.ask(store, build_timeline, undated(f), unit)
    if timeline.total == 0:
        words.caption("No event matches the filter: nothing to draw over time.")
        return unit
    dates = "" if undated(f) == f else " (all dates: the brush shows From and To)"
    words.caption(
        f"The {timeline.total:,} events of the other filters{dates} per {unit}, by relation type: "
        f"{timeline.binned:,} dated within one {unit}, {timeline.in_band:,} dated less precisely spread "
        "faintly over their span. Drag across the bars to choose From and To; double-click to clear them."
    )
    chart = charts.time_histogram(timeline, brush_days(f))
    st.altair_chart(chart, key=HISTOGRAM, on_select=brushable(HISTOGRAM))
    return unit
