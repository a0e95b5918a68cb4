"""An area on the map: drawn shapes whose union filters the events, the same way on every engine.

An area is polygons (rectangles are polygons; holes allowed) and circles. An event lies in
it when its point lies inside one of the shapes or on its boundary: a polygon's edges are
straight lines between WGS 84 coordinates (as they are drawn on the map), a circle is
geodesic (great-circle distance on the mean Earth sphere). A saved area is a GeoJSON file in
the data directory's `areas/`; a country of the geometry is an area too (`country`), and
matches the events the loader placed in its polygon.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import shapely.errors
from shapely.geometry import Polygon, mapping
from shapely.geometry.polygon import orient

EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG): circles are measured on this sphere
# What an area may hold, on every way in (a drawing, a link, a saved file, `--within`): each
# shape is one more test in every query of a page, each vertex one more edge to test. So
# bounded, any area costs at most three times what a 50-vertex polygon does (`make bench`),
# and fits in a link (`arealink`). Checked before any geometry work, and after a repair again.
MAX_SHAPES = 8  # polygons and circles
MAX_HOLES = 8  # of all the polygons together
MAX_VERTICES = 100  # positions of all the polygons' rings together (a ring's last repeats its first)
MAX_CROSSINGS = 100  # a polygon that crosses itself more often is refused: the repair grows with their square
MAX_FILE_BYTES = 1_000_000  # of a saved area's file, or one given to `--within`
FILTER_AREA_ROLE = "filter-area"  # `properties.role` of the area's features in a GeoJSON export


Ring = tuple[tuple[float, float], ...]  # (lon, lat) positions, the last repeating the first
Rings = tuple[Ring, ...]  # a polygon: its outline, then its holes


class AreaError(ValueError):
    """An area that cannot be read: the message says what is wrong with it."""


@dataclass(frozen=True)
class Circle:
    """A geodesic circle: every point within `radius_km` of the centre, on the Earth's sphere."""

    lat: float
    lon: float
    radius_km: float


@dataclass(frozen=True)
class Area:
    """Shapes whose union is the area, or a country (the states' polygons of the geometry).

    `polygons` hold rings of (lon, lat) pairs, the first ring the outline, the others holes.
    """

    polygons: tuple[Rings, ...] = ()
    circles: tuple[Circle, ...] = ()
    countries: tuple[str, ...] = ()  # ISO alpha-3 codes: the events placed in these states
    name: str = ""  # a saved area's name, or "" for a drawn one
    repaired: bool = field(default=False, compare=False)  # a shape crossed itself and was mended

    def is_empty(self) -> bool:
        """Return True when the area has no shape at all."""
        return not (self.polygons or self.circles or self.countries)

    def to_geojson(self) -> dict[str, Any]:
        """Return the area as a GeoJSON FeatureCollection: polygons, and circles as points with a radius."""
        features: list[dict[str, Any]] = [
            {"type": "Feature", "properties": {}, "geometry": mapping(Polygon(rings[0], rings[1:]))}
            for rings in self.polygons
        ]
        features += [
            {
                "type": "Feature",
                "properties": {"radius_km": c.radius_km},
                "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
            }
            for c in self.circles
        ]
        features += [
            {"type": "Feature", "properties": {"country": code}, "geometry": None} for code in self.countries
        ]
        collection: dict[str, Any] = {"type": "FeatureCollection", "features": features}
        if self.name:
            collection["name"] = self.name
        return collection


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance between two points on the mean Earth sphere (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(half)))


def within_km(lat: Any, lon: Any, lat0: Any, lon0: Any, km: float) -> Any:
    """Return where points lie at most `km` from others (or from one), as `distance_km` measures.

    The same test for an engine: the coordinates are query expressions (`lat0`, `lon0` may be
    numbers), and so is the answer.
    """
    # 2R·asin(√h) ≤ r  ⟺  h ≤ sin²(r / 2R): the same test without arcsine and root.
    return haversine(lat, lon, lat0, lon0) <= math.sin(km / (2 * EARTH_RADIUS_KM)) ** 2


