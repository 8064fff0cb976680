//! Watch fan-out: one [`Hub`](hub::Hub) per resource subscribes to the store once; every watcher
//! reads shared, already serialized events from its own bounded queue through a [`WatchBody`].

mod body;
mod hub;

pub(crate) use body::{Encoder, Filter, WatchBody};
pub(crate) use hub::{
    event_line, kind_name, object_of, Change, Hub, NotInWindow, Object, DEFAULT_WINDOW,
    WATCHER_QUEUE,
};
