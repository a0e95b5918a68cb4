"""Actor relations: the balance, the choice of the top actors, pairs that hold every event.

The counts are the engine's; an independent pandas count over the loaded events, filtered by
the oracle, must give the same answers.
"""

import datetime as dt
import math
import random
import shutil
from collections import Counter

import ibis
import numpy as np
import pytest

from borderstates.analysis import relations
from borderstates.analysis.relations import NO_OTHER_SIDE
from borderstates.core import contract
from borderstates.core.engine import open_store
from borderstates.core.filters import EventFilter
from borderstates.core.load import load_dataset
from borderstates.render import charts

from .conftest import FIXTURES, read_rows, write_csv_rows
from .oracle import filter_events

ALL = EventFilter()

# (id, actor1, actor2, quad class)
EVENTS = (
    ("E-1", "Russia", "Azerbaijan", "verbal_conflict"),
    ("E-2", "Russia", "Azerbaijan", "material_conflict"),
    ("E-3", "Russia", "Azerbaijan", "verbal_cooperation"),
    ("E-4", "Azerbaijan", "Russia", "material_cooperation"),
    ("E-5", "Azerbaijan", "Ukraine", "material_cooperation"),
    ("E-6", "Armenia", "", "neutral"),
    ("E-7", "Armenia", "Georgia", "neutral"),
    ("E-8", "Georgia", "Georgia", "verbal_conflict"),
)


def rows_of(template, events):
    """Valid event rows: the template (a fixture row) with each event's id, actors and quad class."""
    return [
        dict(template, event_id=i, actor1=a1, actor2=a2, quad_class=quad, actor2_country="")
        for i, a1, a2, quad in events
    ]


@pytest.fixture
def store(fixture_rows, make_data_dir):
    """The eight events of `EVENTS` on the engine."""
    opened = open_store(make_data_dir(rows_of(fixture_rows[0], EVENTS)))
    assert opened.status.errors == []
    return opened


def test_balance_runs_from_conflict_to_cooperation():
    assert relations.balance(0, 3) == -1 and relations.balance(2, 0) == 1
    assert relations.balance(1, 3) == pytest.approx(-0.5)
    assert math.isnan(relations.balance(0, 0))  # neutral events only: no balance
    assert np.allclose(relations.balance(np.array([3, 1]), np.array([1, 1])), [0.5, 0.0])


def test_actors_are_ranked_by_events_once_each_then_by_name(store):
    counts = relations.actor_events(store, ALL)
    assert counts.to_dict() == {"Azerbaijan": 5, "Russia": 4, "Armenia": 2, "Georgia": 2, "Ukraine": 1}
    assert list(relations.actor_events(store, ALL, limit=3).index) == ["Azerbaijan", "Russia", "Armenia"]
    assert relations.actor_count(store, ALL) == 5
    top = relations.actor_relations(store, ALL, shown=3).actors
    assert list(top.index) == ["Azerbaijan", "Russia", "Armenia"]  # Armenia before Georgia: by name


def test_the_counts_follow_the_filter(store):
    conflict = EventFilter(quads=("verbal_conflict", "material_conflict"))
    assert relations.actor_events(store, conflict).to_dict() == {"Russia": 2, "Azerbaijan": 2, "Georgia": 1}
    assert relations.actor_count(store, conflict) == 3
    shown = relations.actor_relations(store, conflict, shown=50)
    assert shown.total == 3 == shown.events_shown


def test_pairs_count_each_side_and_their_balance(store):
    pairs = relations.actor_relations(store, ALL, shown=5).pairs.set_index(["actor1", "actor2"])
    russia = pairs.loc[("Russia", "Azerbaijan")]
    assert (russia["cooperation"], russia["conflict"], russia["neutral"], russia["events"]) == (1, 2, 0, 3)
    assert russia["balance"] == pytest.approx(-1 / 3)
    assert pairs.loc[("Azerbaijan", "Russia"), "balance"] == 1  # the matrix keeps who acted
    assert pairs.loc[("Armenia", NO_OTHER_SIDE), "events"] == 1
    assert math.isnan(pairs.loc[("Armenia", "Georgia"), "balance"])


