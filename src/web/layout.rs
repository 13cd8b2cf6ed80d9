//! The page frame every HTML page shares: landmarks, skip link, navigation, language switch.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::auth::{Auth, CSRF_FIELD};
use super::kit::flash;
use crate::accounts::Role;
use crate::i18n::Lang;
use crate::refusal::Refusal;

pub struct Page<'a> {
    pub lang: Lang,
    pub title: &'a str,
    /// Path and query of this page, so the language switch comes back here.
    pub here: &'a str,
    /// Who is looking (`None` on error pages rendered outside authentication).
    pub auth: Option<&'a Auth>,
}

/// The hidden field every state-changing form carries.
pub fn csrf_field(auth: &Auth) -> Markup {
    html! { input type="hidden" name=(CSRF_FIELD) value=(auth.csrf()); }
}

pub fn page(p: Page<'_>, body: Markup) -> Markup {
    let lang = p.lang;
    let user = p.auth.and_then(Auth::user);
    let other = lang.other();
    // The confirmation of the action just done, on pages of signed-in people and visitors
    // alike (error pages have no `auth` and keep it for the next page).
    let done = p.auth.and_then(|_| flash::take());
    let switch = format!(
        "/lingua?l={}&torna={}",
        other.code(),
        percent_encoding::utf8_percent_encode(p.here, percent_encoding::NON_ALPHANUMERIC)
    );
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (p.title) " — fondilab" }
                link rel="stylesheet" href="/static/style.css";
                link rel="icon" href="/static/favicon.svg" type="image/svg+xml";
            }
            body {
                a.skip href="#contenuto" { (lang.t("Vai al contenuto", "Skip to content")) }
                header.site {
                    div.bar {
                        a.brand href="/" { "fondilab" }
                        nav aria-label=(lang.t("Navigazione principale", "Main navigation")) {
                            ul {
                                li { a href="/" { (lang.t("Home", "Home")) } }
                                li { a href="/cerca" { (lang.t("Guide", "Guides")) } }
                                li { a href="/eventi" { (lang.t("Eventi", "Events")) } }
                                @if let Some(user) = user {
                                    @if user.role == Role::Coordinator {
                                        li { a href="/coordinamento/utenti" { (lang.t("Utenti", "Users")) } }
                                        li { a href="/coordinamento/posta" { (lang.t("Posta", "Mail")) } }
                                        li { a href="/coordinamento/segnalazioni" { (lang.t("Segnalazioni", "Reports")) } }
                                    }
                                    li { a href="/mentorship" { (lang.t("Mentorship", "Mentorship")) } }
                                    li { a href="/scambio/domande" { (lang.t("Domande alle Regioni", "Questions to Regions")) } }
                                    li { a href="/scambio/esperienze" { (lang.t("Esperienze", "Practices")) } }
                                    @if user.role != Role::Mentor { li { a href="/cruscotto" { (lang.t("Cruscotto", "Dashboard")) } } }
                                    li { a href="/profilo" { (lang.t("Profilo", "Profile")) } }
                                }
                            }
                        }
                        @if let (Some(user), Some(auth)) = (user, p.auth) {
                            form.signout method="post" action="/esci" {
                                (csrf_field(auth))
                                span { (user.name) " " }
                                button type="submit" { (lang.t("Esci", "Sign out")) }
                            }
                        } @else {
                            a href="/accedi" { (lang.t("Accedi", "Sign in")) }
                        }
                        @if let Some(auth @ Auth::Session(_)) = p.auth {
                            // Signed in: the choice is also the profile's language (and that of
                            // emails), so it is a form with the CSRF token, not a link.
                            form.lang method="post" action="/lingua" {
                                (csrf_field(auth))
                                input type="hidden" name="l" value=(other.code());
                                input type="hidden" name="torna" value=(p.here);
                                button type="submit" lang=(other.code()) {
                                    (lang.t("English", "Italiano"))
                                }
                            }
                        } @else {
                            a.lang href=(switch) lang=(other.code()) hreflang=(other.code()) {
                                (lang.t("English", "Italiano"))
                            }
                        }
                    }
                }
                main id="contenuto" tabindex="-1" {
                    @if let Some(d) = done { p.notice.done role="status" { (d.message(lang)) } }
                    (body)
                }
                footer.site {
                    p {
                        a href="/privacy" { (lang.t("Informativa privacy", "Privacy notice")) }
                        " · "
                        a href="/accessibilita" { (lang.t("Dichiarazione di accessibilità", "Accessibility statement")) }
                    }
                    p {
                        (lang.t(
                            "fondilab — Partenariato regionale per le competenze digitali in sanità, WP5 (coordinamento ProMIS). ",
                            "fondilab — Regional Partnership on Digital Skills for Health, WP5 (coordinated by ProMIS). ",
                        ))
                        (lang.t(
                            "Le guide sono un aiuto pratico: fanno fede i regolamenti e gli atti citati in ogni guida.",
                            "Guides are practical help: the regulations and acts each guide cites are authoritative.",
                        ))
                    }
                }
            }
        }
    }
}

