"""`borderstates import -o`: a new events file and its articles, both written or neither, no article lost."""

import datetime as dt
import subprocess
import sys

import pytest

from borderstates.core import contract
from borderstates.importers.common import IMPORTED_EVENT_COLUMNS
from borderstates.importers.run import ImportOptions, import_file

from .conftest import ROOT, read_rows, write_csv_rows
from .import_helpers import IMPORTS

FAR_FUTURE = ImportOptions(since=dt.date(2100, 1, 1))


# --- a chunk that keeps no event -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["acled_export.csv", "ucdp_ged.csv", "gdelt_events.export.CSV"])
def test_a_file_that_keeps_no_event_writes_empty_files(tmp_path, name):
    out = tmp_path / "out" / "events.csv"
    report = import_file(IMPORTS / name, output=out, options=FAR_FUTURE)
    assert report.imported == 0 and report.left_out["dated outside --since/--until"] > 0
    assert read_rows(out) == [] and read_rows(out.parent / "articles.csv") == []
    assert out.read_text(encoding="utf-8").splitlines() == [",".join(IMPORTED_EVENT_COLUMNS)]
    articles = (out.parent / "articles.csv").read_text(encoding="utf-8")
    assert articles.splitlines() == [",".join(contract.ARTICLE_COLUMNS)]


def test_an_acled_file_of_countries_outside_the_focus_imports_nothing_without_a_traceback(tmp_path):
    rows = [r for r in read_rows(IMPORTS / "acled_export.csv") if r["event_id_cnty"][:3] in ("POL", "XKX")]
    source = write_csv_rows(tmp_path / "elsewhere.csv", rows[0].keys(), rows)
    result = subprocess.run(
        [sys.executable, "-m", "borderstates.cli", "import", str(source), "-o", str(tmp_path / "events.csv")],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert "0 imported; 2 located outside UKR, GEO, ARM, AZE, RUS" in result.stderr
    assert read_rows(tmp_path / "events.csv") == []