def haversine(lat: Any, lon: Any, lat0: Any, lon0: Any) -> Any:
    """Return the haversine of the angles between points and others (`lat0`, `lon0` may be numbers)."""
    radians = math.pi / 180.0
    phi, phi0 = lat * radians, lat0 * radians
    cos0 = math.cos(phi0) if isinstance(phi0, float) else phi0.cos()
    return ((phi - phi0) / 2).sin() ** 2 + phi.cos() * cos0 * (((lon - lon0) * radians) / 2).sin() ** 2


def ring_box(ring: Ring) -> tuple[float, float, float, float]:
    """Return the box (south, west, north, east) around a ring."""
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    return min(lats), min(lons), max(lats), max(lons)


def circle_box(circle: Circle) -> tuple[float, float, float, float]:
    """Return a box (south, west, north, east) that holds the whole circle (never narrower than it).

    Longitudes wrap: the box of a circle across the antimeridian has its west end east of its
    east end (west > east), and holds the longitudes from west to 180 and from -180 to east.
    """
    degrees = math.degrees(circle.radius_km / EARTH_RADIUS_KM)
    south, north = max(-90.0, circle.lat - degrees), min(90.0, circle.lat + degrees)
    widest = max(abs(south), abs(north))
    spread = degrees / max(math.cos(math.radians(widest)), 1e-9)
    if north >= 90.0 or south <= -90.0 or spread >= 180.0:
        return south, -180.0, north, 180.0
    west, east = circle.lon - spread, circle.lon + spread
    return south, west + 360.0 if west < -180.0 else west, north, east - 360.0 if east > 180.0 else east


# --- reading GeoJSON -------------------------------------------------------------------------------


def from_geojson(data: Mapping[str, Any], name: str = "") -> Area:
    """Read an area from GeoJSON: a Polygon, a MultiPolygon, a Feature or a FeatureCollection of them.

    A Point with a `radius` (metres, as Leaflet.draw gives a circle) or `radius_km` property is a
    circle. A polygon that crosses itself is repaired (`shapely.make_valid`) and the area says
    so. The limits (`MAX_SHAPES`, `MAX_HOLES`, `MAX_VERTICES`, `MAX_CROSSINGS`) are checked on
    what is given before any geometry work, and on the repaired area again.

    Raises
    ------
    AreaError
        With a message naming what is wrong: not GeoJSON of shapes, a coordinate out of range,
        an empty area, more than the limits allow, a polygon the geometry library cannot read.

    """
    given: list[tuple[str, str, Mapping[str, Any], Mapping[str, Any]]] = []
    shapes = holes = vertices = 0
    for number, (geometry, properties) in enumerate(_shapes(data), start=1):
        kind = geometry.get("type") if isinstance(geometry, Mapping) else None
        where = f"shape {number}"
        if kind == "Point":
            shapes += 1
        elif kind in ("Polygon", "MultiPolygon"):
            for rings in _polygon_rings(geometry.get("coordinates"), kind):
                shapes, holes = shapes + 1, holes + len(rings) - 1
                vertices += sum(len(ring) for ring in rings)
        else:
            raise AreaError(
                f"{where}: a {kind or 'shape without a type'} is no area (Polygon, MultiPolygon or a circle)"
            )
        given.append((where, kind, geometry, properties))
    check_limits(shapes, holes, vertices)  # counted, not yet read: nothing is built of a huge drawing
    polygons: list[Rings] = []
    circles: list[Circle] = []
    repaired = False
    for where, kind, geometry, properties in given:
        if kind == "Point":
            circles.append(_circle(geometry, properties, where))
        else:
            mended, fixed = _polygons(geometry, where)
            polygons += mended
            repaired |= fixed
    area = Area(tuple(polygons), tuple(circles), name=name, repaired=repaired)
    if area.is_empty():
        raise AreaError("the file holds no shape: an area needs a polygon or a circle")
    if repaired:
        check_limits(
            len(polygons) + len(circles),
            sum(len(rings) - 1 for rings in polygons),
            sum(len(ring) for rings in polygons for ring in rings),
            "repaired, the area",
        )
    return area


