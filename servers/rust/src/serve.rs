//! The accept loop and each connection's HTTP/1.1 settings: the spec's
//! connection limits (docs/kv-spec.md, "Connection limits").
//!
//! This is what `axum::serve` does, plus the limits it has no way to set. It
//! gives hyper no timer, so hyper's header-read timeout never ran and a client
//! sending its headers slowly held its descriptor for ever; and hyper has no
//! idle timeout at all. Here hyper gets a timer that keeps both (`HeadTimer`),
//! and a socket wrapper (`Socket`) that feeds that timer and gives hyper's own
//! error answers the spec's JSON body.

use std::future::Future;
use std::io;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use axum::Router;
use hyper::rt::{Sleep, Timer};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use pin_project_lite::pin_project;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::http;
use crate::listener::ReportingListener;

/// The request line and header fields together; a larger head is a 431.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// What an unfinished head may make hyper buffer (its default is ~400 KB per
/// connection); bodies are read through the same buffer, so not the head limit.
const MAX_BUFFER_BYTES: usize = 4 * MAX_HEADER_BYTES;

/// How long a client may take (`--header-timeout`, `--idle-timeout`,
/// `--request-timeout`).
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// For a request's line and headers, from its first byte (from the accept,
    /// for a connection's first request).
    pub header: Duration,
    /// For the next request on a kept-alive connection, from the last answer.
    pub idle: Duration,
    /// For a whole request. hyper does not tell when a request's first byte
    /// came, so `http` times the body from the end of the headers.
    pub request: Duration,
}

/// Serves `app` on `listener` until `stop` resolves, then stops accepting,
/// lets every connection finish the request it is on for up to `grace`, and
/// returns once all are closed. A connection still busy after `grace` is
/// aborted, unanswered: the caller's final flush comes next, and a write
/// answered after it would be acknowledged and lost.
pub async fn serve(
    mut listener: ReportingListener,
    app: Router,
    timeouts: Timeouts,
    stop: impl Future<Output = ()>,
    grace: Duration,
) {
    // The headers are part of the request.
    let header = timeouts.header.min(timeouts.request);
    let mut http = http1::Builder::new();
    // The spec's 100 header fields (Host included) is hyper's default; set
    // explicitly, it would move every request's headers from the stack to the heap.
    http.max_header_size(MAX_HEADER_BYTES)
        .max_buf_size(MAX_BUFFER_BYTES)
        .header_read_timeout(header);
    // Sent once to ask every connection to finish the request it is on.
    let (stop_tx, stop_rx) = watch::channel(());
    // Owned, not detached: a task outliving the grace is aborted below.
    let mut connections = JoinSet::new();
    let mut stop = pin!(stop);
    loop {
        let stream = tokio::select! {
            (stream, _) = listener.accept() => stream,
            // Reaps finished connections, so the set holds only live ones.
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            () = &mut stop => break,
        };
        let connection = Connection {
            http: http.clone(),
            app: app.clone(),
            header,
            idle: timeouts.idle,
            stop: stop_rx.clone(),
        };
        connections.spawn(connection.run(stream));
    }
    drop(listener);
    let _ = stop_tx.send(());
    let drained = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(grace, drained).await.is_err() {
        eprintln!(
            "shutdown: {} connection(s) still busy after {grace:?}; closed unanswered",
            connections.len()
        );
        connections.shutdown().await;
    }
}

struct Connection {
    http: http1::Builder,
    app: Router,
    header: Duration,
    idle: Duration,
    stop: watch::Receiver<()>,
}

