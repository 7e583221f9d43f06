//! `/api/openapi.json`: the API described by hand, next to the handlers it
//! describes. The router tests check that every route is in it and that
//! answers match it; schemathesis (`scripts/schemathesis`) checks the
//! running binary against it.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn int() -> Value {
    json!({ "type": "integer", "minimum": 0 })
}

fn num_or_null() -> Value {
    json!({ "type": "number", "nullable": true })
}

fn str_or_null() -> Value {
    json!({ "type": "string", "nullable": true })
}

fn s() -> Value {
    json!({ "type": "string" })
}

fn arr(items: Value) -> Value {
    json!({ "type": "array", "items": items })
}

/// An object whose listed properties are all required.
fn obj(props: &[(&str, Value)]) -> Value {
    let mut p = Map::new();
    for (k, v) in props {
        p.insert((*k).to_string(), v.clone());
    }
    let required: Vec<&str> = props.iter().map(|(k, _)| *k).collect();
    json!({ "type": "object", "properties": p, "required": required })
}

fn error_response(what: &str) -> Value {
    json!({ "description": what, "content": { "application/json": { "schema": r("Error") } } })
}

fn json_response(what: &str, schema: Value) -> Value {
    json!({ "description": what, "content": { "application/json": { "schema": schema } } })
}

fn file_response(what: &str, media: &[&str]) -> Value {
    let mut content = Map::new();
    for m in media {
        content.insert(
            (*m).to_string(),
            json!({ "schema": { "type": "string", "format": "binary" } }),
        );
    }
    json!({ "description": what, "content": content })
}

fn param(name: &str, place: &str, required: bool, schema: Value, doc: &str) -> Value {
    json!({ "name": name, "in": place, "required": required, "schema": schema, "description": doc })
}

/// Printable text without slashes, as `check_id` wants.
const ID_PATTERN: &str = "^[^/\\x00-\\x1f\\x7f-\\x9f]{1,128}$";
/// One line of printable text, not only spaces.
const TEXT_PATTERN: &str =
    "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$";
/// Printable text (new lines allowed), not only spaces.
const NOTE_PATTERN: &str = "^[^\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f]*$";

fn path_id(name: &str, doc: &str) -> Value {
    param(
        name,
        "path",
        true,
        json!({"type": "string", "pattern": ID_PATTERN}),
        doc,
    )
}

fn text(max: u32) -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": max, "pattern": TEXT_PATTERN})
}

fn query(name: &str, schema: Value, doc: &str) -> Value {
    param(name, "query", false, schema, doc)
}

