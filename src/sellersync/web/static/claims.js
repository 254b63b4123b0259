// The claims page: list, filters, totals, one claim's detail (evidence, case text, actions, history),
// unit costs (per SKU and CSV import) and the money-over-time charts. Every number comes from the API
// (GET /api/claims, /api/claims/{id}, /api/claims/timeline); nothing is summed here. Text is inserted
// with textContent only; charts are SVG elements built with createElementNS.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const { el, row, emptyRow, number, money, words } = window.sellersyncPage;
  const canWrite = document.body.dataset.canWrite === "true";
  const SVG = "http://www.w3.org/2000/svg";
  const FILTERS = ["type", "status", "window", "marketplace", "sku", "q", "needsCost", "sort"];
  const EVIDENCE_COLUMNS = [
    ["table", "Source"], ["date", "Date"], ["fnsku", "FNSKU"], ["msku", "MSKU"], ["sku", "SKU"],
    ["asin", "ASIN"], ["eventType", "Event"], ["referenceId", "Reference id"], ["fulfillmentCenter", "FC"],
    ["orderId", "Order id"], ["orderItemId", "Order item id"], ["shipmentId", "Shipment id"], ["lpn", "LPN"],
    ["reimbursementId", "Reimbursement id"], ["caseId", "Case id"], ["carrier", "Carrier"],
    ["trackingNumber", "Tracking number"], ["quantity", "Qty"], ["quantityReceived", "Qty received"],
    ["amount", "Amount"], ["currency", "Currency"], ["reason", "Reason"], ["disposition", "Disposition"],
  ];
  const SERIES = [
    ["recoverable", "Recoverable", "#1f5fbf"],
    ["filed", "Filed", "#9a5b00"],
    ["recovered", "Recovered", "#1d7a3a"],
  ];
  const TYPE_COLORS = ["#1f5fbf", "#b3261e", "#1d7a3a", "#9a5b00", "#6a3fb5", "#00838f", "#c2185b", "#5b6472"];

  const state = {
    offset: 0,
    limit: 50,
    claimId: null,
    lang: null,
    detail: null,
    timeline: null,
    seq: {},
  };

  // ------------------------------------------------------------------ HTTP

  class HttpError extends Error {
    constructor(status, body) {
      super((body && (body.detail || body.message)) || `the server answered HTTP ${status}`);
      this.status = status;
      this.body = body || {};
    }
  }

  async function api(method, path, body, contentType) {
    const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      init.headers["Content-Type"] = contentType || "application/json";
      init.body = contentType ? body : JSON.stringify(body);
    }
    const res = await fetch(path, init);
    if (res.status === 401) {
      location.assign(`/login?next=${encodeURIComponent(location.pathname)}`);
      throw new HttpError(401, {});
    }
    const answer = await res.json().catch(() => null);
    if (!res.ok) throw new HttpError(res.status, answer);
    return answer;
  }

  // What a person is told about a failure: the API's own sentence, never a browser exception's text.
  function reason(err) {
    if (err instanceof HttpError) {
      if (err.status === 403) return "your role cannot do this";
      if (err.status >= 500) return "the server had a problem (it is in the server log)";
      const detail = err.body.detail;
      return typeof detail === "string" && detail ? detail : err.message;
    }
    return "the server could not be reached";
  }

  // Apply only the newest answer of each kind (answers can arrive out of order).
  async function fresh(kind, load, render) {
    const n = (state.seq[kind] = (state.seq[kind] || 0) + 1);
    try {
      const data = await load();
      if (n === state.seq[kind]) render(data);
    } catch (err) {
      if (err instanceof HttpError && err.status === 401) return;
      if (n === state.seq[kind]) notice(`Could not load the ${kind}: ${reason(err)}.`, "error");
    }
  }

  // ------------------------------------------------------------------ DOM helpers

  function badge(code) {
    return el("span", words(code), `status status-${String(code).replace(/[^a-z_]/g, "")}`);
  }

  function dateText(iso) {
    return iso ? String(iso).slice(0, 10) : "–";
  }

  function when(iso) {
    if (!iso) return el("span", "–");
    const t = el("time", new Date(iso).toLocaleString());
    t.dateTime = iso;
    return t;
  }

  function notice(text, kind) {
    const box = $("notice");
    box.textContent = text;
    box.className = `notice ${kind || "info"}`;
    box.hidden = false;
  }

  function clearNotice() {
    $("notice").hidden = true;
    $("notice").textContent = "";
  }

  function claimUnits(c) {
    return typeof c.units === "number" ? c.units : c.quantity;
  }

  function claimAmount(c) {
    if (c.needsCost) return `needs your unit cost (${number(claimUnits(c))} units)`;
    return c.amount === null || c.amount === undefined ? "–" : `${c.currency} ${c.amount}`;
  }

  // A partial payment leaves the claim open or filed (for what is still owed): say it was partly paid.
  function statusText(c) {
    if (c.reimbursed && c.reimbursed.complete === false) return `${words(c.status)} (partly paid)`;
    return words(c.status);
  }

  // ------------------------------------------------------------------ filters and the URL

  function filterQuery() {
    const form = $("filters");
    const q = new URLSearchParams();
    for (const name of FILTERS) {
      const field = form.elements[name];
      if (field.type === "checkbox") {
        if (field.checked) q.set(name, "true");
      } else if (field.value.trim() && !(name === "sort" && field.value === "deadline")) {
        q.set(name, field.value.trim());
      }
    }
    return q;
  }

  function readUrl() {
    const path = location.pathname.match(/^\/claims\/([0-9]{1,10})$/);
    state.claimId = path ? path[1] : null;
    const q = new URLSearchParams(location.search);
    const form = $("filters");
    for (const name of FILTERS) {
      const field = form.elements[name];
      if (field.type === "checkbox") field.checked = q.get(name) === "true";
      else field.value = q.get(name) || (name === "sort" ? "deadline" : "");
    }
    const offset = Number(q.get("offset"));
    state.offset = Number.isInteger(offset) && offset > 0 ? offset : 0;
    const limit = Number(q.get("limit"));
    state.limit = [25, 50, 100].includes(limit) ? limit : 50;
    $("page-size").value = String(state.limit);
  }

  function listUrl() {
    const q = filterQuery();
    if (state.offset) q.set("offset", String(state.offset));
    if (state.limit !== 50) q.set("limit", String(state.limit));
    const s = q.toString();
    return `/claims${s ? `?${s}` : ""}`;
  }

  function writeUrl(push) {
    const q = filterQuery();
    if (state.offset) q.set("offset", String(state.offset));
    if (state.limit !== 50) q.set("limit", String(state.limit));
    const s = q.toString();
    const url = `${state.claimId ? `/claims/${state.claimId}` : "/claims"}${s ? `?${s}` : ""}`;
    if (url === location.pathname + location.search) return;
    if (push) history.pushState(null, "", url);
    else history.replaceState(null, "", url);
  }

  // ------------------------------------------------------------------ list and totals

  function renderTotals(totals) {
    totals = totals || {};
    $("t-count").textContent = number(totals.count);
    $("t-recoverable").textContent = money(totals.recoverable);
    $("t-filed").textContent = money(totals.filed);
    $("t-recovered").textContent = money(totals.recovered);
    $("t-expired").textContent = money(totals.expired);
    const nc = totals.needsCost || {};
    $("t-needs-cost").textContent = nc.count ? `${number(nc.count)} claims · ${number(nc.units)} units` : "none";

    const byType = Object.entries(totals.byType || {});
    $("t-by-type").querySelector("tbody").replaceChildren(
      ...(byType.length
        ? byType.map(([kind, t]) =>
            row([{ text: words(kind) }, { text: number(t.count), className: "num" },
              { text: money(t.recoverable), className: "num" }]),
          )
        : [emptyRow("No claims", 3)]),
    );
    const byStatus = Object.entries(totals.byStatus || {});
    $("t-by-status").querySelector("tbody").replaceChildren(
      ...(byStatus.length
        ? byStatus.map(([code, n]) =>
            row([{ text: words(code) }, { text: number(typeof n === "number" ? n : n && n.count), className: "num" }]),
          )
        : [emptyRow("No claims", 2)]),
    );
  }

  function costForm(claim, onSaved) {
    const form = el("form", null, "inline-form cost-form");
    form.setAttribute("aria-label", `Cost of ${claim.sku}`);
    const cost = el("input");
    cost.name = "unitCost";
    cost.required = true;
    cost.inputMode = "decimal";
    cost.size = 8;
    cost.setAttribute("aria-label", `Unit cost of ${claim.sku}`);
    const currency = el("input");
    currency.name = "currency";
    currency.required = true;
    currency.size = 4;
    currency.maxLength = 3;
    currency.value = claim.currency || "";
    currency.setAttribute("aria-label", `Currency of the unit cost of ${claim.sku}`);
    const save = el("button", "Save cost", "primary small");
    save.type = "submit";
    form.append(cost, currency, save);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      await saveCost(claim, cost.value, currency.value, save);
      if (onSaved) onSaved();
    });
    return form;
  }

  async function saveCost(claim, unitCost, currency, button) {
    const value = String(unitCost).trim().replace(",", ".");
    if (!/^[0-9]+(\.[0-9]{1,4})?$/.test(value)) {
      notice("Enter the unit cost as a number, e.g. 12.50.", "warn");
      return;
    }
    const cur = String(currency).trim().toUpperCase();
    if (!/^[A-Z]{3}$/.test(cur)) {
      notice("Enter the currency as a three-letter code, e.g. USD.", "warn");
      return;
    }
    if (button) button.disabled = true;
    try {
      await api("PUT", "/api/claims/products", {
        connectionId: claim.connectionId,
        products: [{ marketplaceId: claim.marketplaceId, sku: claim.sku, unitCost: value, currency: cur }],
      });
      notice(`Saved the unit cost of ${claim.sku}: ${cur} ${value}. Its claims are valued with it.`, "ok");
      await Promise.all([refreshList(), refreshDetail(), refreshTimeline()]);
    } catch (err) {
      notice(`Could not save the unit cost: ${reason(err)}.`, "error");
    } finally {
      if (button) button.disabled = false;
    }
  }

  function claimRow(c) {
    const link = el("a", c.sku || c.fnsku || `claim ${c.id}`);
    link.href = `/claims/${c.id}`;
    link.dataset.claimId = String(c.id);
    const ident = el("span");
    ident.append(link);
    if (c.fnsku && c.sku) ident.append(el("span", ` ${c.fnsku}`, "muted small"));
    const deadline = c.window && c.window.status === "not_yet_eligible"
      ? `opens ${dateText(c.window.opens)}`
      : dateText(c.window && c.window.deadline);
    const amountCell = el("span", claimAmount(c), c.needsCost ? "needs-cost" : "");
    const amount = el("span");
    amount.append(amountCell);
    const tr = row([
      { text: deadline },
      { text: words(c.type) },
      ident,
      { text: c.marketplaceId || "–", className: "hide-narrow nowrap" },
      { text: number(claimUnits(c)), className: "num" },
      amount,
      badge(c.status),
    ]);
    tr.dataset.claimId = String(c.id);
    tr.children[5].className = "num";
    tr.children[6].firstChild.textContent = statusText(c);
    if (c.needsCost && canWrite && c.sku) {
      const enter = el("button", "Enter cost", "small");
      enter.type = "button";
      enter.setAttribute("aria-label", `Enter the unit cost of ${c.sku}`);
      enter.addEventListener("click", () => {
        enter.replaceWith(costForm(c));
        tr.querySelector("input[name=unitCost]").focus();
      });
      amount.append(" ", enter);
    }
    return tr;
  }

  function renderList(body) {
    const items = body.items || [];
    const tbody = $("claims-table").querySelector("tbody");
    tbody.replaceChildren(...(items.length ? items.map(claimRow) : [emptyRow("No claims match these filters.", 7)]));
    const total = typeof body.total === "number" ? body.total : 0;
    const first = items.length ? body.offset + 1 : 0;
    $("page-range").textContent = items.length
      ? `${number(first)}–${number(body.offset + items.length)} of ${number(total)}`
      : `0 of ${number(total)}`;
    $("prev").disabled = body.offset <= 0;
    $("next").disabled = body.offset + items.length >= total;
    renderTotals(body.totals);
    const q = filterQuery();
    q.set("format", "csv");
    $("claims-export").href = `/api/claims/export?${q.toString()}`;
  }

  function apiListPath() {
    const q = filterQuery();
    q.set("limit", String(state.limit));
    q.set("offset", String(state.offset));
    return `/api/claims?${q.toString()}`;
  }

  const refreshList = () => fresh("claims", () => api("GET", apiListPath()), renderList);

  // ------------------------------------------------------------------ one claim

  function evidenceRows(detail) {
    const rows = detail.evidenceRows;
    if (Array.isArray(rows)) return rows;
    // older answers name rows by table: {table: [row, ...]}
    const out = [];
    for (const [table, list] of Object.entries(rows || {})) {
      for (const r of list || []) out.push({ table, ...r });
    }
    return out;
  }

  function renderEvidence(detail) {
    const rows = evidenceRows(detail);
    const known = EVIDENCE_COLUMNS.filter(([key]) => rows.some((r) => r[key] !== null && r[key] !== undefined && r[key] !== ""));
    const head = $("evidence-table").querySelector("thead tr");
    head.replaceChildren(...known.map(([, label]) => {
      const th = el("th", label);
      th.scope = "col";
      return th;
    }));
    const tbody = $("evidence-table").querySelector("tbody");
    if (!rows.length) {
      tbody.replaceChildren(emptyRow("No evidence rows were recorded for this claim.", Math.max(1, known.length)));
      return;
    }
    tbody.replaceChildren(...rows.map((r) => {
      const tr = row(known.map(([key]) => {
        const v = r[key];
        const text = v === null || v === undefined || v === "" ? "–" : key === "table" ? words(v) : String(v);
        return { text, className: key === "quantity" || key === "amount" ? "num" : "" };
      }));
      return tr;
    }));
  }

  function renderHistory(detail) {
    const items = detail.history || [];
    $("d-history").replaceChildren(...(items.length ? items.map((h) => {
      const li = el("li");
      li.append(when(h.at), ` · ${h.by || "detection"}: ${words(h.from)} → ${words(h.to)}`);
      if (h.note) li.append(el("span", ` (${h.note})`, "muted"));
      return li;
    }) : [el("li", "No changes yet: detection found it and nobody has worked it.", "muted")]));
  }

  function renderDetail(d) {
    state.detail = d;
    $("d-loading").hidden = true;
    $("d-body").hidden = false;
    $("d-id").textContent = String(d.id);
    $("d-type").textContent = words(d.type);
    $("d-status").replaceChildren(badge(d.status));
    $("d-status").firstChild.textContent = statusText(d);
    $("d-amount").textContent = claimAmount(d);
    const v = d.valuation || {};
    $("d-valuation").textContent = v.label
      ? `${v.label}${v.unitValue ? ` (${v.currency || d.currency} ${v.unitValue} a unit)` : ""}`
      : "–";
    $("d-units").textContent = number(claimUnits(d));
    $("d-marketplace").textContent = d.marketplaceId || "–";
    $("d-sku").textContent = d.sku || "–";
    $("d-fnsku").textContent = d.fnsku || "–";
    $("d-asin").textContent = d.asin || "–";
    $("d-event").textContent = dateText(d.eventDate);
    $("d-window").textContent = d.window ? `${words(d.window.status)} (opens ${dateText(d.window.opens)})` : "–";
    $("d-deadline").textContent = dateText(d.window && d.window.deadline);
    $("d-case").textContent = d.filing ? `${d.filing.caseId} (filed ${dateText(d.filing.filedAt)} by ${d.filing.filedBy})` : "–";
    const r = d.reimbursed;
    $("d-received").textContent = r
      ? `${r.currency} ${r.amountReceived}${r.amountClaimed ? ` of ${r.amountClaimed} claimed` : ""}${r.complete ? "" : " (partial)"}`
      : "–";
    $("d-reason").textContent = d.resolution ? `${d.resolution.reason} (${d.resolution.by}, ${dateText(d.resolution.at)})` : "–";

    $("d-needs-cost").hidden = !d.needsCost;
    if (d.needsCost) {
      $("d-needs-cost-text").textContent =
        `Amazon has not valued these ${number(claimUnits(d))} units. Enter what one unit of ${d.sku} cost you ` +
        "and the claim gets its amount (it is left out of the money totals until then).";
      const form = $("d-cost-form");
      form.hidden = !canWrite;
      if (form.dataset.claimId !== String(d.id)) {
        form.reset();
        form.elements.currency.value = d.currency || "";
        form.dataset.claimId = String(d.id);
      }
    }

    const text = d.caseText || {};
    state.lang = text.language || state.lang || "en";
    for (const b of document.querySelectorAll("[data-lang]")) b.setAttribute("aria-pressed", String(b.dataset.lang === state.lang));
    $("case-subject").value = text.subject || "";
    $("case-body").value = text.body || "";
    $("copy-state").textContent = "";

    const status = d.status;
    const open = status === "open" || status === "expired";
    $("file-form").hidden = !canWrite || !open;
    $("resolve-form").hidden = !canWrite || !(open || status === "filed");
    $("reopen").hidden = !canWrite || !["filed", "denied", "dismissed"].includes(status);
    renderEvidence(d);
    renderHistory(d);
  }

  function detailPath() {
    const lang = state.lang ? `?lang=${encodeURIComponent(state.lang)}` : "";
    return `/api/claims/${encodeURIComponent(state.claimId)}${lang}`;
  }

  async function refreshDetail() {
    if (!state.claimId) return;
    await fresh("claim", async () => {
      try {
        return await api("GET", detailPath());
      } catch (err) {
        if (err instanceof HttpError && err.status === 404) return null;
        throw err;
      }
    }, (d) => {
      if (d === null) {
        $("d-loading").hidden = false;
        $("d-loading").textContent = "This claim was not found in this workspace.";
        $("d-body").hidden = true;
        return;
      }
      renderDetail(d);
    });
  }

  function showDetail() {
    const section = $("claim-detail");
    section.hidden = !state.claimId;
    if (!state.claimId) {
      state.detail = null;
      return;
    }
    state.lang = null;
    $("d-id").textContent = state.claimId;
    $("d-type").textContent = "";
    $("d-loading").hidden = false;
    $("d-loading").textContent = "Loading…";
    $("d-body").hidden = true;
    refreshDetail().then(() => section.scrollIntoView({ block: "start" }));
  }

  function openClaim(id) {
    clearNotice();
    state.claimId = String(id);
    writeUrl(true);
    showDetail();
  }

  async function patchClaim(body, done) {
    try {
      const d = await api("PATCH", `/api/claims/${encodeURIComponent(state.claimId)}`, body);
      renderDetail(d);
      notice(done, "ok");
      await Promise.all([refreshList(), refreshTimeline()]);
      return true;
    } catch (err) {
      notice(`Could not change the claim: ${reason(err)}.`, "error");
      return false;
    }
  }

  async function copyCase() {
    const text = `${$("case-subject").value}\n\n${$("case-body").value}`;
    let ok = false;
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
        ok = true;
      }
    } catch {
      ok = false;
    }
    if (!ok) {
      // fallback: copy from a selected, off-screen text area
      const area = el("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.append(area);
      area.select();
      try {
        ok = document.execCommand("copy");
      } catch {
        ok = false;
      }
      area.remove();
    }
    $("copy-state").textContent = ok ? "Copied." : "Could not copy: select the text and copy it yourself.";
    if (!ok) $("case-body").select();
  }

  // ------------------------------------------------------------------ cost import

  async function importCosts(event) {
    event.preventDefault();
    const file = $("cost-file").files[0];
    const out = $("import-result");
    if (!file) {
      out.replaceChildren(el("p", "Choose a CSV file first.", "notice warn"));
      return;
    }
    const button = event.submitter || $("import-form").querySelector("button");
    button.disabled = true;
    try {
      const text = await file.text();
      const conn = new URLSearchParams(location.search).get("connectionId");
      const query = conn ? `?connectionId=${encodeURIComponent(conn)}` : "";
      const res = await api("POST", `/api/claims/costs/import${query}`, text, "text/csv");
      const parts = [el("p", `Imported ${number(res.imported)} unit costs; ${number(res.revalued)} claims re-valued.`,
        `notice ${res.errors && res.errors.length ? "warn" : "ok"}`)];
      if (res.errors && res.errors.length) {
        const list = el("ul", null, "small");
        for (const e of res.errors.slice(0, 50)) list.append(el("li", `line ${e.line}: ${e.reason}`));
        if (res.errors.length > 50) list.append(el("li", `… and ${res.errors.length - 50} more`));
        parts.push(list);
      }
      out.replaceChildren(...parts);
      $("import-form").reset();
      await Promise.all([refreshList(), refreshDetail(), refreshTimeline()]);
    } catch (err) {
      out.replaceChildren(el("p", `Could not import the costs: ${reason(err)}.`, "notice error"));
    } finally {
      button.disabled = false;
    }
  }

  // ------------------------------------------------------------------ charts

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    return node;
  }

  function amountOf(map, currency) {
    const v = map ? Number.parseFloat(map[currency]) : 0;
    return Number.isFinite(v) ? v : 0;
  }

  function niceMax(v) {
    if (v <= 0) return 1;
    const p = 10 ** Math.floor(Math.log10(v));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
    return 10 * p;
  }

  // bars: [{month, segments: [{key, label, value, text, color}]}]; grouped or stacked
  function barChart(months, stacked, currency) {
    const W = 640, H = 220, left = 56, bottom = 28, top = 10;
    const plotW = W - left - 8, plotH = H - top - bottom;
    const totals = months.map((m) => stacked
      ? m.segments.reduce((a, s) => a + s.value, 0)
      : Math.max(0, ...m.segments.map((s) => s.value)));
    const max = niceMax(Math.max(0, ...totals));
    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", preserveAspectRatio: "xMidYMid meet" });
    for (const f of [0, 0.5, 1]) {
      const y = top + plotH - f * plotH;
      root.append(svg("line", { x1: left, x2: W - 8, y1: y, y2: y, class: "grid" }));
      const label = svg("text", { x: left - 6, y: y + 4, "text-anchor": "end", class: "axis" });
      label.textContent = `${(max * f).toLocaleString("en-US")}`;
      root.append(label);
    }
    const slot = months.length ? plotW / months.length : plotW;
    const every = Math.max(1, Math.ceil(months.length / 12));
    months.forEach((m, i) => {
      const x0 = left + i * slot + slot * 0.1;
      const width = slot * 0.8;
      let yBase = top + plotH;
      m.segments.forEach((s, j) => {
        const h = (s.value / max) * plotH;
        const n = m.segments.length;
        const rect = stacked
          ? svg("rect", { x: x0, y: yBase - h, width, height: Math.max(0, h), fill: s.color })
          : svg("rect", { x: x0 + (width / n) * j, y: top + plotH - h, width: width / n, height: Math.max(0, h), fill: s.color });
        if (stacked) yBase -= h;
        rect.dataset.month = m.month;
        rect.dataset.series = s.key;
        rect.dataset.amount = s.text;
        const title = svg("title");
        title.textContent = `${m.month} · ${s.label}: ${currency} ${s.text}`;
        rect.append(title);
        root.append(rect);
      });
      if (i % every === 0) {
        const label = svg("text", { x: x0 + width / 2, y: H - 10, "text-anchor": "middle", class: "axis" });
        label.textContent = m.month;
        root.append(label);
      }
    });
    root.setAttribute("aria-label", `${stacked ? "Stacked" : "Grouped"} bars per month in ${currency}; the table below has the numbers`);
    return root;
  }

  function legend(id, items) {
    $(id).replaceChildren(...items.map(([label, color]) => {
      const li = el("li");
      const sw = el("span", null, "swatch");
      sw.style.background = color;
      li.append(sw, label);
      return li;
    }));
  }

  function renderTimeline(body) {
    state.timeline = body;
    const months = (body && body.months) || [];
    const currencies = new Set();
    const types = new Set();
    for (const m of months) {
      for (const key of ["recoverable", "filed", "recovered"]) for (const c of Object.keys(m[key] || {})) currencies.add(c);
      for (const [t, byCur] of Object.entries(m.byType || {})) {
        types.add(t);
        for (const c of Object.keys(byCur || {})) currencies.add(c);
      }
    }
    const select = $("chart-currency");
    const wanted = select.value;
    const list = [...currencies].sort();
    select.replaceChildren(...list.map((c) => el("option", c)));
    const currency = list.includes(wanted) ? wanted : list[0];
    if (currency) select.value = currency;
    select.disabled = list.length < 2;

    if (!months.length || !currency) {
      $("chart-money").replaceChildren(el("p", "No claims with an amount yet.", "muted"));
      $("chart-types").replaceChildren();
      $("legend-money").replaceChildren();
      $("legend-types").replaceChildren();
      $("timeline-table").querySelector("tbody").replaceChildren(emptyRow("No months yet", 4));
      return;
    }
    const text = (map) => (map && map[currency]) || "0.00";
    $("chart-money").replaceChildren(barChart(months.map((m) => ({
      month: m.month,
      segments: SERIES.map(([key, label, color]) => ({ key, label, color, value: amountOf(m[key], currency), text: text(m[key]) })),
    })), false, currency));
    legend("legend-money", SERIES.map(([, label, color]) => [label, color]));

    const typeList = [...types].sort();
    const colorOf = (t) => TYPE_COLORS[typeList.indexOf(t) % TYPE_COLORS.length];
    $("chart-types").replaceChildren(barChart(months.map((m) => ({
      month: m.month,
      segments: typeList.map((t) => ({
        key: t, label: words(t), color: colorOf(t),
        value: amountOf((m.byType || {})[t], currency), text: text((m.byType || {})[t]),
      })),
    })), true, currency));
    legend("legend-types", typeList.map((t) => [words(t), colorOf(t)]));

    $("timeline-table").querySelector("tbody").replaceChildren(...months.map((m) =>
      row([{ text: m.month }, { text: text(m.recoverable), className: "num" },
        { text: text(m.filed), className: "num" }, { text: text(m.recovered), className: "num" }])));
  }

  // the charts follow the list's filters (the timeline takes the same ones; the order does not matter)
  function timelinePath() {
    const q = filterQuery();
    q.delete("sort");
    const conn = new URLSearchParams(location.search).get("connectionId");
    if (conn) q.set("connectionId", conn);
    const s = q.toString();
    return `/api/claims/timeline${s ? `?${s}` : ""}`;
  }

  async function refreshTimeline() {
    await fresh("money over time", async () => {
      try {
        return await api("GET", timelinePath());
      } catch (err) {
        // a server without the timeline yet: say so in the card instead of a page-wide error
        if (err instanceof HttpError && (err.status === 404 || err.status === 405)) return { months: [], missing: true };
        throw err;
      }
    }, renderTimeline);
  }

  // ------------------------------------------------------------------ wiring

  let typing = null;
  function onFilterChange(event) {
    clearTimeout(typing);
    const text = event && event.target && event.target.tagName === "INPUT" && event.target.type !== "checkbox";
    typing = setTimeout(() => {
      clearNotice();
      state.offset = 0;
      writeUrl(false);
      refreshList();
      refreshTimeline();
    }, text ? 300 : 0);
  }

  $("filters").addEventListener("input", onFilterChange);
  $("filters").addEventListener("change", onFilterChange);
  $("filters").addEventListener("submit", (e) => {
    e.preventDefault();
    onFilterChange();
  });
  $("clear-filters").addEventListener("click", () => {
    $("filters").reset();
    onFilterChange();
  });
  $("prev").addEventListener("click", () => {
    state.offset = Math.max(0, state.offset - state.limit);
    writeUrl(false);
    refreshList();
  });
  $("next").addEventListener("click", () => {
    state.offset += state.limit;
    writeUrl(false);
    refreshList();
  });
  $("page-size").addEventListener("change", () => {
    state.limit = Number($("page-size").value);
    state.offset = 0;
    writeUrl(false);
    refreshList();
  });
  $("claims-table").addEventListener("click", (event) => {
    const link = event.target.closest("a[data-claim-id]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    openClaim(link.dataset.claimId);
  });
  $("back").addEventListener("click", (event) => {
    event.preventDefault();
    clearNotice();
    state.claimId = null;
    history.pushState(null, "", listUrl());
    showDetail();
  });
  window.addEventListener("popstate", () => {
    clearNotice();
    readUrl();
    showDetail();
    refreshList();
    refreshTimeline();
  });
  for (const b of document.querySelectorAll("[data-lang]")) {
    b.addEventListener("click", () => {
      state.lang = b.dataset.lang;
      refreshDetail();
    });
  }
  $("copy-case").addEventListener("click", copyCase);
  $("file-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const caseId = event.target.elements.caseId.value.trim();
    if (!caseId) return;
    if (await patchClaim({ status: "filed", caseId }, `Marked filed under case ${caseId}.`)) event.target.reset();
  });
  $("resolve-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const status = event.submitter ? event.submitter.value : "dismissed";
    const text = event.target.elements.reason.value.trim();
    if (!text) {
      notice("Give a reason.", "warn");
      return;
    }
    if (await patchClaim({ status, reason: text }, `Marked ${status}.`)) event.target.reset();
  });
  $("reopen").addEventListener("click", () => patchClaim({ status: "open" }, "Reopened."));
  $("d-cost-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (!state.detail) return;
    const f = event.target.elements;
    saveCost(state.detail, f.unitCost.value, f.currency.value, event.submitter);
  });
  $("import-form").addEventListener("submit", importCosts);
  $("chart-currency").addEventListener("change", () => renderTimeline(state.timeline));
  $("sign-out").addEventListener("click", async () => {
    try {
      await api("POST", "/api/auth/logout");
    } finally {
      location.assign("/login");
    }
  });
  if (!canWrite) for (const node of document.querySelectorAll("[data-write]")) node.hidden = true;

  readUrl();
  writeUrl(false);
  showDetail();
  refreshList();
  refreshTimeline();
})();
