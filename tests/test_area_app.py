"""Areas in the app: drawings become the filter, links carry it, saved areas, the export, the notices."""

from __future__ import annotations

import json
import math
import re

import pytest

from borderstates.app import areaform, filterform
from borderstates.app.filterform import filter_from_params, params_from_filter
from borderstates.core import area as areas
from borderstates.core import arealink, savedareas
from borderstates.core.area import FILTER_AREA_ROLE, Area, AreaError, Circle
from borderstates.core.engine import open_store
from borderstates.core.export import export_bytes
from borderstates.core.filters import Choices, EventFilter, describe_filter
from borderstates.core.load import load_dataset
from borderstates.render import areadraw
from tests.conftest import ROOT
from tests.oracle import filter_events
from tests.test_dashboard_app import map_args, run_app, shown_count

# What streamlit-folium reports after a rectangle round Tbilisi and Yerevan and a 100 km circle
# round Baku are drawn (Leaflet.draw: a circle is a Point with its radius in metres).
RECTANGLE = {
    "type": "Feature",
    "properties": {},
    "geometry": {
        "type": "Polygon",
        "coordinates": [[[43.8, 39.5], [43.8, 42.2], [45.5, 42.2], [45.5, 39.5], [43.8, 39.5]]],
    },
}
CIRCLE = {
    "type": "Feature",
    "properties": {"radius": 100_000.0},
    "geometry": {"type": "Point", "coordinates": [49.892, 40.3777]},
}
CIRCLE_KM = Circle(40.3777, 49.892, 100.0)
# A 300-vertex star round the Caspian, whose link is longer than a link may be.
STAR = tuple(
    (
        50.0 + (4.0 + 3.0 * (i % 2) + (i * 7919 % 97) / 100) * math.cos(math.radians(i * 1.2)),
        42.0 + (4.0 + 3.0 * (i % 2) + (i * 7919 % 97) / 100) * math.sin(math.radians(i * 1.2)),
    )
    for i in range(300)
)
TOO_LONG = Area(polygons=((STAR + STAR[:1],),))


def test_drawings_become_an_area_with_circles_in_km():
    area = areaform.drawings_area([RECTANGLE, CIRCLE])
    assert area.circles == (CIRCLE_KM,)
    assert len(area.polygons) == 1 and (43.8, 39.5) in area.polygons[0][0]
    assert areaform.drawings_area([]) is None  # everything deleted: no area
    assert areaform.drawings_area(None) is None
    with pytest.raises(AreaError, match="LineString"):
        areaform.drawings_area([{"type": "Feature", "properties": {}, "geometry": {"type": "LineString"}}])


def test_the_map_is_given_back_the_drawings_as_leaflet_draw_reports_them():
    area = areaform.drawings_area([RECTANGLE, CIRCLE])
    shapes = areadraw.area_shapes(area)
    assert areaform.shapes_text(areaform.drawings_area(shapes["features"])) == areaform.shapes_text(area)
    assert shapes["features"][1]["properties"] == {"radius": 100_000.0}
    countries_only = Area(countries=("GEO",), name="country:GEO")
    assert areadraw.area_shapes(countries_only)["features"] == []


def test_a_link_round_trips_the_area_and_refuses_one_too_long():
    choices = Choices(actors=frozenset(), datasets=frozenset({"curated"}))
    text = areaform.link_text(areaform.drawings_area([RECTANGLE, CIRCLE]))
    assert "~" in text  # a polyline's character: it must not split the shapes
    drawn = arealink.decode(text)
    assert len(drawn.polygons) == 1 and len(drawn.circles) == 1
    params = params_from_filter(EventFilter(area=drawn))
    assert set(params) == {"area"}
    again, dropped = filter_from_params(params, choices)
    assert again.area == drawn and dropped == []
    with pytest.raises(AreaError, match="at most 2,000"):
        areaform.link_text(TOO_LONG)
    refused, dropped = filter_from_params({"area": [arealink.encode(TOO_LONG)]}, choices)
    assert refused.area is None
    assert len(dropped) == 1 and "at most 2,000" in dropped[0]


