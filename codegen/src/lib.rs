//! The resource model of krest and the route table it implies: the code generator's core.
//!
//! A [`ResourceModel`] describes one served kind; [`actions`] turns it into every route that
//! kube-apiserver's `registerResourceHandlers` would install for it, and [`discovery`] into its
//! discovery entries. The derive macro, the YAML generator and the `krest` command all go through
//! these functions, so there is one place that computes paths.
//!
//! # Example
//!
//! ```
//! use krest_codegen::{actions, ActionVerb, ResourceModel, Scope};
//!
//! let mut model = ResourceModel::new("demo.krest.dev", "v1", "Gadget");
//! model.scope = Scope::Cluster;
//! let table = actions(&model);
//! let get = table.iter().find(|a| a.verb == ActionVerb::Get).unwrap();
//! assert_eq!(get.path, "/apis/demo.krest.dev/v1/gadgets/{name}");
//! assert_eq!(get.operation_id, "readDemoKrestDevV1Gadget");
//! ```

mod actions;
mod check;
mod discovery;
mod model;
pub mod names;
#[cfg(feature = "tokens")]
pub mod tokens;

pub use actions::{actions, Action, ActionVerb, Param, Params, SubresourceKind};
pub use check::{check, is_dns_label, is_dns_subdomain, is_kind, is_kube_version, Field, Problem};
pub use discovery::{discovery, DiscoveryResource};
pub use model::{
    ConnectSubresource, List, Method, PrinterColumn, ResourceModel, Scale, Scope, Str, Verb,
    VerbSet, PRINTER_COLUMN_TYPES,
};
