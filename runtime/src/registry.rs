//! The registry: what a built server knows of its resources, and everything a handler may use:
//! the store, the registered resources, the admission chain, the watch hubs and the metrics.
//!
//! It sits beneath the handlers and the server: handlers reach it through their [`Call`], the
//! server owns it. Nothing here knows about connections, filters or authentication.
//!
//! [`Call`]: crate::route::Call

use std::sync::Arc;

use crate::codegen::ResourceModel;
use crate::decode::Decoder;
use crate::metrics::Metrics;
use crate::route::Route;
use crate::schema::Validator;
use crate::store::{Store, StoreError};
use crate::watch::{Hub, WindowLimits};

/// A registered resource.
pub(crate) struct ResourceEntry {
    pub model: ResourceModel,
    pub routes: &'static [Route],
    pub decoder: Decoder,
    /// The object's structural schema, for defaulting, validation and OpenAPI.
    pub validator: Validator,
    /// The `Warning` every response of a deprecated version carries.
    pub deprecation: Option<http::HeaderValue>,
    /// The kind's shape for field ownership, compiled from `validator`'s schema on first use.
    pub shape: std::sync::OnceLock<crate::apply::Type>,
    /// How long an object lives after its last write, deleted by the store then (Events'
    /// `--event-ttl`); `None` for good.
    pub expiry: Option<std::time::Duration>,
}

impl ResourceEntry {
    /// The kind's shape for field ownership (list and map types from its schema).
    pub(crate) fn shape(&self) -> &crate::apply::Type {
        self.shape
            .get_or_init(|| crate::apply::Type::object(self.validator.schema()))
    }
}

/// The handler-facing state of a built server.
pub struct Registry {
    /// The store.
    pub store: Arc<dyn Store>,
    pub(crate) resources: Vec<ResourceEntry>,
    pub(crate) admission: crate::admission::Chain,
    pub(crate) metrics: Metrics,
    /// One watch hub per resource, started by the resource's first watch.
    hubs: Vec<tokio::sync::OnceCell<Arc<Hub>>>,
    watch_window: WindowLimits,
}

impl Registry {
    pub(crate) fn new(
        store: Arc<dyn Store>,
        resources: Vec<ResourceEntry>,
        admission: crate::admission::Chain,
        metrics: Metrics,
        watch_window: WindowLimits,
    ) -> Registry {
        let hubs = resources
            .iter()
            .map(|_| tokio::sync::OnceCell::new())
            .collect();
        Registry {
            store,
            resources,
            admission,
            metrics,
            hubs,
            watch_window,
        }
    }

    /// The watch hub of resource `index`, whose objects live under `prefix`, started on first
    /// use.
    pub(crate) async fn hub(&self, index: usize, prefix: String) -> Result<Arc<Hub>, StoreError> {
        let entry = self
            .resources
            .get(index)
            .ok_or_else(|| StoreError::Backend(format!("no resource {index}")))?;
        self.hubs[index]
            .get_or_try_init(|| {
                Hub::start(
                    self.store.clone(),
                    prefix,
                    self.watch_window,
                    entry.model.clone(),
                )
            })
            .await
            .cloned()
    }

    /// The bounds of every hub's window of recent events.
    pub(crate) fn watch_limits(&self) -> WindowLimits {
        self.watch_window
    }

    /// Watchers registered on every hub, and how many were closed for falling behind.
    pub(crate) fn watch_stats(&self) -> (usize, u64) {
        self.hubs
            .iter()
            .filter_map(|h| h.get())
            .fold((0, 0), |(w, c), h| (w + h.watchers(), c + h.closed_slow()))
    }
}
