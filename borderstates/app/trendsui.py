"""Streamlit glue of the Trends page: its settings (kept in the URL), the trend tables, the comparison.

What is counted and banded is `analysis.trends`; here the settings are read from the URL and
the widgets, the answers drawn, and a click on a row applied as the country filter.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

import pandas as pd
import streamlit as st

from borderstates.analysis import trends
from borderstates.analysis.trends import Periods, Trends
from borderstates.app import filterform, trendform
from borderstates.app.page import PageView
from borderstates.app.trendform import TrendSettings
from borderstates.render.palette import BAND_COLOURS

_KEYS = {  # widget key → URL parameter
    "trend_period": trendform.PERIOD,
    "trend_baseline": trendform.BASELINE,
    "trend_asof": trendform.AS_OF,
    "trend_by": trendform.BY,
    "trend_a": trendform.PERIOD_A,
    "trend_b": trendform.PERIOD_B,
}
TABLE_KEY = "trend_table"
COMPARE_KEY = "trend_compare"


def _settings_from_widgets() -> TrendSettings:
    state = st.session_state
    a, b = (_range(state.get(key)) for key in ("trend_a", "trend_b"))
    return TrendSettings(
        period=state.get("trend_period") or "week",
        baseline=int(state.get("trend_baseline") or trends.DEFAULT_BASELINE),
        as_of=state.get("trend_asof"),
        by=state.get("trend_by") or "state",
        a=a,
        b=b if a is None or b is None or a[0] <= b[0] else None,
    )


def _range(value: object) -> tuple[dt.date, dt.date] | None:
    """Return a date range widget's value once both ends are chosen (it holds one while the reader picks)."""
    if isinstance(value, tuple | list) and len(value) == 2 and all(isinstance(d, dt.date) for d in value):
        return value[0], value[1]
    return None


def _write_url() -> None:
    wanted = trendform.params_from_settings(_settings_from_widgets())
    for name in trendform.TREND_PARAMS:
        if name in wanted:
            st.query_params[name] = wanted[name]
        elif name in st.query_params:
            del st.query_params[name]


def trend_controls(view: PageView) -> tuple[TrendSettings, Periods | None]:
    """Draw the settings (period, baseline, as-of day, unit); return them and the periods they give.

    The URL is their truth: every change writes it at once, and each run gives the widgets its
    values, so a unit chosen on the map (`by`, shared) shows here too. The periods compared
    keep the session's values while the reader picks their ends. The periods are None when no
    event matches (there is no as-of day).
    """
    asked, _ = trendform.settings_from_params(filterform.url_params())
    st.session_state.update(
        {
            "trend_period": asked.period,
            "trend_baseline": asked.baseline,
            "trend_asof": asked.as_of,
            "trend_by": asked.by,
        }
    )
    st.session_state.setdefault("trend_a", asked.a)
    st.session_state.setdefault("trend_b", asked.b)
    period, baseline, as_of, by = st.columns(4)
    period.segmented_control("Period", trends.PERIODS, key="trend_period", on_change=_write_url)
    baseline.number_input(
        "Baseline periods",
        min_value=1,
        max_value=trends.MAX_BASELINE,
        step=1,
        key="trend_baseline",
        on_change=_write_url,
        help="The latest period is compared with the mean of this many periods before it "
        "(4 by default; 52 weeks or 12 months for the long view).",
    )
    default_day = view.ask(trends.default_as_of)
    as_of.date_input(
        "As of",
        min_value=filterform.EARLIEST,
        max_value=filterform.LATEST,
        key="trend_asof",
        format="YYYY-MM-DD",
        on_change=_write_url,
        help=f"The latest period is the last complete one ending by this day. Empty: the last day "
        f"a filtered event's span reaches{f' ({default_day})' if default_day else ''}.",
    )
    by.radio("By", tuple(trends.UNIT_COLUMNS), key="trend_by", horizontal=True, on_change=_write_url)
    settings = _settings_from_widgets()
    day = settings.as_of or default_day
    return settings, trends.periods_until(day, settings.period, settings.baseline) if day else None


def _describe(periods: Periods) -> str:
    unit = periods.period
    latest = f"{periods.latest:%Y-%m-%d} to {periods.last_day:%Y-%m-%d}"
    before = f"{periods.first_day:%Y-%m-%d} to {periods.latest - pd.Timedelta(days=1):%Y-%m-%d}"
    return (
        f"Latest: the {unit} of {latest}, the last complete {unit} by {periods.as_of}. Baseline: the "
        f"mean of the {periods.baseline} {unit}s before it ({before})."
    )


