"""Corroboration: which events of different datasets are one event, and the clusters they make.

Hand-made events on each side of every threshold, loaded from an events file as an analyst
keeps them (the CSV files are matched at load, by the same rule as the store at import).
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil

import numpy as np
import pytest

from borderstates.core import corroboration
from borderstates.core.area import distance_km
from borderstates.core.engine import open_store
from borderstates.core.export import export_events
from borderstates.core.filters import EventFilter
from tests.conftest import write_csv_rows

KHARKIV = (49.9935, 36.2304)  # UA-63 Kharkiv Oblast
KM_NORTH = 1 / 111.19508  # degrees of latitude per km on the mean sphere
DAY = dt.date(2024, 2, 16)
ONE = dt.timedelta(days=1)
VIOLENT = {
    "ACLED": ("military", "material_conflict", "Shelling/artillery/missile attack"),
    "UCDP": ("military", "material_conflict", "type_of_violence=1"),
    "GDELT": ("military", "material_conflict", "195"),
    "curated": ("military", "material_conflict", ""),
}


def event(event_id, dataset, *, day=DAY, end="", precision="day", km_north=0.0, place="city", **more):
    relation, quad, code = more.pop("kind", None) or VIOLENT.get(dataset, VIOLENT["curated"])
    lat, lon = more.pop("point", (KHARKIV[0] + km_north * KM_NORTH, KHARKIV[1]))
    return {
        "event_id": event_id, "date": str(day), "date_end": end, "date_precision": precision,
        "actor1": "Russian armed forces", "actor1_country": "RUS", "actor2": "", "actor2_country": "",
        "relation_type": relation, "quad_class": quad, "status": "reported", "country": "UKR",
        "location": "Kharkiv", "latitude": f"{lat:.6f}", "longitude": f"{lon:.6f}", "geo_precision": place,
        "summary": f"Event {event_id}.", "article_id": "A-1", "excerpt": "Tekst.", "excerpt_en": "",
        "fatalities": "", "dataset": dataset, "source_code": code, "tags": "", "notes": "",
    } | more  # fmt: skip


def clusters_of(make_data_dir, rows):
    """Open the rows on the engine; return each event's (cluster id, size, corroborated_by)."""
    clusters_of.made = getattr(clusters_of, "made", 0) + 1
    return clusters_of_directory(make_data_dir(rows, name=f"data-{clusters_of.made}"))


def together(found, *ids):
    return len({found[i][0] for i in ids}) == 1


@pytest.mark.parametrize(
    ("second", "matched"),
    [
        ({"day": DAY + dt.timedelta(days=1)}, True),  # the next day: one day apart
        ({"day": DAY + dt.timedelta(days=2)}, False),  # a day between them
        ({"day": DAY - dt.timedelta(days=1)}, True),
        ({"day": DAY - dt.timedelta(days=2)}, False),
    ],
)
def test_one_day_apart_matches_and_two_do_not(make_data_dir, second, matched):
    found = clusters_of(make_data_dir, [event("A", "ACLED"), event("U", "UCDP", **second)])
    assert together(found, "A", "U") is matched


@pytest.mark.parametrize(("days", "matched"), [(3, True), (7, True), (8, False)])
def test_a_span_matches_the_day_after_it_ends_and_not_the_one_after(make_data_dir, days, matched):
    week = event("A", "ACLED", end=str(DAY + dt.timedelta(days=6)), precision="week")
    found = clusters_of(make_data_dir, [week, event("U", "UCDP", day=DAY + dt.timedelta(days=days))])
    assert together(found, "A", "U") is matched


@pytest.mark.parametrize(("km", "matched"), [(9.95, True), (10.05, False)])
def test_points_at_most_ten_km_apart_match(make_data_dir, km, matched):
    other = event("U", "UCDP", km_north=km, place="exact")
    assert distance_km(*KHARKIV, float(other["latitude"]), KHARKIV[1]) == pytest.approx(km, abs=1e-3)
    found = clusters_of(make_data_dir, [event("A", "ACLED"), other])
    assert together(found, "A", "U") is matched


