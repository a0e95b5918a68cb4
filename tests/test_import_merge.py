"""Importing into a data directory's columnar store: nothing lost, nothing doubled, never half-written."""

import datetime as dt
import fcntl
import os
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from borderstates.cli import main
from borderstates.core import columnstore, contract
from borderstates.core.csvio import write_csv
from borderstates.core.engine import EngineConfig, open_store
from borderstates.importers.run import ImportFailure, ImportOptions, import_file

from .conftest import FIXTURES, ROOT, kill_once_said, read_rows, write_csv_rows
from .import_helpers import IMPORTS, stored_events


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


def store_of(directory):
    return directory / columnstore.STORE_FOLDER


def generations(directory):
    return sorted(p.name for p in store_of(directory).glob("gen-*"))


def by_id(frame):
    return frame.set_index("event_id")


def test_round_trip_import_validate_export(data_dir, tmp_path, capsys):
    for name in ("acled_export.csv", "ucdp_ged.csv", "gdelt_events.export.CSV.zip"):
        assert into(data_dir, name).log.errors == 0
    store = open_store(data_dir)
    counts = store.fetch(store.events.group_by("dataset").aggregate(n=store.events.count()))
    assert dict(zip(counts["dataset"], counts["n"], strict=True)) == {
        "ACLED": 7,
        "GDELT": 6,
        "UCDP": 5,
        "curated": 3,
    }
    assert store.status.errors == [] and store.status.in_store == 18
    assert main(["validate", str(data_dir / "events.csv")]) == 0
    assert "21 valid events of 21" in capsys.readouterr().err
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


def test_the_store_serves_what_a_new_events_file_of_the_same_import_holds(data_dir, tmp_path):
    report = into(data_dir, "acled_api.csv")
    assert report.merge["added"] == 7 and generations(data_dir) == ["gen-000001"]
    assert (store_of(data_dir) / "CURRENT").read_text().strip() == "gen-000001"
    # The same file imported with -o, loaded from CSV as the dashboard loads curated files.
    written = tmp_path / "written"
    written.mkdir()
    import_file(IMPORTS / "acled_api.csv", output=written / "events.csv")
    expected = by_id(stored_events(written))
    stored = by_id(stored_events(data_dir)).loc[expected.index]
    columns = [c for c in expected.columns if c != "_line"]
    pd.testing.assert_frame_equal(stored[columns], expected[columns], check_dtype=False)
    assert stored["_line"].isna().all()  # the store holds no line of a file
    assert stored.loc["ACLED:UKR1001", "fatalities"] == 2
    assert stored.loc["ACLED:UKR1001", "located_in"] == "UKR"
    assert stored.loc["ACLED:UKR1001", ["region", "region_name"]].tolist() == ["UA-63", "Kharkiv Oblast"]
    assert stored.loc["ACLED:UKR1001", "date"] == pd.Timestamp("2024-02-16")


def test_curated_rows_are_never_touched(data_dir):
    before = {name: (data_dir / name).read_bytes() for name in ("events.csv", "articles.csv")}
    into(data_dir, "acled_export.csv")
    assert {name: (data_dir / name).read_bytes() for name in before} == before
    assert not list(data_dir.glob("*.bak"))


def test_an_id_held_by_a_curated_row_is_a_conflict_and_left_alone(data_dir):
    rows = read_rows(data_dir / "events.csv")
    rows[0]["event_id"] = "ACLED:UKR1001"  # a curated row that happens to carry an ACLED id
    write_csv_rows(data_dir / "events.csv", contract.EVENT_COLUMNS, rows)
    report = into(data_dir, "acled_export.csv")
    assert report.merge["conflicts"] == 1 and report.merge["added"] == 6
    assert "1 not imported (their id belongs to a row of events.csv" in "\n".join(report.summary())
    kept = by_id(stored_events(data_dir)).loc[["ACLED:UKR1001"]]
    assert len(kept) == 1 and kept["dataset"].iloc[0] == "curated"


def test_reimporting_the_same_file_changes_nothing(data_dir, capsys):
    into(data_dir, "acled_export.csv")
    current = (store_of(data_dir) / "CURRENT").read_bytes()
    files = sorted(p.relative_to(data_dir) for p in data_dir.rglob("*"))
    assert main(["import", str(IMPORTS / "acled_api.csv"), "--into", str(data_dir)]) == 0
    err = capsys.readouterr().err
    assert "events: 0 added, 0 updated, 7 unchanged; articles: 0 added; nothing changed" in err
    assert (store_of(data_dir) / "CURRENT").read_bytes() == current
    assert sorted(p.relative_to(data_dir) for p in data_dir.rglob("*")) == files  # no new generation


