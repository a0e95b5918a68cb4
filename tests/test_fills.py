"""The map's fill: counts, bands and differences per state and region, their tooltips and legend."""

import datetime as dt
import json
import re

import folium
import pandas as pd
import pytest

from borderstates.analysis.trends import Comparison, Trends, periods_until
from borderstates.render import fills, mapview
from borderstates.render.palette import BAND_COLOURS, COUNT_COLOURS, DIFFERENCE_COLOURS
from tests.test_dashboard_app import map_args, run_app, warnings
from tests.test_trends_page import weekly_dir  # noqa: F401 (a fixture)

UNITS = [fills.Unit("UA-14", "Donetsk Oblast", "Донецька область"), fills.Unit("<b>X</b>", "<i>x</i>")]


def test_count_fills_colour_by_class_and_name_the_unit_escaped():
    classes = mapview.count_classes(10)
    filled = mapview.count_fills(UNITS, {"UA-14": 12}, classes)
    assert filled["UA-14"].colour == COUNT_COLOURS[-1]
    assert filled["<b>X</b>"].colour == COUNT_COLOURS[0]
    assert filled["UA-14"].tooltip.startswith("<b>UA-14</b> · Donetsk Oblast · <i>Донецька область</i>")
    assert "12 filtered events" in filled["UA-14"].tooltip
    assert "<b>&lt;b&gt;X&lt;/b&gt;</b> · &lt;i&gt;x&lt;/i&gt;" in filled["<b>X</b>"].tooltip
    assert mapview.clicked_state(re.sub("<[^>]+>", "", filled["UA-14"].tooltip), ["UA-14"]) == "UA-14"


def trends_of(rows) -> Trends:
    table = pd.DataFrame(rows, columns=["unit", "name", "latest", "baseline", "change", "band"])
    table["fatalities_latest"], table["fatalities_baseline"], table["series"] = 0, 0.0, [[0]] * len(table)
    return Trends(periods_until(dt.date(2024, 3, 13)), "region", table, 0, pd.DataFrame())


def test_change_fills_colour_each_unit_by_its_band_and_say_the_numbers():
    built = trends_of([("UA-14", "Donetsk Oblast", 8, 2.5, 2.2, "surge")])
    filled = fills.change_fills(UNITS, built)
    assert filled["UA-14"].colour == BAND_COLOURS["surge"]
    assert "surge</b> (+220 %): 8 events in the latest week, 2.50 a week before" in filled["UA-14"].tooltip
    assert filled["<b>X</b>"].colour == BAND_COLOURS["limited"]  # no event in the periods: too few to say


@pytest.mark.parametrize("largest", [1, 2, 3, 7, 100])
def test_every_difference_takes_the_colour_its_legend_step_says(largest):
    steps = dict((label, colour) for colour, label in fills.difference_steps(largest))
    for difference in range(-largest, largest + 1):
        colour = fills.difference_colour(difference, largest)
        label = next(
            label
            for label in steps
            if (label == "0" and difference == 0) or (label != "0" and _in_label(difference, label))
        )
        assert steps[label] == colour, (difference, label)
    assert fills.difference_colour(largest, largest) == DIFFERENCE_COLOURS[-1]
    assert fills.difference_colour(-largest, largest) == DIFFERENCE_COLOURS[0]


def _in_label(difference: int, label: str) -> bool:
    sign = 1 if label[0] == "+" else -1
    low, _, high = label[1:].partition("–")
    return sign * difference > 0 and int(low) <= abs(difference) <= int(high or low)


