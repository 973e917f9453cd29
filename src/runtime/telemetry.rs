//! Structured logging through `tracing`.

use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Filter used when `RUST_LOG` is unset: our own logs at info, kube's chatty watcher and
/// client logs only when something is wrong.
pub const DEFAULT_FILTER: &str = "info,kube=warn";

/// The filter from `spec` (the value of `RUST_LOG`), or [`DEFAULT_FILTER`] when it is
/// unset or blank. An invalid spec falls back to the default too (and says so on stderr)
/// instead of failing startup over a logging typo.
fn filter(spec: Option<&str>) -> EnvFilter {
    match spec.map(str::trim).filter(|s| !s.is_empty()) {
        Some(spec) => EnvFilter::try_new(spec).unwrap_or_else(|err| {
            eprintln!("ignoring invalid RUST_LOG {spec:?}: {err}; using {DEFAULT_FILTER:?}");
            EnvFilter::new(DEFAULT_FILTER)
        }),
        None => EnvFilter::new(DEFAULT_FILTER),
    }
}

/// The subscriber: human-readable lines, or one JSON object per event (fields flattened
/// to the top level, for log pipelines). Colour codes only for a terminal (`ansi`): in a
/// file or a log pipeline they are noise.
fn subscriber<W>(
    json: bool,
    ansi: bool,
    filter: EnvFilter,
    writer: W,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(true)
        .with_ansi(ansi)
        .with_writer(writer);
    if json {
        Box::new(
            builder
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .finish(),
        )
    } else {
        Box::new(builder.finish())
    }
}

/// Installs the global subscriber (filter from `RUST_LOG`, output on stdout). Calling it
/// again is harmless: the first subscriber stays.
pub fn init(json: bool) {
    let spec = std::env::var(EnvFilter::DEFAULT_ENV).ok();
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let subscriber = subscriber(json, ansi, filter(spec.as_deref()), std::io::stdout);
    if let Err(err) = tracing::subscriber::set_global_default(subscriber) {
        tracing::debug!(%err, "tracing subscriber already installed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    /// Collects what the subscriber writes.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'w> MakeWriter<'w> for Buffer {
        type Writer = Buffer;
        fn make_writer(&'w self) -> Buffer {
            self.clone()
        }
    }

    impl Buffer {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    fn capture(json: bool, spec: Option<&str>, emit: impl FnOnce()) -> String {
        let buffer = Buffer::default();
        let subscriber = subscriber(json, false, filter(spec), buffer.clone());
        tracing::subscriber::with_default(subscriber, emit);
        buffer.text()
    }

    #[test]
    fn json_output_is_one_object_per_event() {
        let out = capture(true, None, || {
            tracing::info!(kind = "OrgTrail", name = "org", "reconciled");
        });
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 1, "{out}");
        let event: serde_json::Value = serde_json::from_str(lines[0]).expect("JSON line");
        assert_eq!(event["level"], "INFO");
        assert_eq!(event["message"], "reconciled");
        assert_eq!(event["kind"], "OrgTrail");
        assert_eq!(event["name"], "org");
    }

    #[test]
    fn text_for_files_carries_no_colour_codes() {
        let out = capture(false, None, || tracing::warn!(kind = "OrgTrail", "trouble"));
        assert!(out.contains("WARN") && out.contains("trouble"), "{out}");
        assert!(!out.contains('\u{1b}'), "escape codes in {out:?}");
    }

    #[test]
    fn default_filter_quiets_kube_but_not_us() {
        let out = capture(false, None, || {
            tracing::info!(target: "kube_runtime::watcher", "kube chatter");
            tracing::warn!(target: "kube_client", "kube trouble");
            tracing::info!("our news");
            tracing::debug!("our details");
        });
        assert!(!out.contains("kube chatter"), "{out}");
        assert!(out.contains("kube trouble"), "{out}");
        assert!(out.contains("our news"), "{out}");
        assert!(!out.contains("our details"), "{out}");
    }

    #[test]
    fn rust_log_overrides_and_bad_specs_fall_back() {
        let out = capture(false, Some("debug"), || tracing::debug!("details"));
        assert!(out.contains("details"), "{out}");
        let out = capture(false, Some("=[not a filter"), || {
            tracing::debug!("details");
            tracing::info!("news");
        });
        assert!(!out.contains("details") && out.contains("news"), "{out}");
    }
}
