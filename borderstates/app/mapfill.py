"""The map's fill, chosen by the reader: count, change or difference, by state or region, kept in the URL.

The controls write `fill` and `by` into the URL (the Trends page shares `by` and the periods),
and `map_fill` asks the engine what the chosen fill needs: the counts the page already has,
or the trends and the two periods compared of `analysis.trends`.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import streamlit as st
from markupsafe import Markup
from streamlit.delta_generator import DeltaGenerator

from borderstates.analysis import mapdata, trends
from borderstates.analysis.trends import Periods
from borderstates.app import data as appdata
from borderstates.app import filterform, trendform
from borderstates.core.engine import Store
from borderstates.core.filters import EventFilter
from borderstates.render import fills, mapview

FILL_CHOICE, UNITS_CHOICE = "map_fill", "map_units"  # the controls' keys
_FILL_NAMES = {"count": "count", "change": "change", "difference": "A → B"}


@dataclass(frozen=True)
class MapFill:
    """What the map's states and regions are filled with, and what the legend says of it."""

    states: dict[str, fills.Fill]
    regions: fills.RegionFill | None
    legend: Markup
    region_codes: tuple[str, ...]  # the regions drawn: a click on one filters by it


def _write(key: str, param: str, default: str) -> None:
    chosen = st.session_state.get(key) or default
    if chosen != default:
        st.query_params[param] = chosen
    elif param in st.query_params:
        del st.query_params[param]


def fill_controls(container: DeltaGenerator) -> tuple[str, str]:
    """Draw "Fill by" (count, change, difference) and "Units" (state, region); return the two choices."""
    asked, _ = trendform.settings_from_params(filterform.url_params())
    what, units = container.columns(2)
    fill = what.segmented_control(
        "Fill by",
        fills.FILLS,
        format_func=lambda choice: _FILL_NAMES.get(choice, choice),
        default=asked.fill,
        key=FILL_CHOICE,
        on_change=_write,
        args=(FILL_CHOICE, trendform.FILL, "count"),
        help="count: the filtered events; change: the latest week against its baseline (see Trends); "
        "A → B: the events of period B minus those of period A (by default the baseline and the latest week)",
    )
    unit = units.segmented_control(
        "Units",
        fills.UNITS,
        default=asked.by,
        key=UNITS_CHOICE,
        on_change=_write,
        args=(UNITS_CHOICE, trendform.BY, "state"),
        help=f"Regions (admin-1) fill the map from zoom {fills.REGION_ZOOM} on in any case",
    )
    return fill or "count", unit or "state"


def map_fill(
    store: Store,
    dataset: appdata.PerDataset,
    countries: gpd.GeoDataFrame,
    f: EventFilter,
    placed: mapdata.Placed,
    fill: str,
    units: str,
) -> MapFill:
    """Return the fill of the states and the regions for the filter `f`, as the reader chose it."""
    states = mapview.state_units(countries)
    drawn = appdata.drawn_regions()
    regions = fills.region_units(drawn[1]) if drawn else []
    counts_keys = mapview.count_keys(dataset.region_classes if units == "region" else dataset.classes)
    periods = _periods(store, f) if fill != "count" else None
    if fill == "change" and periods is not None:
        by_state, by_region = (
            appdata.ask(store, trends.build_trends, f, periods, by) for by in ("state", "region")
        )
        state_fills, region_fills = (
            fills.change_fills(states, by_state),
            fills.change_fills(regions, by_region),
        )
        legend = fills.fill_legend(fill, units, counts_keys, periods)
    elif fill == "difference" and periods is not None:
        a, b = _compared(periods)
        state_cmp, region_cmp = (
            appdata.ask(store, trends.compare_periods, f, a, b, by) for by in ("state", "region")
        )
        state_fills, region_fills = (
            fills.difference_fills(states, state_cmp),
            fills.difference_fills(regions, region_cmp),
        )
        # The legend shows the scale of the units chosen (regions shown on zooming in keep their own).
        shown = region_cmp if units == "region" else state_cmp
        legend = fills.fill_legend(fill, units, counts_keys, compared=shown)
    else:  # counts (also when no event matches: there are no periods to compare)
        state_fills = mapview.count_fills(states, placed.counts, dataset.classes, placed.deaths)
        region_fills = mapview.count_fills(
            regions, placed.regions, dataset.region_classes, placed.region_deaths
        )
        legend = fills.fill_legend("count", units, counts_keys)
    layer = (
        fills.RegionFill(drawn[0], region_fills, always=units == "region", selected=list(f.regions))
        if drawn
        else None
    )
    return MapFill(state_fills, layer, legend, tuple(u.code for u in regions))


def _periods(store: Store, f: EventFilter) -> Periods | None:
    settings, _ = trendform.settings_from_params(filterform.url_params())
    day = settings.as_of or appdata.ask(store, trends.default_as_of, f)
    return trends.periods_until(day, settings.period, settings.baseline) if day else None


def _compared(periods: Periods) -> tuple[tuple, tuple]:
    """Return the periods A and B the link names; by default the baseline's days and the latest period's."""
    settings, _ = trendform.settings_from_params(filterform.url_params())
    a = settings.a or (periods.first_day.date(), (periods.latest - pd.Timedelta(days=1)).date())
    b = settings.b or (periods.latest.date(), periods.last_day.date())
    return a, b
