//! Delivering the outbox. Writes queue messages in their own transactions (see
//! `rise_store::Store::outbox`); a background task hands them to a transport and marks them
//! sent, which erases their one-time links from the database.
//!
//! Two transports: SMTP (`lettre`; `smtp://` plain or with `?tls=required` for STARTTLS,
//! `smtps://` for TLS, credentials in the URL), or a pickup folder where each message becomes
//! one RFC 5322 `.eml` file, written whole under a temporary name and then renamed, for a
//! mail relay (or a person, in the demo) to take from. The folder's dozen header lines are
//! written by hand: no mail crate is needed for them.

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rise_store::{Mail, Store};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// How often queued mail is looked for when no write in this process has announced any.
const POLL: Duration = Duration::from_secs(5);

/// Where mail goes.
enum Transport {
    Folder(PathBuf),
    Smtp(Box<AsyncSmtpTransport<Tokio1Executor>>),
}

/// Where mail goes and how it is addressed.
pub struct Mailer {
    transport: Transport,
    /// The sender, as in `Rise <no-reply@coalition.example>`.
    from: Mailbox,
    /// The platform's address as recipients reach it, put before every link.
    site: String,
    /// Woken after every write that may have queued mail.
    wake: Notify,
}

impl std::fmt::Debug for Mailer {
    // The SMTP URL may hold a password: never print the transport.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("site", &self.site).finish()
    }
}

/// A mail set-up that cannot work (a bad sender address, SMTP URL or folder).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MailerError(String);

impl Mailer {
    fn new(transport: Transport, from: &str, site: &str) -> Result<Self, MailerError> {
        let from = from
            .parse()
            .map_err(|e| MailerError(format!("the sender '{from}' is not a mail address: {e}")))?;
        Ok(Self {
            transport,
            from,
            site: site.trim_end_matches('/').to_string(),
            wake: Notify::new(),
        })
    }

    /// Mail written as files into `dir` (created if needed), links starting with `site`.
    pub fn to_folder(dir: PathBuf, from: &str, site: &str) -> Result<Self, MailerError> {
        std::fs::create_dir_all(&dir)
            .map_err(|e| MailerError(format!("cannot create {}: {e}", dir.display())))?;
        Self::new(Transport::Folder(dir), from, site)
    }

    /// Mail sent to the SMTP server of `url` (`smtp://[user:password@]host[:port][?tls=required]`
    /// or `smtps://…`), links starting with `site`. Nothing is sent until there is mail.
    pub fn to_smtp(url: &str, from: &str, site: &str) -> Result<Self, MailerError> {
        let smtp = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailerError(format!("the SMTP URL is not usable: {e}")))?
            .timeout(Some(Duration::from_secs(30)))
            .build();
        Self::new(Transport::Smtp(Box::new(smtp)), from, site)
    }

    /// Where mail goes, for the start-up message (never the SMTP credentials).
    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Folder(dir) => format!("into {} (one .eml file per message)", dir.display()),
            Transport::Smtp(_) => "over SMTP".to_string(),
        }
    }

    /// Something may have been queued: deliver it now rather than at the next poll.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    /// Hands one message to the transport.
    async fn send(&self, m: &Mail) -> Result<(), String> {
        match &self.transport {
            Transport::Folder(dir) => self.write_file(dir, m).await.map_err(|e| e.to_string()),
            Transport::Smtp(smtp) => {
                let to: Mailbox =
                    m.to.parse()
                        .map_err(|e| format!("the address {} is not usable: {e}", m.to))?;
                let message = Message::builder()
                    .from(self.from.clone())
                    .to(to)
                    .subject(header(&m.subject))
                    .message_id(Some(format!("<rise-{}@{}>", m.id, host(&self.site))))
                    .header(ContentType::TEXT_PLAIN)
                    .body(m.body.clone())
                    .map_err(|e| e.to_string())?;
                smtp.send(message)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
        }
    }

    /// Writes one message as `<id>.eml` into the pickup folder.
    async fn write_file(&self, dir: &std::path::Path, m: &Mail) -> std::io::Result<()> {
        let text = format!(
            "From: {}\r\nTo: {}\r\nSubject: {}\r\nDate: {}\r\nMessage-ID: <rise-{}@{}>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{}\r\n",
            header(&self.from.to_string()),
            header(&m.to),
            header(&m.subject),
            chrono::Utc::now().to_rfc2822(),
            m.id,
            host(&self.site),
            m.body.replace("\r\n", "\n").replace('\n', "\r\n"),
        );
        let name = format!("{:08}.eml", m.id);
        let partial = dir.join(format!(".{name}.partial"));
        tokio::fs::write(&partial, text).await?;
        tokio::fs::rename(&partial, dir.join(name)).await
    }
}

/// A header value on one line: a line break in a name or subject would start a new header.
fn header(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The host part of `site`, for message ids.
fn host(site: &str) -> &str {
    let rest = site.split_once("://").map_or(site, |(_, r)| r);
    rest.split(['/', ':'])
        .next()
        .filter(|h| !h.is_empty())
        .unwrap_or("rise.invalid")
}

/// Delivers queued mail until the process stops: at once when woken, else every few seconds.
/// Each message is claimed before it is handed over, so it goes out at most once; one that
/// cannot be delivered is retried with growing pauses and marked failed after
/// [`rise_store::MAX_ATTEMPTS`] tries.
pub async fn deliver(store: Store, mailer: Arc<Mailer>) {
    match store.mail_interrupted().await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(
            "{n} message(s) were being sent when the server last stopped; marked failed (resend them from the outbox if they did not arrive)"
        ),
        Err(e) => tracing::error!(error = %e, "cannot read the outbox"),
    }
    loop {
        let mut full = false;
        match store.mail_to_send(50, &mailer.site).await {
            Ok(batch) => {
                full = batch.len() == 50;
                for m in batch {
                    match store.mail_claim(m.id).await {
                        Ok(true) => {}
                        Ok(false) => continue,
                        Err(e) => {
                            tracing::error!(message_id = m.id, error = %e, "cannot claim message");
                            continue;
                        }
                    }
                    let done = match mailer.send(&m).await {
                        Ok(()) => store.mail_sent(m.id).await,
                        Err(e) => {
                            tracing::warn!(message_id = m.id, error = %e, "message not delivered");
                            store.mail_failed(m.id, &e).await
                        }
                    };
                    if let Err(e) = done {
                        tracing::error!(
                            message_id = m.id,
                            error = %e,
                            "the delivery of a message was not recorded"
                        );
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot read the outbox"),
        }
        if !full {
            tokio::select! {
                () = mailer.wake.notified() => {}
                () = tokio::time::sleep(POLL) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_stay_on_one_line() {
        assert_eq!(
            header("Hi\r\nBcc: x@evil.example"),
            "Hi  Bcc: x@evil.example"
        );
        assert_eq!(host("https://rise.example.org:8443/x"), "rise.example.org");
        assert_eq!(host(""), "rise.invalid");
    }
}
