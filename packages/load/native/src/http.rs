//! One HTTP/1.1 exchange on a keep-alive connection: write the request, read one whole response (Content-Length,
//! chunked, or until close), parse its head with httparse. Nothing is allocated per request once the buffers grew.

use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const MAX_HEADERS: usize = 64;
/// A response head larger than this is not a KV server's answer.
const MAX_HEAD: usize = 64 * 1024;

pub struct Answer {
    pub status: u16,
    /// The server asked to close, or the body ran to the connection's end: the next request needs a new connection.
    pub close: bool,
}

#[derive(Debug)]
pub enum ExchangeError {
    Io(io::Error),
    /// The server closed the connection before a whole response.
    Closed,
    Malformed(String),
}

impl std::fmt::Display for ExchangeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExchangeError::Io(e) => write!(f, "{e}"),
            ExchangeError::Closed => write!(f, "the server closed the connection before a whole response"),
            ExchangeError::Malformed(what) => write!(f, "malformed response: {what}"),
        }
    }
}

impl From<io::Error> for ExchangeError {
    fn from(e: io::Error) -> Self {
        ExchangeError::Io(e)
    }
}

enum Framing {
    Length(usize),
    Chunked,
    UntilClose,
}

/// Writes `request` and reads one response; `buf` is the connection's read buffer (bytes past a response are kept).
/// `began` turns true with the answer's first byte, so a timeout can tell "never answered" from "answered slowly".
pub async fn exchange(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    request: &[u8],
    began: &mut bool,
) -> Result<Answer, ExchangeError> {
    stream.write_all(request).await?;
    loop {
        let (status, head_len, framing, close) = read_head(stream, buf, began).await?;
        buf.drain(..head_len);
        let close = match framing {
            Framing::Length(n) => {
                fill(stream, buf, n).await?;
                buf.drain(..n);
                close
            }
            Framing::Chunked => {
                read_chunked(stream, buf).await?;
                close
            }
            Framing::UntilClose => {
                while stream.read_buf(buf).await? > 0 {}
                buf.clear();
                true
            }
        };
        // 1xx answers precede the real one (we send no Expect, but a server may still send 100 Continue).
        if !(100..200).contains(&status) {
            return Ok(Answer { status, close });
        }
    }
}

async fn read_head(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    began: &mut bool,
) -> Result<(u16, usize, Framing, bool), ExchangeError> {
    loop {
        if !buf.is_empty() {
            let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut response = httparse::Response::new(&mut headers);
            match response.parse(buf) {
                Ok(httparse::Status::Complete(head_len)) => {
                    let status = response.code.unwrap_or(0);
                    let (framing, close) = framing(&response, status)?;
                    return Ok((status, head_len, framing, close));
                }
                Ok(httparse::Status::Partial) if buf.len() > MAX_HEAD => {
                    return Err(ExchangeError::Malformed(format!(
                        "response head longer than {MAX_HEAD} bytes"
                    )));
                }
                Ok(httparse::Status::Partial) => {}
                Err(e) => return Err(ExchangeError::Malformed(format!("response head: {e}"))),
            }
        }
        if stream.read_buf(buf).await? == 0 {
            return Err(ExchangeError::Closed);
        }
        *began = true;
    }
}

fn framing(response: &httparse::Response, status: u16) -> Result<(Framing, bool), ExchangeError> {
    let http10 = response.version == Some(0);
    let mut close = http10;
    let mut length = None;
    let mut chunked = false;
    for header in response.headers.iter() {
        let value = std::str::from_utf8(header.value).unwrap_or("").trim();
        if header.name.eq_ignore_ascii_case("content-length") {
            let n = value
                .parse::<usize>()
                .map_err(|_| ExchangeError::Malformed(format!("Content-Length {value:?}")))?;
            length = Some(n);
        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.to_ascii_lowercase().ends_with("chunked");
        } else if header.name.eq_ignore_ascii_case("connection") {
            let value = value.to_ascii_lowercase();
            if value.contains("close") {
                close = true;
            } else if value.contains("keep-alive") {
                close = false;
            }
        }
    }
    // No body by definition: 1xx, 204, 304.
    if (100..200).contains(&status) || status == 204 || status == 304 {
        return Ok((Framing::Length(0), close));
    }
    Ok(match (chunked, length) {
        (true, _) => (Framing::Chunked, close),
        (false, Some(n)) => (Framing::Length(n), close),
        (false, None) => (Framing::UntilClose, true),
    })
}

/// Reads until `buf` holds at least `n` bytes.
async fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>, n: usize) -> Result<(), ExchangeError> {
    while buf.len() < n {
        if stream.read_buf(buf).await? == 0 {
            return Err(ExchangeError::Closed);
        }
    }
    Ok(())
}

async fn read_chunked(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<(), ExchangeError> {
    loop {
        let (consumed, size) = loop {
            match httparse::parse_chunk_size(buf) {
                Ok(httparse::Status::Complete((consumed, size))) => break (consumed, size as usize),
                Ok(httparse::Status::Partial) => {
                    if stream.read_buf(buf).await? == 0 {
                        return Err(ExchangeError::Closed);
                    }
                }
                Err(_) => return Err(ExchangeError::Malformed("bad chunk size".into())),
            }
        };
        buf.drain(..consumed);
        if size == 0 {
            // Trailers (none expected) end with an empty line.
            loop {
                if let Some(end) = buf.windows(2).position(|w| w == b"\r\n") {
                    let line_empty = end == 0;
                    buf.drain(..end + 2);
                    if line_empty {
                        return Ok(());
                    }
                } else if stream.read_buf(buf).await? == 0 {
                    return Err(ExchangeError::Closed);
                }
            }
        }
        fill(stream, buf, size + 2).await?;
        buf.drain(..size + 2);
    }
}
