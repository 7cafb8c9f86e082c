//! One thread of the client: a single-threaded tokio runtime driving its share of the in-flight slots. A slot
//! claims a request, waits for its time (open model), finds a connection (its own in the fixed model; an idle one
//! or a new dial in the pool model), writes the request and reads the answer; every request ends in exactly one
//! of the `Stats` counters.

use std::cell::{Cell, RefCell};
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::task::LocalSet;

use crate::draw::{Method, RequestSource};
use crate::http::{ExchangeError, exchange};
use crate::job::ConnectionModel;
use crate::schedule::{Plan, Slot};
use crate::stats::{Stats, TimeoutAt, micros};

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
    pub model: ConnectionModel,
    /// threads + the reporter: everyone connected before the clock starts.
    pub ready: Barrier,
    /// The threads: no idle pool closes before every thread is done, or a server would get back the descriptors
    /// of one thread's pool while another thread's requests still wait on it (the blog client's pool lives to the end).
    pub finished: Barrier,
    pub start: OnceLock<Instant>,
    /// Connections open, and (pool model) idle in the pools, over every thread.
    pub open: Gauge,
    pub idle: Gauge,
}

/// A count that goes up and down across threads, and the highest it reached.
#[derive(Default)]
pub struct Gauge {
    now: AtomicU64,
    peak: AtomicU64,
}

impl Gauge {
    fn up(&self) {
        let now = self.now.fetch_add(1, Ordering::Relaxed) + 1;
        self.peak.fetch_max(now, Ordering::Relaxed);
    }

    fn down(&self) {
        self.now.fetch_sub(1, Ordering::Relaxed);
    }

    pub fn peak(&self) -> u64 {
        self.peak.load(Ordering::Relaxed)
    }
}

/// An open connection and how many requests it has carried; closing it (dropping) takes it off the gauge.
struct Conn {
    stream: TcpStream,
    carried: u64,
    shared: Arc<Shared>,
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.shared.open.down();
    }
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
    /// Pool model: this thread's idle connections, most recently used last (taken first, as Go's Transport does).
    /// Never closed during the step: a server holds their descriptors as long as the client keeps them.
    idle: RefCell<Vec<Conn>>,
}

impl Ctx {
    fn take_idle(&self) -> Option<Conn> {
        let conn = self.idle.borrow_mut().pop()?;
        self.shared.idle.down();
        Some(conn)
    }

    fn put_idle(&self, conn: Conn) {
        self.shared.idle.up();
        self.idle.borrow_mut().push(conn);
    }
}

pub fn run_thread(
    index: u32,
    slots: usize,
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
    let conns: Vec<Option<Conn>> = if shared.preconnect {
        local.block_on(&runtime, preconnect(&shared, &stats, slots))
    } else {
        (0..slots).map(|_| None).collect()
    };
    shared.ready.wait();
    let start = *shared.start.get_or_init(Instant::now);
    let ctx = Rc::new(Ctx {
        source: RefCell::new(RequestSource::new(&shared.traffic, &shared.host, shared.seed, index)),
        shared,
        stats: stats.clone(),
        plan: RefCell::new(plan_for(start)),
        abandoned: Cell::new(0),
        idle: RefCell::new(Vec::new()),
    });
    local.block_on(&runtime, async {
        let tasks: Vec<_> = conns
            .into_iter()
            .map(|conn| tokio::task::spawn_local(slot(ctx.clone(), conn, stop.clone())))
            .collect();
        for task in tasks {
            let _ = task.await;
        }
    });
    let plan = ctx.plan.borrow();
    let mut stats = stats.lock().expect("stats lock");
    stats.dropped = plan.dropped() + ctx.abandoned.get();
    stats.offered = plan.offered(stats.sent);
    stats.connections.idle_at_end = ctx.idle.borrow().len() as u64;
    stats.done = true;
    drop(stats);
    drop(plan);
    ctx.shared.finished.wait();
}

async fn preconnect(shared: &Arc<Shared>, stats: &Arc<Mutex<Stats>>, n: usize) -> Vec<Option<Conn>> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let (shared, stats) = (shared.clone(), stats.clone());
            tokio::task::spawn_local(async move {
                let deadline = Instant::now() + shared.timeout;
                let conn = dial(&shared, &stats, deadline).await;
                if conn.is_err() {
                    stats.lock().expect("stats lock").connections.dial_errors += 1;
                }
                conn.ok()
            })
        })
        .collect();
    let mut conns = Vec::with_capacity(n);
    for task in tasks {
        conns.push(task.await.ok().flatten());
    }
    conns
}

enum DialFail {
    OpenFiles(std::io::Error),
    Refused(std::io::Error),
    Timeout,
}

