"""Map builders: a base map drawn from our own geometry, the focus-state layer and the event layer.

Plain functions that return folium objects and never touch Streamlit. The base map holds only
what never changes with the filter, so a page can send the two layers separately (as
streamlit-folium's `feature_group_to_add`) and keep the reader's view when the filter changes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import cast

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Figure
from folium.utilities import JsCode
from markupsafe import Markup

from borderstates.analysis import density
from borderstates.analysis.fatalities import Deaths
from borderstates.analysis.timeline import bin_start
from borderstates.analysis.windows import Windows
from borderstates.core import contract
from borderstates.core.contract import CLUSTER_SIZE, SPAN_END
from borderstates.render import fills, markup
from borderstates.render.areadraw import add_draw_control
from borderstates.render.assets import use_local_map_assets, use_local_plugin_assets
from borderstates.render.labels import LabelStyle, PlaceLabels
from borderstates.render.mapcontrols import (
    ClickReporting,
    DensityCells,
    FitButtons,
    KeyboardAccess,
    Legend,
    LinkedGeoJson,
    page_style,
)
from borderstates.render.palette import (
    CONTEXT_FILL,
    CONTEXT_LINE,
    COUNT_COLOURS,
    DENSITY_COLOURS,
    FOCUS_LINE,
    RELATION_COLOURS,
    SELECTED_LINE,
    UNKNOWN_RELATION,
)
from borderstates.render.playback import Playback, WindowCounts, days_since_epoch, window_data
from borderstates.render.styles import MAP_CSS

MIN_ZOOM = 2
MAX_ZOOM = 10  # our simplified borders are not drawn for closer views
FIT_MAX_ZOOM = 7  # "Fit events" never zooms closer than this, even to a single event
# The map's and a cluster's accessible names ("{}": the cluster's number of events).
MAP_LABEL = (
    "Map of the filtered events: arrow keys pan, plus and minus zoom; "
    "Tab reaches the markers and the focus states, Enter opens one"
)
CLUSTER_LABEL = "{} events grouped here: press Enter to zoom in"
DENSITY_PANE = "bs-density"
# The markers' own pane, above the states and the regions (all in the overlay pane, 400) and the
# cells: a region drawn over the states on zooming in never takes a click meant for a marker.
EVENTS_PANE = "bs-events"
TOOLS_CORNER = "topright"  # the fit buttons and the drawing tools, below the layer control
# A marker's ring: white, or dark and heavier for an event that several datasets report.
RING, CORROBORATED_RING = ("#ffffff", 1.5), ("#1b1b1b", 3.0)


def focus_codes(countries: gpd.GeoDataFrame) -> tuple[str, ...]:
    """Return the codes of the focus states in the drawing layer."""
    return tuple(countries.loc[countries["role"] == "focus", "iso_a3"].astype("str"))


def focus_bounds(countries: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """Return the bounding box of the focus states as (south, west, north, east)."""
    west, south, east, north = countries[countries["role"] == "focus"].total_bounds
    return float(south), float(west), float(north), float(east)


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
    relations: Iterable[str] = contract.RELATION_TYPES,
    grid: density.Grid | None = None,
    context_url: str | None = None,
    labels_url: str | None = None,
    labels: pd.DataFrame | None = None,
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
    grid
        The dataset's density grid (`density.fit_grid`), when it is large enough to be drawn
        as cells: the legend then explains their colours.
    context_url
        Where the browser can fetch the neighbouring states (`context_geojson` published by
        `assets.publish`); without it they are embedded in the map.
    labels_url, labels
        Where the browser can fetch the place names (`labels.place_labels_geojson`, published
        by `assets.publish`), or the names themselves (`labels.place_labels`), embedded; with
        neither, the map has no names.

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
    m.options["keyboard"] = True  # Leaflet's default, relied upon: Tab reaches the map, arrows pan it
    page = cast(Figure, m.get_root())  # a new folium.Map is the child of a Figure, the page it draws on
    page.header.add_child(page_style(MAP_CSS), name="borderstates_css")
    # Optional online tiles, off by default: Leaflet fetches no tile until the layer is chosen.
    folium.TileLayer(
        "OpenStreetMap", name="OpenStreetMap tiles (online)", overlay=True, show=False, max_zoom=MAX_ZOOM
    ).add_to(m)
    # Not interactive: clicks fall through to the map, and only focus states filter.
    context_style = {"color": CONTEXT_LINE, "weight": 0.8, "fillColor": CONTEXT_FILL, "fillOpacity": 0.85}
    if context_url is not None:
        LinkedGeoJson(context_url, context_style).add_to(m)
    else:
        folium.GeoJson(
            context_geojson(countries), name="Neighbouring states", style_function=lambda _: context_style,
            interactive=False,
        ).add_to(m)  # fmt: skip
    # Before the layer control, which lists it.
    PlaceLabels(labels_url, labels).add_to(m)
    LabelStyle().add_to(m)
    folium.LayerControl(position="topright", collapsed=True).add_to(m)
    # Density cells are drawn in a pane of their own, above the states' fill (overlay pane, 400).
    folium.map.CustomPane(DENSITY_PANE, z_index=450).add_to(m)
    folium.map.CustomPane(EVENTS_PANE, z_index=460).add_to(m)
    first_view = folium.FitBounds([[south, west], [north, east]])
    # Not animated: while Leaflet animates a zoom it ignores setView, and the page's first
    # setView (a link to one event) would be lost.
    first_view.options["animate"] = False
    first_view.add_to(m)
    # The tools stack in the top right corner, over Russia, where no focus state is at the first
    # view; the zoom stays top left, above Ukraine; the legend (bottom left) over the Black Sea
    # and Turkey; playback (bottom right) folded to one button below Azerbaijan.
    FitButtons([[south, west], [north, east]], FIT_MAX_ZOOM, position=TOOLS_CORNER).add_to(m)
    ClickReporting().add_to(m)
    add_draw_control(m, position=TOOLS_CORNER)
    KeyboardAccess(MAP_LABEL, CLUSTER_LABEL).add_to(m)
    Legend(legend_html(classes, relations, grid), position="bottomleft").add_to(m)
    Playback().add_to(m)
    return m


def context_geojson(countries: gpd.GeoDataFrame) -> str:
    """Return the neighbouring (non-focus) states as GeoJSON text, geometry only."""
    return countries.loc[countries["role"] != "focus", ["geometry"]].to_json(drop_id=True)


def _density_classes(grid: density.Grid) -> tuple[list[tuple[int, int | None]], list[int]]:
    """Return the grid's count classes and the step of `DENSITY_COLOURS` each is drawn in."""
    classes = count_classes(grid.densest)
    return classes, (_spread(len(classes), len(DENSITY_COLOURS)) if classes else [])


