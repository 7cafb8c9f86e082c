//! When each request is meant to be sent. Closed model: whenever a connection is free, until a count or a deadline.
//! Open model: arrival j (counted over the whole client) is due at the time t where the schedule's cumulative
//! arrivals reach j; thread `th` of `T` takes arrivals th, th + T, th + 2T, … so the threads interleave evenly.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::job::Segment;

/// The schedule's segments with their cumulative arrival counts, for O(1) lookups as j grows.
#[derive(Debug, Clone)]
pub struct Arrivals {
    /// (start second, arrivals before it, rate) per segment.
    segments: Vec<(f64, f64, f64)>,
    end_sec: f64,
    /// Arrivals due before the end: j in [0, total).
    pub total: u64,
}

impl Arrivals {
    pub fn new(schedule: &[Segment]) -> Self {
        let mut segments = Vec::with_capacity(schedule.len());
        let (mut at, mut count) = (0.0, 0.0);
        for segment in schedule {
            segments.push((at, count, segment.rate));
            let seconds = segment.duration_ms / 1000.0;
            at += seconds;
            count += segment.rate * seconds;
        }
        Arrivals {
            segments,
            end_sec: at,
            total: count.ceil() as u64,
        }
    }

    pub fn end(&self) -> Duration {
        Duration::from_secs_f64(self.end_sec)
    }

    /// Seconds from the start at which arrival j is due; `cursor` remembers the segment (j only grows per caller).
    pub fn due_sec(&self, j: u64, cursor: &mut usize) -> f64 {
        let j = j as f64;
        while *cursor + 1 < self.segments.len() && self.segments[*cursor + 1].1 <= j {
            *cursor += 1;
        }
        let (start, before, rate) = self.segments[*cursor];
        if rate <= 0.0 {
            start
        } else {
            start + (j - before) / rate
        }
    }
}

/// What a connection may send next.
pub enum Slot {
    /// Send now (closed model): latency counts from the write.
    Now,
    /// Send at this instant (open model): latency counts from it, even if the connection was busy until later.
    At(Instant),
}

/// One thread's share of the step.
pub enum Plan {
    Closed {
        budget: Option<Arc<AtomicU64>>,
        deadline: Option<Instant>,
    },
    Open {
        arrivals: Arc<Arrivals>,
        thread: u64,
        threads: u64,
        next: u64,
        cursor: usize,
        start: Instant,
        end: Instant,
    },
}

impl Plan {
    /// The next slot, or None when this thread is done sending.
    pub fn claim(&mut self, now: Instant) -> Option<Slot> {
        match self {
            Plan::Closed { budget, deadline } => {
                if deadline.is_some_and(|d| now >= d) {
                    return None;
                }
                if let Some(left) = budget {
                    // Decrement only while positive: the budget is shared by every thread.
                    left.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                        .ok()?;
                }
                Some(Slot::Now)
            }
            Plan::Open {
                arrivals,
                thread,
                threads,
                next,
                cursor,
                start,
                end,
            } => {
                let j = *next * *threads + *thread;
                if j >= arrivals.total || now >= *end {
                    return None;
                }
                *next += 1;
                Some(Slot::At(*start + Duration::from_secs_f64(arrivals.due_sec(j, cursor))))
            }
        }
    }

    /// Open model: the arrivals of this thread that were due but never sent (every connection was busy to the end).
    pub fn dropped(&self) -> u64 {
        match self {
            Plan::Closed { .. } => 0,
            Plan::Open {
                arrivals,
                thread,
                threads,
                next,
                ..
            } => {
                let mine = arrivals.total.saturating_sub(*thread).div_ceil(*threads);
                mine.saturating_sub(*next)
            }
        }
    }

    /// Open model: how many arrivals this thread was offered.
    pub fn offered(&self, sent: u64) -> u64 {
        match self {
            Plan::Closed { .. } => sent,
            Plan::Open {
                arrivals,
                thread,
                threads,
                ..
            } => arrivals.total.saturating_sub(*thread).div_ceil(*threads),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(rate: f64, ms: f64) -> Segment {
        Segment { rate, duration_ms: ms }
    }

    #[test]
    fn a_constant_rate_spaces_arrivals_evenly() {
        let arrivals = Arrivals::new(&[seg(1000.0, 2000.0)]);
        assert_eq!(arrivals.total, 2000);
        let mut cursor = 0;
        assert_eq!(arrivals.due_sec(0, &mut cursor), 0.0);
        assert!((arrivals.due_sec(500, &mut cursor) - 0.5).abs() < 1e-12);
        assert!((arrivals.due_sec(1999, &mut cursor) - 1.999).abs() < 1e-12);
    }

    #[test]
    fn a_burst_segment_packs_its_arrivals_into_its_own_time() {
        // 100/s for 1 s, then 1000/s for 1 s: arrival 100 opens the burst at 1 s, arrival 600 is at 1.5 s.
        let arrivals = Arrivals::new(&[seg(100.0, 1000.0), seg(1000.0, 1000.0)]);
        assert_eq!(arrivals.total, 1100);
        let mut cursor = 0;
        assert!((arrivals.due_sec(50, &mut cursor) - 0.5).abs() < 1e-12);
        assert!((arrivals.due_sec(100, &mut cursor) - 1.0).abs() < 1e-12);
        assert!((arrivals.due_sec(600, &mut cursor) - 1.5).abs() < 1e-12);
    }

    #[test]
    fn threads_share_arrivals_without_gaps_or_overlap() {
        let arrivals = Arc::new(Arrivals::new(&[seg(1000.0, 1003.0)]));
        let start = Instant::now();
        let mut offered = 0;
        for thread in 0..3 {
            let mut plan = Plan::Open {
                arrivals: arrivals.clone(),
                thread,
                threads: 3,
                next: 0,
                cursor: 0,
                start,
                end: start + Duration::from_secs(3600),
            };
            let mut claimed = 0;
            while plan.claim(start).is_some() {
                claimed += 1;
            }
            assert_eq!(plan.dropped(), 0);
            offered += plan.offered(claimed);
            assert_eq!(plan.offered(claimed), claimed);
        }
        assert_eq!(offered, arrivals.total);
        assert_eq!(arrivals.total, 1003);
    }

    #[test]
    fn a_shared_budget_is_never_overdrawn() {
        let budget = Arc::new(AtomicU64::new(5));
        let mut a = Plan::Closed {
            budget: Some(budget.clone()),
            deadline: None,
        };
        let mut b = Plan::Closed {
            budget: Some(budget),
            deadline: None,
        };
        let now = Instant::now();
        let claimed = (0..10)
            .filter(|i| if i % 2 == 0 { a.claim(now) } else { b.claim(now) }.is_some())
            .count();
        assert_eq!(claimed, 5);
    }
}
