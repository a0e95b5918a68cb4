"""Small Leaflet controls for the map: a legend, buttons that fit the view, and page styles."""

from __future__ import annotations

from branca.element import Element, MacroElement
from jinja2 import Template
from markupsafe import Markup

# Every value reaches the script through `tojson`, which also escapes `<`, `>`, `&` and `'`:
# no text can close the script or become code.


class Legend(MacroElement):
    """A box of HTML in a corner of the map, which the reader can fold; the HTML must be escaped already."""

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
        # Open at first, and folded to its title by a click on it.
        self.html = str(Markup("<details open><summary>Legend</summary>{}</details>").format(html))
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
            var control = L.control({position: {{ this.position|tojson }}});
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

    def __init__(self, focus: list[list[float]], max_zoom: int, position: str = "topleft"):
        super().__init__()
        self._name = "FitButtons"
        self.position = position
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
            var cells = {{ this.cells|tojson }};
            var rects = cells.map(function (c) {
                return L.rectangle([[c[0], c[1]], [c[2], c[3]]], {
                    renderer: renderer, weight: 0.5, color: "#ffffff", opacity: 0.6,
                    fillColor: colours[c[5]], fillOpacity: 0.75, bsFit: true
                }).bindTooltip(c[4].toLocaleString("en") + (c[4] === 1 ? " event" : " events")
                    + ", mostly " + relations[c[6]]).addTo(group);
            });
            // For playback (playback.js): the cells, and how their counts are coloured.
            group._bsCells = {rects: rects, cells: cells, lows: {{ this.lows|tojson }},
                steps: {{ this.steps|tojson }}, colours: colours};
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        cells: list[list[float | int]],
        colours: list[str],
        relations: list[str],
        pane: str,
        *,
        classes: tuple[list[int], list[int]] = ([1], [0]),
    ):
        super().__init__()
        self._name = "DensityCells"
        self.pane = pane  # above the states' fill (a pane of the base map), below markers and tooltips
        self.cells = cells  # [south, west, north, east, count, colour index, relation index]
        self.colours = colours
        self.relations = relations
        self.lows, self.steps = classes  # each count class's lowest count and its colour's index


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
                    map._bsContext = layer;  // the regions go just above it (`fills.RegionFill`)
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


