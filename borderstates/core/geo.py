"""Country geometry: loading it, joining events to it (their state and region), and the geography check."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod

from borderstates.core.contract import LOCATED_IN, REGION, REGION_NAME
from borderstates.core.csvio import LINE, Problem
from borderstates.core.paths import DRAWING_FILE, FULL_FILE, REGIONS_FULL_FILE
from borderstates.core.regions import load_regions, place

CRS = "EPSG:4326"
TOLERANCE_KM = 25.0  # coasts and borders: how far outside its country a point may lie
GEOGRAPHY_COLUMN = "latitude/longitude"  # the column the check's warnings name
_GEOD = Geod(ellps="WGS84")


def load_countries(geo_dir: Path | str, *, full: bool = False) -> gpd.GeoDataFrame:
    """Return country polygons (EPSG:4326) with `iso_a3`, `name_en`, `name_nl`.

    Parameters
    ----------
    geo_dir
        The `geo/` folder of a data directory.
    full
        The full-resolution world layer for checks, instead of the simplified drawing copy
        (which also has `role`: `focus` or `context`).

    """
    path = Path(geo_dir) / (FULL_FILE if full else DRAWING_FILE)
    return _read_countries(str(path), path.stat().st_mtime_ns).copy()


@lru_cache(maxsize=4)
def _read_countries(path: str, _mtime: int) -> gpd.GeoDataFrame:
    frame = gpd.read_parquet(path) if path.endswith(".parquet") else gpd.read_file(path)
    shapely.prepare(frame.geometry.values)  # point-in-polygon tests reuse the prepared outlines
    return frame.set_crs(CRS, allow_override=True) if frame.crs is None else frame.to_crs(CRS)


def locate_events(events: pd.DataFrame, geo_dir: Path, source: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Join each event to the country polygon it falls in, and check it against its `country`.

    Returns the events with `located_in` (ISO alpha-3, "" at sea), `region` (ISO 3166-2: the
    region of that country the point lies in, "" where none) and `region_name` (its English
    name), and one warning per point that lies more than `TOLERANCE_KM` outside its declared
    country. Without geometry, one warning; without regions (a geometry folder built before
    them), one warning and no regions.
    """
    events = events.copy()
    try:
        world = load_countries(geo_dir, full=True)
    except (OSError, ValueError) as exc:
        events[LOCATED_IN] = events[REGION] = events[REGION_NAME] = ""
        return events, [Problem(str(geo_dir / FULL_FILE), 1, "-", f"no geography check: {exc}", "warning")]
    polygons = world.set_index("iso_a3").geometry
    lon, lat = events["longitude"].to_numpy(), events["latitude"].to_numpy()
    # Categorical codes: grouping a million strings by sorting them takes most of a second.
    countries = events["country"].astype("category").cat
    codes = countries.codes.to_numpy()
    inside = np.zeros(len(events), dtype=bool)
    # Most points lie in their declared country: test each country's points against its polygon
    # alone, and search the whole world only for the rest.
    for index, code in enumerate(countries.categories):
        if code in polygons.index:
            rows = np.flatnonzero(codes == index)
            inside[rows] = shapely.contains_xy(polygons[code], lon[rows], lat[rows])
    declared = np.append(np.asarray(countries.categories, dtype=object), "")[codes]  # code -1: none
    located = np.where(inside, declared, "").astype(object)
    strays = np.flatnonzero(~inside)
    if len(strays):
        # Candidates by bounding box, then one prepared polygon at a time: far faster than a
        # per-pair predicate against full-resolution outlines.
        candidate_point, candidate_country = world.sindex.query(shapely.points(lon[strays], lat[strays]))
        for country in np.unique(candidate_country):
            rows = strays[candidate_point[candidate_country == country]]
            hit = shapely.contains_xy(world.geometry.iloc[country], lon[rows], lat[rows])
            located[rows[hit]] = world["iso_a3"].iloc[country]
    events[LOCATED_IN] = pd.Categorical(located)
    problems = _outside_warnings(events.iloc[strays], polygons, source)
    return _with_regions(events, geo_dir, lon, lat, located, problems)


