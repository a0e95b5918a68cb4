/* Place names drawn by the map itself (render/labels.py): no tiles, nothing fetched from outside.
 *
 * The labels arrive once as GeoJSON points, each with its text, its kind (capital, city, town,
 * state, neighbour, sea), its local name and the lowest zoom from which it fits without
 * overlapping a more important one (`zoom`, computed by the server, analysis/labels.py). After
 * each move the layer shows the labels of the view whose zoom has come: non-interactive markers
 * in a pane of their own that lets every click through (`pointer-events: none`), so a label
 * never takes a click meant for a marker or a state. The pointer over a label shows its local
 * name: the map's container reports where the pointer is, as the label itself cannot.
 * The borderstates project's own script, served by the app with Leaflet.
 */
(function () {
    "use strict";
    if (!window.L || L.BsLabels) { return; }

    function span(className, text, lang) {
        var el = document.createElement("span");
        el.className = className;
        el.textContent = text;  // text, never markup
        if (lang) { el.lang = lang; }
        return el;
    }

    L.BsLabels = L.Layer.extend({
        options: {url: null, data: null, pane: "bs-labels", zIndex: 625, padding: 0.25},

        initialize: function (options) {
            L.setOptions(this, options);
            this._labels = null;
            this._shown = new Map();  // label index -> marker
            this._hovered = null;
        },

        onAdd: function (map) {
            var self = this, pane = map.getPane(this.options.pane) || map.createPane(this.options.pane);
            pane.style.zIndex = String(this.options.zIndex);
            pane.style.pointerEvents = "none";
            map.on("moveend zoomend", this._update, this);
            L.DomEvent.on(map.getContainer(), "mousemove", this._hover, this);
            L.DomEvent.on(map.getContainer(), "mouseleave", this._unhover, this);
            if (this._labels !== null) {
                this._update();
            } else if (this.options.data) {
                this._take(this.options.data);
            } else if (this.options.url) {
                fetch(this.options.url).then(function (r) { return r.json(); })
                    .then(function (collection) { self._take(collection); });
            }
        },

        onRemove: function (map) {
            map.off("moveend zoomend", this._update, this);
            L.DomEvent.off(map.getContainer(), "mousemove", this._hover, this);
            L.DomEvent.off(map.getContainer(), "mouseleave", this._unhover, this);
            this._shown.forEach(function (marker) { map.removeLayer(marker); });
            this._shown.clear();
            this._hovered = null;
        },

        _take: function (collection) {
            this._labels = collection.features.map(function (f) {
                var c = f.geometry.coordinates, p = f.properties;
                return {latlng: L.latLng(c[1], c[0]), zoom: p.zoom, text: p.text, kind: p.kind,
                    local: p.local || "", lang: p.lang || ""};
            });
            if (this._map) { this._update(); }
            this.fire("bslabels");
        },

        // Show exactly the labels of the view (with a margin) whose zoom has come.
        _update: function () {
            var map = this._map;
            if (!map || this._labels === null) { return; }
            var zoom = map.getZoom(), bounds = map.getBounds().pad(this.options.padding), shown = this._shown;
            var wanted = new Set();
            for (var i = 0; i < this._labels.length; i += 1) {
                var label = this._labels[i];
                if (label.zoom <= zoom && bounds.contains(label.latlng)) { wanted.add(i); }
            }
            shown.forEach(function (marker, i) {
                if (!wanted.has(i)) { map.removeLayer(marker); shown.delete(i); }
            });
            var self = this;
            wanted.forEach(function (i) { if (!shown.has(i)) { shown.set(i, self._marker(self._labels[i]).addTo(map)); } });
        },

        _marker: function (label) {
            var above = label.kind === "capital" || label.kind === "city" || label.kind === "town";
            var text = span("bs-label-text" + (above ? " bs-label-above" : ""), label.text);
            if (label.local) { text.appendChild(span("bs-label-local", label.local, label.lang)); }
            var icon = L.divIcon({className: "bs-label bs-label-" + label.kind, html: text, iconSize: [0, 0]});
            return L.marker(label.latlng, {icon: icon, pane: this.options.pane, interactive: false,
                keyboard: false});
        },

        // The label under the pointer shows its local name (one at a time; checked once a frame).
        _hover: function (e) {
            var self = this;
            this._pointer = [e.clientX, e.clientY];
            if (this._pending) { return; }
            this._pending = L.Util.requestAnimFrame(function () {
                self._pending = null;
                var x = self._pointer[0], y = self._pointer[1], found = null;
                self._shown.forEach(function (marker) {
                    var el = marker.getElement(), text = el && el.firstChild;
                    if (!text || !text.querySelector(".bs-label-local")) { return; }
                    var box = text.getBoundingClientRect();
                    if (x >= box.left && x <= box.right && y >= box.top && y <= box.bottom) { found = el; }
                });
                if (found !== self._hovered) {
                    self._unhover();
                    if (found) { L.DomUtil.addClass(found, "bs-label-hover"); }
                    self._hovered = found;
                }
            });
        },

        _unhover: function () {
            if (this._hovered) { L.DomUtil.removeClass(this._hovered, "bs-label-hover"); }
            this._hovered = null;
        }
    });
    L.bsLabels = function (options) { return new L.BsLabels(options); };
})();
