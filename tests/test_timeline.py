"""Binning events over time: every event in a bin or in the band, never both, never neither."""

import datetime as dt
import itertools

import numpy as np
import pandas as pd
import pytest

from borderstates.analysis import density, timeline, windows
from borderstates.core import contract
from borderstates.core.contract import SPAN_END
from borderstates.core.engine import open_store
from borderstates.core.filters import EventFilter
from borderstates.core.load import load_dataset
from borderstates.render import charts, markup
from tests.conftest import FIXTURES, ROOT, read_rows, write_csv_rows
from tests.oracle import filter_events

EVERYTHING = EventFilter()
NOBODY = EventFilter(actors=("Nobody at all",))

# A valid curated event (in Baku, citing the fixture articles) that each row below changes.
TEMPLATE = read_rows(FIXTURES / "events.csv")[1]


def row(event_id, date, date_end, precision, relation, quad, **more) -> dict[str, str]:
    """An event: (id, date, date_end, precision, relation, quad) and any other fields changed."""
    given = {
        "event_id": event_id,
        "date": date,
        "date_end": date_end or "",
        "date_precision": precision,
        "relation_type": relation,
        "quad_class": quad,
    }
    return TEMPLATE | given | more


def write_store(directory, rows):
    """Write rows as a data directory with the fixture articles; open it as a store."""
    directory.mkdir()
    write_csv_rows(directory / "events.csv", contract.EVENT_COLUMNS, rows)
    write_csv_rows(directory / "articles.csv", contract.ARTICLE_COLUMNS, read_rows(FIXTURES / "articles.csv"))
    return open_store(directory)


EVENTS = [
    row("E-1", "2024-03-05", None, "day", "military", "material_conflict"),  # a Tuesday
    row("E-2", "2024-03-10", None, "day", "diplomatic", "verbal_cooperation"),  # the Sunday of that week
    row("E-3", "2024-03-11", None, "day", "diplomatic", "verbal_conflict"),  # the next Monday
    row("E-4", "2024-03-01", None, "month", "energy", "material_cooperation"),
    row("E-5", "2024-01-01", None, "year", "political", "neutral"),
    row("E-6", "2024-03-30", "2024-04-02", "day", "security", "material_conflict"),  # over a month's end
    row("E-7", "2024-03-20", None, "week", "political", "neutral"),
]


@pytest.fixture(scope="module")
def seven(tmp_path_factory):
    """The seven events above as a store."""
    return write_store(tmp_path_factory.mktemp("seven") / "data", EVENTS)


def random_rows(count: int, seed: int) -> list[dict[str, str]]:
    """Events over three years, of every precision, some with a span given; varied enough to filter."""
    rng = np.random.default_rng(seed)
    day = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 3 * 365, count), unit="D")
    end = day + pd.to_timedelta(rng.integers(0, 90, count), unit="D")
    with_end = rng.random(count) < 0.2  # some spans are given, the others follow the precision
    actors = ("Actor A", "Actor B", "Actor C")
    return [
        row(
            f"R-{n:05d}",
            d.strftime("%Y-%m-%d"),
            e.strftime("%Y-%m-%d") if w else None,
            precision,
            relation,
            quad,
            actor1=actor,
            status=status,
            summary=f"Random event {n} ({'alpha' if n % 3 else 'beta'}).",
        )
        for n, (d, e, w, precision, relation, quad, actor, status) in enumerate(
            zip(
                day,
                end,
                with_end,
                rng.choice(contract.DATE_PRECISIONS, count),
                rng.choice(contract.RELATION_TYPES, count),
                rng.choice(contract.QUAD_CLASSES, count),
                rng.choice(actors, count),
                rng.choice(contract.STATUSES, count),
                strict=True,
            )
        )
    ]


@pytest.fixture(scope="module")
def randomised(tmp_path_factory):
    """3,000 random events: a store, the same data loaded as a frame for the oracle, its directory."""
    directory = tmp_path_factory.mktemp("random") / "data"
    store = write_store(directory, random_rows(3000, seed=1))
    return store, load_dataset(directory).events, directory


FILTERS = [
    EVERYTHING,
    EventFilter(relations=("military", "security"), quads=("verbal_conflict", "material_conflict")),
    EventFilter(date_from=dt.date(2021, 2, 10), date_to=dt.date(2021, 9, 3)),  # cuts spans at both ends
    EventFilter(actors=("Actor B",), statuses=("reported", "alleged")),
    EventFilter(text="BETA", date_from=dt.date(2022, 1, 1)),
    NOBODY,
]


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