/// hyper answers the HTTP/2 preface with nothing: it closes the connection.
const H2_REFUSED: &[u8] = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n\
content-length: 52\r\nconnection: close\r\n\r\n{\"error\":\"HTTP/2 is not served here, only HTTP/1.1\"}";

impl Connection {
    async fn run(mut self, stream: TcpStream) {
        let arrivals = Arc::new(Arrivals::default());
        let mut socket = Socket::new(stream, arrivals.clone());
        self.http.timer(HeadTimer {
            arrivals,
            header: self.header,
            idle: self.idle,
        });
        let app = self.app;
        let service = service_fn(move |request| http::handle(app.clone(), request));
        let result = {
            let mut conn = pin!(
                self.http
                    .serve_connection(TokioIo::new(&mut socket), service)
            );
            tokio::select! {
                result = conn.as_mut() => result,
                _ = self.stop.changed() => {
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            }
        };
        match result {
            // A client that hyper gave up on for its timeout just goes.
            Err(e) if e.is_timeout() => {}
            Err(e) if e.is_parse_version_h2() => {
                let _ = socket.inner.write_all(H2_REFUSED).await;
                linger(socket.inner).await;
            }
            _ => linger(socket.inner).await,
        }
    }
}

/// Lingers over a connection about to close. The client may still be sending
/// (a 1 MB request line hyper refused at 16 KiB, an HTTP/2 client's frames
/// after its preface, a body the answer did not wait for): closing with bytes
/// unread makes the kernel reset the connection, and the reset can destroy
/// the answer before the client has read it. So the write side is shut, what
/// still comes is read and dropped for a moment, and then it closes; a client
/// that has already gone ends this at once. Go's net/http waits 500 ms the
/// same way.
async fn linger(mut socket: TcpStream) {
    const LINGER: Duration = Duration::from_millis(500);
    let _ = socket.shutdown().await;
    let mut sink = [0; 16 * 1024];
    let _ = tokio::time::timeout(LINGER, async {
        while let Ok(n) = socket.read(&mut sink).await
            && n > 0
        {}
    })
    .await;
}

/// What a connection's reads tell its header timer.
#[derive(Debug, Default)]
struct Arrivals {
    /// Reads that brought bytes.
    reads: AtomicU64,
    /// Something was written: the connection is past its first request.
    answered: AtomicBool,
}

/// hyper's header-read timer, taught the idle timeout.
///
/// hyper arms its header timer as soon as it waits for a request head, so on
/// a kept-alive connection the timer also runs while the connection waits for
/// the next request: alone, it would close every connection idle for the
/// header timeout (10 s), well inside a benchmark's gaps. So a wait after an
/// answer gets the idle timeout until the next request's first bytes arrive,
/// and the header timeout from then on.
struct HeadTimer {
    arrivals: Arc<Arrivals>,
    header: Duration,
    idle: Duration,
}

impl Timer for HeadTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        self.sleep_until(Instant::now() + duration)
    }

    /// hyper asks for `now + header timeout` each time it starts to wait for a head.
    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Sleep>> {
        let head_started = !self.arrivals.answered.load(Relaxed);
        let deadline = if head_started {
            // A connection's first request: its clock runs from the accept.
            deadline
        } else {
            Instant::now() + self.idle
        };
        Box::pin(HeadSleep {
            sleep: tokio::time::sleep_until(deadline.into()),
            arrivals: self.arrivals.clone(),
            reads_at_start: self.arrivals.reads.load(Relaxed),
            head_started,
            header: self.header,
        })
    }
}

pin_project! {
    struct HeadSleep {
        #[pin]
        sleep: tokio::time::Sleep,
        arrivals: Arc<Arrivals>,
        reads_at_start: u64,
        head_started: bool,
        header: Duration,
    }
}

impl Sleep for HeadSleep {}

impl Future for HeadSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        // hyper polls this each time a read leaves the head unfinished, so
        // the first bytes of the next request are seen as they come.
        if !*this.head_started && this.arrivals.reads.load(Relaxed) != *this.reads_at_start {
            *this.head_started = true;
            this.sleep
                .as_mut()
                .reset(tokio::time::Instant::now() + *this.header);
        }
        this.sleep.poll(cx)
    }
}

/// A connection's socket as hyper sees it: it counts the reads for
/// `HeadTimer`, and gives the bare answers hyper writes by itself a JSON body.
struct Socket {
    inner: TcpStream,
    arrivals: Arc<Arrivals>,
    rewrite: Option<Rewrite>,
}

/// An answer of hyper's going out re-spelled.
struct Rewrite {
    bytes: Vec<u8>,
    written: usize,
    /// The length of hyper's own bytes, reported as written once these are out.
    original: usize,
}

impl Socket {
    fn new(inner: TcpStream, arrivals: Arc<Arrivals>) -> Self {
        Self {
            inner,
            arrivals,
            rewrite: None,
        }
    }

    /// Whether `buf`, about to be written, goes out rewritten instead.
    fn rewrites(&mut self, buf: &[u8]) -> bool {
        self.arrivals.answered.store(true, Relaxed);
        if self.rewrite.is_none() {
            self.rewrite = json_error(buf).map(|bytes| Rewrite {
                bytes,
                written: 0,
                original: buf.len(),
            });
        }
        self.rewrite.is_some()
    }

