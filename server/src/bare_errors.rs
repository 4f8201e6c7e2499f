//! hyper answers a request it cannot parse itself, before any of our code sees
//! a request: a malformed request line or header (400), a URI over 65534 bytes
//! (414), a request head over `MAX_HEAD_BYTES` or with more than `MAX_HEADERS`
//! headers (431). Its answer is a bare status line with `content-length: 0`, no
//! JSON and no CORS headers, so a browser shows an opaque network error. hyper
//! has no hook for that answer, so this wraps the connection's socket and
//! replaces it, as it is written, with the same status carrying an `ErrorBody`
//! and CORS headers. Our router never writes a 4xx or 5xx without a
//! `Content-Type` (`http::json_errors`), so such a head can only be hyper's.

use offline_sync_core::protocol::ErrorBody;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A socket whose bare error answers are rewritten (see the module docs).
pub struct JsonBareErrors<T> {
    inner: T,
    /// The rewritten answer and how much of it is written.
    pending: Vec<u8>,
    sent: usize,
}

impl<T> JsonBareErrors<T> {
    pub fn new(inner: T) -> Self {
        JsonBareErrors { inner, pending: Vec::new(), sent: 0 }
    }
}

impl<T: AsyncWrite + Unpin> JsonBareErrors<T> {
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.sent < self.pending.len() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.sent..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.sent += n;
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for JsonBareErrors<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for JsonBareErrors<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        ready!(self.poll_pending(cx))?;
        if let Some(answer) = rewrite(buf) {
            self.pending = answer;
            self.sent = 0;
            // Taken whole; what is left of the answer goes out on the next
            // write or flush (hyper flushes after every answer).
            if let Poll::Ready(Err(e)) = self.poll_pending(cx) {
                return Poll::Ready(Err(e));
            }
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    // One buffer per write, so an answer's head always starts a write: hyper
    // then copies head and body into one buffer instead of writing slices.
    fn is_write_vectored(&self) -> bool {
        false
    }
}

/// The JSON answer replacing `buf`, if `buf` is exactly a bare error head: a
/// status of 400 or more, no `Content-Type`, `content-length: 0`, nothing after.
fn rewrite(buf: &[u8]) -> Option<Vec<u8>> {
    if !buf.starts_with(b"HTTP/1.") || !buf.ends_with(b"\r\n\r\n") || buf.len() > 1024 {
        return None;
    }
    let head = std::str::from_utf8(buf).ok()?.to_ascii_lowercase();
    let status: u16 = head.get(9..12)?.parse().ok()?;
    let bare = status >= 400 && !head.contains("\r\ncontent-type:") && head.contains("\r\ncontent-length: 0\r\n");
    if !bare || head.matches("\r\n\r\n").count() != 1 {
        return None;
    }
    let date = head.lines().find(|l| l.starts_with("date:")).map(|l| format!("{l}\r\n")).unwrap_or_default();
    let body = serde_json::to_string(&ErrorBody { error: message(status) }).ok()?;
    let reason = axum::http::StatusCode::from_u16(status).ok()?.canonical_reason().unwrap_or("Error");
    Some(
        format!(
            "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
             access-control-allow-origin: *\r\naccess-control-expose-headers: etag,retry-after\r\n\
             connection: close\r\n{date}\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

fn message(status: u16) -> String {
    match status {
        400 => "malformed HTTP request: the request line or a header could not be parsed".into(),
        414 => "URI too long: at most 65534 bytes".into(),
        431 => format!(
            "request head too large: at most {} headers and {} bytes of request line and headers",
            crate::MAX_HEADERS,
            crate::MAX_HEAD_BYTES
        ),
        s => format!("the HTTP request could not be read (status {s})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_only_bare_error_heads() {
        let bare = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let out = String::from_utf8(rewrite(bare).unwrap()).unwrap();
        assert!(out.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"), "{out}");
        assert!(out.contains("content-type: application/json\r\n") && out.contains("date: x\r\n"));
        let body: serde_json::Value = serde_json::from_str(out.split("\r\n\r\n").nth(1).unwrap()).unwrap();
        assert!(body["error"].as_str().unwrap().contains("headers"));
        // Our own answers, successes and anything with a body stay as they are.
        let ours = b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 0\r\n\r\n";
        assert!(rewrite(ours).is_none());
        assert!(rewrite(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").is_none());
        assert!(rewrite(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n{}").is_none());
        assert!(rewrite(b"{\"HTTP/1.1 400\"}").is_none());
    }
}
