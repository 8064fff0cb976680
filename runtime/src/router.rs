//! The router: a segment trie compiled once from the route tables.
//!
//! Matching walks the path once, segment by segment, trying the static child before the
//! parameter child before a trailing wildcard (backtracking only when a static branch dead-ends).
//! It neither allocates nor scans the route list: cost grows with the path's length, not with the
//! number of routes. Captured parameters are byte ranges into the path.

use crate::codegen::Method;

/// The most parameters a route template may have.
pub const MAX_PARAMS: usize = 4;

/// A parameter captured from the path: its byte range.
pub type Capture = (u16, u16);

/// The result of matching a path and method.
#[derive(Debug, PartialEq, Eq)]
pub enum Match {
    /// A route answers: its index and the captured parameters, in template order.
    Found {
        /// Index of the route, in the order routes were inserted.
        route: usize,
        /// Byte ranges of the parameters; the first `len` are set.
        captures: [Capture; MAX_PARAMS],
        /// How many captures are set.
        len: usize,
    },
    /// The path is known but not with this method; the methods it answers.
    MethodNotAllowed(Vec<Method>),
    /// No route has this path.
    NotFound,
}

/// An error building the router.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouterError {
    /// Two routes with the same method and path.
    #[error("two routes answer {method} {path}")]
    Duplicate {
        /// The method.
        method: Method,
        /// The path template.
        path: String,
    },
    /// A malformed template.
    #[error("invalid route template {path:?}: {reason}")]
    Template {
        /// The path template.
        path: String,
        /// What is wrong.
        reason: &'static str,
    },
}

#[derive(Default, Debug)]
struct Node {
    /// Static children, sorted by segment for binary search.
    statics: Vec<(Box<str>, Node)>,
    /// The `{param}` child.
    param: Option<Box<Node>>,
    /// Routes ending in `{param:*}` here, by method.
    wildcard: Option<Endpoints>,
    /// Routes ending here, by method.
    endpoints: Option<Endpoints>,
}

/// Route index per method.
#[derive(Default, Debug, Clone, Copy)]
struct Endpoints([Option<u32>; 7]);

impl Endpoints {
    fn get(&self, method: Method) -> Option<usize> {
        let found = self.0[method as usize].map(|i| i as usize);
        // HEAD is answered as GET unless a route says otherwise, as go's net/http does.
        found.or_else(|| {
            (method == Method::Head)
                .then(|| self.0[Method::Get as usize])
                .flatten()
                .map(|i| i as usize)
        })
    }

    fn allowed(&self) -> Vec<Method> {
        Method::ALL
            .into_iter()
            .filter(|m| self.0[*m as usize].is_some())
            .collect()
    }
}

/// A compiled set of routes.
#[derive(Default, Debug)]
pub struct Router {
    root: Node,
    count: usize,
}

impl Router {
    /// An empty router.
    pub fn new() -> Router {
        Router::default()
    }

    /// How many routes were inserted.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether no route was inserted.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Adds a route; its index is the number of routes inserted before it. Templates are
    /// absolute paths whose segments are literals, `{param}` or, last, `{param:*}`.
    pub fn insert(&mut self, method: Method, template: &str) -> Result<usize, RouterError> {
        let bad = |reason| RouterError::Template {
            path: template.to_string(),
            reason,
        };
        let rest = template
            .strip_prefix('/')
            .ok_or_else(|| bad("must start with `/`"))?;
        let segments: Vec<&str> = if rest.is_empty() {
            Vec::new()
        } else {
            rest.split('/').collect()
        };
        let params = segments.iter().filter(|s| s.starts_with('{')).count();
        if params > MAX_PARAMS {
            return Err(bad("too many parameters"));
        }
        let mut node = &mut self.root;
        for (i, segment) in segments.iter().enumerate() {
            if segment.is_empty() {
                return Err(bad("empty segment"));
            }
            match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(param) if param.ends_with(":*") => {
                    if i + 1 != segments.len() {
                        return Err(bad("a `{name:*}` wildcard must be the last segment"));
                    }
                    let slot = node.wildcard.get_or_insert_with(Endpoints::default);
                    return Self::put(slot, &mut self.count, method, template);
                }
                Some(_) => node = node.param.get_or_insert_with(Box::default),
                None if segment.contains(['{', '}']) => {
                    return Err(bad("a parameter must be a whole segment"))
                }
                None => {
                    let at = match node.statics.binary_search_by(|(s, _)| (**s).cmp(segment)) {
                        Ok(at) => at,
                        Err(at) => {
                            node.statics
                                .insert(at, ((*segment).into(), Node::default()));
                            at
                        }
                    };
                    node = &mut node.statics[at].1;
                }
            }
        }
        let slot = node.endpoints.get_or_insert_with(Endpoints::default);
        Self::put(slot, &mut self.count, method, template)
    }

    fn put(
        slot: &mut Endpoints,
        count: &mut usize,
        method: Method,
        template: &str,
    ) -> Result<usize, RouterError> {
        let entry = &mut slot.0[method as usize];
        if entry.is_some() {
            return Err(RouterError::Duplicate {
                method,
                path: template.to_string(),
            });
        }
        let index = *count;
        *entry = Some(u32::try_from(index).unwrap_or(u32::MAX));
        *count += 1;
        Ok(index)
    }

    /// Finds the route answering `method` on `path` (without the query string).
    pub fn find(&self, method: Method, path: &str) -> Match {
        let mut captures = [(0u16, 0u16); MAX_PARAMS];
        if path.len() > usize::from(u16::MAX) || !path.starts_with('/') {
            return Match::NotFound;
        }
        // A trailing slash names the same resource, as go-restful's CurlyRouter treats it.
        let trimmed = path
            .strip_suffix('/')
            .filter(|p| !p.is_empty())
            .unwrap_or(path);
        match walk(&self.root, trimmed, 1, &mut captures, 0) {
            Some((endpoints, len)) => match endpoints.get(method) {
                Some(route) => Match::Found {
                    route,
                    captures,
                    len,
                },
                None => Match::MethodNotAllowed(endpoints.allowed()),
            },
            None => Match::NotFound,
        }
    }
}

