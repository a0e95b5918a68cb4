"""`borderstates migrate`: a data directory from before the store keeps working; its imported rows move."""

import pandas as pd
import pytest

from borderstates.cli import main
from borderstates.core import columnstore, contract
from borderstates.core.csvio import write_csv
from borderstates.core.engine import open_store
from borderstates.importers.common import IMPORTED_EVENT_COLUMNS
from borderstates.importers.run import import_file, migrate_directory

from .conftest import FIXTURES, read_rows, write_csv_rows
from .import_helpers import IMPORTS, stored_events

IMPORTED = {"ACLED": 7, "UCDP": 5, "GDELT": 6}


@pytest.fixture
def old_directory(tmp_path):
    """A data directory as imports wrote it before the store: imported rows in events.csv."""
    rows = [dict(r, source_updated="", analyst_note="") for r in read_rows(FIXTURES / "events.csv")]
    articles = read_rows(FIXTURES / "articles.csv")
    for name in ("acled_api.csv", "ucdp_ged.csv", "gdelt_events.export.CSV"):
        out = tmp_path / name.split(".")[0] / "events.csv"
        import_file(IMPORTS / name, output=out)
        rows += [dict(r, analyst_note="") for r in read_rows(out)]
        articles += read_rows(out.parent / "articles.csv")
    next(r for r in rows if r["event_id"] == "ACLED:UKR1002")["analyst_note"] = "checked by hand"
    directory = tmp_path / "data"
    directory.mkdir()
    write_csv_rows(directory / "events.csv", [*IMPORTED_EVENT_COLUMNS, "analyst_note"], rows)
    write_csv_rows(directory / "articles.csv", contract.ARTICLE_COLUMNS, articles)
    return directory


def per_state(store):
    events = store.events
    answer = store.fetch(events.group_by("located_in", "country").aggregate(n=events.count()))
    return answer.sort_values(["located_in", "country"]).reset_index(drop=True)


def without_lines(frame):
    return frame.drop(columns="_line").set_index("event_id").sort_index()


def test_migrate_moves_the_imported_rows_and_the_store_serves_the_same_events(old_directory, capsys):
    before_store = open_store(old_directory)
    before, states = stored_events(old_directory), per_state(before_store)
    assert before_store.status.in_store == 0 and len(before) == 3 + sum(IMPORTED.values())
    old_file = (old_directory / "events.csv").read_bytes()

    assert main(["migrate", str(old_directory)]) == 0
    err = capsys.readouterr().err
    assert "ACLED: 7 moved into the store" in err and "18 rows removed" in err

    after_store = open_store(old_directory)
    after = stored_events(old_directory)
    assert after_store.status.in_store == sum(IMPORTED.values()) and after_store.status.errors == []
    assert sorted(after["event_id"]) == sorted(before["event_id"])
    pd.testing.assert_frame_equal(per_state(after_store), states)
    pd.testing.assert_frame_equal(without_lines(after), without_lines(before), check_dtype=False)
    assert without_lines(after).loc["ACLED:UKR1002", "analyst_note"] == "checked by hand"

    # events.csv keeps its curated rows, byte for byte; the old file is the backup.
    assert (old_directory / "events.csv.bak").read_bytes() == old_file
    kept = (old_directory / "events.csv").read_bytes().splitlines(keepends=True)
    assert kept == old_file.splitlines(keepends=True)[:4]
    assert [r["dataset"] for r in read_rows(old_directory / "events.csv")] == ["curated"] * 3

    assert main(["migrate", str(old_directory)]) == 0  # a second run has nothing left to do
    assert "no imported rows: nothing to move" in capsys.readouterr().err


