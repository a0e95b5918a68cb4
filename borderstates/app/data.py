"""The app's data, opened once per server and shared by every session: the store, geometry, grid.

These are the only cached functions of the app (Streamlit caches them per server process). No
session holds the events: the store answers questions about them, and only what is computed
once per dataset (the grid, the choices of the form, the states' fill classes) is kept here.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from borderstates.analysis import density, mapdata, summary
from borderstates.core import contract
from borderstates.core.columnstore import CURRENT, STORE_FOLDER
from borderstates.core.engine import EngineConfig, Store, UnknownEngine, open_store
from borderstates.core.filters import EventFilter
from borderstates.core.geo import load_countries
from borderstates.core.load import Progress
from borderstates.core.paths import DRAWING_FILE, FULL_FILE, REGIONS_DRAWING_FILE, data_dir, geometry_dir
from borderstates.core.regions import load_regions
from borderstates.render import assets, labels, mapview, markup

T = TypeVar("T")
_SUMMARISING = "Answering a first visit's questions once for this version of the data"


def _mtimes(*paths: Path) -> tuple[int, ...]:
    """Return the files' modification times, so an edited file is read again."""
    return tuple(p.stat().st_mtime_ns if p.exists() else 0 for p in paths)


@dataclass
class _Loading:
    """A data directory being loaded in the background, once per server, and its latest stage."""

    stage: tuple[str, float] = ("Opening the events…", 0.0)
    future: Future = field(init=False)

    def report(self, text: str, done: float) -> None:
        self.stage = (text, done)


# One thread loads: the load goes on when the reader who started it changes a filter or leaves
# (a load in the script's own thread would be cut short by the rerun and begin again), and a
# second reader waits for the same load instead of starting another.
_LOADER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="borderstates-load")
# The answers of a first visit's questions, by opened store (read or answered when it was opened).
_SUMMARIES: weakref.WeakKeyDictionary[Store, tuple[str, summary.Summary]] = weakref.WeakKeyDictionary()


# A resource, not data: the store is one engine connection that every session shares.
@st.cache_resource(show_spinner=False, max_entries=2)
def _loading(directory: str, mtimes: tuple[int, ...], config: EngineConfig) -> _Loading:
    # `mtimes` is only part of the cache key (a leading underscore would leave it out of the key).
    # The columnar cache spares a new server process the parsing of the CSV files.
    loading = _Loading()
    loading.future = _LOADER.submit(_open, directory, config, loading.report)
    return loading


def _open(directory: str, config: EngineConfig, progress: Progress) -> Store:
    """Open the store, and read what a first visit asks of this version of the data (answered once)."""
    store = open_store(directory, config, progress=progress)
    _SUMMARIES[store] = (store.version, summary.kept_or_answered(store, lambda: progress(_SUMMARISING, 0.97)))
    return store


def load_store() -> Store:
    """Return the data directory's store (opened once, again when a file or the store changes).

    While the CSV files are loaded and checked, a progress bar says which stage it is in. An
    engine setting the project cannot run on is one line on the page, which stops there.
    """
    try:
        config = EngineConfig.from_environment()
    except UnknownEngine as exc:
        st.error(markup.code_span(exc), icon="⚠️")
        st.stop()
    loading = _loading(*_data_files(config), config)
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
def _per_dataset(version: str, _store: Store, codes: tuple[str, ...]) -> PerDataset:
    # Keyed by the data's version; the store itself is not hashed (a leading underscore).
    grid = None if density.draws_markers(_store.total) else ask(_store, density.fit_grid)
    everything = ask(_store, mapdata.placed, EventFilter())
    busiest = (mapdata.busiest_state(everything, codes), mapdata.busiest_region(everything))
    classes, region_classes = (mapview.count_classes(n) for n in busiest)
    return PerDataset(ask(_store, mapdata.offered), grid, classes, region_classes)


@dataclass(frozen=True)
class PerDataset:
    """What is computed once per dataset: the form's choices, the density grid, the fill classes."""

    offered: mapdata.Offered
    grid: density.Grid | None  # None when markers can show every event
    classes: list[tuple[int, int | None]]  # the focus states' fill classes, from the busiest state
    region_classes: list[tuple[int, int | None]]  # the regions' fill classes, from the busiest region


@st.cache_data(show_spinner=False, max_entries=256)
def _ask(version: str, name: str, _question: Callable[..., object], _store: Store, *args: object) -> object:
    return _question(_store, *args)


