//! The server benchmark (docs/performance.md, "The sync server"): push
//! throughput with batches of 1 and of 100, pull throughput, and another
//! user's pull latency while a maximum-size batch is applied, for SQLite,
//! PostgreSQL with one process and PostgreSQL with two; beside them the limit,
//! the same rows written by a plain loop straight into each database with the
//! server's durability settings. Prints a table and writes JSON.
//!
//!   scripts/server-bench.sh [--smoke]   (starts PostgreSQL, builds, runs this)
//!   server_bench --postgres URL [--smoke] [--out FILE]

use postgres::NoTls;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use sync_server::postgres::{off_runtime, Pool};

/// Users pushing at once in the throughput runs.
const USERS: usize = 4;

struct Sizes {
    singles: usize,
    hundreds: usize,
    big_batches: usize,
    big_pad: usize,
}

struct Proc(Child, String);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn server_exe() -> PathBuf {
    // target/<profile>/examples/server_bench -> target/<profile>/sync-server
    let me = std::env::current_exe().unwrap();
    let exe = me.parent().unwrap().parent().unwrap().join("sync-server");
    assert!(exe.exists(), "build the server first: cargo build -p sync-server (same profile)");
    exe
}

fn spawn(db_args: &[&str]) -> Proc {
    let mut child = Command::new(server_exe())
        .args(["--addr", "127.0.0.1:0", "--dev-tokens"])
        .args(db_args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let base = line.trim().rsplit(' ').next().unwrap().to_string();
    assert!(base.starts_with("http://"), "{line:?}");
    Proc(child, base)
}

fn mutation(id: &str, entity: &str, pad: usize) -> Value {
    json!({"mutationId": id, "op": "CREATE", "entityType": "note", "entityId": entity,
           "data": {"title": entity, "body": "x".repeat(pad)}})
}

async fn push(http: &reqwest::Client, base: &str, user: &str, muts: Vec<Value>) {
    let res = http
        .post(format!("{base}/sync/push"))
        .bearer_auth(format!("dev-{user}"))
        .json(&json!({"clientId": format!("bench-{user}"), "mutations": muts}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "push: {}", res.status());
}

/// Each of `USERS` users pushes `total / USERS` mutations in batches of
/// `batch`, all users at once, user i through process i % n. Mutations/s.
async fn push_rate(http: &reqwest::Client, bases: &[String], tag: &str, total: usize, batch: usize) -> f64 {
    let started = Instant::now();
    let tasks: Vec<_> = (0..USERS)
        .map(|u| {
            let (http, base) = (http.clone(), bases[u % bases.len()].clone());
            let (user, tag) = (format!("{tag}{u}"), tag.to_string());
            tokio::spawn(async move {
                let n = total / USERS;
                for start in (0..n).step_by(batch) {
                    let muts = (start..(start + batch).min(n))
                        .map(|i| mutation(&format!("{tag}-{i}"), &format!("n{i}"), 100))
                        .collect();
                    push(&http, &base, &user, muts).await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    (total / USERS * USERS) as f64 / started.elapsed().as_secs_f64()
}

/// Every user of `tag` pulls all its changes (pages of 1000), at once. Entities/s.
async fn pull_rate(http: &reqwest::Client, bases: &[String], tag: &str) -> f64 {
    let started = Instant::now();
    let tasks: Vec<_> = (0..USERS)
        .map(|u| {
            let (http, base) = (http.clone(), bases[(u + 1) % bases.len()].clone());
            let user = format!("{tag}{u}");
            tokio::spawn(async move {
                let (mut cursor, mut n) = (String::new(), 0usize);
                loop {
                    let body: Value = http
                        .get(format!("{base}/sync/pull?cursor={cursor}&limit=1000"))
                        .bearer_auth(format!("dev-{user}"))
                        .send()
                        .await
                        .unwrap()
                        .json()
                        .await
                        .unwrap();
                    n += body["changes"].as_array().unwrap().len();
                    cursor = body["cursor"].as_str().unwrap().to_string();
                    if body["hasMore"] != true {
                        return n;
                    }
                }
            })
        })
        .collect();
    let mut n = 0;
    for t in tasks {
        n += t.await.unwrap();
    }
    n as f64 / started.elapsed().as_secs_f64()
}

/// Another user's pulls (100 entities) one after another while maximum-size
/// batches (1000 mutations) are applied; their latencies in ms, sorted.
async fn pull_latency_under_big_push(http: &reqwest::Client, bases: &[String], s: &Sizes) -> Vec<f64> {
    let other = "latency-other";
    push(http, &bases[0], other, (0..100).map(|i| mutation(&format!("o{i}"), &format!("o{i}"), 100)).collect()).await;
    let pushes = {
        let (http, base) = (http.clone(), bases[0].clone());
        let (batches, pad) = (s.big_batches, s.big_pad);
        tokio::spawn(async move {
            for b in 0..batches {
                let muts = (0..1000).map(|i| mutation(&format!("big{b}-{i}"), &format!("b{b}-{i}"), pad)).collect();
                push(&http, &base, "latency-big", muts).await;
            }
        })
    };
    let mut times = Vec::new();
    let mut k = 0;
    while !pushes.is_finished() {
        let base = &bases[k % bases.len()];
        k += 1;
        let t = Instant::now();
        let res =
            http.get(format!("{base}/sync/pull?limit=100")).bearer_auth(format!("dev-{other}")).send().await.unwrap();
        assert!(res.status().is_success());
        res.bytes().await.unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    pushes.await.unwrap();
    times.sort_by(f64::total_cmp);
    times
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

/// The server's rows for one mutation (the entity and its log entry) written
/// by a plain loop, `batch` per transaction, into SQLite (WAL, synchronous=NORMAL
/// as the server opens it). Rows/s.
fn sqlite_limit(dir: &std::path::Path, total: usize, batch: usize) -> f64 {
    let path = dir.join(format!("limit-{batch}.sqlite"));
    let mut c = sync_server::sqlite::open(Some(&path)).unwrap();
    let data = json!({"title": "n", "body": "x".repeat(100)}).to_string();
    let started = Instant::now();
    for start in (0..total).step_by(batch) {
        let tx = c.transaction().unwrap();
        for i in start..(start + batch).min(total) {
            tx.prepare_cached(
                "INSERT INTO entities (user_id, entity_type, id, version, deleted, data, seq, created_seq, updated_at)
                 VALUES ('u', 'note', ?1, 1, 0, ?2, ?3, ?3, 0)",
            )
            .unwrap()
            .execute(rusqlite::params![format!("n{i}"), data, i as i64 + 1])
            .unwrap();
            tx.prepare_cached(
                "INSERT INTO mutation_log (user_id, mutation_id, result, created_at) VALUES ('u', ?1, '{}', 0)",
            )
            .unwrap()
            .execute([format!("m{i}")])
            .unwrap();
        }
        tx.commit().unwrap();
    }
    total as f64 / started.elapsed().as_secs_f64()
}

/// The same into PostgreSQL (its default durability: fsync, synchronous_commit
/// on, as the server runs), one connection.
fn postgres_limit(url: &str, total: usize, batch: usize) -> f64 {
    let schema = format!("limit{}_{batch}", std::process::id());
    let pool = Pool::open(url, Some(&schema), 1).unwrap();
    let mut c = pool.connect().unwrap().client;
    let data = json!({"title": "n", "body": "x".repeat(100)}).to_string();
    // Prepared once, as the server's are.
    let entity = c
        .prepare(
            "INSERT INTO entities (user_id, entity_type, id, version, deleted, data, seq, created_seq, updated_at)
             VALUES ('u', 'note', $1, 1, false, $2, $3, $3, 0)",
        )
        .unwrap();
    let log = c
        .prepare("INSERT INTO mutation_log (user_id, mutation_id, result, created_at) VALUES ('u', $1, '{}', 0)")
        .unwrap();
    let started = Instant::now();
    for start in (0..total).step_by(batch) {
        let mut tx = c.transaction().unwrap();
        for i in start..(start + batch).min(total) {
            tx.execute(&entity, &[&format!("n{i}"), &data, &(i as i64 + 1)]).unwrap();
            tx.execute(&log, &[&format!("m{i}")]).unwrap();
        }
        tx.commit().unwrap();
    }
    let rate = total as f64 / started.elapsed().as_secs_f64();
    c.batch_execute(&format!("DROP SCHEMA {schema} CASCADE")).unwrap();
    rate
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn fresh_database(url: &str, name: &str) -> String {
    let mut admin = postgres::Client::connect(url, NoTls).unwrap();
    // Two calls: CREATE DATABASE may not share a transaction with anything.
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).unwrap();
    admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    format!("{}/{name}", url.rsplit_once('/').unwrap().0)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let smoke = args.iter().any(|a| a == "--smoke");
    let url = arg("--postgres").expect("--postgres URL (scripts/server-bench.sh starts one)");
    let out = arg("--out").unwrap_or_else(|| "bench/results/server.json".into());
    let s = if smoke {
        Sizes { singles: 40, hundreds: 400, big_batches: 1, big_pad: 100 }
    } else {
        Sizes { singles: 2000, hundreds: 20000, big_batches: 3, big_pad: 4000 }
    };
    let dir = std::env::temp_dir().join(format!("server-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let http = reqwest::Client::new();
    let mut rows = Vec::new();
    for config in ["sqlite", "postgres-1", "postgres-2"] {
        let procs: Vec<Proc> = match config {
            "sqlite" => vec![spawn(&["--db", dir.join("server.sqlite").to_str().unwrap()])],
            _ => {
                let db = off_runtime(|| fresh_database(&url, &format!("bench_{}", config.replace('-', "_"))));
                let n = if config == "postgres-2" { 2 } else { 1 };
                (0..n).map(|_| spawn(&["--database", &db])).collect()
            }
        };
        let bases: Vec<String> = procs.iter().map(|p| p.1.clone()).collect();
        let push1 = push_rate(&http, &bases, "p1-", s.singles, 1).await;
        let push100 = push_rate(&http, &bases, "p100-", s.hundreds, 100).await;
        let pull = pull_rate(&http, &bases, "p100-").await;
        let lat = pull_latency_under_big_push(&http, &bases, &s).await;
        let (limit1, limit100) = match config {
            "sqlite" => (sqlite_limit(&dir, s.singles, 1), sqlite_limit(&dir, s.hundreds, 100)),
            _ => off_runtime(|| (postgres_limit(&url, s.singles, 1), postgres_limit(&url, s.hundreds, 100))),
        };
        let row = json!({
            "config": config, "processes": procs.len(), "users": USERS,
            "push1PerS": push1.round(), "push100PerS": push100.round(), "pullPerS": pull.round(),
            "limit1PerS": limit1.round(), "limit100PerS": limit100.round(),
            "pullUnderBigPush": {"count": lat.len(), "p50Ms": percentile(&lat, 0.5), "p99Ms": percentile(&lat, 0.99),
                                 "maxMs": lat.last().copied().unwrap_or(f64::NAN)},
        });
        eprintln!("[server-bench] {config}: {row}");
        rows.push(row);
        drop(procs);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = std::fs::remove_dir_all(&dir);

    println!(
        "{:<11} {:>12} {:>12} {:>12} {:>12} {:>12} {:>11} {:>11} {:>7}",
        "store", "push 1/s", "limit 1/s", "push 100/s", "limit 100/s", "pull/s", "pull p50", "pull p99", "pulls"
    );
    for r in &rows {
        let l = &r["pullUnderBigPush"];
        println!(
            "{:<11} {:>12.0} {:>12.0} {:>12.0} {:>12.0} {:>12.0} {:>8.1} ms {:>8.1} ms {:>7}",
            r["config"].as_str().unwrap(),
            num(&r["push1PerS"]),
            num(&r["limit1PerS"]),
            num(&r["push100PerS"]),
            num(&r["limit100PerS"]),
            num(&r["pullPerS"]),
            l["p50Ms"].as_f64().unwrap_or(f64::NAN),
            l["p99Ms"].as_f64().unwrap_or(f64::NAN),
            l["count"]
        );
    }
    println!("(push and limit: mutations/s, {USERS} users at once for push; pull: entities/s; p50/p99: another user's pull of 100 while batches of 1000 mutations are applied)");
    let doc = json!({
        "smoke": smoke, "date": sync_server::store::now_ms(), "users": USERS,
        "sizes": {"singles": s.singles, "hundreds": s.hundreds, "bigBatches": s.big_batches, "bigPadBytes": s.big_pad},
        "results": rows,
    });
    if let Some(parent) = std::path::Path::new(&out).parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&out, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    eprintln!("[server-bench] wrote {out}");
}
