//! What kind of failure a failed request or write is, which decides what the
//! engine does next: retry later, set the entry aside, ask for a new token, or
//! stop and tell the app.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The server could not be reached (offline, DNS, refused, timed out): try again
    /// later. Being offline is normal, so this never counts toward `maxAttempts`.
    Network,
    /// The server answered 5xx, 408, 425 or 429: try again later, honouring `Retry-After`.
    Transient,
    /// The server will never accept this request as it is (other 4xx, a rejected body).
    Permanent,
    /// The token was refused (401) even after asking the app for a fresh one.
    Auth,
    /// The server answered something that is not the protocol (wrong shape, bad JSON).
    Protocol,
    /// IndexedDB failed (quota, closed database, blocked upgrade).
    Storage,
    /// The app passed something invalid.
    Input,
}

impl ErrorKind {
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorKind::Network | ErrorKind::Transient | ErrorKind::Protocol)
    }

    /// Whether a failure of this kind counts toward an entry's `maxAttempts`: only
    /// when the server was reached and still failed.
    pub fn counts_as_attempt(self) -> bool {
        matches!(self, ErrorKind::Transient | ErrorKind::Protocol)
    }

    /// The kind with this `name()`, for errors that crossed to another tab.
    pub fn from_name(name: &str) -> Option<ErrorKind> {
        [
            ErrorKind::Network,
            ErrorKind::Transient,
            ErrorKind::Permanent,
            ErrorKind::Auth,
            ErrorKind::Protocol,
            ErrorKind::Storage,
            ErrorKind::Input,
        ]
        .into_iter()
        .find(|k| k.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Network => "network",
            ErrorKind::Transient => "server",
            ErrorKind::Permanent => "rejected",
            ErrorKind::Auth => "auth",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Storage => "storage",
            ErrorKind::Input => "input",
        }
    }
}

/// Classifies an HTTP status the server answered with.
pub fn classify_status(status: u16) -> ErrorKind {
    match status {
        401 => ErrorKind::Auth,
        408 | 425 | 429 => ErrorKind::Transient,
        400..=499 => ErrorKind::Permanent,
        _ => ErrorKind::Transient,
    }
}

/// An error with its kind and a message meant for a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncError {
    pub kind: ErrorKind,
    pub message: String,
    /// Milliseconds the server asked us to wait (`Retry-After`), when it did.
    pub retry_after_ms: Option<u64>,
    /// The HTTP status the server answered, when it answered one.
    pub status: Option<u16>,
}

impl SyncError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        SyncError { kind, message: message.into(), retry_after_ms: None, status: None }
    }

    pub fn with_status(mut self, status: Option<u16>) -> Self {
        self.status = status;
        self
    }

    pub fn with_retry_after(mut self, ms: Option<u64>) -> Self {
        self.retry_after_ms = ms;
        self
    }
}

impl fmt::Display for SyncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SyncError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(classify_status(500), ErrorKind::Transient);
        assert_eq!(classify_status(503), ErrorKind::Transient);
        assert_eq!(classify_status(429), ErrorKind::Transient);
        assert_eq!(classify_status(408), ErrorKind::Transient);
        assert_eq!(classify_status(401), ErrorKind::Auth);
        assert_eq!(classify_status(400), ErrorKind::Permanent);
        assert_eq!(classify_status(404), ErrorKind::Permanent);
        assert_eq!(classify_status(413), ErrorKind::Permanent);
        assert!(ErrorKind::Transient.is_retryable());
        assert!(ErrorKind::Network.is_retryable());
        assert!(!ErrorKind::Network.counts_as_attempt(), "being offline never uses up attempts");
        assert!(ErrorKind::Transient.counts_as_attempt());
        for k in [ErrorKind::Network, ErrorKind::Transient, ErrorKind::Auth, ErrorKind::Storage, ErrorKind::Input] {
            assert_eq!(ErrorKind::from_name(k.name()), Some(k));
        }
        assert_eq!(ErrorKind::from_name("nope"), None);
        assert!(!ErrorKind::Permanent.is_retryable());
        assert!(!ErrorKind::Auth.is_retryable());
    }
}
