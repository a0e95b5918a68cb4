"""Drawing an area on the map: Leaflet.draw's toolbar, served locally, and the drawn shapes kept in step.

The toolbar draws rectangles, polygons and circles into one layer group (streamlit-folium's
`drawnItems`), whose shapes streamlit-folium reports as `all_drawings`; the app turns them
into the filter's area. The area in effect travels back with the filtered layers
(`build_area_layer`): each time they are drawn, the group is made to hold exactly its shapes,
so a saved area chosen in the sidebar, a link, or a reset show on the map, and a refused
drawing leaves it.
"""

from __future__ import annotations

import folium
import folium.plugins
from branca.element import MacroElement
from jinja2 import Template

from borderstates.core.area import Area
from borderstates.render.assets import use_local_plugin_assets
from borderstates.render.palette import SELECTED_LINE

AREA_STYLE = {"color": SELECTED_LINE, "weight": 3, "fill": True, "fillOpacity": 0.08, "dashArray": "6 4"}
# Leaflet.draw 1.0.4 throws "type is not defined" when a rectangle shows its area: shown for none.
DRAW_OPTIONS = {
    "polyline": False,
    "marker": False,
    "circlemarker": False,
    "rectangle": {"showArea": False, "shapeOptions": AREA_STYLE},
    "polygon": {"allowIntersection": False, "showArea": False, "shapeOptions": AREA_STYLE},
    "circle": {"metric": True, "shapeOptions": AREA_STYLE},
}
EDIT_OPTIONS = {"poly": {"allowIntersection": False}}


class DrawHelpers(MacroElement):
    """What the drawing needs beyond Leaflet.draw, registered before streamlit-folium's own handlers.

    * A circle reports its radius (metres) as `properties.radius`, after an edit too
      (streamlit-folium sets it only when the circle is drawn).
    * A drawing is no click: the last clicked tooltip is forgotten, or streamlit-folium would
      report the previous click (a state's) again with the drawing, and toggle its filter.
    * While a shape is drawn, the map's shapes (states, markers, cells) let the mouse through
      to the map, where Leaflet.draw listens.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            function radii() {
                var drawn = window.drawnItems;
                if (!drawn || !drawn.eachLayer) return;
                drawn.eachLayer(function (layer) {
                    if (layer instanceof L.Circle) {
                        layer.feature = layer.feature || {type: "Feature", properties: {}};
                        layer.feature.properties = layer.feature.properties || {};
                        layer.feature.properties.radius = layer.getRadius();
                    }
                });
            }
            function notAClick() {
                radii();
                var state = window.__GLOBAL_DATA__;
                if (state) {
                    state.last_object_clicked_tooltip = null;
                    state.last_object_clicked_popup = null;
                }
            }
            window.bsAreaRadii = radii;
            map.on("draw:created draw:edited draw:deleted", notAClick);
            map.on("draw:drawstart", function () { L.DomUtil.addClass(map.getContainer(), "bs-drawing"); });
            map.on("draw:drawstop", function () { L.DomUtil.removeClass(map.getContainer(), "bs-drawing"); });
        })();
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "DrawHelpers"


class AreaSync(MacroElement):
    """Make the drawn group hold exactly the area's shapes (GeoJSON; circles as points with `radius`)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var drawn = window.drawnItems;
            if (!drawn || !drawn.clearLayers) return;
            drawn.clearLayers();
            var style = {{ this.style|tojson }};
            L.geoJSON({{ this.shapes|tojson }}, {
                style: function () { return style; },
                pointToLayer: function (feature, latlng) {
                    return L.circle(latlng, Object.assign({radius: feature.properties.radius}, style));
                },
            }).eachLayer(function (layer) { drawn.addLayer(layer); });
            if (window.bsAreaRadii) window.bsAreaRadii();
            window.bsAreaSerial = {{ this.serial|tojson }};
        })();
        {% endmacro %}
        """
    )

    def __init__(self, shapes: dict, serial: int) -> None:
        super().__init__()
        self._name = "AreaSync"
        self.shapes = shapes
        self.style = AREA_STYLE
        self.serial = serial  # changes when a drawing was refused, so the group is reset even then


def add_draw_control(m: folium.Map, position: str = "topleft") -> folium.Map:
    """Add Leaflet.draw's toolbar (rectangle, polygon, circle; edit, delete) to a map, served locally."""
    draw = folium.plugins.Draw(
        position=position,
        show_geometry_on_click=False,
        draw_options=DRAW_OPTIONS,
        edit_options=EDIT_OPTIONS,
    )
    use_local_plugin_assets(draw).add_to(m)
    DrawHelpers().add_to(m)
    return m


def area_shapes(area: Area | None) -> dict:
    """Return an area's shapes as Leaflet.draw reports them: polygons, circles as points with `radius` (m)."""
    features = []
    for feature in area.to_geojson()["features"] if area is not None else []:
        if feature["geometry"] is None:
            continue  # a country: the states' layer shows it
        radius_km = feature["properties"].get("radius_km")
        properties = {"radius": radius_km * 1000.0} if radius_km is not None else {}
        features.append({"type": "Feature", "properties": properties, "geometry": feature["geometry"]})
    return {"type": "FeatureCollection", "features": features}


def build_area_layer(area: Area | None, serial: int = 0) -> folium.FeatureGroup:
    """Return the layer that puts the area in effect into the drawn group (sent with the filtered layers)."""
    layer = folium.FeatureGroup(name="Area", control=False)
    AreaSync(area_shapes(area), serial).add_to(layer)
    return layer
