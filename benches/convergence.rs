//! `make bench`: how fast declared CloudTrail state reaches AWS, what it costs in AWS API
//! calls, and what the operator costs in memory and CPU.
//!
//! Runs against the test control plane (`hack/with-testenv.sh` exports KUBECONFIG), a
//! fresh `orgtrail-emulator` per scenario and the release `orgtrail-operator` binary as a
//! child process. Every figure comes from a counter or a timestamp: the emulator's call
//! log and state (StartLoggingTime), the bench's own watch on the API server, the
//! operator's /metrics and /proc. Nothing is asserted about timing; the table is printed
//! and written to target/bench/results.json. Method and caveats: docs/benchmarks.md.
//!
//! `cargo bench --bench convergence -- --quick` runs small sizes (for development);
//! `-- --events-only` only the rows of AWS API call events; `-- --settings-only` only the
//! AWS call counts of trails and stores with and without the 2025-2026 settings.

#[path = "../tests/support/mod.rs"]
mod support;

#[path = "convergence/aws.rs"]
mod aws;
#[path = "convergence/cluster.rs"]
mod cluster;
#[path = "convergence/events.rs"]
mod events;
#[path = "convergence/operator.rs"]
mod operator;
#[path = "convergence/quota.rs"]
mod quota;
#[path = "convergence/report.rs"]
mod report;
#[path = "convergence/scenarios.rs"]
mod scenarios;
#[path = "convergence/settings.rs"]
mod settings;

fn main() {
    // kube and the AWS SDK each enable a rustls crypto backend; pick one for the process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let quick = std::env::args().any(|a| a == "--quick");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let events_only = std::env::args().any(|a| a == "--events-only");
    let settings_only = std::env::args().any(|a| a == "--settings-only");
    runtime.block_on(scenarios::run_all(quick, events_only, settings_only));
}
