"""Events: the filtered events as a table to sort and search; a chosen row shows its passage."""

from borderstates.app import page

view = page.open_page(
    "Events",
    "📋",
    "Every filtered event, newest first. Sort by a column's header, search with the magnifier "
    "above the table, open an event on the map by its id, or choose a row to read its passage.",
)
if page.has_events(view):
    chosen = page.show_event_table(view)
    page.show_chosen_event(view, chosen)
