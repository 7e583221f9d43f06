// Centralino wallboard: queues and agents live over SSE, sampled at the
// interval chosen on the page; today's SLA with breaches in red; today's
// half-hour curve drawn on a canvas.
"use strict";

(() => {
  const C = Centralino;
  const $ = (id) => document.getElementById(id);
  const STATUS = { logged_out: "scollegato", available: "disponibile", on_break: "in pausa" };
  const STATE = { idle: "libero", offered: "squilla", in_call: "in conversazione", wrap_up: "post-chiamata" };
  let controller = null;
  let frames = 0;
  let lastCurve = 0;
  let curves = null;
  let todaySeen = "";
  // The server's clock (it may run on another time than this PC's, e.g.
  // a test clock), and the wallboard's time zone.
  let serverOffset = 0;
  let timeZone;

  function cell(field, value, cls) {
    return C.el("td", { "data-field": field, class: cls || null }, value);
  }

  function renderQueues(queues) {
    const body = $("queues").tBodies[0];
    body.replaceChildren(...queues.map((q) => {
      const checks = C.el("td", { "data-field": "sla" }, ...q.sla.flatMap((s) => s.checks.map(C.check)));
      return C.el("tr", { "data-queue": q.id, class: q.breached ? "breached" : null },
        C.el("th", { title: q.id }, q.name),
        cell("waiting", q.waiting + q.ringing, q.waiting + q.ringing > 0 ? "busy" : null),
        cell("oldest_wait", C.duration(q.oldest_wait_s)),
        cell("logged_in", q.agents_logged_in + " / " + q.agents),
        cell("free", q.agents_free, q.agents_free === 0 && q.agents_logged_in > 0 ? "warn" : null),
        cell("talking", q.agents_talking),
        cell("wrap_up", q.agents_wrap_up),
        cell("on_break", q.agents_on_break),
        cell("load", q.today.calls_per_agent === null ? "—" : C.num(q.today.calls_per_agent, 1)),
        cell("offered_today", q.today.offered),
        cell("answered_today", q.today.answered),
        cell("abandoned_today", q.today.abandoned, q.today.abandoned > 0 ? "warn" : null),
        cell("avg_wait_today", C.duration(q.today.avg_wait_s)),
        checks);
    }));
  }

  function pct(v) { return v === null || v === undefined ? "—" : C.num(v, 1) + " %"; }

  function renderServices(services) {
    const body = $("services").tBodies[0];
    body.replaceChildren(...services.map((s) => C.el("tr", { "data-service": s.service, class: s.breached ? "breached" : null },
      C.el("th", { title: s.service }, s.name),
      cell("offered", s.offered),
      cell("answered", s.answered),
      cell("abandoned", s.abandoned),
      cell("tm", s.tm_s === null ? "—" : C.num(s.tm_s, 1) + " s"),
      cell("p", pct(s.abandoned_pct)),
      cell("q", pct(s.resolved_pct)),
      C.el("td", { "data-field": "checks" }, ...s.checks.map(C.check)))));
    const select = $("curve-service");
    const known = new Set([...select.options].map((o) => o.value));
    for (const s of services) {
      if (!known.has(s.service)) select.append(C.el("option", { value: s.service }, s.name));
    }
  }

  function renderAgents(agents) {
    const body = $("agents").tBodies[0];
    body.replaceChildren(...agents.map((a) => C.el("tr", { "data-agent": a.id, class: "st-" + a.status + " " + a.state },
      C.el("th", { title: a.id + (a.reachable ? "" : " (telefono non registrato)") }, a.name, a.reachable ? "" : " ⚠"),
      cell("status", (STATUS[a.status] || a.status) + (a.break_reason ? " (" + a.break_reason + ")" : "")),
      cell("status_for", C.duration(a.status_for_s)),
      cell("state", STATE[a.state] || a.state),
      cell("state_for", C.duration(a.state_for_s)),
      cell("calls_today", a.calls_today),
      cell("current_call", a.current_call || "—"),
      cell("caller_waited", C.duration(a.current_caller_waited_s)))));
  }

  function render(wb) {
    frames += 1;
    const at = Date.parse(wb.at);
    if (!Number.isNaN(at)) serverOffset = at - Date.now();
    timeZone = wb.time_zone;
    tick();
    $("frames").textContent = frames;
    $("date").textContent = wb.date + " (" + wb.time_zone + ")";
    $("updated").textContent = wb.at;
    renderQueues(wb.queues);
    renderServices(wb.services);
    renderAgents(wb.agents);
    document.body.dataset.updated = wb.at;
    // Today's figures moved: redraw the curve now rather than at the next
    // periodic refresh.
    const today = wb.services.map((s) => [s.service, s.offered, s.answered, s.abandoned, s.short_abandoned].join(":")).join(",");
    if (today !== todaySeen) {
      todaySeen = today;
      refreshCurve(true);
    }
  }

  function drawCurve() {
    const canvas = $("curve");
    const ctx = canvas.getContext("2d");
    const W = canvas.width, H = canvas.height;
    ctx.clearRect(0, 0, W, H);
    if (!curves) return;
    const sel = $("curve-service").value;
    const series = sel ? (curves.services.find((s) => s.service === sel) || { curve: [] }).curve : curves.total;
    if (!series.length) return;
    // Show 07:00–20:00, widened to any slot with calls.
    let first = 14, last = 39;
    series.forEach((p, i) => { if (p.offered > 0) { first = Math.min(first, i); last = Math.max(last, i); } });
    const slots = series.slice(first, last + 1);
    canvas.dataset.offered = String(series.reduce((n, p) => n + p.offered, 0));
    const L = 44, R = 44, T = 12, B = 28;
    const pw = W - L - R, ph = H - T - B;
    const maxCalls = Math.max(4, ...slots.map((p) => p.offered));
    const maxWait = Math.max(10, ...slots.map((p) => p.avg_wait_s || 0));
    const x = (i) => L + (i + 0.5) * pw / slots.length;
    const y = (v) => T + ph - v * ph / maxCalls;
    const yw = (v) => T + ph - v * ph / maxWait;
    ctx.font = "12px sans-serif";
    ctx.strokeStyle = "#ccc";
    ctx.fillStyle = "#555";
    ctx.lineWidth = 1;
    for (let k = 0; k <= 4; k++) {
      const v = maxCalls * k / 4;
      ctx.beginPath(); ctx.moveTo(L, y(v)); ctx.lineTo(W - R, y(v)); ctx.stroke();
      ctx.fillText(String(Math.round(v)), 4, y(v) + 4);
      ctx.fillText(Math.round(maxWait * k / 4) + "s", W - R + 4, yw(maxWait * k / 4) + 4);
    }
    slots.forEach((p, i) => {
      if (i % 2 === 0) ctx.fillText(p.time, x(i) - 16, H - 8);
    });
    const bw = Math.max(2, pw / slots.length * 0.7);
    ctx.fillStyle = "#b8c4d6";
    slots.forEach((p, i) => ctx.fillRect(x(i) - bw / 2, y(p.offered), bw, y(0) - y(p.offered)));
    const line = (color, values, scale, dash) => {
      ctx.strokeStyle = color; ctx.lineWidth = 2; ctx.setLineDash(dash || []);
      ctx.beginPath();
      let started = false;
      values.forEach((v, i) => {
        if (v === null || v === undefined) { started = false; return; }
        if (!started) { ctx.moveTo(x(i), scale(v)); started = true; } else ctx.lineTo(x(i), scale(v));
      });
      ctx.stroke(); ctx.setLineDash([]);
    };
    line("#2e7d32", slots.map((p) => p.answered), y);
    line("#c62828", slots.map((p) => p.abandoned + p.short_abandoned), y);
    line("#1565c0", slots.map((p) => p.avg_wait_s), yw, [6, 4]);
  }

  async function refreshCurve(force) {
    const now = Date.now();
    if (!force && now - lastCurve < 30000) return;
    lastCurve = now;
    try {
      curves = await C.json("/api/stats/today");
      drawCurve();
    } catch (e) { /* the next frame retries */ }
  }

  function connect() {
    if (controller) controller.abort();
    controller = new AbortController();
    const interval = $("interval").value;
    const signal = controller.signal;
    $("status").textContent = "connessione…";
    $("status").className = "status";
    C.stream("/api/wallboard/stream?interval=" + interval, (type, data) => {
      if (type !== "wallboard") return;
      $("status").textContent = "in linea · ogni " + interval + " s";
      $("status").className = "status ok";
      render(JSON.parse(data));
      refreshCurve(false);
    }, signal).then(() => retry(signal), (e) => {
      if (e.name === "AbortError") return;
      if (e.status === 401 || e.status === 403) { C.forget(); location.reload(); return; }
      retry(signal);
    });
  }

  function retry(signal) {
    if (signal.aborted) return;
    $("status").textContent = "disconnesso: nuovo tentativo…";
    $("status").className = "status bad";
    setTimeout(() => { if (!signal.aborted) connect(); }, 3000);
  }

  function tick() {
    const now = new Date(Date.now() + serverOffset);
    try {
      $("clock").textContent = now.toLocaleTimeString("it-IT", timeZone ? { timeZone } : {});
    } catch (_) {
      $("clock").textContent = now.toLocaleTimeString("it-IT");
    }
  }

  function start() {
    const saved = localStorage.getItem("centralino.interval");
    if (saved && [...$("interval").options].some((o) => o.value === saved)) $("interval").value = saved;
    $("interval").addEventListener("change", () => {
      localStorage.setItem("centralino.interval", $("interval").value);
      connect();
    });
    $("curve-service").addEventListener("change", drawCurve);
    setInterval(tick, 1000);
    tick();
    connect();
    refreshCurve(true);
  }

  C.gate(start);
})();
