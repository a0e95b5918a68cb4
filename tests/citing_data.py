"""A data directory whose events cite, quote and misplace articles in every way the checks look at.

Curated rows in a shuffled file order (the order is the file's, not the ids'), several articles
per event, ids and passages padded with spaces, repeated passages, missing and blank English,
points abroad and at sea; and imported rows in the columnar store (no line: after the file's, by
id) that quote the same articles and articles of their own. `expected_frames` gives the union as
pandas frames, for the tests' own computations.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from borderstates.core import columnar, columnstore, contract
from borderstates.core.csvio import LINE
from borderstates.core.filters import EventFilter
from borderstates.core.load import load_dataset
from tests.conftest import write_csv_rows

IMPORTED = "imported"
EVERYTHING = EventFilter()
# Filters that each page's answers are checked with: countries, actors, text, dataset, dates, none.
FILTERS = [
    EVERYTHING,
    EventFilter(countries=("AZE",)),
    EventFilter(actors=("Government of Armenia",)),
    EventFilter(text="passage 1"),
    EventFilter(datasets=(IMPORTED,)),
    EventFilter(date_from=dt.date(2024, 1, 1), date_to=dt.date(2024, 12, 31)),
    EventFilter(text="nothing matches this"),
]
MOSCOW = ("55.752", "37.6178")  # far outside every declared country: `validate` warns
OFF_BAKU = ("40.30", "49.98")  # at sea, within the tolerance for coasts: no warning

_ARTICLES = [  # (id, language, has URL), in the file's order, which is not the ids' order
    ("A-05", "uk", True), ("A-01", "nl", False), ("A-09", "en", True), ("A-03", "ru", False),
    ("A-07", "en", False), ("A-02", "en", True), ("A-10", "nl", False), ("A-04", "en", False),
    ("A-08", "ru", True), ("A-06", "nl", True),
]  # fmt: skip
_CITED = ["A-01", "A-02", "A-03", "A-04", "A-05", "A-06", "A-07", "A-08"]  # never
_IMPORTED_ARTICLES = [("IA-2", "en", True), ("IA-1", "ru", False), ("IA-3", "en", False)]  # IA-3: never


def article_row(article_id: str, language: str, url: bool) -> dict[str, str]:
    """Return an article row of the contract's columns."""
    return {
        "article_id": article_id,
        "title": f"Title of {article_id}",
        "outlet": "Outlet",
        "published": "2025-07-01",
        "language": language,
        "url": f"https://example.org/{article_id}" if url else "",
        "cited_sources": "",
    }


def citing_rows(fixture_rows: list[dict[str, str]], count: int = 60, seed: int = 5) -> list[dict[str, str]]:
    """Return curated event rows built on the fixture's three, shuffled, with two broken ones."""
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        row = dict(fixture_rows[n % 3], event_id=f"E-{n:03d}", date_end="")
        first = rng.choice(_CITED)
        cell = first
        if rng.random() < 0.3:
            cell += rng.choice([";", " ; ", "; "]) + rng.choice([a for a in _CITED if a != first])
        if rng.random() < 0.1:
            cell = f" {cell} "
        passage = f"Passage {rng.randrange(4)} of {first}."
        row |= {
            "article_id": cell,
            "excerpt": f"  {passage} " if rng.random() < 0.15 else passage,
            # Renderings differ between the events quoting one passage: the first in file order counts.
            "excerpt_en": rng.choice(["", "", "   ", f"English {rng.randrange(3)} of {passage}"]),
            "date_precision": rng.choice(contract.DATE_PRECISIONS),
            "geo_precision": rng.choice(contract.GEO_PRECISIONS),
        }
        place = rng.random()
        if place < 0.1:
            row["latitude"], row["longitude"] = MOSCOW
        elif place < 0.18:
            row["latitude"], row["longitude"], row["country"] = *OFF_BAKU, "AZE"
        rows.append(row)
    rng.shuffle(rows)
    rows.insert(7, dict(rows[0], event_id="BAD-1", date="2024-02-30"))
    rows.insert(20, dict(rows[1], event_id="BAD-2", quad_class="lukewarm"))
    return rows


