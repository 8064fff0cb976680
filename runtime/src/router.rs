//! The router: a segment trie compiled once from the route tables.
//!
//! Matching walks the path once, segment by segment, trying the static child before the
//! parameter child before a trailing wildcard (backtracking only when a static branch dead-ends
//! and the node has another kind of child). It neither allocates nor scans the route list: cost
//! grows with the path's length, not with the number of routes. Captured parameters are byte
//! ranges into the path.
//!
//! Each segment is cut eight bytes at a time (a SWAR search for `/`). Where the node has static
//! children, a hash of the segment's first eight bytes picks the child in a small open-addressed
//! table, and the slot's copy of those bytes, the length and (for longer segments) one comparison
//! of the rest confirm it. So a segment costs the same whether its node has two children or five
//! hundred.

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

/// No node, no endpoints, an empty slot.
const NONE: u32 = u32::MAX;

/// A trie node; children and endpoints are indexes into the router's vectors.
#[derive(Debug, Clone)]
struct Node {
    /// Static children, open-addressed by segment hash (a power of two long, at most half
    /// full); empty when there are none.
    statics: Box<[Slot]>,
    /// How many static children.
    static_count: u32,
    /// The `{param}` child.
    param: u32,
    /// Routes ending in `{param:*}` here, by method.
    wildcard: u32,
    /// Routes ending here, by method.
    endpoints: u32,
}

impl Node {
    fn new() -> Node {
        Node {
            statics: Box::default(),
            static_count: 0,
            param: NONE,
            wildcard: NONE,
            endpoints: NONE,
        }
    }
}

/// One entry of a node's static-children table.
#[derive(Debug, Clone, Copy)]
struct Slot {
    /// The segment's first eight bytes (fewer zero-extended), little-endian.
    head: u64,
    /// The child node, or [`NONE`] for an empty slot.
    child: u32,
    /// The segment's length.
    len: u32,
    /// Where the segment's bytes after the first eight start in the router's `segments`.
    rest: u32,
}

const EMPTY: Slot = Slot {
    head: 0,
    child: NONE,
    len: 0,
    rest: 0,
};

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
#[derive(Debug, Clone)]
pub struct Router {
    /// The trie; the root is node 0.
    nodes: Vec<Node>,
    /// Endpoints of the nodes and wildcards.
    endpoints: Vec<Endpoints>,
    /// The static segments' bytes after their first eight, one after the other.
    segments: Vec<u8>,
    count: usize,
}

