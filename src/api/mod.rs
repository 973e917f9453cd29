//! The custom resources users write (group `orgtrail.dev`, version `v1alpha1`). No I/O here.

pub mod common;
pub mod crds;
pub mod delegated_admin;
pub mod org_event_data_store;
pub mod org_trail;
mod rules;
pub mod selectors;
pub mod settings;
pub mod trusted_access;

pub use common::{CLOUDTRAIL_SERVICE_PRINCIPAL, DeletionPolicy, ManagementPolicy};
pub use delegated_admin::{DelegatedAdmin, DelegatedAdminSpec, DelegatedAdminStatus};
pub use org_event_data_store::{OrgEventDataStore, OrgEventDataStoreSpec, OrgEventDataStoreStatus};
pub use org_trail::{OrgTrail, OrgTrailSpec, OrgTrailStatus};
pub use trusted_access::{
    TrustedAccess, TrustedAccessSpec, TrustedAccessState, TrustedAccessStatus,
};
