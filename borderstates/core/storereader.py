"""Reading the columnar store: which generation is served, which of its files can be read, what is wrong.

Readers take what can be read. `CURRENT` names the generation served; when it names none (it is
missing, empty, garbled, or names a folder that is not there) that is one problem and the newest
complete generation is served. Each Parquet file's footer is read: a file whose footer cannot be
read is one problem and left out, so that the rest is served. The store's writer is `columnstore`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from borderstates.core.csvio import LINE, WHOLE_ROW, Problem

CURRENT = "CURRENT"  # in the store's folder: the name of the generation served
# How DuckDB types the partition folders (Spark: with partition type inference off, as text).
EVENT_HIVE_TYPES = "{'dataset': VARCHAR, 'year': INTEGER}"
ARTICLE_HIVE_TYPES = "{'dataset': VARCHAR}"
PROBLEM_FIELDS = ("file", "line", "column", "message", "severity")  # of a recorded problem
_GENERATION = re.compile(r"gen-(\d{6})")
_TABLES = ("events", "articles", "problems")  # the folders of a generation
_SHOWN = 60  # characters of a bad value quoted in a message


def current_generation(location: Path | str) -> str | None:
    """Return the folder of the generation the store serves, or None when nothing was imported yet.

    That is the generation `CURRENT` names; when `CURRENT` names none (it is missing, empty,
    garbled or names a folder that is not there), the newest complete generation (see `served`).
    """
    return read_current(Path(location))[0]


def read_current(location: Path) -> tuple[str | None, Problem | None]:
    """Return the generation served and, when `CURRENT` is bad, the problem that says so."""
    numbers = generation_numbers(location)
    path = location / CURRENT
    try:
        name = path.read_bytes().decode("utf-8").strip()
    except FileNotFoundError:
        if not numbers:
            return None, None  # no store: nothing was imported yet
        said = "is missing"
    except (OSError, UnicodeDecodeError) as exc:
        said = "is not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else f"cannot be read ({exc})"
    else:
        if _GENERATION.fullmatch(name) and (location / name).is_dir():
            return str(location / name), None
        shown = repr(name if len(name) <= _SHOWN else name[:_SHOWN] + "…")
        said = (
            "is empty" if not name
            else f"{shown} names no generation of the store" if _GENERATION.fullmatch(name)
            else f"{shown} is not the name of a generation (gen- and six digits)"
        )  # fmt: skip
    if not numbers:
        return None, Problem(str(path), 1, WHOLE_ROW, f"{said}, and there is no generation to serve: "
                             "the imported events are missing", "error")  # fmt: skip
    newest = generation_name(numbers[-1])
    message = f"{said}; serving {newest}, the newest generation (the next import rewrites CURRENT)"
    return str(location / newest), Problem(str(path), 1, WHOLE_ROW, message, "warning")


def generation_numbers(location: Path) -> list[int]:
    """Return the numbers of the store's complete generations, in order."""
    if not location.is_dir():
        return []
    found = (_GENERATION.fullmatch(p.name) for p in location.iterdir() if p.is_dir())
    return sorted(int(m.group(1)) for m in found if m)


def generation_name(number: int) -> str:
    """Return the folder name of a generation: `gen-` and six digits."""
    return f"gen-{number:06d}"


@dataclass(frozen=True)
class Served:
    """What a store gives its readers: the generation served, its files that can be read, what is wrong."""

    generation: str | None = None  # its folder; None when nothing was imported yet
    events: tuple[str, ...] = ()  # the events files that can be read
    articles: tuple[str, ...] = ()  # the articles files that can be read
    event_rows: int = 0
    article_rows: int = 0
    faults: tuple[Problem, ...] = ()  # a bad CURRENT, each file that cannot be read
    damaged: tuple[str, ...] = ()  # the files that cannot be read
    recorded: tuple[Problem, ...] = ()  # what the imports of its datasets found wrong

    @property
    def problems(self) -> list[Problem]:
        """Everything a reader is told about the store: its faults, then what the imports recorded."""
        return [*self.faults, *self.recorded]