def test_by_week_the_less_precise_events_go_to_the_band(seven):
    weekly = timeline.build_timeline(seven, EVERYTHING, "week")
    assert weekly.total == 7
    assert weekly.binned == 3 and weekly.in_band == 4  # E-4, E-5, E-6 and E-7 (Wednesday to Tuesday)
    assert set(weekly.band["event_ids"]) == {"E-4", "E-5", "E-6", "E-7"}
    first_week = weekly.bins[weekly.bins["bin"] == pd.Timestamp("2024-03-04")]
    assert first_week.set_index("side")["events"].to_dict() == {"conflict": 1, "cooperation": 1}
    with pytest.raises(ValueError):
        timeline.build_timeline(seven, EVERYTHING, "decade")


def test_by_month_a_span_over_the_end_of_a_month_stays_in_the_band(seven):
    monthly = timeline.build_timeline(seven, EVERYTHING, "month")
    assert monthly.binned == 5 and monthly.in_band == 2
    assert set(monthly.band["event_ids"]) == {"E-5", "E-6"}
    assert (
        monthly.count("cooperation") == 2 and monthly.count("conflict") == 2 and monthly.count("neutral") == 1
    )


def test_conflict_counts_below_the_axis_and_spans_end_after_their_last_day(seven):
    weekly = timeline.build_timeline(seven, EVERYTHING, "week")
    assert (weekly.bins.loc[weekly.bins["side"] == "conflict", "signed"] < 0).all()
    assert (weekly.bins.loc[weekly.bins["side"] != "conflict", "signed"] > 0).all()
    e6 = weekly.band[weekly.band["event_ids"] == "E-6"].iloc[0]
    assert (e6["start"], e6["end"]) == (pd.Timestamp("2024-03-30"), pd.Timestamp("2024-04-03"))


def test_a_filter_narrows_bins_and_band_alike(seven):
    conflict = EventFilter(quads=("material_conflict", "verbal_conflict"))
    weekly = timeline.build_timeline(seven, conflict, "week")
    assert weekly.total == 3 and weekly.binned == 2 and set(weekly.band["event_ids"]) == {"E-6"}
    nothing = timeline.build_timeline(seven, NOBODY, "month")
    assert nothing.total == nothing.binned == nothing.in_band == 0
    assert list(nothing.bins.columns) == ["bin", "relation_type", "side", "events", "bin_end", "signed"]
    band_columns = ["start", "end", "relation_type", "side", "events", "lane", "event_ids"]
    assert list(nothing.band.columns) == band_columns


def test_a_span_names_its_first_ids_and_counts_the_others(tmp_path):
    # Ten events of one year, verbal and material conflict: one span of the band, of one side.
    quads = ("verbal_conflict", "material_conflict")
    rows = [row(f"Y-{n:02d}", "2023-01-01", None, "year", "energy", quads[n % 2]) for n in range(10, 0, -1)]
    store = write_store(tmp_path / "data", rows)
    band = timeline.build_timeline(store, EVERYTHING, "month").band
    assert len(band) == 1 and band["events"].iloc[0] == 10 and band["side"].iloc[0] == "conflict"
    listed = ", ".join(f"Y-{n:02d}" for n in range(1, timeline.IDS_LISTED + 1))
    assert band["event_ids"].iloc[0] == f"{listed} and 2 more"


PERIODS = {"day": "D", "week": "W-SUN", "month": "M"}  # pandas' periods of each unit


def expected_timeline(events: pd.DataFrame, unit: str) -> tuple[list, list, dict]:
    """The timeline written in pandas alone, on the oracle's rows: bins, band spans, drawn spans' ids.

    Bins come from pandas' periods (weeks ending on Sunday), not from the module's helpers.
    """
    period = PERIODS[unit]
    first = events["date"].dt.to_period(period)
    fits = first == events[SPAN_END].dt.to_period(period)
    frame = pd.DataFrame(
        {
            "bin": first.dt.start_time,
            "start": events["date"],
            "end": events[SPAN_END],
            "relation_type": events["relation_type"].astype("str"),
            "side": contract.quad_side(events["quad_class"]),
            "event_id": events["event_id"].astype("str"),
        }
    )
    bins = frame[fits].groupby(["bin", "relation_type", "side"]).size()
    keys = ["start", "end", "relation_type", "side"]
    spans = frame[~fits].groupby(keys).size().rename("events").reset_index()
    drawn = spans.sort_values(["events", *keys], ascending=[False, True, True, True, True]).head(
        timeline.SPANS_DRAWN
    )
    named = frame[~fits].sort_values("event_id").groupby(keys)["event_id"].agg(list)
    ids = {}
    for span in drawn[keys].itertuples(index=False, name=None):
        shown = ", ".join(named[span][: timeline.IDS_LISTED])
        more = len(named[span]) - timeline.IDS_LISTED
        ids[span] = shown + (f" and {more} more" if more > 0 else "")
    return list(bins.items()), list(spans.itertuples(index=False, name=None)), ids