def _newer_acled_export(path):
    newer = read_rows(IMPORTS / "acled_api.csv")
    revised = next(r for r in newer if r["event_id_cnty"] == "UKR1001")
    revised.update(fatalities="3", notes=revised["notes"].replace("Two civilians", "Three civilians"),
                   timestamp="1708900000")  # fmt: skip
    added = dict(revised, event_id_cnty="UKR1009", event_date="2023-12-22", timestamp="1708900000")
    newer = [r for r in newer if r["event_id_cnty"] != "UKR1003"] + [added]  # one left out of the export
    write_csv_rows(path, newer[0].keys(), newer)
    return path


def test_a_newer_export_updates_shared_ids_and_keeps_the_rest(data_dir, tmp_path):
    into(data_dir, "acled_api.csv")
    previous = columnstore.current_generation(store_of(data_dir))
    report = import_file(_newer_acled_export(tmp_path / "acled_newer.csv"), into=data_dir)
    assert {k: report.merge[k] for k in ("added", "updated", "unchanged", "kept newer")} == {
        "added": 1, "updated": 1, "unchanged": 5, "kept newer": 0}  # fmt: skip
    events = by_id(stored_events(data_dir))
    assert events.loc["ACLED:UKR1001", "fatalities"] == 3
    assert "Three civilians" in events.loc["ACLED:UKR1001", "summary"]
    assert "ACLED:UKR1003" in events.index  # an event missing from the newer file is kept
    assert events.loc["ACLED:UKR1009", "date"] == pd.Timestamp("2023-12-22")  # a year of its own
    assert events.index.is_unique and len(events) == 3 + 8
    acled = store_of(data_dir) / "gen-000002" / "events" / "dataset=ACLED"
    assert sorted(p.name for p in acled.iterdir()) == ["year=2023", "year=2024"]
    # The previous generation is kept whole, as the backup.
    assert generations(data_dir) == ["gen-000001", "gen-000002"] and columnstore.event_count(previous) == 7

    # Importing the older export again does not undo ACLED's revision.
    older = import_file(IMPORTS / "acled_api.csv", into=data_dir)
    assert older.merge["kept newer"] == 1 and older.merge["updated"] == 0 and older.generation is None
    assert "1 kept (the store holds a newer revision)" in older.summary()[-1]
    assert by_id(stored_events(data_dir)).loc["ACLED:UKR1001", "fatalities"] == 3


def test_an_export_without_revision_times_never_overwrites_a_timed_revision(data_dir, tmp_path):
    into(data_dir, "acled_api.csv")  # every row with ACLED's timestamp
    rows = read_rows(IMPORTS / "acled_api.csv")
    for row in rows:
        del row["timestamp"]  # an export without the column: no revision time at all
        if row["event_id_cnty"] == "UKR1001":
            row["fatalities"] = "9"
    report = import_file(write_csv_rows(tmp_path / "untimed.csv", rows[0].keys(), rows), into=data_dir)
    assert report.merge["updated"] == 0 and report.merge["kept newer"] == 7 and report.generation is None
    assert by_id(stored_events(data_dir)).loc["ACLED:UKR1001", "fatalities"] == 2


def test_a_row_that_moves_to_another_year_leaves_its_old_year(data_dir, tmp_path):
    into(data_dir, "acled_api.csv")
    rows = read_rows(IMPORTS / "acled_api.csv")
    for row in rows:
        if row["event_id_cnty"] == "UKR1001":
            row.update(event_date="2021-05-01", timestamp="1708900000")
    import_file(write_csv_rows(tmp_path / "moved.csv", rows[0].keys(), rows), into=data_dir)
    events = by_id(stored_events(data_dir))
    assert events.index.is_unique and events.loc["ACLED:UKR1001", "date"] == pd.Timestamp("2021-05-01")
    assert columnstore.event_count(columnstore.current_generation(store_of(data_dir))) == 7


