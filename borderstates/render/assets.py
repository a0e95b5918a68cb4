"""Leaflet, its marker-cluster and drawing plugins, jQuery and our map scripts, served here (offline)."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import folium
import xstatic.pkg.jquery
import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster
from folium.elements import JSCSSMixin

from borderstates.core.csvio import atomic_write

P = TypeVar("P", bound=JSCSSMixin)

# Streamlit serves ./static beside the entry script at this path (server.enableStaticServing).
# Links must be absolute: the map lives in a component frame under /component/…, where a
# relative link would resolve to the wrong place.
STATIC_URL = "/app/static"
STATIC_DIR = Path(__file__).resolve().parents[2] / "static"  # beside dashboard.py
_COMPLETE = ".complete"  # written last into a copied folder: its presence means the copy is whole


@dataclass(frozen=True)
class _Package:
    name: str
    version: str
    source: Path

    @property
    def folder(self) -> str:
        # The version is in the folder name, so an upgraded package never mixes with an old copy.
        return f"{self.name}-{self.version}"

    def url(self, file_name: str) -> str:
        return f"{STATIC_URL}/{self.folder}/{file_name}"


_LEAFLET = _Package("leaflet", xstatic.pkg.leaflet.VERSION, Path(xstatic.pkg.leaflet.BASE_DIR))
_CLUSTER = _Package(
    "leaflet.markercluster",
    xstatic.pkg.leaflet_markercluster.VERSION,
    Path(xstatic.pkg.leaflet_markercluster.BASE_DIR),
)
_JQUERY = _Package("jquery", xstatic.pkg.jquery.VERSION, Path(xstatic.pkg.jquery.BASE_DIR))
# No Python package ships Leaflet.draw: its npm release is vendored beside this module, with its
# licence and version (vendor/leaflet-draw/README.md says how to upgrade it).
_DRAW_DIR = Path(__file__).resolve().parent / "vendor" / "leaflet-draw"
_DRAW = _Package("leaflet.draw", (_DRAW_DIR / "VERSION").read_text(encoding="utf-8").strip(), _DRAW_DIR)
PACKAGES = (_LEAFLET, _CLUSTER, _JQUERY, _DRAW)

# What the map frame needs: Leaflet; jQuery for folium's popups (`$(…)`: without it the map
# script stops and streamlit-folium never gives its frame a height); Leaflet.markercluster for
# the event markers; Leaflet.draw for drawing an area. Folium's other defaults (Bootstrap, Font
# Awesome, awesome-markers, glyphicons) serve only `folium.Icon` markers, which the map does not
# use: left out.
_SCRIPTS = (
    (_LEAFLET, "leaflet.js"),
    (_JQUERY, "jquery.min.js"),
    (_CLUSTER, "leaflet.markercluster.js"),
    (_DRAW, "leaflet.draw.js"),
)
# The project's own scripts for the map frame, bundled after the packages' (they extend Leaflet).
_OWN_SCRIPTS = tuple(Path(__file__).parent / "js" / name for name in ("playback.js", "labels.js"))
MAP_CSS = [
    ("leaflet_css", _LEAFLET.url("leaflet.css")),
    ("markerclustercss", _CLUSTER.url("MarkerCluster.css")),
    ("markerclusterdefaultcss", _CLUSTER.url("MarkerCluster.Default.css")),
    ("leaflet_draw_css", _DRAW.url("leaflet.draw.css")),
]


_SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$", re.MULTILINE)


@functools.cache
def _map_script() -> tuple[str, str]:
    """Return the map frame's scripts as one text, and its file name (which changes with the text).

    streamlit-folium loads a frame's scripts one after another, each waiting for the last, and
    only on the frame's first render: one file saves two round trips, and the marker-cluster
    plugin is there even when the first render draws density cells and a later one markers.
    """
    files = [*(package.source / name for package, name in _SCRIPTS), *_OWN_SCRIPTS]
    parts = (path.read_text(encoding="utf-8") for path in files)
    # Each part's source-map comment would point beside the bundle, where no map is.
    text = "\n;\n".join(_SOURCE_MAP.sub("", part) for part in parts)
    return text, f"map-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]}.js"


def map_js() -> list[tuple[str, str]]:
    """Return the map frame's scripts as folium lists them: one file, served from `/app/static`."""
    return [("borderstates_map", f"{STATIC_URL}/{_map_script()[1]}")]


