"""Actors: who relates to whom in the filtered events, as a matrix and as a network."""

from borderstates import pageui
from borderstates.relations import actor_events, actor_relations

view = pageui.open_page(
    "Actors",
    "🕸️",
    "Who acts on whom: each cell counts the events of an acting actor (row) towards another "
    "(column); the network joins the same actors whichever side acted.",
)
if pageui.has_events(view):
    shown = pageui.choose_actor_count(len(actor_events(view.events)))
    pageui.show_relations(actor_relations(view.events, shown))
