//! An email address as Rise keeps it: trimmed and lower-cased, checked once on the way in.

use std::fmt;

/// A checked, normalised email address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// The address in `s`, if it looks like one (one `@`, a dot in the domain, no spaces, at
    /// most 254 characters).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let (local, domain) = s.split_once('@')?;
        let ok = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !s.contains(char::is_whitespace)
            && !domain.contains('@')
            && s.len() <= 254;
        ok.then(|| Self(Self::normalised(s)))
    }

    /// How an address someone typed is compared with the stored ones (signing in, asking
    /// for a reset): normalised but not checked, so a mistyped address finds no account.
    pub fn normalised(s: &str) -> String {
        s.trim().to_ascii_lowercase()
    }

    /// What [`crate::error::Checks::email`] returns for an address that failed its check.
    pub(crate) fn placeholder() -> Self {
        Self(String::new())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked_and_normalised() {
        assert_eq!(Email::parse("a@b.org").unwrap().as_str(), "a@b.org");
        assert_eq!(
            Email::parse(" Ana.Lopez@Clinic.example.com ")
                .unwrap()
                .as_str(),
            "ana.lopez@clinic.example.com"
        );
        for bad in [
            "a@b",
            "@b.org",
            "a b@c.org",
            "a@@b.org",
            "a@.org",
            "a@b.",
            "ab.org",
        ] {
            assert!(Email::parse(bad).is_none(), "{bad}");
        }
        assert!(Email::parse(&format!("{}@b.org", "a".repeat(250))).is_none());
    }
}
