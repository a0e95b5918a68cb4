"""Trends: what is changing, and where: each state's latest week or month against its baseline."""

from borderstates.app import page, trendsui

view = page.open_page(
    "Trends",
    "📊",
    "Where the filtered events rise or fall: each state's latest complete week or month against "
    "the mean of the periods before it, banded; the actors new in the latest period; and any two "
    "periods compared.",
)
if page.has_events(view):
    settings, periods = trendsui.trend_controls(view)
    if periods is not None:
        trendsui.show_trends(view, settings, periods)
        trendsui.show_comparison(view, settings, periods)
