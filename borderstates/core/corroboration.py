"""Corroboration: events of different datasets judged to be one event, and the clusters they make.

The rule, written once and run by any engine (an ibis expression): two events of different
datasets are one event when their spans overlap allowing `DAYS_APART` day, their places agree
and their types are compatible.

- **Place**: both `exact` or `city`: the points lie at most `MAX_KM` apart (great circle). One
  `region` and the other `region`, `city` or `exact`: both points lie in the same region (the
  derived `region`, not empty): the coarser decides. Both `country`: both lie in the same state
  (`located_in`, not empty). A `country` event matches no finer one: a state holds too many
  events to say which of them it is (and through it every one of them would be one cluster).
- **Type**: each event has a kind (`kind_of`) and only events of one kind match: `violent` for
  ACLED's sub-event types of Battles, Explosions/Remote violence and Violence against civilians,
  every UCDP event, GDELT's material conflict, and the curated (or an analyst's own) military and
  security material conflict; any other curated event's kind is its relation type and quad class,
  which only another curated-like dataset shares. The sources' other events match nothing.

Of the events that meet the rule, each matches only its best candidate of every other dataset,
and only when it is that one's best too (`_mutually_best`). Matching is transitive: a cluster
is a connected component of the matching pairs. Its representative, whose event id is the
cluster's id, is its first event by `PRECEDENCE` (curated, ACLED, UCDP, GDELT, then the other
datasets by name), then by event id; a cluster of the same events always gets the same id.
Pairs are found by blocking, never by comparing all events with all: events meet only on a
shared day and in neighbouring grid cells (or the same region or state).
"""

from __future__ import annotations

import math

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from borderstates.core.area import EARTH_RADIUS_KM, haversine, within_km
from borderstates.core.contract import (
    CLUSTER_ID,
    CLUSTER_SIZE,
    CORROBORATED_BY,
    DEFAULT_DATASET,
    LOCATED_IN,
    REGION,
    SPAN_END,
)

MAX_KM = 10.0  # two points this close (great circle) are one place
DAYS_APART = 1  # spans this many days apart still overlap
CELL_DEGREES = 0.1  # rows of the blocking grid: 11.1 km of latitude, more than MAX_KM
_POLAR_LATITUDE = 89.0  # beyond, the grid's columns would be too narrow to bound: taken as here
PRECEDENCE = (DEFAULT_DATASET, "ACLED", "UCDP", "GDELT")  # the representative's dataset, first to last
VIOLENT = "violent"
# ACLED's sub-event types under Battles, Explosions/Remote violence and Violence against civilians
# (the codebook's names, compared in lower case): its `source_code`.
ACLED_VIOLENT = frozenset(
    {
        "armed clash", "government regains territory", "non-state actor overtakes territory",
        "chemical weapon", "air/drone strike", "suicide bomb", "shelling/artillery/missile attack",
        "remote explosive/landmine/ied", "grenade",
        "sexual violence", "attack", "abduction/forced disappearance",
    }
)  # fmt: skip
# The relation types of curated events that are violent when they are material conflict.
CURATED_VIOLENT = ("military", "security")
LISTED_MAX = 100  # ids `corroborated_by` names at most (the first by precedence); `cluster_size` counts all
PAIR_COLUMNS = ("a", "a_dataset", "a_year", "b", "b_dataset", "b_year")
_LEVELS = {"region": 1, "country": 2}  # geo precision → how coarse (exact and city: 0)
_SEPARATOR = ";"


def kind_of(events: ir.Table) -> ir.StringValue:
    """Return each event's kind: events match only events of the same kind; null matches nothing."""
    dataset, quad = events["dataset"], events["quad_class"]
    conflict = quad == "material_conflict"
    none = ibis.null("string")
    curated = ibis.ifelse(
        events["relation_type"].isin(CURATED_VIOLENT) & conflict,
        VIOLENT,
        events["relation_type"].concat("/", quad),
    )
    acled = events["source_code"].strip().lower().isin(ACLED_VIOLENT)
    return ibis.cases(
        (dataset == "ACLED", ibis.ifelse(acled, VIOLENT, none)),
        (dataset == "UCDP", ibis.literal(VIOLENT)),
        (dataset == "GDELT", ibis.ifelse(conflict, VIOLENT, none)),
        else_=curated,
    )


