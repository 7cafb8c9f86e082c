//! kvload: kvbench's native load generator. It reads one JSON job line on stdin (see job.rs), answers on stdout
//! with JSON lines — `ready`, `progress` every `progressMs`, then `done` — and stops early on a `stop` line or when
//! stdin closes (so it never outlives the driver that started it). Errors go to stderr with exit code 2.
//! `kvload --calibrate` instead times a fixed piece of work on its CPU (see calibrate.rs); `kvload --pingpong N`
//! times N loopback round trips between two threads, each on a CPU of its own (see pingpong.rs).

mod calibrate;
mod draw;
mod http;
mod job;
mod pingpong;
mod schedule;
mod stats;
mod worker;

use std::io::{BufRead, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Barrier, Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::watch;

use crate::draw::{Method, RequestSource};
use crate::job::Job;
use crate::schedule::{Arrivals, Plan};
use crate::stats::{ConnectionUse, Stats, encode, histogram};
use crate::worker::{Gauge, PlanFor, Shared, run_thread};

fn main() {
    if std::env::args().any(|a| a == "--version") {
        println!("kvload {}", env!("CARGO_PKG_VERSION"));
        return;
    }
    if std::env::args().any(|a| a == "--calibrate") {
        emit(json!({ "type": "calibration", "nsPerRound": calibrate::calibrate() }));
        return;
    }
    if let Some(n) = flag_value("--pingpong") {
        let round_trips: u64 = n
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .unwrap_or_else(|| fail(&format!("--pingpong takes a count of round trips above 0, not {n:?}")));
        let p = pingpong::pingpong(round_trips).unwrap_or_else(|e| fail(&format!("loopback ping-pong: {e}")));
        emit(json!({
            "type": "pingpong", "roundTrips": p.round_trips, "echoCpuNs": p.echo_cpu_ns, "senderCpuNs": p.sender_cpu_ns,
            "wallNs": p.wall_ns, "echoCpu": p.echo_cpu, "senderCpu": p.sender_cpu,
        }));
        return;
    }
    let mut line = String::new();
    let stdin = std::io::stdin();
    if stdin.lock().read_line(&mut line).unwrap_or(0) == 0 {
        fail("expected a JSON job on the first line of stdin");
    }
    let job: Job = serde_json::from_str(&line).unwrap_or_else(|e| fail(&format!("bad job: {e}")));
    job.check().unwrap_or_else(|e| fail(&format!("bad job: {e}")));
    if let Some(n) = job.dump {
        dump(&job, n);
        return;
    }
    let addr: SocketAddr = job
        .addr
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .unwrap_or_else(|| fail(&format!("cannot resolve {:?}", job.addr)));
    run(job, addr);
}

/// The argument after `flag`, if the flag was given; a flag without one fails.
fn flag_value(flag: &str) -> Option<String> {
    let mut args = std::env::args().skip_while(|a| a != flag);
    args.next()?;
    Some(args.next().unwrap_or_else(|| fail(&format!("{flag} needs a value"))))
}

fn fail(message: &str) -> ! {
    eprintln!("kvload: {message}");
    std::process::exit(2);
}

fn emit(value: serde_json::Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{value}");
    let _ = out.flush();
}

fn dump(job: &Job, n: usize) {
    let mut source = RequestSource::new(&job.traffic, &job.host, job.seed, 0);
    for _ in 0..n {
        let (method, path, body) = source.next_parts();
        let method = if method == Method::Get { "GET" } else { "POST" };
        emit(json!({ "type": "dump", "method": method, "path": path, "body": body }));
    }
}

fn run(job: Job, addr: SocketAddr) {
    let (stop_tx, stop_rx) = watch::channel(false);
    // stdin: a `stop` line, or its end (the driver is gone), stops the run.
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            match line {
                Ok(l) if l.trim() == "stop" => break,
                Ok(_) => continue,
                Err(_) => break,
            }
        }
        let _ = stop_tx.send(true);
    });

    let threads = job.threads;
    let shared = Arc::new(Shared {
        addr,
        host: job.host.clone(),
        seed: job.seed,
        traffic: job.traffic.clone(),
        timeout: Duration::from_millis(job.timeout_ms),
        preconnect: job.preconnect,
        model: job.connection_model,
        ready: Barrier::new(threads + 1),
        finished: Barrier::new(threads),
        start: OnceLock::new(),
        open: Gauge::default(),
        idle: Gauge::default(),
    });
    let budget = job.requests.map(|n| Arc::new(AtomicU64::new(n)));
    let arrivals = job.schedule.as_deref().map(|s| Arc::new(Arrivals::new(s)));
    let duration = job.duration_ms.map(|ms| Duration::from_secs_f64(ms / 1000.0));
    let all_stats: Vec<Arc<Mutex<Stats>>> = (0..threads).map(|_| Arc::new(Mutex::new(Stats::new()))).collect();
    let (done_tx, done_rx) = mpsc::channel::<()>();

    let mut handles = Vec::with_capacity(threads);
    for (index, stats) in all_stats.iter().enumerate() {
        // In-flight slots split as evenly as they go: the first threads take one more.
        let slots = job.connections / threads + usize::from(index < job.connections % threads);
        let plan_for: PlanFor = match &arrivals {
            Some(arrivals) => {
                let (arrivals, threads) = (arrivals.clone(), threads as u64);
                Box::new(move |start| Plan::Open {
                    end: start + arrivals.end(),
                    arrivals,
                    thread: index as u64,
                    threads,
                    next: 0,
                    cursor: 0,
                    start,
                })
            }
            None => {
                let budget = budget.clone();
                Box::new(move |start| Plan::Closed {
                    budget,
                    deadline: duration.map(|d| start + d),
                })
            }
        };
        let (shared, stats, stop, done) = (shared.clone(), stats.clone(), stop_rx.clone(), done_tx.clone());
        handles.push(std::thread::spawn(move || {
            run_thread(index as u32, slots, shared, stats, plan_for, stop);
            let _ = done.send(());
        }));
    }
    drop(done_tx);
    shared.ready.wait();
    let start = *shared.start.get_or_init(Instant::now);
    // Its own CPU counts from here: start-up and the connects before the clock are not the requests' cost.
    let cpu_at_start = own_cpu_ms();
    emit(json!({ "type": "ready", "pid": std::process::id(), "threads": threads }));

    report_progress(
        &all_stats,
        start,
        Duration::from_millis(job.progress_ms.max(10)),
        &done_rx,
        threads,
    );
    for handle in handles {
        let _ = handle.join();
    }
    let mut total = Stats::new();
    for stats in &all_stats {
        total.merge(&stats.lock().expect("stats lock"));
    }
    emit(done_message(&total, &shared, *stop_rx.borrow(), cpu_at_start));
}

