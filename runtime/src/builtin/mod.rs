//! The kinds every krest server serves besides the user's: the core Namespace, the
//! `coordination.k8s.io` Lease, the Events (core and `events.k8s.io`), and the authentication and authorization reviews
//! (SelfSubjectReview, TokenReview, the access and rules reviews), with the protobuf decoding
//! kubectl's typed clients need for them.

pub(crate) mod event;
pub(crate) mod lease;
pub(crate) mod namespace;
pub(crate) mod reviews;

/// Whether kubectl patches `model` with a strategic merge patch: the built-in kinds compiled
/// into kubectl (its `kubectl apply` sends one for them and nothing else).
pub(crate) fn strategic_merge_patch(model: &crate::codegen::ResourceModel) -> bool {
    namespace::is_namespace(model)
        || (model.group == "coordination.k8s.io" && model.plural == "leases")
}
