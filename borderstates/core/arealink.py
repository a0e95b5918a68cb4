"""An area in a link: the compact text of the `area` parameter, read back with the same limits.

A polygon is `p` and its rings (joined by `!`) as encoded polylines (Google's algorithm, 5
decimals, about 1 m); a circle is `c` and `lat,lon,radius_km`; shapes are joined by `*`. Any
area within the limits of `area` fits in `MAX_URL_LENGTH` characters.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from borderstates.core.area import Area, AreaError, Circle, from_geojson

MAX_URL_LENGTH = 2_000  # characters of an encoded area in a link (a 50-vertex polygon takes ~400)
SHAPE_SEPARATOR = "*"  # between a link's shapes
PRECISION = 5  # decimals of a coordinate in a link: about 1 m


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
