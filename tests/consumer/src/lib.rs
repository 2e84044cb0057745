//! A crate whose event types come from its build script.

include!(concat!(env!("OUT_DIR"), "/events.rs"));
