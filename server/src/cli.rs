//! Command line of the `sync-server` binary.

use crate::db::DbLocation;
use crate::{Options, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_PUSH_MUTATIONS};
use clap::Parser;
use offline_sync_core::scope::{default_scopes, ScopeDef};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Reference sync server for offline-sync (push/pull protocol, REST facade).
#[derive(Debug, Parser)]
#[command(name = "sync-server", version)]
pub struct Cli {
    /// Address to listen on. Non-loopback addresses need --public.
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub addr: SocketAddr,

    /// SQLite database file.
    #[arg(long, default_value = "sync-server.sqlite", conflicts_with = "memory")]
    pub db: PathBuf,

    /// Keep everything in memory (lost on exit).
    #[arg(long)]
    pub memory: bool,

    /// Store in PostgreSQL instead of SQLite (`postgres://user@host:port/db`).
    /// Several server processes may share one database.
    #[arg(long, value_name = "URL", conflicts_with_all = ["memory", "db"])]
    pub database: Option<String>,

    /// Accept bearer token TOKEN as user USER (repeatable).
    #[arg(long = "token", value_name = "TOKEN=USER", value_parser = parse_token)]
    pub tokens: Vec<(String, String)>,

    /// DEVELOPMENT/TESTS ONLY, never in production: accept any token
    /// `dev-<user>` as user <user> (1-64 chars of A-Z a-z 0-9 _ -), and let
    /// POST /auth/refresh hand such tokens out to anyone.
    #[arg(long)]
    pub dev_tokens: bool,

    /// TESTS ONLY: enable /__admin/* (fault injection, stats, reset) for
    /// loopback clients.
    #[arg(long)]
    pub enable_admin: bool,

    /// Create demo courses and lessons for user `demo` if it has no data.
    #[arg(long)]
    pub seed_demo: bool,

    /// Largest accepted request body, in bytes (larger ones get 413).
    #[arg(long, default_value_t = DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,

    /// Most mutations accepted in one push (more get 413). Clients send at most 100.
    #[arg(long, default_value_t = DEFAULT_MAX_PUSH_MUTATIONS as u64, value_parser = clap::value_parser!(u64).range(100..))]
    pub max_push_mutations: u64,

    /// Most PostgreSQL connections this process opens at once.
    #[arg(long, default_value_t = crate::postgres::DEFAULT_POOL_SIZE as u64, value_parser = clap::value_parser!(u64).range(1..))]
    pub pool_size: u64,

    /// Allow listening on a non-loopback address.
    #[arg(long)]
    pub public: bool,

    /// Answer uncompressed even to clients that accept gzip or brotli (a
    /// benchmark's baseline). Compressed push bodies are accepted either way.
    #[arg(long)]
    pub no_compression: bool,

    /// A named scope clients can pull on its own (PROTOCOL.md §5), as
    /// NAME=ROOT:KEY (entities of type ROOT are its roots; others belong by their
    /// KEY field) or NAME:KEY (the root type is NAME). Repeat for several. Without
    /// any, the server declares course:courseId.
    #[arg(long = "scope", value_name = "NAME[=ROOT]:KEY", value_parser = parse_scope)]
    pub scopes: Vec<ScopeDef>,
}

fn parse_scope(s: &str) -> Result<ScopeDef, String> {
    let (head, key) = s.rsplit_once(':').ok_or_else(|| format!("expected NAME[=ROOT]:KEY, got {s:?}"))?;
    let (name, root) = head.split_once('=').unwrap_or((head, head));
    if !offline_sync_core::scope::valid_name(name) {
        return Err(format!("{name:?} is not a scope name: a letter, then letters, digits, _ or -"));
    }
    if root.is_empty() || key.is_empty() {
        return Err(format!("expected NAME[=ROOT]:KEY with a non-empty root and key, got {s:?}"));
    }
    Ok(ScopeDef { name: name.into(), root: root.into(), key: key.into() })
}

fn parse_token(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((t, u)) if !t.is_empty() && !u.is_empty() => Ok((t.to_string(), u.to_string())),
        _ => Err(format!("expected TOKEN=USER, got {s:?}")),
    }
}

impl Cli {
    pub fn into_options(self) -> Options {
        Options {
            addr: self.addr,
            db: match (self.database, self.memory) {
                (Some(url), _) => DbLocation::Postgres { url, schema: None },
                (None, true) => DbLocation::Memory,
                (None, false) => DbLocation::File(self.db),
            },
            tokens: self.tokens,
            dev_tokens: self.dev_tokens,
            enable_admin: self.enable_admin,
            seed_demo: self.seed_demo,
            max_body_bytes: self.max_body_bytes,
            max_push_mutations: self.max_push_mutations as usize,
            pool_size: self.pool_size as usize,
            public: self.public,
            compress: !self.no_compression,
            scopes: if self.scopes.is_empty() { default_scopes() } else { self.scopes },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        let cli = Cli::try_parse_from([
            "sync-server",
            "--memory",
            "--token",
            "abc=alice",
            "--token",
            "x=y=z",
            "--dev-tokens",
        ])
        .unwrap();
        let o = cli.into_options();
        assert_eq!(o.db, DbLocation::Memory);
        assert_eq!(o.addr.to_string(), "127.0.0.1:8787");
        assert_eq!(o.tokens, vec![("abc".into(), "alice".into()), ("x".into(), "y=z".into())]);
        assert!(Cli::try_parse_from(["sync-server", "--token", "nouser"]).is_err());
        assert!(Cli::try_parse_from(["sync-server", "--memory", "--db", "x"]).is_err());
        let o = Cli::try_parse_from(["sync-server", "--database", "postgres://u@h/d"]).unwrap().into_options();
        assert_eq!(o.db, DbLocation::Postgres { url: "postgres://u@h/d".into(), schema: None });
        assert!(Cli::try_parse_from(["sync-server", "--memory", "--database", "postgres://h"]).is_err());
        // Fewer than a client's batch would refuse what every server must accept.
        assert!(Cli::try_parse_from(["sync-server", "--max-push-mutations", "99"]).is_err());
        let o = Cli::try_parse_from(["sync-server", "--max-push-mutations", "100"]).unwrap().into_options();
        assert_eq!(o.max_push_mutations, 100);
    }

    #[test]
    fn scopes() {
        let o = Cli::try_parse_from(["sync-server"]).unwrap().into_options();
        assert_eq!(o.scopes, vec![ScopeDef::course()], "the seed's course by default");
        let o = Cli::try_parse_from(["sync-server", "--scope", "workspace:workspaceId", "--scope", "team=org:orgId"])
            .unwrap()
            .into_options();
        assert_eq!(
            o.scopes,
            vec![
                ScopeDef { name: "workspace".into(), root: "workspace".into(), key: "workspaceId".into() },
                ScopeDef { name: "team".into(), root: "org".into(), key: "orgId".into() },
            ]
        );
        for bad in ["workspace", "9w:k", "w=:k", "w:", "a:b=c:k"] {
            assert!(Cli::try_parse_from(["sync-server", "--scope", bad]).is_err(), "{bad}");
        }
    }
}
