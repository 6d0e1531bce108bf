//! The records of the notifications the sandbox sent ([`crate::notify`] sends them) and of the
//! merchant's answers, as [`crate::RunningSandbox`] hands them out.

/// Where a payment-result notification (micropay or pre-order) stands.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryStatus {
    /// Being sent, or waiting to be retried.
    InProgress,
    /// The merchant answered HTTP 200 with `{"code":"SUCCESS",...}`.
    Delivered,
    /// Every attempt failed; the last error.
    GaveUp {
        /// What the last attempt got.
        last_error: String,
    },
    /// Not sent: the URL is not a loopback `http://` URL.
    Refused {
        /// Why.
        reason: String,
    },
}

/// One payment-result notification (micropay or pre-order) and how its delivery went.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NotificationDelivery {
    /// The order's `merchant_no`.
    pub merchant_no: String,
    /// The order's `out_trade_no`.
    pub out_trade_no: String,
    /// The order's trade state when it settled (`SUCCESS` or `FAIL`).
    pub trade_state: String,
    /// The `notify_url`.
    pub url: String,
    /// Attempts made so far.
    pub attempts: u32,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// The JSON body sent (the same for every attempt; the signature is fresh each time).
    pub body: String,
}

/// The merchant's verified answer to a cross-border notification.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CrossBorderNotificationAnswer {
    /// `retCode` (authenticated by the MAC).
    pub ret_code: String,
    /// `retMsg` (authenticated by the MAC).
    pub ret_msg: String,
    /// The notification's `ts`, which the answer copied.
    pub ts: String,
    /// The decrypted answer JSON, if the answer carried `encData`.
    pub biz: Option<String>,
}

/// How the merchant answered one open-platform notification sent on request
/// ([`crate::RunningSandbox::send_open_platform_notification`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OpenPlatformNotificationAnswer {
    /// The exact body sent (signed in the `Authorization` header).
    pub body: String,
    /// The `Authorization` header sent.
    pub authorization: String,
    /// The merchant's answer body, as text (at most 64 KiB read).
    pub answer: String,
}
