//! Watch fan-out: one [`Hub`](hub::Hub) per resource subscribes to the store once; every watcher
//! reads shared, already serialized events from its own bounded queue through a [`WatchBody`].

mod body;
mod change;
mod hub;
mod queue;

pub(crate) use body::{Encoder, Filter, WatchBody};
pub(crate) use change::{object_of, Change, Object};
pub(crate) use hub::{Hub, NotInWindow, WindowLimits, WATCHER_QUEUE};
pub(crate) use queue::{queue, QueueRx};
