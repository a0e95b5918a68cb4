"""`make bench` and `make bench-big`: the engine's figures against the targets of issue #13, in one run.

`make bench` writes synthetic events (tools.synthetic) into a temporary folder, never into
data/: ten million and one million in the columnar store, one million in an `events.csv`
(today's way), and a million synthetic GDELT rows (tools.synthetic_gdelt) to import. Then it
measures, each measurement that needs a new server in a fresh process:

- the server started with `streamlit run` and visited in headless Chromium (browser clock):
  ready for a first visit, a new reader's map drawn, the server's memory with one session;
- the dashboard run in-process (AppTest): a filter change and a text search rerun server side,
  which queries they ask of the engine and how long each takes, the bytes the map sends;
- at a million events, the engine's filter beside today's pandas path (`tests.oracle` on a
  frame from `load_dataset`), interleaved in one process so that both see the same load;
- the same filter and aggregates on Spark (`local[2]`) beside DuckDB;
- a GDELT import streamed into the store: rows per second and peak memory;
- corroboration: a million rows of three sources reporting shared events (tools.synthetic
  `synthetic_reports`) imported source by source, the matching at each import timed; and on
  ten million such rows in the store, the dashboard's rerun with each event counted once
  (`dedupe`) beside the same filter's rerun without it.

`make bench-big` measures the big tier instead: a hundred million events (filter change,
text search, memory) and ten million GDELT rows imported. It prints the table and one line
per target: met, or missed and by how much. Not a test: it measures and reports; a failed
measurement is printed as failed, never left out.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import gc
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LARGE = 10_000_000  # events of `make bench`'s main tier
SMALL = 1_000_000  # events of the side-by-side tier (pandas, CSV, Spark) and of "RSS is flat"
BIG = 100_000_000  # events of `make bench-big`
IMPORT_ROWS = 1_000_000  # GDELT rows imported by `make bench`
BIG_IMPORT_ROWS = 10_000_000  # … and by `make bench-big`
SOURCES_ROWS = 1_000_000  # rows of three overlapping sources imported to time the matching
REPEATS = 5  # timings are the median of this many runs, each with a filter not asked before
SPARK_MASTER = "local[2]"
# Each timed change asks a filter the app has not answered before: its answers are cached.
RELATIONS = ("military", "security", "diplomatic", "economic", "energy")
SEARCHES = ("kharkiv", "baku", "tbilisi", "yerevan", "odesa")  # cities of the synthetic events
FLAT_GROWTH = 1.25  # "flat": ten times the events may cost the server at most this factor more memory
DERIVED = ("growth", "versus_pandas", "versus_floor")  # figures computed from two measurements (`derive`)
MB = 1e6  # bytes: figures in MB are millions of bytes, so "1.5 GB" is 1,500 MB


# --- what a measurement returns, and the table -------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A target of the issue: a figure at most (`≤`) or at least (`≥`) a value."""

    op: str
    value: float

    def met(self, figure: float) -> bool:
        """Return whether the figure meets the target."""
        return figure <= self.value if self.op == "≤" else figure >= self.value


@dataclass(frozen=True)
class Row:
    """One line of the table: a figure of a measurement, how to show it, and its target if any."""

    label: str
    scenario: str  # which measurement's figures
    key: str  # which of its figures
    unit: str  # s, ms, MB, ×, fps, rows/s, or "" for a count
    target: Target | None = None


def _at_most(value: float) -> Target:
    return Target("≤", value)


