"""`borderstates import -o`: a new events file and its articles, both written or neither, no article lost."""

import datetime as dt
import os
import subprocess
import sys

import pytest

from borderstates.cli import main
from borderstates.core import contract
from borderstates.importers import pipeline
from borderstates.importers.common import IMPORTED_EVENT_COLUMNS
from borderstates.importers.run import ImportFailure, ImportOptions, import_file

from .conftest import FIXTURES, ROOT, read_rows, write_csv_rows
from .import_helpers import IMPORTS, assert_valid

FAR_FUTURE = ImportOptions(since=dt.date(2100, 1, 1))


@pytest.fixture
def folder(tmp_path):
    """A folder holding an analyst's curated articles.csv, where an import writes its events."""
    out = tmp_path / "o"
    out.mkdir()
    (out / "articles.csv").write_bytes((FIXTURES / "articles.csv").read_bytes())
    return out


def hidden(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_an_import_that_cannot_write_its_events_leaves_the_articles_beside_them(folder, capsys):
    before = (folder / "articles.csv").read_bytes()
    (folder / "events.csv").mkdir()  # a folder where the events file should go
    code = main(["import", str(IMPORTS / "acled_export.csv"), "-o", str(folder / "events.csv")])
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith(f"borderstates import: {folder / 'events.csv'}: is a folder")
    assert (folder / "articles.csv").read_bytes() == before
    assert hidden(folder) == [] and (folder / "events.csv").is_dir()


def test_an_output_that_is_a_folder_is_refused_and_nothing_written_above_it(tmp_path, capsys):
    target = tmp_path / "inside"
    target.mkdir()  # as `-o /tmp`, which once wrote /articles.csv
    code = main(["import", str(IMPORTS / "acled_export.csv"), "-o", str(target)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1
    assert f"{target}: is a folder" in err and f"{target / 'events.csv'}" in err  # says what to name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inside"] and not any(target.iterdir())
    with pytest.raises(ImportFailure, match=f"is a folder.*such as {target / 'articles.csv'}"):
        import_file(IMPORTS / "acled_export.csv", output=tmp_path / "events.csv", articles=target)
    assert not (tmp_path / "events.csv").exists()


def test_the_articles_beside_are_kept_and_the_imported_ones_added(folder, capsys):
    rows = read_rows(FIXTURES / "articles.csv")
    written = import_file(IMPORTS / "acled_export.csv", output=folder / "fresh" / "events.csv")
    imported = read_rows(folder / "fresh" / "articles.csv")
    # An analyst's own column, and an imported article the analyst gave a title of their own.
    mine = dict(imported[0], title="[Ukrainska Pravda, checked by hand]", analyst="KV")
    write_csv_rows(folder / "articles.csv", [*contract.ARTICLE_COLUMNS, "analyst"],
                   [dict(r, analyst="") for r in rows] + [mine])  # fmt: skip
    before = (folder / "articles.csv").read_bytes()

    code = main(["import", str(IMPORTS / "acled_export.csv"), "-o", str(folder / "events.csv")])
    out, err = capsys.readouterr()
    assert code == 0
    after = (folder / "articles.csv").read_bytes()
    assert after.startswith(before)  # every row of the file, byte for byte, and the new ones after it
    merged = read_rows(folder / "articles.csv")
    assert merged[: len(rows) + 1] == [dict(r, analyst="") for r in rows] + [mine]
    assert sorted(a["article_id"] for a in merged) == sorted(
        ["A-1", "A-2", *(a["article_id"] for a in imported)]
    )
    assert all(a["analyst"] == "" for a in merged[len(rows) + 1 :])
    # The one differing row is said in one line, naming the file's line; the file's row stays.
    assert out.splitlines() == [
        f"{folder / 'articles.csv'}:{len(rows) + 2}: article_id: warning: {mine['article_id']!r} is already "
        "in this file with other values; the file's row is kept"
    ]
    assert (
        f"wrote {folder / 'articles.csv'} ({len(imported) - 1} articles added to the {len(rows) + 1} " in err
    )
    assert_valid(folder / "events.csv")
    assert written.log.errors == 0 and hidden(folder) == []

    again = main(["import", str(IMPORTS / "acled_export.csv"), "-o", str(folder / "events.csv")])
    assert again == 0 and (folder / "articles.csv").read_bytes() == after  # nothing new: unchanged


def test_articles_added_to_a_dutch_excel_file_keep_its_form(folder):
    rows = read_rows(FIXTURES / "articles.csv")
    text = "\ufeff" + "\n".join(
        ";".join(r.values()) for r in [dict(zip(rows[0], rows[0], strict=True)), *rows]
    )
    (folder / "articles.csv").write_text(text, encoding="utf-8")  # a BOM, `;`, LF and no last line end
    import_file(IMPORTS / "ucdp_ged.csv", output=folder / "events.csv")
    written = (folder / "articles.csv").read_bytes()
    assert written.startswith(text.encode("utf-8") + b"\n") and b"\r" not in written
    assert_valid(folder / "events.csv")


def test_an_articles_file_changed_during_the_import_is_kept_and_nothing_is_written(folder, monkeypatch):
    monkeypatch.setattr(pipeline, "PROGRESS_ROWS", 1)  # told after the first chunk

    def an_analyst_saves(read, imported):
        with (folder / "articles.csv").open("a", encoding="utf-8", newline="") as handle:
            handle.write("A-3,Saved meanwhile,,2025-07,en,,\r\n")

    with pytest.raises(ImportFailure, match="changed while the import ran"):
        import_file(IMPORTS / "acled_export.csv", output=folder / "events.csv", progress=an_analyst_saves)
    assert read_rows(folder / "articles.csv")[-1]["article_id"] == "A-3"
    assert not (folder / "events.csv").exists() and hidden(folder) == []


def test_an_events_path_taken_during_the_import_writes_neither_file(folder, monkeypatch):
    monkeypatch.setattr(pipeline, "PROGRESS_ROWS", 1)
    before = (folder / "articles.csv").read_bytes()
    with pytest.raises(ImportFailure, match="is a folder"):
        import_file(IMPORTS / "acled_export.csv", output=folder / "events.csv",
                    progress=lambda *_: (folder / "events.csv").mkdir(exist_ok=True))  # fmt: skip
    assert (folder / "articles.csv").read_bytes() == before and hidden(folder) == []


def test_when_the_events_file_cannot_be_renamed_the_articles_are_put_back(folder, monkeypatch):
    from borderstates.importers import newfiles

    before = (folder / "articles.csv").read_bytes()
    real = os.replace

    def replace(source, target):
        if str(target).endswith("events.csv"):
            raise PermissionError(13, "Permission denied", str(target))
        real(source, target)

    monkeypatch.setattr(newfiles.os, "replace", replace)
    with pytest.raises(PermissionError):
        import_file(IMPORTS / "acled_export.csv", output=folder / "events.csv")
    assert (folder / "articles.csv").read_bytes() == before
    assert not (folder / "events.csv").exists() and hidden(folder) == []


def test_a_damaged_articles_file_is_refused_before_anything_is_read(folder, capsys):
    (folder / "articles.csv").write_bytes(b'article_id,title\r\nA-1,"unclosed\r\n')
    code = main(["import", str(IMPORTS / "acled_export.csv"), "-o", str(folder / "events.csv")])
    err = capsys.readouterr().err
    assert (
        code == 2 and len(err.splitlines()) == 1 and f"{folder / 'articles.csv'}:2: -: malformed CSV" in err
    )
    assert not (folder / "events.csv").exists()
    (folder / "articles.csv").write_bytes(b"id,title\r\nA-1,x\r\n")
    with pytest.raises(ImportFailure, match="has no article_id column"):
        import_file(IMPORTS / "acled_export.csv", output=folder / "events.csv")


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
