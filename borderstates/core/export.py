"""Export of a filtered set of events: flat CSV with article fields, or GeoJSON."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import pandas as pd

from borderstates.core import contract
from borderstates.core.contract import LOCATED_IN, SPAN_END
from borderstates.core.csvio import LINE, atomic_write, write_csv

FORMATS = ("csv", "csv-excel", "geojson")
ARTICLE_FIELDS = ("title", "outlet", "published", "url")  # exported as article_title, …
_DERIVED = (LINE, SPAN_END, LOCATED_IN)


def flatten(events: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
    """Return events as text-ready columns, each with the fields of its first article.

    The contract's columns come first, then any extra columns of the source file, then
    `article_title`, `article_outlet`, `article_published`, `article_url`.
    """
    added = {f"article_{name}" for name in ARTICLE_FIELDS}  # recomputed below, never doubled
    extra = [c for c in events.columns if c not in {*contract.EVENT_COLUMNS, *_DERIVED, *added}]
    out = events.loc[:, [*contract.EVENT_COLUMNS, *extra]].copy()
    for column in ("date", "date_end"):
        out[column] = out[column].dt.strftime("%Y-%m-%d").fillna("")
    for column in out.columns:
        if isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype("str")
    first = contract.first_article(out["article_id"])
    lookup = articles.set_index("article_id")
    for name in ARTICLE_FIELDS:
        out[f"article_{name}"] = first.map(lookup[name]).fillna("") if len(lookup) else ""
    return out.reset_index(drop=True)


def export_events(
    events: pd.DataFrame, articles: pd.DataFrame, target: Path | str, export_format: str = "csv"
) -> int:
    """Write events to a file atomically in one of `FORMATS`; return the number of events."""
    if export_format == "geojson":
        with atomic_write(target) as handle:
            handle.write(to_geojson(events, articles))
    else:
        write_csv(flatten(events, articles), target, excel_nl=export_format == "csv-excel")
    return len(events)


def to_csv_bytes(events: pd.DataFrame, articles: pd.DataFrame, *, excel_nl: bool = False) -> bytes:
    """Return the CSV export as bytes, for a download button."""
    buffer = io.StringIO(newline="")
    write_csv(flatten(events, articles), buffer, excel_nl=excel_nl)
    return buffer.getvalue().encode("utf-8")


def to_geojson(events: pd.DataFrame, articles: pd.DataFrame) -> str:
    """Return the events as a GeoJSON FeatureCollection of points with every field as a property."""
    flat = flatten(events, articles)
    features = []
    for record in flat.to_dict(orient="records"):
        properties = {k: _json_value(v) for k, v in record.items()}
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [record["longitude"], record["latitude"]]},
                "properties": properties,
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def _json_value(value: object) -> object:
    if value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value
