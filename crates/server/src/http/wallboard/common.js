// Centralino wallboard: shared helpers (token, API calls, SSE over fetch,
// formatting). No framework, no build step.
"use strict";

const Centralino = (() => {
  const KEY = "centralino.token";

  // The token comes in the URL fragment (#token=…: never sent to the
  // server) or from the login field; it is kept for this tab only.
  function token() {
    const m = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
    if (m) {
      sessionStorage.setItem(KEY, decodeURIComponent(m[1]));
      history.replaceState(null, "", location.pathname + location.search);
    }
    return sessionStorage.getItem(KEY);
  }

  function forget() {
    sessionStorage.removeItem(KEY);
  }

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(path, options = {}) {
    const headers = Object.assign({}, options.headers || {}, { Authorization: "Bearer " + token() });
    const r = await fetch(path, Object.assign({}, options, { headers }));
    if (!r.ok) {
      let message = r.status + " " + r.statusText;
      try {
        const body = await r.json();
        if (body && body.error) message = body.error;
      } catch (_) { /* not JSON */ }
      throw new ApiError(r.status, message);
    }
    return r;
  }

  async function json(path) {
    return (await api(path)).json();
  }

  // Server-Sent Events read with fetch (EventSource cannot send the
  // Authorization header). Calls onEvent(type, data) per event; resolves
  // when the stream ends, rejects on errors; abort with the signal.
  async function stream(path, onEvent, signal) {
    const r = await api(path, { signal, headers: { Accept: "text/event-stream" } });
    const reader = r.body.getReader();
    const decoder = new TextDecoder();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buf.search(/\r?\n\r?\n/)) >= 0) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut).replace(/^\r?\n\r?\n/, "");
        let type = "message";
        const data = [];
        for (const line of block.split(/\r?\n/)) {
          if (line.startsWith("event:")) type = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
        }
        if (data.length) onEvent(type, data.join("\n"));
      }
    }
  }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") e.className = v;
      else if (k.startsWith("data-")) e.setAttribute(k, v);
      else if (k === "title") e.title = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }

  function duration(s) {
    if (s === null || s === undefined) return "—";
    s = Math.round(s);
    if (s < 60) return s + " s";
    const m = Math.floor(s / 60);
    if (m < 60) return m + ":" + String(s % 60).padStart(2, "0");
    return Math.floor(m / 60) + " h " + String(m % 60).padStart(2, "0");
  }

  function num(v, digits) {
    if (v === null || v === undefined) return "—";
    return Number(v).toFixed(digits === undefined ? 1 : digits).replace(".", ",");
  }

  const SLA_NAMES = {
    tm: "Tm", p: "P", q: "Q", c1: "C.1", c2_within: "C.2 <30s", c2_max_wait: "C.2 max",
    c3: "C.3", c4: "C.4", o1: "O.1", o2: "O.2", o3: "O.3",
    acd_service_time: "ACD", acd_other_time: "ACD fuori", ivr_24x7: "IVR",
  };
  const SECONDS = new Set(["tm", "c2_max_wait"]);

  // One check as a badge: green when met, red when breached.
  function check(c) {
    const unit = SECONDS.has(c.sla) ? " s" : " %";
    const value = c.value === null ? "—" : num(c.value, 1) + unit;
    const limit = (SECONDS.has(c.sla) || ["p", "c3"].includes(c.sla) ? "≤ " : "≥ ") + num(c.threshold, 1) + unit;
    return el("span", { class: "check " + (c.met ? "met" : "breach"), "data-sla": c.sla, title: (SLA_NAMES[c.sla] || c.sla) + " " + limit },
      (SLA_NAMES[c.sla] || c.sla) + " " + value);
  }

  // Show the login form until a token works; then call start().
  function gate(start) {
    const login = document.getElementById("login");
    const board = document.getElementById("board");
    const form = document.getElementById("login-form");
    const error = document.getElementById("login-error");
    const logout = document.getElementById("logout");
    const show = (loggedIn) => { login.hidden = loggedIn; board.hidden = !loggedIn; };
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      sessionStorage.setItem(KEY, document.getElementById("token-input").value.trim());
      error.textContent = "";
      attempt();
    });
    logout.addEventListener("click", () => { forget(); location.reload(); });
    async function attempt() {
      if (!token()) { show(false); return; }
      try {
        await json("/api/queues");
        show(true);
        start();
      } catch (e) {
        if (e.status === 401 || e.status === 403) {
          forget();
          error.textContent = "Token non valido: " + e.message;
          show(false);
        } else {
          error.textContent = "Errore: " + e.message;
          show(false);
          setTimeout(attempt, 5000);
        }
      }
    }
    attempt();
  }

  return { token, forget, api, json, stream, el, duration, num, check, gate, ApiError };
})();
