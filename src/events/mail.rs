//! The messages of events, in the recipient's language: confirmation, waiting list,
//! promotion, change, cancellation, reminders and thanks.

use super::store::Event;
use crate::clock::local_time;
use crate::i18n::Lang;
use crate::notify::Content;

pub fn event_url(public_url: &str, id: i64) -> String {
    format!("{public_url}/eventi/{id}")
}

/// "03/12/2026 10:00–12:00" or across days "03/12/2026 10:00 – 04/12/2026 13:00" (Italian time).
pub fn when(e: &Event, lang: Lang) -> String {
    let start = local_time(e.starts_at);
    let end = local_time(e.ends_at);
    let range = match (start.split_once(' '), end.split_once(' ')) {
        (Some((d1, t1)), Some((d2, t2))) if d1 == d2 => format!("{d1} {t1}–{t2}"),
        _ => format!("{start} – {end}"),
    };
    format!("{range} ({})", lang.t("ora italiana", "Italian time"))
}

fn facts(e: &Event, lang: Lang) -> Vec<String> {
    let mut p = vec![
        format!("{} {} ({})", lang.t("Evento:", "Event:"), e.title, e.kind.label(lang)),
        format!("{} {}", lang.t("Quando:", "When:"), when(e, lang)),
    ];
    if let Some(l) = e.location() {
        p.push(format!("{} {l}", lang.t("Dove:", "Where:")));
    }
    p
}

fn action(e: &Event, lang: Lang, public_url: &str) -> Option<(String, String)> {
    Some((lang.t("Pagina dell'evento", "Event page").into(), event_url(public_url, e.id)))
}

pub fn confirmed(e: &Event, lang: Lang, public_url: &str, promoted: bool) -> Content {
    let mut paragraphs = Vec::new();
    if promoted {
        paragraphs.push(
            lang.t(
                "Si è liberato un posto e la tua iscrizione dalla lista d'attesa è ora confermata.",
                "A place became free and your registration from the waiting list is now confirmed.",
            )
            .to_string(),
        );
    }
    paragraphs.extend(facts(e, lang));
    paragraphs.push(
        lang.t(
            "L'invito per il calendario è allegato. Se non puoi più partecipare, annulla l'iscrizione dalla pagina dell'evento: il posto passa a chi è in lista d'attesa.",
            "The calendar invitation is attached. If you can no longer attend, cancel your registration on the event page: the place goes to the waiting list.",
        )
        .to_string(),
    );
    let subject = if promoted {
        lang.t("Si è liberato un posto: iscrizione confermata a", "A place is free: registration confirmed for")
    } else {
        lang.t("Iscrizione confermata:", "Registration confirmed:")
    };
    Content { subject: format!("{subject} {}", e.title), paragraphs, action: action(e, lang, public_url) }
}

pub fn waitlisted(e: &Event, lang: Lang, public_url: &str, place: i64) -> Content {
    let mut paragraphs = vec![format!(
        "{} {place}. {}",
        lang.t(
            "L'evento è al completo: sei in lista d'attesa, al posto n.",
            "The event is full: you are on the waiting list, place no."
        ),
        lang.t(
            "Se si libera un posto la tua iscrizione viene confermata in automatico e ti scriviamo.",
            "If a place becomes free your registration is confirmed automatically and we write to you.",
        )
    )];
    paragraphs.extend(facts(e, lang));
    paragraphs.push(
        lang.t(
            "Puoi lasciare la lista d'attesa in qualsiasi momento dalla pagina dell'evento.",
            "You can leave the waiting list at any time on the event page.",
        )
        .to_string(),
    );
    Content {
        subject: format!("{} {}", lang.t("In lista d'attesa:", "On the waiting list:"), e.title),
        paragraphs,
        action: action(e, lang, public_url),
    }
}

/// What changed between `old` and `e` that a participant needs to know: title, time, place.
fn changes(old: &Event, e: &Event, lang: Lang) -> Vec<String> {
    let mut out = Vec::new();
    let mut note = |label: &str, before: String, after: String| {
        if before != after {
            out.push(format!("{label} {before} → {after}"));
        }
    };
    note(lang.t("Titolo:", "Title:"), old.title.clone(), e.title.clone());
    note(lang.t("Quando:", "When:"), when(old, lang), when(e, lang));
    let none = || lang.t("non indicato", "not given").to_string();
    note(lang.t("Dove:", "Where:"), old.location().unwrap_or_else(none), e.location().unwrap_or_else(none));
    out
}

