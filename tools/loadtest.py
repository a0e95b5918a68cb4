"""`make loadtest`: many readers at once on one server, each with a filter of its own.

Serves deterministic synthetic events (tools.synthetic) from a temporary folder with
`streamlit run` on 127.0.0.1, and drives it from one headless Chromium with one browser context
per reader, as Streamlit's own end-to-end tests do. After a warm-up (every reader has the map
and has changed its filter once), every reader keeps changing its relation filter for the
test's duration and checks, after each change, its own "N of M events" and its own URL against
the store's count: a value from another session is a leak. Prints the figures; exits 1 when a
reader saw an error or another reader's filter, or when the server's memory grew more than
`RSS_GROWTH_ALLOWED` after the warm-up.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from itertools import cycle, islice
from pathlib import Path
from urllib.parse import quote_plus

from borderstates.core import contract
from tools.localserver import (
    APP_READY,
    CHROMIUM,
    CHROMIUM_ARGS,
    MAP_FRAME,
    is_loopback,
    rss_mb,
    streamlit_server,
)

SESSIONS = 20
DURATION_S = 60  # of filter changes after the warm-up
EVENTS = 10_000
RSS_GROWTH_ALLOWED = 1.10  # RSS at the end / RSS after the warm-up
STEP_TIMEOUT_MS = 90_000  # for one rerun to show, with every other reader busy too
_COUNT = "[data-testid='stSidebar'] [data-testid='stMarkdownContainer'] strong"


@dataclass
class Reader:
    """One browser session: its own actor, and what it did and saw."""

    number: int
    actor: str
    actions: int = 0
    latencies: list[float] = field(default_factory=list)  # s from a change to its count shown
    errors: list[str] = field(default_factory=list)


def _expected_counts(directory: Path, sessions: int) -> tuple[dict[tuple[str, str], int], int, list[str]]:
    """Return the count of every (actor, relation) pair ("" for none), the total, and an actor per reader."""
    from borderstates.core.engine import open_store
    from borderstates.core.filters import EventFilter

    store = open_store(directory)
    names = store.fetch(store.events.select("actor1").distinct())["actor1"]
    actors = list(islice(cycle(sorted(set(names))), sessions))
    counts = {}
    for actor in actors:
        for relation in ("", *contract.RELATION_TYPES):
            f = EventFilter(actors=(actor,), relations=(relation,) if relation else ())
            counts[actor, relation] = store.count(f)
    return counts, store.total, actors


async def _show(page, text: str, reader: Reader, what: str) -> float | None:
    """Wait until the reader's count line says `text`; return the time taken, or None on error."""
    start = time.perf_counter()
    try:
        await page.locator(_COUNT, has_text=text).first.wait_for(timeout=STEP_TIMEOUT_MS)
        await page.wait_for_selector(APP_READY, timeout=STEP_TIMEOUT_MS)
    except Exception as exc:  # a reader's failure is counted, and the others go on
        shown = await page.locator(_COUNT).first.text_content(timeout=1_000)
        reader.errors.append(f"{what}: expected {text!r}, the page shows {shown!r} ({type(exc).__name__})")
        return None
    if await page.get_by_test_id("stException").count():
        reader.errors.append(f"{what}: the page shows an exception")
    return time.perf_counter() - start


async def _change_relation(page, relation: str | None) -> None:
    """Choose a relation type in the sidebar (or remove the chosen one), as a reader would."""
    box = page.get_by_test_id("stMultiSelect").filter(has_text="Relation type")
    await box.locator("input").click()
    if relation is None:
        await page.keyboard.press("Backspace")
    else:
        await page.keyboard.type(relation)
        await page.keyboard.press("Enter")
    await page.keyboard.press("Escape")


async def _step(page, reader: Reader, relation: str | None, counts, total: int) -> None:
    await _change_relation(page, relation)
    expected = counts[reader.actor, relation or ""]
    latency = await _show(page, f"{expected} of {total} events", reader, f"relation {relation}")
    reader.actions += 1
    if latency is not None:
        reader.latencies.append(latency)
    url = page.url
    if f"actor={quote_plus(reader.actor)}" not in url or (relation and f"relation={relation}" not in url):
        reader.errors.append(f"relation {relation}: the URL holds another filter: {url}")


async def _open(context, url: str, reader: Reader, counts, total: int):
    page = await context.new_page()
    page.on("pageerror", lambda error: reader.errors.append(f"script error: {error}"))
    await page.goto(f"{url}/?actor={quote_plus(reader.actor)}", timeout=STEP_TIMEOUT_MS)
    await page.wait_for_selector(APP_READY, timeout=STEP_TIMEOUT_MS)
    await page.frame_locator(MAP_FRAME).locator(".leaflet-container").wait_for(timeout=STEP_TIMEOUT_MS)
    await _show(page, f"{counts[reader.actor, '']} of {total} events", reader, "first view")
    return page


