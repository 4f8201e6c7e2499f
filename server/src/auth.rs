//! Bearer-token authentication. A token maps to exactly one user; everything a
//! handler does afterwards is scoped to that user.

use crate::http::{ApiError, JsonBody};
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

/// Prefix of development tokens: `dev-<user>` is user `<user>` with `--dev-tokens`.
pub const DEV_PREFIX: &str = "dev-";

/// The authenticated user of a request, put in its extensions by [`require_user`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthUser(pub String);

/// User names: 1..=64 chars of `[A-Za-z0-9_-]`, so they are safe in tokens,
/// logs and query strings.
pub fn valid_user(s: &str) -> bool {
    (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[derive(Clone, Debug, Default)]
pub struct Auth {
    tokens: HashMap<String, String>,
    dev_tokens: bool,
}

impl Auth {
    pub fn new(tokens: &[(String, String)], dev_tokens: bool) -> anyhow::Result<Auth> {
        let mut map = HashMap::new();
        for (token, user) in tokens {
            anyhow::ensure!(!token.is_empty(), "empty token for user {user:?}");
            anyhow::ensure!(valid_user(user), "invalid user name {user:?}: use 1-64 characters of A-Z a-z 0-9 _ -");
            map.insert(token.clone(), user.clone());
        }
        Ok(Auth { tokens: map, dev_tokens })
    }

    pub fn dev_tokens(&self) -> bool {
        self.dev_tokens
    }

    pub fn has_any(&self) -> bool {
        self.dev_tokens || !self.tokens.is_empty()
    }

    /// The user a bearer token stands for, if any.
    pub fn user_for(&self, token: &str) -> Option<String> {
        if let Some(u) = self.tokens.get(token) {
            return Some(u.clone());
        }
        let user = token.strip_prefix(DEV_PREFIX).filter(|_| self.dev_tokens)?;
        valid_user(user).then(|| user.to_string())
    }
}

fn bearer(req: &Request) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

/// Middleware: 401 unless the request carries a known bearer token.
pub async fn require_user(State(state): State<AppState>, mut req: Request, next: Next) -> Result<Response, ApiError> {
    let user = match bearer(&req) {
        None => return Err(ApiError::unauthorized("missing bearer token (send Authorization: Bearer <token>)")),
        Some(token) => {
            state.auth.user_for(token).ok_or_else(|| ApiError::unauthorized("unknown or expired access token"))?
        }
    };
    req.extensions_mut().insert(AuthUser(user));
    Ok(next.run(req).await)
}

#[derive(Deserialize)]
pub struct RefreshRequest {
    user: String,
}

/// `POST /auth/refresh` for development: with `--dev-tokens`, `{"user":"u"}` gets
/// `{"accessToken":"dev-u"}`. A real backend would check a refresh token here.
pub async fn refresh(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<RefreshRequest>,
) -> Result<Json<Value>, ApiError> {
    if !state.auth.dev_tokens() {
        return Err(ApiError::unauthorized("token refresh is only available with --dev-tokens"));
    }
    if !valid_user(&body.user) {
        return Err(ApiError::bad_request("user must be 1-64 characters of A-Z a-z 0-9 _ -"));
    }
    Ok(Json(json!({
        "accessToken": format!("{DEV_PREFIX}{}", body.user),
        "tokenType": "Bearer",
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        let a = Auth::new(&[("secret".into(), "alice".into())], false).unwrap();
        assert_eq!(a.user_for("secret").as_deref(), Some("alice"));
        assert_eq!(a.user_for("dev-bob"), None);
        let a = Auth::new(&[], true).unwrap();
        assert_eq!(a.user_for("dev-bob").as_deref(), Some("bob"));
        assert_eq!(a.user_for("dev-a-b_1").as_deref(), Some("a-b_1"));
        assert_eq!(a.user_for("dev-"), None);
        assert_eq!(a.user_for("dev-a/b"), None);
        assert_eq!(a.user_for(&format!("dev-{}", "x".repeat(65))), None);
        assert!(Auth::new(&[("t".into(), "bad user".into())], false).is_err());
    }
}
