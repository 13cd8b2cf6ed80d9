//! Notifications through a durable outbox.
//!
//! Business code calls [`Outbox::enqueue`] inside the transaction of the change that causes
//! the message, with an idempotency key: a retried request or a crash neither loses nor
//! doubles a message, and business code never talks SMTP. A [`worker::Worker`] claims due
//! rows, delivers them through a [`transport::Transport`] (pooled SMTP, or `.eml` files
//! when no server is configured), retries transient failures with backoff and parks a
//! message as `dead` with its last error when it cannot be delivered.

pub mod metrics;
pub mod store;
pub mod template;
pub mod transport;
pub mod worker;

use std::str::FromStr;
use std::sync::Arc;

use lettre::message::Mailbox;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;
use tokio::sync::Notify;

use crate::email::EmailAddress;
use crate::i18n::Lang;
pub use template::Content;

/// Largest message stored: subject, both bodies and attachments together.
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024;
pub const MAX_SUBJECT_CHARS: usize = 250;
/// Bytes of an HMAC kept in a signed link.
const SIGNATURE_BYTES: usize = 16;

/// A text attachment (calendar invites are the ones fondilab sends).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub content: String,
}

/// A message to send, as business code describes it.
#[derive(Debug, Clone)]
pub struct Email {
    /// Unique per message: enqueueing the same key twice stores one message.
    pub key: String,
    /// What the message is about (`signin`, `event.confirm` …), for filters and metrics.
    pub kind: String,
    pub to: String,
    pub to_name: String,
    pub lang: Lang,
    pub content: Content,
    pub attachments: Vec<Attachment>,
    /// Not sent before this time (Unix ms); `None` sends as soon as possible.
    pub not_before: Option<i64>,
    /// The one-click unsubscribe address (RFC 8058) of optional mail.
    pub list_unsubscribe: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum EnqueueError {
    #[error("indirizzo email non valido: \"{0}\"")]
    InvalidRecipient(String),
    #[error("messaggio troppo grande: {0} byte (massimo {MAX_MESSAGE_BYTES})")]
    TooLarge(usize),
    #[error("oggetto mancante o troppo lungo (massimo {MAX_SUBJECT_CHARS} caratteri)")]
    BadSubject,
    #[error("chiave di idempotenza mancante")]
    MissingKey,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// What a kind of message is about, as people read it (the outbox page, its filter); the
/// stored code itself for a kind this list does not know.
pub fn kind_label(kind: &str, lang: Lang) -> &str {
    let (it, en) = match kind {
        "signin" => ("Link di accesso", "Sign-in link"),
        "welcome" => ("Benvenuto (invito)", "Welcome (invitation)"),
        "event.confirm" => ("Evento: iscrizione confermata", "Event: registration confirmed"),
        "event.waitlist" => ("Evento: in lista d'attesa", "Event: on the waiting list"),
        "event.promote" => ("Evento: posto liberato", "Event: a place came free"),
        "event.change" => ("Evento: modifica", "Event: change"),
        "event.cancel" => ("Evento: annullamento", "Event: cancellation"),
        "event.reminder" => ("Evento: promemoria", "Event: reminder"),
        "event.thanks" => ("Evento: ringraziamento e materiali", "Event: thanks and materials"),
        "event.unregister" => ("Evento: iscrizione annullata", "Event: registration cancelled"),
        "mentorship.proposal" => ("Mentorship: proposta al mentor", "Mentorship: proposal to the mentor"),
        "mentorship.reminder" => ("Mentorship: promemoria della proposta", "Mentorship: proposal reminder"),
        "mentorship.accepted" => ("Mentorship: proposta accettata", "Mentorship: proposal accepted"),
        "mentorship.withdrawn" => ("Mentorship: proposta ritirata", "Mentorship: proposal withdrawn"),
        "guide.report.handled" => ("Guide: risposta a una segnalazione", "Guides: answer to a report"),
        "kpi.digest" => ("Riepilogo settimanale del coordinamento", "Coordinators' weekly digest"),
        "exchange.answer" => ("Scambio: nuova risposta", "Exchange: new answer"),
        "exchange.accepted" => ("Scambio: risposta accettata", "Exchange: accepted answer"),
        "exchange.practice" => ("Scambio: nuova esperienza", "Exchange: new practice"),
        "exchange.digest" => ("Scambio: riepilogo quotidiano", "Exchange: daily digest"),
        other => return other,
    };
    lang.t(it, en)
}

/// Who a message to a person goes to: what the outbox needs of them.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub email: String,
    pub name: String,
    pub lang: Lang,
    /// False for an erased or deactivated account: nothing is sent to it.
    pub reachable: bool,
}

/// A message to one user of the service (see [`Outbox::enqueue_to_user`]).
pub struct ToUser<'a> {
    key: String,
    kind: &'a str,
    to: Recipient,
    content: Content,
    attachments: Vec<Attachment>,
    not_before: Option<i64>,
    list_unsubscribe: Option<String>,
}

