"""Chart builders: plain functions that return Altair charts and never touch Streamlit.

Vega-Lite draws them inside Streamlit's own bundle, from data inlined in the chart: no chart
fetches anything (no data URLs, no web fonts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Literal, TypeVar, cast

import altair as alt
import numpy as np
import pandas as pd

from borderstates.analysis.relations import NO_OTHER_SIDE, Relations
from borderstates.analysis.timeline import NOT_DRAWN, Timeline, band_overlap, band_spread
from borderstates.core import contract
from borderstates.core.contract import CONFLICT, NEUTRAL
from borderstates.render.palette import NO_BALANCE, RELATION_COLOURS, VIOLET

AXIS_WIDTH = 56  # px held for every y axis, so that the stacked time axes line up
LANE_HEIGHT = 12  # px
FRAME_HEIGHT = 64  # px of a chart's title and time axis: Streamlit fits both into the height
LABEL_LIMIT = 220  # px of an actor's name on a chart, cut with "…" beyond (the tooltip has it whole)
PICK = "actor_pick"  # the selection that applies an actor as the filter
BRUSH = "dates"  # the interval selection (on the time axis) that sets From and To
HISTOGRAM_HEIGHT = 90  # px of the bars of the map's time histogram
SPREAD_OPACITY = 0.4  # of the events dated less precisely than a bar, spread over their span
TopChart = TypeVar("TopChart", alt.Chart, alt.LayerChart)
# The accessible name of the two marks Vega-Lite draws for the brush (`_with_named_brush`).
BRUSH_NAME = "The dates brushed: drag across the bars to set From and To, double-click to clear them"
_RELATION_SCALE = alt.Scale(
    domain=list(contract.RELATION_TYPES), range=[RELATION_COLOURS[r] for r in contract.RELATION_TYPES]
)
_BALANCE_SCALE = alt.Scale(domain=[-1, 1], scheme="redblue")
_BALANCE_LEGEND = alt.Legend(
    title="balance",
    values=[-1, 0, 1],
    labelExpr="datum.value < 0 ? 'conflict' : datum.value > 0 ? 'cooperation' : 'even'",
)


def _shown(rows: int) -> bool:
    """Return whether a mark belongs in the accessibility tree: only when it draws something.

    Vega names each drawn item from its tooltip, but gives an empty mark's container the role of
    a graphic without a name (axe's `svg-img-alt`): a mark that draws nothing is hidden instead.
    """
    return rows > 0


# The time axes are in UTC, as the days of the data are: a day's bar starts at its UTC midnight
# whatever the reader's time zone, and so do the axis, the tooltips and the brush, whose ends
# are taken to the nearest of those midnights (`brushed_days`). A date written as text would be
# read by the browser as its own midnight (a day off east of UTC+12, and the tooltips a day off
# west of UTC).
def _time_axis(timeline: Timeline) -> alt.Scale:
    starts = [timeline.bins["bin"].min(), timeline.band["start"].min()]
    ends = [timeline.bins["bin_end"].max(), timeline.band["end"].max()]
    first, last = min(s for s in starts if pd.notna(s)), max(e for e in ends if pd.notna(e))
    return alt.Scale(type="utc", domain=[_utc_day(first), _utc_day(last)])


def _utc_day(day: dt.date) -> alt.DateTime:
    """Return the UTC midnight that starts a day, as Vega-Lite reads a date."""
    return alt.DateTime(year=day.year, month=day.month, date=day.day, utc=True)


def _in_utc(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a chart's frame with its times marked as UTC, which the browser then reads as such."""
    times = [c for c in frame.columns if pd.api.types.is_datetime64_dtype(frame[c])]
    return frame.assign(**{c: frame[c].dt.tz_localize("UTC") for c in times})


def _day_tooltip(field: str, title: str) -> alt.Tooltip:
    return alt.Tooltip(f"{field}:T", title=title, timeUnit="utcyearmonthdate", format="%Y-%m-%d")


def _relation_colour(*, legend: bool = False) -> alt.Color:
    shown = alt.Legend(orient="top", direction="horizontal", title=None, columns=9) if legend else None
    return alt.Color("relation_type:N", scale=_RELATION_SCALE, legend=shown)


def stacked(bins: pd.DataFrame, *, first: tuple[str, ...] = ()) -> pd.DataFrame:
    """Return the bins with `y0`, `y1`: each bin's relation types stacked away from the axis.

    Cooperation and neutral stack upwards, conflict downwards, in the vocabulary's order (after
    the order of the columns `first`, when given).
    """
    order = bins["relation_type"].map({r: i for i, r in enumerate(contract.RELATION_TYPES)})
    ordered = bins.assign(_order=order).sort_values(["bin", "side", *first, "_order"]).drop(columns="_order")
    reach = ordered.groupby(["bin", "side"])["events"].cumsum()
    sign = np.where(ordered["side"] == CONFLICT, -1, 1)
    return ordered.assign(y0=(reach - ordered["events"]) * sign, y1=reach * sign)


def _named(bars: pd.DataFrame, *details: str) -> pd.DataFrame:
    """Return a chart's bars with `name`, what each says in words: day, relation type, `details`, count.

    Drawn as each bar's description, its accessible name: then a chart's default description
    names only the marks Vega-Lite draws for the brush (`_with_named_brush`).
    """
    days = pd.to_datetime(bars["bin"]).dt.strftime("%Y-%m-%d")
    columns = [days, bars["relation_type"], *(bars[column] for column in details)]
    counts = [f"events: {n:,.3f}".rstrip("0").rstrip(".") for n in bars["events"]]  # spread: fractions
    return bars.assign(name=["; ".join(map(str, cells)) for cells in zip(*columns, counts, strict=True)])


def _with_named_brush(chart: TopChart) -> TopChart:
    """Return a chart whose brush has a name: the default description of its marks.

    Vega-Lite draws an interval brush as two rect marks of its own (`dates_brush_bg` and
    `dates_brush`) with neither a description nor `aria`, which no option of the brush reaches;
    without a name axe reports them (`svg-img-alt`). Vega gives them the chart's default mark
    description; every mark of the chart's own has a description of its own (`_named`) or
    none at all (`aria` false), so the default names the brush alone.
    """
    return chart.configure_mark(description=BRUSH_NAME)


def _bin_rects(bins: pd.DataFrame, timeline: Timeline, *, legend: bool) -> alt.Chart:
    return (
        alt.Chart(_in_utc(_named(stacked(bins), "side")))
        .mark_rect(stroke="white", strokeWidth=0.5, aria=_shown(len(bins)))
        .encode(
            x=alt.X("bin:T", title=None, scale=_time_axis(timeline)),
            x2="bin_end:T",
            y=alt.Y(
                "y0:Q",
                title="events",
                axis=alt.Axis(labelExpr="abs(datum.value)", minExtent=AXIS_WIDTH, tickMinStep=1),
            ),
            y2="y1:Q",
            color=_relation_colour(legend=legend),
            description="name:N",
            tooltip=[
                _day_tooltip("bin", f"{timeline.unit} of"),
                alt.Tooltip("relation_type:N", title="relation type"),
                alt.Tooltip("side:N"),
                alt.Tooltip("events:Q"),
            ],
        )
    )


def _title(text: str) -> alt.Title:
    return alt.Title(text, anchor="start", fontSize=13, fontWeight="normal")


def _brush(days: tuple[dt.date, dt.date] | None) -> alt.Parameter:
    """Return the brush on the time axis, drawn over `days` (first, last) when the dates are set.

    Drawn from the filter's own dates, the brush always shows what From and To hold (typed,
    linked or brushed); brushed again to the same range it sets the same dates (`brushed_days`).
    A double click clears it (Vega-Lite's default, said here because the app relies on it).
    """
    if days is None:
        return alt.selection_interval(name=BRUSH, encodings=["x"], clear="dblclick")
    first, last = _utc_day(days[0]), _utc_day(days[1] + dt.timedelta(days=1))
    return alt.selection_interval(name=BRUSH, encodings=["x"], clear="dblclick", value={"x": [first, last]})


def timeline_bars(timeline: Timeline, days: tuple[dt.date, dt.date] | None = None) -> alt.LayerChart:
    """Return the counts per bin: cooperation stacked above the axis, conflict below it; brushable.

    `days`: the filter's From and To, drawn as the brush (`_brush`).
    """
    sided = timeline.bins[timeline.bins["side"] != NEUTRAL]
    bars = _bin_rects(sided, timeline, legend=True).add_params(_brush(days))
    axis = alt.Chart(pd.DataFrame({"zero": [0]})).mark_rule(color="#444", aria=False).encode(y="zero:Q")
    title = f"Events per {timeline.unit}: cooperation above the axis, conflict below"
    return _with_named_brush((bars + axis).properties(height=240 + FRAME_HEIGHT, title=_title(title)))


def timeline_neutral(timeline: Timeline) -> alt.Chart:
    """Return the counts per bin of the neutral events, drawn apart from the sided ones."""
    neutral = _bin_rects(timeline.bins[timeline.bins["side"] == NEUTRAL], timeline, legend=False)
    return neutral.properties(height=60 + FRAME_HEIGHT, title=_title(f"Neutral events per {timeline.unit}"))


def timeline_band(timeline: Timeline) -> alt.Chart:
    """Return the band of the events less precise than a bin: each span drawn from first to last day.

    When there are too many spans to draw, the band shows instead how many of them may fall in
    each bin (`band_overlap`).
    """
    if band_lanes_left_out(timeline)[0]:
        return _band_overlap(timeline)
    drawn = timeline.band[timeline.band["lane"] != NOT_DRAWN]
    lanes = int(drawn["lane"].max()) + 1 if len(drawn) else 1
    title = f"Dated less precisely than a {timeline.unit}: each bar spans the days the events can fall on"
    return (
        alt.Chart(_in_utc(drawn))
        .mark_bar(height=LANE_HEIGHT - 3, cornerRadius=2, opacity=0.85, aria=_shown(len(drawn)))
        .encode(
            x=alt.X("start:T", title=None, scale=_time_axis(timeline)),
            x2="end:T",
            y=alt.Y(
                "lane:O",
                title=None,
                axis=alt.Axis(labels=False, ticks=False, domain=False, minExtent=AXIS_WIDTH),
            ),
            color=_relation_colour(),
            tooltip=[
                _day_tooltip("start", "first day"),
                _day_tooltip("last_day", "last day"),
                alt.Tooltip("relation_type:N", title="relation type"),
                alt.Tooltip("side:N"),
                alt.Tooltip("events:Q"),
                alt.Tooltip("event_ids:N", title="events"),
            ],
        )
        .transform_calculate(last_day="datum.end - 24 * 3600 * 1000")
        .properties(height=lanes * LANE_HEIGHT + FRAME_HEIGHT, title=_title(title))
    )


def _band_overlap(timeline: Timeline) -> alt.Chart:
    title = (
        f"Dated less precisely than a {timeline.unit}: how many may fall in each {timeline.unit} "
        "(an event counts in every one its span covers)"
    )
    overlap = band_overlap(timeline)
    return (
        alt.Chart(_in_utc(overlap))
        .mark_rect(color=VIOLET, aria=_shown(len(overlap)))
        .encode(
            x=alt.X("bin:T", title=None, scale=_time_axis(timeline)),
            x2="bin_end:T",
            y=alt.Y("events:Q", title="events", axis=alt.Axis(minExtent=AXIS_WIDTH, tickMinStep=1)),
            tooltip=[
                _day_tooltip("bin", f"{timeline.unit} of"),
                alt.Tooltip("events:Q", title="events that may fall in it"),
            ],
        )
        .properties(height=80 + FRAME_HEIGHT, title=_title(title))
    )


def band_lanes_left_out(timeline: Timeline) -> tuple[int, int]:
    """Return how many spans, and events, the band leaves undrawn."""
    left = timeline.band[timeline.band["lane"] == NOT_DRAWN]
    return len(left), int(left["events"].sum())


def time_histogram(timeline: Timeline, days: tuple[dt.date, dt.date] | None = None) -> alt.Chart:
    """Return the events per bin stacked by relation type, with a brush on the time axis over `days`.

    The events dated within one bin are drawn solid; those dated less precisely (the timeline's
    band) are spread over the bins of their span, faint, on top: the bars add up to the total.
    """
    dated_label = f"dated within one {timeline.unit}"
    spread_label = "dated less precisely: spread over the span"
    dated = (
        timeline.bins.groupby(["bin", "bin_end", "relation_type"], observed=True)["events"]
        .sum()
        .reset_index()
        .assign(dating=dated_label)
    )
    spread = band_spread(timeline).assign(dating=spread_label)
    frame = pd.concat([dated, spread], ignore_index=True).assign(side="all")  # one stack, upwards
    frame["relation_type"] = frame["relation_type"].astype("str")
    chart = (
        alt.Chart(_in_utc(_named(stacked(frame, first=("dating",)), "dating")))
        .mark_rect(aria=_shown(len(frame)))
        .encode(
            x=alt.X(
                "bin:T",
                title=None,
                scale=_time_axis(timeline),
                axis=alt.Axis(format="%Y-%m-%d" if timeline.unit == "day" else "%b %Y"),
            ),
            x2="bin_end:T",
            y=alt.Y("y0:Q", title="events", axis=alt.Axis(minExtent=AXIS_WIDTH, tickCount=3)),
            y2="y1:Q",
            color=_relation_colour(),
            opacity=alt.Opacity(
                "dating:O",
                scale=alt.Scale(domain=[dated_label, spread_label], range=[1, SPREAD_OPACITY]),
                legend=None,
            ),
            description="name:N",
            tooltip=[
                _day_tooltip("bin", f"{timeline.unit} of"),
                alt.Tooltip("relation_type:N", title="relation type"),
                alt.Tooltip("dating:N", title="dated"),
                alt.Tooltip("events:Q", format=",.4~g"),
            ],
        )
        .add_params(_brush(days))
        .properties(
            height=HISTOGRAM_HEIGHT + FRAME_HEIGHT,
            description=f"Histogram of the filtered events per {timeline.unit}, by relation type: "
            "drag across it to choose the dates, double-click to clear them.",
        )
    )
    return _with_named_brush(chart)


def brushed_days(state: Mapping | None) -> tuple[dt.date, dt.date] | None:
    """Return the first and last day a brush on a time axis covers, or None when it is cleared.

    Each end is taken to the nearest midnight (a brush from one bar's edge to another's covers
    those bars whatever the browser's time zone); the last day is the one before the right end.
    """
    brushed = ((state or {}).get("selection") or {}).get(BRUSH) or {}
    ends = next((v for v in brushed.values() if isinstance(v, list | tuple) and len(v) == 2), None)
    if ends is None:
        return None
    try:
        stamps = [pd.Timestamp(v, unit="ms") if isinstance(v, int | float) else pd.Timestamp(v) for v in ends]
    except (TypeError, ValueError):
        return None
    if any(pd.isna(s) for s in stamps):
        return None
    low, high = sorted((s.tz_convert(None) if s.tzinfo else s).round("D") for s in stamps)
    return low.date(), max(low, high - pd.Timedelta(days=1)).date()


def actor_matrix(relations: Relations) -> alt.LayerChart:
    """Return the actor × actor matrix: every actor shown on both axes, counts coloured by balance."""
    order = list(relations.actors.index)
    pairs = relations.pairs.assign(actor=relations.pairs["actor1"])
    pick = alt.selection_point(name=PICK, fields=["actor"], on="click", clear="dblclick")
    base = alt.Chart(pairs).encode(
        x=alt.X(
            "actor2:N",
            scale=alt.Scale(domain=[*order, NO_OTHER_SIDE]),
            title="towards (actor2)",
            axis=alt.Axis(labelAngle=-45, labelLimit=LABEL_LIMIT, labelOverlap=False, orient="top"),
        ),
        y=alt.Y(
            "actor1:N",
            scale=alt.Scale(domain=order),
            title="acting (actor1)",
            axis=alt.Axis(labelLimit=LABEL_LIMIT, labelOverlap=False),
        ),
        tooltip=_pair_tooltip("actor1", "actor2"),
    )
    neutral = int(pairs["balance"].isna().sum())
    cells = (
        base.mark_rect(stroke="white", cursor="pointer", aria=_shown(len(pairs) - neutral))
        .encode(color=_balance_colour())
        .add_params(pick)
    )
    neutral_only = base.transform_filter("!isValid(datum.balance)").mark_rect(
        stroke="white", color=NO_BALANCE, cursor="pointer", aria=_shown(neutral)
    )
    counts = base.mark_text(fontSize=11).encode(
        text="events:Q",
        color=alt.condition("abs(datum.balance) > 0.6", alt.value("white"), alt.value("#222")),
    )
    return (cells + neutral_only + counts).properties(
        width=alt.Step(30),
        height=alt.Step(24),
        description="Matrix of actors: each cell counts the events of the acting actor (row) towards "
        "another (column), coloured by the balance of cooperation and conflict.",
    )


def actor_network(nodes: pd.DataFrame, edges: pd.DataFrame) -> alt.LayerChart:
    """Return the network: actors on a circle, edges coloured by balance and as wide as their count."""
    neutral = int(edges["balance"].isna().sum())
    x = alt.X("x:Q", scale=alt.Scale(domain=[-2.4, 2.4]), axis=None)
    y = alt.Y("y:Q", scale=alt.Scale(domain=[-1.2, 1.2]), axis=None)
    links = (
        alt.Chart(edges)
        .mark_rule(opacity=0.85, strokeCap="round", aria=_shown(len(edges) - neutral))
        .encode(
            x=x,
            y=y,
            x2="x2:Q",
            y2="y2:Q",
            color=_balance_colour(),
            strokeWidth=alt.StrokeWidth(
                "events:Q",
                scale=alt.Scale(range=[1.5, 10]),
                legend=alt.Legend(
                    title="events",
                    values=sorted(set(edges["events"]))[:: max(1, edges["events"].nunique() // 4)],
                ),
            ),
            tooltip=_pair_tooltip("a", "b"),
        )
    )
    neutral_links = links.transform_filter("!isValid(datum.balance)").mark_rule(
        opacity=0.85, strokeCap="round", color=NO_BALANCE, aria=_shown(neutral)
    )
    pick = alt.selection_point(name=PICK, fields=["actor"], on="click", clear="dblclick")
    dots = (
        alt.Chart(nodes)
        .mark_circle(color="#3d3d3d", opacity=1, cursor="pointer", aria=_shown(len(nodes)))
        .encode(
            x=x,
            y=y,
            size=alt.Size("events:Q", scale=alt.Scale(range=[40, 360]), legend=None),
            tooltip=[alt.Tooltip("actor:N"), alt.Tooltip("events:Q", title="events (all)")],
        )
        .add_params(pick)
    )
    places: tuple[tuple[str, Literal["left", "center", "right"], int, int], ...] = (
        ("datum.x < -0.05", "right", -14, 0),
        ("datum.x > 0.05", "left", 14, 0),
        ("abs(datum.x) <= 0.05 && datum.y > 0", "center", 0, -18),
        ("abs(datum.x) <= 0.05 && datum.y <= 0", "center", 0, 18),
    )
    labels = [
        alt.Chart(nodes)
        .transform_filter(where)
        .mark_text(align=align, dx=dx, dy=dy, fontSize=12, color="#222", limit=LABEL_LIMIT)
        .encode(x=x, y=y, text="actor:N")
        for where, align, dx, dy in places
    ]
    # `alt.layer` returns a FacetChart only when every layer has the same facet encoding: none has one.
    layered = cast(alt.LayerChart, alt.layer(links, neutral_links, dots, *labels))
    return layered.properties(
        height=520,
        description="Network of actors on a circle: an edge joins two actors with events between them, "
        "as wide as their count and coloured by the balance of cooperation and conflict.",
    )


def _balance_colour() -> alt.Color:
    # Vega-Lite leaves out marks whose colour field is empty: the neutral-only pairs (no
    # balance) are drawn by a layer of their own in `NO_BALANCE`.
    return alt.Color("balance:Q", scale=_BALANCE_SCALE, legend=_BALANCE_LEGEND)


def _pair_tooltip(first: str, second: str) -> list[alt.Tooltip]:
    return [
        alt.Tooltip(f"{first}:N", title="actor"),
        alt.Tooltip(f"{second}:N", title="with"),
        alt.Tooltip("events:Q"),
        alt.Tooltip("cooperation:Q"),
        alt.Tooltip(f"{CONFLICT}:Q"),
        alt.Tooltip("neutral:Q"),
        alt.Tooltip("balance:Q", format="+.2f"),
    ]


def picked_actor(state: Mapping | None) -> str | None:
    """Return the actor a click chose in a chart's selection state, or None."""
    selection = ((state or {}).get("selection") or {}).get(PICK) or []
    chosen = [point.get("actor") for point in selection if isinstance(point, Mapping)]
    return next((a for a in chosen if isinstance(a, str) and a), None)
