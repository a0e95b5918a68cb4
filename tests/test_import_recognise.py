"""Recognising a file's format, and the one-line errors for files that cannot be imported at all."""

import gzip
import subprocess
import sys
import zipfile

import pytest

from borderstates.cli import main
from borderstates.importers.run import ImportFailure, import_file
from borderstates.importers.source import recognise

from .conftest import FIXTURES, ROOT
from .import_helpers import IMPORTS


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("acled_export.csv", "acled"),
        ("acled_api.csv", "acled"),
        ("ucdp_ged.csv", "ucdp"),
        ("gdelt_events.export.CSV", "gdelt"),
        ("gdelt_events.export.CSV.zip", "gdelt"),
    ],
)
def test_auto_recognises_each_format(name, fmt):
    assert recognise(IMPORTS / name).format == fmt


def test_gzip_and_semicolons_are_read_too(tmp_path):
    zipped = tmp_path / "acled.csv.gz"
    zipped.write_bytes(gzip.compress((IMPORTS / "acled_api.csv").read_bytes()))
    assert recognise(zipped).format == "acled"
    semicolons = tmp_path / "acled_excel.csv"
    semicolons.write_text(
        "event_id_cnty;event_date;event_type;sub_event_type;actor1;country;latitude;longitude\n"
    )
    assert recognise(semicolons).delimiter == ";"


def _failure(path, fmt="auto") -> str:
    with pytest.raises(ImportFailure) as caught:
        recognise(path, fmt)
    return str(caught.value)


@pytest.mark.parametrize(
    ("name", "fmt", "message"),
    [
        ("ucdp_ged.csv", "acled", "this looks like a UCDP GED file, not ACLED"),
        ("acled_export.csv", "ucdp", "this looks like an ACLED file, not UCDP GED"),
        ("gdelt_events.export.CSV", "acled", "this looks like a GDELT 2.0 events file, not ACLED"),
        ("acled_api.csv", "gdelt", "this looks like an ACLED file, not GDELT 2.0 events"),
    ],
)
def test_a_file_of_another_format_is_named(name, fmt, message):
    assert _failure(IMPORTS / name, fmt) == f"{IMPORTS / name}: {message}"


def test_files_that_are_no_event_export_say_what_they_are(tmp_path):
    gdelt_v1 = tmp_path / "gdelt1.CSV"
    gdelt_v1.write_text("\t".join(["412345"] + ["x"] * 57) + "\n")
    assert "looks like a GDELT 1.0 events file (58 columns; GDELT 2.0 has 61)" in _failure(gdelt_v1)
    mentions = tmp_path / "mentions.CSV"
    mentions.write_text("\t".join(["1155500001"] + ["x"] * 15) + "\n")
    assert "looks like a GDELT 2.0 Mentions file, not GDELT 2.0 events" in _failure(mentions, "gdelt")
    assert "a borderstates events file, which needs no import" in _failure(FIXTURES / "events.csv")
    other = tmp_path / "other.csv"
    other.write_text("name,value\na,1\n")
    assert (
        _failure(other)
        == f"{other}: not an ACLED, UCDP GED or GDELT 2.0 events file (first line: 'name,value')"
    )
    assert _failure(other, "ucdp") == f"{other}: this is not a UCDP GED file (first line: 'name,value')"


def test_missing_columns_empty_unreadable_and_damaged_files(tmp_path):
    header = (IMPORTS / "acled_api.csv").read_text().splitlines()[0]
    trimmed = tmp_path / "trimmed.csv"
    trimmed.write_text(header.replace(",latitude,longitude", "") + "\n")
    assert _failure(trimmed) == (
        f"{trimmed}:1: -: columns that ACLED files have are missing from the header: latitude, longitude"
    )
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n")
    assert _failure(empty) == f"{empty}: the file is empty"
    assert (
        _failure(tmp_path / "nope.csv")
        == f"{tmp_path / 'nope.csv'}: cannot be read: No such file or directory"
    )
    cut = tmp_path / "cut.zip"
    cut.write_bytes((IMPORTS / "gdelt_events.export.CSV.zip").read_bytes()[:200])
    assert _failure(cut).startswith(f"{cut}: damaged zip archive")
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as archive:
        archive.writestr("a.CSV", "1")
        archive.writestr("b.CSV", "2")
    assert _failure(two) == f"{two}: the zip archive must hold one data file, it holds: a.CSV, b.CSV"


def test_a_zip_damaged_inside_fails_without_writing(tmp_path):
    lines = (IMPORTS / "gdelt_events.export.CSV").read_bytes() * 400
    path = tmp_path / "big.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("20240216.export.CSV", lines)
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)  # a damaged block inside the compressed stream
    path.write_bytes(bytes(data))
    out = tmp_path / "out" / "events.csv"
    with pytest.raises(ImportFailure, match="damaged"):
        import_file(path, output=out)
    assert not out.exists() and not (out.parent / "articles.csv").exists()


def test_cli_prints_one_line_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "events.csv"
    code = main(["import", "--format", "acled", str(IMPORTS / "ucdp_ged.csv"), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert (
        err
        == f"borderstates import: {IMPORTS / 'ucdp_ged.csv'}: this looks like a UCDP GED file, not ACLED; "
        "nothing was written\n"
    )


def test_console_script_reports_without_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "borderstates.cli", "import", str(IMPORTS / "gdelt_broken.export.CSV"),
         "-o", str(tmp_path / "events.csv")],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert result.returncode == 1  # imported, but rows were left out
    assert "Traceback" not in result.stderr
    assert (
        f"{IMPORTS / 'gdelt_broken.export.CSV'}:2: -: 58 columns, expected 61" in result.stdout.splitlines()
    )
    assert "2 imported" in result.stderr and "5 left out for errors" in result.stderr
