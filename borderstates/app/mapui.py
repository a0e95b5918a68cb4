"""The map page's parts: the map and its clicks, the passage panel, the excerpt list, the downloads."""

from __future__ import annotations

import datetime as dt
from functools import partial

import folium
import geopandas as gpd
import streamlit as st
from streamlit_folium import st_folium

from borderstates.analysis import density, mapdata, sources, windows
from borderstates.app import areaform, filterform, mapfill, timeaxis
from borderstates.app import data as appdata
from borderstates.core.area import Area
from borderstates.core.engine import Store
from borderstates.core.export import export_file
from borderstates.core.filters import EventFilter, describe_filter
from borderstates.render import areadraw, mapview, markup, playback

MAP_HEIGHT = 620  # px
MAP_KEY, IN_VIEW_MAP_KEY = "map", "map-in-view"  # the map's keys without and with the view switch
PANEL_HEIGHT = MAP_HEIGHT + 40  # px of the panel beside the map (and its caption); it scrolls
_CLICKS_SEEN, _CENTRE = "_bs_clicks_seen", "_bs_centre"
DOWNLOAD_ROWS = 100_000  # events a download holds at most (35 MB of CSV for synthetic events)
_PLAYING = "_bs_playing"  # playback has asked for its counts per window (until it is stopped)


def show_event_map(
    store: Store,
    dataset: appdata.PerDataset,
    countries: gpd.GeoDataFrame,
    f: EventFilter,
    placed: mapdata.Placed,
    *,
    unit: str,
    in_view: bool,
    event_id: str | None,
    fill: tuple[str, str] = ("count", "state"),
) -> None:
    """Draw the events `f` keeps: one marker each when they are few, else the dataset's grid cells.

    The states and regions are filled as `fill` (what, by which units: `mapfill.fill_controls`)
    says, the counts from `placed`. Playback's counts per window of `unit` are asked of the
    engine only once the map's playback has asked for them.
    """
    many = dataset.grid is not None and not density.draws_markers(placed.total)
    markers = None if many else appdata.ask(store, mapdata.markers, f, density.MARKER_LIMIT)
    cells = appdata.ask(store, density.grid_cells, f, dataset.grid) if many else None
    grid = dataset.grid if many else None
    counts = appdata.ask(store, windows.window_counts, f, unit, grid) if playing() else None
    codes = mapview.focus_codes(countries)
    filled = mapfill.map_fill(store, dataset, countries, f, placed, *fill)
    base = mapview.build_base_map(
        countries,
        dataset.classes,
        grid=dataset.grid,
        context_url=appdata.context_url(),
        labels_url=appdata.labels_url(),
    )
    layers = mapview.build_layers(
        countries,
        filled.states,
        dataset.classes,
        f.countries,
        regions=filled.regions,
        legend=filled.legend,
        markers=markers,
        cells=cells,
        grid=dataset.grid,
        unit=unit,
        windows=counts,
    )
    show_map(
        base,
        layers,
        event_ids=set(markers["event_id"]) if markers is not None else set(),
        codes=codes,
        region_codes=filled.region_codes,
        in_view=in_view,
        area=f.area,
        centre=map_centre(store, event_id),
    )


def show_map(
    base: folium.Map,
    layers: list[folium.FeatureGroup],
    *,
    event_ids: set[str],
    codes: tuple[str, ...],
    in_view: bool,
    region_codes: tuple[str, ...] = (),
    area: Area | None = None,
    centre: tuple[float, float] | None = None,
) -> None:
    """Render the map; a click on a marker chooses its event, a click on a state toggles its filter.

    Shapes drawn with the map's tools become the filter's area (`areaform.take_drawings`).

    Parameters
    ----------
    base
        The map that does not change with the filter (`mapview.build_base_map`).
    layers
        The layers that do: sent apart from the map, so a new filter keeps the reader's view.
    event_ids, codes, region_codes
        Every event id, the focus states' and the drawn regions' codes, to read clicks back
        from tooltips.
    in_view
        Report the visible bounds (`reported_view`). Only then may panning rerun the page: the
        frontend fixes what it reports when the map mounts, so the switch also remounts the map.
    area
        The filter's area: its shapes are shown in the map's drawing, to edit or delete.
    centre
        Open on this point, closer in (for a link to one event).

    """
    key = IN_VIEW_MAP_KEY if in_view else MAP_KEY
    returned = ["last_object_clicked_tooltip", "last_object_clicked_count", "all_drawings"]
    returned += ["bounds"] if in_view else []
    result = st_folium(
        base,
        key=key,
        feature_group_to_add=[*layers, areadraw.build_area_layer(*areaform.map_shapes(area))],
        returned_objects=returned,
        height=MAP_HEIGHT,
        use_container_width=True,
        center=centre,
        zoom=mapview.FIT_MAX_ZOOM if centre else None,
        on_change=partial(_on_map_click, key, event_ids, codes, region_codes),
    )
    # The clicks this mount of the map has counted so far. Each mount counts from 0 again (the
    # switch changes the key, another page unmounts it), so the count is kept per key and
    # renewed on every run from what the map itself reports.
    seen = dict(st.session_state.get(_CLICKS_SEEN, {}))
    seen[key] = (result or {}).get("last_object_clicked_count") or 0
    st.session_state[_CLICKS_SEEN] = seen


