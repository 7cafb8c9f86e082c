//! What one thread measured: every request accounted for by kind, and HDR histograms at 1 µs that merge exactly.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Serializer, V2DeflateSerializer};

/// 1 µs to 60 s at 3 significant digits, growing past 60 s if it must: the settings of `src/histogram.ts`.
pub fn histogram() -> Histogram<u64> {
    let mut h = Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds");
    h.auto(true);
    h
}

pub fn micros(d: Duration) -> u64 {
    (d.as_micros() as u64).max(1)
}

/// HdrHistogram's compressed V2 encoding in base64: what hdr-histogram-js's decodeFromCompressedBase64 reads.
pub fn encode(h: &Histogram<u64>) -> String {
    use base64::Engine;
    let mut bytes = Vec::new();
    V2DeflateSerializer::new()
        .serialize(h, &mut bytes)
        .expect("serialising into memory cannot fail");
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// How the connections were used: dials, reuses and where each timeout struck (both models; the pool model's
/// accounting). `dial_timeouts + waiting_timeouts + answering_timeouts` is `Stats::timeouts`.
#[derive(Debug, Default, Clone, Copy)]
pub struct ConnectionUse {
    /// Connect attempts, successful or not.
    pub dials: u64,
    /// Connects refused or failed (the client's EMFILE included).
    pub dial_errors: u64,
    /// Connects still unfinished at the timeout: the server's accept queue was full and its SYNs went unanswered.
    pub dial_timeouts: u64,
    /// Requests sent on a connection that had carried one before.
    pub reuses: u64,
    /// Connected and written, and not one byte of the answer within the timeout: not yet accepted, or not answered.
    pub waiting_timeouts: u64,
    /// Part of an answer arrived, not all of it.
    pub answering_timeouts: u64,
    /// Connections the server closed (Connection: close, or the socket's end).
    pub closed_by_server: u64,
    /// Pool model: idle connections when the step ended.
    pub idle_at_end: u64,
}

impl ConnectionUse {
    fn merge(&mut self, o: &ConnectionUse) {
        self.dials += o.dials;
        self.dial_errors += o.dial_errors;
        self.dial_timeouts += o.dial_timeouts;
        self.reuses += o.reuses;
        self.waiting_timeouts += o.waiting_timeouts;
        self.answering_timeouts += o.answering_timeouts;
        self.closed_by_server += o.closed_by_server;
        self.idle_at_end += o.idle_at_end;
    }
}

pub enum TimeoutAt {
    Dialling,
    Waiting,
    Answering,
}

pub struct Stats {
    pub sent: u64,
    pub completed: u64,
    pub successful: u64,
    /// Unexpected statuses only, by code.
    pub by_status: BTreeMap<u16, u64>,
    pub timeouts: u64,
    pub connection_errors: u64,
    pub client_open_file_errors: u64,
    /// Sent, then the run was stopped before an answer, a timeout or an error.
    pub incomplete: u64,
    /// From the intended send time (open model) or the write (closed model) to the whole answer.
    pub latency: Histogram<u64>,
    /// From the write to the whole answer, in both models.
    pub service: Histogram<u64>,
    /// TCP connect, each time one is made.
    pub connect: Histogram<u64>,
    /// `latency` since the last progress report.
    pub interval: Histogram<u64>,
    pub first_send: Option<Instant>,
    /// The last request's end: its answer, its timeout or its error (the blog's duration runs to its last
    /// request's end, so a step whose last requests time out lasts until they do).
    pub last_end: Option<Instant>,
    /// Set when the thread is done: its plan's figures.
    pub offered: u64,
    pub dropped: u64,
    pub done: bool,
    /// The first connection error's text, so a user sees why (e.g. "Connection refused").
    pub first_error: Option<String>,
    pub connections: ConnectionUse,
}

impl Stats {
    pub fn new() -> Self {
        Stats {
            sent: 0,
            completed: 0,
            successful: 0,
            by_status: BTreeMap::new(),
            timeouts: 0,
            connection_errors: 0,
            client_open_file_errors: 0,
            incomplete: 0,
            latency: histogram(),
            service: histogram(),
            connect: histogram(),
            interval: histogram(),
            first_send: None,
            last_end: None,
            offered: 0,
            dropped: 0,
            done: false,
            first_error: None,
            connections: ConnectionUse::default(),
        }
    }

    pub fn sent_at(&mut self, at: Instant) {
        self.sent += 1;
        self.first_send.get_or_insert(at);
    }

    pub fn answered(&mut self, at: Instant, expected: bool, status: u16, latency: Duration, service: Duration) {
        self.completed += 1;
        if expected {
            self.successful += 1;
        } else {
            *self.by_status.entry(status).or_insert(0) += 1;
        }
        let us = micros(latency);
        let _ = self.latency.record(us);
        let _ = self.interval.record(us);
        let _ = self.service.record(micros(service));
        self.ended(at);
    }

    /// A request ended now, however it ended.
    pub fn ended(&mut self, at: Instant) {
        self.last_end = Some(self.last_end.map_or(at, |last| last.max(at)));
    }

    pub fn note_error(&mut self, text: impl FnOnce() -> String) {
        if self.first_error.is_none() {
            self.first_error = Some(text());
        }
    }

    /// A request that timed out, by where it was when the time ran out.
    pub fn timed_out(&mut self, at: TimeoutAt) {
        self.timeouts += 1;
        self.ended(Instant::now());
        let c = &mut self.connections;
        match at {
            TimeoutAt::Dialling => c.dial_timeouts += 1,
            TimeoutAt::Waiting => c.waiting_timeouts += 1,
            TimeoutAt::Answering => c.answering_timeouts += 1,
        }
    }

    /// Everything else a request can end in, with `completed` adding up to `sent`.
    pub fn unanswered(&self) -> u64 {
        self.timeouts + self.connection_errors + self.client_open_file_errors + self.incomplete
    }

    /// Adds another thread's figures (interval histograms are the reporter's, not merged here).
    pub fn merge(&mut self, other: &Stats) {
        self.sent += other.sent;
        self.completed += other.completed;
        self.successful += other.successful;
        for (status, n) in &other.by_status {
            *self.by_status.entry(*status).or_insert(0) += n;
        }
        self.timeouts += other.timeouts;
        self.connection_errors += other.connection_errors;
        self.client_open_file_errors += other.client_open_file_errors;
        self.incomplete += other.incomplete;
        self.offered += other.offered;
        if self.first_error.is_none() {
            self.first_error.clone_from(&other.first_error);
        }
        self.dropped += other.dropped;
        self.connections.merge(&other.connections);
        let _ = self.latency.add(&other.latency);
        let _ = self.service.add(&other.service);
        let _ = self.connect.add(&other.connect);
        self.first_send = match (self.first_send, other.first_send) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last_end = match (self.last_end, other.last_end) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
}
