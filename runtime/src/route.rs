//! Routes: one generated action plus the handler that serves it, and the call a handler gets.

use std::borrow::Cow;
use std::sync::Arc;

use crate::codegen::Action;
use crate::registry::{Registry, ResourceEntry};
use crate::response::{Body, HandlerFuture};
use crate::router::{Capture, MAX_PARAMS};

/// A route's entry point: the runtime's handler of an action (`handlers::for_route`), or the
/// user's handler of a connect-style subresource.
pub type Handler = fn(Call) -> HandlerFuture;

/// Whether a request to a route of `verb` is a watch: the deprecated `watch/` routes, or a
/// list with `?watch=true`. The one place this is decided once a request is routed (HTTP/2's
/// stream scheduling guesses it from the URL before routing: see `server/http2.rs`).
pub(crate) fn is_watch(verb: crate::codegen::ActionVerb, uri: &http::Uri) -> bool {
    use crate::codegen::ActionVerb;
    match verb {
        ActionVerb::Watch | ActionVerb::WatchList => true,
        ActionVerb::List => crate::query::Query::of(uri).flag("watch"),
        _ => false,
    }
}

/// A user-defined handler for a custom route.
pub type CustomHandler = Arc<dyn Fn(Call) -> HandlerFuture + Send + Sync>;

/// One row of a resource's route table: the action, which says which of the runtime's handlers
/// serves it.
#[derive(Clone, Debug)]
pub struct Route {
    /// Method, path, verbs, operation id, parameters.
    pub action: Action,
    /// The user's handler of a connect-style subresource; `None` for every other action.
    pub connect: Option<Handler>,
}

/// Path parameters as byte ranges into the request path: matching allocates nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Captures {
    ranges: [Capture; MAX_PARAMS],
    len: usize,
}

impl Captures {
    pub(crate) fn new(ranges: [Capture; MAX_PARAMS], len: usize) -> Captures {
        Captures { ranges, len }
    }
}

/// The route a request matched.
#[derive(Clone)]
pub(crate) enum Matched {
    /// A generated route of the registry's resource `resource`.
    Resource {
        resource: usize,
        route: &'static Route,
    },
    /// A user-defined (or built-in) route, with its path template.
    Custom { template: Arc<str> },
}

/// A request matched to a route, as a handler receives it.
pub struct Call {
    /// The HTTP request.
    pub request: http::Request<Body>,
    pub(crate) captures: Captures,
    pub(crate) registry: Arc<Registry>,
    pub(crate) matched: Matched,
}

impl Call {
    /// The path template the request matched.
    fn template(&self) -> &str {
        match &self.matched {
            Matched::Resource { route, .. } => &route.action.path,
            Matched::Custom { template } => template,
        }
    }

    /// The path parameter `name` (`namespace`, `name`, `path`, or a user route's own),
    /// percent-decoded.
    pub fn param(&self, name: &str) -> Option<Cow<'_, str>> {
        let template = self.template();
        let position = template
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .position(|p| p.split(':').next() == Some(name))?;
        if position >= self.captures.len {
            return None;
        }
        let (start, end) = self.captures.ranges[position];
        let raw = self
            .request
            .uri()
            .path()
            .get(start as usize..end as usize)?;
        Some(percent_decode(raw))
    }

    /// The `{namespace}` parameter.
    pub fn namespace(&self) -> Option<Cow<'_, str>> {
        self.param("namespace")
    }

    /// The `{name}` parameter.
    pub fn name(&self) -> Option<Cow<'_, str>> {
        self.param("name")
    }

    /// The generated route, for resource routes.
    pub fn route(&self) -> Option<&'static Route> {
        match &self.matched {
            Matched::Resource { route, .. } => Some(route),
            Matched::Custom { .. } => None,
        }
    }

    /// The registered resource and its index, for resource routes.
    pub(crate) fn resource(&self) -> Option<(usize, &ResourceEntry)> {
        match &self.matched {
            Matched::Resource { resource, .. } => {
                Some((*resource, self.registry.resources.get(*resource)?))
            }
            Matched::Custom { .. } => None,
        }
    }

    /// The store the server uses.
    pub fn store(&self) -> &dyn crate::store::Store {
        &*self.registry.store
    }
}

/// Decodes `%XX` escapes; leaves malformed ones as they are.
fn percent_decode(s: &str) -> Cow<'_, str> {
    if !s.contains('%') {
        return Cow::Borrowed(s);
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}