def test_ten_km_east_is_measured_on_the_sphere_too(make_data_dir):
    # At 50° north a degree of longitude is 71.5 km: 9.9 km is 0.1245°, over a grid column's width.
    near, far = (KHARKIV[0], KHARKIV[1] + 9.9 / 71.5), (KHARKIV[0], KHARKIV[1] - 10.2 / 71.5)
    assert distance_km(*KHARKIV, *near) < 10 < distance_km(*KHARKIV, *far)
    found = clusters_of(make_data_dir, [event("A", "ACLED"), event("U", "UCDP", point=near),
                                        event("G", "GDELT", point=far)])  # fmt: skip
    assert together(found, "A", "U") and found["G"][1] == 1


DIPLOMATIC = ("diplomatic", "verbal_conflict", "")


@pytest.mark.parametrize(
    ("first", "second", "matched"),
    [
        (("ACLED", ("military", "material_conflict", "Armed clash")), ("UCDP", None), True),
        (("ACLED", ("security", "material_conflict", "Attack")), ("GDELT", None), True),
        (("ACLED", ("political", "verbal_conflict", "Peaceful protest")), ("UCDP", None), False),
        (("ACLED", ("security", "material_conflict", "Arrests")), ("UCDP", None), False),
        (("GDELT", ("military", "verbal_conflict", "138")), ("UCDP", None), False),
        (("curated", ("security", "material_conflict", "")), ("UCDP", None), True),
        (("curated", DIPLOMATIC), ("GDELT", ("diplomatic", "verbal_conflict", "111")), False),
        (("curated", DIPLOMATIC), ("mine", DIPLOMATIC), True),
        (("curated", DIPLOMATIC), ("mine", ("diplomatic", "verbal_cooperation", "")), False),
    ],
)
def test_only_compatible_types_match(make_data_dir, first, second, matched):
    rows = [event("X", first[0], kind=first[1]), event("Y", second[0], kind=second[1])]
    assert together(clusters_of(make_data_dir, rows), "X", "Y") is matched


def test_two_events_of_one_dataset_never_match_each_other(make_data_dir):
    for dataset in ("ACLED", "curated", "mine"):
        found = clusters_of(make_data_dir, [event("E1", dataset), event("E2", dataset)])
        assert found == {"E1": ("E1", 1, ""), "E2": ("E2", 1, "")}
    # Only through other datasets' events are they one cluster: A1–U, U–G, G–A2, each the other's best.
    rows = [
        event("A1", "ACLED"),
        event("U", "UCDP", km_north=4),
        event("G", "GDELT", km_north=8, day=DAY + ONE),
        event("A2", "ACLED", km_north=12, day=DAY + 2 * ONE),
    ]
    found = clusters_of(make_data_dir, rows)
    assert found["A1"] == ("A1", 4, "A2;U;G") and found["A2"] == ("A1", 4, "A1;U;G")


def test_an_event_matches_only_its_best_candidate_of_each_other_dataset(make_data_dir):
    # Two ACLED events near one UCDP event: it matches the nearer; the other stays alone.
    rows = [event("U", "UCDP"), event("A-near", "ACLED", km_north=2), event("A-far", "ACLED", km_north=-6),
            event("A-late", "ACLED", day=DAY + ONE), event("G", "GDELT", km_north=1)]  # fmt: skip
    found = clusters_of(make_data_dir, rows)
    # Closer in time first (A-late is a day off), then closer in place: A-near; G is GDELT's only one.
    assert found["U"] == ("A-near", 3, "A-near;G") and found["A-far"] == ("A-far", 1, "")
    assert found["A-late"] == ("A-late", 1, "")


