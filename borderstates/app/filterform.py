"""The filter's forms and the round trip between them: URL parameters ⇄ widget values ⇄ filter.

Every widget of the sidebar is keyed by its URL parameter (data contract: "URL parameters").
The widgets are not bound to the URL with `bind="query-params"`: in a `pages/` app (Streamlit
1.67) a page switch drops every parameter bound on the page left behind, and widget state is
kept per page. So each run of any page restores the widgets before they are drawn
(`restore_widgets`): from the URL when it changed behind the session's back (a pasted link,
the browser's back and forward), else from their own last values. After they are drawn,
`apply_widgets` reads the filter from them, writes the URL and names what a link asked for in
vain. The filter is always read through `filter_from_params`, the one parser of the parameters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import streamlit as st

from borderstates.analysis.timeline import UNITS
from borderstates.app.trendform import TREND_PARAMS, params_from_settings, settings_from_params
from borderstates.app.urlvalues import choice, last, short
from borderstates.core import contract
from borderstates.core.area import Area, AreaError
from borderstates.core.arealink import decode, encode
from borderstates.core.contract import FOCUS_STATES, Params
from borderstates.core.filters import Choices, EventFilter, parse_date

MAX_SEARCH_LENGTH = 200  # characters of free text kept from a URL or a box
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2100, 12, 31)  # the days the date fields accept

# Widget keys, which are the URL parameter names.
COUNTRY = "country"
REGION = "region"  # ISO 3166-2 codes (repeated)
GEO_PRECISION, DATE_PRECISION = "geoprec", "dateprec"  # how exact the point and the dating are (repeated)
LIST_KEYS = ("actor", "relation", "quad", "status", GEO_PRECISION, DATE_PRECISION, COUNTRY, REGION, "dataset")
SIDE, DATE_FROM, DATE_TO, INVOLVING, TEXT, EVENT = "side", "from", "to", "involving", "q", "event"
DEDUPE = "dedupe"  # `1`: each cluster of corroborating events counted once
# The area: drawn shapes in the link's compact form (`area.encode`), or a saved area's or a country's name.
AREA, AREA_NAME = "area", "areaname"
UNIT = "unit"  # the time histogram's bars: a day, a week or a month (`timeline.UNITS`); automatic without
WIDGET_KEYS = (*LIST_KEYS, SIDE, DATE_FROM, DATE_TO, INVOLVING, TEXT, AREA, AREA_NAME, DEDUPE)
IN_VIEW = "in_view"  # the map's switch "only events in the current view", reset with the filter
DEFAULTS: dict[str, object] = {
    SIDE: "any",
    DATE_FROM: None,
    DATE_TO: None,
    INVOLVING: False,
    DEDUPE: False,
    TEXT: "",
    AREA: "",
    AREA_NAME: "",
    IN_VIEW: False,
}

# Filter field ← URL parameter, for the fields that hold several values.
_LIST_PARAMS = {
    "actors": "actor",
    "relations": "relation",
    "quads": "quad",
    "statuses": "status",
    "geo_precisions": GEO_PRECISION,
    "date_precisions": DATE_PRECISION,
    "datasets": "dataset",
    "countries": COUNTRY,
    "regions": REGION,
}
# One value each: the last counts.
_SINGLE_PARAMS = (
    SIDE,
    DATE_FROM,
    DATE_TO,
    INVOLVING,
    TEXT,
    AREA,
    AREA_NAME,
    DEDUPE,
    EVENT,
    UNIT,
    *TREND_PARAMS,
)
KNOWN_PARAMS = frozenset({*_LIST_PARAMS.values(), *_SINGLE_PARAMS})
# The parameters the sidebar writes; `event` and `unit` belong to the map, the trends' to their page.
FILTER_PARAMS = tuple(sorted(KNOWN_PARAMS - {EVENT, UNIT, *TREND_PARAMS}))
# Parameters that are no filter but travel with it from page to page.
VIEW_PARAMS = (UNIT, *TREND_PARAMS)
_WRITTEN = "_bs_url_written"  # the filter parameters this session last put in the URL
_URL_CHECKED, _NOTICES, _FILTER_AT_LOAD = "_bs_url_checked", "_bs_notices", "_bs_filter_at_load"


# --- URL parameters ⇄ filter ---------------------------------------------------------------------


def filter_from_params(params: Params, choices: Choices) -> tuple[EventFilter, list[str]]:
    """Read a filter from URL parameters, dropping what is unknown or invalid.

    Parameters
    ----------
    params
        Each parameter name with all its values (a repeated key gives several).
    choices
        The values that exist in the data.

    Returns
    -------
    filter, dropped
        The filter made of the valid values, and one short notice per value that was dropped.

    """
    dropped: list[str] = []
    for name in sorted(set(params) - KNOWN_PARAMS):
        dropped.append(f"unknown parameter {short(name)}")
    for name in _SINGLE_PARAMS:  # a repeated key: every value but the last is dropped
        *earlier, counted = params.get(name) or [""]
        dropped += [
            f"{name}={short(v)} (given again: the last value counts)" for v in earlier if v != counted
        ]

    def kept(field_name: str) -> tuple[str, ...]:
        return _known(params, _LIST_PARAMS[field_name], getattr(choices, field_name), dropped)

    # Arguments are evaluated in order: the notices follow the list fields, then the dates.
    event_filter = EventFilter(
        actors=kept("actors"),
        relations=kept("relations"),
        quads=kept("quads"),
        statuses=kept("statuses"),
        geo_precisions=kept("geo_precisions"),
        date_precisions=kept("date_precisions"),
        datasets=kept("datasets"),
        countries=kept("countries"),
        regions=kept("regions"),
        date_from=_day(params, DATE_FROM, dropped),
        date_to=_day(params, DATE_TO, dropped),
        side=choice(params, SIDE, contract.ACTOR_SIDES, "any", dropped),
        involving=choice(params, INVOLVING, ("1", "0"), "0", dropped) == "1",
        text=last(params, TEXT)[:MAX_SEARCH_LENGTH],
        area=_area(params, choices, dropped),
        dedupe=choice(params, DEDUPE, ("1", "0"), "0", dropped) == "1",
    )
    # No part of the filter, but checked with it: one list of notices.
    choice(params, UNIT, UNITS, "", dropped)
    dropped += settings_from_params(params)[1]
    return event_filter, dropped


def unit_from_params(params: Params) -> str | None:
    """Return the time histogram's unit that URL parameters ask for; None (automatic) when none valid."""
    return choice(params, UNIT, UNITS, "", []) or None


