//! This instance's traffic in the Prometheus text format: requests by method, route and status,
//! and their durations, counted by the `observe` middleware. Routes are the templates axum
//! matched (`/v1/orders/{id}`), never raw paths, so the series stay bounded.
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

/// Upper bounds of the duration buckets, in seconds.
const BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Series {
    method: String,
    route: String,
    status: u16,
}

#[derive(Debug, Default, Clone)]
struct Timing {
    /// Requests at or under each bucket's bound (cumulative when rendered).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum_secs: f64,
}

#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<Series, u64>>,
    timings: Mutex<BTreeMap<(String, String), Timing>>,
}

/// Totals for the console's health page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub requests: u64,
    pub server_errors: u64,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, secs: f64) {
        let series = Series { method: method.to_owned(), route: route.to_owned(), status };
        *self.requests.lock().unwrap_or_else(|e| e.into_inner()).entry(series).or_default() += 1;
        let mut timings = self.timings.lock().unwrap_or_else(|e| e.into_inner());
        let timing = timings.entry((method.to_owned(), route.to_owned())).or_default();
        if let Some(i) = BUCKETS.iter().position(|&bound| secs <= bound) {
            timing.buckets[i] += 1;
        }
        timing.count += 1;
        timing.sum_secs += secs;
    }

    pub fn totals(&self) -> Totals {
        let requests = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        Totals {
            requests: requests.values().sum(),
            server_errors: requests.iter().filter(|(s, _)| s.status >= 500).map(|(_, n)| n).sum(),
        }
    }

    /// The exposition, with `gauges` (name, help, value) appended.
    pub fn render(&self, gauges: &[(&str, &str, f64)]) -> String {
        let mut out = String::new();
        out.push_str("# HELP portal_http_requests_total Requests answered, by method, route and status.\n");
        out.push_str("# TYPE portal_http_requests_total counter\n");
        for (s, n) in self.requests.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            let _ = writeln!(
                out,
                "portal_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {n}",
                s.method,
                escape(&s.route),
                s.status
            );
        }
        out.push_str("# HELP portal_http_request_duration_seconds Time to answer, by method and route.\n");
        out.push_str("# TYPE portal_http_request_duration_seconds histogram\n");
        for ((method, route), t) in self.timings.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(t.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "portal_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(out, "portal_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}", t.count);
            let _ = writeln!(out, "portal_http_request_duration_seconds_sum{{{labels}}} {}", t.sum_secs);
            let _ = writeln!(out, "portal_http_request_duration_seconds_count{{{labels}}} {}", t.count);
        }
        for (name, help, value) in gauges {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
        }
        out
    }
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_durations_render_as_prometheus_text() {
        let m = Metrics::default();
        m.observe("GET", "/v1/orders/{id}", 200, 0.004);
        m.observe("GET", "/v1/orders/{id}", 200, 0.2);
        m.observe("POST", "/v1/orders", 500, 0.02);
        assert_eq!(m.totals(), Totals { requests: 3, server_errors: 1 });
        let text = m.render(&[("portal_up", "Whether the instance answers.", 1.0)]);
        assert!(text.contains("portal_http_requests_total{method=\"GET\",route=\"/v1/orders/{id}\",status=\"200\"} 2"));
        assert!(text.contains(
            "portal_http_request_duration_seconds_bucket{method=\"GET\",route=\"/v1/orders/{id}\",le=\"0.005\"} 1"
        ));
        assert!(text.contains(
            "portal_http_request_duration_seconds_bucket{method=\"GET\",route=\"/v1/orders/{id}\",le=\"+Inf\"} 2"
        ));
        assert!(text.contains("# TYPE portal_up gauge\nportal_up 1"));
    }
}
