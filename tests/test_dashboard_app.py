"""The dashboard page under streamlit.testing: filters, URL state, notices, the passage, the map's links."""

import datetime as dt
import json
import os
import re

import pytest
from streamlit import config
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

from borderstates.app import timeaxis
from borderstates.app.filterform import filter_from_params
from borderstates.core import contract
from borderstates.core.engine import open_store
from borderstates.core.filters import Choices, EventFilter
from borderstates.core.load import load_dataset
from borderstates.core.paths import DATA_DIR_VARIABLE
from borderstates.render import assets, charts
from tests.conftest import ROOT, write_csv_rows
from tests.oracle import filter_events

DASHBOARD = str(ROOT / "dashboard.py")
TIMEOUT = 300  # s for one run: the first imports geopandas and folium, slow on a busy CI machine


@pytest.fixture
def varied_dir(fixture_rows, make_data_dir):
    """Five events that differ in every filtered field, two datasets, and the shipped geometry."""
    t1, t2, t3 = fixture_rows
    rows = [
        t1,
        t2,
        t3,
        dict(
            t2,
            event_id="V-1",
            date="2023-05-05",
            date_precision="day",
            actor1="Georgian Dream",
            actor1_country="GEO",
            actor2="",
            actor2_country="",
            relation_type="political",
            quad_class="neutral",
            status="alleged",
            country="GEO",
            location="Tbilisi",
            latitude="41.6914",
            longitude="44.8341",
            summary="Rally of the ruling party in Tbilisi.",
            excerpt="",
            dataset="ACLED",
        ),
        dict(
            t3,
            event_id="V-2",
            date="2024-12-27",
            date_end="",
            date_precision="day",
            actor1="Government of the United States",
            actor1_country="USA",
            actor2="Government of Georgia",
            actor2_country="GEO",
            relation_type="sanctions",
            quad_class="material_conflict",
            country="USA",
            location="Washington",
            latitude="38.8951",
            longitude="-77.0364",
            summary="The United States sanctions Georgian officials.",
            excerpt="Washington legt sancties op.",
        ),
    ]
    directory = make_data_dir(rows)
    (directory / "geo").symlink_to(ROOT / "data" / "geo")
    return directory