def test_a_repeated_id_is_reported_with_its_lines_and_the_first_row_kept(data_dir, tmp_path, capsys):
    rows = read_rows(IMPORTS / "acled_api.csv")
    twice = dict(rows[0], fatalities="9")  # UKR1001 again, on line 11, with other values
    source = write_csv_rows(tmp_path / "acled_twice.csv", rows[0].keys(), [*rows, twice])
    assert main(["import", str(source), "--into", str(data_dir)]) == 1  # an error: the row is left out
    out, err = capsys.readouterr()
    assert f"{source}:11: -: repeats event ACLED:UKR1001 (first on line 2)" in out
    assert "7 imported" in err and "events: 7 added" in err
    assert by_id(stored_events(data_dir)).loc["ACLED:UKR1001", "fatalities"] == 2
    recorded = [str(p) for p in open_store(data_dir).status.problems]
    assert f"{source.resolve()}:11: -: repeats event ACLED:UKR1001 (first on line 2)" in recorded


def test_the_problems_of_an_import_are_recorded_in_the_store(data_dir, capsys):
    report = into(data_dir, "gdelt_broken.export.CSV")
    assert report.log.errors > 0
    problems = open_store(data_dir).status.problems
    source = str((IMPORTS / "gdelt_broken.export.CSV").resolve())
    assert sorted(str(p) for p in problems if p.file == source) == sorted(
        str(p).replace(str(IMPORTS / "gdelt_broken.export.CSV"), source) for p in report.log.problems
    )
    capsys.readouterr()
    main(["validate", str(data_dir / "events.csv")])  # validate lists them with the files' own
    printed = capsys.readouterr().out.splitlines()
    assert [str(p) for p in problems if p.file == source] == [line for line in printed if source in line]


def test_articles_are_shared_across_imports(data_dir):
    into(data_dir, "gdelt_events.export.CSV")
    report = into(data_dir, "gdelt_events.export.CSV.zip")
    assert report.merge["articles added"] == 0 and report.generation is None
    store = open_store(data_dir)
    ids = store.fetch(store.articles.select("article_id"))["article_id"].tolist()
    assert len(ids) == len(set(ids)) == 2 + 5


def test_an_article_of_articles_csv_is_not_stored_again(data_dir, tmp_path):
    import_file(IMPORTS / "gdelt_events.export.CSV", output=tmp_path / "events.csv")
    cited = read_rows(tmp_path / "articles.csv")
    assert len(cited) == 5
    rows = read_rows(data_dir / "articles.csv")
    # One of them is already in articles.csv.
    write_csv_rows(data_dir / "articles.csv", contract.ARTICLE_COLUMNS, [*rows, cited[0]])
    assert into(data_dir, "gdelt_events.export.CSV").merge["articles added"] == 4
    store = open_store(data_dir)
    ids = store.fetch(store.articles.select("article_id"))["article_id"].tolist()
    assert ids.count(cited[0]["article_id"]) == 1 and len(ids) == 2 + 5


def test_a_dutch_excel_data_file_still_reserves_its_ids(data_dir):
    rows = read_rows(data_dir / "events.csv")
    rows[0]["event_id"] = "ACLED:UKR1001"
    raw = pd.DataFrame(rows)
    write_csv(raw.astype({"latitude": float, "longitude": float}), data_dir / "events.csv", excel_nl=True)
    assert into(data_dir, "acled_export.csv").merge["conflicts"] == 1


def test_two_imports_at_once_are_refused(data_dir, capsys):
    store_of(data_dir).mkdir()
    with (store_of(data_dir) / columnstore.LOCK_FILE).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another import holds the store
        with pytest.raises(ImportFailure, match="another import into this store is running"):
            into(data_dir, "acled_export.csv")
        assert main(["import", str(IMPORTS / "acled_api.csv"), "--into", str(data_dir)]) == 2
        assert "another import into this store is running; nothing was written" in capsys.readouterr().err
        assert main(["migrate", str(data_dir)]) == 2
    assert columnstore.current_generation(store_of(data_dir)) is None
    assert into(data_dir, "acled_export.csv").merge["added"] == 7  # the lock is free again


def test_a_damaged_data_file_stops_the_import_before_anything_changes(data_dir, capsys):
    events = data_dir / "events.csv"
    events.write_bytes(events.read_bytes() + b'T-9,"2025-01-01\r\n')  # an unclosed quote on the last line
    assert main(["import", str(IMPORTS / "acled_api.csv"), "--into", str(data_dir)]) == 2
    err = capsys.readouterr().err
    assert f"{events}:5: -: malformed CSV" in err and err.rstrip().endswith("nothing was written")
    assert columnstore.current_generation(store_of(data_dir)) is None


# --- killed imports --------------------------------------------------------------------------------

