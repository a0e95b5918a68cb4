"""The map's fill: states or regions coloured by their count, their trend's band, or two periods' difference.

One rule for every unit the map fills: a colour and a tooltip per unit (`Fill`), made here
from the answers of `analysis.mapdata` (counts) and `analysis.trends` (bands, two periods
compared), and the legend's block that says what the colours mean. The states are drawn by
`mapview.build_country_layer`; the regions (`RegionFill`) are shapes the browser fetches once
from the app's own server and colours by the fills sent with each rerun, shown when the reader
chooses regions or zooms in past the states' view.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template
from markupsafe import Markup

from borderstates.analysis.fatalities import Deaths
from borderstates.analysis.trends import BAND_MEANINGS, BANDS, Comparison, Periods, Trends
from borderstates.render.markup import SEPARATOR
from borderstates.render.palette import BAND_COLOURS, COUNT_COLOURS, DIFFERENCE_COLOURS

FILLS = ("count", "change", "difference")  # what the map's colours say
UNITS = ("state", "region")  # which units it fills
LEGEND_CLASS = "bs-fill"  # the legend's block that says what the fill means
REGION_ZOOM = 6  # from this zoom on, the map fills regions even when the reader chose states


@dataclass(frozen=True)
class Fill:
    """How one unit is drawn: its fill colour and its tooltip (escaped HTML)."""

    colour: str
    tooltip: str


@dataclass(frozen=True)
class Unit:
    """A unit the map can fill: its code, English name, and its Dutch (a state) or local (a region) name."""

    code: str
    name: str
    other: str = ""


def _head(unit: Unit) -> Markup:
    other = Markup(" · <i>{}</i>").format(unit.other) if unit.other and unit.other != unit.name else ""
    return Markup("<b>{}</b>{}{}{}").format(unit.code, SEPARATOR, unit.name, other)  # the code first: clicks


def _noun(count: int) -> str:
    return "event" if count == 1 else "events"


def count_fills(
    units: list[Unit],
    counts: Mapping[str, int],
    colour: Callable[[int], str],
    deaths: Mapping[str, Deaths] | None = None,
    action: str = "click to filter",
) -> dict[str, Fill]:
    """Return each unit's fill by its count of filtered events; `colour(count)` gives the class's colour.

    With `deaths`, each tooltip also gives the unit's deaths, with their range where a source has one.
    """
    fills = {}
    for unit in units:
        count = int(counts.get(unit.code, 0))
        died = (deaths or {}).get(unit.code, Deaths()).label
        tooltip = Markup("{}<br>{} filtered {}{} · {}").format(
            _head(unit), count, _noun(count), Markup(" · {}").format(died) if died else "", action
        )
        fills[unit.code] = Fill(colour(count), str(tooltip))
    return fills


def change_fills(units: list[Unit], trends: Trends) -> dict[str, Fill]:
    """Return each unit's fill by its trend's band: the latest period against the baseline.

    A unit with no event in the periods compared is `limited` (too few to say).
    """
    rows = {str(r["unit"]): r for r in trends.table.to_dict("records")}
    period = trends.periods.period
    fills = {}
    for unit in units:
        if unit.code in rows:
            row = rows[unit.code]
            band, latest, baseline = str(row["band"]), int(row["latest"]), float(row["baseline"])
            change = "" if np.isnan(row["change"]) else f" ({row['change'] * 100:+.0f} %)"
        else:
            band, latest, baseline, change = "limited", 0, 0.0, ""
        tooltip = Markup(
            "{}<br><b>{}</b>{}: {} {} in the latest {}, {:.2f} a {} before · click to filter"
        ).format(_head(unit), band, change, latest, _noun(latest), period, baseline, period)
        fills[unit.code] = Fill(BAND_COLOURS[band], str(tooltip))
    return fills


def difference_fills(units: list[Unit], compared: Comparison) -> dict[str, Fill]:
    """Return each unit's fill by B − A, on a diverging scale from the largest difference either way."""
    rows = {str(r["unit"]): r for r in compared.table.to_dict("records")}
    largest = max((abs(int(r["difference"])) for r in rows.values()), default=0)
    fills = {}
    for unit in units:
        a, b = (int(rows[unit.code][k]) if unit.code in rows else 0 for k in ("a", "b"))
        tooltip = Markup("{}<br>A: {} · B: {} · B − A: {:+d} · click to filter").format(
            _head(unit), a, b, b - a
        )
        fills[unit.code] = Fill(difference_colour(b - a, largest), str(tooltip))
    return fills


