//! `orgtrail-operator run`, the composition root: wire the AWS port, Kubernetes client,
//! trusted-access gate, metrics/health server and leader election around the four
//! controllers. It sits above everything it assembles.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use kube::runtime::events::{Recorder, Reporter};
use tokio::sync::watch;

use crate::api::{DelegatedAdmin, OrgEventDataStore, OrgTrail, TrustedAccess};
use crate::aws::CallObserver;
use crate::aws::access::{Aws, AwsClients};
use crate::aws::queue::EventQueue;
use crate::aws::sdk::rate_limit::{CLOUDTRAIL_READ_QUOTA, CLOUDTRAIL_WRITE_QUOTA, Rates};
use crate::aws::sdk::sqs::SqsQueue;
use crate::aws::sdk::{SdkAws, assume_role_config, load_config};
use crate::controllers::engine::{self, store};
use crate::runtime::context::{Context, Periods, Settings};
use crate::runtime::health::{self, Readiness};
use crate::runtime::leader::{self, LeaderConfig};
use crate::runtime::metrics::Metrics;
use crate::runtime::trust::TrustGate;
use crate::triggers::Triggers;
use crate::triggers::consumer::consume;

/// Settings of `orgtrail-operator run`.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// AWS region (else the standard AWS configuration's).
    pub region: Option<String>,
    /// Endpoint override for every AWS service (the emulator in tests).
    pub endpoint_url: Option<String>,
    /// Management-account role to assume for management-only steps.
    pub management_role_arn: Option<String>,
    /// Drift resync period (default: 300 s, or 3600 s with an event queue).
    pub resync: Option<Duration>,
    /// Trusted-access re-read period (default: 30 s, or 300 s with an event queue).
    pub trusted_access_resync: Option<Duration>,
    /// The SQS queue EventBridge delivers AWS API call events to (`crate::triggers`).
    pub events_queue_url: Option<String>,
    /// Metrics and health address.
    pub metrics_addr: SocketAddr,
    /// Leader election.
    pub leader: LeaderConfig,
    /// Pacing of AWS calls (per operation, region and credentials).
    pub rates: Rates,
}

fn clients(
    config: &aws_config::SdkConfig,
    observer: Option<Arc<dyn CallObserver>>,
    rates: Rates,
) -> AwsClients {
    let sdk = Arc::new(SdkAws::new(config, observer).with_rates(rates));
    AwsClients {
        organizations: sdk.clone(),
        cloudtrail: sdk,
    }
}

/// The operator's AWS access (shared by `run` and `plan`): the standard credential chain
/// with an optional region and endpoint, and the management role if given. The region
/// it resolved comes back too: without one nothing can be called.
pub async fn aws_access(
    region: Option<String>,
    endpoint_url: Option<String>,
    management_role_arn: Option<&str>,
    observer: Option<Arc<dyn CallObserver>>,
    rates: Rates,
) -> anyhow::Result<(Aws, String)> {
    let base = load_config(region, endpoint_url).await;
    let region = base
        .region()
        .map(|r| r.to_string())
        .context("no AWS region: set --region or AWS_REGION")?;
    let management = match management_role_arn {
        Some(role) => Some(clients(
            &assume_role_config(&base, role, Some("orgtrail-operator")).await,
            observer.clone(),
            rates,
        )),
        None => None,
    };
    Ok((
        Aws::new(clients(&base, observer, rates), management),
        region,
    ))
}

/// The Kubernetes client. Its User-Agent names the operator: the API server derives the
/// field manager of writes that name none (the finalizer patches of kube's `finalizer`
/// helper) from it, so `managedFields` say `orgtrail-operator` instead of `unknown`.
async fn kube_client() -> anyhow::Result<kube::Client> {
    let mut config = kube::Config::infer()
        .await
        .context("loading the Kubernetes configuration")?;
    let agent = concat!("orgtrail-operator/", env!("CARGO_PKG_VERSION"));
    config.headers.push((
        http::header::USER_AGENT,
        http::HeaderValue::from_static(agent),
    ));
    kube::Client::try_from(config).context("connecting to Kubernetes")
}

