//! `/metrics`: Prometheus text format, built at each scrape from the
//! engine's snapshot and counters (a fresh registry per scrape: counters
//! are the engine's own totals since start, so they never go backwards
//! while the process lives). Every metric is listed in docs/api.md; a
//! Grafana dashboard is docs/grafana-dashboard.json.

use centralino_cdr::Report;
use centralino_engine::{EngineStats, Snapshot};
use centralino_sip::txn::TxStats;
use prometheus::{
    Encoder, Gauge, GaugeVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};
use std::collections::BTreeMap;

/// What a scrape reads.
pub struct Inputs<'a> {
    /// The latest snapshot.
    pub snapshot: &'a Snapshot,
    /// SIP and engine counters, when the engine answered.
    pub engine: Option<(&'a TxStats, &'a EngineStats)>,
    /// Today's SLA report, when it could be computed.
    pub today: Option<&'a Report>,
    /// Voicemail messages by state.
    pub voicemails: &'a crate::store::VoicemailCounts,
    /// Calls ended since start by (service, outcome).
    pub outcomes: &'a BTreeMap<(String, String), u64>,
    /// Webhook deliveries.
    pub webhooks: &'a crate::http::WebhookStats,
}

struct Reg(Registry);

impl Reg {
    fn counter(&self, name: &str, help: &str, v: u64) -> prometheus::Result<()> {
        let c = IntCounter::new(name, help)?;
        c.inc_by(v);
        self.0.register(Box::new(c))
    }
    fn counter_vec(
        &self,
        name: &str,
        help: &str,
        labels: &[&str],
        rows: &[(Vec<String>, u64)],
    ) -> prometheus::Result<()> {
        let c = IntCounterVec::new(Opts::new(name, help), labels)?;
        for (values, v) in rows {
            let refs: Vec<&str> = values.iter().map(String::as_str).collect();
            c.get_metric_with_label_values(&refs)?.inc_by(*v);
        }
        self.0.register(Box::new(c))
    }
    fn gauge(&self, name: &str, help: &str, v: i64) -> prometheus::Result<()> {
        let g = IntGauge::new(name, help)?;
        g.set(v);
        self.0.register(Box::new(g))
    }
    fn fgauge(&self, name: &str, help: &str, v: f64) -> prometheus::Result<()> {
        let g = Gauge::new(name, help)?;
        g.set(v);
        self.0.register(Box::new(g))
    }
    fn gauge_vec(
        &self,
        name: &str,
        help: &str,
        labels: &[&str],
        rows: &[(Vec<String>, f64)],
    ) -> prometheus::Result<()> {
        let g = GaugeVec::new(Opts::new(name, help), labels)?;
        for (values, v) in rows {
            let refs: Vec<&str> = values.iter().map(String::as_str).collect();
            g.get_metric_with_label_values(&refs)?.set(*v);
        }
        self.0.register(Box::new(g))
    }
    fn int_gauge_vec(
        &self,
        name: &str,
        help: &str,
        labels: &[&str],
        rows: &[(Vec<String>, i64)],
    ) -> prometheus::Result<()> {
        let g = IntGaugeVec::new(Opts::new(name, help), labels)?;
        for (values, v) in rows {
            let refs: Vec<&str> = values.iter().map(String::as_str).collect();
            g.get_metric_with_label_values(&refs)?.set(*v);
        }
        self.0.register(Box::new(g))
    }
}

fn drop_reason(r: &centralino_sip::DropReason) -> &'static str {
    use centralino_sip::DropReason as D;
    match r {
        D::Wire(_) => "wire",
        D::StrayResponse => "stray_response",
        D::ResponseViaCount => "response_via_count",
        D::StrayAck => "stray_ack",
        _ => "other",
    }
}

