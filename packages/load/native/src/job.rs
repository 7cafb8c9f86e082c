//! The job: what the TypeScript driver asks for, one JSON line on stdin. Field names match `native/job.ts`.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Job {
    /// `127.0.0.1:8000` or `[::1]:8000`: the driver has already refused anything but loopback.
    pub addr: String,
    /// The Host header.
    pub host: String,
    pub connections: usize,
    pub threads: usize,
    pub timeout_ms: u64,
    pub seed: u64,
    /// Closed model: at most `connections` in flight, until `requests` are sent or `duration_ms` has passed.
    #[serde(default)]
    pub requests: Option<u64>,
    #[serde(default)]
    pub duration_ms: Option<f64>,
    /// Open model: arrivals at these rates, one segment after another (a burst is a segment with a higher rate).
    #[serde(default)]
    pub schedule: Option<Vec<Segment>>,
    /// Connect every connection before the clock starts (connection set-up is then its own figure). Fixed model only.
    #[serde(default = "yes")]
    pub preconnect: bool,
    #[serde(default)]
    pub connection_model: ConnectionModel,
    pub traffic: Traffic,
    pub progress_ms: u64,
    /// Test aid: print the first `dump` requests of stream 0 and exit without sending anything.
    #[serde(default)]
    pub dump: Option<usize>,
}

fn yes() -> bool {
    true
}

/// How requests find a connection (`ConnectionModel` in `@kvbench/schemas`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ConnectionModel {
    /// `connections` connections, each carrying its requests one after another, reopened only when one closes.
    #[default]
    Fixed,
    /// The blog client's (Go's http.Transport): at most `connections` requests in flight; each takes an idle
    /// connection or dials one, and gives it back to an idle pool that stays open until the step ends. One timeout
    /// from the request's start covers dialling, waiting to be accepted and the answer.
    Pool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Segment {
    /// Offered requests per second over the whole client (every thread together).
    pub rate: f64,
    pub duration_ms: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Traffic {
    pub read_fraction: f64,
    pub key_count: u64,
    /// The key's JSON text up to its number, e.g. `"key-` (the driver escapes it, so both sides agree).
    pub key_json_prefix: String,
    /// `/kv/` and the percent-encoded prefix.
    pub key_path_prefix: String,
    pub values: Values,
    pub ttl: Option<Ttl>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum Values {
    Int {
        min: i64,
        max: i64,
    },
    /// `base` is the run's value string (drawn once by the driver); each request sends it rotated.
    String {
        base: String,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Ttl {
    pub min_sec: f64,
    pub max_sec: f64,
}

impl Job {
    /// The job's own consistency, in words the driver can pass on to the user.
    pub fn check(&self) -> Result<(), String> {
        if self.connections == 0 || self.threads == 0 {
            return Err("connections and threads must be positive".into());
        }
        if self.threads > self.connections {
            return Err(format!(
                "{} threads for {} connections: every thread needs one",
                self.threads, self.connections
            ));
        }
        if self.connection_model == ConnectionModel::Pool && self.preconnect {
            return Err("the pool model dials on demand: preconnect must be false".into());
        }
        let closed = self.requests.is_some() || self.duration_ms.is_some();
        if closed == self.schedule.is_some() {
            return Err("give a schedule (open model) or requests/durationMs (closed model), not both".into());
        }
        if let Some(schedule) = &self.schedule {
            if schedule.is_empty() {
                return Err("the schedule has no segments".into());
            }
            if schedule
                .iter()
                .any(|s| !(s.rate >= 0.0 && s.rate.is_finite() && s.duration_ms > 0.0))
            {
                return Err("every schedule segment needs a rate ≥ 0 and a positive durationMs".into());
            }
        }
        if let Values::String { base } = &self.traffic.values
            && (base.is_empty() || !base.is_ascii())
        {
            return Err("a string value base must be non-empty ASCII".into());
        }
        Ok(())
    }
}
