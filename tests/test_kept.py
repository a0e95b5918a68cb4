"""The rows of recent filters kept by the engine: the same answers, one scan a filter, sessions at once."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import replace

import ibis
import pytest

from borderstates.analysis import density, mapdata, timeline
from borderstates.core import kept
from borderstates.core.engine import open_store
from borderstates.core.filters import EventFilter
from tools.synthetic import write_synthetic_store

ACTOR = "Synthetic Militia 3"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A store of 4,000 synthetic events over eight years."""
    return open_store(write_synthetic_store(tmp_path_factory.mktemp("kept") / "data", 4_000, chunk=2_000))


def _ids(store, table) -> list[str]:
    return sorted(store.fetch(table.select("event_id"))["event_id"])


def _tables(store) -> set[str]:
    names = store.backend.con.sql("SELECT table_name FROM duckdb_tables()").fetchall()
    return {name for (name,) in names if name.startswith("kept_")}


def test_a_filter_is_read_from_the_events_once_and_its_questions_from_its_kept_rows(store):
    f = EventFilter(actors=(ACTOR,), relations=("military", "security"))
    narrow = store.narrowed(f)
    assert _ids(store, narrow) == _ids(store, store.matching(f)) != []
    sql = str(store.backend.compile(narrow))
    assert "kept_" in sql and "events" not in sql


def test_a_brush_changes_the_dates_only_and_is_answered_from_the_kept_rows_without_them(store):
    undated = EventFilter(actors=(ACTOR,))
    dated = replace(undated, date_from=dt.date(2020, 3, 1), date_to=dt.date(2021, 6, 30))
    timeline.build_timeline(store, undated, "month")  # the histogram: every filter but the dates
    sql = str(store.backend.compile(store.narrowed(dated)))
    assert "kept_" in sql and "events" not in sql  # no scan of the events
    assert _ids(store, store.narrowed(dated)) == _ids(store, store.matching(dated)) != []
    assert mapdata.placed(store, dated).total == len(_ids(store, store.matching(dated)))


def test_a_filter_of_more_events_than_are_kept_is_read_from_the_events_each_time(store, monkeypatch):
    monkeypatch.setattr(kept, "ROWS", 5)
    f = EventFilter(relations=("diplomatic",))
    before = _tables(store)
    narrow = store.narrowed(f)
    assert "kept_" not in str(store.backend.compile(narrow)) and _tables(store) == before
    assert _ids(store, narrow) == _ids(store, store.matching(f))
    assert store.count(f) == len(_ids(store, store.matching(f))) > 5


def test_the_newest_events_are_the_newest_of_the_filter(store):
    for f in (EventFilter(actors=(ACTOR,)), EventFilter(text="kyiv"), EventFilter(text="no such place")):
        expected = store.fetch(
            store.matching(f).select(*mapdata.LISTED).order_by([ibis.desc("date"), "event_id"]).limit(50)
        )
        found = mapdata.newest(store, f, 50)
        assert found.equals(expected)


def test_sessions_ask_at_once_and_each_gets_its_own_answers(store):
    kinds = ("military", "security", "diplomatic", "economic", "energy", "cultural")
    filters = [EventFilter(relations=(r,), date_from=dt.date(2018 + n, 1, 1)) for n, r in enumerate(kinds)]
    grid = density.fit_grid(store)
    expected = {f: (mapdata.placed(store, f), density.grid_cells(store, f, grid).to_dict()) for f in filters}
    start, failures = threading.Barrier(len(filters)), []

    def session(f: EventFilter) -> None:
        start.wait()
        for _ in range(5):
            got = (mapdata.placed(store, f), density.grid_cells(store, f, grid).to_dict())
            if got != expected[f]:
                failures.append(f)

    threads = [threading.Thread(target=session, args=(f,)) for f in filters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
