"""The data-quality report: the validation lines as the command line prints them, and the checks."""

import pandas as pd
import pytest

from borderstates import cli
from borderstates.analysis import quality
from borderstates.core import contract
from borderstates.core.load import load_dataset, load_files
from borderstates.core.paths import DRAWING_FILE, FULL_FILE
from tests.conftest import BROKEN, FIXTURES, ROOT, read_rows

ARTICLES = [
    *read_rows(FIXTURES / "articles.csv"),
    {"article_id": "A-3", "title": "Nobody cites me", "language": "en"},
]


@pytest.fixture
def troubled_dir(fixture_rows, make_data_dir):
    """The fixture events, some broken, one far and one just outside its country, one article uncited."""
    t1, t2, t3 = fixture_rows
    rows = [
        dict(t1, excerpt_en=""),  # quoted from a Dutch article, no English
        dict(t2, latitude="55.752", longitude="37.6178"),  # Moscow, declared AZE
        dict(t3, excerpt_en=""),  # quoted from an English article: nothing missing
        dict(t2, event_id="Q-1", latitude="40.30", longitude="49.98"),  # at sea off Baku, within 25 km
        dict(t1, event_id="Q-2", date="2024-02-30"),
        dict(t1, event_id="Q-3", quad_class="lukewarm"),
    ]
    return make_data_dir(rows, articles=ARTICLES)


def test_the_report_prints_what_validate_prints(troubled_dir, capsys):
    dataset = load_dataset(troubled_dir)
    code = cli.main(["validate", str(troubled_dir / "events.csv")])
    printed = capsys.readouterr()
    assert code == cli.EXIT_INVALID
    assert printed.out.splitlines() == quality.validation_lines(dataset)
    assert printed.err.strip() == quality.validation_summary(dataset, troubled_dir / "events.csv")
    lines = quality.validation_lines(dataset)
    assert (
        f"{troubled_dir / 'events.csv'}:6: date: '2024-02-30' must be a real date written YYYY-MM-DD" in lines
    )
    assert any(line.startswith(f"{troubled_dir / 'events.csv'}:7: quad_class: 'lukewarm'") for line in lines)
    report = quality.build_report(dataset, dataset.events)
    assert report.printed == lines
    assert list(report.problems.columns) == list(quality.PROBLEM_COLUMNS)
    assert report.problems[["line", "column"]].values.tolist()[:2] == [[6, "date"], [7, "quad_class"]]


def test_events_outside_their_country_say_whether_validate_warns(troubled_dir):
    dataset = load_dataset(troubled_dir)
    outside = quality.build_report(dataset, dataset.events).outside.set_index("event_id")
    assert list(outside.index) == ["T-2", "Q-1"]
    assert outside.loc["T-2", "located_in"] == "RUS" and outside.loc["T-2", "beyond_tolerance"]
    assert outside.loc["Q-1", "located_in"] == "(no country: at sea)"
    assert not outside.loc["Q-1", "beyond_tolerance"]  # within the tolerance for coasts: no warning
    only_t1 = quality.build_report(dataset, dataset.events[dataset.events["event_id"] == "T-1"])
    assert only_t1.outside.empty  # the checks follow the filter


def test_without_geometry_the_report_says_the_check_did_not_run(fixture_rows, make_data_dir):
    directory = make_data_dir(fixture_rows)
    (directory / "geo").mkdir()  # a geo folder whose full layer cannot be read
    (directory / "geo" / DRAWING_FILE).write_text("{}")
    (directory / "geo" / FULL_FILE).write_bytes(b"not parquet")
    dataset = load_dataset(directory)
    assert [p.message.split(":")[0] for p in dataset.problems] == ["no geography check"]
    assert quality.build_report(dataset, dataset.events).outside is None


def test_precision_counts_list_every_level_and_add_up(troubled_dir):
    dataset = load_dataset(troubled_dir)
    report = quality.build_report(dataset, dataset.events)
    assert report.date_precision.set_index("precision")["events"].to_dict() == {
        "day": 2, "week": 0, "month": 1, "year": 1,
    }  # fmt: skip
    assert report.geo_precision["events"].sum() == len(dataset.events) == 4
    assert report.geo_precision["share"].sum() == pytest.approx(1)


def test_english_renderings_and_urls_that_are_missing(troubled_dir):
    dataset = load_dataset(troubled_dir)
    report = quality.build_report(dataset, dataset.events)
    assert report.without_english[["event_id", "article_id", "language"]].values.tolist() == [
        ["T-1", "A-1", "nl"]
    ]
    assert report.articles_without_url[["article_id", "events"]].values.tolist() == [["A-1", 3]]
    assert list(report.uncited_articles["article_id"]) == ["A-3"]


def test_the_shipped_data_is_clean_but_for_its_missing_url():
    dataset = load_dataset(ROOT / "data")
    report = quality.build_report(dataset, dataset.events)
    assert report.printed == [] and report.outside.empty and report.without_english.empty
    assert list(report.articles_without_url["article_id"]) == ["ART-0001"]
    assert report.date_precision["events"].sum() == len(dataset.events)


def test_a_broken_file_is_reported_line_by_line():
    dataset = load_files(BROKEN / "point_outside_country.csv", FIXTURES / "articles.csv")
    (line,) = quality.validation_lines(dataset)
    assert line.startswith(f"{BROKEN / 'point_outside_country.csv'}:3: latitude/longitude: warning: point")


def test_citations_split_only_the_cells_that_cite_several_articles():
    events = pd.DataFrame({"event_id": ["a", "b", "c", "d"], "article_id": ["X", "X; Y", "Y;X ;Z", ""]})
    assert list(contract.first_article(events["article_id"])) == ["X", "X", "Y", ""]
    rows = quality.citations(events).sort_values(["event_id", "position"])
    assert rows.values.tolist() == [
        ["a", "X", 0], ["b", "X", 0], ["b", "Y", 1], ["c", "Y", 0], ["c", "X", 1], ["c", "Z", 2],
    ]  # fmt: skip
    assert quality.cited_articles(events).to_dict() == {"X": 3, "Y": 2, "Z": 1}