def legend_html(
    classes: list[tuple[int, int | None]],
    relations: Iterable[str],
    grid: density.Grid | None = None,
    fill_block: Markup | None = None,
) -> Markup:
    """Return the legend: marker colours by relation type, what the fill means, grid cells.

    Without `fill_block` (`fills.fill_legend`), the fill is the states' count `classes`; the
    layers replace the block with their own (`fills.FillLegend`), so the base map stays the same.
    """
    keys = Markup("").join(
        Markup('<div class="bs-key"><span class="bs-dot" style="background:{}"></span>{}</div>').format(
            RELATION_COLOURS.get(r, UNKNOWN_RELATION), r
        )
        for r in relations
    )
    if fill_block is None:
        fill_block = fills.fill_legend("count", "state", count_keys(classes))
    legend = Markup(
        '<h4>Events by relation type</h4><div class="bs-keys">{}</div>{}<div class="{}">{}</div>'
    ).format(keys, PRECISION_KEYS, fills.LEGEND_CLASS, fill_block)
    if grid is None:
        return legend
    cell_classes, steps = _density_classes(grid)
    cells = Markup("").join(
        Markup(
            '<div class="bs-key"><span class="bs-box" style="background:{};border:0"></span>{}</div>'
        ).format(DENSITY_COLOURS[step], _range_label(low, high))
        for step, (low, high) in zip(steps, cell_classes, strict=True)
    )
    return legend + Markup(
        '<h4>Events per {}° cell (over {} filtered events)</h4><div class="bs-classes">{}</div>'
    ).format(f"{grid.size:g}", f"{density.MARKER_LIMIT:,}", cells)


