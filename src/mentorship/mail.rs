//! The messages of the mentorship lifecycle, in the recipient's language. Each is queued
//! in the transaction of the change it reports, with a key that makes it unique.

use super::store::{Contact, Match, Request};
use super::Format;
use crate::clock::local_time;
use crate::guides::{Fund, Topics};
use crate::i18n::Lang;
use crate::notify::Content;

/// A fund as the recipient names it (FSE+ in Italian, ESF+ in English); unknown names as given.
pub fn fund_name(fund: &str, lang: Lang) -> String {
    match (Fund::parse(fund), lang) {
        (Some(f), Lang::En) => f.english().to_string(),
        (Some(f), Lang::It) => f.as_str().to_string(),
        (None, _) => fund.to_string(),
    }
}

fn topic_list(r: &Request, topics: &Topics, lang: Lang) -> String {
    r.topics.iter().map(|t| topics.label(t, lang)).collect::<Vec<_>>().join(", ")
}

fn excerpt(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    format!("{}…", cut.trim_end())
}

fn contact_line(c: &Contact, lang: Lang) -> String {
    let mut s = format!("{} <{}>", c.name, c.email);
    if let Some(o) = c.organisation.as_deref().filter(|o| !o.is_empty()) {
        s.push_str(&format!(" — {o}"));
    }
    format!("{} {s}", lang.t("Contatto:", "Contact:"))
}

pub fn match_url(public_url: &str, id: i64) -> String {
    format!("{public_url}/mentorship/abbinamenti/{id}")
}

fn request_summary(r: &Request, topics: &Topics, lang: Lang) -> String {
    let format = Format::parse(&r.format).map(|f| f.label(lang)).unwrap_or("");
    match lang {
        Lang::It => format!(
            "Richiesta n. {}: {} cerca un mentor per il {} ({format}). Temi: {}.",
            r.id,
            r.region_name,
            fund_name(&r.fund, lang),
            topic_list(r, topics, lang)
        ),
        Lang::En => format!(
            "Request no. {}: {} is looking for a mentor on the {} ({format}). Topics: {}.",
            r.id,
            r.region_name,
            fund_name(&r.fund, lang),
            topic_list(r, topics, lang)
        ),
    }
}

/// To the mentor: a proposal to answer before it expires.
pub fn proposal(lang: Lang, r: &Request, m: &Match, topics: &Topics, public_url: &str) -> Content {
    let why: Vec<&str> = m.parts.iter().map(|p| p.text(lang)).collect();
    let expires = m.expires_at.map(local_time).unwrap_or_default();
    Content {
        subject: format!(
            "{} {}, {}",
            lang.t("Proposta di mentorship:", "Mentorship proposal:"),
            r.region_name,
            fund_name(&r.fund, lang)
        ),
        paragraphs: vec![
            request_summary(r, topics, lang),
            format!("{} «{}»", lang.t("La richiesta:", "The request:"), excerpt(&r.description, 600)),
            format!("{} {}.", lang.t("Perché te:", "Why you:"), why.join("; ")),
            format!(
                "{} {expires}. {}",
                lang.t("Rispondi entro il", "Please answer by"),
                lang.t(
                    "Dopo quella data la proposta scade e passa a un altro mentor. I contatti della Regione compaiono quando accetti.",
                    "After that the proposal expires and goes to another mentor. The Region's contact details appear when you accept.",
                )
            ),
        ],
        action: Some((lang.t("Vedi la proposta e rispondi", "See the proposal and answer").into(), match_url(public_url, m.id))),
    }
}

/// To the mentor: the proposal is still unanswered.
pub fn reminder(lang: Lang, r: &Request, m: &Match, topics: &Topics, public_url: &str) -> Content {
    let expires = m.expires_at.map(local_time).unwrap_or_default();
    Content {
        subject: format!(
            "{} {expires}",
            lang.t("Promemoria: proposta di mentorship in scadenza il", "Reminder: mentorship proposal expiring on")
        ),
        paragraphs: vec![
            request_summary(r, topics, lang),
            lang.t(
                "Non abbiamo ancora la tua risposta. Se non puoi seguirla, rifiutala: la Regione riceverà subito un'altra proposta.",
                "We do not have your answer yet. If you cannot take it, decline it: the Region will get another proposal at once.",
            )
            .to_string(),
        ],
        action: Some((lang.t("Rispondi alla proposta", "Answer the proposal").into(), match_url(public_url, m.id))),
    }
}

/// To the mentor: the coordinators withdrew the proposal (or the Region withdrew its request).
pub fn withdrawn(lang: Lang, r: &Request, reason: Option<&str>) -> Content {
    let mut paragraphs = vec![format!(
        "{} {} {} ({}, {}) {}",
        lang.t("La proposta di mentorship per la richiesta n.", "The mentorship proposal for request no."),
        r.id,
        lang.t("di", "of"),
        r.region_name,
        fund_name(&r.fund, lang),
        lang.t("è stata ritirata: non devi fare nulla.", "has been withdrawn: there is nothing for you to do."),
    )];
    if let Some(reason) = reason.filter(|r| !r.trim().is_empty()) {
        paragraphs.push(format!("{} {reason}", lang.t("Motivo:", "Reason:")));
    }
    Content {
        subject: format!(
            "{} {}",
            lang.t("Proposta di mentorship ritirata:", "Mentorship proposal withdrawn:"),
            r.region_name
        ),
        paragraphs,
        action: None,
    }
}

/// To the officer who filed the request: a mentor accepted; here is how to reach them.
pub fn accepted_to_officer(lang: Lang, r: &Request, m: &Match, mentor: &Contact, public_url: &str) -> Content {
    Content {
        subject: format!(
            "{} {} {}",
            m.mentor_name,
            lang.t("ha accettato la richiesta di mentorship n.", "accepted mentorship request no."),
            r.id
        ),
        paragraphs: vec![
            format!(
                "{} {} {} {} {} ({}).",
                m.mentor_name,
                lang.t("seguirà la richiesta n.", "will mentor request no."),
                r.id,
                lang.t("di", "of"),
                r.region_name,
                fund_name(&r.fund, lang)
            ),
            contact_line(mentor, lang),
            lang.t(
                "Prendete contatto per il primo incontro; gli incontri si registrano nella pagina della mentorship.",
                "Get in touch for the first meeting; meetings are logged on the mentorship page.",
            )
            .to_string(),
        ],
        action: Some((lang.t("Apri la mentorship", "Open the mentorship").into(), match_url(public_url, m.id))),
    }
}

/// To the mentor: the mentorship is active; here is the officer's contact.
pub fn accepted_to_mentor(lang: Lang, r: &Request, m: &Match, officer: &Contact, public_url: &str) -> Content {
    Content {
        subject: format!("{} {}", lang.t("Mentorship in corso con", "Mentorship under way with"), r.region_name),
        paragraphs: vec![
            format!(
                "{} {} ({}, {}). {}",
                lang.t("Grazie per aver accettato la richiesta n.", "Thank you for accepting request no."),
                r.id,
                r.region_name,
                fund_name(&r.fund, lang),
                lang.t("La persona di riferimento della Regione:", "The Region's contact person:"),
            ),
            contact_line(officer, lang),
        ],
        action: Some((lang.t("Apri la mentorship", "Open the mentorship").into(), match_url(public_url, m.id))),
    }
}
