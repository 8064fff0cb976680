//! The runtime's handlers of generated routes, picked by `for_route` from each action's
//! subresource and verb.
//!
//! Nothing here is generic over a kind: the work happens on JSON values (`read`, `write`,
//! `delete`, `subresource`, `watch`), with the kind's type reached only through its registry
//! entry (its decoder and schema validator, made once per kind by `ServerBuilder::resource`).

mod context;
pub(crate) mod delete;
pub(crate) mod object;
mod read;
mod subresource;
mod watch;
mod write;

use std::future::Future;

use http::Response;

use crate::codegen::{ActionVerb, SubresourceKind};
use crate::negotiate::Output;
use crate::response::{Body, HandlerFuture};
use crate::route::{Call, Handler, Route};
use crate::status::Status;

pub(crate) use context::Ctx;

/// Runs a handler core that returns `Result`, turning an error into its Status response, and
/// writes the response as the client asked (YAML, pretty JSON). Watch streams stay JSON.
fn serve<F>(call: Call, core: fn(Ctx) -> F) -> HandlerFuture
where
    F: Future<Output = Result<Response<Body>, Status>> + Send + 'static,
{
    let output = Output::of(&call.request);
    let watch = is_watch(&call);
    Box::pin(async move {
        if watch && output.yaml {
            return Status::not_acceptable(&["application/json;stream=watch"]).into_response();
        }
        let response = match Ctx::new(call, output) {
            Ok(ctx) => core(ctx).await.unwrap_or_else(Status::into_response),
            Err(status) => status.into_response(),
        };
        if watch || output.is_plain() {
            response
        } else {
            crate::encode::reencode(response, output).await
        }
    })
}

/// Whether the call is a watch: the `watch/` routes, or a list with `?watch=true`.
fn is_watch(call: &Call) -> bool {
    call.route()
        .is_some_and(|r| crate::route::is_watch(r.action.verb, call.request.uri()))
}

/// The handler of a generated route: the one table from an action's (subresource, verb) to the
/// code that serves it. Routes carry only their action (and a connect-style subresource its
/// user's handler), so what a verb does is decided here, once, for every kind.
pub(crate) fn for_route(route: &Route) -> Handler {
    use ActionVerb as V;
    use SubresourceKind as S;
    match (route.action.subresource_kind, route.action.verb) {
        (S::Connect(_), _) | (_, V::Connect) => route.connect.unwrap_or(|_| {
            let status = Status::internal("the route table names no handler for this subresource");
            Box::pin(std::future::ready(status.into_response()))
        }),
        (S::None, V::List) => |call| serve(call, read::list),
        (S::None, V::Post) => |call| serve(call, write::create),
        (S::None, V::DeleteCollection) => |call| serve(call, delete::delete_collection),
        (S::None, V::WatchList | V::Watch) => |call| serve(call, watch::watch),
        (S::None | S::Status, V::Get) => |call| serve(call, read::get),
        (S::None, V::Put) => |call| serve(call, write::update),
        (S::None, V::Patch) => |call| serve(call, write::patch),
        (S::None, V::Delete) => |call| serve(call, delete::delete),
        (S::Status, V::Put) => |call| serve(call, subresource::update_status),
        (S::Status, _) => |call| serve(call, subresource::patch_status),
        (S::Scale, V::Get) => |call| serve(call, subresource::get_scale),
        (S::Scale, V::Put) => |call| serve(call, subresource::update_scale),
        (S::Scale, _) => |call| serve(call, subresource::patch_scale),
    }
}

/// Serves a connect-style subresource with the user's handler.
pub fn connect<F, Fut>(call: Call, handler: F) -> HandlerFuture
where
    F: FnOnce(Call) -> Fut,
    Fut: Future<Output = Result<Response<Body>, Status>> + Send + 'static,
{
    let future = handler(call);
    Box::pin(async move { future.await.unwrap_or_else(Status::into_response) })
}
