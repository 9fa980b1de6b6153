//! A minimal Lambda Runtime API (the HTTP interface a Lambda binary polls for events), so
//! a real compiled function binary can be run here, without Docker: its `main`, its
//! one-time initialisation, and its handler, exactly as Lambda runs them.
//!
//! It serves one event: the first `GET /runtime/invocation/next` gets it, the function's
//! `POST /runtime/invocation/{id}/response` (or `/error`) is captured, and any later `next`
//! is held open until the process is killed.

use std::convert::Infallible;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::sync::oneshot;

/// What one invocation produced.
#[derive(Debug)]
pub struct Invocation {
    /// The function's answer: for an HTTP API event, `{statusCode, headers, body, ...}`.
    pub response: Result<Value, String>,
    /// From spawning the process to its first `next` poll: Lambda's Init Duration.
    pub init: Duration,
    /// From handing out the event to receiving the response.
    pub handler: Duration,
    /// The process's peak resident memory (VmHWM), in KiB, read just before it is killed.
    pub peak_rss_kib: Option<u64>,
}

/// When the function answered, and what.
type Answer = (Instant, Result<Value, String>);

struct RuntimeState {
    event: Mutex<Option<String>>,
    first_poll: Mutex<Option<oneshot::Sender<Instant>>>,
    result: Mutex<Option<oneshot::Sender<Answer>>>,
}

async fn serve(
    state: Arc<RuntimeState>,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_string();
    let ok = |body: Bytes| {
        Response::builder()
            .status(202)
            .body(Full::new(body))
            .expect("static response")
    };
    if path.ends_with("/runtime/invocation/next") {
        if let Some(tx) = state.first_poll.lock().expect("lock").take() {
            let _ = tx.send(Instant::now());
        }
        let event = state.event.lock().expect("lock").take();
        let Some(event) = event else {
            // Only one event: hold this poll open until the process is stopped.
            std::future::pending::<()>().await;
            unreachable!();
        };
        let deadline = std::time::SystemTime::now() + Duration::from_secs(30);
        let deadline_ms = deadline
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_millis();
        let response = Response::builder()
            .status(200)
            .header("lambda-runtime-aws-request-id", "local-invocation-1")
            .header("lambda-runtime-deadline-ms", deadline_ms.to_string())
            .header(
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:123456789012:function:local",
            )
            .header("lambda-runtime-trace-id", "Root=1-00000000-000000000000000000000000")
            .body(Full::new(Bytes::from(event)))
            .expect("a valid event response");
        return Ok(response);
    }
    let is_response = path.ends_with("/response");
    let is_error = path.ends_with("/error");
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    if is_response || is_error {
        let result = if is_response {
            serde_json::from_slice(&body).map_err(|e| format!("response is not JSON: {e}"))
        } else {
            Err(String::from_utf8_lossy(&body).into_owned())
        };
        if let Some(tx) = state.result.lock().expect("lock").take() {
            let _ = tx.send((Instant::now(), result));
        }
    }
    Ok(ok(Bytes::new()))
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `binary` under the Runtime API with `env`, hands it `event`, and returns what it
/// answered. The process is killed afterwards.
pub async fn invoke(binary: &Path, env: &[(&str, String)], event: &str, timeout: Duration) -> Invocation {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let addr = listener.local_addr().expect("bound");
    let (poll_tx, poll_rx) = oneshot::channel();
    let (result_tx, result_rx) = oneshot::channel();
    let state = Arc::new(RuntimeState {
        event: Mutex::new(Some(event.to_string())),
        first_poll: Mutex::new(Some(poll_tx)),
        result: Mutex::new(Some(result_tx)),
    });
    let server = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let state = state.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| serve(state.clone(), req));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });

    let started = Instant::now();
    let mut child = tokio::process::Command::new(binary)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .env(
            "AWS_LAMBDA_FUNCTION_NAME",
            binary.file_name().and_then(|n| n.to_str()).unwrap_or("function"),
        )
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/local")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "local")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("{} runs: {e}", binary.display()));

    let outcome = tokio::time::timeout(timeout, async {
        let polled = poll_rx.await.expect("the function polls for an event");
        let (answered, response) = result_rx.await.expect("the function answers");
        (polled, answered, response)
    })
    .await;
    let peak = child.id().and_then(peak_rss_kib);
    let _ = child.kill().await;
    server.abort();
    match outcome {
        Ok((polled, answered, response)) => Invocation {
            response,
            init: polled - started,
            handler: answered - polled,
            peak_rss_kib: peak,
        },
        Err(_) => Invocation {
            response: Err(format!("no answer within {timeout:?}")),
            init: Duration::ZERO,
            handler: Duration::ZERO,
            peak_rss_kib: peak,
        },
    }
}
