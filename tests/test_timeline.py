"""Binning events over time: every event in a bin or in the band, never both, never neither."""

import itertools

import numpy as np
import pandas as pd
import pytest

from borderstates.analysis import timeline
from borderstates.core import contract
from borderstates.core.contract import span_end
from borderstates.core.load import load_dataset
from borderstates.render import charts
from tests.conftest import ROOT


def frame(*rows) -> pd.DataFrame:
    """Events with only the columns the timeline reads: (id, date, date_end, precision, relation, quad)."""
    events = pd.DataFrame(
        rows, columns=["event_id", "date", "date_end", "date_precision", "relation_type", "quad_class"]
    )
    for column in ("date", "date_end"):
        events[column] = pd.to_datetime(events[column]).astype("datetime64[ms]")
    events["span_end"] = span_end(events)
    return events


EVENTS = frame(
    ("E-1", "2024-03-05", None, "day", "military", "material_conflict"),  # a Tuesday
    ("E-2", "2024-03-10", None, "day", "diplomatic", "verbal_cooperation"),  # the Sunday of that week
    ("E-3", "2024-03-11", None, "day", "diplomatic", "verbal_conflict"),  # the next Monday
    ("E-4", "2024-03-01", None, "month", "energy", "material_cooperation"),
    ("E-5", "2024-01-01", None, "year", "political", "neutral"),
    ("E-6", "2024-03-30", "2024-04-02", "day", "security", "material_conflict"),  # over a month's end
    ("E-7", "2024-03-20", None, "week", "political", "neutral"),
)


def test_weeks_start_on_monday_and_months_on_the_first():
    dates = pd.Series(pd.to_datetime(["2024-03-05", "2024-03-10", "2024-03-11", "2024-02-29"]))
    assert list(timeline.bin_start(dates, "week").dt.strftime("%m-%d")) == [
        "03-04",
        "03-04",
        "03-11",
        "02-26",
    ]
    assert list(timeline.bin_start(dates, "month").dt.strftime("%m-%d")) == [
        "03-01",
        "03-01",
        "03-01",
        "02-01",
    ]
    with pytest.raises(ValueError):
        timeline.bin_start(dates, "decade")


def test_by_week_the_less_precise_events_go_to_the_band():
    weekly = timeline.build_timeline(EVENTS, "week")
    assert weekly.total == 7
    assert weekly.binned == 3 and weekly.in_band == 4  # E-4, E-5, E-6 and E-7 (Wednesday to Tuesday)
    assert set(weekly.band["event_ids"]) == {"E-4", "E-5", "E-6", "E-7"}
    first_week = weekly.bins[weekly.bins["bin"] == pd.Timestamp("2024-03-04")]
    assert first_week.set_index("side")["events"].to_dict() == {"conflict": 1, "cooperation": 1}


def test_by_month_a_span_over_the_end_of_a_month_stays_in_the_band():
    monthly = timeline.build_timeline(EVENTS, "month")
    assert monthly.binned == 5 and monthly.in_band == 2
    assert set(monthly.band["event_ids"]) == {"E-5", "E-6"}
    assert (
        monthly.count("cooperation") == 2 and monthly.count("conflict") == 2 and monthly.count("neutral") == 1
    )


def test_conflict_counts_below_the_axis_and_spans_end_after_their_last_day():
    weekly = timeline.build_timeline(EVENTS, "week")
    assert (weekly.bins.loc[weekly.bins["side"] == "conflict", "signed"] < 0).all()
    assert (weekly.bins.loc[weekly.bins["side"] != "conflict", "signed"] > 0).all()
    e6 = weekly.band[weekly.band["event_ids"] == "E-6"].iloc[0]
    assert (e6["start"], e6["end"]) == (pd.Timestamp("2024-03-30"), pd.Timestamp("2024-04-03"))


