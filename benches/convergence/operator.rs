//! The operator binary as a child process, its HTTP endpoints and its /proc figures.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support;

/// A running `orgtrail-operator run` (the shared test launcher) and its metrics address;
/// killed when dropped.
pub struct Operator {
    process: support::operator::Operator,
    metrics_addr: String,
    /// The moment just before `spawn`.
    pub spawned: Instant,
}

/// How to start the operator.
pub struct Launch<'a> {
    pub emulator_url: &'a str,
    pub kubeconfig: &'a str,
    /// 0: the operator's default periods (no `--resync-seconds`).
    pub resync_secs: u64,
    pub leader_election: bool,
    pub log: &'a Path,
    /// Further `run` flags. Without `--aws-read-rate`/`--aws-write-rate` the operator runs
    /// unpaced (the shared launcher's default): the scale rows measure the operator's own
    /// overhead, not AWS's quota.
    pub extra: &'a [&'a str],
}

impl Operator {
    pub fn start(l: &Launch) -> Operator {
        let metrics_addr = format!("127.0.0.1:{}", free_port());
        let resync = l.resync_secs.to_string();
        let leader_election = l.leader_election.to_string();
        let mut args = vec![];
        if l.resync_secs > 0 {
            args.extend(["--resync-seconds", resync.as_str()]);
        }
        args.extend([
            "--metrics-addr",
            metrics_addr.as_str(),
            "--leader-election",
            leader_election.as_str(),
            "--lease-namespace",
            "default",
        ]);
        args.extend(l.extra);
        let process = support::operator::Operator::start(&support::operator::Launch {
            args: &args,
            ..support::operator::Launch::new(Path::new(l.kubeconfig), l.emulator_url, l.log)
        });
        Operator {
            spawned: process.spawned,
            process,
            metrics_addr,
        }
    }

    /// Poll `/readyz` every 2 ms until it answers 200; the time since spawn.
    pub fn wait_ready(&mut self) -> Duration {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if http_get(&self.metrics_addr, "/readyz").is_some_and(|(s, _)| s == 200) {
                return self.spawned.elapsed();
            }
            self.assert_alive();
            assert!(Instant::now() < deadline, "operator not ready within 60s");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// The value of one sample of `/metrics` (`name{labels}` as printed), summed over
    /// the lines that start with `series`; `None` when the endpoint does not answer.
    pub fn metric(&self, series: &str) -> Option<f64> {
        let (status, body) = http_get(&self.metrics_addr, "/metrics")?;
        if status != 200 {
            return None;
        }
        Some(
            body.lines()
                .filter(|l| l.starts_with(series))
                .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
                .sum(),
        )
    }

    /// Completed reconciles of `kind` (the reconcile-duration histogram's count).
    pub fn reconciles(&self, kind: &str) -> f64 {
        self.metric(&format!(
            "orgtrail_reconcile_duration_seconds_count{{kind=\"{kind}\"}}"
        ))
        .unwrap_or(0.0)
    }

    pub fn assert_alive(&mut self) {
        if let Some(status) = self.process.exited() {
            panic!("the operator exited: {status}");
        }
    }

    /// Resident memory and CPU time from /proc.
    pub fn sample(&self) -> ProcSample {
        ProcSample::of(self.process.id())
    }

    /// SIGTERM, then wait up to 15 s (then SIGKILL).
    pub fn stop(mut self) {
        self.process.stop();
    }
}

/// One reading of /proc/<pid>/status and /proc/<pid>/stat.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct ProcSample {
    /// VmRSS, MiB.
    pub rss_mib: f64,
    /// VmHWM (peak resident set since start), MiB.
    pub peak_rss_mib: f64,
    /// utime + stime, seconds.
    pub cpu_secs: f64,
}

impl ProcSample {
    fn of(pid: u32) -> ProcSample {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let kib = |field: &str| {
            status
                .lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // Fields after the parenthesised command name; utime and stime are fields 14, 15.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok());
        let cpu = ticks(11).unwrap_or(0.0) + ticks(12).unwrap_or(0.0);
        ProcSample {
            rss_mib: kib("VmRSS:") / 1024.0,
            peak_rss_mib: kib("VmHWM:") / 1024.0,
            cpu_secs: cpu / clock_ticks(),
        }
    }
}

/// Clock ticks per second for /proc/<pid>/stat (`getconf CLK_TCK`, 100 on Linux).
fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// A free loopback port (released before the operator binds it).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// `GET path` over HTTP/1.1 with `Connection: close`; (status, body). `None` when the
/// server is not listening yet or the answer is unreadable.
fn http_get(addr: &str, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut raw = String::new();
    stream.read_to_string(&mut raw).ok()?;
    let (head, body) = raw.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, body.to_owned()))
}
