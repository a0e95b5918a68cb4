"""Data quality: what the loaded data is worth, and every row that was left out and why."""

from borderstates import pageui
from borderstates.quality import build_report

view = pageui.open_page(
    "Data quality",
    "🩺",
    "The validation report of the data files, then checks of the filtered events: places outside "
    "their country, how precise dates and places are, missing English renderings and URLs.",
    quality_link=False,
)
report = build_report(view.data, view.events)
pageui.show_validation(view, report)
pageui.show_checks(view, report)
