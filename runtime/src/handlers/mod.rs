//! The runtime's generic handlers: the entry points generated route tables point at.
//!
//! Each entry point is a thin generic shim; the work happens in non-generic code on JSON values
//! (`read`, `write`, `delete`, `subresource`, `watch`), with the resource's type reached only
//! through its decoder (a function pointer per resource).

mod delete;
mod object;
mod read;
mod subresource;
mod watch;
mod write;

use std::future::Future;

use http::Response;

use crate::resource::Resource;
use crate::route::{Body, Call, HandlerFuture};
use crate::status::Status;

pub(crate) use object::{decode_stored, Ctx};

/// Runs a handler core that returns `Result`, turning an error into its Status response.
fn serve<F>(call: Call, core: fn(Ctx) -> F) -> HandlerFuture
where
    F: Future<Output = Result<Response<Body>, Status>> + Send + 'static,
{
    Box::pin(async move {
        match Ctx::new(call) {
            Ok(ctx) => core(ctx).await.unwrap_or_else(Status::into_response),
            Err(status) => status.into_response(),
        }
    })
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