impl Default for Router {
    fn default() -> Router {
        Router {
            nodes: vec![Node::new()],
            endpoints: Vec::new(),
            segments: Vec::new(),
            count: 0,
        }
    }
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
        let mut node = 0usize;
        for (i, segment) in segments.iter().enumerate() {
            if segment.is_empty() {
                return Err(bad("empty segment"));
            }
            match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(param) if param.ends_with(":*") => {
                    if i + 1 != segments.len() {
                        return Err(bad("a `{name:*}` wildcard must be the last segment"));
                    }
                    let slot = self.endpoints_of(node, true);
                    return self.put(slot, method, template);
                }
                Some(_) => {
                    if self.nodes[node].param == NONE {
                        self.nodes[node].param = self.push_node();
                    }
                    node = self.nodes[node].param as usize;
                }
                None if segment.contains(['{', '}']) => {
                    return Err(bad("a parameter must be a whole segment"))
                }
                None => node = self.static_child(node, segment.as_bytes()),
            }
        }
        let slot = self.endpoints_of(node, false);
        self.put(slot, method, template)
    }

    fn push_node(&mut self) -> u32 {
        self.nodes.push(Node::new());
        index(self.nodes.len() - 1)
    }

    /// The endpoints of `node` (its wildcard's with `wildcard`), created if missing.
    fn endpoints_of(&mut self, node: usize, wildcard: bool) -> usize {
        let node = &mut self.nodes[node];
        let slot = if wildcard {
            &mut node.wildcard
        } else {
            &mut node.endpoints
        };
        if *slot == NONE {
            self.endpoints.push(Endpoints::default());
            *slot = index(self.endpoints.len() - 1);
        }
        *slot as usize
    }

    /// The static child `segment` of `node`, created if missing.
    fn static_child(&mut self, node: usize, segment: &[u8]) -> usize {
        let (_, head) = scan(segment, 0);
        if let Some(child) = self.lookup(&self.nodes[node], head, segment) {
            return child as usize;
        }
        let child = self.push_node();
        let rest = index(self.segments.len());
        self.segments
            .extend_from_slice(segment.get(8..).unwrap_or_default());
        let node = &mut self.nodes[node];
        node.static_count += 1;
        if node.static_count as usize * 2 > node.statics.len() {
            let size = (node.static_count as usize * 2).next_power_of_two().max(2);
            let old = std::mem::replace(&mut node.statics, vec![EMPTY; size].into_boxed_slice());
            for slot in old.iter().filter(|s| s.child != NONE) {
                place(&mut node.statics, *slot);
            }
        }
        place(
            &mut node.statics,
            Slot {
                head,
                child,
                len: index(segment.len()),
                rest,
            },
        );
        child as usize
    }

    /// The static child of `node` whose segment is `segment`, whose first eight bytes are
    /// `head` ([`scan`]).
    #[inline(always)]
    fn lookup(&self, node: &Node, head: u64, segment: &[u8]) -> Option<u32> {
        let mask = node.statics.len().wrapping_sub(1);
        let mut i = bucket(head) & mask;
        loop {
            let slot = node.statics.get(i)?;
            if slot.child == NONE {
                return None;
            }
            if slot.head == head && slot.len as usize == segment.len() {
                let more = segment.len().saturating_sub(8);
                if more == 0
                    || same_bytes(&self.segments[slot.rest as usize..][..more], &segment[8..])
                {
                    return Some(slot.child);
                }
            }
            i = (i + 1) & mask;
        }
    }

    fn put(&mut self, slot: usize, method: Method, template: &str) -> Result<usize, RouterError> {
        let entry = &mut self.endpoints[slot].0[method as usize];
        if entry.is_some() {
            return Err(RouterError::Duplicate {
                method,
                path: template.to_string(),
            });
        }
        let index = self.count;
        *entry = Some(u32::try_from(index).unwrap_or(u32::MAX));
        self.count += 1;
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
        match self.walk(0, trimmed.as_bytes(), 1, &mut captures, 0) {
            Some((endpoints, len)) => {
                let endpoints = &self.endpoints[endpoints as usize];
                match endpoints.get(method) {
                    Some(route) => Match::Found {
                        route,
                        captures,
                        len,
                    },
                    None => Match::MethodNotAllowed(endpoints.allowed()),
                }
            }
            None => Match::NotFound,
        }
    }

    /// Matches `path[at..]` below `node`; returns the endpoints reached and the capture count.
    /// Recurses only where a node offers a second way on (a static child and a parameter or
    /// wildcard, or a parameter and a wildcard); elsewhere it loops.
    fn walk(
        &self,
        mut node: u32,
        path: &[u8],
        mut at: usize,
        captures: &mut [Capture; MAX_PARAMS],
        mut len: usize,
    ) -> Option<(u32, usize)> {
        loop {
            let n = &self.nodes[node as usize];
            if at >= path.len() {
                return (n.endpoints != NONE).then_some((n.endpoints, len));
            }
            let (end, head) = scan(path, at);
            if n.static_count != 0 {
                if let Some(child) = self.lookup(n, head, &path[at..end]) {
                    if n.param == NONE && n.wildcard == NONE {
                        node = child;
                        at = end + 1;
                        continue;
                    }
                    if let Some(found) = self.walk(child, path, end + 1, captures, len) {
                        return Some(found);
                    }
                }
            }
            if end == at || len >= MAX_PARAMS {
                return None;
            }
            if n.param != NONE {
                captures[len] = (at as u16, end as u16);
                if n.wildcard == NONE {
                    node = n.param;
                    at = end + 1;
                    len += 1;
                    continue;
                }
                if let Some(found) = self.walk(n.param, path, end + 1, captures, len + 1) {
                    return Some(found);
                }
            }
            if n.wildcard != NONE {
                captures[len] = (at as u16, path.len() as u16);
                return Some((n.wildcard, len + 1));
            }
            return None;
        }
    }
}

