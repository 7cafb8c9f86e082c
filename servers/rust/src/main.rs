//! kvserver-rust: the kvbench KV server in Rust (axum on tokio's
//! multi-threaded runtime). See docs/kv-spec.md at the repository root for the contract.

mod background;
mod cli;
mod http;
mod json;
mod listener;
mod persist;
mod serve;
mod store;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpSocket};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

use crate::cli::Cli;
use crate::listener::ReportingListener;
use crate::persist::Persister;
use crate::store::{Store, now_ms};

/// How long a stop waits for in-flight requests before closing their
/// connections unanswered and flushing: the same 2 s in every server
/// (docs/kv-spec.md). Idle keep-alive connections close at once; this only
/// bounds slow clients.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match cli::parse(std::env::args_os()) {
        Ok(cli) => cli,
        Err(exit) => {
            if exit.code == 0 {
                print!("{}", exit.text);
            } else {
                eprintln!("{}", exit.text);
            }
            return ExitCode::from(exit.code);
        }
    };
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let dir = &cli.directory;
    persist::check_writable(dir)?;
    let store = if cli.load {
        persist::load(dir, cli.shard_count(), now_ms()).map_err(|e| e.to_string())?
    } else {
        Store::new(cli.shard_count())
    };
    let store = Arc::new(store);

    let tcp = listen(&cli.host, cli.port)
        .await
        .map_err(|e| format!("bind {}:{}: {e}", cli.host, cli.port))?;
    let addr = tcp
        .local_addr()
        .map_err(|e| format!("local address: {e}"))?;

    // Installed before announcing readiness, so a stop sent right after the
    // `listening on` line is already caught.
    let mut sigterm =
        signal(SignalKind::terminate()).map_err(|e| format!("SIGTERM handler: {e}"))?;
    let mut sigint = signal(SignalKind::interrupt()).map_err(|e| format!("SIGINT handler: {e}"))?;

    // Two stop switches, thrown in order: first the server stops accepting and
    // drains its requests, then the jobs stop and the last flush runs, so no
    // write can land after the final flush.
    let (server_stop_tx, mut server_stop) = watch::channel(false);
    let (jobs_stop_tx, jobs_stop) = watch::channel(false);

    let flusher = tokio::spawn(background::flush_loop(
        store.clone(),
        Persister::new(dir, cli.shard_count()),
        cli.flush_every(),
        jobs_stop.clone(),
    ));
    let sweeper = tokio::spawn(background::sweep_loop(
        store.clone(),
        cli.cleanup_every(),
        jobs_stop,
    ));
    let timeouts = cli.timeouts();
    let server = tokio::spawn(serve::serve(
        ReportingListener::new(tcp),
        http::router(store, timeouts.request),
        timeouts,
        async move { background::stopped(&mut server_stop).await },
        SHUTDOWN_GRACE,
    ));

    println!("listening on http://{addr}");

    tokio::select! {
        _ = sigterm.recv() => {}
        _ = sigint.recv() => {}
    }

    server_stop_tx.send_replace(true);
    // Returns within SHUTDOWN_GRACE (and the aborts): no connection task
    // survives it to answer a write after the final flush has begun.
    if let Err(e) = server.await {
        eprintln!("server task: {e}");
    }

    jobs_stop_tx.send_replace(true);
    let _ = sweeper.await;
    match flusher.await {
        Ok(0) => Ok(()),
        Ok(failures) => Err(format!(
            "final flush: {failures} failure(s); changes since the last good flush are lost"
        )),
        Err(e) => Err(format!("flush task: {e}")),
    }
}

/// The longest accept queue there is: the kernel silently caps a listen() backlog at net.core.somaxconn, and that
/// cap is what every server gets (Go's net package asks for it by itself), set by the harness like the descriptor
/// limit. `TcpListener::bind` listens with a backlog of 128; a burst of the benchmark's 1000 connects then
/// overflows it, the dropped SYNs are retried after one second, and p99 becomes ~1 s at the 1k and 10k steps.
/// (i32::MAX: the backlog reaches listen() as a C int.)
const LISTEN_BACKLOG: u32 = i32::MAX as u32;

async fn listen(host: &str, port: u16) -> std::io::Result<TcpListener> {
    let addr = tokio::net::lookup_host((host, port))
        .await?
        .next()
        .ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::AddrNotAvailable, "no address for host")
        })?;
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}
