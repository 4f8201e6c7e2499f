//! Validation of the options the app passes in. The browser layer describes each
//! JS value as a [`Raw`]; the rules live here so they are tested natively and every
//! message names the option at fault.

use crate::backoff::Backoff;
use crate::protocol::{DEFAULT_PULL_LIMIT, MAX_PULL_LIMIT};
use std::fmt;

/// A JS value as far as validation cares.
#[derive(Clone, Debug, PartialEq)]
pub enum Raw {
    Undefined,
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Function,
    Object,
    /// Anything else (symbol, bigint, array), by its type name.
    Other(&'static str),
}

impl Raw {
    /// How an error message shows the value.
    pub fn describe(&self) -> String {
        match self {
            Raw::Undefined => "undefined".into(),
            Raw::Null => "null".into(),
            Raw::Bool(b) => b.to_string(),
            Raw::Number(n) => format_number(*n),
            Raw::String(s) => format!("{s:?}"),
            Raw::Function => "a function".into(),
            Raw::Object => "an object".into(),
            Raw::Other(t) => format!("a {t}"),
        }
    }
}

/// A number as an error message shows it. Whole numbers and up to six decimals
/// through integer formatting: Rust's float formatter would add about 15 KB to the
/// shipped wasm for a few error messages.
pub fn format_number(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    let sign = if n < 0.0 { "-" } else { "" };
    let a = n.abs();
    if a.is_infinite() {
        return format!("{sign}Infinity");
    }
    if a >= 1e18 {
        return format!("{sign}a number of 10^18 or more");
    }
    let (mut whole, mut frac) = (a.trunc() as u64, ((a - a.trunc()) * 1e6).round() as u64);
    if frac == 1_000_000 {
        (whole, frac) = (whole + 1, 0);
    }
    let digits = format!("{frac:06}");
    match digits.trim_end_matches('0') {
        "" if whole == 0 => "0".into(),
        "" => format!("{sign}{whole}"),
        f => format!("{sign}{whole}.{f}"),
    }
}

/// A bad option: shown to the app as `TypeError: offline-sync: option \`x\` ...`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub option: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "offline-sync: option `{}` {}", self.option, self.message)
    }
}

impl std::error::Error for ConfigError {}

fn bad(option: &str, expected: &str, got: &Raw) -> ConfigError {
    ConfigError { option: option.into(), message: format!("must be {expected} (got {})", got.describe()) }
}

/// Reads options by name; implemented over a JS object in the browser.
pub trait Source {
    fn get(&self, name: &str) -> Raw;
}

impl<F: Fn(&str) -> Raw> Source for F {
    fn get(&self, name: &str) -> Raw {
        self(name)
    }
}

fn number(src: &dyn Source, name: &str, default: f64, min: f64, max: f64, what: &str) -> Result<f64, ConfigError> {
    match src.get(name) {
        Raw::Undefined => Ok(default),
        Raw::Number(n) if n.is_finite() && n >= min && n <= max => Ok(n),
        other => Err(bad(name, what, &other)),
    }
}

fn boolean(src: &dyn Source, name: &str, default: bool) -> Result<bool, ConfigError> {
    match src.get(name) {
        Raw::Undefined => Ok(default),
        Raw::Bool(b) => Ok(b),
        other => Err(bad(name, "a boolean", &other)),
    }
}

fn callback(src: &dyn Source, name: &str) -> Result<bool, ConfigError> {
    match src.get(name) {
        Raw::Undefined | Raw::Null => Ok(false),
        Raw::Function => Ok(true),
        other => Err(bad(name, "a function", &other)),
    }
}

fn string(src: &dyn Source, name: &str, default: &str) -> Result<String, ConfigError> {
    match src.get(name) {
        Raw::Undefined => Ok(default.to_string()),
        Raw::String(s) if !s.trim().is_empty() => Ok(s),
        other => Err(bad(name, "a non-empty string", &other)),
    }
}

