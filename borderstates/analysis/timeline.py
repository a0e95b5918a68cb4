"""Events over time: counts per day, week or month, and a band for the events dated less precisely.

An event counts in a bin only when its whole span (`date` … `span_end`) lies inside that bin.
Every other event, a year-precision one in a weekly view or a day-precision one that runs over
two months, goes into the band, drawn as its span: bins plus band always add up to the events
that match, and no event is ever drawn as if it happened on the first day of its window.

The engine answers with counts per bin and per distinct span, and with a few ids of the spans
drawn; the bins, the band and its lanes are made from these small answers.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from borderstates.core.contract import CONFLICT, NEUTRAL, REGION_NAME, SIDE_OF_QUAD, SPAN_END
from borderstates.core.engine import Store
from borderstates.core.filters import EventFilter

UNITS = ("day", "week", "month")
DAILY_UP_TO_DAYS = 62  # a range up to two months is counted by day,
WEEKLY_UP_TO_DAYS = 366  # one up to a year by week, a longer one by month
IDS_LISTED = 8  # event ids named in a span's tooltip
BAND_LANES = 40  # rows of the band
SPANS_DRAWN = 400  # distinct spans given a lane at most, those with most events first
NOT_DRAWN = -1  # the lane of a span left out of the band's drawing (it still counts)
# What the chronicle shows of each event (`markup.chronicle_html`).
CHRONICLE_COLUMNS = (
    "event_id", "date", SPAN_END, "date_precision", "location", REGION_NAME, "country", "summary", "excerpt",
    "excerpt_en",
)  # fmt: skip

_TRUNCATION = {"day": "D", "week": "W", "month": "M"}  # ibis's units: weeks start on Monday on every engine
_SPAN_KEYS = ["start", "end", "relation_type", "side"]  # a span of the band, as the band frame has it
_FREQUENCY = {"day": "D", "week": "W-MON", "month": "MS"}  # pandas' names of the bins' starts


@dataclass(frozen=True)
class Timeline:
    """The matching events, split into counts per bin and spans for the band.

    `bins` has a row per bin, relation type and side: `bin`, `relation_type`, `side`, `events`,
    `bin_end` (the next bin's start) and `signed` (conflict counts negative, to draw below the
    axis). `band` has a row per distinct span, relation type and side: `start`, `end` (the day
    after the span), `relation_type`, `side`, `events`, `lane` (the row of the band, so that spans
    in one row do not overlap; `NOT_DRAWN` for spans left out) and `event_ids` (the first few, by
    id; "" for spans not drawn).
    """

    unit: str
    bins: pd.DataFrame
    band: pd.DataFrame
    total: int

    @property
    def binned(self) -> int:
        """Events counted in a bin."""
        return int(self.bins["events"].sum())

    @property
    def in_band(self) -> int:
        """Events less precise than a bin, drawn as spans."""
        return int(self.band["events"].sum())

    def count(self, side: str) -> int:
        """Events of one side (cooperation, conflict, neutral) counted in a bin."""
        return int(self.bins.loc[self.bins["side"] == side, "events"].sum())


def default_unit(store: Store, f: EventFilter) -> str:
    """Return the unit that suits the span of the matching events: day, week or month.

    `day` up to `DAILY_UP_TO_DAYS`, `week` up to `WEEKLY_UP_TO_DAYS`, else (and when none match) `month`.
    """
    events = store.narrowed(f)
    reach = store.fetch(events.aggregate(first=events["date"].min(), last=events[SPAN_END].max()))
    first, last = reach["first"].iloc[0], reach["last"].iloc[0]
    if pd.isna(first) or pd.isna(last):
        return "month"
    days = (last - first).days
    return "day" if days <= DAILY_UP_TO_DAYS else "week" if days <= WEEKLY_UP_TO_DAYS else "month"


def bin_start(dates: pd.Series, unit: str) -> pd.Series:
    """Return the first day of the day, week (Monday) or month each date falls in."""
    days = dates.dt.normalize()
    if unit == "day":
        return days
    if unit == "week":
        return days - pd.to_timedelta(days.dt.day_of_week, unit="D")
    if unit == "month":
        return days - pd.to_timedelta(days.dt.day - 1, unit="D")
    raise ValueError(f"unit must be one of {UNITS}, not {unit!r}")


def next_bin(starts: pd.Series, unit: str) -> pd.Series:
    """Return the first day of the bin after each bin start."""
    if unit == "month":
        return starts + pd.offsets.MonthBegin(1)
    return starts + pd.Timedelta(days=7 if unit == "week" else 1)


def window_starts(first: pd.Timestamp, last: pd.Timestamp, unit: str) -> pd.DatetimeIndex:
    """Return the first day of every bin of `unit`, from the bin holding `first` to the one holding `last`."""
    return pd.date_range(bin_start(pd.Series([first]), unit).iloc[0], last, freq=_FREQUENCY[unit])


def build_timeline(store: Store, f: EventFilter, unit: str) -> Timeline:
    """Count the matching events per bin of `unit` (day, week or month); put those less precise into the band.

    Two questions go to the engine: the counts per bin (events whose span fits one bin) and per
    distinct span (the others), by relation type and side, a row per group; then up to
    `IDS_LISTED` ids of each of the `SPANS_DRAWN` spans with most events. The events themselves
    never come back: the answers grow with the bins and spans, not with the events.
    """
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, not {unit!r}")
    events = _with_side(store.narrowed(f))
    fits = bin_of(events["date"], unit) == bin_of(events[SPAN_END], unit)
    counted = store.fetch(
        events.group_by(
            fits=fits,
            # A fitting event is counted in its bin: the engine returns a row per bin, not per day.
            start=ibis.ifelse(fits, bin_of(events["date"], unit), events["date"]),
            end=ibis.ifelse(fits, bin_of(events["date"], unit), events[SPAN_END]),
            relation_type=events["relation_type"],
            side=events["side"],
        ).aggregate(events=ibis._.count())
    )
    bins = (
        counted.loc[counted["fits"], ["start", "relation_type", "side", "events"]]
        .rename(columns={"start": "bin"})
        .sort_values(["bin", "relation_type", "side"], ignore_index=True)
    )
    bins["bin_end"] = next_bin(bins["bin"], unit)
    bins["signed"] = np.where(bins["side"] == CONFLICT, -bins["events"], bins["events"])
    spans = counted.loc[~counted["fits"], [*_SPAN_KEYS, "events"]].sort_values(_SPAN_KEYS, ignore_index=True)
    listed = _listed_ids(store, events.filter(~fits)) if len(spans) else spans[_SPAN_KEYS].assign(event_id="")
    return Timeline(unit, bins, _band(spans, listed), int(counted["events"].sum()))


def _with_side(events: ir.Table) -> ir.Table:
    """Return the events with their quad class's `side` (`contract.SIDE_OF_QUAD`, neutral otherwise)."""
    return events.mutate(side=events["quad_class"].substitute(SIDE_OF_QUAD, else_=NEUTRAL))


