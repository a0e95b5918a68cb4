"""The time axis of the map and the Timeline page: the histogram, its unit, and the brush that sets the dates.

A brush on a chart's time axis is read back through Streamlit's selection state and put into the
sidebar's From and To boxes (`filterform.set_dates`), so it is the same filter, with the same URL
parameters and notices, as dates typed there; a double click clears the brush and the dates.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from borderstates.analysis.timeline import UNITS, build_timeline, default_unit
from borderstates.app import data as appdata
from borderstates.app import filterform
from borderstates.core.filters import EventFilter
from borderstates.core.store import Store
from borderstates.render import charts

HISTOGRAM = "map_histogram"  # the key of the map's histogram (its selection state)
UNIT_CHOICE = "map_unit"  # the key of its unit's control


def apply_brush(chart_key: str) -> None:
    """Set From and To to the days a chart's brush covers; clear them when the brush is cleared."""
    days = charts.brushed_days(st.session_state.get(chart_key))
    filterform.set_dates(*(days or (None, None)))


def brushable(chart_key: str) -> partial[None]:
    """Return the `on_select` callback of a chart whose brush sets the dates."""
    return partial(apply_brush, chart_key)


def _write_unit() -> None:
    chosen = st.session_state.get(UNIT_CHOICE)
    if chosen in UNITS:
        st.query_params[filterform.UNIT] = chosen
    elif filterform.UNIT in st.query_params:
        del st.query_params[filterform.UNIT]


def show_histogram(store: Store, f: EventFilter) -> None:
    """Draw the filtered events per day, week or month, with the brush and the control of the unit."""
    asked = filterform.unit_from_params(filterform.url_params())
    if asked is None and filterform.UNIT in st.query_params:
        del st.query_params[filterform.UNIT]  # the notice names it; the link in the address bar is clean
    automatic = appdata.ask(store, default_unit, f)
    words, control = st.columns([2, 1], vertical_alignment="bottom")
    chosen = control.segmented_control(
        "Bars per",
        UNITS,
        default=asked,
        key=UNIT_CHOICE,
        on_change=_write_unit,
        help=f"Without a choice, the span shown decides: now a {automatic}.",
    )
    unit = chosen or automatic
    timeline = appdata.ask(store, build_timeline, f, unit)
    if timeline.total == 0:
        words.caption("No event matches the filter: nothing to draw over time.")
        return
    words.caption(
        f"The {timeline.total:,} filtered events per {unit}, by relation type: {timeline.binned:,} dated "
        f"within one {unit}, {timeline.in_band:,} dated less precisely spread faintly over their span. "
        "Drag across the bars to choose From and To; double-click to clear them."
    )
    st.altair_chart(charts.time_histogram(timeline), key=HISTOGRAM, on_select=brushable(HISTOGRAM))
