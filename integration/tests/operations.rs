//! Every operation of openapi.yaml: the request leaves with the right method, path, query,
//! headers and body, and the documented response decodes into the typed model without loss.

mod common;

use common::{client, finish, page_size, stub};
use httpmock::Method::{DELETE, GET, PATCH, POST, PUT};
use httpmock::MockServer;
use sendmux_management::{types, Clearable};
use serde_json::json;

const ETAG: &str = "W/\"5f2c9e\"";

fn typed<T: serde::de::DeserializeOwned>(value: &serde_json::Value) -> T {
    serde_json::from_value(value.clone()).expect("request body fits its schema")
}

// ---- Account

#[tokio::test]
async fn get_me() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(&server, GET, "/me", 200, "get_me", |w| w).await;
    let me = finish(mock, client(&server).get_me().await, &body, 200).await;
    assert_eq!(me.data.credential.type_, types::CredentialType::ApiKey);
}

// ---- Billing

#[tokio::test]
async fn get_balance() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(&server, GET, "/billing/balance", 200, "get_balance", |w| w).await;
    let balance = finish(mock, client(&server).get_balance().await, &body, 200).await;
    assert_eq!(balance.data.balance, body["data"]["balance"]);
}

#[tokio::test]
async fn get_spend_summary() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        GET,
        "/billing/summary",
        200,
        "get_spend_summary",
        |w| w.query_param("days", "30"),
    )
    .await;
    let result = client(&server)
        .get_spend_summary()
        .days(types::SpendSummaryDays::Last30Days)
        .await;
    finish(mock, result, &body, 200).await;
}

#[tokio::test]
async fn list_transactions() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        GET,
        "/billing/transactions",
        200,
        "list_transactions",
        |w| {
            w.query_param("cursor", "cur_1")
                .query_param("limit", "20")
                .query_param("type", "USAGE")
        },
    )
    .await;
    let result = client(&server)
        .list_transactions()
        .cursor("cur_1")
        .limit(page_size(20))
        .type_(types::TransactionType::Usage)
        .await;
    let page = finish(mock, result, &body, 200).await;
    assert!(page.pagination.as_ref().is_some_and(|p| p.has_more));
}

// ---- Domains

#[tokio::test]
async fn list_domains() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(&server, GET, "/domains", 200, "list_domains", |w| {
        w.query_param("limit", "25").query_param("cursor", "cur_1")
    })
    .await;
    let result = client(&server)
        .list_domains()
        .limit(page_size(25))
        .cursor("cur_1")
        .await;
    let page = finish(mock, result, &body, 200).await;
    assert_eq!(
        page.pagination
            .as_ref()
            .and_then(|p| p.next_cursor.as_deref()),
        Some("cur_2")
    );
}

#[tokio::test]
async fn create_domain() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(&server, POST, "/domains", 201, "create_domain", |w| {
        w.header("idempotency-key", "create-domain-1")
            .header("content-type", "application/json")
            .json_body(json!({"domain": "notify.example.com", "mode": "send_only"}))
    })
    .await;
    let result = client(&server)
        .create_domain(
            types::CreateDomainBody::new("notify.example.com").mode(types::DomainMode::SendOnly),
        )
        .idempotency_key("create-domain-1")
        .await;
    let created = finish(mock, result, &body, 201).await;
    assert_eq!(created.data.dns_records.dkim.len(), 3);
}

#[tokio::test]
async fn get_domain() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(&server, GET, "/domains/mdom_1", 200, "get_domain", |w| {
        w.header("if-none-match", ETAG)
    })
    .await;
    let result = client(&server)
        .get_domain("mdom_1")
        .if_none_match(ETAG)
        .await;
    let domain = finish(mock, result, &body, 200).await;
    assert_eq!(
        domain.data.verification_status,
        types::DomainVerificationStatus::Verified
    );
}