def playing() -> bool:
    """Return True while the map's playback is on: the page then sends the counts per window it plays.

    Counted only then, they cost nothing on the reruns of a reader who does not play.
    """
    return bool(st.session_state.get(_PLAYING))


def reported_view(in_view: bool) -> tuple[float, float, float, float] | None:
    """Return the bounds (south, west, north, east) the map last reported, while the view switch is on.

    Read before the map is drawn, so that the counts, the markers and cells, the list and the
    downloads all narrow to the view; each move reruns the page with the new bounds.
    """
    return (
        mapview.view_bounds((st.session_state.get(IN_VIEW_MAP_KEY) or {}).get("bounds")) if in_view else None
    )


def _on_map_click(
    key: str, event_ids: set[str], codes: tuple[str, ...], regions: tuple[str, ...] = ()
) -> None:
    value = st.session_state.get(key) or {}
    areaform.take_drawings(value.get("all_drawings"))
    clicks = value.get("last_object_clicked_count") or 0
    seen = st.session_state.get(_CLICKS_SEEN, {})
    # The value also changes when the view does (bounds): act only on a new click.
    if clicks == seen.get(key, 0):
        return
    st.session_state[_CLICKS_SEEN] = {**seen, key: clicks}
    tooltip = value.get("last_object_clicked_tooltip")
    if (event_id := mapview.clicked_event(tooltip, event_ids)) is not None:
        st.query_params[filterform.EVENT] = event_id
    elif (window := playback.clicked_window(tooltip)) is not None:
        filterform.set_dates(*window)  # "use this window": as if typed into From and To
    elif (unit := playback.clicked_unit(tooltip)) is not None:
        timeaxis.set_unit(unit)  # one clock: the window is one bar of the histogram
    elif (playing := playback.clicked_playing(tooltip)) is not None:
        st.session_state[_PLAYING] = playing
    elif (code := mapview.clicked_state(tooltip, codes)) is not None:
        _toggle(filterform.COUNTRY, code)
    elif (code := mapview.clicked_state(tooltip, regions)) is not None:
        _toggle(filterform.REGION, code)


def _toggle(key: str, code: str) -> None:
    """Add a state or region to its filter, or take it out, as if chosen in the sidebar."""
    chosen = list(st.session_state.get(key, []))
    st.session_state[key] = [c for c in chosen if c != code] if code in chosen else [*chosen, code]
    filterform.clear_event()


def map_centre(store: Store, event_id: str | None) -> tuple[float, float] | None:
    """Return where to open the map: on the linked event, on the session's first run only."""
    if _CENTRE not in st.session_state:
        record = mapdata.event_record(store, event_id) if event_id else None
        st.session_state[_CENTRE] = (
            (float(record["latitude"]), float(record["longitude"])) if record is not None else None  # type: ignore[arg-type]
        )
    centre: tuple[float, float] | None = st.session_state[_CENTRE]
    return centre


# --- the passage panel and downloads -----------------------------------------------------------


def show_passage(store: Store, event_id: str) -> None:
    """Show one event's passage and full record; every page shows an event this way."""
    event = mapdata.event_record(store, event_id)
    if event is None:
        st.info(f"No event has the id {event_id!r} any more.")
        return
    others = sources.corroborating(store, event)
    st.html(
        markup.passage_html(event, mapdata.articles_of(store, event), others, filterform.current_params())
    )


def show_excerpts(store: Store, f: EventFilter, count: int) -> None:
    """List the excerpts of the filtered events (`count` of them), newest first."""
    if count == 0:
        st.info("No event matches the filter.")
        return
    shown = min(count, mapdata.NEWEST_LISTED)
    which = f"The {shown} newest of {count:,} events" if shown < count else f"All {shown} events"
    st.caption(f"{which}, newest first. Click a marker for its full record.")
    newest = appdata.ask(store, mapdata.newest, f, mapdata.NEWEST_LISTED)
    st.html(markup.excerpt_list_html(newest, mapdata.NEWEST_LISTED, filterform.current_params()))


def download_buttons(store: Store, event_filter: EventFilter, count: int) -> None:
    """Offer the `count` filtered events as CSV and GeoJSON, named with today's date and the filter.

    A download holds at most `DOWNLOAD_ROWS` events, the first in the files' order: Streamlit
    keeps a download in the server's memory whole while it is fetched. When the filter keeps
    more, the page and the file's name say so, and point to `borderstates export`, which streams.
    """
    stem = f"borderstates_{dt.date.today().isoformat()}_{describe_filter(event_filter)}"
    stem += "_in-view" if event_filter.bounds else ""
    capped = count > DOWNLOAD_ROWS
    stem += f"_first-{DOWNLOAD_ROWS}-of-{count}" if capped else ""
    left, right = st.columns(2)
    buttons = ((left, "CSV", "csv", "text/csv"), (right, "GeoJSON", "geojson", "application/geo+json"))
    for column, name, export_format, mime in buttons:
        column.download_button(
            f"Download {name}",
            # Written only when the button is pressed (a callable), batch by batch, into a file.
            partial(export_file, store, event_filter, export_format, DOWNLOAD_ROWS),
            file_name=f"{stem}.{export_format}",
            mime=mime,
            key=f"download_{export_format}",
            on_click="ignore",
            width="stretch",
        )
    if capped:
        st.caption(
            f"The downloads hold the first {DOWNLOAD_ROWS:,} of the {count:,} filtered events, in the "
            "files' order: `borderstates export` writes them all."
        )