async def _run(url: str, server_pid: int, counts, total: int, actors: list[str], duration: float) -> dict:
    from playwright.async_api import async_playwright

    readers = [Reader(n, actor) for n, actor in enumerate(actors)]
    relations = contract.RELATION_TYPES
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        contexts = [await browser.new_context(viewport={"width": 1300, "height": 900}) for _ in readers]
        for context in contexts:  # loopback only: anything else is refused
            await context.route("**/*", _local_only)
        start = time.perf_counter()
        pages = await asyncio.gather(
            *(_open(c, url, r, counts, total) for c, r in zip(contexts, readers, strict=True))
        )
        await asyncio.gather(  # the warm-up's change: one relation on, then off again
            *(
                _step(p, r, relations[r.number % len(relations)], counts, total)
                for p, r in zip(pages, readers, strict=True)
            )
        )
        await asyncio.gather(*(_step(p, r, None, counts, total) for p, r in zip(pages, readers, strict=True)))
        warm_up_s = time.perf_counter() - start
        rss_warm = rss_mb(server_pid)
        for reader in readers:
            reader.actions, reader.latencies = 0, []

        deadline = time.perf_counter() + duration

        async def keep_changing(page, reader: Reader) -> None:
            turn = reader.number
            while time.perf_counter() < deadline:
                turn += 1
                await _step(page, reader, relations[turn % len(relations)], counts, total)
                await _step(page, reader, None, counts, total)

        await asyncio.gather(*(keep_changing(p, r) for p, r in zip(pages, readers, strict=True)))
        rss_end = rss_mb(server_pid)
        await browser.close()
    latencies = sorted(x for r in readers for x in r.latencies)
    return {
        "readers": readers,
        "warm_up_s": warm_up_s,
        "rss_warm_mb": rss_warm,
        "rss_end_mb": rss_end,
        "p50_s": statistics.median(latencies) if latencies else float("nan"),
        "p95_s": latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan"),
        "max_s": latencies[-1] if latencies else float("nan"),
    }


async def _local_only(route) -> None:
    if is_loopback(route.request.url):
        await route.continue_()
    else:
        await route.abort()


def main(argv: list[str] | None = None) -> int:
    """Run the load test; print its figures; return 0 when every reader saw only its own filter."""
    parser = argparse.ArgumentParser(prog="python -m tools.loadtest", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sessions", type=int, default=SESSIONS, help=f"readers at once (default {SESSIONS})"
    )
    parser.add_argument(
        "--seconds", type=float, default=DURATION_S, help=f"after warm-up (default {DURATION_S})"
    )
    parser.add_argument("--events", type=int, default=EVENTS, help=f"synthetic events (default {EVENTS:,})")
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= 50 or not 0 < args.seconds <= 600:
        parser.error("at most 50 sessions and 600 seconds: this is a test on one machine")

    from tools.synthetic import write_synthetic_dataset

    with tempfile.TemporaryDirectory(prefix="borderstates-load-") as folder:
        directory = write_synthetic_dataset(Path(folder) / "data", args.events)
        counts, total, actors = _expected_counts(directory, args.sessions)
        with streamlit_server(directory) as server:
            rss_start = rss_mb(server.pid)
            figures = asyncio.run(_run(server.url, server.pid, counts, total, actors, args.seconds))
    readers = figures["readers"]
    errors = [f"reader {r.number} ({r.actor}): {e}" for r in readers for e in r.errors]
    growth = figures["rss_end_mb"] / figures["rss_warm_mb"]
    print(f"load test: {args.sessions} readers on one server, {total:,} synthetic events, 127.0.0.1")
    print(f"  warm-up (map drawn, filter changed once): {figures['warm_up_s']:.1f} s")
    print(f"  filter changes in {args.seconds:.0f} s: {sum(r.actions for r in readers)} "
          f"(fewest by one reader: {min(r.actions for r in readers)})")  # fmt: skip
    print(f"  rerun shown, p50 / p95 / max: {figures['p50_s']:.2f} / {figures['p95_s']:.2f} / "
          f"{figures['max_s']:.2f} s")  # fmt: skip
    print(f"  server RSS: {rss_start:.0f} MB at start, {figures['rss_warm_mb']:.0f} MB after warm-up, "
          f"{figures['rss_end_mb']:.0f} MB at the end ({growth:.1%} of after warm-up; "
          f"allowed {RSS_GROWTH_ALLOWED:.0%})")  # fmt: skip
    print(f"  errors and leaks: {len(errors)}")
    for error in errors[:20]:
        print(f"    {error}")
    return 1 if errors or growth > RSS_GROWTH_ALLOWED else 0


if __name__ == "__main__":
    sys.exit(main())
