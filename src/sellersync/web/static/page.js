// What the dashboard's pages share: DOM helpers and how counts, money and codes read. Loaded before
// each page's own script (both deferred, so in order); text is inserted with textContent only.
"use strict";
window.sellersyncPage = (() => {
  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function row(cells) {
    const tr = document.createElement("tr");
    for (const cell of cells) {
      if (cell instanceof Node) {
        const td = document.createElement("td");
        td.append(cell);
        tr.append(td);
      } else {
        const td = el("td", cell.text, cell.className);
        if (cell.value !== undefined) td.dataset.value = String(cell.value);
        tr.append(td);
      }
    }
    return tr;
  }

  function emptyRow(text, columns) {
    const td = el("td", text, "muted");
    td.colSpan = columns;
    const tr = document.createElement("tr");
    tr.append(td);
    return tr;
  }

  function number(value) {
    return typeof value === "number" ? value.toLocaleString("en-US") : "–";
  }

  function money(amounts) {
    const parts = Object.entries(amounts || {}).map(([currency, amount]) => `${currency} ${amount}`);
    return parts.length ? parts.join(" · ") : "–";
  }

  function words(code) {
    return code === null || code === undefined ? "–" : String(code).replaceAll("_", " ");
  }

  return { el, row, emptyRow, number, money, words };
})();
