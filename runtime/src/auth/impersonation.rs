//! Impersonation: `Impersonate-User`, `Impersonate-Group`, `Impersonate-Uid` and
//! `Impersonate-Extra-{key}` (`kubectl --as`, `--as-group`, `--as-uid`), as kube-apiserver's
//! impersonation filter (`k8s.io/apiserver/pkg/endpoints/filters/impersonation.go`) reads them.
//!
//! After authentication and before authorization, each thing asked for is authorized for the
//! authenticated user with the verb `impersonate`, in this order, the first refusal being the
//! request's 403: the user (resource `users`, or `serviceaccounts` in its namespace for
//! `system:serviceaccount:NS:NAME`), each group (`groups`), each extra value (`userextras/{key}`
//! in `authentication.k8s.io`), the uid (`uids` in `authentication.k8s.io`). The request then
//! runs as the impersonated user: a service account without groups asked for gets its own
//! (`system:serviceaccounts`, `system:serviceaccounts:NS`), and a user gets
//! `system:authenticated` unless `system:authenticated` or `system:unauthenticated` is among its
//! groups (`system:anonymous` gets `system:unauthenticated`). Groups, extras or a uid without a
//! user are kube-apiserver's 500.

use std::collections::BTreeMap;

use http::HeaderMap;

use crate::auth::{
    forbidden, Attributes, Authorizer, Decision, RequestInfo, UserInfo, ANONYMOUS, AUTHENTICATED,
    UNAUTHENTICATED,
};
use crate::status::Status;

const USER: &str = "impersonate-user";
const GROUP: &str = "impersonate-group";
const UID: &str = "impersonate-uid";
const EXTRA_PREFIX: &str = "impersonate-extra-";
const SERVICE_ACCOUNT_PREFIX: &str = "system:serviceaccount:";

/// The user who sent a request that runs as another: set on the request next to the
/// impersonated [`UserInfo`], for the request log.
#[derive(Clone, Debug)]
pub(crate) struct Impersonator(pub UserInfo);

/// One thing a request asks to impersonate (kube-apiserver's `ObjectReference` of it).
#[derive(Debug)]
enum Wanted {
    User(String),
    ServiceAccount { namespace: String, name: String },
    Group(String),
    Extra { key: String, value: String },
    Uid(String),
}

impl Wanted {
    /// The attributes authorized for it: `impersonate` on users, groups, serviceaccounts,
    /// `userextras/{key}` or uids.
    fn request(&self) -> RequestInfo {
        let core = |resource: &str, namespace: &str, name: &str| RequestInfo {
            is_resource_request: true,
            verb: "impersonate".into(),
            api_version: "v1".into(),
            resource: resource.into(),
            namespace: namespace.into(),
            name: name.into(),
            ..RequestInfo::default()
        };
        let authentication = |resource: &str, subresource: &str, name: &str| RequestInfo {
            api_group: "authentication.k8s.io".into(),
            subresource: subresource.into(),
            ..core(resource, "", name)
        };
        match self {
            Wanted::User(name) => core("users", "", name),
            Wanted::ServiceAccount { namespace, name } => core("serviceaccounts", namespace, name),
            Wanted::Group(name) => core("groups", "", name),
            Wanted::Extra { key, value } => authentication("userextras", key, value),
            Wanted::Uid(uid) => authentication("uids", "", uid),
        }
    }

    /// As Go's `%v` prints the `ObjectReference`: `{Kind Namespace Name UID APIVersion
    /// ResourceVersion FieldPath}`.
    fn go_format(&self) -> String {
        let (kind, namespace, name, api_version, field_path) = match self {
            Wanted::User(name) => ("User", "", name.as_str(), "", ""),
            Wanted::ServiceAccount { namespace, name } => {
                ("ServiceAccount", namespace.as_str(), name.as_str(), "", "")
            }
            Wanted::Group(name) => ("Group", "", name.as_str(), "", ""),
            Wanted::Extra { key, value } => (
                "UserExtra",
                "",
                value.as_str(),
                "authentication.k8s.io/v1",
                key.as_str(),
            ),
            Wanted::Uid(uid) => ("UID", "", uid.as_str(), "authentication.k8s.io/v1", ""),
        };
        format!("{{{kind} {namespace} {name}  {api_version}  {field_path}}}")
    }
}

/// A header's text (Go keeps the bytes; a value that is not UTF-8 is read lossily here).
fn text(value: &http::HeaderValue) -> String {
    String::from_utf8_lossy(value.as_bytes()).into_owned()
}