def test_difference_fills_say_both_periods():
    table = pd.DataFrame({"unit": ["UA-14"], "name": ["Donetsk Oblast"], "a": [2], "b": [5]})
    table["difference"], table["ratio"] = table["b"] - table["a"], 2.5
    compared = Comparison(
        (dt.date(2024, 1, 1), dt.date(2024, 1, 7)),
        (dt.date(2024, 1, 8), dt.date(2024, 1, 14)),
        "region",
        table,
        0,
    )
    filled = fills.difference_fills(UNITS, compared)
    assert filled["UA-14"].colour == DIFFERENCE_COLOURS[-1] and "B − A: +3" in filled["UA-14"].tooltip
    assert filled["<b>X</b>"].colour == DIFFERENCE_COLOURS[len(DIFFERENCE_COLOURS) // 2]
    legend = fills.fill_legend("difference", "region", [], compared=compared)
    assert "B − A per region" in legend and "A: 2024-01-01–2024-01-07" in legend


def test_the_legend_says_what_latest_and_baseline_are():
    legend = fills.fill_legend("change", "state", [], periods_until(dt.date(2024, 3, 13), "week", 4))
    assert "Latest: 2024-03-04–2024-03-10" in legend and "the mean of the 4 weeks before it" in legend
    for band in ("surge", "new", "increase", "stable", "decrease", "limited"):
        assert BAND_COLOURS[band] in legend


def test_the_region_layer_fetches_its_shapes_and_carries_only_their_fills():
    group = folium.FeatureGroup()
    filled = mapview.count_fills(UNITS, {"UA-14": 3}, mapview.count_classes(3))
    fills.RegionFill(
        "/app/static/published/regions-x.geojson", filled, always=False, selected=["UA-14"]
    ).add_to(group)
    m = folium.Map(tiles=None)
    group.add_to(m)
    script = m.get_root().render()
    assert 'fetch("/app/static/published/regions-x.geojson")' in script
    assert "\\u003cb\\u003eUA-14" in script  # the tooltip travels as JSON, escaped for the page
    assert "<b>&lt;b&gt;X" not in script.replace("\\u003c", "<").replace("\\u003e", ">").split("fills = ")[0]
    assert f">= {fills.REGION_ZOOM}" in script


# --- on the map page ----------------------------------------------------------------------------


def layers_of(app) -> str:
    return map_args(app)["feature_group"]


def legend_of(layers: str) -> str:
    """The legend's block the layers put into the map (`fills.FillLegend`), as the browser gets it."""
    return json.loads(re.search(r'block\.innerHTML = (".*?");\n', layers).group(1))


def test_the_map_fills_by_change_from_the_link(monkeypatch, weekly_dir):  # noqa: F811
    app = run_app(monkeypatch, weekly_dir, {"fill": ["change"], "asof": ["2024-03-13"]})
    layers = layers_of(app)
    # Azerbaijan surges, Armenia is new, Georgia decreases, Ukraine is limited (tests/test_trends.py).
    states = {code: _state_fill(layers, code) for code in ("AZE", "ARM", "GEO", "UKR")}
    assert states == {
        "AZE": BAND_COLOURS["surge"],
        "ARM": BAND_COLOURS["new"],
        "GEO": BAND_COLOURS["decrease"],
        "UKR": BAND_COLOURS["limited"],
    }
    assert "Latest: 2024-03-04–2024-03-10" in legend_of(layers)  # the legend travels with the layers
    assert app.segmented_control(key="map_fill").value == "change"


def test_the_map_fills_by_difference_and_by_region(monkeypatch, weekly_dir):  # noqa: F811
    params = {
        "fill": ["difference"],
        "by": ["region"],
        "a": ["2024-02-05:2024-02-11"],
        "b": ["2024-03-04:2024-03-10"],
    }
    app = run_app(monkeypatch, weekly_dir, params)
    layers = layers_of(app)
    assert "B − A per region" in legend_of(layers)
    fills_sent = json.loads(re.search(r"var fills = (\{.*?\});", layers, re.S).group(1))
    assert "B − A: +3" in fills_sent["AZ-BA"]["tooltip"]  # Baku: 2 in A, 5 in B
    assert re.search(r"var always = true;", layers)


def test_a_bad_fill_in_the_link_is_dropped_with_a_notice(monkeypatch, weekly_dir):  # noqa: F811
    app = run_app(monkeypatch, weekly_dir, {"fill": ["heat"]})
    assert "fill=heat" in warnings(app)
    assert "Filtered events per state" in legend_of(layers_of(app))


def _state_fill(layers: str, code: str) -> str:
    return re.search(rf'"id": "{code}", "properties": {{"fill": "(#[0-9a-f]+)"', layers).group(1)


def test_the_change_fill_falls_back_to_counts_when_nothing_matches(monkeypatch, weekly_dir):  # noqa: F811
    app = run_app(monkeypatch, weekly_dir, {"fill": ["change"], "q": ["nothing says this"]})
    assert "Filtered events per state" in legend_of(layers_of(app))