def ensure_static(static_dir: Path | str = STATIC_DIR) -> Path:
    """Copy the bundled scripts and stylesheets into `static_dir`, unless they are there already.

    Each package's `data/` folder is copied whole, as Leaflet finds its images by relative path;
    the map's one script (`map_js`) is written beside them.
    Safe to call on every script run and from several processes at once: a package is copied
    into a temporary folder and renamed into place.

    Parameters
    ----------
    static_dir
        The folder Streamlit serves at `/app/static` (`static/` beside the entry script).

    Returns
    -------
    Path
        `static_dir`.

    """
    static_dir = Path(static_dir)
    for package in PACKAGES:
        target = static_dir / package.folder
        if (target / _COMPLETE).exists():
            continue
        static_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{package.folder}-", dir=static_dir))
        try:
            shutil.copytree(package.source, staging, dirs_exist_ok=True)
            (staging / _COMPLETE).touch()
            _put_in_place(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    text, name = _map_script()
    if not (static_dir / name).exists():
        with atomic_write(static_dir / name) as handle:
            handle.write(text)
    return static_dir


def _put_in_place(staging: Path, target: Path) -> None:
    """Rename a complete copy into place, never removing a complete copy already there.

    Sessions that open at once each make a copy; the first to rename wins and the others'
    renames fail, as a folder cannot replace one that has files. A folder without the mark is
    what an older, interrupted copy left: it is moved aside before the rename, not deleted in
    place, so no reader ever finds the folder half gone.
    """
    try:
        os.replace(staging, target)
        return
    except OSError:
        if (target / _COMPLETE).exists():
            return  # another session's complete copy is in place
    broken = Path(tempfile.mkdtemp(prefix=f".{target.name}-broken-", dir=target.parent))
    with contextlib.suppress(FileNotFoundError):
        if not (target / _COMPLETE).exists():
            os.replace(target, broken / target.name)
    try:
        os.replace(staging, target)
    except OSError:
        if not (target / _COMPLETE).exists():
            raise
    finally:
        shutil.rmtree(broken, ignore_errors=True)


def publish(text: str, name: str, static_dir: Path | str = STATIC_DIR) -> str:
    """Serve a text file from `static_dir` under a name that changes with its content; return its URL.

    The browser fetches it once and keeps it, instead of receiving it with every rerun.
    """
    stem, suffix = name.rsplit(".", 1)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    path = Path(static_dir) / "published" / f"{stem}-{digest}.{suffix}"
    if not path.exists():
        with atomic_write(path) as handle:
            handle.write(text)
    return f"{STATIC_URL}/published/{path.name}"


def use_local_map_assets(m: folium.Map) -> folium.Map:
    """Point a map's scripts and stylesheets at the local copies, on this instance only.

    `folium.Map.add_js_link` would change a class-wide list, for every map in the process.
    """
    m.default_js = map_js()
    m.default_css = list(MAP_CSS)
    return m


def use_local_plugin_assets(plugin: P) -> P:
    """Let a plugin (marker cluster, drawing control) rely on the map's script and stylesheets.

    Folium's plugins link their scripts from CDNs by default; on this instance they link the
    map's own bundle instead, which holds every plugin the map uses.
    """
    plugin.default_js = map_js()
    plugin.default_css = list(MAP_CSS)
    return plugin


def asset_links(root: folium.Element) -> Iterator[str]:
    """Yield every script and stylesheet link that an element and its children ask the page to load.

    This is what streamlit-folium hands the browser (it walks the same tree), so a test can
    assert that each link is local.
    """
    for _, url in [*getattr(root, "default_js", []), *getattr(root, "default_css", [])]:
        yield url
    for child in getattr(root, "_children", {}).values():
        yield from asset_links(child)


def is_served_here(url: str) -> bool:
    """Return True for a link that the app serves itself."""
    return url.startswith(STATIC_URL + "/")


def main(argv: list[str] | None = None) -> int:
    """Prepare the static folder before the server starts: `python -m borderstates.render.assets [DIR]`.

    `make run` calls it, so that the first reader need not wait for the copy. The folder itself
    is in the repository (with only its README), where Streamlit looks for it when it starts.
    """
    args = sys.argv[1:] if argv is None else argv
    print(ensure_static(Path(args[0]) if args else STATIC_DIR))
    return 0


if __name__ == "__main__":
    sys.exit(main())
