"""The oracle: the filter's meaning written in pandas, for tests to compare every engine with.

The project asks every question of a query engine (`borderstates.core.query`); this is the
same filter over a loaded frame, written independently, and is never used outside the tests.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import shapely
from shapely.geometry import Polygon

from borderstates.core import contract
from borderstates.core.area import Area, distance_km
from borderstates.core.contract import SEARCHED_COLUMNS, SPAN_END
from borderstates.core.filters import EventFilter


def filter_events(events: pd.DataFrame, event_filter: EventFilter) -> pd.DataFrame:
    """Return the events that match the filter: the single truth for "which events match".

    An actor matches either side (or only the side `side` names); a date range keeps an event
    whose span (`date` … `span_end`) overlaps it, ends included; countries match where the event
    happened, and with `involving` also the countries of its actors; regions match the region its
    point lies in; text matches
    case-insensitively anywhere in the summary, excerpts, location, tags and actors; with
    `dedupe`, of each cluster of corroborating events (`cluster_ids`) the first by precedence of
    those that match the rest.
    """
    kept = events[match_mask(events, event_filter)]
    return counted_once(kept, cluster_ids(events)) if event_filter.dedupe else kept


def match_mask(events: pd.DataFrame, f: EventFilter) -> np.ndarray:
    """Return a boolean array over `events`: True where the event matches `f`."""
    keep = np.ones(len(events), dtype=bool)
    if f.actors:
        sides = {"any": ("actor1", "actor2"), "actor1": ("actor1",), "actor2": ("actor2",)}[f.side]
        keep &= np.logical_or.reduce([_isin(events[s], f.actors) for s in sides])
    dates = contract.overlaps(
        events["date"],
        events[SPAN_END],
        None if f.date_from is None else pd.Timestamp(f.date_from),
        None if f.date_to is None else pd.Timestamp(f.date_to),
    )
    if dates is not None:
        keep &= dates.to_numpy()
    for column, wanted in (
        ("relation_type", f.relations),
        ("quad_class", f.quads),
        ("status", f.statuses),
        ("geo_precision", f.geo_precisions),
        ("date_precision", f.date_precisions),
        ("dataset", f.datasets),
    ):
        if wanted:
            keep &= _isin(events[column], wanted)
    if f.countries:
        where = ("country", "actor1_country", "actor2_country") if f.involving else ("country",)
        keep &= np.logical_or.reduce([_isin(events[c], f.countries) for c in where])
    if f.regions:  # the region the loader placed the point in
        keep &= _isin(events["region"], f.regions)
    if f.bounds is not None:
        south, west, north, east = f.bounds
        keep &= (
            events["latitude"].between(south, north) & events["longitude"].between(west, east)
        ).to_numpy()
    if f.area is not None:
        keep &= in_area(events, f.area)
    needle = contract.fold_text(f.text.strip())
    if needle:
        keep &= _folded(events).str.contains(needle, regex=False).to_numpy(dtype=bool)
    return keep


def _isin(cells: pd.Series, wanted: tuple[str, ...]) -> np.ndarray:
    """Membership test; on a categorical column it compares small integer codes, not strings."""
    if isinstance(cells.dtype, pd.CategoricalDtype):
        return np.isin(cells.cat.codes.to_numpy(), np.flatnonzero(cells.cat.categories.isin(wanted)))
    return cells.isin(wanted).to_numpy()


def _folded(events: pd.DataFrame) -> pd.Series:
    """The events' searched columns folded as the contract folds them."""
    columns = {c: pa.array(events[c].astype("str").where(events[c].notna(), "")) for c in SEARCHED_COLUMNS}
    return pd.Series(contract.search_text(columns).to_pylist(), index=events.index, dtype="str")


def in_area(events: pd.DataFrame, area: Area) -> np.ndarray:
    """Where each event's point lies in an area: shapely's exact `covers` (boundary included) for
    polygons, the haversine distance for circles, the loader's placing for countries."""
    lat, lon = events["latitude"].to_numpy(dtype=float), events["longitude"].to_numpy(dtype=float)
    points = shapely.points(lon, lat)
    keep = np.zeros(len(events), dtype=bool)
    for rings in area.polygons:
        keep |= shapely.covers(Polygon(rings[0], rings[1:]), points)
    for circle in area.circles:
        keep |= np.array(
            [
                distance_km(circle.lat, circle.lon, a, o) <= circle.radius_km
                for a, o in zip(lat, lon, strict=True)
            ]
        )
    if area.countries:
        keep |= events["located_in"].astype(str).isin(area.countries).to_numpy()
    return keep