impl<'a> ToUser<'a> {
    /// A message sent as soon as possible, without attachments; `key` makes it unique.
    pub fn new(key: String, kind: &'a str, to: impl Into<Recipient>, content: Content) -> ToUser<'a> {
        ToUser { key, kind, to: to.into(), content, attachments: Vec::new(), not_before: None, list_unsubscribe: None }
    }

    pub fn attach(mut self, attachment: Attachment) -> ToUser<'a> {
        self.attachments.push(attachment);
        self
    }

    /// Not sent before this instant (ms since the epoch).
    pub fn at(mut self, not_before: i64) -> ToUser<'a> {
        self.not_before = Some(not_before);
        self
    }

    /// Optional mail the person stops with one click at `url` (RFC 8058).
    pub fn unsubscribe(mut self, url: String) -> ToUser<'a> {
        self.list_unsubscribe = Some(url);
        self
    }
}

/// Whether an enqueue stored a new message or found it already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    Stored(i64),
    AlreadyStored,
}

/// Who automatic mail comes from, where replies go, and the domain Message-IDs and calendar
/// UIDs are named under (see [`crate::installation::identity_domain`]). Read from the
/// settings before the database is opened, so a wrong address stops start-up at once.
#[derive(Clone, Debug)]
pub struct Sender {
    from: Mailbox,
    reply_to: Option<Mailbox>,
    domain: String,
    /// The page of the notification settings, linked from every message's footer.
    settings: String,
}

impl Sender {
    pub fn new(mail_from: &str, reply_to: Option<&str>, public_url: &str) -> anyhow::Result<Sender> {
        let from = Mailbox::from_str(mail_from)
            .map_err(|e| anyhow::anyhow!("FONDILAB_MAIL_FROM \"{mail_from}\" is not an address: {e}"))?;
        let reply_to = reply_to
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(|r| {
                Mailbox::from_str(r).map_err(|e| anyhow::anyhow!("FONDILAB_REPLY_TO \"{r}\" is not an address: {e}"))
            })
            .transpose()?;
        let domain = crate::installation::identity_domain(public_url, from.email.domain());
        let settings = format!("{}/profilo", public_url.trim_end_matches('/'));
        Ok(Sender { from, reply_to, domain, settings })
    }
}

/// The handle business code uses; cheap to clone.
#[derive(Clone, Debug)]
pub struct Outbox {
    sender: Arc<Sender>,
    /// The installation's secret ([`crate::installation::secret`]), mixed into Message-IDs.
    secret: Arc<str>,
    wake: Arc<Notify>,
}

impl Outbox {
    pub fn new(sender: Sender, installation_secret: &str) -> Outbox {
        Outbox { sender: Arc::new(sender), secret: installation_secret.into(), wake: Arc::new(Notify::new()) }
    }

    pub fn from(&self) -> &Mailbox {
        &self.sender.from
    }

    /// Where replies go (`FONDILAB_REPLY_TO`), when set.
    pub fn reply_to(&self) -> Option<&Mailbox> {
        self.sender.reply_to.as_ref()
    }

    /// Who organises events in calendar invitations: the reply address, else the sender.
    pub fn organizer(&self) -> &Mailbox {
        self.reply_to().unwrap_or(&self.sender.from)
    }

    /// The domain this installation names its Message-IDs and calendar UIDs under.
    pub fn domain(&self) -> &str {
        &self.sender.domain
    }

    /// The Message-ID of a new message with this idempotency key: stable across retries,
    /// so a message delivered twice after a crash is recognisable as one, and different in
    /// every installation, whose secret it mixes in. A stored message keeps the Message-ID
    /// it was stored with.
    /// A signature of `message` for `purpose` (HMAC-SHA-256 under the installation's
    /// secret), for links that authenticate themselves, such as one-click unsubscribes.
    pub fn sign(&self, purpose: &str, message: &str) -> String {
        use hmac::Mac;
        hex::encode(&self.mac(purpose, message).finalize().into_bytes()[..SIGNATURE_BYTES])
    }

    /// Whether `signature` is [`Outbox::sign`]'s for `message` (the HMAC crate compares in
    /// constant time).
    pub fn verify(&self, purpose: &str, message: &str, signature: &str) -> bool {
        use hmac::Mac;
        match hex::decode(signature) {
            Ok(bytes) if bytes.len() == SIGNATURE_BYTES => {
                self.mac(purpose, message).verify_truncated_left(&bytes).is_ok()
            }
            _ => false,
        }
    }

    fn mac(&self, purpose: &str, message: &str) -> hmac::Hmac<Sha256> {
        use hmac::Mac;
        let mut mac = hmac::Hmac::<Sha256>::new_from_slice(self.secret.as_bytes()).expect("HMAC takes any key");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(message.as_bytes());
        mac
    }