/// Options of `useOfflineSync(options)` / `new OfflineSync(options)`.
#[derive(Clone, Debug, PartialEq)]
pub struct ControllerOptions {
    /// 0 disables auto-sync.
    pub auto_sync_interval_ms: u32,
    pub sync_on_online: bool,
    pub sync_on_visibility: bool,
    pub sync_on_mount: bool,
    /// Milliseconds a local change waits for more before it is pushed; 0 = off.
    pub push_delay_ms: u32,
    pub has_on_sync_start: bool,
    pub has_on_sync_complete: bool,
    pub has_on_conflict: bool,
}

pub const DEFAULT_AUTO_SYNC_INTERVAL_MS: u32 = 60_000;
/// Long enough that typing a title is one request, short enough that other
/// devices see the change at once.
pub const DEFAULT_PUSH_DELAY_MS: u32 = 250;
pub const MAX_PUSH_DELAY_MS: u32 = 60_000;
/// setInterval's own ceiling (2^31 - 1 ms); beyond it browsers fire at once.
pub const MAX_INTERVAL_MS: u32 = 2_147_483_647;

pub fn controller_options(src: &dyn Source) -> Result<ControllerOptions, ConfigError> {
    let interval = number(
        src,
        "autoSyncInterval",
        DEFAULT_AUTO_SYNC_INTERVAL_MS as f64,
        0.0,
        MAX_INTERVAL_MS as f64,
        "a number of milliseconds from 0 (off) to 2147483647",
    )?;
    Ok(ControllerOptions {
        auto_sync_interval_ms: interval.round() as u32,
        sync_on_online: boolean(src, "syncOnOnline", true)?,
        sync_on_visibility: boolean(src, "syncOnVisibility", true)?,
        sync_on_mount: boolean(src, "syncOnMount", true)?,
        push_delay_ms: push_delay(src)?,
        has_on_sync_start: callback(src, "onSyncStart")?,
        has_on_sync_complete: callback(src, "onSyncComplete")?,
        has_on_conflict: callback(src, "onConflict")?,
    })
}

/// `pushDelayMs`: a number of milliseconds, or `false` (like 0) for no push at once.
fn push_delay(src: &dyn Source) -> Result<u32, ConfigError> {
    match src.get("pushDelayMs") {
        Raw::Bool(false) => Ok(0),
        Raw::Bool(true) => {
            Err(bad("pushDelayMs", "a number of milliseconds from 0 (off) to 60000, or false", &Raw::Bool(true)))
        }
        _ => Ok(number(
            src,
            "pushDelayMs",
            DEFAULT_PUSH_DELAY_MS as f64,
            0.0,
            MAX_PUSH_DELAY_MS as f64,
            "a number of milliseconds from 0 (off) to 60000, or false",
        )?
        .round() as u32),
    }
}

/// Options of `initOfflineSync(options)` that shape the engine.
#[derive(Clone, Debug, PartialEq)]
pub struct EngineOptions {
    pub api_base_url: String,
    pub namespace: String,
    pub has_get_auth_token: bool,
    pub request_timeout_ms: u32,
    pub pull_page_size: u32,
    pub max_payload_bytes: u32,
    pub backoff: Backoff,
    /// The named scopes the app declares (`scopes`, parsed apart: it is nested);
    /// the seed's `course` when it declares none.
    pub scopes: Vec<crate::scope::ScopeDef>,
    /// The indexes the app declares (`indexes`, parsed apart: it is nested).
    pub indexes: Vec<crate::indexes::IndexDef>,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            api_base_url: DEFAULT_API_BASE_URL.into(),
            namespace: DEFAULT_NAMESPACE.into(),
            has_get_auth_token: false,
            request_timeout_ms: DEFAULT_REQUEST_TIMEOUT_MS,
            pull_page_size: DEFAULT_PULL_LIMIT,
            max_payload_bytes: DEFAULT_MAX_PAYLOAD_BYTES,
            backoff: Backoff::default(),
            scopes: crate::scope::default_scopes(),
            indexes: Vec::new(),
        }
    }
}