def show_trends(view: PageView, settings: TrendSettings, periods: Periods) -> None:
    """Draw the trend table (a click on a row filters by that unit) and the new actors."""
    built: Trends = view.ask(trends.build_trends, periods, settings.by)
    st.caption(
        f"{_describe(periods)} An event counts in a {periods.period} only when its whole span lies "
        f"within it: {built.left_out:,} filtered events of these {periods.period}s are left out, "
        f"dated less precisely or running over a {periods.period}'s end. Bands: "
        + "; ".join(f"{b}: {trends.BAND_MEANINGS[b]}" for b in trends.BANDS)
        + "."
    )
    if built.table.empty:
        st.info(f"No filtered event lies wholly within these {periods.period}s.")
        return
    frame = trend_frame(built)
    st.dataframe(
        frame.style.map(_band_style, subset=["band"]),
        key=TABLE_KEY,
        hide_index=True,
        on_select=partial(_apply_row, TABLE_KEY, list(built.table["unit"]), settings.by),
        selection_mode="single-row",
        column_config={
            "unit": st.column_config.TextColumn("code"),
            "latest": st.column_config.NumberColumn(f"latest {periods.period}", format="%d"),
            "baseline": st.column_config.NumberColumn("baseline (mean)", format="%.2f"),
            "change": st.column_config.NumberColumn("change", format="%+.1f %%"),
            "deaths_latest": st.column_config.TextColumn(
                "deaths, latest", help="With the range where a source gives one (UCDP's low–high)"
            ),
            "fatalities_baseline": st.column_config.NumberColumn("deaths, baseline", format="%.2f"),
            "series": st.column_config.BarChartColumn(
                f"per {periods.period}", help="Oldest first; the latest last", y_min=0
            ),
        },
    )
    st.caption("Choose a row (the box at its left) to filter every page by that unit.")
    st.subheader("New actors")
    actors = built.new_actors
    if actors.empty:
        st.caption(f"No actor of the latest {periods.period} is missing from the baseline.")
    else:
        st.caption(f"Actors with events in the latest {periods.period} and none in the baseline, per state.")
        st.dataframe(
            actors, hide_index=True, column_config={"events": st.column_config.NumberColumn(format="%d")}
        )


def trend_frame(built: Trends) -> pd.DataFrame:
    """Return the trend table as the page shows it: a name beside each code, the change in percent."""
    table = built.table.reset_index(drop=True)
    named = table.assign(change=table["change"] * 100)
    shown = [
        "name",
        "unit",
        "latest",
        "baseline",
        "change",
        "band",
        "deaths_latest",
        "fatalities_baseline",
    ]
    return named[[*shown, "series"]]


def _band_style(value: object) -> str:
    colour = BAND_COLOURS.get(str(value))
    return f"background-color: {colour}; color: #000000" if colour else ""


def _apply_row(key: str, units: list[str], by: str) -> None:
    rows = (st.session_state.get(key) or {}).get("selection", {}).get("rows", [])
    if rows and 0 <= rows[0] < len(units) and units[rows[0]]:
        key = filterform.COUNTRY if by == "state" else filterform.REGION
        st.session_state[key] = [units[rows[0]]]  # as if chosen in the sidebar
        filterform.clear_event()


def show_comparison(view: PageView, settings: TrendSettings, periods: Periods) -> None:
    """Draw two periods' controls (by default the baseline and the latest) and their counts per unit."""
    st.subheader("Two periods compared")
    baseline_days = (periods.first_day.date(), (periods.latest - pd.Timedelta(days=1)).date())
    latest_days = (periods.latest.date(), periods.last_day.date())
    st.session_state.setdefault("trend_a", None)
    st.session_state.setdefault("trend_b", None)
    left, right = st.columns(2)
    for column, key, label, default in (
        (left, "trend_a", "Period A", baseline_days),
        (right, "trend_b", "Period B", latest_days),
    ):
        if st.session_state.get(key) is None:
            st.session_state[key] = default
        column.date_input(
            label,
            min_value=filterform.EARLIEST,
            max_value=filterform.LATEST,
            key=key,
            format="YYYY-MM-DD",
            on_change=_write_url,
        )
    a, b = _range(st.session_state.get("trend_a")), _range(st.session_state.get("trend_b"))
    if a is None or b is None:
        st.caption("Choose both ends of each period.")
        return
    if a[0] > b[0]:
        st.warning("Period A begins after period B: choose A first, B after it.")
        return
    compared = view.ask(trends.compare_periods, a, b, settings.by)
    st.caption(
        f"Events whose whole span lies in A ({a[0]} to {a[1]}) and in B ({b[0]} to {b[1]}); "
        f"{compared.left_out:,} filtered events touch a period without lying wholly within it."
    )
    if compared.table.empty:
        st.info("No filtered event lies wholly within either period.")
        return
    frame = compared.table.copy()
    st.dataframe(
        frame,
        key=COMPARE_KEY,
        hide_index=True,
        column_config={
            "unit": st.column_config.TextColumn("code"),
            "ratio": st.column_config.NumberColumn("B ÷ A", format="%.2f"),
            "difference": st.column_config.NumberColumn("B − A", format="%+d"),
        },
    )
