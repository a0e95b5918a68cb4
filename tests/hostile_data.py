"""A data directory whose every text field is an attack, for the app and browser tests.

Each payload would set `window.__pwned` (and most would open a dialog) if it ever ran as
script: as HTML (`<script>`, event handlers), by breaking out of a JavaScript string (quotes,
backticks, `${…}`, `</script>`), as a link (`javascript:`, `data:`), or as Markdown.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from borderstates.core import contract
from tests.conftest import FIXTURES, ROOT, read_rows, write_csv_rows

PWNED = "__pwned"  # the global every payload would set
PAYLOADS = (
    "<script>window.__pwned='script';alert('script')</script>",
    "<img src=x onerror=\"window.__pwned='img';alert('img')\">",
    "<svg onload=\"window.__pwned='svg';alert('svg')\"></svg>",
    "\"'><img src=x onerror=window.__pwned='attribute'>",
    "';window.__pwned='single-quote';alert(1);//",
    "\";window.__pwned='double-quote';alert(2);//",
    "`;window.__pwned='backtick';alert(3);`",
    "${window.__pwned='template'}",
    "</script><script>window.__pwned='close-script'</script>",
    "</div></p></td><iframe srcdoc=\"<script>parent.__pwned='srcdoc'</script>\"></iframe>",
    "[link](javascript:window.__pwned='markdown') **not bold** <b>not bold</b> :red[not red]",
)
# Links that must never become links (data contract: http:// and https:// only).
BAD_URLS = (
    "javascript:window.__pwned='js-url';alert('js-url')",
    "JaVaScRiPt:alert('mixed-case')",
    " javascript:alert('leading-space')",
    "data:text/html,<script>window.__pwned='data-url'</script>",
    "vbscript:msgbox(1)",
)
EVENT_TEXT = (
    "actor1",
    "actor2",
    "location",
    "summary",
    "excerpt",
    "excerpt_en",
    "source_code",
    "tags",
    "notes",
)
ARTICLE_TEXT = ("title", "outlet", "cited_sources")
HOSTILE_ID = "H-<img src=x onerror=window.__pwned='event-id'>"


def hostile_text(number: int) -> str:
    """Return the text of one field: a payload, then every other payload, so all reach every field."""
    return PAYLOADS[number % len(PAYLOADS)] + " | " + " ".join(PAYLOADS)


def dataset_name(number: int) -> str:
    """Return the name of a hostile dataset (the `dataset` column is a short field)."""
    return hostile_text(number)[:80]


def write_hostile_dir(directory: Path) -> Path:
    """Write a data directory of hostile events and articles, with the shipped geometry.

    The three fixture events (Yerevan, Baku, Kyiv) keep their ids, places and dates, so a test
    knows where to click; a fourth copies the first with a hostile id and cites every article,
    each with a link that must not become one. Several datasets, so the page offers a dataset
    filter whose options are hostile too.
    """
    directory.mkdir(parents=True, exist_ok=True)
    rows = read_rows(FIXTURES / "events.csv")
    events = [
        dict(row, **dict.fromkeys(EVENT_TEXT, hostile_text(number)), dataset=dataset_name(number))
        for number, row in enumerate(rows)
    ]
    cites_all = ";".join(f"A-{n}" for n in range(1, len(BAD_URLS) + 1))
    events.append(
        dict(  # in Gyumri, not in Yerevan beside the first: a click there hits one marker, not a cluster
            events[0], event_id=HOSTILE_ID, dataset="curated", date="2024-03-01", article_id=cites_all,
            location="Gyumri", latitude="40.7894", longitude="43.8475",
        )
    )  # fmt: skip
    write_csv_rows(directory / "events.csv", contract.EVENT_COLUMNS, events)
    template = read_rows(FIXTURES / "articles.csv")[1]
    articles = [
        dict(template, article_id=f"A-{n}", **dict.fromkeys(ARTICLE_TEXT, hostile_text(n + 4)), url=url)
        for n, url in enumerate(BAD_URLS, start=1)
    ]
    write_csv_rows(directory / "articles.csv", contract.ARTICLE_COLUMNS, articles)
    shutil.copytree(ROOT / "data" / "geo", directory / "geo", dirs_exist_ok=True)
    return directory