@pytest.mark.parametrize("unit", timeline.UNITS)
@pytest.mark.parametrize("f", FILTERS, ids=range(len(FILTERS)))
def test_the_engine_bins_as_pandas_does(randomised, unit, f):
    store, events, _ = randomised
    matching = filter_events(events, f)
    bins, spans, ids = expected_timeline(matching, unit)
    built = timeline.build_timeline(store, f, unit)
    assert built.binned + built.in_band == built.total == len(matching) == store.count(f)
    assert built.count("cooperation") + built.count("conflict") + built.count("neutral") == built.binned
    got_bins = built.bins.set_index(["bin", "relation_type", "side"])["events"]
    assert list(got_bins.items()) == bins
    band = built.band.assign(end=built.band["end"] - pd.Timedelta(days=1))  # back to the last day
    keys = ["start", "end", "relation_type", "side"]
    assert list(band[[*keys, "events"]].itertuples(index=False, name=None)) == spans
    # The spans with most events have their ids named, and only they may be given a lane.
    listed = band[band["event_ids"] != ""]
    assert dict(zip(listed[keys].itertuples(index=False, name=None), listed["event_ids"], strict=True)) == ids
    assert set(band.index[band["lane"] != timeline.NOT_DRAWN]) <= set(listed.index)
    assert (built.bins["bin_end"] > built.bins["bin"]).all()


def test_the_engine_sends_counts_and_a_few_ids_never_the_events(randomised, monkeypatch):
    store, *_ = randomised
    answers = []
    fetch = store.fetch
    monkeypatch.setattr(store, "fetch", lambda expr: answers.append(fetch(expr)) or answers[-1])
    built = timeline.build_timeline(store, EVERYTHING, "month")
    assert len(answers) == 2
    counts, ids = answers
    assert len(counts) == len(built.bins) + len(built.band) < built.total
    assert len(ids) <= timeline.SPANS_DRAWN * timeline.IDS_LISTED
    assert (built.band["lane"] == timeline.NOT_DRAWN).any()  # more spans than drawn: the ids were chosen


@pytest.mark.parametrize("unit", timeline.UNITS)
def test_lanes_never_hold_overlapping_spans_of_the_band(randomised, unit):
    built = timeline.build_timeline(randomised[0], EVERYTHING, unit)
    drawn = built.band[built.band["lane"] != timeline.NOT_DRAWN]
    assert 0 < len(drawn) <= timeline.SPANS_DRAWN and drawn["lane"].max() < timeline.BAND_LANES
    for _, lane in drawn.groupby("lane"):
        ordered = lane.sort_values("start")
        assert (ordered["start"].iloc[1:].to_numpy() >= ordered["end"].iloc[:-1].to_numpy()).all()


def test_the_shipped_data_adds_up_too():
    store = open_store(ROOT / "data")
    for unit in timeline.UNITS:
        built = timeline.build_timeline(store, EVERYTHING, unit)
        assert built.binned + built.in_band == built.total == store.total
    assert timeline.default_unit(store, EVERYTHING) == "month"  # 2022 to 2026


def test_a_year_or_less_is_counted_by_week(seven, randomised):
    assert timeline.default_unit(seven, EVERYTHING) == "week"
    assert timeline.default_unit(seven, NOBODY) == "month"
    store, *_ = randomised
    assert timeline.default_unit(store, EVERYTHING) == "month"
    # A span of 2021-03 reaches back and forth by up to 90 days (and a year precision far more).
    narrow = EventFilter(date_from=dt.date(2021, 3, 1), date_to=dt.date(2021, 3, 31), relations=("media",))
    matching = filter_events(randomised[1], narrow)
    days = (matching[SPAN_END].max() - matching["date"].min()).days
    assert timeline.default_unit(store, narrow) == ("week" if days <= timeline.WEEKLY_UP_TO_DAYS else "month")


