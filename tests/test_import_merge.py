"""Merging imports into a data directory: nothing lost, nothing doubled, never half-written."""

import csv
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from borderstates.cli import main
from borderstates.core import contract
from borderstates.core.csvio import write_csv
from borderstates.core.load import load_dataset
from borderstates.importers.run import ImportFailure, import_file

from .conftest import FIXTURES, ROOT, read_rows, write_csv_rows
from .import_helpers import IMPORTS


@pytest.fixture
def data_dir(tmp_path):
    """A data directory holding the three curated test events."""
    directory = tmp_path / "data"
    directory.mkdir()
    shutil.copy(FIXTURES / "events.csv", directory / "events.csv")
    shutil.copy(FIXTURES / "articles.csv", directory / "articles.csv")
    return directory


def into(directory, name, **options):
    return import_file(IMPORTS / name, into=directory, **options)


def records(path):
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def assert_loads_cleanly(directory):
    dataset = load_dataset(directory)
    assert [str(p) for p in dataset.errors] == [] and dataset.rows_left_out == 0
    return dataset


def test_round_trip_import_validate_export(data_dir, tmp_path, capsys):
    for name in ("acled_export.csv", "ucdp_ged.csv", "gdelt_events.export.CSV.zip"):
        assert into(data_dir, name).log.errors == 0
    dataset = assert_loads_cleanly(data_dir)
    assert dataset.events["dataset"].value_counts().to_dict() == {
        "ACLED": 7,
        "GDELT": 6,
        "UCDP": 5,
        "curated": 3,
    }
    assert main(["validate", str(data_dir / "events.csv")]) == 0
    out = tmp_path / "ucdp.csv"
    assert (
        main(["export", "--events", str(data_dir / "events.csv"), "--dataset", "UCDP", "-o", str(out)]) == 0
    )
    exported = read_rows(out)
    assert sorted(r["event_id"] for r in exported) == [f"UCDP:90000{n}" for n in range(1, 6)]
    kharkiv = next(r for r in exported if r["event_id"] == "UCDP:900001")
    assert (kharkiv["article_title"], kharkiv["article_outlet"]) == (
        "Shelling of Kharkiv centre",
        "Ukrinform",
    )


def test_curated_rows_are_never_touched(data_dir):
    before = records(data_dir / "events.csv")
    into(data_dir, "acled_export.csv")
    after = records(data_dir / "events.csv")
    width = len(before[0])
    assert [row[:width] for row in after[1:4]] == before[1:]  # same rows, same order, same cells
    assert after[0][:width] == before[0]
    assert after[0][width:] == ["source_updated"]


def test_reimporting_the_same_file_changes_nothing(data_dir, capsys):
    into(data_dir, "acled_export.csv")
    files = {
        name: (data_dir / name).read_bytes() for name in ("events.csv", "articles.csv", "events.csv.bak")
    }
    assert main(["import", str(IMPORTS / "acled_api.csv"), "--into", str(data_dir)]) == 0
    err = capsys.readouterr().err
    assert "events: 0 added, 0 updated, 7 unchanged; articles: 0 added; nothing changed" in err
    assert files == {name: (data_dir / name).read_bytes() for name in files}


def test_a_newer_export_updates_shared_ids_and_keeps_the_rest(data_dir, tmp_path):
    into(data_dir, "acled_api.csv")
    # The analyst's own column survives an update of the row.
    rows = read_rows(data_dir / "events.csv")
    for row in rows:
        row["analyst_note"] = "checked" if row["event_id"] == "ACLED:UKR1001" else ""
    write_csv_rows(data_dir / "events.csv", rows[0].keys(), rows)
    previous = (data_dir / "events.csv").read_bytes()

    newer = read_rows(IMPORTS / "acled_api.csv")
    revised = next(r for r in newer if r["event_id_cnty"] == "UKR1001")
    revised.update(fatalities="3", notes=revised["notes"].replace("Two civilians", "Three civilians"),
                   timestamp="1708900000")  # fmt: skip
    added = dict(revised, event_id_cnty="UKR1009", event_date="2024-02-22", timestamp="1708900000")
    newer = [r for r in newer if r["event_id_cnty"] != "UKR1003"] + [added]  # one left out of the export
    path = tmp_path / "acled_newer.csv"
    write_csv_rows(path, newer[0].keys(), newer)

    report = import_file(path, into=data_dir)
    assert {k: report.merge.get(k, 0) for k in ("added", "updated", "unchanged")} == {
        "added": 1, "updated": 1, "unchanged": 5}  # fmt: skip
    events = {r["event_id"]: r for r in read_rows(data_dir / "events.csv")}
    assert (
        events["ACLED:UKR1001"]["fatalities"] == "3" and events["ACLED:UKR1001"]["analyst_note"] == "checked"
    )
    assert "ACLED:UKR1003" in events  # an event missing from the newer file is kept
    assert "ACLED:UKR1009" in events
    ids = [r["event_id"] for r in read_rows(data_dir / "events.csv")]
    assert ids.index("ACLED:UKR1001") < ids.index("ACLED:UKR1002")  # updated in place
    assert (data_dir / "events.csv.bak").read_bytes() == previous
    assert_loads_cleanly(data_dir)

    # Importing the older export again does not undo ACLED's revision.
    older = import_file(IMPORTS / "acled_api.csv", into=data_dir)
    assert older.merge.get("kept newer") == 1 and older.merge.get("updated", 0) == 0