def view_params(params: Params) -> dict[str, list[str]]:
    """Return the valid values of the parameters that travel with the filter (`VIEW_PARAMS`)."""
    unit = unit_from_params(params)
    return {**({UNIT: [unit]} if unit else {}), **params_from_settings(settings_from_params(params)[0])}


def params_from_filter(f: EventFilter) -> dict[str, list[str]]:
    """Return the URL parameters that reproduce a filter (without the map-only `bounds`)."""
    params: dict[str, list[str]] = {
        param: list(getattr(f, field_name)) for field_name, param in _LIST_PARAMS.items()
    }
    params[SIDE] = [f.side] if f.side != "any" else []
    params[DATE_FROM] = [f.date_from.isoformat()] if f.date_from else []
    params[DATE_TO] = [f.date_to.isoformat()] if f.date_to else []
    params[INVOLVING] = ["1"] if f.involving else []
    params[DEDUPE] = ["1"] if f.dedupe else []
    params[TEXT] = [f.text] if f.text else []
    params.update({key: [value] for key, value in area_values(f.area).items() if value})
    return {k: v for k, v in params.items() if v}


def read_filter(params: Params, choices: Choices) -> EventFilter:
    """Return the filter that URL parameters describe, ignoring what is not valid."""
    return filter_from_params(params, choices)[0]


def _known(params: Params, name: str, allowed: Collection[str], dropped: list[str]) -> tuple[str, ...]:
    kept: list[str] = []
    for value in params.get(name, ()):
        if value not in allowed:
            dropped.append(f"{name}={short(value)} (not in the data)")
        elif value not in kept:
            kept.append(value)
    return tuple(kept)


def _day(params: Params, name: str, dropped: list[str]) -> dt.date | None:
    text = last(params, name)
    if text:
        try:
            return parse_date(text)
        except ValueError:
            dropped.append(f"{name}={short(text)} (not a date YYYY-MM-DD)")
    return None


