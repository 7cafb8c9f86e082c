//! The two periodic jobs: flushing changed shards and sweeping expired entries.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior, interval_at};

use crate::persist::Persister;
use crate::store::{Store, now_ms};

/// A ticker whose first tick is one period from now and which, when a run
/// overruns, waits a full period again instead of firing a burst to catch up.
fn ticker(period: Duration) -> tokio::time::Interval {
    let mut ticker = interval_at(Instant::now() + period, period);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ticker
}

/// Resolves once `stop` is true (or its sender is gone). Drops the borrow
/// `wait_for` returns at once: it must not live across an await.
pub async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Flushes every `period` until `stop` turns true, then flushes one last time.
/// Returns the number of failures in that final flush (0 = nothing lost).
pub async fn flush_loop(
    store: Arc<Store>,
    mut persister: Persister,
    period: Duration,
    mut stop: watch::Receiver<bool>,
) -> usize {
    let mut ticker = ticker(period);
    loop {
        tokio::select! {
            _ = ticker.tick() => persister = flush_off_runtime(store.clone(), persister).await.0,
            () = stopped(&mut stop) => break,
        }
    }
    flush_off_runtime(store, persister).await.1
}

/// File I/O and fsync block: run them on tokio's blocking pool so the
/// runtime's worker threads keep serving requests meanwhile.
async fn flush_off_runtime(store: Arc<Store>, mut persister: Persister) -> (Persister, usize) {
    tokio::task::spawn_blocking(move || {
        let failures = persister.flush(&store);
        (persister, failures)
    })
    .await
    .expect("flush task panicked")
}

/// Sweeps expired entries every `period` until `stop` turns true. The sweep is
/// in-memory and short, so it runs on the runtime directly.
pub async fn sweep_loop(store: Arc<Store>, period: Duration, mut stop: watch::Receiver<bool>) {
    let mut ticker = ticker(period);
    loop {
        tokio::select! {
            _ = ticker.tick() => { store.sweep(now_ms()); }
            () = stopped(&mut stop) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Entry, NO_TTL};
    use serde_json::value::RawValue;

    fn entry(timestamp: i64, ttl: i64) -> Entry {
        Entry {
            value: RawValue::from_string("1".into()).unwrap(),
            timestamp,
            ttl,
        }
    }

    #[tokio::test]
    async fn loops_run_periodically_and_flush_once_more_on_stop() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::new(2));
        let (stop_tx, stop_rx) = watch::channel(false);
        let flusher = tokio::spawn(flush_loop(
            store.clone(),
            Persister::new(dir.path(), 2),
            Duration::from_millis(10),
            stop_rx.clone(),
        ));
        let sweeper = tokio::spawn(sweep_loop(
            store.clone(),
            Duration::from_millis(10),
            stop_rx,
        ));

        store.put("expired", entry(now_ms() - 10_000, 1));
        store.put("live", entry(now_ms(), NO_TTL));
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(
            store.shard_sizes().iter().sum::<usize>(),
            1,
            "the sweep ran"
        );
        assert!(
            dir.path().join("shard-0").exists() && dir.path().join("shard-1").exists(),
            "a flush ran"
        );

        // Written just before the stop: only the final flush can save it.
        store.put("last", entry(now_ms(), NO_TTL));
        stop_tx.send(true).unwrap();
        assert_eq!(flusher.await.unwrap(), 0);
        sweeper.await.unwrap();
        let loaded = crate::persist::load(dir.path(), 2, now_ms()).unwrap();
        assert!(loaded.get_with("last", now_ms(), |_| ()).is_some());
        assert!(loaded.get_with("live", now_ms(), |_| ()).is_some());
    }
}
