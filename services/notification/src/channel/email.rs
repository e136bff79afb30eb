//! Email: a multipart (text and HTML) message with the delivery's `Message-ID`, sent over SMTP
//! with lettre (STARTTLS or TLS as the URL says), or written as an `.eml` file when no server
//! is configured. One connection per mail, not a pool: the worker's deadline on a send drops
//! the send, and a pooled connection cut off mid-command would be handed to the next mail
//! with the late replies still on the wire (docs/notifications.md "Channels").
use std::path::PathBuf;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};

use super::{Mail, Mailer, Refusal, write_file};

/// `name <address>` as a mailbox; an address that is not one is refused for good.
fn mailbox(name: &str, address: &str) -> Result<Mailbox, Refusal> {
    let parsed: Address = address
        .trim()
        .parse()
        .map_err(|e| Refusal::Permanent(format!("`{address}` is not an email address: {e}")))?;
    // Names come from users: control characters would end a header line, so they are made
    // spaces (lettre encodes everything else).
    let name: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let name = Some(name.trim().to_string()).filter(|n| !n.is_empty());
    Ok(Mailbox::new(name, parsed))
}

/// Builds the message `mail` is, from `from`.
pub fn message(from: &Mailbox, mail: &Mail) -> Result<Message, Refusal> {
    let mut builder = Message::builder().from(from.clone());
    for (name, address) in &mail.to {
        builder = builder.to(mailbox(name, address)?);
    }
    builder
        .subject(mail.subject.as_str())
        .message_id(Some(mail.message_id.clone()))
        .multipart(MultiPart::alternative_plain_html(
            mail.text.clone(),
            mail.html.clone(),
        ))
        .map_err(|e| Refusal::Permanent(format!("the message could not be built: {e}")))
}

/// Mail over SMTP.
pub struct Smtp {
    from: Mailbox,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl Smtp {
    /// `url` as lettre reads it: `smtp://host:port` (plain, or `?tls=required` for STARTTLS),
    /// `smtps://user:password@host` (TLS), credentials in the user part.
    pub fn new(url: &str, from: Mailbox, timeout: Duration) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("notification.smtp_url is not usable: {e}"))?
            .timeout(Some(timeout))
            .build();
        Ok(Self { from, transport })
    }
}

#[async_trait::async_trait]
impl Mailer for Smtp {
    async fn send(&self, mail: &Mail) -> Result<Option<String>, Refusal> {
        let message = message(&self.from, mail)?;
        match self.transport.send(message).await {
            Ok(_) => Ok(None),
            Err(e) => Err(refusal(&e)),
        }
    }
}

/// What an SMTP failure means for the mail: a 5xx is final; a 4xx, or a connection that could
/// not be opened (lettre's `Connection` kind, told only by its message) or secured, took
/// nothing and may be tried again; anything else happened with the mail possibly handed over.
fn refusal(e: &lettre::transport::smtp::Error) -> Refusal {
    let said = format!("SMTP: {e}");
    if e.is_permanent() || e.is_client() {
        Refusal::Permanent(said)
    } else if e.is_transient()
        || e.is_tls()
        || e.is_transport_shutdown()
        || e.to_string().starts_with("Connection error")
    {
        Refusal::Transient(said)
    } else {
        Refusal::Uncertain(said)
    }
}

/// Mail written as `<dir>/<delivery>.eml`, exactly the bytes SMTP would carry.
pub struct Files {
    from: Mailbox,
    dir: PathBuf,
}

impl Files {
    pub fn new(dir: PathBuf, from: Mailbox) -> Self {
        Self { from, dir }
    }
}

#[async_trait::async_trait]
impl Mailer for Files {
    async fn send(&self, mail: &Mail) -> Result<Option<String>, Refusal> {
        let bytes = message(&self.from, mail)?.formatted();
        let name = format!("{}.eml", file_stem(&mail.message_id));
        write_file(&self.dir, &name, &bytes).await?;
        let file = self.dir.join(&name);
        tracing::info!(subject = %mail.subject, file = %file.display(), "mail written");
        Ok(None)
    }
}

/// The part of a Message-ID (`<id@domain>`) that names its file.
fn file_stem(message_id: &str) -> String {
    let inner = message_id.trim_matches(['<', '>']);
    let local = inner.split('@').next().unwrap_or(inner);
    local
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(to: &str, name: &str) -> Mail {
        Mail {
            message_id: "<0193f0c8-1@shop.example>".into(),
            to: vec![(name.into(), to.into())],
            subject: "Order VS-1 confirmed".into(),
            text: "Hello".into(),
            html: "<p>Hello</p>".into(),
        }
    }

    fn from() -> Mailbox {
        "vici <shop@shop.example>".parse().unwrap()
    }

    #[test]
    fn a_name_cannot_add_a_header() {
        let evil = mail("ada@example.com", "Ada\r\nBcc: everyone@example.com");
        let bytes = message(&from(), &evil).unwrap().formatted();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.lines().any(|l| l.starts_with("Bcc:")),
            "a header was injected:\n{text}"
        );
        assert!(
            text.contains("Message-ID: <0193f0c8-1@shop.example>"),
            "{text}"
        );
        assert!(text.contains("multipart/alternative"), "{text}");
    }

    #[test]
    fn an_address_with_a_line_break_is_refused_for_good() {
        for bad in [
            "ada@example.com\r\nBcc: x@example.com",
            "not an address",
            "",
        ] {
            let refused = message(&from(), &mail(bad, "Ada")).unwrap_err();
            assert!(
                matches!(refused, Refusal::Permanent(_)),
                "{bad:?}: {refused:?}"
            );
        }
    }

    #[test]
    fn files_are_named_by_the_message_id() {
        assert_eq!(file_stem("<0193f0c8-1@shop.example>"), "0193f0c8-1");
        assert_eq!(file_stem("<../../etc/passwd@x>"), "etcpasswd");
    }
}
