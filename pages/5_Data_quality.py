"""Data quality: what the loaded data is worth, and every row that was left out and why."""

from borderstates.app import page

view = page.open_page(
    "Data quality",
    "🩺",
    "The validation report of the data files, then checks of the filtered events: places outside "
    "their country or in another region than their source names, how precise dates and places "
    "are, missing English renderings and URLs.",
    quality_link=False,
)
report = page.quality_report(view)
page.show_validation(view, report)
page.show_checks(view, report)