def run_app(monkeypatch, directory=None, params=None, page=None) -> AppTest:
    if directory is None:
        monkeypatch.delenv(DATA_DIR_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(DATA_DIR_VARIABLE, str(directory))
    app = AppTest.from_file(DASHBOARD, default_timeout=TIMEOUT)
    app.query_params = dict(params or {})
    if page is not None:  # another page of the app (pages/…), opened on the same URL parameters
        app.switch_page(page)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def shown_count(app: AppTest) -> tuple[int, int]:
    shown, total = re.fullmatch(r"\*\*(\d+) of (\d+) events\*\*", app.sidebar.markdown[0].value).groups()
    return int(shown), int(total)


def map_args(app: AppTest) -> dict:
    (component,) = app.get("component_instance")
    return json.loads(component.proto.json_args)


def html_bodies(app: AppTest) -> str:
    return "\n".join(element.proto.body for element in app.get("html"))


def captions(app: AppTest) -> str:
    return "\n".join(c.value for c in app.caption)


def warnings(app: AppTest) -> str:
    return "\n".join(w.value for w in app.warning)


def test_runs_on_the_shipped_data(monkeypatch):
    app = run_app(monkeypatch)
    events = load_dataset(ROOT / "data").events
    assert shown_count(app) == (len(events), len(events))
    assert not app.warning
    outside = int((~events["located_in"].isin(["UKR", "GEO", "ARM", "AZE"])).sum())
    assert 0 < outside < len(events)  # Yekaterinburg, Moscow, Washington
    expected = f"{outside} of the {len(events)} filtered events lie outside the four focus states."
    assert expected in [c.value for c in app.caption]
    newest = events.sort_values("date").iloc[-1]
    assert newest["excerpt"] in html_bodies(app)  # the excerpt list, newest first


def test_the_map_gets_only_local_links_and_reruns_only_on_clicks_and_drawings(monkeypatch):
    args = map_args(run_app(monkeypatch))
    links = args["js_links"] + args["css_links"]
    assert links == [url for _, url in assets.map_js() + assets.MAP_CSS], links
    assert all(assets.is_served_here(link) for link in links)
    assert "<link" not in args["header"] and "<script src" not in args["header"]
    assert args["returned_objects"] == [
        "last_object_clicked_tooltip",
        "last_object_clicked_count",
        "all_drawings",
    ]
    assert "leaflet.draw" in args["css_links"][-1] and "cdnjs" not in args["script"]
    assert args["height"] == 620


def test_a_filter_change_sends_new_layers_but_the_same_map(monkeypatch, varied_dir):
    app = run_app(monkeypatch, varied_dir)
    before = map_args(app)
    assert "Washington legt sancties op." in before["feature_group"]
    assert "Washington legt sancties op." not in before["script"]  # events are layers, not the map
    app.multiselect(key="relation").select("military").run()
    after = map_args(app)
    assert after["script"] == before["script"]  # same map: the frontend keeps the view
    assert after["feature_group"] != before["feature_group"]
    assert "Washington legt sancties op." not in after["feature_group"]


GEORGIA_GOV = "Government of Georgia"
# name: (widget actions as (widget, key, method, value), the EventFilter they should amount to)
FILTER_CASES = {
    "actor": ([("multiselect", "actor", "select", GEORGIA_GOV)], {"actors": (GEORGIA_GOV,)}),
    "actor as actor1 only": (
        [("multiselect", "actor", "select", GEORGIA_GOV), ("radio", "side", "set_value", "actor1")],
        {"actors": (GEORGIA_GOV,), "side": "actor1"},
    ),
    "from": ([("date_input", "from", "set_value", dt.date(2024, 6, 1))], {"date_from": dt.date(2024, 6, 1)}),
    "to": ([("date_input", "to", "set_value", dt.date(2022, 12, 1))], {"date_to": dt.date(2022, 12, 1)}),
    "relation": ([("multiselect", "relation", "select", "security")], {"relations": ("security",)}),
    "quad": ([("multiselect", "quad", "select", "neutral")], {"quads": ("neutral",)}),
    "status": ([("multiselect", "status", "select", "alleged")], {"statuses": ("alleged",)}),
    "country": ([("multiselect", "country", "select", "GEO")], {"countries": ("GEO",)}),
    "country involving": (
        [("multiselect", "country", "select", "GEO"), ("toggle", "involving", "set_value", True)],
        {"countries": ("GEO",), "involving": True},
    ),
    "dataset": ([("multiselect", "dataset", "select", "ACLED")], {"datasets": ("ACLED",)}),
    "text": ([("text_input", "q", "input", "tbilisi")], {"text": "tbilisi"}),
}


@pytest.mark.parametrize("name", FILTER_CASES)
def test_each_filter_changes_the_count_as_the_filter_function_says(monkeypatch, varied_dir, name):
    actions, fields = FILTER_CASES[name]
    app = run_app(monkeypatch, varied_dir)
    events = load_dataset(varied_dir).events
    assert shown_count(app) == (5, 5)
    for widget, key, method, value in actions:
        getattr(getattr(app, widget)(key=key), method)(value)
    app.run()
    expected = len(filter_events(events, EventFilter(**fields)))
    assert shown_count(app) == (expected, 5)
    if name == "actor as actor1 only":
        assert expected == 0  # the Georgian government is only ever acted upon
        assert any("No event matches the filter." in i.value for i in app.info)
    else:
        assert 0 < expected < 5  # the filter narrows, but not to nothing
        assert f"All {expected} events, newest first" in " ".join(c.value for c in app.caption)


def test_url_parameters_restore_a_view(monkeypatch, varied_dir):
    params = {
        "country": ["GEO"],
        "involving": "1",
        "from": "2023-01-01",
        "relation": ["political", "sanctions"],
    }
    app = run_app(monkeypatch, varied_dir, params)
    assert app.multiselect(key="country").value == ["GEO"]
    assert app.toggle(key="involving").value is True
    assert app.date_input(key="from").value == dt.date(2023, 1, 1)
    assert app.multiselect(key="relation").value == ["political", "sanctions"]
    events = load_dataset(varied_dir).events
    expected, _ = filter_from_params(
        {k: v if isinstance(v, list) else [v] for k, v in params.items()}, Choices.of(events)
    )
    assert shown_count(app) == (len(filter_events(events, expected)), 5) == (2, 5)
    assert not app.warning
    assert app.query_params["involving"] == "1"


def test_bad_url_values_are_dropped_with_a_notice(monkeypatch, varied_dir):
    params = {
        "actor": ["Nobody", "Georgian Dream"],
        "from": "2024-02-30",
        "side": "sideways",
        "quad": ["warm"],
        "country": ["FRA"],
        "colour": "red",
        "event": "NO-SUCH-EVENT",
    }
    app = run_app(monkeypatch, varied_dir, params)
    notice = warnings(app)
    for dropped in (
        "actor=Nobody",
        "from=2024-02-30",
        "side=sideways",
        "quad=warm",
        "country=FRA",
        "colour",
        "event=NO-SUCH-EVENT",
    ):
        assert dropped in notice
    assert "Georgian Dream" not in notice
    assert app.multiselect(key="actor").value == ["Georgian Dream"]
    assert shown_count(app) == (1, 5)
    assert set(app.query_params) == {"actor"}  # the link left in the address bar is clean
    app.multiselect(key="actor").unselect("Georgian Dream").run()
    assert not app.warning  # the notice goes once the reader changes the filter


def test_event_link_opens_its_passage_on_the_map(monkeypatch, varied_dir):
    app = run_app(monkeypatch, varied_dir, {"event": "T-2"})
    passage = html_bodies(app)
    assert "Twee werknemers werden gearresteerd." in passage and "Two employees were arrested." in passage
    assert "[Test article one]" in passage and 'href="https://example.org/two"' in passage
    args = map_args(app)
    assert args["center"] == [40.3777, 49.892] and args["zoom"] == 7
    app.button(key="back").click().run()
    assert "event" not in app.query_params
    assert "Two employees were arrested." not in html_bodies(app)


def test_reset_clears_every_filter(monkeypatch, varied_dir):
    app = run_app(
        monkeypatch,
        varied_dir,
        {"actor": ["Georgian Dream"], "q": "rally", "involving": "1", "country": ["GEO"]},
    )
    assert shown_count(app) == (1, 5)
    app.button(key="reset").click().run()
    assert shown_count(app) == (5, 5)
    assert app.multiselect(key="actor").value == [] and app.text_input(key="q").value == ""
    assert app.toggle(key="involving").value is False


@pytest.mark.parametrize("page", ["dashboard.py", "pages/1_Events.py"])
def test_a_download_holds_at_most_its_rows_and_the_page_says_so(monkeypatch, varied_dir, page):
    from borderstates.app import mapui

    app = run_app(monkeypatch, varied_dir, page=page)
    assert not [c for c in app.caption if "downloads hold" in c.value]  # five events: all of them
    monkeypatch.setattr(mapui, "DOWNLOAD_ROWS", 4)
    app.run()
    (said,) = [c.value for c in app.caption if "downloads hold" in c.value]
    assert said == (
        "The downloads hold the first 4 of the 5 filtered events, in the files' order: "
        "`borderstates export` writes them all."
    )


def test_an_uncaught_error_shows_one_line_and_leaves_the_details_to_the_log(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)  # the project's .streamlit/config.toml, as `streamlit run` reads it
    with capsys.disabled():  # Streamlit's log handlers, set up again, must not write to this test's capture
        config.get_config_options(force_reparse=True)
    app = AppTest.from_string("raise RuntimeError('at /srv/borderstates/secret.py')").run(timeout=TIMEOUT)
    (shown,) = app.exception
    assert shown.stack_trace == [] and shown.proto.type == ""
    assert "secret" not in shown.message and "\n" not in shown.message
    assert "/srv/borderstates/secret.py" in capsys.readouterr().out  # the server's log has it


def test_invalid_rows_are_left_out_and_counted(monkeypatch, fixture_rows, make_data_dir):
    rows = [*fixture_rows, dict(fixture_rows[0], event_id="BAD-1", date="2024-02-31")]
    app = run_app(monkeypatch, make_data_dir(rows))
    assert shown_count(app) == (3, 3)
    assert "1 of 4 event rows were left out" in warnings(app)


def test_hostile_text_reaches_the_panel_escaped(monkeypatch, fixture_rows, make_data_dir):
    rows = [dict(row, summary="<script>alert(1)</script>", location="<b>Baku</b>") for row in fixture_rows]
    app = run_app(monkeypatch, make_data_dir(rows), {"event": "T-1"})
    passage = html_bodies(app)
    assert "<script>alert" not in passage and "<b>Baku</b>" not in passage
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in passage


def test_an_edited_events_file_is_read_again(monkeypatch, fixture_rows, make_data_dir):
    directory = make_data_dir(fixture_rows)
    assert shown_count(run_app(monkeypatch, directory)) == (3, 3)
    write_csv_rows(directory / "events.csv", contract.EVENT_COLUMNS, fixture_rows[:2])
    later = (directory / "events.csv").stat().st_mtime + 10
    os.utime(directory / "events.csv", (later, later))  # a new mtime even on coarse clocks
    assert shown_count(run_app(monkeypatch, directory)) == (2, 2)


def test_a_load_that_fails_is_tried_again_on_the_next_run(monkeypatch, varied_dir, capsys):
    from borderstates.app import data as appdata

    calls = []

    def fail_once(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise OSError("the disk went away")
        return open_store(*args, **kwargs)

    monkeypatch.setattr(appdata, "open_store", fail_once)
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(varied_dir))
    app = AppTest.from_file(DASHBOARD, default_timeout=TIMEOUT)
    app.run()
    assert app.exception and "the disk went away" in capsys.readouterr().out  # the server's log has it
    app.run()
    assert not app.exception and len(calls) == 2
    assert shown_count(app) == (5, 5)


def test_a_data_directory_without_geometry_is_placed_in_the_shipped_one(
    monkeypatch, fixture_rows, make_data_dir
):
    directory = make_data_dir(fixture_rows)  # events.csv and articles.csv only
    assert not (directory / "geo").exists()
    data = load_dataset(directory)
    assert data.problems == []  # no "no geography check"
    assert data.events["located_in"].astype(str).tolist() == data.events["country"].astype(str).tolist()
    app = run_app(monkeypatch, directory)
    assert not app.warning
    layers = map_args(app)["feature_group"]
    for code in data.events["country"].astype(str):  # ARM, AZE, UKR: one event each on the map
        assert re.search(rf"{code}\\u003c/b\\u003e.{{0,200}}\\u003e1 filtered event ", layers), code


def brush(app: AppTest, key: str, ends: list | None) -> AppTest:
    """Brush a chart's time axis (`ends` in ms, None to clear) and run, as the browser reports it.

    AppTest has no handle on a chart's selection: the run gets the widget states the frontend
    would send, with the chart's selection added under its element id.
    """
    (chart,) = [c for c in app.get("vega_lite_chart") if c.proto.id.endswith(key)]
    states = app._tree.get_widget_states()
    selection = {"selection": {charts.BRUSH: {"bin": ends} if ends else {}}}
    states.widgets.append(WidgetState(id=chart.proto.id, string_value=json.dumps(selection)))
    app._run(states)
    assert not app.exception, [e.value for e in app.exception]
    return app


def midnight_ms(day: str) -> int:
    return int(dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp() * 1000)


@pytest.mark.parametrize("page", [None, "pages/2_Timeline.py"])
def test_a_brush_on_the_time_axis_sets_and_clears_the_dates(monkeypatch, varied_dir, page):
    app = run_app(monkeypatch, varied_dir, {"relation": ["political", "sanctions"]}, page=page)
    events = load_dataset(varied_dir).events
    key = "timeline_bars" if page else timeaxis.HISTOGRAM
    # Half a day either side of midnight: the ends go to the nearest one, whatever the time zone.
    brush(app, key, [midnight_ms("2023-01-01") - 3_600_000, midnight_ms("2024-01-01") + 3_600_000])
    assert app.query_params["from"] == "2023-01-01" and app.query_params["to"] == "2023-12-31"
    assert app.date_input(key="from").value == dt.date(2023, 1, 1)
    assert app.date_input(key="to").value == dt.date(2023, 12, 31)
    chosen = EventFilter(
        relations=("political", "sanctions"), date_from=dt.date(2023, 1, 1), date_to=dt.date(2023, 12, 31)
    )
    assert shown_count(app) == (len(filter_events(events, chosen)), 5) == (1, 5)
    if page is None:  # the map's histogram keeps every date of the other filters: the brush shows the range
        assert re.search(
            r"The 2 events of the other filters \(all dates: the brush shows From and To\)", captions(app)
        )
    brush(app, key, None)  # a double click clears the brush
    assert "from" not in app.query_params and "to" not in app.query_params
    assert app.date_input(key="from").value is None
    assert shown_count(app) == (
        len(filter_events(events, EventFilter(relations=("political", "sanctions")))),
        5,
    )


def test_the_histogram_adds_up_to_the_count_in_the_unit_of_the_link(monkeypatch, varied_dir):
    app = run_app(monkeypatch, varied_dir, {"unit": "day", "country": ["GEO"]})
    assert app.segmented_control(key=timeaxis.UNIT_CHOICE).value == "day"
    said = re.search(
        r"The (\d+) events of the other filters per day[^:]*: (\d+) dated within one day, (\d+) dated",
        captions(app),
    )
    total, dated, spread = map(int, said.groups())
    in_georgia = filter_events(load_dataset(varied_dir).events, EventFilter(countries=("GEO",)))
    assert total == dated + spread == shown_count(app)[0] == len(in_georgia) > 0
    app.segmented_control(key=timeaxis.UNIT_CHOICE).set_value("month").run()
    assert app.query_params["unit"] == "month"
    assert "events of the other filters per month" in captions(app)
    app = run_app(monkeypatch, varied_dir, {"unit": "decade"})
    assert "unit=decade" in warnings(app)
    assert "unit" not in app.query_params
    assert app.segmented_control(key=timeaxis.UNIT_CHOICE).value is None  # the span decides


def test_playback_counts_travel_only_while_playback_is_on(monkeypatch):
    app = run_app(monkeypatch)
    assert '._bsWindows = {"days": null, "unit": "month"}' in map_args(app)["feature_group"]
    app.session_state["_bs_playing"] = True  # as the map's first ▶ reports it (mapui.playing)
    app.run()
    layers = map_args(app)["feature_group"]
    counts = json.loads(re.search(r"\._bsWindows = (\{.*?\});\n", layers).group(1))
    assert counts["unit"] == "month" and counts["days"] and counts["states"]["codes"]
    begun = sum(sum(row) for row in counts["states"]["starts"])
    assert begun == shown_count(app)[0]  # every filtered event begins in one window
    app.session_state["_bs_playing"] = False  # as ■ reports it
    app.run()
    assert '._bsWindows = {"days": null, "unit": "month"}' in map_args(app)["feature_group"]
