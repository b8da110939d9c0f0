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
  var pagedTable = document.querySelector("#data-table[data-source]");
  if (box && list && indexNode && !pagedTable) {
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

  /* Sort the data table by a column: text, number (no data last) or class (category order). */
  document.querySelectorAll("#data-table:not([data-source]) th[data-sort] button").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var th = btn.parentNode;
      var table = th.closest("table");
      var body = table.tBodies[0];
      var col = Array.prototype.indexOf.call(th.parentNode.children, th);
      var kind = th.getAttribute("data-sort");
      var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
      function key(tr) {
        if (kind === "number") { var n = tr.getAttribute("data-number"); return n === "" ? null : parseFloat(n); }
        if (kind === "class") { var c = parseInt(tr.getAttribute("data-class"), 10); return c < 0 ? null : c; }
        return fold(tr.children[col].textContent);
      }
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (x === null || y === null) { return x === y ? 0 : (x === null ? 1 : -1); }
        return (x < y ? -1 : x > y ? 1 : 0) * dir;
      });
      rows.forEach(function (tr) { body.appendChild(tr); });
      table.querySelectorAll("th[aria-sort]").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    });
  });

  document.querySelectorAll("[data-copy]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var target = document.getElementById(btn.getAttribute("data-copy"));
      target.select();
      if (navigator.clipboard) { navigator.clipboard.writeText(target.value); } else { document.execCommand("copy"); }
      btn.setAttribute("data-copied", "1");
    });
  });
})();
