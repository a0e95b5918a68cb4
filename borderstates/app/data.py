"""The app's data, loaded once per server and shared by every session: events, geometry, grid.

These are the only cached functions of the app (Streamlit caches them per server process).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from borderstates.analysis import density
from borderstates.core.geo import load_countries
from borderstates.core.load import Dataset, load_dataset
from borderstates.core.paths import DRAWING_FILE, FULL_FILE, data_dir, geometry_dir
from borderstates.render import assets, mapview


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
