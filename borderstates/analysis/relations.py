"""Who relates to whom: event counts per pair of actors, their balance, and a circular layout.

The balance of a set of events is (cooperation − conflict) / (cooperation + conflict), from −1
(conflict only) to +1 (cooperation only); neutral events are counted but weigh on neither side,
so a pair with neutral events only has no balance (NaN).

The counting is the engine's: it ranks the actors of the filtered events and groups the events
among the few actors shown, so that only a bounded answer comes back however many events and
actor names the data holds. An actor name is taken as written; a cell of white space only is
no actor (an event without an actor2 has `NO_OTHER_SIDE` in the matrix).
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from borderstates.core.contract import CONFLICT, COOPERATION, NEUTRAL, QUAD_SIDES, REGION_NAME, quad_side
from borderstates.core.engine import Store
from borderstates.core.filters import EventFilter

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


def actor_events(store: Store, f: EventFilter, limit: int | None = None) -> pd.Series:
    """Return how many of the filtered events each actor takes part in, most first.

    An actor counts an event once, whichever side it is on, and once when it is on both.

    Parameters
    ----------
    store
        The engine that holds the events.
    f
        Which events count.
    limit
        At most this many actors, those with most events; None for every actor (at tens of
        thousands of names, ask for a limit).

    Returns
    -------
    pd.Series
        Events per actor, indexed by `actor`, named `events`; ties are broken by name, so that
        the same data always shows the same actors.

    """
    ranked = store.fetch(_ranked(store.matching(f), limit))
    return _as_series(ranked[~ranked["blank"]])


def actor_count(store: Store, f: EventFilter) -> int:
    """Return how many distinct actors the filtered events name, on either side."""
    counts = _counts(store.matching(f))
    return int(store.scalar(counts["blank"].ifelse(0, 1).sum()) or 0)  # no events: NULL


def actor_relations(store: Store, f: EventFilter, shown: int = DEFAULT_SHOWN) -> Relations:
    """Count the filtered events of every pair among the `shown` actors with the most events.

    Two questions to the engine, each with a small answer: the top `shown` actors with the
    number of all actors and of the filtered events (`store.count(f)`, from the same scan),
    then the events among those actors grouped by (actor1, actor2, quad class), at most
    shown × (shown + 1) × 5 rows (one more column per actor2 written as white space only).

    Parameters
    ----------
    store
        The engine that holds the events.
    f
        Which events count.
    shown
        How many actors, those with most events (`actor_events`' order), the pairs are among.

    Returns
    -------
    Relations
        The actors shown, the pairs among them, and what they leave out.

    """
    events = store.matching(f)
    # One row at least, so that `shown` = 0 still learns how many actors there are.
    ranked = store.fetch(_ranked(events, max(shown, 1)))
    actors_in_data, total = (int(ranked[c].iloc[0]) for c in ("actors", "total")) if len(ranked) else (0, 0)
    actors = _as_series(ranked[~ranked["blank"]].iloc[: max(shown, 0)])
    blanks = list(ranked.loc[ranked["blank"], "actor"])
    pairs = _pairs(store, events, list(actors.index), blanks)
    return Relations(actors, actors_in_data, pairs, int(pairs["events"].sum()), total)


def actor_regions(store: Store, f: EventFilter, actors: tuple[str, ...]) -> dict[str, str]:
    """Return the region (its name) where each of `actors` has most filtered events, either side.

    One grouped question, a row per actor and region; events in no region are not counted, and
    ties go to the first region by name. An actor without events in any region is left out.
    """
    if not actors:
        return {}
    events = store.matching(f).filter(ibis._[REGION_NAME] != "")
    sides = [events.select(actor=events[side], region=events[REGION_NAME]) for side in ("actor1", "actor2")]
    acting = ibis.union(*sides, distinct=False)
    counts = store.fetch(
        acting.filter(acting["actor"].isin(actors))
        .group_by("actor", "region")
        .aggregate(events=ibis._.count())
    )
    top = counts.sort_values(["actor", "events", "region"], ascending=[True, False, True]).drop_duplicates(
        "actor"
    )
    return dict(zip(top["actor"], top["region"], strict=True))


def _counts(events: ir.Table) -> ir.Table:
    """Return `actor`, its `events` and how many it is `acting` in, for every name, and if it is `blank`.

    A name counts an event once: actor2 only where it is not actor1 again; every event has one
    actor1, so the `acting` of all names add up to the number of events. A blank name (white
    space only) is marked on the grouped names, not filtered out of the rows: DuckDB pushes a
    filter on a grouping key down to the rows, and trimming every row costs more than the
    whole count. The plain empty actor2 is left out at once, which is cheap.
    """
    first = events.select(actor=events["actor1"], acting=ibis.literal(1))
    other = events.filter(events["actor2"] != events["actor1"], events["actor2"] != "")
    sides = first.union(other.select(actor=other["actor2"], acting=ibis.literal(0)), distinct=False)
    counts = sides.group_by("actor").aggregate(events=ibis._.count(), acting=ibis._.acting.sum())
    return counts.mutate(blank=counts["actor"].strip() == "")


def _ranked(events: ir.Table, limit: int | None) -> ir.Table:
    """Return the names of `_counts`, most events first then by name, with `actors` and `total`.

    `actors` counts the names that are not blank, `total` the events. With a `limit`, only
    that many names come back, and every blank name (in practice a few), which the pairs need
    to find the events without an actor2.
    """
    counts = _counts(events)
    everything = ibis.window()  # over every name, before the limit
    ranked = counts.mutate(
        actors=counts["blank"].ifelse(0, 1).sum().over(everything),
        total=counts["acting"].sum().over(everything),
    )
    if limit is not None:
        place = ibis.row_number().over(
            group_by=ranked["blank"], order_by=[ibis.desc(ranked["events"]), ranked["actor"]]
        )
        ranked = ranked.mutate(place=place)
        ranked = ranked.filter(ranked["blank"] | (ranked["place"] < limit)).drop("place")  # from 0
    return ranked.order_by([ibis.desc("events"), "actor"])


def _pairs(store: Store, events: ir.Table, names: list[str], blanks: list[str]) -> pd.DataFrame:
    """Return the pairs among `names` with their counts per side, `events` and `balance`.

    `blanks` are the blank names of actor2 that the events hold beside "": their events are
    those without an actor2. A plain `isin` on both sides lets the engine match by hash.
    """
    if not names:  # nothing to ask: an empty list is no portable `isin`
        counts = pd.DataFrame(columns=["actor1", "actor2", *QUAD_SIDES]).astype(
            dict.fromkeys(QUAD_SIDES, int)
        )
    else:
        alone = ["", *blanks]
        among = events.filter(events["actor1"].isin(names), events["actor2"].isin([*names, *alone]))
        answer = store.fetch(among.group_by("actor1", "actor2", "quad_class").aggregate(count=ibis._.count()))
        answer["actor2"] = answer["actor2"].where(~answer["actor2"].isin(alone), NO_OTHER_SIDE)
        answer["side"] = quad_side(answer["quad_class"])
        counts = (
            answer.pivot_table(index=["actor1", "actor2"], columns="side", values="count", aggfunc="sum")
            .reindex(columns=list(QUAD_SIDES))
            .fillna(0)
            .astype(int)
            .rename_axis(columns=None)
            .reset_index()
        )
    counts["events"] = counts[list(QUAD_SIDES)].sum(axis=1)
    counts["balance"] = balance(counts[COOPERATION].to_numpy(), counts[CONFLICT].to_numpy())
    return counts


def _as_series(ranked: pd.DataFrame) -> pd.Series:
    """Return the `actor`, `events` rows of a ranking as events per actor."""
    return pd.Series(
        ranked["events"].to_numpy(dtype="int64"),
        index=pd.Index(ranked["actor"].astype("str"), name="actor"),
        name="events",
    )


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
