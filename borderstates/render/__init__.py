"""The rendering: how results look, as HTML, Folium maps and Altair charts.

The escaped HTML of tooltips, popups and panels, the map builders and their Leaflet controls,
the charts, the project's colours and styles, and the scripts and stylesheets the app serves
itself. Plain functions that return markup, maps or charts and never call Streamlit; they may
import `borderstates.analysis` and `borderstates.core`.
"""