pub const DEFAULT_NAMESPACE: &str = "offline-sync";
pub const DEFAULT_API_BASE_URL: &str = "/api";
pub const DEFAULT_REQUEST_TIMEOUT_MS: u32 = 30_000;
pub const DEFAULT_MAX_PAYLOAD_BYTES: u32 = 1_000_000;

pub fn engine_options(src: &dyn Source) -> Result<EngineOptions, ConfigError> {
    let defaults = Backoff::default();
    let base_ms = number(
        src,
        "retryBaseMs",
        defaults.base_ms as f64,
        1.0,
        86_400_000.0,
        "a number of milliseconds from 1 to 86400000",
    )?;
    let cap_ms = number(
        src,
        "retryMaxMs",
        defaults.cap_ms as f64,
        1.0,
        86_400_000.0,
        "a number of milliseconds from 1 to 86400000",
    )?;
    if cap_ms < base_ms {
        return Err(ConfigError {
            option: "retryMaxMs".into(),
            message: format!("must not be below retryBaseMs ({} < {})", format_number(cap_ms), format_number(base_ms)),
        });
    }
    let namespace = string(src, "namespace", DEFAULT_NAMESPACE)?;
    if namespace.len() > 200 {
        return Err(ConfigError { option: "namespace".into(), message: "must be at most 200 characters".into() });
    }
    Ok(EngineOptions {
        api_base_url: string(src, "apiBaseUrl", DEFAULT_API_BASE_URL)?.trim_end_matches('/').to_string(),
        namespace,
        has_get_auth_token: callback(src, "getAuthToken")?,
        request_timeout_ms: number(
            src,
            "requestTimeoutMs",
            DEFAULT_REQUEST_TIMEOUT_MS as f64,
            1.0,
            600_000.0,
            "a number of milliseconds from 1 to 600000",
        )? as u32,
        pull_page_size: number(
            src,
            "pullPageSize",
            DEFAULT_PULL_LIMIT as f64,
            1.0,
            MAX_PULL_LIMIT as f64,
            "a whole number from 1 to 1000",
        )? as u32,
        max_payload_bytes: number(
            src,
            "maxPayloadBytes",
            DEFAULT_MAX_PAYLOAD_BYTES as f64,
            1.0,
            100_000_000.0,
            "a number of bytes from 1 to 100000000",
        )? as u32,
        backoff: Backoff {
            base_ms: base_ms as u64,
            cap_ms: cap_ms as u64,
            max_attempts: number(
                src,
                "maxAttempts",
                defaults.max_attempts as f64,
                0.0,
                1_000_000.0,
                "a whole number, 0 for no limit",
            )? as u32,
        },
        scopes: crate::scope::default_scopes(),
        indexes: Vec::new(),
    })
}

/// What happens when the server refuses a local change as stale, per entity type
/// (`conflicts` of `initOfflineSync`; docs/conflicts.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConflictPolicy {
    /// The server's version stays; the local change is kept in `conflicts()` for the record.
    ServerWins,
    /// The local change is sent again on top of the server's version, once.
    ClientWins,
    /// The app's `merge(local, server, base)` makes the change sent instead.
    Merge,
    /// Held in `conflicts()` until the app resolves or dismisses it.
    Manual,
}

impl ConflictPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictPolicy::ServerWins => "serverWins",
            ConflictPolicy::ClientWins => "clientWins",
            ConflictPolicy::Merge => "merge",
            ConflictPolicy::Manual => "manual",
        }
    }
}

