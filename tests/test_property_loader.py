"""Property test of the loader and validator: damaged rows are reported where they are, the rest loads.

Hypothesis writes an events file of valid rows (text with quotes, separators, CR and LF,
formula characters, other scripts, NUL; extreme but valid numbers; a column the contract does
not name; now and then a huge field, a BOM or a blank line), damages some rows in known ways
(short and long rows, bare CR and LF, broken quoting, bad values of every typed column, empty
required cells, duplicate ids, bytes that are not UTF-8) and loads it:

- every damaged row is reported on its line, with its column (or `-` for the whole row);
- no problem is reported on a line of an untouched row;
- every untouched row loads with exactly the text it was written with, on its own line;
- bytes that are not UTF-8 make one problem on their line and no rows (data contract:
  "Partial loads");
- nothing raises.

The examples are derandomized: the same ones run every time, in a few seconds. What the
property found in the loader is kept below it as plain examples.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from borderstates.core import contract
from borderstates.core.csvio import LINE, WHOLE_ROW, guard_cell, read_table
from borderstates.core.load import load_events
from tests.conftest import write_csv_rows

ARTICLES = {"A-1", "A-2"}
EXTRA = "extra_note"  # a column the contract does not name: kept by the loader
MARK = "SPLIT\x01HERE"  # a summary written raw, replaced by the damage's bytes
HUGE = 150_000  # characters: above the 131,072 that Python's csv accepts by default
COUNTRIES = ("RUS", "UKR", "GEO", "ARM", "AZE", "USA", "XKX")

PIECES = st.sampled_from(
    ['"', '""', ",", ";", "\r", "\n", "\r\n", "'", "'=", "=1+1", "-", "@x", "\t", " ", "\x00",
     "Oekraïne", "Тбилиси", "ერევანი", "<script>", "a\"b", '"quoted"', "😀"]
)  # fmt: skip
FREE = st.lists(st.one_of(st.text(max_size=8), PIECES), max_size=4).map("".join)
REQUIRED = st.tuples(FREE, st.sampled_from("abcXYZéж"), FREE).map("".join)  # never blank


def coordinate(limit: float) -> st.SearchStrategy[str]:
    extremes = [str(limit), str(-limit), "0", "-0.0", "5e-324", "1e-300", f"{limit - 1e-12!r}"]
    return st.one_of(st.floats(-limit, limit).map(repr), st.sampled_from(extremes))


@st.composite
def valid_row(draw, number: int) -> dict[str, str]:
    start = draw(st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)))
    precision = draw(st.sampled_from(contract.DATE_PRECISIONS))
    longest = contract.LONGEST_SPAN_DAYS.get(precision, 401)  # a valid span fits its precision (a warning)
    end = draw(
        st.one_of(st.just(""), st.integers(0, longest - 1).map(lambda d: str(start + dt.timedelta(d))))
    )
    return {
        "event_id": f"P-{number}",
        "date": start.isoformat(),
        "date_end": end,
        "date_precision": precision,
        "actor1": draw(REQUIRED),
        "actor1_country": draw(st.sampled_from(("", *COUNTRIES))),
        "actor2": draw(FREE),
        "actor2_country": draw(st.sampled_from(("", *COUNTRIES))),
        "relation_type": draw(st.sampled_from(contract.RELATION_TYPES)),
        "quad_class": draw(st.sampled_from(contract.QUAD_CLASSES)),
        "status": draw(st.sampled_from(("", *contract.STATUSES))),
        "country": draw(st.sampled_from(COUNTRIES)),
        "location": draw(REQUIRED),
        "latitude": draw(coordinate(90)),
        "longitude": draw(coordinate(180)),
        "geo_precision": draw(st.sampled_from(contract.GEO_PRECISIONS)),
        "summary": draw(REQUIRED),
        "article_id": draw(st.sampled_from(("A-1", "A-2", "A-1;A-2", " A-2 "))),
        "excerpt": draw(REQUIRED),
        "excerpt_en": draw(FREE),
        "fatalities": draw(st.one_of(st.just(""), st.integers(0, 999_999_999).map(str))),
        "dataset": draw(st.sampled_from(("", "curated", "ACLED", "GDELT"))),
        "source_code": draw(FREE),
        "tags": draw(FREE),
        "notes": draw(FREE),
        EXTRA: draw(FREE),
    }


# Damage that breaks the record's structure: (how the summary is written raw, reported column).
RAW_DAMAGE = {
    "bare line feed": "SPLIT\nHERE",  # unquoted: the row falls apart into two lines
    "bare carriage return": "SPLIT\rHERE",
    "text after closing quote": '"SPLIT"HERE',
    "quotes opened and closed at once": '""SPLIT',
    "unclosed quote": '"SPLIT HERE',  # runs on until some later quote
}
# Damage to one value: column -> bad values (each is reported in that column).
BAD_VALUES = {
    "date": ["2024-02-30", "2024-13-01", "24-01-01", "2024/01/01", "", " 2024-01-01", "２０２４-01-01"],
    "date_end": ["2024-02-30", "yesterday", "0000-00-00"],
    "latitude": ["91", "-90.0001", "1e400", "inf", "-inf", "nan", "1e308", "", "٤٠", "40,5", "N40"],
    "longitude": ["181", "-180.5", "1e400", "NaN", "", "abc", "−77"],
    "fatalities": ["-1", "1.5", "2.0", "1e3", "9999999999", "١٢", "１２", " 1", "0x1"],
    "relation_type": ["warfare", "Military", " military", ""],
    "quad_class": ["conflict", ""],
    "date_precision": ["decade", ""],
    "geo_precision": ["street", ""],
    "status": ["unknown", "Reported"],
    "country": ["AZ", "XXX", "rus", ""],
    "actor1_country": ["AZ", "XXX"],
    "actor1": ["", "   "],
    "location": ["", "\t"],
    "summary": [""],
    "event_id": [""],
    "article_id": ["", "A-9", "A-1;A-9"],
}
KINDS = ("short row", "long row", "duplicate id", "empty curated excerpt", *RAW_DAMAGE, *BAD_VALUES)


class File:
    """A generated events file and what the loader must make of it."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.untouched: list[tuple[int, dict[str, str]]] = []  # (line, row) of rows left whole
        self.must_report: set[tuple[int, str]] = set()  # (line, column)
        self.damaged_lines: set[int] = set()
        self.first_bad_byte_line: int | None = None
        self.rows = 0

    def __repr__(self) -> str:  # shortens the huge fields, which would flood the report
        lines = self.data.decode("utf-8", "replace").split("\n")
        shown = "\n".join(line if len(line) < 600 else f"{line[:300]} […] {line[-200:]}" for line in lines)
        return f"File(must_report={sorted(self.must_report)}, lines:\n{shown})"