# Runs the command line; `hang` stops it for the test to kill it with SIGKILL.
CHILD = """
import signal, sys
import borderstates.importers.source as source, borderstates.importers.pipeline as pipeline
from borderstates.core import columnstore

def hang(*args, **kwargs):
    sys.stderr.write("half written\\n")
    sys.stderr.flush()
    signal.pause()  # until the test kills it

{patch}

from borderstates.cli import main
sys.exit(main(sys.argv[1:]))
"""
# Small blocks and frequent progress: the first progress line comes early in the file.
MID_STREAM = "pipeline.BLOCK_BYTES = 200_000; pipeline.PROGRESS_ROWS = 2000"
MID_STREAM_TWO_PROCESSES = MID_STREAM + "; pipeline.PARALLEL_BYTES = 1"  # a worker maps every other chunk
# Every file of the new generation written, renamed into place: killed before CURRENT names it.
BEFORE_CURRENT = "columnstore._point_to = hang"
# Killed half-way through writing the new generation's files.
MID_GENERATION = """
real_copy = columnstore._Plan._copy
def copy(self, query, out):
    if "articles" in str(out):
        hang()
    return real_copy(self, query, out)
columnstore._Plan._copy = copy
"""


def kill_import(patch, source, directory, wait_for):
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(patch=patch), "import", str(source), "--into", str(directory)],
        cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    kill_once_said(process, wait_for)


@pytest.fixture
def big_gdelt(tmp_path):
    from tools.synthetic_gdelt import write_synthetic_gdelt

    return write_synthetic_gdelt(tmp_path / "big.export.CSV", 20_000)


@pytest.mark.parametrize(
    ("patch", "wait_for", "left_behind"),
    [(MID_STREAM, "rows read", ".staging-*"), (MID_STREAM_TWO_PROCESSES, "rows read", ".staging-*"),
     (MID_GENERATION, "half written", ".gen-000002.tmp"), (BEFORE_CURRENT, "half written", "gen-000002")],
    ids=["mid-stream", "mid-stream-two-processes", "mid-generation", "before-current"],
)  # fmt: skip
def test_a_killed_import_loses_nothing_and_the_next_one_completes(
    data_dir, big_gdelt, patch, wait_for, left_behind
):
    into(data_dir, "ucdp_ged.csv")
    before = stored_events(data_dir)
    current = (store_of(data_dir) / "CURRENT").read_bytes()
    kill_import(patch, big_gdelt, data_dir, wait_for)
    # The previous generation is still the current one, whole and readable.
    assert (store_of(data_dir) / "CURRENT").read_bytes() == current
    pd.testing.assert_frame_equal(stored_events(data_dir), before)
    assert list(store_of(data_dir).glob(left_behind))  # what the killed import wrote is there, aside
    report = into(data_dir, "acled_export.csv")  # the next import clears it and completes
    assert report.merge["added"] == 7
    assert [p.name for p in store_of(data_dir).iterdir() if p.name.startswith(".")] == [".lock"]
    events = stored_events(data_dir)
    assert events["event_id"].is_unique and set(before["event_id"]) < set(events["event_id"])
    if patch == BEFORE_CURRENT:  # the killed import had written everything: its generation is taken on
        assert (events["dataset"] == "GDELT").sum() > 10_000
    else:
        assert (events["dataset"] == "GDELT").sum() == 0
    assert len(generations(data_dir)) == 2  # the new one and the previous one


def test_an_import_that_keeps_no_row_changes_nothing(data_dir):
    report = into(data_dir, "acled_export.csv", options=ImportOptions(since=dt.date(2030, 1, 1)))
    assert report.imported == 0 and report.merge["added"] == 0 and report.generation is None
    assert columnstore.current_generation(store_of(data_dir)) is None


def test_an_import_into_a_directory_that_is_missing_fails(tmp_path):
    with pytest.raises(ImportFailure, match="no such data directory"):
        into(tmp_path / "nowhere", "acled_export.csv")


def test_the_store_lives_beside_the_csv_files_and_is_readable_without_the_project(data_dir):
    into(data_dir, "acled_export.csv")
    import duckdb

    folder = columnstore.events_location(columnstore.current_generation(store_of(data_dir)))
    rows = duckdb.sql(
        f"SELECT dataset, year, count(*) FROM read_parquet('{folder}/**/*.parquet', "
        "hive_partitioning = true) GROUP BY ALL"
    ).fetchall()
    assert rows == [("ACLED", 2024, 7)]
    assert os.path.islink(store_of(data_dir) / "current")


