"""What a first visit asks of the data, answered once per version of the data and kept beside it.

A new reader's map asks the same questions of the whole data every time: the form's choices,
the density grid, the counts per state and region, the time axis and its histogram, the newest
events, the cells or markers. Their answers change only with the data, so they are computed
once (after an import, and at the first load of changed CSV files) and written beside the
store's generation (or the CSV files' columnar copy) as one JSON file, keyed by the data's
version and the code that answers: a first visit reads them instead of scanning the events.

The file holds answers only, of a closed set of types, each decoded by its own rule: nothing
in it is ever run or unpickled.
"""

from __future__ import annotations

import base64
import copy
import functools
import hashlib
import importlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from borderstates.analysis import density, mapdata, timeline
from borderstates.analysis.fatalities import Deaths
from borderstates.analysis.mapdata import Offered, Placed
from borderstates.analysis.timeline import Timeline
from borderstates.core.cache import code_fingerprint
from borderstates.core.csvio import atomic_write
from borderstates.core.engine import Store
from borderstates.core.filters import Choices, EventFilter

PREFIX = "summary-"  # summary-<key>.json
KEPT = 4  # summary files kept in a folder (other versions of the CSV files beside one generation)
# The modules whose code decides the answers, besides the core's (`cache.code_fingerprint`).
_ANSWERING = (
    "borderstates.analysis.summary", "borderstates.analysis.mapdata", "borderstates.analysis.density",
    "borderstates.analysis.timeline", "borderstates.analysis.fatalities", "borderstates.core.query",
    "borderstates.core.engine", "borderstates.core.kept", "borderstates.core.corroboration",
    "borderstates.core.clustering",
)  # fmt: skip
MISSING = object()  # `Summary.answer` of a question the summary does not hold


@dataclass(frozen=True)
class Summary:
    """The answers of the first visit's questions for one version of the data, by question and arguments."""

    answers: dict[str, Any] = field(default_factory=dict)

    def answer(self, question: Callable[..., Any], *args: object) -> Any:
        """Return the answer of `question(store, *args)`, or `MISSING` when it is not held.

        A copy, as a cached answer is: what one session does with it no other sees.
        """
        found = self.answers.get(question_key(question, args), MISSING)
        return found if found is MISSING else copy.deepcopy(found)


def question_key(question: Callable[..., Any], args: tuple[object, ...]) -> str:
    """Return the key of a question and its arguments: its qualified name and the arguments' repr."""
    return f"{question.__module__}.{question.__qualname__}{args!r}"


def first_visit(store: Store) -> Summary:
    """Ask the first visit's questions of the whole data; return their answers.

    The same functions, with the same arguments, as the map page asks them for a reader who
    has chosen nothing: so an answer read back is the answer the page would have computed.
    """
    answers: dict[str, Any] = {}

    def ask(question: Callable[..., Any], *args: object) -> Any:
        answers[question_key(question, args)] = answer = question(store, *args)
        return answer

    everything = EventFilter()
    ask(mapdata.offered)
    total = ask(mapdata.placed, everything).total
    unit = ask(timeline.default_unit, everything)
    ask(timeline.build_timeline, everything, unit)
    ask(mapdata.newest, everything, mapdata.NEWEST_LISTED)
    if density.draws_markers(total):
        ask(mapdata.markers, everything, density.MARKER_LIMIT)
    else:
        ask(density.grid_cells, everything, ask(density.fit_grid))
    return Summary(answers)


def read(store: Store) -> Summary | None:
    """Return the summary kept beside the store's version of the data, or None when there is none."""
    name = _file_name(store)
    for folder in store.beside:
        try:
            kept = json.loads((folder / name).read_text(encoding="utf-8"))
            return Summary({key: _decode(value) for key, value in kept["answers"].items()})
        except FileNotFoundError:
            continue
        except (OSError, ValueError, KeyError, TypeError, pa.ArrowException):
            continue  # damaged or of another form: computed again
    return None


