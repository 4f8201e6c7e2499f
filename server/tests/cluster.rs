//! A seeded chaos run against a cluster: two `sync-server` processes on one
//! PostgreSQL database behind haproxy (round robin, health checks) on loopback.
//! Three clients of one user push their changes concurrently through the proxy
//! (a batch that fails for any reason is resent as it was, same mutation ids,
//! as the engine does) and pull incrementally with their cursor; midway one
//! process is killed with SIGKILL, later restarted. At the end: the server
//! holds exactly the clients' model (lost=0), every entity's version is the
//! number of changes made to it (a change applied twice would bump it again:
//! duplicated=0), and each client's replica, built only from its incremental
//! pulls across both processes, equals the server's state (skipped=0).
//!
//! Needs `SYNC_SERVER_TEST_POSTGRES` and haproxy (scripts/test.sh); without
//! them it says so and passes. `CLUSTER_SEED=<n>` replays another seed.

mod common;

use common::{m, TestServer};
use postgres::NoTls;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use sync_server::postgres::off_runtime;
use tokio::sync::Mutex;

const CLIENTS: usize = 3;
const ROUNDS: usize = 30;
const USER: &str = "cluster";

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        // xorshift64*: a fixed sequence per seed.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

fn haproxy() -> Option<PathBuf> {
    ["/usr/sbin/haproxy", "/usr/bin/haproxy"].iter().map(PathBuf::from).find(|p| p.exists())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Waits until something answers HTTP on `url`.
async fn wait_http(http: &reqwest::Client, url: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !http.get(url).send().await.map(|r| r.status().is_success()).unwrap_or(false) {
        assert!(Instant::now() < deadline, "{url} did not answer");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn spawn_server(db: &str, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_sync-server"))
        .args(["--addr", &format!("127.0.0.1:{port}"), "--database", db, "--dev-tokens", "--enable-admin"])
        .stdout(Stdio::null())
        .spawn()
        .expect("sync-server starts")
}

struct Killed(Vec<Child>);

impl Drop for Killed {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A client: its changes not yet acknowledged, its model of what the server
/// must hold for its entities, how many changes each entity had, its cursor
/// and what its pulls built.
#[derive(Default)]
struct Client {
    name: String,
    outbox: Vec<Value>,
    model: BTreeMap<String, Option<Value>>,
    changes: BTreeMap<String, u64>,
    cursor: String,
    replica: BTreeMap<String, Value>,
    next: u64,
    failed_requests: u64,
}

impl Client {
    fn change(&mut self, rng: &mut Rng) {
        self.next += 1;
        let mid = format!("{}-{}", self.name, self.next);
        let live: Vec<String> = self.model.iter().filter(|(_, d)| d.is_some()).map(|(k, _)| k.clone()).collect();
        let (op, id, data) = match rng.below(4) {
            0 | 1 if !live.is_empty() => {
                let id = live[rng.below(live.len() as u64) as usize].clone();
                let field = format!("f{}", rng.below(3));
                ("UPDATE", id, Some(json!({ field: self.next })))
            }
            2 if !live.is_empty() => ("DELETE", live[rng.below(live.len() as u64) as usize].clone(), None),
            _ => {
                let id = format!("{}-e{}", self.name, self.next);
                ("CREATE", id.clone(), Some(json!({"id": id, "by": self.name})))
            }
        };
        let merged = match (op, self.model.get(&id).cloned().flatten(), &data) {
            ("UPDATE", Some(Value::Object(mut cur)), Some(Value::Object(p))) => {
                cur.extend(p.clone());
                Some(Value::Object(cur))
            }
            ("DELETE", _, _) => None,
            (_, _, d) => d.clone(),
        };
        self.model.insert(id.clone(), merged);
        *self.changes.entry(id.clone()).or_default() += 1;
        self.outbox.push(m(&mid, op, "note", &id, None, data));
    }

    /// Sends the outbox; on any failure it stays, to be sent again as it was.
    async fn push(&mut self, s: &TestServer) {
        if self.outbox.is_empty() {
            return;
        }
        let res = s
            .req_from(reqwest::Method::POST, "/sync/push", USER, &self.name)
            .json(&json!({"clientId": self.name, "mutations": self.outbox}))
            .send()
            .await;
        let body: Option<Value> = match res {
            Ok(r) if r.status().is_success() => r.json().await.ok(),
            _ => None,
        };
        match body {
            Some(b) => {
                let results = b["results"].as_array().unwrap();
                assert_eq!(results.len(), self.outbox.len());
                for r in results {
                    assert_eq!(r["status"], "applied", "{r}");
                }
                self.outbox.clear();
            }
            None => self.failed_requests += 1,
        }
    }

    /// Pulls from its cursor until no more; a failed page (an error answer, or a
    /// connection cut) is asked again later.
    async fn pull(&mut self, s: &TestServer) {
        loop {
            // A request cut by the killed process is a failed page too, like a
            // push's (pull_raw would panic on it).
            let res =
                s.req(reqwest::Method::GET, &format!("/sync/pull?cursor={}&limit=50", self.cursor), USER).send().await;
            let body = match res {
                Ok(r) if r.status().is_success() => r.json::<Value>().await.ok(),
                _ => None,
            };
            let Some(body) = body else {
                self.failed_requests += 1;
                return;
            };
            for c in body["changes"].as_array().unwrap() {
                let id = c["id"].as_str().unwrap().to_string();
                if c["deleted"] == true {
                    self.replica.remove(&id);
                } else {
                    self.replica.insert(id, c.clone());
                }
            }
            self.cursor = body["cursor"].as_str().unwrap().to_string();
            if body["hasMore"] != true {
                return;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_chaos_two_processes_behind_haproxy_one_killed() {
    let Ok(url) = std::env::var("SYNC_SERVER_TEST_POSTGRES") else {
        eprintln!("skipped: SYNC_SERVER_TEST_POSTGRES is not set (scripts/test.sh sets it)");
        return;
    };
    let Some(haproxy) = haproxy() else {
        eprintln!("skipped: haproxy is not installed (scripts/setup.sh installs it)");
        return;
    };
    let seed: u64 = std::env::var("CLUSTER_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    let name = format!("cl{}_{}", std::process::id(), sync_server::db::now_nanos());
    off_runtime(|| postgres::Client::connect(&url, NoTls).unwrap().batch_execute(&format!("CREATE DATABASE {name}")))
        .unwrap();
    let db = format!("{}/{name}", url.rsplit_once('/').unwrap().0);

    let ports = [free_port(), free_port()];
    let mut procs = Killed(ports.iter().map(|p| spawn_server(&db, *p)).collect());
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    for p in ports {
        wait_http(&http, &format!("http://127.0.0.1:{p}/health")).await;
    }
    let front = free_port();
    let dir = std::env::temp_dir().join(&name);
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("haproxy.cfg");
    // Round robin over both; a process that stops answering its health check
    // (every 100 ms) is taken out, and a request whose connection is refused is
    // sent to the other one. What a process had in flight when killed fails and
    // is resent by the client.
    std::fs::write(
        &cfg,
        format!(
            "global\n  maxconn 512\ndefaults\n  mode http\n  timeout connect 1s\n  timeout client 30s\n  \
             timeout server 30s\n  retries 3\n  option redispatch\n  retry-on conn-failure\n\
             frontend sync\n  bind 127.0.0.1:{front}\n  default_backend procs\n\
             backend procs\n  balance roundrobin\n  option httpchk GET /health\n  \
             default-server inter 100ms fall 1 rise 2\n  \
             server a 127.0.0.1:{} check\n  server b 127.0.0.1:{} check\n",
            ports[0], ports[1]
        ),
    )
    .unwrap();
    procs.0.push(
        Command::new(haproxy).args(["-db", "-f"]).arg(&cfg).stdout(Stdio::null()).spawn().expect("haproxy starts"),
    );
    let proxy = TestServer { base: format!("http://127.0.0.1:{front}"), http };
    wait_http(&proxy.http, &proxy.url("/health")).await;

    let started = Instant::now();
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let clients: Vec<Arc<Mutex<Client>>> =
        (0..CLIENTS).map(|i| Arc::new(Mutex::new(Client { name: format!("c{i}"), ..Client::default() }))).collect();
    let (mut mutations, mut lost_acks) = (0, 0);
    for round in 0..ROUNDS {
        for c in &clients {
            let mut c = c.lock().await;
            for _ in 0..(1 + rng.below(8)) {
                c.change(&mut rng);
                mutations += 1;
            }
        }
        // Now and then each process drops the connection of the next push it
        // has applied (the answer is lost): the client resends the batch, and
        // the proxy may well take it to the other process.
        if rng.below(4) == 0 {
            for p in ports {
                let spec = json!({"user": USER, "dropAfterApply": 1});
                let _ = proxy.http.post(format!("http://127.0.0.1:{p}/__admin/faults")).json(&spec).send().await;
            }
            lost_acks += 1;
        }
        // All clients sync at once, so both processes serve the user together.
        let syncs: Vec<_> = clients
            .iter()
            .map(|c| {
                let (c, s) = (c.clone(), proxy.clone());
                tokio::spawn(async move {
                    let mut c = c.lock().await;
                    c.push(&s).await;
                    c.pull(&s).await;
                })
            })
            .collect();
        if round == ROUNDS / 3 {
            // While those syncs are in flight.
            procs.0[0].kill().unwrap();
            procs.0[0].wait().unwrap();
        }
        if round == 2 * ROUNDS / 3 {
            procs.0[0] = spawn_server(&db, ports[0]);
        }
        for s in syncs {
            s.await.unwrap();
        }
    }
    // Calm: both processes up, no faults; every client syncs until its outbox is empty.
    wait_http(&proxy.http, &format!("http://127.0.0.1:{}/health", ports[0])).await;
    for p in ports {
        let _ =
            proxy.http.post(format!("http://127.0.0.1:{p}/__admin/faults")).json(&json!({"user": USER})).send().await;
    }
    for c in &clients {
        let mut c = c.lock().await;
        for _ in 0..20 {
            if c.outbox.is_empty() {
                break;
            }
            c.push(&proxy).await;
        }
        assert!(c.outbox.is_empty(), "client {} could not send its changes", c.name);
        c.pull(&proxy).await;
    }

    let (all, _) = proxy.pull_all(USER, "limit=1000").await;
    let server: BTreeMap<String, Value> = all
        .iter()
        .filter(|c| c["deleted"] != true)
        .map(|c| (c["id"].as_str().unwrap().to_string(), c.clone()))
        .collect();
    let versions: BTreeMap<String, u64> =
        all.iter().map(|c| (c["id"].as_str().unwrap().to_string(), c["version"].as_u64().unwrap())).collect();
    let (mut lost, mut duplicated, mut skipped, mut failed) = (0, 0, 0, 0);
    for c in &clients {
        let c = c.lock().await;
        failed += c.failed_requests;
        for (id, want) in &c.model {
            let have = server.get(id).map(|e| &e["data"]);
            if have != want.as_ref() {
                lost += 1;
                eprintln!("cluster: {id}: expected {want:?}, server has {have:?}");
            }
            if versions.get(id) != c.changes.get(id) {
                duplicated += 1;
                eprintln!("cluster: {id}: {:?} changes made, server version {:?}", c.changes.get(id), versions.get(id));
            }
        }
        if c.replica != server {
            skipped += 1;
            eprintln!(
                "cluster: client {}'s pulls built {} entities, the server has {}",
                c.name,
                c.replica.len(),
                server.len()
            );
        }
    }
    println!(
        "cluster chaos seed={seed} processes=2 proxy=haproxy kills=1 lostAcks={lost_acks} rounds={ROUNDS} clients={CLIENTS} \
         mutations={mutations} failedRequests={failed} entities={} lost={lost} duplicated={duplicated} \
         skipped={skipped} ({:.1} s)",
        server.len(),
        started.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!((lost, duplicated, skipped), (0, 0, 0));
}
