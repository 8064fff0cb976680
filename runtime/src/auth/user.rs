//! Who a request comes from.

use std::collections::BTreeMap;

/// The group of every authenticated user.
pub const AUTHENTICATED: &str = "system:authenticated";
/// The group of anonymous requests.
pub const UNAUTHENTICATED: &str = "system:unauthenticated";
/// The user name of anonymous requests.
pub const ANONYMOUS: &str = "system:anonymous";
/// The group whose members may do anything (Kubernetes' `cluster-admin` binding).
pub const MASTERS: &str = "system:masters";

/// A user, as an authenticator established it: kube-apiserver's `user.Info`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserInfo {
    /// The user name.
    pub name: String,
    /// A unique id, when the authenticator has one.
    pub uid: String,
    /// The groups the user is in.
    pub groups: Vec<String>,
    /// Other attributes an authenticator or impersonation (`Impersonate-Extra-*`) attached,
    /// keys lowercased: kube-apiserver's `user.Info.GetExtra`.
    pub extra: BTreeMap<String, Vec<String>>,
}

impl UserInfo {
    /// `system:anonymous` in the group `system:unauthenticated`.
    pub fn anonymous() -> UserInfo {
        UserInfo {
            name: ANONYMOUS.into(),
            groups: vec![UNAUTHENTICATED.into()],
            ..UserInfo::default()
        }
    }

    /// The user with `system:authenticated` among its groups, as every authenticated user is.
    pub fn authenticated(mut self) -> UserInfo {
        if !self.groups.iter().any(|g| g == AUTHENTICATED) {
            self.groups.push(AUTHENTICATED.into());
        }
        self
    }

    /// Whether the user is in `group`.
    pub fn in_group(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anonymous_and_authenticated_users() {
        let anonymous = UserInfo::anonymous();
        assert_eq!(anonymous.name, "system:anonymous");
        assert_eq!(anonymous.groups, ["system:unauthenticated"]);
        assert!(anonymous.in_group(UNAUTHENTICATED) && !anonymous.in_group(AUTHENTICATED));
        let jane = UserInfo {
            name: "jane".into(),
            uid: "1".into(),
            groups: vec!["dev".into()],
            ..UserInfo::default()
        }
        .authenticated();
        assert_eq!(jane.groups, ["dev", "system:authenticated"]);
        assert_eq!(jane.clone().authenticated(), jane, "added once");
    }
}