def _difference_bounds(largest: int) -> list[int]:
    """Return the upper bound of each step of the difference scale away from 0 (the first is 0).

    Step k holds the sizes above k − 1 and up to k thirds (for three steps) of the largest: the
    largest difference is always the darkest.
    """
    middle = len(DIFFERENCE_COLOURS) // 2
    return [largest * k // middle for k in range(middle + 1)]


def difference_colour(difference: int, largest: int) -> str:
    """Return the colour of a difference: blue for fewer, red for more, darker the larger; 0 is neutral."""
    middle = len(DIFFERENCE_COLOURS) // 2
    if difference == 0 or largest == 0:
        return DIFFERENCE_COLOURS[middle]
    step = min(middle, max(1, -(-abs(difference) * middle // largest)))  # ⌈|d| · steps / largest⌉
    return DIFFERENCE_COLOURS[middle + step if difference > 0 else middle - step]


def difference_steps(largest: int) -> list[tuple[str, str]]:
    """Return the legend's (colour, label) of each step of the difference scale that can occur."""
    middle = len(DIFFERENCE_COLOURS) // 2
    bounds = _difference_bounds(largest)
    steps = [(DIFFERENCE_COLOURS[middle], "0")]
    for k in range(1, middle + 1):
        low, high = bounds[k - 1] + 1, bounds[k]
        if low > high:
            continue
        span = str(high) if low == high else f"{low}–{high}"
        steps.insert(0, (DIFFERENCE_COLOURS[middle - k], f"−{span}"))
        steps.append((DIFFERENCE_COLOURS[middle + k], f"+{span}"))
    return steps


def _keys(items: Sequence[tuple[str, str | Markup]]) -> Markup:
    return Markup("").join(
        Markup('<div class="bs-key"><span class="bs-box" style="background:{}"></span>{}</div>').format(c, t)
        for c, t in items
    )


def fill_legend(
    fill: str,
    units: str,
    count_keys: list[tuple[str, str]],
    periods: Periods | None = None,
    compared: Comparison | None = None,
) -> Markup:
    """Return the legend's block for the fill: the count classes, the bands and periods, or the difference."""
    which = "region" if units == "region" else f"state (regions from zoom {REGION_ZOOM})"
    if fill == "change" and periods is not None:
        unit = periods.period
        title = Markup("Change per {}: the latest {} against the baseline").format(which, unit)
        said = Markup(
            '<p class="bs-note">Latest: {:%Y-%m-%d}–{:%Y-%m-%d}. Baseline: the mean of the {} {}s before it. '
            "An event counts only when its whole span lies in one {}.</p>"
        ).format(periods.latest, periods.last_day, periods.baseline, unit, unit)
        bands = [(BAND_COLOURS[b], Markup("{}: {}").format(b, BAND_MEANINGS[b])) for b in BANDS]
        return Markup('<h4>{}</h4>{}<div class="bs-classes bs-bands">{}</div>').format(
            title, said, _keys(bands)
        )
    if fill == "difference" and compared is not None:
        largest = int(compared.table["difference"].abs().max()) if len(compared.table) else 0
        (a0, a1), (b0, b1) = compared.a, compared.b
        said = Markup(
            '<p class="bs-note">A: {}–{} · B: {}–{}; events whose whole span lies in each.</p>'
        ).format(a0, a1, b0, b1)
        return Markup('<h4>B − A per {}</h4>{}<div class="bs-classes">{}</div>').format(
            which, said, _keys(difference_steps(largest))
        )
    return Markup('<h4>Filtered events per {}</h4><div class="bs-classes">{}</div>').format(
        which, _keys(count_keys)
    )


def region_units(regions: pd.DataFrame) -> list[Unit]:
    """Return the drawn regions as units: ISO 3166-2 code, English and local names."""
    return [
        Unit(str(r.region), str(r.name_en), str(r.name_local))
        for r in regions[["region", "name_en", "name_local"]].itertuples(index=False)
    ]


class RegionFill(MacroElement):
    """The regions, fetched once from the app's own server, coloured by the fills of this rerun.

    Drawn in the states' layer group, just above the neighbouring states: shown always when the
    reader fills by region, else only from `REGION_ZOOM` on, where the states' fill gives way to
    them and the states let clicks through; the drawn area and the markers stay on top. The
    GeoJSON layer exists before its shapes arrive, so that streamlit-folium's click reporting,
    bound to the map's layers when the group is added, hears the regions' clicks too.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var group = {{ this._parent.get_name() }};
            var fills = {{ this.fills|tojson }};
            var always = {{ this.always|tojson }};
            var selected = {{ this.selected|tojson }};
            var regions = L.geoJSON(null, {
                style: function (f) {
                    var chosen = selected.indexOf(f.id) >= 0;
                    return {color: chosen ? "{{ this.selected_line }}" : "{{ this.line }}",
                            weight: chosen ? 3 : 0.7, fillOpacity: 0.75,
                            fillColor: (fills[f.id] || {}).colour || "{{ this.empty }}"};
                },
                onEachFeature: function (f, layer) {
                    var fill = fills[f.id];
                    if (fill) { layer.bindTooltip(fill.tooltip, {sticky: true}); }
                }
            });
            var states = [];
            group.eachLayer(function (layer) {
                if (layer !== regions && layer.setStyle) { states.push(layer); }
            });
            function show() {
                if (!group._map) { return; }
                var zoom = group._map.getZoom();
                var wanted = always || zoom >= {{ this.zoom }};
                if (wanted && !group.hasLayer(regions)) { group.addLayer(regions); }
                if (!wanted && group.hasLayer(regions)) { group.removeLayer(regions); }
                if (wanted) {
                    // Just above the neighbours, below the states' outlines and the drawn area,
                    // which stay clickable; the states let their clicks through to the regions.
                    regions.bringToBack();
                    if (group._map._bsContext) { group._map._bsContext.bringToBack(); }
                }
                states.forEach(function (layer) {
                    layer.eachLayer(function (shape) {
                        shape.setStyle({fillOpacity: wanted ? 0 : 0.75});
                        if (shape._path) { shape._path.style.pointerEvents = wanted ? "none" : ""; }
                    });
                });
            }
            var map = null;
            function follow() { map = group._map; if (map) { map.on("zoomend", show); } }
            group.addLayer(regions);
            group.on("add", function () { follow(); show(); });
            group.on("remove", function () { if (map) { map.off("zoomend", show); } });
            follow();
            fetch({{ this.url|tojson }}).then(function (r) { return r.json(); }).then(function (shapes) {
                regions.addData(shapes);
                show();
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        url: str,
        fills: Mapping[str, Fill],
        *,
        always: bool,
        selected: list[str],
        empty: str = COUNT_COLOURS[0],
        line: str = "#6b6b80",
        selected_line: str = "#e07a00",
    ) -> None:
        super().__init__()
        self._name = "RegionFill"
        self.url = url  # one of the app's own /app/static links (assets.publish)
        self.fills = {code: {"colour": f.colour, "tooltip": f.tooltip} for code, f in fills.items()}
        self.always = always
        self.selected = selected
        self.zoom = REGION_ZOOM
        self.empty, self.line, self.selected_line = empty, line, selected_line


class FillLegend(MacroElement):
    """Put what this rerun's fill means into the base map's legend (its `LEGEND_CLASS` block).

    Sent with the layers: a change of fill, periods or scale leaves the base map as it is, and
    the reader's view with it.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        document.querySelectorAll(".{{ this.css_class }}").forEach(function (block) {
            block.innerHTML = {{ this.html|tojson }};
        });
        {% endmacro %}
        """
    )

    def __init__(self, html: Markup) -> None:
        super().__init__()
        self._name = "FillLegend"
        self.html = str(html)  # escaped by its maker (`fill_legend`)
        self.css_class = LEGEND_CLASS
