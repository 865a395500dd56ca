//! Request counters and latency sums per route template, in Prometheus text format.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

#[derive(Default)]
struct Series {
    count: u64,
    seconds: f64,
}

/// The server's counters.
#[derive(Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(String, String, u16), Series>>,
}

impl Metrics {
    fn record(&self, method: &str, path: &str, status: u16, seconds: f64) {
        let mut series = self.series.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let s = series.entry((method.to_owned(), path.to_owned(), status)).or_default();
        s.count += 1;
        s.seconds += seconds;
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let series = self.series.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut out = String::from(
            "# HELP customerdesk_http_requests_total HTTP requests by route and status.\n\
             # TYPE customerdesk_http_requests_total counter\n",
        );
        for ((m, p, s), v) in series.iter() {
            let _ = writeln!(out, "customerdesk_http_requests_total{{method=\"{m}\",path=\"{p}\",status=\"{s}\"}} {}", v.count);
        }
        out.push_str(
            "# HELP customerdesk_http_request_duration_seconds_sum Time spent answering, by route.\n\
             # TYPE customerdesk_http_request_duration_seconds_sum counter\n",
        );
        for ((m, p, s), v) in series.iter() {
            let _ = writeln!(
                out,
                "customerdesk_http_request_duration_seconds_sum{{method=\"{m}\",path=\"{p}\",status=\"{s}\"}} {:.6}",
                v.seconds
            );
        }
        let _ = writeln!(
            out,
            "# TYPE customerdesk_build_info gauge\ncustomerdesk_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        );
        out
    }
}

/// Middleware recording each request under its route template (never the raw path, whose ids
/// would make the series unbounded).
pub async fn track(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().as_str().to_owned();
    let path = req.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let start = Instant::now();
    let res = next.run(req).await;
    s.metrics.record(&method, &path, res.status().as_u16(), start.elapsed().as_secs_f64());
    res
}