def test_a_file_mapped_in_two_processes_gives_the_same_store_and_report(tmp_path, monkeypatch):
    from borderstates.importers import pipeline
    from tools.synthetic_gdelt import write_synthetic_gdelt

    source = write_synthetic_gdelt(tmp_path / "s.export.CSV", 6_000)
    lines = source.read_bytes().split(b"\n")
    lines[100] = lines[100][:40]  # a broken row
    lines[3000] = lines[5]  # a repeated event
    source.write_bytes(b"\n".join(lines))
    monkeypatch.setattr(pipeline, "BLOCK_BYTES", 100_000)  # about 270 rows a chunk
    from_worker = []  # what the worker made of each chunk it was given (None: mapped here again)
    real_result = pipeline._Worker.result

    def result(worker):
        from_worker.append(real_result(worker))
        return from_worker[-1]

    monkeypatch.setattr(pipeline._Worker, "result", result)
    results = {}
    for name, parallel in (("alone", 10**12), ("with-a-worker", 1)):
        monkeypatch.setattr(pipeline, "PARALLEL_BYTES", parallel)
        directory = tmp_path / name
        directory.mkdir()
        report = import_file(source, into=directory)
        results[name] = (
            report.summary()[:-1],
            [str(p) for p in report.log.problems],
            stored_events(directory),
        )
    assert len(from_worker) > 5 and None not in from_worker
    alone, parallel = results["alone"], results["with-a-worker"]
    assert parallel[:2] == alone[:2]
    assert "repeats event GDELT:1100000005 (first on line 6)" in "\n".join(alone[1])
    pd.testing.assert_frame_equal(parallel[2], alone[2])


def test_a_new_events_file_too_large_to_load_is_warned_about(tmp_path, monkeypatch):
    from borderstates.importers import pipeline

    out = tmp_path / "new" / "events.csv"
    report = import_file(IMPORTS / "acled_api.csv", output=out)
    assert not [line for line in report.summary() if line.startswith("warning:")]
    monkeypatch.setattr(pipeline, "MAX_FILE_BYTES", out.stat().st_size - 1)  # the loader's limit, scaled
    warned = [line for line in report.summary() if line.startswith("warning:")]
    assert len(warned) == 1 and str(out) in warned[0] and "--since" in warned[0]
    # The store has no such limit: an import into it never warns.
    monkeypatch.setattr(pipeline, "MAX_FILE_BYTES", 1)
    directory = tmp_path / "data"
    directory.mkdir()
    assert not [line for line in into(directory, "acled_api.csv").summary() if line.startswith("warning:")]


def test_the_sql_shown_selects_in_the_store_what_the_export_writes(data_dir, tmp_path, capsys):
    import duckdb

    into(data_dir, "acled_export.csv")
    events = str(data_dir / "events.csv")
    args = ["export", "--events", events, "--relation", "military", "--search", "KHARKIV"]
    assert main([*args, "-o", str(tmp_path / "out.csv")]) == 0
    exported = sorted(row["event_id"] for row in read_rows(tmp_path / "out.csv"))
    assert 0 < len(exported) < 9
    capsys.readouterr()
    assert main([*args, "--show-sql", "--dialect", "duckdb"]) == 0
    sql = capsys.readouterr().out
    # What an analyst runs where the data lives: the store's files as a table named events.
    folder = columnstore.events_location(columnstore.current_generation(store_of(data_dir)))
    con = duckdb.connect()
    files = f"read_parquet('{folder}/**/*.parquet', hive_partitioning = true)"
    con.execute(f"CREATE VIEW events AS SELECT * FROM {files}")
    selected = sorted(row[0] for row in con.execute(f"SELECT event_id FROM ({sql})").fetchall())
    assert selected == [e for e in exported if e.startswith("ACLED:")]
    for dialect, quote in (("bigquery", "`relation_type`"), ("spark", "`relation_type`")):
        assert main([*args, "--show-sql", "--dialect", dialect]) == 0
        assert quote in capsys.readouterr().out


