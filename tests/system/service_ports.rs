//! The services' own ports answer the shop's services only. The call an outside test once used
//! to make a customer an admin — `AdminUpdateAccount` straight to the auth port — is refused
//! without a credential and with one signed by a key of the caller's own, and changes nothing;
//! the gRPC health service stays open for probes.
use serde_json::json;
use tonic::transport::{Channel, Endpoint};
use vici_proto::auth::v1::auth_service_client::AuthServiceClient;
use vici_proto::auth::v1::{AdminUpdateAccountRequest, Role};
use vici_testkit::system::shop;

#[tokio::test]
async fn a_direct_call_to_a_service_port_is_refused_and_changes_nothing() {
    let mut v = shop().visitor();
    v.register("direct").await.data();
    let me = v.user_id();
    let promote = AdminUpdateAccountRequest {
        user_id: me.clone(),
        role: Some(Role::Admin as i32),
        is_active: None,
        actor_id: me.clone(),
    };
    let auth_port = format!("http://127.0.0.1:{}", shop().deployment.port_base + 1);
    let mut bare = AuthServiceClient::new(bare_channel(&auth_port).await);
    let refused = bare.admin_update_account(promote.clone()).await;
    assert_eq!(refused.unwrap_err().code(), tonic::Code::Unauthenticated);
    // This test process signs with a key of its own, as any outsider could.
    let mut forged: AuthServiceClient<vici_testkit::Channel> = vici_testkit::client_at(&auth_port);
    let refused = forged.admin_update_account(promote).await;
    assert_eq!(refused.unwrap_err().code(), tonic::Code::Unauthenticated);

    let email = v.user["email"].as_str().unwrap().to_string();
    let login = json!({"email": email, "password": "Sup3r-secret"});
    let again = v.post("/api/auth/login", &login).await;
    assert_eq!(again.data()["user"]["role"], "customer", "nothing changed");
    assert_eq!(v.get("/api/admin/users").await.error(403), "FORBIDDEN");
    health_is_open(bare_channel(&auth_port).await).await;
}

async fn bare_channel(url: &str) -> Channel {
    let endpoint = Endpoint::from_shared(url.to_string()).unwrap();
    endpoint.connect().await.expect("the port listens")
}

async fn health_is_open(channel: Channel) {
    use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
    let answer = HealthClient::new(channel)
        .check(HealthCheckRequest::default())
        .await;
    assert!(answer.is_ok(), "{answer:?}");
}
