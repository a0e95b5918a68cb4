"""The map page: narrow the events down, read the passages behind them, take the filtered set away."""

from dataclasses import replace

import streamlit as st

from borderstates import mapview, ui
from borderstates.assets import ensure_static
from borderstates.filters import filter_events

st.set_page_config(page_title="Borderstates", page_icon="🗺️", layout="wide")
ensure_static(ui.static_dir())

data = ui.load_data()
countries = ui.load_drawing()
selection = ui.sidebar_filter(data)
events = filter_events(data.events, selection.event_filter)

st.title("Events in Russia's southern border states")
ui.show_problems(data)
ui.show_notices(selection)
options, downloads = st.columns([3, 2])
in_view = options.toggle("Only events in the current view", key=ui.IN_VIEW)
outside_line = options.empty()

map_column, panel = st.columns([2, 1], gap="medium")
with map_column:
    classes = mapview.fill_classes(data.events, countries)
    grid = ui.load_grid()
    bounds = ui.show_map(
        mapview.build_base_map(countries, classes, grid=grid, context_url=ui.context_url()),
        mapview.build_layers(
            countries, events, data.articles, classes, selection.event_filter.countries, grid
        ),
        event_ids=data.event_ids,
        codes=mapview.focus_codes(countries),
        in_view=in_view,
        centre=ui.map_centre(data.events, selection.event_id),
    )
    st.caption("Borders: Natural Earth 1:10m, German point of view (Crimea in Ukraine, Abkhazia in Georgia).")

shown_filter = replace(selection.event_filter, bounds=bounds)
if bounds is not None:
    events = filter_events(data.events, shown_filter)
ui.show_count(selection, len(events), len(data.events))
outside_line.caption(
    f"{mapview.outside_focus(events, mapview.focus_codes(countries))} of the {len(events)} filtered events "
    "lie outside the four focus states."
)
with downloads:
    ui.download_buttons(events, data.articles, shown_filter)

with panel:
    if selection.event_id is not None:
        st.button("← All filtered excerpts", key="back", on_click=ui.clear_event)
        ui.show_passage(data.events, data.articles, selection.event_id)
    else:
        ui.show_excerpts(events)