/// Run until SIGTERM / Ctrl-C.
pub async fn run(opts: RunOptions) -> anyhow::Result<()> {
    opts.leader.validate()?;
    let client = kube_client().await?;
    let metrics = Arc::new(Metrics::new());
    let observer: Arc<dyn CallObserver> = metrics.clone();
    let (aws, region) = aws_access(
        opts.region.clone(),
        opts.endpoint_url.clone(),
        opts.management_role_arn.as_deref(),
        Some(observer),
        opts.rates,
    )
    .await?;
    let (periods, polling) = Periods::resolve(
        opts.resync,
        opts.trusted_access_resync,
        opts.events_queue_url.is_some(),
    );
    // While trusted access is off, the gate re-reads it at the polling period: an
    // EnableAWSServiceAccess event would also announce it, but a lost one must not leave
    // trails account-level for an hour.
    let trust = TrustGate::new(Some(kube::Api::all(client.clone())), polling.trusted_access);
    let queue: Option<Arc<dyn EventQueue>> = match &opts.events_queue_url {
        Some(url) => {
            let config = load_config(opts.region.clone(), opts.endpoint_url.clone()).await;
            Some(Arc::new(SqsQueue::new(&config, url, Some(metrics.clone()))))
        }
        None => None,
    };
    let recorder = Recorder::new(
        client.clone(),
        Reporter {
            controller: "orgtrail-operator".into(),
            instance: Some(opts.leader.identity.clone()),
        },
    );
    let ctx = Context::new(
        client.clone(),
        aws,
        trust,
        recorder,
        metrics.clone(),
        Settings {
            periods,
            polling,
            region,
        },
        Triggers::new(queue.is_some()),
    );

    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        health::shutdown_signal().await;
        tracing::info!("shutting down");
        let _ = stop_tx.send(true);
    });
    let stopped = move |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let health = Arc::new(Readiness::new());
    let server = tokio::spawn(health::serve(
        opts.metrics_addr,
        metrics,
        health.clone(),
        stopped(stop_rx.clone()),
    ));
    // Ready means able to serve: a standby replica is ready too, so rollouts proceed.
    health.set_ready(true);
    tracing::info!(region = %ctx.settings.region, resync = ?periods.resync, trusted_access_resync = ?periods.trusted_access, events = queue.is_some(), read_rate = opts.rates.read, write_rate = opts.rates.write, "orgtrail-operator starting");
    if opts.rates.read > CLOUDTRAIL_READ_QUOTA || opts.rates.write > CLOUDTRAIL_WRITE_QUOTA {
        tracing::warn!(
            read_rate = opts.rates.read,
            write_rate = opts.rates.write,
            "AWS call rates above CloudTrail's documented quotas (10 reads, 1 other call per second per account and region): expect throttling"
        );
    }

    let work = || {
        let ctx = ctx.clone();
        let rx = stop_rx.clone();
        let queue = queue.clone();
        // Each term of leadership watches anew. The TrustedAccess controller's cache
        // doubles as the gate's view of what is declared.
        let ta_store = store::<TrustedAccess>();
        ctx.trust.watch_declared(ta_store.0.clone());
        async move {
            tokio::join!(
                engine::run::<TrustedAccess>(ctx.clone(), ta_store, stopped(rx.clone())),
                engine::run::<DelegatedAdmin>(ctx.clone(), store(), stopped(rx.clone())),
                engine::run::<OrgTrail>(ctx.clone(), store(), stopped(rx.clone())),
                engine::run::<OrgEventDataStore>(ctx.clone(), store(), stopped(rx.clone())),
                ctx.trust.recheck_while_off(&ctx.aws, stopped(rx.clone())),
                async {
                    if let Some(queue) = queue {
                        consume(
                            queue,
                            &ctx.aws,
                            &ctx.triggers,
                            &ctx.metrics,
                            stopped(rx.clone()),
                        )
                        .await;
                        // Not leading any more: the next term starts from polling.
                        ctx.triggers.set_healthy(false);
                    }
                },
            );
            Ok(())
        }
    };
    leader::run_while_leader(client, opts.leader, work, stopped(stop_rx.clone())).await?;
    server.await??;
    Ok(())
}
