"""Actors: who relates to whom in the filtered events, as a matrix and as a network."""

from borderstates.analysis.relations import actor_count, actor_regions, actor_relations
from borderstates.app import page

view = page.open_page(
    "Actors",
    "🕸️",
    "Who acts on whom: each cell counts the events of an acting actor (row) towards another "
    "(column); the network joins the same actors whichever side acted.",
)
if page.has_events(view):
    shown = page.choose_actor_count(view.ask(actor_count))
    relations = view.ask(actor_relations, shown)
    page.show_relations(relations, view.ask(actor_regions, tuple(relations.actors.index)))