def encode(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue()


@st.composite
def events_file(draw) -> File:
    columns = [*contract.EVENT_COLUMNS, EXTRA]
    count = draw(st.integers(1, 9))
    rows = [draw(valid_row(n)) for n in range(count)]
    if draw(st.booleans()):
        rows[draw(st.integers(0, count - 1))]["notes"] = "n" * HUGE + draw(FREE)
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=count, max_size=count))
    damaged = draw(st.lists(st.booleans(), min_size=count, max_size=count))
    bad_bytes_at = draw(st.one_of(st.none(), st.integers(0, count - 1)))
    bad_bytes = draw(st.sampled_from([b"Oekra\xefne", b"\xff", b"\xc3(", b"\xed\xa0\x80", b"\xe2\x82"]))

    out = File(data=("\ufeff" if draw(st.booleans()) else "").encode() + encode(columns).encode())
    line = 2
    for number, row in enumerate(rows):
        if draw(st.integers(0, 9)) == 0:
            out.data += b"\r\n"  # a blank line: no data, no problem, but a line
            line += 1
        kind = kinds[number] if damaged[number] else None
        if kind == "duplicate id" and not out.untouched:  # a duplicate of a row that loads
            kind = "short row"
        if kind == "empty curated excerpt" and row["dataset"] not in ("", "curated"):
            kind = "short row"
        cells, raw, report = dict(row), None, {(line, WHOLE_ROW)}
        if kind == "duplicate id":
            cells["event_id"], report = out.untouched[0][1]["event_id"], {(line, "event_id")}
        elif kind == "empty curated excerpt":
            cells["excerpt"], report = " ", {(line, "excerpt")}
        elif kind in RAW_DAMAGE:
            cells["summary"], raw = MARK, RAW_DAMAGE[kind]
        elif kind in BAD_VALUES:
            column = kind
            cells[column], report = draw(st.sampled_from(BAD_VALUES[column])), {(line, column)}
            if column == "date_end" and cells["date_end"] == "0000-00-00":
                cells["date_end"] = str(dt.date.fromisoformat(row["date"]) - dt.timedelta(days=1))
                if row["date"] == "1900-01-01":
                    cells["date_end"] = "1899-12-31"
        values = [guard_cell(cells[c]) if cells[c] != MARK else MARK for c in columns]
        if kind == "short row":
            values = values[:-1]
        elif kind == "long row":
            values.append("surplus")
        text = encode(values)
        if raw is not None:
            at = text.index(MARK)
            if kind == "bare line feed":
                report.add((line + text[:at].count("\n") + 1, WHOLE_ROW))
            text = text.replace(MARK, raw)
        chunk = text.encode()
        if number == bad_bytes_at:
            chunk = bad_bytes + chunk  # into the event id, on the row's first line
            out.first_bad_byte_line = out.first_bad_byte_line or line
        span = text.count("\n")
        if kind is None:
            out.untouched.append((line, row))
        else:
            out.must_report |= report
            out.damaged_lines |= set(range(line, line + span))
        out.data += chunk
        line += span
    out.rows = count
    return out


