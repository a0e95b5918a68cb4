"""Streamlit glue shared by every page: cached loaders, the filter sidebar, the map, the passage.

With `navigation` and `pageui`, the only modules of the package that import Streamlit. Pages
stay thin: they call these functions and the package's plain ones.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit_folium import st_folium

from borderstates import assets, density, filterform, mapview, markup, navigation, schema
from borderstates.export import to_csv_bytes, to_geojson
from borderstates.filters import KNOWN_PARAMS, MAX_SEARCH_LENGTH, Choices, EventFilter, describe_filter
from borderstates.geo import load_countries
from borderstates.load import DRAWING_FILE, FULL_FILE, Dataset, data_dir, geometry_dir, load_dataset

MAP_HEIGHT = 620  # px
IN_VIEW = "in_view"  # the switch "only events in the current view"
EXCERPTS_SHOWN = 50  # excerpts listed beside the map when no event is chosen
NOTICES_SHOWN = 10  # values of a link that were not applied, named one by one
_URL_CHECKED, _NOTICES, _FILTER_AT_LOAD = "_bs_url_checked", "_bs_notices", "_bs_filter_at_load"
_CLICKS_SEEN, _CENTRE = "_bs_clicks_seen", "_bs_centre"
_EARLIEST, _LATEST = dt.date(1900, 1, 1), dt.date(2100, 12, 31)
_DEFAULTS = {
    filterform.SIDE: "any",
    filterform.DATE_FROM: None,
    filterform.DATE_TO: None,
    filterform.INVOLVING: False,
    filterform.TEXT: "",
    IN_VIEW: False,
}
_PANEL_CSS = """<style>
.bs-passage h4 { margin: 0 0 .3em; } .bs-meta { color: #555; margin: .2em 0; font-size: .9em; }
.bs-passage blockquote, .bs-excerpts blockquote { margin: .5em 0; padding-left: .8em;
  border-left: 3px solid #9a88c5; font-style: italic; }
.bs-record { font-size: .85em; border-collapse: collapse; margin-top: .8em; }
.bs-record th { text-align: left; padding-right: 1em; color: #555; font-weight: normal; vertical-align: top; }
.bs-excerpts { padding-left: 1.2em; } .bs-excerpts li { margin-bottom: .8em; }
</style>"""


# --- loaders: the only cached functions --------------------------------------------------------


def _mtimes(*paths: Path) -> tuple[int, ...]:
    """Return the files' modification times, so an edited file is read again."""
    return tuple(p.stat().st_mtime_ns if p.exists() else 0 for p in paths)


@dataclass
class _Loading:
    """A data directory being loaded in the background, once per server, and its latest stage."""

    stage: tuple[str, float] = ("Loading the events…", 0.0)
    future: Future = field(init=False)

    def report(self, text: str, done: float) -> None:
        self.stage = (text, done)


# One thread loads: the load goes on when the reader who started it changes a filter or leaves
# (a load in the script's own thread would be cut short by the rerun and begin again), and a
# second reader waits for the same load instead of starting another.
_LOADER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="borderstates-load")


# A resource, not data: st.cache_data would hand every rerun of every session its own unpickled
# copy (a second per rerun and a copy per session at a million events). The frames are never
# changed in place: every filter returns new ones.
@st.cache_resource(show_spinner=False, max_entries=2)
def _loading(directory: str, mtimes: tuple[int, ...]) -> _Loading:
    # `mtimes` is only part of the cache key (a leading underscore would leave it out of the key).
    # The Parquet cache spares a new server process the parsing of big imported files.
    loading = _Loading()
    loading.future = _LOADER.submit(load_dataset, directory, cache=True, progress=loading.report)
    return loading


def load_data() -> Dataset:
    """Return the data directory's events and articles (loaded once, again when a file changes).

    While a load runs, a progress bar says which stage it is in.
    """
    loading = _loading(*_data_files())
    # The slot is there on every run: an element only on the first would shift the ones after
    # it, and Streamlit would mount the map anew on the next run.
    slot = st.empty()
    while not loading.future.done():
        text, done = loading.stage
        slot.progress(done, text=text)
        wait([loading.future], timeout=0.25)
    slot.empty()
    if loading.future.exception() is not None:
        _loading.clear()  # the next run tries again rather than repeat the failure
    return loading.future.result()


@st.cache_resource(show_spinner=False, max_entries=2)
def _fit_grid(directory: str, mtimes: tuple[int, ...]) -> density.Grid | None:
    events = _loading(directory, mtimes).future.result().events
    return None if density.draws_markers(len(events)) else density.fit_grid(events)


def _data_files() -> tuple[str, tuple[int, ...]]:
    directory = data_dir()
    geo_dir = geometry_dir(directory)
    files = [
        directory / "events.csv",
        directory / "articles.csv",
        geo_dir / DRAWING_FILE,
        geo_dir / FULL_FILE,
    ]
    return str(directory), _mtimes(*files)


def static_dir() -> Path:
    """Return the folder the server serves at `/app/static`: `static/` beside the app's main script."""
    ctx = get_script_run_ctx()
    return Path(ctx.main_script_path).parent / "static" if ctx is not None else assets.STATIC_DIR


@st.cache_resource(show_spinner=False, max_entries=4)
def _publish_context(geo_dir: str, mtime: int, static: str) -> str:
    return assets.publish(mapview.context_geojson(load_countries(geo_dir)), "neighbours.geojson", static)


def context_url() -> str:
    """Return the link from which the browser fetches the neighbouring states (published once)."""
    geo_dir = geometry_dir(data_dir())
    return _publish_context(str(geo_dir), (geo_dir / DRAWING_FILE).stat().st_mtime_ns, str(static_dir()))


def load_grid() -> density.Grid | None:
    """Return the density grid of the data directory's events, or None when markers can show them all."""
    return _fit_grid(*_data_files())


def load_drawing() -> gpd.GeoDataFrame:
    """Return the states to draw, from the same geometry the loader placed the events in.

    `geo.load_countries` keeps its own cache, keyed by the file's modification time.
    """
    return load_countries(geometry_dir(data_dir()))


# --- the filter sidebar ------------------------------------------------------------------------


@dataclass
class Selection:
    """What the sidebar chose: the filter, what the URL asked for in vain, and the chosen event."""

    event_filter: EventFilter
    notices: list[str] = field(default_factory=list)
    event_id: str | None = None
    count_slot: DeltaGenerator | None = None  # where `show_count` writes "N of M events"
    params: dict[str, list[str]] = field(default_factory=dict)  # the filter as URL parameters


def sidebar_filter(data: Dataset) -> Selection:
    """Draw the page links and the filter widgets in the sidebar, kept in the URL; return the selection.

    On a session's first run, the URL's parameters are compared with what the widgets kept;
    every dropped value becomes a notice, and unknown parameters leave the URL. The URL and
    the page links follow the widgets (`navigation`), so every page opens on the same filter.
    """
    events = data.events
    choices = Choices.of(events)
    countries = filterform.country_options(events)
    first_run = _URL_CHECKED not in st.session_state
    raw = {k: st.query_params.get_all(k) for k in st.query_params}
    navigation.restore_widgets(raw, choices, countries, (_EARLIEST, _LATEST))
    page_links = st.sidebar.container()
    st.sidebar.header("Filters")
    count_slot = st.sidebar.empty()
    values = _filter_widgets(st.sidebar, choices, countries, data.actor_countries)
    if len(choices.datasets) <= 1:  # no dataset widget: the URL's values pass through
        values["dataset"] = st.query_params.get_all("dataset")
    params = filterform.widget_params(values)
    event_filter = filterform.read_filter(params, choices)
    navigation.write_url(params)
    st.sidebar.button("Reset all filters", key="reset", on_click=reset_filters, width="stretch")
    asked = st.query_params.get(filterform.EVENT)
    event_id = asked if asked in data.event_ids else None
    if first_run:
        notices = filterform.url_notices(raw, params, choices)
        if asked is not None and event_id is None:
            notices.append(f"event={asked[:40]} (not in the data)")
        _drop_unused_params(keep_event=event_id is not None)
        st.session_state.update({_URL_CHECKED: True, _NOTICES: notices, _FILTER_AT_LOAD: event_filter})
    # Notices stay until the reader changes the filter that the link set up.
    unchanged = st.session_state.get(_FILTER_AT_LOAD) == event_filter
    notices = list(st.session_state.get(_NOTICES, [])) if unchanged else []
    navigation.page_links(page_links, {**params, **({filterform.EVENT: [event_id]} if event_id else {})})
    return Selection(event_filter, notices, event_id, count_slot, params)


def _filter_widgets(
    sidebar: DeltaGenerator, choices: Choices, countries: list[str], actor_countries: dict[str, str]
) -> dict[str, object]:
    # Not bound to the URL with `bind="query-params"`: `navigation` keeps widgets and URL in step.
    return {
        # Grouped by country ("RUS · Russian police"), so one state's government, forces and
        # police stand together; the URL keeps the plain names.
        "actor": sidebar.multiselect(
            "Actor",
            sorted(choices.actors, key=lambda a: (actor_countries.get(a) or "~", a)),
            format_func=lambda a: f"{actor_countries[a]} · {a}" if actor_countries.get(a) else a,
            key="actor",
        ),
        filterform.SIDE: sidebar.radio(
            "Actor on side",
            schema.SIDES,
            key=filterform.SIDE,
            horizontal=True,
            help="any: either side · actor1: the one who acts · actor2: the other side",
        ),
        filterform.DATE_FROM: sidebar.date_input(
            "From",
            value=None,
            min_value=_EARLIEST,
            max_value=_LATEST,
            key="from",
            format="YYYY-MM-DD",
        ),
        filterform.DATE_TO: sidebar.date_input(
            "To", value=None, min_value=_EARLIEST, max_value=_LATEST, key="to", format="YYYY-MM-DD"
        ),
        "relation": sidebar.multiselect("Relation type", schema.RELATION_TYPES, key="relation"),
        "quad": sidebar.multiselect(
            "Quad class",
            schema.QUAD_CLASSES,
            key="quad",
            help="Cooperation or conflict, verbal or material (GDELT's QuadClass), or neutral",
        ),
        "status": sidebar.multiselect("Status", schema.STATUSES, key="status"),
        filterform.COUNTRY: sidebar.multiselect(
            "Country where it happened",
            countries,
            key=filterform.COUNTRY,
            help=" · ".join(f"{c}: {filterform.country_name(c)}" for c in countries),
        ),
        filterform.INVOLVING: sidebar.toggle(
            "…or involving actors of that country", key=filterform.INVOLVING
        ),
        "dataset": (
            sidebar.multiselect("Dataset", sorted(choices.datasets), key="dataset")
            if len(choices.datasets) > 1
            else []
        ),
        filterform.TEXT: sidebar.text_input("Search text", key=filterform.TEXT, max_chars=MAX_SEARCH_LENGTH),
    }


def _drop_unused_params(*, keep_event: bool) -> None:
    """Remove from the URL what no widget reads, so the link in the address bar is clean."""
    for name in [k for k in st.query_params if k not in KNOWN_PARAMS]:
        del st.query_params[name]
    if not keep_event and filterform.EVENT in st.query_params:
        del st.query_params[filterform.EVENT]


def reset_filters() -> None:
    """Put every filter back to its default and forget the chosen event."""
    st.session_state.update({**_DEFAULTS, **{key: [] for key in filterform.LIST_KEYS}})
    clear_event()


def show_count(selection: Selection, shown: int, total: int) -> None:
    """Write "N of M events" at the top of the sidebar."""
    if selection.count_slot is not None:
        selection.count_slot.markdown(f"**{shown} of {total} events**")


def show_notices(selection: Selection) -> None:
    """Say which values of the link were not applied."""
    if selection.notices:
        # Each notice quotes the link's own values: code spans keep them from becoming Markdown.
        notices = "; ".join(markup.code_span(notice) for notice in selection.notices[:NOTICES_SHOWN])
        if (more := len(selection.notices) - NOTICES_SHOWN) > 0:
            notices += f"; and {more:,} more"  # a link can hold thousands of values
        st.warning("Not applied from the link: " + notices, icon="⚠️")


def show_problems(dataset: Dataset, *, link: bool = True) -> None:
    """Warn briefly when the data has problems, linking to the data-quality page that lists them."""
    if not dataset.problems:
        return
    warnings = markup.counted(len(dataset.problems) - len(dataset.errors), "warning")
    if dataset.errors:
        st.warning(
            f"{dataset.rows_left_out} of {dataset.rows_in_file} event rows were left out: the data files "
            f"break the data contract in {markup.counted(len(dataset.errors), 'place')} (and have "
            f"{warnings}). The page shows the {markup.counted(len(dataset.events), 'valid event')}.",
            icon="⚠️",
        )
    else:
        st.warning(f"The data has {warnings}, such as points outside their country.", icon="⚠️")
    if link:
        st.page_link(
            navigation.QUALITY_PAGE,
            label="Every problem, by file, line and column, on the data-quality page",
            icon=":material/fact_check:",
            query_params=navigation.current_params(),
        )


# --- the map -----------------------------------------------------------------------------------


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
        clear_event()


def map_centre(events: pd.DataFrame, event_id: str | None) -> tuple[float, float] | None:
    """Return where to open the map: on the linked event, on the session's first run only."""
    if _CENTRE not in st.session_state:
        chosen = events[events["event_id"] == event_id]
        st.session_state[_CENTRE] = (
            (float(chosen["latitude"].iloc[0]), float(chosen["longitude"].iloc[0])) if len(chosen) else None
        )
    return st.session_state[_CENTRE]


def clear_event() -> None:
    """Forget the chosen event: the panel lists the excerpts again."""
    if filterform.EVENT in st.query_params:
        del st.query_params[filterform.EVENT]


# --- the passage panel and downloads -----------------------------------------------------------


def show_passage(events: pd.DataFrame, articles: pd.DataFrame, event_id: str) -> None:
    """Show one event's passage and full record; every page shows an event this way."""
    event = events[events["event_id"] == event_id].iloc[0].to_dict()
    st.html(_PANEL_CSS)
    st.html(markup.passage_html(event, articles))


def show_excerpts(events: pd.DataFrame) -> None:
    """List the events' excerpts, newest first."""
    if events.empty:
        st.info("No event matches the filter.")
        return
    shown = min(len(events), EXCERPTS_SHOWN)
    which = f"The {shown} newest of {len(events)} events" if shown < len(events) else f"All {shown} events"
    st.caption(f"{which}, newest first. Click a marker for its full record.")
    st.html(_PANEL_CSS)  # style-only HTML: Streamlit applies it without taking up room
    st.html(markup.excerpt_list_html(events, EXCERPTS_SHOWN, navigation.current_params()))


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
