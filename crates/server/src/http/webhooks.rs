//! CTI webhooks: every event of the stream that passes a webhook's filter
//! is POSTed to its URL as the same JSON, in order, retried with
//! exponential back-off (1 s, 2 s, 4 s … at most 60 s) up to
//! `max_attempts`, then dropped and logged.
//!
//! They run on their own thread and runtime: a slow or dead CRM delays
//! nothing but its own queue, never a call. A queue holds at most
//! [`QUEUE_LIMIT`] events; past that the oldest are dropped (counted).

use super::config::WebhookConfig;
use super::cti::CtiEvent;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::broadcast;

/// Events waiting per webhook before the oldest are dropped.
pub const QUEUE_LIMIT: usize = 10_000;
const MAX_BACKOFF: Duration = Duration::from_secs(60);

static DELIVERED: AtomicU64 = AtomicU64::new(0);
static FAILED_ATTEMPTS: AtomicU64 = AtomicU64::new(0);
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// Counters for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WebhookStats {
    /// Events delivered (2xx).
    pub delivered: u64,
    /// Attempts that failed (connection, timeout, non-2xx).
    pub failed_attempts: u64,
    /// Events given up or dropped from a full queue.
    pub dropped: u64,
}

/// The counters so far.
pub fn stats() -> WebhookStats {
    WebhookStats {
        delivered: DELIVERED.load(Ordering::Relaxed),
        failed_attempts: FAILED_ATTEMPTS.load(Ordering::Relaxed),
        dropped: DROPPED.load(Ordering::Relaxed),
    }
}

fn passes(w: &WebhookConfig, e: &CtiEvent) -> bool {
    (w.events.is_empty() || w.events.iter().any(|t| t == e.kind))
        && (w.queues.is_empty() || w.queues.iter().any(|q| e.queues.contains(q)))
        && (w.agents.is_empty() || w.agents.iter().any(|a| e.agents.contains(a)))
}

/// Start the webhook thread.
pub fn start(
    hooks: Vec<WebhookConfig>,
    mut events: broadcast::Receiver<Arc<CtiEvent>>,
) -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name("centralino-webhooks".into())
        .spawn(move || {
            rt.block_on(async move {
                let mut queues = Vec::new();
                for hook in hooks {
                    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Arc<CtiEvent>>();
                    let pending = Arc::new(AtomicU64::new(0));
                    tokio::spawn(deliver(hook.clone(), rx, pending.clone()));
                    queues.push((hook, tx, pending));
                }
                loop {
                    match events.recv().await {
                        Ok(e) => {
                            for (hook, tx, pending) in &queues {
                                if passes(hook, &e) {
                                    if pending.load(Ordering::Relaxed) >= QUEUE_LIMIT as u64 {
                                        DROPPED.fetch_add(1, Ordering::Relaxed);
                                        continue;
                                    }
                                    pending.fetch_add(1, Ordering::Relaxed);
                                    let _ = tx.send(e.clone());
                                }
                            }
                        }
                        Err(broadcast::error::RecvError::Lagged(n)) => {
                            DROPPED.fetch_add(n, Ordering::Relaxed);
                            tracing::warn!(missed = n, "webhooks fell behind the CTI events");
                        }
                        Err(broadcast::error::RecvError::Closed) => return,
                    }
                }
            })
        })?;
    Ok(())
}

async fn deliver(
    hook: WebhookConfig,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<Arc<CtiEvent>>,
    pending: Arc<AtomicU64>,
) {
    let mut backlog: VecDeque<Arc<CtiEvent>> = VecDeque::new();
    loop {
        if backlog.is_empty() {
            match rx.recv().await {
                Some(e) => backlog.push_back(e),
                None => return,
            }
        }
        let Some(e) = backlog.pop_front() else {
            continue;
        };
        let mut delay = Duration::from_secs(1);
        let mut attempt = 1;
        loop {
            match post(&hook, e.json.as_bytes()).await {
                Ok(()) => {
                    DELIVERED.fetch_add(1, Ordering::Relaxed);
                    break;
                }
                Err(why) => {
                    FAILED_ATTEMPTS.fetch_add(1, Ordering::Relaxed);
                    if attempt >= hook.max_attempts {
                        DROPPED.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(url = %hook.url, event = e.kind, attempts = attempt, error = %why, "webhook event dropped");
                        break;
                    }
                    tracing::debug!(url = %hook.url, attempt, error = %why, retry_in = ?delay, "webhook delivery failed");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(MAX_BACKOFF);
                    attempt += 1;
                }
            }
        }
        pending.fetch_sub(1, Ordering::Relaxed);
    }
}