pub fn changed(old: &Event, e: &Event, lang: Lang, public_url: &str) -> Content {
    let mut paragraphs = vec![format!(
        "{} \"{}\" {}",
        lang.t("L'evento", "The event"),
        old.title,
        lang.t(
            "a cui sei iscritto è cambiato; l'invito allegato aggiorna il tuo calendario. Che cosa cambia:",
            "you registered for has changed; the attached invitation updates your calendar. What changes:",
        )
    )];
    paragraphs.extend(changes(old, e, lang));
    paragraphs.push(lang.t("I dati aggiornati:", "The details now:").to_string());
    paragraphs.extend(facts(e, lang));
    Content {
        subject: format!("{} {}", lang.t("Modifica:", "Changed:"), e.title),
        paragraphs,
        action: action(e, lang, public_url),
    }
}

pub fn event_cancelled(e: &Event, lang: Lang, reason: Option<&str>) -> Content {
    let mut paragraphs = vec![format!(
        "{} \"{}\" ({}) {}. {}",
        lang.t("L'evento", "The event"),
        e.title,
        when(e, lang),
        lang.t("è annullato", "is cancelled"),
        lang.t("L'allegato lo toglie dal tuo calendario.", "The attachment removes it from your calendar.")
    )];
    if let Some(r) = reason.filter(|r| !r.trim().is_empty()) {
        paragraphs.push(format!("{} {r}", lang.t("Motivo:", "Reason:")));
    }
    Content { subject: format!("{} {}", lang.t("Annullato:", "Cancelled:"), e.title), paragraphs, action: None }
}

pub fn registration_cancelled(e: &Event, lang: Lang, public_url: &str) -> Content {
    Content {
        subject: format!("{} {}", lang.t("Iscrizione annullata:", "Registration cancelled:"), e.title),
        paragraphs: vec![format!(
            "{} \"{}\" ({}) {}",
            lang.t("La tua iscrizione all'evento", "Your registration for the event"),
            e.title,
            when(e, lang),
            lang.t(
                "è annullata; l'allegato toglie l'evento dal tuo calendario.",
                "is cancelled; the attachment removes the event from your calendar.",
            )
        )],
        action: action(e, lang, public_url),
    }
}

pub fn reminder(e: &Event, lang: Lang, public_url: &str, hours: i64) -> Content {
    let soon = if hours >= 24 { lang.t("domani", "tomorrow") } else { lang.t("tra un'ora", "in one hour") };
    let mut paragraphs =
        vec![format!("{} {soon}.", lang.t("Ti ricordiamo che l'evento comincia", "A reminder that the event starts"))];
    paragraphs.extend(facts(e, lang));
    Content {
        subject: format!("{} {} — {soon}", lang.t("Promemoria:", "Reminder:"), e.title),
        paragraphs,
        action: action(e, lang, public_url),
    }
}

pub fn thanks(e: &Event, lang: Lang, public_url: &str, links: &[crate::exchange::event_links::Linked]) -> Content {
    let mut paragraphs = vec![format!(
        "{} \"{}\" ({}).",
        lang.t("Grazie per aver partecipato all'evento", "Thank you for attending the event"),
        e.title,
        when(e, lang)
    )];
    if let Some(m) = &e.materials_url {
        paragraphs.push(format!("{} {m}", lang.t("Materiali:", "Materials:")));
    }
    if let Some(r) = &e.recording_url {
        paragraphs.push(format!("{} {r}", lang.t("Registrazione:", "Recording:")));
    }
    if !links.is_empty() {
        let mut text = lang
            .t(
                "Dallo scambio tra Regioni, collegati al forum:",
                "From the exchange between Regions, linked to the forum:",
            )
            .to_string();
        for l in links {
            text.push_str(&format!("\n• {} — {public_url}{}", l.title, l.path()));
        }
        paragraphs.push(text);
    }
    let until = crate::clock::local_date(e.feedback_until()).format("%d/%m/%Y");
    paragraphs.push(format!(
        "{} {until}.",
        lang.t(
            "Dalla pagina dell'evento scarichi l'attestato di partecipazione e puoi dirci quanto ti è stato utile (una domanda, da 1 a 5), fino al",
            "On the event page you can download your certificate of attendance and tell us how useful the event was (one question, 1 to 5), until",
        )
    ));
    Content {
        subject: format!("{} {}", lang.t("Grazie per aver partecipato:", "Thank you for attending:"), e.title),
        paragraphs,
        action: action(e, lang, public_url),
    }
}
