"""Actor relations: the balance, the choice of the top actors, pairs that hold every event."""

import math

import numpy as np
import pandas as pd
import pytest

from borderstates.analysis import relations
from borderstates.analysis.relations import NO_OTHER_SIDE
from borderstates.render import charts


def events(*rows) -> pd.DataFrame:
    """Events with the columns the relations read: (id, actor1, actor2, quad class)."""
    frame = pd.DataFrame(rows, columns=["event_id", "actor1", "actor2", "quad_class"])
    return frame.astype({"actor1": "category", "actor2": "category", "quad_class": "category"})


EVENTS = events(
    ("E-1", "Russia", "Azerbaijan", "verbal_conflict"),
    ("E-2", "Russia", "Azerbaijan", "material_conflict"),
    ("E-3", "Russia", "Azerbaijan", "verbal_cooperation"),
    ("E-4", "Azerbaijan", "Russia", "material_cooperation"),
    ("E-5", "Azerbaijan", "Ukraine", "material_cooperation"),
    ("E-6", "Armenia", "", "neutral"),
    ("E-7", "Armenia", "Georgia", "neutral"),
    ("E-8", "Georgia", "Georgia", "verbal_conflict"),
)


def test_balance_runs_from_conflict_to_cooperation():
    assert relations.balance(0, 3) == -1 and relations.balance(2, 0) == 1
    assert relations.balance(1, 3) == pytest.approx(-0.5)
    assert math.isnan(relations.balance(0, 0))  # neutral events only: no balance
    assert np.allclose(relations.balance(np.array([3, 1]), np.array([1, 1])), [0.5, 0.0])


def test_actors_are_ranked_by_events_once_each_then_by_name():
    counts = relations.actor_events(EVENTS)
    assert counts.to_dict() == {"Azerbaijan": 5, "Russia": 4, "Armenia": 2, "Georgia": 2, "Ukraine": 1}
    top = relations.actor_relations(EVENTS, shown=3).actors
    assert list(top.index) == ["Azerbaijan", "Russia", "Armenia"]  # Armenia before Georgia: by name


def test_pairs_count_each_side_and_their_balance():
    pairs = relations.actor_relations(EVENTS, shown=5).pairs.set_index(["actor1", "actor2"])
    russia = pairs.loc[("Russia", "Azerbaijan")]
    assert (russia["cooperation"], russia["conflict"], russia["neutral"], russia["events"]) == (1, 2, 0, 3)
    assert russia["balance"] == pytest.approx(-1 / 3)
    assert pairs.loc[("Azerbaijan", "Russia"), "balance"] == 1  # the matrix keeps who acted
    assert pairs.loc[("Armenia", NO_OTHER_SIDE), "events"] == 1
    assert math.isnan(pairs.loc[("Armenia", "Georgia"), "balance"])


def test_with_every_actor_shown_the_pairs_hold_every_event():
    shown = relations.actor_relations(EVENTS, shown=50)
    assert shown.events_shown == shown.total == len(EVENTS)
    assert shown.pairs["events"].sum() == len(EVENTS)
    assert shown.actors_in_data == 5


def test_the_top_actors_leave_out_the_pairs_of_the_others_and_say_how_many():
    top = relations.actor_relations(EVENTS, shown=2)
    assert list(top.actors.index) == ["Azerbaijan", "Russia"]
    assert top.events_shown == 4 == top.pairs["events"].sum()  # E-5 involves Ukraine, not shown
    assert set(top.pairs["actor1"]) | set(top.pairs["actor2"]) <= {"Azerbaijan", "Russia", NO_OTHER_SIDE}


def test_the_network_adds_up_both_directions_and_skips_loops():
    nodes, edges = relations.network(relations.actor_relations(EVENTS, shown=5))
    pair = edges[(edges["a"] == "Azerbaijan") & (edges["b"] == "Russia")].iloc[0]
    assert (pair["events"], pair["cooperation"], pair["conflict"]) == (4, 2, 2)
    assert pair["balance"] == 0
    assert not ((edges["a"] == edges["b"]).any())  # Georgia with itself stays in the matrix only
    assert edges["events"].is_monotonic_increasing  # the biggest drawn last, on top
    assert nodes.set_index("actor")["events"].to_dict()["Azerbaijan"] == 5
    assert np.allclose(np.hypot(nodes["x"], nodes["y"]), 1)  # on the unit circle
    start = nodes.set_index("actor").loc["Azerbaijan"]
    assert (start["x"], start["y"]) == pytest.approx((0, 1))  # the busiest at the top


def test_no_events_no_relations():
    empty = relations.actor_relations(EVENTS.iloc[:0])
    assert empty.pairs.empty and empty.events_shown == 0
    nodes, edges = relations.network(empty)
    assert nodes.empty and edges.empty


def test_a_click_in_a_chart_gives_the_actor():
    assert charts.picked_actor({"selection": {charts.PICK: [{"actor": "Russia"}]}}) == "Russia"
    assert charts.picked_actor({"selection": {charts.PICK: []}}) is None
    assert charts.picked_actor({"selection": {}}) is None
    assert charts.picked_actor(None) is None
