//! The one adapter of the AWS port, on the real `aws-sdk-*` clients.
//!
//! - Organizations is a global service: its client is signed for `us-east-1` (the global
//!   endpoint) unless an endpoint override is configured, in which case the configured
//!   region is kept.
//! - CloudTrail is regional: one client per region, created on first use and cached; a
//!   trail's calls go to its home region, which the caller names.
//! - Retries, timeouts and credentials are the `SdkConfig`'s (standard retry mode by
//!   default): nothing here retries by hand.
//! - Calls are paced under AWS's documented request quotas ([`rate_limit`]), urgent ones
//!   first; [`SdkAws::with_rates`] sets the rates (unpaced unless set).
//! - Endpoint override: `AWS_ENDPOINT_URL` (and `AWS_ENDPOINT_URL_<SERVICE>`, or
//!   `endpoint_url` in the profile) are read by `aws-config` into the `SdkConfig`;
//!   [`SdkAws::with_endpoint_url`] overrides explicitly (tests, `--aws-endpoint-url`).

pub mod classify;
mod cloudtrail;
pub mod convert;
mod event_data_stores;
mod organizations;
pub mod rate_limit;
mod settings;
pub mod sqs;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_types::region::Region;
use aws_types::sdk_config::{SharedCredentialsProvider, SharedTimeSource, TimeoutConfig};

use crate::aws::{AwsResult, CallObserver, priority};
use classify::Service;
use rate_limit::{RateLimits, Rates};

/// Region Organizations' global endpoint is signed for.
pub const ORGANIZATIONS_REGION: &str = "us-east-1";

/// The SDK adapter: implements [`crate::aws::Organizations`] and [`crate::aws::CloudTrail`].
pub struct SdkAws {
    base: SdkConfig,
    endpoint_url: Option<String>,
    organizations: aws_sdk_organizations::Client,
    sts: aws_sdk_sts::Client,
    cloudtrail: Mutex<HashMap<String, aws_sdk_cloudtrail::Client>>,
    observer: Option<Arc<dyn CallObserver>>,
    limits: RateLimits,
}

impl std::fmt::Debug for SdkAws {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SdkAws")
            .field("region", &self.base.region())
            .field("endpoint_url", &self.endpoint_url())
            .field("rates", &self.limits.rates())
            .finish_non_exhaustive()
    }
}

impl SdkAws {
    /// An adapter on `config` (credentials, region, retries, endpoint), telling
    /// `observer` about every call. Unpaced until [`SdkAws::with_rates`].
    pub fn new(config: &SdkConfig, observer: Option<Arc<dyn CallObserver>>) -> Self {
        Self::build(config.clone(), None, observer)
    }

    /// The same adapter with every service sent to `endpoint_url` (e.g. the emulator).
    pub fn with_endpoint_url(self, endpoint_url: impl Into<String>) -> Self {
        let limits = self.limits;
        Self {
            limits,
            ..Self::build(self.base, Some(endpoint_url.into()), self.observer)
        }
    }

    /// The same adapter pacing its calls at `rates` (per operation and region).
    pub fn with_rates(self, rates: Rates) -> Self {
        Self {
            limits: RateLimits::new(rates),
            ..self
        }
    }

    fn build(
        base: SdkConfig,
        endpoint_url: Option<String>,
        observer: Option<Arc<dyn CallObserver>>,
    ) -> Self {
        let override_url = endpoint_url
            .clone()
            .or(base.endpoint_url().map(str::to_owned));
        let org_region = match (&override_url, base.region()) {
            (Some(_), Some(region)) => region.clone(),
            _ => Region::from_static(ORGANIZATIONS_REGION),
        };
        let mut org = aws_sdk_organizations::config::Builder::from(&base).region(org_region);
        let mut sts = aws_sdk_sts::config::Builder::from(&base);
        if base.region().is_none() {
            // STS has regional endpoints everywhere; us-east-1 is the classic global one.
            sts = sts.region(Region::from_static(ORGANIZATIONS_REGION));
        }
        if let Some(url) = &endpoint_url {
            org = org.endpoint_url(url);
            sts = sts.endpoint_url(url);
        }
        SdkAws {
            organizations: aws_sdk_organizations::Client::from_conf(org.build()),
            sts: aws_sdk_sts::Client::from_conf(sts.build()),
            cloudtrail: Mutex::new(HashMap::new()),
            base,
            endpoint_url,
            observer,
            limits: RateLimits::new(Rates::UNLIMITED),
        }
    }

    /// The endpoint override in force, if any (explicit or from the `SdkConfig`).
    pub fn endpoint_url(&self) -> Option<&str> {
        self.endpoint_url.as_deref().or(self.base.endpoint_url())
    }

    /// The CloudTrail client for `region`, created on first use.
    fn cloudtrail(&self, region: &str) -> aws_sdk_cloudtrail::Client {
        // A poisoned lock only means another thread panicked while inserting a client;
        // the map itself is still usable.
        let mut clients = self.cloudtrail.lock().unwrap_or_else(|e| e.into_inner());
        clients
            .entry(region.to_owned())
            .or_insert_with(|| {
                let mut conf = aws_sdk_cloudtrail::config::Builder::from(&self.base)
                    .region(Region::new(region.to_owned()));
                if let Some(url) = &self.endpoint_url {
                    conf = conf.endpoint_url(url);
                }
                aws_sdk_cloudtrail::Client::from_conf(conf.build())
            })
            .clone()
    }

