// The dashboard. Everything it shows comes from the API (session cookie); nothing is computed here.
// Updates arrive on the SSE stream (GET /api/sync/events); while it is down, GET the status every 3 s.
// Data is inserted with textContent only.
"use strict";
(() => {
  const ACTIVE = new Set(["queued", "running"]);
  const EVENTS = [
    "sync.started", "sync.progress", "sync.log", "sync.completed",
    "sync.failed", "sync.cancelled", "detection.completed",
  ];
  const POLL_MS = 3000;
  const SYNC_ID = /^[0-9a-f-]{36}$/i;
  const $ = (id) => document.getElementById(id);
  const { el, row, emptyRow, number, money, words } = window.sellersyncPage;
  const canWrite = document.body.dataset.canWrite === "true";

  const state = {
    pinned: syncIdFromUrl(), // the sync the user asked to see (?syncId=, Start, 409, history)
    shown: null, // the sync object on screen
    progress: null, // {syncId, value} on the bar
    pollTimer: null,
    refreshTimer: null,
    seq: {},
    notice: null, // {kind, at}: what the notice on screen is about (it clears when that changes)
    claims: null, // the last /api/claims answer (the detection card shows its recoverable)
  };

  function syncIdFromUrl() {
    const id = new URLSearchParams(location.search).get("syncId");
    return id && SYNC_ID.test(id) ? id : null;
  }

  // ------------------------------------------------------------------ HTTP

  class HttpError extends Error {
    constructor(status, body) {
      super((body && body.message) || `HTTP ${status}`);
      this.status = status;
      this.body = body || {};
    }
  }

  async function api(method, path) {
    const res = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (res.status === 401) {
      location.assign("/login");
      throw new HttpError(401, {});
    }
    const body = await res.json().catch(() => null);
    if (!res.ok) throw new HttpError(res.status, body);
    return body;
  }

  // Apply only the newest answer of each kind (answers can arrive out of order).
  async function fresh(kind, load, render) {
    const n = (state.seq[kind] = (state.seq[kind] || 0) + 1);
    try {
      const data = await load();
      if (n === state.seq[kind]) render(data);
    } catch (err) {
      if (err instanceof HttpError && err.status === 401) return;
      if (n === state.seq[kind]) notice(`Could not load ${kind}: ${reason(err)}`, "error", `load:${kind}`);
      return;
    }
    // a load that works again takes its own failure notice away
    if (state.notice && state.notice.about === `load:${kind}`) clearNotice();
  }

  // What a seller is told about a failure: the API's own sentence, never an exception's text.
  function reason(err) {
    if (err instanceof HttpError) {
      if (err.status >= 500) return "the server had a problem (the details are in its log)";
      return humane(err.message, `the server answered HTTP ${err.status}`);
    }
    return "the server could not be reached";
  }

  // Server texts (a sync's error, a log line) may end in an exception's "SomeError: text": show what
  // comes before it and point to the server log instead.
  function humane(text, fallback) {
    if (!text) return "";
    const at = String(text).search(/\b[A-Za-z_.]*(Error|Exception|Failed|Timeout|Exit)\b\s*:|Traceback \(/);
    if (at === -1) return String(text);
    const head = String(text).slice(0, at).replace(/[\s:;,(-]+$/, "");
    return head ? `${head} (the details are in the server log)` : fallback;
  }

  // ------------------------------------------------------------------ DOM helpers

  function time(iso) {
    if (!iso) return el("span", "–");
    const t = el("time", new Date(iso).toLocaleString());
    t.dateTime = iso;
    return t;
  }

  function setTime(id, iso) {
    $(id).replaceChildren(time(iso));
  }

  function status(code) {
    return el("span", words(code), `status status-${String(code).replace(/[^a-z_]/g, "")}`);
  }

  // A notice is about the state it was shown in: it clears when that state changes (another sync
  // shown, the sync's or its detection's status moves on) or when what failed to load loads again.
  function notice(text, kind, about) {
    const box = $("notice");
    box.textContent = text;
    box.className = `notice ${kind || "info"}`;
    box.hidden = false;
    state.notice = { about: about || "state", at: null };
  }

  function clearNotice() {
    $("notice").hidden = true;
    $("notice").textContent = "";
    state.notice = null;
  }

  function noticeFollows(key) {
    const n = state.notice;
    if (!n || n.about !== "state") return;
    if (n.at === null) n.at = key;
    else if (n.at !== key) clearNotice();
  }

  const FINISHED = {
    completed: "Completed", cancelled: "Cancelled", failed: "Failed", partial: "Finished (partial)",
  };

  function setLive(text) {
    $("live").textContent = `Updates: ${text}`;
  }

  // ------------------------------------------------------------------ connections

  // "Amazon.com (US, USD)": people read names, countries and currencies, not marketplace ids
  function marketplaceNames(c) {
    const list = c.marketplaces || (c.marketplaceIds || []).map((id) => ({ id }));
    return list.map((m) => (m.name ? `${m.name} (${m.country}, ${m.currency})` : m.id)).join(", ");
  }

  function renderConnections(body) {
    const items = body.items || [];
    const tbody = $("connections-table").querySelector("tbody");
    tbody.replaceChildren(
      ...items.map((c) =>
        row([
          { text: c.sellingPartnerId },
          { text: c.region },
          { text: marketplaceNames(c) },
          status(c.status),
          time(c.lastSyncedAt),
        ]),
      ),
    );
    if (items.length) $("connections").classList.remove("attention");
    $("connections-table").hidden = items.length === 0;
    $("no-connections").hidden = items.length > 0;
    const broken = items.find((c) => c.reconnectRequired);
    $("reconnect-banner").hidden = !broken;
    if (broken) {
      $("reconnect-text").textContent =
        `Amazon seller ${broken.sellingPartnerId} (${broken.region}) must be reconnected: ${humane(broken.message, "Amazon refused its authorization")}.`;
      $("reconnect").dataset.region = broken.region;
    }
    $("connect").textContent = items.length ? "Connect another Amazon account" : "Connect Amazon";
  }

  const refreshConnections = () =>
    fresh("connections", () => api("GET", "/api/amazon/connections"), renderConnections);

  async function connectAmazon(region) {
    try {
      const query = region ? `?region=${encodeURIComponent(region)}` : "";
      const body = await api("GET", `/api/amazon/connect${query}`);
      const url = new URL(body.url);
      if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("unexpected consent URL");
      location.assign(url.href);
    } catch (err) {
      notice(`Could not start the Amazon connection: ${reason(err)}`, "error");
    }
  }

  // ------------------------------------------------------------------ the sync

  // Progress of one sync only grows (units done); an answer that left the server before a newer
  // event may arrive after it, so while a sync runs the bar keeps the newest (highest) value and its
  // message. A finished sync shows exactly what the API says.
  function showProgress(syncId, progress, message, running) {
    let shown = { syncId, value: typeof progress === "number" ? progress : 0, message: message || "" };
    const last = state.progress;
    if (running && last && last.syncId === syncId && last.value > shown.value) shown = last;
    state.progress = shown;
    const bar = $("sync-progress");
    bar.setAttribute("aria-valuenow", String(shown.value));
    bar.setAttribute("aria-valuetext", `${shown.value}%`);
    $("sync-bar").style.width = `${Math.max(0, Math.min(100, shown.value))}%`;
    $("sync-percent").textContent = `${shown.value}%`;
    $("sync-message").textContent = humane(shown.message, "");
  }

  function renderSync(sync) {
    const before = state.shown;
    state.shown = sync;
    const active = !!sync && ACTIVE.has(sync.status);
    $("start").disabled = !canWrite || active;
    $("cancel").disabled = !canWrite || !active;
    if (!sync) {
      $("sync-status").textContent = "none yet";
      noticeFollows("none");
      return;
    }
    if (!before || before.syncId !== sync.syncId) $("sync-log").replaceChildren();
    $("sync-status").textContent = sync.status;
    $("sync-status").className = `status status-${sync.status}`;
    $("sync-kind").textContent = `${sync.kind} sync · trigger: ${sync.trigger}`;
    $("sync-id").textContent = sync.syncId;
    showProgress(sync.syncId, sync.progress, sync.message, active);
    $("sync-error").hidden = !sync.error;
    $("sync-error").textContent = humane(sync.error, `The sync ${sync.status === "failed" ? "failed" : "stopped"}; the details are in the server log.`);
    setTime("sync-started", sync.startedAt);
    // a cancelled or failed sync is never labelled "Completed"
    $("sync-finished-label").textContent = FINISHED[sync.status] || "Finished";
    setTime("sync-completed", sync.completedAt);
    $("sync-warnings").textContent = number(sync.warnings);

    for (const dd of document.querySelectorAll("[data-count]")) {
      const value = (sync.counts || {})[dd.dataset.count];
      dd.textContent = number(value);
      dd.dataset.value = typeof value === "number" ? String(value) : "";
    }

    const det = sync.detection;
    if (det) {
      const failed = det.status === "failed" ? ": the details are in the server log" : "";
      $("detection-status").textContent = `Detection ${words(det.status)}${failed}.`;
      $("claims-found").textContent = number(det.claimsFound);
    } else {
      $("detection-status").textContent = ACTIVE.has(sync.status)
        ? "Detection runs when this sync has finished."
        : sync.status === "completed" || sync.status === "partial"
          ? "Detection has not run for this sync."
          : `No detection: the sync ${words(sync.status)}.`;
      $("claims-found").textContent = "–";
    }

    // When the sync or its detection changes state, connections, claims and history have changed
    // too: read them again (this is how the polling fallback learns about them).
    const phase = (x) => `${x.status}|${x.detection ? x.detection.status : ""}`;
    noticeFollows(`${sync.syncId}|${ACTIVE.has(sync.status) ? "active" : sync.status}|${det ? det.status : ""}`);
    // "Sync cancelling." is over once that sync has ended (even when it ended before the answer came)
    if (state.notice && state.notice.about === `cancel:${sync.syncId}` && !ACTIVE.has(sync.status)) clearNotice();
    if (before && before.syncId === sync.syncId && phase(before) !== phase(sync)) {
      refreshConnections();
      refreshClaims();
      refreshHistory();
    }
  }

  async function loadSync() {
    if (state.pinned) {
      try {
        return await api("GET", `/api/sync/status/${encodeURIComponent(state.pinned)}`);
      } catch (err) {
        if (!(err instanceof HttpError) || err.status !== 404) throw err;
        notice("That sync was not found in this workspace; showing the latest one.", "warn");
        state.pinned = null;
      }
    }
    const body = await api("GET", "/api/sync/status");
    return body.lastSync;
  }

  const refreshSync = () => fresh("sync status", loadSync, renderSync);

  function scheduleSyncRefresh() {
    if (state.refreshTimer) return;
    state.refreshTimer = setTimeout(() => {
      state.refreshTimer = null;
      refreshSync();
    }, 400);
  }

  async function startSync() {
    $("start").disabled = true;
    try {
      const body = await api("POST", "/api/sync/start");
      state.pinned = body.syncId;
      notice("Sync started.", "ok");
    } catch (err) {
      if (err instanceof HttpError && err.status === 409 && err.body.syncId) {
        state.pinned = err.body.syncId;
        notice("A sync is already running: it is shown below.", "info");
      } else if (err instanceof HttpError && err.status === 400 && err.body.error === "amazon_not_connected") {
        notice("No usable Amazon connection: use “Connect Amazon” (or Reconnect) first.", "warn");
        $("connections").classList.add("attention");
        $("connect").focus();
      } else {
        notice(`Could not start a sync: ${reason(err)}`, "error");
      }
    }
    await Promise.all([refreshSync(), refreshHistory()]);
  }

  async function cancelSync() {
    if (!state.shown) return;
    $("cancel").disabled = true;
    try {
      const body = await api("POST", `/api/sync/cancel/${encodeURIComponent(state.shown.syncId)}`);
      if (body.status === "cancelling") notice("Sync cancelling.", "info", `cancel:${body.syncId}`);
      else notice(`Sync ${body.status}.`, "info");
    } catch (err) {
      notice(`Could not cancel: ${reason(err)}`, "error");
    }
    refreshSync();
  }

  // ------------------------------------------------------------------ claims and history

  // By type, the money is the recoverable amount: the same rule as the recoverable total (open,
  // window not expired, valued), so the rows add up to it.
  function totalsRows(totals) {
    const entries = Object.entries(totals || {});
    if (!entries.length) return [emptyRow("No claims yet", 3)];
    return entries.map(([key, t]) =>
      row([{ text: words(key) }, { text: number(t.count), className: "num" }, { text: money(t.recoverable), className: "num" }]),
    );
  }

  // The detection card and the claims card show the same recoverable figure: this one answer's.
  function renderClaims(body) {
    state.claims = body;
    const totals = body.totals || {};
    $("claims-total").textContent = number(body.total);
    $("claims-by-type").querySelector("tbody").replaceChildren(...totalsRows(totals.byType));
    $("money-recoverable").textContent = money(totals.recoverable);
    $("money-filed").textContent = money(totals.filed);
    $("money-recovered").textContent = money(totals.recovered);
    $("money-expired").textContent = money(totals.expired);
    const nc = totals.needsCost || {};
    $("money-needs-cost").textContent = nc.count ? `${number(nc.count)} claims · ${number(nc.units)} units` : "none";
    const list = Object.entries(totals.recoverable || {}).map(([c, a]) => el("li", `${c} ${a}`));
    $("recoverable").replaceChildren(...(list.length ? list : [el("li", "–")]));
  }

  const refreshClaims = () => fresh("claims", () => api("GET", "/api/claims?limit=1"), renderClaims);

  function renderHistory(body) {
    const rows = (body.items || []).map((s) => {
      const show = el("button", "Show", "small");
      show.type = "button";
      show.setAttribute("aria-label", `Show the sync started ${s.createdAt}`);
      show.addEventListener("click", () => {
        state.pinned = s.syncId;
        refreshSync();
        $("sync").scrollIntoView({ behavior: "smooth" });
      });
      return row([
        time(s.startedAt || s.createdAt),
        status(s.status),
        { text: s.trigger },
        { text: `${s.progress}%`, className: "num" },
        { text: number((s.counts || {}).orders), className: "num" },
        { text: s.detection ? number(s.detection.claimsFound) : "–", className: "num" },
        show,
      ]);
    });
    const tbody = $("history-table").querySelector("tbody");
    tbody.replaceChildren(...(rows.length ? rows : [emptyRow("No syncs yet", 7)]));
  }

  const refreshHistory = () =>
    fresh("history", () => api("GET", "/api/sync/history?limit=10"), renderHistory);

  function refreshAll() {
    return Promise.all([refreshConnections(), refreshSync(), refreshClaims(), refreshHistory()]);
  }

  // ------------------------------------------------------------------ live updates

  function startPolling(reason) {
    setLive(`polling every ${POLL_MS / 1000} s (${reason})`);
    if (state.pollTimer) return;
    state.pollTimer = setInterval(refreshSync, POLL_MS);
  }

  function stopPolling() {
    if (state.pollTimer) clearInterval(state.pollTimer);
    state.pollTimer = null;
  }

  function onEvent(event) {
    let data;
    try {
      data = JSON.parse(event.data);
    } catch {
      return;
    }
    const shown = state.shown;
    const mine = shown && data.syncId === shown.syncId;
    switch (event.type) {
      case "sync.started":
        // follow a new sync unless the one on screen is still running
        if (!shown || mine || !ACTIVE.has(shown.status)) {
          state.pinned = data.syncId;
          refreshSync();
          refreshHistory();
        }
        break;
      case "sync.progress":
        if (mine) {
          showProgress(data.syncId, data.progress, data.message, true);
          scheduleSyncRefresh();
        }
        break;
      case "sync.log":
        if (mine) {
          const log = $("sync-log");
          const level = data.level === "warning" || data.level === "error" ? data.level : "info";
          const text = humane(data.message, "a step failed (the details are in the server log)");
          log.append(el("li", level === "info" ? text : `${level}: ${text}`, `log-${level}`));
          while (log.children.length > 5) log.firstElementChild.remove();
        }
        break;
      default: // sync.completed, sync.failed, sync.cancelled, detection.completed
        if (mine) refreshAll();
    }
  }

  function listen() {
    if (!("EventSource" in window)) {
      startPolling("no EventSource in this browser");
      return;
    }
    const source = new EventSource("/api/sync/events");
    source.onopen = () => {
      stopPolling();
      setLive("live");
      refreshAll(); // whatever happened before the stream opened
    };
    source.onerror = () => {
      const closed = source.readyState === EventSource.CLOSED;
      startPolling(closed ? "the event stream is unavailable" : "the event stream is reconnecting");
    };
    for (const type of EVENTS) source.addEventListener(type, onEvent);
  }

  // ------------------------------------------------------------------ wiring

  $("start").addEventListener("click", startSync);
  $("cancel").addEventListener("click", cancelSync);
  $("connect").addEventListener("click", () => connectAmazon($("connect-region").value || null));
  $("reconnect").addEventListener("click", (e) => connectAmazon(e.currentTarget.dataset.region || null));
  $("sign-out").addEventListener("click", async () => {
    try {
      await api("POST", "/api/auth/logout");
    } finally {
      location.assign("/login");
    }
  });
  if (!canWrite) for (const id of ["start", "cancel", "connect", "reconnect"]) $(id).disabled = true;

  refreshAll();
  listen();
})();