#[tokio::test]
async fn update_domain() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        PATCH,
        "/domains/mdom_1",
        200,
        "update_domain",
        |w| {
            w.header("if-match", ETAG)
                .json_body(json!({"mode": "send_receive"}))
        },
    )
    .await;
    let result = client(&server)
        .update_domain(
            "mdom_1",
            types::UpdateDomainBody::new(types::DomainUpgradeMode::SendReceive),
        )
        .if_match(ETAG)
        .await;
    finish(mock, result, &body, 200).await;
}

#[tokio::test]
async fn delete_domain() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        DELETE,
        "/domains/mdom_1",
        200,
        "delete_domain",
        |w| w,
    )
    .await;
    let result = client(&server).delete_domain("mdom_1").await;
    let deleted = finish(mock, result, &body, 200).await;
    assert!(deleted.data.deleted);
}

#[tokio::test]
async fn get_domain_filters() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        GET,
        "/domains/mdom_1/filters",
        200,
        "get_domain_filters",
        |w| w.header("if-none-match", ETAG),
    )
    .await;
    let result = client(&server)
        .get_domain_filters("mdom_1")
        .if_none_match(ETAG)
        .await;
    finish(mock, result, &body, 200).await;
}

#[tokio::test]
async fn set_domain_filters() {
    let server = MockServer::start_async().await;
    let request = json!({
        "mode": "denylist",
        "rules": [
            {"type": "deny", "pattern": "spam.example.org", "note": "reported twice"},
            {"type": "deny", "pattern": "bulk@example.net"}
        ]
    });
    let expected = request.clone();
    let (mock, body) = stub(
        &server,
        PUT,
        "/domains/mdom_1/filters",
        200,
        "set_domain_filters",
        |w| w.header("if-match", ETAG).json_body(expected),
    )
    .await;
    let result = client(&server)
        .set_domain_filters("mdom_1", typed::<types::SetFilterStateBody>(&request))
        .if_match(ETAG)
        .await;
    finish(mock, result, &body, 200).await;
}

#[tokio::test]
async fn verify_domain() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        POST,
        "/domains/mdom_1/verify",
        200,
        "verify_domain",
        |w| w,
    )
    .await;
    let result = client(&server).verify_domain("mdom_1").await;
    finish(mock, result, &body, 200).await;
}

#[tokio::test]
async fn get_domain_zone_file() {
    let server = MockServer::start_async().await;
    let zone = "$ORIGIN notify.example.com.\n@ 3600 IN MX 10 inbound-smtp.example.net.\n";
    let mock = server
        .mock_async(|when, then| {
            common::expect(when, GET, "/domains/mdom_1/zone-file");
            then.status(200)
                .header("content-type", "text/plain; charset=utf-8")
                .header(
                    "content-disposition",
                    "attachment; filename=\"notify.example.com.zone\"",
                )
                .body(zone);
        })
        .await;
    let response = client(&server)
        .get_domain_zone_file("mdom_1")
        .await
        .expect("zone file");
    mock.assert_async().await;
    assert_eq!(response.http_status, 200);
    assert_eq!(response.data, zone);
}

// ---- Emails

#[tokio::test]
async fn list_email_logs() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(&server, GET, "/emails/logs", 200, "list_email_logs", |w| {
        w.query_param("limit", "50")
            .query_param("cursor", "cur_1")
            .query_param("status", "failed")
            .query_param("from_date", "2026-11-01")
            .query_param("to_date", "2026-11-02T12:00:00Z")
            .query_param("provider_id", "dprov_1")
            .query_param("search", "invoice")
    })
    .await;
    let result = client(&server)
        .list_email_logs()
        .limit(page_size(50))
        .cursor("cur_1")
        .status(types::DeliveryStatus::Failed)
        .from_date("2026-11-01")
        .to_date("2026-11-02T12:00:00Z")
        .provider_id("dprov_1")
        .search("invoice")
        .await;
    finish(mock, result, &body, 200).await;
}