def test_lanes_never_hold_overlapping_spans():
    starts = pd.Series(pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-05", "2024-02-01", "2024-02-02"]))
    ends = pd.Series(pd.to_datetime(["2024-01-10", "2024-01-03", "2024-01-08", "2024-02-05", "2024-03-01"]))
    lanes = timeline.assign_lanes(starts, ends, 5)
    assert lanes == [0, 1, 1, 0, 1]
    assert timeline.assign_lanes(starts, ends, 1) == [0, -1, -1, 0, -1]  # no room: not drawn
    for lane in set(lanes):
        spans = sorted((s, e) for s, e, n in zip(starts, ends, lanes, strict=True) if n == lane)
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans))


def test_stacked_bars_sit_on_each_other_away_from_the_axis(tmp_path):
    store = write_store(
        tmp_path / "data",
        [
            row("A", "2024-03-05", None, "day", "military", "material_conflict"),
            row("B", "2024-03-05", None, "day", "security", "material_conflict"),
            row("C", "2024-03-05", None, "day", "security", "verbal_conflict"),
            row("D", "2024-03-06", None, "day", "energy", "material_cooperation"),
        ],
    )
    bins = timeline.build_timeline(store, EVERYTHING, "week").bins
    stacked = charts.stacked(bins).set_index("relation_type")
    assert stacked.loc["military", ["y0", "y1"]].tolist() == [0, -1]
    assert stacked.loc["security", ["y0", "y1"]].tolist() == [-1, -3]
    assert stacked.loc["energy", ["y0", "y1"]].tolist() == [0, 1]


def test_chronological_order_is_oldest_first(seven):
    oldest = timeline.chronological(seven, EVERYTHING, 100)
    assert list(oldest["event_id"]) == ["E-5", "E-4", "E-1", "E-2", "E-3", "E-7", "E-6"]
    assert list(timeline.chronological(seven, EVERYTHING, 3)["event_id"]) == ["E-5", "E-4", "E-1"]
    assert list(oldest.columns) == list(timeline.CHRONICLE_COLUMNS)
    assert timeline.chronological(seven, NOBODY, 10).empty
    html = markup.chronicle_html(oldest, {})
    assert "2024-01-01 – 2024-12-31 (year)" in html and html.count("<li>") == 7


@pytest.mark.parametrize("f", FILTERS, ids=range(len(FILTERS)))
def test_chronological_takes_the_oldest_as_pandas_does(randomised, f):
    store, events, _ = randomised
    expected = filter_events(events, f).sort_values(["date", SPAN_END, "event_id"]).head(50)
    oldest = timeline.chronological(store, f, 50)
    assert list(oldest["event_id"]) == list(expected["event_id"].astype("str"))
    assert list(oldest[SPAN_END]) == list(expected[SPAN_END])


def test_the_band_counts_per_bin_the_events_that_may_fall_in_it(randomised):
    built = timeline.build_timeline(randomised[0], EVERYTHING, "month")
    assert (built.band["lane"] == timeline.NOT_DRAWN).any()  # more spans than the band draws
    assert (built.band["lane"] != timeline.NOT_DRAWN).sum() <= timeline.SPANS_DRAWN
    overlap = timeline.band_overlap(built)
    band = built.band
    for _, bin_row in overlap.sample(12, random_state=1).iterrows():
        touching = band[(band["start"] < bin_row["bin_end"]) & (band["end"] > bin_row["bin"])]
        assert bin_row["events"] == touching["events"].sum()
    assert overlap["events"].max() <= built.in_band


def test_spark_builds_the_same_timeline_as_duckdb(randomised, spark):
    # The same data directory on Spark: truncation to Monday weeks, the chosen spans (ties broken
    # by key), the window's first ids and the oldest events must come out identical.
    duck = randomised[0]
    on_spark = open_store(randomised[2], spark)
    narrow = EventFilter(date_from=dt.date(2021, 2, 10), date_to=dt.date(2021, 9, 3))
    # Each Spark query takes seconds: a unit each, both with more spans than the band draws.
    for f, unit in ((EVERYTHING, "month"), (narrow, "week")):
        built, expected = (timeline.build_timeline(store, f, unit) for store in (on_spark, duck))
        pd.testing.assert_frame_equal(built.bins, expected.bins)
        pd.testing.assert_frame_equal(built.band, expected.band)
        assert (expected.band["lane"] == timeline.NOT_DRAWN).any()  # the spans drawn were chosen
    assert timeline.default_unit(on_spark, narrow) == timeline.default_unit(duck, narrow)
    oldest, expected_oldest = (timeline.chronological(store, narrow, 20) for store in (on_spark, duck))
    pd.testing.assert_frame_equal(oldest, expected_oldest)
    # Playback's counts per window, per state and per cell (analysis.windows), on the same weeks.
    grid = density.Grid(1.0, 1)
    counted, expected_counts = (windows.window_counts(s, narrow, "week", grid) for s in (on_spark, duck))
    assert counted.days.equals(expected_counts.days) and counted.state_keys == expected_counts.state_keys
    pd.testing.assert_frame_equal(counted.cell_keys, expected_counts.cell_keys)
    for part in ("states", "cells"):
        for side in ("starts", "ends"):
            got, want = (getattr(getattr(c, part), side) for c in (counted, expected_counts))
            np.testing.assert_array_equal(got, want)


