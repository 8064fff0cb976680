//! Label and field selectors, parsed and matched as kube-apiserver does for `labelSelector` and
//! `fieldSelector` on list, watch and deletecollection.
//!
//! Both parsers read untrusted query strings: they never panic, and every error is a 400
//! `BadRequest` [`Status`](crate::Status) worded as Kubernetes words it. Both selectors print
//! (`Display`) in a canonical form that parses back to the same selector.
//!
//! # Example
//!
//! ```
//! use krest::selectors::{FieldSelector, LabelSelector};
//! use serde_json::json;
//!
//! let object = json!({"metadata": {"name": "a", "labels": {"tier": "web"}}});
//! let labels = LabelSelector::parse("tier in (web,api),!canary").unwrap();
//! let fields = FieldSelector::parse("metadata.name=a").unwrap();
//! assert!(labels.matches_object(&object) && fields.matches(&object));
//! ```

mod fields;
mod labels;

pub use fields::{FieldOperator, FieldRequirement, FieldSelector};
pub use labels::{LabelSelector, Operator, Requirement};
