"""Timeline: the filtered events over time, cooperation above the axis and conflict below."""

from borderstates.analysis.timeline import build_timeline
from borderstates.app import page

view = page.open_page(
    "Timeline",
    "📈",
    "When the filtered events happened, by relation type. An event dated less precisely than a "
    "bar (a month in a weekly view, a year) is never drawn as if it happened on its first day: "
    "the band at the bottom keeps it apart, drawn over its whole span.",
)
if page.has_events(view):
    unit = page.choose_unit(view)
    page.show_timeline(view.ask(build_timeline, unit), view.event_filter, view.deaths)
    page.show_chronicle(view)
