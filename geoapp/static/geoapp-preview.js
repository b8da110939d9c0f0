/* Admin check report: a map of the uploaded boundaries before publishing, with invalid
 * geometries (red), overlaps (orange) and gaps (purple) highlighted. Names are text only. */
(function () {
  "use strict";
  var box = document.getElementById("preview-map");
  var data = document.getElementById("preview-data");
  if (!box || !data || typeof L === "undefined") { return; }
  var labels = JSON.parse(box.getAttribute("data-labels") || "{}");
  var geojson = JSON.parse(data.textContent);
  var map = L.map(box, { scrollWheelZoom: false, zoomControl: true, attributionControl: true });
  map.attributionControl.setPrefix("Leaflet");
  L.control.scale({ imperial: false }).addTo(map);
  var colours = { invalid: "#c00000", overlap: "#e66100", gap: "#5e3c99" };
  var counts = { unit: 0, invalid: 0, overlap: 0, gap: 0 };
  var layer = L.geoJSON(geojson, {
    style: function (f) {
      var bad = f.properties.problem === "invalid";
      return { color: bad ? colours.invalid : "#445", weight: bad ? 3 : 1, fillColor: bad ? "#f4a6a6" : "#cfe0ee", fillOpacity: 0.6 };
    },
    pointToLayer: function (f, latlng) {
      return L.circleMarker(latlng, { radius: 9, color: colours[f.properties.problem], weight: 3, fillOpacity: 0.5 });
    },
    onEachFeature: function (f, lyr) {
      var p = f.properties;
      var tip = document.createElement("div");
      var strong = document.createElement("strong");
      strong.textContent = p.problem ? (labels[p.problem] || p.problem) : (labels.unit || "");
      tip.appendChild(strong);
      var text = document.createElement("div");
      text.textContent = p.name ? p.code + " " + p.name : (p.label || "") + (p.area_m2 ? " · " + p.area_m2 + " m²" : "");
      tip.appendChild(text);
      lyr.bindTooltip(tip);
      counts[p.problem || "unit"] += 1;
    }
  }).addTo(map);
  if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds(), { padding: [10, 10] }); }
  layer.eachLayer(function (lyr) {  // paths exist once the map has a view
    var path = lyr.getElement && lyr.getElement();
    if (path) { path.setAttribute("data-problem", lyr.feature.properties.problem || "none"); }
  });
  box.setAttribute("data-counts", JSON.stringify(counts));
  box.setAttribute("data-state", "ready");
})();
