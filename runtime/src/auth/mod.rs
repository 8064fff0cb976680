//! Authentication and authorization: who sent a request, and may they.
//!
//! - [`UserInfo`]: a user and its groups, from a client certificate ([`subject`]), a bearer
//!   token ([`TokenFile`]) or none ([`UserInfo::anonymous`]).
//! - [`RequestInfo`]: what a request asks to do, in kube-apiserver's terms.
//! - [`Authorizer`]: decides; [`Rbac`] reads Roles and bindings from a policy file,
//!   [`AlwaysAllow`] and [`AlwaysDeny`] are what they say, [`Union`] chains several.
//!
//! `docs/security.md` shows how a server uses them.

mod authorizer;
pub(crate) mod filter;
pub(crate) mod impersonation;
mod rbac;
mod request_info;
mod token;
mod user;
mod x509;

pub(crate) use authorizer::{everything, go_quote};
pub use authorizer::{
    forbidden, forbidden_message, AlwaysAllow, AlwaysDeny, Attributes, Authorizer, Decision,
    NonResourceRule, ResourceRule, RuleList, Union,
};
pub use rbac::{PolicyError, Rbac};
pub use request_info::RequestInfo;
pub use token::{bearer_token, TokenFile};
pub use user::{UserInfo, ANONYMOUS, AUTHENTICATED, MASTERS, UNAUTHENTICATED};
pub use x509::{subject, Subject, X509Error};
