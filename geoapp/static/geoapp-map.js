/* geoapp choropleth layer: draws communes from GeoJSON and per-unit values.
 * Every attribute value is inserted as text (textContent), never as HTML. */
(function () {
  "use strict";
  var NODATA = "#bdbdbd";

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

  function tooltipContent(props, rec, opts) {
    var L_ = opts.labels || {};
    var box = el("div", "geoapp-tip");
    box.appendChild(el("strong", null, props.name));
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

  function styleFor(rec, props, opts) {
    var highlighted = opts.highlight && props.code === opts.highlight;
    if (!opts.values) {
      return {
        color: highlighted ? "#d55e00" : "#555", weight: highlighted ? 3 : 1,
        fillColor: highlighted ? "#e69f00" : "#f2f2f2", fillOpacity: highlighted ? 0.8 : 0.5
      };
    }
    if (!rec || rec.cls < 0) {
      return { color: "#666", weight: 1, dashArray: "4 3", fillColor: NODATA, fillOpacity: 0.55 };
    }
    return { color: "#444", weight: highlighted ? 3 : 1, fillColor: rec.derived ? hatchFill(rec.color) : rec.color, fillOpacity: 0.85 };
  }

  window.geoappMaps = window.geoappMaps || {};

  window.geoappChoropleth = function (map, opts) {
    var container = map.getContainer();
    container.setAttribute("data-state", "loading");
    return Promise.all([load(opts.geometry), opts.values ? load(opts.values) : Promise.resolve(null)])
      .then(function (res) {
        var geometry = res[0];
        var values = res[1] ? res[1].values : {};
        if (res[1]) { opts.title = opts.title || res[1].title; }
        var byCode = {};
        var layer = L.geoJSON(geometry, {
          attribution: opts.attribution ? el("span", null, opts.attribution).outerHTML : undefined,
          style: function (f) { return styleFor(values[f.properties.code], f.properties, opts); },
          onEachFeature: function (f, lyr) {
            var rec = values[f.properties.code];
            byCode[f.properties.code] = lyr;
            lyr.bindTooltip(tooltipContent(f.properties, rec, opts), { sticky: true, className: "geoapp-tooltip" });
            lyr.bindPopup(popupContent(f.properties, rec, opts));
            lyr.on("mouseover", function () { lyr.setStyle({ weight: 3 }); });
            lyr.on("mouseout", function () { layer.resetStyle(lyr); });
          }
        }).addTo(map);
        layer.eachLayer(function (lyr) {
          var path = lyr.getElement && lyr.getElement();
          if (path) {
            path.setAttribute("data-code", lyr.feature.properties.code);
            var rec = values[lyr.feature.properties.code];
            if (rec && rec.derived) { path.setAttribute("data-derived", "true"); }
          }
        });
        var target = opts.highlight && byCode[opts.highlight] ? byCode[opts.highlight] : layer;
        if (target.getBounds && target.getBounds().isValid()) { map.fitBounds(target.getBounds(), { padding: [8, 8] }); }
        window.geoappMaps[container.id] = { map: map, layer: layer, byCode: byCode };
        container.setAttribute("data-features", String(Object.keys(byCode).length));
        container.setAttribute("data-state", "ready");
        container.dispatchEvent(new CustomEvent("geoapp:ready", { bubbles: true }));
        return layer;
      })
      .catch(function (err) {
        container.setAttribute("data-state", "error");
        var msg = el("div", "geoapp-map-error", (opts.labels || {}).loadError || String(err));
        container.appendChild(msg);
      });
  };

  window.geoappFocus = function (code) {
    Object.keys(window.geoappMaps).forEach(function (id) {
      var entry = window.geoappMaps[id];
      var lyr = entry.byCode[code];
      if (lyr) { entry.map.fitBounds(lyr.getBounds(), { maxZoom: 13 }); lyr.openPopup(); }
    });
  };
})();
