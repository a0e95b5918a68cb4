"""Data quality: what the loaded data is worth, and every row that was left out and why."""

from borderstates.analysis.quality import build_report
from borderstates.app import page

view = page.open_page(
    "Data quality",
    "🩺",
    "The validation report of the data files, then checks of the filtered events: places outside "
    "their country, how precise dates and places are, missing English renderings and URLs.",
    quality_link=False,
)
report = view.ask(build_report)
page.show_validation(view, report)
page.show_checks(view, report)
