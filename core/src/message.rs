//! What `status.error` says: a sentence for the person using the app, by kind of
//! failure. The developer's message (with the URL and the browser's own words, such
//! as "Failed to fetch") stays in `SyncResult.error` and the console.

use crate::error::{ErrorKind, SyncError};

/// What to tell a person about `e`; `online` is whether the device says it is.
pub fn for_person(e: &SyncError, online: bool) -> String {
    const KEPT: &str = "Your changes are kept on this device";
    let code = e.status.map(|s| format!(" (HTTP {s})")).unwrap_or_default();
    match e.kind {
        ErrorKind::Network if !online => format!("This device is offline. {KEPT} and will be sent once it is back online."),
        ErrorKind::Network => {
            format!("Cannot reach the server (network error). {KEPT} and will be sent once it can be reached.")
        }
        ErrorKind::Transient if e.status == Some(429) => {
            format!("The server is busy (HTTP 429). {KEPT} and will be sent on the next try.")
        }
        ErrorKind::Transient => format!("The server had a problem{code}. {KEPT} and will be sent on the next try."),
        ErrorKind::Permanent => format!("The server refused to sync{code}. {KEPT}; the app may need an update."),
        ErrorKind::Auth => format!("Your session has expired: please sign in again. {KEPT}."),
        ErrorKind::Protocol => {
            format!("The server sent an answer this app does not understand. {KEPT} and will be sent on the next try.")
        }
        ErrorKind::Storage if mentions(&e.message, "QuotaExceededError") => format!(
            "This device has no storage space left for this site (QuotaExceededError). Free some space; {}.",
            "nothing waiting to be sent was lost"
        ),
        ErrorKind::Storage if mentions(&e.message, "VersionError") => {
            "A newer version of this app is open in another tab: please reload this page.".into()
        }
        ErrorKind::Storage => {
            "The browser's storage for this site failed; reloading the page may help. Nothing waiting to be sent was lost."
                .into()
        }
        ErrorKind::Input => "The app asked for something invalid; the details are in the console.".into(),
    }
}

/// `str::contains` without the two-way search it brings into the wasm (3 KB).
fn mentions(text: &str, word: &str) -> bool {
    text.as_bytes().windows(word.len()).any(|w| w == word.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(kind: ErrorKind, message: &str, status: Option<u16>) -> SyncError {
        SyncError::new(kind, message).with_status(status)
    }

    #[test]
    fn no_url_and_no_browser_words() {
        let net = e(
            ErrorKind::Network,
            "GET http://x/api/sync/pull failed: network error (TypeError: Failed to fetch)",
            None,
        );
        for m in [for_person(&net, true), for_person(&net, false)] {
            assert!(!m.contains("http") && !m.contains("Failed to fetch") && !m.contains("/api"), "{m}");
        }
        assert!(for_person(&net, true).contains("Cannot reach the server"));
        assert!(for_person(&net, false).contains("offline"));
    }

    #[test]
    fn each_kind_says_what_happened() {
        let m = for_person(&e(ErrorKind::Transient, "GET http://x answered 503: down", Some(503)), true);
        assert!(m.contains("(HTTP 503)") && !m.contains("http://"), "{m}");
        assert!(for_person(&e(ErrorKind::Transient, "", Some(429)), true).contains("busy (HTTP 429)"));
        assert!(for_person(&e(ErrorKind::Auth, "", Some(401)), true).contains("sign in again"));
        assert!(for_person(&e(ErrorKind::Permanent, "", Some(403)), true).contains("refused to sync (HTTP 403)"));
        let quota = e(ErrorKind::Storage, "IndexedDB write failed: QuotaExceededError: full", None);
        assert!(for_person(&quota, true).contains("storage space"));
        assert!(for_person(&e(ErrorKind::Storage, "VersionError", None), true).contains("reload"));
        assert!(for_person(&e(ErrorKind::Protocol, "", None), true).contains("does not understand"));
    }
}
