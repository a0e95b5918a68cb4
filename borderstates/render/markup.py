"""HTML for tooltips, popups, the passage panel and the pages' lists: every data value is escaped."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, cast

import pandas as pd
from markupsafe import Markup, escape

from borderstates.core import contract
from borderstates.core.contract import Params

if TYPE_CHECKING:
    from borderstates.analysis.passages import ArticlePassages

SEPARATOR = " · "  # between the id and the rest of a tooltip: clicks are mapped back by it
_NO_EXCERPT = "(no excerpt: the source has no text)"

# The panel's record table: (label, column), in the contract's order.
RECORD_FIELDS = (
    ("Event", "event_id"), ("Dates", "date"), ("Precision", "date_precision"),
    ("Actor 1", "actor1"), ("Actor 1 country", "actor1_country"),
    ("Actor 2", "actor2"), ("Actor 2 country", "actor2_country"),
    ("Relation", "relation_type"), ("Quad class", "quad_class"), ("Status", "status"),
    ("Country", "country"), ("Location", "location"), ("Region", "region"), ("Latitude", "latitude"),
    ("Longitude", "longitude"), ("Geo precision", "geo_precision"), ("Fatalities", "fatalities"),
    ("Dataset", "dataset"), ("Cluster", "cluster_id"), ("Source code", "source_code"), ("Tags", "tags"),
    ("Articles", "article_id"), ("Notes", "notes"),
)  # fmt: skip


def code_span(value: object) -> str:
    """Return text as a Markdown code span: shown literally, never as a link, emphasis or directive.

    The fence is one backtick longer than any run of backticks in the text (CommonMark). Line
    breaks become spaces, as inside any code span: a blank line would end the span early.
    """
    text = re.sub(r"[\r\n]+", " ", plain(value))
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}"


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """Return `1 event`, `2 events`: a count with its noun in the right number."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"


def plain(value: object) -> str:
    """Return a cell as text: dates as `YYYY-MM-DD`, "" for a missing value (None, NaN, NA)."""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    # pandas-stubs type `pd.isna` for scalars and arrays only; pandas takes any object.
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
        return ""
    return str(value)


def text(value: object) -> Markup:
    """Return a cell as escaped HTML text; empty for a missing value."""
    return escape(plain(value))


def link(url: object, label: object) -> Markup:
    """Return a link to `url` labelled `label`, or the bare label when the URL is not http(s)."""
    if not contract.is_http_url(url):
        return text(label)
    return Markup('<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>').format(
        str(url).strip(), label
    )


def date_label(event: Mapping) -> str:
    """Return an event's dates as a reader sees them: one day, or the span and its precision."""
    start, end = event["date"], event.get("span_end", event["date"])
    first = start.strftime("%Y-%m-%d")
    if pd.isna(end) or end == start:
        return first
    return f"{first} – {end.strftime('%Y-%m-%d')} ({event['date_precision']})"


def fatalities_label(event: Mapping) -> str:
    """Return an event's deaths as a reader sees them: `3`, or with the source's range, `3 (3–4)`."""
    best, low, high = (_count(event.get(c)) for c in ("fatalities", *contract.FATALITY_RANGE))
    return range_label(best, low, high)


def range_label(best: int | None, low: int | None = None, high: int | None = None) -> str:
    """Return a count of deaths with its range where there is one: `3`, `3 (3–4)`, `(2–5)`, ``."""
    shown = "" if best is None else f"{best:,}"
    if (low is None and high is None) or (low == best == high):
        return shown
    span = f"{'' if low is None else f'{low:,}'}–{'' if high is None else f'{high:,}'}"
    return f"{shown} ({span})".strip()


def _count(value: object) -> int | None:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):  # NaN
        return None
    return int(value)  # type: ignore[call-overload]


def place_label(event: Mapping) -> str:
    """Return where an event happened as a reader says it: `Kharkiv, Kharkiv Oblast, UKR`."""
    region = plain(event.get("region_name")).strip()
    return ", ".join(part for part in (plain(event["location"]), region, plain(event["country"])) if part)


def actors_label(event: Mapping) -> str:
    """Return `actor1 → actor2`, or actor1 alone."""
    actor2 = plain(event.get("actor2")).strip()
    return f"{event['actor1']} → {actor2}" if actor2 else plain(event["actor1"])


def articles_of(event: Mapping, articles: pd.DataFrame) -> list[dict[str, object]]:
    """Return the articles an event cites, in the order of its `article_id` (the first is quoted)."""
    ids = contract.article_ids(str(event["article_id"]))
    by_id = articles.set_index("article_id")
    return [
        {"article_id": a, **cast("dict[str, object]", by_id.loc[a].to_dict())}
        for a in ids
        if a in by_id.index
    ]


