"""What the map page asks of the events: counts per state, the markers, the newest excerpts, one event.

Every function asks the engine a bounded question: counts come back as a few numbers, rows as
at most the number a page shows.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import ibis
import pandas as pd

from borderstates.analysis import fatalities
from borderstates.analysis.fatalities import Deaths
from borderstates.core import contract, query
from borderstates.core.contract import CLUSTER_SIZE, LOCATED_IN, REGION, REGION_NAME, SPAN_END
from borderstates.core.engine import Store
from borderstates.core.filters import Choices, EventFilter

# What a marker's tooltip and popup, and the lists of excerpts, show of an event.
LISTED = (
    "event_id", "date", SPAN_END, "date_precision", "actor1", "actor2", "relation_type", "location",
    "country", REGION_NAME, "latitude", "longitude", "geo_precision", "summary", "excerpt", "excerpt_en",
    "article_id", CLUSTER_SIZE,
)  # fmt: skip
NEWEST_LISTED = 50  # the newest events listed with their excerpts beside the map


@dataclass(frozen=True)
class Offered:
    """What the filter form offers for a dataset: its choices, countries, and each actor's state."""

    choices: Choices
    countries: frozenset[str]  # every country code the events name (where, and their actors')
    actor_countries: dict[str, str]  # each actor's country ("" when none is recorded)


def offered(store: Store) -> Offered:
    """Return the values the events offer to the filter form (asked once per dataset)."""
    events = store.events
    sides = [
        events.select(actor=events[actor], country=events[f"{actor}_country"]).distinct()
        for actor in ("actor1", "actor2")
    ]
    pairs = store.fetch(ibis.union(*sides, distinct=True))
    pairs = pairs[pairs["actor"] != ""].sort_values(["actor", "country"])
    # A recorded country wins over "": sorted last, it is the one dict() keeps.
    actor_countries = dict(zip(pairs["actor"], pairs["country"], strict=True))
    datasets = set(store.fetch(events.select("dataset").distinct())["dataset"]) - {""}
    countries = set()
    for column in ("country", "actor1_country", "actor2_country"):
        countries |= set(store.fetch(events.select(column).distinct())[column])
    return Offered(
        Choices(frozenset(actor_countries), frozenset(datasets)),
        frozenset(countries - {""}),
        actor_countries,
    )


@dataclass(frozen=True)
class Placed:
    """How many filtered events lie in each state's polygon ("" at sea) and each region, from one question."""

    counts: dict[str, int]
    regions: dict[str, int] = field(default_factory=dict)  # per region (ISO 3166-2; "" in none)
    deaths: dict[str, Deaths] = field(default_factory=dict)  # per state, with the sources' ranges
    region_deaths: dict[str, Deaths] = field(default_factory=dict)  # per region

    @property
    def all_deaths(self) -> Deaths:
        """The deaths of every filtered event."""
        return sum(self.deaths.values(), Deaths())

    @property
    def total(self) -> int:
        """Every filtered event."""
        return sum(self.counts.values())

    def of(self, codes: Collection[str]) -> dict[str, int]:
        """Return the counts of some states, 0 for those without events."""
        return {code: self.counts.get(code, 0) for code in codes}

    def outside(self, codes: Collection[str]) -> int:
        """Return how many lie in none of the states `codes` (elsewhere or at sea)."""
        return self.total - sum(self.of(codes).values())


def placed(store: Store, f: EventFilter) -> Placed:
    """Return the filtered events counted by the state and the region they lie in, at once."""
    events = store.narrowed(f)
    counts = store.fetch(
        events.group_by(LOCATED_IN, REGION).aggregate(events=ibis._.count(), **fatalities.sums(events))
    )
    counts = counts.astype({LOCATED_IN: "str", REGION: "str", "events": "int64"})
    summed = ["events", *fatalities.COLUMNS]
    counts[summed] = counts[summed].fillna(0).astype("int64")
    states, regions = (counts.groupby(key)[summed].sum() for key in (LOCATED_IN, REGION))
    return Placed(
        {str(k): int(v) for k, v in states["events"].items()},
        {str(k): int(v) for k, v in regions["events"].items()},
        {str(k): Deaths.of(row) for k, row in states.iterrows()},
        {str(k): Deaths.of(row) for k, row in regions.iterrows()},
    )


def state_counts(store: Store, f: EventFilter, codes: Collection[str]) -> dict[str, int]:
    """Return the number of filtered events inside each state's polygon (the loader's join)."""
    return placed(store, f).of(codes)


def busiest_region(everything: Placed) -> int:
    """Return the largest number of events one region holds, from the counts of the whole dataset."""
    return max((n for code, n in everything.regions.items() if code), default=0)


def busiest_state(everything: Placed, codes: Collection[str]) -> int:
    """Return the largest number of events one of the states holds, from the counts of the whole dataset."""
    return max(everything.of(codes).values(), default=0)


def markers(store: Store, f: EventFilter, limit: int) -> pd.DataFrame:
    """Return up to `limit` filtered events as the map's markers show them, with their first article."""
    events = store.matching(f).select(*LISTED).order_by("event_id").limit(limit)
    found = store.fetch(query.with_first_article(events, store.articles))
    return found.sort_values("event_id", ignore_index=True)  # a join keeps no order


def newest(store: Store, f: EventFilter, limit: int) -> pd.DataFrame:
    """Return the `limit` newest filtered events (then by id), as the lists of excerpts show them.

    The day of the `limit`-th newest is found first, in the filter's narrowed rows; the events'
    text is then read only from that day on.
    """
    narrow = store.narrowed(f)
    since = store.scalar(narrow.order_by([ibis.desc("date"), "event_id"]).limit(limit)["date"].min())
    events = store.matching(f)
    if since is not None:
        events = events.filter(events["date"] >= since)
    return store.fetch(events.select(*LISTED).order_by([ibis.desc("date"), "event_id"]).limit(limit))


def event_record(store: Store, event_id: str) -> dict[str, object] | None:
    """Return one event's whole record, or None when no event has this id."""
    found = store.fetch(store.events.filter(store.events["event_id"] == event_id).limit(1))
    return None if found.empty else {str(k): v for k, v in found.iloc[0].items()}


def has_event(store: Store, event_id: str) -> bool:
    """Return whether an event has this id."""
    return bool(store.scalar(store.events.filter(store.events["event_id"] == event_id).count()) > 0)


def articles_of(store: Store, event: dict[str, object]) -> pd.DataFrame:
    """Return the articles an event cites, in the order of its `article_id` (the first is quoted)."""
    ids = [a for a in contract.article_ids(str(event.get("article_id", ""))) if a]
    found = store.fetch(store.articles.filter(store.articles["article_id"].isin(ids)))
    found = found.drop_duplicates("article_id").set_index("article_id")
    return found.reindex([a for a in ids if a in found.index]).reset_index()
