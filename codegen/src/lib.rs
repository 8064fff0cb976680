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
#[cfg(feature = "generate")]
mod builder;
#[cfg(feature = "cel")]
pub mod cel;
mod check;
#[cfg(feature = "yaml")]
pub mod conversion;
#[cfg(feature = "yaml")]
pub mod crd;
#[cfg(feature = "yaml")]
pub mod diff;
mod discovery;
#[cfg(feature = "yaml")]
mod error;
mod ident;
mod model;
pub mod names;
#[cfg(feature = "yaml")]
pub mod naming;
#[cfg(feature = "generate")]
pub mod render;
#[cfg(feature = "cli")]
pub mod scaffold;
#[cfg(feature = "yaml")]
pub mod schema;
#[cfg(feature = "tokens")]
pub mod tokens;
#[cfg(feature = "yaml")]
pub mod yaml;

pub use actions::{actions, Action, ActionVerb, Param, Params, SubresourceKind};
#[cfg(feature = "generate")]
pub use builder::{write_file_if_changed, Builder, Generated, Read};
pub use check::{
    check, is_dns_1035_label, is_dns_label, is_dns_label_pattern, is_dns_subdomain, is_kind,
    is_kube_version, Field, Problem, Severity, PRINTER_COLUMN_FORMATS,
};
#[cfg(feature = "yaml")]
pub use crd::{read_crd_definitions, read_crds, read_crds_keep_going, Crd, CrdVersion};
pub use discovery::{discovery, DiscoveryResource};
#[cfg(feature = "yaml")]
pub use error::{Error, Result};
pub use ident::field_ident;
pub use model::{
    ConnectSubresource, Conversion, ConvertFn, List, Method, PrinterColumn, ResourceModel, Scale,
    Scope, Str, Verb, VerbSet, PRINTER_COLUMN_TYPES,
};