/// Every `every`, the sums over threads and the p99 of the answers since the last report.
fn report_progress(
    all: &[Arc<Mutex<Stats>>],
    start: Instant,
    every: Duration,
    done: &mpsc::Receiver<()>,
    threads: usize,
) {
    let mut finished = 0;
    let mut next = start + every;
    loop {
        let wait = next.saturating_duration_since(Instant::now());
        match done.recv_timeout(wait) {
            Ok(()) => {
                finished += 1;
                if finished == threads {
                    break;
                }
                continue;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        next += every;
        let (mut sent, mut completed, mut successful) = (0, 0, 0);
        let mut interval = histogram();
        for stats in all {
            let mut s = stats.lock().expect("stats lock");
            sent += s.sent;
            completed += s.completed;
            successful += s.successful;
            let _ = interval.add(&s.interval);
            s.interval.reset();
        }
        let p99 = (!interval.is_empty()).then(|| interval.value_at_quantile(0.99));
        emit(json!({
            "type": "progress",
            "elapsedMs": start.elapsed().as_secs_f64() * 1000.0,
            "sent": sent,
            "completed": completed,
            "successful": successful,
            "intervalP99Us": p99,
        }));
    }
}

fn done_message(total: &Stats, shared: &Shared, aborted: bool, cpu_at_start: (f64, f64)) -> serde_json::Value {
    let by_status: serde_json::Map<String, serde_json::Value> = total
        .by_status
        .iter()
        .map(|(code, n)| (code.to_string(), json!(n)))
        .collect();
    let duration_ms = match (total.first_send, total.last_end) {
        (Some(first), Some(last)) if last > first => (last - first).as_secs_f64() * 1000.0,
        _ => 0.0,
    };
    let (user_ms, sys_ms) = own_cpu_ms();
    let (user_ms, sys_ms) = (user_ms - cpu_at_start.0, sys_ms - cpu_at_start.1);
    json!({
        "type": "done",
        "sent": total.sent,
        "completed": total.completed,
        "successful": total.successful,
        "failures": {
            "byStatus": by_status,
            "timeouts": total.timeouts,
            "connectionErrors": total.connection_errors,
            "clientOpenFileErrors": total.client_open_file_errors,
            "incomplete": total.incomplete,
        },
        "offered": total.offered,
        "dropped": total.dropped,
        "durationMs": duration_ms,
        "histogram": encode(&total.latency),
        "serviceHistogram": encode(&total.service),
        "connectHistogram": encode(&total.connect),
        "cpu": { "userMs": user_ms, "sysMs": sys_ms },
        "connections": connections_message(&total.connections, shared),
        "aborted": aborted,
        "firstError": total.first_error,
        // A bug here, never the server's: the driver refuses a result whose requests do not add up.
        "accounted": total.completed + total.unanswered() == total.sent
            && total.timeouts
                == total.connections.dial_timeouts + total.connections.waiting_timeouts + total.connections.answering_timeouts,
    })
}

fn connections_message(c: &ConnectionUse, shared: &Shared) -> serde_json::Value {
    json!({
        "dials": c.dials,
        "dialErrors": c.dial_errors,
        "dialTimeouts": c.dial_timeouts,
        "reuses": c.reuses,
        "waitingTimeouts": c.waiting_timeouts,
        "answeringTimeouts": c.answering_timeouts,
        "closedByServer": c.closed_by_server,
        "peakOpen": shared.open.peak(),
        "peakIdle": shared.idle.peak(),
        "idleAtEnd": c.idle_at_end,
    })
}

/// This process's own CPU time (every thread), from getrusage.
fn own_cpu_ms() -> (f64, f64) {
    // SAFETY: getrusage writes into the struct we hand it and nothing else.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let ms = |t: libc::timeval| t.tv_sec as f64 * 1000.0 + t.tv_usec as f64 / 1000.0;
    (ms(usage.ru_utime), ms(usage.ru_stime))
}
