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
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import Polygon, mapping, shape
from shapely.geometry.polygon import orient

from borderstates.core.csvio import atomic_write

EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG): circles are measured on this sphere
MAX_URL_LENGTH = 2_000  # characters of an encoded area in a link (a 50-vertex polygon takes ~400)
MAX_VERTICES = 2_000  # of all the shapes' rings together: the query tests every edge
PRECISION = 5  # decimals of a coordinate in a link: about 1 m
SHAPE_SEPARATOR = "*"  # between a link's shapes
AREAS_FOLDER = "areas"  # in the data directory
FILTER_AREA_ROLE = "filter-area"  # `properties.role` of the area's features in a GeoJSON export
_NAME = re.compile(r"[\w][\w .,()'-]{0,79}")  # a saved area's name, also its file's name


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

    def bounds(self) -> tuple[float, float, float, float] | None:
        """Return the box (south, west, north, east) around the drawn shapes; None for countries only."""
        boxes = [ring_box(rings[0]) for rings in self.polygons] + [circle_box(c) for c in self.circles]
        if not boxes:
            return None
        return (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )

    def geometry(self, segments: int = 64) -> shapely.Geometry:
        """Return the drawn shapes' union as one shapely geometry (circles as polygons, to draw)."""
        parts = [Polygon(rings[0], rings[1:]) for rings in self.polygons]
        parts += [circle_polygon(c, segments) for c in self.circles]
        return shapely.union_all(parts) if parts else shapely.GeometryCollection()

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


def circle_polygon(circle: Circle, segments: int = 64) -> Polygon:
    """Return a polygon through `segments` points of a geodesic circle (to draw it, not to test it)."""
    lat1, lon1 = math.radians(circle.lat), math.radians(circle.lon)
    angular = circle.radius_km / EARTH_RADIUS_KM
    points = []
    for step in range(segments):
        bearing = 2 * math.pi * step / segments
        lat2 = math.asin(
            math.sin(lat1) * math.cos(angular) + math.cos(lat1) * math.sin(angular) * math.cos(bearing)
        )
        lon2 = lon1 + math.atan2(
            math.sin(bearing) * math.sin(angular) * math.cos(lat1),
            math.cos(angular) - math.sin(lat1) * math.sin(lat2),
        )
        points.append((math.degrees(lon2), math.degrees(lat2)))
    return Polygon(points)


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
    """Return a box that holds the whole circle (a little wider than it, never narrower)."""
    degrees = math.degrees(circle.radius_km / EARTH_RADIUS_KM)
    south, north = max(-90.0, circle.lat - degrees), min(90.0, circle.lat + degrees)
    if north >= 90.0 or south <= -90.0:
        return south, -180.0, north, 180.0
    widest = max(abs(south), abs(north))
    spread = degrees / max(math.cos(math.radians(widest)), 1e-9)
    return south, max(-180.0, circle.lon - spread), north, min(180.0, circle.lon + spread)


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


# --- in a link ------------------------------------------------------------------------------------


def encode(area: Area) -> str:
    """Return a drawn area as the compact text of a link's `area` parameter.

    Shapes are joined by `*`: a polygon is `p` and its rings (joined by `!`) as encoded
    polylines (Google's algorithm, 5 decimals); a circle is `c` and `lat,lon,radius_km`.
    """
    shapes = ["p" + "!".join(_polyline(ring) for ring in rings) for rings in area.polygons]
    shapes += [f"c{c.lat:.{PRECISION}f},{c.lon:.{PRECISION}f},{c.radius_km:.3f}" for c in area.circles]
    # The separators lie outside the polyline's characters (`?` to `~`, 63–126), which `~` does not.
    return SHAPE_SEPARATOR.join(shapes)