def test_a_store_from_before_regions_reads_as_in_no_region_until_a_re_import_places_them(data_dir):
    import pyarrow.parquet as pq

    into(data_dir, "acled_api.csv")
    for path in store_of(data_dir).glob("gen-*/events/**/*.parquet"):  # as the store was written then
        table = pq.read_table(path, partitioning=None)
        pq.write_table(table.drop_columns(["region", "region_name"]), path)
    for engine in ("duckdb", "spark"):
        store = open_store(data_dir, EngineConfig(engine=engine))
        events = store.fetch(store.events.select("event_id", "dataset", "region", "region_name"))
        imported = events[events["dataset"] == "ACLED"]
        assert len(imported) == 7 and set(imported["region"]) == {""} and set(imported["region_name"]) == {""}
        assert set(events.loc[events["dataset"] == "curated", "region"]) == {"AM-ER", "AZ-BA", "UA-30"}
    report = into(data_dir, "acled_api.csv")
    assert report.merge["updated"] == 7  # their derived columns changed
    store = open_store(data_dir)
    placed = store.fetch(store.events.filter(store.events.dataset == "ACLED").select("region"))
    assert (placed["region"] != "").all() and "UA-63" in set(placed["region"])


@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_an_event_copied_into_events_csv_is_one_event_the_row_of_the_file(data_dir, capsys, engine, request):
    into(data_dir, "acled_export.csv")
    stored = by_id(stored_events(data_dir))
    # An analyst copies an imported event into events.csv to curate it, and edits its summary.
    copied = {c: "" for c in contract.EVENT_COLUMNS} | {
        c: str(v) for c, v in stored.loc["ACLED:UKR1001"].items() if c in contract.EVENT_COLUMNS
    }
    copied.update(event_id="ACLED:UKR1001", date="2024-02-16", date_end="", fatalities="2",
                  summary="Curated: two civilians killed.", excerpt="Twee burgers gedood.",
                  article_id="A-1", dataset="curated")  # fmt: skip
    rows = read_rows(data_dir / "events.csv")
    write_csv_rows(data_dir / "events.csv", contract.EVENT_COLUMNS, [*rows, copied])
    store = open_store(data_dir, request.getfixturevalue("spark") if engine == "spark" else EngineConfig())
    assert store.total == 3 + 7  # counted once
    record = store.fetch(store.events.filter(store.events["event_id"] == "ACLED:UKR1001"))
    assert record["summary"].tolist() == ["Curated: two civilians killed."]  # the file's row wins
    (said,) = [str(p) for p in store.status.problems if p.column == "event_id"]
    assert said == (
        f"{data_dir / 'events.csv'}:5: event_id: warning: 'ACLED:UKR1001' is also an event of the store "
        "(ACLED): this row is the one counted"
    )
    assert main(["validate", str(data_dir / "events.csv")]) == 0  # a warning: nothing is left out
    out, err = capsys.readouterr()
    assert said in out.splitlines() and "10 valid events of 10" in err


def test_a_rollback_undoes_the_last_import_and_lasts(data_dir, tmp_path, capsys):
    into(data_dir, "acled_api.csv")
    import_file(_newer_acled_export(tmp_path / "acled_newer.csv"), into=data_dir)  # gen-000002
    assert main(["store", "rollback", str(data_dir)]) == 0
    assert "the store is now gen-000003, the events of gen-000001" in capsys.readouterr().err
    events = by_id(stored_events(data_dir))
    assert events.loc["ACLED:UKR1001", "fatalities"] == 2 and "ACLED:UKR1009" not in events.index
    assert generations(data_dir) == ["gen-000002", "gen-000003"]  # the one rolled back from is kept
    # A second rollback undoes the first.
    assert main(["store", "rollback", str(data_dir)]) == 0
    assert "ACLED:UKR1009" in by_id(stored_events(data_dir)).index
    assert main(["store", "rollback", str(data_dir)]) == 0
    # The next import builds on the rolled-back store: it neither takes the newer one back nor deletes it.
    into(data_dir, "ucdp_ged.csv")
    events = by_id(stored_events(data_dir))
    assert "ACLED:UKR1009" not in events.index and events.loc["ACLED:UKR1001", "fatalities"] == 2
    assert (events["dataset"] == "UCDP").sum() == 5
    assert generations(data_dir) == ["gen-000005", "gen-000006"]


def test_a_rollback_without_a_previous_generation_is_one_line(data_dir, capsys):
    assert main(["store", "rollback", str(data_dir)]) == 2
    assert capsys.readouterr().err.strip() == f"borderstates store rollback: {store_of(data_dir)}: no store"
    assert not store_of(data_dir).exists()
    into(data_dir, "acled_api.csv")
    assert main(["store", "rollback", str(data_dir)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("the store holds no generation before the current one; nothing was changed")
    assert generations(data_dir) == ["gen-000001"]