def count_keys(classes: list[tuple[int, int | None]]) -> list[tuple[str, str]]:
    """Return the legend's (colour, label) of each count class, none first."""
    return [(count_colour(low, classes), _range_label(low, high)) for low, high in [(0, 0), *classes]]


def state_units(countries: gpd.GeoDataFrame) -> list[fills.Unit]:
    """Return the focus states as units to fill: code, English and Dutch names."""
    focus = countries[countries["role"] == "focus"]
    return [
        fills.Unit(str(code), str(en), str(nl))
        for code, en, nl in focus[["iso_a3", "name_en", "name_nl"]].itertuples(index=False)
    ]


def count_fills(
    units: list[fills.Unit],
    counts: Mapping[str, int],
    classes: list[tuple[int, int | None]],
    deaths: Mapping[str, Deaths] | None = None,
) -> dict[str, fills.Fill]:
    """Return each unit's fill by its count in the colours of `classes`, its deaths in the tooltip."""
    return fills.count_fills(units, counts, lambda count: count_colour(count, classes), deaths)


def _range_label(low: int, high: int | None) -> str:
    if high is None:
        return f"{low} or more"
    return str(low) if low == high else f"{low}–{high}"


def build_layers(
    countries: gpd.GeoDataFrame,
    state_fills: Mapping[str, fills.Fill],
    classes: list[tuple[int, int | None]],
    selected: Collection[str] = (),
    *,
    regions: fills.RegionFill | None = None,
    legend: Markup | None = None,
    markers: pd.DataFrame | None = None,
    cells: pd.DataFrame | None = None,
    grid: density.Grid | None = None,
    unit: str = "month",
    windows: Windows | None = None,
) -> list[folium.FeatureGroup]:
    """Return the layers that change with the filter: the focus states, then the events on top.

    Parameters
    ----------
    countries, selected
        As `build_country_layer` takes them.
    state_fills
        Each focus state's colour and tooltip (`count_fills`, `fills.change_fills`, …).
    classes
        The states' count classes, which playback fills them by.
    regions
        The regions' fill, drawn over the states where it shows (`fills.RegionFill`).
    legend
        What the fill means (`fills.fill_legend`), put into the base map's legend.
    markers
        The filtered events to draw one by one (`analysis.mapdata.markers`), when they are few.
    cells, grid
        Otherwise their grid cells (`analysis.density.grid_cells`) on the dataset's grid.
    unit, windows
        Playback's window (the histogram's unit), and the events per window of it
        (`analysis.windows.window_counts`) once playback has asked for them: attached to the
        states' layer.

    """
    if cells is not None and grid is not None:
        event_layer = build_density_layer(cells, grid)
    else:
        event_layer = build_event_layer(markers if markers is not None else pd.DataFrame(), unit)
    country_layer = build_country_layer(countries, state_fills, selected)
    if regions is not None:
        regions.add_to(country_layer)  # after the states' shapes: it finds them in the group
    if legend is not None:
        fills.FillLegend(legend).add_to(country_layer)
    playing = [(low, count_colour(low, classes)) for low, _ in classes]
    WindowCounts(window_data(unit, windows, playing, count_colour(0, classes), cells)).add_to(country_layer)
    return [country_layer, event_layer]