    /// Run one port call in `region` once pacing lets it go, and tell the observer how
    /// long it waited and how it ended. Further pages of a listing wait in
    /// [`SdkAws::next_page`].
    async fn observed<T>(
        &self,
        service: Service,
        region: &str,
        operation: &'static str,
        call: impl Future<Output = AwsResult<T>>,
    ) -> AwsResult<T> {
        self.next_page(service, region, operation).await;
        let result = call.await;
        if let Some(observer) = &self.observer {
            let outcome = match &result {
                Ok(_) => "ok",
                Err(e) => e.kind.label(),
            };
            observer.observe(service.name(), operation, outcome);
        }
        result
    }

    /// Wait until pacing lets a request of `operation` go (one per page of a listing).
    async fn next_page(&self, service: Service, region: &str, operation: &'static str) {
        let waited = self.limits.permit(service.name(), region, operation).await;
        if let Some(observer) = &self.observer
            && !waited.is_zero()
        {
            observer.paced(service.name(), operation, priority::current(), waited);
        }
    }
}

/// Per-attempt limit: the SDK sets none, and a hung connection would hold a reconcile
/// forever. A timed-out attempt is retried by the SDK, then reported as `Transient`.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(20);
/// Limit for one call including the SDK's retries.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(60);

/// Load the standard `SdkConfig` (environment, profile, IMDS/IRSA...), with an optional
/// region and endpoint override on top, and timeouts so that no call hangs forever.
pub async fn load_config(region: Option<String>, endpoint_url: Option<String>) -> SdkConfig {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(timeouts);
    if let Some(region) = region {
        loader = loader.region(Region::new(region));
    }
    if let Some(url) = endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// An `SdkConfig` whose credentials come from `sts:AssumeRole` on `role_arn`, using
/// `base`'s credentials, region and endpoint to call STS. Used for an optional
/// management-account role. The credentials are fetched (and refreshed) lazily.
pub async fn assume_role_config(
    base: &SdkConfig,
    role_arn: &str,
    session_name: Option<&str>,
) -> SdkConfig {
    // The provider needs a time source; a hand-built SdkConfig may lack one.
    let base = if base.time_source().is_none() {
        base.to_builder()
            .time_source(SharedTimeSource::default())
            .build()
    } else {
        base.clone()
    };
    let mut provider = aws_config::sts::AssumeRoleProvider::builder(role_arn).configure(&base);
    if let Some(name) = session_name {
        provider = provider.session_name(name);
    }
    let provider = provider.build().await;
    base.to_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build()
}

/// Page through a list call until `NextToken` is absent or empty. Empty pages with a
/// token are followed; a token repeated verbatim would loop forever, so it ends the
/// listing with a transient error instead of silently truncating it.
pub(crate) async fn paginate<T, F, Fut>(operation: &'static str, mut fetch: F) -> AwsResult<Vec<T>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = AwsResult<(Vec<T>, Option<String>)>>,
{
    let mut items = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let (page, next) = fetch(token.clone()).await?;
        items.extend(page);
        match next.filter(|t| !t.is_empty()) {
            None => return Ok(items),
            Some(next) if Some(&next) == token.as_ref() => {
                return Err(crate::aws::AwsError::new(
                    crate::aws::ErrorKind::Transient,
                    operation,
                    "RepeatedNextToken",
                    format!("{operation} returned the same NextToken twice"),
                ));
            }
            Some(next) => token = Some(next),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::ErrorKind;

    type Page = AwsResult<(Vec<u32>, Option<String>)>;

    /// Pages served by a fake list call: (items, next token).
    fn pages(
        script: Vec<(Vec<u32>, Option<&'static str>)>,
    ) -> impl FnMut(Option<String>) -> std::future::Ready<Page> {
        let mut script = script.into_iter();
        move |_token| {
            let (items, next) = script.next().unwrap_or_default();
            std::future::ready(Ok((items, next.map(str::to_owned))))
        }
    }

    #[tokio::test]
    async fn paginate_follows_empty_pages_until_the_token_is_gone() {
        let items = paginate(
            "ListTrails",
            pages(vec![
                (vec![1, 2], Some("a")),
                (vec![], Some("b")),
                (vec![3], Some("")),
                (vec![4], None),
            ]),
        )
        .await
        .unwrap();
        // An empty-string token ends the listing, like null.
        assert_eq!(items, vec![1, 2, 3]);
    }

    #[tokio::test]
    async fn paginate_refuses_a_repeated_token() {
        let err = paginate(
            "ListTrails",
            pages(vec![(vec![1], Some("a")), (vec![2], Some("a"))]),
        )
        .await
        .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Transient);
        assert_eq!(err.code, "RepeatedNextToken");
    }
}
