//! A minimal Lambda Runtime API (the HTTP interface a Lambda function polls for events), so
//! a real compiled function can be run here, without Docker: its `main`, its one-time
//! initialisation, and its handler, exactly as Lambda runs them. The tests and the bench
//! (cold start, warm duration, peak memory) both use it.
//!
//! It serves a sequence of events, one per `GET /runtime/invocation/next`, and captures each
//! `POST /runtime/invocation/{id}/response` (or `/error`). Once the events are used up, a
//! further `next` is held open until the process is killed.

use std::collections::VecDeque;
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
use tokio::sync::mpsc;

/// What one invocation produced.
#[derive(Debug)]
pub struct Invocation {
    /// The function's answer: for an HTTP API event, `{statusCode, headers, body, ...}`.
    pub response: Result<Value, String>,
    /// From spawning the process to its first `next` poll: Lambda's Init Duration.
    pub init: Duration,
    /// From handing out the event to receiving the response: Lambda's Duration.
    pub handler: Duration,
    /// The process's peak resident memory (VmHWM), in KiB, read just before it is killed.
    pub peak_rss_kib: Option<u64>,
}

/// What a run of several events through one process produced.
#[derive(Debug)]
pub struct Run {
    pub init: Duration,
    /// Per event: the answer and the handler duration.
    pub invocations: Vec<(Result<Value, String>, Duration)>,
    pub peak_rss_kib: Option<u64>,
}

enum Signal {
    Polled(Instant),
    Answered(Instant, Result<Value, String>),
}

struct RuntimeState {
    events: Mutex<VecDeque<String>>,
    signals: mpsc::UnboundedSender<Signal>,
}

async fn serve(
    state: Arc<RuntimeState>,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_string();
    if path.ends_with("/runtime/invocation/next") {
        let _ = state.signals.send(Signal::Polled(Instant::now()));
        let event = state.events.lock().expect("lock").pop_front();
        let Some(event) = event else {
            // No more events: hold this poll open until the process is stopped.
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
            .header(
                "lambda-runtime-aws-request-id",
                format!("local-{}", uuid::Uuid::new_v4()),
            )
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
        let _ = state.signals.send(Signal::Answered(Instant::now(), result));
    }
    Ok(Response::builder()
        .status(202)
        .body(Full::new(Bytes::new()))
        .expect("static response"))
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `command` (a function binary, or an interpreter with its arguments) under the
/// Runtime API with `env`, hands it `events` one after another, and returns what it
/// answered. The process is killed afterwards.
pub async fn run(command: &[&Path], env: &[(&str, String)], events: &[String], timeout: Duration) -> Run {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let addr = listener.local_addr().expect("bound");
    let (signals, mut received) = mpsc::unbounded_channel();
    let state = Arc::new(RuntimeState {
        events: Mutex::new(events.iter().cloned().collect()),
        signals,
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

    let (program, args) = command.split_first().expect("a command");
    let name = program
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("function")
        .to_string();
    let started = Instant::now();
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", name)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/local")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "local")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("{} runs: {e}", program.display()));

    let mut init = Duration::ZERO;
    let mut invocations = Vec::with_capacity(events.len());
    let collected = tokio::time::timeout(timeout, async {
        let mut polled_at = None;
        while invocations.len() < events.len() {
            match received.recv().await {
                Some(Signal::Polled(at)) => {
                    if polled_at.is_none() && invocations.is_empty() {
                        init = at - started;
                    }
                    polled_at = Some(at);
                }
                Some(Signal::Answered(at, result)) => {
                    let since = polled_at.take().unwrap_or(at);
                    invocations.push((result, at - since));
                }
                None => break,
            }
        }
    })
    .await;
    if collected.is_err() {
        invocations.push((Err(format!("no answer within {timeout:?}")), Duration::ZERO));
    }
    let peak_rss_kib = child.id().and_then(peak_rss_kib);
    let _ = child.kill().await;
    server.abort();
    Run {
        init,
        invocations,
        peak_rss_kib,
    }
}

/// Runs a function binary for one event.
pub async fn invoke(binary: &Path, env: &[(&str, String)], event: &str, timeout: Duration) -> Invocation {
    let mut run = run(&[binary], env, &[event.to_string()], timeout).await;
    let (response, handler) = run
        .invocations
        .pop()
        .unwrap_or((Err("no invocation".into()), Duration::ZERO));
    Invocation {
        response,
        init: run.init,
        handler,
        peak_rss_kib: run.peak_rss_kib,
    }
}
