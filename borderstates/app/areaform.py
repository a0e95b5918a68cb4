"""The area in the sidebar and on the map: drawings become the filter's area, saved areas, countries.

The area is kept like a widget's value under two keys that are also its URL parameters
(`filterform.AREA`, the drawn shapes in a link's compact form, and `filterform.AREA_NAME`, a
saved area's or a country's name), so the filter form reads, restores and resets it with the
other filters. A drawing on the map sets the first (`take_drawings`, called back by the map);
the sidebar's choice sets the second; one clears the other.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from borderstates.app import filterform
from borderstates.core import contract
from borderstates.core.area import Area, AreaError, from_geojson, read_area
from borderstates.core.arealink import decode, encode
from borderstates.core.paths import data_dir
from borderstates.core.savedareas import AREAS_FOLDER, area_files, delete_area, save_area, saved_areas
from borderstates.render import markup

COUNTRY_PREFIX = "country:"  # a country's name as an area; no saved area's name has a colon
SAVE_NAME = "area_save_name"  # the box that names an area to save
_SYNCED = "_bs_area_synced"  # the shapes the map was last given to show (`encode`)
_REFUSED = "_bs_area_refused"  # drawings refused so far: the map is reset to the area after each
_MESSAGE = "_bs_area_message"  # (kind, text) of what the last action on the area did


# --- drawings ⇄ area -------------------------------------------------------------------------------


def drawings_area(drawings: Sequence[Mapping[str, Any]] | None) -> Area | None:
    """Return the area that streamlit-folium's `all_drawings` draw; None when nothing is drawn.

    Leaflet.draw gives rectangles and polygons as Polygons and a circle as a Point with
    `properties.radius` in metres, which becomes a geodesic circle in km.

    Raises
    ------
    AreaError
        When the drawings are no area (`area.from_geojson` says why).

    """
    if not drawings:
        return None
    return from_geojson({"type": "FeatureCollection", "features": list(drawings)})


def link_text(area: Area) -> str:
    """Return the area as a link's `area` value; raise AreaError when a link cannot hold it."""
    text = encode(area)
    decode(text)  # refuses what is too long for a link, as a link would be refused
    return text


def shapes_text(area: Area | None) -> str:
    """Return the drawn shapes of an area (not its countries) in the link's form, "" for none."""
    return encode(Area(area.polygons, area.circles)) if area is not None else ""


def take_drawings(drawings: Sequence[Mapping[str, Any]] | None) -> None:
    """Make what the map reports as drawn the filter's area (a callback of the map).

    A report of the shapes the map was given to show (a click reports the drawings too) changes
    nothing; an area too long for a link is refused with a notice, and the map shows the area
    in effect again.
    """
    if drawings is None:
        return  # the map has not reported its drawings since it was mounted
    try:
        area = drawings_area(drawings)
        text = link_text(area) if area is not None else ""
    except AreaError as exc:
        st.session_state[_REFUSED] = st.session_state.get(_REFUSED, 0) + 1
        st.session_state[_MESSAGE] = ("warning", f"The drawing was not applied: {exc}.")
        return
    if text == st.session_state.get(_SYNCED, ""):
        return
    st.session_state.update({filterform.AREA: text, filterform.AREA_NAME: ""})
    st.session_state.pop(_MESSAGE, None)
    filterform.clear_event()


def map_shapes(area: Area | None) -> tuple[Area | None, int]:
    """Return the area whose shapes the map is to show and a number that changes with each refusal.

    Remembers the shapes, so that `take_drawings` knows the map's report of them for no drawing.
    """
    st.session_state[_SYNCED] = shapes_text(area)
    return area, st.session_state.get(_REFUSED, 0)


# --- named areas -------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=16)
def _read_saved(directory: str, files: tuple[tuple[str, int], ...]) -> tuple[dict[str, Area], list[str]]:
    # `files` (name, modification time) is the cache key: a saved, changed or deleted area reads again.
    found, problems = saved_areas(directory)
    areas: dict[str, Area] = {}
    for name, path in found.items():
        try:  # named as in the data directory: a reader is not told the server's folders
            areas[name] = read_area(path, shown=f"{AREAS_FOLDER}/{path.name}")
        except AreaError as exc:
            problems.append(str(exc))
    return areas, problems


