//! What users send (a mentor's profile, an officer's request), checked before anything is
//! stored: the same checks behind the pages and the API.

use chrono::NaiveDate;
use serde::Deserialize;

use super::{Format, MResult, Refusal, MAX_CAPACITY, MAX_DESCRIPTION_CHARS, MAX_TEXT_CHARS};
use crate::accounts::Region;
use crate::guides::vocab::Topics;
use crate::guides::Fund;
use crate::i18n::Lang;
use crate::matching::ExperienceRole;
use crate::refusal::{at_most, Checks};

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ExperienceInput {
    #[serde(default)]
    pub fund: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub programme: String,
    #[serde(default)]
    pub region: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ProfileInput {
    #[serde(default)]
    #[schema(max_items = 50)]
    pub experience: Vec<ExperienceInput>,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub topics: Vec<String>,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub languages: Vec<String>,
    pub capacity: Option<i64>,
    pub employer_region: Option<String>,
    pub pause_from: Option<String>,
    pub pause_until: Option<String>,
    #[serde(default)]
    pub bio: String,
}

#[derive(Debug, Clone)]
pub struct ValidExperience {
    pub fund: Fund,
    pub role: ExperienceRole,
    pub programme: String,
    pub region: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ValidProfile {
    pub experience: Vec<ValidExperience>,
    pub topics: Vec<String>,
    pub languages: Vec<Lang>,
    pub capacity: i64,
    pub employer_region: Option<String>,
    pub pause_from: Option<NaiveDate>,
    pub pause_until: Option<NaiveDate>,
    pub bio: String,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RequestInput {
    /// FSE+ (or ESF+), FESR (or ERDF), JTF.
    #[serde(default)]
    #[schema(required = true, min_length = 1)]
    pub fund: String,
    #[serde(default)]
    #[schema(required = true, min_items = 1, max_items = 50)]
    pub topics: Vec<String>,
    #[serde(default)]
    #[schema(value_type = Lang, required = true)]
    pub language: String,
    #[serde(default)]
    #[schema(value_type = super::Format, required = true)]
    pub format: String,
    #[serde(default)]
    #[schema(required = true, min_length = 1)]
    pub description: String,
    pub period_from: Option<String>,
    pub period_until: Option<String>,
    /// A random value the form carries, so sending it twice files one request.
    pub form_key: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ValidRequest {
    pub fund: Fund,
    pub topics: Vec<String>,
    pub language: Lang,
    pub format: Format,
    pub description: String,
    pub period_from: Option<NaiveDate>,
    pub period_until: Option<NaiveDate>,
    pub form_key: Option<String>,
}

fn fund(s: &str, field: &'static str) -> MResult<Fund> {
    if s.trim().is_empty() {
        return Err(Refusal::invalid(
            field,
            "Indica il fondo: FSE+, FESR o JTF.",
            "Choose the fund: ESF+, ERDF or JTF.",
        ));
    }
    Fund::parse(s).ok_or_else(|| {
        Refusal::invalid(
            field,
            format!("Fondo sconosciuto \"{}\": i fondi sono FSE+, FESR e JTF.", s.trim()),
            format!("Unknown fund \"{}\": the funds are ESF+, ERDF and JTF.", s.trim()),
        )
    })
}

fn topics(list: &[String], vocab: &Topics, at_least: usize) -> MResult<Vec<String>> {
    at_most("topics", list)?;
    let mut out: Vec<String> = Vec::new();
    for t in list.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if !vocab.contains(t) {
            return Err(Refusal::invalid(
                "topics",
                format!("Tema sconosciuto \"{t}\": scegli tra i temi dell'elenco."),
                format!("Unknown topic \"{t}\": choose from the listed topics."),
            ));
        }
        if !out.iter().any(|o| o == t) {
            out.push(t.to_string());
        }
    }
    if out.len() < at_least {
        return Err(Refusal::invalid("topics", "Scegli almeno un tema.", "Choose at least one topic."));
    }
    Ok(out)
}

fn region(code: Option<&str>, regions: &[Region], field: &'static str) -> MResult<Option<String>> {
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else { return Ok(None) };
    let code = code.to_uppercase();
    if regions.iter().any(|r| r.code == code) {
        Ok(Some(code))
    } else {
        Err(Refusal::invalid(field, format!("Regione sconosciuta \"{code}\"."), format!("Unknown Region \"{code}\".")))
    }
}

/// A date typed as YYYY-MM-DD (what `<input type="date">` sends); empty is none.
pub fn date(s: Option<&str>, field: &'static str) -> MResult<Option<NaiveDate>> {
    let Some(s) = s.map(str::trim).filter(|s| !s.is_empty()) else { return Ok(None) };
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map(Some).map_err(|_| {
        Refusal::invalid(
            field,
            format!("Data non valida \"{s}\": usa il formato AAAA-MM-GG."),
            format!("Invalid date \"{s}\": use the YYYY-MM-DD format."),
        )
    })
}

fn text(s: &str, field: &'static str, max: usize) -> MResult<String> {
    let s = s.trim();
    if s.chars().count() > max {
        return Err(Refusal::invalid(
            field,
            format!("Testo troppo lungo: al massimo {max} caratteri."),
            format!("Text too long: at most {max} characters."),
        ));
    }
    Ok(s.to_string())
}

fn period(
    from: Option<&str>,
    until: Option<&str>,
    fields: (&'static str, &'static str),
    what: (&str, &str),
) -> MResult<(Option<NaiveDate>, Option<NaiveDate>)> {
    let from = date(from, fields.0)?;
    let until = date(until, fields.1)?;
    if let (Some(f), Some(u)) = (from, until) {
        if u < f {
            return Err(Refusal::invalid(
                fields.1,
                format!(
                    "{} finisce ({}) prima di cominciare ({}).",
                    what.0,
                    u.format("%d/%m/%Y"),
                    f.format("%d/%m/%Y")
                ),
                format!("{} ends ({u}) before it starts ({f}).", what.1),
            ));
        }
    }
    Ok((from, until))
}

pub fn validate_profile(p: &ProfileInput, vocab: &Topics, regions: &[Region]) -> MResult<ValidProfile> {
    // Every field is checked, so the form shows all its wrong fields at once.
    let mut c = Checks::default();
    let experience = c.take(experiences(&p.experience, regions));
    let topics = c.take(topics(&p.topics, vocab, 0));
    let languages = c.take(languages(&p.languages));
    let capacity = c.take(capacity(p.capacity));
    let employer_region = c.take(region(p.employer_region.as_deref(), regions, "employer_region"));
    let pause = c.take(period(
        p.pause_from.as_deref(),
        p.pause_until.as_deref(),
        ("pause_from", "pause_until"),
        ("La pausa", "The pause"),
    ));
    let bio = c.take(text(&p.bio, "bio", MAX_TEXT_CHARS));
    c.done()?;
    match (experience, topics, languages, capacity, employer_region, pause, bio) {
        (
            Some(experience),
            Some(topics),
            Some(languages),
            Some(capacity),
            Some(employer_region),
            Some((pause_from, pause_until)),
            Some(bio),
        ) => {
            Ok(ValidProfile { experience, topics, languages, capacity, employer_region, pause_from, pause_until, bio })
        }
        // Every `None` above recorded a refusal, so `done` has answered already.
        _ => Err(Refusal::invalid("experience", "Modulo incompleto.", "Incomplete form.")),
    }
}

fn experiences(list: &[ExperienceInput], regions: &[Region]) -> MResult<Vec<ValidExperience>> {
    at_most("experience", list)?;
    let mut experience = Vec::new();
    for (i, e) in list.iter().enumerate() {
        let n = i + 1;
        let at = |it: String, en: String| {
            Refusal::invalid("experience", format!("Esperienza {n}: {it}"), format!("Experience {n}: {en}"))
        };
        let f = fund(&e.fund, "experience").map_err(|e| at(e.message(Lang::It), e.message(Lang::En)))?;
        let role = ExperienceRole::parse(&e.role).ok_or_else(|| {
            at(
                format!("ruolo sconosciuto \"{}\": AdG, OI, audit o beneficiario.", e.role.trim()),
                format!("unknown role \"{}\": adg, oi, audit or beneficiario.", e.role.trim()),
            )
        })?;
        let programme = text(&e.programme, "experience", 200)?;
        if programme.is_empty() {
            return Err(at(
                "indica il programma (per esempio \"PR FSE+ Puglia 2021-2027\").".into(),
                "name the programme (for example \"PR FSE+ Puglia 2021-2027\").".into(),
            ));
        }
        let region = region(e.region.as_deref(), regions, "experience")?;
        experience.push(ValidExperience { fund: f, role, programme, region });
    }
    if experience.is_empty() {
        return Err(Refusal::invalid(
            "experience",
            "Indica almeno un'esperienza con un fondo: senza, il profilo non può ricevere proposte.",
            "Enter at least one experience with a fund: without it the profile cannot receive proposals.",
        ));
    }
    Ok(experience)
}

fn languages(list: &[String]) -> MResult<Vec<Lang>> {
    at_most("languages", list)?;
    let mut languages = Vec::new();
    for l in list.iter().map(|l| l.trim()).filter(|l| !l.is_empty()) {
        let lang = Lang::parse(l).ok_or_else(|| {
            Refusal::invalid(
                "languages",
                format!("Lingua sconosciuta \"{l}\": it o en."),
                format!("Unknown language \"{l}\": it or en."),
            )
        })?;
        if !languages.contains(&lang) {
            languages.push(lang);
        }
    }
    if languages.is_empty() {
        return Err(Refusal::invalid(
            "languages",
            "Indica almeno una lingua di lavoro.",
            "Choose at least one working language.",
        ));
    }
    Ok(languages)
}

fn capacity(capacity: Option<i64>) -> MResult<i64> {
    match capacity {
        None => Err(Refusal::invalid(
            "capacity",
            "Indica quante mentorship puoi seguire insieme.",
            "Enter how many mentorships you can follow at once.",
        )),
        Some(c) if !(1..=MAX_CAPACITY).contains(&c) => Err(Refusal::invalid(
            "capacity",
            format!(
                "La capacità deve essere tra 1 e {MAX_CAPACITY} (hai scritto {c}); per non ricevere proposte per un po', indica una pausa."
            ),
            format!(
                "Capacity must be between 1 and {MAX_CAPACITY} (you wrote {c}); to receive no proposals for a while, set a pause."
            ),
        )),
        Some(c) => Ok(c),
    }
}

pub fn validate_request(r: &RequestInput, vocab: &Topics) -> MResult<ValidRequest> {
    // Every check runs, so the form shows all its wrong fields at once.
    let mut c = Checks::default();
    let f = c.take(fund(&r.fund, "fund"));
    let topics = c.take(topics(&r.topics, vocab, 1));
    let language = Lang::parse(r.language.trim());
    if language.is_none() {
        c.fail(Refusal::invalid(
            "language",
            "Scegli la lingua preferita: italiano o inglese.",
            "Choose the preferred language: Italian or English.",
        ));
    }
    let format = Format::parse(&r.format);
    if format.is_none() {
        c.fail(Refusal::invalid(
            "format",
            "Scegli il formato: sessioni a distanza, missione dell'esperto o visita di studio.",
            "Choose the format: remote sessions, expert mission or study visit.",
        ));
    }
    let description = c.take(text(&r.description, "description", MAX_DESCRIPTION_CHARS));
    if description.as_ref().is_some_and(String::is_empty) {
        c.fail(Refusal::invalid(
            "description",
            "Descrivi di che cosa avete bisogno: il mentor lo legge prima di accettare.",
            "Describe what you need: the mentor reads it before accepting.",
        ));
    }
    let period = c.take(period(
        r.period_from.as_deref(),
        r.period_until.as_deref(),
        ("period_from", "period_until"),
        ("Il periodo", "The period"),
    ));
    c.done()?;
    let (Some(fund), Some(topics), Some(language), Some(format), Some(description), Some((period_from, period_until))) =
        (f, topics, language, format, description, period)
    else {
        // Every `None` above recorded a refusal, so `done` has answered already.
        return Err(Refusal::invalid("fund", "Modulo incompleto.", "Incomplete form."));
    };
    let form_key = r.form_key.as_deref().map(str::trim).filter(|k| !k.is_empty()).map(|k| k.chars().take(64).collect());
    Ok(ValidRequest { fund, topics, language, format, description, period_from, period_until, form_key })
}

/// The experience box of the profile form: one experience per line,
/// `fund | role | programme | Region code (optional)`. Errors name the line.
pub fn parse_experience_lines(text: &str) -> MResult<Vec<ExperienceInput>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if !(3..=4).contains(&cells.len()) {
            return Err(Refusal::invalid(
                "experience",
                format!(
                    "Riga {}: servono fondo | ruolo | programma | Regione (facoltativa), separati da \"|\".",
                    i + 1
                ),
                format!("Line {}: expected fund | role | programme | Region (optional), separated by \"|\".", i + 1),
            ));
        }
        out.push(ExperienceInput {
            fund: cells[0].to_string(),
            role: cells[1].to_string(),
            programme: cells[2].to_string(),
            region: cells.get(3).map(|s| s.to_string()).filter(|s| !s.is_empty()),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn experience_lines_name_the_bad_line() {
        let ok = parse_experience_lines("FSE+ | AdG | PR FSE+ Puglia 2014-2020 | PUG\n\nFESR | audit | PR FESR Lazio")
            .unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[0].region.as_deref(), Some("PUG"));
        assert_eq!(ok[1].region, None);
        let err = parse_experience_lines("FSE+ | AdG | PR\nsolo testo").unwrap_err();
        assert!(err.message(Lang::It).starts_with("Riga 2:"), "{}", err.message(Lang::It));
    }

    #[test]
    fn a_pause_that_ends_before_it_starts_is_refused() {
        let err = period(Some("2026-12-10"), Some("2026-12-01"), ("a", "b"), ("La pausa", "The pause")).unwrap_err();
        assert_eq!(err.field(), Some("b"));
        assert!(err.message(Lang::It).contains("prima di cominciare"));
        assert!(period(Some("2026-12-01"), Some("2026-12-01"), ("a", "b"), ("x", "y")).is_ok());
    }
}
