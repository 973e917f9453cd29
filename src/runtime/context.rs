//! What every reconcile needs: the Kubernetes client, the AWS port, events, metrics and
//! configuration. Built once in `run`, shared by all controllers.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kube::core::DeserializeGuard;
use kube::runtime::events::Recorder;
use kube::runtime::reflector::{ObjectRef, Store};
use tokio::sync::OnceCell;

use crate::api::{TrustedAccess, TrustedAccessState};
use crate::aws::{
    AwsError, AwsResult, CLOUDTRAIL_SERVICE_PRINCIPAL, CallerIdentity, CloudTrail, ErrorKind,
    Organization, Organizations, Prerequisite,
};
use crate::runtime::metrics::Metrics;
use crate::runtime::trust::Trust;

/// One set of AWS credentials: its Organizations and CloudTrail ports.
#[derive(Clone)]
pub struct AwsClients {
    /// Organizations + STS.
    pub organizations: Arc<dyn Organizations>,
    /// CloudTrail.
    pub cloudtrail: Arc<dyn CloudTrail>,
}

/// The operator's AWS access: its own credentials (management account or delegated
/// administrator), and optionally a management-account role for management-only steps.
#[derive(Clone)]
pub struct Aws {
    /// The operator's own credentials.
    pub primary: AwsClients,
    /// The management account's, when the operator runs as delegated administrator and
    /// was given a role to assume. `None`: the primary credentials are used, and AWS says
    /// (NotManagementAccount) if they can't do a management-only step.
    pub management: Option<AwsClients>,
}

impl Aws {
    /// Credentials for management-account-only steps: trusted access, delegated-admin
    /// registration, organization scope conversion.
    pub fn management(&self) -> &AwsClients {
        self.management.as_ref().unwrap_or(&self.primary)
    }
}

/// Operator settings that reconcilers read.
#[derive(Clone, Debug)]
pub struct Settings {
    /// How often converged objects are re-read from AWS to catch drift nobody announced.
    pub resync: Duration,
    /// How often trusted access is re-read (an out-of-band disable is noticed this fast).
    pub trusted_access_resync: Duration,
    /// The region of the operator's AWS configuration (where Organizations listings go).
    pub region: String,
}

/// Shared state of all controllers.
pub struct Context {
    /// Kubernetes client.
    pub client: kube::Client,
    /// AWS access.
    pub aws: Aws,
    /// The one event recorder.
    pub recorder: Recorder,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// Settings.
    pub settings: Settings,
    /// The organization (its id and management account never change under us; cached).
    organization: OnceCell<Organization>,
    /// Whose credentials we run with (cached).
    caller: OnceCell<CallerIdentity>,
    /// Consecutive failures per object, for exponential backoff.
    failures: Mutex<HashMap<String, u32>>,
    /// Whether Organizations trusts CloudTrail, as last seen, and when.
    trust: Trust,
    /// The TrustedAccess controller's cache, once it runs.
    trusted_access_objects: Mutex<Option<Store<DeserializeGuard<TrustedAccess>>>>,
}

/// How long a trusted-access answer is reused. When trusted access comes back, every trail
/// and store reconciles at once; they share one `ListAWSServiceAccessForOrganization`
/// instead of each making its own (Organizations' rate limits are low). Never longer than
/// the trusted-access period, so a faster configured period is honoured.
const TRUSTED_ACCESS_TTL: Duration = Duration::from_secs(10);

impl Context {
    /// Assemble the context.
    pub fn new(
        client: kube::Client,
        aws: Aws,
        recorder: Recorder,
        metrics: Arc<Metrics>,
        settings: Settings,
    ) -> Arc<Self> {
        Arc::new(Context {
            client,
            aws,
            recorder,
            metrics,
            settings,
            organization: OnceCell::new(),
            caller: OnceCell::new(),
            failures: Mutex::new(HashMap::new()),
            trust: Trust::default(),
            trusted_access_objects: Mutex::new(None),
        })
    }

    /// `DescribeOrganization`, once.
    pub async fn organization(&self) -> AwsResult<&Organization> {
        self.organization
            .get_or_try_init(|| self.aws.primary.organizations.describe_organization())
            .await
    }

    /// `GetCallerIdentity` of the primary credentials, once.
    pub async fn caller(&self) -> AwsResult<&CallerIdentity> {
        self.caller
            .get_or_try_init(|| self.aws.primary.organizations.caller_identity())
            .await
    }

