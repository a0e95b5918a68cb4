"""The source articles with the passages quoted from them: where an analyst checks what a source said.

An event's excerpt quotes its first article; several events may quote one passage. Passages
follow the events file, which lists a curated article's events in the article's own order;
imported events (no line in a file) come after them, by id.
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from borderstates.analysis.quality import in_file_order, quotes_one_of
from borderstates.core import contract, query
from borderstates.core.contract import SEARCH_TEXT
from borderstates.core.csvio import LINE
from borderstates.core.engine import Store
from borderstates.core.filters import EventFilter

PASSAGES_SHOWN = 50  # passages of one article shown at most
EVENTS_LISTED = 20  # events listed under one passage at most (imported data quotes no text)
CITERS_LISTED = 100  # events listed as citing an article without quoting it, at most

# Columns the queries add to the events they read.
_ARTICLE, _PASSAGE, _ENGLISH, _POSITION = "quoted_from", "passage", "english", "position"


@dataclass(frozen=True)
class Passage:
    """One quoted passage and the events it reports."""

    excerpt: str  # empty for events whose source has no text (GDELT)
    excerpt_en: str
    events: pd.DataFrame  # the first `EVENTS_LISTED` event rows, in file order
    count: int  # every event that quotes it


@dataclass(frozen=True)
class ArticlePassages:
    """An article, the passages the events quote from it, and who else cites it."""

    article: dict[str, object]  # a row of the articles table: its text cells and its line (None: imported)
    passages: list[Passage]  # the first `PASSAGES_SHOWN`
    passage_count: int
    cited_without_quote: list[
        str
    ]  # ids of the first `CITERS_LISTED` events that cite it after their first article
    quoted_elsewhere: int  # events quoting it that the filter leaves out
    cited_without_quote_count: int = field(default=0)  # every event that cites it after their first article


def article_passages(store: Store, f: EventFilter, limit: int) -> tuple[list[ArticlePassages], int]:
    """Return the articles the matching events cite, in the articles file's order, with their passages.

    Every question is bounded by the articles shown: the engine returns `limit` articles, at
    most `PASSAGES_SHOWN` passages of each, `EVENTS_LISTED` events of each passage and
    `CITERS_LISTED` events citing each without quoting it, and counts the rest.

    Parameters
    ----------
    store
        The data, on its engine.
    f
        The filter: only the articles and passages of the events it keeps are shown.
    limit
        How many articles to return at most.

    Returns
    -------
    articles, total
        Up to `limit` articles (imported ones after the file's, by id), and how many the
        events cite in all.

    """
    events = store.matching(f)
    chosen, total = _cited_articles(store, events, limit)
    if chosen.empty:
        return [], total
    ids = chosen["article_id"].tolist()
    quoting = _quoting(events, ids)
    passages = _passages(quoting)
    shown = store.fetch(passages)
    reports = store.fetch(_reports(store.events, quoting, passages))
    citers = store.fetch(_citers(events, ids))
    # Without a filter every event is shown: none quotes an article from outside it.
    quoted_in_all = _quoted_in_all(store, ids) if not f.is_empty() else {}
    listed = {key: rows for key, rows in reports.groupby([_ARTICLE, _PASSAGE], sort=False)}
    result = []
    for article in chosen.to_dict("records"):
        article_id = str(article["article_id"])
        own = shown[shown[_ARTICLE] == article_id]
        quoted_here = int(own["quoting"].iloc[0]) if len(own) else 0
        mine = citers[citers[_ARTICLE] == article_id]
        result.append(
            ArticlePassages(
                article={str(k): _plain(v) for k, v in article.items()},
                passages=[
                    Passage(
                        row[_PASSAGE],
                        row[_ENGLISH],
                        _events_of(listed.get((article_id, row[_PASSAGE]))),
                        int(row["events"]),
                    )
                    for row in own.to_dict("records")
                ],
                passage_count=int(own["passage_count"].iloc[0]) if len(own) else 0,
                cited_without_quote=mine["event_id"].tolist(),
                quoted_elsewhere=quoted_in_all.get(article_id, quoted_here) - quoted_here,
                cited_without_quote_count=int(mine["citers"].iloc[0]) if len(mine) else 0,
            )
        )
    return result, total


def _cited_articles(store: Store, events: ir.Table, limit: int) -> tuple[pd.DataFrame, int]:
    """Return the first `limit` articles that the events cite, in file order, and how many they cite."""
    cited = query.citations(events).select("article_id")
    return in_file_order(store, store.articles.semi_join(cited, "article_id"), limit)


def _quoting(events: ir.Table, article_ids: list[str]) -> ir.Table:
    """Return the events that quote one of the articles: with the article, the passage and its English."""
    quoting = events.filter(quotes_one_of(events, article_ids))
    return quoting.mutate(
        **{
            _ARTICLE: query.first_article(quoting["article_id"]),
            _PASSAGE: quoting["excerpt"].strip(),
            _ENGLISH: quoting["excerpt_en"].strip(),
        }
    )


def _passages(quoting: ir.Table) -> ir.Table:
    """Return the first `PASSAGES_SHOWN` passages of each article, numbered in order of first appearance.

    Each row holds the passage, its first English rendering (in file order), its events, its
    number; and its article's number of passages and of events quoting it.
    """
    line, english = quoting[LINE], quoting[_ENGLISH]
    in_file, imported = line.notnull(), line.isnull()
    groups = quoting.group_by([_ARTICLE, _PASSAGE]).aggregate(
        events=quoting.count(),
        in_file=line.count(),
        first_line=line.min(),
        first_id=quoting["event_id"].min(where=imported),
        english_in_file=english.argmin(line, where=(english != "") & in_file),
        english_imported=english.argmin(quoting["event_id"], where=(english != "") & imported),
    )
    article = ibis.window(group_by=_ARTICLE)
    # ibis sorts nulls last on every engine: a passage first quoted in the file comes first.
    first_seen = ibis.window(
        group_by=_ARTICLE,
        order_by=[groups["first_line"].asc(), groups["first_id"].asc(), groups[_PASSAGE].asc()],
    )
    ranked = groups.mutate(
        number=ibis.row_number().over(first_seen),
        passage_count=groups[_PASSAGE].count().over(article),
        quoting=groups["events"].sum().over(article),
        **{_ENGLISH: groups["english_in_file"].coalesce(groups["english_imported"], ibis.literal(""))},
    )
    shown = ranked.filter(ranked["number"] < PASSAGES_SHOWN)
    columns = [_ARTICLE, _PASSAGE, _ENGLISH, "events", "in_file", "number", "passage_count", "quoting"]
    return shown.select(*columns).order_by([_ARTICLE, "number"])


def _reports(all_events: ir.Table, quoting: ir.Table, passages: ir.Table) -> ir.Table:
    """Return the first `EVENTS_LISTED` events of each shown passage, in file order."""
    # Rank on the few columns that decide the order, then read the whole rows of the chosen.
    # The file's rows are ranked on their line alone and the imported ones on their id, apart:
    # on DuckDB, ordering a million rows on (line, id) took ten times as long as on the line.
    passage = [_ARTICLE, _PASSAGE]
    keys = quoting.select("event_id", LINE, *passage)
    in_file = keys.filter(keys[LINE].notnull())
    in_file = in_file.mutate(**{_POSITION: ibis.row_number().over(group_by=passage, order_by=in_file[LINE])})
    imported = keys.filter(keys[LINE].isnull())
    imported = imported.mutate(
        **{_POSITION: ibis.row_number().over(group_by=passage, order_by=imported["event_id"])}
    )
    ranked = in_file.union(imported, distinct=False)
    ranked = ranked.filter(ranked[_POSITION] < EVENTS_LISTED)
    # The shown passages only; an imported row comes after every row of the file that quotes it.
    ranked = ranked.inner_join(passages.select(*passage, "in_file"), passage)
    ranked = ranked.mutate(
        **{_POSITION: ranked[_POSITION] + ranked[LINE].isnull().ifelse(ranked["in_file"], 0)}
    )
    ranked = ranked.filter(ranked[_POSITION] < EVENTS_LISTED).select("event_id", *passage, _POSITION)
    rows = all_events.drop(SEARCH_TEXT).inner_join(ranked, "event_id")
    return rows.order_by([*passage, _POSITION])


def _citers(events: ir.Table, article_ids: list[str]) -> ir.Table:
    """Return the first `CITERS_LISTED` events that cite each article without quoting it, and their count."""
    # Only an event that cites several articles can cite one without quoting it; only a cell
    # that holds one of the ids can cite it. Both tests are byte searches, far cheaper than a split.
    cells = events["article_id"]
    holds = functools.reduce(operator.or_, [cells.contains(a) for a in article_ids])
    several = events.filter(cells.contains(contract.ARTICLE_ID_SEPARATOR) & holds)
    cites = several.select(
        "event_id",
        LINE,
        quoted=query.first_article(several["article_id"]),
        cited=several["article_id"].split(contract.ARTICLE_ID_SEPARATOR).unnest(),
    )
    cites = cites.mutate(**{_ARTICLE: cites["cited"].strip()})
    cites = cites.filter(cites[_ARTICLE].isin(article_ids) & (cites[_ARTICLE] != cites["quoted"]))
    cites = cites.select("event_id", LINE, _ARTICLE).distinct()
    in_order = ibis.window(group_by=_ARTICLE, order_by=[cites[LINE].asc(), cites["event_id"].asc()])
    ranked = cites.mutate(
        rank=ibis.row_number().over(in_order),
        citers=cites["event_id"].count().over(ibis.window(group_by=_ARTICLE)),
    )
    return (
        ranked.filter(ranked["rank"] < CITERS_LISTED)
        .select(_ARTICLE, "event_id", "citers", "rank")
        .order_by([_ARTICLE, "rank"])
    )


def _quoted_in_all(store: Store, article_ids: list[str]) -> dict[str, int]:
    """Return how many events of the whole data quote each of the articles."""
    quoting = _quoting(store.events, article_ids)
    counts = store.fetch(quoting.group_by(_ARTICLE).aggregate(events=quoting.count()))
    return {str(k): int(v) for k, v in zip(counts[_ARTICLE], counts["events"], strict=True)}


def _events_of(rows: pd.DataFrame | None) -> pd.DataFrame:
    """Return a passage's listed events as event rows, without the columns the query added."""
    if rows is None:  # cannot happen: a shown passage has an event; kept for the type checker
        return pd.DataFrame()
    return rows.drop(columns=[_ARTICLE, _PASSAGE, _POSITION]).reset_index(drop=True)


def _plain(value: object) -> object:
    """Return a cell as a plain Python value: a line number as an int, a missing one as None."""
    if pd.isna(value):  # type: ignore[call-overload]
        return None
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return int(value)
    return value.item() if isinstance(value, np.generic) else value
