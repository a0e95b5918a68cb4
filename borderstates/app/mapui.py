"""The map page's parts: the map and its clicks, the passage panel, the excerpt list, the downloads."""

from __future__ import annotations

import datetime as dt
from functools import partial

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from borderstates.app import filterform
from borderstates.core.export import to_csv_bytes, to_geojson
from borderstates.core.filters import EventFilter, describe_filter
from borderstates.render import mapview, markup

MAP_HEIGHT = 620  # px
EXCERPTS_SHOWN = 50  # excerpts listed beside the map when no event is chosen
_CLICKS_SEEN, _CENTRE = "_bs_clicks_seen", "_bs_centre"


def show_map(
    base: folium.Map,
    layers: list[folium.FeatureGroup],
    *,
    event_ids: set[str],
    codes: tuple[str, ...],
    in_view: bool,
    centre: tuple[float, float] | None = None,
) -> tuple[float, float, float, float] | None:
    """Render the map; a click on a marker chooses its event, a click on a state toggles its filter.

    Parameters
    ----------
    base
        The map that does not change with the filter (`mapview.build_base_map`).
    layers
        The layers that do: sent apart from the map, so a new filter keeps the reader's view.
    event_ids, codes
        Every event id and the focus states' codes, to read clicks back from tooltips.
    in_view
        Report the visible bounds. Only then may panning rerun the page: the frontend fixes
        what it reports when the map mounts, so the switch also remounts the map.
    centre
        Open on this point, closer in (for a link to one event).

    Returns
    -------
    tuple or None
        The visible bounds (south, west, north, east) while `in_view` is on.

    """
    key = "map-in-view" if in_view else "map"
    returned = ["last_object_clicked_tooltip", "last_object_clicked_count"] + (["bounds"] if in_view else [])
    result = st_folium(
        base,
        key=key,
        feature_group_to_add=layers,
        returned_objects=returned,
        height=MAP_HEIGHT,
        use_container_width=True,
        center=centre,
        zoom=mapview.FIT_MAX_ZOOM if centre else None,
        on_change=partial(_on_map_click, key, event_ids, codes),
    )
    # The clicks this mount of the map has counted so far. Each mount counts from 0 again (the
    # switch changes the key, another page unmounts it), so the count is kept per key and
    # renewed on every run from what the map itself reports.
    seen = dict(st.session_state.get(_CLICKS_SEEN, {}))
    seen[key] = (result or {}).get("last_object_clicked_count") or 0
    st.session_state[_CLICKS_SEEN] = seen
    return mapview.view_bounds((result or {}).get("bounds")) if in_view else None


def _on_map_click(key: str, event_ids: set[str], codes: tuple[str, ...]) -> None:
    value = st.session_state.get(key) or {}
    clicks = value.get("last_object_clicked_count") or 0
    seen = st.session_state.get(_CLICKS_SEEN, {})
    # The value also changes when the view does (bounds): act only on a new click.
    if clicks == seen.get(key, 0):
        return
    st.session_state[_CLICKS_SEEN] = {**seen, key: clicks}
    tooltip = value.get("last_object_clicked_tooltip")
    if (event_id := mapview.clicked_event(tooltip, event_ids)) is not None:
        st.query_params[filterform.EVENT] = event_id
    elif (code := mapview.clicked_state(tooltip, codes)) is not None:
        chosen = list(st.session_state.get(filterform.COUNTRY, []))
        toggled = [c for c in chosen if c != code] if code in chosen else [*chosen, code]
        st.session_state[filterform.COUNTRY] = toggled  # as if chosen in the sidebar
        filterform.clear_event()


def map_centre(events: pd.DataFrame, event_id: str | None) -> tuple[float, float] | None:
    """Return where to open the map: on the linked event, on the session's first run only."""
    if _CENTRE not in st.session_state:
        chosen = events[events["event_id"] == event_id]
        st.session_state[_CENTRE] = (
            (float(chosen["latitude"].iloc[0]), float(chosen["longitude"].iloc[0])) if len(chosen) else None
        )
    return st.session_state[_CENTRE]


# --- the passage panel and downloads -----------------------------------------------------------


def show_passage(events: pd.DataFrame, articles: pd.DataFrame, event_id: str) -> None:
    """Show one event's passage and full record; every page shows an event this way."""
    event = events[events["event_id"] == event_id].iloc[0].to_dict()
    st.html(markup.passage_html(event, articles))


def show_excerpts(events: pd.DataFrame) -> None:
    """List the events' excerpts, newest first."""
    if events.empty:
        st.info("No event matches the filter.")
        return
    shown = min(len(events), EXCERPTS_SHOWN)
    which = f"The {shown} newest of {len(events)} events" if shown < len(events) else f"All {shown} events"
    st.caption(f"{which}, newest first. Click a marker for its full record.")
    st.html(markup.excerpt_list_html(events, EXCERPTS_SHOWN, filterform.current_params()))


def download_buttons(events: pd.DataFrame, articles: pd.DataFrame, event_filter: EventFilter) -> None:
    """Offer the events as CSV and GeoJSON, named with today's date and a filter summary."""
    stem = f"borderstates_{dt.date.today().isoformat()}_{describe_filter(event_filter)}"
    stem += "_in-view" if event_filter.bounds else ""
    left, right = st.columns(2)
    # The files are made only when a button is pressed (a callable): a million rows take seconds.
    left.download_button(
        "Download CSV",
        partial(to_csv_bytes, events, articles),
        file_name=f"{stem}.csv",
        mime="text/csv",
        key="download_csv",
        on_click="ignore",
        width="stretch",
    )
    right.download_button(
        "Download GeoJSON",
        lambda: to_geojson(events, articles).encode("utf-8"),
        file_name=f"{stem}.geojson",
        mime="application/geo+json",
        key="download_geojson",
        on_click="ignore",
        width="stretch",
    )
