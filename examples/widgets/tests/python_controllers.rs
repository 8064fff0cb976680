//! The official Python `kubernetes` client and what controllers rely on (the test script installs
//! it from PyPI): a Lease with optimistic concurrency (`CoordinationV1Api`), Events through the
//! core and `events.k8s.io` APIs with field selectors, a foreground cascade through
//! `V1DeleteOptions`, and a namespace that terminates.

mod support;

#[test]
fn python_client_leases_events_cascades_and_namespaces() {
    support::run_python("controllers_flow.py", "python controllers ok");
}
