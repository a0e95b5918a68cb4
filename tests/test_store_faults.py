"""A damaged store takes nothing down: what can be read is served, and what cannot is one line.

Each test damages a real store as a disk, a crash or a hand can: a truncated Parquet file, a
`CURRENT` that names nothing, holds random bytes or is gone. The engine, `validate`, `export` and
`import` then serve the rest, name the damage once (file, line, column, what is wrong), and an
import of the damaged dataset rewrites what it can.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from borderstates.cli import main
from borderstates.core import columnstore
from borderstates.core.engine import open_store
from borderstates.core.filters import EventFilter
from borderstates.importers.run import import_file

from .conftest import FIXTURES, read_rows
from .import_helpers import IMPORTED, IMPORTS, copy_of, imported_directory

CURATED = 3


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> Path:
    """The curated fixtures and three imports: gen-000003 current, gen-000002 the previous one."""
    return imported_directory(tmp_path_factory.mktemp("imported") / "data")


@pytest.fixture
def data_dir(imported, tmp_path) -> Path:
    """A fresh copy of `imported` to damage."""
    return copy_of(imported, tmp_path / "data")


def store_of(directory: Path) -> Path:
    return directory / columnstore.STORE_FOLDER


def ucdp_file(directory: Path, year: int) -> Path:
    generation = Path(columnstore.current_generation(store_of(directory)))
    (path,) = (generation / "events" / "dataset=UCDP" / f"year={year}").glob("*.parquet")
    return path


def truncate(path: Path) -> None:
    """Cut a file in half, as a full disk or a killed copy leaves it."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def lines_about(problems, path: Path) -> list[str]:
    return [str(p) for p in problems if p.file == str(path)]


def counts_by_dataset(store) -> dict[str, int]:
    answer = store.fetch(store.events.group_by("dataset").aggregate(n=store.events.count()))
    return dict(zip(answer["dataset"], answer["n"], strict=True))


# --- a damaged Parquet file ------------------------------------------------------------------------


def test_a_truncated_file_is_one_problem_and_the_rest_is_served(imported, data_dir):
    damaged = ucdp_file(data_dir, 2014)
    truncate(damaged)
    store = open_store(data_dir)
    (line,) = lines_about(store.status.problems, damaged)
    assert line.startswith(f"{damaged}:1: -: cannot be read as Parquet") and "left out" in line
    counts = counts_by_dataset(store)
    assert counts == {"curated": CURATED, **IMPORTED, "UCDP": IMPORTED["UCDP"] - 1}
    assert store.total == sum(counts.values()) == store.status.in_store + CURATED
    # A filter that needs no file of that year gives what it gave before the damage.
    later = EventFilter(datasets=("UCDP",), date_from=dt.date(2020, 1, 1))
    assert store.count(later) == open_store(imported).count(later) > 0


def test_a_file_damaged_under_an_open_store_is_left_out_at_the_next_question(data_dir):
    store = open_store(data_dir)
    assert store.status.errors == []
    damaged = ucdp_file(data_dir, 2014)
    truncate(damaged)
    # The store was opened before the damage: its next question finds it, and goes on without the file.
    assert store.count(EventFilter(datasets=("UCDP",))) == IMPORTED["UCDP"] - 1
    assert len(lines_about(store.status.problems, damaged)) == 1
    assert store.total == CURATED + sum(IMPORTED.values()) - 1


def test_validate_and_export_name_the_damage_and_go_on(data_dir, tmp_path, capsys):
    damaged = ucdp_file(data_dir, 2014)
    truncate(damaged)
    events = str(data_dir / "events.csv")
    assert main(["validate", events]) == 1  # events are missing: the data is not whole
    out, err = capsys.readouterr()
    assert [line for line in out.splitlines() if str(damaged) in line] == lines_about(
        open_store(data_dir).status.problems, damaged
    )
    assert "Traceback" not in out + err
    out_file = tmp_path / "ucdp.csv"
    assert main(["export", "--events", events, "--dataset", "UCDP", "-o", str(out_file)]) == 0
    assert len(read_rows(out_file)) == IMPORTED["UCDP"] - 1
    assert "1 problems in the input" in capsys.readouterr().err


def test_an_import_of_the_damaged_dataset_rewrites_its_file(data_dir, capsys):
    damaged = ucdp_file(data_dir, 2014)
    truncate(damaged)
    assert main(["import", str(IMPORTS / "ucdp_ged.csv"), "--into", str(data_dir)]) == 0
    err = capsys.readouterr().err
    assert f"rewrote {damaged.relative_to(damaged.parents[4])}" in err and "Traceback" not in err
    store = open_store(data_dir)
    assert store.status.errors == [] and counts_by_dataset(store)["UCDP"] == IMPORTED["UCDP"]
    assert not lines_about(store.status.problems, ucdp_file(data_dir, 2014))


