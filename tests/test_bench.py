"""The benchmark's table: every figure it was given, the ratio against the common way, no invented cells."""

from tools.bench import format_table


def test_the_table_shows_each_figure_and_computes_the_ratio():
    ours = {10_000: {"cold_load_s": 0.25, "map_build_s": 0.04, "payload_mb": 0.1, "rerun_s": 0.07}}
    common = {10_000: {"map_build_s": 2.0, "payload_mb": 8.0}}
    browser = {"curated": {"first_visit_s": 3.2, "drawn_s": 1.9, "filter_s": 0.255, "rss_one_mb": 344}}
    table = format_table(ours, common, browser)
    assert "builds and serialises the map 50× slower" in table and "80.0× the bytes" in table
    ours_row = next(line for line in table.splitlines() if line.startswith("ours"))
    assert ours_row.split()[1:6] == ["10,000", "0.25", "–", "–", "–"]  # warm load etc. not given
    browser_row = next(line for line in table.splitlines() if line.startswith("browser "))
    assert browser_row.split() == ["browser", "curated", "3.20", "1.90", "0.255", "–", "344", "–", "–", "–"]