def expected_frame(untouched: list[tuple[int, dict[str, str]]]) -> pd.DataFrame:
    rows = [{**row, LINE: line} for line, row in untouched]
    frame = pd.DataFrame(rows, columns=[*contract.EVENT_COLUMNS, EXTRA, LINE])
    frame["status"] = frame["status"].replace("", contract.DEFAULT_STATUS)
    frame["dataset"] = frame["dataset"].replace("", contract.DEFAULT_DATASET)
    return frame


def as_written(events: pd.DataFrame) -> pd.DataFrame:
    """Turn loaded, typed events back into the text they were read from."""
    out = events.loc[:, [*contract.EVENT_COLUMNS, EXTRA, LINE]].copy()
    for column in ("date", "date_end"):
        out[column] = out[column].dt.strftime("%Y-%m-%d").fillna("")
    out["fatalities"] = out["fatalities"].astype("string").fillna("")
    for column in out.columns:
        if column not in (LINE, "latitude", "longitude"):
            out[column] = out[column].astype("str")
    return out


@settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(events_file())
def test_damaged_rows_are_reported_and_the_rest_loads_unchanged(generated: File):
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "events.csv"
        path.write_bytes(generated.data)
        events, problems, rows_in_file = load_events(path, known_articles=ARTICLES)

    found = {(p.line, p.column) for p in problems}
    if generated.first_bad_byte_line is not None:
        assert [(p.line, p.column) for p in problems] == [(generated.first_bad_byte_line, WHOLE_ROW)]
        assert "not UTF-8" in problems[0].message
        assert events.empty
        return

    assert generated.must_report <= found, (sorted(generated.must_report - found), [str(p) for p in problems])
    wrongly_blamed = {line for line, _ in found} - generated.damaged_lines
    assert not wrongly_blamed, (sorted(wrongly_blamed), [str(p) for p in problems][:5])

    expected = expected_frame(generated.untouched)
    loaded = as_written(events)
    assert loaded["event_id"].tolist() == expected["event_id"].tolist()
    text_columns = [c for c in expected.columns if c not in ("latitude", "longitude", LINE)]
    pd.testing.assert_frame_equal(
        loaded[text_columns].reset_index(drop=True), expected[text_columns], check_dtype=False
    )
    assert loaded[LINE].tolist() == expected[LINE].tolist()
    for column in ("latitude", "longitude"):
        assert loaded[column].tolist() == [float(v) for v in expected[column]], column
    assert rows_in_file >= generated.rows


# --- what the property found, as plain examples ----------------------------------------------------


def read(tmp_path, body: bytes):
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\r\n" + body)
    table = read_table(path)
    return table.frame.drop(columns=LINE).values.tolist(), table.frame[LINE].tolist(), table.problems


def test_an_unclosed_quote_costs_its_own_row_only(tmp_path):
    rows, lines, problems = read(tmp_path, b'x,1\r\ny,"unclosed\r\nz,3\r\nw,"4"\r\n')
    assert rows == [["x", "1"], ["z", "3"], ["w", "4"]] and lines == [2, 4, 5]
    assert [(p.line, p.column) for p in problems] == [(3, WHOLE_ROW)]


@pytest.mark.parametrize("damage", [b'"ab"c', b'""ab', b'"ab"""c', b"a\rb"])
def test_both_parsers_report_broken_quoting_and_keep_the_next_rows_line(tmp_path, damage):
    for tail in (b"", b'"multi\nline",5\r\n'):  # one record a line (Arrow), or not (csv)
        rows, lines, problems = read(tmp_path, b"x,1\r\n" + damage + b",2\r\ny,3\r\n" + tail)
        assert [(p.line, p.column) for p in problems] == [(3, WHOLE_ROW)]
        assert rows[:2] == [["x", "1"], ["y", "3"]] and lines[:2] == [2, 4]


def test_a_huge_field_loads_on_both_paths(tmp_path):
    huge = b"h" * HUGE
    for tail in (b"", b'"multi\nline",5\r\n'):
        rows, _, problems = read(tmp_path, b"x," + huge + b"\r\n" + tail)
        assert problems == [] and rows[0] == ["x", huge.decode()]


def test_only_a_leading_quote_before_a_formula_character_is_removed(tmp_path):
    rows, _, _ = read(tmp_path, b"'=1,0'=x\r\n''-2,it's -3\r\n")
    assert rows == [["=1", "0'=x"], ["'-2", "it's -3"]]


@pytest.mark.parametrize(
    ("column", "value"),
    [("fatalities", "١٢"), ("fatalities", "１２"), ("date", "２０２４-01-01"), ("date", "2024-1-1")],
)
def test_digits_of_other_scripts_and_loose_dates_are_reported_not_raised(
    fixture_rows, tmp_path, column, value
):
    path = write_csv_rows(
        tmp_path / "events.csv", contract.EVENT_COLUMNS, [dict(fixture_rows[0], **{column: value})]
    )
    events, problems, _ = load_events(path)
    assert [(p.line, p.column) for p in problems] == [(2, column)] and events.empty