/// One entry of `conflicts`: a policy name, or `{ merge: fn }`. `merge` is the
/// object's `merge` field (looked at only when `value` is an object).
pub fn conflict_policy(entity: &str, value: &Raw, merge: &Raw) -> Result<ConflictPolicy, ConfigError> {
    let option = format!("conflicts.{entity}");
    let expected = "'serverWins', 'clientWins', 'manual' or { merge: (local, server, base) => merged }";
    match value {
        Raw::String(s) if s == "serverWins" => Ok(ConflictPolicy::ServerWins),
        Raw::String(s) if s == "clientWins" => Ok(ConflictPolicy::ClientWins),
        Raw::String(s) if s == "manual" => Ok(ConflictPolicy::Manual),
        Raw::Object if *merge == Raw::Function => Ok(ConflictPolicy::Merge),
        Raw::Object => Err(ConfigError {
            option: format!("{option}.merge"),
            message: format!("must be a function (local, server, base) => merged (got {})", merge.describe()),
        }),
        other => Err(bad(&option, expected, other)),
    }
}

/// `serviceWorker` of `initOfflineSync`: the URL of a worker script to register
/// (the package's standalone worker, or the app's own), or absent/`false` for none.
pub fn service_worker(src: &dyn Source) -> Result<Option<String>, ConfigError> {
    match src.get("serviceWorker") {
        Raw::Undefined | Raw::Null | Raw::Bool(false) => Ok(None),
        Raw::String(s) if !s.trim().is_empty() => Ok(Some(s)),
        other => Err(bad("serviceWorker", "a script URL, or false", &other)),
    }
}

