"""Export of the events that match a filter: flat CSV with article fields, or GeoJSON, streamed.

The engine hands the rows over in batches, each written as soon as it arrives: an export of
ten million events never holds more than one batch. Rows come in one order on every engine:
the curated files' order (their lines), then the imported events by id. A download is written
the same way into a temporary file (`export_file`), which the app hands to Streamlit.
"""

from __future__ import annotations

import csv
import io
import json
import math
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, cast

import ibis
import ibis.expr.types as ir
import pandas as pd

from borderstates.core import columnar, contract, query
from borderstates.core.area import area_features
from borderstates.core.csvio import LINE, atomic_write, guard_formulas
from borderstates.core.engine import Store
from borderstates.core.filters import EventFilter
from borderstates.core.query import ARTICLE_FIELDS

FORMATS = ("csv", "csv-excel", "geojson")
BATCH_ROWS = 50_000  # rows the engine hands over at a time


def export_rows(store: Store, f: EventFilter, limit: int | None = None) -> ir.Table:
    """Return the rows of an export: the contract's columns, the files' own, the derived, the first article's.

    With `limit`, only the first that many rows, in the export's order.

    Of the columns the engine derives only the contract's go in (the region and its name, the
    cluster and the events corroborating it); span end, state, search text and line stay out.
    An export is contract CSV like any other and loads back: the loader computes a file's
    derived columns again.
    """
    events = store.matching(f)
    own = [c for c in events.columns if c not in {*columnar.DERIVED, *columnar.EXPORTED_DERIVED}]
    kept = [*own, *columnar.EXPORTED_DERIVED]
    joined = query.with_first_article(events.select(*kept, LINE), store.articles)
    rows = joined.select(*kept, *[f"article_{name}" for name in ARTICLE_FIELDS], LINE)
    # Sorted last, after the join: a join keeps no order. The line goes once the rows are in order.
    ordered = rows.order_by([ibis.asc(LINE, nulls_first=False), "event_id"])
    return ordered if limit is None else ordered.limit(limit)


def flatten(batch: pd.DataFrame) -> pd.DataFrame:
    """Return a batch of exported rows as text-ready columns: dates as `YYYY-MM-DD`, "" where none."""
    out = batch.drop(columns=[LINE], errors="ignore")
    for column in ("date", "date_end"):
        out[column] = pd.to_datetime(out[column]).dt.strftime("%Y-%m-%d").fillna("")
    for column in ("fatalities", *contract.FATALITY_RANGE):  # whole numbers, never `2.0`
        if column in out:
            out[column] = out[column].astype("Int64")
    return out


def _frames(store: Store, f: EventFilter, limit: int | None) -> Iterator[pd.DataFrame]:
    for batch in store.batches(export_rows(store, f, limit), BATCH_ROWS):
        yield flatten(batch.to_pandas(date_as_object=False))


def export_events(store: Store, f: EventFilter, target: Path | str, export_format: str = "csv") -> int:
    """Write the events that match a filter to a file, atomically, in one of `FORMATS`; return how many."""
    with atomic_write(target, encoding=_encoding(export_format)) as handle:
        return write_events(store, f, handle, export_format)


def write_events(
    store: Store, f: EventFilter, handle: IO[str], export_format: str = "csv", limit: int | None = None
) -> int:
    """Write the events that match a filter (the first `limit`) to an open text handle; return how many."""
    frames = _frames(store, f, limit)
    if export_format == "geojson":
        return _write_geojson(frames, handle, area_features(f.area) if f.area else [])
    return _write_csv(frames, handle, excel_nl=export_format == "csv-excel")


def export_file(
    store: Store, f: EventFilter, export_format: str = "csv", limit: int | None = None
) -> io.RawIOBase:
    """Write an export into an anonymous temporary file; return the file, to be read from its start.

    For a download button: Streamlit reads a download whole, once, and this way the export is
    not built in memory first (a string buffer of it took about eight times the file). The
    file is gone when it is closed.
    """
    raw = cast(io.RawIOBase, tempfile.TemporaryFile(buffering=0))  # noqa: SIM115 (the caller closes it)
    try:
        text = io.TextIOWrapper(io.BufferedWriter(raw), encoding=_encoding(export_format), newline="")
        write_events(store, f, text, export_format, limit)
        text.flush()
        text.detach().detach()  # the wrappers let go of the file, which stays open
        raw.seek(0)
    except BaseException:
        raw.close()
        raise
    return raw


def export_bytes(store: Store, f: EventFilter, export_format: str = "csv", limit: int | None = None) -> bytes:
    """Return an export as bytes: what a download of it holds."""
    with export_file(store, f, export_format, limit) as file:
        return file.readall()


def _encoding(export_format: str) -> str:
    return "utf-8-sig" if export_format == "csv-excel" else "utf-8"


def _write_csv(frames: Iterator[pd.DataFrame], handle: IO[str], *, excel_nl: bool) -> int:
    """Write spreadsheet-safe CSV, RFC 4180 with CRLF, or `;` and decimal commas for Dutch Excel."""
    sep, decimal = (";", ",") if excel_nl else (",", ".")
    written = 0
    for frame in frames:
        guard_formulas(frame).to_csv(
            handle, index=False, header=written == 0, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL,
            sep=sep, decimal=decimal,
        )  # fmt: skip
        written += len(frame)
    return written


def _write_geojson(frames: Iterator[pd.DataFrame], handle: IO[str], area: list[dict[str, object]]) -> int:
    """Write a GeoJSON FeatureCollection of points with every field as a property, feature by feature.

    The area the events were filtered by, if any, comes first: its shapes, marked
    `properties.role = "filter-area"` (a country as a feature without geometry), so that the
    file says what it holds. The count returned is of events only.
    """
    handle.write('{"type": "FeatureCollection", "features": [')
    for number, feature in enumerate(area):
        handle.write((", " if number else "") + json.dumps(feature, ensure_ascii=False))
    written = 0
    for frame in frames:
        for record in frame.to_dict(orient="records"):
            feature = {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [record["longitude"], record["latitude"]]},
                "properties": {str(k): _json_value(v) for k, v in record.items()},
            }
            handle.write((", " if written or area else "") + json.dumps(feature, ensure_ascii=False))
            written += 1
    handle.write("]}")
    return written


def _json_value(value: object) -> object:
    if value is pd.NA or value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value