/// The text of a scrape.
pub fn render(i: &Inputs<'_>) -> prometheus::Result<String> {
    let reg = Reg(Registry::new_custom(Some("centralino".into()), None)?);
    let snap = i.snapshot;
    let u = |x: usize| x as i64;

    // Calls.
    reg.gauge("active_calls", "Calls in progress.", u(snap.calls.len()))?;
    let mut by_state: BTreeMap<(String, String), i64> = BTreeMap::new();
    for c in &snap.calls {
        *by_state
            .entry((c.service.clone(), c.state.clone()))
            .or_default() += 1;
    }
    let rows: Vec<(Vec<String>, i64)> = by_state
        .into_iter()
        .map(|((s, st), n)| (vec![s, st], n))
        .collect();
    reg.int_gauge_vec(
        "calls_in_progress",
        "Calls in progress by service and state (ivr, queued, talking, …).",
        &["service", "state"],
        &rows,
    )?;
    let rows: Vec<(Vec<String>, u64)> = i
        .outcomes
        .iter()
        .map(|((s, o), n)| (vec![s.clone(), o.clone()], *n))
        .collect();
    reg.counter_vec(
        "calls_total",
        "Calls ended since start, by service and outcome.",
        &["service", "outcome"],
        &rows,
    )?;

    // Queues.
    let mut depth = Vec::new();
    let mut oldest = Vec::new();
    let mut qagents = Vec::new();
    let mut qcounters = Vec::new();
    for q in &snap.queues {
        let id = q.id.to_string();
        depth.push((vec![id.clone()], q.waiting as f64));
        oldest.push((
            vec![id.clone()],
            q.oldest_wait.map_or(0.0, |d| d.as_secs_f64()),
        ));
        for (state, n) in [
            ("logged_in", q.agents_logged_in),
            ("free", q.agents_free),
            ("ringing", q.agents_ringing),
            ("talking", q.agents_talking),
            ("wrap_up", q.agents_wrap_up),
            ("on_break", q.agents_on_break),
            ("members", q.agents),
        ] {
            qagents.push((vec![id.clone(), state.to_string()], n as i64));
        }
        for (what, n) in [
            ("enqueued", q.enqueued),
            ("answered", q.answered),
            ("abandoned", q.abandoned),
            ("exited", q.exited),
            ("called_back", q.called_back),
        ] {
            qcounters.push((vec![id.clone(), what.to_string()], n));
        }
    }
    reg.gauge_vec(
        "queue_waiting_calls",
        "Calls waiting for an agent, per queue.",
        &["queue"],
        &depth,
    )?;
    reg.gauge_vec(
        "queue_oldest_wait_seconds",
        "Wait of the oldest waiting or ringing call, per queue (0 when none).",
        &["queue"],
        &oldest,
    )?;
    reg.int_gauge_vec(
        "queue_agents",
        "Agents of each queue by situation.",
        &["queue", "situation"],
        &qagents,
    )?;
    reg.counter_vec(
        "queue_calls_total",
        "Calls per queue since start, by what happened.",
        &["queue", "event"],
        &qcounters,
    )?;
    let ringing: Vec<(Vec<String>, f64)> = snap
        .queues
        .iter()
        .map(|q| (vec![q.id.to_string()], q.ringing as f64))
        .collect();
    reg.gauge_vec(
        "queue_ringing_calls",
        "Calls ringing an agent, per queue.",
        &["queue"],
        &ringing,
    )?;

    // Agents.
    let mut status: BTreeMap<&'static str, i64> = ["logged_out", "available", "on_break"]
        .into_iter()
        .map(|s| (s, 0))
        .collect();
    let mut state: BTreeMap<&'static str, i64> = ["idle", "offered", "in_call", "wrap_up"]
        .into_iter()
        .map(|s| (s, 0))
        .collect();
    for a in &snap.agents {
        *status
            .entry(crate::http::status_name(&a.status))
            .or_default() += 1;
        *state.entry(crate::http::state_label(a.state)).or_default() += 1;
    }
    let rows: Vec<(Vec<String>, i64)> = status
        .into_iter()
        .map(|(k, v)| (vec![k.to_string()], v))
        .collect();
    reg.int_gauge_vec(
        "agents_by_status",
        "Agents by status (set by people).",
        &["status"],
        &rows,
    )?;
    let rows: Vec<(Vec<String>, i64)> = state
        .into_iter()
        .map(|(k, v)| (vec![k.to_string()], v))
        .collect();
    reg.int_gauge_vec(
        "agents_by_state",
        "Agents by state (set by the engine).",
        &["state"],
        &rows,
    )?;
    let reachable = snap.agents.iter().filter(|a| a.reachable).count();
    reg.gauge(
        "agents_reachable",
        "Agents whose softphone is registered.",
        u(reachable),
    )?;

    // Voicemail and callbacks.
    let v = i.voicemails;
    let rows = vec![
        (vec!["new".to_string()], v.new as i64),
        (vec!["taken".to_string()], v.taken as i64),
        (vec!["closed".to_string()], v.closed as i64),
    ];
    reg.int_gauge_vec(
        "voicemails",
        "Voicemail messages by state (new and taken are pending).",
        &["state"],
        &rows,
    )?;
    reg.gauge(
        "voicemails_pending",
        "Voicemail messages not closed yet.",
        (v.new + v.taken) as i64,
    )?;
    reg.gauge(
        "callbacks_pending",
        "Callback requests pending.",
        u(snap.callbacks_pending),
    )?;

    // SLA of today.
    if let Some(report) = i.today {
        let mut values = Vec::new();
        let mut thresholds = Vec::new();
        let mut met = Vec::new();
        let mut figures = Vec::new();
        for s in &report.services {
            let svc = s.service.to_string();
            for c in &s.checks {
                let name = c.sla.as_str().to_string();
                if let Some(value) = c.value {
                    values.push((vec![svc.clone(), name.clone()], value));
                }
                thresholds.push((vec![svc.clone(), name.clone()], c.threshold));
                met.push((vec![svc.clone(), name], if c.met { 1.0 } else { 0.0 }));
            }
            let f = &s.figures;
            for (what, n) in [
                ("offered", f.offered),
                ("answered", f.answered),
                ("abandoned", f.abandoned),
                ("short_abandoned", f.short_abandoned),
                ("rejected", f.rejected),
                ("voicemail", f.voicemail),
                ("callback", f.callback),
                ("queued", f.queued),
                ("resolved", f.resolved),
                ("in_progress", f.in_progress),
            ] {
                figures.push((vec![svc.clone(), what.to_string()], n as f64));
            }
        }
        reg.gauge_vec(
            "sla_today_value",
            "Today's value of each SLA so far (seconds or percent).",
            &["service", "sla"],
            &values,
        )?;
        reg.gauge_vec(
            "sla_today_threshold",
            "Each SLA's threshold (after the overflow rule).",
            &["service", "sla"],
            &thresholds,
        )?;
        reg.gauge_vec(
            "sla_today_met",
            "1 when the SLA is met today so far, 0 when breached.",
            &["service", "sla"],
            &met,
        )?;
        reg.gauge_vec(
            "sla_today_calls",
            "Today's calls per service (the SLA report's figures).",
            &["service", "figure"],
            &figures,
        )?;
    }

    // Engine and SIP.
    if let Some((sip, e)) = i.engine {
        reg.counter(
            "calls_started_total",
            "Calls accepted since start.",
            e.calls_started,
        )?;
        reg.counter(
            "calls_ended_total",
            "Calls ended since start.",
            e.calls_ended,
        )?;
        let refused = vec![
            (vec!["capacity".to_string()], e.calls_refused),
            (vec!["no_codec".to_string()], e.calls_no_codec),
            (vec!["unknown_number".to_string()], e.calls_unknown_number),
        ];
        reg.counter_vec(
            "calls_refused_total",
            "Calls refused, by reason (503, 488, 404).",
            &["reason"],
            &refused,
        )?;
        reg.counter("rtp_packets_sent_total", "RTP packets sent.", e.rtp_sent)?;
        reg.counter(
            "rtp_packets_received_total",
            "RTP packets received and accepted.",
            e.rtp_received,
        )?;
        reg.counter(
            "rtp_packets_dropped_total",
            "RTP datagrams dropped (malformed, wrong source, unexpected type).",
            e.rtp_dropped,
        )?;
        reg.counter(
            "rtp_packets_lost_total",
            "RTP packets lost (sequence gaps at the receiver).",
            e.rtp_lost,
        )?;
        reg.counter(
            "dtmf_digits_total",
            "DTMF digits received (RFC 4733 and SIP INFO).",
            e.dtmf_received,
        )?;
        reg.counter(
            "voicemails_recorded_total",
            "Voicemail messages recorded since start.",
            e.voicemails,
        )?;
        let rows: Vec<(Vec<String>, u64)> = sip
            .requests_received
            .iter()
            .map(|(m, n)| (vec![m.to_string()], n))
            .collect();
        reg.counter_vec(
            "sip_requests_received_total",
            "SIP requests received (retransmissions included), by method.",
            &["method"],
            &rows,
        )?;
        let rows: Vec<(Vec<String>, u64)> = sip
            .requests_sent
            .iter()
            .map(|(m, n)| (vec![m.to_string()], n))
            .collect();
        reg.counter_vec(
            "sip_requests_sent_total",
            "SIP requests sent, by method.",
            &["method"],
            &rows,
        )?;
        let rows: Vec<(Vec<String>, u64)> = sip
            .responses_received
            .iter()
            .map(|(c, n)| (vec![c.to_string()], *n))
            .collect();
        reg.counter_vec(
            "sip_responses_received_total",
            "SIP responses received, by status code.",
            &["code"],
            &rows,
        )?;
        let rows: Vec<(Vec<String>, u64)> = sip
            .responses_sent
            .iter()
            .map(|(c, n)| (vec![c.to_string()], *n))
            .collect();
        reg.counter_vec(
            "sip_responses_sent_total",
            "SIP responses sent, by status code.",
            &["code"],
            &rows,
        )?;
        reg.counter(
            "sip_retransmissions_sent_total",
            "SIP retransmissions sent (Timers A, E, G, and answers to retransmitted requests).",
            sip.retransmissions_sent,
        )?;
        reg.counter(
            "sip_retransmissions_absorbed_total",
            "Retransmitted SIP messages absorbed by the transaction layer.",
            sip.retransmissions_absorbed,
        )?;
        let mut drops: BTreeMap<&'static str, u64> = BTreeMap::new();
        for (r, n) in &sip.dropped {
            *drops.entry(drop_reason(r)).or_default() += n;
        }
        let rows: Vec<(Vec<String>, u64)> = drops
            .into_iter()
            .map(|(r, n)| (vec![r.to_string()], n))
            .collect();
        reg.counter_vec(
            "sip_dropped_total",
            "SIP datagrams dropped, by reason.",
            &["reason"],
            &rows,
        )?;
        reg.counter(
            "sip_transaction_timeouts_total",
            "Client transactions that timed out (Timers B, F, C).",
            sip.timeouts,
        )?;
        reg.counter(
            "sip_ack_timeouts_total",
            "2xx answers never acknowledged (Timer H).",
            sip.ack_timeouts,
        )?;
    }
    reg.fgauge(
        "up",
        "1 while the engine answers the API.",
        if i.engine.is_some() { 1.0 } else { 0.0 },
    )?;

    // Webhooks.
    let w = i.webhooks;
    let rows = vec![
        (vec!["delivered".to_string()], w.delivered),
        (vec!["failed_attempt".to_string()], w.failed_attempts),
        (vec!["dropped".to_string()], w.dropped),
    ];
    reg.counter_vec(
        "webhook_events_total",
        "CTI webhook deliveries, by result.",
        &["result"],
        &rows,
    )?;

    let mut out = Vec::new();
    TextEncoder::new().encode(&reg.0.gather(), &mut out)?;
    String::from_utf8(out).map_err(|e| prometheus::Error::Msg(e.to_string()))
}