def test_with_every_actor_shown_the_pairs_hold_every_event(store):
    shown = relations.actor_relations(store, ALL, shown=50)
    assert shown.events_shown == shown.total == len(EVENTS)
    assert shown.pairs["events"].sum() == len(EVENTS)
    assert shown.actors_in_data == 5


def test_the_top_actors_leave_out_the_pairs_of_the_others_and_say_how_many(store):
    top = relations.actor_relations(store, ALL, shown=2)
    assert list(top.actors.index) == ["Azerbaijan", "Russia"]
    assert top.events_shown == 4 == top.pairs["events"].sum()  # E-5 involves Ukraine, not shown
    assert set(top.pairs["actor1"]) | set(top.pairs["actor2"]) <= {"Azerbaijan", "Russia", NO_OTHER_SIDE}
    assert (top.actors_in_data, top.total) == (5, len(EVENTS))


def test_the_network_adds_up_both_directions_and_skips_loops(store):
    nodes, edges = relations.network(relations.actor_relations(store, ALL, shown=5))
    pair = edges[(edges["a"] == "Azerbaijan") & (edges["b"] == "Russia")].iloc[0]
    assert (pair["events"], pair["cooperation"], pair["conflict"]) == (4, 2, 2)
    assert pair["balance"] == 0
    assert not ((edges["a"] == edges["b"]).any())  # Georgia with itself stays in the matrix only
    assert edges["events"].is_monotonic_increasing  # the biggest drawn last, on top
    assert nodes.set_index("actor")["events"].to_dict()["Azerbaijan"] == 5
    assert np.allclose(np.hypot(nodes["x"], nodes["y"]), 1)  # on the unit circle
    start = nodes.set_index("actor").loc["Azerbaijan"]
    assert (start["x"], start["y"]) == pytest.approx((0, 1))  # the busiest at the top


def test_no_events_no_relations(store):
    nobody = EventFilter(actors=("Nobody",))
    empty = relations.actor_relations(store, nobody)
    assert empty.pairs.empty and empty.events_shown == 0
    assert (empty.actors_in_data, empty.total, len(empty.actors)) == (0, 0, 0)
    assert list(empty.pairs.columns) == ["actor1", "actor2", *contract.QUAD_SIDES, "events", "balance"]
    assert relations.actor_events(store, nobody).empty and relations.actor_count(store, nobody) == 0
    nodes, edges = relations.network(empty)
    assert nodes.empty and edges.empty


def test_no_actor_shown_still_says_how_many_there_are(store):
    none = relations.actor_relations(store, ALL, shown=0)
    assert none.actors.empty and none.pairs.empty and none.events_shown == 0
    assert (none.actors_in_data, none.total) == (5, len(EVENTS))


def test_a_blank_actor2_is_no_other_side_and_names_are_taken_as_written(fixture_rows, make_data_dir):
    rows = rows_of(
        fixture_rows[0],
        [
            ("B-1", "Russia", "  ", "neutral"),  # white space only: no actor2
            ("B-2", "Russia", "\t", "verbal_conflict"),
            ("B-3", "Russia", "", "verbal_cooperation"),
            ("B-4", "Russia", " Georgia ", "neutral"),  # another name than Georgia
            ("B-5", "Georgia", "Russia", "neutral"),
        ],
    )
    store = open_store(make_data_dir(rows))
    assert relations.actor_events(store, ALL).to_dict() == {"Russia": 5, " Georgia ": 1, "Georgia": 1}
    assert relations.actor_count(store, ALL) == 3
    for shown in (1, 3):
        pairs = relations.actor_relations(store, ALL, shown=shown).pairs.set_index(["actor1", "actor2"])
        alone = pairs.loc[("Russia", NO_OTHER_SIDE)]
        assert (alone["cooperation"], alone["conflict"], alone["neutral"], alone["events"]) == (1, 1, 1, 3)
    every = relations.actor_relations(store, ALL, shown=3)
    assert every.events_shown == every.total == len(rows)


