"""Areas: drawn shapes filter the events exactly, on the engine as in the oracle, and travel in links."""

from __future__ import annotations

import json
import math
import re

import pytest

from borderstates.app import areaform
from borderstates.core import area as areas
from borderstates.core import arealink, savedareas
from borderstates.core.area import EARTH_RADIUS_KM, Area, AreaError, Circle
from borderstates.core.engine import open_store
from borderstates.core.filters import EventFilter
from borderstates.core.load import load_dataset
from tests.oracle import filter_events

# A square around Kyiv with a square hole, corners at round coordinates.
OUTLINE = ((30.0, 50.0), (31.0, 50.0), (31.0, 51.0), (30.0, 51.0), (30.0, 50.0))
HOLE = ((30.4, 50.4), (30.4, 50.6), (30.6, 50.6), (30.6, 50.4), (30.4, 50.4))
SQUARE_WITH_HOLE = Area(polygons=((OUTLINE, HOLE),))
EPS = 1e-6  # degrees: about 10 cm, well outside the edge tolerance and inside the map's precision
POINTS = {
    # name: (lat, lon, inside)
    "centre of the hole": (50.5, 30.5, False),
    "on the hole's edge": (50.4, 30.5, True),
    "just inside the hole": (50.4 + EPS, 30.5, False),
    "just outside the hole": (50.4 - EPS, 30.5, True),
    "on the outline": (50.0, 30.25, True),
    "a corner": (51.0, 31.0, True),
    "just inside the outline": (50.0 + EPS, 30.25, True),
    "just outside the outline": (50.0 - EPS, 30.25, False),
    "just east of the outline": (50.75, 31.0 + EPS, False),
    "inside, away from edges": (50.2, 30.2, True),
}
# A triangle with a slanted edge: a point on it, and points a hair to either side.
TRIANGLE = Area(polygons=((((44.0, 40.0), (46.0, 40.0), (44.0, 42.0), (44.0, 40.0)),),))
SLANTED = {"on the slanted edge": (41.0, 45.0, True), "just inside it": (41.0 - EPS, 45.0, True),
           "just outside it": (41.0 + EPS, 45.0 + EPS, False)}  # fmt: skip


def _rows(fixture_rows, points):
    return [
        dict(fixture_rows[0], event_id=f"P-{n}", latitude=repr(lat), longitude=repr(lon), country="UKR")
        for n, (lat, lon, _) in enumerate(points.values())
    ]


def _hits(store, area):
    return set(store.fetch(store.matching(EventFilter(area=area)).select("event_id"))["event_id"])


@pytest.mark.parametrize(("area", "points"), [(SQUARE_WITH_HOLE, POINTS), (TRIANGLE, SLANTED)])
def test_points_on_inside_and_outside_edges_and_holes(area, points, fixture_rows, make_data_dir):
    directory = make_data_dir(_rows(fixture_rows, points))
    hits = _hits(open_store(directory), area)
    for n, (name, (_, _, inside)) in enumerate(points.items()):
        assert (f"P-{n}" in hits) is inside, name
    events = load_dataset(directory).events
    assert hits == set(filter_events(events, EventFilter(area=area))["event_id"])  # the oracle agrees


def test_a_circle_holds_the_points_within_its_great_circle_radius(fixture_rows, make_data_dir):
    centre = Circle(46.4857, 30.7438, 50.0)  # 50 km round Odesa
    degree_km = EARTH_RADIUS_KM * math.pi / 180  # one degree of latitude on the sphere
    points = {
        "49.9 km north": (centre.lat + 49.9 / degree_km, centre.lon, True),
        "50.1 km north": (centre.lat + 50.1 / degree_km, centre.lon, False),
        "49.9 km east": (_east(centre, 49.9), True),
        "50.1 km east": (_east(centre, 50.1), False),
    }
    points = {k: (v[0][0], v[0][1], v[1]) if isinstance(v[0], tuple) else v for k, v in points.items()}
    for lat, lon, inside in points.values():
        assert (areas.distance_km(centre.lat, centre.lon, lat, lon) <= 50.0) is inside
    # A degree-radius circle would be wrong east-west: 50 km is 0.45° of latitude but 0.65° of longitude.
    assert points["49.9 km east"][1] - centre.lon > 0.6
    directory = make_data_dir(_rows(fixture_rows, points))
    hits = _hits(open_store(directory), Area(circles=(centre,)))
    assert hits == {f"P-{n}" for n, (_, _, inside) in enumerate(points.values()) if inside}


def test_a_circle_across_the_antimeridian_holds_the_points_on_both_sides(fixture_rows, make_data_dir):
    centre = Circle(65.0, 179.8, 50.0)  # in Chukotka, 50 km either side of 180°
    points = {
        "14 km east, across 180°": (65.0, -179.9, True),
        "14 km west": (65.0, 179.5, True),
        "61 km east, across 180°": (65.0, -178.5, False),
    }
    for lat, lon, inside in points.values():
        assert (areas.distance_km(centre.lat, centre.lon, lat, lon) <= centre.radius_km) is inside
    rows = [dict(row, country="RUS") for row in _rows(fixture_rows, points)]
    directory = make_data_dir(rows)
    area = Area(circles=(centre,))
    hits = _hits(open_store(directory), area)
    assert hits == {f"P-{n}" for n, (_, _, inside) in enumerate(points.values()) if inside}
    assert hits == set(filter_events(load_dataset(directory).events, EventFilter(area=area))["event_id"])


