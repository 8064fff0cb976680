//! Routes: one generated action plus the handler that serves it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;

use crate::codegen::Action;
use crate::server::State;

/// The error type of streamed bodies.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// Request and response bodies.
pub type Body = BoxBody<Bytes, BoxError>;
/// What a handler returns.
pub type HandlerFuture = Pin<Box<dyn Future<Output = http::Response<Body>> + Send>>;
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

/// The path parameters of a matched route.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathParams {
    /// `{namespace}`, for namespaced routes.
    pub namespace: Option<String>,
    /// `{name}`, for item routes.
    pub name: Option<String>,
    /// `{path:*}`, for subpath routes.
    pub path: Option<String>,
}

/// A request matched to a route, as a handler receives it.
pub struct Call {
    /// The HTTP request.
    pub request: http::Request<Body>,
    /// The path parameters.
    pub params: PathParams,
    pub(crate) state: Arc<State>,
    /// Which registered resource the route belongs to.
    pub(crate) resource: usize,
    pub(crate) route: &'static Route,
}

impl Call {
    /// The matched route.
    pub fn route(&self) -> &'static Route {
        self.route
    }
}
