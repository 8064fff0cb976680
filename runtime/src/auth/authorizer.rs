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

    /// What `user` may do in `namespace`, for `SelfSubjectRulesReview` (`kubectl auth can-i
    /// --list`): kube-apiserver's `RuleResolver`. An authorizer that cannot list its rules
    /// answers an empty, incomplete list, which is the default.
    fn rules_for(&self, user: &UserInfo, namespace: &str) -> RuleList {
        let _ = (user, namespace);
        RuleList {
            incomplete: true,
            ..RuleList::default()
        }
    }

    /// Whether this authorizer allows every request whoever sent it (`AlwaysAllow`): the
    /// server then skips authorization and warns when it starts, as kube-apiserver does.
    fn allows_everything(&self) -> bool {
        false
    }
}

/// The rules that apply to a user in a namespace: a `SubjectRulesReviewStatus`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleList {
    /// Rules on resources.
    pub resource_rules: Vec<ResourceRule>,
    /// Rules on non-resource paths.
    pub non_resource_rules: Vec<NonResourceRule>,
    /// Whether the list may leave out rules (an authorizer could not list its own).
    pub incomplete: bool,
    /// What went wrong while listing (a role that does not exist, say); empty if nothing did.
    pub evaluation_error: String,
}

/// A rule on resources: `verbs` on `resources` of `api_groups`, limited to `resource_names`
/// when that is not empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResourceRule {
    /// `get`, `list`, ..., or `*`.
    pub verbs: Vec<String>,
    /// API groups (`""` for the core group), or `*`.
    pub api_groups: Vec<String>,
    /// Resources (`widgets`, `widgets/status`, `*/scale`), or `*`.
    pub resources: Vec<String>,
    /// Object names; empty for all.
    pub resource_names: Vec<String>,
}

/// A rule on non-resource paths: `verbs` on `non_resource_urls` (`/metrics`, `/logs/*`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NonResourceRule {
    /// Lowercased HTTP methods (`get`, `post`), or `*`.
    pub verbs: Vec<String>,
    /// Paths, or prefixes ending in `*`.
    pub non_resource_urls: Vec<String>,
}

/// Everything, as `AlwaysAllow` (and a server without an authorizer) lists it.
pub(crate) fn everything() -> RuleList {
    let all = || vec!["*".to_string()];
    RuleList {
        resource_rules: vec![ResourceRule {
            verbs: all(),
            api_groups: all(),
            resources: all(),
            resource_names: Vec::new(),
        }],
        non_resource_rules: vec![NonResourceRule {
            verbs: all(),
            non_resource_urls: all(),
        }],
        ..RuleList::default()
    }
}

/// Allows everything (`--authorization-mode=AlwaysAllow`). The server logs a warning when it
/// starts with it.
#[derive(Clone, Copy, Debug, Default)]
pub struct AlwaysAllow;

impl Authorizer for AlwaysAllow {
    fn authorize(&self, _: &Attributes<'_>) -> Decision {
        Decision::Allow
    }

    fn rules_for(&self, _: &UserInfo, _: &str) -> RuleList {
        everything()
    }

    fn allows_everything(&self) -> bool {
        true
    }
}

/// Refuses everything (`--authorization-mode=AlwaysDeny`), with the reason `Everything is
/// forbidden.`. kube-apiserver's AlwaysDeny answers no opinion, which a later authorizer of a
/// union may overrule; this one denies, so nothing after it in a [`Union`] is asked.
#[derive(Clone, Copy, Debug, Default)]
pub struct AlwaysDeny;

impl Authorizer for AlwaysDeny {
    fn authorize(&self, _: &Attributes<'_>) -> Decision {
        Decision::Deny("Everything is forbidden.".into())
    }

    fn rules_for(&self, _: &UserInfo, _: &str) -> RuleList {
        RuleList::default()
    }
}

