"""The project's colours, in one place: the map, the charts and the pages draw with these."""

from __future__ import annotations

SEA = "#c6dced"
CONTEXT_FILL, CONTEXT_LINE = "#ebe8e1", "#b9b4a9"  # the neighbouring states, muted
FOCUS_LINE, SELECTED_LINE = "#2b2d42", "#e07a00"  # a focus state's outline; chosen in the filter
# Fill of a focus state by its number of filtered events: no events, then up to five classes.
COUNT_COLOURS = ("#f6f4fa", "#dcd5ec", "#bcb0da", "#9a88c5", "#7a61ae", "#593b94")
# Grid cells by their count of events, light to dark (when too many events for markers).
DENSITY_COLOURS = ("#fee8a8", "#fdc46d", "#fb9a4b", "#f0603a", "#c92d2f")
RELATION_COLOURS = {
    "military": "#d62728",
    "security": "#8c564b",
    "sanctions": "#222222",
    "diplomatic": "#1f77b4",
    "energy": "#ff7f0e",
    "economic": "#2ca02c",
    "cultural": "#e377c2",
    "media": "#17becf",
    "political": "#bcbd22",
}
UNKNOWN_RELATION = "#777777"
VIOLET = "#9a88c5"  # the project's own colour: quoted passages, counts without a relation type
NO_BALANCE = "#c8c8c8"  # actor pairs with neutral events only
MUTED_TEXT = "#555555"  # metadata beside a passage (6.9:1 on white)
# Trend bands, diverging: rises red, falls blue, too few to say grey (black text reads on each).
BAND_COLOURS = {
    "surge": "#d6604d",
    "new": "#c2a5cf",
    "increase": "#f4a582",
    "stable": "#f7f7f7",
    "decrease": "#92c5de",
    "limited": "#d9d9d9",
}
# The difference of two periods, diverging: fewer blue, more red, none the middle.
DIFFERENCE_COLOURS = ("#2166ac", "#67a9cf", "#d1e5f0", "#f7f7f7", "#fddbc7", "#ef8a62", "#b2182b")
