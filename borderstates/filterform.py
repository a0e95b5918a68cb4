"""The filter form's pure half: widget options, widget values as URL parameters, and notices.

Every widget of the form is keyed by its URL parameter (data contract: "URL parameters");
`navigation` keeps widgets and URL in step (not `bind="query-params"`, which loses the
parameters on a page switch). The filter itself is always read back through
`filters.filter_from_params`, the one parser of those parameters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import pandas as pd
import pycountry

from borderstates.filters import Choices, EventFilter, filter_from_params, params_from_filter, present_values
from borderstates.geobuild import FOCUS as FOCUS_STATES

# Widget keys, which are the URL parameter names.
COUNTRY = "country"
LIST_KEYS = ("actor", "relation", "quad", "status", COUNTRY, "dataset")
SIDE, DATE_FROM, DATE_TO, INVOLVING, TEXT, EVENT = "side", "from", "to", "involving", "q", "event"
WIDGET_KEYS = (*LIST_KEYS, SIDE, DATE_FROM, DATE_TO, INVOLVING, TEXT)

Params = Mapping[str, Sequence[str]]


def country_options(events: pd.DataFrame) -> list[str]:
    """Return the country codes to offer: the focus states, then every other code in the data."""
    columns = ("country", "actor1_country", "actor2_country")
    found = set().union(*(present_values(events[c]) for c in columns))
    return [*FOCUS_STATES, *sorted(found - set(FOCUS_STATES))]


def country_name(code: str) -> str:
    """Return a country's English name, or the code itself when it has none."""
    country = pycountry.countries.get(alpha_3=code)
    return getattr(country, "common_name", None) or getattr(country, "name", code)


def widget_params(values: Mapping[str, object]) -> dict[str, list[str]]:
    """Turn the form's widget values (keyed by parameter name) into URL parameters.

    Lists stay lists, dates become `YYYY-MM-DD`, the `involving` switch becomes `1`, and
    defaults (no side, no dates, empty text) are left out.
    """
    params: dict[str, list[str]] = {k: [str(v) for v in values.get(k) or ()] for k in LIST_KEYS}
    side = values.get(SIDE)
    params[SIDE] = [str(side)] if side and side != "any" else []
    for key in (DATE_FROM, DATE_TO):
        day = values.get(key)
        params[key] = [day.isoformat()] if isinstance(day, dt.date) else []
    params[INVOLVING] = ["1"] if values.get(INVOLVING) else []
    text = str(values.get(TEXT) or "")
    params[TEXT] = [text] if text.strip() else []
    return {k: v for k, v in params.items() if v}


def widget_values(
    f: EventFilter, countries: Sequence[str], days: tuple[dt.date, dt.date]
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
        COUNTRY: [c for c in f.countries if c in countries],
        INVOLVING: f.involving,
        "dataset": list(f.datasets),
        TEXT: f.text,
    }


def read_filter(params: Params, choices: Choices) -> EventFilter:
    """Return the filter that URL parameters describe, ignoring what is not valid."""
    return filter_from_params(params, choices)[0]


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
