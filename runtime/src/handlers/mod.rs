//! The runtime's generic handlers: the entry points generated route tables point at.
//!
//! Each is a thin generic shim over a non-generic core that works on JSON.

use crate::resource::Resource;
use crate::route::{Call, HandlerFuture};
use crate::status::Status;

macro_rules! not_yet {
    ($($name:ident),*) => {$(
        #[doc = concat!("Serves the `", stringify!($name), "` action of `R`.")]
        pub fn $name<R: Resource>(call: Call) -> HandlerFuture {
            let _ = call;
            Box::pin(async { Status::not_implemented(concat!(stringify!($name), " is not served yet")).into_response() })
        }
    )*};
}

not_yet!(
    list,
    create,
    delete_collection,
    watch_list,
    get,
    update,
    patch,
    delete,
    watch,
    get_status,
    update_status,
    patch_status,
    get_scale,
    update_scale,
    patch_scale
);

/// Serves a connect-style subresource with the user's handler.
pub fn connect<F, Fut>(call: Call, handler: F) -> HandlerFuture
where
    F: FnOnce(Call) -> Fut,
    Fut: std::future::Future<Output = Result<http::Response<crate::Body>, Status>> + Send + 'static,
{
    let future = handler(call);
    Box::pin(async move { future.await.unwrap_or_else(Status::into_response) })
}
