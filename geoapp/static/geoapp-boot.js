/* Starts the maps of a page from their JSON data blocks
 * (<script type="application/json" data-geoapp-map>{id, bounds, tiles, layer}</script>):
 * no inline script, so the page is the same for every reader and can be served from cache. */
(function () {
  "use strict";
  function boot(node) {
    if (node.getAttribute("data-booted")) { return; }
    node.setAttribute("data-booted", "true");
    var config = JSON.parse(node.textContent);
    var map = L.map(config.id, {
      center: [0, 0], zoom: 1, crs: L.CRS.EPSG3857, zoomControl: false,
      preferCanvas: false, scrollWheelZoom: false
    });
    if (config.tiles) { L.tileLayer(config.tiles.url, config.tiles.options).addTo(map); }
    map.fitBounds(config.bounds);
    window.geoappChoropleth(map, config.layer);
  }
  document.querySelectorAll("script[type='application/json'][data-geoapp-map]").forEach(boot);
})();
