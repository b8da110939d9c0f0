/* Data table and commune search served in pages by /api/table and /api/search (large areas).
 * Every value is inserted as text (textContent), never as HTML. */
(function () {
  "use strict";
  var table = document.querySelector("#data-table[data-source]");
  if (!table) { return; }
  var body = table.tBodies[0];
  var status = document.getElementById("table-page-status");
  var box = document.getElementById("commune-search");
  var list = document.getElementById("commune-search-results");
  var state = { page: 1, pages: 1, sort: "code", order: "asc", q: "" };
  var hasPrevious = table.hasAttribute("data-previous");  /* a column with the previous year's value */
  var hasParts = table.hasAttribute("data-parts");  /* units of another edition: their parts and carry rule */
  var hasDistrict = table.hasAttribute("data-province");  /* whole province: a district column */
  var timer = null;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function withParams(url, params) {
    var parts = [];
    Object.keys(params).forEach(function (k) {
      if (params[k] !== "" && params[k] !== null) { parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(params[k])); }
    });
    return url + (url.indexOf("?") < 0 ? "?" : "&") + parts.join("&");
  }

  function badge(value) {
    if (value === "illustrative") { return el("span", "badge-illustrative", table.getAttribute("data-label-illustrative")); }
    if (value === "fact") { return el("span", "badge-fact", table.getAttribute("data-label-fact")); }
    return document.createTextNode("");
  }

  function classLabel(cls) {
    var key = cls === -1 ? "nodata" : cls === -2 ? "na" : String(cls);
    var label = document.querySelector('#legend li[data-class="' + key + '"] .label');
    return label ? label.textContent : "";
  }

  function rowNode(row) {
    var tr = el("tr");
    tr.setAttribute("data-code", row.code);
    tr.setAttribute("data-key", row.key);
    tr.setAttribute("data-class", String(row.cls));
    tr.appendChild(el("td", null, row.code));
    var name = el("td");
    var a = el("a", null, row.name);
    a.setAttribute("href", table.getAttribute("data-profile").replace("CODE", encodeURIComponent(row.code)));
    name.appendChild(a);
    tr.appendChild(name);
    if (hasDistrict) { tr.appendChild(el("td", "district", row.district)); }
    tr.appendChild(el("td", "num", row.value));
    if (hasPrevious) { tr.appendChild(el("td", "num previous", row.previous)); }
    var swatch = el("span", "swatch" + (row.cls === -1 ? " nodata" : row.cls === -2 ? " na" : ""));
    swatch.style.background = row.color;
    var cell = el("td");
    cell.appendChild(swatch);
    cell.appendChild(el("span", "class-label", classLabel(row.cls)));
    tr.appendChild(cell);
    var st = el("td");
    st.appendChild(badge(row.status));
    if (row.derived) {
      st.appendChild(document.createTextNode(" "));
      st.appendChild(el("span", "badge-derived", table.getAttribute("data-label-derived")));
    }
    tr.appendChild(st);
    if (hasParts) {
      tr.appendChild(el("td", "parts", (row.parts || []).join(", ")));
      tr.appendChild(el("td", "rule", row.rule_text));
    }
    return tr;
  }

  function show(data) {
    state.page = data.page;
    state.pages = data.pages;
    body.textContent = "";
    data.rows.forEach(function (row) { body.appendChild(rowNode(row)); });
    status.textContent = table.getAttribute("data-label-page")
      .replace("{page}", data.page).replace("{pages}", data.pages).replace("{total}", data.total);
    table.setAttribute("data-total", String(data.total));
    table.setAttribute("data-state", "ready");
  }

  function load() {
    table.setAttribute("data-state", "loading");
    var url = withParams(table.getAttribute("data-source"),
      { page: state.page, sort: state.sort, order: state.order, q: state.q });
    return fetch(url, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(show)
      .catch(function () { table.setAttribute("data-state", "error"); });
  }

  var sortKeys = ["code", "name", "value"];
  table.querySelectorAll("th[data-sort] button").forEach(function (btn, i) {
    btn.addEventListener("click", function () {
      var th = btn.parentNode;
      var key = sortKeys[i] || "code";
      state.order = state.sort === key && state.order === "asc" ? "desc" : "asc";
      state.sort = key;
      state.page = 1;
      table.querySelectorAll("th[aria-sort]").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", state.order === "asc" ? "ascending" : "descending");
      load();
    });
  });

  document.querySelectorAll("#table-pages button[data-step]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var next = state.page + parseInt(btn.getAttribute("data-step"), 10);
      if (next >= 1 && next <= state.pages) { state.page = next; load(); }
    });
  });

  function searchResults(data) {
    list.textContent = "";
    data.results.forEach(function (u) {
      var li = el("li");
      var btn = el("button", "link-button", u.name + " (" + u.district_name + ")");
      btn.type = "button";
      btn.setAttribute("data-code", u.code);
      btn.addEventListener("click", function () { if (window.geoappFocus) { window.geoappFocus(u.code); } });
      li.appendChild(btn);
      list.appendChild(li);
    });
  }

  if (box && list) {
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        state.q = box.value.trim();
        state.page = 1;
        load();
        if (!state.q) { list.textContent = ""; return; }
        fetch(withParams(table.getAttribute("data-search"), { q: state.q }), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(searchResults);
      }, 200);
    });
  }

  load();
})();