/// An operation: summary, the role it needs (None: public), parameters,
/// request body, success responses and the error statuses it may answer.
struct Op {
    summary: &'static str,
    role: Option<&'static str>,
    params: Vec<Value>,
    body: Option<Value>,
    ok: Vec<(&'static str, Value)>,
    errors: &'static [u16],
}

impl Op {
    fn build(self, id: &str) -> Value {
        let mut responses = Map::new();
        for (code, v) in self.ok {
            responses.insert(code.to_string(), v);
        }
        let mut errors: Vec<u16> = self.errors.to_vec();
        if self.role.is_some() {
            errors.extend([401, 403]);
        }
        errors.sort_unstable();
        errors.dedup();
        for code in errors {
            let what = match code {
                400 => "Malformed request (path, query)",
                401 => "No valid bearer token",
                403 => "The token's role is not enough",
                404 => "Not found",
                409 => "Conflicts with the current state",
                413 => "Body too large",
                415 => "Wrong content type",
                422 => "Well-formed but invalid body",
                426 => "A WebSocket upgrade is required",
                503 => "The engine did not answer (stopping or overloaded)",
                _ => "Error",
            };
            responses.insert(code.to_string(), error_response(what));
        }
        let mut op = Map::new();
        op.insert("operationId".into(), json!(id));
        let mut summary = self.summary.to_string();
        if let Some(role) = self.role {
            summary.push_str(&format!(" (role: {role})"));
        }
        op.insert("summary".into(), json!(summary));
        if self.role.is_none() {
            op.insert("security".into(), json!([]));
        }
        if !self.params.is_empty() {
            op.insert("parameters".into(), Value::Array(self.params));
        }
        if let Some(b) = self.body {
            op.insert("requestBody".into(), b);
        }
        op.insert("responses".into(), Value::Object(responses));
        Value::Object(op)
    }
}

fn json_body(schema: Value, required: bool) -> Value {
    json!({ "required": required, "content": { "application/json": { "schema": schema } } })
}

fn schemas() -> Value {
    let figures = obj(&[
        ("offered", int()),
        ("answered", int()),
        ("abandoned", int()),
        ("short_abandoned", int()),
        ("rejected", int()),
        ("voicemail", int()),
        ("callback", int()),
        ("tm_s", num_or_null()),
        ("abandoned_pct", num_or_null()),
        ("resolved_pct", num_or_null()),
        ("sla_c1_pct", num_or_null()),
        ("sla_c2_within_30s_pct", num_or_null()),
        ("sla_c2_max_wait_s", num_or_null()),
        ("sla_c3_abandoned_pct", num_or_null()),
        ("sla_o1_pct", num_or_null()),
        ("sla_o2_pct", num_or_null()),
        ("sla_o3_pct", num_or_null()),
        ("ivr_hangup", int()),
        ("self_service", int()),
        ("out_of_hours", int()),
        ("failed", int()),
        ("queued", int()),
        ("resolved", int()),
        ("in_progress", int()),
        ("outside_window", int()),
        ("arrivals", int()),
        ("voicemail_messages", int()),
        ("availability_service_time_pct", num_or_null()),
        ("availability_other_time_pct", num_or_null()),
        ("availability_total_pct", num_or_null()),
        ("overflow_points", int()),
    ]);
    let queue_live = obj(&[
        ("id", s()),
        ("name", s()),
        (
            "strategy",
            json!({"type": "string", "enum": ["longest_idle", "round_robin", "fewest_calls", "ring_all"]}),
        ),
        ("waiting", int()),
        ("ringing", int()),
        ("callbacks", int()),
        ("oldest_wait_s", num_or_null()),
        ("agents", int()),
        ("agents_logged_in", int()),
        ("agents_free", int()),
        ("agents_ringing", int()),
        ("agents_talking", int()),
        ("agents_wrap_up", int()),
        ("agents_on_break", int()),
        ("enqueued", int()),
        ("answered", int()),
        ("abandoned", int()),
        ("exited", int()),
        ("called_back", int()),
        ("average_wait_s", num_or_null()),
        ("average_handling_s", num_or_null()),
    ]);
    let agent_live = obj(&[
        ("id", s()),
        ("name", s()),
        ("username", s()),
        (
            "status",
            json!({"type": "string", "enum": ["logged_out", "available", "on_break"]}),
        ),
        ("break_reason", str_or_null()),
        ("status_for_s", int()),
        (
            "state",
            json!({"type": "string", "enum": ["idle", "offered", "in_call", "wrap_up"]}),
        ),
        ("state_for_s", int()),
        ("reachable", json!({"type": "boolean"})),
        ("free", json!({"type": "boolean"})),
        ("calls_answered", int()),
        ("current_call", str_or_null()),
        (
            "current_caller_waited_s",
            json!({"type": "integer", "minimum": 0, "nullable": true}),
        ),
        ("queues", arr(s())),
    ]);
    let call = obj(&[
        ("call_id", s()),
        ("service", s()),
        ("caller", s()),
        ("called", s()),
        (
            "state",
            json!({"type": "string", "enum": ["ivr", "queued", "talking", "callback_offer", "leaving", "transferred"]}),
        ),
        ("queue", str_or_null()),
        ("agent", str_or_null()),
        ("ringing", arr(s())),
        ("age_s", int()),
        (
            "waited_s",
            json!({"type": "integer", "minimum": 0, "nullable": true}),
        ),
        ("language", s()),
        ("digits", s()),
    ]);
    let check = obj(&[
        ("sla", s()),
        ("value", num_or_null()),
        ("threshold", json!({"type": "number"})),
        ("met", json!({"type": "boolean"})),
        ("deviation", num_or_null()),
    ]);
    let queue_today = obj(&[
        ("offered", int()),
        ("answered", int()),
        ("abandoned", int()),
        ("in_progress", int()),
        ("avg_wait_s", num_or_null()),
        ("max_wait_s", num_or_null()),
        ("calls_per_agent", num_or_null()),
    ]);
    let wallboard_queue = json!({ "allOf": [r("QueueLive"), obj(&[
        ("today", r("QueueToday")),
        ("occupancy_pct", num_or_null()),
        ("sla", arr(obj(&[("service", s()), ("checks", arr(r("Check")))]))),
        ("breached", json!({"type": "boolean"})),
    ])]});
    let wallboard_agent = json!({ "allOf": [r("AgentLive"), obj(&[("calls_today", int())])] });
    let service_today = json!({ "allOf": [r("Figures"), obj(&[
        ("service", s()),
        ("name", s()),
        ("contract", str_or_null()),
        ("checks", arr(r("Check"))),
        ("breached", json!({"type": "boolean"})),
    ])]});
    let wallboard = obj(&[
        ("at", s()),
        ("date", json!({"type": "string", "format": "date"})),
        ("time_zone", s()),
        ("queues", arr(r("WallboardQueue"))),
        ("agents", arr(r("WallboardAgent"))),
        ("services", arr(r("ServiceToday"))),
        ("active_calls", int()),
        ("callbacks_pending", int()),
    ]);
    let slot = obj(&[
        ("time", s()),
        ("offered", int()),
        ("answered", int()),
        ("abandoned", int()),
        ("short_abandoned", int()),
        ("avg_wait_s", num_or_null()),
    ]);
    let curves = obj(&[
        ("date", json!({"type": "string", "format": "date"})),
        ("time_zone", s()),
        ("total", arr(r("CurveSlot"))),
        (
            "services",
            arr(obj(&[("service", s()), ("curve", arr(r("CurveSlot")))])),
        ),
    ]);
    let interval = obj(&[
        ("start", s()),
        ("offered", int()),
        ("answered", int()),
        ("abandoned", int()),
        ("short_abandoned", int()),
        ("avg_wait_s", num_or_null()),
        ("avg_talk_s", num_or_null()),
        ("within_30s_pct", num_or_null()),
    ]);
    let bucket = json!({ "allOf": [r("Figures"), obj(&[
        ("label", s()), ("start", s()), ("end", s()), ("checks", arr(r("Check"))),
    ])]});
    let service_report = json!({ "allOf": [r("Figures"), obj(&[
        ("service", s()),
        ("contract", str_or_null()),
        ("time_zone", s()),
        ("start", s()),
        ("end", s()),
        ("checks", arr(r("Check"))),
        ("intervals", arr(r("Interval"))),
        ("breakdown", arr(r("Bucket"))),
    ])]});
    let report = obj(&[
        ("from", json!({"type": "string", "format": "date"})),
        ("to", json!({"type": "string", "format": "date"})),
        ("as_of", s()),
        (
            "group_by",
            json!({"type": "string", "nullable": true, "enum": ["day", "week", "month", "year", null]}),
        ),
        ("services", arr(r("ServiceReport"))),
    ]);
    let cdr = obj(&[
        ("call_id", s()),
        ("service", s()),
        ("called", s()),
        ("caller", str_or_null()),
        ("arrived_at", s()),
        ("queue", str_or_null()),
        ("queued_at", str_or_null()),
        ("answered_at", str_or_null()),
        ("agent", str_or_null()),
        ("ended_at", str_or_null()),
        (
            "ended_by",
            json!({"type": "string", "nullable": true, "enum": ["caller", "agent", "system", null]}),
        ),
        (
            "outcome",
            json!({"type": "string", "nullable": true, "enum": ["answered", "abandoned", "ivr_hangup", "self_service", "voicemail", "out_of_hours", "callback", "rejected", "failed", null]}),
        ),
        (
            "resolution",
            json!({"type": "string", "nullable": true, "enum": ["resolved", "escalated", null]}),
        ),
        ("transfer_to", str_or_null()),
        ("ivr_digits", str_or_null()),
        ("language", str_or_null()),
        ("diverted_from", str_or_null()),
        (
            "codec",
            json!({"type": "string", "nullable": true, "enum": ["PCMU", "PCMA", "G729", null]}),
        ),
        ("voicemail_id", str_or_null()),
        ("callback_id", str_or_null()),
    ]);
    let mut event = obj(&[
        ("call_id", s()),
        ("at", s()),
        ("mono_ms", int()),
        ("type", s()),
    ]);
    event["additionalProperties"] = json!(true);
    let voicemail = obj(&[
        ("id", s()),
        ("call_id", s()),
        ("service", s()),
        ("caller", str_or_null()),
        ("called", s()),
        ("received_at", s()),
        ("duration_ms", int()),
        ("file", s()),
        (
            "state",
            json!({"type": "string", "enum": ["new", "taken", "closed"]}),
        ),
        ("taken_by", str_or_null()),
        ("taken_at", str_or_null()),
        ("closed_by", str_or_null()),
        ("closed_at", str_or_null()),
        ("outcome", str_or_null()),
    ]);
    let callback = obj(&[
        ("id", s()),
        ("call_id", str_or_null()),
        ("service", s()),
        ("queue", s()),
        ("number", s()),
        ("state", s()),
        ("attempts", int()),
        ("requested_at", s()),
        ("expires_at", str_or_null()),
        ("next_attempt_at", str_or_null()),
        ("completed_at", str_or_null()),
        ("language", str_or_null()),
        ("waited_s", num_or_null()),
    ]);
    let prompt = obj(&[
        ("language", s()),
        ("name", s()),
        ("bytes", int()),
        (
            "duration_ms",
            json!({"type": "integer", "minimum": 0, "nullable": true}),
        ),
        ("valid", json!({"type": "boolean"})),
        ("error", str_or_null()),
        ("referenced_by", arr(s())),
    ]);
    let reload = obj(&[("ok", json!({"type": "boolean"})), ("errors", arr(s()))]);
    let mut error = obj(&[("error", s())]);
    error["properties"]["details"] = arr(s());
    json!({
        "Error": error,
        "Health": obj(&[("status", s()), ("version", s()), ("at", s()), ("active_calls", int())]),
        "Figures": figures,
        "Check": check,
        "QueueLive": queue_live,
        "AgentLive": agent_live,
        "Call": call,
        "QueueToday": queue_today,
        "WallboardQueue": wallboard_queue,
        "WallboardAgent": wallboard_agent,
        "ServiceToday": service_today,
        "Wallboard": wallboard,
        "CurveSlot": slot,
        "TodayCurves": curves,
        "Interval": interval,
        "Bucket": bucket,
        "ServiceReport": service_report,
        "Report": report,
        "Cdr": cdr,
        "CallEvent": event,
        "CallRecord": obj(&[("cdr", r("Cdr")), ("events", arr(r("CallEvent")))]),
        "Voicemail": voicemail,
        "Callback": callback,
        "Prompt": prompt,
        "ReloadReport": reload,
        "PromptChange": obj(&[
            ("language", s()), ("name", s()), ("duration_ms", int()),
            ("created", json!({"type": "boolean"})), ("reload", r("ReloadReport")),
        ]),
        "PromptDeleted": obj(&[("deleted", s()), ("referenced_by", arr(s())), ("reload", r("ReloadReport"))]),
        "Restored": obj(&[("restored", int()), ("removed", int()), ("ignored", arr(s())), ("reload", r("ReloadReport"))]),
        "DispositionAccepted": obj(&[
            ("call_id", s()),
            ("resolution", json!({"type": "string", "enum": ["resolved", "escalated"]})),
            ("ticket", str_or_null()),
            ("event", r("CallEvent")),
        ]),
        "Reloaded": obj(&[("reloaded", json!({"type": "boolean"}))]),
    })
}

fn paths() -> Value {
    let lists = || {
        vec![
            query(
                "limit",
                json!({"type": "integer", "minimum": 1, "maximum": 1000}),
                "At most this many (default 100).",
            ),
            query(
                "offset",
                json!({"type": "integer", "minimum": 0}),
                "Skip this many.",
            ),
        ]
    };
    let date = json!({"type": "string", "format": "date"});
    let instant =
        json!({"type": "string", "description": "RFC 3339 instant or YYYY-MM-DD (local midnight)"});
    let agent = path_id("id", "Agent id.");
    let mut p = Map::new();
    let mut add = |path: &str, method: &str, id: &str, op: Op| {
        let entry = p.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[method] = op.build(id);
    };
    add(
        "/api/health",
        "get",
        "health",
        Op {
            summary: "Liveness",
            role: None,
            params: vec![],
            body: None,
            ok: vec![("200", json_response("Running", r("Health")))],
            errors: &[],
        },
    );
    add(
        "/api/openapi.json",
        "get",
        "openapi",
        Op {
            summary: "This document",
            role: None,
            params: vec![],
            body: None,
            ok: vec![(
                "200",
                json_response("OpenAPI 3.0", json!({"type": "object"})),
            )],
            errors: &[],
        },
    );
    add(
        "/metrics",
        "get",
        "metrics",
        Op {
            summary: "Prometheus metrics (text format 0.0.4); public when http.metrics_public",
            role: Some("viewer"),
            params: vec![],
            body: None,
            ok: vec![(
                "200",
                json!({"description": "Metrics", "content": {"text/plain": {"schema": s()}}}),
            )],
            errors: &[],
        },
    );
    add(
        "/api/queues",
        "get",
        "listQueues",
        Op {
            summary: "Queues and their live figures",
            role: Some("viewer"),
            params: vec![],
            body: None,
            ok: vec![(
                "200",
                json_response("Queues in config order", arr(r("QueueLive"))),
            )],
            errors: &[],
        },
    );
    add(
        "/api/queues/{id}",
        "get",
        "getQueue",
        Op {
            summary: "One queue's live figures",
            role: Some("viewer"),
            params: vec![path_id("id", "Queue id.")],
            body: None,
            ok: vec![("200", json_response("The queue", r("QueueLive")))],
            errors: &[400, 404],
        },
    );
    add(
        "/api/agents",
        "get",
        "listAgents",
        Op {
            summary: "Agents: status, state, current call",
            role: Some("viewer"),
            params: vec![],
            body: None,
            ok: vec![("200", json_response("Agents", arr(r("AgentLive"))))],
            errors: &[],
        },
    );
    add(
        "/api/agents/{id}",
        "get",
        "getAgent",
        Op {
            summary: "One agent",
            role: Some("viewer"),
            params: vec![agent.clone()],
            body: None,
            ok: vec![("200", json_response("The agent", r("AgentLive")))],
            errors: &[400, 404],
        },
    );
    add(
        "/api/agents/{id}/status",
        "put",
        "setAgentStatus",
        Op {
            summary: "Set an agent's status (an agent token bound to an agent acts for it only)",
            role: Some("agent"),
            params: vec![agent.clone()],
            body: Some(json_body(
                json!({
                    "type": "object",
                    "properties": {
                        "status": {"type": "string", "enum": ["available", "logged_out", "on_break"]},
                        "reason": text(64),
                    },
                    "required": ["status"],
                    "additionalProperties": false,
                }),
                true,
            )),
            ok: vec![(
                "200",
                json_response("The agent after the change", r("AgentLive")),
            )],
            errors: &[400, 404, 409, 413, 415, 422, 503],
        },
    );
    for (action, summary) in [
        ("login", "Log in (available)"),
        ("logout", "Log out"),
        ("back", "Back from a break (409 when not on break)"),
    ] {
        add(
            &format!("/api/agents/{{id}}/{action}"),
            "post",
            &format!("agent_{action}"),
            Op {
                summary,
                role: Some("agent"),
                params: vec![agent.clone()],
                body: None,
                ok: vec![(
                    "200",
                    json_response("The agent after the change", r("AgentLive")),
                )],
                errors: &[400, 404, 409, 503],
            },
        );
    }
    add(
        "/api/agents/{id}/break",
        "post",
        "agent_break",
        Op {
            summary: "Take a break, with an optional reason",
            role: Some("agent"),
            params: vec![agent],
            body: Some(json_body(
                json!({
                    "type": "object",
                    "properties": {"reason": text(64)},
                    "additionalProperties": false,
                }),
                false,
            )),
            ok: vec![(
                "200",
                json_response("The agent after the change", r("AgentLive")),
            )],
            errors: &[400, 404, 409, 413, 422, 503],
        },
    );
    add(
        "/api/calls",
        "get",
        "listCalls",
        Op {
            summary: "Calls in progress, oldest first",
            role: Some("viewer"),
            params: vec![],
            body: None,
            ok: vec![("200", json_response("Calls", arr(r("Call"))))],
            errors: &[],
        },
    );
    add(
        "/api/calls/{id}/disposition",
        "post",
        "setDisposition",
        Op {
            summary:
                "Mark an answered call resolved at first level or escalated (feeds Q and SLA.C.4)",
            role: Some("agent"),
            params: vec![path_id("id", "The call's CDR id.")],
            body: Some(json_body(
                json!({
                    "type": "object",
                    "properties": {
                        "resolution": {"type": "string", "enum": ["resolved", "escalated"]},
                        "ticket": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[^\\x00-\\x1f\\x7f-\\x9f]+$"},
                    },
                    "required": ["resolution"],
                    "additionalProperties": false,
                }),
                true,
            )),
            ok: vec![(
                "202",
                json_response(
                    "Queued for the database as a resolution_set event",
                    r("DispositionAccepted"),
                ),
            )],
            errors: &[400, 404, 409, 413, 415, 422, 503],
        },
    );
    add(
        "/api/wallboard",
        "get",
        "wallboard",
        Op {
            summary: "The wallboard: queues, agents, today's SLA",
            role: Some("viewer"),
            params: vec![],
            body: None,
            ok: vec![("200", json_response("The wallboard", r("Wallboard")))],
            errors: &[],
        },
    );
    add(
        "/api/wallboard/stream",
        "get",
        "wallboardStream",
        Op {
            summary:
                "The wallboard every `interval` seconds (Server-Sent Events, event `wallboard`)",
            role: Some("viewer"),
            params: vec![
                query(
                    "interval",
                    json!({"type": "integer", "minimum": 1, "maximum": 3600}),
                    "Seconds between frames (default 5).",
                ),
                query(
                    "access_token",
                    s(),
                    "The token, for clients that cannot set headers.",
                ),
            ],
            body: None,
            ok: vec![(
                "200",
                json!({"description": "An endless event stream", "content": {"text/event-stream": {"schema": s()}}}),
            )],
            errors: &[400],
        },
    );
    add(
        "/api/stats/today",
        "get",
        "todayCurve",
        Op {
            summary: "Today's half-hour curve (offered, answered, abandoned, average wait)",
            role: Some("viewer"),
            params: vec![],
            body: None,
            ok: vec![(
                "200",
                json_response("48 half-hours, in total and per service", r("TodayCurves")),
            )],
            errors: &[],
        },
    );
    add("/api/reports/sla", "get", "slaReport", Op {
        summary: "The SLA report of a period: the JSON of `centralino sla --format json`, or CSV, or XLSX",
        role: Some("viewer"),
        params: vec![
            param("from", "query", true, date.clone(), "First day (YYYY-MM-DD)."),
            param("to", "query", true, date.clone(), "Last day, included."),
            query("service", s(), "Only this service."),
            query("group_by", json!({"type": "string", "enum": ["day", "week", "month", "year"]}), "Breakdown."),
            query("format", json!({"type": "string", "enum": ["json", "csv", "xlsx"]}), "Default json."),
            query("part", json!({"type": "string", "enum": ["summary", "checks", "intervals"]}), "Which CSV (default summary)."),
            query("as_of", s(), "Judge pending voicemails at this RFC 3339 instant (default now)."),
        ],
        body: None,
        ok: vec![("200", json!({"description": "The report", "content": {
            "application/json": {"schema": r("Report")},
            "text/csv": {"schema": s()},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}},
        }}))],
        errors: &[400],
    });
    let mut cdr_params = vec![
        query("from", instant.clone(), "Arrived at or after."),
        query("to", instant.clone(), "Arrived before (a date: included)."),
        query("service", s(), "Only this service."),
        query(
            "outcome",
            json!({"type": "string", "enum": ["in_progress", "answered", "abandoned", "ivr_hangup", "self_service", "voicemail", "out_of_hours", "callback", "rejected", "failed"]}),
            "Only this outcome.",
        ),
    ];
    cdr_params.extend(lists());
    add(
        "/api/cdrs",
        "get",
        "searchCdrs",
        Op {
            summary: "Search CDRs by arrival, service and outcome (oldest first)",
            role: Some("supervisor"),
            params: cdr_params,
            body: None,
            ok: vec![("200", json_response("CDRs", arr(r("Cdr"))))],
            errors: &[400, 503],
        },
    );
    add(
        "/api/cdrs/export",
        "get",
        "exportCdrs",
        Op {
            summary: "Export the CDRs of a period: the file of `centralino cdr export`",
            role: Some("supervisor"),
            params: vec![
                param("from", "query", true, date.clone(), "First day."),
                param("to", "query", true, date, "Last day, included."),
                query("service", s(), "Only this service."),
                query(
                    "format",
                    json!({"type": "string", "enum": ["jsonl", "csv"]}),
                    "Default jsonl.",
                ),
            ],
            body: None,
            ok: vec![(
                "200",
                file_response("The export", &["application/x-ndjson", "text/csv"]),
            )],
            errors: &[400, 503],
        },
    );
    add(
        "/api/cdrs/{id}",
        "get",
        "getCdr",
        Op {
            summary: "One call: its CDR and events",
            role: Some("supervisor"),
            params: vec![path_id("id", "The call's CDR id.")],
            body: None,
            ok: vec![("200", json_response("The call", r("CallRecord")))],
            errors: &[400, 404, 503],
        },
    );
    let mut vm_params = vec![
        query(
            "state",
            json!({"type": "string", "enum": ["new", "taken", "closed"]}),
            "Only in this state.",
        ),
        query("service", s(), "Only this service."),
        query("from", instant.clone(), "Received at or after."),
        query("to", instant, "Received before."),
    ];
    vm_params.extend(lists());
    add(
        "/api/voicemails",
        "get",
        "listVoicemails",
        Op {
            summary: "The shared voicemail inbox, oldest first",
            role: Some("agent"),
            params: vm_params,
            body: None,
            ok: vec![("200", json_response("Messages", arr(r("Voicemail"))))],
            errors: &[400, 503],
        },
    );
    let vm = path_id("id", "Voicemail id.");
    add(
        "/api/voicemails/{id}",
        "get",
        "getVoicemail",
        Op {
            summary: "One message",
            role: Some("agent"),
            params: vec![vm.clone()],
            body: None,
            ok: vec![("200", json_response("The message", r("Voicemail")))],
            errors: &[400, 404, 503],
        },
    );
    add(
        "/api/voicemails/{id}/audio",
        "get",
        "getVoicemailAudio",
        Op {
            summary: "The recording (WAV, 8 kHz mono 16-bit)",
            role: Some("agent"),
            params: vec![vm.clone()],
            body: None,
            ok: vec![("200", file_response("The WAV", &["audio/wav"]))],
            errors: &[400, 404, 503],
        },
    );
    add(
        "/api/voicemails/{id}/take",
        "post",
        "takeVoicemail",
        Op {
            summary: "Take a message in charge (O.1); `by` defaults to the token's name",
            role: Some("agent"),
            params: vec![vm.clone()],
            body: Some(json_body(
                json!({
                    "type": "object",
                    "properties": {"by": text(128)},
                    "additionalProperties": false,
                }),
                false,
            )),
            ok: vec![("200", json_response("The message", r("Voicemail")))],
            errors: &[400, 404, 409, 413, 422, 503],
        },
    );
    add(
        "/api/voicemails/{id}/close",
        "post",
        "closeVoicemail",
        Op {
            summary: "Close a message with an outcome (O.2, O.3)",
            role: Some("agent"),
            params: vec![vm],
            body: Some(json_body(
                json!({
                    "type": "object",
                    "properties": {
                        "outcome": {"type": "string", "minLength": 1, "maxLength": 1000, "pattern": NOTE_PATTERN},
                        "by": text(128),
                    },
                    "required": ["outcome"],
                    "additionalProperties": false,
                }),
                true,
            )),
            ok: vec![("200", json_response("The message", r("Voicemail")))],
            errors: &[400, 404, 409, 413, 422, 503],
        },
    );
    let mut cb_params = vec![
        query("state", s(), "Only in this state."),
        query("service", s(), "Only this service."),
    ];
    cb_params.extend(lists());
    add(
        "/api/callbacks",
        "get",
        "listCallbacks",
        Op {
            summary: "Callback requests, oldest first",
            role: Some("agent"),
            params: cb_params,
            body: None,
            ok: vec![("200", json_response("Requests", arr(r("Callback"))))],
            errors: &[400, 503],
        },
    );
    add(
        "/api/callbacks/{id}/cancel",
        "post",
        "cancelCallback",
        Op {
            summary: "Cancel a pending callback request",
            role: Some("supervisor"),
            params: vec![path_id("id", "Callback id (cb-N).")],
            body: None,
            ok: vec![(
                "200",
                json_response("The request, cancelled", r("Callback")),
            )],
            errors: &[400, 404, 409, 503],
        },
    );
    add(
        "/api/prompts",
        "get",
        "listPrompts",
        Op {
            summary: "Prompt files and who uses them",
            role: Some("supervisor"),
            params: vec![],
            body: None,
            ok: vec![("200", json_response("Prompts", arr(r("Prompt"))))],
            errors: &[],
        },
    );
    add(
        "/api/prompts/backup",
        "get",
        "backupPrompts",
        Op {
            summary: "Every prompt as one tar archive (<language>/<name>.wav)",
            role: Some("admin"),
            params: vec![],
            body: None,
            ok: vec![("200", file_response("The archive", &["application/x-tar"]))],
            errors: &[],
        },
    );
    add(
        "/api/prompts/restore",
        "post",
        "restorePrompts",
        Op {
            summary: "Install the prompts of a tar archive (all checked first), then reload",
            role: Some("admin"),
            params: vec![query(
                "replace",
                json!({"type": "boolean"}),
                "Delete prompts absent from the archive.",
            )],
            body: Some(
                json!({"required": true, "content": {"application/x-tar": {"schema": {"type": "string", "format": "binary"}}}}),
            ),
            ok: vec![("200", json_response("Restored", r("Restored")))],
            errors: &[400, 413, 415, 422, 503],
        },
    );
    let lang = param(
        "lang",
        "path",
        true,
        json!({"type": "string", "pattern": "^[A-Za-z0-9_][A-Za-z0-9_-]{0,15}$"}),
        "Language folder (it, en, …).",
    );
    let name = param(
        "name",
        "path",
        true,
        json!({"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}(\\.wav)?$"}),
        "Prompt name (letters, digits, - and _; with or without .wav).",
    );
    add(
        "/api/prompts/{lang}/{name}",
        "get",
        "downloadPrompt",
        Op {
            summary: "Download a prompt",
            role: Some("supervisor"),
            params: vec![lang.clone(), name.clone()],
            body: None,
            ok: vec![("200", file_response("The WAV", &["audio/wav"]))],
            errors: &[400, 404],
        },
    );
    add(
        "/api/prompts/{lang}/{name}",
        "put",
        "uploadPrompt",
        Op {
            summary:
                "Install a prompt (16-bit PCM WAV, 8000 Hz, mono, 20 ms to 10 min), then reload",
            role: Some("admin"),
            params: vec![lang.clone(), name.clone()],
            body: Some(
                json!({"required": true, "content": {"audio/wav": {"schema": {"type": "string", "format": "binary"}}}}),
            ),
            ok: vec![
                ("201", json_response("Created", r("PromptChange"))),
                ("200", json_response("Replaced", r("PromptChange"))),
            ],
            errors: &[400, 413, 415, 422, 503],
        },
    );
    add(
        "/api/prompts/{lang}/{name}",
        "delete",
        "deletePrompt",
        Op {
            summary: "Delete a prompt (409 while the config uses it, unless force), then reload",
            role: Some("admin"),
            params: vec![
                lang,
                name,
                query("force", json!({"type": "boolean"}), "Delete even if used."),
            ],
            body: None,
            ok: vec![("200", json_response("Deleted", r("PromptDeleted")))],
            errors: &[400, 404, 409, 503],
        },
    );
    add(
        "/api/config/reload",
        "post",
        "reloadConfig",
        Op {
            summary: "Reload the config file and prompts (as SIGHUP): new calls use them",
            role: Some("admin"),
            params: vec![],
            body: None,
            ok: vec![("200", json_response("Reloaded", r("Reloaded")))],
            errors: &[422, 503],
        },
    );
    let stream_params = || {
        vec![
        query("agent", s(), "Only this agent's events."),
        query("queue", s(), "Only this queue's events."),
        query("types", s(), "Comma-separated event types (call_offered, call_answered, call_transferred, call_ended, call_queued, call_abandoned, agent_status_changed, queue_stats, voicemail_received, callback_updated)."),
        query("access_token", s(), "The token, for clients that cannot set headers."),
    ]
    };
    add(
        "/api/events",
        "get",
        "ctiEvents",
        Op {
            summary: "CTI events as Server-Sent Events (see docs/api.md for each event)",
            role: Some("agent"),
            params: stream_params(),
            body: None,
            ok: vec![(
                "200",
                json!({"description": "An endless event stream", "content": {"text/event-stream": {"schema": s()}}}),
            )],
            errors: &[400],
        },
    );
    add(
        "/api/events/ws",
        "get",
        "ctiWebSocket",
        Op {
            summary: "CTI events over WebSocket (one JSON text frame per event)",
            role: Some("agent"),
            params: stream_params(),
            body: None,
            ok: vec![("101", json!({"description": "Switching to WebSocket"}))],
            errors: &[400, 426],
        },
    );
    Value::Object(p)
}

/// The document.
pub fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        json!({
            "openapi": "3.0.3",
            "info": {
                "title": "Centralino API",
                "version": env!("CARGO_PKG_VERSION"),
                "description": "Supervision, CTI and administration of Centralino. Errors are JSON {\"error\": \"…\"}. See docs/api.md.",
                "license": {"name": "AGPL-3.0-or-later"},
            },
            "servers": [{"url": "/"}],
            "security": [{"bearer": []}],
            "paths": paths(),
            "components": {
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                "schemas": schemas(),
            },
        })
    })
}

/// `GET /api/openapi.json`.
pub async fn document() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        spec().to_string(),
    )
        .into_response()
}