#[tokio::test]
async fn get_email_log() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        GET,
        "/emails/logs/dlog_1",
        200,
        "get_email_log",
        |w| w.header("if-none-match", ETAG),
    )
    .await;
    let result = client(&server)
        .get_email_log("dlog_1")
        .if_none_match(ETAG)
        .await;
    let log = finish(mock, result, &body, 200).await;
    assert!(log.data.recipients.is_some());
}

#[tokio::test]
async fn get_email_metrics() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        GET,
        "/emails/metrics",
        200,
        "get_email_metrics",
        |w| {
            w.query_param("window", "7d")
                .query_param("granularity", "daily")
                .query_param("provider_id", "dprov_1")
                .query_param("from_date", "2026-10-01")
                .query_param("to_date", "2026-10-31")
        },
    )
    .await;
    let result = client(&server)
        .get_email_metrics()
        .window(types::MetricsWindow::Last7Days)
        .granularity(types::MetricsGranularity::Daily)
        .provider_id("dprov_1")
        .from_date("2026-10-01")
        .to_date("2026-10-31")
        .await;
    finish(mock, result, &body, 200).await;
}

// ---- Inboxes

#[tokio::test]
async fn list_inbox_logs() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(&server, GET, "/inboxes/logs", 200, "list_inbox_logs", |w| {
        w.query_param("limit", "10")
            .query_param("cursor", "cur_1")
            .query_param("mailbox_id", "mbx_1")
            .query_param("event_type", "message.received.spam")
            .query_param("from_date", "2026-11-01")
            .query_param("to_date", "2026-11-02")
            .query_param("search", "newsletter")
    })
    .await;
    let result = client(&server)
        .list_inbox_logs()
        .limit(page_size(10))
        .cursor("cur_1")
        .mailbox_id("mbx_1")
        .event_type(types::InboxEventType::MessageReceivedSpam)
        .from_date("2026-11-01")
        .to_date("2026-11-02")
        .search("newsletter")
        .await;
    finish(mock, result, &body, 200).await;
}

#[tokio::test]
async fn get_inbox_log() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        GET,
        "/inboxes/logs/ilog_1",
        200,
        "get_inbox_log",
        |w| w,
    )
    .await;
    let result = client(&server).get_inbox_log("ilog_1").await;
    finish(mock, result, &body, 200).await;
}

// ---- Mailboxes

#[tokio::test]
async fn list_mailboxes() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(&server, GET, "/mailboxes", 200, "list_mailboxes", |w| {
        w.query_param("include_deleted", "true")
            .query_param("limit", "5")
    })
    .await;
    let result = client(&server)
        .list_mailboxes()
        .include_deleted(types::IncludeDeleted::Yes)
        .limit(page_size(5))
        .await;
    finish(mock, result, &body, 200).await;
}

#[tokio::test]
async fn create_mailbox() {
    let server = MockServer::start_async().await;
    let request = json!({
        "email": "agent@notify.example.com",
        "display_name": "Support agent",
        "quota_bytes": 5368709120u64,
        "send_scope": {"type": "providers", "provider_public_ids": ["dprov_1"]}
    });
    let expected = request.clone();
    let (mock, body) = stub(&server, POST, "/mailboxes", 201, "create_mailbox", |w| {
        w.header("idempotency-key", "mbx-create-7")
            .json_body(expected)
    })
    .await;
    let result = client(&server)
        .create_mailbox(typed::<types::CreateMailboxBody>(&request))
        .idempotency_key("mbx-create-7")
        .await;
    let created = finish(mock, result, &body, 201).await;
    let credential = serde_json::to_value(&created.data.credential).unwrap();
    assert_eq!(credential, body["data"]["credential"]);
}

#[tokio::test]
async fn get_mailbox() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(&server, GET, "/mailboxes/mbx_1", 200, "get_mailbox", |w| {
        w.header("if-none-match", ETAG)
    })
    .await;
    let result = client(&server)
        .get_mailbox("mbx_1")
        .if_none_match(ETAG)
        .await;
    let mailbox = finish(mock, result, &body, 200).await;
    // The response dereferences to its data, whose own `status` stays reachable.
    assert_eq!(mailbox.status, types::MailboxStatus::Active);
}