def random_events(count: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    day = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 3 * 365, count), unit="D")
    extra = pd.to_timedelta(rng.integers(0, 90, count), unit="D")
    with_end = rng.random(count) < 0.2  # some spans are given, the others follow the precision
    return frame(
        *zip(
            [f"R-{n}" for n in range(count)],
            day.strftime("%Y-%m-%d"),
            [d.strftime("%Y-%m-%d") if w else None for d, w in zip(day + extra, with_end, strict=True)],
            rng.choice(contract.DATE_PRECISIONS, count),
            rng.choice(contract.RELATION_TYPES, count),
            rng.choice(contract.QUAD_CLASSES, count),
            strict=True,
        )
    )


@pytest.mark.parametrize("unit", timeline.UNITS)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bins_plus_band_add_up_to_every_event(unit, seed):
    events = random_events(2000, seed)
    built = timeline.build_timeline(events, unit)
    assert built.binned + built.in_band == len(events) == built.total
    assert built.count("cooperation") + built.count("conflict") + built.count("neutral") == built.binned
    assert 0 < built.in_band < len(events)


def test_the_shipped_data_adds_up_too():
    events = load_dataset(ROOT / "data").events
    for unit in timeline.UNITS:
        built = timeline.build_timeline(events, unit)
        assert built.binned + built.in_band == len(events)
    assert timeline.default_unit(events) == "month"  # 2022 to 2026


def test_a_year_or_less_is_counted_by_week():
    assert timeline.default_unit(EVENTS) == "week"
    assert timeline.default_unit(EVENTS.iloc[:0]) == "month"


def test_lanes_never_hold_overlapping_spans():
    starts = pd.Series(pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-05", "2024-02-01", "2024-02-02"]))
    ends = pd.Series(pd.to_datetime(["2024-01-10", "2024-01-03", "2024-01-08", "2024-02-05", "2024-03-01"]))
    lanes = timeline.assign_lanes(starts, ends, 5)
    assert lanes == [0, 1, 1, 0, 1]
    assert timeline.assign_lanes(starts, ends, 1) == [0, -1, -1, 0, -1]  # no room: not drawn
    for lane in set(lanes):
        spans = sorted((s, e) for s, e, n in zip(starts, ends, lanes, strict=True) if n == lane)
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans))


def test_stacked_bars_sit_on_each_other_away_from_the_axis():
    bins = timeline.build_timeline(
        frame(
            ("A", "2024-03-05", None, "day", "military", "material_conflict"),
            ("B", "2024-03-05", None, "day", "security", "material_conflict"),
            ("C", "2024-03-05", None, "day", "security", "verbal_conflict"),
            ("D", "2024-03-06", None, "day", "energy", "material_cooperation"),
        ),
        "week",
    ).bins
    stacked = charts.stacked(bins).set_index("relation_type")
    assert stacked.loc["military", ["y0", "y1"]].tolist() == [0, -1]
    assert stacked.loc["security", ["y0", "y1"]].tolist() == [-1, -3]
    assert stacked.loc["energy", ["y0", "y1"]].tolist() == [0, 1]


def test_chronological_order_is_oldest_first():
    assert list(timeline.chronological(EVENTS)["event_id"]) == [
        "E-5",
        "E-4",
        "E-1",
        "E-2",
        "E-3",
        "E-7",
        "E-6",
    ]


def test_the_band_counts_per_bin_the_events_that_may_fall_in_it():
    events = random_events(1500, seed=4)
    built = timeline.build_timeline(events, "month")
    assert (built.band["lane"] == timeline.NOT_DRAWN).any()  # more spans than the band draws
    assert (built.band["lane"] != timeline.NOT_DRAWN).sum() <= timeline.SPANS_DRAWN
    overlap = timeline.band_overlap(built)
    band = built.band
    for _, row in overlap.sample(12, random_state=1).iterrows():
        touching = band[(band["start"] < row["bin_end"]) & (band["end"] > row["bin"])]
        assert row["events"] == touching["events"].sum()
    assert overlap["events"].max() <= built.in_band
