"""The rows of recent filters, kept as tables of the engine: a page's questions share one scan.

A page asks several questions of one filter: counts per state, the density cells, the time
histogram, the time axis. Each would read the events again. DuckDB keeps instead, per recent
filter, one table of the events it matches with the few columns those questions read
(`NARROW`): the filter is applied once, and each question reads the kept rows. A filter that
keeps more than `ROWS` events is not kept (its rows would take the memory that the engine's
limit guards), nor is the empty filter (its rows are all events).

A table no longer kept is dropped once no expression built on it is left: another session's
filters between two questions of one page never take it away.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import ibis.expr.types as ir

from borderstates.core.contract import FATALITY_RANGE, LOCATED_IN, REGION, SPAN_END
from borderstates.core.filters import EventFilter

# The columns the map's grouped questions read (counts per state and region, cells, the time
# axis and histogram, playback's windows), and the id, by which the events are found again.
NARROW = (
    "event_id", "date", SPAN_END, "relation_type", "quad_class", LOCATED_IN, REGION, "latitude", "longitude",
    "fatalities", *FATALITY_RANGE,
)  # fmt: skip
ROWS = 1_000_000  # events one filter's kept rows hold at most (about 70 MB)
TOTAL_ROWS = 3_000_000  # events all kept rows hold at most, together
FILTERS = 8  # filters kept at most
_TOO_MANY_REMEMBERED = 64  # filters found to keep more than ROWS, not tried again


class KeptRows:
    """The kept rows of recent filters on one DuckDB connection, and the tables still in use."""

    def __init__(self, backend: Any, lock: threading.RLock) -> None:
        self._backend = backend
        self._lock = lock  # the backend's own connection: tables are made and dropped under it
        self._kept: OrderedDict[EventFilter, tuple[str, ir.Table, int]] = OrderedDict()
        # A table no longer kept → a node that every expression built on it holds.
        self._retired: dict[str, weakref.ref] = {}
        self._too_many: OrderedDict[EventFilter, None] = OrderedDict()
        self._made = 0  # numbers the tables, so that no name is used twice

    def rows(self, f: EventFilter, select: Callable[[], ir.Table]) -> ir.Table | None:
        """Return the kept rows of `f`, made from `select()` (its events' `NARROW` columns) if need be.

        None when `f` matches more than `ROWS` events: then nothing is kept.
        """
        with self._lock:
            self._drop_unused()
            if f in self._kept:
                self._kept.move_to_end(f)
                return self._kept[f][1]
            if f in self._too_many:
                return None
            self._made += 1
            name = f"kept_{self._made}"
            # Not a temporary table: every cursor of the connection must see it.
            sql = self._backend.compile(select())
            self._backend.raw_sql(f'CREATE TABLE "{name}" AS {sql} LIMIT {ROWS + 1}')
            table = self._backend.table(name)
            count = int(table.count().execute())
            if count > ROWS:
                self._drop(name)
                self._too_many[f] = None
                while len(self._too_many) > _TOO_MANY_REMEMBERED:
                    self._too_many.popitem(last=False)
                return None
            self._kept[f] = (name, table, count)
            while len(self._kept) > FILTERS or sum(n for *_, n in self._kept.values()) > TOTAL_ROWS:
                self._retire(next(iter(self._kept)))
            self._drop_unused()
            return table

    def kept(self, f: EventFilter) -> ir.Table | None:
        """Return the kept rows of `f` if they are kept now, without making them."""
        with self._lock:
            found = self._kept.get(f)
            return found[1] if found else None

    def forget(self) -> None:
        """Keep nothing any more (the data changed): each table goes once nothing built on it is left."""
        with self._lock:
            for f in list(self._kept):
                self._retire(f)
            self._too_many.clear()
            self._drop_unused()

    def tables(self) -> list[str]:
        """Return the names of the tables made and not yet dropped (kept, or still in use)."""
        with self._lock:
            return [name for name, *_ in self._kept.values()] + list(self._retired)

    def _retire(self, f: EventFilter) -> None:
        name, table, _ = self._kept.pop(f)
        self._retired[name] = weakref.ref(table.op())

    def _drop_unused(self) -> None:
        for name, built_on in list(self._retired.items()):
            if built_on() is None:
                self._drop(name)
                del self._retired[name]

    def _drop(self, name: str) -> None:
        # Not ibis's drop_table: with sqlglot 30 it compiles to a bare "DROP TABLE".
        self._backend.raw_sql(f'DROP TABLE IF EXISTS "{name}"')
