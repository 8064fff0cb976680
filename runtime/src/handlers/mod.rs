//! The runtime's generic handlers: the entry points generated route tables point at.
//!
//! Each entry point is a thin generic shim; the work happens in non-generic code on JSON values
//! (`read`, `write`, `delete`, `subresource`, `watch`), with the resource's type reached only
//! through its decoder (a function pointer per resource).

mod context;
mod delete;
pub(crate) mod object;
mod read;
mod subresource;
mod watch;
mod write;

use std::future::Future;

use http::Response;

use crate::negotiate::Output;
use crate::resource::Resource;
use crate::response::{Body, HandlerFuture};
use crate::route::Call;
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

macro_rules! entry_points {
    ($($(#[$doc:meta])* $name:ident => $core:path;)*) => {$(
        $(#[$doc])*
        pub fn $name<R: Resource>(call: Call) -> HandlerFuture {
            serve(call, $core)
        }
    )*};
}

entry_points! {
    /// LIST: a collection, or a watch when `?watch=true`.
    list => read::list;
    /// POST: create an object.
    create => write::create;
    /// DELETECOLLECTION: delete the objects a selector picks.
    delete_collection => delete::delete_collection;
    /// WATCHLIST: the deprecated `watch/` collection path.
    watch_list => watch::watch;
    /// GET one object.
    get => read::get;
    /// PUT: replace one object.
    update => write::update;
    /// PATCH one object.
    patch => write::patch;
    /// DELETE one object.
    delete => delete::delete;
    /// WATCH: the deprecated `watch/` item path.
    watch => watch::watch;
    /// GET `/status`.
    get_status => read::get;
    /// PUT `/status`.
    update_status => subresource::update_status;
    /// PATCH `/status`.
    patch_status => subresource::patch_status;
    /// GET `/scale`.
    get_scale => subresource::get_scale;
    /// PUT `/scale`.
    update_scale => subresource::update_scale;
    /// PATCH `/scale`.
    patch_scale => subresource::patch_scale;
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
