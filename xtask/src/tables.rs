//! The naming decisions of our dialect that no rule can derive from the vendor's document:
//! which upstream operations we keep, our operation ids, our schema names and our enum names.
//! Adding a row here is how a new upstream name gets one of ours.

/// Upstream operations tagged with this tag belong to another API surface and are skipped.
pub const SKIPPED_TAG: &str = "Mailbox API";

/// Prefix of upstream operation ids; a new operation's id is the rest, in snake case.
pub const OPERATION_ID_PREFIX: &str = "management";

/// Upstream operation id → ours, where ours is not simply the snake-cased rest.
pub const OPERATION_IDS: &[(&str, &str)] = &[
    ("managementListBalance", "get_balance"),
    ("managementGetSpendSummary", "get_spend_summary"),
    ("managementListTransactions", "list_transactions"),
    ("managementListDomains", "list_domains"),
    ("managementCreateDomain", "create_domain"),
    ("managementDeleteDomain", "delete_domain"),
    ("managementGetDomain", "get_domain"),
    ("managementUpdateDomain", "update_domain"),
    ("managementGetDomainFilters", "get_domain_filters"),
    ("managementSetDomainFilters", "set_domain_filters"),
    ("managementVerifyDomain", "verify_domain"),
    ("managementGetDomainZoneFile", "get_domain_zone_file"),
    ("managementListEmailLogs", "list_email_logs"),
    ("managementGetEmailLog", "get_email_log"),
    ("managementGetEmailMetrics", "get_email_metrics"),
    ("managementListInboxLogs", "list_inbox_logs"),
    ("managementGetInboxLog", "get_inbox_log"),
    ("managementListMailboxes", "list_mailboxes"),
    ("managementCreateMailbox", "create_mailbox"),
    ("managementDeleteMailbox", "delete_mailbox"),
    ("managementGetMailbox", "get_mailbox"),
    ("managementUpdateMailbox", "update_mailbox"),
    ("managementGetMailboxFilters", "get_mailbox_filters"),
    ("managementSetMailboxFilters", "set_mailbox_filters"),
    ("managementCreateMailboxKey", "create_mailbox_key"),
    ("managementDeleteMailboxKey", "delete_mailbox_key"),
    ("managementResumeMailbox", "resume_mailbox"),
    ("managementSuspendMailbox", "suspend_mailbox"),
    (
        "managementCheckMailboxAvailability",
        "check_mailbox_availability",
    ),
    ("managementListProviders", "list_providers"),
    ("managementCreateProvider", "create_provider"),
    ("managementDeleteProvider", "delete_provider"),
    ("managementGetProvider", "get_provider"),
    ("managementUpdateProvider", "update_provider"),
    ("managementActivateProvider", "activate_provider"),
    ("managementDeactivateProvider", "deactivate_provider"),
    ("managementTestProvider", "test_provider"),
    ("managementGetProviderLimits", "get_provider_limits"),
    (
        "managementRequestSendingAccountLimitIncrease",
        "request_provider_limit_increase",
    ),
    (
        "managementGetSharedAmazonSesLimitRequest",
        "get_shared_ses_limit_request",
    ),
    (
        "managementCreateSharedAmazonSesLimitRequest",
        "create_shared_ses_limit_request",
    ),
    (
        "managementCancelSharedAmazonSesLimitRequest",
        "cancel_shared_ses_limit_request",
    ),
    ("managementGetProviderStats", "get_provider_stats"),
    ("managementGetProviderUsage", "get_provider_usage"),
    ("managementListWebhooks", "list_webhooks"),
    ("managementCreateWebhook", "create_webhook"),
    ("managementDeleteWebhook", "delete_webhook"),
    ("managementGetWebhook", "get_webhook"),
    ("managementUpdateWebhook", "update_webhook"),
    ("managementListDelivery", "list_webhook_deliveries"),
    (
        "managementGetDeliveryPayload",
        "get_webhook_delivery_payload",
    ),
    ("managementRotateWebhookSecret", "rotate_webhook_secret"),
    ("managementTestWebhook", "test_webhook"),
];

/// Upstream schema name → ours.
pub const SCHEMA_RENAMES: &[(&str, &str)] = &[
    ("MailboxDomain", "Domain"),
    ("ProviderItem", "Provider"),
    ("MailboxDomainVerifyResult", "DomainVerifyResult"),
    ("MailboxDomainVerifyChecks", "DomainVerifyChecks"),
    ("MailboxDomainDnsRecords", "DomainDnsRecords"),
    ("MailboxDomainNameValueRecord", "DnsNameValueRecord"),
    ("MailboxDomainMxRecord", "DnsMxRecord"),
    ("MailboxDomainMailFromRecords", "DomainMailFromRecords"),
    ("MailboxDomainNamedMxRecord", "DnsNamedMxRecord"),
    ("ApiErrorDetail", "ErrorIssue"),
    ("ProviderDeleted", "Deleted"),
    ("MailboxAppPasswordResult", "MailboxKey"),
    ("IncomingLogItem", "InboxLogItem"),
    ("WebhookTestResponse", "WebhookTestResult"),
];