def test_a_link_names_a_saved_area_or_a_country():
    saved = Area(polygons=drawn_polygons(), name="Caucasus")
    georgia = Area(countries=("GEO",), name="country:GEO")
    choices = Choices(
        actors=frozenset(), datasets=frozenset(), areas=(("Caucasus", saved), ("country:GEO", georgia))
    )
    for area in (saved, georgia):
        params = params_from_filter(EventFilter(area=area))
        assert params == {"areaname": [area.name]}
        assert filter_from_params(params, choices) == (EventFilter(area=area), [])
    gone, dropped = filter_from_params({"areaname": ["Elsewhere"]}, choices)
    assert gone.area is None and dropped == ["areaname=Elsewhere (no such area)"]


def drawn_polygons():
    area = areaform.drawings_area([RECTANGLE])
    assert area is not None
    return area.polygons


def test_saved_areas_are_written_aside_listed_and_deleted(tmp_path):
    area = areaform.drawings_area([RECTANGLE, CIRCLE])
    path = savedareas.save_area(tmp_path, "Caucasus (south)", area)
    assert path == tmp_path / "areas" / "Caucasus (south).geojson"
    assert list(savedareas.saved_areas(tmp_path)[0]) == ["Caucasus (south)"]
    assert [p.name for p in (tmp_path / "areas").iterdir()] == [path.name]  # nothing left aside
    back = areas.read_area(path)
    assert (back.polygons, back.circles, back.name) == (area.polygons, area.circles, "Caucasus (south)")
    for name in ("../escape", "a/b", ".hidden", ""):
        with pytest.raises(AreaError, match="cannot name an area"):
            savedareas.save_area(tmp_path, name, area)
    with pytest.raises(AreaError, match="only drawn shapes"):
        savedareas.save_area(tmp_path, "Georgia", Area(countries=("GEO",)))
    assert savedareas.delete_area(tmp_path, "Caucasus (south)") is True
    assert savedareas.saved_areas(tmp_path) == ({}, [])
    assert savedareas.delete_area(tmp_path, "Caucasus (south)") is False


NAMES = {  # a name: what the rule says of it ("" for a name that keeps it)
    "Caucasus (south)": "",
    "O'Brien's line - 2024.1, east": "",
    "Київ (центр)": "",  # one script
    "東京タワー": "",  # Han and Katakana: Japanese writes with both
    "a" * 80: "",
    "中" * 66: "",  # 198 bytes in UTF-8
    "x_y": "letters, digits, spaces and . , ( ) ' -",  # `_` is none of them
    "-front": "beginning with a letter or a digit",
    "a" * 81: "at most 80 characters, not 81",
    "中" * 80: "at most 200 bytes of it in UTF-8, and this one takes 240",
    "Ukr\u0430ine": "it mixes letters of Cyrillic and Latin",  # a Cyrillic а
}


@pytest.mark.parametrize("name", NAMES)
def test_a_name_keeps_the_rule_or_is_told_which_part_it_breaks(tmp_path, name):
    broken = NAMES[name]
    if not broken:
        path = savedareas.save_area(tmp_path, name, areaform.drawings_area([RECTANGLE]))
        assert savedareas.saved_areas(tmp_path) == ({name: path}, [])
        assert savedareas.delete_area(tmp_path, name)
        return
    with pytest.raises(AreaError, match=re.escape(broken)):
        savedareas.save_area(tmp_path, name, areaform.drawings_area([RECTANGLE]))
    assert not (tmp_path / "areas").exists()


def test_a_name_is_kept_composed():
    decomposed = "Ode\u0301sa"  # é as e and a combining accent, as some keyboards type it
    assert savedareas.check_name(f" {decomposed} ") == "Odésa"


def test_an_area_is_never_saved_over_another(tmp_path):
    first = savedareas.save_area(tmp_path, "Caucasus", areaform.drawings_area([RECTANGLE]))
    before = first.read_bytes()
    for name in ("Caucasus", "caucasus", " CAUCASUS "):
        with pytest.raises(AreaError, match="an area named 'Caucasus' exists"):
            savedareas.save_area(tmp_path, name, areaform.drawings_area([CIRCLE]))
    assert first.read_bytes() == before
    assert [p.name for p in (tmp_path / "areas").iterdir()] == ["Caucasus.geojson"]  # nothing left aside