def served(location: Path | str) -> Served:
    """Return what a store serves: its current generation, checked file by file.

    Each Parquet file's footer is read (its metadata: cheap, and the row counts come with it);
    a file whose footer cannot be read is one problem and left out, so that the rest is served.
    A file damaged inside, behind an intact footer, is not found here.
    """
    generation, problem = read_current(Path(location))
    faults = [problem] if problem else []
    if generation is None:
        return Served(faults=tuple(faults))
    readable: dict[str, list[str]] = {table: [] for table in _TABLES}
    rows = dict.fromkeys(_TABLES, 0)
    damaged: list[str] = []
    for table in _TABLES:
        for path in sorted((Path(generation) / table).glob("**/*.parquet")):
            try:
                rows[table] += pq.read_metadata(path).num_rows
            except (OSError, pa.ArrowException) as exc:
                faults.append(_unreadable(path, table, exc))
                damaged.append(str(path))
            else:
                readable[table].append(str(path))
    recorded: list[Problem] = []
    for name in readable["problems"]:
        try:
            rows_read = pq.read_table(name, columns=list(PROBLEM_FIELDS)).to_pylist()
        except (OSError, pa.ArrowException) as exc:
            faults.append(_unreadable(Path(name), "problems", exc))
            damaged.append(name)
        else:
            recorded += [Problem(**row) for row in rows_read]
    return Served(
        generation, tuple(readable["events"]), tuple(readable["articles"]), rows["events"],
        rows["articles"], tuple(faults), tuple(damaged), tuple(recorded),
    )  # fmt: skip


def _unreadable(path: Path, table: str, exc: Exception) -> Problem:
    """Say that a file of the store cannot be read, and what becomes of it."""
    reason = str(exc).splitlines()[0].split(". ")[0] if str(exc) else type(exc).__name__
    shown = reason if len(reason) <= 2 * _SHOWN else reason[: 2 * _SHOWN] + "…"
    what = {"events": "its events are", "articles": "its articles are", "problems": "what it records is"}
    dataset = next((part.removeprefix("dataset=") for part in path.parts if part.startswith("dataset=")), "")
    return Problem(
        str(path), 1, WHOLE_ROW,
        f"cannot be read as Parquet ({shown}): {what[table]} left out; an import of "
        f"{dataset or 'its dataset'} rewrites it",
    )  # fmt: skip


def shared_ids(store: Served, ids: pa.Table | pd.DataFrame) -> list[tuple[str, int, str, int]]:
    """Return the ids of `ids` (columns `event_id`, `_line`) that events of the store hold too, in line order.

    Each as (event id, line, the datasets of the store that hold it, how many stored events).
    """
    if not store.events or len(ids) == 0:
        return []
    con = duckdb.connect()
    try:
        con.register("listed", ids)
        found = con.execute(f"""
            SELECT l.event_id, l.{LINE}, string_agg(DISTINCT s.dataset, ', ' ORDER BY s.dataset), count(*)
            FROM {stored_events_sql(store)} s JOIN listed l USING (event_id)
            GROUP BY l.event_id, l.{LINE} ORDER BY l.{LINE}
        """).fetchall()
    finally:
        con.close()
    return [(str(event_id), int(line), str(datasets), int(n)) for event_id, line, datasets, n in found]


def stored_events_sql(store: Served) -> str:
    """Return the SQL that reads the store's readable events files (`dataset`, `year` from their folders)."""
    return files_sql(store.events, f"hive_partitioning = true, hive_types = {EVENT_HIVE_TYPES}")


def files_sql(files: tuple[str, ...], options: str) -> str:
    """Return the SQL that reads the Parquet files listed, with DuckDB's `read_parquet` options."""
    listed = ", ".join(f"'{_q(path)}'" for path in files)
    return f"read_parquet([{listed}], {options}, union_by_name = true)"


def events_location(generation: str | None) -> str | None:
    """Return the folder of a generation's events, or None when it has none."""
    return _with_files(generation, "events")


def _with_files(generation: str | None, table: str) -> str | None:
    if generation is None:
        return None
    folder = Path(generation) / table
    return str(folder) if any(folder.glob("**/*.parquet")) else None


def event_count(generation: str | None) -> int:
    """Return how many events a generation holds, from the files' metadata alone."""
    folder = events_location(generation)
    if folder is None:
        return 0
    return sum(pq.read_metadata(path).num_rows for path in Path(folder).glob("**/*.parquet"))


def _q(path: Path | str) -> str:
    return str(path).replace("'", "''")
