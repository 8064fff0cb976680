//! Authorizers: who may do what. RBAC is one ([`Rbac`](super::Rbac)); bring your own by
//! implementing [`Authorizer`].

use super::{RequestInfo, UserInfo};
use crate::status::{Details, Status};

/// What an authorizer decides on: who asks, and what for.
#[derive(Clone, Copy, Debug)]
pub struct Attributes<'a> {
    /// The user.
    pub user: &'a UserInfo,
    /// The request.
    pub request: &'a RequestInfo,
}

/// An authorizer's answer. The string is the reason, shown after the 403 message when not
/// empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Allowed.
    Allow,
    /// Refused, whatever other authorizers say.
    Deny(String),
    /// No rule says: the next authorizer decides, and refuses when it is the last.
    NoOpinion(String),
}

/// Decides whether a request may go on.
pub trait Authorizer: Send + Sync + 'static {
    /// The decision for `attributes`.
    fn authorize(&self, attributes: &Attributes<'_>) -> Decision;
}

/// Allows everything (`--authorization-mode=AlwaysAllow`). The server logs a warning when it
/// starts with it.
#[derive(Clone, Copy, Debug, Default)]
pub struct AlwaysAllow;

impl Authorizer for AlwaysAllow {
    fn authorize(&self, _: &Attributes<'_>) -> Decision {
        Decision::Allow
    }
}

/// Refuses everything (`--authorization-mode=AlwaysDeny`).
#[derive(Clone, Copy, Debug, Default)]
pub struct AlwaysDeny;

impl Authorizer for AlwaysDeny {
    fn authorize(&self, _: &Attributes<'_>) -> Decision {
        Decision::Deny("Everything is forbidden.".into())
    }
}

/// Several authorizers in order, as kube-apiserver chains `--authorization-mode=A,B`: the
/// first that allows or denies decides.
pub struct Union(pub Vec<Box<dyn Authorizer>>);

impl Authorizer for Union {
    fn authorize(&self, attributes: &Attributes<'_>) -> Decision {
        let mut reasons = Vec::new();
        for authorizer in &self.0 {
            match authorizer.authorize(attributes) {
                Decision::NoOpinion(reason) => {
                    if !reason.is_empty() {
                        reasons.push(reason);
                    }
                }
                decided => return decided,
            }
        }
        Decision::NoOpinion(reasons.join(", "))
    }
}

/// kube-apiserver's words for a refusal: `User "u" cannot get resource "widgets" in API group
/// "demo.krest.dev" in the namespace "default"`, with `: {reason}` when there is one.
pub fn forbidden_message(attributes: &Attributes<'_>, reason: &str) -> String {
    let user = &attributes.user.name;
    let r = attributes.request;
    let mut message = if !r.is_resource_request {
        format!("User {user:?} cannot {} path {:?}", r.verb, r.path)
    } else {
        let resource = if r.subresource.is_empty() {
            r.resource.clone()
        } else {
            format!("{}/{}", r.resource, r.subresource)
        };
        if r.namespace.is_empty() {
            format!(
                "User {user:?} cannot {} resource {resource:?} in API group {:?} at the cluster scope",
                r.verb, r.api_group
            )
        } else {
            format!(
                "User {user:?} cannot {} resource {resource:?} in API group {:?} in the namespace {:?}",
                r.verb, r.api_group, r.namespace
            )
        }
    };
    if !reason.is_empty() {
        message.push_str(": ");
        message.push_str(reason);
    }
    message
}

/// The 403 Status kube-apiserver answers a refused request with:
/// `widgets.demo.krest.dev "x" is forbidden: User ...`, or `forbidden: User ...` for a path.
pub fn forbidden(attributes: &Attributes<'_>, reason: &str) -> Status {
    let r = attributes.request;
    let message = forbidden_message(attributes, reason);
    if !r.is_resource_request {
        return Status::new(403, "Forbidden", format!("forbidden: {message}"));
    }
    let qualified = if r.api_group.is_empty() {
        r.resource.clone()
    } else {
        format!("{}.{}", r.resource, r.api_group)
    };
    let message = if r.name.is_empty() {
        format!("{qualified} is forbidden: {message}")
    } else {
        format!("{qualified} {:?} is forbidden: {message}", r.name)
    };
    Status {
        details: Some(Box::new(Details {
            name: r.name.clone(),
            group: r.api_group.clone(),
            kind: r.resource.clone(),
            ..Details::default()
        })),
        ..Status::new(403, "Forbidden", message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attributes(user: &str, method: &str, path: &str) -> (UserInfo, RequestInfo) {
        let user = UserInfo {
            name: user.into(),
            ..UserInfo::default()
        };
        (user, RequestInfo::parse(method, path, None))
    }

    #[test]
    fn messages_are_kube_apiservers() {
        let rows = [
            ("GET", "/metrics", "", "forbidden: User \"u\" cannot get path \"/metrics\""),
            (
                "GET",
                "/apis/demo.krest.dev/v1/namespaces/default/widgets/x",
                "",
                "widgets.demo.krest.dev \"x\" is forbidden: User \"u\" cannot get resource \"widgets\" in API group \"demo.krest.dev\" in the namespace \"default\"",
            ),
            (
                "PUT",
                "/apis/demo.krest.dev/v1/gadgets/g/status",
                "no rule",
                "gadgets.demo.krest.dev \"g\" is forbidden: User \"u\" cannot update resource \"gadgets/status\" in API group \"demo.krest.dev\" at the cluster scope: no rule",
            ),
            (
                "GET",
                "/api/v1/pods",
                "",
                "pods is forbidden: User \"u\" cannot list resource \"pods\" in API group \"\" at the cluster scope",
            ),
        ];
        for (method, path, reason, want) in rows {
            let (user, request) = attributes("u", method, path);
            let status = forbidden(
                &Attributes {
                    user: &user,
                    request: &request,
                },
                reason,
            );
            assert_eq!((status.code, status.reason), (403, "Forbidden"));
            assert_eq!(status.message, want);
        }
    }

    #[test]
    fn union_takes_the_first_decision() {
        let (user, request) = attributes("u", "GET", "/healthz");
        let a = Attributes {
            user: &user,
            request: &request,
        };
        struct Abstain;
        impl Authorizer for Abstain {
            fn authorize(&self, _: &Attributes<'_>) -> Decision {
                Decision::NoOpinion("no rule".into())
            }
        }
        let union = Union(vec![
            Box::new(Abstain),
            Box::new(AlwaysDeny),
            Box::new(AlwaysAllow),
        ]);
        assert!(matches!(union.authorize(&a), Decision::Deny(_)));
        let union = Union(vec![Box::new(Abstain), Box::new(AlwaysAllow)]);
        assert_eq!(union.authorize(&a), Decision::Allow);
        let union = Union(vec![Box::new(Abstain)]);
        assert_eq!(union.authorize(&a), Decision::NoOpinion("no rule".into()));
    }
}
