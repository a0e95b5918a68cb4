"""Helpers for the importer tests: run an import into a temporary folder and read what it wrote."""

from __future__ import annotations

from pathlib import Path

from borderstates.core.load import load_files
from borderstates.importers.run import ImportOptions, import_file

from .conftest import FIXTURES, read_rows

IMPORTS = FIXTURES / "import"


def import_to(tmp_path: Path, name: str, fmt: str = "auto", **options):
    """Import a fixture into tmp_path/out; return the report, the event rows and articles by id."""
    out = tmp_path / "out" / "events.csv"
    report = import_file(IMPORTS / name, fmt, output=out, options=ImportOptions(**options))
    articles = {a["article_id"]: a for a in read_rows(out.parent / "articles.csv")}
    return report, {e["event_id"]: e for e in read_rows(out)}, articles


def assert_valid(events: Path) -> None:
    """The written files pass the loader with no error (geography warnings allowed)."""
    dataset = load_files(events, events.parent / "articles.csv")
    assert [str(p) for p in dataset.errors] == []
    assert dataset.rows_left_out == 0


def problem_lines(report) -> list[str]:
    return [str(p) for p in report.log.problems]


def stored_events(directory: Path):
    """The events the dashboard's store serves for a data directory, as a frame ordered by id.

    One id may be held twice (a conflict of two datasets): then by dataset.
    """
    from borderstates.core.engine import open_store

    store = open_store(directory)
    return store.fetch(store.events.order_by(["event_id", "dataset"]))
