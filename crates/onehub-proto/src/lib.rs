//! STARFACE OneHub (the gRPC API of STARFACE 10 and later, port 9092), as far as Presence Bridge
//! uses it: presence subscribe/unsubscribe/events, account-id lookup, the own user and rights,
//! the server version, health and the chat id.
//!
//! The `.proto` files under `proto/` are our own, written from the known wire facts (package,
//! service and method names, field numbers and types); message names only serve readability.
//! Code is generated at build time with `protox` and `tonic-prost-build`, no `protoc`.
//!
//! Both sides are generated from the same files: the clients for `starface-client`, the server
//! traits for the strict simulator in `simulators`.
//!
//! Module paths follow the proto packages: [`presence`] is `gamma.onehub.api.v1.presence`.
//!
//! Decoding is lenient where the protocol needs it: an enum value this file does not know stays
//! an `i32` (use `TryFrom`), and an event variant this file does not know decodes as a message
//! whose `oneof` is `None`.

#![allow(clippy::all, clippy::pedantic)]
#![allow(missing_docs)]

mod generated {
    include!(concat!(env!("OUT_DIR"), "/onehub.rs"));
}

pub use generated::gamma::onehub::api::v1::{
    chat, health, me, presence, system, types, useridlookup,
};

/// Re-exported so users encode and decode with the same prost version.
pub use prost;
