"""The map page: narrow the events down, read the passages behind them, take the filtered set away."""

from dataclasses import replace

import streamlit as st

from borderstates.app import data as appdata
from borderstates.app import filterform, mapui, sidebar
from borderstates.core.filters import filter_events
from borderstates.render import mapview
from borderstates.render.assets import ensure_static
from borderstates.render.styles import PAGE_CSS

st.set_page_config(page_title="Borderstates", page_icon="🗺️", layout="wide")
ensure_static(appdata.static_dir())

data = appdata.load_data()
countries = appdata.load_drawing()
selection = sidebar.sidebar_filter(data)
events = filter_events(data.events, selection.event_filter)

st.title("Events in Russia's southern border states")
st.html(PAGE_CSS)
sidebar.show_problems(data)
sidebar.show_notices(selection)
options, downloads = st.columns([3, 2])
in_view = options.toggle("Only events in the current view", key=filterform.IN_VIEW)
outside_line = options.empty()

map_column, panel = st.columns([2, 1], gap="medium")
with map_column:
    classes = mapview.fill_classes(data.events, countries)
    grid = appdata.load_grid()
    codes = mapview.focus_codes(countries)
    bounds = mapui.show_map(
        mapview.build_base_map(countries, classes, grid=grid, context_url=appdata.context_url()),
        mapview.build_layers(
            countries, events, data.articles, classes, selection.event_filter.countries, grid
        ),
        event_ids=data.event_ids,
        codes=codes,
        in_view=in_view,
        centre=mapui.map_centre(data.events, selection.event_id),
    )
    st.caption("Borders: Natural Earth 1:10m, German point of view (Crimea in Ukraine, Abkhazia in Georgia).")

shown_filter = replace(selection.event_filter, bounds=bounds)
if bounds is not None:
    events = filter_events(data.events, shown_filter)
sidebar.show_count(selection, len(events), len(data.events))
outside_line.caption(
    f"{mapview.outside_focus(events, codes)} of the {len(events)} filtered events "
    "lie outside the four focus states."
)
with downloads:
    mapui.download_buttons(events, data.articles, shown_filter)

with panel:
    if selection.event_id is not None:
        st.button("← All filtered excerpts", key="back", on_click=filterform.clear_event)
        mapui.show_passage(data.events, data.articles, selection.event_id)
    else:
        mapui.show_excerpts(events)