def build_country_layer(
    countries: gpd.GeoDataFrame,
    state_fills: Mapping[str, fills.Fill],
    selected: Collection[str] = (),
) -> folium.FeatureGroup:
    """Return the focus states, filled and outlined.

    Parameters
    ----------
    countries
        The drawing layer (`geo.load_countries`).
    state_fills
        Each state's colour and tooltip (`count_fills`, `fills.change_fills`, …); a state
        without one is drawn as having no events.
    selected
        States in the country filter: drawn with a heavier, coloured outline.

    Returns
    -------
    folium.FeatureGroup
        Each state carries its own tooltip (its code first), which a click reports back;
        `clicked_state` reads the code from it.

    """
    focus = countries[countries["role"] == "focus"]
    features = []
    for code, geometry in focus[["iso_a3", "geometry"]].itertuples(index=False):
        fill = state_fills.get(code) or fills.Fill(COUNT_COLOURS[0], str(code))
        chosen = code in selected
        features.append(
            {
                "type": "Feature",
                "id": str(code),
                "geometry": geometry.__geo_interface__,
                "properties": {
                    "tooltip": fill.tooltip,
                    "fill": fill.colour,
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


def build_event_layer(events: pd.DataFrame, unit: str = "month") -> folium.FeatureGroup:
    """Return the events as circle markers coloured by relation type, clustered where they crowd.

    An event placed only at region or country precision is a hollow ring; one dated less
    precisely than a bar of `unit` (the histogram's and playback's window) has a dashed outline.

    Parameters
    ----------
    events
        The events to draw, with their first article's fields (`analysis.mapdata.markers`).
    unit
        The histogram's bars: day, week or month.

    Returns
    -------
    folium.FeatureGroup
        Markers with a tooltip (id, date, actors, relation type; `clicked_event` reads the id)
        and a popup (summary, excerpt, English rendering, article title and outlet, link).

    """
    # The span playback shows each event in (`playback.days_since_epoch`): two small numbers.
    firsts, lasts = (days_since_epoch(events[c]) if len(events) else [] for c in ("date", SPAN_END))
    vague = _vaguely_dated(events, unit)
    features = [
        {
            "type": "Feature",
            "id": str(event["event_id"]),
            "geometry": {
                "type": "Point",
                "coordinates": [float(event["longitude"]), float(event["latitude"])],
            },
            "properties": {
                **_marker_style(event, dashed),
                "tooltip": str(markup.event_tooltip(event)),
                "popup": str(markup.event_popup(event)),
                "t0": first,
                "t1": last,
            },
        }
        for event, first, last, dashed in zip(events.to_dict("records"), firsts, lasts, vague, strict=True)
    ]
    layer = folium.FeatureGroup(name="Events", control=False)
    cluster = folium.plugins.MarkerCluster(
        control=False, options={"maxClusterRadius": 40, "showCoverageOnHover": False}
    )
    use_local_plugin_assets(cluster).add_to(layer)
    # A filled circle with a white ring: visible on every fill, and clickable in its centre.
    marker = folium.CircleMarker(radius=7, color=RING[0], weight=RING[1], fill=True, fill_opacity=0.95)
    marker.options["pane"] = EVENTS_PANE  # folium passes no pane through
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        marker=marker,
        style_function=lambda f: {
            key: f["properties"][key] for key in ("fillColor", "fillOpacity", "color", "weight", "dashArray")
        },
        on_each_feature=JsCode(
            "function (f, layer) {"
            " layer.bindTooltip(f.properties.tooltip, {sticky: true});"
            " layer.bindPopup(f.properties.popup, {maxWidth: 300, maxHeight: 260}); }"
        ),
        control=False,
    ).add_to(cluster)
    return layer


# How a marker says how precisely the source knows the place and the day (the legend says it too).
HOLLOW_PRECISIONS = ("region", "country")  # drawn as a ring: the point stands for a larger place
_DASH = "3 2"
PRECISION_KEYS = Markup(
    '<div class="bs-keys bs-precision" title="How exact the place and the date are">'
    '<div class="bs-key"><span class="bs-dot" style="background:#777777"></span>exact, city</div>'
    '<div class="bs-key"><span class="bs-dot bs-ring"></span>region/country</div>'
    '<div class="bs-key" title="dated less precisely than a bar of the histogram">'
    '<span class="bs-dot bs-dashed"></span>vague date</div>'
    '<div class="bs-key" title="an event that several datasets report">'
    '<span class="bs-dot" style="background:#fff;border:{}px solid {}"></span>several sources</div></div>'
).format(CORROBORATED_RING[1], CORROBORATED_RING[0])


def _marker_style(event: Mapping, dashed: bool) -> dict[str, object]:
    """Return a marker's look: filled (exact, city) or a ring (region, country), dashed if vaguely dated.

    An event that several datasets report (`CLUSTER_SIZE` above 1) has a dark, heavier outline.
    """
    colour = RELATION_COLOURS.get(str(event["relation_type"]), UNKNOWN_RELATION)
    if str(event.get("geo_precision")) in HOLLOW_PRECISIONS:
        style = {"fillColor": colour, "fillOpacity": 0.2, "color": colour, "weight": 3}
    else:
        style = {
            "fillColor": colour,
            "fillOpacity": 0.95,
            "color": "#1f1f1f" if dashed else RING[0],
            "weight": RING[1],
        }
    if int(event.get(CLUSTER_SIZE) or 1) > 1:
        style |= {"color": CORROBORATED_RING[0], "weight": CORROBORATED_RING[1], "several": 1}
    return {**style, "dashArray": _DASH if dashed else None, "colour": colour}


def _vaguely_dated(events: pd.DataFrame, unit: str) -> list[bool]:
    """Return for each event whether its span runs over more than one bar of `unit`."""
    if not len(events):
        return []
    first, last = (bin_start(pd.to_datetime(events[c]), unit) for c in ("date", SPAN_END))
    return [bool(v) for v in (first != last).to_numpy()]


def build_density_layer(cells: pd.DataFrame, grid: density.Grid) -> folium.FeatureGroup:
    """Return events as grid cells coloured by count, for more events than markers can show.

    Parameters
    ----------
    cells
        The filtered events' cells (`density.grid_cells`): bounds, count, commonest relation type.
    grid
        The dataset's grid (`density.fit_grid`): the same cells and colours for every filter.

    Returns
    -------
    folium.FeatureGroup
        One rectangle per occupied cell, drawn on a canvas, with its count and commonest relation
        type as tooltip; the counts add up to the number of events.

    """
    classes, steps = _density_classes(grid)
    lows = np.array([low for low, _ in classes]) if classes else np.array([1])
    colour_index = np.asarray(steps)[np.searchsorted(lows, cells["count"].to_numpy(), side="right") - 1]
    relation_index = pd.Categorical(cells["top_relation"], categories=contract.RELATION_TYPES).codes
    rows = zip(
        *(cells[c].round(4).tolist() for c in ("south", "west", "north", "east")),
        cells["count"].tolist(),
        colour_index.tolist(),
        relation_index.tolist(),
        strict=True,
    )
    layer = folium.FeatureGroup(name="Event density", control=False)
    cells_element = DensityCells(
        [list(row) for row in rows],
        list(DENSITY_COLOURS),
        list(contract.RELATION_TYPES),
        DENSITY_PANE,
        classes=([int(low) for low in lows], [int(step) for step in steps] or [0]),
    )
    cells_element.add_to(layer)
    return layer


def view_bounds(bounds: Mapping | None) -> tuple[float, float, float, float] | None:
    """Return Leaflet's reported bounds (`_southWest`, `_northEast`) as (south, west, north, east)."""
    if bounds is None:
        return None
    try:
        south_west, north_east = bounds["_southWest"], bounds["_northEast"]
        box = (south_west["lat"], south_west["lng"], north_east["lat"], north_east["lng"])
        south, west, north, east = (float(v) for v in box)
    except (KeyError, TypeError, ValueError):
        return None
    return south, west, north, east


def clicked_event(tooltip: object, event_ids: Collection[str]) -> str | None:
    """Return the id of the event whose marker reported this tooltip, or None."""
    head = markup.tooltip_head(tooltip)
    return head if head in event_ids else None


def clicked_state(tooltip: object, codes: Collection[str]) -> str | None:
    """Return the code of the focus state whose shape reported this tooltip, or None."""
    head = markup.tooltip_head(tooltip)
    return head if head in codes else None