# The table: a section's title, then its rows (measurement, figure, unit, target).
# fmt: off
TABLE: tuple[str | Row, ...] = (
    "the large tier: events in the columnar store, a new server (`streamlit run`, Chromium)",
    Row("server ready for a first visit, from `streamlit run`", "server_large", "ready_s", "s", _at_most(3)),
    Row("  of which: the server up, from `streamlit run`", "server_large", "up_s", "s"),
    Row("  of which: from navigation to the script's first run", "server_large", "script_started_s", "s"),
    Row("  of which: from navigation to the script finished", "server_large", "first_visit_s", "s"),
    Row("a new reader's map drawn (median of 4 readers)", "server_large", "drawn_s", "s", _at_most(3)),
    Row("a new reader's page settled: map and histogram drawn (median of 4)", "server_large", "settled_s",
        "s"),
    Row("server RSS, one session", "server_large", "rss_mb", "MB", _at_most(1500)),
    Row("server peak RSS (VmHWM), one session", "server_large", "peak_mb", "MB", _at_most(1500)),
    Row("server peak RSS after 5 more readers and 10 changes", "server_large", "peak_end_mb", "MB"),
    Row("browser: a filter change to the new layers drawn", "server_large", "filter_s", "s", _at_most(1)),
    Row("browser: a text search to the new layers drawn", "server_large", "search_s", "s", _at_most(2)),
    Row("browser: a brush on the histogram to the new layers drawn", "server_large", "brush_s", "s",
        _at_most(1)),
    Row("browser: playback by week, frames per second (all events)", "server_large", "playback_fps", "fps"),
    Row("  playback payload (counts per week, state and cell)", "server_large", "playback_mb", "MB"),
    "the large tier, the dashboard in-process (AppTest): reruns server side",
    Row("filter change (actor + relation + dates), rerun", "apptest_large", "rerun_s", "s", _at_most(0.5)),
    Row("text search, rerun", "apptest_large", "search_s", "s", _at_most(1)),
    Row("first run (the first visit's work: per-dataset queries)", "apptest_large", "first_run_s", "s"),
    Row("map payload sent by streamlit-folium, all events", "apptest_large", "payload_mb", "MB", _at_most(2)),
    Row("process RSS after the reruns", "apptest_large", "rss_mb", "MB"),
    Row("process peak RSS (VmHWM)", "apptest_large", "peak_mb", "MB"),
    "a new reader's page against a bare page of the same stack, and flat in the events (Chromium)",
    Row("the floor: a bare page settled (a sidebar, a Folium shape, an Altair chart)", "floor", "settled_s",
        "s"),
    Row("the curated data: a new reader's page settled (median of 4)", "server_curated", "settled_s", "s"),
    Row("  the curated page ÷ the floor", "versus_floor", "settled_ratio", "×", _at_most(1.3)),
    Row("  the large tier's page ÷ the curated page", "growth", "settled_vs_curated", "×", _at_most(1.2)),
    Row("  the large tier's page ÷ the small tier's", "growth", "settled_growth", "×", _at_most(1.5)),
    Row("  a filter change in Chromium, large tier ÷ small tier", "growth", "filter_growth", "×",
        _at_most(1.5)),
    "time on the map: the histogram, its brush and playback, in Chromium",
    Row("curated data: the histogram drawn for a new reader (median of 4)", "server_curated", "histogram_s",
        "s", _at_most(2)),
    Row("  the floor: one Vega-Lite chart on a bare Streamlit page", "floor", "histogram_s", "s"),
    Row("  the histogram ÷ the floor", "versus_floor", "histogram_ratio", "×"),
    Row("curated data: a new reader's map drawn with its place names (median of 8)", "server_curated",
        "labelled_s", "s"),
    Row("  the same readers' map, the place names' file blocked", "server_curated", "unlabelled_s", "s"),
    Row("  what the place names add to the map's draw", "server_curated", "labels_added_ms", "ms",
        _at_most(50)),
    Row("  the first view's names drawn by the script, layout included", "server_curated",
        "labels_script_ms", "ms"),
    Row("  the place names' file, on the wire", "server_curated", "labels_wire_mb", "MB"),
    Row("  the place names' file, as JSON", "server_curated", "labels_json_mb", "MB"),
    Row("curated data: the Timeline page drawn for a new reader (median of 4)", "server_curated",
        "timeline_s", "s"),
    Row("curated data: the Trends page drawn for a new reader (median of 4)", "server_curated",
        "trends_page_s", "s"),
    Row("  the Trends page ÷ the Timeline page, same run", "pages", "trends_vs_timeline", "×", _at_most(1)),
    Row("three years: a brush on the histogram to the new layers drawn", "server_time", "brush_s", "s",
        _at_most(1)),
    Row("three years: playback by week, one window per frame: frames/s", "server_time", "playback_fps", "fps",
        Target("≥", 20)),
    Row("  the script's own time per window", "server_time", "playback_step_ms", "ms"),
    Row("  playback payload (counts per week, state and cell)", "server_time", "playback_mb", "MB",
        _at_most(5)),
    Row("  density cells played", "server_time", "playback_cells", ""),
    Row("  weekly windows", "server_time", "playback_windows", ""),
    Row("  from ▶ to the first window shown (the counting rerun)", "server_time", "playback_start_s", "s"),
    Row("three years: the histogram drawn for a new reader", "server_time", "histogram_s", "s"),
    Row("three years: a filter change to the new layers drawn", "server_time", "filter_s", "s"),
    "the small tier: the same in the store, to show memory is flat",
    Row("server ready for a first visit, from `streamlit run`", "server_small", "ready_s", "s"),
    Row("a new reader's map drawn (median of 4)", "server_small", "drawn_s", "s"),
    Row("a new reader's page settled (median of 4)", "server_small", "settled_s", "s"),
    Row("browser: a filter change to the new layers drawn", "server_small", "filter_s", "s"),
    Row("browser: a text search to the new layers drawn", "server_small", "search_s", "s"),
    Row("browser: a brush on the histogram to the new layers drawn", "server_small", "brush_s", "s"),
    Row("server RSS, one session", "server_small", "rss_mb", "MB"),
    Row("server peak RSS (VmHWM), one session", "server_small", "peak_mb", "MB"),
    Row("peak RSS, large tier ÷ small tier (flat)", "growth", "rss_growth", "×", _at_most(FLAT_GROWTH)),
    Row("filter change, rerun", "apptest_small", "rerun_s", "s"),
    Row("text search, rerun", "apptest_small", "search_s", "s"),
    Row("map payload, all events", "apptest_small", "payload_mb", "MB"),
    "the small tier from CSV files, and today's pandas path in the same run",
    Row("first visit from events.csv (cold cache), from start", "server_csv", "ready_s", "s", _at_most(8)),
    Row("  of which: from navigation to the script finished", "server_csv", "first_visit_s", "s"),
    Row("  and from navigation to the map drawn", "server_csv", "first_drawn_s", "s"),
    Row("server peak RSS (VmHWM), one session, after the CSV load", "server_csv", "peak_mb", "MB",
        _at_most(1000)),
    Row("engine: open events.csv in-process, cold (its columnar copy)", "pandas", "engine_open_s", "s"),
    Row("pandas: load_dataset (today's load, no cache)", "pandas", "pandas_load_s", "s"),
    Row("pandas: peak RSS holding the frame", "pandas", "pandas_peak_mb", "MB"),
    Row("pandas: oracle filter (actor + relation + dates)", "pandas", "pandas_filter_s", "s"),
    Row("engine: the same filter, per-state counts (mapdata.placed)", "pandas", "engine_filter_s", "s"),
    Row("engine filter ÷ pandas filter", "versus_pandas", "filter_ratio", "×", _at_most(1.2)),
    Row("pandas: oracle text search", "pandas", "pandas_search_s", "s"),
    Row("engine: the same search, per-state counts", "pandas", "engine_search_s", "s"),
    Row("engine and pandas found the same events (1 = yes)", "pandas", "same_answers", ""),
    "the big tier (`make bench-big`): a new server (`streamlit run`, Chromium)",
    Row("server ready for a first visit, from `streamlit run`", "server_big", "ready_s", "s", _at_most(5)),
    Row("a new reader's page settled (median of 4)", "server_big", "settled_s", "s"),
    Row("browser: a filter change to the new layers drawn", "server_big", "filter_s", "s", _at_most(2)),
    Row("browser: a text search to the new layers drawn", "server_big", "search_s", "s"),
    Row("browser: a brush on the histogram to the new layers drawn", "server_big", "brush_s", "s"),
    Row("server peak RSS (VmHWM), one session", "server_big", "peak_mb", "MB", _at_most(2000)),
    Row("server peak RSS after the changes", "server_big", "peak_end_mb", "MB", _at_most(2000)),
    "the big tier (`make bench-big`), the dashboard in-process (AppTest)",
    Row("filter change, rerun", "apptest_big", "rerun_s", "s", _at_most(2)),
    Row("text search, rerun", "apptest_big", "search_s", "s", _at_most(2)),
    Row("first run (per-dataset queries)", "apptest_big", "first_run_s", "s"),
    Row("process RSS after the reruns", "apptest_big", "rss_mb", "MB", _at_most(1500)),
    Row("process peak RSS (VmHWM)", "apptest_big", "peak_mb", "MB", _at_most(1500)),
    "an area: a 50-vertex polygon over eastern Ukraine, with the filter change, per-state counts",
    Row("large tier: the filter change alone", "area_large", "plain_s", "s"),
    Row("large tier: the same within the polygon", "area_large", "area_s", "s"),
    Row("large tier: the polygon's extra time", "area_large", "extra_s", "s", _at_most(1)),
    Row("small tier: the filter change alone", "area_small", "plain_s", "s"),
    Row("small tier: the same within the polygon", "area_small", "area_s", "s"),
    Row("small tier: the polygon's extra time", "area_small", "extra_s", "s", _at_most(0.3)),
    Row("events within the polygon, large tier (no other filter)", "area_large", "within", ""),
    "the dearest area a link may carry (`worst_area`: 8 polygons sharing 100 vertices), the same way",
    Row("large tier: its extra time", "area_large", "worst_extra_s", "s"),
    Row("large tier: its extra time ÷ the polygon's", "area_large", "worst_ratio", "×", _at_most(3)),
    Row("small tier: its extra time", "area_small", "worst_extra_s", "s"),
    Row("small tier: its extra time ÷ the polygon's", "area_small", "worst_ratio", "×", _at_most(3)),
    Row("small tier, the area the only filter: the polygon's extra time", "area_small", "alone_extra_s", "s"),
    Row("small tier, the area the only filter: its extra time", "area_small", "alone_worst_extra_s", "s"),
    Row("characters of its link", "area_small", "worst_link", ""),
    "regions: synthetic events around the focus states' cities placed in their region (core.regions.place)",
    Row("placing a million points in the regions of their state", "regions", "place_s", "s", _at_most(1)),
    Row("locate_events (state, geography check and region), a million", "regions", "locate_s", "s"),
    Row("  of which: the state and the check alone (no regions)", "regions", "countries_s", "s"),
    Row("events placed in a region", "regions", "placed", ""),
    "per state and region, the large tier server side: one grouped query each",
    Row("counts per state and per region for a filter change (mapdata.placed)", "units_large", "placed_s",
        "s", _at_most(0.2)),
    Row("trends per region, weeks against 4 (actor + relation), analysis.trends", "units_large", "trends_s",
        "s", _at_most(0.5)),
    Row("  queries it runs", "units_large", "trends_queries", ""),
    Row("trends per region of every event", "units_large", "trends_all_s", "s"),
    Row("the region layer the map fetches once, as a file", "units_large", "regions_file_mb", "MB",
        _at_most(0.3)),
    Row("  gzip'd, as the server sends it", "units_large", "regions_gzip_mb", "MB"),
    "import: synthetic GDELT rows streamed into the store (`borderstates import --into`)",
    Row("rows per second", "import", "rows_per_s", "rows/s", Target("≥", 30_000)),
    Row("peak RSS (VmHWM)", "import", "peak_mb", "MB", _at_most(1000)),
    Row("seconds for the whole file", "import", "seconds", "s"),
    Row("rows imported (the rest left out by the importer's rules)", "import", "imported", ""),
    Row("events in the store afterwards", "import", "in_store", ""),
    "corroboration: three sources' reports of shared events (tools.synthetic.synthetic_reports)",
    Row("matching at import, events per second (three imports, one source each)", "corroboration",
        "match_per_s", "rows/s", Target("≥", 20_000)),
    Row("  seconds matching, the three imports together", "corroboration", "match_s", "s"),
    Row("  of which: the last import (GDELT-like, against the other two)", "corroboration", "last_s", "s"),
    Row("matching every event again at once (pairs and clusters), events per second", "corroboration",
        "full_per_s", "rows/s"),
    Row("events in a cluster of several", "corroboration", "clustered", ""),
    Row("clusters of several", "corroboration", "clusters", ""),
    Row("the largest cluster's events", "corroboration", "largest", ""),
    Row("large tier with three sources: filter change, rerun (AppTest)", "dedupe_large", "plain_s", "s"),
    Row("  the same filter counted once (the dedupe toggle), rerun", "dedupe_large", "dedupe_s", "s"),
    Row("  counted once ÷ without, same run", "dedupe_large", "ratio", "×", _at_most(1.3)),
    Row("  the dedupe toggle with no other filter, rerun", "dedupe_large", "all_s", "s"),
    Row("  events in a cluster of several, of the large tier's", "dedupe_large", "clustered", ""),
)
# fmt: on