/// `onEmptyDatabase` of `initOfflineSync`: whether the app gave a function to call
/// when the engine opens an empty database (a first visit, or storage the browser
/// wiped).
pub fn on_empty_database(src: &dyn Source) -> Result<bool, ConfigError> {
    callback(src, "onEmptyDatabase")
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_in_messages() {
        use super::format_number as f;
        assert_eq!(f(3.0), "3");
        assert_eq!(f(-2.5), "-2.5");
        assert_eq!(f(0.1), "0.1");
        assert_eq!(f(1.9999999), "2");
        assert_eq!(f(-0.0), "0");
        assert_eq!(f(f64::NAN), "NaN");
        assert_eq!(f(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(f(1e20), "a number of 10^18 or more");
    }

    use super::*;
    use std::collections::HashMap;

    fn src(pairs: &[(&str, Raw)]) -> impl Fn(&str) -> Raw {
        let m: HashMap<String, Raw> = pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        move |k: &str| m.get(k).cloned().unwrap_or(Raw::Undefined)
    }

    #[test]
    fn controller_defaults_match_the_hook() {
        let o = controller_options(&src(&[])).unwrap();
        assert_eq!(o.auto_sync_interval_ms, 60_000);
        assert!(o.sync_on_online && o.sync_on_visibility && o.sync_on_mount);
        assert!(!o.has_on_sync_start && !o.has_on_sync_complete);
        assert_eq!(o.push_delay_ms, 250);
        let o = controller_options(&src(&[("autoSyncInterval", Raw::Number(0.0))])).unwrap();
        assert_eq!(o.auto_sync_interval_ms, 0);
        for (v, want) in [(Raw::Number(0.0), 0), (Raw::Bool(false), 0), (Raw::Number(40.4), 40)] {
            assert_eq!(controller_options(&src(&[("pushDelayMs", v)])).unwrap().push_delay_ms, want);
        }
        for v in [Raw::Bool(true), Raw::Number(-1.0), Raw::Number(60_001.0), Raw::String("250".into())] {
            let e = controller_options(&src(&[("pushDelayMs", v)])).unwrap_err();
            assert_eq!(e.option, "pushDelayMs");
        }
    }

    #[test]
    fn controller_errors_name_the_option() {
        for v in [Raw::Number(-1.0), Raw::Number(f64::NAN), Raw::String("60".into()), Raw::Number(f64::INFINITY)] {
            let e = controller_options(&src(&[("autoSyncInterval", v)])).unwrap_err();
            assert_eq!(e.option, "autoSyncInterval");
            assert!(e.to_string().starts_with("offline-sync: option `autoSyncInterval` must be"), "{e}");
        }
        let e = controller_options(&src(&[("onSyncStart", Raw::String("x".into()))])).unwrap_err();
        assert_eq!(e.to_string(), "offline-sync: option `onSyncStart` must be a function (got \"x\")");
        let e = controller_options(&src(&[("syncOnOnline", Raw::Number(1.0))])).unwrap_err();
        assert_eq!(e.option, "syncOnOnline");
        let e = controller_options(&src(&[("autoSyncInterval", Raw::Number(f64::NAN))])).unwrap_err();
        assert!(e.message.contains("NaN"));
    }

    #[test]
    fn engine_defaults_and_errors() {
        let o = engine_options(&src(&[])).unwrap();
        assert_eq!(o, EngineOptions::default());
        assert_eq!(o.api_base_url, "/api");
        assert_eq!(o.namespace, "offline-sync");
        assert_eq!(o.request_timeout_ms, 30_000);
        let o = engine_options(&src(&[("apiBaseUrl", Raw::String("http://x/api/".into()))])).unwrap();
        assert_eq!(o.api_base_url, "http://x/api");
        let e = engine_options(&src(&[("namespace", Raw::String(" ".into()))])).unwrap_err();
        assert_eq!(e.option, "namespace");
        let e = engine_options(&src(&[("getAuthToken", Raw::Object)])).unwrap_err();
        assert_eq!(e.option, "getAuthToken");
        let e = engine_options(&src(&[("retryBaseMs", Raw::Number(500.0)), ("retryMaxMs", Raw::Number(100.0))]))
            .unwrap_err();
        assert_eq!(e.option, "retryMaxMs");
        let e = engine_options(&src(&[("requestTimeoutMs", Raw::Number(0.0))])).unwrap_err();
        assert_eq!(e.option, "requestTimeoutMs");
    }

    #[test]
    fn conflict_policies_and_errors_name_the_entity() {
        let f = Raw::Function;
        let none = Raw::Undefined;
        assert_eq!(conflict_policy("lesson", &Raw::String("clientWins".into()), &none), Ok(ConflictPolicy::ClientWins));
        assert_eq!(conflict_policy("note", &Raw::String("manual".into()), &none), Ok(ConflictPolicy::Manual));
        assert_eq!(conflict_policy("x", &Raw::String("serverWins".into()), &none), Ok(ConflictPolicy::ServerWins));
        assert_eq!(conflict_policy("progress", &Raw::Object, &f), Ok(ConflictPolicy::Merge));
        let e = conflict_policy("lesson", &Raw::String("clientWin".into()), &none).unwrap_err();
        assert_eq!(e.option, "conflicts.lesson");
        assert!(e.to_string().contains("\"clientWin\""), "{e}");
        let e = conflict_policy("progress", &Raw::Object, &Raw::String("x".into())).unwrap_err();
        assert_eq!(e.option, "conflicts.progress.merge");
        assert!(conflict_policy("n", &Raw::Function, &none).is_err());
    }

    #[test]
    fn service_worker_option() {
        assert_eq!(service_worker(&src(&[])).unwrap(), None);
        assert_eq!(service_worker(&src(&[("serviceWorker", Raw::Bool(false))])).unwrap(), None);
        assert_eq!(
            service_worker(&src(&[("serviceWorker", Raw::String("/sw.js".into()))])).unwrap().as_deref(),
            Some("/sw.js")
        );
        let e = service_worker(&src(&[("serviceWorker", Raw::Bool(true))])).unwrap_err();
        assert_eq!(e.option, "serviceWorker");
    }

    #[test]
    fn on_empty_database_option() {
        assert!(!on_empty_database(&src(&[])).unwrap());
        assert!(on_empty_database(&src(&[("onEmptyDatabase", Raw::Function)])).unwrap());
        let e = on_empty_database(&src(&[("onEmptyDatabase", Raw::Bool(true))])).unwrap_err();
        assert_eq!(e.option, "onEmptyDatabase");
    }
}
