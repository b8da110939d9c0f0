/* Sharing maps: the share / embed dialog of map pages (the link keeps the current
 * view: zoom, centre, selected commune; "this view" downloads draw the extent on
 * screen), copy buttons that confirm, and, on
 * embedded maps, clicking a commune opens its profile on the full site in a new tab. */
(function () {
  "use strict";
  var VIEW_PARAMS = ["zoom", "center", "commune"];

  function withCurrentView(link) {
    try {
      var url = new URL(link, window.location.href);
      var here = new URLSearchParams(window.location.search);
      VIEW_PARAMS.forEach(function (key) {
        if (here.has(key)) { url.searchParams.set(key, here.get(key)); } else { url.searchParams.delete(key); }
      });
      return url.toString();
    } catch (e) {
      return link;
    }
  }

  document.querySelectorAll("[data-share-open]").forEach(function (btn) {
    var dialog = document.getElementById(btn.getAttribute("data-share-open"));
    if (!dialog || typeof dialog.showModal !== "function") { btn.hidden = true; return; }
    var input = dialog.querySelector("#share-link");
    var base = input ? input.value : null;
    btn.addEventListener("click", function () {
      if (input && base) { input.value = withCurrentView(base); }
      dialog.showModal();
    });
  });

  /* "This view" downloads: the links carry the extent of the map on screen (bbox=west,south,east,north),
   * updated whenever the map moves; they stay hidden until the map has a view. */
  var viewBox = document.getElementById("share-view-box");

  function viewMap() {
    var maps = window.geoappMaps || {};
    var ids = Object.keys(maps);
    for (var i = 0; i < ids.length; i++) {
      if (maps[ids[i]].map.getContainer().closest("[data-url-view]")) { return maps[ids[i]].map; }
    }
    return ids.length ? maps[ids[0]].map : null;
  }

  function bboxOf(map) {
    var b = map.getBounds();
    var clamp = function (v, limit) { return Math.max(-limit, Math.min(limit, v)).toFixed(5); };
    return [clamp(b.getWest(), 180), clamp(b.getSouth(), 90), clamp(b.getEast(), 180), clamp(b.getNorth(), 90)].join(",");
  }

  var followed = null;
  function updateViewLinks() {
    var map = viewMap();
    if (!viewBox || !map) { return; }
    if (followed !== map) { followed = map; map.on("moveend resize", updateViewLinks); }
    var bbox = bboxOf(map);
    viewBox.querySelectorAll("a[data-view-export]").forEach(function (a) {
      var url = new URL(a.getAttribute("href"), window.location.href);
      url.searchParams.set("bbox", bbox);
      a.setAttribute("href", url.pathname + url.search);
    });
    viewBox.setAttribute("data-bbox", bbox);
    viewBox.hidden = false;
  }
  if (viewBox) {
    document.addEventListener("geoapp:view", updateViewLinks);
    document.addEventListener("geoapp:ready", updateViewLinks);
    updateViewLinks();
  }

  document.querySelectorAll("[data-copy]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var target = document.getElementById(btn.getAttribute("data-copy"));
      var status = document.getElementById("copy-status");
      target.select();
      var done = function () {
        btn.setAttribute("data-copied", "1");
        if (status) { status.textContent = status.getAttribute("data-text") || ""; }
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(target.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  });

  var profile = document.body.getAttribute("data-profile-url");
  if (!profile) { return; }

  function openProfile(code) {
    window.open(profile.replace("{code}", encodeURIComponent(code)), "_blank", "noopener");
  }

  function wire(entry) {
    if (!entry || entry.profileLinks) { return; }
    entry.profileLinks = true;
    Object.keys(entry.byCode).forEach(function (code) {
      var lyr = entry.byCode[code];
      lyr.unbindPopup();
      lyr.on("click", function () { openProfile(code); });
    });
  }

  var maps = window.geoappMaps || {};
  Object.keys(maps).forEach(function (id) { wire(maps[id]); });
  document.addEventListener("geoapp:ready", function (event) {
    wire((window.geoappMaps || {})[event.target.id]);
  });
})();
