"""Who relates to whom: event counts per pair of actors, their balance, and a circular layout.

The balance of a set of events is (cooperation − conflict) / (cooperation + conflict), from −1
(conflict only) to +1 (cooperation only); neutral events are counted but weigh on neither side,
so a pair with neutral events only has no balance (NaN).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from borderstates.core.contract import CONFLICT, COOPERATION, NEUTRAL, quad_side

NO_OTHER_SIDE = "(no other side)"  # the column of events without an actor2
DEFAULT_SHOWN = 15  # actors in the matrix and the network unless the reader asks for more


@dataclass(frozen=True)
class Relations:
    """The pairs among the actors shown, and what the choice of actors leaves out.

    `pairs` has a row per (actor1, actor2) with `cooperation`, `conflict`, `neutral`, `events`
    and `balance`; actor2 is `NO_OTHER_SIDE` for events without one. Pairs with an actor outside
    `actors` are left out; `events_shown` says how many events the pairs hold.
    """

    actors: pd.Series  # events per actor shown (either side), most first
    actors_in_data: int
    pairs: pd.DataFrame
    events_shown: int
    total: int


def balance(cooperation: np.ndarray | float, conflict: np.ndarray | float) -> np.ndarray | float:
    """Return (cooperation − conflict) / (cooperation + conflict), NaN where both are 0."""
    cooperation, conflict = np.asarray(cooperation, dtype=float), np.asarray(conflict, dtype=float)
    weighed = cooperation + conflict
    with np.errstate(invalid="ignore", divide="ignore"):
        result = np.where(weighed > 0, (cooperation - conflict) / weighed, np.nan)
    return result if result.ndim else float(result)


def actor_events(events: pd.DataFrame) -> pd.Series:
    """Return how many events each actor takes part in (either side, once per event), most first.

    Ties are broken by name, so that the same data always shows the same actors.
    """
    sides = pd.concat([_as_actor(events, "actor1"), _as_actor(events, "actor2")])
    sides = sides[sides["actor"].str.strip() != ""].drop_duplicates()
    counts = sides.groupby("actor").size().rename("events").reset_index()
    counts = counts.sort_values(["events", "actor"], ascending=[False, True])
    return counts.set_index("actor")["events"]


def _as_actor(events: pd.DataFrame, column: str) -> pd.DataFrame:
    return pd.DataFrame({"event_id": events["event_id"], "actor": events[column].astype("str")})


def actor_relations(events: pd.DataFrame, shown: int = DEFAULT_SHOWN) -> Relations:
    """Count the events of every pair among the `shown` actors with the most events."""
    counts = actor_events(events)
    actors = counts.iloc[:shown]
    frame = pd.DataFrame(
        {
            "actor1": events["actor1"].astype("str"),
            "actor2": events["actor2"].astype("str").str.strip().replace("", NO_OTHER_SIDE),
            "side": quad_side(events["quad_class"]),
        }
    )
    kept = frame["actor1"].isin(actors.index) & frame["actor2"].isin([*actors.index, NO_OTHER_SIDE])
    pairs = (
        frame[kept]
        .groupby(["actor1", "actor2", "side"])
        .size()
        .unstack("side")
        .reindex(columns=[COOPERATION, CONFLICT, NEUTRAL], fill_value=0)
        .fillna(0)
        .astype(int)
        .rename_axis(columns=None)
        .reset_index()
    )
    pairs["events"] = pairs[[COOPERATION, CONFLICT, NEUTRAL]].sum(axis=1)
    pairs["balance"] = balance(pairs[COOPERATION].to_numpy(), pairs[CONFLICT].to_numpy())
    return Relations(actors, len(counts), pairs, int(kept.sum()), len(events))


def network(relations: Relations) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the nodes and edges of the relations, the actors placed on a circle.

    Nodes: `actor`, `events` (all of the actor's events), `x`, `y`. Edges join two different
    actors whichever acted, with the counts of both directions added up, the `balance`, and
    `x`, `y`, `x2`, `y2` to draw them; the edges with most events come last, drawn on top.
    """
    x, y = circle_layout(len(relations.actors))
    nodes = pd.DataFrame(
        {"actor": relations.actors.index, "events": relations.actors.to_numpy(), "x": x, "y": y}
    )
    pairs = relations.pairs
    between = pairs[(pairs["actor2"] != NO_OTHER_SIDE) & (pairs["actor1"] != pairs["actor2"])]
    ends = np.sort(between[["actor1", "actor2"]].to_numpy(dtype=str).reshape(-1, 2), axis=1)
    edges = (
        between[[COOPERATION, CONFLICT, NEUTRAL, "events"]]
        .assign(a=ends[:, 0], b=ends[:, 1])
        .groupby(["a", "b"], as_index=False)
        .sum()
    )
    edges["balance"] = balance(edges[COOPERATION].to_numpy(), edges[CONFLICT].to_numpy())
    position = nodes.set_index("actor")[["x", "y"]]
    edges[["x", "y"]] = position.reindex(edges["a"]).to_numpy()
    edges[["x2", "y2"]] = position.reindex(edges["b"]).to_numpy()
    return nodes, edges.sort_values("events", kind="stable").reset_index(drop=True)


def circle_layout(count: int) -> tuple[np.ndarray, np.ndarray]:
    """Return `count` points on the unit circle, the first at the top, going clockwise."""
    angle = np.pi / 2 - 2 * np.pi * np.arange(count) / max(count, 1)
    return np.round(np.cos(angle), 6), np.round(np.sin(angle), 6)
