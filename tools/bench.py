"""`make bench`: how the dashboard scales from a thousand to a million events, against the common way.

Generates deterministic synthetic events (tools.synthetic) into a temporary folder, never
into data/, and prints one table. Each size runs in a fresh process, so load times and peak
memory are those of a new server. Not a test: it asserts nothing and only reports.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SIZES = (1_000, 10_000, 100_000, 1_000_000)
COMMON_WAY_SIZES = (1_000, 10_000)  # one folium.Marker per event gets too slow beyond
BROWSER_SIZES = (10_000, 1_000_000)  # and the curated data
REPEATS = 5  # timings are the median of this many runs
ROOT = Path(__file__).resolve().parent.parent


def _median_seconds(action: Callable[[], object], repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _payload(m, layers) -> int:
    """Return the bytes streamlit-folium hands the browser for a map and its layers.

    Uses streamlit-folium's own serialisers, so the figure is what `st_folium` sends.
    """
    from streamlit_folium import _get_feature_group_string, _get_html, _get_map_string

    size = len(_get_map_string(m).encode()) + len(_get_html(m).encode())
    for index, layer in enumerate(layers):
        size += len(_get_feature_group_string(layer, m, index).encode())
    return size


def measure_size(directory: Path, count: int) -> dict[str, float]:
    """Measure one dataset in this process: load, filter, aggregate, build, payload, rerun."""
    from borderstates.analysis import density
    from borderstates.core.filters import EventFilter, filter_events
    from borderstates.core.geo import load_countries
    from borderstates.core.load import load_dataset
    from borderstates.render import mapview

    figures: dict[str, float] = {"events": count}
    start = time.perf_counter()
    load_dataset(directory, cache=True)  # cold: parse, validate, locate, write the cache
    figures["cold_load_s"] = time.perf_counter() - start
    figures["warm_load_s"] = _median_seconds(lambda: load_dataset(directory, cache=True), 3)
    data = load_dataset(directory, cache=True)
    countries = load_countries(directory / "geo")
    actors = data.events["actor1"].value_counts().index[:2].tolist()
    change = EventFilter(
        actors=tuple(actors),
        relations=("military", "security"),
        date_from=dt.date(2020, 1, 1),
        date_to=dt.date(2022, 12, 31),
    )
    figures["filter_s"] = _median_seconds(lambda: filter_events(data.events, change))
    figures["search_s"] = _median_seconds(lambda: filter_events(data.events, EventFilter(text="kharkiv")))
    grid = None if density.draws_markers(count) else density.fit_grid(data.events)
    everything = data.events
    classes = mapview.fill_classes(everything, countries)

    def aggregate() -> None:
        mapview.state_counts(everything, mapview.focus_codes(countries))
        if grid is not None:
            density.grid_cells(everything, grid)

    figures["aggregate_s"] = _median_seconds(aggregate)

    def build():
        base = mapview.build_base_map(countries, classes, grid=grid, context_url="/app/static/x.geojson")
        return base, mapview.build_layers(countries, everything, data.articles, classes, grid=grid)

    figures["map_build_s"] = _median_seconds(build)
    figures["payload_mb"] = _payload(*build()) / 1e6
    figures["rerun_s"], figures["rerun_search_s"] = _rerun_seconds(directory, actors)
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def _rerun_seconds(directory: Path, actors: list[str]) -> tuple[float, float]:
    """Return the median time of a full dashboard rerun after a filter change, in-process (AppTest)."""
    from streamlit.testing.v1 import AppTest

    from borderstates.core.paths import DATA_DIR_VARIABLE

    os.environ[DATA_DIR_VARIABLE] = str(directory)
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
    app.run()

    def change_filter(step: int) -> None:
        app.multiselect(key="actor").set_value([actors[step % 2]])
        app.multiselect(key="relation").set_value([("military", "security")[step % 2]])
        app.date_input(key="from").set_value(dt.date(2019 + step % 3, 1, 1))
        app.run()

    def change_search(step: int) -> None:
        app.text_input(key="q").set_value(("kharkiv", "baku", "tbilisi")[step % 3])
        app.run()

    results = []
    for action in (change_filter, change_search):
        steps = iter(range(REPEATS))
        results.append(_median_seconds(lambda action=action, steps=steps: action(next(steps))))
    if app.exception:
        raise RuntimeError(f"the dashboard raised: {app.exception[0].value}")
    return results[0], results[1]


def measure_common_way(directory: Path) -> dict[str, float]:
    """Build the map the common way: one folium.Marker per event in a MarkerCluster."""
    import folium
    import folium.plugins

    from borderstates.core.load import load_dataset

    events = load_dataset(directory, cache=True).events

    def build():
        m = folium.Map(location=[44, 40], zoom_start=5)
        cluster = folium.plugins.MarkerCluster().add_to(m)
        for event in events.itertuples():
            folium.Marker(
                [event.latitude, event.longitude],
                tooltip=f"{event.date:%Y-%m-%d} {event.actor1} – {event.actor2}",
                popup=str(event.summary),
            ).add_to(cluster)
        return m, []

    def build_and_serialise() -> int:
        return _payload(*build())

    return {
        "events": len(events),
        "map_build_s": _median_seconds(build_and_serialise, 3),
        "payload_mb": build_and_serialise() / 1e6,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _child(kind: str, directory: Path, count: int) -> dict[str, float]:
    """Run one measurement in a fresh Python process and return its figures."""
    result = subprocess.run(  # noqa: S603 (this interpreter, this module)
        [sys.executable, "-m", "tools.bench", "--child", kind, str(directory), str(count)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    if result.returncode != 0:
        raise RuntimeError(f"{kind} at {count} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--no-browser", action="store_true", help="skip the browser measurements")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "DIR", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, directory, count = args.child
        measure = measure_size if kind == "ours" else lambda d, _: measure_common_way(d)
        print(json.dumps(measure(Path(directory), int(count))))
        return 0

    from borderstates.core.cache import CACHE_DIR_VARIABLE
    from tools.benchbrowser import measure_browser
    from tools.synthetic import write_synthetic_dataset

    with tempfile.TemporaryDirectory(prefix="borderstates-bench-") as scratch:
        os.environ[CACHE_DIR_VARIABLE] = str(Path(scratch) / "cache")  # cold means cold
        ours, common, browser = {}, {}, {}
        for count in args.sizes:
            directory = write_synthetic_dataset(Path(scratch) / f"events-{count}", count)
            print(f"… {count:>9,} events", file=sys.stderr, flush=True)
            ours[count] = _child("ours", directory, count)
            if count in COMMON_WAY_SIZES:
                common[count] = _child("common", directory, count)
            if not args.no_browser and count in BROWSER_SIZES:
                browser[count] = measure_browser(directory)
        if not args.no_browser:
            browser["curated"] = measure_browser(ROOT / "data")
        print(format_table(ours, common, browser))
    return 0


def format_table(ours: dict, common: dict, browser: dict) -> str:
    """Return the benchmark's figures as one plain-text table with the targets beside them."""
    columns = [
        ("cold load s", "cold_load_s", "{:.2f}"),
        ("warm load s", "warm_load_s", "{:.2f}"),
        ("filter s", "filter_s", "{:.3f}"),
        ("search s", "search_s", "{:.3f}"),
        ("aggregate s", "aggregate_s", "{:.3f}"),
        ("map build s", "map_build_s", "{:.3f}"),
        ("payload MB", "payload_mb", "{:.2f}"),
        ("rerun s", "rerun_s", "{:.3f}"),
        ("rerun search s", "rerun_search_s", "{:.3f}"),
        ("peak RSS MB", "peak_rss_mb", "{:.0f}"),
    ]
    header = f"{'':24}" + "".join(f"{name:>15}" for name, _, _ in columns)
    lines = ["borderstates benchmark (median of 5; one fresh process per size)", header]
    for count, figures in ours.items():
        lines.append(f"{'ours':8}{count:>16,}" + "".join(_cell(figures, k, f) for _, k, f in columns))
    for count, figures in common.items():
        lines.append(f"{'common':8}{count:>16,}" + "".join(_cell(figures, k, f) for _, k, f in columns))
    for count, figures in common.items():
        if count in ours:
            ratio = figures["map_build_s"] / max(ours[count]["map_build_s"], 1e-9)
            size = figures["payload_mb"] / max(ours[count]["payload_mb"], 1e-9)
            lines.append(
                f"at {count:,} events the common way builds and serialises the map {ratio:.0f}× slower "
                f"than ours ({figures['map_build_s']:.3f} s against {ours[count]['map_build_s']:.3f} s) "
                f"and sends {size:.1f}× the bytes"
            )
    if browser:
        browser_columns = [
            ("first visit s", "first_visit_s", "{:.2f}"),
            ("map drawn s", "drawn_s", "{:.2f}"),
            ("filter s", "filter_s", "{:.3f}"),
            ("search s", "search_s", "{:.3f}"),
            ("RSS 1 MB", "rss_one_mb", "{:.0f}"),
            ("RSS 5 MB", "rss_five_mb", "{:.0f}"),
            ("peak 1 MB", "peak_one_mb", "{:.0f}"),
            ("peak 5 MB", "peak_five_mb", "{:.0f}"),
        ]
        lines += [
            "",
            "in headless Chromium (browser clock, from navigation or from the change; first visit: "
            "the server loads the CSV cold; map drawn: median of 4 new browser profiles, one at a time; "
            "filter, search: median of 5, to the new layers drawn; "
            "RSS, peak: the server now and at its highest, with 1 and 5 sessions)",
            f"{'':24}" + "".join(f"{name:>15}" for name, _, _ in browser_columns),
        ]
        for label, figures in browser.items():
            name = f"{label:,}" if isinstance(label, int) else label
            lines.append(
                f"{'browser':8}{name:>16}" + "".join(_cell(figures, k, f) for _, k, f in browser_columns)
            )
    lines.append(
        "targets (1M): rerun ≤ 0.5 s, payload ≤ 5 MB, warm load ≤ 1 s, cold load ≤ 10 s with progress, "
        "RSS ≤ 1.5 GB (one session) / 2 GB (five), map drawn ≤ 3 s; "
        "(100k): rerun ≤ 0.2 s, payload ≤ 3 MB; curated page ready ≤ 2 s; 10k: ≥ 30× the common way"
    )
    return "\n".join(lines)


def _cell(figures: dict, key: str, fmt: str) -> str:
    return f"{fmt.format(figures[key]):>15}" if key in figures else f"{'–':>15}"


if __name__ == "__main__":
    sys.exit(main())
