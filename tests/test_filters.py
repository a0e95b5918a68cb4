import datetime as dt

import pytest

from borderstates.app.filterform import filter_from_params, params_from_filter
from borderstates.core.filters import Choices, EventFilter, describe_filter
from borderstates.core.load import load_files
from tests.oracle import filter_events

from .conftest import FIXTURES


@pytest.fixture(scope="module")
def events():
    return load_files(FIXTURES / "events.csv", FIXTURES / "articles.csv").events


def ids(events, **fields):
    return filter_events(events, EventFilter(**fields))["event_id"].tolist()


def test_empty_filter_keeps_all(events):
    assert ids(events) == ["T-1", "T-2", "T-3"]
    assert EventFilter().is_empty()


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"actors": ("Ukraine",)}, ["T-3"]),
        ({"actors": ("Ukraine",), "side": "actor1"}, []),
        ({"actors": ("Ukraine",), "side": "actor2"}, ["T-3"]),
        ({"actors": ("Government of Armenia", "Ukraine")}, ["T-1", "T-3"]),
        ({"relations": ("security",)}, ["T-2"]),
        ({"quads": ("material_conflict",)}, ["T-1", "T-2", "T-3"]),
        ({"quads": ("verbal_cooperation",)}, []),
        ({"statuses": ("reported",)}, ["T-1", "T-2", "T-3"]),
        ({"statuses": ("alleged",)}, []),
        ({"datasets": ("curated",)}, ["T-1", "T-2", "T-3"]),
        ({"datasets": ("ACLED",)}, []),
        ({"countries": ("AZE",)}, ["T-2"]),
        ({"countries": ("RUS",)}, []),
        ({"countries": ("RUS",), "involving": True}, ["T-2", "T-3"]),
        ({"text": "SPUTNIK"}, ["T-2"]),
        ({"text": "oekraïne"}, ["T-3"]),  # the Dutch excerpt
        ({"text": "alliances"}, ["T-1"]),  # tags
        ({"text": "no such words"}, []),
        ({"bounds": (40.0, 44.0, 41.0, 45.0)}, ["T-1"]),
    ],
)
def test_each_filter_alone(events, fields, expected):
    assert ids(events, **fields) == expected


@pytest.mark.parametrize(
    ("date_from", "date_to", "expected"),
    [
        # T-1: Feb 2024 (month); T-2: 2025-06-30 (day); T-3: 2022-02-24 … 2022-12-31.
        ("2025-06-30", "2025-06-30", ["T-2"]),  # both ends inclusive
        ("2025-07-01", None, []),
        ("2024-02-29", "2024-02-29", ["T-1"]),  # the last day of a month-precise event
        ("2024-03-01", "2025-06-29", []),
        ("2022-12-31", "2024-02-01", ["T-1", "T-3"]),  # overlaps at both ends
        (None, "2022-02-24", ["T-3"]),
    ],
)
def test_date_range_keeps_overlapping_spans(events, date_from, date_to, expected):
    as_date = lambda s: dt.date.fromisoformat(s) if s else None  # noqa: E731
    assert ids(events, date_from=as_date(date_from), date_to=as_date(date_to)) == expected


def test_filters_combine(events):
    assert ids(events, quads=("material_conflict",), countries=("UKR", "AZE"), text="police") == ["T-2"]
    assert ids(events, relations=("military",), actors=("Azerbaijani police",)) == []


def test_params_round_trip(events):
    f = EventFilter(
        actors=("Ukraine",),
        side="actor2",
        date_from=dt.date(2022, 1, 1),
        date_to=dt.date(2022, 12, 31),
        relations=("military",),
        quads=("material_conflict",),
        statuses=("reported",),
        datasets=("curated",),
        countries=("UKR",),
        involving=True,
        text="inval",
    )
    params = params_from_filter(f)
    assert (
        params["from"] == ["2022-01-01"] and params["actor"] == ["Ukraine"] and params["involving"] == ["1"]
    )
    again, dropped = filter_from_params(params, Choices.of(events))
    assert (again, dropped) == (f, [])


def test_bad_params_are_dropped_with_notices(events):
    params = {
        "actor": ["Ukraine", "Nobody"],
        "relation": ["warfare", "military"],
        "from": ["2025-13-01"],
        "to": ["yesterday"],
        "side": ["left"],
        "quad": ["x" * 500],
        "country": ["ZZZ"],
        "utm_source": ["mail"],
    }
    f, dropped = filter_from_params(params, Choices.of(events))
    assert f == EventFilter(actors=("Ukraine",), relations=("military",))
    text = " | ".join(dropped)
    for fragment in (
        "actor=Nobody",
        "relation=warfare",
        "from=2025-13-01",
        "to=yesterday",
        "side=left",
        "country=ZZZ",
        "unknown parameter utm_source",
    ):
        assert fragment in text
    assert all(len(notice) < 120 for notice in dropped)  # a huge value is shortened


def test_describe_filter_is_file_name_safe():
    assert describe_filter(EventFilter()) == "all"
    name = describe_filter(EventFilter(actors=("Russian police",), countries=("RUS",), text="../x"))
    assert name.startswith("Russian-police_RUS")
    assert "/" not in name and "." not in name