def test_a_file_whose_name_breaks_the_rule_is_named_and_not_offered(tmp_path):
    folder = tmp_path / "areas"
    folder.mkdir()
    shapes = json.dumps(areaform.drawings_area([RECTANGLE]).to_geojson())
    for name in ("Donbas_front", "Ukr\u0430ine", "Odesa coast"):
        (folder / f"{name}.geojson").write_text(shapes, encoding="utf-8")
    found, problems = savedareas.saved_areas(tmp_path)
    assert list(found) == ["Odesa coast"]
    assert problems == [
        "areas/Donbas_front.geojson: 'Donbas_front' cannot name an area: letters, digits, spaces and "
        ". , ( ) ' -, beginning with a letter or a digit only (rename the file)",
        "areas/Ukr\u0430ine.geojson: 'Ukr\u0430ine' cannot name an area: it mixes letters of Cyrillic "
        "and Latin (rename the file)",
    ]


def test_the_geojson_export_carries_the_area_and_the_csv_does_not(fixture_rows, make_data_dir):
    store = open_store(make_data_dir(fixture_rows))
    area = Area(circles=(Circle(50.45, 30.52, 2_000.0),), name="Wide")
    collection = json.loads(export_bytes(store, EventFilter(area=area), "geojson"))
    roles = [f["properties"].get("role") for f in collection["features"]]
    assert roles[0] == FILTER_AREA_ROLE and roles.count(FILTER_AREA_ROLE) == 1
    assert collection["features"][0]["properties"] == {
        "role": FILTER_AREA_ROLE,
        "radius_km": 2000.0,
        "area": "Wide",
    }
    events = [f for f in collection["features"] if f["properties"].get("role") != FILTER_AREA_ROLE]
    assert len(events) == len(fixture_rows)
    plain = json.loads(export_bytes(store, EventFilter(), "geojson"))
    assert all("role" not in f["properties"] for f in plain["features"])
    assert export_bytes(store, EventFilter(area=area), "csv") == export_bytes(store, EventFilter(), "csv")


# --- the dashboard ---------------------------------------------------------------------------------


@pytest.fixture
def shipped_copy(tmp_path):
    """The shipped data in a folder of its own, where areas can be saved."""
    directory = tmp_path / "data"
    directory.mkdir()
    for name in ("events.csv", "articles.csv", "actors.csv"):
        (directory / name).write_bytes((ROOT / "data" / name).read_bytes())
    (directory / "geo").symlink_to(ROOT / "data" / "geo")
    return directory


def test_a_link_with_an_area_filters_every_part_of_the_map_page(monkeypatch, shipped_copy):
    drawn = areaform.drawings_area([RECTANGLE, CIRCLE])
    app = run_app(monkeypatch, shipped_copy, {"area": areaform.link_text(drawn)})
    events = load_dataset(shipped_copy).events
    expected = filter_events(events, EventFilter(area=arealink.decode(areaform.link_text(drawn))))
    assert 0 < len(expected) < len(events)
    assert shown_count(app) == (len(expected), len(events))
    layers = map_args(app)["feature_group"]
    assert sum(f"{i}" in layers for i in expected["event_id"]) == len(expected)
    assert not any(i in layers for i in set(events["event_id"]) - set(expected["event_id"]))
    assert "100000" in layers  # the circle is handed back to the map's drawing, in metres
    assert app.session_state[filterform.AREA] == areaform.link_text(drawn)
    assert [b.label for b in app.sidebar.button if b.key == "area_save"] == ["Save this area"]