def imported_rows(fixture_rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Return rows of an import: curated articles and their own, quoted or not, some abroad."""
    rows = []
    cited = ["A-03", "IA-1", "A-02", "IA-2", "A-03;IA-1", "IA-1", "A-06", "IA-2;A-01"]
    for n in range(16):
        first = contract.article_ids(cited[n % len(cited)])[0]
        row = dict(fixture_rows[(n + 1) % 3], event_id=f"I-{15 - n:02d}", dataset=IMPORTED, date_end="")
        row |= {
            "article_id": cited[n % len(cited)],
            "excerpt": f"Passage 1 of {first}." if n % 3 == 0 else "",
            "excerpt_en": "",
        }
        if n % 5 == 0:
            row["latitude"], row["longitude"] = MOSCOW
        rows.append(row)
    return rows


def make_citing_dir(root: Path, fixture_rows: list[dict[str, str]], *, imports: bool = True) -> Path:
    """Write the data directory: the CSV files and, with `imports`, a store with the imported rows."""
    directory = root / "citing"
    directory.mkdir()
    write_csv_rows(directory / "events.csv", contract.EVENT_COLUMNS, citing_rows(fixture_rows))
    write_csv_rows(directory / "articles.csv", contract.ARTICLE_COLUMNS, [article_row(*a) for a in _ARTICLES])
    if imports:
        write_store(directory, imported_rows(fixture_rows), [article_row(*a) for a in _IMPORTED_ARTICLES])
    return directory


def write_store(directory: Path, rows: list[dict[str, str]], articles: list[dict[str, str]]) -> None:
    """Write rows as an import would leave them: one generation of the columnar store, no lines."""
    staged = _imported_frames(directory, rows, articles)
    generation = directory / columnstore.STORE_FOLDER / "gen-000001"
    events = columnar.events_table(staged[0])
    folder = generation / "events" / f"dataset={IMPORTED}" / "year=2025"
    folder.mkdir(parents=True)
    pq.write_table(events.drop_columns(["dataset"]), folder / "part-0.parquet")
    folder = generation / "articles" / f"dataset={IMPORTED}"
    folder.mkdir(parents=True)
    pq.write_table(columnar.articles_table(staged[1]), folder / "part-0.parquet")
    (directory / columnstore.STORE_FOLDER / columnstore.CURRENT).write_text("gen-000001", encoding="utf-8")


def _imported_frames(
    directory: Path, rows: list[dict[str, str]], articles: list[dict[str, str]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return imported rows loaded (typed, placed) as the store holds them: no line."""
    scratch = directory.parent / "imported-scratch"
    scratch.mkdir()
    known = [article_row(*a) for a in _ARTICLES] + articles
    write_csv_rows(scratch / "events.csv", contract.EVENT_COLUMNS, rows)
    write_csv_rows(scratch / "articles.csv", contract.ARTICLE_COLUMNS, known)
    loaded = load_dataset(scratch)
    assert loaded.errors == []
    shutil.rmtree(scratch)
    events = loaded.events.assign(**{LINE: pd.array([pd.NA] * len(loaded.events), dtype="Int64")})
    ids = {a["article_id"] for a in articles}
    own = loaded.articles[loaded.articles["article_id"].isin(ids)]
    return events, own.assign(**{LINE: pd.array([pd.NA] * len(own), dtype="Int64")})


def expected_frames(directory: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return every event and every article of the directory as frames: the file's, then the store's."""
    dataset = load_dataset(directory)
    events, articles = [dataset.events], [dataset.articles]
    generation = columnstore.current_generation(directory / columnstore.STORE_FOLDER)
    if generation is not None:
        stored = pa.concat_tables(
            pq.read_table(p) for p in sorted(Path(generation, "events").glob("**/*.parquet"))
        ).to_pandas()
        events.append(stored.assign(dataset=IMPORTED))
        articles.append(
            pa.concat_tables(
                pq.read_table(p) for p in sorted(Path(generation, "articles").glob("**/*.parquet"))
            ).to_pandas()
        )
    text = [
        c
        for c in contract.EVENT_COLUMNS
        if c not in ("date", "date_end", "latitude", "longitude", "fatalities")
    ]
    union = pd.concat([e.astype({c: "str" for c in [*text, contract.LOCATED_IN]}) for e in events])
    union[LINE] = union[LINE].astype("Float64")
    union["date"] = pd.to_datetime(union["date"]).astype("datetime64[ms]")
    union[contract.SPAN_END] = pd.to_datetime(union[contract.SPAN_END]).astype("datetime64[ms]")
    all_articles = pd.concat(articles).astype({c: "str" for c in contract.ARTICLE_COLUMNS})
    all_articles[LINE] = all_articles[LINE].astype("Float64")
    return union.reset_index(drop=True), all_articles.reset_index(drop=True)


def in_file_order(frame: pd.DataFrame, identity: str) -> pd.DataFrame:
    """Return rows in the file's order (by line), then the imported ones (no line) by id."""
    return (
        frame.assign(_imported=frame[LINE].isna())
        .sort_values(["_imported", LINE, identity])
        .drop(columns="_imported")
    )
