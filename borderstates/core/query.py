"""The one filter as a query: an `EventFilter` compiled to one expression that any SQL engine runs.

ibis compiles the expression to DuckDB, Spark, BigQuery and more; the meaning is the data
contract's, and the same as the test oracle's (`tests/oracle.py`): an actor on either side (or
the side chosen), a date span overlapping the range, the vocabularies, the country where it
happened (and with `involving` the actors' countries), the region its point lies in (the
derived `region`), the map's bounds, and text found in
the folded search column (`contract.SEARCH_TEXT`), a plain substring test that every engine
runs alike.
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
import string
from collections.abc import Iterable

import ibis
import ibis.expr.types as ir

from borderstates.core import contract, corroboration
from borderstates.core.area import Area, Circle, Rings, circle_box, ring_box, within_km
from borderstates.core.contract import LOCATED_IN, REGION, SEARCH_TEXT, SPAN_END
from borderstates.core.filters import EventFilter

ARTICLE_FIELDS = ("title", "outlet", "published", "url")  # a first article's, as article_title, …
# The dialects `--show-sql` speaks, by the names analysts know them, and ibis's name of each.
DIALECTS = {"duckdb": "duckdb", "spark": "pyspark", "bigquery": "bigquery"}


def predicate(events: ir.Table, f: EventFilter, hits: ir.Table | None = None) -> ir.BooleanValue | None:
    """Return the condition an event of `events` meets when it matches `f`; None when all match.

    `hits`, when given, holds the ids of the events whose text matches `f.text` (found once by
    `text_hits`): the text test is then a lookup of ids instead of a search through all text.
    """
    conditions: list[ir.BooleanValue] = []
    if f.actors:
        sides = {"any": ("actor1", "actor2"), "actor1": ("actor1",), "actor2": ("actor2",)}[f.side]
        conditions.append(_any(events[side].isin(f.actors) for side in sides))
    dates = contract.overlaps(events["date"], events[SPAN_END], f.date_from, f.date_to)
    if dates is not None:
        conditions.append(dates)
    for column, wanted in (
        ("relation_type", f.relations),
        ("quad_class", f.quads),
        ("status", f.statuses),
        ("geo_precision", f.geo_precisions),
        ("date_precision", f.date_precisions),
        ("dataset", f.datasets),
    ):
        if wanted:
            conditions.append(events[column].isin(wanted))
    if f.countries:
        where = ("country", "actor1_country", "actor2_country") if f.involving else ("country",)
        conditions.append(_any(events[column].isin(f.countries) for column in where))
    if f.regions:
        conditions.append(events[REGION].isin(f.regions))
    if f.area is not None:
        conditions.append(in_area(events, f.area))
    if f.bounds is not None:
        south, west, north, east = f.bounds
        conditions.append(events["latitude"].between(south, north) & events["longitude"].between(west, east))
    if hits is not None:
        conditions.append(events["event_id"].isin(hits["event_id"]))
    elif needle := contract.fold_text(f.text.strip()):
        conditions.append(events[SEARCH_TEXT].contains(needle))
    return functools.reduce(operator.and_, conditions) if conditions else None


def matching(events: ir.Table, f: EventFilter, hits: ir.Table | None = None) -> ir.Table:
    """Return the events that match `f`, as a table expression (`hits`: see `predicate`).

    With `f.dedupe`, of each cluster of corroborating events only the first (by precedence) of
    those that match the rest of the filter is kept (`corroboration.counted_once`).
    """
    condition = predicate(events, f, hits)
    kept = events if condition is None else events.filter(condition)
    return corroboration.counted_once(kept) if f.dedupe else kept


def text_hits(events: ir.Table, needle: str) -> ir.Table:
    """Return the ids of the events whose folded text holds a (folded) needle."""
    return events.filter(events[SEARCH_TEXT].contains(needle)).select("event_id")


def in_area(events: ir.Table, area: Area) -> ir.BooleanValue:
    """Return the condition of an event whose point lies in an area, boundary included.

    Each shape is tested only where its bounding box lets a point through: a polygon by the
    crossings of a ray with the edges of all its rings (or the point lying on one of them), a
    circle by the great-circle distance (haversine, compared without its arcsine), a country
    by the state the loader placed the event in.
    """
    lat, lon = events["latitude"], events["longitude"]
    shapes: list[ir.BooleanValue] = []
    for rings in area.polygons:
        shapes.append(_boxed(lat, lon, ring_box(rings[0]), _in_polygon(lat, lon, rings)))
    for circle in area.circles:
        shapes.append(_boxed(lat, lon, circle_box(circle), _in_circle(lat, lon, circle)))
    if area.countries:
        shapes.append(events[LOCATED_IN].isin(area.countries))
    return _any(shapes) if shapes else ibis.literal(False)


def _boxed(
    lat: ir.FloatingValue,
    lon: ir.FloatingValue,
    box: tuple[float, float, float, float],
    test: ir.BooleanValue,
) -> ir.BooleanValue:
    """Return where a point lies in a box (south, west, north, east) and passes `test`.

    A box whose west end lies east of its east end crosses the antimeridian (`area.circle_box`).
    """
    south, west, north, east = box
    across = lon.between(west, east) if west <= east else (lon >= west) | (lon <= east)
    return lat.between(south, north) & across & test


_EDGE_TOLERANCE = 1e-9  # degrees (about 0.1 mm): a point this close to an edge lies on it


# A polygon's edges, of its outline and its holes alike, travel as one array literal and are
# tested by one lambda over it (DuckDB's list_transform, Spark's transform): an expression of
# constant size, however many vertices the polygon has (one term per edge took longer to build
# and compile than to run). The crossings are counted over all its rings together, even-odd:
# in a valid polygon a hole's crossings cancel the outline's, and one lambda a polygon, not two
# a ring, is what keeps the SQL of an area with holes short.
_CROSSING = "array<struct<x1: float64, y1: float64, low: float64, high: float64, slope: float64>>"
_EDGE = (
    "array<struct<x1: float64, y1: float64, dx: float64, dy: float64, length: float64, "
    "west: float64, east: float64, south: float64, north: float64>>"
)


def _in_polygon(lat: ir.FloatingValue, lon: ir.FloatingValue, rings: Rings) -> ir.BooleanValue:
    """Return whether points lie inside a valid polygon or on its edges (crossing number, edges as drawn)."""
    sloped = [  # a level edge is crossed by no level ray
        {"x1": x1, "y1": y1, "low": min(y1, y2), "high": max(y1, y2), "slope": (x2 - x1) / (y2 - y1)}
        for ring in rings
        for (x1, y1), (x2, y2) in itertools.pairwise(ring)
        if y1 != y2
    ]
    if not sloped:
        return _on_rings(lat, lon, rings)
    crossings = (
        ibis.literal(sloped, type=_CROSSING)
        .map(lambda e: ((lat > e.low) & (lat <= e.high) & (lon < e.x1 + (lat - e.y1) * e.slope)).ifelse(1, 0))
        .sums()
    )
    return (crossings % 2 == 1) | _on_rings(lat, lon, rings)


def _on_rings(lat: ir.FloatingValue, lon: ir.FloatingValue, rings: Rings) -> ir.BooleanValue:
    """Return whether points lie on one of the rings' edges (within `_EDGE_TOLERANCE`)."""
    edges = [
        {
            "x1": x1, "y1": y1, "dx": x2 - x1, "dy": y2 - y1, "length": math.hypot(x2 - x1, y2 - y1),
            "west": min(x1, x2) - _EDGE_TOLERANCE, "east": max(x1, x2) + _EDGE_TOLERANCE,
            "south": min(y1, y2) - _EDGE_TOLERANCE, "north": max(y1, y2) + _EDGE_TOLERANCE,
        }
        for ring in rings
        for (x1, y1), (x2, y2) in itertools.pairwise(ring)
        if (x1, y1) != (x2, y2)
    ]  # fmt: skip
    if not edges:
        return ibis.literal(False)
    return (
        ibis.literal(edges, type=_EDGE)
        .map(
            lambda e: (
                lon.between(e.west, e.east)
                & lat.between(e.south, e.north)
                & ((e.dx * (lat - e.y1) - e.dy * (lon - e.x1)).abs() / e.length <= _EDGE_TOLERANCE)
            )
        )
        .anys()
    )


