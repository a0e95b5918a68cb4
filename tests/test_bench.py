"""The benchmark's table: each figure given beside its target, a verdict per target, no invented cells."""

from tools.bench import derive, format_table


def _row(table: str, label: str) -> list[str]:
    return next(line for line in table.splitlines() if line.strip().startswith(label)).split()


def test_the_table_shows_each_figure_beside_its_target_and_says_met_or_missed():
    figures = {
        "apptest_large": {"events": 10_000_000, "load": 3.2, "rerun_s": 0.31, "search_s": 2.1},
        "server_large": {"events": 10_000_000, "ready_s": 2.5, "peak_mb": 600.0},
        "server_small": {"events": 1_000_000, "peak_mb": 400.0},
    }
    table = format_table(figures)
    assert _row(table, "filter change (actor")[-8:] == [
        "10,000,000",
        "0.310",
        "s",
        "≤",
        "0.500",
        "s",
        "met",
        "3.2",
    ]
    assert (
        "MISSED        text search, rerun (10,000,000 events): 2.10 s, target ≤ 1.00 s: 1.10 s over (2.10×"
        in table
    )
    assert (
        "met           server ready for a first visit, from `streamlit run` (10,000,000 events): 2.50 s"
        in table
    )
    # Not given: a dash in the table and "NOT MEASURED" among the targets, never a made-up figure.
    assert _row(table, "map payload sent by streamlit-folium")[-6:] == ["–", "≤", "2.00", "MB", "–", "3.2"]
    assert (
        "NOT MEASURED  map payload sent by streamlit-folium, all events (10,000,000 events): target ≤ 2.00 MB"
        in table
    )
    # Growth of memory from the small tier to the large one is computed from the two servers.
    assert (
        "peak RSS, large tier ÷ small tier (flat) (10,000,000 events): 1.50×, target ≤ 1.25×: 0.25× over"
        in table
    )
    # A section none of whose measurements ran is left out; so is the Spark tier.
    assert "big tier" not in table and "Spark" not in table


def test_a_failed_measurement_is_reported_and_its_targets_are_not_measured():
    table = format_table({"import": {"error": "synthetic_gdelt is missing"}})
    assert "failed measurements:\n  import: synthetic_gdelt is missing" in table
    assert "NOT MEASURED  rows per second (import) (synthetic_gdelt is missing): target ≥ 30,000/s" in table


def test_the_engine_is_compared_with_pandas_and_spark_with_duckdb():
    figures = {
        "pandas": {"events": 1_000_000, "pandas_filter_s": 0.05, "engine_filter_s": 0.07},
        "duckdb": {"events": 1_000_000, "count_s": 0.02},
        "spark": {"count_s": 0.5, "partitions": 3},
    }
    assert derive(figures)["versus_pandas"]["filter_ratio"] == 0.07 / 0.05
    table = format_table(figures)
    assert "MISSED        engine filter ÷ pandas filter (1,000,000 events): 1.40×, target ≤ 1.20×" in table
    assert _row(table, "count the filtered events") == [
        "count", "the", "filtered", "events", "0.020", "s", "0.500", "s", "25.0×",
    ]  # fmt: skip
    assert _row(table, "per-state counts (mapdata.placed)")[-2:] == ["–", "–"]
    assert "reads the events in 3 partitions" in table


def test_the_histogram_is_set_against_the_floor_of_a_bare_page():
    figures = {"server_curated": {"events": 20, "histogram_s": 2.2}, "floor": {"histogram_s": 1.375}}
    assert derive(figures)["versus_floor"]["histogram_ratio"] == 2.2 / 1.375
    table = format_table(figures)
    assert _row(table, "the floor: one Vega-Lite chart")[-2:] == ["1.38", "s"]
    assert _row(table, "the histogram ÷ the floor")[-1] == "1.60×"


def test_a_new_readers_page_is_set_against_the_floor_the_curated_data_and_the_small_tier():
    figures = {
        "floor": {"settled_s": 2.0},
        "server_curated": {"events": 20, "settled_s": 2.5},
        "server_large": {"events": 10_000_000, "settled_s": 3.5, "filter_s": 1.2, "peak_mb": 700.0},
        "server_small": {"events": 1_000_000, "settled_s": 2.5, "filter_s": 1.0, "peak_mb": 600.0},
    }
    derived = derive(figures)
    assert derived["versus_floor"]["settled_ratio"] == 2.5 / 2.0
    assert derived["growth"]["settled_vs_curated"] == derived["growth"]["settled_growth"] == 3.5 / 2.5
    assert derived["growth"]["filter_growth"] == 1.2
    table = format_table(figures)
    assert _row(table, "the curated page ÷ the floor")[-4:] == ["1.25×", "≤", "1.30×", "met"]
    missed = "MISSED        the large tier's page ÷ the curated page (10,000,000 events): 1.40×, target"
    met = "met           a filter change in Chromium, large tier ÷ small tier (10,000,000 events): 1.20×"
    assert missed in table and met in table
