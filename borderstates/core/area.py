"""An area on the map: drawn shapes whose union filters the events, the same way on every engine.

An area is polygons (rectangles are polygons; holes allowed) and circles. An event lies in
it when its point lies inside one of the shapes or on its boundary: a polygon's edges are
straight lines between WGS 84 coordinates (as they are drawn on the map), a circle is
geodesic (great-circle distance on the mean Earth sphere). A saved area is a GeoJSON file in
the data directory's `areas/`; a country of the geometry is an area too (`country`), and
matches the events the loader placed in its polygon.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import Polygon, mapping, shape
from shapely.geometry.polygon import orient

EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG): circles are measured on this sphere
MAX_VERTICES = 2_000  # of all the shapes' rings together: the query tests every edge
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
    circle. A polygon that crosses itself is repaired (`shapely.make_valid`) and the area says so.

    Raises
    ------
    AreaError
        With a message naming what is wrong: not GeoJSON of shapes, a coordinate out of range,
        an empty area, too many vertices.

    """
    polygons: list[Rings] = []
    circles: list[Circle] = []
    repaired = False
    for number, (geometry, properties) in enumerate(_shapes(data), start=1):
        kind = geometry.get("type") if isinstance(geometry, Mapping) else None
        where = f"shape {number}"
        if kind == "Point":
            circles.append(_circle(geometry, properties, where))
        elif kind in ("Polygon", "MultiPolygon"):
            mended, fixed = _polygons(geometry, where)
            polygons += mended
            repaired |= fixed
        else:
            raise AreaError(
                f"{where}: a {kind or 'shape without a type'} is no area (Polygon, MultiPolygon or a circle)"
            )
    area = Area(tuple(polygons), tuple(circles), name=name, repaired=repaired)
    if area.is_empty():
        raise AreaError("the file holds no shape: an area needs a polygon or a circle")
    vertices = sum(len(ring) for rings in area.polygons for ring in rings)
    if vertices > MAX_VERTICES:
        raise AreaError(f"the area has {vertices:,} vertices; at most {MAX_VERTICES:,} (simplify it)")
    return area


def read_area(path: Path | str) -> Area:
    """Read an area from a GeoJSON file; the file's name (without `.geojson`) is the area's name."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AreaError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise AreaError(f"{path}: not GeoJSON: {exc}") from None
    try:
        return from_geojson(data, name=path.stem)
    except AreaError as exc:
        raise AreaError(f"{path}: {exc}") from None


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


def _polygons(
    geometry: Mapping[str, Any], where: str
) -> tuple[list[tuple[tuple[tuple[float, float], ...], ...]], bool]:
    coordinates = geometry.get("coordinates")
    for ring in _rings(coordinates, geometry.get("type")):
        if len(ring) < 4:
            raise AreaError(f"{where}: a ring needs at least 4 positions (the last repeats the first)")
        for position in ring:
            _position(position, where)
    try:
        polygon = shape(geometry)
    except (ValueError, TypeError, AttributeError) as exc:
        raise AreaError(f"{where}: not a polygon ({exc})") from None
    fixed = not polygon.is_valid
    if fixed:
        polygon = shapely.make_valid(polygon)
    parts = [
        p for p in shapely.get_parts(polygon) if isinstance(p, Polygon) and not p.is_empty and p.area > 0
    ]
    if not parts:
        raise AreaError(f"{where}: the polygon encloses nothing")
    return [_rings_of(orient(part)) for part in parts], fixed


def _rings(coordinates: Any, kind: Any) -> Iterable[Any]:
    if not isinstance(coordinates, list | tuple):
        raise AreaError(f"a {kind} without coordinates")
    polygons = coordinates if kind == "MultiPolygon" else [coordinates]
    for rings in polygons:
        if not isinstance(rings, list | tuple) or not rings:
            raise AreaError(f"a {kind} with a polygon without rings")
        yield from rings


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