def event_tooltip(event: Mapping) -> Markup:
    """Return a marker's tooltip: its id, then date, actors and relation type."""
    return Markup("<b>{}</b>{}{}<br>{}<br><i>{}</i>").format(
        event["event_id"], SEPARATOR, date_label(event), actors_label(event), event["relation_type"]
    )


def tooltip_head(tooltip: object) -> str:
    """Return what comes before the first separator of a tooltip's text: the id it was made for."""
    return str(tooltip or "").strip().split(SEPARATOR, 1)[0]


def event_popup(event: Mapping) -> Markup:
    """Return a marker's popup: summary, excerpt, the article's title and outlet, and its link.

    `event` carries its first article's fields as `export.flatten` names them (`article_title`…).
    """
    article = {name: event.get(f"article_{name}", "") for name in ("title", "outlet", "url")}
    return Markup(
        '<div class="bs-popup"><p><b>{}</b></p><blockquote>{}</blockquote>{}<p>{}</p></div>'
    ).format(event["summary"], _excerpt(event), _english(event), _source_line(article))


def passage_html(
    event: Mapping, articles: pd.DataFrame, others: pd.DataFrame | None = None, params: Params | None = None
) -> Markup:
    """Return the panel for one event: its passage, every article it cites, who else reports it, its record.

    `others` are the other events of its cluster (`event_id`, `dataset`: `mapdata.corroborating`),
    each linked to the map on it with the filter's URL parameters `params`.
    """
    cited = articles_of(event, articles)
    sources = Markup("").join(Markup("<li>{}</li>").format(_source_line(a, full=True)) for a in cited)
    rows = Markup("").join(
        Markup("<tr><th>{}</th><td>{}</td></tr>").format(
            label,
            date_label(event)
            if column == "date"
            else fatalities_label(event)
            if column == "fatalities"
            else text(event.get(column)),
        )
        for label, column in RECORD_FIELDS
    )
    return Markup(
        '<article class="bs-passage"><h4>{}</h4><p class="bs-meta">{} · {}</p>'
        '<blockquote lang="{}">{}</blockquote>{}<p class="bs-meta">Reported in:</p><ul>{}</ul>{}'
        '<table class="bs-record">{}</table></article>'
    ).format(
        event["summary"],
        date_label(event),
        place_label(event),
        cited[0].get("language", "") if cited else "",
        _excerpt(event),
        _english(event),
        sources,
        _also_reported(event, others, params or {}),
        rows,
    )


def _also_reported(event: Mapping, others: pd.DataFrame | None, params: Params) -> Markup:
    """Return "Also reported by" with the other events of the event's cluster, each linked, or nothing."""
    if others is None or others.empty:
        return Markup("")
    items = Markup(", ").join(
        Markup("{} ({})").format(event_link(o["event_id"], params), o["dataset"])
        for o in others.to_dict("records")
    )
    more = int(plain(event.get("cluster_size")) or 0) - 1 - len(others)
    if more > 0:
        items += Markup(" and {:,} more").format(more)
    return Markup('<p class="bs-meta bs-also">Also reported by {}.</p>').format(items)


def excerpt_list_html(events: pd.DataFrame, limit: int, params: Params | None = None) -> Markup:
    """Return the excerpts of up to `limit` events, newest first, each under its date and place.

    With `params` (the filter's URL parameters), each id links to the map on its event.
    """
    # Sort only the rows that can make the list: a million rows sort slowly, fifty do not.
    cutoff = events["date"].nlargest(limit).min() if len(events) > limit else None
    candidates = events if cutoff is None else events[events["date"] >= cutoff]
    newest = candidates.sort_values(["date", "event_id"], ascending=[False, True]).head(limit)
    items = Markup("").join(_event_item(event, params) for event in newest.to_dict("records"))
    return Markup('<ol class="bs-excerpts">{}</ol>').format(items)


def chronicle_html(events: pd.DataFrame, params: Params) -> Markup:
    """Return the events in the order given, each with its id linked to the map, excerpt and English."""
    items = Markup("").join(_event_item(event, params, english=True) for event in events.to_dict("records"))
    return Markup('<ol class="bs-excerpts bs-chronicle">{}</ol>').format(items)


