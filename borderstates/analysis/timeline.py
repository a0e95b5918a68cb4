"""Events over time: counts per week or month, and a band for the events dated less precisely.

An event counts in a bin only when its whole span (`date` … `span_end`) lies inside that bin.
Every other event, a year-precision one in a weekly view or a day-precision one that runs over
two months, goes into the band, drawn as its span: bins plus band always add up to the events
given, and no event is ever drawn as if it happened on the first day of its window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from borderstates.core.contract import CONFLICT, SPAN_END, quad_side

UNITS = ("week", "month")
WEEKLY_UP_TO_DAYS = 366  # a range up to a year is counted by week, a longer one by month
IDS_LISTED = 8  # event ids named in a span's tooltip
BAND_LANES = 40  # rows of the band
SPANS_DRAWN = 400  # distinct spans given a lane at most, those with most events first
NOT_DRAWN = -1  # the lane of a span left out of the band's drawing (it still counts)


@dataclass(frozen=True)
class Timeline:
    """The events given, split into counts per bin and spans for the band.

    `bins` has a row per bin, relation type and side: `bin`, `bin_end` (the next bin's start),
    `relation_type`, `side`, `events`, and `signed` (conflict counts negative, to draw below the
    axis). `band` has a row per distinct span, relation type and side: `start`, `end` (the day
    after the span), `relation_type`, `side`, `events`, `event_ids` (the first few) and `lane`
    (the row of the band, so that spans in one row do not overlap; `NOT_DRAWN` for spans left out).
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


def default_unit(events: pd.DataFrame) -> str:
    """Return `week` when the events span a year or less, else `month`."""
    if events.empty:
        return "month"
    days = (events[SPAN_END].max() - events["date"].min()).days
    return "week" if days <= WEEKLY_UP_TO_DAYS else "month"


def bin_start(dates: pd.Series, unit: str) -> pd.Series:
    """Return the first day of the week (Monday) or month each date falls in."""
    days = dates.dt.normalize()
    if unit == "week":
        return days - pd.to_timedelta(days.dt.day_of_week, unit="D")
    if unit == "month":
        return days - pd.to_timedelta(days.dt.day - 1, unit="D")
    raise ValueError(f"unit must be one of {UNITS}, not {unit!r}")


def next_bin(starts: pd.Series, unit: str) -> pd.Series:
    """Return the first day of the bin after each bin start."""
    return starts + (pd.Timedelta(days=7) if unit == "week" else pd.offsets.MonthBegin(1))


def build_timeline(events: pd.DataFrame, unit: str) -> Timeline:
    """Count the events per bin of `unit` (week or month); put those less precise into the band."""
    start = bin_start(events["date"], unit)
    fits = (start == bin_start(events[SPAN_END], unit)).to_numpy()
    frame = pd.DataFrame(
        {
            "start": events["date"],
            "end": events[SPAN_END],
            "bin": start,
            "relation_type": events["relation_type"].astype("str"),
            "side": quad_side(events["quad_class"]),
            "event_id": events["event_id"].astype("str"),
        }
    )
    bins = (
        frame[fits]
        .groupby(["bin", "relation_type", "side"], observed=True)
        .size()
        .rename("events")
        .reset_index()
    )
    bins["bin_end"] = next_bin(bins["bin"], unit)
    bins["signed"] = np.where(bins["side"] == CONFLICT, -bins["events"], bins["events"])
    return Timeline(unit, bins, _band(frame[~fits]), len(events))


def _band(frame: pd.DataFrame) -> pd.DataFrame:
    keys = ["start", "end", "relation_type", "side"]
    spans = frame.groupby(keys, observed=True).size().rename("events").reset_index()
    # Only the spans with most events get a lane (and their ids listed): a chart of thousands of
    # spans reads no better, and finding lanes for them all would take seconds.
    drawn = spans.nlargest(SPANS_DRAWN, "events", keep="first").sort_values(["start", "end"])
    spans["lane"] = NOT_DRAWN
    spans.loc[drawn.index, "lane"] = assign_lanes(
        drawn["start"], drawn["end"] + pd.Timedelta(days=1), BAND_LANES
    )
    named = frame.merge(drawn[keys], on=keys).sort_values("event_id").groupby(keys, observed=True)["event_id"]
    spans = spans.merge(named.agg(_listed).rename("event_ids").reset_index(), on=keys, how="left")
    spans["event_ids"] = spans["event_ids"].fillna("")
    spans["end"] = spans["end"] + pd.Timedelta(days=1)  # drawn up to the end of its last day
    return spans


def _listed(ids: pd.Series) -> str:
    shown = ", ".join(ids.iloc[:IDS_LISTED])
    return shown + (f" and {len(ids) - IDS_LISTED} more" if len(ids) > IDS_LISTED else "")


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
    starts = pd.Series(
        pd.date_range(first.min(), last.max(), freq="W-MON" if timeline.unit == "week" else "MS")
    )
    position = pd.Series(np.arange(len(starts)), index=starts)
    change = np.zeros(len(starts) + 1, dtype=np.int64)
    np.add.at(change, position[first].to_numpy(), band["events"].to_numpy())
    np.add.at(change, position[last].to_numpy() + 1, -band["events"].to_numpy())
    return pd.DataFrame(
        {"bin": starts, "bin_end": next_bin(starts, timeline.unit), "events": np.cumsum(change[:-1])}
    )


def chronological(events: pd.DataFrame) -> pd.DataFrame:
    """Return the events oldest first: by first day, then last day, then id."""
    return events.sort_values(["date", SPAN_END, "event_id"])
