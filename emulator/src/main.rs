//! orgtrail-emulator: AWS Organizations + CloudTrail (+ STS AssumeRole,
//! AssumeRoleWithWebIdentity, GetCallerIdentity) on one loopback port, speaking the real wire
//! protocols. See docs/emulator.md.

mod assumptions;
mod cloudtrail;
mod config;
mod delegation;
mod error;
mod eventbridge;
mod hook_routes;
mod hooks;
mod organizations;
mod req;
mod rules;
mod server;
mod sqs;
mod state;
mod sts;
mod web_identity;

use std::io::Write;
use std::path::PathBuf;

use clap::Parser;

use config::{AccountConfig, Config, OidcProviderConfig};

#[derive(Parser, Debug)]
#[command(
    name = "orgtrail-emulator",
    version,
    about = "AWS Organizations + CloudTrail emulator"
)]
struct Args {
    /// Address to listen on; port 0 picks a free port (printed on the first stdout line).
    #[arg(long, default_value = "127.0.0.1:0", env = "ORGTRAIL_EMULATOR_LISTEN")]
    listen: String,
    /// JSON config file (organization, access keys, buckets, quotas); flags override it.
    #[arg(long, env = "ORGTRAIL_EMULATOR_CONFIG")]
    config: Option<PathBuf>,
    /// Organization id (o- + 10-32 lowercase alnum).
    #[arg(long)]
    org_id: Option<String>,
    /// Management account id.
    #[arg(long)]
    management_account: Option<String>,
    /// Member account ids (repeat or comma-separate); replaces the configured members.
    #[arg(long, value_delimiter = ',')]
    member: Vec<String>,
    /// ALL or CONSOLIDATED_BILLING.
    #[arg(long)]
    feature_set: Option<String>,
    /// Trails per region per account.
    #[arg(long)]
    trail_quota: Option<u32>,
    /// Service principals with trusted access already enabled (repeat or comma-separate).
    #[arg(long, value_delimiter = ',')]
    trusted_access: Vec<String>,
    /// An IAM OIDC identity provider for AssumeRoleWithWebIdentity (repeatable):
    /// `issuer=https://…,jwks-file=PATH[,client-id=ID…]` (client id default sts.amazonaws.com).
    #[arg(long, value_name = "SPEC")]
    oidc_provider: Vec<String>,
    /// Log filter (tracing EnvFilter syntax), logs go to stderr.
    #[arg(long, default_value = "warn", env = "ORGTRAIL_EMULATOR_LOG")]
    log: String,
}

fn load_config(args: &Args) -> Result<Config, String> {
    let mut cfg = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("reading {}: {e}", path.display()))?;
            serde_json::from_str(&text).map_err(|e| format!("parsing {}: {e}", path.display()))?
        }
        None => Config::default(),
    };
    if let Some(id) = &args.org_id {
        cfg.organization.id = id.clone();
    }
    if let Some(m) = &args.management_account {
        let old = cfg.organization.management_account.id.clone();
        cfg.organization.management_account = AccountConfig::new(m, "management");
        // Keys pointing at the replaced management account follow it.
        for k in cfg.access_keys.values_mut().filter(|k| k.account == old) {
            k.account = m.clone();
        }
    }
    if !args.member.is_empty() {
        cfg.organization.members = args
            .member
            .iter()
            .map(|id| AccountConfig::new(id, &format!("member-{id}")))
            .collect();
        let ids: Vec<String> = cfg
            .organization
            .members
            .iter()
            .map(|a| a.id.clone())
            .collect();
        let mgmt = cfg.organization.management_account.id.clone();
        cfg.access_keys
            .retain(|_, k| k.account == mgmt || ids.contains(&k.account));
    }
    if let Some(f) = &args.feature_set {
        cfg.organization.feature_set = f.clone();
    }
    if let Some(q) = args.trail_quota {
        cfg.trail_quota = q;
    }
    cfg.trusted_access
        .extend(args.trusted_access.iter().cloned());
    for spec in &args.oidc_provider {
        cfg.oidc_providers.push(parse_oidc_provider(spec)?);
    }
    cfg.validate()?;
    Ok(cfg)
}

/// `issuer=URL,jwks-file=PATH[,client-id=ID…]`.
fn parse_oidc_provider(spec: &str) -> Result<OidcProviderConfig, String> {
    let (mut issuer, mut jwks_file, mut client_ids) = (None, None, Vec::new());
    for part in spec.split(',') {
        match part.split_once('=') {
            Some(("issuer", v)) => issuer = Some(v.to_string()),
            Some(("jwks-file", v)) => jwks_file = Some(PathBuf::from(v)),
            Some(("client-id", v)) => client_ids.push(v.to_string()),
            _ => {
                return Err(format!(
                    "--oidc-provider {spec:?}: expected issuer=URL,jwks-file=PATH[,client-id=ID]"
                ));
            }
        }
    }
    Ok(OidcProviderConfig {
        issuer: issuer.ok_or_else(|| format!("--oidc-provider {spec:?} lacks issuer="))?,
        client_ids: if client_ids.is_empty() {
            config::default_client_ids()
        } else {
            client_ids
        },
        jwks: None,
        jwks_file: Some(
            jwks_file.ok_or_else(|| format!("--oidc-provider {spec:?} lacks jwks-file="))?,
        ),
    })
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&args.log)
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cfg = match load_config(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("orgtrail-emulator: invalid configuration: {e}");
            std::process::exit(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(&args.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("orgtrail-emulator: cannot listen on {}: {e}", args.listen);
            std::process::exit(1);
        }
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("orgtrail-emulator: no local address: {e}");
            std::process::exit(1);
        }
    };
    // Tests parse this exact line; flush so a piped stdout sees it at once.
    println!("orgtrail-emulator listening on http://{addr}");
    let _ = std::io::stdout().flush();
    let app = server::App::new(cfg);
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if let Err(e) = axum::serve(
        listener,
        server::router(app).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    {
        eprintln!("orgtrail-emulator: server error: {e}");
        std::process::exit(1);
    }
}
