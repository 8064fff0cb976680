//! What every server runs and serves besides the user's kinds: the built-in kinds (Lease,
//! Events) a builder adds unless told not to, and the controllers (the garbage collector and
//! the namespace controller) with the election of the server that runs them.

use std::sync::Arc;
use std::time::Duration;

use super::{Server, ServerBuilder, State};
use crate::resource::Resource;

/// How long an Event lives after its last write by default (kube-apiserver's `--event-ttl`).
pub const DEFAULT_EVENT_TTL: Duration = Duration::from_secs(3600);

/// How long the controllers' Lease holds without renewal by default
/// (kube-controller-manager's `--leader-elect-lease-duration`).
pub const DEFAULT_CONTROLLER_LEASE: Duration = Duration::from_secs(15);

impl Server {
    /// Starts what the server runs besides answering requests: the garbage collector, which
    /// deletes objects whose owners are gone and finishes foreground and orphan deletions (not
    /// with [`without_builtins`](ServerBuilder::without_builtins)), and, with namespaces, the
    /// namespace controller, which empties terminating namespaces. Serving starts them; call
    /// this to use [`Server::handle`] without serving. Once per server; it needs a tokio
    /// runtime.
    pub fn start_controllers(&self) {
        self.state.start_controllers();
    }

    /// Whether this server runs the controllers now: it holds the Lease
    /// `kube-system/krest-controllers` (see [`ServerBuilder::controller_lease`]).
    pub fn leads_controllers(&self) -> bool {
        self.state.elector.get().is_some_and(|e| e.leading())
    }

    /// This server's `holderIdentity` in the controllers' Lease, once the controllers started.
    pub fn controller_identity(&self) -> Option<&str> {
        self.state.elector.get().map(|e| e.identity.as_str())
    }
}

impl ServerBuilder {
    /// Leaves out the built-in kinds every server otherwise serves, and the garbage collector
    /// (see [`Server::start_controllers`]): the `coordination.k8s.io/v1`
    /// [`Lease`](crate::Lease) that leader-elected controllers need, and the core `v1`
    /// [`Event`](crate::Event) with its `events.k8s.io/v1` view
    /// [`EventsEvent`](crate::EventsEvent). (The Namespace is served only
    /// when [`namespaces`](Self::namespaces) asks for it.)
    pub fn without_builtins(mut self) -> Self {
        self.builtins = false;
        self
    }

    /// How long an Event (core `v1` or `events.k8s.io/v1`) is kept after its last write
    /// (`--event-ttl`, default one hour, as kube-apiserver): the store itself deletes it then
    /// (see [`Store::create_expiring`](crate::store::Store::create_expiring)).
    pub fn event_ttl(mut self, ttl: Duration) -> Self {
        self.event_ttl = ttl;
        self
    }

    /// How long the Lease `kube-system/krest-controllers` holds without renewal
    /// (`--leader-elect-lease-duration`, default 15 s). Of the servers sharing a store, the
    /// one holding it runs the garbage collector and the namespace controller; when it stops
    /// renewing, another takes over this long after its last renewal. A leader that cannot
    /// renew for two thirds of it stops its controllers first.
    pub fn controller_lease(mut self, lease: Duration) -> Self {
        self.controller_lease = lease;
        self
    }

    /// Whether `model`'s group, version and plural are registered already.
    fn serves(&self, model: &crate::codegen::ResourceModel) -> bool {
        self.resources.iter().any(|e| {
            e.model.group == model.group
                && e.model.version == model.version
                && e.model.plural == model.plural
        })
    }

    /// Adds the built-in kinds not registered yet (unless `without_builtins`), and gives the
    /// Events their time to live.
    pub(super) fn with_builtins(mut self) -> Self {
        if self.builtins {
            if !self.serves(&crate::Lease::MODEL) {
                self = self.resource::<crate::Lease>();
            }
            if !self.serves(&crate::Event::MODEL) {
                self = self.resource::<crate::Event>();
            }
            if !self.serves(&crate::EventsEvent::MODEL) {
                self = self.resource::<crate::EventsEvent>();
            }
        }
        let mut events = false;
        for entry in &mut self.resources {
            if crate::builtin::event::is_event(&entry.model) {
                entry.expiry = Some(self.event_ttl);
                events = true;
            }
        }
        if events {
            // kube-apiserver's validation of new Events, before the user's admission.
            self.admission.validating.insert(
                0,
                Arc::new(crate::builtin::event::validation::EventValidation),
            );
        }
        self
    }
}

impl State {
    /// The controllers run on the server that holds their Lease (`gc/election.rs`): with one
    /// server, at once; with several on one store, on one of them at a time.
    pub(crate) fn start_controllers(self: &Arc<Self>) {
        let namespaces = crate::builtin::namespace::served(&self.registry);
        if !self.collects_garbage && !namespaces {
            return;
        }
        self.elector.get_or_init(|| {
            let registry = self.registry.clone();
            let collects_garbage = self.collects_garbage;
            let controllers = move || {
                let mut tasks = Vec::new();
                if collects_garbage {
                    tasks.push(crate::gc::start(registry.clone()));
                }
                if namespaces {
                    tasks.push(crate::builtin::namespace::lifecycle::start(
                        registry.clone(),
                    ));
                }
                tasks
            };
            let timing = crate::gc::election::Timing {
                lease: self.controller_lease,
            };
            crate::gc::election::start(self.registry.clone(), timing, controllers)
        });
    }
}
