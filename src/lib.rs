//! orgtrail-operator: declare how AWS CloudTrail is wired into AWS Organizations, and keep
//! AWS that way.

pub mod api;
pub mod aws;
pub mod controllers;
pub mod runtime;
