//! An email address as the service accepts it: for accounts, sign-in, attendance lists and
//! the outbox alike. It depends on nothing else in the service, so every layer can use it.

use std::fmt;
use std::str::FromStr;

/// A checked address, trimmed: at most 254 characters, no spaces or control characters,
/// readable by the SMTP layer, and a domain with a dot that neither starts nor ends it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(s: &str) -> Option<EmailAddress> {
        let s = s.trim();
        if s.is_empty() || s.len() > 254 || s.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return None;
        }
        let (_, domain) = s.rsplit_once('@')?;
        if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
            return None;
        }
        lettre::Address::from_str(s).ok()?;
        Some(EmailAddress(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address as the SMTP layer takes it.
    pub fn to_lettre(&self) -> lettre::Address {
        lettre::Address::from_str(&self.0).expect("checked when parsed")
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for EmailAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked_once_for_every_use() {
        for ok in ["a@b.it", "nome.cognome+tag@asl.bari.it", "  maria.rossi@regione.puglia.it "] {
            let a = EmailAddress::parse(ok).unwrap_or_else(|| panic!("{ok}"));
            assert_eq!(a.as_str(), ok.trim());
            assert_eq!(a.to_lettre().to_string(), ok.trim());
        }
        let bad = [
            "",
            "a",
            "maria",
            "maria@",
            "@b.it",
            "a@b",
            "a@@b.it",
            "a@b@c.it",
            "a b@c.it",
            "a@.it",
            "a@b.it.",
            "x@y.it\r\nBcc: z@w.it",
            "<x@y.it>",
        ];
        for b in bad {
            assert!(EmailAddress::parse(b).is_none(), "{b:?}");
        }
        assert!(EmailAddress::parse(&format!("{}@b.it", "a".repeat(260))).is_none());
    }
}