class ClickReporting(MacroElement):
    """Have streamlit-folium report a click only when there is a new one.

    * Its value for a map that nobody clicked says the click count is None, while its frontend
      counts from 0 and reports the map's value as soon as the map is up: every new map reran
      the page for that "change", seconds after the load when the map's scripts came late, and
      the rerun emptied what a reader had begun to type into a sidebar filter. The count starts
      from 0 here too.
    * It reports the tooltip of the last clicked layer that has one, and keeps it when the next
      click hits a layer without one (a cluster): that click would then repeat the previous
      one, and toggle a state's filter a second time. Leaflet fires `preclick` on the map before
      every click; the tooltip is forgotten then.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var state = window.__GLOBAL_DATA__;
            if (state && state.previous_data && state.previous_data.last_object_clicked_count === null) {
                state.previous_data.last_object_clicked_count = 0;
            }
        })();
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

    def __init__(self) -> None:
        super().__init__()
        self._name = "ClickReporting"


class KeyboardAccess(MacroElement):
    """Make the map usable without a mouse: every marker, cluster and focus state a button.

    Each interactive layer that has an element (SVG paths and the clusters' icons; not the
    canvas cells of the density layer) gets `tabindex`, `role="button"` and its tooltip's text as
    its name. Enter or Space sends it the click a mouse would: Leaflet then fires `preclick` and
    `click` as usual, streamlit-folium reports the layer's tooltip (its `onLayerClick` listens to
    the layers' `click`), a cluster zooms in or spreads its markers out. When the page's rerun
    replaces the layers, the focus goes back to the same feature. The map itself stays reachable
    with Tab, and pans and zooms with the keys (Leaflet's `keyboard` option).
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .leaflet-container path.bs-focusable:focus { outline: none; }
        .leaflet-container path.bs-focusable:focus-visible {
            stroke: #111111; stroke-width: 4px; stroke-opacity: 1; }
        .leaflet-container .marker-cluster.bs-focusable:focus-visible { outline: 3px solid #111111; }
        </style>
        {% endmacro %}

        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var container = map.getContainer();
            container.setAttribute("role", "region");
            container.setAttribute("aria-label", {{ this.label|tojson }});
            // folium's own viewport tag forbids zooming the page (WCAG 1.4.4); the frame has a good one.
            document.querySelectorAll('meta[name="viewport"]').forEach(function (tag) {
                if (/user-scalable\\s*=\\s*no|maximum-scale/.test(tag.content)) { tag.remove(); }
            });
            var layers = new WeakMap(), wanted = null, keyed = null, parser = new DOMParser();
            function text(content) {
                // A parsed document runs no script and loads nothing.
                var body = typeof content === "string"
                    ? parser.parseFromString(content, "text/html").body : content;
                if (!body || !body.cloneNode) { return ""; }
                body = body.cloneNode(true);
                body.querySelectorAll("br").forEach(function (br) { br.replaceWith(", "); });
                return body.textContent.replace(/\\s+/g, " ").trim();
            }
            function name(layer) {
                if (L.MarkerCluster && layer instanceof L.MarkerCluster) {
                    return {{ this.cluster|tojson }}.replace("{}", layer.getChildCount());
                }
                var tooltip = layer.getTooltip && layer.getTooltip();
                return tooltip ? text(tooltip.getContent()) : "";
            }
            function prepare(layer) {
                var el = layer.getElement && layer.getElement();
                var label = el && layer.options.interactive !== false ? name(layer) : "";
                if (!label) { return; }
                el.setAttribute("tabindex", "0");
                el.setAttribute("role", "button");
                el.setAttribute("aria-label", label);
                el.classList.add("bs-focusable");
                layers.set(el, layer);
                var id = layer.feature && layer.feature.id;
                if (wanted !== null && id === wanted && document.hasFocus()
                        && document.activeElement === document.body) {
                    el.focus();
                }
            }
            function follow(group) {
                // After Enter on a cluster the focus goes on: to its first marker when the cluster
                // opens in place (markers on one spot), else back to the map once it has zoomed.
                group.on("spiderfied", function (e) {
                    var first = e.cluster === keyed && e.markers[0] && e.markers[0].getElement();
                    if (first) { first.focus(); }
                    keyed = null;
                });
                group.on("animationend", function () {
                    if (keyed && !container.contains(keyed.getElement())) {
                        container.focus();
                        keyed = null;
                    }
                });
            }
            map.eachLayer(prepare);
            map.on("layeradd", function (e) {
                if (L.MarkerClusterGroup && e.layer instanceof L.MarkerClusterGroup) { follow(e.layer); }
                prepare(e.layer);
            });
            L.DomEvent.on(container, "focusin", function (e) {
                var layer = layers.get(e.target);
                wanted = layer && layer.feature ? layer.feature.id : null;
                // As Leaflet's markers do (autoPanOnFocus): a focused point is brought into view.
                if (layer && layer.getLatLng && !map.getBounds().contains(layer.getLatLng())) {
                    map.panInside(layer.getLatLng());
                }
            });
            L.DomEvent.on(container, "keydown", function (e) {
                var el = e.target;
                if (!layers.has(el) || (e.key !== "Enter" && e.key !== " ")) { return; }
                L.DomEvent.stop(e);  // no page scroll on Space, no second popup from Enter's keypress
                var layer = layers.get(el), box = el.getBoundingClientRect();
                keyed = L.MarkerCluster && layer instanceof L.MarkerCluster ? layer : null;
                el.dispatchEvent(new MouseEvent("click", {
                    bubbles: true, cancelable: true, view: window,
                    clientX: box.left + box.width / 2, clientY: box.top + box.height / 2
                }));
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, label: str, cluster: str):
        super().__init__()
        self._name = "KeyboardAccess"
        self.label = label  # the map's accessible name, with how to use it
        self.cluster = cluster  # a cluster's name; "{}" stands for its number of events


def page_style(css: str) -> Element:
    """Return a `<style>` element for the map page's header (the CSS is ours, never data)."""
    return Element(f"<style>{css}</style>")
