"""Map builders: a base map drawn from our own geometry, the focus-state layer and the event layer.

Plain functions that return folium objects and never touch Streamlit. The base map holds only
what never changes with the filter, so a page can send the two layers separately (as
streamlit-folium's `feature_group_to_add`) and keep the reader's view when the filter changes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

import folium
import folium.plugins
import geopandas as gpd
import pandas as pd
from folium.utilities import JsCode
from markupsafe import Markup

from borderstates import markup, schema
from borderstates.assets import use_local_cluster_assets, use_local_map_assets
from borderstates.export import flatten
from borderstates.filters import EventFilter, filter_events
from borderstates.load import LOCATED_IN
from borderstates.mapcontrols import ClickReset, FitButtons, Legend, page_style

MIN_ZOOM = 2
MAX_ZOOM = 10  # our simplified borders are not drawn for closer views
FIT_MAX_ZOOM = 7  # "Fit events" never zooms closer than this, even to a single event
SEA = "#c6dced"
CONTEXT_FILL, CONTEXT_LINE = "#ebe8e1", "#b9b4a9"
FOCUS_LINE, SELECTED_LINE = "#2b2d42", "#e07a00"
# Fill of a focus state by its number of filtered events: no events, then up to five classes.
COUNT_COLOURS = ("#f6f4fa", "#dcd5ec", "#bcb0da", "#9a88c5", "#7a61ae", "#593b94")
RELATION_COLOURS = {
    "military": "#d62728",
    "security": "#8c564b",
    "sanctions": "#222222",
    "diplomatic": "#1f77b4",
    "energy": "#ff7f0e",
    "economic": "#2ca02c",
    "cultural": "#e377c2",
    "media": "#17becf",
    "political": "#bcbd22",
}

_CSS = f"""
.leaflet-container {{ background: {SEA}; font-family: system-ui, sans-serif; }}
.bs-legend {{ background: rgba(255,255,255,.92); padding: 5px 8px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,.3); color: #222; font-size: 11px; line-height: 1.3; }}
.bs-legend h4 {{ margin: 1px 0 3px; font-size: 11px; }}
.bs-legend .bs-keys {{ display: grid; grid-template-columns: repeat(3, auto); gap: 1px 10px;
  margin-bottom: 4px; }}
.bs-legend .bs-classes {{ display: flex; flex-wrap: wrap; gap: 1px 10px; max-width: 20em; }}
.bs-legend .bs-key {{ display: flex; align-items: center; gap: 4px; }}
.bs-legend .bs-dot {{ width: 10px; height: 10px; border-radius: 50%; border: 1.5px solid #fff;
  box-shadow: 0 0 0 1px rgba(0,0,0,.35); flex: none; }}
.bs-legend .bs-box {{ width: 14px; height: 10px; border: 1.5px solid {FOCUS_LINE}; flex: none; }}
.bs-fit a {{ width: auto !important; padding: 0 7px; font-size: 12px; white-space: nowrap; }}
.bs-popup {{ font-size: 12px; line-height: 1.35; }}
.bs-popup blockquote {{ margin: 5px 0; padding-left: 7px; border-left: 3px solid #bbb; font-style: italic; }}
.bs-popup p {{ margin: 4px 0; }}
"""


def focus_codes(countries: gpd.GeoDataFrame) -> tuple[str, ...]:
    """Return the codes of the focus states in the drawing layer."""
    return tuple(countries.loc[countries["role"] == "focus", "iso_a3"].astype("str"))


def focus_bounds(countries: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """Return the bounding box of the focus states as (south, west, north, east)."""
    west, south, east, north = countries[countries["role"] == "focus"].total_bounds
    return float(south), float(west), float(north), float(east)


def state_counts(events: pd.DataFrame, codes: Iterable[str]) -> dict[str, int]:
    """Return the number of events inside each state's polygon (the loader's `located_in` join)."""
    counts = events[LOCATED_IN].astype("str").value_counts()
    return {code: int(counts.get(code, 0)) for code in codes}


def outside_focus(events: pd.DataFrame, countries: gpd.GeoDataFrame) -> int:
    """Return how many events lie outside the focus states' bounding box."""
    return len(events) - len(filter_events(events, EventFilter(bounds=focus_bounds(countries))))


def fill_classes(events: pd.DataFrame, countries: gpd.GeoDataFrame) -> list[tuple[int, int | None]]:
    """Return the fill classes for a dataset: from its busiest focus state, so no filter changes them."""
    return count_classes(max(state_counts(events, focus_codes(countries)).values(), default=0))


def count_classes(max_count: int) -> list[tuple[int, int | None]]:
    """Return the fill classes for counts up to `max_count`: ranges on a 1-2-5 ladder, at most five.

    Each class is (lowest, highest) with None for the open top class; zero has a colour of its own.
    """
    ladder, step = [1], 1
    while step * 2 <= max_count:
        ladder += [rung for rung in (step * 2, step * 5, step * 10) if rung <= max_count]
        step *= 10
    # At most five rungs, from 1 to the highest one reached: a log scale for big counts.
    starts = [ladder[i] for i in _spread(min(5, len(ladder)), len(ladder))]
    highs: list[int | None] = [nxt - 1 for nxt in starts[1:]]
    return list(zip(starts, [*highs, None], strict=True))


def count_colour(count: int, classes: list[tuple[int, int | None]]) -> str:
    """Return the fill colour for a count: classes spread over the ramp, the top one darkest."""
    if count <= 0 or not classes:
        return COUNT_COLOURS[0]
    ramp = COUNT_COLOURS[1:]
    # Spread over the whole ramp, so that three classes differ as much as five do.
    for step, (low, high) in zip(_spread(len(classes), len(ramp)), classes, strict=True):
        if low <= count and (high is None or count <= high):
            return ramp[step]
    return ramp[-1]


def _spread(count: int, size: int) -> list[int]:
    """Return `count` distinct indexes into `size` slots, evenly spaced and ending at the last."""
    if count == 1:
        return [size - 1]
    return [round(i * (size - 1) / (count - 1)) for i in range(count)]


def build_base_map(
    countries: gpd.GeoDataFrame,
    classes: list[tuple[int, int | None]],
    relations: Iterable[str] = schema.RELATION_TYPES,
) -> folium.Map:
    """Return the map without its filtered layers: sea, muted neighbours, legend and controls.

    Parameters
    ----------
    countries
        The drawing layer (`geo.load_countries`): focus and context states.
    classes
        The fill classes of the focus states (`count_classes`), for the legend.
    relations
        The relation types to list in the legend.

    Returns
    -------
    folium.Map
        A map that loads only the app's own scripts and stylesheets and no tiles; OpenStreetMap
        tiles are offered in the layer control, off until chosen.

    """
    south, west, north, east = focus_bounds(countries)
    m = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=5,
        tiles=None,
        min_zoom=MIN_ZOOM,
        control_scale=True,
        font_size="13px",  # folium's default, 1rem, makes tooltips and popups large
    )
    use_local_map_assets(m)
    # folium hands max_zoom to tile layers only; without it on the map, Leaflet.markercluster
    # throws "Map has no maxZoom specified" and no marker appears.
    m.options["maxZoom"] = MAX_ZOOM
    m.get_root().header.add_child(page_style(_CSS), name="borderstates_css")
    # Optional online tiles, off by default: Leaflet fetches no tile until the layer is chosen.
    folium.TileLayer(
        "OpenStreetMap", name="OpenStreetMap tiles (online)", overlay=True, show=False, max_zoom=MAX_ZOOM
    ).add_to(m)
    context = countries.loc[countries["role"] != "focus", ["geometry"]]
    folium.GeoJson(
        context.__geo_interface__,
        name="Neighbouring states",
        style_function=lambda _: {
            "color": CONTEXT_LINE,
            "weight": 0.8,
            "fillColor": CONTEXT_FILL,
            "fillOpacity": 0.85,
        },
        interactive=False,  # clicks fall through to the map: only focus states filter
    ).add_to(m)
    folium.LayerControl(position="topright", collapsed=True).add_to(m)
    first_view = folium.FitBounds([[south, west], [north, east]])
    # Not animated: while Leaflet animates a zoom it ignores setView, and the page's first
    # setView (a link to one event) would be lost.
    first_view.options["animate"] = False
    first_view.add_to(m)
    FitButtons([[south, west], [north, east]], FIT_MAX_ZOOM).add_to(m)
    ClickReset().add_to(m)
    Legend(legend_html(classes, relations), position="bottomleft").add_to(m)
    return m


def legend_html(classes: list[tuple[int, int | None]], relations: Iterable[str]) -> Markup:
    """Return the legend: marker colours by relation type, and the fill classes of the states."""
    keys = Markup("").join(
        Markup('<div class="bs-key"><span class="bs-dot" style="background:{}"></span>{}</div>').format(
            RELATION_COLOURS.get(r, "#777777"), r
        )
        for r in relations
    )
    ranges = [(0, 0), *classes]
    boxes = Markup("").join(
        Markup('<div class="bs-key"><span class="bs-box" style="background:{}"></span>{}</div>').format(
            count_colour(low, classes), _range_label(low, high)
        )
        for low, high in ranges
    )
    return Markup(
        '<h4>Events by relation type</h4><div class="bs-keys">{}</div>'
        '<h4>Filtered events per state</h4><div class="bs-classes">{}</div>'
    ).format(keys, boxes)


def _range_label(low: int, high: int | None) -> str:
    if high is None:
        return f"{low} or more"
    return str(low) if low == high else f"{low}–{high}"


def build_layers(
    countries: gpd.GeoDataFrame,
    events: pd.DataFrame,
    articles: pd.DataFrame,
    classes: list[tuple[int, int | None]],
    selected: Collection[str] = (),
) -> list[folium.FeatureGroup]:
    """Return the layers that change with the filter: the focus states, then the events on top."""
    counts = state_counts(events, focus_codes(countries))
    return [build_country_layer(countries, counts, classes, selected), build_event_layer(events, articles)]


def build_country_layer(
    countries: gpd.GeoDataFrame,
    counts: Mapping[str, int],
    classes: list[tuple[int, int | None]],
    selected: Collection[str] = (),
) -> folium.FeatureGroup:
    """Return the focus states, filled by their count of filtered events and outlined.

    Parameters
    ----------
    countries
        The drawing layer (`geo.load_countries`).
    counts
        Filtered events per state (`state_counts`).
    classes
        The fill classes (`count_classes`), the same as the legend's.
    selected
        States in the country filter: drawn with a heavier, coloured outline.

    Returns
    -------
    folium.FeatureGroup
        Each state carries its own tooltip (code, English and Dutch name, count), which a click
        reports back; `clicked_state` reads the code from it.

    """
    focus = countries[countries["role"] == "focus"]
    features = []
    for code, name_en, name_nl, geometry in focus[["iso_a3", "name_en", "name_nl", "geometry"]].itertuples(
        index=False
    ):
        count = int(counts.get(code, 0))
        chosen = code in selected
        features.append(
            {
                "type": "Feature",
                "id": str(code),
                "geometry": geometry.__geo_interface__,
                "properties": {
                    "tooltip": str(markup.state_tooltip(code, name_en, name_nl, count)),
                    "fill": count_colour(count, classes),
                    "line": SELECTED_LINE if chosen else FOCUS_LINE,
                    "weight": 4 if chosen else 2,
                },
            }
        )
    layer = folium.FeatureGroup(name="Focus states", control=False)
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        style_function=lambda f: {
            "color": f["properties"]["line"],
            "weight": f["properties"]["weight"],
            "fillColor": f["properties"]["fill"],
            "fillOpacity": 0.75,
        },
        highlight_function=lambda _: {"fillOpacity": 0.9},
        # A tooltip on each state's own shape: streamlit-folium reports the clicked shape's
        # tooltip, not one bound to the whole GeoJson layer.
        on_each_feature=JsCode(
            "function (f, layer) { layer.bindTooltip(f.properties.tooltip, {sticky: true}); }"
        ),
    ).add_to(layer)
    return layer


