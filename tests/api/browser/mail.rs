//! The mail the service wrote: with no SMTP server configured the worker writes each message
//! as an `.eml` file in `<data-dir>/mail/`; people sign in with the link those files carry.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Mailbox {
    dir: PathBuf,
    /// Links already followed: each person's next sign-in needs a fresh one.
    used: Mutex<HashSet<String>>,
}

impl Mailbox {
    pub fn new(data_dir: &Path) -> Mailbox {
        Mailbox { dir: data_dir.join("mail"), used: Mutex::new(HashSet::new()) }
    }

    /// The path of a sign-in link (`/accedi/<token>`) from a message to `to` that was not
    /// used before, waiting up to 15 s for the worker to write it. Only the path: the test
    /// service's public address names the port it was configured with (0), not the one it got.
    pub async fn signin_link(&self, to: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            for text in self.messages_to(to) {
                for link in links(&text) {
                    if self.used.lock().unwrap().insert(link.clone()) {
                        return link;
                    }
                }
            }
            assert!(Instant::now() < deadline, "no new sign-in mail to {to} in {}", self.dir.display());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The decoded text of every message to `to`.
    fn messages_to(&self, to: &str) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return Vec::new() };
        entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .filter(|raw| addressed_to(raw, to))
            .map(|raw| decoded(&raw))
            .collect()
    }
}

fn addressed_to(raw: &str, to: &str) -> bool {
    let head = raw.split("\r\n\r\n").next().unwrap_or(raw);
    head.lines().any(|l| l.to_ascii_lowercase().starts_with("to:") && l.to_ascii_lowercase().contains(to))
}

/// The message with each part's body decoded (quoted-printable or base64), headers as they are.
fn decoded(raw: &str) -> String {
    let mut out = String::new();
    // Parts are separated by their boundary lines; each has headers, a blank line and a body.
    for part in raw.split("\r\n--") {
        let (head, body) = part.split_once("\r\n\r\n").unwrap_or((part, ""));
        let encoding = head.to_ascii_lowercase();
        if encoding.contains("content-transfer-encoding: quoted-printable") {
            out.push_str(&quoted_printable(body));
        } else if encoding.contains("content-transfer-encoding: base64") {
            out.push_str(&String::from_utf8_lossy(&base64(body)));
        } else {
            out.push_str(body);
        }
        out.push('\n');
    }
    out
}

fn quoted_printable(body: &str) -> String {
    let joined = body.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn base64(body: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let sextets: Vec<u8> = body.bytes().filter_map(value).collect();
    let mut out = Vec::with_capacity(sextets.len() * 3 / 4);
    for chunk in sextets.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, s)| acc | (u32::from(*s) << (18 - 6 * i)));
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}

/// The path of every `http://…/accedi/<hex>` link in the text.
fn links(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("/accedi/") {
        let token: String = rest[at + "/accedi/".len()..].chars().take_while(char::is_ascii_hexdigit).collect();
        if !token.is_empty() && rest[..at].contains("http") {
            let link = format!("/accedi/{token}");
            if !found.contains(&link) {
                found.push(link);
            }
        }
        rest = &rest[at + "/accedi/".len()..];
    }
    found
}

#[test]
fn decodes_what_mail_encodes() {
    assert_eq!(quoted_printable("citt=C3=A0 http://x/accedi/ab=\r\ncd"), "città http://x/accedi/abcd");
    assert_eq!(String::from_utf8(base64("Y2l0dMOg\r\nIQ==")).unwrap(), "città!");
    assert_eq!(links("Entra: http://127.0.0.1:1/accedi/0af9\n"), vec!["/accedi/0af9"]);
}