def test_saving_a_drawn_area_lists_it_and_deleting_it_removes_the_filter(monkeypatch, shipped_copy):
    drawn = areaform.link_text(areaform.drawings_area([RECTANGLE]))
    app = run_app(monkeypatch, shipped_copy, {"area": drawn})
    filtered = shown_count(app)
    app.text_input(key=areaform.SAVE_NAME).input("<b>Caucasus</b>").run()
    app.button(key="area_save").click().run()
    assert "cannot name an area" in app.sidebar.warning[0].value  # `<` and `>` are no name's
    assert app.sidebar.warning[0].value.startswith("Not saved: `")  # the name quoted as code, not markup
    assert not (shipped_copy / "areas").exists()
    app.text_input(key=areaform.SAVE_NAME).input("Caucasus").run()
    app.button(key="area_save").click().run()
    assert not app.exception
    assert (shipped_copy / "areas" / "Caucasus.geojson").exists()
    assert app.selectbox(key=filterform.AREA_NAME).value == "Caucasus"
    assert "Caucasus" in app.selectbox(key=filterform.AREA_NAME).options
    assert app.query_params.get("areaname") == "Caucasus" and "area" not in app.query_params
    assert shown_count(app) == filtered
    app.button(key="area_delete").click().run()
    assert not (shipped_copy / "areas" / "Caucasus.geojson").exists()
    assert "Caucasus" not in app.selectbox(key=filterform.AREA_NAME).options
    shown, total = shown_count(app)
    assert shown == total
    assert "areaname" not in app.query_params


def _save(app, name: str) -> str:
    """Type a name into the box, press "Save this area"; return what the sidebar then says."""
    app.text_input(key=areaform.SAVE_NAME).input(name).run()
    app.button(key="area_save").click().run()
    assert not app.exception
    return " ".join(m.value for m in (*app.sidebar.warning, *app.sidebar.success))


def test_the_sidebar_says_why_a_name_cannot_be_saved_and_never_where_the_server_keeps_it(
    monkeypatch, shipped_copy
):
    drawn = arealink.encode(areaform.drawings_area([RECTANGLE]))
    app = run_app(monkeypatch, shipped_copy, {"area": drawn})
    assert "at most 80 characters, not 81" in _save(app, "a" * 81)  # not emptied by the box
    assert "at most 200 bytes" in _save(app, "中" * 80)  # not the file system's "name too long"
    assert "it mixes letters of Cyrillic and Latin" in _save(app, "Ukr\u0430ine")
    (shipped_copy / "areas").write_text("not a folder", encoding="utf-8")
    said = _save(app, "Caucasus")
    assert said.startswith("Not saved:") and "the data directory's areas/ cannot be written" in said
    assert str(shipped_copy) not in said
    (shipped_copy / "areas").unlink()
    assert _save(app, "Caucasus") == "Saved as ` Caucasus `."
    app.button(key="area_clear").click().run()
    app.query_params["area"] = drawn
    app.run()
    assert "an area named 'Caucasus' exists" in _save(app, "caucasus")


def test_a_hand_placed_file_whose_name_breaks_the_rule_is_named_not_offered(monkeypatch, shipped_copy):
    (shipped_copy / "areas").mkdir()
    shapes = json.dumps(areaform.drawings_area([RECTANGLE]).to_geojson())
    for name in ("Donbas_front", "Ukr\u0430ine", "Caucasus"):
        (shipped_copy / "areas" / f"{name}.geojson").write_text(shapes, encoding="utf-8")
    app = run_app(monkeypatch, shipped_copy)
    options = app.selectbox(key=filterform.AREA_NAME).options
    assert "Caucasus" in options and not {"Donbas_front", "Ukr\u0430ine"} & set(options)
    left_out = " ".join(c.value for c in app.sidebar.caption)
    assert "areas/Donbas_front.geojson" in left_out and "areas/Ukr\u0430ine.geojson" in left_out
    assert str(shipped_copy) not in left_out


def test_a_country_is_an_area_too(monkeypatch, shipped_copy):
    app = run_app(monkeypatch, shipped_copy, {"areaname": "country:ARM"})
    events = load_dataset(shipped_copy).events
    assert shown_count(app)[0] == int((events["located_in"] == "ARM").sum()) > 0
    assert app.selectbox(key=filterform.AREA_NAME).value == "country:ARM"


