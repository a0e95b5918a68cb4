"""The one filter: which events match, and the values a filter may take."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from borderstates.core import contract
from borderstates.core.area import Area

# A day as the links and the command line give it; ASCII digits only (`\d` alone takes any script's).
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


@dataclass(frozen=True)
class EventFilter:
    """Which events to show; an empty field does not narrow anything."""

    actors: tuple[str, ...] = ()
    side: str = "any"  # any · actor1 · actor2: which side an actor must be on
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    relations: tuple[str, ...] = ()
    quads: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    geo_precisions: tuple[str, ...] = ()  # how exact the point is: exact, city, region, country
    date_precisions: tuple[str, ...] = ()  # how exact the dating is: day, week, month, year
    datasets: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()  # ISO 3166-2 codes: events whose point lies in one of them
    involving: bool = False  # countries also match the actors' countries
    text: str = ""
    area: Area | None = None  # drawn shapes, a saved area or countries: events whose point lies in it
    bounds: tuple[float, float, float, float] | None = None  # south, west, north, east
    dedupe: bool = False  # each cluster of corroborating events counted once (`corroboration`)

    def is_empty(self) -> bool:
        """Return True when the filter keeps every event."""
        return self == EventFilter()


@dataclass(frozen=True)
class Choices:
    """The values a filter field may take for one dataset."""

    actors: frozenset[str]
    datasets: frozenset[str]
    countries: frozenset[str] = contract.ISO3_CODES
    regions: frozenset[str] = contract.REGION_CODES
    relations: frozenset[str] = frozenset(contract.RELATION_TYPES)
    quads: frozenset[str] = frozenset(contract.QUAD_CLASSES)
    statuses: frozenset[str] = frozenset(contract.STATUSES)
    geo_precisions: frozenset[str] = frozenset(contract.GEO_PRECISIONS)
    date_precisions: frozenset[str] = frozenset(contract.DATE_PRECISIONS)
    areas: tuple[tuple[str, Area], ...] = ()  # the areas one can choose by name: saved ones, countries

    @classmethod
    def of(cls, events: pd.DataFrame) -> Choices:
        """Return the choices that the events offer."""
        actors = present_values(events["actor1"]) | present_values(events["actor2"])
        return cls(frozenset(actors), frozenset(present_values(events["dataset"])))


def present_values(cells: pd.Series) -> set[str]:
    """Return a column's distinct non-empty values; on a categorical, without touching each row's text."""
    values: pd.Index | np.ndarray
    if isinstance(cells.dtype, pd.CategoricalDtype):
        used = np.unique(cells.cat.codes.to_numpy())
        values = cells.cat.categories[used[used >= 0]]
    else:
        values = cells.dropna().unique()
    return {str(v) for v in values} - {""}


def describe_filter(f: EventFilter, limit: int = 40) -> str:
    """Return a short, file-name-safe summary of a filter, such as `actor-Russian-police_2025`."""
    parts = [*f.actors, *f.relations, *f.quads, *f.statuses, *f.datasets, *f.countries, *f.regions]
    parts += [*f.geo_precisions, *f.date_precisions]
    if f.date_from or f.date_to:
        parts.append(f"{f.date_from or ''}--{f.date_to or ''}")
    if f.text:
        parts.append(f.text)
    if f.area is not None:  # a saved area's or a country's name, else only that there is an area
        parts.append(f.area.name or "area")
    if f.dedupe:
        parts.append("once")
    summary = "_".join(parts) or "all"
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in summary)
    return safe[:limit].strip("-_") or "all"


def parse_date(text: str) -> dt.date:
    """Parse a strict `YYYY-MM-DD` date; raise ValueError for anything else."""
    # fromisoformat alone also takes `20240101  ` and week dates (`2024-W01-1`).
    if not _ISO_DAY.fullmatch(text):
        raise ValueError(f"not a date YYYY-MM-DD: {text!r}")
    return dt.date.fromisoformat(text)


def present_countries(events: pd.DataFrame) -> set[str]:
    """Return every country code the events name: where they happened, and their actors' states."""
    return set().union(*(present_values(events[c]) for c in ("country", "actor1_country", "actor2_country")))
