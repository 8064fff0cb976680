//! The built-in `coordination.k8s.io/v1` [`Lease`]: what leader-elected controllers (kube-rs,
//! controller-runtime, client-go's `leaderelection`) take turns holding. It is a plain object
//! with every verb; what makes it a lock is the optimistic concurrency every krest write has (an
//! update or patch carrying a stale `metadata.resourceVersion` is a 409), which is all
//! kube-apiserver offers for it too.
//!
//! Every server serves it unless its builder says
//! [`without_builtins`](crate::ServerBuilder::without_builtins). kubectl knows the kind, so
//! `kubectl apply` patches it with a strategic merge patch, which krest reads for it.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::schema::{object_schema, schema_for};
use crate::Resource as _;

/// The spec of a `coordination.k8s.io/v1` Lease.
#[derive(
    krest_macros::Resource,
    schemars::JsonSchema,
    Clone,
    Debug,
    Default,
    PartialEq,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "camelCase")]
#[resource(
    crate = "crate",
    group = "coordination.k8s.io",
    version = "v1",
    kind = "Lease",
    namespaced,
    printer_column(name = "Holder", type = "string", json_path = ".spec.holderIdentity"),
    printer_column(name = "Age", type = "date", json_path = ".metadata.creationTimestamp"),
    schema = lease_schema
)]
pub struct LeaseSpec {
    /// holderIdentity contains the identity of the holder of a current lease. If Coordinated
    /// Leader Election is used, the holder identity must be equal to the elected
    /// LeaseCandidate.metadata.name field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder_identity: Option<String>,
    /// leaseDurationSeconds is a duration that candidates for a lease need to wait to force
    /// acquire it. This is measured against the time of last observed renewTime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub lease_duration_seconds: Option<i32>,
    /// acquireTime is a time when the current lease was acquired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquire_time: Option<String>,
    /// renewTime is a time when the current holder of a lease has last updated the lease.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renew_time: Option<String>,
    /// leaseTransitions is the number of transitions of a lease between holders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub lease_transitions: Option<i32>,
    /// Strategy indicates the strategy for picking the leader for coordinated leader election.
    /// If the field is not specified, there is no active coordination for this lease.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<String>,
    /// PreferredHolder signals to a lease holder that the lease has a more optimal holder and
    /// should be given up. This field can only be set if Strategy is also set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_holder: Option<String>,
}

/// The Lease schema: the derived one, with the times as `date-time` (kube's `MicroTime`) and a
/// default (empty) spec, as kube-apiserver's optional `spec`.
fn lease_schema() -> Value {
    let mut schema = object_schema(&Lease::MODEL, schema_for::<LeaseSpec>(), None, Vec::new());
    schema["description"] = json!("Lease defines a lease concept.");
    let spec = &mut schema["properties"]["spec"];
    spec["description"] = json!("spec contains the specification of the Lease. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status");
    spec["default"] = json!({});
    for time in ["acquireTime", "renewTime"] {
        spec["properties"][time]["format"] = json!("date-time");
    }
    if let Some(map) = schema.as_object_mut() {
        map.remove("required");
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_has_times_and_no_required_spec() {
        let schema = lease_schema();
        let spec = &schema["properties"]["spec"]["properties"];
        assert_eq!(spec["renewTime"]["format"], "date-time");
        assert_eq!(spec["leaseDurationSeconds"]["minimum"], 1);
        assert!(schema.get("required").is_none());
        assert_eq!(Lease::MODEL.plural, "leases");
        assert_eq!(Lease::MODEL.api_version(), "coordination.k8s.io/v1");
    }
}