/// Names of string enums met for the first time, keyed by their set of values (order does not
/// matter); an enum whose values are not listed is named after where it was first met. Once an
/// enum is in our spec, its name follows the places that use it ([`crate::identity`]), so a row
/// here never needs updating when the vendor adds or removes a value.
pub const ENUM_NAMES: &[(&[&str], &str)] = &[
    (
        &[
            "message.delivered",
            "message.bounced",
            "message.complained",
            "message.rejected",
            "message.delivery_delayed",
            "message.received",
            "message.received.spam",
            "sendmux.test",
        ],
        "WebhookEventType",
    ),
    (&["send_only", "send_receive"], "DomainMode"),
    (&["send_receive"], "DomainUpgradeMode"),
    (&["off", "allowlist", "denylist"], "FilterMode"),
    (&["allow", "deny"], "FilterRuleType"),
    (&["all", "providers", "group"], "SendScopeType"),
    (
        &["PURCHASE", "USAGE", "AUTO_TOPUP", "REFUND", "ADJUSTMENT"],
        "TransactionType",
    ),
    (&["USD"], "Currency"),
    (
        &["pending", "verified", "failed"],
        "DomainVerificationStatus",
    ),
    (
        &["active", "inactive", "error", "pending"],
        "ProviderStatus",
    ),
    (
        &["smtp", "gmail_api", "outlook_api", "amazon_ses"],
        "ProviderType",
    ),
    (&["pending", "sent", "failed", "rejected"], "DeliveryStatus"),
    (&["24h", "7d", "30d"], "MetricsWindow"),
    (&["hourly", "daily"], "MetricsGranularity"),
    (&["7", "30", "90"], "SpendSummaryDays"),
    (&["true"], "IncludeDeleted"),
    (
        &["message.received", "message.received.spam"],
        "InboxEventType",
    ),
    (
        &["success", "retrying", "failed", "permanent_failure"],
        "WebhookDeliveryResult",
    ),
    (
        &["pending", "approved", "denied", "cancelled"],
        "SesLimitRequestStatus",
    ),
    (&["accepted", "rejected"], "RecipientStatus"),
    (&["to", "cc", "bcc"], "RecipientType"),
    (&["tls", "ssl", "none", "starttls"], "SmtpProtocol"),
    (
        &[
            "invalid_parameter",
            "missing_parameter",
            "authentication_required",
            "insufficient_permissions",
            "not_found",
            "conflict",
            "limit_exceeded",
            "idempotency_conflict",
            "payload_too_large",
            "validation_error",
            "rate_limit_exceeded",
            "service_unavailable",
            "internal_error",
        ],
        "ErrorCode",
    ),
    (&["Permanent", "Transient", "Undetermined"], "BounceType"),
    (&["provider", "rfc5322"], "MessageIdKind"),
];

/// Names of `anyOf` unions (one fixed alternative or another), keyed by the `$ref` names and
/// `type`s of their non-null alternatives after conversion. Unlisted unions are named after
/// where they were first met.
pub const UNION_NAMES: &[(&[&str], &str)] = &[(&["integer", "ProviderQuotaRange"], "QuotaValue")];

/// A parameter used by many operations, kept once under `components/parameters`.
pub struct SharedParameter {
    /// `in` of the parameter.
    pub location: &'static str,
    /// Name of the parameter (header names compare case-insensitively).
    pub name: &'static str,
    /// Our component name.
    pub component: &'static str,
    /// Whether its schema is a named component too (so all operations share one Rust type),
    /// with the lower length bound the upstream schema leaves out.
    pub schema_component: Option<u64>,
}

/// The shared parameters, in the order they are added to `components/parameters`.
pub const SHARED_PARAMETERS: &[SharedParameter] = &[
    SharedParameter {
        location: "query",
        name: "cursor",
        component: "Cursor",
        schema_component: None,
    },
    SharedParameter {
        location: "query",
        name: "limit",
        component: "Limit",
        schema_component: None,
    },
    SharedParameter {
        location: "header",
        name: "Idempotency-Key",
        component: "IdempotencyKey",
        // An empty key is refused by the API, so the schema says so.
        schema_component: Some(1),
    },
    SharedParameter {
        location: "header",
        name: "If-None-Match",
        component: "IfNoneMatch",
        schema_component: None,
    },
    SharedParameter {
        location: "header",
        name: "If-Match",
        component: "IfMatch",
        schema_component: None,
    },
];

/// Upstream schema of every error body; it becomes `ErrorEnvelope` + `ErrorBody`.
pub const ERROR_SCHEMA: &str = "ApiError";

/// Component schemas listed first in `components/schemas`, in this order; the rest follow
/// alphabetically.
pub const LEADING_SCHEMAS: &[&str] = &[
    "ResponseMeta",
    "CursorPagination",
    "IdempotencyKey",
    "ErrorEnvelope",
    "ErrorBody",
    "ErrorIssue",
    "ErrorCode",
    "Deleted",
    "DeletedEnvelope",
];

/// Upstream schemas kept even when no kept operation reaches them: payloads that are delivered
/// to users (webhooks) rather than fetched.
pub const EXTRA_SCHEMAS: &[&str] = &["WebhookEventPayload"];

/// String properties with these names, or ending in `_at`, are timestamps.
pub const TIMESTAMP_PROPERTIES: &[&str] = &["timestamp", "billing_bucket_start"];

/// Description given to everything new that has no description of ours yet.
pub const MARKER: &str = "TODO: describe";

/// Looks up a name in a two-column table.
pub fn lookup<'a>(table: &'a [(&str, &'a str)], key: &str) -> Option<&'a str> {
    table.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}