def _area(params: Params, choices: Choices, dropped: list[str]) -> Area | None:
    """Return the area a link names (`areaname`, one of `choices.areas`) or draws (`area`)."""
    name, text = last(params, AREA_NAME), last(params, AREA)
    if name:
        named = dict(choices.areas)
        if name in named:
            if text:
                dropped.append(f"{AREA} (the link also names an area: {AREA_NAME} counts)")
            return named[name]
        dropped.append(f"{AREA_NAME}={short(name)} (no such area)")
    if not text:
        return None
    try:
        area = decode(text)
    except AreaError as exc:
        dropped.append(f"{AREA} ({short(str(exc), 120)})")
        return None
    if area.repaired:
        dropped.append(f"{AREA} (a polygon crossed itself: it was repaired, and the link now holds it so)")
    return area


# --- widget values ⇄ URL parameters ----------------------------------------------------------------


def country_options(present: Collection[str]) -> list[str]:
    """Return the country codes to offer: the focus states, then every other code in the data."""
    return [*FOCUS_STATES, *sorted(set(present) - set(FOCUS_STATES))]


def widget_params(values: Mapping[str, object]) -> dict[str, list[str]]:
    """Turn the form's widget values (keyed by parameter name) into URL parameters.

    Lists stay lists, dates become `YYYY-MM-DD`, the `involving` and `dedupe` switches `1`, and
    defaults (no side, no dates, empty text) are left out.
    """
    params: dict[str, list[str]] = {}
    for key in LIST_KEYS:
        chosen = values.get(key)
        params[key] = [str(v) for v in chosen] if isinstance(chosen, list | tuple) else []
    side = values.get(SIDE)
    params[SIDE] = [str(side)] if side and side != "any" else []
    for key in (DATE_FROM, DATE_TO):
        day = values.get(key)
        params[key] = [day.isoformat()] if isinstance(day, dt.date) else []
    params[INVOLVING] = ["1"] if values.get(INVOLVING) else []
    params[DEDUPE] = ["1"] if values.get(DEDUPE) else []
    text = str(values.get(TEXT) or "")
    params[TEXT] = [text] if text.strip() else []
    for key in (AREA, AREA_NAME):
        params[key] = [str(values[key])] if values.get(key) else []
    return {k: v for k, v in params.items() if v}


def widget_values(
    f: EventFilter, countries: Sequence[str], days: tuple[dt.date, dt.date] = (EARLIEST, LATEST)
) -> dict[str, object]:
    """Return the widget values that show a filter: the inverse of `widget_params`.

    Parameters
    ----------
    f
        The filter, read from a URL by `read_filter` (so every value exists in the data).
    countries
        The country codes the form offers; others are left out, as the form cannot show them.
    days
        The first and last day the date fields accept; a date outside them is left out.

    """
    low, high = days
    return {
        "actor": list(f.actors),
        SIDE: f.side,
        DATE_FROM: f.date_from if f.date_from and low <= f.date_from <= high else None,
        DATE_TO: f.date_to if f.date_to and low <= f.date_to <= high else None,
        "relation": list(f.relations),
        "quad": list(f.quads),
        "status": list(f.statuses),
        GEO_PRECISION: list(f.geo_precisions),
        DATE_PRECISION: list(f.date_precisions),
        COUNTRY: [c for c in f.countries if c in countries],
        INVOLVING: f.involving,
        REGION: list(f.regions),
        "dataset": list(f.datasets),
        TEXT: f.text,
        DEDUPE: f.dedupe,
        **area_values(f.area),
    }


def area_values(area: Area | None) -> dict[str, str]:
    """Return the values of the area's two keys that show an area: its name, or its drawn shapes."""
    if area is None:
        return {AREA: "", AREA_NAME: ""}
    return {AREA: "", AREA_NAME: area.name} if area.name else {AREA: encode(area), AREA_NAME: ""}


def url_notices(raw: Params, kept: Params, choices: Choices) -> list[str]:
    """Name every value of a URL that did not make it into the filter, with the reason where known.

    Parameters
    ----------
    raw
        The URL's parameters as the page received them.
    kept
        The parameters that the form's widgets hold after reading that URL; widgets drop
        values silently (an actor not in their options, a malformed date).
    choices
        The values that exist in the data.

    Returns
    -------
    list of str
        One short notice per dropped value: first what the filter parser rejects, then what
        it would accept but the form does not offer.

    """
    wanted, notices = filter_from_params(raw, choices)
    got = params_from_filter(read_filter(kept, choices))
    for name, values in params_from_filter(wanted).items():
        notices += [f"{name}={v} (not offered here)" for v in values if v not in got.get(name, [])]
    return notices