def precedence(dataset: ir.StringValue) -> ir.IntegerValue:
    """Return each dataset's place in `PRECEDENCE` (the others after it); ties go by dataset, then id."""
    ranks = ((dataset == name, rank) for rank, name in enumerate(PRECEDENCE))
    return ibis.cases(*ranks, else_=len(PRECEDENCE))


def precedence_of(datasets: pd.Series) -> pd.Series:
    """Return `precedence` of datasets held in a frame."""
    return datasets.map({name: rank for rank, name in enumerate(PRECEDENCE)}).fillna(len(PRECEDENCE))


# --- the pairs -----------------------------------------------------------------------------------


def pairs(events: ir.Table, others: ir.Table | None = None, *, among: bool = True) -> ir.Table:
    """Return the matching pairs of `events`: among them, and with `others`, as `PAIR_COLUMNS`.

    `others` (which hold none of `events`) are matched with `events`, not among themselves;
    `among=False` leaves out the pairs among `events` (of one dataset, they have none). `a` is
    the event of the dataset first by name; each side with its dataset and the year of its
    first day. The events need the columns the rule reads: event_id, dataset, date, span_end,
    relation_type, quad_class, source_code, geo_precision, latitude, longitude, region, located_in.
    """
    mine = _prepared(events)
    sides = [(mine, mine, True)] if among else []
    if others is not None:
        sides.append((mine, _prepared(others), False))
    return _mutually_best(
        ibis.union(
            *(found for lhs, rhs, same in sides for found in _candidates(lhs, rhs, same)), distinct=False
        )
    )


def _candidates(lhs: ir.Table, rhs: ir.Table, same: bool) -> list[ir.Table]:
    """Return the candidate pairs of two sides (the `same` events: each pair once), family by family.

    Each family meets the two sides on a key, `lhs` over the days of its span and `rhs` over its
    span widened by DAYS_APART: they share a day exactly when the spans overlap so.
    """

    def coarse(key: str, mine: ir.BooleanValue, theirs: ir.BooleanValue) -> ir.Table:
        return _met(_days(_known(lhs, key, mine), 0), _days(_known(rhs, key, theirs), 1), (key,), among=same)

    fine = _met(
        _neighbours(_days(lhs.filter(lhs.level == 0), 0)),
        _cell(_days(rhs.filter(rhs.level == 0), 1)),
        ("row", "col"),
        among=same,
        distance=True,
    )
    return [
        fine,
        coarse("region", lhs.level == 1, rhs.level <= 1),  # a region's event and a finer one, or another
        coarse("region", lhs.level == 0, rhs.level == 1),  # a finer event and a region's
        coarse("state", lhs.level == 2, rhs.level == 2),  # two states' events
    ]


def _mutually_best(candidates: ir.Table) -> ir.Table:
    """Return the candidate pairs whose events are each other's best candidate of the other's dataset.

    The best is the closest in time (days between the spans), then in place (km, to the metre),
    then by id. So an event matches at most one event of each other dataset, as in MELTT: the
    events of a busy place on busy days make pairs of their own instead of one chain through
    all of them. An event is always on the side (`a` or `b`) its dataset puts it on, so all its
    candidates of one dataset are one group of that side.
    """
    km = candidates["km"].round(3)
    kept = candidates
    for side, other in (("a", "b"), ("b", "a")):
        # The least of (days, km, id): a group's minimum, far cheaper than ranking in a window.
        closest = ibis.struct({"gap": candidates["gap"], "km": km, "id": candidates[other]})
        best = candidates.group_by([side, f"{other}_dataset"]).aggregate(
            best=candidates[other].argmin(closest)
        )
        kept = kept.semi_join(
            best,
            [
                kept[side] == best[side],
                kept[f"{other}_dataset"] == best[f"{other}_dataset"],
                kept[other] == best["best"],
            ],
        )
    return kept.select(*PAIR_COLUMNS)