def bin_of(dates: ir.DateValue, unit: str) -> ir.DateValue:
    """Return the first day of the day, week (Monday) or month each date falls in, on the engine."""
    # DuckDB's and Spark's date_trunc give a timestamp where ibis expects a date (and drops a cast
    # to date): through a timestamp, the cast stays, and every engine returns a date.
    return dates.truncate(_TRUNCATION[unit]).cast("timestamp").cast("date")


def _listed_ids(store: Store, band_events: ir.Table) -> pd.DataFrame:
    """Return the spans the band draws (those with most events) and up to `IDS_LISTED` ids of each.

    A row per (span, id) comes back, at most `SPANS_DRAWN` × `IDS_LISTED` rows.
    """
    # Only the spans with most events get a lane (and their ids listed): a chart of thousands of
    # spans reads no better, and finding lanes for them all would take seconds. The engine
    # chooses them (most events first, then by key), in the query that finds their ids: the
    # spans given a lane are always those whose ids are listed.
    spans = band_events.group_by(
        start=band_events["date"],
        end=band_events[SPAN_END],
        relation_type=band_events["relation_type"],
        side=band_events["side"],
    ).aggregate(events=ibis._.count())
    drawn = spans.order_by([ibis.desc("events"), *_SPAN_KEYS]).limit(SPANS_DRAWN)
    joined = band_events.join(
        drawn,
        [
            band_events["date"] == drawn["start"],
            band_events[SPAN_END] == drawn["end"],
            band_events["relation_type"] == drawn["relation_type"],
            band_events["side"] == drawn["side"],
        ],
    ).select(*_SPAN_KEYS, "event_id")
    rank = ibis.row_number().over(group_by=[joined[k] for k in _SPAN_KEYS], order_by=joined["event_id"])
    first = joined.mutate(rank=rank).filter(ibis._.rank < IDS_LISTED)  # row_number counts from 0
    return store.fetch(first.select(*_SPAN_KEYS, "event_id"))


def _band(spans: pd.DataFrame, listed: pd.DataFrame) -> pd.DataFrame:
    """Return the band: every span with its events, and a lane and the ids named for those `listed`."""
    named = (
        listed.sort_values("event_id")
        .groupby(_SPAN_KEYS, observed=True)["event_id"]
        .agg(", ".join)
        .rename("event_ids")
        .reset_index()
    )
    band = spans.merge(named, on=_SPAN_KEYS, how="left")
    drawn = band.index[band["event_ids"].notna()]
    order = band.loc[drawn].sort_values(["start", "end"], kind="stable").index
    band["lane"] = NOT_DRAWN
    band.loc[order, "lane"] = assign_lanes(
        band.loc[order, "start"], band.loc[order, "end"] + pd.Timedelta(days=1), BAND_LANES
    )
    more = band["events"] - IDS_LISTED
    said = band["event_ids"].fillna("")
    band["event_ids"] = said.where((more <= 0) | (said == ""), said + " and " + more.astype("str") + " more")
    band["end"] = band["end"] + pd.Timedelta(days=1)  # drawn up to the end of its last day
    return band[[*_SPAN_KEYS, "events", "lane", "event_ids"]]


