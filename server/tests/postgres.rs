//! The PostgreSQL store on its own terms: cursors across concurrent
//! transactions, and several server processes on one database. Needs
//! `SYNC_SERVER_TEST_POSTGRES` (scripts/test.sh starts a cluster and sets it);
//! without it each test says so and passes.

mod common;

use common::{m, TestServer};
use postgres::NoTls;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use sync_server::postgres::{off_runtime, PgConn, Pool};
use sync_server::store::{Conn, Reads, RowWrite};

fn url() -> Option<String> {
    match std::env::var("SYNC_SERVER_TEST_POSTGRES") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            eprintln!("skipped: SYNC_SERVER_TEST_POSTGRES is not set (scripts/test.sh sets it)");
            None
        }
    }
}

fn unique(prefix: &str) -> String {
    format!("{prefix}{}_{}", std::process::id(), sync_server::db::now_nanos())
}

/// Waits until `n` backends of this database wait for a lock.
/// A new note `id`, written by `client`, in no scope.
fn new_note<'a>(id: &'a str, client: &'a str) -> RowWrite<'a> {
    RowWrite { entity_type: "note", id, prev: None, data: Some(json!({})), client_id: client, scopes: &[] }
}

fn wait_for_lock_waiters(admin: &mut postgres::Client, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let waiting: i64 = admin
            .query_one("SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'", &[])
            .unwrap()
            .get(0);
        if waiting >= n {
            return;
        }
        assert!(Instant::now() < deadline, "no transaction came to wait for the lock");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Two transactions; the one that took the lower number commits after the
/// other. A cursor made of a sequence then passes over the late row for good;
/// our per-user positions cannot be taken in that order.
#[test]
fn a_sequence_cursor_skips_a_change_committed_late_and_ours_does_not() {
    let Some(url) = url() else { return };
    let schema = unique("cursor");
    let connect = || {
        let mut c = postgres::Client::connect(&url, NoTls).unwrap();
        c.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}; SET search_path TO {schema}")).unwrap();
        c
    };
    let (mut c1, mut c2, mut reader) = (connect(), connect(), connect());

    // The naive scheme: each change takes the next value of a sequence.
    reader.batch_execute("CREATE TABLE naive (seq BIGSERIAL PRIMARY KEY, v TEXT)").unwrap();
    let mut t1 = c1.transaction().unwrap();
    let low: i64 = t1.query_one("INSERT INTO naive (v) VALUES ('first') RETURNING seq", &[]).unwrap().get(0);
    let mut t2 = c2.transaction().unwrap();
    let high: i64 = t2.query_one("INSERT INTO naive (v) VALUES ('second') RETURNING seq", &[]).unwrap().get(0);
    assert!(low < high);
    t2.commit().unwrap();
    let page: Vec<i64> = reader
        .query("SELECT seq FROM naive WHERE seq > 0 ORDER BY seq", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(page, [high], "the reader sees the higher number first");
    let cursor = high;
    t1.commit().unwrap();
    let next: Vec<i64> = reader
        .query("SELECT seq FROM naive WHERE seq > $1 ORDER BY seq", &[&cursor])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(next.is_empty(), "the naive cursor has passed over the late change {low}: it is never pulled");

    // Ours, through the store: the second writer of the same user waits for the
    // first to commit, then numbers its change after it.
    let pool = Pool::open(&url, Some(&schema), 2).unwrap();
    let (mut w1, mut w2, mut r) = (pool.connect().unwrap(), pool.connect().unwrap(), pool.connect().unwrap());
    let mut tx1 = w1.transaction("u").unwrap();
    let first = tx1.write_row("u", new_note("a", "c1")).unwrap();
    let (started, done) = (mpsc::channel(), mpsc::channel());
    let writer = std::thread::spawn(move || {
        started.0.send(()).unwrap();
        let mut tx2 = w2.transaction("u").unwrap();
        let second = tx2.write_row("u", new_note("b", "c2")).unwrap();
        tx2.commit().unwrap();
        done.0.send(()).unwrap();
        (second, w2)
    });
    started.1.recv().unwrap();
    wait_for_lock_waiters(&mut reader, 1);
    assert!(done.1.try_recv().is_err(), "the second writer is waiting for the first");
    assert_eq!(r.changes_since("u", 0, None, 100).unwrap(), vec![]);
    tx1.commit().unwrap();
    let (second, _) = writer.join().unwrap();
    assert!(first.seq < second.seq, "positions follow commit order");
    let seqs: Vec<u64> = r.changes_since("u", 0, None, 100).unwrap().iter().map(|x| x.seq).collect();
    assert_eq!(seqs, [first.seq, second.seq]);
    assert_eq!(r.latest_seq("u").unwrap(), second.seq);
    drop(w1);
}

/// A `sync-server` process on `db_url`; killed when dropped.
struct Process {
    child: Child,
    server: TestServer,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_server(db_url: &str) -> Process {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sync-server"))
        .args(["--addr", "127.0.0.1:0", "--database", db_url, "--dev-tokens", "--enable-admin"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("sync-server starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let base = line.trim().rsplit(' ').next().unwrap().to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "{line:?}");
    Process { child, server: TestServer { base, http: reqwest::Client::new() } }
}

/// A fresh database on the test cluster, and its URL.
fn fresh_database(url: &str) -> String {
    let name = unique("mp");
    off_runtime(|| postgres::Client::connect(url, NoTls).unwrap().batch_execute(&format!("CREATE DATABASE {name}")))
        .unwrap();
    let (head, _) = url.rsplit_once('/').unwrap();
    format!("{head}/{name}")
}

/// The same batch sent to both processes at the same moment, twenty times:
/// each mutation is applied once (an entity's version counts its updates) and
/// both processes answer the stored result.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_mutation_reaching_two_processes_at_once_is_applied_once() {
    let Some(url) = url() else { return };
    let db = fresh_database(&url);
    let (a, b) = (spawn_server(&db), spawn_server(&db));
    let create = m("create", "CREATE", "counter", "c", None, Some(json!({"n": 0})));
    assert_eq!(a.server.push("same", "dev1", vec![create]).await[0]["status"], "applied");
    let rounds = 20;
    for k in 1..=rounds {
        let u = vec![m(&format!("u{k}"), "UPDATE", "counter", "c", None, Some(json!({"n": k})))];
        let (ra, rb) = tokio::join!(a.server.push("same", "dev1", u.clone()), b.server.push("same", "dev1", u));
        assert_eq!(ra, rb, "round {k}: both processes answer the one result");
        assert_eq!(ra[0]["status"], "applied");
        assert_eq!(ra[0]["entity"]["version"], json!(k + 1), "round {k}: applied exactly once");
    }
    let (all, _) = b.server.pull_all("same", "").await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["version"], json!(rounds + 1));
    assert_eq!(all[0]["data"]["n"], json!(rounds));
}

/// User A's writes are held (a transaction keeps A's lock); user B pushes
/// through both processes meanwhile and is not held up. Then A's queued push
/// goes through, and both users' changes are all there, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_of_two_users_through_two_processes_both_progress() {
    let Some(url) = url() else { return };
    let db = fresh_database(&url);
    let (a, b) = (spawn_server(&db), spawn_server(&db));
    // Make the schema exist before the holder locks in it.
    a.server.push("usera", "ca", vec![m("a0", "CREATE", "note", "a0", None, Some(json!({})))]).await;

    let (hold_tx, hold_rx) = mpsc::channel::<()>();
    let (locked_tx, locked_rx) = mpsc::channel::<()>();
    let holder = {
        let db = db.clone();
        std::thread::spawn(move || {
            let mut c = PgConn::new(postgres::Client::connect(&db, NoTls).unwrap());
            let tx = c.transaction("usera").unwrap();
            locked_tx.send(()).unwrap();
            hold_rx.recv().unwrap();
            drop(tx);
        })
    };
    locked_rx.recv().unwrap();
    let pending_a = tokio::spawn({
        let s = a.server.clone();
        async move { s.push("usera", "ca", vec![m("a1", "CREATE", "note", "a1", None, Some(json!({})))]).await }
    });
    off_runtime(|| wait_for_lock_waiters(&mut postgres::Client::connect(&db, NoTls).unwrap(), 1));
    for i in 0..10 {
        let s = if i % 2 == 0 { &a.server } else { &b.server };
        let r = s
            .push("userb", "cb", vec![m(&format!("b{i}"), "CREATE", "note", &format!("b{i}"), None, Some(json!({})))])
            .await;
        assert_eq!(r[0]["status"], "applied");
    }
    assert!(!pending_a.is_finished(), "A's push waits for A's lock only");
    hold_tx.send(()).unwrap();
    holder.join().unwrap();
    assert_eq!(pending_a.await.unwrap()[0]["status"], "applied");
    let ids = |all: Vec<Value>| all.iter().map(|c| c["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(ids(b.server.pull_all("usera", "").await.0), ["a0", "a1"]);
    assert_eq!(ids(a.server.pull_all("userb", "").await.0).len(), 10);
}
