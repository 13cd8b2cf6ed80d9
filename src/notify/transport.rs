//! Where messages go: a pooled async SMTP connection (`FONDILAB_SMTP_URL`) or, when no
//! server is configured, `.eml` files under `<data-dir>/mail/` named after the message,
//! so a message written twice after a crash is still one file.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Attachment as MailAttachment, Mailbox, MultiPart};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::{Digest, Sha256};

use super::store::OutboxRow;
use super::{Attachment, Outbox};

/// How long one SMTP exchange may take before it counts as a (transient) timeout.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(20);
/// Connections kept open to the SMTP server, and messages in flight at once. Many, because
/// each message spends most of its time waiting: lettre writes the message body in several
/// small segments, and the last one waits for the server's delayed acknowledgement.
pub const POOL_SIZE: u32 = 32;

#[derive(Clone)]
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

/// A delivery that did not happen, and whether trying again can help.
#[derive(Debug, Clone)]
pub struct SendFailure {
    pub permanent: bool,
    pub message: String,
}

impl Transport {
    /// SMTP when a URL is given (`smtp://host:port`, `smtps://…`, `smtp://…?tls=required`,
    /// with `user:password@` for credentials), files otherwise. A URL that does not parse
    /// stops start-up with a message naming the variable.
    pub fn from_config(smtp_url: Option<&str>, mail_dir: PathBuf) -> anyhow::Result<Transport> {
        let Some(url) = smtp_url else {
            std::fs::create_dir_all(&mail_dir).with_context(|| format!("cannot create {}", mail_dir.display()))?;
            return Ok(Transport::Files(mail_dir));
        };
        let shown = crate::db::redact(url);
        let parsed =
            url::Url::parse(url).map_err(|e| anyhow::anyhow!("FONDILAB_SMTP_URL \"{shown}\" is not a URL: {e}"))?;
        anyhow::ensure!(
            matches!(parsed.scheme(), "smtp" | "smtps"),
            "FONDILAB_SMTP_URL \"{shown}\" must start with smtp:// or smtps://"
        );
        anyhow::ensure!(
            parsed.host_str().is_some_and(|h| !h.is_empty()),
            "FONDILAB_SMTP_URL \"{shown}\" names no host"
        );
        let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("FONDILAB_SMTP_URL \"{shown}\" is not a usable SMTP URL: {e}"))?;
        Ok(Transport::Smtp(
            builder
                .timeout(Some(SMTP_TIMEOUT))
                .pool_config(PoolConfig::new().max_size(POOL_SIZE).idle_timeout(Duration::from_secs(60)))
                .build(),
        ))
    }

    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp(_) => "SMTP".to_string(),
            Transport::Files(dir) => format!(".eml files in {}", dir.display()),
        }
    }

    pub async fn send(&self, message: &Message) -> Result<(), SendFailure> {
        match self {
            Transport::Smtp(smtp) => smtp
                .send(message.clone())
                .await
                .map(|_| ())
                .map_err(|e| SendFailure { permanent: e.is_permanent(), message: format!("SMTP: {e}") }),
            Transport::Files(dir) => write_file(dir, message)
                .await
                .map_err(|e| SendFailure { permanent: false, message: format!("cannot write the mail file: {e}") }),
        }
    }
}

async fn write_file(dir: &std::path::Path, message: &Message) -> std::io::Result<()> {
    let bytes = message.formatted();
    let id = message
        .headers()
        .get_raw("Message-ID")
        .map(|v| v.to_string())
        .unwrap_or_else(|| hex::encode(Sha256::digest(&bytes)));
    let name = hex::encode(&Sha256::digest(id.as_bytes())[..12]);
    let tmp = dir.join(format!(".{name}.tmp"));
    let path = dir.join(format!("{name}.eml"));
    tokio::fs::write(&tmp, &bytes).await?;
    tokio::fs::rename(&tmp, &path).await
}

/// `Auto-Submitted: auto-generated` (RFC 3834): every message fondilab sends is automatic,
/// so out-of-office replies and other automatic answers are not sent back to it.
#[derive(Debug, Clone, Copy)]
pub struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        match s.trim() {
            v if v.eq_ignore_ascii_case("auto-generated") => Ok(AutoSubmitted),
            v => Err(format!("Auto-Submitted: {v}").into()),
        }
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_string())
    }
}

/// `List-Unsubscribe: <address>` (RFC 2369) of optional mail.
#[derive(Clone)]
pub struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.trim().trim_start_matches('<').trim_end_matches('>').to_string()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): the address above
/// unsubscribes with a single POST, without a page in between.
#[derive(Clone)]
pub struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        match s.trim() {
            "List-Unsubscribe=One-Click" => Ok(ListUnsubscribePost),
            v => Err(format!("List-Unsubscribe-Post: {v}").into()),
        }
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_string())
    }
}

/// The MIME message for an outbox row: plain text and HTML alternatives, attachments,
/// the row's stable Message-ID, the reply address when one is set, and the mark of
/// automatic mail.
pub fn build_message(outbox: &Outbox, row: &OutboxRow) -> Result<Message, SendFailure> {
    let permanent = |message: String| SendFailure { permanent: true, message };
    let address = crate::email::EmailAddress::parse(&row.recipient)
        .map(|a| a.to_lettre())
        .ok_or_else(|| permanent(format!("invalid recipient address \"{}\"", row.recipient)))?;
    let name = (!row.recipient_name.is_empty()).then(|| row.recipient_name.clone());
    let attachments: Vec<Attachment> = serde_json::from_str(&row.attachments).unwrap_or_default();
    let alternative = MultiPart::alternative_plain_html(row.body_text.clone(), row.body_html.clone());
    let body = if attachments.is_empty() {
        alternative
    } else {
        let mut mixed = MultiPart::mixed().multipart(alternative);
        for a in attachments {
            let content_type = ContentType::from_str(&a.content_type)
                .map_err(|e| permanent(format!("attachment {}: bad content type: {e}", a.filename)))?;
            mixed = mixed.singlepart(MailAttachment::new(a.filename).body(a.content, content_type));
        }
        mixed
    };
    let mut builder = Message::builder().from(outbox.from().clone());
    if let Some(reply_to) = outbox.reply_to() {
        builder = builder.reply_to(reply_to.clone());
    }
    if let Some(url) = &row.list_unsubscribe {
        builder = builder.header(ListUnsubscribe(url.clone())).header(ListUnsubscribePost);
    }
    builder
        .to(Mailbox::new(name, address))
        .subject(row.subject.clone())
        .message_id(Some(row.message_id.clone()))
        .header(AutoSubmitted)
        .multipart(body)
        .map_err(|e| permanent(format!("cannot build the message: {e}")))
}
