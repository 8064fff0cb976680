//! Serve Kubernetes-style resource APIs from Rust types.
//!
//! `#[derive(Resource)]` on a spec struct generates, at compile time, the route table that
//! kube-apiserver's `registerResourceHandlers` would build for the kind; the runtime serves it
//! with Kubernetes semantics, so that kubectl and every Kubernetes client work unchanged.
//!
//! # Example
//!
//! ```
//! use krest::{JsonSchema, Resource};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Resource, JsonSchema, Clone, Debug, Serialize, Deserialize)]
//! #[schemars(crate = "krest::schemars")]
//! #[resource(group = "demo.krest.dev", version = "v1", namespaced, short_names("wd"))]
//! pub struct WidgetSpec {
//!     pub color: String,
//! }
//!
//! assert_eq!(Widget::MODEL.plural, "widgets");
//! let get = Widget::ROUTES.iter().find(|r| r.action.operation_id == "readDemoKrestDevV1NamespacedWidget");
//! assert!(get.is_some());
//! ```
//!
//! # Cargo features
//!
//! None is on by default.
//!
//! - `tls`: serving HTTPS with rustls (`ServerBuilder::tls`), client certificates as identities.
//! - `etcd`: the etcd store (`store::EtcdStore`); building it needs `protoc`.
//! - `fuzzing`: the entry points of the fuzz targets (`fuzz/`, `scripts/fuzz.sh`) and of the
//!   test that replays their corpora; not public API, and nothing a server needs.
#![doc = include_str!("../../docs/derive.md")]

pub mod admission;
mod apply;
pub mod auth;
mod builtin;
mod cohabit;
pub mod conversion;
mod decode;
mod discovery;
mod encode;
pub mod flags;
mod gc;
pub mod handlers;
mod json;
pub mod jsonpath;
pub mod logging;
mod managed_entries;
mod metrics;
mod negotiate;
mod openapi;
mod partial;
mod patch;
mod query;
mod registry;
mod request_body;
mod resource;
mod response;
mod route;
pub mod router;
pub mod schema;
mod selection;
pub mod selectors;
mod server;
pub mod status;
pub mod storage_version;
pub mod store;
mod stored;
mod table;
pub mod validation;
mod version;
mod watch;
mod yaml;

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

pub use builtin::event::{Event, EventSeries, EventSource, EventsEvent, ObjectReference};
pub use builtin::lease::{Lease, LeaseSpec};
pub use builtin::namespace::{Namespace, NamespaceSpec, NamespaceStatus};
pub use conversion::Convert;
pub use krest_codegen as codegen;
pub use krest_macros::JsonSchema;
pub use krest_macros::Resource;
pub use resource::{Data, ObjectMeta, Resource};
pub use response::{streaming_body, Body, BoxError, HandlerFuture};
pub use route::{Call, Captures, Handler, Route};
pub use schemars;
/// The `JsonSchema` trait (schemars'), and a derive of it that needs no
/// `#[schemars(crate = "krest::schemars")]` (`krest_macros::JsonSchema`, which shadows schemars'
/// derive of the same name).
pub use schemars_reexport::*;

/// schemars' `JsonSchema`, trait and derive: the glob lets the explicit derive above win.
mod schemars_reexport {
    pub use schemars::JsonSchema;
}
pub use server::limits;
#[cfg(feature = "tls")]
pub use server::tls::TlsConfig;
pub use server::{
    shutdown_signal, BuildError, Filter, FilterLayer, HttpService, Server, ServerBuilder, State,
};
pub use status::Status;

/// Items generated code refers to. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::conversion::conversion_of;
    pub use crate::handlers;
    pub use crate::resource::{serialize_object, Data, ObjectRepr};
    pub use crate::response::HandlerFuture;
    pub use crate::route::{Call, Route};
    pub use crate::schema::{add_rule, object_schema, schema_for};
    pub use krest_codegen as codegen;
    pub use schemars;
    pub use serde;
    pub use serde_json;
}

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
