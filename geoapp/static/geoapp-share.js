/* Sharing maps: the share / embed dialog of map pages, and, on embedded maps,
 * clicking a commune opens its profile on the full site in a new tab. */
(function () {
  "use strict";

  document.querySelectorAll("[data-share-open]").forEach(function (btn) {
    var dialog = document.getElementById(btn.getAttribute("data-share-open"));
    if (!dialog || typeof dialog.showModal !== "function") { btn.hidden = true; return; }
    btn.addEventListener("click", function () { dialog.showModal(); });
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
