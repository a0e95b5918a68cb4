"""The events as a table to read: one row per event, newest first, with links to the map and the source."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from borderstates.core import contract
from borderstates.core.contract import SPAN_END

TABLE_ROWS = 10_000  # rows sent to the browser at most; the download holds every filtered event


def event_links(event_ids: Iterable[object], params: Mapping[str, Sequence[str]]) -> list[str]:
    """Return for each id the link that opens the map on that event with the filter `params`."""
    return [contract.map_href(str(event_id), params) for event_id in event_ids]


def table_frame(
    events: pd.DataFrame, articles: pd.DataFrame, params: Mapping[str, Sequence[str]], limit: int = TABLE_ROWS
) -> pd.DataFrame:
    """Return up to `limit` events, newest first, as the Events page shows them.

    `event` is the link to the map; `relation` a one-item list (drawn as a coloured label);
    `source` the first article's URL where it is http(s), else empty: a link column opens
    whatever it holds.
    """
    newest = events.sort_values(["date", "event_id"], ascending=[False, True]).head(limit)
    article = contract.first_article(newest["article_id"])
    by_id = articles.set_index("article_id")
    url = article.map(by_id["url"]).fillna("")
    return pd.DataFrame(
        {
            "event": event_links(newest["event_id"], params),
            "date": newest["date"],
            "until": newest[SPAN_END],
            "precision": newest["date_precision"].astype("str"),
            "relation": [[r] for r in newest["relation_type"].astype("str")],
            "summary": newest["summary"].astype("str"),
            "actor1": newest["actor1"].astype("str"),
            "actor2": newest["actor2"].astype("str"),
            "quad_class": newest["quad_class"].astype("str"),
            "status": newest["status"].astype("str"),
            "location": newest["location"].astype("str"),
            "country": newest["country"].astype("str"),
            "fatalities": newest["fatalities"],
            "dataset": newest["dataset"].astype("str"),
            "article": article.map(by_id["title"]).fillna(article),
            "source": [u if contract.is_http_url(u) else None for u in url],
            "event_id": newest["event_id"].astype("str"),
        }
    ).reset_index(drop=True)


def table_identity(frame: pd.DataFrame) -> str:
    """Return a short digest of the events a table shows, in order: it changes when the rows do."""
    digest = hashlib.blake2b(digest_size=8)
    for event_id in frame["event_id"]:
        digest.update(str(event_id).encode() + b"\x1f")
    return digest.hexdigest()
