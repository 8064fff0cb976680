//! The server: registered resources, the store, listeners.

use std::sync::Arc;

use crate::store::Store;

/// Shared state of a running server.
pub struct State {
    /// The store.
    pub store: Arc<dyn Store>,
}