def named_areas(countries: Collection[str]) -> tuple[dict[str, Area], list[str]]:
    """Return the areas one can choose by name: the data directory's saved areas, then countries.

    Also a problem for each saved area file left out: one that cannot be read, or whose name
    breaks the naming rule (`savedareas.check_name`).
    """
    directory = data_dir()
    files = tuple((p.name, p.stat().st_mtime_ns) for p in area_files(directory) if p.exists())
    saved, problems = _read_saved(str(directory), files)
    by_country = {
        f"{COUNTRY_PREFIX}{code}": Area(countries=(code,), name=f"{COUNTRY_PREFIX}{code}")
        for code in countries
    }
    return {**saved, **by_country}, problems


def area_label(name: str) -> str:
    """Return how the sidebar names an area choice."""
    if not name:
        return "None, or drawn on the map"
    if name.startswith(COUNTRY_PREFIX):
        code = name.removeprefix(COUNTRY_PREFIX)
        return f"{contract.country_name(code)} ({code}, country)"
    return name


# --- the sidebar's part ----------------------------------------------------------------------------


def area_widgets(sidebar: DeltaGenerator, names: Sequence[str], problems: Sequence[str]) -> dict[str, object]:
    """Draw the area's choice, and "save" or "delete"; return the area's two values, keyed by parameter."""
    sidebar.subheader("Area")
    if st.session_state.get(filterform.AREA_NAME) not in ("", None, *names):
        st.session_state[filterform.AREA_NAME] = ""  # a saved area deleted meanwhile
    name = sidebar.selectbox(
        "Area",
        ["", *names],
        format_func=area_label,
        key=filterform.AREA_NAME,
        on_change=_chose_area,
        help="Draw rectangles, polygons or circles with the tools on the map: together they are the "
        "area. Or choose a saved area or a country.",
    )
    drawn = str(st.session_state.get(filterform.AREA) or "")
    if drawn and not name:
        # No `max_chars`: the box would empty a longer name, where the naming rule says what is wrong.
        sidebar.text_input("Name", key=SAVE_NAME, placeholder="a name for the drawn area")
        sidebar.button("Save this area", key="area_save", on_click=_save, width="stretch")
    elif name and not name.startswith(COUNTRY_PREFIX):
        sidebar.button(
            "Delete this saved area", key="area_delete", on_click=_delete, args=(name,), width="stretch"
        )
    if drawn or name:
        sidebar.button("Clear the area", key="area_clear", on_click=clear_area, width="stretch")
    if message := st.session_state.get(_MESSAGE):
        kind, text = message
        (sidebar.warning if kind == "warning" else sidebar.success)(text)
    if problems:
        sidebar.caption("Saved areas left out: " + "; ".join(markup.code_span(p) for p in problems))
    return {filterform.AREA: drawn, filterform.AREA_NAME: name}


def show_area_notices(area: Area | None, count: int) -> None:
    """Say when the area holds no event, and when one of its polygons crossed itself and was mended."""
    if area is None:
        return
    if area.repaired:
        st.info("A polygon of the area crossed itself and was repaired: the area is its valid form.")
    if count == 0:
        st.info("No event matches the filter in this area.", icon="🗺️")


def clear_area() -> None:
    """Take the area out of the filter."""
    st.session_state.update({filterform.AREA: "", filterform.AREA_NAME: ""})
    st.session_state.pop(_MESSAGE, None)


def _chose_area() -> None:
    st.session_state[filterform.AREA] = ""  # a chosen area replaces the drawing
    st.session_state.pop(_MESSAGE, None)


def _save() -> None:
    name = str(st.session_state.get(SAVE_NAME) or "").strip()
    try:
        area = decode(str(st.session_state.get(filterform.AREA) or ""))
        path = save_area(data_dir(), name, area)
    except (AreaError, OSError) as exc:
        st.session_state[_MESSAGE] = ("warning", f"Not saved: {markup.code_span(_said(exc))}")
        return
    _read_saved.clear()
    st.session_state.update({filterform.AREA: "", filterform.AREA_NAME: path.stem, SAVE_NAME: ""})
    st.session_state[_MESSAGE] = ("success", f"Saved as {markup.code_span(path.stem)}.")


def _delete(name: str) -> None:
    try:
        delete_area(data_dir(), name)
    except (AreaError, OSError) as exc:
        st.session_state[_MESSAGE] = ("warning", f"Not deleted: {markup.code_span(_said(exc))}")
        return
    _read_saved.clear()
    clear_area()
    st.session_state[_MESSAGE] = ("success", f"Deleted {markup.code_span(name)}.")


def _said(exc: Exception) -> str:
    """Return what went wrong, without the server's folders that a system error names."""
    if isinstance(exc, OSError):
        return f"the data directory's {AREAS_FOLDER}/ cannot be written: {exc.strerror or type(exc).__name__}"
    return str(exc)