def write(store: Store, summary: Summary) -> Path | None:
    """Keep a summary beside the store's version of the data; return where (None: nowhere writable).

    The generation's folder first; where that cannot be written (a store read-only to this
    process), the CSV files' columnar copy. Older summaries in that folder beyond `KEPT` go.
    """
    text = json.dumps({"answers": {key: _encode(value) for key, value in summary.answers.items()}})
    name = _file_name(store)
    for folder in store.beside:
        try:
            with atomic_write(folder / name) as handle:
                handle.write(text)
        except OSError:
            continue
        _remove_old(folder, keep=name)
        return folder / name
    return None


def kept_or_answered(store: Store, answering: Callable[[], object] = lambda: None) -> Summary:
    """Return the summary of the store's version of the data: read, or answered now and kept.

    `answering` is told when the questions are asked (for a progress bar: that takes a while).
    """
    summary = read(store)
    if summary is None:
        answering()
        summary = first_visit(store)
        write(store, summary)
    return summary


def _file_name(store: Store) -> str:
    digest = hashlib.sha256(f"{store.version}|{code_fingerprint()}|{_answering_code()}".encode())
    return f"{PREFIX}{digest.hexdigest()[:32]}.json"


@functools.cache
def _answering_code() -> str:
    digest = hashlib.sha256(f"{pd.__version__}|{pa.__version__}".encode())
    for name in _ANSWERING:
        digest.update(Path(str(importlib.import_module(name).__file__)).read_bytes())
    return digest.hexdigest()


def _remove_old(folder: Path, keep: str) -> None:
    others = sorted(
        ((p.stat().st_mtime, p) for p in folder.glob(f"{PREFIX}*.json") if p.name != keep), reverse=True
    )
    for _, old in others[KEPT - 1 :]:
        old.unlink(missing_ok=True)


# --- the answers as JSON: a closed set of types ------------------------------------------------


def _encode(value: object) -> object:
    if isinstance(value, pd.DataFrame):
        return {"frame": _frame_text(value)}
    if isinstance(value, Placed):
        deaths = [{k: list(d.astuple()) for k, d in by.items()} for by in (value.deaths, value.region_deaths)]
        return {"placed": [value.counts, value.regions, *deaths]}
    if isinstance(value, density.Grid):
        return {"grid": [value.size, value.densest]}
    if isinstance(value, Offered):
        datasets = sorted(value.choices.datasets)
        return {"offered": [value.actor_countries, datasets, sorted(value.countries)]}
    if isinstance(value, Timeline):
        return {"timeline": [value.unit, _frame_text(value.bins), _frame_text(value.band), value.total]}
    if isinstance(value, str):
        return {"text": value}
    raise TypeError(f"a summary keeps no answer of type {type(value).__name__}")


def _decode(value: dict[str, Any]) -> object:
    ((kind, held),) = value.items()
    if kind == "frame":
        return _frame(held)
    if kind == "placed":
        states, regions = ({str(k): int(n) for k, n in counts.items()} for counts in held[:2])
        deaths, region_deaths = ({str(k): Deaths(*map(int, d)) for k, d in sums.items()} for sums in held[2:])
        return Placed(states, regions, deaths, region_deaths)
    if kind == "grid":
        return density.Grid(float(held[0]), int(held[1]))
    if kind == "offered":
        actors, datasets, countries = held
        return Offered(Choices(frozenset(actors), frozenset(datasets)), frozenset(countries), dict(actors))
    if kind == "timeline":
        return Timeline(str(held[0]), _frame(held[1]), _frame(held[2]), int(held[3]))
    if kind == "text":
        return str(held)
    raise ValueError(f"unknown kind of answer {kind!r}")


def _frame_text(frame: pd.DataFrame) -> str:
    """Return a frame as Arrow IPC in base64: its values, dtypes and index exactly."""
    sink = io.BytesIO()
    table = pa.Table.from_pandas(frame)
    with pa.ipc.new_stream(sink, table.schema, options=pa.ipc.IpcWriteOptions(compression="zstd")) as writer:
        writer.write_table(table)
    return base64.b64encode(sink.getvalue()).decode("ascii")


def _frame(text: str) -> pd.DataFrame:
    with pa.ipc.open_stream(base64.b64decode(text)) as reader:
        return reader.read_all().to_pandas()