def ask(store: Store, question: Callable[..., T], *args: object) -> T:
    """Ask a question about the data (`question(store, *args)`), once per dataset and arguments.

    The answers are kept for every session: a rerun with an unchanged filter (a click, a page
    switch, another reader with the same link) asks the engine nothing, and a first visit's
    questions are answered from the data's summary (`analysis.summary`). Questions are the
    analysis layer's functions; their answers are small.
    """
    version, answers = _SUMMARIES.get(store, ("", summary.Summary()))
    kept = answers.answer(question, *args)
    if kept is not summary.MISSING and version == store.version:  # not for data changed since
        return kept
    name = f"{question.__module__}.{question.__qualname__}"
    return _ask(store.version, name, question, store, *args)  # type: ignore[return-value]


@st.cache_data(show_spinner=False, max_entries=1_000)
def _has_event(version: str, _store: Store, event_id: str) -> bool:
    return mapdata.has_event(_store, event_id)


def has_event(store: Store, event_id: str) -> bool:
    """Return whether the data has an event with this id (asked once per dataset and id)."""
    return _has_event(store.version, store, event_id)


def per_dataset(store: Store) -> PerDataset:
    """Return what is computed once per dataset for the data directory's store."""
    return _per_dataset(store.version, store, contract.FOCUS_STATES)


def _data_files(config: EngineConfig) -> tuple[str, tuple[int, ...]]:
    directory = data_dir()
    geo_dir = geometry_dir(directory)
    store = config.store
    files = [
        directory / "events.csv",
        directory / "articles.csv",
        geo_dir / DRAWING_FILE,
        geo_dir / FULL_FILE,
        Path(store or directory / STORE_FOLDER) / CURRENT,  # a new import: a new generation
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


@st.cache_resource(show_spinner=False, max_entries=4)
def _drawn_regions(geo_dir: str, mtime: int, static: str) -> tuple[str, pd.DataFrame]:
    text = (Path(geo_dir) / REGIONS_DRAWING_FILE).read_text(encoding="utf-8")
    properties = pd.DataFrame([f["properties"] for f in json.loads(text)["features"]])
    return assets.publish(text, "regions.geojson", static), properties


def drawn_regions() -> tuple[str, pd.DataFrame] | None:
    """Return the link to the regions the map draws (published once) and their properties.

    The properties: `region`, `iso_a3`, `name_en`, `name_local`. None when the geometry has no
    regions (a `geo/` folder built before them).
    """
    geo_dir = geometry_dir(data_dir())
    path = geo_dir / REGIONS_DRAWING_FILE
    if not path.is_file():
        return None
    return _drawn_regions(str(geo_dir), path.stat().st_mtime_ns, str(static_dir()))


def region_labels() -> dict[str, str]:
    """Return each region's label, "UKR · UA-14 Donetsk Oblast", in the order to offer them.

    By state (the focus states, then Russia), then code; from the geometry the loader placed the
    events in (its own cache, keyed by the file's time). Without regions there: the codes alone.
    """
    try:
        regions = load_regions(geometry_dir(data_dir()))
    except (OSError, ValueError):
        return {code: code for code in sorted(contract.REGION_CODES)}
    order = {state: n for n, state in enumerate(contract.REGION_STATES)}
    rows = sorted(
        regions[["iso_a3", "region", "name_en"]].itertuples(index=False),
        key=lambda r: (order.get(r[0], 9), r[1]),
    )
    return {code: f"{state} · {code} {name}" for state, code, name in rows}


@st.cache_resource(show_spinner=False, max_entries=4)
def _publish_labels(geo_dir: str, mtime: int, static: str) -> str:
    zooms = range(mapview.MIN_ZOOM, mapview.MAX_ZOOM + 1)
    table = labels.place_labels(load_countries(geo_dir), zooms)
    return assets.publish(labels.place_labels_geojson(table), "labels.geojson", static)


def labels_url() -> str:
    """Return the link from which the browser fetches the place names (computed and published once)."""
    geo_dir = geometry_dir(data_dir())
    return _publish_labels(str(geo_dir), (geo_dir / DRAWING_FILE).stat().st_mtime_ns, str(static_dir()))


def load_drawing() -> gpd.GeoDataFrame:
    """Return the states to draw, from the same geometry the loader placed the events in.

    `geo.load_countries` keeps its own cache, keyed by the file's modification time.
    """
    return load_countries(geometry_dir(data_dir()))
