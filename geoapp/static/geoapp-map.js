/* geoapp choropleth layer: draws communes from GeoJSON and per-unit values.
 * Every attribute value is inserted as text (textContent), never as HTML.
 * The map does not trap the page: the wheel scrolls the page until the map is
 * clicked (or Ctrl/⌘ is held), one Tab stop with arrow keys between communes,
 * labels that never overlap, a legend that highlights and hides classes, and
 * the current view (zoom, centre, selected commune) kept in the URL.
 * Large layers (more features than opts.canvasAbove) are drawn on one canvas, with one
 * shared tooltip and popup built when needed and labels only for the communes in view. */
(function () {
  "use strict";
  var NODATA = "#bdbdbd";
  var NODATA_CLASS = -1, NA_CLASS = -2;
  var isMac = /Mac|iPhone|iPad/.test(navigator.platform || "");

  function load(source) {
    if (typeof source === "string") {
      return fetch(source, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status + " " + source); }
        return r.json();
      });
    }
    return Promise.resolve(source);
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function profileHref(template, code) {
    return template.replace("{code}", encodeURIComponent(code));
  }

  function shortName(name) {
    return String(name || "").replace(/^(Thị trấn|Phường|Xã|Thành phố|Huyện)\s+/, "");
  }

  function tooltipContent(props, rec, opts) {
    var L_ = opts.labels || {};
    var box = el("div", "geoapp-tip");
    box.appendChild(el("strong", null, props.name));
    var district = (rec && rec.district) || props.district_name;
    if (district) { box.appendChild(el("div", "geoapp-tip-district", district)); }
    if (opts.values) {
      box.appendChild(el("div", null, (opts.title ? opts.title + ": " : "") + (rec ? rec.value : L_.noData)));
      if (opts.year) { box.appendChild(el("div", "geoapp-tip-year", (L_.year || "") + " " + opts.year)); }
      if (rec && rec.status === "illustrative") { box.appendChild(el("div", "geoapp-tip-flag", L_.illustrative)); }
      if (rec && rec.derived) { box.appendChild(el("div", "geoapp-tip-derived", L_.derived)); }
      if (rec && rec.rule_text) { box.appendChild(el("div", "geoapp-tip-rule", (L_.rule || "") + ": " + rec.rule_text)); }
      if (rec && rec.parts && rec.parts.length) { box.appendChild(partsList(rec.parts, L_.madeOf)); }
    }
    return box;
  }

  function partsList(parts, label) {
    var wrap = el("div", "geoapp-tip-parts", (label || "") + ":");
    var list = el("ul");
    parts.forEach(function (name) { list.appendChild(el("li", null, name)); });
    wrap.appendChild(list);
    return wrap;
  }

  /* Derived values are hatched: an SVG pattern of the class colour with white diagonal lines,
   * defined once per colour in a hidden <svg> of the page and used as the path's fill. */
  function hatchFill(color) {
    var NS = "http://www.w3.org/2000/svg";
    var id = "geoapp-hatch-" + String(color).replace(/[^0-9a-zA-Z]/g, "");
    if (!document.getElementById(id)) {
      var defs = document.getElementById("geoapp-hatch-defs");
      if (!defs) {
        var svg = document.createElementNS(NS, "svg");
        svg.setAttribute("width", "0"); svg.setAttribute("height", "0");
        svg.setAttribute("aria-hidden", "true");
        svg.style.position = "absolute";
        defs = document.createElementNS(NS, "defs");
        defs.id = "geoapp-hatch-defs";
        svg.appendChild(defs);
        document.body.appendChild(svg);
      }
      var pattern = document.createElementNS(NS, "pattern");
      pattern.id = id;
      pattern.setAttribute("patternUnits", "userSpaceOnUse");
      pattern.setAttribute("width", "8"); pattern.setAttribute("height", "8");
      pattern.setAttribute("patternTransform", "rotate(45)");
      var rect = document.createElementNS(NS, "rect");
      rect.setAttribute("width", "8"); rect.setAttribute("height", "8"); rect.setAttribute("fill", color);
      var line = document.createElementNS(NS, "line");
      line.setAttribute("x1", "0"); line.setAttribute("y1", "0"); line.setAttribute("x2", "0"); line.setAttribute("y2", "8");
      line.setAttribute("stroke", "#ffffff"); line.setAttribute("stroke-width", "3");
      pattern.appendChild(rect); pattern.appendChild(line);
      defs.appendChild(pattern);
    }
    return "url(#" + id + ")";
  }
  window.geoappHatchFill = hatchFill;

  /* The legend's derived-values line, when derived values are outlined (canvas) instead of hatched. */
  function outlineDerivedLegend() {
    var line = document.getElementById("legend-derived");
    if (!line || !line.getAttribute("data-outline-label")) { return; }
    var swatch = line.querySelector(".swatch");
    if (swatch) { swatch.className = "swatch outlined"; }
    line.lastChild.textContent = " " + line.getAttribute("data-outline-label");
  }

  function popupContent(props, rec, opts) {
    var box = tooltipContent(props, rec, opts);
    if (opts.profileUrl) {
      var a = el("a", "geoapp-profile-link", (opts.labels || {}).profile);
      a.setAttribute("href", profileHref(opts.profileUrl, props.code));
      if (opts.newTab) { a.setAttribute("target", "_blank"); a.setAttribute("rel", "noopener"); }
      box.appendChild(a);
    }
    return box;
  }

  function classOf(rec) {
    return rec ? rec.cls : NODATA_CLASS;
  }

  function styleFor(rec, props, opts, ui) {
    var highlighted = opts.highlight && props.code === opts.highlight;
    var style;
    if (!opts.values) {
      style = {
        color: highlighted ? "#d55e00" : "#555", weight: highlighted ? 3 : 1,
        fillColor: highlighted ? "#e69f00" : "#f2f2f2", fillOpacity: highlighted ? 0.8 : 0.5, opacity: 1, dashArray: null
      };
    } else if (classOf(rec) === NA_CLASS) {
      style = { color: "#777", weight: 1, dashArray: "1 4", fillColor: "#ffffff", fillOpacity: 0.9, opacity: 1 };
    } else if (classOf(rec) === NODATA_CLASS) {
      style = { color: "#666", weight: 1, dashArray: "4 3", fillColor: NODATA, fillOpacity: 0.55, opacity: 1 };
    } else {
      var onCanvas = ui && ui.canvas;  // a canvas has no SVG patterns: derived values get a dashed black outline there
      style = { color: "#444", weight: highlighted ? 3 : 1, fillColor: rec.derived && !onCanvas ? hatchFill(rec.color) : rec.color, fillOpacity: 0.85, opacity: 1, dashArray: null };
      if (rec.derived && onCanvas) { style.color = "#000"; style.weight = 2.5; style.dashArray = "6 3"; }
    }
    if (ui) {
      var cls = classOf(rec);
      if (ui.hidden[cls]) { style.fillOpacity = 0.03; style.opacity = 0.15; }
      else if (ui.emphasis !== null && ui.emphasis !== cls) { style.fillOpacity = 0.15; style.opacity = 0.3; }
      else if (ui.emphasis !== null) { style.weight = 3; style.color = "#000"; }
      if (ui.selected === props.code) { style.weight = 4; style.color = "#000"; }
    }
    return style;
  }

  /* ---- the wheel scrolls the page until the map is clicked or Ctrl/⌘ is held ---- */
  function cooperativeWheel(map, L_) {
    var box = map.getContainer();
    var hint = el("div", "geoapp-wheel-hint", isMac ? L_.wheelHintMac : L_.wheelHint);
    hint.setAttribute("aria-hidden", "true");
    box.appendChild(hint);
    var timer = null;
    map.scrollWheelZoom.disable();
    box.addEventListener("wheel", function (event) {
      if (map.scrollWheelZoom.enabled()) { return; }
      if (event.ctrlKey || event.metaKey) {
        event.preventDefault();
        var step = event.deltaY < 0 ? 1 : -1;
        map.setZoomAround(map.mouseEventToContainerPoint(event), map.getZoom() + step);
        return;
      }
      box.classList.add("geoapp-wheel-hint-on");
      clearTimeout(timer);
      timer = setTimeout(function () { box.classList.remove("geoapp-wheel-hint-on"); }, 1600);
    }, { passive: false });
    box.addEventListener("click", function () {  // capture: a commune's popup stops the event
      map.scrollWheelZoom.enable();
      box.classList.remove("geoapp-wheel-hint-on");
      box.setAttribute("data-wheel", "zoom");
    }, true);
    box.addEventListener("mouseleave", function () {
      map.scrollWheelZoom.disable();
      box.setAttribute("data-wheel", "page");
    });
    box.setAttribute("data-wheel", "page");
  }

  /* ---- translated zoom buttons, "whole area", metric scale, plain attribution prefix ---- */
  function controls(map, L_, home) {
    if (map.zoomControl) { map.removeControl(map.zoomControl); }
    L.control.zoom({ zoomInTitle: L_.zoomIn || "+", zoomOutTitle: L_.zoomOut || "-" }).addTo(map);
    var Whole = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var bar = L.DomUtil.create("div", "leaflet-bar geoapp-whole-area");
        var button = el("button", null, L_.wholeArea || "⤢");
        button.type = "button";
        button.title = L_.wholeArea || "";
        L.DomEvent.disableClickPropagation(bar);
        L.DomEvent.on(button, "click", function () { map.fitBounds(home(), { padding: [8, 8] }); });
        bar.appendChild(button);
        return bar;
      }
    });
    new Whole().addTo(map);
    L.control.scale({ imperial: false, metric: true }).addTo(map);
    if (map.attributionControl) { map.attributionControl.setPrefix("Leaflet"); }
  }

  /* ---- labels: commune names where they fit, district names first, no overlaps ---- */
  function labelPane(map) {
    if (!map.getPane("geoapp-labels")) {
      var pane = map.createPane("geoapp-labels");
      pane.style.zIndex = 640;
      pane.style.pointerEvents = "none";
    }
    return "geoapp-labels";
  }

  function makeLabel(map, latlng, text, kind) {
    var span = el("span", null, text);
    var marker = L.marker(latlng, {
      icon: L.divIcon({ className: "geoapp-label geoapp-label-" + kind, html: "", iconSize: [0, 0] }),
      interactive: false, keyboard: false, pane: labelPane(map)
    }).addTo(map);
    var icon = marker.getElement();
    icon.setAttribute("aria-hidden", "true");
    icon.appendChild(span);
    return { marker: marker, span: span, kind: kind };
  }

  function overlaps(a, b) {
    var pad = 2;
    return a.left < b.right + pad && b.left < a.right + pad && a.top < b.bottom + pad && b.top < a.bottom + pad;
  }

  function fitsInside(map, layer, rect) {
    var bounds = layer.getBounds();
    var sw = map.latLngToContainerPoint(bounds.getSouthWest());
    var ne = map.latLngToContainerPoint(bounds.getNorthEast());
    return rect.width <= (ne.x - sw.x) * 0.95 && rect.height <= (sw.y - ne.y) * 0.9;
  }

  function placeLabels(map, labels) {
    var frame = map.getContainer().getBoundingClientRect();
    var placed = [];
    var shown = 0;
    labels.forEach(function (label) {
      var icon = label.marker.getElement();
      icon.classList.remove("geoapp-label-off");
      var rect = label.span.getBoundingClientRect();
      var ok = rect.width > 0 && rect.left >= frame.left && rect.right <= frame.right &&
        rect.top >= frame.top && rect.bottom <= frame.bottom;
      if (ok && label.layer && label.layer._map) { ok = fitsInside(map, label.layer, rect); }
      if (ok && label.layer && !label.layer._map) { ok = false; }
      if (ok) { ok = !placed.some(function (other) { return overlaps(rect, other); }); }
      if (ok) { placed.push(rect); shown += 1; } else { icon.classList.add("geoapp-label-off"); }
    });
    map.getContainer().setAttribute("data-labels", String(shown));
  }

  /* Large layers: commune labels only for the biggest communes in view, rebuilt after each move. */
  var LABELS_IN_VIEW = 150;
  var LABEL_MIN_PIXELS = 48;

  function communeLabelsInView(map, byCode, codes, labels) {
    labels.forEach(function (label) { if (label.code) { map.removeLayer(label.marker); } });
    var kept = labels.filter(function (label) { return !label.code; });
    var view = map.getBounds();
    var candidates = [];
    codes.forEach(function (code) {
      var b = byCode[code].getBounds();
      if (!view.intersects(b)) { return; }
      var sw = map.latLngToContainerPoint(b.getSouthWest());
      var ne = map.latLngToContainerPoint(b.getNorthEast());
      var width = ne.x - sw.x, height = sw.y - ne.y;
      if (width >= LABEL_MIN_PIXELS && height >= LABEL_MIN_PIXELS / 3) { candidates.push({ code: code, area: width * height }); }
    });
    candidates.sort(function (a, b) { return b.area - a.area; });
    candidates.slice(0, LABELS_IN_VIEW).forEach(function (c) {
      var lyr = byCode[c.code];
      var label = makeLabel(map, lyr.getCenter(), shortName(lyr.feature.properties.name), "commune");
      label.layer = lyr;
      label.code = c.code;
      label.area = c.area;
      kept.push(label);
    });
    kept.sort(function (a, b) { return b.area - a.area; });
    return kept;
  }

  /* ---- the view in the URL: zoom, centre and the selected commune ---- */
  function viewFromUrl() {
    var params = new URLSearchParams(window.location.search);
    var zoom = parseInt(params.get("zoom"), 10);
    var centre = (params.get("center") || "").split(",").map(parseFloat);
    var view = { commune: params.get("commune") || null };
    if (!isNaN(zoom) && centre.length === 2 && !isNaN(centre[0]) && !isNaN(centre[1]) &&
        Math.abs(centre[0]) <= 90 && Math.abs(centre[1]) <= 180) {
      view.zoom = Math.max(0, Math.min(18, zoom));
      view.center = centre;
    }
    return view;
  }

  function writeViewToUrl(map, ui) {
    var params = new URLSearchParams(window.location.search);
    var c = map.getCenter();
    params.set("zoom", String(map.getZoom()));
    params.set("center", c.lat.toFixed(5) + "," + c.lng.toFixed(5));
    if (ui.selected) { params.set("commune", ui.selected); } else { params.delete("commune"); }
    var url = window.location.pathname + "?" + params.toString() + window.location.hash;
    window.history.replaceState(window.history.state, "", url);
    document.dispatchEvent(new CustomEvent("geoapp:view", { detail: { url: url } }));
  }

  /* Detail bands (geoapp/maps/simplify.py): the coarse geometry first, a finer band once zoomed in. */
  var BANDS = [["low", 7], ["mid", 10], ["full", Infinity]];

  function bandRank(band) {
    for (var i = 0; i < BANDS.length; i++) { if (BANDS[i][0] === band) { return i; } }
    return BANDS.length - 1;
  }

  function bandForZoom(zoom) {
    for (var i = 0; i < BANDS.length; i++) { if (zoom <= BANDS[i][1]) { return BANDS[i][0]; } }
    return "full";
  }

  function withBand(source, band) {
    if (typeof source !== "string") { return source; }
    return source + (source.indexOf("?") < 0 ? "?" : "&") + "detail=" + band;
  }

  function refineOnZoom(map, layer, source, band, redraw) {
    if (typeof source !== "string") { return; }
    var current = band;
    map.on("zoomend", function () {
      var wanted = bandForZoom(map.getZoom());
      if (bandRank(wanted) <= bandRank(current)) { return; }
      current = wanted;
      load(withBand(source, wanted)).then(function (geometry) {
        layer.clearLayers();
        layer.addData(geometry);
        redraw(wanted);
      }).catch(function () { current = band; });
    });
  }

  /* Large layers: one tooltip follows the hovered commune and one popup opens on click,
   * their contents built for that commune only (no tooltip or popup bound per feature). */
  function sharedDetails(map, layer, values, opts, ui, on) {
    var tooltip = L.tooltip({ sticky: true, className: "geoapp-tooltip", direction: "auto", offset: [12, 0] });
    var popup = L.popup({ autoPanPadding: [20, 20] });
    var hovered = null, openCode = null;
    function recOf(lyr) { return values[lyr.feature.properties.code]; }
    layer.on("mouseover", function (e) {
      hovered = e.layer;
      hovered.setStyle({ weight: 3 });
      if (map.hasLayer(popup) && openCode === hovered.feature.properties.code) { return; }
      tooltip.setContent(tooltipContent(hovered.feature.properties, recOf(hovered), opts)).setLatLng(e.latlng);
      map.openTooltip(tooltip);
    });
    layer.on("mousemove", function (e) { if (hovered && map.hasLayer(tooltip)) { tooltip.setLatLng(e.latlng); } });
    layer.on("mouseout", function (e) {
      e.layer.setStyle(styleFor(recOf(e.layer), e.layer.feature.properties, opts, ui));
      hovered = null;
      map.closeTooltip(tooltip);
    });
    layer.on("click", function (e) { open(e.layer, e.latlng); });
    map.on("popupclose", function (e) {
      if (e.popup !== popup) { return; }
      var code = openCode;
      openCode = null;
      on.closed(code);
    });
    function open(lyr, latlng) {
      var code = lyr.feature.properties.code;
      map.closeTooltip(tooltip);
      if (map.hasLayer(popup)) { map.closePopup(popup); }
      popup.setLatLng(latlng || lyr.getCenter()).setContent(popupContent(lyr.feature.properties, recOf(lyr), opts));
      openCode = code;
      map.openPopup(popup);
      on.selected(code);
    }
    return { open: open };
  }

  window.geoappMaps = window.geoappMaps || {};

  window.geoappChoropleth = function (map, opts) {
    var container = map.getContainer();
    var L_ = opts.labels || {};
    var frame = container.closest("[data-districts-url]");
    var districtsUrl = frame ? frame.getAttribute("data-districts-url") : null;
    var keepsView = !!container.closest("[data-url-view]");
    var ui = { hidden: {}, emphasis: null, selected: null };
    container.setAttribute("data-state", "loading");
    cooperativeWheel(map, L_);
    var band = bandForZoom(map.getZoom());
    return Promise.all([
      load(withBand(opts.geometry, band)),
      opts.values ? load(opts.values) : Promise.resolve(null),
      districtsUrl ? load(districtsUrl).catch(function () { return null; }) : Promise.resolve(null)
    ]).then(function (res) {
      var geometry = res[0];
      var values = res[1] ? res[1].values : {};
      if (res[1]) { opts.title = opts.title || res[1].title; }
      var byCode = {};
      var large = (geometry.features || []).length > (opts.canvasAbove || Infinity);
      ui.canvas = large;
      var layerOptions = {
        attribution: opts.attribution ? el("span", null, opts.attribution).outerHTML : undefined,
        style: function (f) { return styleFor(values[f.properties.code], f.properties, opts, ui); },
        onEachFeature: large ? function (f, lyr) { byCode[f.properties.code] = lyr; } : function (f, lyr) {
          var rec = values[f.properties.code];
          byCode[f.properties.code] = lyr;
          lyr.bindTooltip(tooltipContent(f.properties, rec, opts), { sticky: true, className: "geoapp-tooltip" });
          lyr.bindPopup(popupContent(f.properties, rec, opts), { autoPanPadding: [20, 20] });
          lyr.on("mouseover", function () { lyr.setStyle({ weight: 3 }); });
          lyr.on("mouseout", function () { lyr.setStyle(styleFor(rec, f.properties, opts, ui)); });
          lyr.on("popupopen", function () { lyr.closeTooltip(); select(f.properties.code, false); });
          lyr.on("tooltipopen", function () { if (lyr.isPopupOpen()) { lyr.closeTooltip(); } });
          lyr.on("popupclose", function () { if (ui.selected === f.properties.code) { select(null, false); } });
        }
      };
      if (large) {
        layerOptions.renderer = L.canvas({ padding: 0.2, tolerance: 2 });
        container.setAttribute("data-renderer", "canvas");
        outlineDerivedLegend();
      }
      var layer = L.geoJSON(geometry, layerOptions).addTo(map);
      var shared = large ? sharedDetails(map, layer, values, opts, ui, {
        selected: function (code) { select(code, false); },
        closed: function (code) { if (ui.selected === code) { select(null, false); } }
      }) : null;
      function openDetails(code, latlng) {
        if (shared) { shared.open(byCode[code], latlng); } else { byCode[code].openPopup(latlng); }
      }
      var codes = Object.keys(byCode);
      var entry = {
        map: map, layer: layer, byCode: byCode, large: large, open: openDetails,
        select: function (code) { select(code, true); }
      };
      function tagAll(detail) {
        codes.forEach(function (code) {
          var path = byCode[code].getElement && byCode[code].getElement();
          if (path) {
            path.setAttribute("data-code", code);
            path.setAttribute("data-class", String(classOf(values[code])));
            path.setAttribute("focusable", "false");
            path.setAttribute("tabindex", "-1");
            if (values[code] && values[code].derived) { path.setAttribute("data-derived", "true"); }
          }
        });
        container.setAttribute("data-detail", detail);
      }
      tagAll(band);
      var orderCache = null;
      function order() {  // by name, built on the first key press
        if (!orderCache) {
          var collator = new Intl.Collator("vi");
          orderCache = codes.slice().sort(function (a, b) {
            return collator.compare(String(byCode[a].feature.properties.name), String(byCode[b].feature.properties.name));
          });
        }
        return orderCache;
      }

      function restyle() {
        codes.forEach(function (code) {
          byCode[code].setStyle(styleFor(values[code], byCode[code].feature.properties, opts, ui));
          var path = byCode[code].getElement && byCode[code].getElement();
          if (path) { path.setAttribute("data-hidden", ui.hidden[classOf(values[code])] ? "true" : "false"); }
        });
        if (ui.selected && byCode[ui.selected]) { byCode[ui.selected].bringToFront(); }
      }

      function select(code, announce) {
        ui.selected = code && byCode[code] ? code : null;
        restyle();
        if (announce && ui.selected) {
          var props = byCode[code].feature.properties;
          var rec = values[code];
          var district = (rec && rec.district) || props.district_name;
          live.textContent = props.name + (district ? ", " + district : "") +
            (opts.values ? ": " + (rec ? rec.value : L_.noData) : "");
        }
        if (keepsView && ready) { writeViewToUrl(map, ui); }
      }

      /* Districts: outlines and names above the communes (whole-province view). */
      var labels = [];
      var districtLayer = null;
      if (res[2]) {
        if (!map.getPane("geoapp-districts")) {
          map.createPane("geoapp-districts").style.zIndex = 450;
          map.getPane("geoapp-districts").style.pointerEvents = "none";
        }
        districtLayer = L.geoJSON(res[2], {
          pane: "geoapp-districts", interactive: false,
          style: function () { return { color: "#1f2933", weight: 2.5, fill: false, opacity: 0.9 }; }
        }).addTo(map);
        districtLayer.eachLayer(function (lyr) {
          var label = makeLabel(map, lyr.getCenter(), lyr.feature.properties.name, "district");
          label.area = Infinity;
          labels.push(label);
        });
      }
      if (opts.labelsOff !== true && !large) {
        codes.forEach(function (code) {
          var lyr = byCode[code];
          var b = lyr.getBounds();
          var label = makeLabel(map, lyr.getCenter(), shortName(lyr.feature.properties.name), "commune");
          label.layer = lyr;
          label.code = code;
          label.area = (b.getNorth() - b.getSouth()) * (b.getEast() - b.getWest());
          labels.push(label);
        });
      }
      labels.sort(function (a, b) { return b.area - a.area; });
      function relabel() {
        if (large && opts.labelsOff !== true) { labels = entry.labels = communeLabelsInView(map, byCode, codes, labels); }
        placeLabels(map, labels);
      }
      map.on("zoomend moveend resize", relabel);

      /* One Tab stop: arrow keys move between communes, Enter opens the details, +/- zoom. */
      var live = el("div", "visually-hidden geoapp-live");
      live.setAttribute("aria-live", "polite");
      container.parentNode.insertBefore(live, container.nextSibling);
      var help = el("p", "visually-hidden", L_.keyboardHint || "");
      help.id = container.id + "-keys";
      container.parentNode.insertBefore(help, live);
      container.setAttribute("tabindex", "0");
      container.setAttribute("role", "application");
      container.setAttribute("aria-label", (L_.map || "") + (opts.title ? ": " + opts.title : ""));
      container.setAttribute("aria-describedby", help.id);
      if (map.keyboard) { map.keyboard.disable(); }
      container.addEventListener("keydown", function (event) {
        if (event.target !== container) { return; }
        var key = event.key;
        var names = order();
        var at = ui.selected ? names.indexOf(ui.selected) : -1;
        if (key === "ArrowRight" || key === "ArrowDown" || key === "ArrowLeft" || key === "ArrowUp") {
          event.preventDefault();
          var step = key === "ArrowRight" || key === "ArrowDown" ? 1 : -1;
          var next = names[(at + step + names.length) % names.length];
          if (at < 0 && step < 0) { next = names[names.length - 1]; }
          map.closePopup();
          select(next, true);
          var bounds = byCode[next].getBounds();
          if (!map.getBounds().contains(bounds)) { map.fitBounds(bounds, { maxZoom: map.getZoom(), padding: [20, 20] }); }
        } else if ((key === "Enter" || key === " ") && ui.selected) {
          event.preventDefault();
          openDetails(ui.selected);
        } else if (key === "+" || key === "=") {
          event.preventDefault(); map.zoomIn();
        } else if (key === "-" || key === "_") {
          event.preventDefault(); map.zoomOut();
        } else if (key === "Escape") {
          map.closePopup(); select(null, false);
        }
      });

      /* Legend: hovering or focusing a class highlights its units; a class can be hidden. */
      var legend = opts.values ? document.getElementById(opts.legendId || "legend") : null;
      if (legend) {
        legend.querySelectorAll("li[data-class]").forEach(function (li) {
          var raw = li.getAttribute("data-class");
          var cls = raw === "nodata" ? NODATA_CLASS : raw === "na" ? NA_CLASS : parseInt(raw, 10);
          function on() { ui.emphasis = cls; restyle(); }
          function off() { ui.emphasis = null; restyle(); }
          li.addEventListener("mouseenter", on);
          li.addEventListener("mouseleave", off);
          li.addEventListener("focusin", on);
          li.addEventListener("focusout", off);
          var box = li.querySelector("input[type=checkbox]");
          if (box) {
            box.addEventListener("change", function () {
              if (box.checked) { delete ui.hidden[cls]; } else { ui.hidden[cls] = true; }
              li.classList.toggle("legend-off", !box.checked);
              restyle();
            });
          }
        });
        var toggle = legend.querySelector(".legend-toggle");
        if (toggle) {
          toggle.addEventListener("click", function () {
            var open = toggle.getAttribute("aria-expanded") !== "true";
            toggle.setAttribute("aria-expanded", open ? "true" : "false");
            legend.classList.toggle("legend-open", open);
          });
        }
      }

      var homeTarget = opts.highlight && byCode[opts.highlight] ? byCode[opts.highlight] : layer;
      function home() { return homeTarget.getBounds(); }
      controls(map, L_, home);
      var ready = false;
      var wanted = keepsView ? viewFromUrl() : {};
      if (wanted.center) {
        map.setView(wanted.center, wanted.zoom, { animate: false });
      } else if (home().isValid()) {
        map.fitBounds(home(), { padding: [8, 8], animate: false });
      }
      if (wanted.commune && byCode[wanted.commune]) {
        select(wanted.commune, false);
        openDetails(wanted.commune, byCode[wanted.commune].getCenter());
        if (wanted.center) { map.setView(wanted.center, wanted.zoom, { animate: false }); }
      }
      ready = true;
      container.setAttribute("data-zoom", String(map.getZoom()));
      map.on("moveend", function () { container.setAttribute("data-zoom", String(map.getZoom())); });
      if (keepsView) { map.on("moveend", function () { writeViewToUrl(map, ui); }); }
      if (large) {  // the polygons are painted first, the labels right after
        L.Util.requestAnimFrame(function () { setTimeout(relabel, 0); });
      } else {
        relabel();
      }
      refineOnZoom(map, layer, opts.geometry, band, function (finer) {
        tagAll(finer);
        labels.forEach(function (label) { if (label.code) { label.layer = byCode[label.code]; } });
        restyle();
        relabel();
      });

      entry.districts = districtLayer;
      entry.labels = labels;
      entry.home = home;
      window.geoappMaps[container.id] = entry;
      container.setAttribute("data-features", String(codes.length));
      container.setAttribute("data-state", "ready");
      container.dispatchEvent(new CustomEvent("geoapp:ready", { bubbles: true }));
      return layer;
    })
      .catch(function (err) {
        container.setAttribute("data-state", "error");
        var msg = el("div", "geoapp-map-error", L_.loadError || String(err));
        container.appendChild(msg);
        if (window.console) { window.console.error(err); }
      });
  };

  window.geoappFocus = function (code) {
    Object.keys(window.geoappMaps).forEach(function (id) {
      var entry = window.geoappMaps[id];
      var lyr = entry.byCode[code];
      if (lyr) { entry.map.fitBounds(lyr.getBounds(), { maxZoom: 13 }); entry.open(code); }
    });
  };
})();