def test_an_empty_area_and_a_repaired_one_say_so(monkeypatch, shipped_copy):
    # A bow tie in the Black Sea: it crosses itself, and no event lies in it.
    bow_tie = Area(polygons=((((33.0, 43.0), (35.0, 44.0), (35.0, 43.0), (33.0, 44.0), (33.0, 43.0)),),))
    app = run_app(monkeypatch, shipped_copy, {"area": arealink.encode(bow_tie)})
    assert shown_count(app)[0] == 0
    infos = " ".join(i.value for i in app.sidebar.info)
    assert "No event matches the filter in this area." in infos
    assert "crossed itself" in " ".join(w.value for w in app.warning)


def test_a_link_too_long_is_refused_with_a_notice(monkeypatch, shipped_copy):
    app = run_app(monkeypatch, shipped_copy, {"area": arealink.encode(TOO_LONG)})
    shown, total = shown_count(app)
    assert shown == total
    assert "at most 2,000" in " ".join(w.value for w in app.warning)


def _star(corners: int, step: int) -> tuple[tuple[float, float], ...]:
    """A star {corners/step} over the Caucasus, each corner joined to the step-th next: it crosses itself."""
    ring = tuple(
        (45.0 + 4 * math.cos(2 * math.pi * (k * step % corners) / corners),
         41.0 + 3 * math.sin(2 * math.pi * (k * step % corners) / corners))
        for k in range(corners)
    )  # fmt: skip
    return (*ring, ring[0])


def test_a_link_whose_repair_is_more_than_an_area_holds_is_refused_and_says_so(monkeypatch, shipped_copy):
    # 99 corners joined to the second next cross 99 times: repaired, 99 triangles, whose link
    # (3,016 characters) no page could keep, and which the page once said it applied.
    text = arealink.encode(Area(polygons=((_star(99, 2),),)))
    assert len(text) < arealink.MAX_URL_LENGTH
    app = run_app(monkeypatch, shipped_copy, {"area": text})
    shown, total = shown_count(app)
    assert shown == total
    said = " ".join(w.value for w in app.warning)
    assert "repaired, the area has 99 shapes" in said
    assert "now holds it so" not in said
    assert not app.query_params.get("area")  # the address bar holds no area the page does not apply
    assert [b.key for b in app.sidebar.button if b.key == "area_save"] == []


def test_a_link_whose_polygon_is_repaired_applies_the_repaired_area(monkeypatch, shipped_copy):
    bow_tie = ((40.0, 38.0), (50.0, 44.0), (50.0, 38.0), (40.0, 44.0), (40.0, 38.0))  # two triangles
    repaired = arealink.decode(arealink.encode(Area(polygons=((bow_tie,),))))
    assert repaired.repaired and len(repaired.polygons) == 2
    app = run_app(monkeypatch, shipped_copy, {"area": arealink.encode(Area(polygons=((bow_tie,),)))})
    events = load_dataset(shipped_copy).events
    expected = filter_events(events, EventFilter(area=repaired))
    assert 0 < len(expected) < len(events)
    assert shown_count(app) == (len(expected), len(events))
    assert app.query_params.get("area") == arealink.encode(repaired)  # the link now holds it so
    app.text_input(key=areaform.SAVE_NAME).input("Bow tie").run()
    app.button(key="area_save").click().run()
    assert (shipped_copy / "areas" / "Bow tie.geojson").exists()
    assert shown_count(app) == (len(expected), len(events))


@pytest.mark.parametrize("script", ["pages/1_Events.py", "pages/2_Timeline.py", "pages/4_Articles.py"])
def test_every_page_follows_the_area_of_the_link(monkeypatch, shipped_copy, script):
    text = areaform.link_text(areaform.drawings_area([RECTANGLE, CIRCLE]))
    app = run_app(monkeypatch, shipped_copy, {"area": text}, page=script)
    events = load_dataset(shipped_copy).events
    expected = filter_events(events, EventFilter(area=arealink.decode(text)))
    assert shown_count(app) == (len(expected), len(events))
    assert app.query_params.get("area") == text


def test_a_download_is_named_after_its_area():
    assert describe_filter(EventFilter(area=Area(countries=("GEO",), name="country:GEO"))) == "country-GEO"
    assert (
        describe_filter(EventFilter(relations=("military",), area=Area(circles=(CIRCLE_KM,))))
        == "military_area"
    )