def _prepared(events: ir.Table) -> ir.Table:
    """Return what the rule compares of each event that can match at all."""
    level = ibis.cases(*((events["geo_precision"] == name, n) for name, n in _LEVELS.items()), else_=0)
    prepared = events.select(
        event_id=events["event_id"],
        dataset=events["dataset"],
        kind=kind_of(events),
        level=level,
        first=events["date"].epoch_days(),
        last=events[SPAN_END].epoch_days(),
        year=events["date"].year().cast("int64"),
        lat=events["latitude"],
        lon=events["longitude"],
        region=events[REGION],
        state=events[LOCATED_IN],
    )
    return prepared.filter(prepared.kind.notnull())


def _days(events: ir.Table, margin: int) -> ir.Table:
    """Return a row per day of each event's span, widened by `margin` days at both ends."""
    return events.mutate(day=ibis.range(events["first"] - margin, events["last"] + margin + 1).unnest())


def _cell(events: ir.Table) -> ir.Table:
    """Return events with their cell of the blocking grid (`row`, `col`)."""
    return events.mutate(
        row=(events["lat"] / CELL_DEGREES).floor().cast("int64"),
        col=(events["lon"] / CELL_DEGREES).floor().cast("int64"),
    )


def _neighbours(events: ir.Table) -> ir.Table:
    """Return a row per cell that may hold a point within MAX_KM of each event's point.

    The rows above and below (a row is wider than MAX_KM), and as many columns to each side as
    MAX_KM spans at the point's latitude (widened by a row: the other point may lie nearer a pole).
    """
    celled = _cell(events)
    latitude = ibis.least(celled["lat"].abs() + CELL_DEGREES, _POLAR_LATITUDE)
    degrees = math.degrees(MAX_KM / EARTH_RADIUS_KM) / latitude.radians().cos()
    reach = (degrees / CELL_DEGREES).ceil().cast("int64")
    # Spark takes no generator inside an expression: each offset is a column first.
    rows = celled.mutate(step=ibis.range(-1, 2).unnest())
    rows = rows.mutate(row=rows["row"] + rows["step"], step=ibis.range(-reach, reach + 1).unnest())
    return rows.mutate(col=rows["col"] + rows["step"]).drop("step")


def _known(events: ir.Table, key: str, condition: ir.BooleanValue) -> ir.Table:
    """Return the events of a condition whose region or state (`key`) is known."""
    return events.filter((events[key] != "") & condition)


def _met(
    lhs: ir.Table, rhs: ir.Table, keys: tuple[str, ...], *, among: bool, distance: bool = False
) -> ir.Table:
    """Return the candidate pairs of two sides that share a day, a kind and `keys`, of different datasets.

    Each pair once: on the first day the two share (and, `among` the events of one table, in
    one order of the two).
    """
    on = [lhs[k] == rhs[k] for k in ("day", "kind", *keys)]
    joined = lhs.join(rhs, on, lname="", rname="{name}_r")
    once = (joined["dataset"] != joined["dataset_r"]) & (
        joined["day"] == ibis.greatest(joined["first"], joined["first_r"] - DAYS_APART)
    )
    if among:
        once &= joined["event_id"] < joined["event_id_r"]
    if distance:
        once &= within_km(joined["lat"], joined["lon"], joined["lat_r"], joined["lon_r"], MAX_KM)
    joined = joined.filter(once)
    first = joined["dataset"] < joined["dataset_r"]

    def side(mine: str, other: str) -> ir.Value:
        return ibis.ifelse(first, joined[mine], joined[other])

    half = haversine(joined["lat"], joined["lon"], joined["lat_r"], joined["lon_r"])
    return joined.select(
        a=side("event_id", "event_id_r"),
        a_dataset=side("dataset", "dataset_r"),
        a_year=side("year", "year_r"),
        b=side("event_id_r", "event_id"),
        b_dataset=side("dataset_r", "dataset"),
        b_year=side("year_r", "year"),
        gap=ibis.greatest(joined["first"] - joined["last_r"], joined["first_r"] - joined["last"], 0),
        km=2 * EARTH_RADIUS_KM * ibis.least(half.sqrt(), 1.0).asin(),
    )


# --- the clusters --------------------------------------------------------------------------------