/// Several authorizers in order, as kube-apiserver chains `--authorization-mode=A,B`: the
/// first that allows or denies decides; when none does, the answer is no opinion with the
/// reasons given, one a line (and the caller refuses the request).
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
        Decision::NoOpinion(reasons.join("\n"))
    }

    /// Every authorizer's rules, one after the other; incomplete if any is, and the errors
    /// joined as kube-apiserver's aggregate joins them.
    fn rules_for(&self, user: &UserInfo, namespace: &str) -> RuleList {
        let mut all = RuleList::default();
        let mut errors = Vec::new();
        for authorizer in &self.0 {
            let rules = authorizer.rules_for(user, namespace);
            all.resource_rules.extend(rules.resource_rules);
            all.non_resource_rules.extend(rules.non_resource_rules);
            all.incomplete |= rules.incomplete;
            if !rules.evaluation_error.is_empty() {
                errors.push(rules.evaluation_error);
            }
        }
        all.evaluation_error = match errors.as_slice() {
            [] => String::new(),
            [one] => one.clone(),
            many => format!("[{}]", many.join(", ")),
        };
        all
    }
}

impl std::fmt::Debug for Union {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Union({} authorizers)", self.0.len())
    }
}

/// kube-apiserver's words for a refusal (`responsewriters.Forbidden`): `User "u" cannot get
/// resource "widgets" in API group "demo.krest.dev" in the namespace "default"`, `... at the
/// cluster scope`, or `User "u" cannot get path "/metrics"`, then `: {reason}` when there is
/// a reason. Strings are quoted as Go's `%q` quotes them, and `&`, `<` and `>` in the message
/// (not in the reason) are written as HTML entities, as kube-apiserver writes them.
pub fn forbidden_message(attributes: &Attributes<'_>, reason: &str) -> String {
    let user = go_quote(&attributes.user.name);
    let r = attributes.request;
    let message = if r.is_resource_request {
        let resource = if r.subresource.is_empty() {
            r.resource.clone()
        } else {
            format!("{}/{}", r.resource, r.subresource)
        };
        let (verb, resource, group) = (&r.verb, go_quote(&resource), go_quote(&r.api_group));
        if r.namespace.is_empty() {
            format!(
                "User {user} cannot {verb} resource {resource} in API group {group} at the cluster scope"
            )
        } else {
            let namespace = go_quote(&r.namespace);
            format!(
                "User {user} cannot {verb} resource {resource} in API group {group} in the namespace {namespace}"
            )
        }
    } else {
        format!("User {user} cannot {} path {}", r.verb, go_quote(&r.path))
    };
    let mut message = message
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    if !reason.is_empty() {
        message.push_str(": ");
        message.push_str(reason);
    }
    message
}

/// The 403 Status kube-apiserver answers a refused request with (`errors.NewForbidden`):
/// `widgets.demo.krest.dev "x" is forbidden: {message}`, `widgets.demo.krest.dev is forbidden:
/// {message}` without a name, `forbidden: {message}` for a path, where the message is
/// [`forbidden_message`]; the details name the group, the resource (as `kind`) and the object.
///
/// ```
/// # use krest::auth::{forbidden, Attributes, RequestInfo, UserInfo};
/// let user = UserInfo { name: "jane".into(), ..UserInfo::default() };
/// let request = RequestInfo::parse("DELETE", "/apis/demo.krest.dev/v1/namespaces/default/widgets/x", None);
/// let status = forbidden(&Attributes { user: &user, request: &request }, "");
/// assert_eq!((status.code, status.reason), (403, "Forbidden"));
/// assert_eq!(
///     status.message,
///     r#"widgets.demo.krest.dev "x" is forbidden: User "jane" cannot delete resource "widgets" in API group "demo.krest.dev" in the namespace "default""#
/// );
/// ```
pub fn forbidden(attributes: &Attributes<'_>, reason: &str) -> Status {
    let r = attributes.request;
    let message = forbidden_message(attributes, reason);
    // A path has no group and no resource: `schema.GroupResource{}` is empty.
    let (group, resource, name) = if r.is_resource_request {
        (r.api_group.as_str(), r.resource.as_str(), r.name.as_str())
    } else {
        ("", "", r.name.as_str())
    };
    let qualified = if group.is_empty() {
        resource.to_string()
    } else {
        format!("{resource}.{group}")
    };
    let message = if qualified.is_empty() {
        format!("forbidden: {message}")
    } else if name.is_empty() {
        format!("{qualified} is forbidden: {message}")
    } else {
        format!("{qualified} {} is forbidden: {message}", go_quote(name))
    };
    Status {
        details: Some(Box::new(Details {
            name: name.to_string(),
            group: group.to_string(),
            kind: resource.to_string(),
            ..Details::default()
        })),
        ..Status::new(403, "Forbidden", message)
    }
}