@pytest.fixture(scope="module")
def one_precision(tmp_path_factory):
    """For each date precision, a store of 300 random events all dated at that precision, and its frame."""
    stores = {}
    for n, precision in enumerate(contract.DATE_PRECISIONS):
        rows = [r | {"date_precision": precision} for r in random_rows(300, seed=10 + n)]
        directory = tmp_path_factory.mktemp(precision) / "data"
        stores[precision] = (write_store(directory, rows), load_dataset(directory).events)
    return stores


def expected_spread(matching: pd.DataFrame, unit: str) -> pd.Series:
    """Each event not within one bin, shared out evenly over the days of its span, summed per bin."""
    period = PERIODS[unit]
    outside = matching[matching["date"].dt.to_period(period) != matching[SPAN_END].dt.to_period(period)]
    days = [pd.date_range(a, b, freq="D") for a, b in zip(outside["date"], outside[SPAN_END], strict=True)]
    shares = pd.DataFrame(
        {
            "day": np.concatenate([d.to_numpy() for d in days]) if days else np.array([], "datetime64[ns]"),
            "relation_type": np.repeat(
                outside["relation_type"].astype("str").to_numpy(), [len(d) for d in days]
            ),
            "events": np.concatenate([np.full(len(d), 1 / len(d)) for d in days]) if days else [],
        }
    )
    shares["bin"] = shares["day"].dt.to_period(period).dt.start_time
    return shares.groupby(["bin", "relation_type"])["events"].sum()


@pytest.mark.parametrize("unit", timeline.UNITS)
@pytest.mark.parametrize("precision", contract.DATE_PRECISIONS)
@pytest.mark.parametrize("f", FILTERS[:4], ids=range(4))
def test_bins_and_the_band_spread_over_its_spans_add_up_to_the_filtered_total(
    one_precision, precision, unit, f
):
    store, events = one_precision[precision]
    matching = filter_events(events, f)
    built = timeline.build_timeline(store, f, unit)
    spread = timeline.band_spread(built)
    assert built.binned + spread["events"].sum() == pytest.approx(len(matching), abs=1e-6)
    assert built.total == len(matching)
    if precision == "year" or (precision == "month" and unit != "month"):
        assert built.in_band > 0  # coarser than a bar: spread, never drawn on its first day
    got = spread.set_index(["bin", "relation_type"])["events"]
    expected = expected_spread(matching, unit)
    expected = expected[expected > 1e-9]
    assert list(got.index) == list(expected.index)
    assert np.allclose(got.to_numpy(), expected.to_numpy())
    assert (spread["bin_end"] == timeline.next_bin(spread["bin"], unit)).all()


def test_a_brush_gives_the_days_between_the_nearest_midnights():
    def state(*ends):
        return {"selection": {charts.BRUSH: {"bin": list(ends)}}}

    hour = 3_600_000
    march = int(pd.Timestamp("2024-03-01").timestamp() * 1000)
    april = int(pd.Timestamp("2024-04-01").timestamp() * 1000)
    assert charts.brushed_days(state(march - 3 * hour, april + 5 * hour)) == (
        dt.date(2024, 3, 1),
        dt.date(2024, 3, 31),
    )
    assert charts.brushed_days(state(april, march)) == (dt.date(2024, 3, 1), dt.date(2024, 3, 31))
    assert charts.brushed_days(state("2024-03-01T00:00:00Z", "2024-03-01T02:00:00Z")) == (
        dt.date(2024, 3, 1),
        dt.date(2024, 3, 1),
    )  # less than a day: that day
    assert charts.brushed_days({"selection": {charts.BRUSH: {}}}) is None  # cleared
    assert charts.brushed_days(None) is None
    assert charts.brushed_days(state("soon", "later")) is None
    assert charts.brushed_days(state(float("nan"), march)) is None
