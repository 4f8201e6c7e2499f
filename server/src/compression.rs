//! Bytes on the wire (docs/PROTOCOL.md, "Compression"): answers go out gzip- or
//! brotli-compressed to clients that accept it (a pull page of JSON shrinks five
//! to ten times: what matters on a slow or metered link), and push bodies may come
//! gzip-compressed (`Content-Encoding: gzip`).
//!
//! Where this sits in the router matters (`lib.rs`, `router`): outside
//! `json_errors`, so error bodies are made JSON before they are compressed; the
//! request side decompresses before `body_limit::limit_body` counts the bytes, so
//! the limit is on the decompressed body and a zip bomb gets the same 413.

use axum::extract::Request;
use axum::http::header;
use tower::layer::util::{Identity, Stack};
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;

/// In a request's extensions: it came with a gzip body (the header is gone once
/// the body is decompressed), for the test statistics (`admin`).
#[derive(Clone, Copy, Debug)]
pub struct CameGzipped;

fn mark(mut req: Request) -> Request {
    let gzipped =
        req.headers().get(header::CONTENT_ENCODING).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
    if gzipped {
        req.extensions_mut().insert(CameGzipped);
    }
    req
}

type MapRequest = tower::util::MapRequestLayer<fn(Request) -> Request>;
pub type Layer = Stack<RequestDecompressionLayer, Stack<MapRequest, Stack<CompressionLayer, Identity>>>;

/// Both layers; with `compress_answers` false (`--no-compression`, the
/// benchmark's baseline) answers go out as they are, and gzip bodies are still
/// accepted (the protocol says a server must).
pub fn layer(compress_answers: bool) -> Layer {
    let answers = match compress_answers {
        true => CompressionLayer::new().gzip(true).br(true),
        false => CompressionLayer::new().no_gzip().no_br(),
    };
    // An encoding we do not know passes through as it is: the handler then finds
    // no JSON in it and answers 400 with a JSON body, like any bad body.
    let requests = RequestDecompressionLayer::new().gzip(true).pass_through_unaccepted(true);
    ServiceBuilder::new().layer(answers).map_request(mark as fn(Request) -> Request).layer(requests).into_inner()
}
