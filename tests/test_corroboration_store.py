"""The store's clusters: computed at each import, kept in every events file, stable across re-imports."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from borderstates.core import clustering, columnstore
from borderstates.core.engine import open_store
from borderstates.core.load import load_columnar
from borderstates.importers.run import import_file
from tests.conftest import FIXTURES
from tests.import_helpers import IMPORTS
from tests.oracle import cluster_ids
from tests.test_corroboration import DAY, event

SOURCES = ("acled_export.csv", "ucdp_ged.csv", "gdelt_events.export.CSV.zip")


def clusters(directory: Path) -> dict[str, tuple[str, int, str]]:
    store = open_store(directory)
    found = store.fetch(store.events.select("event_id", "cluster_id", "cluster_size", "corroborated_by"))
    return {r.event_id: (r.cluster_id, r.cluster_size, r.corroborated_by) for r in found.itertuples()}


def oracle_clusters(directory: Path) -> dict[str, str]:
    store = open_store(directory)
    return cluster_ids(store.fetch(store.events.drop("cluster_id", "cluster_size", "corroborated_by")))


def fresh(tmp_path: Path, name: str) -> Path:
    directory = tmp_path / name
    directory.mkdir()
    shutil.copy(FIXTURES / "events.csv", directory / "events.csv")
    shutil.copy(FIXTURES / "articles.csv", directory / "articles.csv")
    return directory


def test_imports_cluster_the_sources_and_a_reimport_keeps_every_cluster_id(tmp_path):
    first = fresh(tmp_path, "first")
    for name in SOURCES:
        import_file(IMPORTS / name, into=first)
    found = clusters(first)
    assert found["ACLED:UKR1001"] == ("ACLED:UKR1001", 2, "GDELT:1155500001")  # Kharkiv, 16 February 2024
    assert found["GDELT:1155500001"] == ("ACLED:UKR1001", 2, "ACLED:UKR1001")
    # The curated T-3 (Russia's invasion, placed in the state) matches no city's event of UCDP's.
    assert found["UCDP:900001"] == ("UCDP:900001", 1, "") and found["T-3"] == ("T-3", 1, "")
    assert {event_id: cluster for event_id, (cluster, _, _) in found.items()} == oracle_clusters(first)
    generation = columnstore.current_generation(first / columnstore.STORE_FOLDER)
    for name in SOURCES:  # the same files again change nothing
        assert not import_file(IMPORTS / name, into=first).generation
    assert columnstore.current_generation(first / columnstore.STORE_FOLDER) == generation
    assert clusters(first) == found
    other = fresh(tmp_path, "other")  # the same files in another order: the same clusters
    for name in reversed(SOURCES):
        import_file(IMPORTS / name, into=other)
    assert clusters(other) == found


@pytest.fixture
def merge_rows(tmp_path, make_data_dir):
    """Return a function that merges rows of one dataset into tmp_path/store, as an import does."""
    location = tmp_path / "store"
    made = []

    def merge(dataset, rows):
        made.append(make_data_dir(rows, name=f"staged-{len(made)}"))
        staged = load_columnar(made[-1] / "events.csv", made[-1] / "articles.csv").events
        report = columnstore.merge(location, dataset, staged, None, [])
        return report, location

    return merge


def stored_clusters(location: Path) -> dict[str, tuple[str, int, str]]:
    folder = columnstore.events_location(columnstore.current_generation(location))
    table = pq.read_table(folder, columns=["event_id", "cluster_id", "cluster_size", "corroborated_by"])
    rows = table.to_pylist()
    return {r["event_id"]: (r["cluster_id"], r["cluster_size"], r["corroborated_by"]) for r in rows}


def files(location: Path, dataset: str) -> dict[str, int]:
    """Return a dataset's events files by year: the identity (inode) of each."""
    folder = Path(columnstore.current_generation(location)) / "events" / f"dataset={dataset}"
    return {p.parent.name: p.stat().st_ino for p in folder.glob("*/*.parquet")}


def test_an_import_rewrites_only_the_files_whose_clusters_change(merge_rows):
    a_rows = [event("ACLED:1", "ACLED"), event("ACLED:2", "ACLED", km_north=-30),
              event("ACLED:3", "ACLED", day=dt.date(2023, 5, 1))]  # fmt: skip
    merge_rows("ACLED", a_rows)
    _, location = merge_rows("UCDP", [event("UCDP:1", "UCDP", day=DAY + dt.timedelta(days=1))])
    assert stored_clusters(location)["ACLED:1"] == ("ACLED:1", 2, "UCDP:1")
    assert stored_clusters(location)["ACLED:2"] == ("ACLED:2", 1, "")
    before = files(location, "ACLED")
    # A revised UCDP export moves its event to the second ACLED event: both ACLED events change.
    report, _ = merge_rows("UCDP", [event("UCDP:1", "UCDP", km_north=-31, summary="Moved.")])
    assert report.counts["updated"] == 1 and report.reclustered.pairs == 1
    found = stored_clusters(location)
    assert found["ACLED:1"] == ("ACLED:1", 1, "") and found["ACLED:2"] == ("ACLED:2", 2, "UCDP:1")
    changed = files(location, "ACLED")
    assert changed["year=2024"] != before["year=2024"] and changed["year=2023"] == before["year=2023"]
    # GDELT far away in 2023 touches no cluster: ACLED's files stay as they are (hard links).
    merge_rows("GDELT", [event("GDELT:1", "GDELT", day=dt.date(2023, 9, 1))])
    assert files(location, "ACLED") == changed
    pairs = pq.read_table(clustering.pairs_file(columnstore.current_generation(location))).to_pylist()
    pair = {"a": "ACLED:2", "a_dataset": "ACLED", "a_year": 2024, "b": "UCDP:1", "b_dataset": "UCDP"}
    assert pairs == [pair | {"b_year": 2024}]


def test_a_store_from_before_clusters_reads_as_single_sources_until_the_next_import(merge_rows):
    merge_rows("ACLED", [event("ACLED:1", "ACLED")])
    _, location = merge_rows("UCDP", [event("UCDP:1", "UCDP")])
    generation = Path(columnstore.current_generation(location))
    shutil.rmtree(generation / clustering.FOLDER)  # as a store written before clusters has none
    for path in (generation / "events").glob("*/*/*.parquet"):
        table = pq.read_table(path)
        pq.write_table(table.drop_columns(["cluster_id", "cluster_size", "corroborated_by"]), path)
    data = location.parent / "data"
    data.mkdir()
    shutil.copy(FIXTURES / "articles.csv", data / "articles.csv")
    (data / "events.csv").write_text((FIXTURES / "events.csv").read_text().splitlines()[0] + "\r\n")
    shutil.move(location, data / "store")
    assert clusters(data)["ACLED:1"] == ("ACLED:1", 1, "")
    staged = data.parent / "staged-gdelt"
    staged.mkdir()
    report = import_or_merge(data, "GDELT", [event("GDELT:1", "GDELT")], staged)
    assert report.reclustered.events == 3  # every event matched again: no pairs were kept
    assert clusters(data)["ACLED:1"] == ("ACLED:1", 3, "UCDP:1;GDELT:1")


def import_or_merge(data: Path, dataset: str, rows, folder: Path):
    from tests.conftest import write_csv_rows

    write_csv_rows(folder / "events.csv", list(rows[0]), rows)
    shutil.copy(FIXTURES / "articles.csv", folder / "articles.csv")
    staged = load_columnar(folder / "events.csv", folder / "articles.csv").events
    return columnstore.merge(data / "store", dataset, staged, None, [])