/// Pre-rendered, already-escaped HTML (guide Markdown, search snippets).
pub fn raw(html: &str) -> PreEscaped<&str> {
    PreEscaped(html)
}

/// A date as people read it on every page, in both languages: dd/mm/yyyy.
pub fn date(d: chrono::NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// A destructive action asked to be confirmed: what will happen, then the same form again
/// with `conferma=1` behind a danger button, and the way back.
pub struct Confirm<'a> {
    pub title: &'a str,
    pub consequences: Markup,
    /// Where the confirmed form goes, and the fields it carries again.
    pub action: &'a str,
    pub fields: Vec<(&'a str, String)>,
    pub confirm_label: &'a str,
    pub back: &'a str,
}

pub fn confirm_page(lang: Lang, auth: &Auth, c: Confirm<'_>) -> Markup {
    let body = html! {
        h1 { (c.title) }
        (c.consequences)
        form.confirm method="post" action=(c.action) {
            (csrf_field(auth))
            @for (name, value) in &c.fields { input type="hidden" name=(name) value=(value); }
            input type="hidden" name="conferma" value="1";
            button.danger type="submit" { (c.confirm_label) }
            " "
            a.button.secondary href=(c.back) { (lang.t("No, torna indietro", "No, go back")) }
        }
    };
    page(Page { lang, title: c.title, here: c.back, auth: Some(auth) }, body)
}

/// A form's wrong inputs, each with its message, as every form shows them: a summary above
/// the form that takes the focus and links to each field ([`Problems::summary`]), and on each
/// field `aria-invalid`, `aria-describedby` and the message next to it. A field's element
/// has the field's name as its id; a problem with no field (the record's state) is in the
/// summary only.
#[derive(Debug, Default, Clone)]
pub struct Problems(Vec<(String, String)>);

impl Problems {
    pub fn none() -> Problems {
        Problems(Vec::new())
    }

    pub fn one(field: &str, message: impl Into<String>) -> Problems {
        Problems(vec![(field.to_string(), message.into())])
    }

    /// Every wrong input a refusal names, in `lang`.
    pub fn of(e: &Refusal, lang: Lang) -> Problems {
        Problems::list(e.problems(lang))
    }

    /// Fields and their messages.
    pub fn list(items: Vec<(&str, String)>) -> Problems {
        Problems(items.into_iter().map(|(f, m)| (f.to_string(), m)).collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first problem's field and message (forms that show one at a time).
    pub fn first(&self) -> (String, String) {
        self.0.first().cloned().unwrap_or_default()
    }

    /// The message about `field`, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(f, _)| !f.is_empty() && f == field).map(|(_, m)| m.as_str())
    }

    /// `aria-invalid` of the field's element.
    pub fn invalid(&self, field: &str) -> Option<&'static str> {
        self.get(field).map(|_| "true")
    }

    /// `aria-describedby` of the field's element: the id of its message.
    pub fn described(&self, field: &str) -> Option<String> {
        self.get(field).map(|_| format!("{field}-errore"))
    }

    /// The message next to the field.
    pub fn at(&self, field: &str) -> Markup {
        html! { @if let Some(m) = self.get(field) { p.field-error id=(format!("{field}-errore")) { (m) } } }
    }

    /// The summary at the top of the form: announced, focused when the page opens (no script:
    /// `autofocus` on an element that takes focus), each problem a link to its field.
    pub fn summary(&self, lang: Lang) -> Markup {
        html! {
            @if !self.0.is_empty() {
                div.error-summary role="alert" tabindex="-1" autofocus aria-labelledby="errori-titolo" {
                    h2 #errori-titolo {
                        @if self.0.len() == 1 { (lang.t("C'è un problema", "There is a problem")) }
                        @else { (lang.t("Ci sono alcuni problemi", "There are some problems")) " (" (self.0.len()) ")" }
                    }
                    ul {
                        @for (field, message) in &self.0 {
                            li { @if field.is_empty() { (message) } @else { a href=(format!("#{field}")) { (message) } } }
                        }
                    }
                }
            }
        }
    }
}

/// A table that may be wider than a phone: it scrolls sideways in its own box (named by
/// `label`, and focusable so that the keyboard scrolls it too) instead of widening the page.
pub fn scrolling(label: &str, table: Markup) -> Markup {
    html! { div.table-scroll role="region" aria-label=(label) tabindex="0" { (table) } }
}