#[tokio::test]
async fn update_mailbox() {
    let server = MockServer::start_async().await;
    let request = json!({"display_name": "Billing", "quota_bytes": 53687091200u64, "send_scope": {"type": "all"}});
    let expected = request.clone();
    let (mock, body) = stub(
        &server,
        PATCH,
        "/mailboxes/mbx_1",
        200,
        "update_mailbox",
        |w| w.header("if-match", ETAG).json_body(expected),
    )
    .await;
    let result = client(&server)
        .update_mailbox("mbx_1", typed::<types::UpdateMailboxBody>(&request))
        .if_match(ETAG)
        .await;
    finish(mock, result, &body, 200).await;
}

#[tokio::test]
async fn delete_mailbox() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        DELETE,
        "/mailboxes/mbx_1",
        200,
        "delete_mailbox",
        |w| w,
    )
    .await;
    let result = client(&server).delete_mailbox("mbx_1").await;
    finish(mock, result, &body, 200).await;
}

#[tokio::test]
async fn get_mailbox_filters() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        GET,
        "/mailboxes/mbx_1/filters",
        200,
        "get_mailbox_filters",
        |w| w.header("if-none-match", ETAG),
    )
    .await;
    let result = client(&server)
        .get_mailbox_filters("mbx_1")
        .if_none_match(ETAG)
        .await;
    finish(mock, result, &body, 200).await;
}

#[tokio::test]
async fn set_mailbox_filters() {
    let server = MockServer::start_async().await;
    let request = json!({"mode": "allowlist", "rules": [{"type": "allow", "pattern": "partner.example.org"}]});
    let expected = request.clone();
    let (mock, body) = stub(
        &server,
        PUT,
        "/mailboxes/mbx_1/filters",
        200,
        "set_mailbox_filters",
        |w| w.header("if-match", ETAG).json_body(expected),
    )
    .await;
    let result = client(&server)
        .set_mailbox_filters("mbx_1", typed::<types::SetFilterStateBody>(&request))
        .if_match(ETAG)
        .await;
    finish(mock, result, &body, 200).await;
}

#[tokio::test]
async fn create_mailbox_key() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        POST,
        "/mailboxes/mbx_1/keys",
        201,
        "create_mailbox_key",
        |w| {
            w.header("idempotency-key", "key-1")
                .json_body(json!({"app_name": "Deploy bot"}))
        },
    )
    .await;
    let result = client(&server)
        .create_mailbox_key("mbx_1", types::CreateMailboxKeyBody::new("Deploy bot"))
        .idempotency_key("key-1")
        .await;
    finish(mock, result, &body, 201).await;
}

#[tokio::test]
async fn delete_mailbox_key() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        DELETE,
        "/mailboxes/mbx_1/keys/mbk_9",
        200,
        "delete_mailbox_key",
        |w| w,
    )
    .await;
    let result = client(&server).delete_mailbox_key("mbx_1", "mbk_9").await;
    finish(mock, result, &body, 200).await;
}

#[tokio::test]
async fn resume_mailbox() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        POST,
        "/mailboxes/mbx_1/resume",
        200,
        "resume_mailbox",
        |w| w.header("idempotency-key", "resume-1"),
    )
    .await;
    let result = client(&server)
        .resume_mailbox("mbx_1")
        .idempotency_key("resume-1")
        .await;
    finish(mock, result, &body, 200).await;
}

#[tokio::test]
async fn suspend_mailbox() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        POST,
        "/mailboxes/mbx_1/suspend",
        200,
        "suspend_mailbox",
        |w| w.header("idempotency-key", "suspend-1"),
    )
    .await;
    let result = client(&server)
        .suspend_mailbox("mbx_1")
        .idempotency_key("suspend-1")
        .await;
    finish(mock, result, &body, 200).await;
}