def test_the_answers_are_bounded_by_the_actors_shown(fixture_rows, make_data_dir, monkeypatch):
    # 60 actors: the ranking brings back the top 3, the pairs at most 3 × (3 + 1) × 5 rows.
    rng = random.Random(5)
    names = [f"Actor {n:02d}" for n in range(60)]
    events = [
        (f"N-{n}", rng.choice(names), rng.choice([*names, ""]), rng.choice(contract.QUAD_CLASSES))
        for n in range(600)
    ]
    store = open_store(make_data_dir(rows_of(fixture_rows[0], events)))
    sizes = []
    fetch = store.fetch
    monkeypatch.setattr(store, "fetch", lambda expr: sizes.append(len(answer := fetch(expr))) or answer)
    top = relations.actor_relations(store, ALL, shown=3)
    assert len(top.actors) == 3 and top.actors_in_data == 60
    assert sizes[0] == 3 and 0 < sizes[1] <= 3 * 4 * 5
    assert len(relations.actor_events(store, ALL, limit=4)) == 4 == sizes[2]


class _SparkOptions(ibis.config.Config):
    """The option ibis's Spark backend registers when PySpark is installed."""

    treat_nan_as_null: bool = False


def test_every_question_compiles_for_spark(store, monkeypatch):
    # No PySpark here: the expressions must at least be ones ibis writes as Spark SQL. Its
    # compiler reads an option that only the (absent) Spark backend would register.
    if ibis.options.pyspark is None:
        monkeypatch.setattr(ibis.options, "pyspark", _SparkOptions())
    compiled = []
    for method in ("fetch", "scalar"):
        run = getattr(store, method)

        def checked(expr, run=run):
            compiled.append(ibis.to_sql(expr, dialect="pyspark"))
            return run(expr)

        monkeypatch.setattr(store, method, checked)
    relations.actor_relations(store, EventFilter(quads=("neutral",)))
    relations.actor_count(store, ALL)
    relations.actor_events(store, ALL, limit=2)
    assert len(compiled) == 4  # two for the relations, one each for the count and the actors


def test_a_click_in_a_chart_gives_the_actor():
    assert charts.picked_actor({"selection": {charts.PICK: [{"actor": "Russia"}]}}) == "Russia"
    assert charts.picked_actor({"selection": {charts.PICK: []}}) is None
    assert charts.picked_actor({"selection": {}}) is None
    assert charts.picked_actor(None) is None


# --- the engine against an independent count ----------------------------------------------------

NAMES = (
    "Russia",
    "Azerbaijan",
    "Armenia",
    "Georgia",
    "Ukraine",
    "Turkey",
    "Iran",
    "Ärzte",
    "Zeta",
    " Russia",
)
OTHER = (*NAMES, "", "", "  ")  # a few events without an actor2, one of them written as spaces
WORDS = ("harbour", "border", "pipeline", "embassy")


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """Four hundred varied events: their store, and the events as pandas loads them (read once)."""
    template = read_rows(FIXTURES / "events.csv")[0]
    rng = random.Random(13)
    rows = []
    for n in range(400):
        actor1 = rng.choice(NAMES)
        day = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(5 * 365))
        rows.append(
            dict(
                template,
                event_id=f"M-{n:03d}",
                date=day.isoformat(),
                date_precision="day",
                actor1=actor1,
                actor2=actor1 if rng.random() < 0.1 else rng.choice(OTHER),
                actor2_country="",
                quad_class=rng.choice(contract.QUAD_CLASSES),
                relation_type=rng.choice(contract.RELATION_TYPES),
                country=rng.choice(contract.FOCUS_STATES),
                summary=f"Something happened at the {rng.choice(WORDS)}.",
            )
        )
    directory = tmp_path_factory.mktemp("mixed")
    write_csv_rows(directory / "events.csv", contract.EVENT_COLUMNS, rows)
    shutil.copy(FIXTURES / "articles.csv", directory / "articles.csv")
    store = open_store(directory)
    assert store.status.errors == []
    return store, load_dataset(directory, check_geography=False).events


FILTERS = [
    ALL,
    EventFilter(quads=("verbal_conflict", "material_conflict")),
    EventFilter(actors=("Russia",), side="actor2"),
    EventFilter(actors=("Georgia", "Zeta")),
    EventFilter(date_from=dt.date(2022, 1, 1), date_to=dt.date(2023, 6, 30)),
    EventFilter(countries=("GEO", "ARM"), text="harbour"),
]


