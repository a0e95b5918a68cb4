"""The events as a table to read: one row per event, newest first, with links to the map and the source."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import ibis
import pandas as pd

from borderstates.core import contract, query
from borderstates.core.contract import REGION, REGION_NAME, SPAN_END, Params
from borderstates.core.engine import Store
from borderstates.core.filters import EventFilter

TABLE_ROWS = 10_000  # rows sent to the browser at most; the download holds every filtered event


def event_links(event_ids: Iterable[object], params: Params) -> list[str]:
    """Return for each id the link that opens the map on that event with the filter `params`."""
    return [contract.map_href(str(event_id), params) for event_id in event_ids]


def table_frame(store: Store, f: EventFilter, params: Params, limit: int = TABLE_ROWS) -> pd.DataFrame:
    """Return up to `limit` filtered events, newest first, as the Events page shows them.

    `event` is the link to the map; `relation` a one-item list (drawn as a coloured label);
    `region` the code and name of the region the point lies in ("UA-14 Donetsk Oblast");
    `source` the first article's URL where it is http(s), else empty: a link column opens
    whatever it holds.
    """
    events = store.matching(f).order_by([ibis.desc("date"), "event_id"]).limit(limit)
    newest = store.fetch(query.with_first_article(events, store.articles))
    newest = newest.sort_values(
        ["date", "event_id"], ascending=[False, True], ignore_index=True
    )  # a join keeps no order
    # An article not in the articles file is named by its id.
    first = contract.first_article(newest["article_id"])
    title = newest["article_title"].where(newest["article_title"] != "", first)
    return pd.DataFrame(
        {
            "event": event_links(newest["event_id"], params),
            "date": newest["date"],
            "until": newest[SPAN_END],
            "precision": newest["date_precision"],
            "relation": [[r] for r in newest["relation_type"]],
            "summary": newest["summary"],
            "actor1": newest["actor1"],
            "actor2": newest["actor2"],
            "quad_class": newest["quad_class"],
            "status": newest["status"],
            "location": newest["location"],
            "country": newest["country"],
            "region": (newest[REGION] + " " + newest[REGION_NAME]).str.strip(),
            "fatalities": newest["fatalities"].astype("Int64"),
            "dataset": newest["dataset"],
            "article": title,
            "source": [u if contract.is_http_url(u) else None for u in newest["article_url"]],
            "event_id": newest["event_id"],
        }
    ).reset_index(drop=True)


def table_identity(frame: pd.DataFrame) -> str:
    """Return a short digest of the events a table shows, in order: it changes when the rows do."""
    digest = hashlib.blake2b(digest_size=8)
    for event_id in frame["event_id"]:
        digest.update(str(event_id).encode() + b"\x1f")
    return digest.hexdigest()