#[tokio::test]
async fn check_mailbox_availability() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        GET,
        "/mailboxes/availability",
        200,
        "check_mailbox_availability",
        |w| w.query_param("email", "agent@notify.example.com"),
    )
    .await;
    let result = client(&server)
        .check_mailbox_availability("agent@notify.example.com")
        .await;
    finish(mock, result, &body, 200).await;
}

// ---- Sending accounts

#[tokio::test]
async fn list_providers() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(&server, GET, "/providers", 200, "list_providers", |w| {
        w.query_param("status", "active")
            .query_param("type", "smtp")
            .query_param("limit", "100")
            .query_param("cursor", "cur_1")
    })
    .await;
    let result = client(&server)
        .list_providers()
        .status(types::ProviderStatus::Active)
        .type_(types::ProviderType::Smtp)
        .limit(page_size(100))
        .cursor("cur_1")
        .await;
    finish(mock, result, &body, 200).await;
}

#[tokio::test]
async fn create_provider() {
    let server = MockServer::start_async().await;
    let request = json!({
        "name": "Transactional SMTP",
        "smtp_host": "smtp.example.net",
        "smtp_port": 587,
        "smtp_protocol": "starttls",
        "smtp_username": "relay",
        "smtp_password": "s3cret-pass",
        "from_email": "billing@notify.example.com",
        "percentage": 50,
        "quotas": {"per_day": 10000, "per_second": {"min": 2, "max": 5}}
    });
    let expected = request.clone();
    let (mock, body) = stub(&server, POST, "/providers", 201, "create_provider", |w| {
        w.header("idempotency-key", "prov-1").json_body(expected)
    })
    .await;
    let result = client(&server)
        .create_provider(typed::<types::ProviderCreateBody>(&request))
        .idempotency_key("prov-1")
        .await;
    finish(mock, result, &body, 201).await;
}

#[tokio::test]
async fn get_provider() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        GET,
        "/providers/dprov_1",
        200,
        "get_provider",
        |w| w.header("if-none-match", ETAG),
    )
    .await;
    let result = client(&server)
        .get_provider("dprov_1")
        .if_none_match(ETAG)
        .await;
    finish(mock, result, &body, 200).await;
}

#[tokio::test]
async fn update_provider() {
    let server = MockServer::start_async().await;
    // `null` removes a value; a field left out keeps it.
    let expected = json!({
        "name": "Primary relay",
        "from_name": "Billing",
        "tracking_domain": null,
        "quotas": {"per_hour": 1200, "per_day": null}
    });
    let (mock, body) = stub(
        &server,
        PATCH,
        "/providers/dprov_1",
        200,
        "update_provider",
        |w| w.header("if-match", ETAG).json_body(expected),
    )
    .await;
    let quotas = types::ProviderUpdateBodyQuotas::new()
        .per_hour(types::QuotaValue::Integer(
            std::num::NonZeroU64::new(1200).unwrap(),
        ))
        .per_day(Clearable::Clear);
    let result = client(&server)
        .update_provider(
            "dprov_1",
            types::ProviderUpdateBody::new()
                .name("Primary relay")
                .from_name("Billing")
                .tracking_domain(Clearable::Clear)
                .quotas(quotas),
        )
        .if_match(ETAG)
        .await;
    finish(mock, result, &body, 200).await;
}

#[tokio::test]
async fn delete_provider() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        DELETE,
        "/providers/dprov_1",
        200,
        "delete_provider",
        |w| w,
    )
    .await;
    let result = client(&server).delete_provider("dprov_1").await;
    finish(mock, result, &body, 200).await;
}

#[tokio::test]
async fn activate_provider() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        POST,
        "/providers/dprov_1/activate",
        200,
        "activate_provider",
        |w| w.header("idempotency-key", "act-1"),
    )
    .await;
    let result = client(&server)
        .activate_provider("dprov_1")
        .idempotency_key("act-1")
        .await;
    finish(mock, result, &body, 200).await;
}

