from pathlib import Path

import pandas as pd
import pytest

from borderstates.cli import main
from borderstates.core import contract
from borderstates.core.contract import LOCATED_IN, SPAN_END
from borderstates.core.load import load_dataset, load_events, load_files

from .conftest import BROKEN, FIXTURES, write_csv_rows


def load_broken(name: str, articles: Path = FIXTURES / "articles.csv"):
    return load_files(BROKEN / name, articles)


def test_fixture_loads_typed():
    data = load_files(FIXTURES / "events.csv", FIXTURES / "articles.csv")
    assert data.problems == []
    events = data.events
    assert len(events) == 3 and data.rows_left_out == 0
    assert events["date"].dtype.kind == "M" and events["date_end"].dtype.kind == "M"
    assert events["latitude"].dtype == "float64"
    assert str(events["fatalities"].dtype) == "Int64"
    assert events["fatalities"].tolist()[1] == 0
    assert isinstance(events["relation_type"].dtype, pd.CategoricalDtype)
    assert list(events["relation_type"].cat.categories) == list(contract.RELATION_TYPES)
    assert events["excerpt"][2] == "Azerbeidzjan zegde Oekraïne steun toe tegen de Russische inval."
    assert events[LOCATED_IN].astype(str).tolist() == ["ARM", "AZE", "UKR"]


def test_span_end_follows_precision_and_date_end(fixture_rows, make_data_dir):
    precisions = [
        ("day", "", "2025-03-05"),
        ("week", "", "2025-03-11"),
        ("month", "", "2025-03-31"),
        ("year", "", "2025-12-31"),
        ("month", "2025-04-10", "2025-04-10"),
    ]
    rows = []
    for number, (precision, end, _) in enumerate(precisions):
        row = dict(fixture_rows[0], event_id=f"S-{number}", date="2025-03-05", date_end=end)
        rows.append(dict(row, date_precision=precision))
    events = load_dataset(make_data_dir(rows)).events
    assert events[SPAN_END].dt.strftime("%Y-%m-%d").tolist() == [p[2] for p in precisions]


@pytest.mark.parametrize(
    ("name", "line", "column", "message"),
    [
        ("bad_date.csv", 3, "date", "'2025-30-06' must be a real date"),
        ("impossible_date.csv", 3, "date", "'2025-02-30' must be a real date"),
        ("date_end_before_date.csv", 3, "date_end", "2025-06-01 is before date 2025-06-30"),
        ("unknown_relation_type.csv", 3, "relation_type", "'warfare' must be one of: military, security"),
        ("unknown_quad_class.csv", 3, "quad_class", "'conflict' must be one of"),
        ("unknown_country_code.csv", 3, "country", "'AZ' must be an ISO 3166-1 alpha-3"),
        ("latitude_out_of_range.csv", 3, "latitude", "'140.5' must be a number from -90 to 90"),
        ("longitude_not_a_number.csv", 3, "longitude", "must be a number from -180 to 180"),
        ("empty_required_cell.csv", 3, "summary", "is required but empty"),
        ("fatalities_not_integer.csv", 3, "fatalities", "'2.0' must be a whole number"),
        ("unknown_article_id.csv", 3, "article_id", "A-9 is not a valid article"),
        ("duplicate_event_id.csv", 3, "event_id", "duplicate id 'T-1' (first on line 2)"),
        ("wrong_field_count.csv", 3, "-", "row has 26 fields, the header has 25"),
    ],
)
def test_bad_row_is_reported_and_the_rest_loads(name, line, column, message):
    data = load_broken(name)
    assert [(p.line, p.column) for p in data.errors] == [(line, column)]
    assert message in data.errors[0].message
    assert str(data.errors[0]).startswith(f"{BROKEN / name}:{line}: {column}: ")
    assert data.events["event_id"].tolist() == (["T-1", "T-3"])
    assert data.rows_left_out == 1


@pytest.mark.parametrize(
    ("name", "line", "column", "message"),
    [
        ("empty.csv", 1, "-", "the file is empty"),
        ("missing_column.csv", 1, "summary", "required column is missing from the header"),
        ("not_utf8.csv", 3, "-", "not UTF-8 text (byte 0xef"),
        ("not_csv.csv", 1, "-", "not UTF-8 text (byte 0x89"),
    ],
)
def test_unreadable_file_is_one_problem_and_no_rows(name, line, column, message):
    data = load_broken(name)
    assert [(p.line, p.column) for p in data.errors] == [(line, column)]
    assert message in data.errors[0].message
    assert data.events.empty


def test_point_outside_country_is_a_warning_that_keeps_the_row():
    data = load_broken("point_outside_country.csv")
    assert data.errors == []
    (warning,) = data.problems
    assert (warning.line, warning.column, warning.severity) == (3, "latitude/longitude", "warning")
    assert "outside AZE; it falls in RUS" in warning.message
    assert len(data.events) == 3


