"""Helpers for the importer tests: run an import into a temporary folder and read what it wrote."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from borderstates.core.load import load_files
from borderstates.importers.run import ImportOptions, import_file

from .conftest import FIXTURES, read_rows

IMPORTS = FIXTURES / "import"
# The events of each fixture import that `imported_directory` makes: three generations.
IMPORTED = {"ACLED": 7, "UCDP": 5, "GDELT": 6}


def imported_directory(directory: Path) -> Path:
    """Make a data directory of the curated fixtures and three imports into its store (gen-000001 to -3)."""
    directory.mkdir(parents=True)
    shutil.copy(FIXTURES / "events.csv", directory / "events.csv")
    shutil.copy(FIXTURES / "articles.csv", directory / "articles.csv")
    for name in ("acled_export.csv", "ucdp_ged.csv", "gdelt_events.export.CSV.zip"):
        import_file(IMPORTS / name, into=directory)
    return directory


def copy_of(directory: Path, target: Path) -> Path:
    """Copy a data directory to damage it, keeping the hard links between generations as imports made them."""
    subprocess.run(["cp", "-a", str(directory), str(target)], check=True)
    return target


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
