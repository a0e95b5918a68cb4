"""The columnar form of the data: the contract's columns typed for Parquet, as every engine reads them.

Text stays text ("" for an empty cell, as in the CSV files), dates are dates, coordinates
doubles and fatalities a nullable integer. Beside the contract's columns an events table
carries its extra columns (as text) and the derived ones every query needs: the span's last
day, the state and the region the point lies in (and the region's name), the folded search
text, and for rows read from a CSV file the line they were read from.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from borderstates.core import contract
from borderstates.core.contract import (
    CLUSTER_ID,
    CLUSTER_SIZE,
    CORROBORATED_BY,
    LOCATED_IN,
    REGION,
    REGION_NAME,
    SEARCH_TEXT,
    SPAN_END,
)
from borderstates.core.csvio import LINE

_TYPED = {
    "date": pa.date32(),
    "date_end": pa.date32(),
    "latitude": pa.float64(),
    "longitude": pa.float64(),
    "fatalities": pa.int64(),
    contract.FATALITIES_LOW: pa.int64(),
    contract.FATALITIES_HIGH: pa.int64(),
}
EVENT_SCHEMA = pa.schema(
    [(name, _TYPED.get(name, pa.string())) for name in contract.TYPED_EVENT_COLUMNS]
    + [(SPAN_END, pa.date32()), (LOCATED_IN, pa.string()), (REGION, pa.string()), (REGION_NAME, pa.string())]
    + [(SEARCH_TEXT, pa.string()), (LINE, pa.int64())]
)
ARTICLE_SCHEMA = pa.schema([(name, pa.string()) for name in contract.ARTICLE_COLUMNS] + [(LINE, pa.int64())])
DERIVED = (SPAN_END, LOCATED_IN, REGION, REGION_NAME, SEARCH_TEXT, LINE)
#: The derived columns an export carries: where the point lies, by the project's geometry, and
#: the cluster of corroborating events it belongs to (`corroboration`).
EXPORTED_DERIVED = (REGION, REGION_NAME, CORROBORATED_BY, CLUSTER_ID, CLUSTER_SIZE)


def events_table(events: pd.DataFrame) -> pa.Table:
    """Return typed events (as `load.load_events` gives them) in the columnar form.

    The contract's columns first, typed; then the file's extra columns as text; then the
    derived columns (`DERIVED`), the search text made here from the searched columns.
    """
    columns: dict[str, pa.Array] = {}
    extra = [c for c in events.columns if c not in {*contract.TYPED_EVENT_COLUMNS, *DERIVED}]
    for name in [*contract.TYPED_EVENT_COLUMNS, SPAN_END, LOCATED_IN, REGION, REGION_NAME, LINE]:
        kind = EVENT_SCHEMA.field(name).type
        cells = events[name] if name in events else pd.Series(None, index=events.index, dtype="object")
        columns[name] = _column(cells, kind)
    columns[SEARCH_TEXT] = contract.search_text(columns)
    for name in extra:
        columns[name] = _column(events[name], pa.string())
    order = [*contract.TYPED_EVENT_COLUMNS, *extra, *DERIVED]
    return pa.table({name: columns[name] for name in order})


def articles_table(articles: pd.DataFrame) -> pa.Table:
    """Return articles (text cells, as `load.load_articles` gives them) in the columnar form."""
    extra = [c for c in articles.columns if c not in {*contract.ARTICLE_COLUMNS, LINE}]
    order = [*contract.ARTICLE_COLUMNS, *extra, LINE]
    return pa.table(
        {
            name: _column(articles[name], pa.int64() if name == LINE else pa.string())
            if name in articles
            else pa.nulls(len(articles), pa.string())
            for name in order
        }
    )


def _column(cells: pd.Series, kind: pa.DataType) -> pa.Array | pa.ChunkedArray:
    """Convert one column of a frame to Arrow, text as text ("" for a missing cell)."""
    if pa.types.is_string(kind):
        if _is_text(cells.dtype):  # already Arrow (or categories of it): no Python string per cell
            return pc.fill_null(pc.cast(pa.array(cells, from_pandas=True), kind), "")
        return pa.array(cells.astype("str").where(cells.notna(), "").to_numpy(dtype=object), type=kind)
    if pa.types.is_date32(kind):
        stamps = pa.array(pd.to_datetime(cells), type=pa.timestamp("ms"))
        return pc.cast(stamps, pa.date32())
    if pa.types.is_integer(kind):
        return pa.array(pd.to_numeric(cells).astype("Int64"), type=kind)
    return pa.array(cells.to_numpy(dtype="float64"), type=kind)


def _is_text(dtype: object) -> bool:
    """Whether a column holds text alone: pandas' string dtype, or categories of it."""
    if isinstance(dtype, pd.CategoricalDtype):
        dtype = dtype.categories.dtype
    return isinstance(dtype, pd.StringDtype)