def _event_item(event: Mapping, params: Params | None, *, english: bool = False) -> Markup:
    event_id = (
        event_link(event["event_id"], params)
        if params is not None
        else Markup("{}").format(event["event_id"])
    )
    return Markup(
        '<li><p class="bs-meta"><b>{}</b> · {} · {}</p><p>{}</p><blockquote>{}</blockquote>{}</li>'
    ).format(
        event_id,
        date_label(event),
        place_label(event),
        event["summary"],
        _excerpt(event),
        _english(event) if english else "",
    )


def event_link(event_id: object, params: Params) -> Markup:
    """Return an event id as a link to the map focused on it (same tab: the map is the app)."""
    return Markup('<a class="bs-event" href="{}" target="_self">{}</a>').format(
        contract.map_href(plain(event_id), params), plain(event_id)
    )


def article_html(item: ArticlePassages, params: Params) -> Markup:
    """Return an article's metadata and every passage quoted from it, each with the events it reports."""
    article = item.article
    meta = [text(article.get(k)) for k in ("outlet", "published") if plain(article.get(k))]
    meta.append(Markup("language {} · id {}").format(article.get("language", ""), article["article_id"]))
    url = plain(article.get("url")).strip()
    source = link(url, url) if contract.is_http_url(url) else Markup("<i>no URL</i>")
    if plain(article.get("cited_sources")):
        source += Markup(" · cites: {}").format(article["cited_sources"])
    passages = Markup("").join(
        Markup('<li><blockquote lang="{}">{}</blockquote>{}<ul class="bs-reports">{}</ul></li>').format(
            article.get("language", ""),
            passage.excerpt or Markup("<i>{}</i>").format(_NO_EXCERPT),
            _english({"excerpt_en": passage.excerpt_en}),
            Markup("").join(_report_item(event, params) for event in passage.events.to_dict("records"))
            + _more(passage.count - len(passage.events), "event"),
        )
        for passage in item.passages
    )
    notes = Markup("")
    if item.passage_count > len(item.passages):
        notes += Markup('<p class="bs-meta">{} not shown.</p>').format(
            counted(item.passage_count - len(item.passages), "more passage")
        )
    if item.cited_without_quote:
        also = Markup(", ").join(event_link(e, params) for e in item.cited_without_quote)
        notes += Markup('<p class="bs-meta">Also cited, not quoted, by {}.</p>').format(also)
    if item.quoted_elsewhere:
        notes += Markup('<p class="bs-meta">{} more events quoting it are outside the filter.</p>').format(
            item.quoted_elsewhere
        )
    return Markup(
        '<section class="bs-article"><h3>{}</h3><p class="bs-meta">{}</p><p class="bs-meta">{}</p>'
        '<ol class="bs-passages">{}</ol>{}</section>'
    ).format(article["title"], Markup(" · ").join(meta), source, passages, notes)


def _more(count: int, noun: str) -> Markup:
    if count <= 0:
        return Markup("")
    return Markup("<li>… and {:,} more {}</li>").format(count, noun if count == 1 else noun + "s")


def _report_item(event: Mapping, params: Params) -> Markup:
    return Markup("<li>{} · {} · {}</li>").format(
        event_link(event["event_id"], params), date_label(event), event["summary"]
    )


def actor_list_html(actors: pd.Series, regions: Mapping[str, str] | None = None) -> Markup:
    """Return the actors a chart shows with their numbers of events, names whole (charts cut long ones).

    With `regions`, each actor's region of most events follows its count.
    """
    where = {str(k): v for k, v in (regions or {}).items()}
    items = Markup(" · ").join(
        Markup("{} ({:,}{})").format(
            name, count, Markup("; most in {}").format(where[str(name)]) if str(name) in where else ""
        )
        for name, count in actors.items()
    )
    return Markup('<p class="bs-meta">Actors shown, with their events: {}</p>').format(items)


def _excerpt(event: Mapping) -> Markup:
    excerpt = plain(event.get("excerpt")).strip()
    return text(excerpt) if excerpt else Markup("<i>{}</i>").format(_NO_EXCERPT)


def _english(event: Mapping) -> Markup:
    english = plain(event.get("excerpt_en")).strip()
    if not english:
        return Markup("")
    return Markup('<p class="bs-en"><i>English:</i> {}</p>').format(english)


def _source_line(article: Mapping, *, full: bool = False) -> Markup:
    if not article.get("title"):
        return Markup("")
    parts = [link(article.get("url"), article.get("title", ""))]
    parts += [text(article[k]) for k in ("outlet", "published") if full and article.get(k)]
    if not full and article.get("outlet"):
        parts.append(text(article["outlet"]))
    line = Markup(", ").join(parts)
    if full and article.get("cited_sources"):
        line += Markup(". Cites: {}").format(article["cited_sources"])
    return line