def decode(text: str) -> Area:
    """Read a link's `area` parameter (`encode`); raise AreaError for anything else or too long."""
    if len(text) > MAX_URL_LENGTH:
        raise AreaError(f"the area is {len(text):,} characters long; a link holds at most {MAX_URL_LENGTH:,}")
    polygons: list[dict[str, Any]] = []
    circles: list[Circle] = []
    for number, shape_text in enumerate(text.split(SHAPE_SEPARATOR), start=1):
        where = f"shape {number}"
        if shape_text.startswith("p"):
            rings = [_unpolyline(ring, where) for ring in shape_text[1:].split("!")]
            polygons.append({"type": "Polygon", "coordinates": rings})
        elif shape_text.startswith("c"):
            try:
                lat, lon, radius = (float(v) for v in shape_text[1:].split(","))
            except ValueError:
                raise AreaError(f"{where}: not a circle written lat,lon,radius") from None
            circles.append(Circle(lat, lon, radius))
        else:
            raise AreaError(f"{where}: neither a polygon (p…) nor a circle (c…)")
    features = [{"type": "Feature", "properties": {}, "geometry": p} for p in polygons] + [
        {
            "type": "Feature",
            "properties": {"radius_km": c.radius_km},
            "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
        }
        for c in circles
    ]
    return from_geojson({"type": "FeatureCollection", "features": features})


def _polyline(ring: Iterable[tuple[float, float]]) -> str:
    out, last_lat, last_lon = [], 0, 0
    for lon, lat in ring:
        ilat, ilon = round(lat * 10**PRECISION), round(lon * 10**PRECISION)
        for delta in (ilat - last_lat, ilon - last_lon):
            value = ~(delta << 1) if delta < 0 else delta << 1
            while value >= 0x20:
                out.append(chr((0x20 | (value & 0x1F)) + 63))
                value >>= 5
            out.append(chr(value + 63))
        last_lat, last_lon = ilat, ilon
    return "".join(out)


def _unpolyline(text: str, where: str) -> list[list[float]]:
    numbers, value, shift = [], 0, 0
    for char in text:
        code = ord(char) - 63
        if not 0 <= code < 64:
            raise AreaError(f"{where}: {char!r} is no character of an encoded polyline")
        value |= (code & 0x1F) << shift
        shift += 5
        if code < 0x20:
            numbers.append(~(value >> 1) if value & 1 else value >> 1)
            value, shift = 0, 0
    if shift or len(numbers) % 2:
        raise AreaError(f"{where}: an encoded polyline cut short")
    positions, lat, lon = [], 0, 0
    for dlat, dlon in zip(numbers[::2], numbers[1::2], strict=True):
        lat, lon = lat + dlat, lon + dlon
        positions.append([lon / 10**PRECISION, lat / 10**PRECISION])
    return positions


# --- saved areas -----------------------------------------------------------------------------------


def saved_areas(directory: Path | str) -> dict[str, Path]:
    """Return the data directory's saved areas by name (the GeoJSON files of `areas/`)."""
    folder = Path(directory) / AREAS_FOLDER
    return {p.stem: p for p in sorted(folder.glob("*.geojson"))} if folder.is_dir() else {}


def area_file(directory: Path | str, name: str) -> Path:
    """Return the file a saved area of this name lives in; raise AreaError for a name no file can have."""
    cleaned = name.strip()
    if not _NAME.fullmatch(cleaned) or cleaned.startswith("."):
        raise AreaError(
            f"{name!r} cannot name an area: letters, digits, spaces and . , ( ) ' - only, at most 80"
        )
    return Path(directory) / AREAS_FOLDER / f"{cleaned}.geojson"


def save_area(directory: Path | str, name: str, area: Area) -> Path:
    """Write an area's shapes as a named GeoJSON file into `areas/`, aside and renamed; return the file.

    Raises
    ------
    AreaError
        When the name cannot name a file (`area_file`) or the area has no shape to save.

    """
    path = area_file(directory, name)
    if not (area.polygons or area.circles):
        raise AreaError("only drawn shapes can be saved as an area")
    shapes = Area(area.polygons, area.circles, name=path.stem)
    with atomic_write(path) as handle:
        json.dump(shapes.to_geojson(), handle, ensure_ascii=False, indent=1)
    return path


def delete_area(directory: Path | str, name: str) -> bool:
    """Remove a saved area's file; return False when there was none."""
    path = area_file(directory, name)
    existed = path.exists()
    path.unlink(missing_ok=True)
    return existed


def area_features(area: Area) -> list[dict[str, Any]]:
    """Return an area's shapes as GeoJSON features marked `role: filter-area` (for an export)."""
    features = area.to_geojson()["features"]
    for feature in features:
        feature["properties"] = {"role": FILTER_AREA_ROLE, **feature["properties"]}
        if area.name:
            feature["properties"]["area"] = area.name
    return features
