"""Trends: each unit's latest period against its baseline, banded, and two periods compared.

The fixtures are computed by hand below each one; a pandas oracle written apart from the
engine's method checks random data on DuckDB, and Spark must agree with DuckDB.
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from borderstates import cli
from borderstates.analysis import trends
from borderstates.analysis.trends import band, build_trends, compare_periods, periods_until
from borderstates.core.contract import SPAN_END
from borderstates.core.engine import open_store
from borderstates.core.filters import EventFilter
from borderstates.core.load import load_dataset
from tests.test_timeline import random_rows, row, write_store

EVERYTHING = EventFilter()
D = dt.date
PLACES = {  # a point in each state, as the gazetteer has it
    "AZE": {"country": "AZE", "location": "Baku", "latitude": "40.3777", "longitude": "49.892"},
    "ARM": {"country": "ARM", "location": "Yerevan", "latitude": "40.1776", "longitude": "44.5126"},
    "GEO": {"country": "GEO", "location": "Tbilisi", "latitude": "41.6941", "longitude": "44.8337"},
    "UKR": {"country": "UKR", "location": "Kyiv", "latitude": "50.4547", "longitude": "30.5238"},
    "RUS": {"country": "RUS", "location": "Moscow", "latitude": "55.7522", "longitude": "37.6156"},
}


def at(state, event_id, date, date_end=None, precision="day", **more):
    return row(event_id, date, date_end, precision, "military", "material_conflict", **PLACES[state], **more)


# --- the periods ------------------------------------------------------------------------------


def test_the_latest_week_is_the_last_complete_one_ending_by_as_of():
    # 2024-03-13 is a Wednesday: the week of 4–10 March is the last complete one.
    mid_week = periods_until(D(2024, 3, 13), "week", 4)
    assert mid_week.latest == pd.Timestamp("2024-03-04") and mid_week.last_day == pd.Timestamp("2024-03-10")
    assert mid_week.starts[0] == pd.Timestamp("2024-02-05") and mid_week.baseline == 4
    # On a Sunday the week that ends that day is complete.
    assert periods_until(D(2024, 3, 10), "week").latest == pd.Timestamp("2024-03-04")
    assert periods_until(D(2024, 3, 9), "week").latest == pd.Timestamp("2024-02-26")


def test_weeks_run_across_a_years_end():
    # 2025-01-05 is a Sunday; its week began on Monday 30 December 2024.
    p = periods_until(D(2025, 1, 5), "week", 2)
    assert p.starts == (pd.Timestamp("2024-12-16"), pd.Timestamp("2024-12-23"), pd.Timestamp("2024-12-30"))
    assert p.last_day == pd.Timestamp("2025-01-05")


def test_months_keep_their_lengths():
    p = periods_until(D(2024, 3, 30), "month", 3)  # March is not over on the 30th
    assert p.starts == tuple(
        pd.Timestamp(d) for d in ("2023-11-01", "2023-12-01", "2024-01-01", "2024-02-01")
    )
    assert p.last_day == pd.Timestamp("2024-02-29")  # a leap year's February
    assert periods_until(D(2024, 3, 31), "month", 1).latest == pd.Timestamp("2024-03-01")


@pytest.mark.parametrize(
    ("period", "baseline", "message"),
    [("year", 4, "week, month"), ("week", 0, "1 to"), ("month", -3, "1 to")],
)
def test_bad_periods_are_refused_in_one_sentence(period, baseline, message):
    with pytest.raises(ValueError, match=message):
        periods_until(D(2024, 1, 1), period, baseline)


# --- the bands --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latest", "baseline", "expected"),
    [
        (2, 0.75, "limited"),  # too few to say: below one a period, fewer than three now
        (0, 0, "limited"),
        (3, 0.75, "new"),  # three or more after less than one a period
        (3, 0, "new"),
        (2, 1, "surge"),  # twice a baseline of one a period
        (5, 2.5, "surge"),
        (4, 2.5, "increase"),  # +60 %, under twice
        (5, 4, "increase"),  # +25 % exactly
        (4.9, 4, "stable"),
        (3, 4, "decrease"),  # −25 % exactly
        (3.1, 4, "stable"),
        (0, 1, "decrease"),
    ],
)
def test_each_band_by_its_rule(latest, baseline, expected):
    assert band(latest, baseline) == expected


# --- counted on the engine ----------------------------------------------------------------------

# Weeks of 2024: Monday 5 Feb … Sunday 10 Mar; as of Wednesday 13 March the latest is 4–10 March.
WEEKS = [
    # Azerbaijan: 2 a week in the baseline, 5 in the latest week: a surge.
    *(
        at("AZE", f"AZ-{w}{n}", d)
        for w, d in enumerate(("2024-02-05", "2024-02-14", "2024-02-21", "2024-02-28"))
        for n in range(2)
    ),
    *(at("AZE", f"AZ-L{n}", "2024-03-04", fatalities="1") for n in range(5)),
    # Armenia: nothing before, 3 in the latest week (one a two-day span within it): new.
    at("ARM", "AM-1", "2024-03-05"),
    at("ARM", "AM-2", "2024-03-06", "2024-03-07"),
    at("ARM", "AM-3", "2024-03-10"),
    # Georgia: 4 a week, then 3: −25 %, a decrease.
    *(
        at("GEO", f"GE-{w}{n}", d)
        for w, d in enumerate(("2024-02-06", "2024-02-13", "2024-02-20", "2024-02-27"))
        for n in range(4)
    ),
    *(at("GEO", f"GE-L{n}", "2024-03-08") for n in range(3)),
    # Ukraine: one baseline event, one now: limited. Plus events left out for their precision: a
    # month-precision event in March, a day event running from Sunday into Monday (two weeks).
    at("UKR", "UA-1", "2024-02-07"),
    at("UKR", "UA-2", "2024-03-04"),
    at("UKR", "UA-M", "2024-02-01", precision="month"),
    at("UKR", "UA-X", "2024-02-11", "2024-02-12"),
    # Outside the periods: the week after the latest, and before the baseline.
    at("UKR", "UA-late", "2024-03-12"),
    at("UKR", "UA-early", "2024-02-04"),
]


@pytest.fixture(scope="module")
def weekly_directory(tmp_path_factory):
    directory = tmp_path_factory.mktemp("weekly") / "data"
    write_store(directory, WEEKS)
    return directory


@pytest.fixture(scope="module")
def weekly(weekly_directory):
    return open_store(weekly_directory)


def by_unit(built):
    return built.table.set_index("unit")


def test_hand_counted_weeks_give_every_band(weekly):
    built = build_trends(weekly, EVERYTHING, periods_until(D(2024, 3, 13), "week", 4))
    table = by_unit(built)
    assert table.loc["AZE", ["latest", "baseline", "band"]].tolist() == [5, 2.0, "surge"]
    assert table.loc["AZE", "change"] == pytest.approx(1.5)
    assert table.loc["AZE", "series"] == [2, 2, 2, 2, 5]
    assert table.loc["ARM", ["latest", "baseline", "band"]].tolist() == [3, 0.0, "new"]
    assert np.isnan(table.loc["ARM", "change"])
    assert table.loc["GEO", ["latest", "baseline", "band"]].tolist() == [3, 4.0, "decrease"]
    assert table.loc["GEO", "change"] == pytest.approx(-0.25)
    assert table.loc["UKR", ["latest", "baseline", "band"]].tolist() == [1, 0.25, "limited"]
    # The month-precision event and the span over a week's end lie in no single week.
    assert built.left_out == 2
    assert table.loc["AZE", ["fatalities_latest", "fatalities_baseline"]].tolist() == [5, 0.0]
    assert list(built.table["band"]) == ["surge", "new", "decrease", "limited"]  # most alarming first


def test_an_as_of_in_the_middle_of_a_week_leaves_that_week_out(weekly):
    # As of Monday 11 March the latest week is still 4–10 March; as of Saturday 9 March it is 26 Feb–3 Mar.
    assert (
        by_unit(build_trends(weekly, EVERYTHING, periods_until(D(2024, 3, 11), "week", 4))).loc[
            "AZE", "latest"
        ]
        == 5
    )
    earlier = by_unit(build_trends(weekly, EVERYTHING, periods_until(D(2024, 3, 9), "week", 4)))
    assert earlier.loc["AZE", "series"] == [0, 2, 2, 2, 2]
    assert "ARM" not in earlier.index


def test_the_filter_narrows_the_trends(weekly):
    georgia = build_trends(weekly, EventFilter(countries=("GEO",)), periods_until(D(2024, 3, 13), "week", 4))
    assert list(georgia.table["unit"]) == ["GEO"]


def test_new_actors_are_those_of_the_latest_period_alone(weekly):
    built = build_trends(weekly, EVERYTHING, periods_until(D(2024, 3, 13), "week", 4))
    # Every fixture event has the template's actors: Armenia's are new there, nowhere else.
    actors = set(zip(built.new_actors["state"], built.new_actors["actor"], strict=True))
    assert {state for state, _ in actors} == {"ARM"}
    assert ("ARM", "Azerbaijani police") in actors


def test_by_month_a_month_precision_event_counts_in_its_month(weekly):
    built = build_trends(weekly, EVERYTHING, periods_until(D(2024, 3, 31), "month", 1))
    ukraine = by_unit(built).loc["UKR"]
    # February: UA-1, UA-M (month), UA-X, UA-early; March: UA-2, UA-late.
    assert ukraine["series"] == [4, 2]
    assert built.left_out == 0


def test_relations_split_the_rows_when_asked(weekly):
    split = build_trends(weekly, EVERYTHING, periods_until(D(2024, 3, 13), "week", 4), split_relations=True)
    assert set(split.table["relation_type"]) == {"military"}
    assert len(split.table) == 4


def test_two_periods_compared_by_the_same_rule(weekly):
    compared = compare_periods(
        weekly, EVERYTHING, (D(2024, 2, 5), D(2024, 2, 11)), (D(2024, 3, 4), D(2024, 3, 10))
    )
    table = compared.table.set_index("unit")
    assert table.loc["AZE", ["a", "b", "difference"]].tolist() == [2, 5, 3]
    assert table.loc["AZE", "ratio"] == pytest.approx(2.5)
    assert table.loc["ARM", ["a", "b"]].tolist() == [0, 3] and np.isnan(table.loc["ARM", "ratio"])
    # UA-X (11–12 Feb) touches A without lying in it; UA-M (February) too.
    assert compared.left_out == 2


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        ((D(2024, 3, 1), D(2024, 2, 1)), (D(2024, 4, 1), D(2024, 4, 2)), "period A ends"),
        ((D(2024, 5, 1), D(2024, 5, 2)), (D(2024, 4, 1), D(2024, 4, 2)), "must not begin after"),
    ],
)
def test_periods_that_cannot_be_compared_are_refused(weekly, a, b, message):
    with pytest.raises(ValueError, match=message):
        compare_periods(weekly, EVERYTHING, a, b)


def test_the_default_as_of_is_the_last_day_a_filtered_span_reaches(weekly):
    assert trends.default_as_of(weekly, EVERYTHING) == D(2024, 3, 12)
    assert trends.default_as_of(weekly, EventFilter(countries=("ARM",))) == D(2024, 3, 10)
    assert trends.default_as_of(weekly, EventFilter(actors=("Nobody",))) is None


# --- against an oracle, and on Spark ------------------------------------------------------------


def oracle(events: pd.DataFrame, periods: trends.Periods) -> dict[str, list[int]]:
    """Each state's counts per period, by pandas' own periods: an event whose first and last day share one."""
    freq = "W-SUN" if periods.period == "week" else "M"
    first, last = events["date"].dt.to_period(freq), events[SPAN_END].dt.to_period(freq)
    wanted = [pd.Timestamp(s).to_period(freq) for s in periods.starts]
    kept = events[(first == last) & first.isin(wanted)]
    counts = {}
    for state, group in kept.groupby(kept["located_in"].astype(str)):
        per = group["date"].dt.to_period(freq).value_counts()
        counts[state] = [int(per.get(p, 0)) for p in wanted]
    return counts


@pytest.fixture(scope="module")
def randomised(tmp_path_factory):
    directory = tmp_path_factory.mktemp("random-trends") / "data"
    places = list(PLACES.values())
    rows = [r | places[n % len(places)] for n, r in enumerate(random_rows(3000, seed=7))]
    store = write_store(directory, rows)
    return store, load_dataset(directory).events, directory


@pytest.mark.parametrize(
    ("period", "baseline", "as_of"),
    [("week", 4, D(2021, 6, 16)), ("month", 12, D(2022, 5, 31)), ("week", 52, D(2022, 1, 2))],
)
def test_the_engine_counts_as_the_oracle_does(randomised, period, baseline, as_of):
    store, events, _ = randomised
    periods = periods_until(as_of, period, baseline)
    built = build_trends(store, EVERYTHING, periods)
    got = dict(zip(built.table["unit"], built.table["series"], strict=True))
    assert got == oracle(events, periods)


def test_spark_gives_the_same_trends_as_duckdb(randomised, spark):
    duck, _, directory = randomised
    on_spark = open_store(directory, spark)
    periods = periods_until(D(2021, 6, 16), "week", 8)
    built, expected = (build_trends(s, EVERYTHING, periods) for s in (on_spark, duck))
    pd.testing.assert_frame_equal(built.table, expected.table)
    assert built.left_out == expected.left_out
    pd.testing.assert_frame_equal(built.new_actors, expected.new_actors)
    a, b = (D(2021, 1, 1), D(2021, 3, 31)), (D(2021, 4, 1), D(2021, 6, 30))
    pd.testing.assert_frame_equal(
        compare_periods(on_spark, EVERYTHING, a, b).table, compare_periods(duck, EVERYTHING, a, b).table
    )


# --- the command line ---------------------------------------------------------------------------


def run(argv) -> int:
    """Run the command line; an option it refuses ends it as argparse does, with the exit code."""
    try:
        return cli.main(argv)
    except SystemExit as exited:
        return int(exited.code)


def test_trends_on_the_command_line_writes_the_methods_table(weekly_directory, tmp_path, capsys):
    out = tmp_path / "trends.csv"
    argv = [
        "trends",
        "--events",
        str(weekly_directory / "events.csv"),
        "--as-of",
        "2024-03-13",
        "-o",
        str(out),
    ]
    assert run(argv) == cli.EXIT_OK
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(trends.TREND_COLUMNS)
    assert lines[1] == "AZE,Azerbaijan,5,2.00,150.0,surge,5,0.00"
    assert lines[2] == "ARM,Armenia,3,0.00,,new,0,0.00"  # no percentage for `new`
    assert lines[3] == "GEO,Georgia,3,4.00,-25.0,decrease,0,0.00"
    assert "2 events left out" in capsys.readouterr().err


def test_compare_on_the_command_line(weekly_directory, capsys):
    events = str(weekly_directory / "events.csv")
    assert (
        run(["compare", "--events", events, "--a", "2024-02-05:2024-02-11", "--b", "2024-03-04:2024-03-10"])
        == 0
    )
    printed = capsys.readouterr()
    rows = printed.out.splitlines()
    assert rows[0] == ",".join(trends.COMPARISON_COLUMNS)
    assert "AZE,Azerbaijan,2,5,3,2.50" in rows
    assert "ARM,Armenia,0,3,3," in rows
    assert "2 events touch a period" in printed.err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["trends", "--as-of", "2024-3-13"], "argument --as-of: '2024-3-13' is not a date"),
        (["trends", "--baseline", "0"], "argument --baseline: '0' is not a whole number of periods"),
        (["trends", "--period", "year"], "argument --period: invalid choice: 'year'"),
        (["compare", "--a", "2024-05-01:2024-05-02", "--b", "2024-04-01:2024-04-30"], "must not begin after"),
        (
            ["compare", "--a", "2024-05-02:2024-05-01", "--b", "2024-06-01:2024-06-30"],
            "ends before it begins",
        ),
        (["compare", "--a", "2024-05-01", "--b", "2024-06-01:2024-06-30"], "is not a period FROM:TO"),
    ],
)
def test_bad_input_on_the_command_line_is_one_line(weekly_directory, capsys, argv, said):
    assert run([*argv, "--events", str(weekly_directory / "events.csv")]) == cli.EXIT_USAGE
    err = capsys.readouterr().err.strip()
    assert said in err and len(err.splitlines()) == 1, err


def test_by_region_each_capitals_region_carries_its_states_trend(weekly):
    periods = periods_until(D(2024, 3, 13), "week", 4)
    by_state = by_unit(build_trends(weekly, EVERYTHING, periods))
    by_region = by_unit(build_trends(weekly, EVERYTHING, periods, "region"))
    capitals = {"AZ-BA": "AZE", "AM-ER": "ARM", "GE-TB": "GEO", "UA-30": "UKR"}
    assert set(by_region.index) == set(capitals)
    for region, state in capitals.items():
        assert by_region.loc[region, "series"] == by_state.loc[state, "series"]
        assert by_region.loc[region, "band"] == by_state.loc[state, "band"]
    assert by_region.loc["UA-30", "name"] == "Kyiv"
    assert by_state.loc["UKR", "name"] == "Ukraine"
    compared = compare_periods(
        weekly, EVERYTHING, (D(2024, 2, 5), D(2024, 2, 11)), (D(2024, 3, 4), D(2024, 3, 10)), "region"
    )
    assert compared.table.set_index("unit").loc["AZ-BA", ["a", "b"]].tolist() == [2, 5]


def test_a_region_filter_narrows_the_trends_to_it(weekly):
    periods = periods_until(D(2024, 3, 13), "week", 4)
    only = build_trends(weekly, EventFilter(regions=("GE-TB",)), periods, "region")
    assert list(only.table["unit"]) == ["GE-TB"]


@pytest.mark.parametrize(
    "command", [["trends"], ["compare", "--a", "2024-02-05:2024-02-11", "--b", "2024-03-04:2024-03-10"]]
)
def test_trends_and_compare_refuse_an_output_in_a_missing_folder(weekly_directory, tmp_path, capsys, command):
    out = tmp_path / "nowhere" / "out.csv"
    assert run([*command, "--events", str(weekly_directory / "events.csv"), "-o", str(out)]) == cli.EXIT_USAGE
    assert f"no such folder, for -o {out}" in capsys.readouterr().err
    assert not out.parent.exists()
