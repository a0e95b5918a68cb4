"""Where the data lives: the data directory, the shipped data, and the country geometry's files."""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_VARIABLE = "BORDERSTATES_DATA_DIR"
SHIPPED_DATA_DIR = Path(__file__).resolve().parents[2] / "data"
# The geometry of a data directory (geo/), as `borderstates build-geo` writes it.
DRAWING_FILE = "countries.geojson"  # simplified focus and context states, for the map
FULL_FILE = "countries_full.parquet"  # full-resolution admin-0 polygons of the world, for checks
REGIONS_FULL_FILE = "regions_full.parquet"  # full-resolution admin-1 regions of the focus states and Russia
REGIONS_DRAWING_FILE = "regions.geojson"  # their simplified copy, for the map


def data_dir() -> Path:
    """Return the data directory: `BORDERSTATES_DATA_DIR`, or the shipped `data/`."""
    configured = os.environ.get(DATA_DIR_VARIABLE, "").strip()
    return Path(configured) if configured else SHIPPED_DATA_DIR


def geometry_dir(directory: Path | str) -> Path:
    """Return the country geometry for a data directory: its own `geo/`, or else the shipped one.

    The one rule for the loader's geography check and for the map: a `geo/` folder counts when
    it holds both the drawing copy and the full layer, as `borderstates build-geo` writes them.
    """
    own = Path(directory) / "geo"
    return own if (own / DRAWING_FILE).is_file() and (own / FULL_FILE).is_file() else SHIPPED_DATA_DIR / "geo"