def build_event_layer(events: pd.DataFrame, articles: pd.DataFrame) -> folium.FeatureGroup:
    """Return the events as circle markers coloured by relation type, clustered where they crowd.

    Parameters
    ----------
    events
        The filtered events (typed, as `load_dataset` returns them).
    articles
        The articles, for each popup's title, outlet and link.

    Returns
    -------
    folium.FeatureGroup
        Markers with a tooltip (id, date, actors, relation type; `clicked_event` reads the id)
        and a popup (summary, excerpt, English rendering, article title and outlet, link).

    """
    article_fields = flatten(events, articles)[["article_title", "article_outlet", "article_url"]]
    records = events.assign(**{c: article_fields[c].to_numpy() for c in article_fields})
    features = [
        {
            "type": "Feature",
            "id": str(event["event_id"]),
            "geometry": {
                "type": "Point",
                "coordinates": [float(event["longitude"]), float(event["latitude"])],
            },
            "properties": {
                "colour": RELATION_COLOURS.get(str(event["relation_type"]), "#777777"),
                "tooltip": str(markup.event_tooltip(event)),
                "popup": str(markup.event_popup(event)),
            },
        }
        for event in records.to_dict("records")
    ]
    layer = folium.FeatureGroup(name="Events", control=False)
    cluster = folium.plugins.MarkerCluster(
        control=False, options={"maxClusterRadius": 40, "showCoverageOnHover": False}
    )
    use_local_cluster_assets(cluster).add_to(layer)
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        # A filled circle with a white ring: visible on every fill, and clickable in its centre.
        marker=folium.CircleMarker(radius=7, color="#ffffff", weight=1.5, fill=True, fill_opacity=0.95),
        style_function=lambda f: {"fillColor": f["properties"]["colour"]},
        on_each_feature=JsCode(
            "function (f, layer) {"
            " layer.bindTooltip(f.properties.tooltip, {sticky: true});"
            " layer.bindPopup(f.properties.popup, {maxWidth: 300, maxHeight: 260}); }"
        ),
        control=False,
    ).add_to(cluster)
    return layer


def view_bounds(bounds: Mapping | None) -> tuple[float, float, float, float] | None:
    """Return Leaflet's reported bounds (`_southWest`, `_northEast`) as (south, west, north, east)."""
    try:
        south_west, north_east = bounds["_southWest"], bounds["_northEast"]  # type: ignore[index]
        box = (south_west["lat"], south_west["lng"], north_east["lat"], north_east["lng"])
        return tuple(float(v) for v in box)  # type: ignore[return-value]
    except (KeyError, TypeError, ValueError):
        return None


def clicked_event(tooltip: object, event_ids: Collection[str]) -> str | None:
    """Return the id of the event whose marker reported this tooltip, or None."""
    head = markup.tooltip_head(tooltip)
    return head if head in event_ids else None


def clicked_state(tooltip: object, codes: Collection[str]) -> str | None:
    """Return the code of the focus state whose shape reported this tooltip, or None."""
    head = markup.tooltip_head(tooltip)
    return head if head in codes else None
