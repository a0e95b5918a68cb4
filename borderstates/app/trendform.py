"""The trends' settings in the URL: period, baseline, as-of day, unit, periods compared, the map's fill.

Read by one parser (`settings_from_params`), which names every value it drops, as the
filter's parser does; the filter form checks them with its own parameters, so that a link's
notices are one list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from borderstates.analysis.trends import DEFAULT_BASELINE, MAX_BASELINE, PERIODS, UNIT_COLUMNS
from borderstates.app.urlvalues import choice, last, short
from borderstates.core.contract import Params
from borderstates.core.filters import parse_date
from borderstates.render.fills import FILLS

PERIOD, BASELINE, AS_OF, BY, PERIOD_A, PERIOD_B = "period", "baseline", "asof", "by", "a", "b"
FILL = "fill"  # what the map's colours say: count, change or difference (`render.fills.FILLS`)
TREND_PARAMS = (PERIOD, BASELINE, AS_OF, BY, PERIOD_A, PERIOD_B, FILL)
RANGE_SEPARATOR = ":"  # a compared period in a link: `2024-01-01:2024-03-31`


@dataclass(frozen=True)
class TrendSettings:
    """How the trends are counted; None where the data decides (the as-of day, the compared periods)."""

    period: str = "week"
    baseline: int = DEFAULT_BASELINE
    as_of: dt.date | None = None
    by: str = "state"
    a: tuple[dt.date, dt.date] | None = None
    b: tuple[dt.date, dt.date] | None = None
    fill: str = "count"


def settings_from_params(params: Params) -> tuple[TrendSettings, list[str]]:
    """Return the trend settings a link holds, and one notice per value dropped."""
    dropped: list[str] = []
    period = choice(params, PERIOD, PERIODS, "", dropped)
    by = choice(params, BY, tuple(UNIT_COLUMNS), "", dropped)
    fill = choice(params, FILL, FILLS, "", dropped)
    baseline = DEFAULT_BASELINE
    if text := last(params, BASELINE):
        if text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_BASELINE:
            baseline = int(text)
        else:
            dropped.append(f"{BASELINE}={short(text)} (a whole number of periods, 1 to {MAX_BASELINE})")
    as_of = None
    if text := last(params, AS_OF):
        try:
            as_of = parse_date(text)
        except ValueError:
            dropped.append(f"{AS_OF}={short(text)} (not a date YYYY-MM-DD)")
    a, b = (_range(params, name, dropped) for name in (PERIOD_A, PERIOD_B))
    if a and b and a[0] > b[0]:
        dropped.append(f"{PERIOD_A}, {PERIOD_B} (period A begins after period B)")
        a = b = None
    return TrendSettings(period or "week", baseline, as_of, by or "state", a, b, fill or "count"), dropped


def params_from_settings(settings: TrendSettings) -> dict[str, list[str]]:
    """Return the URL parameters of trend settings, defaults left out."""
    params = {
        PERIOD: [settings.period] if settings.period != "week" else [],
        BASELINE: [str(settings.baseline)] if settings.baseline != DEFAULT_BASELINE else [],
        AS_OF: [settings.as_of.isoformat()] if settings.as_of else [],
        BY: [settings.by] if settings.by != "state" else [],
        PERIOD_A: [format_range(settings.a)] if settings.a else [],
        PERIOD_B: [format_range(settings.b)] if settings.b else [],
        FILL: [settings.fill] if settings.fill != "count" else [],
    }
    return {k: v for k, v in params.items() if v}


def format_range(days: tuple[dt.date, dt.date]) -> str:
    """Return a compared period as a link holds it: `FROM:TO`."""
    return f"{days[0].isoformat()}{RANGE_SEPARATOR}{days[1].isoformat()}"


def parse_range(text: str) -> tuple[dt.date, dt.date]:
    """Parse `FROM:TO` (both `YYYY-MM-DD`, FROM ≤ TO); raise ValueError for anything else."""
    first, separator, last = text.partition(RANGE_SEPARATOR)
    if not separator:
        raise ValueError(f"not a period FROM:TO (YYYY-MM-DD:YYYY-MM-DD): {text!r}")
    days = parse_date(first), parse_date(last)
    if days[0] > days[1]:
        raise ValueError(f"the period ends ({days[1]}) before it begins ({days[0]})")
    return days


def _range(params: Params, name: str, dropped: list[str]) -> tuple[dt.date, dt.date] | None:
    text = last(params, name)
    if not text:
        return None
    try:
        return parse_range(text)
    except ValueError:
        dropped.append(f"{name}={short(text)} (not a period FROM:TO, YYYY-MM-DD:YYYY-MM-DD, in order)")
        return None
