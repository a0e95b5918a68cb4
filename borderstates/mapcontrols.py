"""Small Leaflet controls for the map: a legend, buttons that fit the view, and page styles."""

from __future__ import annotations

from branca.element import Element, MacroElement
from jinja2 import Template
from markupsafe import Markup

# Every value reaches the script through `tojson`, which also escapes `<`, `>`, `&` and `'`:
# no text can close the script or become code.


class Legend(MacroElement):
    """A box of HTML in a corner of the map; the HTML must be escaped already."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var legend = L.control({position: {{ this.position|tojson }}});
            legend.onAdd = function () {
                var box = L.DomUtil.create("div", "bs-legend");
                box.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(box);
                L.DomEvent.disableScrollPropagation(box);
                return box;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, html: Markup, position: str = "bottomright"):
        super().__init__()
        self._name = "Legend"
        self.html = str(html)
        self.position = position


class FitButtons(MacroElement):
    """Two buttons: fit the map to the filtered events (wherever they are), or back to the focus states.

    The events arrive later and change with the filter, so the first button reads their bounds
    from the map's marker clusters when it is pressed.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var focus = L.latLngBounds({{ this.focus|tojson }});
            var control = L.control({position: "topleft"});
            control.onAdd = function () {
                var bar = L.DomUtil.create("div", "leaflet-bar bs-fit");
                function button(label, title, action) {
                    var a = L.DomUtil.create("a", "", bar);
                    a.href = "#";
                    a.textContent = label;
                    a.title = title;
                    a.setAttribute("role", "button");
                    L.DomEvent.on(a, "click", function (e) {
                        L.DomEvent.stop(e);
                        action();
                    });
                }
                button("Fit events", "Fit the map to all filtered events", function () {
                    var bounds = L.latLngBounds([]);
                    map.eachLayer(function (layer) {
                        var clustered = L.MarkerClusterGroup && layer instanceof L.MarkerClusterGroup;
                        if (clustered || (layer.options && layer.options.bsFit)) {
                            bounds.extend(layer.getBounds());
                        }
                    });
                    if (bounds.isValid()) {
                        map.fitBounds(bounds, {padding: [30, 30], maxZoom: {{ this.max_zoom|tojson }}});
                    }
                });
                button("Focus states", "Back to Ukraine, Georgia, Armenia and Azerbaijan", function () {
                    map.fitBounds(focus);
                });
                L.DomEvent.disableClickPropagation(bar);
                return bar;
            };
            control.addTo(map);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, focus: list[list[float]], max_zoom: int):
        super().__init__()
        self._name = "FitButtons"
        self.focus = focus  # [[south, west], [north, east]]
        self.max_zoom = max_zoom


class DensityCells(MacroElement):
    """Grid cells of event counts, drawn on one canvas from compact arrays.

    Thousands of cells travel as a few tens of kB of numbers instead of one GeoJSON feature
    each. The tooltips hold only numbers and the relation vocabulary, never text from data.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var group = {{ this._parent.get_name() }};
            var renderer = L.canvas({padding: 0.5, pane: {{ this.pane|tojson }}});
            var colours = {{ this.colours|tojson }}, relations = {{ this.relations|tojson }};
            {{ this.cells|tojson }}.forEach(function (c) {
                L.rectangle([[c[0], c[1]], [c[2], c[3]]], {
                    renderer: renderer, weight: 0.5, color: "#ffffff", opacity: 0.6,
                    fillColor: colours[c[5]], fillOpacity: 0.75, bsFit: true
                }).bindTooltip(c[4].toLocaleString("en") + (c[4] === 1 ? " event" : " events")
                    + ", mostly " + relations[c[6]]).addTo(group);
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, cells: list[list[float | int]], colours: list[str], relations: list[str], pane: str):
        super().__init__()
        self._name = "DensityCells"
        self.pane = pane  # above the states' fill (a pane of the base map), below markers and tooltips
        self.cells = cells  # [south, west, north, east, count, colour index, relation index]
        self.colours = colours
        self.relations = relations


class LinkedGeoJson(MacroElement):
    """Shapes the browser fetches from the app's own server, drawn below everything else.

    The neighbouring states are most of the map's bytes and never change: sent as a link, they
    travel once instead of with every rerun, and the map script stays small to build and send.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            fetch({{ this.url|tojson }}).then(function (response) { return response.json(); })
                .then(function (shapes) {
                    var layer = L.geoJSON(shapes, {style: {{ this.style|tojson }}, interactive: false});
                    layer.addTo(map);
                    layer.bringToBack();
                });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, url: str, style: dict[str, object]):
        super().__init__()
        self._name = "LinkedGeoJson"
        self.url = url  # one of the app's own /app/static links (assets.publish)
        self.style = style


class ClickReset(MacroElement):
    """Forget the last clicked layer's tooltip when a new click starts.

    streamlit-folium reports the tooltip of the last clicked layer that has one, and keeps it
    when the next click hits a layer without one (a cluster): that click would then repeat the
    previous one, and toggle a state's filter a second time. Leaflet fires `preclick` on the
    map before every click.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.on("preclick", function () {
            var state = window.__GLOBAL_DATA__;
            if (state) {
                state.last_object_clicked_tooltip = null;
                state.last_object_clicked_popup = null;
            }
        });
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "ClickReset"


def page_style(css: str) -> Element:
    """Return a `<style>` element for the map page's header (the CSS is ours, never data)."""
    return Element(f"<style>{css}</style>")
