"""Regions (admin-1, keyed by ISO 3166-2): loading them, placing points in them, reading sources' names."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from borderstates.core.paths import REGIONS_FULL_FILE

CRS = "EPSG:4326"

#: Words that say what kind of unit a name is, not which: left out when names are compared, so
#: "Dnipropetrovsk", "Dnipropetrovs'k" and "Dnipropetrovsk oblast" are one name.
_KIND_WORDS = frozenset(
    (
        "oblast", "oblasti", "region", "province", "provincie", "krai", "kray", "kraj", "republic",
        "respublika", "republiek", "autonomous", "avtonomna", "avtonomnaya", "avtonomnyy", "autonome",
        "autonoom", "okrug", "ao", "district", "rayon", "rayonu", "raion", "municipality", "city",
        "misto", "gorod", "sahari", "marz", "mkhare", "of", "the", "and", "en", "van", "de",
        "область", "республика", "республіка", "край", "автономна", "автономная", "автономный",
        "округ", "місто", "город", "район",
    )
)  # fmt: skip
_APOSTROPHES = re.compile("['’ʼ`ʹ‘]")
_NOT_WORD = re.compile(r"[\W_]+")
_FIPS_CODE = re.compile(r"^[A-Z]{2}[0-9A-Z]{2}$")


def load_regions(geo_dir: Path | str) -> gpd.GeoDataFrame:
    """Return the regions of a geometry folder at full resolution (EPSG:4326).

    Columns: ``region`` (ISO 3166-2), ``iso_a3`` (its state), ``name_en``, ``name_local``,
    ``name_nl``, ``aliases`` and ``fips`` (``;``-separated), ``gns``, ``geometry``.

    Raises
    ------
    OSError
        If the folder has no regions file (one built before regions existed).

    """
    path = Path(geo_dir) / REGIONS_FULL_FILE
    return _read(str(path), path.stat().st_mtime_ns).copy()


@lru_cache(maxsize=4)
def _read(path: str, _mtime: int) -> gpd.GeoDataFrame:
    frame = gpd.read_parquet(path)
    shapely.prepare(frame.geometry.values)  # point-in-polygon tests reuse the prepared outlines
    return frame.set_crs(CRS, allow_override=True) if frame.crs is None else frame.to_crs(CRS)


def place(regions: gpd.GeoDataFrame, lon: np.ndarray, lat: np.ndarray, located_in: np.ndarray) -> np.ndarray:
    """Return the region each point lies in, among the regions of the state it lies in.

    Parameters
    ----------
    regions : geopandas.GeoDataFrame
        ``load_regions``' answer.
    lon, lat : numpy.ndarray
        The points (WGS 84).
    located_in : numpy.ndarray
        The state (ISO alpha-3) each point lies in, "" for none, as ``locate_events`` finds it.

    Returns
    -------
    numpy.ndarray
        ISO 3166-2 codes (object), "" where the state has no regions or the point none.

    """
    placed = np.full(len(lon), "", dtype=object)
    codes, states = regions["region"].to_numpy(), regions["iso_a3"].to_numpy()
    bounds = shapely.bounds(regions.geometry.to_numpy())
    for state in np.unique(states):
        in_state = np.flatnonzero(located_in == state)
        if not len(in_state):
            continue
        x, y = lon[in_state], lat[in_state]
        for index in np.flatnonzero(states == state):
            min_x, min_y, max_x, max_y = bounds[index]
            # the bounding box first: a million points against 27 oblasts, each point tested once or twice
            near = np.flatnonzero((x >= min_x) & (x <= max_x) & (y >= min_y) & (y <= max_y))
            hit = near[shapely.contains_xy(regions.geometry.iloc[index], x[near], y[near])]
            placed[in_state[hit]] = codes[index]
        # a point on a border between two regions lies in neither's interior: it goes to the first
        for index in np.flatnonzero(states == state):
            left = np.flatnonzero(placed[in_state] == "")
            hit = left[shapely.intersects_xy(regions.geometry.iloc[index], x[left], y[left])]
            placed[in_state[hit]] = codes[index]
    return placed


def fold(name: str) -> str:
    """Return a name without diacritics (Azerbaijani ə and ı as a and i), case kept."""
    decomposed = unicodedata.normalize("NFKD", name.replace("ə", "a").replace("Ə", "A").replace("ı", "i"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def name_key(name: str) -> str:
    """Return what a region's name is compared by: folded, without punctuation and kind words.

    "Dnipropetrovs'k", "Dnipropetrovsk oblast" and "DNIPROPETROVSK" give the same key.
    """
    plain = _APOSTROPHES.sub("", fold(name)).casefold()
    return "".join(w for w in _NOT_WORD.split(plain) if w and w not in _KIND_WORDS)


class RegionNames:
    """What the sources call the regions: names in any spelling, ISO codes and FIPS 10-4 codes."""

    def __init__(self, regions: pd.DataFrame) -> None:
        self._by_name: dict[str, set[str]] = {}
        self._by_fips: dict[str, set[str]] = {}
        columns = ["region", "name_en", "name_local", "name_nl", "aliases", "fips"]
        for code, english, local, dutch, aliases, fips in regions[columns].itertuples(index=False, name=None):
            for name in [code, english, local, dutch, *aliases.split(";")]:
                if key := name_key(name):
                    self._by_name.setdefault(key, set()).add(code)
            for fips_code in filter(None, fips.split(";")):
                self._by_fips.setdefault(fips_code, set()).add(code)
        self.name_of: dict[str, str] = dict(zip(regions["region"], regions["name_en"], strict=True))

    def codes(self, named: str) -> frozenset[str]:
        """Return the regions a source's admin-1 cell may mean (empty: not a name we know).

        A name of a city and of the unit around it (Kyiv, Kyiv Oblast) means either.
        """
        text = named.strip()
        if _FIPS_CODE.match(text) and text in self._by_fips:
            return frozenset(self._by_fips[text])
        if text.upper() in self.name_of:
            return frozenset({text.upper()})
        return frozenset(self._by_name.get(name_key(text), ()))