/// `n` as a `u32` index; a router of four billion nodes is not a use case.
fn index(n: usize) -> u32 {
    u32::try_from(n).expect("router tables hold fewer than 2^32 entries")
}

/// Puts `slot` in the first free place of its probe sequence.
fn place(table: &mut [Slot], slot: Slot) {
    let mask = table.len() - 1;
    let mut i = bucket(slot.head) & mask;
    while table[i].child != NONE {
        i = (i + 1) & mask;
    }
    table[i] = slot;
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;
const SLASHES: u64 = ONES * b'/' as u64;
/// FxHash's multiplier.
const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

/// The bytes of `w` (little-endian) that are `/`, as their high bits.
#[inline]
fn slashes(w: u64) -> u64 {
    let x = w ^ SLASHES;
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// The eight bytes of `path` from `i` as a little-endian word, or the fewer that remain
/// (zero-extended) and how many they are.
#[inline]
fn word(path: &[u8], i: usize) -> (u64, usize) {
    if let Some(chunk) = path.get(i..).and_then(<[u8]>::first_chunk::<8>) {
        return (u64::from_le_bytes(*chunk), 8);
    }
    let rest = path.len().saturating_sub(i);
    if rest == 0 {
        return (0, 0);
    }
    if let Some(last) = path.last_chunk::<8>() {
        // The last eight bytes, shifted so that `path[i]` is the low byte.
        return (u64::from_le_bytes(*last) >> (8 * (8 - rest)), rest);
    }
    let mut w = 0;
    for (k, b) in path[i..].iter().enumerate() {
        w |= u64::from(*b) << (8 * k);
    }
    (w, rest)
}

/// The end of the segment starting at `at` (the next `/`, or the end of the path), and its first
/// eight bytes (fewer zero-extended) as a little-endian word.
#[inline]
fn scan(path: &[u8], at: usize) -> (usize, u64) {
    let (w, n) = word(path, at);
    let found = slashes(w);
    if found != 0 {
        let n = (found.trailing_zeros() / 8) as usize;
        // `n` < 8; a mask of the bytes before the slash.
        return (at + n, w & ((1 << (8 * n)) - 1));
    }
    if n < 8 {
        return (at + n, w);
    }
    let mut i = at + 8;
    loop {
        let (next, n) = word(path, i);
        let found = slashes(next);
        if found != 0 {
            return (i + (found.trailing_zeros() / 8) as usize, w);
        }
        i += n;
        if n < 8 {
            return (i, w);
        }
    }
}

/// The table position of a segment: FxHash of its first eight bytes.
#[inline]
fn bucket(head: u64) -> usize {
    (head.wrapping_mul(SEED) >> 40) as usize
}

/// Whether two byte strings are equal, eight bytes at a time (path segments are short: a call
/// to `memcmp` would cost more than the comparison).
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n >= 8 {
        let mut i = 0;
        while i + 8 < n {
            if load::<8>(a, i) != load::<8>(b, i) {
                return false;
            }
            i += 8;
        }
        // The last eight bytes, overlapping the chunk before when `n` is not a multiple of 8.
        load::<8>(a, n - 8) == load::<8>(b, n - 8)
    } else if n >= 4 {
        load::<4>(a, 0) == load::<4>(b, 0) && load::<4>(a, n - 4) == load::<4>(b, n - 4)
    } else {
        // 0 to 3 bytes: the first, middle and last cover them all.
        n == 0 || (a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1])
    }
}

