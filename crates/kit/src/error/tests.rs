//! The error codes' mapping to and from gRPC statuses and HTTP answers.
use super::*;

#[test]
fn out_of_stock_names_the_line_and_what_is_left() {
    let e = Error::out_of_stock("p", None, 3);
    assert_eq!(e.code, ErrorCode::OutOfStock);
    assert_eq!(e.message, "Only 3 left in stock");
    assert_eq!(e.details["productId"], "p");
    assert_eq!(e.details["available"], 3);
    assert!(!e.details.contains_key("variantId"));
    assert!(
        !Error::out_of_stock("p", Some(""), 3)
            .details
            .contains_key("variantId")
    );
    let e = Error::out_of_stock("p", Some("v"), 0);
    assert_eq!(e.message, "This item is out of stock");
    assert_eq!(e.details["variantId"], "v");
}

#[test]
fn every_code_round_trips_through_grpc() {
    for code in ErrorCode::ALL {
        let err = Error::new(code, "msg").with_detail("available", 3);
        let back = Error::from_status(&err.into_status());
        assert_eq!(back.code, code);
        assert_eq!(back.message, "msg");
        assert_eq!(back.details["available"], 3);
    }
}

#[test]
fn untagged_statuses_map_by_grpc_code_and_hide_internals() {
    let down = Error::from_status(&tonic::Status::unavailable("tcp connect error 127.0.0.1"));
    assert_eq!(down.code, ErrorCode::Unavailable);
    assert!(!down.message.contains("127.0.0.1"));
    assert_eq!(down.code.http_status(), 503);
    let boom = Error::from_status(&tonic::Status::internal("panic at store.rs:12"));
    assert!(!boom.message.contains("store.rs"));
}

#[test]
fn internal_errors_do_not_leak_their_cause() {
    let e: Result<()> = Err(std::io::Error::other("disk /var/x full")).context("saving");
    let e = e.unwrap_err();
    assert_eq!(e.code, ErrorCode::Internal);
    assert!(!e.message.contains("disk"));
    assert!(format!("{e:?}").contains("disk"));
}

/// A peer that takes a call and dies without answering, as a service killed mid-request does,
/// is unavailable (503, retry), not a failure of ours (500).
#[tokio::test]
async fn a_peer_that_dies_mid_call_is_unavailable() {
    use tokio::io::AsyncReadExt as _;
    use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("accept");
        // The client's preface, settings and the call's headers arrive; then the peer is gone.
        let mut received = [0u8; 4096];
        let _ = socket.read(&mut received).await;
        drop(socket);
    });
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{address}"))
        .expect("endpoint")
        .connect_lazy();
    let status = HealthClient::new(channel)
        .check(HealthCheckRequest::default())
        .await
        .expect_err("the peer never answers");
    let error = Error::from_status(&status);
    assert_eq!(error.code, ErrorCode::Unavailable, "{status:?}");
    assert_eq!(error.code.http_status(), 503);
}
