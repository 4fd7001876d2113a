/* dealer-kit tables: click a header to sort, type in the box to filter. Inlined once per report page; no
   framework, no request. Without it the tables are all there, unsorted and unfiltered. */
(function () {
  "use strict";
  var collator = new Intl.Collator(document.documentElement.lang || undefined, {numeric: true, sensitivity: "base"});

  function cellKey(row, col, kind) {
    var td = row.cells[col];
    if (!td) { return null; }
    var raw = td.getAttribute("data-v");
    if (raw !== null) {
      if (raw === "") { return null; }
      return kind === "num" ? parseFloat(raw) : raw;
    }
    var text = td.textContent.trim();
    return text === "" || text === "\u2013" ? null : text;
  }

  function compare(a, b, kind) {
    if (kind === "num") { return a - b; }
    if (kind === "date") { return a < b ? -1 : (a > b ? 1 : 0); }
    return collator.compare(a, b);
  }

  function sortBy(table, th, col) {
    var kind = th.getAttribute("data-sort") || "text";
    var current = th.getAttribute("aria-sort");
    // numbers and dates start with the largest / latest, text with A (or 阿)
    var first = kind === "text" ? "ascending" : "descending";
    var dir = current === first ? (first === "ascending" ? "descending" : "ascending") : first;
    var sign = dir === "ascending" ? 1 : -1;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).map(function (row, i) {
      return {row: row, key: cellKey(row, col, kind), i: i};
    });
    rows.sort(function (x, y) {
      if (x.key === null || y.key === null) {  // missing values last, whatever the direction
        return x.key === y.key ? x.i - y.i : (x.key === null ? 1 : -1);
      }
      return sign * compare(x.key, y.key, kind) || x.i - y.i;
    });
    rows.forEach(function (r) { body.appendChild(r.row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir);
  }

  function makeSortable(table) {
    if (!table.tHead || !table.tBodies.length) { return; }
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "kit-sort";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      button.addEventListener("click", function () { sortBy(table, th, col); });
    });
  }

  function makeFilterable(box) {
    var table = box.querySelector("table.kit-table");
    if (!table || !table.tBodies.length) { return; }
    var rows = table.tBodies[0].rows;
    var bar = document.createElement("div");
    bar.className = "kit-filter-bar";
    var input = document.createElement("input");
    input.type = "search";
    input.className = "kit-filter";
    input.placeholder = box.getAttribute("data-kit-filter");
    input.setAttribute("aria-label", box.getAttribute("data-kit-filter"));
    var count = document.createElement("span");
    count.className = "kit-filter-count";
    count.setAttribute("aria-live", "polite");
    bar.appendChild(input);
    bar.appendChild(count);
    box.insertBefore(bar, box.firstChild);
    var template = box.getAttribute("data-kit-count") || "{shown} / {total}";
    function apply() {
      var terms = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      Array.prototype.forEach.call(rows, function (row) {
        var text = row.textContent.toLowerCase();
        var keep = terms.every(function (t) { return text.indexOf(t) !== -1; });
        row.hidden = !keep;
        if (keep) { shown += 1; }
      });
      count.textContent = terms.length ? template.replace("{shown}", shown).replace("{total}", rows.length) : "";
    }
    input.addEventListener("input", apply);
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("table.kit-table[data-kit-sort]"), makeSortable);
    Array.prototype.forEach.call(document.querySelectorAll(".kit-table-box[data-kit-filter]"), makeFilterable);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
