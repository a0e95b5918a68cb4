"""Saved areas: GeoJSON files in the data directory's `areas/`, each named by its area's name."""

from __future__ import annotations

import json
import re
from pathlib import Path

from borderstates.core.area import Area, AreaError
from borderstates.core.csvio import atomic_write

AREAS_FOLDER = "areas"  # in the data directory
_NAME = re.compile(r"[\w][\w .,()'-]{0,79}")  # a saved area's name, also its file's name


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