def test_a_span_longer_than_its_precision_is_a_warning_and_the_row_stays(fixture_rows, make_data_dir, capsys):
    spans = [  # precision, date, date_end, the precision the warning asks for (None: no warning)
        ("week", "2025-06-27", "2025-07-06", "month"),  # ten days are not a week
        ("week", "2025-03-03", "2025-03-09", None),  # seven are
        ("day", "2025-06-14", "2025-06-15", "week"),  # a night across midnight is two days
        ("day", "2025-06-14", "2025-06-14", None),
        ("month", "2024-01-01", "2024-01-31", None),
        ("month", "2024-01-15", "2024-02-15", "year"),  # 32 days: longer than any month
        ("year", "2022-02-24", "2025-06-27", None),  # the coarsest precision takes any span
        ("week", "2025-06-27", "", None),  # no date_end: the window itself
    ]
    rows = [
        dict(fixture_rows[0], event_id=f"P-{n}", date=start, date_end=end, date_precision=precision)
        for n, (precision, start, end, _) in enumerate(spans)
    ]
    directory = make_data_dir(rows)
    data = load_dataset(directory)
    assert data.errors == [] and len(data.events) == len(spans)
    warned = {p.line: p for p in data.problems}
    expected = {n + 2: asked for n, (*_, asked) in enumerate(spans) if asked}
    assert set(warned) == set(expected)
    assert {(p.column, p.severity) for p in warned.values()} == {("date_precision", "warning")}
    assert warned[2].message == (
        "'week' for a span of 10 days (2025-06-27 … 2025-07-06), but a week spans at most 7: "
        "make the span exact or the precision 'month'"
    )
    assert all(warned[line].message.endswith(f"precision {asked!r}") for line, asked in expected.items())
    # `validate` names each in one line and still says the data is valid.
    assert main(["validate", str(directory / "events.csv")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(": ", 3)[:3] for line in lines] == [
        [f"{directory / 'events.csv'}:{line}", "date_precision", "warning"] for line in sorted(expected)
    ]


def test_point_near_the_coast_is_within_tolerance(fixture_rows, make_data_dir):
    # 10 km off Baku, in the Caspian Sea: outside the polygon, inside the 25 km tolerance.
    rows = [dict(fixture_rows[1], latitude="40.3300", longitude="50.0500")]
    data = load_dataset(make_data_dir(rows))
    assert data.problems == []
    assert data.events[LOCATED_IN].astype(str).tolist() == [""]


def test_bad_article_url_is_reported_and_blanked_not_dropped():
    data = load_files(FIXTURES / "events.csv", BROKEN / "articles_bad_url.csv")
    assert [(p.line, p.column) for p in data.errors] == [(3, "url")]
    assert len(data.events) == 3
    assert data.articles.set_index("article_id").loc["A-2", "url"] == ""


def test_events_citing_an_invalid_article_are_reported():
    data = load_files(FIXTURES / "events.csv", BROKEN / "articles_bad_language.csv")
    assert [(p.line, p.column) for p in data.errors] == [
        (3, "language"),
        (3, "article_id"),
        (4, "article_id"),
    ]
    assert data.events["event_id"].tolist() == ["T-1"]


def test_line_numbers_count_physical_lines(fixture_rows, tmp_path):
    rows = [dict(fixture_rows[0], excerpt="one\r\ntwo\nthree"), dict(fixture_rows[1], date="2025-99-01")]
    path = write_csv_rows(tmp_path / "events.csv", contract.EVENT_COLUMNS, rows)
    _, problems, rows_in_file = load_events(path)
    assert [(p.line, p.column) for p in problems] == [(5, "date")]
    assert rows_in_file == 2


def test_extra_columns_are_kept_and_optional_ones_may_be_absent(fixture_rows, tmp_path):
    columns = [c for c in contract.EVENT_COLUMNS if c not in ("status", "dataset", "notes")] + ["confidence"]
    rows = [{**{c: r.get(c, "") for c in columns}, "confidence": "high"} for r in fixture_rows]
    path = write_csv_rows(tmp_path / "events.csv", columns, rows)
    events, problems, _ = load_events(path)
    assert problems == []
    assert events["confidence"].tolist() == ["high"] * 3
    assert set(events["status"]) == {"reported"} and set(events["dataset"]) == {"curated"}


def test_excerpt_may_be_empty_for_imported_rows_only(fixture_rows, make_data_dir):
    rows = [dict(fixture_rows[0], excerpt=""), dict(fixture_rows[1], excerpt="", dataset="GDELT")]
    data = load_dataset(make_data_dir(rows))
    assert [(p.line, p.column) for p in data.errors] == [(2, "excerpt")]
    assert data.events["dataset"].astype(str).tolist() == ["GDELT"]


def test_dutch_excel_export_loads_back(fixture_rows, make_data_dir, tmp_path):
    from borderstates.core.engine import open_store
    from borderstates.core.export import export_events
    from borderstates.core.filters import EventFilter

    directory = make_data_dir(fixture_rows)
    data = load_dataset(directory)
    out = tmp_path / "excel.csv"
    export_events(open_store(directory), EventFilter(), out, "csv-excel")
    again, problems, _ = load_events(out)
    assert problems == []
    assert again["longitude"].tolist() == data.events["longitude"].tolist()
