"""Which map labels fit at which zoom: each label's box estimated in pixels, placed greedily.

A label is shown from its *min zoom* on: the lowest zoom at which its box overlaps no box of a
label placed before it, at that zoom and at every closer one (so a label, once shown, stays
while the reader zooms in). Labels are placed in the order given (the most important first:
capitals, then the states' and seas' names, then towns by population); a label that fits at
no zoom of the range is never shown. Deterministic: the same labels give the same zooms.

Boxes are estimated from the text: character widths of a wide sans-serif (DejaVu Sans, which
Debian's Chromium draws with; narrower fonts only leave more room), times the font size, plus
letter spacing and a margin. Positions are Web Mercator pixels (256-pixel tiles), as Leaflet
draws them.
"""

from __future__ import annotations

import math
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

TILE_PX = 256
MARGIN_PX = 3  # room kept around each label's text, on every side
_CELL_PX = 128  # the grid that finds a box's neighbours
# Advance widths in em, upper bounds for DejaVu Sans Book by kind of character.
_NARROW, _NARROW_EM = set("fijlrtI.,:;!|'’ʼ()[]"), 0.42
_WIDE, _WIDE_EM = set("mwMW"), 1.0
_UPPER_EM, _LOWER_EM, _SPACE_EM, _OTHER_EM = 0.80, 0.64, 0.33, 0.70
_BOLD_FACTOR = 1.12  # DejaVu Sans Bold is about a tenth wider
LINE_HEIGHT = 1.25  # the labels' CSS line height, in em


@dataclass(frozen=True)
class TextStyle:
    """How a kind of label is drawn: what its box's size depends on."""

    font_px: float
    bold: bool = False
    upper: bool = False  # drawn in capitals (CSS text-transform)
    letter_spacing_em: float = 0.0
    above: bool = False  # the box sits just above its point (a town), else centred on it (a state, a sea)


def text_width_px(text: str, style: TextStyle) -> float:
    """Return an upper bound of the drawn width of `text` in pixels, margins excluded."""
    shown = text.upper() if style.upper else text
    em = 0.0
    for ch in shown:
        base = unicodedata.normalize("NFKD", ch)[:1] or ch  # a letter's accent takes no width
        if base == " ":
            em += _SPACE_EM
        elif base in _NARROW:
            em += _NARROW_EM
        elif base in _WIDE:
            em += _WIDE_EM
        elif base.isupper():
            em += _UPPER_EM
        elif base.isascii() and base.isalnum():
            em += _LOWER_EM
        else:
            em += _OTHER_EM
    em *= _BOLD_FACTOR if style.bold else 1.0
    return style.font_px * (em + style.letter_spacing_em * len(shown))


def box_size_px(text: str, style: TextStyle) -> tuple[float, float]:
    """Return the width and height of a label's box, its margin included."""
    return text_width_px(text, style) + 2 * MARGIN_PX, style.font_px * LINE_HEIGHT + 2 * MARGIN_PX


def offset_px(style: TextStyle) -> float:
    """Return how far the centre of a label's box lies below its point (negative: above)."""
    gap = 2.0  # between a town's point and the bottom of its text
    return -(gap + style.font_px * LINE_HEIGHT / 2) if style.above else 0.0


def world_px(latitude: Iterable[float], longitude: Iterable[float]) -> tuple[np.ndarray, np.ndarray]:
    """Return points as Web Mercator pixels at zoom 0 (a 256-pixel world), as Leaflet projects them."""
    lat = np.radians(np.clip(np.asarray(latitude, dtype=float), -85.0511, 85.0511))
    x = (np.asarray(longitude, dtype=float) + 180.0) / 360.0 * TILE_PX
    y = (1.0 - np.log(np.tan(lat) + 1.0 / np.cos(lat)) / math.pi) / 2.0 * TILE_PX
    return x, y


def min_zooms(labels: pd.DataFrame, zooms: Sequence[int]) -> pd.Series:
    """Return each label's min zoom (see the module's docstring), or <NA> where it never fits.

    Parameters
    ----------
    labels
        In order of importance, the most important first: `latitude`, `longitude`, and the box
        of each label in pixels: `width`, `height` (`box_size_px`) and `dy`, how far its centre
        lies below the point (`offset_px`); optionally `from_zoom`, the lowest zoom it may show
        at (a small town, however alone, not at the first view).
    zooms
        The zoom levels the map can show, e.g. `range(2, 11)`.

    Returns
    -------
    pandas.Series
        Nullable integers, on the labels' index.

    """
    zooms = sorted(zooms)
    x0, y0 = world_px(labels["latitude"], labels["longitude"])
    half_w = labels["width"].to_numpy(dtype=float) / 2
    half_h = labels["height"].to_numpy(dtype=float) / 2
    dy = labels["dy"].to_numpy(dtype=float)
    earliest = (
        labels["from_zoom"].to_numpy(dtype=float) if "from_zoom" in labels else np.full(len(labels), -np.inf)
    )
    grids: dict[int, dict[tuple[int, int], list[int]]] = {z: defaultdict(list) for z in zooms}
    boxes: dict[int, list[tuple[float, float, float, float]]] = {z: [] for z in zooms}
    result: list[int | None] = []
    for i in range(len(labels)):
        fits = []
        for z in zooms:
            scale = 2.0**z
            cx, cy = x0[i] * scale, y0[i] * scale + dy[i]
            box = (cx - half_w[i], cy - half_h[i], cx + half_w[i], cy + half_h[i])
            fits.append((box, not _overlaps(box, grids[z], boxes[z])))
        lowest = None
        for k in range(len(zooms) - 1, -1, -1):  # the lowest zoom from which it fits at every closer one
            if not fits[k][1] or zooms[k] < earliest[i]:
                break
            lowest = k
        result.append(None if lowest is None else zooms[lowest])
        if lowest is not None:
            for k in range(lowest, len(zooms)):
                _insert(fits[k][0], grids[zooms[k]], boxes[zooms[k]])
    return pd.Series(pd.array(result, dtype="Int64"), index=labels.index)


def _cells(box: _Box) -> Iterable[tuple[int, int]]:
    left, top, right, bottom = (math.floor(v / _CELL_PX) for v in box)
    for gx in range(left, right + 1):
        for gy in range(top, bottom + 1):
            yield gx, gy


_Box = tuple[float, float, float, float]
_Grid = dict[tuple[int, int], list[int]]


def _overlaps(box: _Box, grid: _Grid, boxes: list[_Box]) -> bool:
    left, top, right, bottom = box
    for cell in _cells(box):
        for j in grid.get(cell, ()):
            other = boxes[j]
            if left < other[2] and other[0] < right and top < other[3] and other[1] < bottom:
                return True
    return False


def _insert(box: _Box, grid: _Grid, boxes: list[_Box]) -> None:
    boxes.append(box)
    for cell in _cells(box):
        grid[cell].append(len(boxes) - 1)
