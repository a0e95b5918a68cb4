"""The app on a data directory with broken files: a clear message, the valid rows, the problems listed.

Every page (the map and each `pages/*.py` on disk) runs under `streamlit.testing` on files
broken row by row and on files that cannot be read at all; none may raise, each says how many
rows were left out, and the data-quality page lists every problem with its file, line and column.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from borderstates.core import columnstore, contract, csvio
from borderstates.core.load import load_dataset
from borderstates.render import markup
from tests.conftest import FIXTURES, ROOT, write_csv_rows
from tests.import_helpers import IMPORTED, copy_of, imported_directory
from tests.test_dashboard_app import run_app, shown_count

PAGES = ["dashboard.py", *sorted(f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py"))]
QUALITY_PAGE = next((p for p in PAGES if "quality" in p.lower()), None)


@pytest.fixture
def broken_dir(fixture_rows, tmp_path):
    """Three valid events and five broken ones, one of them an unclosed quote; one bad article link."""
    t1, t2, t3 = fixture_rows
    directory = tmp_path / "broken"
    directory.mkdir()
    rows = [
        t1,
        dict(t2, event_id="B-1", date="2024-02-30"),  # line 3
        dict(t2, event_id="B-2", relation_type="warfare"),  # line 4
        t2,  # line 5
        dict(t3, event_id="B-3", latitude="north"),  # line 6
        dict(t3, event_id="B-4", fatalities="١٢"),  # line 7: digits of another script
        t3,  # line 8
    ]
    path = write_csv_rows(directory / "events.csv", contract.EVENT_COLUMNS, rows)
    lines = path.read_bytes().split(b"\r\n")
    lines.insert(5, b'B-5,2024-01-01,,day,"an unclosed quote')  # line 6: the rows after it still load
    path.write_bytes(b"\r\n".join(lines))
    articles = (FIXTURES / "articles.csv").read_text(encoding="utf-8")
    (directory / "articles.csv").write_text(
        articles.replace("https://example.org/two", "javascript:alert(1)"), encoding="utf-8"
    )
    (directory / "geo").symlink_to(ROOT / "data" / "geo")
    return directory


# (line, column) of every problem in broken_dir, as `borderstates validate` prints them.
BROKEN_EVENTS = [(3, "date"), (4, "relation_type"), (6, "-"), (7, "latitude"), (8, "fatalities")]
BROKEN_ARTICLES = [(3, "url")]


def test_the_loader_finds_each_problem_where_it_is(broken_dir):
    data = load_dataset(broken_dir)
    events = [(p.line, p.column) for p in data.errors if p.file.endswith("events.csv")]
    articles = [(p.line, p.column) for p in data.errors if p.file.endswith("articles.csv")]
    assert events == BROKEN_EVENTS and articles == BROKEN_ARTICLES
    assert data.events["event_id"].tolist() == ["T-1", "T-2", "T-3"]
    assert data.rows_in_file == 8 and data.rows_left_out == 5


@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_the_valid_rows_and_says_what_was_left_out(monkeypatch, broken_dir, page):
    app = run_app(monkeypatch, broken_dir, page=page)
    assert shown_count(app) == (3, 3)
    assert "5 of 8 event rows were left out" in app.warning[0].value
    if page == QUALITY_PAGE:
        (report,) = app.code
        for file, problems in (("events.csv", BROKEN_EVENTS), ("articles.csv", BROKEN_ARTICLES)):
            for line, column in problems:
                assert f"{broken_dir / file}:{line}: {column}: " in report.value


def _write_unreadable(directory, kind: str) -> str:
    """Break the events or articles file of a fresh copy of the fixtures; return what the report says."""
    events = (FIXTURES / "events.csv").read_bytes()
    (directory / "events.csv").write_bytes(events)
    shutil.copy(FIXTURES / "articles.csv", directory / "articles.csv")
    if kind == "missing":
        (directory / "events.csv").unlink()
        return "events.csv:1: -: cannot be read"
    if kind == "empty":
        (directory / "events.csv").write_bytes(b"")
        return "events.csv:1: -: the file is empty"
    if kind == "not UTF-8":
        (directory / "events.csv").write_bytes(events.replace("ï".encode(), "ï".encode("latin-1")))
        return "events.csv:4: -: the file is not UTF-8 text (byte 0xef"
    if kind == "binary":
        (directory / "events.csv").write_bytes(bytes(range(256)) * 64)  # byte 10 ends the first line
        return "events.csv:2: -: the file is not UTF-8 text (byte 0x80"
    if kind == "a folder":
        (directory / "events.csv").unlink()
        (directory / "events.csv").mkdir()
        return "events.csv:1: -: cannot be read"
    if kind == "no articles":
        (directory / "articles.csv").unlink()
        return "articles.csv:1: -: cannot be read"
    raise ValueError(kind)


UNREADABLE = ["missing", "empty", "not UTF-8", "binary", "a folder", "no articles"]


@pytest.mark.parametrize("page", sorted({"dashboard.py", QUALITY_PAGE} - {None}))
@pytest.mark.parametrize("kind", UNREADABLE)
def test_a_file_that_cannot_be_read_is_one_clear_problem(monkeypatch, tmp_path, kind, page):
    directory = tmp_path / "data"
    directory.mkdir()
    (directory / "geo").symlink_to(ROOT / "data" / "geo")
    said = _write_unreadable(directory, kind)
    app = run_app(monkeypatch, directory, page=page)
    valid = 3 if kind == "no articles" else 0  # without any article, events are not checked against them
    assert shown_count(app) == (valid, valid)
    assert "break the data contract in 1 place" in app.warning[0].value
    if page == QUALITY_PAGE:
        assert said in app.code[0].value


def test_a_file_over_the_size_limit_is_refused_with_a_problem(monkeypatch, tmp_path):
    directory = tmp_path / "data"
    directory.mkdir()
    _write_unreadable(directory, "no articles")
    shutil.copy(FIXTURES / "articles.csv", directory / "articles.csv")
    monkeypatch.setattr(csvio, "MAX_FILE_BYTES", 1_000)  # the events file has about 1,500 bytes
    data = load_dataset(directory, check_geography=False)
    (problem,) = data.problems
    assert (problem.line, problem.column) == (1, "-")
    assert "the loader reads files of up to 0 MB" in problem.message and data.events.empty
    if QUALITY_PAGE is not None:
        app = run_app(monkeypatch, directory, page=QUALITY_PAGE)
        assert "events.csv:1: -: the file has 0 MB" in app.code[0].value


# --- a damaged store -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """The curated fixtures and three imports into the store (ACLED, UCDP, GDELT)."""
    return imported_directory(tmp_path_factory.mktemp("imported") / "data")


def _damaged(imported, tmp_path, damage: str):
    """Copy the imported directory and damage its store; return the directory and the damaged file."""
    directory = copy_of(imported, tmp_path / "data")
    location = directory / columnstore.STORE_FOLDER
    if damage == "truncated file":
        generation = Path(columnstore.current_generation(location))
        (path,) = (generation / "events" / "dataset=UCDP" / "year=2014").glob("*.parquet")
        path.write_bytes(path.read_bytes()[:100])
        return directory, path
    (location / columnstore.CURRENT).write_bytes(bytes(range(128, 256)))  # random bytes
    return directory, location / columnstore.CURRENT


@pytest.mark.parametrize("page", sorted({"dashboard.py", QUALITY_PAGE} - {None}))
@pytest.mark.parametrize("damage", ["truncated file", "bad CURRENT"])
def test_a_damaged_store_serves_the_rest_and_says_it_once(monkeypatch, imported, tmp_path, damage, page):
    directory, damaged = _damaged(imported, tmp_path, damage)
    app = run_app(monkeypatch, directory, page=page)  # no page raises
    lost = 1 if damage == "truncated file" else 0  # the one UCDP event of 2014
    everything = 3 + sum(IMPORTED.values()) - lost
    assert shown_count(app) == (everything, everything)
    assert app.warning, "the banner says the data has a problem"
    if damage == "truncated file":  # the store's own fault, not rows of events.csv
        banner = app.warning[0].value
        assert "1 file of the store cannot be read" in banner and "event rows were left out" not in banner
    if page == QUALITY_PAGE:
        lines = [line for line in app.code[0].value.splitlines() if line.startswith(f"{damaged}:")]
        assert len(lines) == 1 and lines[0].startswith(f"{damaged}:1: -: ")


def test_an_unknown_engine_is_one_line_on_the_page(monkeypatch, broken_dir):
    monkeypatch.setenv("BORDERSTATES_ENGINE", "foo")
    app = run_app(monkeypatch, broken_dir)  # no exception on the page
    said = "BORDERSTATES_ENGINE='foo': the engine must be one of duckdb, spark"
    assert [e.value for e in app.error] == [markup.code_span(said)]


@pytest.mark.parametrize("broken_file", [False, True], ids=["clean events.csv", "broken events.csv"])
def test_the_banner_tells_the_errors_of_imports_from_those_of_the_files(
    monkeypatch, tmp_path, broken_dir, broken_file
):
    """Rows an import left out were never rows of events.csv: the banner counts them apart."""
    from borderstates.importers.merge import recorded_problems
    from borderstates.importers.run import import_file
    from tests.import_helpers import IMPORTS

    directory = tmp_path / "data"
    directory.mkdir()
    for name in ("events.csv", "articles.csv"):
        shutil.copy(FIXTURES / name, directory / name)
    report = import_file(IMPORTS / "acled_broken.csv", into=directory)
    if broken_file:  # broken after the import, which refuses a damaged events.csv
        for name in ("events.csv", "articles.csv"):
            shutil.copy(broken_dir / name, directory / name)
    recorded = sum(p.severity == "error" for p in recorded_problems(report.log, report.source))
    assert recorded > 0
    app = run_app(monkeypatch, directory)
    banner = app.warning[0].value
    imports = "The imports into the store left out rows that break the data contract"
    assert f"{imports} ({recorded} problems recorded)." in banner
    if broken_file:  # five event rows and one article: the file's own six places
        files = "5 of 8 event rows were left out: the data files break the data contract in 6 places."
        assert files in banner
    else:
        assert "event rows were left out" not in banner and "data files" not in banner
    assert f"The page shows the {shown_count(app)[1]} valid events." in banner