def assign_lanes(starts: pd.Series, ends: pd.Series, lanes: int) -> list[int]:
    """Give each interval (sorted by start) the first of `lanes` where it overlaps nothing.

    `ends` are exclusive; an interval that finds no free lane gets `NOT_DRAWN`.
    """
    lane_ends: list[pd.Timestamp] = []
    chosen = []
    for start, end in zip(starts, ends, strict=True):
        lane = next((i for i, last in enumerate(lane_ends) if last <= start), len(lane_ends))
        if lane == len(lane_ends) < lanes:
            lane_ends.append(end)
        elif lane < len(lane_ends):
            lane_ends[lane] = end
        else:
            lane = NOT_DRAWN
        chosen.append(lane)
    return chosen


def band_overlap(timeline: Timeline) -> pd.DataFrame:
    """Return per bin how many of the band's events may fall in it (their span overlaps the bin).

    An event counts in every bin its span touches: the column does not add up to the band, it
    shows where the imprecise events may lie when there are too many spans to draw.
    """
    band = timeline.band
    if band.empty:
        return pd.DataFrame({"bin": [], "bin_end": [], "events": []})
    first = bin_start(band["start"], timeline.unit)
    last = bin_start(band["end"] - pd.Timedelta(days=1), timeline.unit)
    starts = pd.Series(window_starts(first.min(), last.max(), timeline.unit))
    position = pd.Series(np.arange(len(starts)), index=starts)
    change = np.zeros(len(starts) + 1, dtype=np.int64)
    np.add.at(change, position[first].to_numpy(), band["events"].to_numpy())
    np.add.at(change, position[last].to_numpy() + 1, -band["events"].to_numpy())
    return pd.DataFrame(
        {"bin": starts, "bin_end": next_bin(starts, timeline.unit), "events": np.cumsum(change[:-1])}
    )


def band_spread(timeline: Timeline) -> pd.DataFrame:
    """Return the band's events spread over the bins their spans cover, per relation type.

    Each span's events are shared out evenly over its days, and a bin gets the shares of its
    days: `events` holds fractions, and adds up to the band's events. Drawn on top of the bins,
    bins and spread add up to the filtered total, and no event stands on its first day.
    Rows: `bin`, `bin_end`, `relation_type`, `events`, for the bins that get a share.
    """
    band = timeline.band
    if band.empty:
        empty = pd.Series([], dtype="datetime64[ns]")
        return pd.DataFrame({"bin": empty, "bin_end": empty, "relation_type": [], "events": []})
    first = band["start"].min()
    days = pd.Series(pd.date_range(first, band["end"].max() - pd.Timedelta(days=1), freq="D"))
    relations = sorted(set(band["relation_type"].astype("str")))
    row = band["relation_type"].astype("str").map({r: i for i, r in enumerate(relations)}).to_numpy()
    start = (band["start"] - first).dt.days.to_numpy()
    end = (band["end"] - first).dt.days.to_numpy()  # the day after the span
    share = band["events"].to_numpy() / (end - start)  # of a span's events, on each of its days
    change = np.zeros((len(relations), len(days) + 1))
    np.add.at(change, (row, start), share)
    np.add.at(change, (row, end), -share)
    daily = pd.DataFrame(np.cumsum(change[:, :-1], axis=1).T.clip(min=0), columns=relations)
    per_bin = daily.groupby(bin_start(days, timeline.unit).to_numpy()).sum()
    spread = (
        per_bin.rename_axis("bin")
        .reset_index()
        .melt(id_vars="bin", var_name="relation_type", value_name="events")
        .sort_values(["bin", "relation_type"], kind="stable")
    )
    spread = spread[spread["events"] > 1e-9].reset_index(drop=True)  # what rounding leaves of nothing
    spread.insert(1, "bin_end", next_bin(spread["bin"], timeline.unit))
    return spread


def chronological(store: Store, f: EventFilter, limit: int) -> pd.DataFrame:
    """Return the `limit` oldest matching events: by first day, then last day, then id.

    Only the columns the chronicle shows (`CHRONICLE_COLUMNS`) come back.
    """
    # Ordered last (after the columns are chosen): the engine's answer is then in that order.
    oldest = store.matching(f).select(*CHRONICLE_COLUMNS).order_by(["date", SPAN_END, "event_id"])
    return store.fetch(oldest.limit(limit))