def check_limits(shapes: int, holes: int, vertices: int, what: str = "the area") -> None:
    """Raise AreaError when so many shapes, holes or vertices are more than an area may hold."""
    for count, limit, noun in (
        (shapes, MAX_SHAPES, "shapes (polygons and circles)"),
        (holes, MAX_HOLES, "holes"),
        (vertices, MAX_VERTICES, "vertices"),
    ):
        if count > limit:
            raise AreaError(f"{what} has {count:,} {noun}; an area holds at most {limit:,} (simplify it)")


def read_area(path: Path | str, shown: str | None = None) -> Area:
    """Read an area from a GeoJSON file; the file's name (without `.geojson`) is the area's name.

    A message names the file as `shown`, or as `path` when that is not given.
    """
    path = Path(path)
    label = str(path) if shown is None else shown
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)  # never more: the size is checked before reading
    except OSError as exc:
        raise AreaError(f"{label}: cannot be read: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise AreaError(f"{label}: an area's file holds at most {MAX_FILE_BYTES:,} bytes")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise AreaError(f"{label}: not GeoJSON: {exc}") from None
    try:
        return from_geojson(data, name=path.stem)
    except AreaError as exc:
        raise AreaError(f"{label}: {exc}") from None


def _shapes(data: Any) -> Iterator[tuple[Any, Mapping[str, Any]]]:
    if not isinstance(data, Mapping):
        raise AreaError("not a GeoJSON object")
    kind = data.get("type")
    if kind == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list):
            raise AreaError("a FeatureCollection without a list of features")
        for feature in features:
            yield from _shapes(feature)
    elif kind == "Feature":
        properties = data.get("properties") or {}
        yield data.get("geometry"), properties if isinstance(properties, Mapping) else {}
    elif kind in ("Polygon", "MultiPolygon", "Point"):
        yield data, {}
    else:
        raise AreaError(f"a GeoJSON {kind!r} is no area (Polygon, MultiPolygon, Feature, FeatureCollection)")


def _circle(geometry: Mapping[str, Any], properties: Mapping[str, Any], where: str) -> Circle:
    radius = properties.get("radius_km")
    if radius is None and properties.get("radius") is not None:
        radius = _number(properties["radius"], f"{where}: radius") / 1000.0  # Leaflet.draw: metres
    if radius is None:
        raise AreaError(f"{where}: a point is an area only as a circle, with a radius")
    radius = _number(radius, f"{where}: radius")
    if not 0 < radius <= 5_000:
        raise AreaError(
            f"{where}: a circle's radius must be more than 0 and at most 5,000 km, not {radius:g}"
        )
    lon, lat = _position(geometry.get("coordinates"), where)
    return Circle(lat, lon, radius)


def _polygons(geometry: Mapping[str, Any], where: str) -> tuple[list[Rings], bool]:
    """Return a Polygon's or MultiPolygon's polygons, repaired where it crosses itself, and whether it was.

    Built from the positions' longitude and latitude only (an altitude is left out).
    """
    polygons = []
    for rings in _polygon_rings(geometry.get("coordinates"), geometry.get("type")):
        if any(len(ring) < 4 for ring in rings):
            raise AreaError(f"{where}: a ring needs at least 4 positions (the last repeats the first)")
        polygons.append([[_position(position, where) for position in ring] for ring in rings])
    try:
        polygon = shapely.multipolygons([Polygon(rings[0], rings[1:]) for rings in polygons])
        fixed = not polygon.is_valid
        if fixed:
            crossings = _crossings([ring for rings in polygons for ring in rings])
            if crossings > MAX_CROSSINGS:
                raise AreaError(
                    f"{where}: the polygon crosses itself {crossings:,} times; one that crosses itself "
                    f"at most {MAX_CROSSINGS:,} times is repaired (draw it without crossings)"
                )
            polygon = shapely.make_valid(polygon)
        parts = [
            p for p in shapely.get_parts(polygon) if isinstance(p, Polygon) and not p.is_empty and p.area > 0
        ]
        mended = [_rings_of(orient(part)) for part in parts]
    except (shapely.errors.ShapelyError, ValueError, MemoryError) as exc:
        if isinstance(exc, AreaError):
            raise
        raise AreaError(f"{where}: the geometry library cannot take the polygon ({exc})") from None
    if not mended:
        raise AreaError(f"{where}: the polygon encloses nothing")
    return mended, fixed


