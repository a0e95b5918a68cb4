"""Hostile URL parameters: the page applies what is valid, names what it dropped, never fails.

A link is text anyone can write. Unknown keys, unknown values, huge values, broken dates and
repeated keys reach the map page through `streamlit.testing` (the parser underneath is also
tested on arbitrary input with Hypothesis).
"""

from __future__ import annotations

import datetime as dt
import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from borderstates.app.filterform import KNOWN_PARAMS, MAX_SEARCH_LENGTH, filter_from_params
from borderstates.core import contract
from borderstates.core.filters import Choices, EventFilter
from borderstates.core.load import load_dataset
from borderstates.core.paths import DATA_DIR_VARIABLE
from borderstates.render import markup
from tests.conftest import ROOT
from tests.oracle import filter_events

DASHBOARD = str(ROOT / "dashboard.py")
TIMEOUT = 300  # s for one run: the first imports geopandas and folium, slow on a busy CI machine
NOTICE = "Not applied from the link"
MAX_NOTICE_VALUE = 41  # characters of a value quoted in a notice: 40 and an ellipsis


@pytest.fixture
def data_dir(fixture_rows, make_data_dir):
    t1, t2, t3 = fixture_rows
    rows = [t1, t2, t3, dict(t2, event_id="U-1", date="2023-05-05", dataset="ACLED", excerpt="")]
    directory = make_data_dir(rows)
    (directory / "geo").symlink_to(ROOT / "data" / "geo")
    return directory


@pytest.fixture
def events(data_dir):
    return load_dataset(data_dir).events


def open_map(monkeypatch, directory, params) -> AppTest:
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(directory))
    app = AppTest.from_file(DASHBOARD, default_timeout=TIMEOUT)
    app.query_params = params
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def shown(app: AppTest) -> int:
    return int(re.fullmatch(r"\*\*(\d+) of \d+ events\*\*", app.sidebar.markdown[0].value).group(1))


def notice(app: AppTest) -> str:
    found = [w.value for w in app.warning if w.value.startswith(NOTICE)]
    assert len(found) <= 1
    return found[0] if found else ""


