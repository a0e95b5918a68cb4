/* Playback of the filtered events through time, inside the map: no round trip per frame.
 *
 * A window is one bar of the page's time histogram: a day, a Monday week or a month. The page
 * sends, with the focus states' layer, the filtered events counted per window where their span
 * begins and where it ends, per state and per density cell (analysis/windows.py): the events a
 * window shows are those begun by its end less those ended before it began (cumulative: the
 * first term alone), two lookups in running sums per state and cell. Each event marker carries
 * its own span as whole days since 1970-01-01 (`t0`, `t1`, both included) and shows while it
 * overlaps the window. States are filled, cells coloured and the count written by the window;
 * ■ shows every filtered event again.
 *
 * The page counts only once asked: the first ▶ (or step, or day) reports `tag-play` and waits
 * for the counts; ■, or counts that come to a playback that is off, report `tag-off`. The
 * window's unit is the histogram's: choosing another reports `tag-unit UNIT`; "use this window"
 * reports `tag FIRST LAST`. Each is the tooltip of a click on a hidden layer, which
 * streamlit-folium reports like any click (render/playback.py reads them back). The
 * borderstates project's own script, served by the app with Leaflet.
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
    function many(n, noun) { return n.toLocaleString("en") + " " + noun + (n === 1 ? "" : "s"); }
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
    // Running sums along each row of `rows` (keys × windows), in one flat array.
    function running(rows, windows) {
        var sums = new Float64Array(rows.length * windows);
        rows.forEach(function (row, i) {
            var total = 0, at = i * windows;
            for (var k = 0; k < windows; k += 1) { total += row[k]; sums[at + k] = total; }
        });
        return sums;
    }
    // The events each key shows in window k: begun by its end, less (moving) those ended before it.
    function shownIn(counts, k, windows, cumulative) {
        if (!counts._starts) {
            counts._starts = running(counts.starts, windows);
            counts._ends = running(counts.ends, windows);
        }
        var shown = new Array(counts.starts.length);
        for (var i = 0; i < shown.length; i += 1) {
            var begun = counts._starts[i * windows + k];
            shown[i] = cumulative || k === 0 ? begun : begun - counts._ends[i * windows + k - 1];
        }
        return shown;
    }
    // The colour of a count: the class whose lowest count it reaches.
    function colourOf(n, lows, colours, zero) {
        if (n <= 0) { return zero; }
        var k = 0;
        while (k + 1 < lows.length && lows[k + 1] <= n) { k += 1; }
        return colours[k];
    }

    L.Control.BsPlayback = L.Control.extend({
        options: {position: "bottomright", tag: "", speeds: [1, 2, 4, 8, 16]},

        onAdd: function (map) {
            var self = this, bar = L.DomUtil.create("div", "leaflet-bar bs-playback");
            this._map = map;
            this._on = false;
            this._timer = null;
            this._pending = null;  // what waits for the counts: {day, play, again}
            this._seen = null;  // the counts last taken in
            map._bsPlayback = this;  // for the browser benchmark, which plays it frame by frame
            // Folded to one button until the reader opens it: at the map's first view the
            // control covers none of the focus states.
            this._opener = element("button", bar, "▶ Playback", "Playback: show the control that plays the events through time");
            this._opener.className = "bs-playback-open";
            this._opener.setAttribute("aria-expanded", "false");
            var panel = element("div", bar);
            panel.className = "bs-playback-panel";
            panel.hidden = true;
            this._panel = panel;
            var buttons = element("div", panel);
            this._back = element("button", buttons, "«", "Step back one window");
            this._play = element("button", buttons, "▶", "Play the events through time");
            this._next = element("button", buttons, "»", "Step forward one window");
            this._all = element("button", buttons, "■", "Stop: show every filtered event");
            this._fold = element("button", buttons, "×", "Hide playback (it goes on playing)");
            this._fold.className = "bs-playback-fold";
            var settings = element("div", panel);
            this._unit = select(settings, "Window", [["day", "a day"], ["week", "a week"], ["month", "a month"]], "week");
            this._mode = select(settings, "Moving or cumulative", [["moving", "moving"], ["cumulative", "cumulative"]], "moving");
            this._speed = select(settings, "Windows per second",
                this.options.speeds.map(function (s) { return [String(s), s + "/s"]; }), "2");
            var go = element("div", panel);
            this._goto = element("input", go, "", "Go to the window of a day");
            this._goto.type = "date";
            this._use = element("button", go, "Use this window", "Use this window as From and To");
            this._label = element("div", panel, "Playback: off");
            this._label.className = "bs-playback-window";
            this._label.setAttribute("aria-live", "polite");
            // A hidden layer whose click streamlit-folium reports with its tooltip. On the map from
            // the start (streamlit-folium listens to the layers it finds when mounted); its tooltip
            // only while it reports (Leaflet makes a layer with a tooltip a tab stop).
            this._reporter = L.circleMarker([0, 0], {radius: 0, opacity: 0, fillOpacity: 0, interactive: false})
                .addTo(map);
            L.DomEvent.on(this._opener, "click", function () { self.unfold(true); });
            L.DomEvent.on(this._fold, "click", function () { self.unfold(false); });
            L.DomEvent.on(this._play, "click", function () { self._playing() ? self.pause() : self.play(); });
            L.DomEvent.on(this._back, "click", function () { self.step(-1); });
            L.DomEvent.on(this._next, "click", function () { self.step(1); });
            L.DomEvent.on(this._all, "click", function () { self.stop(); });
            // The histogram's unit: the page answers with the counts of the new windows.
            L.DomEvent.on(this._unit, "change", function () {
                self.pause();
                self._report(self.options.tag + "-unit " + self._unit.value);
            });
            L.DomEvent.on(this._mode, "change", function () { if (self._on) { self.show(self._start); } });
            L.DomEvent.on(this._goto, "change", function () {
                var day = dayOf(self._goto.value);
                if (day !== null) { self.pause(); self.show(day); }
            });
            L.DomEvent.on(this._use, "click", function () { self.use(); });
            L.DomEvent.disableClickPropagation(bar);
            L.DomEvent.disableScrollPropagation(bar);
            // A rerun replaces the filtered layers: the playback applies itself to the new ones
            // once their scripts have run (the layer is added before its counts are attached).
            map.on("layeradd", function (e) {
                if (e.layer instanceof L.FeatureGroup) {
                    setTimeout(function () { self._arrived(); }, 0);
                }
            });
            return bar;
        },

        // Open the control (true) or fold it to its one button (false); the focus follows.
        unfold: function (open) {
            this._panel.hidden = !open;
            this._opener.hidden = open;
            this._opener.setAttribute("aria-expanded", String(open));
            (open ? this._play : this._opener).focus();
        },

        // New counts from the page: their unit is the window's; a playback on goes on with them,
        // and what waited for them is done.
        _arrived: function () {
            var data = this._data();
            if (data === null || data === this._seen) { return; }  // a rerun adds several layers
            this._seen = data;
            this._unit.value = data.unit;
            var pending = this._pending;
            if (data.days === null) {
                // Still no counts: the ask may have been lost among other reports; asked once more.
                if (pending && !pending.again) { pending.again = true; this._report(this.options.tag + "-play"); }
                return;
            }
            this._pending = null;
            if (pending) {
                if (this.show(pending.day) && pending.play) { this.play(); }
            } else if (this._on) {
                this.show(this._start);
            } else {
                // Counts for a playback that is off (a new map, after another page): not needed.
                this._report(this.options.tag + "-off");
            }
        },

        // True when the counts are here; else asks the page for them (once), to do `then` when they come.
        _ready: function (then) {
            var data = this._data();
            if (data !== null && data.days !== null) { return true; }
            var asked = this._pending !== null;
            this._pending = asked ? {day: then.day, play: then.play || this._pending.play, again: this._pending.again}
                : {day: then.day, play: then.play, again: false};
            this._label.textContent = "Playback: counting the events per window…";
            if (!asked) { this._report(this.options.tag + "-play"); }
            return false;
        },

        // What a layer of this rerun carries under `name` (the newest such layer), or null.
        _attached: function (name) {
            var found = null;
            this._map.eachLayer(function (layer) { if (layer[name]) { found = layer[name]; } });
            return found;
        },

        // The counts per window (render/playback.py WindowCounts), on the focus states' layer.
        _data: function () { return this._attached("_bsWindows"); },

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

        // The density layer (mapcontrols.DensityCells): its rectangles, in the order of the counts.
        _cells: function () { return this._attached("_bsCells"); },

        // The focus states' shapes (mapview.build_country_layer: each feature's id is its code).
        _states: function () {
            var found = [];
            this._map.eachLayer(function (layer) {
                var f = layer.feature;
                if (f && f.properties && f.properties.fill !== undefined) { found.push(layer); }
            });
            return found;
        },

        _showMarkers: function (span, cumulative) {
            var groups = new Map();
            this._markers().forEach(function (m) {
                var visible = m.t0 <= span[1] && (cumulative || m.t1 >= span[0]);
                if (!groups.has(m.group)) { groups.set(m.group, {add: [], remove: []}); }
                var g = groups.get(m.group), present = m.group.hasLayer(m.marker);
                if (visible && !present) { g.add.push(m.marker); }
                else if (!visible && present) { g.remove.push(m.marker); }
            });
            groups.forEach(function (g, group) { group.removeLayers(g.remove); group.addLayers(g.add); });
        },

        // Recolour each cell by its events in the window; a cell without any is not drawn.
        _showCells: function (data, k, cumulative) {
            var d = this._cells();
            if (d === null || !data.cells) { return; }
            var counts = shownIn(data.cells, k, data.days.length, cumulative);
            if (!d.tips) { d.tips = d.rects.map(function (r) { return r.getTooltip().getContent(); }); }
            if (!d.last) { d.last = d.rects.map(function () { return -1; }); }
            if (!d.classes) { d.classes = d.steps.map(function (step) { return d.colours[step]; }); }
            d.rects.forEach(function (rect, i) {
                var n = counts[i];
                if (n === d.last[i]) { return; }  // unchanged: not redrawn
                d.last[i] = n;
                rect.setTooltipContent(many(n, "event") + " in this window");
                if (n === 0) { rect.setStyle({opacity: 0, fillOpacity: 0}); return; }
                rect.setStyle({opacity: 0.6, fillOpacity: 0.75, fillColor: colourOf(n, d.lows, d.classes, null)});
            });
        },

        // Fill each focus state by its events in the window, as the legend's classes do.
        _showStates: function (data, k, cumulative) {
            var self = this, counts = shownIn(data.states, k, data.days.length, cumulative), fills = data.fills;
            this._states().forEach(function (layer) {
                var i = data.states.codes.indexOf(layer.feature.id), n = i >= 0 ? counts[i] : 0;
                layer._bsFill = colourOf(n, fills.lows, fills.colours, fills.zero);
                layer.setStyle({fillColor: layer._bsFill});
                // The tooltip is the page's escaped markup; only a number is added to it.
                layer.setTooltipContent(layer.feature.properties.tooltip + "<br>" + many(n, "event")
                    + " in this window");
                if (!layer._bsHover) {  // the highlight's mouseout restores the fill of every event
                    layer._bsHover = true;
                    layer.on("mouseout", function () { if (self._on && this._bsFill) { this.setStyle({fillColor: this._bsFill}); } });
                }
            });
            return counts.reduce(function (a, b) { return a + b; }, 0);
        },

        _restore: function () {
            this._map.eachLayer(function (layer) {
                if (layer._bsAll) {
                    layer.addLayers(layer._bsAll.filter(function (m) { return !layer.hasLayer(m); }));
                }
                var f = layer.feature;
                if (layer._bsFill && f) {
                    layer._bsFill = null;
                    layer.setStyle({fillColor: f.properties.fill});
                    layer.setTooltipContent(f.properties.tooltip);
                }
            });
            var d = this._cells();
            if (d && d.tips) {
                d.rects.forEach(function (rect, i) {
                    rect.setStyle({opacity: 0.6, fillOpacity: 0.75, fillColor: d.colours[d.cells[i][5]]});
                    rect.setTooltipContent(d.tips[i]);
                });
                d.last = null;
            }
        },

        _playing: function () { return this._timer !== null; },

        // The window that holds `day` (the first window before the first, the last after the last).
        _index: function (data, day) {
            var low = 0, high = data.days.length - 1;
            while (low < high) {
                var middle = (low + high + 1) >> 1;
                if (data.days[middle] <= day) { low = middle; } else { high = middle - 1; }
            }
            return low;
        },

        // Show the window that holds `day`, or the first one.
        show: function (day) {
            if (!this._ready({day: day, play: false})) { return false; }
            var data = this._data();
            if (data.days.length === 0) {
                this._label.textContent = "Playback: no events to play";
                return false;
            }
            var k = this._index(data, day === undefined || day === null ? data.days[0] : day);
            var span = [data.days[k], (k + 1 < data.days.length ? data.days[k + 1] : data.end) - 1];
            var cumulative = this._mode.value === "cumulative";
            this._on = true;
            this._k = k;
            this._start = span[0];
            this._window = span;
            this._showMarkers(span, cumulative);
            this._showCells(data, k, cumulative);
            var shown = this._showStates(data, k, cumulative);
            this._label.textContent = (cumulative ? "Up to " : "") + iso(span[0]) + " – " + iso(span[1])
                + " · " + many(shown, "event") + (data.tooManyCells
                    ? " (the cells stay still: too many × windows; choose a longer window or narrow the filter)"
                    : "");
            this._goto.value = iso(span[0]);
            this._map.fire("bsplayback", {first: iso(span[0]), last: iso(span[1]), shown: shown});
            return true;
        },

        // One window on or back; false at either end (or when nothing plays).
        step: function (direction) {
            var data = this._data();
            if (!this._on) { return this.show(null); }
            var k = this._k + direction;
            if (data === null || data.days === null || k < 0 || k >= data.days.length) { return false; }
            return this.show(data.days[k]);
        },

        play: function () {
            var self = this;
            if (!this._ready({day: this._on ? this._start : null, play: true})) { return; }
            if (!this._on && !this.show(null)) { return; }
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

        // Playback off: every filtered event shows again, and the page no longer counts per window.
        stop: function () {
            var data = this._data();
            this.pause();
            var asked = this._pending !== null;
            this._on = false;
            this._pending = null;
            this._restore();
            this._label.textContent = "Playback: off";
            if (asked || (data !== null && data.days !== null)) { this._report(this.options.tag + "-off"); }
        },

        use: function () {
            if (!this._on) { return; }
            this.pause();
            this._report(this.options.tag + " " + iso(this._window[0]) + " " + iso(this._window[1]));
        },

        _report: function (words) {
            this._reporter.bindTooltip(words);
            this._reporter.fire("click", {latlng: this._map.getCenter()});
            this._reporter.unbindTooltip();
        }
    });
})();