# --- corroboration: the same rule, event by event ---------------------------------------------

# ACLED's codebook: the sub-event types of Battles, Explosions/Remote violence, Violence against civilians.
ACLED_VIOLENT_SUB_EVENTS = {
    "armed clash", "government regains territory", "non-state actor overtakes territory", "chemical weapon",
    "air/drone strike", "suicide bomb", "shelling/artillery/missile attack", "remote explosive/landmine/ied",
    "grenade", "sexual violence", "attack", "abduction/forced disappearance",
}  # fmt: skip
PRECEDENCE = ["curated", "ACLED", "UCDP", "GDELT"]


def _kind(event) -> str | None:
    dataset, relation, quad = event["dataset"], event["relation_type"], event["quad_class"]
    if dataset == "ACLED":
        return "violent" if str(event["source_code"]).strip().lower() in ACLED_VIOLENT_SUB_EVENTS else None
    if dataset == "UCDP":
        return "violent"
    if dataset == "GDELT":
        return "violent" if quad == "material_conflict" else None
    if relation in ("military", "security") and quad == "material_conflict":
        return "violent"
    return f"{relation}/{quad}"


def _same_place(x, y) -> bool:
    coarse = {"exact": 0, "city": 0, "region": 1, "country": 2}
    levels = {coarse[x["geo_precision"]], coarse[y["geo_precision"]]}
    if 2 in levels:  # a state's event matches only another state's
        return levels == {2} and x["located_in"] != "" and x["located_in"] == y["located_in"]
    level = max(levels)
    if level == 1:
        return x["region"] != "" and x["region"] == y["region"]
    return distance_km(x["latitude"], x["longitude"], y["latitude"], y["longitude"]) <= 10.0


def same_event(x, y) -> bool:
    """Whether two events (rows) are one event by the corroboration rule."""
    day = pd.Timedelta(days=1)
    return (
        x["dataset"] != y["dataset"]
        and _kind(x) is not None
        and _kind(x) == _kind(y)
        and x["date"] <= y[SPAN_END] + day
        and y["date"] <= x[SPAN_END] + day
        and _same_place(x, y)
    )


def _days_apart(x, y) -> int:
    """Days between two spans (0 when they overlap)."""
    return max((x["date"] - y[SPAN_END]).days, (y["date"] - x[SPAN_END]).days, 0)


def precedence_key(event) -> tuple:
    dataset = str(event["dataset"])
    rank = PRECEDENCE.index(dataset) if dataset in PRECEDENCE else len(PRECEDENCE)
    return (rank, dataset, str(event["event_id"]))


def cluster_ids(events: pd.DataFrame) -> dict[str, str]:
    """Return each event's cluster id: the first by precedence of its connected component.

    Every pair of events is compared; an event matches only its best match of each other dataset,
    and only when it is that one's best too.
    """
    text = ("located_in", "region", "dataset", "geo_precision")
    rows = [{k: (str(v) if k in text else v) for k, v in r.items()} for r in events.to_dict("records")]
    parent = list(range(len(rows)))

    def root(n: int) -> int:
        while parent[n] != n:
            n = parent[n]
        return n

    # Each event's best candidate of each other dataset: the closest in time, then in place, then by id.
    best: dict[tuple[int, str], tuple] = {}
    for i, x in enumerate(rows):
        for j, y in enumerate(rows):
            if i != j and same_event(x, y):
                km = distance_km(x["latitude"], x["longitude"], y["latitude"], y["longitude"])
                key = (_days_apart(x, y), round(km, 3), str(y["event_id"]), j)
                best[(i, y["dataset"])] = min(best.get((i, y["dataset"]), key), key)
    for (i, _), (*_, j) in best.items():
        if best[(j, rows[i]["dataset"])][-1] == i:  # each is the other's best
            parent[root(j)] = root(i)
    members: dict[int, list[dict]] = {}
    for n, row in enumerate(rows):
        members.setdefault(root(n), []).append(row)
    return {
        str(row["event_id"]): str(min(group, key=precedence_key)["event_id"])
        for group in members.values()
        for row in group
    }


def counted_once(events: pd.DataFrame, clusters: dict[str, str]) -> pd.DataFrame:
    """Return the events (already filtered) with each cluster's first event by precedence alone."""
    best: dict[str, tuple] = {}
    for row in events.to_dict("records"):
        cluster = clusters[str(row["event_id"])]
        key = precedence_key(row)
        best[cluster] = min(best.get(cluster, key), key)
    kept = {key[2] for key in best.values()}
    return events[events["event_id"].astype(str).isin(kept)]