GOOD_ACTOR = "Government of Armenia"
# name: (URL parameters, the filter its valid part amounts to, fragments the notice must name)
CASES = {
    "unknown keys": (
        {"colour": "red", "utm_source": ["a", "b"], "actor[]": "x", "": "empty", "ACTOR": GOOD_ACTOR},
        EventFilter(),
        ["unknown parameter colour", "unknown parameter utm_source", "unknown parameter actor[]",
         "unknown parameter ACTOR"],
    ),
    "unknown values": (
        {"actor": ["Nobody", GOOD_ACTOR], "relation": ["warfare", "military"], "quad": ["hot"],
         "status": ["rumoured"], "country": ["XXX", "ARM"], "dataset": ["GDELT"], "side": "left",
         "involving": "yes", "event": "NO-SUCH-EVENT"},
        EventFilter(actors=(GOOD_ACTOR,), relations=("military",), countries=("ARM",)),
        ["actor=Nobody", "relation=warfare", "quad=hot", "status=rumoured", "country=XXX",
         "dataset=GDELT", "side=left", "involving=yes", "event=NO-SUCH-EVENT"],
    ),
    "unknown precisions": (
        {"geoprec": ["street", "city"], "dateprec": ["hour", "day"]},
        EventFilter(geo_precisions=("city",), date_precisions=("day",)),
        ["geoprec=street", "dateprec=hour"],
    ),
    "huge values": (
        {"actor": ["A" * 50_000], "relation": ["military" * 5_000], "from": "9" * 10_000,
         "q": "x" * 100_000, "event": "E" * 20_000, "k" * 5_000: "v"},
        EventFilter(text="x" * MAX_SEARCH_LENGTH),
        ["actor=" + "A" * 40 + "…", "relation=militarymilitary", "from=" + "9" * 40 + "…",
         "event=" + "E" * 40, "unknown parameter " + "k" * 40 + "…"],
    ),
    "broken dates": (
        {"from": "2024-02-30", "to": "2024-13-01"},
        EventFilter(),
        ["from=2024-02-30", "to=2024-13-01"],
    ),
    "dates in other forms": (
        {"from": "２０２４-01-01", "to": "2024-W01-1"},
        EventFilter(),
        ["from=２０２４-01-01", "to=2024-W01-1"],
    ),
    "dates out of range": (
        {"from": "0000-01-01", "to": "99999-01-01"},
        EventFilter(),
        ["from=0000-01-01", "to=99999-01-01"],
    ),
    "repeated keys": (
        {"side": ["actor2", "actor1"], "from": ["2020-01-01", "2022-01-01"], "q": ["baku", "armenia"],
         "relation": ["military", "military"], "actor": [GOOD_ACTOR, GOOD_ACTOR], "event": ["T-2", "T-1"]},
        EventFilter(actors=(GOOD_ACTOR,), side="actor1", date_from=dt.date(2022, 1, 1),
                    relations=("military",), text="armenia"),
        ["side=actor2", "from=2020-01-01", "q=baku", "event=T-2"],
    ),
    "regions": (
        {"region": ["UA-30", "XX-99", "AM-ER", "UA-30", "ua-14"]},
        EventFilter(regions=("UA-30", "AM-ER")),
        ["region=XX-99", "region=ua-14"],
    ),
    "control characters and markup": (
        {"q": "\x00\x1b[31m<script>alert(1)</script>", "actor": ["\x00", "<img src=x onerror=alert(1)>"],
         "colour\x00": "x"},
        EventFilter(text="\x00\x1b[31m<script>alert(1)</script>"),
        ["actor=\x00", "actor=<img src=x onerror=alert(1)>", "unknown parameter colour\x00"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", CASES)
def test_the_valid_part_is_shown_with_a_notice(monkeypatch, data_dir, events, name):
    params, valid, dropped = CASES[name]
    app = open_map(monkeypatch, data_dir, params)
    assert shown(app) == len(filter_events(events, valid))
    text = notice(app)
    for fragment in dropped:
        assert fragment in text, (fragment, text[:500])
    assert len(text) < 2_000  # huge values are named, not repeated
    assert set(app.query_params) <= KNOWN_PARAMS  # unknown keys leave the address bar


def test_a_link_with_too_many_parameters_still_opens(monkeypatch, data_dir, events):
    params = {f"k{n}": str(n) for n in range(1_500)} | {"actor": [f"a{n}" for n in range(1_500)]}
    app = open_map(monkeypatch, data_dir, params)
    assert shown(app) == len(events)


def test_a_valid_link_has_no_notice(monkeypatch, data_dir, events):
    app = open_map(
        monkeypatch, data_dir, {"relation": ["military"], "from": "2022-01-01", "to": "2024-12-31"}
    )
    assert notice(app) == ""
    expected = EventFilter(
        relations=("military",), date_from=dt.date(2022, 1, 1), date_to=dt.date(2024, 12, 31)
    )
    assert shown(app) == len(filter_events(events, expected))


# --- the parser underneath, on arbitrary input ---------------------------------------------------

CHOICES = Choices(actors=frozenset({"A", "B b"}), datasets=frozenset({"curated", "ACLED"}))
NAMES = st.one_of(st.sampled_from(sorted(KNOWN_PARAMS)), st.text(max_size=12))
SAMPLED = [
    "A",
    "B b",
    "curated",
    "military",
    "neutral",
    "ARM",
    "1",
    "0",
    "actor1",
    "2024-02-29",
    "UA-14",
    "GE-AB",
]
VALUES = st.one_of(
    st.sampled_from([*SAMPLED, "AZ-NX"]),  # AZ-NX: a parent of regions, no region itself
    st.text(max_size=30),
    st.text(alphabet=string.digits + "-", min_size=8, max_size=12),
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.dictionaries(NAMES, st.lists(VALUES, max_size=4), max_size=8))
def test_the_parser_keeps_only_valid_values_and_names_every_other(params):
    chosen, dropped = filter_from_params(params, CHOICES)
    allowed = {
        "actor": CHOICES.actors, "dataset": CHOICES.datasets, "country": contract.ISO3_CODES,
        "relation": contract.RELATION_TYPES, "quad": contract.QUAD_CLASSES, "status": contract.STATUSES,
        "region": contract.REGION_CODES, "geoprec": contract.GEO_PRECISIONS,
        "dateprec": contract.DATE_PRECISIONS,
    }  # fmt: skip
    fields = {"actor": "actors", "dataset": "datasets", "country": "countries", "relation": "relations",
              "quad": "quads", "status": "statuses", "region": "regions", "geoprec": "geo_precisions",
              "dateprec": "date_precisions"}  # fmt: skip
    for param, field in fields.items():
        kept = getattr(chosen, field)
        assert set(kept) <= set(allowed[param]) and len(kept) == len(set(kept))
        for value in params.get(param, []):
            assert value in kept or any(d.startswith(f"{param}=") for d in dropped)
    assert chosen.side in contract.ACTOR_SIDES
    assert len(chosen.text) <= MAX_SEARCH_LENGTH
    for unknown in set(params) - KNOWN_PARAMS:
        assert any(d.startswith(f"unknown parameter {unknown[:40]}") for d in dropped)
    for name in ("from", "to"):
        given_values = params.get(name) or []
        if given_values and given_values[-1]:
            day = chosen.date_from if name == "from" else chosen.date_to
            assert (day is not None and day.isoformat() == given_values[-1]) or any(
                d.startswith(f"{name}={given_values[-1][:40]}") for d in dropped
            )
    assert all(len(d) < 200 for d in dropped)


@pytest.mark.parametrize("value", ["x\n\n[link](https://evil.example)", "a\r\rb", "``", "`a` **b**"])
def test_a_notice_quotes_each_value_in_one_code_span(value):
    span = markup.code_span(value)
    fence = span.split(" ", 1)[0]
    assert set(fence) == {"`"} and span.endswith(" " + fence)
    assert "\n" not in span and "\r" not in span  # a blank line would end the span, and Markdown resume
    assert fence not in span[len(fence) : -len(fence)]


def test_a_link_with_many_unknown_values_gets_a_short_notice(monkeypatch, data_dir, events):
    app = open_map(monkeypatch, data_dir, {"actor": [f"Nobody {n}" for n in range(300)] + [GOOD_ACTOR]})
    said = notice(app)
    assert said.count("Nobody") == 10 and said.endswith("; and 290 more")
    assert shown(app) == len(filter_events(events, EventFilter(actors=(GOOD_ACTOR,))))


def test_a_region_link_filters_and_the_sidebar_offers_regions_by_state(monkeypatch, data_dir, events):
    app = open_map(monkeypatch, data_dir, {"region": ["UA-30", "AZ-BA"]})
    assert notice(app) == ""
    assert (
        shown(app) == len(filter_events(events, EventFilter(regions=("UA-30", "AZ-BA")))) == 3
    )  # T-2, U-1, T-3
    chooser = app.multiselect(key="region")
    assert chooser.value == ["UA-30", "AZ-BA"]
    assert chooser.options[:2] == ["UKR · UA-05 Vinnytsia Oblast", "UKR · UA-07 Volyn Oblast"]
    assert "AZE · AZ-BA Baku" in chooser.options and chooser.options[-1] == "RUS · RU-ZAB Zabaykalsky Krai"
    assert app.query_params["region"] == ["UA-30", "AZ-BA"]
