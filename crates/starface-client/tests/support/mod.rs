//! Shared test harnesses. Each test binary uses only some of them.
#![allow(dead_code)]

pub mod prosody;
pub mod swagger_schema;
pub mod xmpp_peer;
