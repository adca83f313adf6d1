//! Provisioning: domain → DNS records → verification → mailbox → API key → webhook.
//!
//! ```sh
//! SENDMUX_API_KEY=smx_root_… cargo run --example provisioning -- mail.example.com
//! ```
//!
//! Every create carries an idempotency key, so running the example again after a failure
//! does not create anything twice within 24 hours for the same request.

use std::time::Duration;

use sendmux_management::types::{
    CreateDomainBody, CreateMailboxBody, CreateMailboxKeyBody, DomainMode,
    DomainVerificationStatus, WebhookCreateBody, WebhookEventType,
};
use sendmux_management::{Client, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let name = std::env::args()
        .nth(1)
        .ok_or_else(|| Error::InvalidRequest("usage: provisioning <domain>".into()))?;
    let client = Client::from_env()?;

    let domain = client
        .create_domain(CreateDomainBody::new(name.as_str()).mode(DomainMode::SendReceive))
        .idempotency_key(format!("provision-domain-{name}").as_str())
        .await?;
    println!(
        "domain {} ({}) created; publish these records:",
        domain.domain, domain.id
    );
    let records = &domain.dns_records;
    println!(
        "  TXT   {}  {}",
        records.verification.name, records.verification.value
    );
    println!("  TXT   {}  {}", records.spf.name, records.spf.value);
    for dkim in &records.dkim {
        println!("  CNAME {}  {}", dkim.name, dkim.value);
    }
    println!("  TXT   {}  {}", records.dmarc.name, records.dmarc.value);
    for mx in &records.mx {
        println!("  MX    {}  {} {}", domain.domain, mx.priority, mx.target);
    }

    // Verification succeeds once DNS has propagated; check every 30 s for up to 10 minutes.
    let mut verified = false;
    for _ in 0..20 {
        let check = client.verify_domain(domain.id.as_str()).await?;
        if check.status == DomainVerificationStatus::Verified {
            verified = true;
            break;
        }
        println!(
            "  not verified yet ({:?}); checking again in 30 s",
            check.checks
        );
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
    if !verified {
        println!("DNS has not propagated yet: run the example again later.");
        return Ok(());
    }

    let mailbox = client
        .create_mailbox(CreateMailboxBody::new(format!("support@{name}")))
        .idempotency_key(format!("provision-mailbox-{name}").as_str())
        .await?;
    println!("mailbox {} created", mailbox.mailbox.email);

    let key = client
        .create_mailbox_key(
            mailbox.mailbox.id.as_str(),
            CreateMailboxKeyBody::new("Provisioning example"),
        )
        .await?;
    if let Some(credential) = &key.credential {
        println!(
            "mailbox key {}: store its secret now, it is shown only once",
            credential.public_id
        );
    }

    let webhook = client
        .create_webhook(WebhookCreateBody::new(
            format!("https://hooks.{name}/sendmux"),
            [
                WebhookEventType::MessageReceived,
                WebhookEventType::MessageBounced,
            ],
        ))
        .await?;
    println!(
        "webhook {} → {}: store its signing secret now",
        webhook.id, webhook.url
    );
    Ok(())
}
