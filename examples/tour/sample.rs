//! Sample data for the tour's mock: a small team with a few domains, logs and metrics.

use sendmux_management::testing::{MockApi, MockServerExt};
use sendmux_management::types::{
    Balance, BalanceEnvelope, DeliveryLogItem, DeliveryLogItemPage, Domain, DomainPage,
    EmailMetrics, EmailMetricsEnvelope, MailboxCreateResult, MailboxCreateResultEnvelope,
    MailboxKey, MailboxKeyEnvelope, Me, MeEnvelope, WebhookSubscriptionWithSecret,
    WebhookSubscriptionWithSecretEnvelope,
};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

fn typed<T: DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).unwrap_or_else(|e| panic!("sample data does not fit: {e}"))
}

fn domain(id: &str, name: &str, mode: &str, status: &str, mailboxes: u64) -> Domain {
    let verified = status == "verified";
    typed(json!({
        "id": id,
        "domain": name,
        "mode": mode,
        "verification_status": status,
        "ses_identity_verification_status": if verified { "Success" } else { "Pending" },
        "ses_verified_for_sending": verified,
        "ses_dkim_status": if verified { "success" } else { "pending" },
        "ses_dkim_signing_enabled": verified,
        "ses_identity_checked_at": "2026-11-26T08:00:00Z",
        "ses_mail_from_status": if verified { "success" } else { "pending" },
        "verified_at": if verified { json!("2026-10-03T14:12:09Z") } else { Value::Null },
        "created_at": "2026-10-01T09:00:00Z",
        "mailbox_count": mailboxes,
        "dns_records": {
            "verification": {"name": format!("_sendmux.{name}"), "value": "sendmux-verification=8c2f41"},
            "spf": {"name": name, "value": "v=spf1 include:amazonses.com ~all"},
            "dkim": [
                {"name": format!("k1._domainkey.{name}"), "value": "k1.dkim.amazonses.com"},
                {"name": format!("k2._domainkey.{name}"), "value": "k2.dkim.amazonses.com"},
                {"name": format!("k3._domainkey.{name}"), "value": "k3.dkim.amazonses.com"}
            ],
            "dmarc": {"name": format!("_dmarc.{name}"), "value": "v=DMARC1; p=quarantine;"},
            "mail_from": {
                "mx": {"name": format!("bounce.{name}"), "priority": 10, "target": "feedback-smtp.eu-west-1.amazonses.com"},
                "spf": {"name": format!("bounce.{name}"), "value": "v=spf1 include:amazonses.com ~all"}
            },
            "mx": [{"priority": 10, "target": "mx1.inbound.sendmux.example"}]
        }
    }))
}

fn log(id: &str, minute: u32, status: &str, subject: &str, to: &str) -> DeliveryLogItem {
    typed(json!({
        "id": id,
        "provider_id": "dprov_primary",
        "provider_name": "Primary SMTP",
        "message_id": format!("<{id}@mail.acme-robotics.example>"),
        "from_email": "billing@mail.acme-robotics.example",
        "sent_from_email": "billing@mail.acme-robotics.example",
        "to_email": to,
        "subject": subject,
        "status": status,
        "status_reason": if status == "failed" { json!("550 5.1.1 mailbox unavailable") } else { Value::Null },
        "attempts": 1,
        "sent_at": if status == "sent" { json!(format!("2026-11-27T08:{minute:02}:03Z")) } else { Value::Null },
        "size_bytes": 18234,
        "created_at": format!("2026-11-27T08:{minute:02}:00Z"),
        "recipient_count": 1,
        "accepted_recipient_count": if status == "sent" { 1 } else { 0 },
        "rejected_recipient_count": if status == "sent" { 0 } else { 1 }
    }))
}

fn credential(public_id: &str, suffix: &str) -> Value {
    json!({
        "public_id": public_id,
        "secret": format!("smx_mbx_9d1f0c27e4b8a6{suffix}"),
        "key_prefix": "smx_mbx_",
        "key_suffix": suffix,
        "server": "mail.sendmux.example",
        "imap_port": 993,
        "smtp_port": 587,
        "username": "support@mail.acme-robotics.example"
    })
}

fn webhook(secret: &str) -> WebhookSubscriptionWithSecret {
    typed(json!({
        "id": "whk_bounces",
        "name": null,
        "url": "https://hooks.acme-robotics.example/sendmux",
        "event_types": ["message.bounced", "message.complained"],
        "filters": {"mailbox_ids": []},
        "enabled": true,
        "failing": false,
        "created_at": "2026-11-27T09:00:00Z",
        "updated_at": "2026-11-27T09:00:00Z",
        "secret": secret
    }))
}

