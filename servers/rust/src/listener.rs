//! A TCP listener for the accept loop (`serve`) that reports accept errors on
//! stderr.
//!
//! axum 0.8's own listener sends accept errors to `tracing` (invisible
//! without a subscriber) and sleeps 1 s. Under a low open-file limit accept()
//! fails with EMFILE, and the harness needs to see that, so this one prints
//! each error with the OS's text.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};

/// Pause after an accept error that is not about one failed connection.
///
/// This is axum's (and hyper 0.14's) choice, kept on purpose: with EMFILE the
/// pending connection stays in the backlog and retrying at once would spin;
/// waiting gives in-flight requests time to finish and release descriptors.
/// Its cost, a server that accepts nothing for a second after each EMFILE, is
/// part of what the benchmark shows under a low fd limit.
const ACCEPT_ERROR_BACKOFF: Duration = Duration::from_secs(1);

pub struct ReportingListener {
    inner: TcpListener,
}

impl ReportingListener {
    pub fn new(inner: TcpListener) -> Self {
        Self { inner }
    }

    pub async fn accept(&mut self) -> (TcpStream, SocketAddr) {
        loop {
            match self.inner.accept().await {
                Ok((stream, addr)) => {
                    // Responses are small and written whole: don't let Nagle
                    // hold them back (axum's examples do the same). A failure
                    // here only costs latency on this one socket.
                    let _ = stream.set_nodelay(true);
                    return (stream, addr);
                }
                Err(e) => {
                    eprintln!("accept error: {e}");
                    if !is_connection_error(&e) {
                        tokio::time::sleep(ACCEPT_ERROR_BACKOFF).await;
                    }
                }
            }
        }
    }
}

/// Errors about one connection that went away before we took it; the next
/// accept can go ahead immediately (same list as axum's).
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}