def test_an_import_of_another_dataset_keeps_the_damage_reported(data_dir):
    damaged = ucdp_file(data_dir, 2014)
    truncate(damaged)
    report = import_file(IMPORTS / "acled_api.csv", into=data_dir)  # a newer ACLED export
    assert report.log.errors == 0
    store = open_store(data_dir)
    (problem,) = [p for p in store.status.errors if "cannot be read" in p.message]
    assert Path(problem.file).name == damaged.name and "dataset=UCDP" in problem.file
    assert counts_by_dataset(store)["UCDP"] == IMPORTED["UCDP"] - 1


def test_an_import_repairs_a_store_whose_every_events_file_is_damaged(data_dir, capsys):
    generation = Path(columnstore.current_generation(store_of(data_dir)))
    for path in (generation / "events").rglob("*.parquet"):
        truncate(path)
    assert main(["import", str(IMPORTS / "ucdp_ged.csv"), "--into", str(data_dir)]) == 0
    assert "Traceback" not in capsys.readouterr().err
    assert counts_by_dataset(open_store(data_dir))["UCDP"] == IMPORTED["UCDP"]


def test_a_damaged_file_of_pairs_is_matched_again_by_the_next_import(data_dir):
    generation = Path(columnstore.current_generation(store_of(data_dir)))
    truncate(generation / "clusters" / "pairs.parquet")
    truncate(ucdp_file(data_dir, 2014))  # so that the import writes a new generation
    assert import_file(IMPORTS / "ucdp_ged.csv", into=data_dir).log.errors == 0
    store = open_store(data_dir)
    assert store.status.errors == [] and counts_by_dataset(store)["UCDP"] == IMPORTED["UCDP"]
    pairs = Path(columnstore.current_generation(store_of(data_dir))) / "clusters" / "pairs.parquet"
    assert pq.read_metadata(pairs).num_columns > 0  # whole again


# --- a bad CURRENT -----------------------------------------------------------------------------------

BAD_CURRENT = {
    "a generation the store does not hold": (b"gen-999999\n", "'gen-999999' names no generation"),
    "empty": (b"", "is empty"),
    "a path out of the store": (b"../../../etc\n", "'../../../etc' is not the name of a generation"),
    "a trailing word": (b"gen-000003 old\n", "'gen-000003 old' is not the name of a generation"),
    "random bytes": (bytes(range(128, 256)), "is not UTF-8 text"),
    "missing": (None, "is missing"),
}


@pytest.mark.parametrize("case", sorted(BAD_CURRENT))
def test_a_bad_current_is_said_and_the_newest_generation_served(data_dir, case, capsys):
    content, said = BAD_CURRENT[case]
    current = store_of(data_dir) / columnstore.CURRENT
    if content is None:
        current.unlink()
    else:
        current.write_bytes(content)
    store = open_store(data_dir)
    assert store.total == CURATED + sum(IMPORTED.values())  # gen-000003, the newest, is served
    (line,) = lines_about(store.status.problems, current)
    assert line.startswith(f"{current}:1: -: warning: ") and said in line and "serving gen-000003" in line
    assert main(["validate", str(data_dir / "events.csv")]) == 0  # nothing left out: a warning
    assert line in capsys.readouterr().out
    # The next import repairs CURRENT, as it takes on a generation that CURRENT does not name.
    assert main(["import", str(IMPORTS / "acled_export.csv"), "--into", str(data_dir)]) == 0
    assert "Traceback" not in capsys.readouterr().err
    assert current.read_text(encoding="utf-8").strip() == "gen-000003"
    assert lines_about(open_store(data_dir).status.problems, current) == []


def test_a_current_with_nothing_to_serve_is_an_error(data_dir):
    for generation in store_of(data_dir).glob("gen-*"):
        shutil.rmtree(generation)
    current = store_of(data_dir) / columnstore.CURRENT
    store = open_store(data_dir)
    (problem,) = [p for p in store.status.problems if p.file == str(current)]
    assert problem.severity == "error" and "no generation to serve" in problem.message
    assert store.total == CURATED


def test_no_store_at_all_is_no_problem(tmp_path):
    directory = tmp_path / "data"
    directory.mkdir()
    shutil.copy(FIXTURES / "events.csv", directory / "events.csv")
    shutil.copy(FIXTURES / "articles.csv", directory / "articles.csv")
    store = open_store(directory)
    assert store.status.problems == [] and store.total == CURATED
