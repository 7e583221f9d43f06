//! The wallboard: plain HTML, JavaScript and CSS compiled into the binary
//! (no build step, no CDN). The pages carry no data: they ask the API with
//! the token given in the URL fragment (`#token=…`, never sent to the
//! server in a URL) or typed into the login field (kept in the tab's
//! sessionStorage).
//!
//! - `/wallboard/`: queues and agents live (SSE at the interval chosen on
//!   the page), breached SLA figures highlighted, today's half-hour curve;
//! - `/wallboard/report.html`: the monthly SLA report with CSV and XLSX
//!   downloads.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};

const INDEX: &str = include_str!("wallboard/index.html");
const REPORT: &str = include_str!("wallboard/report.html");
const APP_JS: &str = include_str!("wallboard/app.js");
const REPORT_JS: &str = include_str!("wallboard/report.js");
const COMMON_JS: &str = include_str!("wallboard/common.js");
const STYLE: &str = include_str!("wallboard/style.css");

fn page(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'",
                ),
            ),
            (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
        ],
        body,
    )
        .into_response()
}

/// `/` and `/wallboard`: to the wallboard.
pub async fn root() -> Redirect {
    Redirect::temporary("/wallboard/")
}

/// `/wallboard/`.
pub async fn index() -> Response {
    page("text/html; charset=utf-8", INDEX)
}

/// `/wallboard/report.html`.
pub async fn report() -> Response {
    page("text/html; charset=utf-8", REPORT)
}

/// `/wallboard/app.js`.
pub async fn app_js() -> Response {
    page("text/javascript; charset=utf-8", APP_JS)
}

/// `/wallboard/report.js`.
pub async fn report_js() -> Response {
    page("text/javascript; charset=utf-8", REPORT_JS)
}

/// `/wallboard/common.js`.
pub async fn common_js() -> Response {
    page("text/javascript; charset=utf-8", COMMON_JS)
}

/// `/wallboard/style.css`.
pub async fn style() -> Response {
    page("text/css; charset=utf-8", STYLE)
}
