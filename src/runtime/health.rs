//! The operator's HTTP endpoints: `/healthz` (liveness), `/readyz` (readiness) and
//! `/metrics` (Prometheus, OpenMetrics text), plus the process shutdown signal.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context as _;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::net::TcpListener;

use super::metrics::Metrics;

/// Content type of the OpenMetrics text exposition format that `Metrics::encode` writes.
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Readiness of the process. Starts not ready; the controllers flip it once their watches
/// have synced, so a Service does not route to (and a rollout does not proceed past) a
/// replica that cannot act yet.
#[derive(Debug, Default)]
pub struct Readiness {
    ready: AtomicBool,
}

impl Readiness {
    /// A new, not-ready state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Marks the process ready (or not ready again, e.g. while shutting down).
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::Release);
    }

    /// Whether `/readyz` answers 200.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }
}

#[derive(Clone)]
struct AppState {
    metrics: Arc<Metrics>,
    health: Arc<Readiness>,
}

/// The router serving the three endpoints; other paths answer 404.
pub fn router(metrics: Arc<Metrics>, health: Arc<Readiness>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_handler))
        .with_state(AppState { metrics, health })
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if state.health.is_ready() {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready")
    }
}

async fn metrics_handler(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, OPENMETRICS_CONTENT_TYPE)],
        state.metrics.encode(),
    )
}

/// Binds the listener (port 0 picks a free port; read it back with `local_addr`).
pub async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding the metrics/health address {addr}"))
}

/// Serves the endpoints on an already bound listener until `shutdown` completes.
pub async fn serve_on(
    listener: TcpListener,
    metrics: Arc<Metrics>,
    health: Arc<Readiness>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "serving /healthz, /readyz and /metrics");
    }
    axum::serve(listener, router(metrics, health))
        .with_graceful_shutdown(shutdown)
        .await
        .context("metrics/health server failed")
}

/// Binds `addr` and serves the endpoints until `shutdown` completes.
pub async fn serve(
    addr: SocketAddr,
    metrics: Arc<Metrics>,
    health: Arc<Readiness>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve_on(bind(addr).await?, metrics, health, shutdown).await
}

/// Completes on SIGTERM (what the kubelet sends) or Ctrl-C. If a handler cannot be
/// installed, that source is ignored (logged) rather than ending the process early.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(%err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(err) => {
                tracing::error!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = ctrl_c => tracing::info!("received Ctrl-C, shutting down"),
        () = terminate => tracing::info!("received SIGTERM, shutting down"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::CallObserver;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;
    use tokio::sync::oneshot;

    /// A raw HTTP/1.1 GET; returns (status code, lower-cased head, body).
    async fn get(addr: SocketAddr, path: &str) -> (u16, String, String) {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.expect("write");
        let mut response = String::new();
        stream.read_to_string(&mut response).await.expect("read");
        let (head, body) = response.split_once("\r\n\r\n").expect("HTTP head");
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .expect("status code");
        (status, head.to_ascii_lowercase(), body.to_owned())
    }

    struct Server {
        addr: SocketAddr,
        metrics: Arc<Metrics>,
        health: Arc<Readiness>,
        stop: Option<oneshot::Sender<()>>,
        task: tokio::task::JoinHandle<anyhow::Result<()>>,
    }

    async fn start() -> Server {
        let listener = bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let metrics = Arc::new(Metrics::new());
        let health = Arc::new(Readiness::new());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve_on(listener, metrics.clone(), health.clone(), async {
            let _ = stopped.await;
        }));
        Server {
            addr,
            metrics,
            health,
            stop: Some(stop),
            task,
        }
    }

    #[tokio::test]
    async fn healthz_answers_ok_regardless_of_readiness() {
        let server = start().await;
        let (status, _, body) = get(server.addr, "/healthz").await;
        assert_eq!((status, body.as_str()), (200, "ok"));
        assert_eq!(get(server.addr, "/nope").await.0, 404);
    }

    #[tokio::test]
    async fn readyz_follows_the_readiness_flag() {
        let server = start().await;
        assert_eq!(get(server.addr, "/readyz").await.0, 503);
        server.health.set_ready(true);
        assert!(server.health.is_ready());
        assert_eq!(get(server.addr, "/readyz").await.0, 200);
        server.health.set_ready(false);
        assert_eq!(get(server.addr, "/readyz").await.0, 503);
    }

    #[tokio::test]
    async fn metrics_are_served_as_openmetrics() {
        let server = start().await;
        server
            .metrics
            .observe("organizations", "ListAWSServiceAccessForOrganization", "ok");
        let (status, head, body) = get(server.addr, "/metrics").await;
        assert_eq!(status, 200);
        assert!(
            head.contains(&format!("content-type: {OPENMETRICS_CONTENT_TYPE}")),
            "{head}"
        );
        assert!(
            body.contains(
                r#"orgtrail_aws_calls_total{service="organizations",operation="ListAWSServiceAccessForOrganization",outcome="ok"} 1"#
            ),
            "{body}"
        );
        assert!(body.ends_with("# EOF\n"));
    }

    #[tokio::test]
    async fn server_stops_on_shutdown() {
        let mut server = start().await;
        assert_eq!(get(server.addr, "/healthz").await.0, 200);
        server.stop.take().unwrap().send(()).unwrap();
        let result = tokio::time::timeout(std::time::Duration::from_secs(5), server.task)
            .await
            .expect("server did not stop")
            .expect("server task panicked");
        assert!(result.is_ok(), "{result:?}");
        assert!(TcpStream::connect(server.addr).await.is_err());
    }
}