def test_a_chain_of_three_sources_is_one_cluster(make_data_dir):
    # A and B 8 km apart, B and C 8 km apart; A and C 16 km apart and two days apart.
    rows = [event("C", "GDELT", km_north=16, day=DAY + dt.timedelta(days=2)),
            event("B", "UCDP", km_north=8, day=DAY + dt.timedelta(days=1)), event("A", "ACLED")]  # fmt: skip
    found = clusters_of(make_data_dir, rows)
    assert found == {"A": ("A", 3, "B;C"), "B": ("A", 3, "A;C"), "C": ("A", 3, "A;B")}


def test_the_representative_goes_by_precedence_then_id(make_data_dir):
    rows = [event("G", "GDELT"), event("U", "UCDP"), event("z-mine", "mine"), event("a-other", "other"),
            event("A", "ACLED"), event("BS-2", "curated")]  # fmt: skip
    found = clusters_of(make_data_dir, rows)
    assert {v[0] for v in found.values()} == {"BS-2"}
    assert found["BS-2"][2] == "A;U;G;z-mine;a-other"  # the other datasets by name: mine, other


def test_a_region_decides_for_finer_events_and_a_state_only_for_another_state(make_data_dir):
    kyiv = (50.4547, 30.5238)  # UA-30, 410 km from Kharkiv
    rows = [
        event("A-city", "ACLED"),
        event("U-region", "UCDP", km_north=-40, place="region"),  # also in Kharkiv Oblast: one event
        event("G-elsewhere", "GDELT", point=kyiv, place="region"),  # in another region
        event("C-state", "curated", point=kyiv, place="country"),  # in the state, but a state's event
        event("U-state", "UCDP", km_north=-40, place="country"),  # another state's event: one event
    ]
    found = clusters_of(make_data_dir, rows)
    assert together(found, "A-city", "U-region") and found["A-city"][1] == 2
    assert together(found, "C-state", "U-state") and found["C-state"] == ("C-state", 2, "U-state")
    assert found["G-elsewhere"] == ("G-elsewhere", 1, "")


def test_dedupe_keeps_one_event_per_cluster_by_precedence_among_those_that_match(make_data_dir):
    rows = [
        event("A", "ACLED"),
        event("U", "UCDP"),
        event("G", "GDELT"),
        event("alone", "UCDP", km_north=-50),
    ]
    store = open_store(make_data_dir(rows))

    def kept(**f):
        found = store.fetch(store.matching(EventFilter(dedupe=True, **f)).select("event_id"))
        return sorted(found["event_id"])

    assert store.count(EventFilter()) == 4 and store.count(EventFilter(dedupe=True)) == 2
    assert kept() == ["A", "alone"]
    assert kept(datasets=("UCDP",)) == ["U", "alone"]  # UCDP's member stands for its cluster
    assert kept(datasets=("GDELT",)) == ["G"]


def test_counted_once_within_dates_a_cluster_keeps_its_event_of_those_dates(make_data_dir):
    # ACLED's event (first by precedence) the day before UCDP's: from UCDP's day on, UCDP's stands.
    rows = [event("A", "ACLED"), event("U", "UCDP", day=DAY + ONE)]
    store = open_store(make_data_dir(rows))
    undated = EventFilter(dedupe=True, datasets=("ACLED", "UCDP"))
    dated = EventFilter(dedupe=True, datasets=("ACLED", "UCDP"), date_from=DAY + ONE)
    store.count(undated)  # the undated filter's rows kept first, as the histogram leaves them
    assert sorted(store.fetch(store.narrowed(dated).select("event_id"))["event_id"]) == ["U"]
    assert store.count(dated) == 1 and store.count(undated) == 1


def test_components_are_those_of_a_search_through_the_graph():
    rng = np.random.default_rng(3)
    for nodes, edges in [(1, 0), (10, 3), (200, 150), (1000, 2000)]:
        a, b = rng.integers(0, nodes, edges), rng.integers(0, nodes, edges)
        label = corroboration.components(a, b, nodes)
        neighbours: dict[int, set[int]] = {n: set() for n in range(nodes)}
        for x, y in zip(a.tolist(), b.tolist(), strict=True):
            neighbours[x].add(y)
            neighbours[y].add(x)
        for start in range(nodes):
            seen, todo = {start}, [start]
            while todo:
                for n in neighbours[todo.pop()] - seen:
                    seen.add(n)
                    todo.append(n)
            assert label[start] == min(seen)


