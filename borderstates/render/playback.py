"""Playback of the filtered events in the map: the control, and the window it reports back.

The control's script (`js/playback.js`) travels in the map frame's one bundle (`assets`). It
animates the markers or density cells the page already sent, by the spans they carry as day
numbers (`days_since_epoch`): no round trip per frame. "Use this window" reports the window as
the tooltip of a click, which the page reads back with `clicked_window`.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

WINDOW_TAG = "bs-window"  # the first word of the tooltip that reports a window: "bs-window FIRST LAST"
_EPOCH = pd.Timestamp("1970-01-01")


class Playback(MacroElement):
    """The playback control: play, pause, step, window (day, week, month), moving or cumulative, speed."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        if (L.Control.BsPlayback) {
            new L.Control.BsPlayback({position: {{ this.position|tojson }}, tag: {{ this.tag|tojson }}})
                .addTo({{ this._parent.get_name() }});
        }
        {% endmacro %}
        """
    )

    def __init__(self, position: str = "bottomright"):
        super().__init__()
        self._name = "Playback"
        self.position = position
        self.tag = WINDOW_TAG


def days_since_epoch(days: pd.Series) -> list[int]:
    """Return dates as whole days since 1970-01-01, as the control reads them."""
    return ((pd.to_datetime(days) - _EPOCH).dt.days).tolist()


def clicked_window(tooltip: object) -> tuple[dt.date, dt.date] | None:
    """Return the window that "use this window" reported (first and last day), or None."""
    words = str(tooltip or "").split()
    if len(words) != 3 or words[0] != WINDOW_TAG:
        return None
    try:
        first, last = (dt.date.fromisoformat(d) for d in words[1:])
    except ValueError:
        return None
    return (first, last) if first <= last else None
