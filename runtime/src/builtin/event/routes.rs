//! The route tables of the two Event APIs, made by the derive on empty stand-ins: an Event has
//! no spec, so its object types (in `mod.rs`) implement `Resource` themselves and take their
//! routes from here.
#![allow(dead_code)]

/// The core `v1` Event's routes.
pub(super) mod core {
    /// Stand-in spec.
    #[derive(
        krest_macros::Resource,
        schemars::JsonSchema,
        Clone,
        Debug,
        serde::Serialize,
        serde::Deserialize,
    )]
    #[resource(
        crate = "crate",
        group = "",
        version = "v1",
        kind = "Event",
        namespaced
    )]
    pub struct EventSpec {}
}

/// The `events.k8s.io/v1` Event's routes.
pub(super) mod events {
    /// Stand-in spec.
    #[derive(
        krest_macros::Resource,
        schemars::JsonSchema,
        Clone,
        Debug,
        serde::Serialize,
        serde::Deserialize,
    )]
    #[resource(
        crate = "crate",
        group = "events.k8s.io",
        version = "v1",
        kind = "Event",
        namespaced
    )]
    pub struct EventSpec {}
}
