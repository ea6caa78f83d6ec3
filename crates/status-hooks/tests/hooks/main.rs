//! The status hooks against real parts: Mosquitto, a loopback HTTPS receiver, real programs.
//! One test binary (one link) for all of them.

mod broker;
mod command;
mod isolation;
mod mqtt;
mod support;
mod webhook;
