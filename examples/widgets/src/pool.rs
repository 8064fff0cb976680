//! `Pool`, a kind with two versions of different shapes in `fleet.krest.dev`: `v1`, the
//! storage version, and the older `v1beta1`, converted to and from it by the Rust code below
//! (`krest::Convert`, see docs/conversion.md). kubectl, kube-rs and the Python client read and
//! write pools through either version; what `v1beta1` cannot express survives a round trip
//! through it. `v1` carries a CEL rule (docs/validation.md).

/// The storage version: the hub every other version converts to and from.
pub mod v1 {
    use krest::{JsonSchema, Resource};
    use serde::{Deserialize, Serialize};

    /// The desired state of a pool.
    #[derive(Resource, JsonSchema, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
    #[schemars(crate = "krest::schemars")]
    #[resource(
        group = "fleet.krest.dev",
        version = "v1",
        namespaced,
        status = PoolStatus,
        printer_column(name = "Class", type = "string", json_path = ".spec.class"),
        printer_column(name = "Size", type = "integer", json_path = ".spec.size"),
        rule(
            "size(self.zones) <= self.size",
            message = "a pool spreads over at most one zone per machine",
            field_path = ".zones"
        )
    )]
    #[serde(rename_all = "camelCase")]
    pub struct PoolSpec {
        /// The machines' class.
        pub class: String,
        /// How many machines.
        #[serde(default)]
        #[schemars(range(min = 0))]
        pub size: i32,
        /// The zones the machines spread over.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub zones: Vec<String>,
    }

    /// The observed state of a pool, the same in every version.
    #[derive(JsonSchema, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
    #[schemars(crate = "krest::schemars")]
    #[serde(rename_all = "camelCase")]
    pub struct PoolStatus {
        /// How many machines are ready.
        #[serde(default)]
        pub ready: i32,
    }
}

/// The older version: `className` where `v1` has `class`, no `size` nor `zones`, and a free
/// `description` that `v1` does not have.
pub mod v1beta1 {
    use krest::{Convert, JsonSchema, Resource, Status};
    use serde::{Deserialize, Serialize};

    use super::v1;

    /// The desired state of a pool, as `v1beta1` wrote it.
    #[derive(Resource, JsonSchema, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
    #[schemars(crate = "krest::schemars")]
    #[resource(
        group = "fleet.krest.dev",
        version = "v1beta1",
        kind = "Pool",
        namespaced,
        status = v1::PoolStatus,
        printer_column(name = "Class", type = "string", json_path = ".spec.className"),
        deprecated,
        storage_version = "v1",
        conversion
    )]
    #[serde(rename_all = "camelCase")]
    pub struct PoolSpec {
        /// The machines' class.
        pub class_name: String,
        /// What the pool is for.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub description: Option<String>,
    }

    /// Field by field; what the other version lacks the runtime keeps for it.
    impl Convert for Pool {
        type Hub = v1::Pool;

        fn into_hub(self) -> Result<v1::Pool, Status> {
            Ok(v1::Pool {
                metadata: self.metadata,
                spec: v1::PoolSpec {
                    class: self.spec.class_name,
                    size: 0,
                    zones: Vec::new(),
                },
                status: self.status,
            })
        }

        fn from_hub(hub: v1::Pool) -> Result<Pool, Status> {
            Ok(Pool {
                metadata: hub.metadata,
                spec: PoolSpec {
                    class_name: hub.spec.class,
                    description: None,
                },
                status: hub.status,
            })
        }
    }
}
