//! Webinars (5.1), Open Labs (5.2), mentorship labs (5.3) and forums (5.4): scheduling,
//! registration with a first-come waiting list, and the mail that keeps every participant's
//! calendar right. A scheduled session is an *event* here; "session" means sign-in.
//! Times are stored in UTC and entered and shown in Europe/Rome.

pub mod certificate;
pub mod csv;
pub mod ical;
pub mod mail;
pub mod service;
pub mod store;

use chrono::{NaiveDateTime, TimeZone};
use serde::{Deserialize, Serialize};

use crate::accounts::Region;
use crate::guides::{Fund, Topics};
use crate::i18n::Lang;
use crate::refusal::{at_most, Checks, Refusal};

pub use service::Events;

/// Largest capacity an event may have.
pub const MAX_CAPACITY: i64 = 5000;

pub type EResult<T> = Result<T, Refusal>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Webinar,
    OpenLab,
    MentorshipLab,
    Forum,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Webinar, Kind::OpenLab, Kind::MentorshipLab, Kind::Forum];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Webinar => "webinar",
            Kind::OpenLab => "open_lab",
            Kind::MentorshipLab => "mentorship_lab",
            Kind::Forum => "forum",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Kind::Webinar => "webinar",
            Kind::OpenLab => "Open Lab",
            Kind::MentorshipLab => lang.t("laboratorio di mentorship", "mentorship lab"),
            Kind::Forum => lang.t("forum di collaborazione", "collaboration forum"),
        }
    }

    /// The WP5 task the kind reports to.
    pub fn task(self) -> &'static str {
        match self {
            Kind::Webinar => "5.1",
            Kind::OpenLab => "5.2",
            Kind::MentorshipLab => "5.3",
            Kind::Forum => "5.4",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum EventState {
    Draft,
    Published,
    Cancelled,
    Completed,
}

impl EventState {
    pub fn as_str(self) -> &'static str {
        match self {
            EventState::Draft => "draft",
            EventState::Published => "published",
            EventState::Cancelled => "cancelled",
            EventState::Completed => "completed",
        }
    }

    pub fn parse(s: &str) -> Option<EventState> {
        [EventState::Draft, EventState::Published, EventState::Cancelled, EventState::Completed]
            .into_iter()
            .find(|st| st.as_str() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            EventState::Draft => lang.t("bozza, non ancora visibile", "draft, not visible yet"),
            EventState::Published => lang.t("in programma", "scheduled"),
            EventState::Cancelled => lang.t("annullato", "cancelled"),
            EventState::Completed => lang.t("concluso", "completed"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RegState {
    Confirmed,
    Waitlisted,
    Cancelled,
}

impl RegState {
    pub fn as_str(self) -> &'static str {
        match self {
            RegState::Confirmed => "confirmed",
            RegState::Waitlisted => "waitlisted",
            RegState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<RegState> {
        [RegState::Confirmed, RegState::Waitlisted, RegState::Cancelled].into_iter().find(|st| st.as_str() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            RegState::Confirmed => lang.t("iscrizione confermata", "registration confirmed"),
            RegState::Waitlisted => lang.t("in lista d'attesa", "on the waiting list"),
            RegState::Cancelled => lang.t("iscrizione annullata", "registration cancelled"),
        }
    }
}

/// An event as a coordinator describes it (form or JSON). Times are Europe/Rome local
/// (`2026-12-03T10:00`, what `<input type="datetime-local">` sends) or RFC 3339 with an offset.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct EventInput {
    #[serde(default)]
    #[schema(value_type = Kind, required = true)]
    pub kind: String,
    #[serde(default)]
    #[schema(required = true, min_length = 1)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Italian time, `YYYY-MM-DDTHH:MM`, or RFC 3339.
    #[serde(default)]
    #[schema(required = true, min_length = 1)]
    pub starts_at: String,
    #[serde(default)]
    #[schema(required = true, min_length = 1)]
    pub ends_at: String,
    pub online_url: Option<String>,
    pub venue: Option<String>,
    pub capacity: Option<i64>,
    pub registration_opens_at: Option<String>,
    pub registration_closes_at: Option<String>,
    /// Region codes; empty: every Region.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub audience: Vec<String>,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub funds: Vec<String>,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub topics: Vec<String>,
    /// Ids of related guides.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub guides: Vec<String>,
    #[serde(default)]
    pub speakers: String,
    pub materials_url: Option<String>,
    pub recording_url: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ValidEvent {
    pub kind: Kind,
    pub title: String,
    pub description: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub online_url: Option<String>,
    pub venue: Option<String>,
    pub capacity: i64,
    pub registration_opens_at: Option<i64>,
    pub registration_closes_at: Option<i64>,
    pub audience: Vec<String>,
    pub funds: Vec<String>,
    pub topics: Vec<String>,
    pub guides: Vec<String>,
    pub speakers: String,
    pub materials_url: Option<String>,
    pub recording_url: Option<String>,
}

/// Europe/Rome local time (or RFC 3339) to Unix ms. A local time that does not exist
/// (the hour skipped when clocks go forward) is refused; an ambiguous one (the hour
/// repeated in October) is read as the first.
pub fn parse_time(s: &str, field: &'static str) -> EResult<Option<i64>> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(Some(t.timestamp_millis()));
    }
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M"))
        .map_err(|_| {
            Refusal::invalid(
                field,
                format!("Data e ora non valide \"{s}\": usa AAAA-MM-GGTHH:MM (ora italiana)."),
                format!("Invalid date and time \"{s}\": use YYYY-MM-DDTHH:MM (Italian time)."),
            )
        })?;
    match chrono_tz::Europe::Rome.from_local_datetime(&naive).earliest() {
        Some(t) => Ok(Some(t.timestamp_millis())),
        None => Err(Refusal::invalid(
            field,
            format!("L'ora {} non esiste in Italia (passaggio all'ora legale).", naive.format("%d/%m/%Y %H:%M")),
            format!("{} does not exist in Italy (clocks go forward).", naive.format("%d/%m/%Y %H:%M")),
        )),
    }
}

/// Unix ms as the `datetime-local` value of a form, Europe/Rome.
pub fn local_input(ms: i64) -> String {
    chrono_tz::Europe::Rome
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

fn url(s: Option<&str>, field: &'static str) -> EResult<Option<String>> {
    let Some(s) = s.map(str::trim).filter(|s| !s.is_empty()) else { return Ok(None) };
    match url::Url::parse(s) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && s.len() <= 500 => Ok(Some(s.to_string())),
        _ => Err(Refusal::invalid(
            field,
            format!("Indirizzo non valido \"{s}\": deve cominciare con https:// o http://."),
            format!("Invalid address \"{s}\": it must start with https:// or http://."),
        )),
    }
}

fn too_long(field: &'static str, max: usize) -> Refusal {
    Refusal::invalid(
        field,
        format!("Testo troppo lungo: al massimo {max} caratteri."),
        format!("Text too long: at most {max} characters."),
    )
}

/// Titles and places go into mail subjects and calendar lines: one line, no control characters.
fn one_line(field: &'static str, text: &str) -> EResult<()> {
    if text.chars().any(char::is_control) {
        return Err(Refusal::invalid(
            field,
            "Scrivi il testo su una sola riga, senza a capo né tabulazioni.",
            "Write the text on one line, without line breaks or tabs.",
        ));
    }
    Ok(())
}

/// Checks an event. `now` refuses a start in the past when `creating`; `guide_id` gives
/// the current id of a related guide (a merged guide's successor), `None` when unknown.
pub fn validate(
    e: &EventInput,
    now: i64,
    creating: bool,
    topics: &Topics,
    regions: &[Region],
    guide_id: impl Fn(&str) -> Option<String>,
) -> EResult<ValidEvent> {
    // Every check runs, so the form shows all its wrong fields at once.
    let mut c = Checks::default();
    let kind = Kind::parse(&e.kind);
    if kind.is_none() {
        c.fail(Refusal::invalid(
            "kind",
            "Scegli il tipo: webinar, Open Lab, laboratorio di mentorship o forum.",
            "Choose the kind: webinar, Open Lab, mentorship lab or forum.",
        ));
    }
    let title = e.title.trim().to_string();
    if title.is_empty() {
        c.fail(Refusal::invalid("title", "Il titolo è obbligatorio.", "The title is required."));
    } else if title.chars().count() > 200 {
        c.fail(too_long("title", 200));
    } else {
        c.take(one_line("title", &title));
    }
    let description = e.description.trim().to_string();
    if description.chars().count() > 8000 {
        c.fail(too_long("description", 8000));
    }
    let starts_at = c.take(parse_time(&e.starts_at, "starts_at")).and_then(|t| {
        t.or_else(|| {
            c.fail(Refusal::invalid("starts_at", "Indica data e ora di inizio.", "Enter the start date and time."));
            None
        })
    });
    let ends_at = c.take(parse_time(&e.ends_at, "ends_at")).and_then(|t| {
        t.or_else(|| {
            c.fail(Refusal::invalid("ends_at", "Indica data e ora di fine.", "Enter the end date and time."));
            None
        })
    });
    if let (Some(starts_at), Some(ends_at)) = (starts_at, ends_at) {
        if ends_at <= starts_at {
            c.fail(Refusal::invalid(
                "ends_at",
                "La fine deve venire dopo l'inizio.",
                "The end must come after the start.",
            ));
        } else if ends_at - starts_at > 14 * 86_400_000 {
            c.fail(Refusal::invalid(
                "ends_at",
                "Un evento dura al massimo 14 giorni.",
                "An event lasts at most 14 days.",
            ));
        }
    }
    if creating && starts_at.is_some_and(|s| s <= now) {
        c.fail(Refusal::invalid(
            "starts_at",
            "L'inizio è nel passato: un nuovo evento si programma nel futuro.",
            "The start is in the past: a new event is scheduled in the future.",
        ));
    }
    let online_url = c.take(url(e.online_url.as_deref(), "online_url"));
    let venue = e.venue.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(String::from);
    if venue.as_ref().is_some_and(|v| v.chars().count() > 300) {
        c.fail(too_long("venue", 300));
    } else {
        c.take(one_line("venue", venue.as_deref().unwrap_or("")));
    }
    if online_url == Some(None) && venue.is_none() {
        c.fail(Refusal::invalid(
            "online_url",
            "Indica il link per partecipare online o la sede.",
            "Enter the link to join online or the venue.",
        ));
    }
    let capacity = match e.capacity {
        Some(n) if (1..=MAX_CAPACITY).contains(&n) => Some(n),
        Some(n) => {
            c.fail(Refusal::invalid(
                "capacity",
                format!("I posti devono essere tra 1 e {MAX_CAPACITY} (hai scritto {n})."),
                format!("Places must be between 1 and {MAX_CAPACITY} (you wrote {n})."),
            ));
            None
        }
        None => {
            c.fail(Refusal::invalid("capacity", "Indica quanti posti ci sono.", "Enter how many places there are."));
            None
        }
    };
    let opens = c.take(parse_time(e.registration_opens_at.as_deref().unwrap_or(""), "registration_opens_at"));
    let closes = c.take(parse_time(e.registration_closes_at.as_deref().unwrap_or(""), "registration_closes_at"));
    if let (Some(Some(o)), Some(Some(cl))) = (opens, closes) {
        if cl <= o {
            c.fail(Refusal::invalid(
                "registration_closes_at",
                "Le iscrizioni devono chiudersi dopo essersi aperte.",
                "Registration must close after it opens.",
            ));
        }
    }
    if let (Some(Some(cl)), Some(end)) = (closes, ends_at) {
        if cl > end && !c.failed("registration_closes_at") {
            c.fail(Refusal::invalid(
                "registration_closes_at",
                "Le iscrizioni non possono chiudersi dopo la fine dell'evento.",
                "Registration cannot close after the event ends.",
            ));
        }
    }
    c.take(at_most("audience", &e.audience));
    c.take(at_most("funds", &e.funds));
    c.take(at_most("topics", &e.topics));
    c.take(at_most("guides", &e.guides));
    let mut audience = Vec::new();
    for code in e.audience.iter().map(|code| code.trim().to_uppercase()).filter(|code| !code.is_empty()) {
        if !regions.iter().any(|r| r.code == code) {
            c.fail(Refusal::invalid(
                "audience",
                format!("Regione sconosciuta \"{code}\"."),
                format!("Unknown Region \"{code}\"."),
            ));
            break;
        }
        if !audience.contains(&code) {
            audience.push(code);
        }
    }
    let mut funds = Vec::new();
    for f in e.funds.iter().filter(|f| !f.trim().is_empty()) {
        let Some(fund) = Fund::parse(f) else {
            c.fail(Refusal::invalid(
                "funds",
                format!("Fondo sconosciuto \"{}\": FSE+, FESR o JTF.", f.trim()),
                format!("Unknown fund \"{}\": ESF+, ERDF or JTF.", f.trim()),
            ));
            break;
        };
        if !funds.contains(&fund.as_str().to_string()) {
            funds.push(fund.as_str().to_string());
        }
    }
    let mut slugs = Vec::new();
    for t in e.topics.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if !topics.contains(t) {
            c.fail(Refusal::invalid("topics", format!("Tema sconosciuto \"{t}\"."), format!("Unknown topic \"{t}\".")));
            break;
        }
        if !slugs.iter().any(|s| s == t) {
            slugs.push(t.to_string());
        }
    }
    let mut guides = Vec::new();
    for typed in e.guides.iter().map(|g| g.trim()).filter(|g| !g.is_empty()) {
        let Some(g) = guide_id(typed) else {
            c.fail(Refusal::invalid(
                "guides",
                format!("Guida inesistente \"{typed}\"."),
                format!("No guide \"{typed}\"."),
            ));
            break;
        };
        if !guides.contains(&g) {
            guides.push(g);
        }
    }
    let speakers = e.speakers.trim().to_string();
    if speakers.chars().count() > 500 {
        c.fail(too_long("speakers", 500));
    }
    let materials_url = c.take(url(e.materials_url.as_deref(), "materials_url"));
    let recording_url = c.take(url(e.recording_url.as_deref(), "recording_url"));
    let all = (kind, starts_at, ends_at, online_url, capacity, opens, closes, materials_url, recording_url);
    match (c.done(), all) {
        (
            Ok(()),
            (
                Some(kind),
                Some(starts_at),
                Some(ends_at),
                Some(online_url),
                Some(capacity),
                Some(opens),
                Some(closes),
                Some(materials_url),
                Some(recording_url),
            ),
        ) => Ok(ValidEvent {
            kind,
            title,
            description,
            starts_at,
            ends_at,
            online_url,
            venue,
            capacity,
            registration_opens_at: opens,
            registration_closes_at: closes,
            audience,
            funds,
            topics: slugs,
            guides,
            speakers,
            materials_url,
            recording_url,
        }),
        (Err(e), _) => Err(e),
        // Every `None` above recorded a refusal, so this is not reached.
        (Ok(()), _) => Err(Refusal::invalid("kind", "Modulo incompleto.", "Incomplete form.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rome_times_are_dst_safe() {
        // 29 March 2026: clocks go from 02:00 to 03:00.
        assert!(parse_time("2026-03-29T02:30", "t").is_err());
        assert_eq!(parse_time("2026-03-29T11:00", "t").unwrap(), Some(1_774_774_800_000), "09:00 UTC");
        assert_eq!(parse_time("2026-03-28T11:00", "t").unwrap(), Some(1_774_692_000_000), "10:00 UTC");
        // 25 October 2026: 02:00-03:00 happens twice; the first is taken.
        assert_eq!(parse_time("2026-10-25T02:30", "t").unwrap(), Some(1_792_888_200_000), "00:30 UTC");
        assert_eq!(local_input(1_774_774_800_000), "2026-03-29T11:00");
        assert_eq!(parse_time("2026-12-03T10:00:00+01:00", "t").unwrap(), parse_time("2026-12-03T10:00", "t").unwrap());
    }
}