def clusters(found: pd.DataFrame) -> pd.DataFrame:
    """Return the clusters the pairs make: a row per event in one, with its dataset and year.

    Columns: event_id, dataset, year, cluster_id, cluster_size and corroborated_by (the others of
    the cluster by precedence, at most `LISTED_MAX`). An event in no pair is a cluster of its own
    and not listed.
    """
    names = ["event_id", "dataset", "year"]
    ends = [found[[side, f"{side}_dataset", f"{side}_year"]].set_axis(names, axis=1) for side in ("a", "b")]
    nodes = pd.concat(ends, ignore_index=True).drop_duplicates("event_id")
    nodes = nodes.assign(rank=precedence_of(nodes["dataset"]))
    nodes = nodes.sort_values(["rank", "dataset", "event_id"], ignore_index=True).drop(columns="rank")
    index = pd.Index(nodes["event_id"])
    label = components(index.get_indexer(found["a"]), index.get_indexer(found["b"]), len(nodes))
    ids = nodes["event_id"].to_numpy(dtype=object)
    return nodes.assign(
        **{
            CLUSTER_ID: ids[label],
            CLUSTER_SIZE: np.bincount(label, minlength=len(nodes))[label].astype("int64"),
            CORROBORATED_BY: _listed(label, ids),
        }
    )


def components(a: np.ndarray, b: np.ndarray, count: int) -> np.ndarray:
    """Return the connected component of each of `count` nodes joined by edges `a`–`b`: its smallest node.

    Union-find over the edges at once: each root is hooked under the smallest root an edge joins
    it to, then every node is pointed at its root (pointer jumping), until no edge joins two roots.
    """
    parent = np.arange(count)
    while True:
        ends_a, ends_b = parent[a], parent[b]
        low, high = np.minimum(ends_a, ends_b), np.maximum(ends_a, ends_b)
        apart = low != high
        if not apart.any():
            return parent
        np.minimum.at(parent, high[apart], low[apart])
        while not np.array_equal(grand := parent[parent], parent):
            parent = grand


def _listed(label: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Return for each node the other nodes of its component, in node order, joined by `;`."""
    order = np.argsort(label, kind="stable")  # nodes are in precedence order: each cluster stays so
    starts = np.flatnonzero(np.r_[True, label[order][1:] != label[order][:-1]])
    listed = np.empty(len(ids), dtype=object)
    for start, stop in zip(starts, [*starts[1:], len(order)], strict=True):
        members = order[start:stop]
        head = ids[members[: LISTED_MAX + 1]].tolist()
        beyond = _SEPARATOR.join(head[:LISTED_MAX])  # what every member after the head lists
        for place, member in enumerate(members):
            others = head[:place] + head[place + 1 :] if place <= LISTED_MAX else None
            listed[member] = beyond if others is None else _SEPARATOR.join(others[:LISTED_MAX])
    return listed


def corroborating_ids(cell: object) -> list[str]:
    """Return the ids a `corroborated_by` cell names."""
    return [item for item in str(cell or "").split(_SEPARATOR) if item]


# --- counted once --------------------------------------------------------------------------------


def counted_once(events: ir.Table) -> ir.Table:
    """Return events with each cluster counted once: of its members among them, the first by precedence.

    Single sources pass as they are, and so does a cluster's representative (its id is the
    cluster's: it is first by precedence among any of its members). Only the members of
    clusters whose representative is not among the events take the window.
    """
    size, is_first = events[CLUSTER_SIZE], events["event_id"] == events[CLUSTER_ID]
    single = events.filter((size <= 1) | is_first)
    firsts = events.filter((size > 1) & is_first).select(first_of=CLUSTER_ID)
    others = events.filter((size > 1) & ~is_first)
    several = others.anti_join(firsts, others[CLUSTER_ID] == firsts["first_of"])
    first = ibis.row_number().over(
        group_by=several[CLUSTER_ID],
        order_by=[precedence(several["dataset"]), several["dataset"], several["event_id"]],
    )
    kept = several.mutate(_first=first).filter(ibis._["_first"] == 0).drop("_first")
    return single.union(kept, distinct=False)
