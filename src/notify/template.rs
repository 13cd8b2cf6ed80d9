//! The one mail layout: greeting with the recipient's name, the message's paragraphs, an
//! optional button, and a closing, in Italian or English. Every kind of message fills it
//! with its own text; the plain-text part and the HTML part say the same.

use maud::{html, Markup, DOCTYPE};

use crate::i18n::Lang;

/// What a message says, before it is laid out.
#[derive(Debug, Clone)]
pub struct Content {
    pub subject: String,
    pub paragraphs: Vec<String>,
    /// A link the message is about: (label, absolute URL).
    pub action: Option<(String, String)>,
}

pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

fn greeting(lang: Lang, name: &str) -> String {
    let name = name.trim();
    match (lang, name.is_empty()) {
        (Lang::It, false) => format!("Gentile {name},"),
        (Lang::It, true) => "Buongiorno,".to_string(),
        (Lang::En, false) => format!("Dear {name},"),
        (Lang::En, true) => "Hello,".to_string(),
    }
}

fn closing(lang: Lang) -> &'static str {
    lang.t(
        "Un cordiale saluto,\nil team fondilab — Partenariato regionale per le competenze digitali in sanità (WP5, ProMIS)",
        "Kind regards,\nthe fondilab team — Regional Partnership on Digital Skills for Health (WP5, ProMIS)",
    )
}

fn footer(lang: Lang) -> &'static str {
    lang.t(
        "Ricevi questo messaggio perché sei registrato su fondilab. Le preferenze di notifica sono nel tuo profilo:",
        "You receive this message because you are registered on fondilab. Notification preferences are in your profile:",
    )
}

/// The message laid out; `settings` is the address of the page with the notification settings.
pub fn render(lang: Lang, recipient_name: &str, content: &Content, settings: &str) -> Rendered {
    let mut text = format!("{}\n\n", greeting(lang, recipient_name));
    for p in &content.paragraphs {
        text.push_str(p);
        text.push_str("\n\n");
    }
    if let Some((label, url)) = &content.action {
        text.push_str(&format!("{label}: {url}\n\n"));
    }
    text.push_str(closing(lang));
    text.push_str("\n\n-- \n");
    text.push_str(footer(lang));
    text.push(' ');
    text.push_str(settings);
    text.push('\n');
    let html = html_part(lang, recipient_name, content, settings).into_string();
    Rendered { subject: content.subject.clone(), text, html }
}

fn html_part(lang: Lang, recipient_name: &str, content: &Content, settings: &str) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head { meta charset="utf-8"; title { (content.subject) } }
            body style="font-family: Arial, Helvetica, sans-serif; color: #1b1f24; line-height: 1.5; max-width: 40rem;" {
                p { (greeting(lang, recipient_name)) }
                @for para in &content.paragraphs { p { (para) } }
                @if let Some((label, url)) = &content.action {
                    p {
                        a href=(url) style="display: inline-block; background: #0b4f8a; color: #ffffff; padding: 10px 18px; border-radius: 4px; text-decoration: none;" { (label) }
                    }
                    p style="font-size: 0.9em; color: #4a5560;" {
                        (lang.t("Se il pulsante non funziona, copia questo indirizzo nel browser: ", "If the button does not work, copy this address into your browser: "))
                        (url)
                    }
                }
                @for line in closing(lang).lines() { p style="margin: 0;" { (line) } }
                hr;
                p style="font-size: 0.85em; color: #4a5560;" { (footer(lang)) " " a href=(settings) { (settings) } }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn italian_and_english_with_the_name_and_escaped_html() {
        let c = Content {
            subject: "Prova".into(),
            paragraphs: vec!["Testo <b>non</b> HTML".into()],
            action: Some(("Apri".into(), "https://example.org/x?a=1&b=2".into())),
        };
        let it = render(Lang::It, "Maria Rossi", &c, "https://fondilab.example/profilo");
        assert!(it.text.starts_with("Gentile Maria Rossi,"));
        assert!(it.text.contains("Apri: https://example.org/x?a=1&b=2"));
        assert!(it.html.contains("Testo &lt;b&gt;non&lt;/b&gt; HTML"));
        assert!(it.html.contains("href=\"https://example.org/x?a=1&amp;b=2\""));
        let en = render(Lang::En, "", &c, "https://fondilab.example/profilo");
        assert!(en.text.starts_with("Hello,"));
        // The plain text never points at a button, and ends with where the settings are.
        for r in [&it, &en] {
            assert!(!r.text.contains("pulsante") && !r.text.contains("button"), "{}", r.text);
            assert!(r.text.trim_end().ends_with("https://fondilab.example/profilo"), "{}", r.text);
            assert!(r.html.contains(r#"<a href="https://fondilab.example/profilo">"#));
        }
        assert!(en.text.contains("Kind regards"));
    }
}
