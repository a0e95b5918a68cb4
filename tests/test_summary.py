"""A first visit's answers, computed once per version of the data and read back by every new server."""

from __future__ import annotations

import dataclasses
import shutil

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from borderstates import cli
from borderstates.analysis import summary
from borderstates.app import data as appdata
from borderstates.core.engine import Store, open_store
from borderstates.core.paths import DATA_DIR_VARIABLE
from tests.conftest import FIXTURES, ROOT
from tests.import_helpers import IMPORTS
from tools.synthetic import write_synthetic_store


def _same(kept: object, fresh: object) -> None:
    """Assert that two answers are equal, frames (also inside dataclasses) value for value and dtype."""
    if isinstance(fresh, pd.DataFrame):
        assert isinstance(kept, pd.DataFrame)
        pd.testing.assert_frame_equal(kept, fresh)
    elif dataclasses.is_dataclass(fresh) and any(
        isinstance(getattr(fresh, f.name), pd.DataFrame) for f in dataclasses.fields(fresh)
    ):
        assert type(kept) is type(fresh)
        for f in dataclasses.fields(fresh):
            _same(getattr(kept, f.name), getattr(fresh, f.name))
    else:
        assert kept == fresh


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """A store of 3,000 synthetic events: the map draws them as cells on the fitted grid."""
    return write_synthetic_store(tmp_path_factory.mktemp("many") / "data", 3_000, chunk=1_000)


@pytest.mark.parametrize("which", ["curated", "many"])
def test_a_kept_summary_gives_the_answers_the_engine_gives(which, many, tmp_path):
    directory = many if which == "many" else shutil.copytree(ROOT / "data", tmp_path / "data")
    first = open_store(directory)
    written = summary.write(first, summary.first_visit(first))
    # Beside the store's generation; without a store, beside the CSV files' columnar copy.
    assert written is not None and written.parent == first.beside[0]
    assert written.parent.name == "summaries" if which == "many" else written.parent == first.beside[-1]
    store = open_store(directory)  # a new server: a store of its own
    kept, fresh = summary.read(store), summary.first_visit(store)
    assert kept is not None and sorted(kept.answers) == sorted(fresh.answers)
    for key, answer in fresh.answers.items():
        _same(kept.answers[key], answer)
    asked = {key.split("(")[0].rsplit(".", 1)[1] for key in fresh.answers}
    cells_or_markers = {"fit_grid", "grid_cells"} if which == "many" else {"markers"}
    assert asked == {"offered", "placed", "default_unit", "build_timeline", "newest", *cells_or_markers}


def _queries(monkeypatch) -> list[object]:
    asked: list[object] = []
    original = Store.arrow

    def counted(store: Store, expr: object) -> object:
        asked.append(expr)
        return original(store, expr)

    monkeypatch.setattr(Store, "arrow", counted)
    return asked


@pytest.mark.parametrize("kept", [True, False])
def test_a_new_servers_first_visit_asks_the_engine_nothing_once_the_summary_is_kept(kept, many, monkeypatch):
    directory = many
    if kept:
        summary.write(open_store(directory), summary.first_visit(open_store(directory)))
    else:
        shutil.rmtree(directory / "store" / "gen-000001" / "summaries", ignore_errors=True)
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(directory))
    appdata._loading.clear()  # a new server: the data opened anew
    asked = _queries(monkeypatch)
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
    app.run()
    assert not app.exception
    if kept:
        assert asked == []
    else:  # the server's own load answers them once, and keeps them for the next server
        assert asked and summary.read(open_store(directory)) is not None
    asked.clear()
    app.run()  # the same reader again: the answers are cached
    assert asked == []


def test_a_damaged_summary_is_answered_again(many):
    store = open_store(many)
    written = summary.write(store, summary.first_visit(store))
    assert written is not None
    written.write_text('{"answers": {"x": {"frame": "not arrow"}}}', encoding="utf-8")
    assert summary.read(store) is None
    again = summary.kept_or_answered(store)
    assert summary.read(store) is not None
    assert sorted(again.answers) == sorted(summary.first_visit(store).answers)


def test_a_changed_events_file_is_a_new_version_of_the_data_with_a_summary_of_its_own(many, tmp_path):
    directory = shutil.copytree(many, tmp_path / "data")
    summary.write(open_store(directory), summary.first_visit(open_store(directory)))
    assert summary.read(open_store(directory)) is not None
    shutil.copy(FIXTURES / "events.csv", directory / "events.csv")  # an analyst adds curated rows
    shutil.copy(FIXTURES / "articles.csv", directory / "articles.csv")
    changed = open_store(directory)
    assert summary.read(changed) is None
    assert summary.kept_or_answered(changed).answers != summary.read(open_store(many)).answers  # type: ignore[union-attr]


def test_an_import_into_the_store_leaves_the_first_visits_answers_beside_its_generation(tmp_path):
    directory = tmp_path / "data"
    directory.mkdir()
    shutil.copy(FIXTURES / "events.csv", directory / "events.csv")
    shutil.copy(FIXTURES / "articles.csv", directory / "articles.csv")
    assert cli.main(["import", str(IMPORTS / "acled_export.csv"), "--into", str(directory)]) == 0
    store = open_store(directory)
    kept = summary.read(store)
    assert kept is not None and next(store.beside[0].glob("summary-*.json"))
    for key, answer in summary.first_visit(store).answers.items():
        _same(kept.answers[key], answer)


def test_the_store_counts_its_events_from_the_files_as_the_engine_does(fixture_rows, make_data_dir, many):
    for directory in (many, ROOT / "data"):
        store = open_store(directory)
        assert store.total == int(store.backend.con.sql("SELECT count(*) FROM events").fetchall()[0][0])
    # A row of events.csv that holds a stored event's id is one event: the file's row.
    directory = make_data_dir([dict(fixture_rows[0], event_id="SYN-000000001", dataset="curated")])
    shutil.copytree(many / "store", directory / "store")
    store = open_store(directory)
    assert store.status.shadowed == 1
    assert store.total == int(store.backend.con.sql("SELECT count(*) FROM events").fetchall()[0][0]) == 3_000