    /// Whether Organizations trusts CloudTrail: the latest observation (the TrustedAccess
    /// controller's, usually), or a fresh `ListAWSServiceAccessForOrganization` when that
    /// is older than a few seconds.
    pub async fn cloudtrail_trusted(&self) -> AwsResult<bool> {
        let max_age = TRUSTED_ACCESS_TTL.min(self.settings.trusted_access_resync);
        match self.trust.fresh(max_age) {
            Some(trusted) => Ok(trusted),
            None => self.read_trust().await,
        }
    }

    async fn read_trust(&self) -> AwsResult<bool> {
        let trusted = self
            .aws
            .primary
            .organizations
            .list_aws_service_access()
            .await?
            .iter()
            .any(|p| p == CLOUDTRAIL_SERVICE_PRINCIPAL);
        self.observed_trusted(trusted);
        Ok(trusted)
    }

    /// Record what AWS just said (or did) about trusted access.
    pub fn observed_trusted(&self, trusted: bool) {
        self.trust.record(trusted);
    }

    /// The TrustedAccess controller's cache of TrustedAccess objects.
    pub fn set_trusted_access_objects(&self, store: Store<DeserializeGuard<TrustedAccess>>) {
        *self
            .trusted_access_objects
            .lock()
            .expect("TrustedAccess store poisoned") = Some(store);
    }

    /// Whether a TrustedAccess object declares trusted access `Disabled`, asked only before
    /// a conversion back to organization scope. From the TrustedAccess controller's cache
    /// once it has its first listing; the API server otherwise. If neither answers, AWS's
    /// word decides (false).
    pub async fn trust_declared_off(&self) -> bool {
        let declared_off = |ta: &TrustedAccess| ta.spec.state == TrustedAccessState::Disabled;
        let store = self
            .trusted_access_objects
            .lock()
            .expect("TrustedAccess store poisoned")
            .clone();
        if let Some(store) = store
            && let Ok(Ok(())) =
                tokio::time::timeout(Duration::from_secs(5), store.wait_until_ready()).await
        {
            return store
                .state()
                .iter()
                .any(|guard| guard.0.as_ref().is_ok_and(declared_off));
        }
        let api = kube::Api::<TrustedAccess>::all(self.client.clone());
        match api.list(&kube::api::ListParams::default()).await {
            Ok(list) => list.items.iter().any(declared_off),
            Err(e) => {
                tracing::warn!(%e, "listing TrustedAccess objects failed");
                false
            }
        }
    }

    /// Yields each time trusted access is seen coming back: every trail, store and
    /// delegated admin waiting for it reconciles then.
    pub fn trust_restored(&self) -> impl futures::Stream<Item = ()> + Send + 'static {
        self.trust.restored()
    }

    /// While trusted access was last seen off, re-read it every trusted-access period, so
    /// that turning it back on outside the cluster (no TrustedAccess object declared, or
    /// one that is not ours) wakes the waiting objects within that period. Costs nothing
    /// while trusted access is on, and skips a period in which the TrustedAccess controller
    /// has just looked. Runs until `shutdown`.
    pub async fn recheck_trust_while_off(&self, shutdown: impl Future<Output = ()>) {
        let period = self.settings.trusted_access_resync;
        let recheck = async {
            loop {
                tokio::time::sleep(period).await;
                if self.trust.off_since().is_some_and(|age| age >= period / 2)
                    && let Err(e) = self.read_trust().await
                {
                    tracing::debug!(%e, "re-reading trusted access failed");
                }
            }
        };
        tokio::select! {
            () = recheck => {}
            () = shutdown => {}
        }
    }

    /// A conversion refused for lack of trusted access means the remembered "trusted" was
    /// stale: forget it.
    pub fn forget_trust_if_refused(&self, err: &AwsError) {
        if err.kind == ErrorKind::PrerequisiteMissing(Prerequisite::TrustedAccessDisabled) {
            self.observed_trusted(false);
        }
    }

    /// Count a failure of `key`; returns how many in a row.
    pub fn failed<K: kube::Resource<DynamicType = ()>>(&self, obj: &ObjectRef<K>) -> u32 {
        let mut map = self.failures.lock().expect("failure map poisoned");
        let n = map.entry(obj.to_string()).or_insert(0);
        *n = n.saturating_add(1);
        *n
    }

    /// Forget the failures of `key` after a success.
    pub fn succeeded<K: kube::Resource<DynamicType = ()>>(&self, obj: &ObjectRef<K>) {
        self.failures
            .lock()
            .expect("failure map poisoned")
            .remove(&obj.to_string());
    }
}
