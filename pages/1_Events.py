"""Events: the filtered events as a table to sort and search; a chosen row shows its passage."""

from borderstates import pageui

view = pageui.open_page(
    "Events",
    "📋",
    "Every filtered event, newest first. Sort by a column's header, search with the magnifier "
    "above the table, open an event on the map by its id, or choose a row to read its passage.",
)
if pageui.has_events(view):
    chosen = pageui.show_event_table(view)
    pageui.show_chosen_event(view, chosen)
