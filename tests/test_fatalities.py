"""Deaths with the sources' ranges: kept through load, store and export, summed as ranges, shown so."""

import pandas as pd
import pytest

from borderstates.analysis import mapdata
from borderstates.analysis.fatalities import Deaths
from borderstates.core import contract
from borderstates.core.engine import open_store
from borderstates.core.export import export_events
from borderstates.core.filters import EventFilter
from borderstates.core.load import load_dataset
from borderstates.importers.run import import_file
from borderstates.render import markup
from tests.conftest import FIXTURES, read_rows, write_csv_rows

COLUMNS = (*contract.EVENT_COLUMNS, *contract.FATALITY_RANGE)


@pytest.fixture
def ranged_dir(make_data_dir, fixture_rows):
    t1, t2, t3 = fixture_rows
    rows = [
        dict(t1, fatalities="3", fatalities_low="3", fatalities_high="4"),  # Yerevan: 3 (3–4)
        dict(t2, fatalities="2", fatalities_low="", fatalities_high=""),  # Baku: 2, no range
        dict(t3, fatalities="10", fatalities_low="12", fatalities_high="20"),  # a range that misses 10
    ]
    return make_data_dir(rows, columns=COLUMNS)


def test_a_range_is_typed_checked_and_kept(ranged_dir):
    data = load_dataset(ranged_dir)
    events = data.events.set_index("event_id")
    assert events.loc["T-1", ["fatalities", "fatalities_low", "fatalities_high"]].tolist() == [3, 3, 4]
    assert pd.isna(events.loc["T-2", "fatalities_low"])
    (warning,) = [p for p in data.problems if p.column == "fatalities_low"]
    assert warning.severity == "warning" and warning.line == 4
    assert "the range 12–20 does not hold fatalities 10" in warning.message


def test_deaths_are_summed_as_ranges_per_state(ranged_dir):
    placed = mapdata.placed(open_store(ranged_dir), EventFilter())
    assert placed.deaths["ARM"] == Deaths(3, 3, 4, 1, 1)
    assert placed.deaths["AZE"] == Deaths(2, 2, 2, 1, 0)  # no range: the best figure at both ends
    assert placed.all_deaths.label == "15 deaths (17–26)"
    assert placed.deaths["AZE"].label == "2 deaths" and Deaths().label == ""


def test_the_record_gives_the_range_beside_the_best_figure():
    assert markup.fatalities_label({"fatalities": 3, "fatalities_low": 3, "fatalities_high": 4}) == "3 (3–4)"
    assert (
        markup.fatalities_label({"fatalities": 3, "fatalities_low": pd.NA, "fatalities_high": pd.NA}) == "3"
    )
    assert markup.fatalities_label({"fatalities": pd.NA}) == ""
    assert markup.range_label(None, 2, 5) == "(2–5)"


def test_an_export_carries_the_range_and_loads_back(ranged_dir, tmp_path):
    out = tmp_path / "out.csv"
    export_events(open_store(ranged_dir), EventFilter(), out)
    rows = {r["event_id"]: r for r in read_rows(out)}
    assert (rows["T-1"]["fatalities_low"], rows["T-1"]["fatalities_high"]) == ("3", "4")
    back = tmp_path / "back"
    back.mkdir()
    out.rename(back / "events.csv")
    (back / "articles.csv").write_bytes((FIXTURES / "articles.csv").read_bytes())
    loaded = load_dataset(back).events.set_index("event_id")
    assert loaded.loc["T-1", ["fatalities_low", "fatalities_high"]].tolist() == [3, 4]


def test_a_ucdp_range_reaches_the_store_and_the_map(tmp_path):
    directory = tmp_path / "data"
    directory.mkdir()
    write_csv_rows(directory / "events.csv", contract.EVENT_COLUMNS, [])
    (directory / "articles.csv").write_bytes((FIXTURES / "articles.csv").read_bytes())
    import_file(FIXTURES / "import" / "ucdp_ged.csv", into=directory)
    store = open_store(directory)
    record = mapdata.event_record(store, "UCDP:900001")
    assert markup.fatalities_label(record) == "10 (8–14)"
    assert "10 (8–14)" in markup.passage_html(record, mapdata.articles_of(store, record))
    ukraine = mapdata.placed(store, EventFilter()).deaths["UKR"]
    assert (ukraine.best, ukraine.low, ukraine.high, ukraine.ranged) == (15, 13, 19, 3)
