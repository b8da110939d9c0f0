/* Page behaviour: selectors that submit on change, diacritic-free commune search, copy buttons. */
(function () {
  "use strict";

  function fold(text) {
    return String(text || "").toLowerCase().replace(/đ/g, "d")
      .normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/^(thi tran|phuong|xa|tt\.?|x\.|p\.)\s+/, "").replace(/\s+/g, " ").trim();
  }
  window.geoappFold = fold;

  document.querySelectorAll("form[data-autosubmit] select").forEach(function (sel) {
    sel.addEventListener("change", function () {
      if (sel.hasAttribute("data-navigate")) { window.location.href = sel.value; } else { sel.form.submit(); }
    });
  });

  var box = document.getElementById("commune-search");
  var list = document.getElementById("commune-search-results");
  var indexNode = document.getElementById("commune-index");
  if (box && list && indexNode) {
    var index = JSON.parse(indexNode.textContent);
    var rows = document.querySelectorAll("#data-table tbody tr[data-key]");
    box.addEventListener("input", function () {
      var q = fold(box.value);
      list.textContent = "";
      rows.forEach(function (tr) { tr.hidden = q !== "" && tr.getAttribute("data-key").indexOf(q) < 0; });
      if (!q) { return; }
      index.filter(function (u) { return u.key.indexOf(q) >= 0; }).slice(0, 10).forEach(function (u) {
        var li = document.createElement("li");
        var btn = document.createElement("button");
        btn.type = "button";
        btn.className = "link-button";
        btn.textContent = u.name;
        btn.setAttribute("data-code", u.code);
        btn.addEventListener("click", function () { if (window.geoappFocus) { window.geoappFocus(u.code); } });
        li.appendChild(btn);
        list.appendChild(li);
      });
    });
  }

  document.querySelectorAll("[data-copy]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var target = document.getElementById(btn.getAttribute("data-copy"));
      target.select();
      if (navigator.clipboard) { navigator.clipboard.writeText(target.value); } else { document.execCommand("copy"); }
      btn.setAttribute("data-copied", "1");
    });
  });
})();
