//! `orgtrail-operator run` as a child process against the emulator, for every test and
//! benchmark that needs the real binary. Hermetic: the machine's AWS profile, config and
//! credential files, session token, endpoint and instance metadata never leak in.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::AKID_MANAGEMENT;

/// The binary under test: `$ORGTRAIL_OPERATOR_BIN`, or the one cargo built for this
/// package's tests and benches.
pub fn binary() -> PathBuf {
    std::env::var_os("ORGTRAIL_OPERATOR_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_orgtrail-operator")))
}

/// How to start it: region `us-east-1` and the emulator's endpoint are always set; `args`
/// are further `run` flags.
pub struct Launch<'a> {
    pub kubeconfig: &'a Path,
    pub emulator_url: &'a str,
    pub access_key: &'a str,
    /// Where stdout and stderr go.
    pub log: &'a Path,
    pub args: &'a [&'a str],
}

impl<'a> Launch<'a> {
    /// Management-account keys, no extra flags.
    pub fn new(kubeconfig: &'a Path, emulator_url: &'a str, log: &'a Path) -> Self {
        Launch {
            kubeconfig,
            emulator_url,
            access_key: AKID_MANAGEMENT,
            log,
            args: &[],
        }
    }
}

/// AWS pacing is lifted unless `args` set it: the emulator has no request quota, and
/// scenarios create objects faster than AWS's quota would let them (a CloudTrail write
/// per second). The pacing scenario (e2e `s9`) and the benchmark's quota rows run with
/// the operator's defaults.
fn unpaced(args: &[&str]) -> Vec<&'static str> {
    let mut flags = Vec::new();
    if !args.contains(&"--aws-read-rate") {
        flags.extend(["--aws-read-rate", "0"]);
    }
    if !args.contains(&"--aws-write-rate") {
        flags.extend(["--aws-write-rate", "0"]);
    }
    flags
}

/// `orgtrail-operator <subcommand>` against the emulator at `emulator_url` with
/// `access_key`: region `us-east-1`, and nothing of the machine's AWS configuration
/// (`no_file` is a path that does not exist).
pub fn command(subcommand: &str, emulator_url: &str, access_key: &str, no_file: &Path) -> Command {
    let mut cmd = Command::new(binary());
    cmd.args([subcommand, "--aws-endpoint-url", emulator_url])
        .args(["--region", "us-east-1"])
        .env("AWS_ACCESS_KEY_ID", access_key)
        .env("AWS_SECRET_ACCESS_KEY", "any-secret")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_REGION")
        .env("AWS_CONFIG_FILE", no_file)
        .env("AWS_SHARED_CREDENTIALS_FILE", no_file)
        .env("AWS_EC2_METADATA_DISABLED", "true");
    cmd
}

/// A running operator; killed (SIGKILL) when dropped.
pub struct Operator {
    child: Child,
    log: PathBuf,
    /// The moment just before `spawn`.
    pub spawned: Instant,
}

impl Operator {
    pub fn start(l: &Launch) -> Operator {
        let out = std::fs::File::create(l.log).expect("operator log file");
        let err = out.try_clone().expect("operator log file");
        let mut cmd = command(
            "run",
            l.emulator_url,
            l.access_key,
            &l.log.with_extension("no-aws-config"),
        );
        cmd.args(unpaced(l.args))
            .args(l.args)
            .env("KUBECONFIG", l.kubeconfig)
            .env(
                "RUST_LOG",
                std::env::var("ORGTRAIL_TEST_OPERATOR_LOG").unwrap_or_else(|_| "info".into()),
            )
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err));
        let spawned = Instant::now();
        let child = cmd.spawn().expect("spawn orgtrail-operator");
        Operator {
            child,
            log: l.log.to_path_buf(),
            spawned,
        }
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The log file.
    pub fn log(&self) -> &Path {
        &self.log
    }

    /// Everything it logged so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `Some(status)` once it has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// SIGTERM (graceful: releases its Lease), wait up to 15 s, then SIGKILL.
    pub fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if self.exited().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill();
    }

    /// SIGKILL: no graceful shutdown, no Lease release.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Operator {
    fn drop(&mut self) {
        self.kill();
    }
}