def _sections() -> list[tuple[str, list[Row]]]:
    sections: list[tuple[str, list[Row]]] = []
    for item in TABLE:
        if isinstance(item, str):
            sections.append((item, []))
        else:
            sections[-1][1].append(item)
    return sections


# The Spark tier: each figure on DuckDB and on Spark, side by side (no target: Spark is for scale-out).
TIER_FIGURES = (
    ("open the data directory", "open_s"),
    ("fit the density grid (once per dataset)", "fit_grid_s"),
    ("count the filtered events", "count_s"),
    ("per-state counts (mapdata.placed)", "placed_s"),
    ("density cells (density.grid_cells)", "cells_s"),
    ("text search, per-state counts", "search_s"),
)


def derive(figures: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Return the figures computed from measurements.

    Growth from the small tier to the large one (memory, a new reader's page, a filter change),
    the large tier's page against the curated data's, the engine against pandas, the curated
    page and its histogram against the floor of a bare page.
    """
    large, small = figures.get("server_large", {}), figures.get("server_small", {})
    curated, floor = figures.get("server_curated", {}), figures.get("floor", {})
    growth = _ratios(
        {
            "rss_growth": (large, small, "peak_mb"),
            "settled_vs_curated": (large, curated, "settled_s"),
            "settled_growth": (large, small, "settled_s"),
            "filter_growth": (large, small, "filter_s"),
        }
    )
    derived: dict[str, dict[str, Any]] = {
        "growth": {**growth, "events": large.get("events")} if growth else {},
        "versus_pandas": {},
        "versus_floor": _ratios(
            {
                "histogram_ratio": (curated, floor, "histogram_s"),
                "settled_ratio": (curated, floor, "settled_s"),
            }
        ),
        "pages": (
            {"trends_vs_timeline": curated["trends_page_s"] / curated["timeline_s"]}
            if curated.get("trends_page_s") and curated.get("timeline_s")
            else {}
        ),
    }
    pandas = figures.get("pandas", {})
    if "engine_filter_s" in pandas and "pandas_filter_s" in pandas:
        derived["versus_pandas"] = {
            "filter_ratio": pandas["engine_filter_s"] / pandas["pandas_filter_s"],
            "events": pandas.get("events"),
        }
    return derived


def _ratios(asked: dict[str, tuple[dict[str, Any], dict[str, Any], str]]) -> dict[str, float]:
    """Return each ratio asked (name → numerator's figures, denominator's, which figure) both gave."""
    return {
        name: top[key] / bottom[key]
        for name, (top, bottom, key) in asked.items()
        if key in top and bottom.get(key)
    }


def format_table(figures: dict[str, dict[str, Any]], header: str = "") -> str:
    """Return the figures as a plain-text table with the targets beside them, and a line per target.

    `figures` maps a measurement (`server_large`, `apptest_large`, `pandas`, `duckdb`, `spark`,
    `import`…) to its figures; a measurement that failed holds its `error`. A section none of
    whose measurements ran is left out; a figure that is missing shows "–".
    """
    figures = {**figures, **derive(figures)}
    width = 66
    lines = [header] if header else []
    lines.append(f"{'':{width}}{'events':>13}{'figure':>13}{'target':>12}  {'':7}{'load':>6}")
    verdicts: list[str] = []
    for title, rows in _sections():
        ran = {row.scenario for row in rows if row.scenario in figures and row.scenario not in DERIVED}
        if not ran:
            continue
        lines += ["", title]
        for row in rows:
            scenario = figures.get(row.scenario, {})
            value = scenario.get(row.key)
            events = scenario.get("events")
            load = scenario.get("load")
            target = f"{row.target.op} {_number(row.target.value, row.unit)}" if row.target else ""
            verdict = ""
            if row.target is not None:
                verdict, line = _verdict(row, scenario, value)
                verdicts.append(line)
            lines.append(
                f"  {row.label:{width - 2}}"
                f"{f'{events:,.0f}' if events else '':>13}"
                f"{_number(value, row.unit) if value is not None else '–':>13}"
                f"{target:>12}  {verdict:7}"
                f"{f'{load:.1f}' if load is not None else '':>6}"
            )
    tiers = [name for name in ("duckdb", "spark") if name in figures]
    if tiers:
        lines += _tier_lines(figures.get("duckdb", {}), figures.get("spark", {}), width)
    failures = [f"{name}: {found['error']}" for name, found in figures.items() if "error" in found]
    if failures:
        lines += ["", "failed measurements:"] + [f"  {failure}" for failure in failures]
    if verdicts:
        lines += ["", "targets:"] + [f"  {line}" for line in verdicts]
    return "\n".join(lines)


def _verdict(row: Row, scenario: dict[str, Any], value: float | None) -> tuple[str, str]:
    """Return the table's word for a target and the line that says it in full."""
    assert row.target is not None
    wanted = f"{row.target.op} {_number(row.target.value, row.unit)}"
    events = scenario.get("events")
    name = f"{row.label.strip()} ({f'{events:,.0f} events' if events else row.scenario})"
    if value is None:
        why = f" ({scenario['error']})" if "error" in scenario else ""
        return "–", f"NOT MEASURED  {name}{why}: target {wanted}"
    figure = _number(value, row.unit)
    if row.target.met(value):
        return "met", f"met           {name}: {figure}, target {wanted}"
    gap = abs(value - row.target.value)
    factor = value / row.target.value if row.target.value else float("inf")
    return "MISSED", (
        f"MISSED        {name}: {figure}, target {wanted}: "
        f"{_number(gap, row.unit)} {'over' if row.target.op == '≤' else 'short'} ({factor:.2f}× the target)"
    )


def _tier_lines(duckdb: dict[str, Any], spark: dict[str, Any], width: int) -> list[str]:
    events = duckdb.get("events") or spark.get("events")
    lines = [
        "",
        f"the Spark tier{f' at {events:,.0f} events' if events else ''}: DuckDB and Spark {SPARK_MASTER} "
        "on the same filters "
        f"(median of {REPEATS}; no target)",
        f"{'':{width}}{'DuckDB':>13}{'Spark':>13}{'Spark÷DuckDB':>14}",
    ]
    for label, key in TIER_FIGURES:
        left, right = duckdb.get(key), spark.get(key)
        ratio = f"{right / left:.1f}×" if left and right else ""
        lines.append(
            f"  {label:{width - 2}}{_number(left, 's') if left is not None else '–':>13}"
            f"{_number(right, 's') if right is not None else '–':>13}{ratio:>14}"
        )
    if "partitions" in spark:
        lines.append(
            f"  Spark reads the events in {spark['partitions']:.0f} partitions: each query runs one task per "
            f"partition, two at a time on {SPARK_MASTER}; on a cluster the tasks spread over the "
            "executors and only the partial counts travel to the driver"
        )
    loads = [f"{t['load']:.1f}" for t in (duckdb, spark) if "load" in t]
    if loads:
        lines.append(f"  load average at the start of each: {', '.join(loads)}")
    return lines


def _number(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:.3f} s" if value < 1 else f"{value:.2f} s"
    if unit == "MB":
        return f"{value:.2f} MB" if value < 10 else f"{value:,.0f} MB"
    if unit == "×":
        return f"{value:.2f}×"
    if unit == "rows/s":
        return f"{value:,.0f}/s"
    if unit in ("fps", "ms"):
        return f"{value:.1f} {unit}"
    return f"{value:,.0f}"


# --- the measurements that run in a fresh process ----------------------------------------------


def _load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def _memory_mb(field: str = "VmRSS", pid: int | str = "self") -> float:
    """Return a process's resident memory (VmRSS) or its highest so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024 / MB
    return float("nan")


def _median(action: Callable[[int], object], repeats: int = REPEATS) -> float:
    """Return the median seconds of `action(step)` for steps 0 … repeats-1."""
    times = []
    for step in range(repeats):
        start = time.perf_counter()
        action(step)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def top_actors(store: Any, count: int = 3) -> list[str]:
    """Return the actors of the most events (as actor1): the filters pick among them."""
    import ibis

    events = store.events
    top = events.group_by("actor1").aggregate(n=ibis._.count()).order_by([ibis.desc("n"), "actor1"])
    return store.fetch(top.limit(count))["actor1"].tolist()


def changes(actors: list[str]) -> list[Any]:
    """Return the timed filter changes: actor + relation type + a three-year span, each a new filter."""
    from borderstates.core.filters import EventFilter

    return [
        EventFilter(
            actors=(actors[step % len(actors)],),
            relations=(RELATIONS[step],),
            date_from=dt.date(2018 + step, 1, 1),
            date_to=dt.date(2020 + step, 12, 31),
        )
        for step in range(REPEATS)
    ]


class QueryLog:
    """Every question the app puts to the engine while on: the time it took and the expression.

    Wraps `Store.arrow` (every answer goes through it) and the making of a filter's kept rows,
    so that a rerun's queries can be counted and timed without touching the package.
    """

    def __init__(self) -> None:
        self.entries: list[tuple[float, Any, Any]] = []  # seconds, store, expression

    def install(self) -> None:
        """Wrap the store's two ways of running an expression."""
        from borderstates.core.engine import Store

        original = Store.arrow

        def timed(store: Any, expr: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(store, expr)
            finally:
                self.entries.append((time.perf_counter() - start, store, expr))

        setattr(Store, "arrow", timed)  # noqa: B010 (a method replaced, for the profile)
        # A filter's rows may be kept first (a table of the engine, made outside `arrow` and
        # `scalar`): timed too, when a call did work (rows kept already are a lookup).
        from borderstates.core.kept import KeptRows

        rows = KeptRows.rows

        making = threading.local()  # a filter's rows made while another's are: timed in the outer

        def timed_rows(kept: Any, f: Any, select: Any) -> Any:
            outer = not getattr(making, "on", False)
            making.on, start = True, time.perf_counter()
            try:
                return rows(kept, f, select)
            finally:
                making.on = not outer
                seconds = time.perf_counter() - start
                if outer and seconds > 0.001:
                    self.entries.append((seconds, None, f"the rows of {_brief(repr(f), 200)} kept"))

        setattr(KeptRows, "rows", timed_rows)  # noqa: B010 (a method replaced, for the profile)

    def take(self) -> list[tuple[float, Any, Any]]:
        """Return the entries logged since the last call, and forget them."""
        entries, self.entries = self.entries, []
        return entries

    @staticmethod
    def summary(entries: list[tuple[float, Any, Any]], shown: int = 3) -> dict[str, Any]:
        """Return how many queries, their total time, and the slowest ones with their SQL."""
        slowest = sorted(entries, key=lambda entry: -entry[0])[:shown]
        return {
            "queries": len(entries),
            "engine_s": sum(seconds for seconds, _, _ in entries),
            "slowest": [
                (seconds, expr if store is None else " ".join(str(store.backend.compile(expr)).split()))
                for seconds, store, expr in slowest
            ],
        }


def measure_apptest(directory: Path) -> dict[str, Any]:
    """Run the dashboard in-process (AppTest): first run, filter changes and searches, payload, memory."""
    from streamlit.testing.v1 import AppTest

    import borderstates.app.mapui as mapui
    from borderstates.core.engine import open_store
    from borderstates.core.paths import DATA_DIR_VARIABLE

    os.environ[DATA_DIR_VARIABLE] = str(directory)
    log = QueryLog()
    log.install()
    payloads: list[int] = []
    measure_payload = [True]
    original = mapui.st_folium

    def spied(fig: Any, **kwargs: Any) -> Any:
        # The bytes the dashboard hands streamlit-folium, measured once: serialising again
        # would add to the timed reruns.
        if measure_payload[0]:
            payloads.append(_payload(fig, kwargs.get("feature_group_to_add") or []))
        return original(fig, **kwargs)

    mapui.st_folium = spied  # the page calls it through the module
    store = open_store(directory)
    actors = top_actors(store)
    events = store.total
    del store  # the app opens its own
    gc.collect()
    log.take()
    figures: dict[str, Any] = {"events": events, "load": _load_average()}
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=900)
    start = time.perf_counter()
    app.run()
    figures["first_run_s"] = time.perf_counter() - start
    figures["first_run"] = QueryLog.summary(log.take(), shown=20)
    measure_payload[0] = False
    figures["payload_mb"] = max(payloads) / MB if payloads else None
    _raise_on_exception(app)
    profiles: list[dict[str, Any]] = []
    filters = changes(actors)

    def change(step: int) -> None:
        f = filters[step]
        app.multiselect(key="actor").set_value(list(f.actors))
        app.multiselect(key="relation").set_value(list(f.relations))
        app.date_input(key="from").set_value(f.date_from)
        app.date_input(key="to").set_value(f.date_to)
        log.take()
        start = time.perf_counter()
        app.run()
        profiles.append({"rerun_s": time.perf_counter() - start, **QueryLog.summary(log.take())})

    figures["rerun_s"] = _median_of(profiles, change)
    figures["rerun"] = _median_profile(profiles)
    # Searches run over all events: the filter of the changes is taken off first (untimed).
    app.multiselect(key="actor").set_value([])
    app.multiselect(key="relation").set_value([])
    app.date_input(key="from").set_value(None)
    app.date_input(key="to").set_value(None)
    app.run()
    profiles = []

    def search(step: int) -> None:
        app.text_input(key="q").set_value(SEARCHES[step])
        log.take()
        start = time.perf_counter()
        app.run()
        profiles.append({"rerun_s": time.perf_counter() - start, **QueryLog.summary(log.take())})

    figures["search_s"] = _median_of(profiles, search)
    figures["search"] = _median_profile(profiles)
    _raise_on_exception(app)
    figures["rss_mb"], figures["peak_mb"] = _memory_mb("VmRSS"), _memory_mb("VmHWM")
    return figures


def _median_of(profiles: list[dict[str, Any]], action: Callable[[int], None]) -> float:
    """Run the timed action REPEATS times (it appends its profile); return the median rerun time."""
    for step in range(REPEATS):
        action(step)
    return statistics.median(p["rerun_s"] for p in profiles)


def _median_profile(profiles: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the profile of the rerun whose time is the median (what its queries were)."""
    ordered = sorted(profiles, key=lambda p: p["rerun_s"])
    return ordered[len(ordered) // 2]


def _raise_on_exception(app: Any) -> None:
    if app.exception:
        raise RuntimeError(f"the dashboard raised: {app.exception[0].value}")


def _payload(m: Any, layers: list[Any]) -> int:
    """Return the bytes streamlit-folium hands the browser for a map and its layers.

    Uses streamlit-folium's own serialisers, so the figure is what `st_folium` sends.
    """
    from streamlit_folium import _get_feature_group_string, _get_html, _get_map_string

    size = len(_get_map_string(m).encode()) + len(_get_html(m).encode())
    for index, layer in enumerate(layers):
        size += len(_get_feature_group_string(layer, m, index).encode())
    return size


def measure_pandas(directory: Path) -> dict[str, Any]:
    """Today's pandas path beside the engine on the same CSV data, each filter timed on both in turn."""
    from borderstates.analysis import mapdata
    from borderstates.core.contract import LOCATED_IN
    from borderstates.core.engine import open_store
    from borderstates.core.filters import EventFilter
    from borderstates.core.load import load_dataset
    from tests.oracle import filter_events

    figures: dict[str, Any] = {"load": _load_average()}
    start = time.perf_counter()
    events = load_dataset(directory).events
    figures["pandas_load_s"] = time.perf_counter() - start
    figures["pandas_peak_mb"] = _memory_mb("VmHWM")
    figures["events"] = len(events)
    stages: list[tuple[str, float]] = []
    start = time.perf_counter()
    # Parses the CSV into the columnar cache (cold), as a first visit from CSV does; each stage timed.
    store = open_store(directory, progress=lambda text, _: stages.append((text, time.perf_counter())))
    figures["engine_open_s"] = time.perf_counter() - start
    end = time.perf_counter()
    # Each report says a stage begins: a stage lasts until the next report.
    ends = [moment for _, moment in stages[1:]] + [end]
    figures["engine_open_stages"] = (
        [("(imports, before the first stage)", stages[0][1] - start)] if stages else []
    )
    figures["engine_open_stages"] += [
        (text, stop - begun) for (text, begun), stop in zip(stages, ends, strict=True)
    ]
    filters = changes(top_actors(store))
    searches = [EventFilter(text=text) for text in SEARCHES]
    same = True
    for kind, asked in (("filter", filters), ("search", searches)):
        pandas_times, engine_times = [], []
        for f in asked:  # interleaved: both paths see the same load on a shared machine
            start = time.perf_counter()
            found = filter_events(events, f)
            pandas_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            placed = mapdata.placed(store, f)
            engine_times.append(time.perf_counter() - start)
            expected = found[LOCATED_IN].astype(str).value_counts()
            same &= {k: int(v) for k, v in expected.items()} == {k: v for k, v in placed.counts.items() if v}
        figures[f"pandas_{kind}_s"] = statistics.median(pandas_times)
        figures[f"engine_{kind}_s"] = statistics.median(engine_times)
    figures["same_answers"] = int(same)
    return figures


def measure_tier(engine: str, directory: Path) -> dict[str, Any]:
    """Time the filter and the map's aggregates on one engine (DuckDB or Spark `local[2]`)."""
    from borderstates.analysis import density, mapdata
    from borderstates.core.engine import EngineConfig, open_store
    from borderstates.core.filters import EventFilter

    figures: dict[str, Any] = {"load": _load_average()}
    start = time.perf_counter()
    store = open_store(directory, EngineConfig(engine=engine, master=SPARK_MASTER))
    figures["events"] = store.total  # the first query: Spark's session and scan plan are ready after it
    figures["open_s"] = time.perf_counter() - start
    start = time.perf_counter()
    grid = density.fit_grid(store)
    figures["fit_grid_s"] = time.perf_counter() - start
    filters = changes(top_actors(store))
    figures["count_s"] = _median(lambda step: store.count(filters[step]))
    figures["placed_s"] = _median(lambda step: mapdata.placed(store, filters[step]))
    figures["cells_s"] = _median(lambda step: density.grid_cells(store, filters[step], grid))
    figures["search_s"] = _median(lambda step: mapdata.placed(store, EventFilter(text=SEARCHES[step])))
    if engine == "spark":
        figures["partitions"] = store.backend._session.table("events").rdd.getNumPartitions()
    return figures


AREA_VERTICES = 50


def bench_area(vertices: int = AREA_VERTICES) -> Any:
    """Return a star-shaped (not convex) polygon of `vertices` corners from Kharkiv to Donetsk."""
    import math

    from borderstates.core.area import Area

    ring = [
        (37.3 + (2.2 + 0.4 * (k % 2)) * math.cos(2 * math.pi * k / vertices),
         48.9 + (1.3 + 0.25 * (k % 2)) * math.sin(2 * math.pi * k / vertices))
        for k in range(vertices)
    ]  # fmt: skip
    return Area(polygons=((tuple([*ring, ring[0]]),),))


def worst_area() -> Any:
    """Return the dearest area a link may carry, as the link gives it back.

    The most shapes, all of them polygons (a polygon costs more than a circle), sharing the
    most vertices: stars over the four states, each with a box of its own to test.
    """
    import math

    from borderstates.core.area import MAX_SHAPES, MAX_VERTICES, Area
    from borderstates.core.arealink import decode, encode

    corners = MAX_VERTICES // MAX_SHAPES - 1  # each ring's last position repeats its first
    polygons = []
    for j in range(MAX_SHAPES):
        east, north = 26.5 + (j % 4) * 4.5, 46.5 + (j // 4) * 3.0
        ring = [
            (east + (2.0 + 0.3 * (k % 2)) * math.cos(2 * math.pi * k / corners),
             north + (1.2 + 0.2 * (k % 2)) * math.sin(2 * math.pi * k / corners))
            for k in range(corners)
        ]  # fmt: skip
        polygons.append((tuple([*ring, ring[0]]),))
    return decode(encode(Area(polygons=tuple(polygons))))


def measure_area(directory: Path) -> dict[str, Any]:
    """Time the filter change with and without a drawn polygon (bounding box, then the exact test).

    And with the dearest area a link may carry (`worst_area`), measured the same way, beside the
    polygon's; then both again as the only filter (a count of every event in the area).
    """
    from dataclasses import replace

    from borderstates.analysis import mapdata
    from borderstates.core.arealink import encode
    from borderstates.core.engine import open_store
    from borderstates.core.filters import EventFilter

    figures: dict[str, Any] = {"load": _load_average()}
    store = open_store(directory)
    figures["events"] = store.total
    area, worst = bench_area(), worst_area()
    filters = changes(top_actors(store))
    # Interleaved, step by step, so that the three see the same load of the machine.
    plain, polygon, dearest = _interleaved(
        lambda step: mapdata.placed(store, filters[step]),
        lambda step: mapdata.placed(store, replace(filters[step], area=area)),
        lambda step: mapdata.placed(store, replace(filters[step], area=worst)),
    )
    figures.update(plain_s=plain, area_s=polygon, extra_s=polygon - plain, worst_extra_s=dearest - plain)
    figures["within"] = store.count(EventFilter(area=area))
    figures["worst_ratio"] = figures["worst_extra_s"] / figures["extra_s"]
    figures["worst_link"] = len(encode(worst))
    world = EventFilter(bounds=(-90.0, -180.0, 90.0, 180.0))  # a filter that every event passes
    everything, alone, alone_worst = _interleaved(
        lambda step: store.count(world),
        lambda step: store.count(EventFilter(area=area)),
        lambda step: store.count(EventFilter(area=worst)),
    )
    figures.update(alone_extra_s=alone - everything, alone_worst_extra_s=alone_worst - everything)
    return figures


def measure_regions(count: int = 1_000_000) -> dict[str, Any]:
    """Time placing synthetic events in their regions, alone and within `locate_events`, per million."""
    import numpy as np

    from borderstates.core import geo, regions
    from borderstates.core.csvio import LINE
    from borderstates.core.load import typed_events
    from tools.synthetic import synthetic_events

    geo_dir = ROOT / "data" / "geo"
    events = typed_events(synthetic_events(count).assign(**{LINE: np.arange(count)}))
    figures: dict[str, Any] = {"load": _load_average(), "events": count}
    regions.load_regions(geo_dir)  # read once, as a server does
    start = time.perf_counter()
    located, _ = geo.locate_events(events, geo_dir, "bench")
    figures["locate_s"] = (time.perf_counter() - start) * 1e6 / count
    lon, lat = events["longitude"].to_numpy(), events["latitude"].to_numpy()
    state = located["located_in"].astype(str).to_numpy(dtype=object)
    table = regions.load_regions(geo_dir)
    figures["place_s"] = _median(lambda _: regions.place(table, lon, lat, state)) * 1e6 / count
    figures["countries_s"] = figures["locate_s"] - figures["place_s"]
    figures["placed"] = int((located["region"].astype(str) != "").sum())
    return figures


def measure_units(directory: Path) -> dict[str, Any]:
    """Time the per-unit questions server side: counts per state and region, trends per region.

    - `placed_s`: `mapdata.placed` (the counts per state and per region, one grouped query) for
      a filter change, median of `REPEATS` filters not asked before;
    - `trends_s`, `trends_queries`: `trends.build_trends` by region over weeks (baseline 4, as-of
      the data's last day) for the same filters without their dates, and the queries it ran;
    - `trends_all_s`: the same for every event (no filter), once;
    - `regions_file_mb`, `regions_gzip_mb`: the region layer the map fetches, as a file and gzip'd.
    """
    import gzip
    from dataclasses import replace

    from borderstates.analysis import mapdata, trends
    from borderstates.core.engine import open_store
    from borderstates.core.filters import EventFilter
    from borderstates.core.paths import REGIONS_DRAWING_FILE

    log = QueryLog()
    log.install()
    store = open_store(directory)
    filters = changes(top_actors(store))
    figures: dict[str, Any] = {"load": _load_average(), "events": store.total}
    as_of = trends.default_as_of(store, EventFilter())
    assert as_of is not None
    periods = trends.periods_until(as_of, "week", trends.DEFAULT_BASELINE)
    placed, timed, queries = [], [], []
    for f in filters[:REPEATS]:
        start = time.perf_counter()
        mapdata.placed(store, f)
        placed.append(time.perf_counter() - start)
        log.take()
        start = time.perf_counter()
        trends.build_trends(store, replace(f, date_from=None, date_to=None), periods, "region")
        timed.append(time.perf_counter() - start)
        queries.append(len(log.take()))
    figures["placed_s"], figures["trends_s"] = statistics.median(placed), statistics.median(timed)
    figures["trends_queries"] = max(queries)
    start = time.perf_counter()
    trends.build_trends(store, EventFilter(), periods, "region")
    figures["trends_all_s"] = time.perf_counter() - start
    drawing = (ROOT / "data" / "geo" / REGIONS_DRAWING_FILE).read_bytes()
    figures["regions_file_mb"] = len(drawing) / 1e6
    figures["regions_gzip_mb"] = len(gzip.compress(drawing)) / 1e6
    return figures


def _interleaved(*actions: Callable[[int], object], repeats: int = REPEATS) -> list[float]:
    """Return the median seconds of each action, run in turn at each step 0 … repeats-1."""
    times: list[list[float]] = [[] for _ in actions]
    for step in range(repeats):
        for action, taken in zip(actions, times, strict=True):
            start = time.perf_counter()
            action(step)
            taken.append(time.perf_counter() - start)
    return [statistics.median(taken) for taken in times]


def measure_import(source: Path, directory: Path) -> dict[str, Any]:
    """Import a GDELT file into a data directory's store; return the rows per second and peak memory."""
    from borderstates.core import columnstore
    from borderstates.importers.run import import_file

    start = time.perf_counter()

    def progress(read: int, imported: int) -> None:
        seconds = time.perf_counter() - start
        print(
            f"    import: {read:,} rows read, {imported:,} imported, {read / seconds:,.0f} rows/s, "
            f"RSS {_memory_mb('VmRSS'):,.0f} MB (peak {_memory_mb('VmHWM'):,.0f} MB)",
            file=sys.stderr,
            flush=True,
        )

    figures: dict[str, Any] = {"load": _load_average()}
    report = import_file(source, "gdelt", into=directory, progress=progress)
    seconds = time.perf_counter() - start
    generation = columnstore.current_generation(directory / columnstore.STORE_FOLDER)
    figures.update(
        events=report.rows_read,
        seconds=seconds,
        rows_per_s=report.rows_read / seconds,
        imported=report.imported,
        in_store=columnstore.event_count(generation),
        peak_mb=_memory_mb("VmHWM"),
        summary=report.summary(),
    )
    return figures


def _answer_first_visit(directory: Path) -> float:
    from tools.synthetic import answer_first_visit

    return answer_first_visit(directory)


def measure_corroboration(directory: Path, count: int) -> dict[str, Any]:
    """Import `count` rows of three overlapping sources into a store, a source at a time; time the matching.

    Then match every event again at once (the pairs of the whole store and their clusters, as an
    import into a store without pairs does) on the same engine settings as an import.
    """
    import duckdb
    import ibis

    from borderstates.core import columnstore, corroboration
    from borderstates.core.engine import open_store
    from tools.synthetic import write_synthetic_sources

    figures: dict[str, Any] = {"load": _load_average(), "events": count}
    reports = write_synthetic_sources(directory, count)
    matched = [r.reclustered for r in reports if r.reclustered is not None]
    figures["match_s"] = sum(m.seconds for m in matched)
    figures["last_s"] = matched[-1].seconds
    figures["match_per_s"] = count / figures["match_s"]
    figures["merges"] = [vars(m) for m in matched]
    store = open_store(directory)
    sizes = store.fetch(
        store.events.filter(store.events["cluster_size"] > 1)
        .group_by("cluster_size")
        .aggregate(n=ibis._.count())
    )
    figures["clustered"] = int(sizes["n"].sum())
    figures["clusters"] = int((sizes["n"] / sizes["cluster_size"]).sum())
    figures["largest"] = int(sizes["cluster_size"].max())
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{columnstore.MERGE_MEMORY}'")
    backend = ibis.duckdb.from_connection(con)
    generation = columnstore.current_generation(directory / columnstore.STORE_FOLDER)
    stored = backend.read_parquet(
        f"{columnstore.events_location(generation)}/**/*.parquet", hive_partitioning=True
    )
    start = time.perf_counter()
    found = con.sql(backend.compile(corroboration.pairs(stored))).to_arrow_table()
    corroboration.clusters(found.to_pandas())
    figures["full_per_s"] = count / (time.perf_counter() - start)
    figures["peak_mb"] = _memory_mb("VmHWM")
    return figures


def measure_dedupe(directory: Path) -> dict[str, Any]:
    """Time the dashboard's rerun (AppTest) counting each event once, beside the same filter's without it.

    Each step changes the filter (a rerun without dedupe), then switches "Count each event once
    across sources" on (the toggle's rerun); the median of each, in the same process.
    """
    from streamlit.testing.v1 import AppTest

    from borderstates.core.engine import open_store
    from borderstates.core.filters import EventFilter
    from borderstates.core.paths import DATA_DIR_VARIABLE

    os.environ[DATA_DIR_VARIABLE] = str(directory)
    log = QueryLog()
    log.install()
    store = open_store(directory)
    actors = top_actors(store)
    figures: dict[str, Any] = {"events": store.total, "load": _load_average()}
    figures["clustered"] = store.count(EventFilter()) - store.count(EventFilter(dedupe=True))
    del store
    gc.collect()
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=900)
    app.run()
    _raise_on_exception(app)
    filters = changes(actors)
    plain: list[dict[str, Any]] = []
    once: list[dict[str, Any]] = []

    def timed(profiles: list[dict[str, Any]]) -> None:
        log.take()
        start = time.perf_counter()
        app.run()
        profiles.append({"rerun_s": time.perf_counter() - start, **QueryLog.summary(log.take())})

    for step in range(REPEATS):
        f = filters[step]
        app.toggle(key="dedupe").set_value(False)
        app.multiselect(key="actor").set_value(list(f.actors))
        app.multiselect(key="relation").set_value(list(f.relations))
        app.date_input(key="from").set_value(f.date_from)
        app.date_input(key="to").set_value(f.date_to)
        timed(plain)
        app.toggle(key="dedupe").set_value(True)
        timed(once)
    _raise_on_exception(app)
    figures["plain_s"] = statistics.median(p["rerun_s"] for p in plain)
    figures["dedupe_s"] = statistics.median(p["rerun_s"] for p in once)
    figures["ratio"] = figures["dedupe_s"] / figures["plain_s"]
    figures["rerun"], figures["dedupe"] = _median_profile(plain), _median_profile(once)
    for key in ("actor", "relation"):
        app.multiselect(key=key).set_value([])
    app.date_input(key="from").set_value(None)
    app.date_input(key="to").set_value(None)
    app.toggle(key="dedupe").set_value(False)
    app.run()
    app.toggle(key="dedupe").set_value(True)
    everything: list[dict[str, Any]] = []
    timed(everything)
    figures["all_s"] = everything[0]["rerun_s"]
    _raise_on_exception(app)
    return figures


CHILDREN: dict[str, Callable[..., dict[str, Any]]] = {
    "apptest": lambda directory: measure_apptest(Path(directory)),
    "pandas": lambda directory: measure_pandas(Path(directory)),
    "duckdb": lambda directory: measure_tier("duckdb", Path(directory)),
    "spark": lambda directory: measure_tier("spark", Path(directory)),
    "import": lambda source, directory: measure_import(Path(source), Path(directory)),
    "area": lambda directory: measure_area(Path(directory)),
    "regions": lambda count: measure_regions(int(count)),
    "units": lambda directory: measure_units(Path(directory)),
    "answer": lambda directory: {"seconds": _answer_first_visit(Path(directory))},
    "corroboration": lambda directory, count: measure_corroboration(Path(directory), int(count)),
    "dedupe": lambda directory: measure_dedupe(Path(directory)),
}


def _child(kind: str, *args: str, cache: Path) -> dict[str, Any]:
    """Run one measurement in a fresh Python process (cold columnar cache) and return its figures.

    The child's progress lines (indented) are passed on as they come; its figures are the last
    line of its output, as JSON.
    """
    from borderstates.core.cache import CACHE_DIR_VARIABLE

    env = {**os.environ, "PYTHONWARNINGS": "ignore", CACHE_DIR_VARIABLE: str(cache)}
    env.pop("BORDERSTATES_ENGINE", None)  # DuckDB, the default, unless the measurement says Spark
    command = [sys.executable, "-m", "tools.bench", "--child", kind, *args]
    process = subprocess.Popen(  # noqa: S603 (this interpreter, this module)
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env
    )
    tail: collections.deque[str] = collections.deque(maxlen=40)

    def relay() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            tail.append(line)
            if line.startswith("    "):
                print(line, end="", file=sys.stderr, flush=True)

    relaying = threading.Thread(target=relay, daemon=True)
    relaying.start()
    assert process.stdout is not None
    output = process.stdout.read()
    process.wait()
    relaying.join()
    if process.returncode != 0:
        raise RuntimeError(f"{kind} failed (exit {process.returncode}): {''.join(tail).strip()[-2000:]}")
    figures: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return figures


# --- the run -----------------------------------------------------------------------------------


def _say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} load {_load_average():.1f}] {text}", file=sys.stderr, flush=True)


@contextmanager
def _watching(label: str, probe: Callable[[], str], every: float = 30.0) -> Iterator[None]:
    """Say every `every` seconds how a long step is going (`probe`), and how long it has taken."""
    stop = threading.Event()
    start = time.perf_counter()

    def watch() -> None:
        while not stop.wait(every):
            _say(f"{label}: {probe()}, {time.perf_counter() - start:,.0f} s so far")

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        watcher.join()


def _written_millions(directory: Path) -> str:
    parts = {p.name for p in (directory / "store").glob("gen-*/events/*/*/part-*.parquet")}
    return f"{len(parts)} million events written"


def _build(
    built: dict[str, float], name: str, directory: Path, write: Callable[[], object], probe: Callable[[], str]
) -> Path:
    """Write a generated input once (or reuse it from an earlier run in `--workdir`); time it."""
    done = directory.with_name(directory.name + ".done")
    if done.exists():
        _say(f"{name}: reusing {directory}")
        return directory
    if directory.is_dir():  # a run that stopped half-way
        shutil.rmtree(directory)
    directory.unlink(missing_ok=True)
    _say(f"{name}: writing {directory}")
    start = time.perf_counter()
    with _watching(name, probe):
        write()
    built[name] = time.perf_counter() - start
    _say(f"{name}: written in {built[name]:,.0f} s")
    done.touch()
    return directory


def _measure(figures: dict[str, dict[str, Any]], name: str, action: Callable[[], dict[str, Any]]) -> None:
    """Run one measurement; keep its figures, or its error (the run goes on)."""
    _say(f"measuring {name}")
    try:
        figures[name] = action()
    except Exception as exc:  # a failed measurement is reported; the others still run
        figures[name] = {"error": " ".join(str(exc).split())[-600:]}
        _say(f"{name} FAILED: {figures[name]['error']}")


def main(argv: list[str] | None = None) -> int:
    """Generate the inputs, run every measurement and print the table."""
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--big", action="store_true", help="the big tier (`make bench-big`) instead")
    parser.add_argument(
        "--events", type=int, help=f"events of the large tier ({LARGE:,}; with --big {BIG:,})"
    )
    parser.add_argument("--small", type=int, default=SMALL, help=f"events of the small tier ({SMALL:,})")
    parser.add_argument(
        "--import-rows", type=int, help=f"GDELT rows ({IMPORT_ROWS:,}; with --big {BIG_IMPORT_ROWS:,})"
    )
    parser.add_argument(
        "--skip", nargs="*", default=[],
        choices=("browser", "apptest", "pandas", "spark", "area", "regions", "import", "corroboration"),
        help="leave out some measurements",
    )  # fmt: skip
    parser.add_argument("--workdir", type=Path, help="keep the generated inputs here and reuse them")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        print(json.dumps(CHILDREN[kind](*rest)))
        return 0
    events = args.events or (BIG if args.big else LARGE)
    import_rows = args.import_rows or (BIG_IMPORT_ROWS if args.big else IMPORT_ROWS)
    with tempfile.TemporaryDirectory(prefix="borderstates-bench-") as scratch:
        work = args.workdir or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        started, load_before = time.time(), Path("/proc/loadavg").read_text().split()[:3]
        figures = run(args, events, import_rows, work, Path(scratch))
        load_after = Path("/proc/loadavg").read_text().split()[:3]
        minutes = (time.time() - started) / 60
    header = (
        f"borderstates benchmark ({'make bench-big' if args.big else 'make bench'}), "
        f"{dt.datetime.fromtimestamp(started):%Y-%m-%d %H:%M}, {os.cpu_count()} cores, "
        f"{_total_memory_gib():.0f} GiB, {minutes:.0f} minutes; load average (1, 5, 15 min) "
        f"{' '.join(load_before)} at the start, {' '.join(load_after)} at the end; "
        f"the 'load' column is the 1-minute load average as each measurement began.\n"
        f"MB = 10^6 bytes; timings are medians of {REPEATS}, each with a filter not asked before "
        f"(the app caches its answers)."
    )
    built = figures.pop("built", {})
    print(format_table(figures, header))
    if built:
        print(
            "\ninputs written (s): " + ", ".join(f"{name} {seconds:,.0f}" for name, seconds in built.items())
        )
    print(profile_lines(figures))
    return 0


def run(args: argparse.Namespace, events: int, import_rows: int, work: Path, scratch: Path) -> dict[str, Any]:
    """Write the inputs and take every measurement of the tier; return the figures by measurement."""
    from tools.benchbrowser import measure_floor, measure_server, prepare_static
    from tools.synthetic import write_synthetic_dataset, write_synthetic_sources, write_synthetic_store

    figures: dict[str, dict[str, Any]] = {}
    built: dict[str, float] = {}
    caches = iter(range(1_000))
    skip = set(args.skip)

    def cache() -> Path:
        return scratch / "cache" / str(next(caches))  # a new, empty columnar cache per process

    def child(name: str, kind: str, *paths: Path) -> None:
        _measure(figures, name, lambda: _child(kind, *map(str, paths), cache=cache()))

    def server(name: str, directory: Path, count: int, *, interact: bool, labels: bool = False) -> None:
        _measure(
            figures,
            name,
            lambda: {"events": count, **measure_server(directory, cache(), interact=interact, labels=labels)},
        )

    def answered(folder: Path, name: str) -> Path:
        # A store written by an earlier run (or before a change of the code) gets its first visit's
        # answers now, as an import leaves them: in a fresh process, timed when they were missing.
        seconds = _child("answer", str(folder), cache=cache())["seconds"]
        if seconds > 0.5:
            built[f"{name}: a first visit's answers"] = seconds
        return folder

    def store(count: int) -> Path:
        folder = work / f"store-{count}"
        write = partial(write_synthetic_store, folder, count)
        name = f"store of {count:,} events"
        return answered(_build(built, name, folder, write, partial(_written_millions, folder)), name)

    if "browser" not in skip:
        prepare_static()
    large = store(events)
    if args.big:
        if "browser" not in skip:
            server("server_big", large, events, interact=True)
        if "apptest" not in skip:
            child("apptest_big", "apptest", large)
    else:
        small = store(args.small)
        csv = work / f"csv-{args.small}"
        if not {"browser", "pandas"} <= skip:
            write = partial(write_synthetic_dataset, csv, args.small)
            _build(built, f"events.csv of {args.small:,} events", csv, write, lambda: "writing")
        if "browser" not in skip:
            server("server_curated", ROOT / "data", 20, interact=False, labels=True)
            _measure(figures, "floor", measure_floor)
            three_years = answered(_build(
                built, f"store of {args.small:,} events over three years", work / f"store-{args.small}-3y",
                partial(write_synthetic_store, work / f"store-{args.small}-3y", args.small, years=3),
                partial(_written_millions, work / f"store-{args.small}-3y"),
            ), "three years")  # fmt: skip
            server("server_time", three_years, args.small, interact=True)
            server("server_large", large, events, interact=True)
            server("server_small", small, args.small, interact=True)  # for the growth of a filter change
            server("server_csv", csv, args.small, interact=False)
        if "apptest" not in skip:
            child("apptest_large", "apptest", large)
            child("apptest_small", "apptest", small)
        if "pandas" not in skip:
            child("pandas", "pandas", csv)
        if "spark" not in skip:
            child("duckdb", "duckdb", small)
            child("spark", "spark", small)
        if "area" not in skip:
            child("area_large", "area", large)
            child("area_small", "area", small)
        if "regions" not in skip:
            _measure(figures, "regions", lambda: _child("regions", str(args.small), cache=cache()))
            child("units_large", "units", large)
    if "corroboration" not in skip and not args.big:
        child("corroboration", "corroboration", scratch / "sources", SOURCES_ROWS)
        folder = work / f"sources-{events}"
        write = partial(write_synthetic_sources, folder, events)
        name = f"store of {events:,} rows of three sources"

        def dedupe() -> dict[str, Any]:  # a store that cannot be written is this row's error
            sources = _build(built, name, folder, write, partial(_written_millions, folder))
            return _child("dedupe", str(sources), cache=cache())

        _measure(figures, "dedupe_large", dedupe)
    if "import" not in skip:
        source = _gdelt_file(built, work, import_rows)
        target = scratch / "import-target"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(ROOT / "data", target)  # the curated data, as an analyst's directory holds it
        if source is None:
            figures["import"] = {"error": "tools/synthetic_gdelt.py is missing: the import was not measured"}
        else:
            child("import", "import", source, target)
    figures["built"] = built
    return figures


def _gdelt_file(built: dict[str, float], work: Path, rows: int) -> Path | None:
    """Write the synthetic GDELT file to import; None while tools/synthetic_gdelt.py is not there."""
    try:
        from tools.synthetic_gdelt import write_synthetic_gdelt
    except ImportError:
        return None
    path = work / f"gdelt-{rows}.export.CSV"

    def written() -> str:
        return f"{path.stat().st_size / MB if path.exists() else 0:,.0f} MB written"

    return _build(
        built, f"GDELT file of {rows:,} rows", path, partial(write_synthetic_gdelt, path, rows), written
    )


def profile_lines(figures: dict[str, dict[str, Any]]) -> str:
    """Return where the reruns' time goes: the engine's queries per rerun, their time, the slowest."""
    lines = ["", "where the time goes (the dashboard in-process; the rerun whose time is the median):"]
    for name, found in figures.items():
        for phase in ("first_run", "rerun", "search", "dedupe"):
            profile = found.get(phase)
            if not isinstance(profile, dict):
                continue
            total = profile.get("rerun_s", found.get(f"{phase}_s"))
            lines.append(
                f"  {name} {phase}: {total:.2f} s in all, {profile['queries']} engine queries taking "
                f"{profile['engine_s']:.2f} s; the slowest:"
            )
            lines += [f"    {seconds:.3f} s  {_brief(sql)}" for seconds, sql in profile["slowest"]]
    stages = figures.get("pandas", {}).get("engine_open_stages")
    if stages:
        lines.append(
            "  opening events.csv cold on the engine (store.open_store), the stages its progress names:"
        )
        lines += [f"    {seconds:6.2f} s  {text}" for text, seconds in stages]
    for name in ("import",):
        for line in figures.get(name, {}).get("summary", []):
            lines.append(f"  {name}: {line}")
    return "\n".join(lines) if len(lines) > 2 else ""


def _brief(sql: str, width: int = 400) -> str:
    """Return a query shortened for the profile: no table aliases or quotes, long column lists counted."""
    sql = re.sub(r'"t\d+"\.', "", sql).replace('"', "")
    sql = re.sub(
        r"\b(?:\w+, ){5,}\w+\b(?!\()", lambda match: f"‹{match.group(0).count(',') + 1} columns›", sql
    )
    return sql if len(sql) <= width else sql[: width - 1] + "…"


def _total_memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 2**20
    return float("nan")


if __name__ == "__main__":
    sys.exit(main())