def test_a_large_cluster_lists_at_most_so_many_ids(make_data_dir, monkeypatch):
    monkeypatch.setattr(corroboration, "LISTED_MAX", 1)
    found = clusters_of(make_data_dir, [event("G", "GDELT"), event("A", "ACLED"), event("U", "UCDP")])
    assert found == {"A": ("A", 3, "U"), "U": ("A", 3, "A"), "G": ("A", 3, "A")}


def test_exports_carry_the_clusters_and_a_loaded_export_computes_them_again(make_data_dir, tmp_path):
    rows = [event("U", "UCDP"), event("A", "ACLED"), event("alone", "GDELT", km_north=-50)]
    store = open_store(make_data_dir(rows))
    out = tmp_path / "export.csv"
    export_events(store, EventFilter(), out)
    exported = {r["event_id"]: r for r in csv.DictReader(out.open(encoding="utf-8", newline=""))}
    assert list(exported["A"])[-7:-4] == ["corroborated_by", "cluster_id", "cluster_size"]
    assert [exported[i]["corroborated_by"] for i in ("U", "A", "alone")] == ["A", "U", ""]
    assert {exported[i]["cluster_id"] for i in ("U", "A")} == {"A"} and exported["alone"][
        "cluster_size"
    ] == "1"
    export_events(store, EventFilter(dedupe=True), out)  # one row per cluster, naming the rest
    once = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert [(r["event_id"], r["corroborated_by"]) for r in once] == [("A", "U"), ("alone", "")]
    # Read back, edited by hand: the clusters are computed again, never read.
    edited = [dict(r, corroborated_by="X;Y", cluster_id="X", cluster_size="9") for r in exported.values()]
    write_csv_rows(tmp_path / "again.csv", list(edited[0]), edited)
    again = make_data_dir([], name="again")
    shutil.copy(tmp_path / "again.csv", again / "events.csv")
    assert clusters_of_directory(again) == {"U": ("A", 2, "A"), "A": ("A", 2, "U"), "alone": ("alone", 1, "")}


def clusters_of_directory(directory):
    store = open_store(directory)
    found = store.fetch(store.events.select("event_id", "cluster_id", "cluster_size", "corroborated_by"))
    assert store.status.problems == []
    return {r.event_id: (r.cluster_id, r.cluster_size, r.corroborated_by) for r in found.itertuples()}


def test_the_command_line_counts_each_cluster_once_with_dedupe(make_data_dir, tmp_path, capsys):
    from borderstates.cli import main

    rows = [
        event("A", "ACLED"),
        event("U", "UCDP"),
        event("G", "GDELT"),
        event("alone", "UCDP", km_north=-50),
    ]
    events = str(make_data_dir(rows) / "events.csv")
    out = tmp_path / "once.csv"
    assert main(["export", "--events", events, "--dedupe", "-o", str(out)]) == 0
    assert [r["event_id"] for r in csv.DictReader(out.open(encoding="utf-8", newline=""))] == ["A", "alone"]
    assert "2 of 4 events" in capsys.readouterr().err
    period = f"{DAY - dt.timedelta(days=7)}:{DAY - dt.timedelta(days=1)}"
    for dedupe, counted in (([], "UKR,Ukraine,0,4,4,"), (["--dedupe"], "UKR,Ukraine,0,2,2,")):
        assert main(["compare", "--events", events, "--a", period, "--b", f"{DAY}:{DAY}", *dedupe]) == 0
        assert counted in capsys.readouterr().out.splitlines()
    for dedupe, latest in (([], "UKR,Ukraine,4,"), (["--dedupe"], "UKR,Ukraine,2,")):
        assert main(["trends", "--events", events, "--period", "week", "--as-of", "2024-02-18", *dedupe]) == 0
        assert any(line.startswith(latest) for line in capsys.readouterr().out.splitlines())
