//! The custom resources users write (group `orgtrail.dev`, version `v1alpha1`). No I/O here.

pub mod selectors;
