//! The page frame every HTML page shares: landmarks, skip link, navigation, language switch.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::auth::{Auth, CSRF_FIELD};
use crate::accounts::Role;
use crate::i18n::Lang;

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
                main id="contenuto" tabindex="-1" { (body) }
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

/// A date the way the interface language writes it.
pub fn date(lang: Lang, d: chrono::NaiveDate) -> String {
    match lang {
        Lang::It => d.format("%d/%m/%Y").to_string(),
        Lang::En => d.format("%-d %B %Y").to_string(),
    }
}

/// A table that may be wider than a phone: it scrolls sideways in its own box (named by
/// `label`, and focusable so that the keyboard scrolls it too) instead of widening the page.
pub fn scrolling(label: &str, table: Markup) -> Markup {
    html! { div.table-scroll role="region" aria-label=(label) tabindex="0" { (table) } }
}
