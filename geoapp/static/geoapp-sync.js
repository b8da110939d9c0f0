/* Synchronised maps: every map inside [data-sync-map] frames pans and zooms with the others.
 * Each frame's container gets data-center="lat,lng,zoom" after every move (a state tests can wait on). */
(function () {
  "use strict";

  function entries() {
    var out = [];
    document.querySelectorAll("[data-sync-map]").forEach(function (frame) {
      var node = frame.querySelector(".folium-map");
      var entry = node && window.geoappMaps && window.geoappMaps[node.id];
      if (entry) { out.push(entry); }
    });
    return out;
  }

  function mark(map) {
    var c = map.getCenter();
    map.getContainer().setAttribute("data-center", c.lat.toFixed(6) + "," + c.lng.toFixed(6) + "," + map.getZoom());
  }

  function link(maps) {
    var syncing = false;
    maps.forEach(function (source) {
      mark(source.map);
      source.map.on("moveend", function () {
        mark(source.map);
        if (syncing) { return; }
        syncing = true;
        maps.forEach(function (other) {
          if (other !== source) {
            other.map.setView(source.map.getCenter(), source.map.getZoom(), { animate: false });
            mark(other.map);
          }
        });
        syncing = false;
      });
    });
    var lead = maps[0].map;
    maps.slice(1).forEach(function (other) { other.map.setView(lead.getCenter(), lead.getZoom(), { animate: false }); mark(other.map); });
    document.body.setAttribute("data-sync", "ready");
  }

  function waitForMaps() {
    var frames = document.querySelectorAll("[data-sync-map]").length;
    var ready = entries();
    if (frames > 1 && ready.length === frames) { link(ready); return; }
    document.addEventListener("geoapp:ready", function onReady() {
      var now = entries();
      if (now.length === frames) { document.removeEventListener("geoapp:ready", onReady); link(now); }
    });
  }
  waitForMaps();
})();