#[tokio::test]
async fn deactivate_provider() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        POST,
        "/providers/dprov_1/deactivate",
        200,
        "deactivate_provider",
        |w| w.header("idempotency-key", "deact-1"),
    )
    .await;
    let result = client(&server)
        .deactivate_provider("dprov_1")
        .idempotency_key("deact-1")
        .await;
    finish(mock, result, &body, 200).await;
}

#[tokio::test]
async fn test_provider() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        POST,
        "/providers/dprov_1/test",
        200,
        "test_provider",
        |w| w.header("idempotency-key", "test-1"),
    )
    .await;
    let result = client(&server)
        .test_provider("dprov_1")
        .idempotency_key("test-1")
        .await;
    let outcome = finish(mock, result, &body, 200).await;
    assert!(outcome.data.success);
}

#[tokio::test]
async fn get_provider_limits() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        GET,
        "/providers/limits",
        200,
        "get_provider_limits",
        |w| w,
    )
    .await;
    finish(
        mock,
        client(&server).get_provider_limits().await,
        &body,
        200,
    )
    .await;
}

#[tokio::test]
async fn request_provider_limit_increase() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        POST,
        "/providers/limits/sending-accounts/request-increase",
        200,
        "request_provider_limit_increase",
        |w| w.header("idempotency-key", "more-accounts"),
    )
    .await;
    let result = client(&server)
        .request_provider_limit_increase()
        .idempotency_key("more-accounts")
        .await;
    finish(mock, result, &body, 200).await;
}

#[tokio::test]
async fn get_shared_ses_limit_request() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        GET,
        "/providers/shared-amazon-ses-limit-request",
        200,
        "get_shared_ses_limit_request",
        |w| w,
    )
    .await;
    finish(
        mock,
        client(&server).get_shared_ses_limit_request().await,
        &body,
        200,
    )
    .await;
}

#[tokio::test]
async fn create_shared_ses_limit_request() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        POST,
        "/providers/shared-amazon-ses-limit-request",
        200,
        "create_shared_ses_limit_request",
        |w| w.header("idempotency-key", "ses-more"),
    )
    .await;
    let result = client(&server)
        .create_shared_ses_limit_request()
        .idempotency_key("ses-more")
        .await;
    finish(mock, result, &body, 200).await;
}

#[tokio::test]
async fn cancel_shared_ses_limit_request() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        DELETE,
        "/providers/shared-amazon-ses-limit-request/sesreq_4",
        200,
        "cancel_shared_ses_limit_request",
        |w| w,
    )
    .await;
    let result = client(&server)
        .cancel_shared_ses_limit_request("sesreq_4")
        .await;
    finish(mock, result, &body, 200).await;
}

#[tokio::test]
async fn get_provider_stats() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        GET,
        "/providers/stats",
        200,
        "get_provider_stats",
        |w| w,
    )
    .await;
    finish(mock, client(&server).get_provider_stats().await, &body, 200).await;
}

#[tokio::test]
async fn get_provider_usage() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        GET,
        "/providers/usage",
        200,
        "get_provider_usage",
        |w| w,
    )
    .await;
    finish(mock, client(&server).get_provider_usage().await, &body, 200).await;
}

// ---- Webhooks

#[tokio::test]
async fn list_webhooks() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(&server, GET, "/webhooks", 200, "list_webhooks", |w| {
        w.query_param("limit", "2").query_param("cursor", "cur_1")
    })
    .await;
    let result = client(&server)
        .list_webhooks()
        .limit(page_size(2))
        .cursor("cur_1")
        .await;
    finish(mock, result, &body, 200).await;
}

