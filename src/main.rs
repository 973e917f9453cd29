//! `orgtrail-operator`: one binary, several subcommands.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use orgtrail_operator::api::crds;
use orgtrail_operator::aws::sdk::rate_limit::Rates;
use orgtrail_operator::run::RunOptions;
use orgtrail_operator::runtime::leader::{self, LeaderConfig};
use orgtrail_operator::runtime::telemetry;

#[derive(Parser)]
#[command(
    version,
    about = "Declare how AWS CloudTrail is wired into AWS Organizations"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the operator.
    Run(RunArgs),
    /// Show what the operator would do with these manifests, reading AWS and writing
    /// nothing. Exit code: 0 no changes, 1 error, 2 changes.
    Plan(PlanArgs),
    /// Write the CustomResourceDefinitions to `<out-dir>/<kind>.yaml`.
    Crdgen {
        /// Directory to write to.
        #[arg(long, default_value = "crds")]
        out_dir: PathBuf,
    },
}

/// Where the operator's AWS access goes (`run` and `plan` alike).
#[derive(clap::Args)]
struct AwsArgs {
    /// AWS region for Organizations and default listings (trails use their home region).
    #[arg(long, env = "AWS_REGION")]
    region: Option<String>,
    /// Endpoint for every AWS service (for the emulator); normally unset.
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    aws_endpoint_url: Option<String>,
    /// Management-account role to assume for management-only steps (trusted access,
    /// delegated-admin registration, organization scope conversion) when the operator's
    /// own credentials are a delegated administrator's.
    #[arg(long, env = "ORGTRAIL_MANAGEMENT_ROLE_ARN")]
    management_role_arn: Option<String>,
}

#[derive(clap::Args)]
struct RunArgs {
    #[command(flatten)]
    aws: AwsArgs,
    /// Seconds between re-reads of converged objects, to catch drift in AWS [default:
    /// 300; 3600 with --events-queue-url, 300 at most while the queue does not answer].
    #[arg(long, env = "ORGTRAIL_RESYNC_SECONDS")]
    resync_seconds: Option<u64>,
    /// Seconds between re-reads of trusted access: how fast an out-of-band disable is
    /// noticed without events (capped at the resync period) [default: 30; 300 with
    /// --events-queue-url, 30 at most while the queue does not answer].
    #[arg(long, env = "ORGTRAIL_TRUSTED_ACCESS_RESYNC_SECONDS")]
    trusted_access_resync_seconds: Option<u64>,
    /// URL of the SQS queue EventBridge delivers AWS API call events to
    /// (docs/events.md): changes are then corrected within seconds, and the resync
    /// becomes a slow safety net. Empty: no events.
    #[arg(long, env = "ORGTRAIL_EVENTS_QUEUE_URL")]
    events_queue_url: Option<String>,
    /// AWS Get/Describe/List calls per second, per operation and region (CloudTrail
    /// allows 10 per account and region); 0 = unpaced.
    #[arg(long, env = "ORGTRAIL_AWS_READ_RATE", default_value_t = Rates::DEFAULT.read, value_parser = rate)]
    aws_read_rate: f64,
    /// Other AWS calls per second, per operation and region (CloudTrail allows 1 per
    /// account and region); 0 = unpaced.
    #[arg(long, env = "ORGTRAIL_AWS_WRITE_RATE", default_value_t = Rates::DEFAULT.write, value_parser = rate)]
    aws_write_rate: f64,
    /// Address of /metrics, /healthz and /readyz.
    #[arg(long, env = "ORGTRAIL_METRICS_ADDR", default_value = "0.0.0.0:8080")]
    metrics_addr: std::net::SocketAddr,
    /// Log as JSON lines.
    #[arg(long, env = "ORGTRAIL_LOG_JSON")]
    log_json: bool,
    /// Lease-based leader election (for several replicas).
    #[arg(long, env = "ORGTRAIL_LEADER_ELECTION", default_value_t = true, action = clap::ArgAction::Set)]
    leader_election: bool,
    /// Namespace of the leader-election Lease.
    #[arg(long, env = "POD_NAMESPACE", default_value = "orgtrail-system")]
    lease_namespace: String,
    /// Name of the leader-election Lease.
    #[arg(long, default_value = leader::DEFAULT_LEASE_NAME)]
    lease_name: String,
}

#[derive(clap::Args)]
struct PlanArgs {
    /// Manifest file, directory (its *.yaml, *.yml, *.json) or `-` for stdin; repeatable.
    #[arg(short = 'f', long = "filename", required = true)]
    files: Vec<PathBuf>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = Output::Text)]
    output: Output,
    #[command(flatten)]
    aws: AwsArgs,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Output {
    Text,
    Json,
}

fn main() -> anyhow::Result<()> {
    // kube and the AWS SDK each enable a rustls crypto backend; pick one for the process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    // Usage errors exit 1, not clap's 2: `plan` reserves 2 for "changes".
    let cli = Cli::try_parse().unwrap_or_else(|e| {
        let _ = e.print();
        std::process::exit(if e.use_stderr() { 1 } else { 0 })
    });
    match cli.command {
        Command::Run(args) => run(args),
        // An error is exit code 1 with its causes on one line, as for usage errors.
        Command::Plan(args) => std::process::exit(match plan(args) {
            Ok(code) => code.into(),
            Err(e) => {
                eprintln!("error: {e:#}");
                orgtrail_operator::plan::ERROR.into()
            }
        }),
        Command::Crdgen { out_dir } => crdgen(&out_dir),
    }
}

fn plan(args: PlanArgs) -> anyhow::Result<u8> {
    let opts = orgtrail_operator::plan::PlanOptions {
        files: args.files,
        json: matches!(args.output, Output::Json),
        region: args.aws.region,
        endpoint_url: args.aws.aws_endpoint_url,
        management_role_arn: args.aws.management_role_arn,
    };
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(orgtrail_operator::plan::plan(opts))
}

fn run(args: RunArgs) -> anyhow::Result<()> {
    telemetry::init(args.log_json);
    let mut leader = LeaderConfig::new(args.lease_name, args.lease_namespace);
    leader.enabled = args.leader_election;
    let opts = RunOptions {
        region: args.aws.region,
        endpoint_url: args.aws.aws_endpoint_url,
        management_role_arn: args.aws.management_role_arn,
        resync: args.resync_seconds.map(std::time::Duration::from_secs),
        trusted_access_resync: args
            .trusted_access_resync_seconds
            .map(std::time::Duration::from_secs),
        events_queue_url: args.events_queue_url.filter(|u| !u.is_empty()),
        metrics_addr: args.metrics_addr,
        leader,
        rates: Rates {
            read: args.aws_read_rate,
            write: args.aws_write_rate,
        },
    };
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(orgtrail_operator::run::run(opts))
}

/// A call rate: a finite number of calls per second, 0 or more.
fn rate(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(r) if r.is_finite() && r >= 0.0 => Ok(r),
        _ => Err(format!(
            "{s:?} is not a rate: give calls per second, 0 or more"
        )),
    }
}

fn crdgen(out_dir: &std::path::Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    for (stem, crd) in crds::all() {
        let path = out_dir.join(format!("{stem}.yaml"));
        std::fs::write(&path, crds::to_yaml(&crd))
            .with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