def test_imports_after_migrating_merge_with_the_moved_rows(old_directory, tmp_path):
    migrate_directory(old_directory)
    again = import_file(IMPORTS / "acled_api.csv", into=old_directory)
    assert again.merge["unchanged"] == 7 and again.generation is None
    rows = read_rows(IMPORTS / "acled_api.csv")
    for row in rows:
        if row["event_id_cnty"] == "UKR1002":
            row.update(fatalities="5", timestamp="1709900000")
    rows.append(dict(rows[0], event_id_cnty="UKR1009", event_date="2024-02-23"))
    newer = import_file(write_csv_rows(tmp_path / "newer.csv", rows[0].keys(), rows), into=old_directory)
    assert newer.merge["updated"] == 1 and newer.merge["added"] == 1
    events = without_lines(stored_events(old_directory))
    # The analyst's own column, moved into the store, stays with the updated row.
    assert events.loc["ACLED:UKR1002", "fatalities"] == 5
    assert events.loc["ACLED:UKR1002", "analyst_note"] == "checked by hand"
    assert events.loc["ACLED:UKR1001", "analyst_note"] == ""
    assert events.loc["ACLED:UKR1009", "analyst_note"] == ""  # a new row: empty, not null
    assert events.index.is_unique


def test_rows_that_are_not_valid_stay_in_events_csv(old_directory):
    rows = read_rows(old_directory / "events.csv")
    next(r for r in rows if r["event_id"] == "UCDP:900001")["date"] = "2024-13-40"  # not a date
    copy = dict(rows[0], event_id="GDELT:1155500001")  # a curated row that holds an imported id
    write_csv_rows(old_directory / "events.csv", rows[0].keys(), [*rows, copy])
    report = migrate_directory(old_directory)
    assert (report.moved, report.left) == (16, 2)
    left = [(r["event_id"], r["dataset"]) for r in read_rows(old_directory / "events.csv")]
    assert left == [("T-1", "curated"), ("T-2", "curated"), ("T-3", "curated"), ("UCDP:900001", "UCDP"),
                    ("GDELT:1155500001", "GDELT"), ("GDELT:1155500001", "curated")]  # fmt: skip
    assert "2 imported rows stay" in "\n".join(report.summary())


def test_only_the_rows_an_importer_wrote_move(old_directory):
    rows = read_rows(old_directory / "events.csv")
    acled = next(r for r in rows if r["event_id"] == "ACLED:UKR1002")
    own = [
        dict(rows[0], event_id="MT-1", dataset="My team"),  # an analyst's own dataset
        dict(rows[0], event_id="T-9", dataset="curated "),  # curated, with a space
        dict(acled, event_id="ACLED:UKR9001", dataset="My team"),  # an ACLED id the analyst made theirs
        dict(acled, event_id="T-10", dataset="ACLED"),  # ACLED's name on an id no import writes
    ]
    write_csv_rows(old_directory / "events.csv", rows[0].keys(), [*rows, *own])
    report = migrate_directory(old_directory)
    assert (report.moved, report.left) == (18, 0) and sorted(report.counts) == ["ACLED", "GDELT", "UCDP"]
    left = [(r["event_id"], r["dataset"]) for r in read_rows(old_directory / "events.csv")]
    assert left == [(r["event_id"], r["dataset"]) for r in rows[:3] + own]
    store = open_store(old_directory)
    assert store.status.in_store == 18 and store.status.errors == []


def test_a_row_whose_id_names_another_dataset_is_no_imported_row_and_stays(tmp_path):
    directory = tmp_path / "data"
    directory.mkdir()
    (directory / "articles.csv").write_bytes((FIXTURES / "articles.csv").read_bytes())
    (directory / "events.csv").write_bytes((FIXTURES / "events.csv").read_bytes())
    import_file(IMPORTS / "acled_api.csv", into=directory)
    rows = [dict(r, source_updated="") for r in read_rows(FIXTURES / "events.csv")]
    clash = dict(rows[0], event_id="ACLED:UKR1001", dataset="GDELT")  # a valid row with a stored id
    write_csv_rows(directory / "events.csv", IMPORTED_EVENT_COLUMNS, [*rows, clash])
    before = (directory / "events.csv").read_bytes()
    report = migrate_directory(directory)
    assert report.counts == {} and (report.moved, report.left) == (0, 0)
    assert (directory / "events.csv").read_bytes() == before
    stored = stored_events(directory)  # one event: the row of events.csv is the one counted
    assert stored.loc[stored["event_id"] == "ACLED:UKR1001", "dataset"].tolist() == ["GDELT"]