/// `s` in double quotes as Go's `%q` (`strconv.Quote`) writes it: `"` and `\` escaped, the
/// usual `\n`-style escapes, other characters Go does not print as `\xNN`, `\uNNNN` or
/// `\UNNNNNNNN`.
pub(crate) fn go_quote(s: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if go_prints(c) => out.push(c),
            c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if u32::from(c) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => {
                let _ = write!(out, "\\U{:08x}", u32::from(c));
            }
        }
    }
    out.push('"');
    out
}

/// Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space;
/// not controls, format characters, surrogates, private use, unassigned code points or other
/// spaces. Rust's `escape_debug` leaves exactly these alone, past the first character of a
/// string (where it would also escape a combining mark), so ask it about `c` after an `a`.
fn go_prints(c: char) -> bool {
    if c.is_ascii() {
        return c == ' ' || c.is_ascii_graphic();
    }
    let pair: String = ['a', c].into_iter().collect();
    pair.escape_debug().nth(1) == Some(c)
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
            (
                "DELETE",
                "/api/v1/namespaces/n/pods",
                "",
                "pods is forbidden: User \"u\" cannot deletecollection resource \"pods\" in API group \"\" in the namespace \"n\"",
            ),
            (
                "GET",
                "/api/v1/namespaces/n",
                "",
                "namespaces \"n\" is forbidden: User \"u\" cannot get resource \"namespaces\" in API group \"\" in the namespace \"n\"",
            ),
            // No group and no resource: Kubernetes' empty GroupResource.
            (
                "GET",
                "/api/v1//x",
                "",
                "forbidden: User \"u\" cannot get resource \"\" in API group \"\" at the cluster scope",
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
    fn details_name_the_group_resource_and_object() {
        let (user, request) = attributes("u", "PUT", "/apis/demo.krest.dev/v1/gadgets/g/status");
        let status = forbidden(
            &Attributes {
                user: &user,
                request: &request,
            },
            "",
        );
        let details = status.details.unwrap();
        assert_eq!(
            (
                details.name.as_str(),
                details.group.as_str(),
                details.kind.as_str()
            ),
            ("g", "demo.krest.dev", "gadgets")
        );
        // A path: `details: {}`, as kube-apiserver answers.
        let (user, request) = attributes("u", "GET", "/metrics");
        let status = forbidden(
            &Attributes {
                user: &user,
                request: &request,
            },
            "",
        );
        assert_eq!(status.to_json()["details"], serde_json::json!({}));
    }

    #[test]
    fn strings_are_quoted_as_go_quotes_them_and_html_is_escaped() {
        let rows = [
            ("plain", r#""plain""#),
            ("", r#""""#),
            ("a\"b\\c", r#""a\"b\\c""#),
            ("\n\t\r\u{7}\u{8}\u{b}\u{c}", r#""\n\t\r\a\b\v\f""#),
            ("\u{0}\u{1b}\u{7f}", r#""\x00\x1b\x7f""#),
            ("zoë 日本 🦀", "\"zoë 日本 🦀\""),
            // A combining mark is printed, even first; other spaces, format characters and
            // private use are escaped.
            ("\u{301}e\u{301}", "\"\u{301}e\u{301}\""),
            (
                "\u{a0}\u{200b}\u{feff}\u{e000}",
                r#""\u00a0\u200b\ufeff\ue000""#,
            ),
            ("\u{10ffff}\u{f0000}", r#""\U0010ffff\U000f0000""#),
            ("\u{fffd}", "\"\u{fffd}\""),
        ];
        for (text, quoted) in rows {
            assert_eq!(go_quote(text), quoted, "{text:?}");
        }
        let user = UserInfo {
            name: "<b>&\n".into(),
            ..UserInfo::default()
        };
        let request = RequestInfo::parse("GET", "/a<b>", None);
        let attributes = Attributes {
            user: &user,
            request: &request,
        };
        assert_eq!(
            forbidden_message(&attributes, "<reason> & more"),
            r#"User "&lt;b&gt;&amp;\n" cannot get path "/a&lt;b&gt;": <reason> & more"#
        );
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
        let union = Union(vec![Box::new(Abstain), Box::new(Abstain)]);
        assert_eq!(
            union.authorize(&a),
            Decision::NoOpinion("no rule\nno rule".into())
        );
        assert_eq!(
            Union(Vec::new()).authorize(&a),
            Decision::NoOpinion(String::new())
        );
    }
}