/// One POST over HTTP/1.1 (`Connection: close`); Ok on a 2xx status.
pub async fn post(hook: &WebhookConfig, body: &[u8]) -> Result<(), String> {
    let attempt = async {
        let mut s = tokio::net::TcpStream::connect((hook.host.as_str(), hook.port))
            .await
            .map_err(|e| format!("connect: {e}"))?;
        let host = if hook.host.contains(':') {
            format!("[{}]:{}", hook.host, hook.port)
        } else {
            format!("{}:{}", hook.host, hook.port)
        };
        let mut head = format!(
            "POST {} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: Centralino/{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
            hook.path,
            env!("CARGO_PKG_VERSION"),
            body.len()
        );
        if let Some(b) = &hook.bearer {
            head.push_str(&format!("Authorization: Bearer {b}\r\n"));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes())
            .await
            .map_err(|e| format!("send: {e}"))?;
        s.write_all(body).await.map_err(|e| format!("send: {e}"))?;
        let mut buf = [0u8; 64];
        let mut got = Vec::new();
        while !got.contains(&b'\n') && got.len() < 1024 {
            let n = s.read(&mut buf).await.map_err(|e| format!("read: {e}"))?;
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        let line = String::from_utf8_lossy(&got);
        let code = line
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse::<u16>().ok())
            .ok_or_else(|| "no HTTP status line".to_string())?;
        if (200..300).contains(&code) {
            Ok(())
        } else {
            Err(format!("status {code}"))
        }
    };
    tokio::time::timeout(hook.timeout, attempt)
        .await
        .map_err(|_| "timed out".to_string())?
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    fn hook(port: u16) -> WebhookConfig {
        WebhookConfig {
            url: format!("http://127.0.0.1:{port}/hook"),
            host: "127.0.0.1".into(),
            port,
            path: "/hook".into(),
            events: vec!["call_offered".into()],
            queues: vec![],
            agents: vec![],
            bearer: Some("s3cret".into()),
            timeout: Duration::from_secs(2),
            max_attempts: 5,
        }
    }

    fn event(kind: &'static str) -> Arc<CtiEvent> {
        Arc::new(CtiEvent {
            kind,
            queues: vec!["q1".into()],
            agents: vec!["a1".into()],
            json: Arc::from(format!("{{\"type\":\"{kind}\"}}")),
        })
    }

    #[tokio::test]
    async fn events_are_posted_and_retried_after_a_failure() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = broadcast::channel(16);
        start(vec![hook(port)], rx).unwrap();
        tx.send(event("call_ended")).unwrap();
        tx.send(event("call_offered")).unwrap();
        // First attempt: answered 503; the retry gets 204.
        let mut requests = Vec::new();
        for status in ["503 Service Unavailable", "204 No Content"] {
            let (mut s, _) = tokio::time::timeout(Duration::from_secs(10), listener.accept())
                .await
                .unwrap()
                .unwrap();
            let mut got = Vec::new();
            let mut buf = [0u8; 1024];
            while !String::from_utf8_lossy(&got).contains("call_offered") {
                let n = s.read(&mut buf).await.unwrap();
                assert!(n > 0);
                got.extend_from_slice(&buf[..n]);
            }
            s.write_all(format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n").as_bytes())
                .await
                .unwrap();
            requests.push(String::from_utf8_lossy(&got).into_owned());
        }
        assert!(
            requests[0].starts_with("POST /hook HTTP/1.1\r\n"),
            "{}",
            requests[0]
        );
        assert!(requests[0].contains("Authorization: Bearer s3cret"));
        assert!(
            requests[0].ends_with("{\"type\":\"call_offered\"}"),
            "the filter keeps call_offered only"
        );
        assert_eq!(requests[0], requests[1]);
    }

    #[test]
    fn filters() {
        let mut h = hook(1);
        assert!(passes(&h, &event("call_offered")));
        assert!(!passes(&h, &event("call_ended")));
        h.events.clear();
        h.queues = vec!["q2".into()];
        assert!(!passes(&h, &event("call_ended")));
        h.queues = vec!["q1".into()];
        h.agents = vec!["a1".into()];
        assert!(passes(&h, &event("call_ended")));
    }
}