def _east(circle: Circle, km: float) -> tuple[float, float]:
    """The point `km` due east of a circle's centre along its great circle's start (haversine inverse)."""
    phi = math.radians(circle.lat)
    dlon = 2 * math.asin(math.sin(km / (2 * EARTH_RADIUS_KM)) / math.cos(phi))
    return circle.lat, circle.lon + math.degrees(dlon)


def test_overlapping_shapes_count_each_event_once(fixture_rows, make_data_dir):
    rows = _rows(fixture_rows, POINTS)
    store = open_store(make_data_dir(rows))
    one = Area(polygons=((OUTLINE,),))
    twice = Area(polygons=((OUTLINE,), (OUTLINE,)), circles=(Circle(50.5, 30.5, 30.0),))
    assert (
        store.count(EventFilter(area=twice)) == store.count(EventFilter(area=one)) == len(_hits(store, one))
    )


def test_a_link_carries_the_area_and_refuses_one_too_long():
    ring = tuple(
        (30.0 + math.cos(a) * 0.5, 50.0 + math.sin(a) * 0.5)
        for a in [i * 2 * math.pi / 50 for i in range(50)]
    )
    polygon = Area(polygons=((ring + ring[:1],),), circles=(Circle(46.4857, 30.7438, 50.0),))
    text = arealink.encode(areas.from_geojson(polygon.to_geojson()))
    assert len(text) < 1_000  # a 50-vertex polygon and a circle fit in any browser's link
    again = arealink.decode(text)
    assert len(again.polygons[0][0]) == 51 and again.circles == polygon.circles
    for (x1, y1), (x2, y2) in zip(sorted(again.polygons[0][0]), sorted(ring + ring[:1]), strict=True):
        assert abs(x1 - x2) <= 1e-5 and abs(y1 - y2) <= 1e-5
    with pytest.raises(AreaError, match="at most 2,000"):
        arealink.decode("p" + "?" * 3_000)
    for broken in ("x123", "p", "c1,2", "p\x00"):
        with pytest.raises(AreaError):
            arealink.decode(broken)


def test_a_polygon_that_crosses_itself_is_repaired_and_says_so():
    bowtie = {"type": "Polygon", "coordinates": [[[30, 50], [31, 51], [31, 50], [30, 51], [30, 50]]]}
    area = areas.from_geojson(bowtie)
    assert area.repaired and len(area.polygons) == 2  # two triangles meeting at a point


def test_shapes_across_the_antimeridian_or_round_a_pole_do_not_crash(fixture_rows, make_data_dir):
    store = open_store(make_data_dir(fixture_rows))
    across = areas.from_geojson(
        {"type": "Polygon", "coordinates": [[[179, 60], [-179, 60], [-179, 61], [179, 61], [179, 60]]]}
    )
    polar = Area(circles=(Circle(89.9, 0.0, 500.0),))
    assert store.count(EventFilter(area=across)) == 0
    assert store.count(EventFilter(area=polar)) == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, "is no area"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0]]]}, "at least 4 positions"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [1, 1], [0, 0]]]}, "not a longitude"),
        ({"type": "FeatureCollection", "features": []}, "holds no shape"),
        (
            {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [30, 50]}},
            "with a radius",
        ),
        ([1, 2], "not a GeoJSON object"),
    ],
)
def test_a_bad_area_says_what_is_wrong(data, message):
    with pytest.raises(AreaError, match=message):
        areas.from_geojson(data)


def test_a_saved_area_reads_back_and_a_bad_name_is_refused(tmp_path):
    path = savedareas.area_file(tmp_path, "Odesa coast")
    path.parent.mkdir()
    path.write_text(json.dumps(SQUARE_WITH_HOLE.to_geojson()), encoding="utf-8")
    assert savedareas.saved_areas(tmp_path) == ({"Odesa coast": path}, [])
    assert areas.read_area(path).polygons == SQUARE_WITH_HOLE.polygons
    for name in ("../escape", "", ".hidden", "a/b"):
        with pytest.raises(AreaError):
            savedareas.area_file(tmp_path, name)


# --- what an area may hold -------------------------------------------------------------------------


def _star(corners: int, step: int, radius: float = 3.0) -> list[list[float]]:
    """A star {corners/step} round Kharkiv, each corner joined to the step-th next (corners + 1 positions)."""
    ring = [
        [36.2 + radius * math.cos(2 * math.pi * (k * step % corners) / corners),
         50.0 + radius * math.sin(2 * math.pi * (k * step % corners) / corners)]
        for k in range(corners)
    ]  # fmt: skip
    return [*ring, ring[0]]


def _square(lon: float, lat: float, side: float = 0.1) -> list[list[float]]:
    return [[lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side], [lon, lat]]


def _polygon(*rings: list[list[float]]) -> dict:
    return {"type": "Polygon", "coordinates": list(rings)}


