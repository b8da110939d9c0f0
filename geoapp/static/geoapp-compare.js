/* Two years side by side (or one change map): Leaflet maps drawn by window.geoappChoropleth,
 * panned and zoomed together. Configuration comes from <script type="application/json" id="compare-config">. */
(function () {
  "use strict";

  var node = document.getElementById("compare-config");
  if (!node || !window.L || !window.geoappChoropleth) { return; }
  var config = JSON.parse(node.textContent);

  function load(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status + " " + url); }
      return r.json();
    });
  }

  /* The zoom buttons, the "whole area" button, the metric scale and the wheel that scrolls the page
   * (zooming after a click on the map or with Ctrl/⌘) come with each layer (window.geoappChoropleth). */
  function makeMap(el) {
    // No zoom animation: both maps change view in the same instant, so they never disagree mid-animation.
    var map = L.map(el, { zoomControl: false, scrollWheelZoom: false, zoomSnap: 0.25, zoomAnimation: false,
                          attributionControl: true });
    map.attributionControl.setPrefix("Leaflet");
    if (config.tiles) {
      L.tileLayer(config.tiles, { attribution: config.tilesAttribution || config.tiles, maxZoom: 18 }).addTo(map);
    }
    map.fitBounds(config.bounds);
    return map;
  }

  /* Keep every map at the view of the one the user moves. */
  function synchronise(maps) {
    var following = false;
    maps.forEach(function (source) {
      source.on("move zoomend moveend", function () {
        if (following) { return; }
        following = true;
        maps.forEach(function (target) {
          if (target !== source) { target.setView(source.getCenter(), source.getZoom(), { reset: true }); }
        });
        following = false;
      });
    });
  }

  var elements = Array.prototype.slice.call(document.querySelectorAll(".compare-map"));
  var maps = elements.map(makeMap);
  synchronise(maps);
  window.geoappCompare = { maps: maps };

  Promise.all([load(config.geometry), load(config.values)]).then(function (res) {
    var geometry = res[0];
    var payload = res[1];
    var sets = config.mode === "compare" ? payload.maps : [payload];
    return Promise.all(maps.map(function (map, i) {
      var options = Object.assign({}, config.layer, {
        geometry: geometry,
        values: { title: payload.title, values: sets[i].values },
        year: config.years[i]
      });
      return window.geoappChoropleth(map, options);
    }));
  }).then(function () {
    // Each layer fitted its map (perhaps with a pan animation): settle every map on one view, then say so.
    maps.forEach(function (map) { map.stop(); });
    maps[0].fitBounds(config.bounds, { padding: [8, 8], animate: false });
    document.body.setAttribute("data-compare", "ready");
  }).catch(function (err) {
    document.body.setAttribute("data-compare", "error");
    elements.forEach(function (el) {
      var msg = document.createElement("div");
      msg.className = "geoapp-map-error";
      msg.textContent = (config.layer.labels || {}).loadError || String(err);
      el.appendChild(msg);
    });
  });
})();