/// The `N` bytes of `s` from `i` (which the caller keeps in bounds).
#[inline]
fn load<const N: usize>(s: &[u8], i: usize) -> [u8; N] {
    s.get(i..)
        .and_then(<[u8]>::first_chunk::<N>)
        .copied()
        .unwrap_or([0; N])
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

    #[test]
    fn segments_of_every_length_and_shared_heads() {
        // Lengths around the 4- and 8-byte steps of the comparison, and segments whose first
        // eight bytes are the same.
        let segments = [
            "a",
            "ab",
            "abc",
            "abcd",
            "abcdefg",
            "abcdefgh",
            "abcdefghi",
            "abcdefghijklmnop",
            "abcdefghijklmnopq",
            "group1.bench.krest.dev",
            "group1.bench.krest.de",
            "group1.bench.krest.deX",
            "namespaces",
        ];
        let mut r = Router::new();
        for s in segments {
            r.insert(Method::Get, &format!("/{s}/{s}")).unwrap();
        }
        for (i, s) in segments.iter().enumerate() {
            assert_eq!(
                found(&r, Method::Get, &format!("/{s}/{s}")),
                Some((i, vec![]))
            );
            assert_eq!(
                found(&r, Method::Get, &format!("/{s}/{s}/")),
                Some((i, vec![]))
            );
            assert_eq!(r.find(Method::Get, &format!("/{s}/{s}x")), Match::NotFound);
            assert_eq!(r.find(Method::Get, &format!("/{s}x/{s}")), Match::NotFound);
            assert_eq!(r.find(Method::Get, &format!("/{s}/{s}/x")), Match::NotFound);
            let mut upper = s.to_string();
            upper.replace_range(s.len() - 1.., "Z");
            assert_eq!(
                r.find(Method::Get, &format!("/{s}/{upper}")),
                Match::NotFound
            );
        }
    }

    mod differential {
        //! The router against a plain depth-first search over the templates.

        use proptest::prelude::*;

        use super::super::*;
        use super::found;

        const SEGMENTS: [&str; 8] = [
            "a",
            "abcdefgh",
            "abcdefghi",
            "namespaces",
            "namespacesx",
            "group1.bench.krest.dev",
            "group1.bench.krest.deu",
            "status",
        ];

        /// One template segment: a literal, `{p}` or, last, `{p:*}`.
        fn template(shape: &[(u8, usize)]) -> String {
            let mut out = String::new();
            for (i, (kind, s)) in shape.iter().enumerate() {
                out.push('/');
                match kind {
                    0 | 1 => out.push_str(SEGMENTS[*s]),
                    2 => out.push_str("{p}"),
                    _ if i + 1 == shape.len() => out.push_str("{p:*}"),
                    _ => out.push_str("{q}"),
                }
            }
            if out.is_empty() {
                out.push('/');
            }
            out
        }

        /// What the router must answer: static before `{param}` before `{param:*}`, with
        /// backtracking, after trimming one trailing slash.
        fn reference(routes: &[(Method, String)], method: Method, path: &str) -> Outcome {
            let trimmed = path
                .strip_suffix('/')
                .filter(|p| !p.is_empty())
                .unwrap_or(path);
            let mut segments: Vec<&str> = match trimmed.strip_prefix('/') {
                Some("") => Vec::new(),
                Some(rest) => rest.split('/').collect(),
                None => return Outcome::NotFound,
            };
            // A second trailing slash ends the path too (`/a/b//` is `/a/b`), but a wildcard
            // keeps it.
            let whole = segments.clone();
            if segments.len() > 1 && segments.last() == Some(&"") {
                segments.pop();
            }
            let templates: Vec<Vec<&str>> = routes
                .iter()
                .map(|(_, t)| match &t[1..] {
                    "" => Vec::new(),
                    rest => rest.split('/').collect(),
                })
                .collect();
            let alive: Vec<usize> = (0..routes.len()).collect();
            match search(&templates, (&segments, &whole), 0, alive, Vec::new()) {
                None => Outcome::NotFound,
                Some((ends, captures)) => {
                    let by = |m: Method| ends.iter().copied().find(|i| routes[*i].0 == m);
                    let route = by(method)
                        .or_else(|| (method == Method::Head).then(|| by(Method::Get)).flatten());
                    match route {
                        Some(route) => Outcome::Found(route, captures),
                        None => Outcome::NotAllowed(
                            Method::ALL
                                .into_iter()
                                .filter(|m| by(*m).is_some())
                                .collect(),
                        ),
                    }
                }
            }
        }

        #[derive(Debug, PartialEq)]
        enum Outcome {
            Found(usize, Vec<String>),
            NotAllowed(Vec<Method>),
            NotFound,
        }

        fn search(
            templates: &[Vec<&str>],
            (path, whole): (&[&str], &[&str]),
            depth: usize,
            alive: Vec<usize>,
            captures: Vec<String>,
        ) -> Option<(Vec<usize>, Vec<String>)> {
            let wild = |t: &str| t.ends_with(":*}");
            let param = |t: &str| t.starts_with('{') && !wild(t);
            if depth == path.len() {
                let ends: Vec<usize> = alive
                    .into_iter()
                    .filter(|i| templates[*i].len() == depth)
                    .collect();
                return (!ends.is_empty()).then_some((ends, captures));
            }
            let segment = path[depth];
            if segment.is_empty() {
                return None;
            }
            let at = |pick: &dyn Fn(&str) -> bool| -> Vec<usize> {
                alive
                    .iter()
                    .copied()
                    .filter(|i| templates[*i].get(depth).is_some_and(|t| pick(t)))
                    .collect()
            };
            let statics = at(&|t| t == segment);
            if !statics.is_empty() {
                let next = search(
                    templates,
                    (path, whole),
                    depth + 1,
                    statics,
                    captures.clone(),
                );
                if let Some(found) = next {
                    return Some(found);
                }
            }
            if captures.len() >= MAX_PARAMS {
                return None;
            }
            let params = at(&param);
            if !params.is_empty() {
                let mut with = captures.clone();
                with.push(segment.to_string());
                if let Some(found) = search(templates, (path, whole), depth + 1, params, with) {
                    return Some(found);
                }
            }
            let wildcards = at(&wild);
            if !wildcards.is_empty() {
                let mut with = captures;
                with.push(whole[depth..].join("/"));
                return Some((wildcards, with));
            }
            None
        }

        fn outcome(r: &Router, method: Method, path: &str) -> Outcome {
            match r.find(method, path) {
                Match::Found { .. } => {
                    let (route, captures) = found(r, method, path).expect("found");
                    Outcome::Found(route, captures)
                }
                Match::MethodNotAllowed(allowed) => Outcome::NotAllowed(allowed),
                Match::NotFound => Outcome::NotFound,
            }
        }

        fn shapes() -> impl Strategy<Value = Vec<(u8, usize)>> {
            prop::collection::vec((0u8..4, 0..SEGMENTS.len()), 0..5)
        }

        proptest! {
            #[test]
            fn agrees_with_a_depth_first_search(
                routes in prop::collection::vec((0..3usize, shapes()), 1..24),
                paths in prop::collection::vec(
                    (0..4usize, prop::collection::vec(0..SEGMENTS.len() + 2, 0..6), any::<bool>()),
                    1..24,
                ),
            ) {
                let mut router = Router::new();
                let mut inserted = Vec::new();
                for (m, shape) in &routes {
                    let method = Method::ALL[*m];
                    let template = template(shape);
                    if router.insert(method, &template).is_ok() {
                        inserted.push((method, template));
                    }
                }
                for (m, segments, slash) in &paths {
                    let mut path: String = segments
                        .iter()
                        .map(|s| match SEGMENTS.get(*s) {
                            Some(s) => format!("/{s}"),
                            None if *s == SEGMENTS.len() => "/".to_string(),
                            None => "/other".to_string(),
                        })
                        .collect();
                    if path.is_empty() || *slash {
                        path.push('/');
                    }
                    let method = Method::ALL[*m];
                    prop_assert_eq!(
                        outcome(&router, method, &path),
                        reference(&inserted, method, &path),
                        "{} {} in {:?}", method, path, inserted
                    );
                }
            }
        }
    }
}