    pub fn message_id(&self, key: &str) -> String {
        let mut h = Sha256::new();
        h.update(self.secret.as_bytes());
        h.update([0u8]);
        h.update(key.as_bytes());
        format!("<{}@{}>", hex::encode(&h.finalize()[..16]), self.sender.domain)
    }

    /// Stores the message in the caller's transaction.
    pub async fn enqueue(
        &self,
        conn: &mut AnyConnection,
        now_ms: i64,
        email: &Email,
    ) -> Result<Enqueued, EnqueueError> {
        if email.key.trim().is_empty() {
            return Err(EnqueueError::MissingKey);
        }
        if EmailAddress::parse(&email.to).is_none() {
            return Err(EnqueueError::InvalidRecipient(email.to.clone()));
        }
        let subject_chars = email.content.subject.chars().count();
        if subject_chars == 0 || subject_chars > MAX_SUBJECT_CHARS || email.content.subject.contains(['\r', '\n']) {
            return Err(EnqueueError::BadSubject);
        }
        let rendered = template::render(email.lang, &email.to_name, &email.content, &self.sender.settings);
        let attachments = serde_json::to_string(&email.attachments).unwrap_or_else(|_| "[]".into());
        let size = rendered.subject.len() + rendered.text.len() + rendered.html.len() + attachments.len();
        if size > MAX_MESSAGE_BYTES {
            return Err(EnqueueError::TooLarge(size));
        }
        let id = store::insert(
            conn,
            &store::NewRow {
                key: &email.key,
                message_id: &self.message_id(&email.key),
                kind: &email.kind,
                recipient: email.to.trim(),
                recipient_name: email.to_name.trim(),
                lang: email.lang.code(),
                subject: &rendered.subject,
                body_text: &rendered.text,
                body_html: &rendered.html,
                attachments: &attachments,
                list_unsubscribe: email.list_unsubscribe.as_deref(),
                not_before: email.not_before.unwrap_or(now_ms),
                now: now_ms,
            },
        )
        .await?;
        Ok(match id {
            Some(id) => Enqueued::Stored(id),
            None => Enqueued::AlreadyStored,
        })
    }

    /// Stores a message to a user of the service, in their language; deactivated and
    /// erased accounts get nothing.
    pub async fn enqueue_to_user(
        &self,
        conn: &mut AnyConnection,
        now_ms: i64,
        m: ToUser<'_>,
    ) -> Result<(), EnqueueError> {
        if !m.to.reachable {
            return Ok(());
        }
        let email = Email {
            key: m.key,
            kind: m.kind.into(),
            to: m.to.email,
            to_name: m.to.name,
            lang: m.to.lang,
            content: m.content,
            attachments: m.attachments,
            not_before: m.not_before,
            list_unsubscribe: m.list_unsubscribe,
        };
        self.enqueue(conn, now_ms, &email).await.map(|_| ())
    }

    /// Cancels a pending message (a reminder for a registration that was cancelled).
    /// Returns whether a pending message was cancelled.
    pub async fn cancel(&self, conn: &mut AnyConnection, now_ms: i64, key: &str) -> Result<bool, sqlx::Error> {
        store::cancel(conn, now_ms, key).await
    }

    /// Tells a worker in this process that there is new mail (after the transaction commits).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub(crate) fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_id_is_stable_per_key_and_installation() {
        let sender = || Sender::new("fondilab <noreply@fondilab.example>", None, "http://127.0.0.1:8080").unwrap();
        let o = Outbox::new(sender(), "segreto-1");
        assert_eq!(o.message_id("a"), o.message_id("a"));
        assert_ne!(o.message_id("a"), o.message_id("b"));
        assert!(o.message_id("a").ends_with("@fondilab.example>"));
        let other = Outbox::new(sender(), "segreto-2");
        assert_ne!(o.message_id("a"), other.message_id("a"), "another installation, another Message-ID");
    }

    #[test]
    fn reply_to_is_optional_checked_and_organises_events() {
        let s = Sender::new("fondilab <noreply@fondilab.example>", Some("  "), "https://fondilab.promis.it").unwrap();
        let o = Outbox::new(s, "x");
        assert!(o.reply_to().is_none());
        assert_eq!(o.organizer().email.to_string(), "noreply@fondilab.example");
        assert_eq!(o.domain(), "fondilab.promis.it");
        let s = Sender::new("noreply@fondilab.example", Some("ProMIS WP5 <wp5@promis.example>"), "http://x").unwrap();
        assert_eq!(Outbox::new(s, "x").organizer().email.to_string(), "wp5@promis.example");
        let err = Sender::new("noreply@fondilab.example", Some("non va"), "http://x").unwrap_err().to_string();
        assert!(err.starts_with("FONDILAB_REPLY_TO"), "{err}");
    }
}
