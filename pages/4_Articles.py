"""Articles: each source article with every passage quoted from it, to check what a source said."""

from borderstates.app import page

view = page.open_page(
    "Articles",
    "📰",
    "The source articles of the filtered events with their metadata, and every passage the "
    "events quote from them, in the article's language with the English rendering.",
)
if page.has_events(view):
    page.show_articles(view)