    /// Writes the rewritten answer. hyper writes the same bytes again after a
    /// Pending, so the rewrite goes out whole before the original counts as
    /// written.
    fn poll_rewritten(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let rewrite = self.rewrite.as_mut().expect("rewrites() said so");
        while rewrite.written < rewrite.bytes.len() {
            let rest = &rewrite.bytes[rewrite.written..];
            match ready!(Pin::new(&mut self.inner).poll_write(cx, rest)) {
                Ok(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Ok(n) => rewrite.written += n,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        let original = rewrite.original;
        self.rewrite = None;
        Poll::Ready(Ok(original))
    }
}

impl AsyncRead for Socket {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.arrivals.reads.fetch_add(1, Relaxed);
        }
        polled
    }
}

impl AsyncWrite for Socket {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.rewrites(buf) {
            return this.poll_rewritten(cx);
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        // hyper's own answers are one buffer, the head; only the first needs a look.
        let first = bufs
            .iter()
            .find(|b| !b.is_empty())
            .map_or(&[][..], |b| &b[..]);
        if this.rewrites(first) {
            return this.poll_rewritten(cx);
        }
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// The answer hyper writes by itself to a head it refuses (400, 414, 431:
/// `HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\n
/// content-length: 0\r\ndate: …\r\n\r\n`), re-spelled with a JSON body; None
/// for anything else. Every 4xx of the router's has a JSON body and so a
/// Content-Type, which hyper's never have; the first comparison already rules
/// out every ordinary answer.
fn json_error(buf: &[u8]) -> Option<Vec<u8>> {
    if !buf.starts_with(b"HTTP/1.1 4") || !buf.ends_with(b"\r\n\r\n") {
        return None;
    }
    // hyper writes header names in lower case.
    let head = &buf[..buf.len() - 4];
    if contains(head, b"\r\ncontent-type:") || !contains(head, b"\r\ncontent-length: 0") {
        return None;
    }
    let status_line = head.split(|&b| b == b'\r').next()?;
    let reason = std::str::from_utf8(&status_line[b"HTTP/1.1 ".len()..]).ok()?;
    let body = serde_json::to_vec(&serde_json::json!({ "error": reason })).ok()?;
    let mut out = Vec::with_capacity(status_line.len() + body.len() + 96);
    out.extend_from_slice(status_line);
    out.extend_from_slice(b"\r\ncontent-type: application/json\r\ncontent-length: ");
    out.extend_from_slice(body.len().to_string().as_bytes());
    out.extend_from_slice(b"\r\nconnection: close\r\n\r\n");
    out.extend_from_slice(&body);
    Some(out)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use tokio::net::TcpListener;

    #[test]
    fn only_hypers_bare_refusals_are_re_spelled() {
        let bare = b"HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\n\
content-length: 0\r\ndate: Wed, 02 Dec 2026 01:00:00 GMT\r\n\r\n";
        let json = String::from_utf8(json_error(bare).unwrap()).unwrap();
        assert!(
            json.starts_with(
                "HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: application/json\r\n"
            ),
            "{json}"
        );
        assert!(
            json.ends_with(r#"{"error":"431 Request Header Fields Too Large"}"#),
            "{json}"
        );
        let others: [&[u8]; 5] = [
            b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 21\r\n\r\n{\"error\":\"not found\"}",
            b"HTTP/1.1 100 Continue\r\n\r\n",
            b"HTTP/1.1 4",
        ];
        for other in others {
            assert!(
                json_error(other).is_none(),
                "{:?}",
                String::from_utf8_lossy(other)
            );
        }
    }

    const TIMEOUTS: Timeouts = Timeouts {
        header: Duration::from_millis(300),
        idle: Duration::from_millis(900),
        request: Duration::from_secs(5),
    };

    /// A server with TIMEOUTS on a loopback port, until the sender is dropped.
    async fn server() -> (std::net::SocketAddr, watch::Sender<()>) {
        let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = tcp.local_addr().unwrap();
        let (stop_tx, mut stop_rx) = watch::channel(());
        let app = http::router(Arc::new(Store::new(1)), TIMEOUTS.request);
        tokio::spawn(serve(
            ReportingListener::new(tcp),
            app,
            TIMEOUTS,
            async move {
                let _ = stop_rx.changed().await;
            },
            Duration::from_secs(1),
        ));
        (addr, stop_tx)
    }

    /// Reads until the server closes the connection; how long that took.
    async fn until_closed(stream: &mut TcpStream) -> Duration {
        let start = Instant::now();
        let mut buf = [0; 1024];
        while stream.read(&mut buf).await.is_ok_and(|n| n > 0) {}
        start.elapsed()
    }

    /// A connection that has had one request answered, and is now idle.
    async fn kept_alive(addr: std::net::SocketAddr) -> TcpStream {
        let mut conn = TcpStream::connect(addr).await.unwrap();
        conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut answer = [0; 17];
        conn.read_exact(&mut answer).await.unwrap();
        assert_eq!(&answer, b"HTTP/1.1 200 OK\r\n");
        conn
    }

    fn between(elapsed: Duration, low_ms: u64, high_ms: u64) -> bool {
        elapsed >= Duration::from_millis(low_ms) && elapsed <= Duration::from_millis(high_ms)
    }

    #[tokio::test]
    async fn a_slow_head_gets_the_header_timeout_and_an_idle_connection_the_idle_timeout() {
        let (addr, _stop) = server().await;
        let mut slow = TcpStream::connect(addr).await.unwrap();
        slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        let mut idle = kept_alive(addr).await;
        let (slow, idle) = tokio::join!(until_closed(&mut slow), until_closed(&mut idle));
        assert!(between(slow, 250, 700), "slow head closed after {slow:?}");
        assert!(
            between(idle, 850, 1400),
            "idle connection closed after {idle:?}"
        );
    }

    #[tokio::test]
    async fn on_a_kept_alive_connection_the_header_timeout_runs_from_the_next_first_byte() {
        let (addr, _stop) = server().await;
        let mut conn = kept_alive(addr).await;
        tokio::time::sleep(Duration::from_millis(500)).await; // past the header timeout, idle
        conn.write_all(b"GET").await.unwrap();
        let closed = until_closed(&mut conn).await;
        assert!(
            between(closed, 250, 700),
            "closed {closed:?} after the next request's first bytes"
        );
    }
}