/// Matches `path[at..]` below `node`; returns the endpoints reached and the capture count.
fn walk<'n>(
    node: &'n Node,
    path: &str,
    at: usize,
    captures: &mut [Capture; MAX_PARAMS],
    len: usize,
) -> Option<(&'n Endpoints, usize)> {
    if at >= path.len() {
        return node.endpoints.as_ref().map(|e| (e, len));
    }
    let end = path[at..].find('/').map_or(path.len(), |i| at + i);
    let segment = &path[at..end];
    if segment.is_empty() {
        return None;
    }
    if let Ok(i) = node.statics.binary_search_by(|(s, _)| (**s).cmp(segment)) {
        if let Some(found) = walk(&node.statics[i].1, path, end + 1, captures, len) {
            return Some(found);
        }
    }
    if len < MAX_PARAMS {
        if let Some(param) = &node.param {
            captures[len] = (at as u16, end as u16);
            if let Some(found) = walk(param, path, end + 1, captures, len + 1) {
                return Some(found);
            }
        }
        if let Some(wildcard) = &node.wildcard {
            captures[len] = (at as u16, path.len() as u16);
            return Some((wildcard, len + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router(routes: &[(Method, &str)]) -> Router {
        let mut r = Router::new();
        for (m, p) in routes {
            r.insert(*m, p).unwrap();
        }
        r
    }

    fn found(r: &Router, m: Method, path: &str) -> Option<(usize, Vec<String>)> {
        match r.find(m, path) {
            Match::Found {
                route,
                captures,
                len,
            } => Some((
                route,
                captures[..len]
                    .iter()
                    .map(|(a, b)| path[*a as usize..*b as usize].to_string())
                    .collect(),
            )),
            _ => None,
        }
    }

    #[test]
    fn static_wins_over_param_and_backtracks() {
        let r = router(&[
            (Method::Get, "/apis/g/v/namespaces/{namespace}/widgets"),
            (Method::Get, "/apis/g/v/namespaces/{name}"),
            (Method::Get, "/apis/g/v/{x}/y/special"),
            (Method::Get, "/apis/g/v/namespaces/default"),
        ]);
        assert_eq!(
            found(&r, Method::Get, "/apis/g/v/namespaces/ns1/widgets"),
            Some((0, vec!["ns1".into()]))
        );
        assert_eq!(
            found(&r, Method::Get, "/apis/g/v/namespaces/ns1"),
            Some((1, vec!["ns1".into()]))
        );
        assert_eq!(
            found(&r, Method::Get, "/apis/g/v/namespaces/default"),
            Some((3, vec![]))
        );
        // `namespaces` is a static child, but its subtree has no `y/special`: backtrack to `{x}`.
        assert_eq!(
            found(&r, Method::Get, "/apis/g/v/namespaces/y/special"),
            Some((2, vec!["namespaces".into()]))
        );
    }

    #[test]
    fn wildcards_methods_and_misses() {
        let r = router(&[
            (Method::Get, "/w/{name}/logs"),
            (Method::Get, "/w/{name}/logs/{path:*}"),
            (Method::Post, "/w/{name}/logs"),
        ]);
        assert_eq!(
            found(&r, Method::Get, "/w/a/logs/x/y/z"),
            Some((1, vec!["a".into(), "x/y/z".into()]))
        );
        assert_eq!(
            found(&r, Method::Post, "/w/a/logs"),
            Some((2, vec!["a".into()]))
        );
        assert_eq!(
            found(&r, Method::Head, "/w/a/logs"),
            Some((0, vec!["a".into()]))
        );
        assert_eq!(
            found(&r, Method::Get, "/w/a/logs/"),
            Some((0, vec!["a".into()]))
        );
        assert_eq!(
            r.find(Method::Delete, "/w/a/logs"),
            Match::MethodNotAllowed(vec![Method::Get, Method::Post])
        );
        assert_eq!(r.find(Method::Get, "/w/a"), Match::NotFound);
        assert_eq!(r.find(Method::Get, "/w//logs"), Match::NotFound);
        assert_eq!(r.find(Method::Get, "w/a/logs"), Match::NotFound);
        assert_eq!(r.find(Method::Get, ""), Match::NotFound);
    }

    #[test]
    fn rejects_duplicates_and_bad_templates() {
        let mut r = Router::new();
        r.insert(Method::Get, "/a/{b}").unwrap();
        assert!(matches!(
            r.insert(Method::Get, "/a/{c}"),
            Err(RouterError::Duplicate { .. })
        ));
        assert!(r.insert(Method::Get, "a").is_err());
        assert!(r.insert(Method::Get, "/a/{p:*}/b").is_err());
        assert!(r.insert(Method::Get, "/a/x{y}").is_err());
        assert!(r.insert(Method::Get, "/a//b").is_err());
        assert_eq!(r.insert(Method::Get, "/").unwrap(), 1);
        assert_eq!(found(&r, Method::Get, "/"), Some((1, vec![])));
    }
}
