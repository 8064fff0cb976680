//! Routes: one generated action plus the handler that serves it, and the call a handler gets.

use std::borrow::Cow;
use std::sync::Arc;

use crate::codegen::Action;
use crate::response::{Body, HandlerFuture};
use crate::router::{Capture, MAX_PARAMS};
use crate::server::State;

/// A route's entry point; generated tables point these at the runtime's generic handlers.
pub type Handler = fn(Call) -> HandlerFuture;

/// One row of a resource's route table: the action and the handler serving it.
#[derive(Clone, Debug)]
pub struct Route {
    /// Method, path, verbs, operation id, parameters.
    pub action: Action,
    /// The handler.
    pub handler: Handler,
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

/// A request matched to a route, as a handler receives it.
pub struct Call {
    /// The HTTP request.
    pub request: http::Request<Body>,
    pub(crate) captures: Captures,
    pub(crate) state: Arc<State>,
    /// Index of the matched target in the server.
    pub(crate) target: usize,
}

impl Call {
    /// The path parameter `name` (`namespace`, `name`, `path`, or a user route's own),
    /// percent-decoded.
    pub fn param(&self, name: &str) -> Option<Cow<'_, str>> {
        let template = self.state.template(self.target);
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
        self.state.target(self.target).map(|(_, route)| route)
    }

    /// The store the server uses.
    pub fn store(&self) -> &dyn crate::store::Store {
        &*self.state.store
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