def _circles(count: int) -> dict:
    point = {
        "type": "Feature",
        "properties": {"radius_km": 5.0},
        "geometry": {"type": "Point", "coordinates": [30, 50]},
    }
    return {"type": "FeatureCollection", "features": [point] * count}


AT_THE_LIMITS = {  # each as much as an area may hold of one thing
    "vertices": _polygon(_star(areas.MAX_VERTICES - 1, 1)),
    "shapes": {
        "type": "MultiPolygon",
        "coordinates": [[_square(30 + k, 50)] for k in range(areas.MAX_SHAPES)],
    },
    "holes": _polygon(
        _square(30, 50, 1), *(_square(30.1 + k / 10, 50.5, 0.05)[::-1] for k in range(areas.MAX_HOLES))
    ),
    "circles": _circles(areas.MAX_SHAPES),
}
BEYOND_THE_LIMITS = {  # name: (GeoJSON, what the message says)
    "a vertex more": (_polygon(_star(areas.MAX_VERTICES, 1)), "101 vertices; an area holds at most 100"),
    "a polygon more": (
        {"type": "MultiPolygon", "coordinates": [[_square(30 + k, 50)] for k in range(areas.MAX_SHAPES + 1)]},
        "9 shapes (polygons and circles); an area holds at most 8",
    ),
    "a hole more": (
        _polygon(
            _square(30, 50, 1),
            *(_square(30.05 + k / 10, 50.5, 0.05)[::-1] for k in range(areas.MAX_HOLES + 1)),
        ),
        "9 holes; an area holds at most 8",
    ),
    "a circle more": (_circles(areas.MAX_SHAPES + 1), "9 shapes"),
    # The drawings: 2,001 and 100,000 vertices crossing themselves (21 s and 1.7 GB, and
    # 13.8 GB, of repair before), refused by their count before any geometry is built.
    "2,001 vertices": (_polygon(_star(2_000, 999)), "2,001 vertices"),
    "100,000 vertices": (_polygon(_star(99_999, 49_999)), "100,000 vertices"),
    # 99 corners joined to the 49th next cross 4,752 times: their repair took seconds and made
    # thousands of polygons; counted first, the star is refused without one.
    "too many crossings": (
        _polygon(_star(99, 49)),
        "crosses itself 4,752 times; one that crosses itself at most 100",
    ),
    # 11 corners joined to the second next cross 11 times: repaired, 11 triangles.
    "repaired beyond": (_polygon(_star(11, 2)), "repaired, the area has 11 shapes"),
}


@pytest.mark.parametrize("name", AT_THE_LIMITS)
def test_an_area_at_the_limits_is_read(name):
    area = areas.from_geojson(AT_THE_LIMITS[name])
    assert not area.repaired
    assert len(arealink.encode(area)) <= arealink.MAX_URL_LENGTH


@pytest.mark.parametrize("name", BEYOND_THE_LIMITS)
def test_an_area_beyond_the_limits_is_refused_with_what_it_holds(name):
    data, message = BEYOND_THE_LIMITS[name]
    with pytest.raises(AreaError, match=re.escape(message)):
        areas.from_geojson(data)


def test_the_limits_hold_on_every_way_an_area_comes_in(tmp_path, fixture_rows, make_data_dir):
    data, message = BEYOND_THE_LIMITS["a vertex more"]
    feature = {"type": "Feature", "properties": {}, "geometry": data}
    with pytest.raises(AreaError, match=message):  # a drawing, as the map reports it
        areaform.drawings_area([feature])
    text = arealink.encode(Area(polygons=((tuple(map(tuple, data["coordinates"][0])),),)))
    assert len(text) < arealink.MAX_URL_LENGTH  # short enough for a link, and still refused
    with pytest.raises(AreaError, match=message):  # a link
        arealink.decode(text)
    path = tmp_path / "big.geojson"
    path.write_text(json.dumps(feature), encoding="utf-8")
    with pytest.raises(AreaError, match=message):  # a saved file, or --within
        areas.read_area(path)
    huge = tmp_path / "huge.geojson"
    huge.write_text(json.dumps(feature) + " " * areas.MAX_FILE_BYTES, encoding="utf-8")
    with pytest.raises(AreaError, match="holds at most 1,000,000 bytes"):
        areas.read_area(huge)


def test_any_area_within_the_limits_fits_in_a_link():
    # The widest steps a link can spell: each vertex across the whole globe from the last.
    far = tuple((179.99999 * (-1) ** k, 89.99999 * (-1) ** (k // 2)) for k in range(areas.MAX_VERTICES - 1))
    circle = Circle(-89.99999, -179.99999, 5_000.0)
    widest = Area(polygons=((far + far[:1],),), circles=(circle,) * (areas.MAX_SHAPES - 1))
    assert len(arealink.encode(widest)) <= arealink.MAX_URL_LENGTH
    squares = tuple((tuple(map(tuple, _square(-179.9, -89.9 + k, 99.9))),) for k in range(areas.MAX_SHAPES))
    assert len(arealink.encode(Area(polygons=squares))) <= arealink.MAX_URL_LENGTH
