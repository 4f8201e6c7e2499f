//! Pure rules of the REST transport: an app whose backend is a plain REST API
//! (`GET /courses`, `POST /courses`, `PATCH /courses/:id` ...) describes its
//! resources in `initOfflineSync({ rest })`, and these modules turn that into
//! validated configuration, the request each queued change becomes, the meaning
//! of each answer, and the paging of a scope. The browser side
//! (`src/transport/rest.rs`) only sends what these decide. See `docs/rest.md`.

pub mod config;
pub mod path;
pub mod plan;

pub use config::{
    rest_option, transport_option, Custom, Method, Pagination, Resource, RestConfig, Route, ScopePath, Tree,
};
pub use path::{JsonPath, PathTemplate};
pub use plan::{classify_write, plan_write, Body, ListCursor, Step, WriteAnswer, WritePlan};

use crate::config::Raw;

/// A record's id as the local store keys it: a non-empty string, or a whole
/// number in its decimal form (`_id: 42` is `"42"`).
pub fn id_text(raw: &Raw) -> Option<String> {
    match raw {
        Raw::String(s) if !s.is_empty() && s.len() <= 200 => Some(s.clone()),
        Raw::Number(n) if n.is_finite() && n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0 => {
            Some((*n as i64).to_string())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert_eq!(id_text(&Raw::String("c1".into())).as_deref(), Some("c1"));
        assert_eq!(id_text(&Raw::Number(42.0)).as_deref(), Some("42"));
        assert_eq!(id_text(&Raw::Number(-3.0)).as_deref(), Some("-3"));
        assert_eq!(id_text(&Raw::Number(1.5)), None);
        assert_eq!(id_text(&Raw::String(String::new())), None);
        assert_eq!(id_text(&Raw::Null), None);
        assert_eq!(id_text(&Raw::Object), None);
    }
}
