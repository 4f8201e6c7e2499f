//! Path templates (`/courses/:courseId/lessons`) and dotted JSON paths
//! (`data.pagination.totalPages`) of the REST configuration.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Lit(String),
    Param(String),
}

/// A URL path relative to `apiBaseUrl`, with `:name` placeholders, optionally
/// with a query (`/lessons?courseId=:courseId`). `:id` is always the record's id;
/// other names are fields of the record (or, in a scope path, the scope's id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathTemplate {
    text: String,
    parts: Vec<Part>,
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '$'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

impl PathTemplate {
    pub fn parse(s: &str) -> Result<PathTemplate, String> {
        if !s.starts_with('/') {
            return Err(format!("must be a path starting with `/`, relative to apiBaseUrl (got {s:?})"));
        }
        if s.contains('#') || s.chars().any(char::is_whitespace) {
            return Err(format!("must not contain spaces or `#` (got {s:?})"));
        }
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            if c != ':' {
                lit.push(c);
                continue;
            }
            let mut name = String::new();
            while let Some(&n) = chars.peek() {
                if (name.is_empty() && is_name_start(n)) || (!name.is_empty() && is_name_char(n)) {
                    name.push(n);
                    chars.next();
                } else {
                    break;
                }
            }
            if name.is_empty() {
                return Err(format!("has a `:` that is not followed by a parameter name (in {s:?})"));
            }
            if !lit.is_empty() {
                parts.push(Part::Lit(std::mem::take(&mut lit)));
            }
            parts.push(Part::Param(name));
        }
        if !lit.is_empty() {
            parts.push(Part::Lit(lit));
        }
        Ok(PathTemplate { text: s.to_string(), parts })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Placeholder names, in order.
    pub fn params(&self) -> Vec<&str> {
        self.parts
            .iter()
            .filter_map(|p| match p {
                Part::Param(n) => Some(n.as_str()),
                Part::Lit(_) => None,
            })
            .collect()
    }

    pub fn has_query(&self) -> bool {
        self.text.contains('?')
    }

    /// Fills the placeholders (values percent-encoded); `Err(name)` names the
    /// first placeholder `value` has nothing for.
    pub fn render(&self, value: impl Fn(&str) -> Option<String>) -> Result<String, String> {
        let mut out = String::with_capacity(self.text.len() + 16);
        for p in &self.parts {
            match p {
                Part::Lit(l) => out.push_str(l),
                Part::Param(n) => match value(n).filter(|v| !v.is_empty()) {
                    Some(v) => out.push_str(&encode_component(&v)),
                    None => return Err(n.clone()),
                },
            }
        }
        Ok(out)
    }

    /// Whether both have the same literal text with placeholders in the same
    /// places, whatever their names (`/courses/:courseId` and `/courses/:id`).
    pub fn same_shape(&self, other: &PathTemplate) -> bool {
        self.parts.len() == other.parts.len()
            && self.parts.iter().zip(&other.parts).all(|(a, b)| match (a, b) {
                (Part::Lit(x), Part::Lit(y)) => x == y,
                (Part::Param(_), Part::Param(_)) => true,
                _ => false,
            })
    }
}

impl fmt::Display for PathTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// `encodeURIComponent`: everything but `A-Z a-z 0-9 - _ . ! ~ * ' ( )` as UTF-8 `%XX`.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Where a value sits in a JSON answer: dotted field names, `""` for the body itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JsonPath(Vec<String>);

impl JsonPath {
    pub fn parse(s: &str) -> Result<JsonPath, String> {
        if s.is_empty() {
            return Ok(JsonPath(Vec::new()));
        }
        let segs: Vec<String> = s.split('.').map(str::to_string).collect();
        if segs.iter().any(|x| x.is_empty() || x.chars().any(char::is_whitespace)) {
            return Err(format!(
                "must be dotted field names like \"data.courses\", or \"\" for the body itself (got {s:?})"
            ));
        }
        Ok(JsonPath(segs))
    }

    pub fn segments(&self) -> &[String] {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("the body itself")
        } else {
            write!(f, "`{}`", self.0.join("."))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_parse_and_render() {
        let t = PathTemplate::parse("/courses/:courseId/lessons").unwrap();
        assert_eq!(t.params(), ["courseId"]);
        assert_eq!(t.render(|n| (n == "courseId").then(|| "c 1/2".to_string())).unwrap(), "/courses/c%201%2F2/lessons");
        assert_eq!(t.render(|_| None).unwrap_err(), "courseId");
        assert_eq!(t.render(|_| Some(String::new())).unwrap_err(), "courseId", "an empty value is missing");
        let q = PathTemplate::parse("/lessons?courseId=:courseId").unwrap();
        assert!(q.has_query());
        assert_eq!(q.render(|_| Some("é".into())).unwrap(), "/lessons?courseId=%C3%A9");
        let t = PathTemplate::parse("/a/:id.json").unwrap();
        assert_eq!(t.params(), ["id"]);
        assert_eq!(t.render(|_| Some("x".into())).unwrap(), "/a/x.json");
        assert_eq!(PathTemplate::parse("/plain").unwrap().params(), Vec::<&str>::new());
    }

    #[test]
    fn bad_templates() {
        assert!(PathTemplate::parse("courses").unwrap_err().contains("starting with `/`"));
        assert!(PathTemplate::parse("/a/:/b").unwrap_err().contains("parameter name"));
        assert!(PathTemplate::parse("/a/:1").is_err());
        assert!(PathTemplate::parse("/a b").is_err());
        assert!(PathTemplate::parse("/a#b").is_err());
    }

    #[test]
    fn shapes() {
        let a = PathTemplate::parse("/courses/:courseId").unwrap();
        let b = PathTemplate::parse("/courses/:id").unwrap();
        let c = PathTemplate::parse("/courses/:courseId/lessons").unwrap();
        assert!(a.same_shape(&b));
        assert!(!c.same_shape(&b));
        assert!(!PathTemplate::parse("/lessons/:id").unwrap().same_shape(&b));
    }

    #[test]
    fn encoding_matches_encode_uri_component() {
        assert_eq!(encode_component("AZaz09-_.!~*'()"), "AZaz09-_.!~*'()");
        assert_eq!(encode_component("a b&c=d/e?f:g"), "a%20b%26c%3Dd%2Fe%3Ff%3Ag");
        assert_eq!(encode_component("ü€"), "%C3%BC%E2%82%AC");
    }

    #[test]
    fn json_paths() {
        assert!(JsonPath::parse("").unwrap().is_root());
        assert_eq!(JsonPath::parse("data.courses").unwrap().segments(), ["data", "courses"]);
        assert!(JsonPath::parse("data..x").is_err());
        assert!(JsonPath::parse(".").is_err());
        assert_eq!(JsonPath::parse("data.x").unwrap().to_string(), "`data.x`");
        assert_eq!(JsonPath::default().to_string(), "the body itself");
    }
}