/// `system:serviceaccount:NS:NAME` as kube-apiserver's `serviceaccount.SplitUsername` splits
/// it: a namespace that is a DNS label and a name that is a DNS subdomain.
fn split_service_account(user: &str) -> Option<(String, String)> {
    let rest = user.strip_prefix(SERVICE_ACCOUNT_PREFIX)?;
    let mut parts = rest.split(':');
    let (namespace, name) = (parts.next()?, parts.next()?);
    if parts.next().is_some()
        || !crate::validation::is_dns1123_label(namespace).is_empty()
        || !crate::validation::is_dns1123_subdomain(name).is_empty()
    {
        return None;
    }
    Some((namespace.to_string(), name.to_string()))
}

/// An extra key percent-decoded as Go's `url.PathUnescape` decodes it, or as it is when that
/// fails (a `%` without two hex digits after it).
fn unescape(key: &str) -> String {
    let bytes = key.as_bytes();
    let hex = |i: usize| bytes.get(i).and_then(|&b| char::from(b).to_digit(16));
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        if byte == b'%' {
            let (Some(high), Some(low)) = (hex(i + 1), hex(i + 2)) else {
                return key.to_string();
            };
            out.push(u8::try_from(high * 16 + low).unwrap_or(b'%'));
            i += 3;
        } else {
            out.push(byte);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What the headers ask to impersonate, in kube-apiserver's order.
fn wanted(headers: &HeaderMap) -> Result<Vec<Wanted>, Status> {
    let mut wanted = Vec::new();
    let user = headers.get(USER).map(text).unwrap_or_default();
    let has_user = !user.is_empty();
    if has_user {
        wanted.push(match split_service_account(&user) {
            Some((namespace, name)) => Wanted::ServiceAccount { namespace, name },
            None => Wanted::User(user),
        });
    }
    let mut others = false;
    for group in headers.get_all(GROUP) {
        others = true;
        wanted.push(Wanted::Group(text(group)));
    }
    for (name, value) in headers {
        if let Some(key) = name.as_str().strip_prefix(EXTRA_PREFIX) {
            others = true;
            // Header names are lowercase already; keys may be percent-encoded.
            wanted.push(Wanted::Extra {
                key: unescape(key),
                value: text(value),
            });
        }
    }
    let uid = headers.get(UID).map(text).unwrap_or_default();
    if !uid.is_empty() {
        others = true;
        wanted.push(Wanted::Uid(uid));
    }
    if others && !has_user {
        let list: Vec<String> = wanted.iter().map(Wanted::go_format).collect();
        return Err(Status::internal(format!(
            "requested [{}] without impersonating a user",
            list.join(" ")
        )));
    }
    Ok(wanted)
}

/// The user `requestor` impersonates through the request's headers, each part authorized by
/// `authorizer` (`None` allows everything), or `None` when the request impersonates no one.
/// The impersonation headers are removed from the request.
pub(crate) fn impersonate(
    requestor: &UserInfo,
    headers: &mut HeaderMap,
    authorizer: Option<&dyn Authorizer>,
) -> Result<Option<UserInfo>, Status> {
    let wanted = wanted(headers)?;
    if wanted.is_empty() {
        return Ok(None);
    }
    let groups_given = headers.contains_key(GROUP);
    let mut user = UserInfo::default();
    let mut groups = Vec::new();
    let mut extra: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for thing in &wanted {
        match thing {
            Wanted::User(name) => user.name.clone_from(name),
            Wanted::ServiceAccount { namespace, name } => {
                user.name = format!("{SERVICE_ACCOUNT_PREFIX}{namespace}:{name}");
                if !groups_given {
                    groups = vec![
                        "system:serviceaccounts".to_string(),
                        format!("system:serviceaccounts:{namespace}"),
                    ];
                }
            }
            Wanted::Group(group) => groups.push(group.clone()),
            Wanted::Extra { key, value } => {
                extra.entry(key.clone()).or_default().push(value.clone())
            }
            Wanted::Uid(uid) => user.uid.clone_from(uid),
        }
        let request = thing.request();
        let attributes = Attributes {
            user: requestor,
            request: &request,
        };
        let decision = authorizer.map_or(Decision::Allow, |a| a.authorize(&attributes));
        match decision {
            Decision::Allow => {}
            Decision::Deny(reason) | Decision::NoOpinion(reason) => {
                // In the request log: the request is answered before it is routed.
                tracing::debug!(
                    target: "krest::request",
                    user = %requestor.name,
                    impersonate = %thing.go_format(),
                    %reason,
                    "impersonation forbidden"
                );
                return Err(forbidden(&attributes, &reason));
            }
        }
    }
    if user.name != ANONYMOUS {
        if !groups
            .iter()
            .any(|g| g == AUTHENTICATED || g == UNAUTHENTICATED)
        {
            groups.push(AUTHENTICATED.to_string());
        }
    } else if !groups.iter().any(|g| g == UNAUTHENTICATED) {
        groups.push(UNAUTHENTICATED.to_string());
    }
    user.groups = groups;
    user.extra = extra;
    headers.remove(USER);
    headers.remove(GROUP);
    headers.remove(UID);
    let extras: Vec<http::HeaderName> = headers
        .keys()
        .filter(|name| name.as_str().starts_with(EXTRA_PREFIX))
        .cloned()
        .collect();
    for name in extras {
        headers.remove(name);
    }
    Ok(Some(user))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_account_names_split_as_kube_apiservers() {
        let rows = [
            ("system:serviceaccount:ns:name", Some(("ns", "name"))),
            ("system:serviceaccount:ns:a.b-c", Some(("ns", "a.b-c"))),
            ("system:serviceaccount:ns", None),
            ("system:serviceaccount:ns:a:b", None),
            ("system:serviceaccount::name", None),
            ("system:serviceaccount:NS:name", None),
            ("system:serviceaccount:ns.x:name", None),
            ("system:serviceaccounts:ns:name", None),
            ("bob", None),
        ];
        for (user, split) in rows {
            assert_eq!(
                split_service_account(user),
                split.map(|(a, b)| (a.to_string(), b.to_string())),
                "{user}"
            );
        }
    }

    #[test]
    fn extra_keys_are_unescaped_as_go_does() {
        assert_eq!(unescape("scopes%2fx"), "scopes/x");
        assert_eq!(unescape("plain"), "plain");
        assert_eq!(unescape("bad%zz"), "bad%zz");
        assert_eq!(unescape("cut%2"), "cut%2");
    }

    #[test]
    fn what_is_asked_for_and_in_which_order() {
        let mut headers = HeaderMap::new();
        headers.insert("impersonate-uid", "42".parse().unwrap());
        headers.append("impersonate-group", "a".parse().unwrap());
        headers.append("impersonate-group", "b".parse().unwrap());
        headers.insert("impersonate-extra-scopes%2Fx", "s".parse().unwrap());
        headers.insert("impersonate-user", "bob".parse().unwrap());
        let list: Vec<String> = wanted(&headers)
            .unwrap()
            .iter()
            .map(Wanted::go_format)
            .collect();
        assert_eq!(
            list,
            [
                "{User  bob    }",
                "{Group  a    }",
                "{Group  b    }",
                "{UserExtra  s  authentication.k8s.io/v1  scopes/x}",
                "{UID  42  authentication.k8s.io/v1  }",
            ]
        );
        headers.remove("impersonate-user");
        let status = wanted(&headers).unwrap_err();
        assert_eq!((status.code, status.reason), (500, "InternalError"));
        assert!(
            status
                .message
                .starts_with("Internal error occurred: requested [{Group  a    } {Group  b    } ")
                && status.message.ends_with("] without impersonating a user"),
            "{}",
            status.message
        );
    }

    #[test]
    fn groups_of_the_impersonated_user() {
        let alice = UserInfo {
            name: "alice".into(),
            ..UserInfo::default()
        }
        .authenticated();
        let run = |pairs: &[(&str, &str)]| {
            let mut headers = HeaderMap::new();
            for (k, v) in pairs {
                headers.append(
                    http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                    v.parse().unwrap(),
                );
            }
            let user = impersonate(&alice, &mut headers, None).unwrap().unwrap();
            assert!(headers.is_empty(), "the headers are removed: {headers:?}");
            user
        };
        let bob = run(&[("impersonate-user", "bob")]);
        assert_eq!(
            (bob.name.as_str(), bob.groups.as_slice()),
            ("bob", &["system:authenticated".to_string()][..])
        );
        let sa = run(&[("impersonate-user", "system:serviceaccount:ci:robot")]);
        assert_eq!(
            sa.groups,
            [
                "system:serviceaccounts",
                "system:serviceaccounts:ci",
                "system:authenticated"
            ]
        );
        let sa = run(&[
            ("impersonate-user", "system:serviceaccount:ci:robot"),
            ("impersonate-group", "dev"),
        ]);
        assert_eq!(sa.groups, ["dev", "system:authenticated"]);
        let unauthenticated = run(&[
            ("impersonate-user", "bob"),
            ("impersonate-group", "system:unauthenticated"),
        ]);
        assert_eq!(unauthenticated.groups, ["system:unauthenticated"]);
        let anonymous = run(&[("impersonate-user", "system:anonymous")]);
        assert_eq!(anonymous.groups, ["system:unauthenticated"]);
        let extra = run(&[
            ("impersonate-user", "bob"),
            ("impersonate-uid", "7"),
            ("impersonate-extra-scopes", "a"),
            ("impersonate-extra-scopes", "b"),
        ]);
        assert_eq!(extra.uid, "7");
        assert_eq!(extra.extra["scopes"], ["a", "b"]);
        let mut none = HeaderMap::new();
        assert_eq!(impersonate(&alice, &mut none, None).unwrap(), None);
    }
}
