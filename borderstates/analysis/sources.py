"""What the sources say of one event: the others that report it, and where they disagree."""

from __future__ import annotations

import functools
import operator
from dataclasses import replace

import ibis
import pandas as pd

from borderstates.core import corroboration
from borderstates.core.contract import CLUSTER_ID, CLUSTER_SIZE
from borderstates.core.engine import Store
from borderstates.core.filters import EventFilter

UNKNOWN_ACTORS = ("", "(unnamed)")  # an actor no source names: no disagreement
COMPARED = ("fatalities", "actor1", "actor2")
DISAGREEMENT_COLUMNS = ("event_id", "sources", "disagree_on", "fatalities", "actors")


def corroborating(store: Store, event: dict[str, object]) -> pd.DataFrame:
    """Return the other events of an event's cluster (`event_id`, `dataset`), by precedence.

    At most `corroboration.LISTED_MAX` of them; the event's `cluster_size` counts them all.
    """
    if int(event.get(CLUSTER_SIZE) or 1) <= 1:  # type: ignore[call-overload]
        return pd.DataFrame({"event_id": [], "dataset": []}, dtype="str")
    events = store.events
    others = events.filter(
        (events[CLUSTER_ID] == str(event[CLUSTER_ID])) & (events["event_id"] != event["event_id"])
    )
    ranked = others.order_by(
        [corroboration.precedence(others["dataset"]), others["dataset"], others["event_id"]]
    )
    return store.fetch(ranked.select("event_id", "dataset").limit(corroboration.LISTED_MAX))


def disagreements(store: Store, f: EventFilter, limit: int) -> tuple[pd.DataFrame, int]:
    """Return the clusters whose sources disagree on the fatalities or the actors, and how many.

    Among the events that match `f` (each of them, whether or not it is counted once): a cluster
    disagrees when its events give more than one number of fatalities, or more than one actor on
    a side (an unnamed actor or none given is no disagreement). One row per cluster, the first
    `limit` by its representative's id (`event_id`), with each source's value.
    """
    events = store.matching(replace(f, dedupe=False))
    several = events.filter(events[CLUSTER_SIZE] > 1)
    named = {
        side: ibis.ifelse(several[side].isin(UNKNOWN_ACTORS), ibis.null("string"), several[side])
        for side in ("actor1", "actor2")
    }
    counts = several.group_by(CLUSTER_ID).aggregate(
        fatalities=several["fatalities"].nunique(), **{side: value.nunique() for side, value in named.items()}
    )
    disagreeing = counts.filter(functools.reduce(operator.or_, [counts[c] > 1 for c in COMPARED]))
    count = int(store.scalar(disagreeing.count()))
    if count == 0:
        return pd.DataFrame(columns=list(DISAGREEMENT_COLUMNS)), 0
    first = disagreeing.order_by(CLUSTER_ID).limit(limit)
    on = first.select(
        CLUSTER_ID,
        on_fatalities=first["fatalities"] > 1,
        on_actors=(first["actor1"] > 1) | (first["actor2"] > 1),
    )
    members = several.inner_join(on, CLUSTER_ID)
    columns = [
        CLUSTER_ID,
        "event_id",
        "dataset",
        "fatalities",
        "actor1",
        "actor2",
        "on_fatalities",
        "on_actors",
    ]
    rows = store.fetch(members.select(*columns, rank=corroboration.precedence(members["dataset"])))
    rows = rows.sort_values([CLUSTER_ID, "rank", "dataset", "event_id"])
    described = [_described(str(cluster), group) for cluster, group in rows.groupby(CLUSTER_ID, sort=True)]
    return pd.DataFrame(described, columns=list(DISAGREEMENT_COLUMNS)), count


def _described(cluster: str, members: pd.DataFrame) -> dict[str, str]:
    """Return one disagreeing cluster as a row: its sources, what they disagree on, each one's values."""

    def each(values: pd.Series) -> str:
        return " · ".join(
            f"{event_id}: {value}" for event_id, value in zip(members["event_id"], values, strict=True)
        )

    fatalities = members["fatalities"].map(lambda n: "—" if pd.isna(n) else str(int(n)))
    actors = [
        f"{a1} → {a2}" if a2 else str(a1) for a1, a2 in zip(members["actor1"], members["actor2"], strict=True)
    ]
    on = [
        name
        for name, flag in (("fatalities", "on_fatalities"), ("actors", "on_actors"))
        if members[flag].any()
    ]
    return {
        "event_id": cluster,
        "sources": ", ".join(dict.fromkeys(members["dataset"])),
        "disagree_on": " and ".join(on),
        "fatalities": each(fatalities),
        "actors": each(pd.Series(actors)),
    }
