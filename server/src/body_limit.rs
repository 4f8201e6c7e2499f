//! The request body limit. A body over the limit is read to its end, and thrown
//! away, before the 413 goes out: answering while the client is still sending
//! and then closing the connection makes the client's TCP stack see a reset, so
//! a browser's `fetch` reports a network error instead of the 413 (and the
//! engine retries an oversized change forever instead of setting it aside).

use crate::http::ApiError;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

/// Most bytes read (and discarded) of a body over the limit, so the client can
/// read the 413. Past this the server answers at once and closes the connection:
/// a client sending that much is not ours (ours stays under `MAX_PUSH_BYTES`).
pub const DRAIN_CAP: u64 = 64 * 1024 * 1024;

/// Middleware: buffers the body up to `limit` bytes for the handler, or answers
/// 413 once the whole body (up to `DRAIN_CAP`) has been read.
pub async fn limit_body(State(limit): State<usize>, req: Request, next: Next) -> Response {
    let too_large =
        || ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("request body too large (limit is {limit} bytes)"));
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > DRAIN_CAP) {
        return closing(too_large().into_response());
    }
    let (parts, body) = req.into_parts();
    let mut stream = body.into_data_stream();
    let mut kept = Vec::new();
    let mut read: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => return ApiError::bad_request(format!("could not read request body: {e}")).into_response(),
        };
        read += chunk.len() as u64;
        if read > DRAIN_CAP {
            return closing(too_large().into_response());
        }
        if read <= limit as u64 {
            kept.extend_from_slice(&chunk);
        } else {
            // Over the limit: keep reading, keep nothing.
            kept = Vec::new();
        }
    }
    if read > limit as u64 {
        return too_large().into_response();
    }
    next.run(Request::from_parts(parts, Body::from(Bytes::from(kept)))).await
}

/// The answer to a body too large to read through: the connection cannot be
/// reused, so say so.
fn closing(mut res: Response) -> Response {
    res.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    res
}
