"""Timeline: the filtered events over time, cooperation above the axis and conflict below."""

from borderstates import pageui
from borderstates.timeline import build_timeline

view = pageui.open_page(
    "Timeline",
    "📈",
    "When the filtered events happened, by relation type. An event dated less precisely than a "
    "bar (a month in a weekly view, a year) is never drawn as if it happened on its first day: "
    "the band at the bottom keeps it apart, drawn over its whole span.",
)
if pageui.has_events(view):
    unit = pageui.choose_unit(view.events)
    pageui.show_timeline(build_timeline(view.events, unit))
    pageui.show_chronicle(view)