#[tokio::test]
async fn create_webhook() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(&server, POST, "/webhooks", 201, "create_webhook", |w| {
        w.header("idempotency-key", "hook-1").json_body(json!({
            "url": "https://hooks.example.com/sendmux",
            "name": "Bounces",
            "event_types": ["message.bounced", "message.complained"],
            "filters": {"mailbox_ids": ["mbx_1"]}
        }))
    })
    .await;
    let result = client(&server)
        .create_webhook(
            types::WebhookCreateBody::new(
                "https://hooks.example.com/sendmux",
                [
                    types::WebhookEventType::MessageBounced,
                    types::WebhookEventType::MessageComplained,
                ],
            )
            .name("Bounces")
            .filters(types::WebhookFilters::new(["mbx_1".to_owned()])),
        )
        .idempotency_key("hook-1")
        .await;
    let created = finish(mock, result, &body, 201).await;
    assert!(created.data.secret.expose_secret().starts_with("whsec_"));
}

#[tokio::test]
async fn get_webhook() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(&server, GET, "/webhooks/whk_1", 200, "get_webhook", |w| {
        w.header("if-none-match", ETAG)
    })
    .await;
    let result = client(&server)
        .get_webhook("whk_1")
        .if_none_match(ETAG)
        .await;
    finish(mock, result, &body, 200).await;
}

#[tokio::test]
async fn update_webhook() {
    let server = MockServer::start_async().await;
    let expected = json!({"enabled": false, "name": null, "event_types": ["sendmux.test"]});
    let (mock, body) = stub(
        &server,
        PATCH,
        "/webhooks/whk_1",
        200,
        "update_webhook",
        |w| w.header("if-match", ETAG).json_body(expected),
    )
    .await;
    let result = client(&server)
        .update_webhook(
            "whk_1",
            types::WebhookUpdateBody::new()
                .enabled(false)
                .name(Clearable::Clear)
                .event_types([types::WebhookEventType::SendmuxTest]),
        )
        .if_match(ETAG)
        .await;
    finish(mock, result, &body, 200).await;
}

#[tokio::test]
async fn delete_webhook() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        DELETE,
        "/webhooks/whk_1",
        200,
        "delete_webhook",
        |w| w,
    )
    .await;
    let result = client(&server).delete_webhook("whk_1").await;
    finish(mock, result, &body, 200).await;
}

#[tokio::test]
async fn list_webhook_deliveries() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        GET,
        "/webhooks/whk_1/deliveries",
        200,
        "list_webhook_deliveries",
        |w| {
            w.query_param("event_type", "message.bounced")
                .query_param("result", "permanent_failure")
                .query_param("limit", "30")
                .query_param("cursor", "cur_1")
        },
    )
    .await;
    let result = client(&server)
        .list_webhook_deliveries("whk_1")
        .event_type(types::WebhookEventType::MessageBounced)
        .result(types::WebhookDeliveryResult::PermanentFailure)
        .limit(page_size(30))
        .cursor("cur_1")
        .await;
    finish(mock, result, &body, 200).await;
}

#[tokio::test]
async fn get_webhook_delivery_payload() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        GET,
        "/webhooks/whk_1/deliveries/whd_3/payload",
        200,
        "get_webhook_delivery_payload",
        |w| w,
    )
    .await;
    let result = client(&server)
        .get_webhook_delivery_payload("whk_1", "whd_3")
        .await;
    let delivery = finish(mock, result, &body, 200).await;
    assert_eq!(delivery.data.payload.id, body["data"]["payload"]["id"]);
}

#[tokio::test]
async fn rotate_webhook_secret() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        POST,
        "/webhooks/whk_1/rotate-secret",
        200,
        "rotate_webhook_secret",
        |w| w.header("idempotency-key", "rotate-1"),
    )
    .await;
    let result = client(&server)
        .rotate_webhook_secret("whk_1")
        .idempotency_key("rotate-1")
        .await;
    finish(mock, result, &body, 200).await;
}

#[tokio::test]
async fn test_webhook() {
    let server = MockServer::start_async().await;
    let (mock, body) = stub(
        &server,
        POST,
        "/webhooks/whk_1/test",
        200,
        "test_webhook",
        |w| w.header("idempotency-key", "ping-1"),
    )
    .await;
    let result = client(&server)
        .test_webhook("whk_1")
        .idempotency_key("ping-1")
        .await;
    finish(mock, result, &body, 200).await;
}
