// Centralino: the monthly SLA report (the same figures as `centralino sla`),
// with CSV and XLSX downloads.
"use strict";

(() => {
  const C = Centralino;
  const $ = (id) => document.getElementById(id);
  const FIGURES = [
    ["offered", "Chiamate offerte"], ["answered", "Risposte (Ni)"], ["abandoned", "Abbandonate > soglia (Mi)"],
    ["short_abandoned", "Abbandonate entro la soglia"], ["rejected", "Respinte (linea occupata)"],
    ["voicemail", "Segreteria"], ["callback", "Richiamate"], ["tm_s", "Tm, s"], ["abandoned_pct", "P abbandoni, %"],
    ["resolved_pct", "Q risolte al primo livello, %"], ["sla_c1_pct", "C.1, %"], ["sla_c2_within_30s_pct", "C.2 entro 30 s, %"],
    ["sla_c2_max_wait_s", "C.2 attesa massima, s"], ["sla_c3_abandoned_pct", "C.3 abbandoni, %"],
    ["sla_o1_pct", "O.1 presa in carico, %"], ["sla_o2_pct", "O.2 risolte, %"], ["sla_o3_pct", "O.3 risolte, %"],
    ["queued", "Entrate in coda"], ["in_progress", "In corso"], ["arrivals", "Arrivi totali"],
  ];

  function range() {
    const [y, m] = $("month").value.split("-").map(Number);
    const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
    const mm = String(m).padStart(2, "0");
    return { from: `${y}-${mm}-01`, to: `${y}-${mm}-${String(last).padStart(2, "0")}` };
  }

  function query(extra) {
    const r = range();
    const p = new URLSearchParams({ from: r.from, to: r.to });
    if ($("service").value) p.set("service", $("service").value);
    if ($("group-by").value && !extra) p.set("group_by", $("group-by").value);
    for (const [k, v] of Object.entries(extra || {})) p.set(k, v);
    return "/api/reports/sla?" + p.toString();
  }

  function value(v) {
    if (v === null || v === undefined) return "—";
    return typeof v === "number" && !Number.isInteger(v) ? C.num(v, 2) : String(v);
  }

  function render(report) {
    const out = $("report");
    out.replaceChildren();
    for (const s of report.services) {
      const rows = FIGURES.map(([k, label]) => C.el("tr", {}, C.el("th", {}, label), C.el("td", { "data-field": k }, value(s[k]))));
      const checks = s.checks.map((c) => C.el("tr", { class: c.met ? "met" : "breach", "data-sla": c.sla },
        C.el("th", {}, c.sla), C.el("td", {}, value(c.value)), C.el("td", {}, value(c.threshold)),
        C.el("td", {}, c.met ? "rispettato" : "NON rispettato"), C.el("td", {}, value(c.deviation))));
      const breakdown = s.breakdown.map((b) => C.el("tr", {},
        C.el("th", {}, b.label), C.el("td", {}, b.offered), C.el("td", {}, b.answered), C.el("td", {}, b.abandoned),
        C.el("td", {}, value(b.tm_s)), C.el("td", {}, value(b.abandoned_pct)),
        C.el("td", {}, ...b.checks.filter((c) => !c.met).map(C.check))));
      out.append(C.el("section", { class: "service", "data-service": s.service },
        C.el("h2", {}, s.service, s.contract ? " — " + s.contract : ""),
        C.el("div", { class: "cols" },
          C.el("table", { class: "figures" }, C.el("tbody", {}, ...rows)),
          C.el("table", { class: "checks" },
            C.el("thead", {}, C.el("tr", {}, C.el("th", {}, "SLA"), C.el("th", {}, "valore"), C.el("th", {}, "soglia"), C.el("th", {}, "esito"), C.el("th", {}, "scostamento"))),
            C.el("tbody", {}, ...checks))),
        breakdown.length ? C.el("table", { class: "breakdown" },
          C.el("thead", {}, C.el("tr", {}, ...["periodo", "offerte", "risposte", "abbandonate", "Tm", "P %", "violazioni"].map((h) => C.el("th", {}, h)))),
          C.el("tbody", {}, ...breakdown)) : null));
    }
    if (!report.services.length) out.append(C.el("p", {}, "Nessuna chiamata nel periodo."));
  }

  async function compute(ev) {
    if (ev) ev.preventDefault();
    $("status").textContent = "calcolo…";
    try {
      const report = await C.json(query());
      render(report);
      const sel = $("service");
      if (sel.options.length === 1) {
        for (const s of report.services) sel.append(C.el("option", { value: s.service }, s.service));
      }
      $("status").textContent = "aggiornato al " + report.as_of;
    } catch (e) {
      $("status").textContent = "errore: " + e.message;
    }
  }

  async function download(format) {
    try {
      const r = await C.api(query({ format }));
      const blob = await r.blob();
      const cd = r.headers.get("Content-Disposition") || "";
      const m = /filename="([^"]+)"/.exec(cd);
      const a = C.el("a", { href: URL.createObjectURL(blob), download: m ? m[1] : "sla." + format });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    } catch (e) {
      $("status").textContent = "errore: " + e.message;
    }
  }

  function start() {
    if (!$("month").value) {
      const d = new Date();
      $("month").value = d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0");
    }
    $("report-form").addEventListener("submit", compute);
    $("csv").addEventListener("click", () => download("csv"));
    $("xlsx").addEventListener("click", () => download("xlsx"));
    compute();
  }

  C.gate(start);
})();
