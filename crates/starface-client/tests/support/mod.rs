//! Shared test harnesses (the real Prosody and the second XMPP client live in `test-session`).
#![allow(dead_code)]

pub mod swagger_schema;