def _saved_by_an_analyst(events):
    """Save events.csv as an analyst would: the first row deleted (the lines after it move up), one added."""
    rows = read_rows(events)
    own = dict(rows[1], event_id="T-7", summary="Added while migrate ran")
    write_csv_rows(events, rows[0].keys(), [*rows[1:], own])
    return events.read_bytes()


def test_a_save_while_migrate_merges_removes_no_row_and_the_next_run_completes(
    old_directory, monkeypatch, capsys
):
    events = old_directory / "events.csv"
    real_merge, saved = columnstore.merge, []

    def merge_and_save(*args, **options):
        result = real_merge(*args, **options)
        if not saved:
            saved.append(_saved_by_an_analyst(events))
        return result

    monkeypatch.setattr(columnstore, "merge", merge_and_save)
    assert main(["migrate", str(old_directory)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "nothing was moved" not in err
    assert f"{events}: changed while migrate merged its rows: none was removed from it" in err
    assert events.read_bytes() == saved[0] and not (old_directory / "events.csv.bak").exists()

    monkeypatch.setattr(columnstore, "merge", real_merge)
    report = migrate_directory(old_directory)
    assert report.moved == 18 and all(c["added"] == 0 for c in report.counts.values())
    assert [r["event_id"] for r in read_rows(events)] == ["T-2", "T-3", "T-7"]
    assert open_store(old_directory).status.in_store == 18
    assert sorted(stored_events(old_directory)["event_id"]) == sorted(
        r["event_id"] for r in read_rows(old_directory / "events.csv.bak")
    )


def test_a_save_while_migrate_reads_moves_nothing(old_directory, monkeypatch, capsys):
    from borderstates.importers import merge

    events = old_directory / "events.csv"
    real_load, saved = merge.load_columnar, []

    def load_and_save(*args, **options):
        entry = real_load(*args, **options)
        saved.append(_saved_by_an_analyst(events))
        return entry

    monkeypatch.setattr(merge, "load_columnar", load_and_save)
    assert main(["migrate", str(old_directory)]) == 2
    err = capsys.readouterr().err
    said = f"{events}: changed while migrate read it: run borderstates migrate again; nothing was moved"
    assert err == f"borderstates migrate: {said}\n"
    assert events.read_bytes() == saved[0]
    assert columnstore.current_generation(old_directory / columnstore.STORE_FOLDER) is None


def test_a_directory_without_imported_rows_has_nothing_to_move(tmp_path, capsys):
    directory = tmp_path / "data"
    directory.mkdir()
    for name in ("events.csv", "articles.csv"):
        (directory / name).write_bytes((FIXTURES / name).read_bytes())
    assert main(["migrate", str(directory)]) == 0
    assert "nothing to move" in capsys.readouterr().err
    assert (directory / "events.csv").read_bytes() == (FIXTURES / "events.csv").read_bytes()
    assert columnstore.current_generation(directory / columnstore.STORE_FOLDER) is None
    assert main(["migrate", str(tmp_path / "nowhere")]) == 2


def test_a_dutch_excel_file_keeps_its_form(old_directory):
    frame = pd.DataFrame(read_rows(old_directory / "events.csv"))
    write_csv(
        frame.astype({"latitude": float, "longitude": float}), old_directory / "events.csv", excel_nl=True
    )
    before = (old_directory / "events.csv").read_bytes()
    ids = sorted(stored_events(old_directory)["event_id"])
    assert migrate_directory(old_directory).moved == 18
    assert (old_directory / "events.csv").read_bytes().splitlines(keepends=True) == before.splitlines(
        keepends=True
    )[:4]
    assert sorted(stored_events(old_directory)["event_id"]) == ids
