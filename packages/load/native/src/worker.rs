//! One thread of the client: a single-threaded tokio runtime driving its share of the connections. A connection
//! claims a slot, waits for its time (open model), draws the request, writes it and reads the answer; every
//! request ends in exactly one of the `Stats` counters.

use std::cell::{Cell, RefCell};
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::{Arc, Barrier, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::task::LocalSet;

use crate::draw::{Method, RequestSource};
use crate::http::{ExchangeError, exchange};
use crate::schedule::{Plan, Slot};
use crate::stats::{Stats, micros};

/// After a failed connect, a connection waits this long before it tries again, so a dead server is not spun on.
const CONNECT_BACKOFF: Duration = Duration::from_millis(10);
const TIMER_HALF_TICK: Duration = Duration::from_micros(500);

/// What every thread shares.
pub struct Shared {
    pub addr: SocketAddr,
    pub host: String,
    pub seed: u64,
    pub traffic: crate::job::Traffic,
    pub timeout: Duration,
    pub preconnect: bool,
    /// threads + the reporter: everyone connected before the clock starts.
    pub ready: Barrier,
    pub start: OnceLock<Instant>,
}

/// How a thread builds its plan once the start instant is known.
pub type PlanFor = Box<dyn FnOnce(Instant) -> Plan + Send>;

struct Ctx {
    shared: Arc<Shared>,
    stats: Arc<Mutex<Stats>>,
    plan: RefCell<Plan>,
    source: RefCell<RequestSource>,
    /// Claimed, then the run was stopped before it could be sent (open model: counted with the dropped).
    abandoned: Cell<u64>,
}

pub fn run_thread(
    index: u32,
    connections: usize,
    shared: Arc<Shared>,
    stats: Arc<Mutex<Stats>>,
    plan_for: PlanFor,
    stop: watch::Receiver<bool>,
) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let local = LocalSet::new();
    let streams: Vec<Option<TcpStream>> = if shared.preconnect {
        local.block_on(&runtime, preconnect(&shared, &stats, connections))
    } else {
        (0..connections).map(|_| None).collect()
    };
    shared.ready.wait();
    let start = *shared.start.get_or_init(Instant::now);
    let ctx = Rc::new(Ctx {
        source: RefCell::new(RequestSource::new(&shared.traffic, &shared.host, shared.seed, index)),
        shared,
        stats: stats.clone(),
        plan: RefCell::new(plan_for(start)),
        abandoned: Cell::new(0),
    });
    local.block_on(&runtime, async {
        let tasks: Vec<_> = streams
            .into_iter()
            .map(|stream| tokio::task::spawn_local(connection(ctx.clone(), stream, stop.clone())))
            .collect();
        for task in tasks {
            let _ = task.await;
        }
    });
    let plan = ctx.plan.borrow();
    let mut stats = stats.lock().expect("stats lock");
    stats.dropped = plan.dropped() + ctx.abandoned.get();
    stats.offered = plan.offered(stats.sent);
    stats.done = true;
}

async fn preconnect(shared: &Arc<Shared>, stats: &Arc<Mutex<Stats>>, n: usize) -> Vec<Option<TcpStream>> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let (shared, stats) = (shared.clone(), stats.clone());
            tokio::task::spawn_local(async move { connect(&shared, &stats).await.ok() })
        })
        .collect();
    let mut streams = Vec::with_capacity(n);
    for task in tasks {
        streams.push(task.await.ok().flatten());
    }
    streams
}

enum ConnectFail {
    OpenFiles(std::io::Error),
    Refused(std::io::Error),
    Timeout,
}

async fn connect(shared: &Shared, stats: &Mutex<Stats>) -> Result<TcpStream, ConnectFail> {
    let began = Instant::now();
    match tokio::time::timeout(shared.timeout, TcpStream::connect(shared.addr)).await {
        Ok(Ok(stream)) => {
            let _ = stream.set_nodelay(true);
            let _ = stats
                .lock()
                .expect("stats lock")
                .connect
                .record(micros(began.elapsed()));
            Ok(stream)
        }
        Ok(Err(e)) if is_open_files(&e) => Err(ConnectFail::OpenFiles(e)),
        Ok(Err(e)) => Err(ConnectFail::Refused(e)),
        Err(_) => Err(ConnectFail::Timeout),
    }
}

