//! A webhook receiver for tests and the bench: an HTTP server on a free local port that
//! keeps every request it gets and answers by path: `/flaky` 500 twice per delivery (by
//! `Idempotency-Key`) then 200, `/down` always 500, `/sometimes` 503 on the first attempt
//! of one delivery in ten, `/stall` after 30 s, anything else 200 at once.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;

#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub idempotency_key: String,
    pub signature: String,
    pub x_signature: String,
    pub body: String,
    pub at: Instant,
}

#[derive(Clone, Default)]
pub struct Receiver {
    received: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    /// Starts serving; the base URL (`http://127.0.0.1:<port>`).
    pub async fn start(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let received = self.received.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let received = received.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let received = received.clone();
                        async move {
                            let path = req.uri().path().to_string();
                            let header = |name: &str| {
                                req.headers()
                                    .get(name)
                                    .and_then(|v| v.to_str().ok())
                                    .unwrap_or_default()
                                    .to_string()
                            };
                            let (key, sig, xsig) = (
                                header("idempotency-key"),
                                header("attio-signature"),
                                header("x-attio-signature"),
                            );
                            let body = req.into_body().collect().await.unwrap().to_bytes();
                            let tries = {
                                let mut list = received.lock().unwrap();
                                list.push(Received {
                                    path: path.clone(),
                                    idempotency_key: key.clone(),
                                    signature: sig,
                                    x_signature: xsig,
                                    body: String::from_utf8_lossy(&body).to_string(),
                                    at: Instant::now(),
                                });
                                list.iter().filter(|r| r.idempotency_key == key).count()
                            };
                            let status = match path.as_str() {
                                "/flaky" if tries <= 2 => 500,
                                "/down" => 500,
                                // One delivery in ten fails its first attempt.
                                "/sometimes" if tries == 1 && key.bytes().map(u32::from).sum::<u32>() % 10 == 0 => 503,
                                "/stall" => {
                                    tokio::time::sleep(Duration::from_secs(30)).await;
                                    200
                                }
                                _ => 200,
                            };
                            Ok::<_, Infallible>(
                                hyper::Response::builder()
                                    .status(status)
                                    .body(Full::new(Bytes::from_static(b"{}")))
                                    .unwrap(),
                            )
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        format!("http://{address}")
    }

    /// What arrived at `path`, in order.
    pub fn at(&self, path: &str) -> Vec<Received> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }
}
