//! Delivering the outbox. Writes queue messages in their own transactions (see
//! `rise_store::Store::outbox`); a background task hands them to a transport and marks them
//! sent, which erases their one-time links from the database.
//!
//! The transport today is a pickup folder: each message becomes one RFC 5322 `.eml` file,
//! written whole under a temporary name and then renamed, for a mail relay (or a person, in the
//! demo) to take from. Hand-written: a dozen header lines, which needs no mail crate.

use rise_store::{Mail, Store};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// How often queued mail is looked for when no write in this process has announced any.
const POLL: Duration = Duration::from_secs(5);

/// Where mail goes and how it is addressed.
#[derive(Debug)]
pub struct Mailer {
    /// The pickup folder.
    dir: PathBuf,
    /// The sender, as in `Rise <no-reply@coalition.example>`.
    from: String,
    /// The platform's address as recipients reach it, put before every link.
    site: String,
    /// Woken after every write that may have queued mail.
    wake: Notify,
}

impl Mailer {
    /// Mail written as files into `dir` (created if needed), links starting with `site`.
    pub fn to_folder(dir: PathBuf, from: &str, site: &str) -> std::io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        Ok(Self {
            dir,
            from: header(from),
            site: site.trim_end_matches('/').to_string(),
            wake: Notify::new(),
        })
    }

    /// The pickup folder.
    pub fn folder(&self) -> &std::path::Path {
        &self.dir
    }

    /// Something may have been queued: deliver it now rather than at the next poll.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    /// Writes one message as `<id>.eml`.
    async fn send(&self, m: &Mail) -> std::io::Result<()> {
        let text = format!(
            "From: {}\r\nTo: {}\r\nSubject: {}\r\nDate: {}\r\nMessage-ID: <rise-{}@{}>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{}\r\n",
            self.from,
            header(&m.to),
            header(&m.subject),
            chrono::Utc::now().to_rfc2822(),
            m.id,
            host(&self.site),
            m.body.replace("\r\n", "\n").replace('\n', "\r\n"),
        );
        let name = format!("{:08}.eml", m.id);
        let partial = self.dir.join(format!(".{name}.partial"));
        tokio::fs::write(&partial, text).await?;
        tokio::fs::rename(&partial, self.dir.join(name)).await
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
        Ok(n) => eprintln!(
            "rise: {n} message(s) were being sent when the server last stopped; marked failed (resend them from the outbox if they did not arrive)"
        ),
        Err(e) => eprintln!("rise: cannot read the outbox: {e}"),
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
                            eprintln!("rise: cannot claim message {}: {e}", m.id);
                            continue;
                        }
                    }
                    let done = match mailer.send(&m).await {
                        Ok(()) => store.mail_sent(m.id).await,
                        Err(e) => {
                            eprintln!("rise: message {} not delivered: {e}", m.id);
                            store.mail_failed(m.id, &e.to_string()).await
                        }
                    };
                    if let Err(e) = done {
                        eprintln!(
                            "rise: the delivery of message {} was not recorded: {e}",
                            m.id
                        );
                    }
                }
            }
            Err(e) => eprintln!("rise: cannot read the outbox: {e}"),
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
