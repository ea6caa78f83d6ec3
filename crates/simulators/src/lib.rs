//! Strict simulators of Microsoft Entra/Graph and STARFACE, bound to loopback only.
//!
//! They exist for tests, benchmarks and the demo mode. "Strict" means they reject what
//! the real servers reject, so a connector that passes here follows the documented protocol.
//! [`office::Office`] runs both with the same people: the one rig of the demo and the tests.

pub mod graph;
pub mod hang_up;
pub mod loopback;
pub mod loopback_tls;
pub mod office;
pub mod onehub;
pub mod request_log;
pub mod starface;
