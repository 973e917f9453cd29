//! Process runtime: context, errors, metrics, health endpoints, leader election, logging.

pub mod contests;
pub mod context;
pub mod error;
pub mod health;
pub mod leader;
pub mod metrics;
pub mod schedule;
pub mod telemetry;
pub mod trust;
pub mod watch_backoff;