/// Stubs every operation the tour calls.
pub fn stub(api: &MockApi) {
    let me: Me = typed(json!({
        "team": {"id": "team_acme", "name": "Acme Robotics"},
        "credential": {"id": "key_ops", "type": "api_key", "name": "Operations"},
        "label": "Operations",
        "permissions": ["root:full"],
        "mailboxes": []
    }));
    api.get_me(|_, then| {
        then.ok(&MeEnvelope::of(me))
            .into_inner()
            .header("x-ratelimit-limit", "600")
            .header("x-ratelimit-remaining", "598")
            .header("x-ratelimit-reset", "1795000000");
    });

    let domains = [
        domain(
            "mdom_1",
            "mail.acme-robotics.example",
            "send_receive",
            "verified",
            3,
        ),
        domain(
            "mdom_2",
            "news.acme-robotics.example",
            "send_only",
            "verified",
            0,
        ),
        domain(
            "mdom_3",
            "eu.acme-robotics.example",
            "send_receive",
            "pending",
            0,
        ),
    ];
    let (first, rest) = domains.split_at(2);
    api.list_domains(|when, then| {
        when.cursor(None);
        then.ok(&DomainPage::of(first.to_vec()).followed_by("cur_page2"));
    });
    api.list_domains(|when, then| {
        when.cursor("cur_page2");
        then.ok(&DomainPage::of(rest.to_vec()));
    });

    let metrics: EmailMetrics = typed(json!({
        "summary": {"total": 12840, "sent": 12611, "failed": 97, "rejected": 31, "pending": 101},
        "comparison": {
            "total": 11902, "sent": 11650, "failed": 120, "rejected": 40, "pending": 92,
            "change_pct": {"total": 7.9, "sent": 8.2, "failed": -19.2, "rejected": -22.5, "pending": 9.8}
        },
        "timeseries": [
            {"timestamp": "2026-11-26T00:00:00Z", "total": 1830, "sent": 1799, "failed": 12, "rejected": 4, "pending": 15}
        ]
    }));
    api.get_email_metrics(|_, then| {
        then.ok(&EmailMetricsEnvelope::of(metrics));
    });

    let logs = vec![
        log(
            "dlog_5",
            59,
            "sent",
            "Your invoice #4411",
            "ada@example.org",
        ),
        log("dlog_4", 48, "sent", "Password reset", "grace@example.org"),
        log(
            "dlog_3",
            31,
            "failed",
            "Your invoice #4410",
            "gone@example.org",
        ),
        log("dlog_2", 17, "pending", "Weekly digest", "alan@example.org"),
        log("dlog_1", 2, "sent", "Welcome aboard", "edsger@example.org"),
    ];
    api.list_email_logs(|_, then| {
        then.ok(&DeliveryLogItemPage::of(logs));
    });

    let created: MailboxCreateResult = typed(json!({
        "mailbox": {
            "id": "mbx_support",
            "email": "support@mail.acme-robotics.example",
            "display_name": "Support",
            "quota_bytes": 5368709120u64,
            "send_scope": {"type": "all"},
            "status": "active",
            "created_at": "2026-11-27T09:00:00Z"
        },
        "credential": credential("mbk_first", "7f3a"),
        "warning": null
    }));
    api.create_mailbox(|_, then| {
        then.created(&MailboxCreateResultEnvelope::of(created))
            .into_inner()
            .header("location", "/api/v1/mailboxes/mbx_support");
    });
    let key: MailboxKey = typed(json!({"credential": credential("mbk_helpdesk", "c21e")}));
    api.create_mailbox_key(|when, then| {
        when.public_id("mbx_support");
        then.created(&MailboxKeyEnvelope::of(key));
    });

    api.create_webhook(|_, then| {
        then.created(&WebhookSubscriptionWithSecretEnvelope::of(webhook(
            "whsec_0b6e52d19a",
        )));
    });
    api.rotate_webhook_secret(|when, then| {
        when.public_id("whk_bounces");
        then.ok(&WebhookSubscriptionWithSecretEnvelope::of(webhook(
            "whsec_f4c7a830e1",
        )));
    });
}

/// Stubs the balance; registered after any fault for it, since the first matching stub answers.
pub fn balance(api: &MockApi) {
    let balance: Balance = typed(json!({
        "balance": "45.230000",
        "balance_purchased": "100.000000",
        "balance_consumed": "54.770000",
        "currency": "USD",
        "auto_topup": {"enabled": false, "threshold": null, "amount": null, "monthly_limit": null, "monthly_used": "0.000000"}
    }));
    api.get_balance(|_, then| {
        then.ok(&BalanceEnvelope::of(balance));
    });
}