def _crossings(rings: list[list[tuple[float, float]]]) -> int:
    """Return how many pairs of the rings' edges meet, other than an edge and the next of its ring.

    Every pair is tested, which the vertex limit keeps few: the repair's work grows with the
    square of the crossings, so they are counted before it.
    """
    edges: list[tuple[float, float, float, float]] = []
    neighbours: set[tuple[int, int]] = set()
    for ring in rings:
        closed = ring if ring[0] == ring[-1] else [*ring, ring[0]]
        first = len(edges)
        edges += [(*a, *b) for a, b in itertools.pairwise(closed) if a != b]
        neighbours |= {(k, k + 1) for k in range(first, len(edges) - 1)}
        if len(edges) - first > 2:
            neighbours.add((first, len(edges) - 1))  # the ring's last edge ends where its first starts
    if len(edges) < 2:
        return 0
    e = np.array(edges)
    i, j = np.triu_indices(len(e), k=1)
    a, b, c, d = e[i, :2], e[i, 2:], e[j, :2], e[j, 2:]
    boxes_meet = (np.minimum(a, b) <= np.maximum(c, d)).all(axis=1) & (
        np.minimum(c, d) <= np.maximum(a, b)
    ).all(axis=1)
    meet = boxes_meet & (_turn(a, b, c) * _turn(a, b, d) <= 0) & (_turn(c, d, a) * _turn(c, d, b) <= 0)
    return sum(1 for pair in zip(i[meet].tolist(), j[meet].tolist(), strict=True) if pair not in neighbours)


def _turn(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Return the side of each line p→q that r lies on: 1 left, -1 right, 0 on it."""
    return np.sign((q[:, 0] - p[:, 0]) * (r[:, 1] - p[:, 1]) - (q[:, 1] - p[:, 1]) * (r[:, 0] - p[:, 0]))


def _polygon_rings(coordinates: Any, kind: Any) -> list[list[Any]]:
    """Return a Polygon's or a MultiPolygon's coordinates as polygons, each a list of rings."""
    if not isinstance(coordinates, list | tuple):
        raise AreaError(f"a {kind} without coordinates")
    polygons = coordinates if kind == "MultiPolygon" else [coordinates]
    for rings in polygons:
        if not isinstance(rings, list | tuple) or not rings:
            raise AreaError(f"a {kind} with a polygon without rings")
        if not all(isinstance(ring, list | tuple) for ring in rings):
            raise AreaError(f"a {kind} with a ring that is no list of positions")
    return [list(rings) for rings in polygons]


def _rings_of(polygon: Polygon) -> Rings:
    rings = [polygon.exterior, *polygon.interiors]
    return tuple(tuple((float(x), float(y)) for x, y in ring.coords) for ring in rings)


def _position(position: Any, where: str) -> tuple[float, float]:
    if not isinstance(position, list | tuple) or len(position) < 2:
        raise AreaError(f"{where}: a position must be [longitude, latitude]")
    lon, lat = _number(position[0], f"{where}: longitude"), _number(position[1], f"{where}: latitude")
    if not -180 <= lon <= 180 or not -90 <= lat <= 90:
        raise AreaError(f"{where}: ({lon:g}, {lat:g}) is not a longitude and latitude (WGS 84)")
    return lon, lat


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise AreaError(f"{what}: {value!r} is not a number")
    return float(value)


# --- in an export ---------------------------------------------------------------------------------


def area_features(area: Area) -> list[dict[str, Any]]:
    """Return an area's shapes as GeoJSON features marked `role: filter-area` (for an export)."""
    features = area.to_geojson()["features"]
    for feature in features:
        feature["properties"] = {"role": FILTER_AREA_ROLE, **feature["properties"]}
        if area.name:
            feature["properties"]["area"] = area.name
    return features