def _in_circle(lat: ir.FloatingValue, lon: ir.FloatingValue, circle: Circle) -> ir.BooleanValue:
    """Return whether points lie within a circle's great-circle radius (haversine, as `area.distance_km`)."""
    return within_km(lat, lon, circle.lat, circle.lon, circle.radius_km)


def first_article(article_id: ir.StringValue) -> ir.StringValue:
    """Return an event's first article id, the one its excerpt quotes (`contract.first_article`).

    Most cells name one article and nothing else: they are taken as they stand, and only the
    others are split and trimmed (trimming with a character set is slow on DuckDB).
    """
    split = article_id.split(contract.ARTICLE_ID_SEPARATOR)[0].strip()
    return ibis.ifelse(_untidy(article_id), split, article_id)


def citations(events: ir.Table) -> ir.Table:
    """Return a row per (event, article it cites): `event_id`, `article_id` (`contract.article_ids`).

    Cells that name one bare article are taken as they stand; only the others are split and trimmed.
    """
    untidy = _untidy(events["article_id"])
    tidy = events.filter(~untidy & (events["article_id"] != "")).select("event_id", "article_id")
    several = events.filter(untidy)
    items = several["article_id"].split(contract.ARTICLE_ID_SEPARATOR).unnest()
    cited = several.select("event_id", article_id=items)
    split = cited.mutate(article_id=cited["article_id"].strip()).filter(cited["article_id"].strip() != "")
    return tidy.union(split, distinct=False)


