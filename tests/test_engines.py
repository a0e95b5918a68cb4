"""Same answers on every engine: DuckDB, Spark (local[2], for real) and the pandas oracle agree.

Hypothesis writes events (spans of every precision, empty and unknown values, text in other
scripts, `%`, `_` and apostrophes) and filters; the same data directory is opened on DuckDB and
on Spark, and each filter must give the same event ids, the same per-state counts and the same
density cells as the oracle (`tests/oracle.py`) computes on the loaded frame. The curated data
gives byte-identical exports on both engines.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from borderstates.analysis import density, mapdata
from borderstates.core import contract
from borderstates.core.area import Area, Circle
from borderstates.core.engine import EngineConfig, Store, open_store
from borderstates.core.export import export_bytes
from borderstates.core.filters import EventFilter
from borderstates.core.load import load_dataset
from tests.conftest import FIXTURES, ROOT, write_csv_rows
from tests.oracle import filter_events

FOCUS = contract.FOCUS_STATES
# Places of the gazetteer in and around the focus states (and one at sea).
PLACES = [
    ("Kyiv", "UKR", 50.4547, 30.5238), ("Odesa", "UKR", 46.4857, 30.7438),
    ("Tbilisi", "GEO", 41.6914, 44.8341), ("Yerevan", "ARM", 40.1776, 44.5126),
    ("Baku", "AZE", 40.3777, 49.892), ("Moscow", "RUS", 55.752, 37.6178),
    ("Istanbul", "TUR", 41.0138, 28.9497), ("Black Sea", "UKR", 43.5, 34.0),
    ("Kharkiv", "UKR", 49.9935, 36.2304), ("Donetsk", "UKR", 48.0159, 37.8028),
    ("Simferopol", "UKR", 44.9521, 34.1024),
]  # fmt: skip
# Regions of those places (and some of none of them): the `region=` filter on every engine.
REGIONS = [
    "UA-30",
    "UA-32",
    "UA-51",
    "UA-63",
    "UA-14",
    "UA-43",
    "GE-TB",
    "AM-ER",
    "AZ-BA",
    "RU-MOW",
    "RU-BEL",
]
# Text that the engines could read differently: cases of other scripts, LIKE's wildcards, quotes.
TEXTS = ["Azərbaycan", "AZƏRBAYCAN", "İstanbul", "istanbul", "ISTANBUL", "Дніпро", "ДНІПРО", "ΣΊΣΥΦΟΣ",
         "Straße", "50% off", "a_b", "axb", "O'Brien", "o'brien", "Kharkiv", ""]  # fmt: skip
ACTORS = ["Government of Ukraine", "Russian armed forces", "Azərbaycan Respublikası", "O'Brien", "", "a_b"]
NEEDLES = ["", "azərbaycan", "Azərbaycan", "istanbul", "İSTANBUL", "дніпро", "σίσυφος", "straße", "%", "_",
           "50%", "a_b", "'", "o'brien", "kharkiv", "zzz"]  # fmt: skip


@st.composite
def event_rows(draw) -> list[dict[str, str]]:
    rows = []
    for number in range(draw(st.integers(1, 30))):
        place, country, lat, lon = draw(st.sampled_from(PLACES))
        start = draw(st.dates(dt.date(2019, 1, 1), dt.date(2025, 12, 31)))
        precision = draw(st.sampled_from(contract.DATE_PRECISIONS))
        end = draw(
            st.one_of(st.just(""), st.integers(0, 500).map(lambda d, s=start: str(s + dt.timedelta(d))))
        )
        rows.append(
            {
                "event_id": f"P-{number}",
                "date": str(start),
                "date_end": end,
                "date_precision": precision,
                "actor1": draw(st.sampled_from([a for a in ACTORS if a])),
                "actor1_country": draw(st.sampled_from(["", "UKR", "RUS", "AZE"])),
                "actor2": draw(st.sampled_from(ACTORS)),
                "actor2_country": draw(st.sampled_from(["", "GEO", "ARM", "USA"])),
                "relation_type": draw(st.sampled_from(contract.RELATION_TYPES)),
                "quad_class": draw(st.sampled_from(contract.QUAD_CLASSES)),
                "status": draw(st.sampled_from(["", *contract.STATUSES])),
                "country": country,
                "location": place,
                "latitude": str(lat),
                "longitude": str(lon),
                "geo_precision": draw(st.sampled_from(contract.GEO_PRECISIONS)),
                # A summary is required: words that are all empty make one of its own.
                "summary": " ".join(draw(st.lists(st.sampled_from(TEXTS), max_size=3))).strip()
                or "An event.",
                "article_id": "A-1",
                "excerpt": draw(st.sampled_from(TEXTS)),
                "excerpt_en": draw(st.sampled_from(TEXTS)),
                "fatalities": draw(st.sampled_from(["", "0", "3"])),
                "dataset": draw(st.sampled_from(["", "curated", "ACLED"])),
                "tags": draw(st.sampled_from(["", "energy; oil", "a_b", "50%"])),
            }
        )
    # Excerpts are required for curated rows.
    return [dict(r, excerpt=r["excerpt"] or "Tekst.") for r in rows]


# Areas round the places above: a box with or without a hole, a star, a circle, a country.
KYIV_BOX = ((30.0, 50.0), (31.0, 50.0), (31.0, 51.0), (30.0, 51.0), (30.0, 50.0))
KYIV_HOLE = ((30.5, 50.4), (30.6, 50.4), (30.6, 50.5), (30.5, 50.5), (30.5, 50.4))
CAUCASUS_STAR = tuple(
    (45.5 + (4.5 if k % 2 else 2.0) * math.cos(math.pi * k / 10),
     41.0 + (1.5 if k % 2 else 0.7) * math.sin(math.pi * k / 10))
    for k in [*range(20), 0]
)  # fmt: skip
AREAS = [
    Area(polygons=((KYIV_BOX,),)),
    Area(polygons=((KYIV_BOX, KYIV_HOLE),)),
    Area(polygons=((CAUCASUS_STAR,),)),
    Area(circles=(Circle(46.4857, 30.7438, 50.0),)),  # 50 km round Odesa
    Area(circles=(Circle(40.0, 47.0, 250.0),), polygons=((CAUCASUS_STAR,),)),
    Area(countries=("GEO",)),
]

filters = st.builds(
    EventFilter,
    area=st.one_of(st.none(), st.sampled_from(AREAS)),
    actors=st.lists(st.sampled_from([a for a in ACTORS if a]), max_size=2, unique=True).map(tuple),
    side=st.sampled_from(contract.ACTOR_SIDES),
    date_from=st.one_of(st.none(), st.dates(dt.date(2019, 1, 1), dt.date(2026, 6, 30))),
    date_to=st.one_of(st.none(), st.dates(dt.date(2019, 1, 1), dt.date(2026, 6, 30))),
    relations=st.lists(st.sampled_from(contract.RELATION_TYPES), max_size=3, unique=True).map(tuple),
    quads=st.lists(st.sampled_from(contract.QUAD_CLASSES), max_size=2, unique=True).map(tuple),
    statuses=st.lists(st.sampled_from(contract.STATUSES), max_size=2, unique=True).map(tuple),
    datasets=st.lists(st.sampled_from(["curated", "ACLED"]), max_size=1).map(tuple),
    countries=st.lists(
        st.sampled_from(["UKR", "GEO", "ARM", "AZE", "RUS", "USA"]), max_size=2, unique=True
    ).map(tuple),
    regions=st.lists(st.sampled_from(REGIONS), max_size=3, unique=True).map(tuple),
    geo_precisions=st.lists(st.sampled_from(contract.GEO_PRECISIONS), max_size=2, unique=True).map(tuple),
    date_precisions=st.lists(st.sampled_from(contract.DATE_PRECISIONS), max_size=2, unique=True).map(tuple),
    involving=st.booleans(),
    text=st.sampled_from(NEEDLES),
)


def _answers(store: Store, f: EventFilter) -> tuple[list[str], dict[str, int], list[tuple]]:
    ids = sorted(store.fetch(store.matching(f).select("event_id"))["event_id"])
    grid = density.Grid(0.5, 0)
    cells = density.grid_cells(store, f, grid)
    cells = cells[["cell_row", "cell_col", "count", "top_relation"]]
    return ids, mapdata.state_counts(store, f, FOCUS), sorted(map(tuple, cells.to_numpy().tolist()))


def _oracle(events, f: EventFilter) -> tuple[list[str], dict[str, int], list[tuple]]:
    kept = filter_events(events, f)
    counts = kept["located_in"].astype(str).value_counts()
    return sorted(kept["event_id"]), {code: int(counts.get(code, 0)) for code in FOCUS}, []


@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(rows=event_rows(), chosen=st.lists(filters, min_size=3, max_size=3))
def test_duckdb_spark_and_the_oracle_give_the_same_answers(spark, rows, chosen):
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch) / "data"
        directory.mkdir()
        write_csv_rows(directory / "events.csv", contract.EVENT_COLUMNS, rows)
        shutil.copy(FIXTURES / "articles.csv", directory / "articles.csv")
        events = load_dataset(directory).events
        assert len(events) == len(rows)
        duck, spark_store = open_store(directory), open_store(directory, spark)
        for f in chosen:
            expected_ids, expected_counts, _ = _oracle(events, f)
            for name, store in (("duckdb", duck), ("spark", spark_store)):
                ids, counts, cells = _answers(store, f)
                assert ids == expected_ids, (name, f)
                assert counts == expected_counts, (name, f)
                assert sum(c[2] for c in cells) == len(expected_ids), (name, f)
            assert _answers(duck, f)[2] == _answers(spark_store, f)[2], (
                f
            )  # the same cells, each counted alike


@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_the_region_filter_means_the_same_on_every_engine(engine, spark, fixture_rows, make_data_dir):
    directory = make_data_dir(fixture_rows)  # T-1 Yerevan, T-2 Baku, T-3 Kyiv
    events = load_dataset(directory).events
    store = open_store(directory, spark if engine == "spark" else None)
    for regions, expected in [(("UA-30", "AM-ER"), ["T-1", "T-3"]), (("UA-32",), []), (("AZ-BA",), ["T-2"])]:
        f = EventFilter(regions=regions)
        assert sorted(store.fetch(store.matching(f).select("event_id"))["event_id"]) == expected
        assert sorted(filter_events(events, f)["event_id"]) == expected


CASES = [  # (text written, needle, found): pinned, whatever any engine's own lowercasing does
    ("Azərbaycan", "AZƏRBAYCAN", True), ("İstanbul", "istanbul", True), ("ISTANBUL", "İstanbul", True),
    ("Дніпро", "днІпро", True), ("ΣΊΣΥΦΟΣ", "σίσυφος", True), ("Straße", "STRASSE", False),
    ("50% off", "50%", True), ("50 off", "50%", False), ("a_b", "a_b", True), ("axb", "a_b", False),
    ("O'Brien", "o'brien", True), ("Kharkiv", "KHARKIV", True),
]  # fmt: skip


@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_case_insensitive_search_means_the_same_on_every_engine(engine, spark, fixture_rows, make_data_dir):
    rows = [dict(fixture_rows[0], event_id=f"C-{n}", summary=text) for n, (text, _, _) in enumerate(CASES)]
    directory = make_data_dir(rows)
    store = open_store(directory, spark if engine == "spark" else EngineConfig())
    events = load_dataset(directory).events
    for number, (_, needle, found) in enumerate(CASES):
        hits = set(store.fetch(store.matching(EventFilter(text=needle)).select("event_id"))["event_id"])
        assert (f"C-{number}" in hits) is found, (engine, CASES[number])
        assert hits == set(filter_events(events, EventFilter(text=needle))["event_id"])


def test_the_curated_exports_are_byte_identical_on_both_engines(spark):
    duck, spark_store = open_store(ROOT / "data"), open_store(ROOT / "data", spark)
    for f in (EventFilter(), EventFilter(relations=("military", "diplomatic"), text="baku")):
        for export_format in ("csv", "csv-excel", "geojson"):
            assert export_bytes(duck, f, export_format) == export_bytes(spark_store, f, export_format)


def _kept_tables(store: Store) -> set[str]:
    names = store.backend.con.sql("SELECT table_name FROM duckdb_tables()").fetchall()
    return {name for (name,) in names if name.startswith("kept_")}


def test_a_search_keeps_its_hits_while_other_searches_come_between_its_questions(fixture_rows, make_data_dir):
    import gc

    from borderstates.core import kept

    store = open_store(make_data_dir(fixture_rows))
    mine = store.matching(EventFilter(text="csto"))  # a page's filter, its first question built
    expected = sorted(store.fetch(mine.select("event_id"))["event_id"])
    for n in range(kept.FILTERS):  # other sessions search meanwhile, each its own text
        store.count(EventFilter(text=f"other search {n}"))
    # The page's next question on the same expression still finds the same events.
    assert sorted(store.fetch(mine.select("event_id"))["event_id"]) == expected == ["T-1"]
    # Once nothing is built on a search no longer kept, its table goes: only the kept ones stay.
    assert len(_kept_tables(store)) == kept.FILTERS + 1
    del mine
    gc.collect()
    store.count(EventFilter(text="one more"))
    assert len(_kept_tables(store)) == kept.FILTERS and "kept_1" not in _kept_tables(store)


# --- corroboration: clusters and the events counted once, on every engine ------------------------

DAY = dt.date(2024, 2, 16)
KHARKIV = (49.9935, 36.2304)
KM = 1 / 111.19508  # degrees of latitude per km
KINDS = {  # (relation_type, quad_class, source_code) each dataset's events may have
    "ACLED": [("military", "material_conflict", "Armed clash"),
              ("political", "verbal_conflict", "Peaceful protest"),
              ("military", "material_conflict", "Air/drone strike")],
    "UCDP": [("military", "material_conflict", "type_of_violence=1"),
             ("security", "material_conflict", "type_of_violence=3")],
    "GDELT": [("military", "material_conflict", "190"), ("diplomatic", "verbal_conflict", "111")],
    "curated": [("military", "material_conflict", ""), ("diplomatic", "verbal_conflict", "")],
    "mine": [("security", "material_conflict", ""), ("diplomatic", "verbal_conflict", "")],
}  # fmt: skip


@st.composite
def corroborating_rows(draw) -> list[dict[str, str]]:
    """Events of five datasets crowded round Kharkiv over a few days: many match, some in chains."""
    rows = []
    for number in range(draw(st.integers(2, 14))):
        dataset = draw(st.sampled_from(list(KINDS)))
        relation, quad, code = draw(st.sampled_from(KINDS[dataset]))
        north, east = draw(st.sampled_from([(0, 0), (4, 0), (9.5, 0), (0, 8), (14, 0), (-45, 0)]))
        start = DAY + dt.timedelta(days=draw(st.integers(0, 4)))
        precision = draw(st.sampled_from(["day", "day", "week"]))
        end = start + dt.timedelta(days=draw(st.integers(0, 3))) if precision == "week" else None
        prefix = f"{dataset}:" if dataset in ("ACLED", "UCDP", "GDELT") else "C-"
        rows.append(
            {
                "event_id": f"{prefix}{number}", "date": str(start), "date_end": str(end or ""),
                "date_precision": precision, "actor1": draw(st.sampled_from(ACTORS[:3])),
                "actor1_country": "", "actor2": "", "actor2_country": "", "relation_type": relation,
                "quad_class": quad, "status": "reported", "country": "UKR", "location": "Kharkiv",
                "latitude": f"{KHARKIV[0] + north * KM:.6f}",
                "longitude": f"{KHARKIV[1] + east * KM / 0.643:.6f}",  # 0.643: cos 50°
                "geo_precision": draw(st.sampled_from(["exact", "city", "city", "region", "country"])),
                "summary": "An event.", "article_id": "A-1", "excerpt": "Tekst.", "excerpt_en": "",
                "fatalities": draw(st.sampled_from(["", "0", "2"])), "dataset": dataset, "source_code": code,
                "tags": "", "notes": "",
            }
        )  # fmt: skip
    return rows


CORROBORATION_FILTERS = [
    EventFilter(dedupe=True),
    EventFilter(dedupe=True, datasets=("UCDP",)),
    EventFilter(dedupe=True, datasets=("GDELT", "mine")),
    EventFilter(dedupe=True, date_from=DAY + dt.timedelta(days=3)),
    EventFilter(dedupe=True, relations=("military",), actors=(ACTORS[0],)),
]


@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(rows=corroborating_rows())
def test_duckdb_spark_and_the_oracle_agree_on_clusters_and_on_events_counted_once(spark, rows):
    from borderstates.importers.run import migrate_directory
    from tests.oracle import cluster_ids

    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch) / "data"
        directory.mkdir()
        write_csv_rows(directory / "events.csv", contract.EVENT_COLUMNS, rows)
        shutil.copy(FIXTURES / "articles.csv", directory / "articles.csv")
        events = load_dataset(directory).events  # every event, before the imported ones move
        expected = cluster_ids(events)
        migrate_directory(directory)  # the sources' rows into the store, one dataset after another
        for name, store in (("duckdb", open_store(directory)), ("spark", open_store(directory, spark))):
            found = store.fetch(store.events.select("event_id", "cluster_id", "cluster_size"))
            assert dict(zip(found["event_id"], found["cluster_id"], strict=True)) == expected, name
            sizes = found.groupby("cluster_id")["event_id"].transform("count")
            assert (found["cluster_size"] == sizes).all(), name
            for f in CORROBORATION_FILTERS:
                ids = sorted(store.fetch(store.matching(f).select("event_id"))["event_id"])
                assert ids == sorted(filter_events(events, f)["event_id"]), (name, f)
                assert store.count(f) == len(ids), (name, f)