def _with_regions(
    events: pd.DataFrame,
    geo_dir: Path,
    lon: np.ndarray,
    lat: np.ndarray,
    located: np.ndarray,
    problems: list[Problem],
) -> tuple[pd.DataFrame, list[Problem]]:
    """Add each event's region, among the regions of the state it lies in (so the two agree)."""
    try:
        regions = load_regions(geo_dir)
    except (OSError, ValueError) as exc:
        events[REGION] = events[REGION_NAME] = ""
        where = str(Path(geo_dir) / REGIONS_FULL_FILE)
        return events, [
            *problems,
            Problem(where, 1, "-", f"no regions: {exc}; rebuild with borderstates build-geo", "warning"),
        ]
    codes = place(regions, lon, lat, located)
    names = dict(zip(regions["region"], regions["name_en"], strict=True)) | {"": ""}
    events[REGION] = pd.Categorical(codes)
    named = events[REGION].map(names)  # a categorical maps its categories alone: fast
    events[REGION_NAME] = named.cat.reorder_categories(sorted(named.cat.categories))  # as a load orders them
    return events, problems


def _outside_warnings(strays: pd.DataFrame, polygons: gpd.GeoSeries, source: str) -> list[Problem]:
    warnings = []
    columns = [LINE, "country", "latitude", "longitude", LOCATED_IN]
    for (line, code, lat, lon, located_in), km in zip(
        strays[columns].itertuples(index=False, name=None), km_outside(strays, polygons), strict=True
    ):
        if np.isnan(km):
            warnings.append(
                Problem(source, line, "country", f"no polygon for {code}: cannot check the point", "warning")
            )
        elif km > TOLERANCE_KM:
            where = f"it falls in {located_in}" if located_in else "it falls in no country"
            message = f"point ({lat}, {lon}) lies {km:.0f} km outside {code}; {where}"
            warnings.append(Problem(source, line, GEOGRAPHY_COLUMN, message, "warning"))
    return warnings


def km_outside(events: pd.DataFrame, polygons: gpd.GeoSeries) -> np.ndarray:
    """Return how far each event's point lies outside its declared `country`, in km.

    0 inside it; NaN when there is no polygon for the country. `polygons` by ISO alpha-3.
    """
    distance = np.full(len(events), np.nan)
    declared = events["country"].astype("str").to_numpy()
    lon, lat = events["longitude"].to_numpy(dtype=float), events["latitude"].to_numpy(dtype=float)
    for code in np.unique(declared):
        if code in polygons.index:
            rows = np.flatnonzero(declared == code)
            distance[rows] = distances_km(lon[rows], lat[rows], polygons[code])
    return distance


def beyond_tolerance(events: pd.DataFrame, geo_dir: Path | str) -> np.ndarray:
    """Return which events the geography check warns about: their point lies beyond `TOLERANCE_KM`.

    The check's own measure (`km_outside`) against the full polygons of `geo_dir`, for any
    events: those of the CSV files and the imported ones alike.
    """
    if events.empty:
        return np.zeros(0, dtype=bool)
    polygons = load_countries(geo_dir, full=True).set_index("iso_a3").geometry
    return km_outside(events, polygons) > TOLERANCE_KM


def distances_km(lon: np.ndarray, lat: np.ndarray, polygon: shapely.Geometry) -> np.ndarray:
    """Return the geodesic distance in km from each point to a polygon (0 inside it).

    The nearest point is found in degrees, then measured on the ellipsoid: at the 25 km scale
    of the check the difference from the true geodesic nearest point is negligible.
    """
    points = shapely.points(lon, lat)
    ends = shapely.get_coordinates(shapely.get_point(shapely.shortest_line(points, polygon), 1))
    _, _, metres = _GEOD.inv(lon, lat, ends[:, 0], ends[:, 1])
    return np.where(shapely.contains_xy(polygon, lon, lat), 0.0, np.asarray(metres) / 1000.0)
