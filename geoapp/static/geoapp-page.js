/* Page behaviour: selectors that apply when confirmed, the breaks field of the user
 * scheme, commune search by name (without diacritics) or code, sortable tables,
 * copy buttons that say they copied. */
(function () {
  "use strict";
  var FOCUS_KEY = "geoapp-focus";

  function fold(text) {
    return String(text || "").toLowerCase().replace(/đ/g, "d")
      .normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/^(thi tran|phuong|xa|tt\.?|x\.|p\.)\s+/, "").replace(/\s+/g, " ").trim();
  }
  window.geoappFold = fold;

  /* After a selector applied (page reload), focus goes back to that selector. */
  function rememberFocus(control) {
    try { window.sessionStorage.setItem(FOCUS_KEY, control.id); } catch (e) { /* storage off */ }
  }
  (function restoreFocus() {
    var id = null;
    try { id = window.sessionStorage.getItem(FOCUS_KEY); window.sessionStorage.removeItem(FOCUS_KEY); } catch (e) { id = null; }
    var control = id && document.getElementById(id);
    if (control) { control.focus({ preventScroll: false }); }
  })();

  /* Selectors: with the mouse a choice applies at once; with the keyboard (arrow keys)
   * it applies only when confirmed: Enter, the Apply button, or leaving the field. */
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    var breaksField = form.querySelector("#breaks-field");
    var breaksInput = form.querySelector("#breaks-input");
    var scheme = form.querySelector("#scheme-select");

    function showBreaks() {
      if (!breaksField || !scheme) { return false; }
      var user = scheme.value === "user";
      breaksField.hidden = !user;
      breaksInput.disabled = !user;
      breaksInput.required = user;
      return user;
    }

    function apply(sel) {
      rememberFocus(sel);
      if (sel.hasAttribute("data-navigate")) { window.location.href = sel.value; return; }
      if (sel === scheme && showBreaks() && !breaksInput.value.trim()) {
        breaksInput.focus();  // the user scheme needs breaks before anything is applied
        return;
      }
      if (typeof form.requestSubmit === "function") { form.requestSubmit(); } else { form.submit(); }
    }

    form.querySelectorAll("select").forEach(function (sel) {
      var initial = sel.value;
      var byPointer = false;
      sel.addEventListener("pointerdown", function () { byPointer = true; });
      sel.addEventListener("mousedown", function () { byPointer = true; });
      sel.addEventListener("keydown", function (event) {
        byPointer = false;
        if (event.key === "Enter" && sel.value !== initial) { event.preventDefault(); apply(sel); }
      });
      sel.addEventListener("change", function () {
        if (sel === scheme) { showBreaks(); }
        if (byPointer) { byPointer = false; apply(sel); return; }
        sel.classList.toggle("pending", sel.value !== initial);
        sel.setAttribute("data-pending", sel.value !== initial ? "true" : "false");
      });
      sel.addEventListener("blur", function () {
        if (sel.getAttribute("data-pending") === "true" && sel.value !== initial) { apply(sel); }
      });
    });
    form.addEventListener("submit", function (event) {
      if (breaksInput && !breaksInput.disabled && !breaksInput.value.trim()) {
        event.preventDefault();
        breaksInput.focus();
        return;
      }
      var indicator = form.querySelector("select[data-navigate]");
      if (indicator && indicator.getAttribute("data-pending") === "true") {
        event.preventDefault();
        rememberFocus(indicator);
        window.location.href = indicator.value;
      }
    });
    showBreaks();
  });

  /* Search: by name without diacritics, or by commune code; results name the district. */
  var box = document.getElementById("commune-search");
  var list = document.getElementById("commune-search-results");
  var indexNode = document.getElementById("commune-index");
  var pagedTable = document.querySelector("#data-table[data-source]");
  if (box && list && indexNode && !pagedTable) {
    var index = JSON.parse(indexNode.textContent);
    var rows = document.querySelectorAll("#data-table tbody tr[data-key]");
    box.addEventListener("input", function () {
      var q = fold(box.value);
      var digits = /^\d+$/.test(q);
      list.textContent = "";
      rows.forEach(function (tr) {
        var match = digits ? tr.getAttribute("data-code").indexOf(q) >= 0 : tr.getAttribute("data-key").indexOf(q) >= 0;
        tr.hidden = q !== "" && !match;
      });
      if (!q) { return; }
      index.filter(function (u) { return digits ? u.code.indexOf(q) >= 0 : u.key.indexOf(q) >= 0; })
        .slice(0, 10).forEach(function (u) {
          var li = document.createElement("li");
          var btn = document.createElement("button");
          btn.type = "button";
          btn.className = "link-button";
          btn.textContent = u.name;
          btn.setAttribute("data-code", u.code);
          btn.addEventListener("click", function () { if (window.geoappFocus) { window.geoappFocus(u.code); } });
          li.appendChild(btn);
          var where = document.createElement("span");
          where.className = "search-district";
          where.textContent = " · " + (u.district ? u.district + " · " : "") + u.code;
          li.appendChild(where);
          list.appendChild(li);
        });
    });
  }

  /* Sort the data table by a column: text, number (no data last) or class (category order). */
  function vietnameseNumber(text) {
    var m = String(text || "").replace(/\s/g, "").match(/^-?[\d.]+(,\d+)?/);
    return m ? parseFloat(m[0].replace(/\./g, "").replace(",", ".")) : null;
  }
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
        if (kind === "previous") { return vietnameseNumber(tr.children[col].textContent); }
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
})();