async fn dial(shared: &Arc<Shared>, stats: &Mutex<Stats>, deadline: Instant) -> Result<Conn, DialFail> {
    let began = Instant::now();
    stats.lock().expect("stats lock").connections.dials += 1;
    match tokio::time::timeout_at(deadline.into(), TcpStream::connect(shared.addr)).await {
        Ok(Ok(stream)) => {
            let _ = stream.set_nodelay(true);
            shared.open.up();
            let _ = stats
                .lock()
                .expect("stats lock")
                .connect
                .record(micros(began.elapsed()));
            Ok(Conn {
                stream,
                carried: 0,
                shared: shared.clone(),
            })
        }
        Ok(Err(e)) if is_open_files(&e) => Err(DialFail::OpenFiles(e)),
        Ok(Err(e)) => Err(DialFail::Refused(e)),
        Err(_) => Err(DialFail::Timeout),
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

/// A request that could not get a connection: sent (it was due) and failed at the dial.
fn dial_failed(stats: &mut Stats, fail: DialFail) {
    let now = Instant::now();
    stats.sent_at(now);
    if !matches!(fail, DialFail::Timeout) {
        stats.ended(now);
    }
    match fail {
        DialFail::OpenFiles(e) => {
            stats.client_open_file_errors += 1;
            stats.connections.dial_errors += 1;
            stats.note_error(|| format!("connect: {e}"));
        }
        DialFail::Refused(e) => {
            stats.connection_errors += 1;
            stats.connections.dial_errors += 1;
            stats.note_error(|| format!("connect: {e}"));
        }
        DialFail::Timeout => stats.timed_out(TimeoutAt::Dialling),
    }
}

/// One in-flight slot: in the fixed model it owns its connection (`own`), in the pool model it borrows one per
/// request.
async fn slot(ctx: Rc<Ctx>, mut own: Option<Conn>, mut stop: watch::Receiver<bool>) {
    let pool = ctx.shared.model == ConnectionModel::Pool;
    let mut out = Vec::with_capacity(512);
    // The read buffer of the connection in hand. In the pool model it is empty whenever a connection is
    // returned (one that left bytes behind is closed instead), so it can serve whichever connection comes next.
    let mut buf = Vec::with_capacity(4096);
    loop {
        let Some(claimed) = ctx.plan.borrow_mut().claim(Instant::now()) else {
            break;
        };
        let intended = match claimed {
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
        let began = Instant::now();
        // Pool model: one timeout from the request's start covers dialling, waiting to be accepted and the answer
        // (Go's Client.Timeout). Fixed model: the connect and the exchange each get the whole timeout.
        let deadline = began + ctx.shared.timeout;
        let found = match own.take() {
            Some(conn) => Some(conn),
            None if pool => ctx.take_idle(),
            None => None,
        };
        let mut conn = match found {
            Some(conn) => conn,
            None => match dial(&ctx.shared, &ctx.stats, deadline).await {
                Ok(conn) => conn,
                Err(fail) => {
                    dial_failed(&mut ctx.stats.lock().expect("stats lock"), fail);
                    tokio::select! {
                        _ = tokio::time::sleep(CONNECT_BACKOFF) => continue,
                        _ = stop.wait_for(|stopped| *stopped) => break,
                    }
                }
            },
        };
        let written = Instant::now();
        {
            let mut stats = ctx.stats.lock().expect("stats lock");
            stats.sent_at(written);
            if conn.carried > 0 {
                stats.connections.reuses += 1;
            }
        }
        conn.carried += 1;
        let limit = if pool { deadline } else { written + ctx.shared.timeout };
        let mut answer_began = false;
        let result = tokio::select! {
            r = tokio::time::timeout_at(limit.into(), exchange(&mut conn.stream, &mut buf, &out, &mut answer_began)) => r,
            _ = stop.wait_for(|stopped| *stopped) => {
                ctx.stats.lock().expect("stats lock").incomplete += 1;
                break;
            }
        };
        let done = Instant::now();
        let mut stats = ctx.stats.lock().expect("stats lock");
        let keep = match result {
            Ok(Ok(answer)) => {
                // Open model: from the due time when the request went out late (the wait for a connection counts),
                // from its start when the timer sent it a little early (it was not waiting then). Closed model:
                // from the write (fixed) or from the start, dial included (pool, the blog client's clock).
                let from = if pool { began } else { written };
                let latency = done - intended.map_or(from, |due| due.min(from));
                stats.answered(
                    done,
                    expected(method, answer.status),
                    answer.status,
                    latency,
                    done - written,
                );
                if answer.close {
                    stats.connections.closed_by_server += 1;
                }
                !answer.close
            }
            Ok(Err(error)) => {
                match &error {
                    ExchangeError::Io(e) if is_open_files(e) => stats.client_open_file_errors += 1,
                    ExchangeError::Closed => {
                        stats.connections.closed_by_server += 1;
                        stats.connection_errors += 1;
                    }
                    _ => stats.connection_errors += 1,
                }
                stats.note_error(|| error.to_string());
                stats.ended(done);
                false
            }
            Err(_elapsed) => {
                stats.timed_out(if answer_began {
                    TimeoutAt::Answering
                } else {
                    TimeoutAt::Waiting
                });
                false
            }
        };
        drop(stats);
        if keep && !pool {
            own = Some(conn);
        } else if keep && buf.is_empty() {
            ctx.put_idle(conn);
        } else {
            // Closed, failed, or (pool model) bytes past its answer: out of step with the protocol, so it closes.
            buf.clear();
            drop(conn);
        }
    }
}
