"""The source articles with the passages quoted from them: where an analyst checks what a source said.

An event's excerpt quotes its first article; several events may quote one passage. Passages
follow the events file, which lists a curated article's events in the article's own order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import pandas as pd

from borderstates.analysis.quality import citations
from borderstates.core import contract
from borderstates.core.csvio import LINE

PASSAGES_SHOWN = 50  # passages of one article shown at most
EVENTS_LISTED = 20  # events listed under one passage at most (imported data quotes no text)


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

    article: dict[str, object]  # a row of the articles file: its text cells and its line
    passages: list[Passage]  # the first `PASSAGES_SHOWN`
    passage_count: int
    cited_without_quote: list[str]  # ids of events that cite it after their first article
    quoted_elsewhere: int  # events quoting it that the filter leaves out


def article_passages(
    events: pd.DataFrame, all_events: pd.DataFrame, articles: pd.DataFrame, limit: int
) -> tuple[list[ArticlePassages], int]:
    """Return the articles the events cite, in the articles file's order, with their passages.

    Parameters
    ----------
    events
        The filtered events: only their articles and passages are shown.
    all_events
        Every event, to count the passages of an article that the filter leaves out.
    articles
        The articles file.
    limit
        How many articles to return at most.

    Returns
    -------
    articles, total
        Up to `limit` articles, and how many the events cite in all.

    """
    ordered = events.sort_values(LINE) if LINE in events else events
    cited = citations(ordered)
    chosen = articles[articles["article_id"].isin(cited["article_id"].unique())]
    quoting = contract.first_article(ordered["article_id"])
    quoted_in_all = contract.first_article(all_events["article_id"]).value_counts()
    later = cited[cited["position"] > 0].groupby("article_id")["event_id"].agg(list)
    shown = []
    for article in cast("list[dict[str, object]]", chosen.head(limit).to_dict("records")):
        article_id = article["article_id"]
        own = ordered[quoting == article_id]
        passages, passage_count = _passages(own)
        shown.append(
            ArticlePassages(
                article=article,
                passages=passages,
                passage_count=passage_count,
                cited_without_quote=later.get(article_id, []),
                quoted_elsewhere=int(quoted_in_all.get(article_id, 0)) - len(own),
            )
        )
    return shown, len(chosen)


def _passages(events: pd.DataFrame) -> tuple[list[Passage], int]:
    """Return the first passages quoted from an article, each with its events, and how many there are."""
    excerpt = events["excerpt"].astype("str").str.strip()
    english = events["excerpt_en"].astype("str").str.strip()
    number, texts = pd.factorize(excerpt)  # numbered in order of first appearance
    passages = []
    for n, text in enumerate(texts[:PASSAGES_SHOWN]):
        same = number == n
        translations = english[same & (english != "")]
        passages.append(
            Passage(
                text,
                translations.iloc[0] if len(translations) else "",
                events[same].head(EVENTS_LISTED),
                int(same.sum()),
            )
        )
    return passages, len(texts)
