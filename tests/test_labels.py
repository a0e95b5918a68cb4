"""Which labels show from which zoom (analysis/labels.py), and the map's place names (render/labels.py)."""

import itertools
import json

import pandas as pd
import pytest
import shapely

from borderstates.analysis import labels as placing
from borderstates.analysis.labels import TextStyle
from borderstates.core.geo import load_countries
from borderstates.render import labels, mapview
from tests.conftest import ROOT

ZOOMS = range(mapview.MIN_ZOOM, mapview.MAX_ZOOM + 1)
DEFAULT_ZOOM = 5  # the first view of the four states at a 1,400-px-wide window (tests/browser)


@pytest.fixture(scope="module")
def countries():
    return load_countries(ROOT / "data" / "geo")


@pytest.fixture(scope="module")
def placed(countries):
    return labels.place_labels(countries, ZOOMS)


def boxes(lat, lon, width=60, height=20, dy=0.0, **more):
    return pd.DataFrame(
        {"latitude": lat, "longitude": lon, "width": width, "height": height, "dy": dy, **more}
    )


def test_a_label_that_overlaps_a_more_important_one_waits_for_a_closer_zoom():
    # 0.5° of longitude apart: 45 px at zoom 7, 91 at 8; 60-px-wide boxes need 60.
    zooms = placing.min_zooms(boxes([48.0, 48.0], [30.0, 30.5]), ZOOMS)
    assert zooms.tolist() == [2, 8]


def test_a_label_shows_only_from_a_zoom_where_it_fits_at_every_closer_one():
    # B is clear of A from zoom 9. C is clear of A from zoom 8, where B is not shown yet, but B
    # covers it at 9: C waits for 10, where it is clear of both, and never shows and hides.
    frame = boxes([48.0, 48.0, 48.0], [30.0, 30.2, 30.3], width=[60, 60, 20])
    assert placing.min_zooms(frame, ZOOMS).tolist() == [2, 9, 10]


def test_a_label_that_never_fits_is_never_shown_and_from_zoom_holds_a_label_back():
    frame = boxes([48.0, 48.0, 50.0], [30.0, 30.0, 20.0], from_zoom=[0, 0, 6])
    zooms = placing.min_zooms(frame, ZOOMS)
    assert zooms.iloc[0] == 2 and pd.isna(zooms.iloc[1]) and zooms.iloc[2] == 6


def test_wider_text_and_bold_type_make_wider_boxes():
    plain, bold = TextStyle(12), TextStyle(12, bold=True)
    assert placing.text_width_px("Kyiv", plain) < placing.text_width_px("Kharkiv", plain)
    assert placing.text_width_px("Kyiv", plain) < placing.text_width_px("Kyiv", bold)
    assert placing.text_width_px("Baku", TextStyle(12, upper=True)) > placing.text_width_px("Baku", plain)
    width, height = placing.box_size_px("Kyiv", plain)
    assert height == 12 * placing.LINE_HEIGHT + 2 * placing.MARGIN_PX
    assert width == placing.text_width_px("Kyiv", plain) + 2 * placing.MARGIN_PX


def test_the_placement_is_deterministic(countries, placed):
    again = labels.place_labels(countries, ZOOMS)
    pd.testing.assert_frame_equal(placed, again)
    assert labels.place_labels_geojson(placed) == labels.place_labels_geojson(again)


@pytest.mark.parametrize("capital", ["Kyiv", "Tbilisi", "Yerevan", "Baku"])
def test_the_capitals_are_named_at_the_first_view(placed, capital):
    row = placed[placed["text"] == capital].iloc[0]
    assert row["kind"] == "capital" and row["zoom"] <= DEFAULT_ZOOM


def test_the_first_view_names_the_seas_ukraine_and_the_largest_cities(placed):
    first = placed[placed["zoom"] <= DEFAULT_ZOOM]
    named = set(first["text"])
    assert {"Black Sea", "Sea of Azov", "Caspian Sea", "Ukraine", "Russia", "Turkey"} <= named
    assert {"Kharkiv", "Odesa", "Dnipro", "Donetsk", "Lviv", "Mariupol", "Batumi"} <= named
    towns = first[first["kind"].isin(["city", "town"])]
    assert 10 <= len(towns) <= 40


def test_more_towns_are_named_at_each_closer_zoom_and_the_other_states_too(placed):
    counts = [int((placed["zoom"] <= z).sum()) for z in ZOOMS]
    assert counts == sorted(counts) and counts[-1] > 10 * counts[DEFAULT_ZOOM - ZOOMS[0]]
    assert placed.set_index("text").loc[["Georgia", "Armenia", "Azerbaijan"], "zoom"].max() <= 7


def test_no_two_labels_overlap_at_any_zoom(placed):
    x0, y0 = placing.world_px(placed["latitude"], placed["longitude"])
    styles = [labels.STYLES[kind][0] for kind in placed["kind"]]
    sizes = [placing.box_size_px(t, s) for t, s in zip(placed["text"], styles, strict=True)]
    for z in (3, 5, 7):
        shown = [i for i in range(len(placed)) if placed["zoom"].iloc[i] <= z]
        rects = []
        for i in shown:
            (w, h), dy = sizes[i], placing.offset_px(styles[i])
            cx, cy = x0[i] * 2**z, y0[i] * 2**z + dy
            rects.append((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
        for a, b in itertools.combinations(rects, 2):
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])


def test_the_labels_geojson_carries_the_local_names(placed):
    features = json.loads(labels.place_labels_geojson(placed))["features"]
    kyiv = next(f for f in features if f["properties"]["text"] == "Kyiv")
    assert kyiv["properties"] == {"text": "Kyiv", "local": "Київ", "lang": "uk", "kind": "capital", "zoom": 2}
    assert kyiv["geometry"]["coordinates"] == [30.524, 50.455]
    seas = [f for f in features if f["properties"]["kind"] == "sea"]
    assert all("local" not in f["properties"] for f in seas)


def test_the_states_are_named_inside_and_russia_near_the_focus_states(countries):
    focus, neighbours = labels.state_label_points(countries)
    shapes = countries.set_index("name_en").geometry
    for row in focus.itertuples():
        assert shapes[row.text].contains(shapely.Point(row.longitude, row.latitude))
    russia = neighbours.set_index("text").loc["Russia"]
    assert 44 < russia["latitude"] < 57 and 35 < russia["longitude"] < 55


def test_the_map_has_a_place_names_layer_in_its_layer_control(countries, placed):
    m = mapview.build_base_map(countries, mapview.count_classes(5), labels=placed.head(50))
    page = m.get_root().render()
    assert '"Place names"' in page and "L.bsLabels" in page
    assert ".leaflet-pane.bs-labels-pane { pointer-events: none; }" in page
    linked = mapview.build_base_map(countries, mapview.count_classes(5), labels_url="/app/static/l.geojson")
    assert '"url": "/app/static/l.geojson"' in linked.get_root().render()