def _blank(name: str) -> bool:
    return name.strip(" \t\n\r\v\f") == ""


def _expected_actor_events(events) -> list[tuple[str, int]]:
    """Events per actor counted one event at a time, most first, then by name."""
    counts = Counter()
    for first, second in zip(events["actor1"].astype(str), events["actor2"].astype(str), strict=True):
        counts.update({name for name in (first, second) if not _blank(name)})
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _expected_pairs(events, shown: set[str]) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(cooperation, conflict, neutral) per (actor1, actor2) among the actors shown."""
    pairs: dict[tuple[str, str], list[int]] = {}
    columns = (events[c].astype(str) for c in ("actor1", "actor2", "quad_class"))
    for first, second, quad in zip(*columns, strict=True):
        other = NO_OTHER_SIDE if _blank(second) else second
        if first in shown and (other in shown or other == NO_OTHER_SIDE):
            counts = pairs.setdefault((first, other), [0, 0, 0])
            counts[contract.QUAD_SIDES.index(contract.SIDE_OF_QUAD[quad])] += 1
    return {pair: tuple(counts) for pair, counts in pairs.items()}


@pytest.mark.parametrize("f", FILTERS)
def test_the_actors_are_those_pandas_counts(mixed, f):
    store, events = mixed
    matching = filter_events(events, f)
    assert len(matching) > 0
    expected = _expected_actor_events(matching)
    assert list(relations.actor_events(store, f).items()) == expected
    assert list(relations.actor_events(store, f, limit=4).items()) == expected[:4]
    assert relations.actor_count(store, f) == len(expected)


@pytest.mark.parametrize("f", FILTERS)
@pytest.mark.parametrize("shown", [3, 8, 50])
def test_the_pairs_are_those_pandas_counts(mixed, f, shown):
    store, events = mixed
    matching = filter_events(events, f)
    ranked = _expected_actor_events(matching)
    expected = _expected_pairs(matching, {name for name, _ in ranked[:shown]})
    result = relations.actor_relations(store, f, shown=shown)
    assert list(result.actors.items()) == ranked[:shown]
    assert (result.actors_in_data, result.total) == (len(ranked), len(matching))
    assert result.total == store.count(f)  # counted in the ranking's scan, as the store counts
    pairs = result.pairs
    got = {
        (a1, a2): (c, k, n)
        for a1, a2, c, k, n in pairs[["actor1", "actor2", *contract.QUAD_SIDES]].itertuples(index=False)
    }
    assert got == expected
    assert result.events_shown == sum(sum(counts) for counts in expected.values())
    assert (pairs["events"] == pairs[list(contract.QUAD_SIDES)].sum(axis=1)).all()
    weighed = pairs["cooperation"] + pairs["conflict"]
    assert np.allclose(
        pairs["balance"],
        (pairs["cooperation"] - pairs["conflict"]) / weighed.where(weighed > 0),
        equal_nan=True,
    )
    if shown >= len(ranked):
        assert result.events_shown == len(matching)  # everyone shown: the pairs hold every event


def test_each_actor_is_placed_in_the_region_of_most_of_its_events(tmp_path):
    from borderstates.core.contract import REGION_NAME
    from borderstates.core.engine import open_store as open_data

    rows = read_rows(FIXTURES / "events.csv")
    kyiv, baku = rows[2], rows[1]
    data = tmp_path / "data"
    data.mkdir()
    events = [
        dict(kyiv, event_id="K-1"),
        dict(kyiv, event_id="K-2"),
        dict(baku, event_id="B-1", actor1=kyiv["actor1"], actor2=""),
    ]
    write_csv_rows(data / "events.csv", contract.EVENT_COLUMNS, events)
    shutil.copy(FIXTURES / "articles.csv", data / "articles.csv")
    store = open_data(data)
    names = set(load_dataset(data).events[REGION_NAME].astype(str))
    placed = relations.actor_regions(store, ALL, (kyiv["actor1"], kyiv["actor2"], "Nobody"))
    assert placed == {kyiv["actor1"]: "Kyiv", kyiv["actor2"]: "Kyiv"}
    assert "Kyiv" in names