def _untidy(cells: ir.StringValue) -> ir.BooleanValue:
    """Return where an `article_id` cell is more than one bare id: several ids, or white space."""
    # One `contains` a character is a fast byte search, far cheaper than splitting or trimming.
    return _any([cells.contains(c) for c in contract.ARTICLE_ID_SEPARATOR + string.whitespace])


def with_first_article(events: ir.Table, articles: ir.Table) -> ir.Table:
    """Return events with the fields of their first article (`article_title`, …), "" where none."""
    fields = articles.select(
        "article_id", **{f"article_{name}": articles[name] for name in ARTICLE_FIELDS}
    ).distinct(on="article_id")
    keyed = events.mutate(first_article=first_article(events["article_id"]))
    joined = keyed.left_join(fields, keyed["first_article"] == fields["article_id"])
    return joined.mutate(
        **{f"article_{name}": joined[f"article_{name}"].fill_null("") for name in ARTICLE_FIELDS}
    ).drop("first_article", "article_id_right")


def to_sql(events: ir.Table, f: EventFilter, dialect: str) -> str:
    """Return the SQL that selects the events matching `f`, in one of `DIALECTS`."""
    if dialect not in DIALECTS:
        raise ValueError(f"dialect must be one of {', '.join(DIALECTS)}, not {dialect!r}")
    if dialect == "spark":
        try:  # ibis's Spark compiler reads options that its PySpark backend registers
            _ = ibis.pyspark
        except ImportError:
            raise ValueError("the spark dialect needs PySpark: pip install 'borderstates[spark]'") from None
    return str(ibis.to_sql(matching(events, f), dialect=DIALECTS[dialect]))


def _any(conditions: Iterable[ir.BooleanValue]) -> ir.BooleanValue:
    return functools.reduce(operator.or_, conditions)
