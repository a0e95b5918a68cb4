"""Moving between pages with the filter kept: the URL written from the widgets, read back, carried.

The filter widgets are not bound to the URL with `bind="query-params"`: in a `pages/` app
(Streamlit 1.67) a page switch drops every parameter bound on the page left behind, and widget
state is kept per page. So each run of any page restores the widgets before they are drawn,
from the URL when it changed behind the session's back (a pasted link, the browser's back and
forward), and otherwise from their own last values; after them, it writes the URL. The page
links carry the parameters, so a page opens on the same filter and its address can be shared.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from borderstates import filterform
from borderstates.filters import KNOWN_PARAMS, Choices

# The parameters the sidebar writes; `event` belongs to the map, which reads and clears it itself.
FILTER_PARAMS = tuple(sorted(KNOWN_PARAMS - {filterform.EVENT}))
# (script, label, icon) of every page, the map first; scripts are relative to dashboard.py.
PAGES = (
    ("dashboard.py", "Map", ":material/map:"),
    ("pages/1_Events.py", "Events", ":material/table_rows:"),
    ("pages/2_Timeline.py", "Timeline", ":material/timeline:"),
    ("pages/3_Actors.py", "Actors", ":material/hub:"),
    ("pages/4_Articles.py", "Articles", ":material/article:"),
    ("pages/5_Data_quality.py", "Data quality", ":material/fact_check:"),
)
QUALITY_PAGE = PAGES[-1][0]
_WRITTEN = "_bs_url_written"  # the filter parameters this session last put in the URL

Params = Mapping[str, Sequence[str]]


def filter_params(params: Params) -> dict[str, list[str]]:
    """Return the filter's part of URL parameters, in a form that compares equal when they do."""
    return {k: list(v) for k, v in params.items() if k in FILTER_PARAMS and v}


def restore_widgets(
    raw: Params, choices: Choices, countries: Sequence[str], days: tuple[dt.date, dt.date]
) -> bool:
    """Give the filter widgets their values before they are drawn; True when read from the URL.

    Parameters
    ----------
    raw
        The URL's parameters as this run received them.
    choices, countries, days
        What the widgets can show: values the URL asks for in vain are left out.

    """
    if filter_params(raw) != st.session_state.get(_WRITTEN):
        f = filterform.read_filter(raw, choices)
        st.session_state.update(filterform.widget_values(f, countries, days))
        return True
    for key in filterform.WIDGET_KEYS:
        if key in st.session_state:
            # Assigned, the value is the session's, not the page's widget's: it survives a page switch.
            st.session_state[key] = st.session_state[key]
    return False


def write_url(params: Params) -> None:
    """Make the URL's filter parameters those of `params`, touching only what differs."""
    wanted = filter_params(params)
    for name in FILTER_PARAMS:
        values = wanted.get(name, [])
        if st.query_params.get_all(name) == values:
            continue
        if values:
            st.query_params[name] = values
        else:
            del st.query_params[name]
    st.session_state[_WRITTEN] = wanted


def current_params() -> dict[str, list[str]]:
    """Return the filter parameters of this session's URL, for links that keep the filter."""
    return dict(st.session_state.get(_WRITTEN, {}))


def page_links(container: DeltaGenerator, params: Params) -> None:
    """Draw a link to every page, each carrying the URL parameters `params`."""
    for script, label, icon in PAGES:
        container.page_link(script, label=label, icon=icon, query_params=dict(params))
