//! The baseline: a bare axum server that answers every `GET` (or, when asked, every request:
//! a `POST` body is read and dropped) with the same bytes from memory. It is the fastest an
//! HTTP/1.1 server on this stack (tokio, hyper, axum) can answer with that body on this machine,
//! so `vici ÷ baseline` isolates what vici's own work costs.
use std::net::SocketAddr;

use axum::Router;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

/// What the baseline serves.
#[derive(Clone, Debug)]
pub struct BaselineConfig {
    pub addr: SocketAddr,
    pub body: Bytes,
    pub content_type: String,
    /// Extra `name: value` headers, to mimic the shape of the server being compared.
    pub headers: Vec<(String, String)>,
    /// Answer every method, not only `GET`/`HEAD` (to stand in for a write such as `POST`).
    pub any_method: bool,
    /// The status of the answer (vici answers a creating `POST` with 201).
    pub status: StatusCode,
}

/// The router: `GET`/`HEAD` anything (any method with `any_method`) → `status` with the body,
/// other methods → 405.
pub fn router(config: &BaselineConfig) -> anyhow::Result<Router> {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&config.content_type)?,
    );
    for (name, value) in &config.headers {
        headers.append(
            HeaderName::from_bytes(name.trim().as_bytes())?,
            HeaderValue::from_str(value.trim())?,
        );
    }
    let (body, any_method, status) = (config.body.clone(), config.any_method, config.status);
    // Taking the request body reads it, as the server under test must before it answers.
    Ok(
        Router::new().fallback(move |method: Method, _request: Bytes| {
            let (headers, body) = (headers.clone(), body.clone());
            async move {
                if any_method || method == Method::GET || method == Method::HEAD {
                    (status, headers, body).into_response()
                } else {
                    Response::builder()
                        .status(StatusCode::METHOD_NOT_ALLOWED)
                        .body(axum::body::Body::empty())
                        .unwrap_or_default()
                }
            }
        }),
    )
}

/// Serves until Ctrl-C or SIGTERM.
pub async fn serve(config: BaselineConfig) -> anyhow::Result<()> {
    let app = router(&config)?;
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| anyhow::anyhow!("baseline: cannot listen on {}: {e}", config.addr))?;
    eprintln!(
        "baseline: serving {} bytes of {} on http://{} (pid {})",
        config.body.len(),
        config.content_type,
        listener.local_addr()?,
        std::process::id()
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! { _ = tokio::signal::ctrl_c() => {}, _ = term => {} }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{RequestSpec, Target, send_once};

    #[tokio::test]
    async fn serves_the_body_to_the_client() {
        let config = BaselineConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            body: Bytes::from_static(br#"{"data":[1,2,3]}"#),
            content_type: "application/json".into(),
            headers: vec![("x-request-id".into(), "bench".into())],
            any_method: false,
            status: StatusCode::OK,
        };
        let app = router(&config).unwrap();
        let listener = tokio::net::TcpListener::bind(config.addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        let r = send_once(&Target::parse(&format!("http://{addr}/anything?x=1")).unwrap())
            .await
            .unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.body.as_deref(), Some(&br#"{"data":[1,2,3]}"#[..]));
        assert_eq!(r.content_type.as_deref(), Some("application/json"));
        let post = RequestSpec {
            method: "POST".into(),
            headers: vec![],
            body: Some(b"{}".to_vec()),
        };
        let target = Target::parse(&format!("http://{addr}/api/cart/items")).unwrap();
        let r = send_once(&target.clone().with(&post).unwrap())
            .await
            .unwrap();
        assert_eq!(r.status, 405);
        // Standing in for a write: any method, with the write's status.
        let config = BaselineConfig {
            any_method: true,
            status: StatusCode::CREATED,
            ..config
        };
        let listener = tokio::net::TcpListener::bind(config.addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = router(&config).unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        let target = Target::parse(&format!("http://{addr}/api/cart/items")).unwrap();
        let r = send_once(&target.with(&post).unwrap()).await.unwrap();
        assert_eq!(
            (r.status, r.body.as_deref()),
            (201, Some(&br#"{"data":[1,2,3]}"#[..]))
        );
    }
}