# --- the round trip, kept in the session ----------------------------------------------------------


@dataclass(frozen=True)
class FormState:
    """What one run of the sidebar's form amounts to."""

    event_filter: EventFilter
    params: dict[str, list[str]]  # the filter as URL parameters
    notices: list[str] = field(default_factory=list)  # what the opening link asked for in vain
    event_id: str | None = None  # the event the URL opens (`event=`), when it exists


def url_params() -> dict[str, list[str]]:
    """Return this run's URL parameters, each with all its values."""
    return {k: st.query_params.get_all(k) for k in st.query_params}


def filter_params(params: Params) -> dict[str, list[str]]:
    """Return the filter's part of URL parameters, in a form that compares equal when they do."""
    return {k: list(v) for k, v in params.items() if k in FILTER_PARAMS and v}


def restore_widgets(raw: Params, choices: Choices, countries: Sequence[str]) -> None:
    """Give the filter widgets their values before they are drawn.

    Parameters
    ----------
    raw
        The URL's parameters as this run received them.
    choices, countries
        What the widgets can show: values the URL asks for in vain are left out.

    """
    if filter_params(raw) != st.session_state.get(_WRITTEN):
        st.session_state.update(widget_values(read_filter(raw, choices), countries))
        return
    for key in WIDGET_KEYS:
        if key in st.session_state:
            # Assigned, the value is the session's, not the page's widget's: it survives a page switch.
            st.session_state[key] = st.session_state[key]


def apply_widgets(
    values: Mapping[str, object], raw: Params, choices: Choices, event_exists: bool
) -> FormState:
    """Read the filter from the drawn widgets, write it into the URL and say what was not applied.

    Parameters
    ----------
    values
        The widgets' values, keyed by their URL parameter.
    raw
        The URL's parameters as this run received them (before the widgets were drawn).
    choices
        The values that exist in the data.
    event_exists
        Whether the URL's `event` is an event of the data; otherwise it leaves the URL.

    Returns
    -------
    FormState
        The filter, its URL parameters, the notices (kept until the reader changes the filter
        the link set up) and the event to open.

    """
    params = widget_params(values)
    event_filter = read_filter(params, choices)
    _write_url(params)
    asked = last(raw, EVENT) or None
    event_id = asked if asked is not None and event_exists else None
    if _URL_CHECKED not in st.session_state:  # the session's first run: what did the link hold?
        notices = url_notices(raw, params, choices)
        if asked is not None and event_id is None:
            notices.append(f"event={short(asked)} (not in the data)")
        _drop_unused_params(keep_event=event_id is not None)
        st.session_state.update({_URL_CHECKED: True, _NOTICES: notices, _FILTER_AT_LOAD: event_filter})
    unchanged = st.session_state.get(_FILTER_AT_LOAD) == event_filter
    notices = list(st.session_state.get(_NOTICES, [])) if unchanged else []
    return FormState(event_filter, params, notices, event_id)


def reset_widgets() -> None:
    """Put every filter widget back to its default and forget the chosen event."""
    st.session_state.update({**DEFAULTS, **{key: [] for key in LIST_KEYS}})
    clear_event()


def set_dates(first: dt.date | None, last: dt.date | None) -> None:
    """Put days into the From and To boxes, as if typed there (None empties a box).

    Called before the sidebar is drawn (from a chart's callback): the form then reads them, writes
    the URL and names what it could not apply, as for any date typed into the boxes. Days beyond
    what the boxes accept are taken to their nearest end.
    """
    for key, day in ((DATE_FROM, first), (DATE_TO, last)):
        st.session_state[key] = min(max(day, EARLIEST), LATEST) if day is not None else None


def clear_event() -> None:
    """Forget the chosen event: the map's panel lists the excerpts again."""
    if EVENT in st.query_params:
        del st.query_params[EVENT]


def current_params() -> dict[str, list[str]]:
    """Return the filter parameters of this session's URL, for links that keep the filter."""
    return dict(st.session_state.get(_WRITTEN, {}))


def _write_url(params: Params) -> None:
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


def _drop_unused_params(*, keep_event: bool) -> None:
    """Remove from the URL what no widget reads, so the link in the address bar is clean."""
    for name in [k for k in st.query_params if k not in KNOWN_PARAMS]:
        del st.query_params[name]
    if not keep_event and EVENT in st.query_params:
        del st.query_params[EVENT]
