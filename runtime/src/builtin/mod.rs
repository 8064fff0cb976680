//! The kinds every krest server serves besides the user's: the core Namespace, and the
//! authentication and authorization reviews (SelfSubjectReview, TokenReview, the access and
//! rules reviews), with the protobuf decoding kubectl's typed clients need for them.

pub(crate) mod namespace;
pub(crate) mod reviews;
