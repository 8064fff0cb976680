//! The access stage of every request: authentication (client certificate, bearer token,
//! anonymous), then authorization, in kube-apiserver's order and with its answers: 401 for
//! credentials that are missing (anonymous off) or wrong, 403 with kube's message otherwise.

use std::sync::Arc;

use http::Request;

use crate::auth::impersonation::Impersonator;
use crate::auth::{
    bearer_token, forbidden, Attributes, Authorizer, Decision, RequestInfo, TokenFile, UserInfo,
};
use crate::response::Body;
use crate::status::Status;

/// How requests are authenticated and authorized.
pub(crate) struct Access {
    /// Bearer tokens (`--token-auth-file`).
    pub tokens: Option<TokenFile>,
    /// Whether requests without credentials are served as `system:anonymous`.
    pub anonymous: bool,
    /// Who may do what; `None` allows everything.
    pub authorizer: Option<Arc<dyn Authorizer>>,
}

/// What a connection's client certificate established, set on each of its requests by the TLS
/// listener.
#[derive(Clone, Debug)]
#[cfg_attr(not(feature = "tls"), allow(dead_code))]
pub(crate) enum PeerIdentity {
    /// A certificate signed by the client CA: its subject's user.
    Valid(UserInfo),
    /// A certificate the client CA does not vouch for, or one that cannot be read.
    Invalid,
}

impl Access {
    /// Authenticates `request`, applies its impersonation headers (see `impersonation.rs`) and
    /// authorizes it as the user it then runs as, leaving that user in its extensions (and the
    /// authenticated one as an [`Impersonator`] when they differ), the credentials and the
    /// impersonation headers out of its headers.
    pub fn check(&self, request: &mut Request<Body>) -> Result<(), Status> {
        let user = self.authenticate(request)?;
        request.headers_mut().remove(http::header::AUTHORIZATION);
        let impersonated = crate::auth::impersonation::impersonate(
            &user,
            request.headers_mut(),
            self.authorizer.as_deref(),
        )?;
        let user = match impersonated {
            Some(impersonated) => {
                request.extensions_mut().insert(Impersonator(user));
                impersonated
            }
            None => user,
        };
        let outcome = self.authorize(&user, request);
        request.extensions_mut().insert(user);
        outcome
    }

    /// The union of the authenticators, as kube-apiserver runs it: a client certificate first,
    /// then a bearer token; any that fails makes the request 401 unless another succeeds, and
    /// anonymous is the fallback only when none was presented.
    fn authenticate(&self, request: &Request<Body>) -> Result<UserInfo, Status> {
        let mut failed = false;
        match request.extensions().get::<PeerIdentity>() {
            Some(PeerIdentity::Valid(user)) => return Ok(user.clone()),
            Some(PeerIdentity::Invalid) => failed = true,
            None => {}
        }
        if let Some(tokens) = &self.tokens {
            match bearer_token(request.headers()) {
                Some(Ok(token)) => match tokens.authenticate(token) {
                    Some(user) => return Ok(user),
                    None => failed = true,
                },
                Some(Err(())) => failed = true,
                None => {}
            }
        }
        // Probes carry no credentials: the health paths are served to anonymous requests even
        // with anonymous requests off, as kube-apiserver's `anonymous.conditions` can allow.
        if failed || !(self.anonymous || is_health_probe(request.uri().path())) {
            return Err(Status::unauthorized());
        }
        Ok(UserInfo::anonymous())
    }

    fn authorize(&self, user: &UserInfo, request: &Request<Body>) -> Result<(), Status> {
        let Some(authorizer) = &self.authorizer else {
            return Ok(());
        };
        let uri = request.uri();
        let info = RequestInfo::parse(request.method().as_str(), uri.path(), uri.query());
        let attributes = Attributes {
            user,
            request: &info,
        };
        match authorizer.authorize(&attributes) {
            Decision::Allow => Ok(()),
            Decision::Deny(reason) | Decision::NoOpinion(reason) => {
                tracing::debug!(user = %user.name, verb = %info.verb, path = %info.path, %reason, "forbidden");
                Err(forbidden(&attributes, &reason))
            }
        }
    }
}

/// `/livez`, `/readyz`, `/healthz` and one check of each (`/readyz/store`).
fn is_health_probe(path: &str) -> bool {
    ["/livez", "/readyz", "/healthz"].iter().any(|root| {
        path.strip_prefix(root).is_some_and(|rest| {
            rest.is_empty()
                || rest
                    .strip_prefix('/')
                    .is_some_and(|check| !check.is_empty() && !check.contains('/'))
        })
    })
}

/// Who a request runs as, for the request log: `jane`, or `alice as bob` when alice
/// impersonates bob; `None` on a server that does not authenticate.
pub(crate) fn who(request: &Request<Body>) -> Option<String> {
    let user = request.extensions().get::<UserInfo>()?;
    Some(match request.extensions().get::<Impersonator>() {
        Some(Impersonator(acting)) => format!("{} as {}", acting.name, user.name),
        None => user.name.clone(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn health_probes() {
        for path in [
            "/livez",
            "/readyz",
            "/healthz",
            "/readyz/store",
            "/livez/ping",
        ] {
            assert!(super::is_health_probe(path), "{path}");
        }
        for path in [
            "/livezz",
            "/readyz/",
            "/readyz/a/b",
            "/version",
            "/healthzx/y",
            "/metrics",
        ] {
            assert!(!super::is_health_probe(path), "{path}");
        }
    }
}
