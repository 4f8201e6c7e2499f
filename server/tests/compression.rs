//! Bytes on the wire: answers compressed for clients that accept it, gzip push
//! bodies accepted, and the body limit counted after decompression (a zip bomb
//! gets the same 413 with its JSON body).

mod common;

use common::*;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};
use std::io::{Read, Write};
use sync_server::Options;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    GzDecoder::new(bytes).read_to_end(&mut out).unwrap();
    out
}

/// 200 lessons for `user`, so a pull page is worth compressing.
async fn seed(s: &TestServer, user: &str) {
    let muts: Vec<Value> = (0..200)
        .map(|i| {
            let data = json!({"courseId": "c1", "title": format!("Lesson {i}"), "body": "Some text of the lesson. ".repeat(8)});
            m(&format!("s{i}"), "CREATE", "lesson", &format!("l{i}"), None, Some(data))
        })
        .collect();
    s.push(user, "A", muts).await;
}

#[tokio::test]
async fn a_pull_comes_gzip_compressed_to_a_client_that_accepts_it() {
    let s = start().await;
    seed(&s, "gz").await;
    let res =
        s.req(Method::GET, "/sync/pull?limit=500", "gz").header(header::ACCEPT_ENCODING, "gzip").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers().get(header::CONTENT_ENCODING).map(|v| v.to_str().unwrap()), Some("gzip"));
    let wire = res.bytes().await.unwrap();
    let body: Value = serde_json::from_slice(&gunzip(&wire)).unwrap();
    assert_eq!(body["changes"].as_array().unwrap().len(), 200);
    let plain = serde_json::to_vec(&body).unwrap();
    assert!(wire.len() * 5 < plain.len(), "{} bytes on the wire for {} of JSON", wire.len(), plain.len());

    // Brotli too, and nothing compressed for a client that does not ask.
    let res =
        s.req(Method::GET, "/sync/pull?limit=500", "gz").header(header::ACCEPT_ENCODING, "br").send().await.unwrap();
    assert_eq!(res.headers().get(header::CONTENT_ENCODING).map(|v| v.to_str().unwrap()), Some("br"));
    let res = s.req(Method::GET, "/sync/pull?limit=500", "gz").send().await.unwrap();
    assert!(res.headers().get(header::CONTENT_ENCODING).is_none());
    assert_eq!(res.json::<Value>().await.unwrap()["changes"].as_array().unwrap().len(), 200);
}

#[tokio::test]
async fn no_compression_answers_plain_json() {
    let s = start_with(Options { compress: false, ..Options::for_tests() }).await;
    seed(&s, "plain").await;
    let res = s
        .req(Method::GET, "/sync/pull?limit=500", "plain")
        .header(header::ACCEPT_ENCODING, "gzip, br")
        .send()
        .await
        .unwrap();
    assert!(res.headers().get(header::CONTENT_ENCODING).is_none());
    assert_eq!(res.json::<Value>().await.unwrap()["changes"].as_array().unwrap().len(), 200);
}

#[tokio::test]
async fn a_gzip_push_body_is_applied() {
    let s = start().await;
    let body = json!({"clientId": "A", "mutations": [m("z1", "CREATE", "course", "c1", None, Some(json!({"title": "zipped"})))]});
    let res = s
        .req(Method::POST, "/sync/push", "gzpush")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_ENCODING, "gzip")
        .body(gzip(&serde_json::to_vec(&body).unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let answer: Value = res.json().await.unwrap();
    assert_eq!(answer["results"][0]["status"], "applied", "{answer}");
    assert_eq!(s.pull("gzpush", "").await["changes"][0]["data"]["title"], "zipped");
}

#[tokio::test]
async fn a_gzip_body_over_the_limit_once_decompressed_gets_the_413_json() {
    let s = start().await;
    // 100 MB of JSON that gzip makes about 100 KB: the limit is on what it decompresses to.
    let mut text = br#"{"clientId":"A","mutations":[],"pad":""#.to_vec();
    text.extend(std::iter::repeat_n(b'a', 100 * 1024 * 1024));
    text.extend(br#""}"#);
    let bomb = gzip(&text);
    assert!(bomb.len() < 1024 * 1024);
    let res = s
        .req(Method::POST, "/sync/push", "bomb")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_ENCODING, "gzip")
        .body(bomb)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = res.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("too large"), "{body}");
}

#[tokio::test]
async fn a_body_that_is_not_gzip_gets_a_400_json() {
    let s = start().await;
    let res = s
        .req(Method::POST, "/sync/push", "badgz")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_ENCODING, "gzip")
        .body(r#"{"clientId":"A","mutations":[]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.json::<Value>().await.unwrap()["error"].is_string());
}