def test_an_id_held_by_another_dataset_is_left_alone(data_dir):
    rows = read_rows(data_dir / "events.csv")
    rows[0]["event_id"] = "ACLED:UKR1001"  # a curated row that happens to carry an ACLED id
    write_csv_rows(data_dir / "events.csv", contract.EVENT_COLUMNS, rows)
    report = into(data_dir, "acled_export.csv")
    assert report.merge["conflicts"] == 1 and report.merge["added"] == 6
    kept = [r for r in read_rows(data_dir / "events.csv") if r["event_id"] == "ACLED:UKR1001"]
    assert len(kept) == 1 and kept[0]["dataset"] == "curated"


def test_articles_are_shared_across_imports(data_dir):
    into(data_dir, "gdelt_events.export.CSV")
    report = into(data_dir, "gdelt_events.export.CSV.zip")
    assert report.merge["articles added"] == 0
    ids = [a["article_id"] for a in read_rows(data_dir / "articles.csv")]
    assert len(ids) == len(set(ids)) == 2 + 5


def test_a_dutch_excel_data_file_is_merged_with_decimal_points(data_dir):
    raw = pd.DataFrame(read_rows(data_dir / "events.csv"))
    write_csv(raw.astype({"latitude": float, "longitude": float}), data_dir / "events.csv", excel_nl=True)
    into(data_dir, "acled_export.csv")
    dataset = assert_loads_cleanly(data_dir)
    assert dataset.events.set_index("event_id").loc["T-1", "latitude"] == pytest.approx(40.1776)


def test_the_directory_is_locked_while_an_import_runs(data_dir):
    with (data_dir / ".borderstates-import.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(ImportFailure, match="another import into this directory is running"):
            into(data_dir, "acled_export.csv")


def test_a_crash_between_the_two_renames_leaves_a_consistent_directory(data_dir, monkeypatch):
    events_before = (data_dir / "events.csv").read_bytes()
    real_replace = os.replace

    def crash_before_events(src, dst):
        if os.path.basename(dst) == "events.csv":
            raise KeyboardInterrupt  # the process dies here: articles.csv is already replaced
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash_before_events)
    with pytest.raises(KeyboardInterrupt):
        into(data_dir, "acled_export.csv")
    monkeypatch.undo()
    assert (data_dir / "events.csv").read_bytes() == events_before
    assert len(read_rows(data_dir / "articles.csv")) == 2 + 10  # new articles, not yet cited
    assert_loads_cleanly(data_dir)
    assert into(data_dir, "acled_export.csv").merge["added"] == 7  # the next import completes the job
    assert_loads_cleanly(data_dir)


def _big_gdelt_file(path, rows):
    """A GDELT export of `rows` events in Kharkiv, all kept by the default filter."""
    template = (IMPORTS / "gdelt_events.export.CSV").read_text(encoding="utf-8").splitlines()[0].split("\t")
    with path.open("w", encoding="utf-8") as handle:
        for n in range(rows):
            template[0] = str(2000000000 + n)
            template[60] = f"https://example.com/{n % 5000}"
            handle.write("\t".join(template) + "\n")


def test_killing_an_import_mid_stream_leaves_the_previous_files(data_dir, tmp_path):
    into(data_dir, "ucdp_ged.csv")
    before = {name: (data_dir / name).read_bytes() for name in ("events.csv", "articles.csv")}
    big = tmp_path / "big.export.CSV"
    _big_gdelt_file(big, 30_000)
    # Small chunks and frequent progress, so that the first progress line comes early in the file;
    # the import then holds there until it is killed, however long the test takes to wake up.
    script = textwrap.dedent("""
        import sys, time
        import borderstates.cli as cli
        import borderstates.importers.pipeline as pipeline
        import borderstates.importers.source as source

        source.CHUNK_ROWS = pipeline.PROGRESS_ROWS = 2000

        def print_and_hold(*args, **kwargs):
            print(*args, **kwargs)
            if "rows read" in str(args[0]):
                time.sleep(600)  # mid-stream: the test kills it here

        cli.print = print_and_hold
        sys.exit(cli.main(sys.argv[1:]))
    """)
    process = subprocess.Popen(
        [sys.executable, "-c", script, "import", str(big), "--into", str(data_dir)],
        cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    first = process.stderr.readline()
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert "rows read" in first and process.returncode == -signal.SIGKILL
    assert {name: (data_dir / name).read_bytes() for name in before} == before
    assert_loads_cleanly(data_dir)
    into(data_dir, "acled_export.csv")  # the next import clears what the killed one left
    assert not list(data_dir.glob(".borderstates-import-*")) and not list(data_dir.glob(".*.tmp"))
    assert_loads_cleanly(data_dir)


def test_a_damaged_data_file_stops_the_merge_before_anything_changes(data_dir, capsys):
    events = data_dir / "events.csv"
    events.write_bytes(events.read_bytes() + b'T-9,"2025-01-01\r\n')  # an unclosed quote on the last line
    before = events.read_bytes(), (data_dir / "articles.csv").read_bytes()
    assert main(["import", str(IMPORTS / "acled_api.csv"), "--into", str(data_dir)]) == 2
    err = capsys.readouterr().err
    assert f"{events}:5: -: malformed CSV" in err and err.rstrip().endswith("nothing was written")
    assert (events.read_bytes(), (data_dir / "articles.csv").read_bytes()) == before
    assert not (data_dir / "events.csv.bak").exists()


def test_an_import_that_makes_a_file_too_large_to_load_says_so(data_dir, monkeypatch):
    from borderstates.importers import pipeline

    report = into(data_dir, "acled_api.csv")
    assert not [line for line in report.summary() if line.startswith("warning:")]
    limit = (data_dir / "events.csv").stat().st_size - 1  # the loader's limit, scaled to the fixture
    monkeypatch.setattr(pipeline, "MAX_FILE_BYTES", limit)
    warned = [line for line in report.summary() if line.startswith("warning:")]
    assert len(warned) == 1 and str(data_dir / "events.csv") in warned[0] and "--since" in warned[0]
