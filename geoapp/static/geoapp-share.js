/* Sharing maps: the share / embed dialog of map pages (the link keeps the current
 * view: zoom, centre, selected commune), copy buttons that confirm, and, on
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
