"""The app: the Streamlit glue every page shares.

The cached data of the server, the sidebar and its filter form kept in the URL, the map with
its clicks, the passage panel and the downloads, and the shell of the analysis pages. The only
layer that imports Streamlit; it may import every layer below it (render, analysis, core).
The pages themselves (`dashboard.py`, `pages/`) stay thin and call this layer.
"""