fn is_open_files(e: &std::io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EMFILE) | Some(libc::ENFILE))
}

fn expected(method: Method, status: u16) -> bool {
    match method {
        Method::Post => status == 201,
        Method::Get => status == 200 || status == 404,
    }
}

async fn connection(ctx: Rc<Ctx>, mut stream: Option<TcpStream>, mut stop: watch::Receiver<bool>) {
    let mut out = Vec::with_capacity(512);
    let mut buf = Vec::with_capacity(4096);
    loop {
        let Some(slot) = ctx.plan.borrow_mut().claim(Instant::now()) else {
            break;
        };
        let intended = match slot {
            Slot::Now => None,
            Slot::At(due) => {
                // tokio's timer ticks every millisecond and fires on the first tick at or after its deadline:
                // aiming half a tick early sends within ±0.5 ms of the due time instead of up to 1 ms late.
                let aim = due.checked_sub(TIMER_HALF_TICK).unwrap_or(due);
                if aim > Instant::now() {
                    tokio::select! {
                        _ = tokio::time::sleep_until(aim.into()) => {}
                        _ = stop.wait_for(|stopped| *stopped) => {}
                    }
                }
                Some(due)
            }
        };
        if *stop.borrow() {
            ctx.abandoned.set(ctx.abandoned.get() + 1);
            break;
        }
        let method = ctx.source.borrow_mut().next_into(&mut out);
        if stream.is_none() {
            match connect(&ctx.shared, &ctx.stats).await {
                Ok(s) => stream = Some(s),
                Err(fail) => {
                    {
                        let mut stats = ctx.stats.lock().expect("stats lock");
                        stats.sent_at(Instant::now());
                        match fail {
                            ConnectFail::OpenFiles(e) => {
                                stats.client_open_file_errors += 1;
                                stats.note_error(|| format!("connect: {e}"));
                            }
                            ConnectFail::Refused(e) => {
                                stats.connection_errors += 1;
                                stats.note_error(|| format!("connect: {e}"));
                            }
                            ConnectFail::Timeout => stats.timeouts += 1,
                        }
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(CONNECT_BACKOFF) => continue,
                        _ = stop.wait_for(|stopped| *stopped) => break,
                    }
                }
            }
        }
        let socket = stream.as_mut().expect("connected above");
        let written = Instant::now();
        ctx.stats.lock().expect("stats lock").sent_at(written);
        let result = tokio::select! {
            r = tokio::time::timeout(ctx.shared.timeout, exchange(socket, &mut buf, &out)) => r,
            _ = stop.wait_for(|stopped| *stopped) => {
                ctx.stats.lock().expect("stats lock").incomplete += 1;
                break;
            }
        };
        let done = Instant::now();
        let mut stats = ctx.stats.lock().expect("stats lock");
        match result {
            Ok(Ok(answer)) => {
                // From the due time when the request went out late (the wait for a connection counts), from the
                // write when the timer sent it a little early (it was not waiting then).
                let latency = done - intended.map_or(written, |due| due.min(written));
                stats.answered(
                    done,
                    expected(method, answer.status),
                    answer.status,
                    latency,
                    done - written,
                );
                if answer.close {
                    stream = None;
                }
            }
            Ok(Err(error)) => {
                match &error {
                    ExchangeError::Io(e) if is_open_files(e) => stats.client_open_file_errors += 1,
                    _ => stats.connection_errors += 1,
                }
                stats.note_error(|| error.to_string());
                stream = None;
            }
            Err(_elapsed) => {
                stats.timeouts += 1;
                stream = None;
            }
        }
        if stream.is_none() {
            buf.clear();
        }
    }
}
