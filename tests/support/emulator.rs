//! The `orgtrail-emulator` binary as a child process on a free loopback port.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

/// A running emulator; killed when dropped.
pub struct Emulator {
    child: Child,
    url: String,
    addr: String,
}

const BINARY: &str = "orgtrail-emulator";
const BANNER: &str = "orgtrail-emulator listening on ";

impl Emulator {
    /// Start with the default organization (see the emulator contract).
    pub fn start() -> Emulator {
        Self::start_with(&[])
    }

    /// Start with extra command-line flags (e.g. `["--feature-set", "CONSOLIDATED_BILLING"]`).
    pub fn start_with(args: &[&str]) -> Emulator {
        Self::start_listening("127.0.0.1:0", args)
    }

    /// Start on `listen` (`<address>:0` picks a free port), e.g. an address pods reach.
    pub fn start_listening(listen: &str, args: &[&str]) -> Emulator {
        let mut child = Command::new(binary())
            .args(["--listen", listen])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("spawning {}: {e}", binary().display()));
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        if let Err(e) = BufReader::new(stdout).read_line(&mut line) {
            let _ = child.kill();
            panic!("reading the emulator's first line: {e}");
        }
        let Some(url) = line.trim().strip_prefix(BANNER).map(str::to_owned) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("unexpected first line from the emulator: {line:?}");
        };
        let addr = url.trim_start_matches("http://").to_owned();
        Emulator { child, url, addr }
    }

    /// `http://<listen address>:<port>`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> &str {
        &self.addr
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The emulator binary: `$ORGTRAIL_EMULATOR_BIN`, else next to this test executable
/// (`target/<profile>/orgtrail-emulator`). Under cargo, `cargo build -p orgtrail-emulator`
/// runs first (a no-op when fresh; cargo does not hold its build lock while tests run),
/// so that a stale emulator is never tested; without cargo it is built only if missing.
pub fn binary() -> PathBuf {
    static BINARY_PATH: OnceLock<PathBuf> = OnceLock::new();
    BINARY_PATH
        .get_or_init(|| {
            if let Some(path) = std::env::var_os("ORGTRAIL_EMULATOR_BIN") {
                return PathBuf::from(path);
            }
            let exe = std::env::current_exe().expect("test executable path");
            // target/<profile>/deps/<test>-<hash>
            let profile_dir = exe
                .parent()
                .and_then(|deps| deps.parent())
                .expect("test executable lives in target/<profile>/deps");
            let path = profile_dir.join(format!("{BINARY}{}", std::env::consts::EXE_SUFFIX));
            let under_cargo = std::env::var_os("CARGO").is_some();
            if under_cargo || !path.exists() {
                let built = build(profile_dir);
                if let Err(e) = built {
                    // A half-edited emulator in a shared tree must not hide a usable binary.
                    assert!(path.exists(), "{e}");
                    eprintln!("warning: {e}; testing the existing {}", path.display());
                }
            }
            assert!(path.exists(), "{} missing after building", path.display());
            path
        })
        .clone()
}

fn build(profile_dir: &std::path::Path) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "--quiet", "-p", BINARY]);
    if profile_dir.file_name().is_some_and(|p| p == "release") {
        cmd.arg("--release");
    }
    if let Some(target) = profile_dir.parent() {
        cmd.env("CARGO_TARGET_DIR", target);
    }
    let status = cmd
        .status()
        .map_err(|e| format!("running cargo build -p {BINARY}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo build -p {BINARY} failed: {status}"))
    }
}
