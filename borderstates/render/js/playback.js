/* Playback of the filtered events through time, inside the map: no round trip per frame.
 *
 * Each event marker carries its span as whole days since 1970-01-01 (`t0`, `t1`, both
 * included) in its GeoJSON properties, and each density layer its cells' events by span. While
 * playback is on, a marker shows when its span overlaps the window (moving), or when it began
 * before the window's end (cumulative); the others leave the marker clusters. Cells are
 * recoloured by the events they hold in the window, and hidden when they hold none. "Use this window" fires a click on a hidden layer whose
 * tooltip names the window: streamlit-folium reports it as any click, and the page sets From
 * and To. The borderstates project's own script, served by the app with Leaflet.
 */
(function () {
    "use strict";
    if (!window.L || L.Control.BsPlayback) { return; }
    var DAY = 86400000;

    function iso(day) { return new Date(day * DAY).toISOString().slice(0, 10); }
    function dayOf(text) {
        var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || "");
        return m ? Date.UTC(+m[1], +m[2] - 1, +m[3]) / DAY : null;
    }
    // The window of a unit that holds a day: [first, last], both included.
    function windowOf(day, unit) {
        if (unit === "day") { return [day, day]; }
        if (unit === "week") {
            var monday = day - ((new Date(day * DAY).getUTCDay() + 6) % 7);
            return [monday, monday + 6];
        }
        var d = new Date(day * DAY), y = d.getUTCFullYear(), m = d.getUTCMonth();
        return [Date.UTC(y, m, 1) / DAY, Date.UTC(y, m + 1, 1) / DAY - 1];
    }
    function element(tag, parent, text, title) {
        var el = L.DomUtil.create(tag, "", parent);
        if (text) { el.textContent = text; }
        if (title) { el.title = title; el.setAttribute("aria-label", title); }
        return el;
    }
    function select(parent, label, options, chosen) {
        var box = element("select", parent, "", label);
        options.forEach(function (o) {
            var option = element("option", box, o[1]);
            option.value = o[0];
            option.selected = o[0] === chosen;
        });
        return box;
    }

    L.Control.BsPlayback = L.Control.extend({
        options: {position: "bottomright", tag: "", speeds: [1, 2, 4, 8]},

        onAdd: function (map) {
            var self = this, bar = L.DomUtil.create("div", "leaflet-bar bs-playback");
            this._map = map;
            this._on = false;
            this._timer = null;
            var buttons = element("div", bar);
            this._back = element("button", buttons, "«", "Step back one window");
            this._play = element("button", buttons, "▶", "Play the events through time");
            this._next = element("button", buttons, "»", "Step forward one window");
            this._all = element("button", buttons, "■", "Stop: show every filtered event");
            var settings = element("div", bar);
            this._unit = select(settings, "Window", [["day", "a day"], ["week", "a week"], ["month", "a month"]], "week");
            this._mode = select(settings, "Moving or cumulative", [["moving", "moving"], ["cumulative", "cumulative"]], "moving");
            this._speed = select(settings, "Windows per second",
                this.options.speeds.map(function (s) { return [String(s), s + "/s"]; }), "2");
            var go = element("div", bar);
            this._goto = element("input", go, "", "Go to the window of a day");
            this._goto.type = "date";
            this._use = element("button", go, "Use this window", "Use this window as From and To");
            this._label = element("div", bar, "Playback: off");
            this._label.className = "bs-playback-window";
            this._label.setAttribute("aria-live", "polite");
            // A hidden layer whose click streamlit-folium reports with its tooltip: the window. On
            // the map from the start (streamlit-folium listens to the layers it finds when mounted);
            // its tooltip only while it reports (Leaflet makes a layer with a tooltip a tab stop).
            this._reporter = L.circleMarker([0, 0], {radius: 0, opacity: 0, fillOpacity: 0, interactive: false})
                .addTo(map);
            L.DomEvent.on(this._play, "click", function () { self._playing() ? self.pause() : self.play(); });
            L.DomEvent.on(this._back, "click", function () { self.step(-1); });
            L.DomEvent.on(this._next, "click", function () { self.step(1); });
            L.DomEvent.on(this._all, "click", function () { self.stop(); });
            L.DomEvent.on(this._unit, "change", function () { if (self._on) { self.show(self._start); } });
            L.DomEvent.on(this._mode, "change", function () { if (self._on) { self.show(self._start); } });
            L.DomEvent.on(this._goto, "change", function () {
                var day = dayOf(self._goto.value);
                if (day !== null) { self.pause(); self.show(day); }
            });
            L.DomEvent.on(this._use, "click", function () { self.use(); });
            L.DomEvent.disableClickPropagation(bar);
            L.DomEvent.disableScrollPropagation(bar);
            // A rerun replaces the markers: the playback applies itself to the new ones.
            map.on("layeradd", function (e) {
                // A new layer of events (marker clusters, density cells): filled in by the time it runs.
                if (self._on && e.layer instanceof L.FeatureGroup) {
                    setTimeout(function () { self.show(self._start); }, 0);
                }
            });
            return bar;
        },

        // Every event marker, with the cluster it belongs to (kept while playback hides some).
        _markers: function () {
            var found = [];
            this._map.eachLayer(function (layer) {
                if (!(L.MarkerClusterGroup && layer instanceof L.MarkerClusterGroup)) { return; }
                if (!layer._bsAll) { layer._bsAll = layer.getLayers(); }
                layer._bsAll.forEach(function (m) {
                    var p = m.feature && m.feature.properties;
                    if (p && p.t0 !== undefined) { found.push({group: layer, marker: m, t0: p.t0, t1: p.t1}); }
                });
            });
            return found;
        },

        // The density layers (mapcontrols.DensityCells): their cells and each cell's events by span.
        _cells: function () {
            var found = [];
            this._map.eachLayer(function (layer) { if (layer._bsCells) { found.push(layer._bsCells); } });
            return found;
        },

        _reach: function () {
            var first = Infinity, last = -Infinity, any = false;
            function extend(t0, t1) { first = Math.min(first, t0); last = Math.max(last, t1); any = true; }
            this._markers().forEach(function (m) { extend(m.t0, m.t1); });
            this._cells().forEach(function (d) { (d.spans || []).forEach(function (s) { extend(s[1], s[2]); }); });
            return any ? [first, last] : null;
        },

        // Recolour each cell by its events in the window; a cell without any is not drawn.
        _showCells: function (span, cumulative) {
            var shown = 0;
            this._cells().forEach(function (d) {
                var counts = d.rects.map(function () { return 0; });
                d.spans.forEach(function (s) {
                    if (s[1] <= span[1] && (cumulative || s[2] >= span[0])) { counts[s[0]] += s[3]; shown += s[3]; }
                });
                if (!d.tips) { d.tips = d.rects.map(function (r) { return r.getTooltip().getContent(); }); }
                d.rects.forEach(function (rect, i) {
                    var n = counts[i], k = 0;
                    if (n === 0) { rect.setStyle({opacity: 0, fillOpacity: 0}); return; }
                    while (k + 1 < d.lows.length && d.lows[k + 1] <= n) { k += 1; }
                    rect.setStyle({opacity: 0.6, fillOpacity: 0.75, fillColor: d.colours[d.steps[k]]});
                    rect.setTooltipContent(n.toLocaleString("en") + (n === 1 ? " event" : " events") + " in this window");
                });
            });
            return shown;
        },

        _restoreCells: function () {
            this._cells().forEach(function (d) {
                if (!d.tips) { return; }
                d.rects.forEach(function (rect, i) {
                    rect.setStyle({opacity: 0.6, fillOpacity: 0.75, fillColor: d.colours[d.cells[i][5]]});
                    rect.setTooltipContent(d.tips[i]);
                });
            });
        },

        _playing: function () { return this._timer !== null; },

        // Show the window of the unit that holds `day`.
        show: function (day) {
            if (this._cells().some(function (d) { return d.spans === null; })) {
                this._label.textContent = "Playback: too many events to play here; narrow the filter";
                return null;
            }
            var reach = this._reach();
            if (reach === null) { this._label.textContent = "Playback: no events to play"; return null; }
            if (day === undefined || day === null) { day = reach[0]; }
            var span = windowOf(day, this._unit.value);
            var cumulative = this._mode.value === "cumulative";
            this._on = true;
            this._start = span[0];
            this._window = span;
            var shown = 0, groups = new Map();
            this._markers().forEach(function (m) {
                var visible = m.t0 <= span[1] && (cumulative || m.t1 >= span[0]);
                if (!groups.has(m.group)) { groups.set(m.group, {add: [], remove: []}); }
                var g = groups.get(m.group), present = m.group.hasLayer(m.marker);
                if (visible) { shown += 1; if (!present) { g.add.push(m.marker); } }
                else if (present) { g.remove.push(m.marker); }
            });
            groups.forEach(function (g, group) { group.removeLayers(g.remove); group.addLayers(g.add); });
            shown += this._showCells(span, cumulative);
            this._label.textContent = (cumulative ? "Up to " : "") + iso(span[0]) + " – " + iso(span[1])
                + " · " + shown + (shown === 1 ? " event" : " events");
            this._goto.value = iso(day);
            this._map.fire("bsplayback", {first: iso(span[0]), last: iso(span[1]), shown: shown});
            return reach;
        },

        step: function (direction) {
            if (!this._on) { return this.show(null) !== null; }
            var reach = this._reach(), next = direction > 0 ? this._window[1] + 1 : this._window[0] - 1;
            if (reach === null || next > reach[1] || next < windowOf(reach[0], this._unit.value)[0]) { return false; }
            this.show(next);
            return true;
        },

        play: function () {
            var self = this;
            if (!this._on) { this.show(null); }
            this._play.textContent = "||";
            this._play.title = "Pause";
            var tick = function () {
                if (!self.step(1)) { self.pause(); return; }
                self._timer = setTimeout(tick, 1000 / Number(self._speed.value));
            };
            this._timer = setTimeout(tick, 1000 / Number(this._speed.value));
        },

        pause: function () {
            if (this._timer !== null) { clearTimeout(this._timer); }
            this._timer = null;
            this._play.textContent = "▶";
            this._play.title = "Play the events through time";
        },

        // Playback off: every filtered event shows again.
        stop: function () {
            this.pause();
            this._on = false;
            this._map.eachLayer(function (layer) {
                if (layer._bsAll) {
                    layer.addLayers(layer._bsAll.filter(function (m) { return !layer.hasLayer(m); }));
                }
            });
            this._restoreCells();
            this._label.textContent = "Playback: off";
        },

        use: function () {
            if (!this._on) { return; }
            this.pause();
            this._reporter.bindTooltip(this.options.tag + " " + iso(this._window[0]) + " " + iso(this._window[1]));
            this._reporter.fire("click", {latlng: this._map.getCenter()});
            this._reporter.unbindTooltip();
        }
    });
})();
