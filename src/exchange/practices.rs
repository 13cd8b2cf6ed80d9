//! Practices of the Regions: what a Region did with the funds, written by one of its officers and
//! reviewed by a coordinator before signed-in users see it.
//!
//! A practice is a series of versions. Its author works on the latest one (a draft, sent for
//! review, or sent back with a comment); a coordinator approves it, and from then on it is the
//! published version. Editing a published practice starts a new version, reviewed again, while
//! the published one stays visible; earlier approved versions are kept as the history. Who sees
//! what: a published practice that is not hidden is seen by every signed-in person; everything
//! else (drafts, versions under review or sent back, hidden practices, and their attachments)
//! only by its author and by coordinators.

use serde::Serialize;
use sqlx::{AnyConnection, FromRow};

use super::files::{self, Kind, FILES_PER_PRACTICE};
use super::follows::{MailKind, News};
use super::index::record_change;
use super::{markdown, text, Exchange, REASON_MAX, TEXT_MAX, TITLE_MAX};
use crate::accounts::{Role, User};
use crate::guides::{Fund, Phase, Topics};
use crate::refusal::{self, Checks, Refusal};

/// Longest summary of a practice.
pub const SUMMARY_MAX: usize = 1_000;
/// Longest reference of the call or act, contact name and address.
pub const SHORT_MAX: usize = 300;

/// The forms of support of art. 53(1) CPR (Regulation (EU) 2021/1060) a practice used.
pub const COST_OPTIONS: [(&str, &str, &str); 5] = [
    ("real_costs", "Costi effettivamente sostenuti", "Costs actually incurred"),
    ("unit_costs", "Tabelle standard di costi unitari", "Standard scales of unit costs"),
    ("lump_sums", "Somme forfettarie", "Lump sums"),
    ("flat_rates", "Finanziamenti a tasso forfettario", "Flat-rate financing"),
    ("not_linked", "Finanziamenti non collegati ai costi", "Financing not linked to costs"),
];

/// The label of a cost option code.
pub fn cost_option_label(code: &str, lang: crate::i18n::Lang) -> &str {
    COST_OPTIONS.iter().find(|(c, _, _)| *c == code).map(|(_, it, en)| lang.t(it, en)).unwrap_or(code)
}

/// What an officer writes about a practice. Numbers arrive as typed, so that a form reports
/// a wrong number together with every other wrong field.
#[derive(Debug, Clone, Default)]
pub struct PracticeInput {
    pub title: String,
    pub summary: String,
    pub funds: Vec<String>,
    pub phases: Vec<String>,
    pub topics: Vec<String>,
    pub cost_options: Vec<String>,
    pub what_done: String,
    pub act_reference: String,
    pub act_url: String,
    pub budget_eur: String,
    pub people_trained: String,
    pub results: String,
    pub lessons: String,
    pub contact_name: String,
    pub contact_email: String,
}

/// A file attached to a version.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, FromRow)]
#[schema(as = ExchangeAttachment)]
pub struct Attachment {
    pub id: i64,
    pub name: String,
    /// pdf, odt, ods, docx or xlsx: what the content was recognised as.
    pub kind: String,
    /// Bytes.
    pub size: i64,
}

/// One version of a practice.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ExchangePracticeVersion)]
pub struct Version {
    pub id: i64,
    pub number: i64,
    /// draft, pending (awaiting review), returned (sent back), approved (the published one) or
    /// superseded (approved earlier).
    pub state: String,
    pub title: String,
    pub summary: String,
    pub funds: Vec<String>,
    pub phases: Vec<String>,
    pub topics: Vec<String>,
    /// Codes of the forms of support used (art. 53(1) CPR).
    pub cost_options: Vec<String>,
    /// Markdown as written.
    pub what_done: String,
    pub what_done_html: String,
    pub act_reference: String,
    pub act_url: String,
    pub budget_eur: Option<i64>,
    pub people_trained: Option<i64>,
    pub results: String,
    pub results_html: String,
    pub lessons: String,
    pub lessons_html: String,
    pub contact_name: String,
    pub contact_email: String,
    /// The coordinator's comment when the version was sent back.
    pub review_comment: Option<String>,
    pub submitted_at: Option<i64>,
    pub reviewed_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub attachments: Vec<Attachment>,
}

/// A practice as a given person sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ExchangePractice)]
pub struct Practice {
    pub id: i64,
    pub region_code: String,
    pub region_name: String,
    /// "utente rimosso" for an erased account.
    pub author_name: String,
    /// Whether the person looking wrote it.
    pub mine: bool,
    /// draft, pending, returned, published or hidden.
    pub status: String,
    /// Why a coordinator hid it (its author and coordinators only).
    pub hidden_reason: Option<String>,
    pub published_at: Option<i64>,
    /// The version shown: the published one, or, before any approval, the latest (seen only
    /// by its author and coordinators).
    pub version: Version,
    /// For its author and coordinators: the newer version being written or reviewed while the
    /// published one stays visible.
    pub revision: Option<Version>,
    /// Whether the person looking may change it now.
    pub editable: bool,
}

/// A published practice in a list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ExchangePracticeSummary)]
pub struct Summary {
    pub id: i64,
    pub region_code: String,
    pub region_name: String,
    pub title: String,
    pub summary: String,
    pub funds: Vec<String>,
    pub phases: Vec<String>,
    pub topics: Vec<String>,
    /// draft, pending, returned, published or hidden.
    pub status: String,
    pub updated_at: i64,
}

/// Which practices to list.
#[derive(Debug, Clone, Default)]
pub struct PracticeFilter {
    pub fund: Option<Fund>,
    pub phase: Option<Phase>,
    pub topic: Option<String>,
    pub region: Option<String>,
    /// The person's own practices, in every state (otherwise: the published ones).
    pub mine: bool,
}

#[derive(FromRow)]
struct PracticeRow {
    id: i64,
    region_code: String,
    region_name: String,
    author_id: i64,
    author_name: String,
    author_erased: i64,
    published_version_id: Option<i64>,
    published_at: Option<i64>,
    hidden_reason: Option<String>,
    latest_id: i64,
    latest_state: String,
}

#[derive(FromRow)]
struct VersionRow {
    id: i64,
    number: i64,
    state: String,
    title: String,
    summary: String,
    funds: String,
    phases: String,
    topics: String,
    cost_options: String,
    what_done: String,
    act_reference: String,
    act_url: String,
    budget_eur: Option<i64>,
    people_trained: Option<i64>,
    results: String,
    lessons: String,
    contact_name: String,
    contact_email: String,
    review_comment: Option<String>,
    submitted_at: Option<i64>,
    reviewed_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

const REMOVED: &str = "utente rimosso";

const PRACTICE_SELECT: &str =
    "SELECT p.id, p.region_code, COALESCE(r.name, p.region_code) AS region_name, p.author_id, \
     u.name AS author_name, u.erased AS author_erased, p.published_version_id, p.published_at, p.hidden_reason, \
     v.id AS latest_id, v.state AS latest_state \
     FROM exchange_practices p JOIN users u ON u.id = p.author_id LEFT JOIN regions r ON r.code = p.region_code \
     JOIN exchange_practice_versions v ON v.practice_id = p.id \
     AND v.number = (SELECT MAX(x.number) FROM exchange_practice_versions x WHERE x.practice_id = p.id)";

const VERSION_COLUMNS: &str = "id, number, state, title, summary, funds, phases, topics, cost_options, what_done, \
     act_reference, act_url, budget_eur, people_trained, results, lessons, contact_name, contact_email, review_comment, \
     submitted_at, reviewed_at, created_at, updated_at";

fn json_list(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
}

fn to_json(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// Whether the viewer may see every version of a practice (its author, coordinators).
fn insider(viewer: &User, author_id: i64) -> bool {
    viewer.id == author_id || viewer.role == Role::Coordinator
}

/// A practice's status: hidden, published, or else its latest version's state.
fn status(hidden_reason: &Option<String>, published_version_id: Option<i64>, latest_state: &str) -> String {
    if hidden_reason.is_some() {
        "hidden".into()
    } else if published_version_id.is_some() {
        "published".into()
    } else {
        latest_state.to_string()
    }
}

fn number(checks: &mut Checks, field: &'static str, value: &str, max: i64) -> Option<i64> {
    let t: String = value.trim().chars().filter(|c| !matches!(c, '.' | ' ' | '\u{a0}' | '€')).collect();
    if t.is_empty() {
        return None;
    }
    match t.parse::<i64>() {
        Ok(n) if (0..=max).contains(&n) => Some(n),
        _ => {
            checks.fail(Refusal::invalid(
                field,
                format!("Scrivi un numero intero tra 0 e {max}, senza decimali (hai scritto \"{}\").", value.trim()),
                format!("Write a whole number from 0 to {max}, without decimals (you wrote \"{}\").", value.trim()),
            ));
            None
        }
    }
}

/// Each value of `values` known to `known`, once; the first unknown one refused.
fn from_list(
    checks: &mut Checks,
    field: &'static str,
    values: &[String],
    known: impl Fn(&str) -> Option<String>,
) -> Vec<String> {
    if let Err(e) = refusal::at_most(field, values) {
        checks.fail(e);
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for v in values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        match known(v) {
            Some(k) if !out.contains(&k) => out.push(k),
            Some(_) => {}
            None => {
                checks.fail(Refusal::invalid(
                    field,
                    format!("Valore sconosciuto \"{v}\"."),
                    format!("Unknown value \"{v}\"."),
                ));
                break;
            }
        }
    }
    out
}

/// A practice's input checked, every wrong field reported at once.
struct Checked {
    title: String,
    summary: String,
    funds: Vec<String>,
    phases: Vec<String>,
    topics: Vec<String>,
    cost_options: Vec<String>,
    what_done: String,
    act_reference: String,
    act_url: String,
    budget_eur: Option<i64>,
    people_trained: Option<i64>,
    results: String,
    lessons: String,
    contact_name: String,
    contact_email: String,
}

fn checked(input: &PracticeInput, vocabulary: &Topics) -> Result<Checked, Refusal> {
    let mut c = Checks::default();
    let title = text(
        &mut c,
        "title",
        &input.title,
        TITLE_MAX,
        Some(("Dai un titolo all'esperienza.", "Give the practice a title.")),
    );
    let summary = text(
        &mut c,
        "summary",
        &input.summary,
        SUMMARY_MAX,
        Some(("Riassumi l'esperienza in poche righe.", "Summarise the practice in a few lines.")),
    );
    let funds = from_list(&mut c, "funds", &input.funds, |f| Fund::parse(f).map(|f| f.as_str().to_string()));
    if funds.is_empty() && !c.failed("funds") {
        c.fail(Refusal::invalid("funds", "Indica almeno un fondo.", "Choose at least one fund."));
    }
    let phases = from_list(&mut c, "phases", &input.phases, |p| Phase::parse(p).map(|p| p.as_str().to_string()));
    if phases.is_empty() && !c.failed("phases") {
        c.fail(Refusal::invalid("phases", "Indica almeno una fase.", "Choose at least one phase."));
    }
    let topics = from_list(&mut c, "topics", &input.topics, |t| vocabulary.contains(t).then(|| t.to_string()));
    let cost_options = from_list(&mut c, "cost_options", &input.cost_options, |o| {
        COST_OPTIONS.iter().find(|(code, _, _)| *code == o).map(|(code, _, _)| code.to_string())
    });
    let what_done = text(
        &mut c,
        "what_done",
        &input.what_done,
        TEXT_MAX,
        Some(("Racconta che cosa avete fatto.", "Tell what you did.")),
    );
    let act_reference = text(&mut c, "act_reference", &input.act_reference, SHORT_MAX, None);
    let act_url = text(&mut c, "act_url", &input.act_url, SHORT_MAX, None);
    if !act_url.is_empty() && !c.failed("act_url") {
        let ok = url::Url::parse(&act_url).map(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
        if ok != Ok(true) {
            c.fail(Refusal::invalid(
                "act_url",
                "Il link all'atto deve essere un indirizzo completo, che inizia con https://.",
                "The link to the act must be a full address starting with https://.",
            ));
        }
    }
    let budget_eur = number(&mut c, "budget_eur", &input.budget_eur, 100_000_000_000);
    let people_trained = number(&mut c, "people_trained", &input.people_trained, 10_000_000);
    let results = text(&mut c, "results", &input.results, TEXT_MAX, None);
    let lessons = text(&mut c, "lessons", &input.lessons, TEXT_MAX, None);
    let contact_name = text(
        &mut c,
        "contact_name",
        &input.contact_name,
        SHORT_MAX,
        Some(("Indica una persona di contatto della Regione.", "Name a contact person of the Region.")),
    );
    let contact_email = text(
        &mut c,
        "contact_email",
        &input.contact_email,
        SHORT_MAX,
        Some(("Indica l'indirizzo email del contatto.", "Give the contact's email address.")),
    )
    .to_lowercase();
    if !contact_email.is_empty() && crate::email::EmailAddress::parse(&contact_email).is_none() {
        c.fail(Refusal::invalid(
            "contact_email",
            format!("Indirizzo email non valido: \"{contact_email}\"."),
            format!("Invalid email address: \"{contact_email}\"."),
        ));
    }
    c.done()?;
    Ok(Checked {
        title,
        summary,
        funds,
        phases,
        topics,
        cost_options,
        what_done,
        act_reference,
        act_url,
        budget_eur,
        people_trained,
        results,
        lessons,
        contact_name,
        contact_email,
    })
}

fn hidden_refusal() -> Refusal {
    Refusal::state(
        "L'esperienza è stata nascosta dal coordinamento: non si modifica più.",
        "The practice was hidden by the coordinators: it can no longer be changed.",
    )
}

impl Exchange {
    async fn practice_row(&self, conn: &mut AnyConnection, id: i64) -> Result<Option<PracticeRow>, sqlx::Error> {
        sqlx::query_as(&format!("{PRACTICE_SELECT} WHERE p.id = $1")).bind(id).fetch_optional(conn).await
    }

    /// The practice's row if the viewer may see it.
    async fn visible_row(&self, conn: &mut AnyConnection, viewer: &User, id: i64) -> Result<PracticeRow, Refusal> {
        let r = self.practice_row(conn, id).await?.ok_or(Refusal::NotFound)?;
        let public = r.published_version_id.is_some() && r.hidden_reason.is_none();
        if public || insider(viewer, r.author_id) {
            Ok(r)
        } else {
            Err(Refusal::NotFound)
        }
    }

    async fn version(&self, conn: &mut AnyConnection, id: i64) -> Result<Version, Refusal> {
        let r: VersionRow =
            sqlx::query_as(&format!("SELECT {VERSION_COLUMNS} FROM exchange_practice_versions WHERE id = $1"))
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or(Refusal::NotFound)?;
        let attachments = attachments_of(conn, id).await?;
        Ok(Version {
            id: r.id,
            number: r.number,
            state: r.state,
            title: r.title,
            summary: r.summary,
            funds: json_list(&r.funds),
            phases: json_list(&r.phases),
            topics: json_list(&r.topics),
            cost_options: json_list(&r.cost_options),
            what_done_html: markdown::to_html(&r.what_done),
            what_done: r.what_done,
            act_reference: r.act_reference,
            act_url: r.act_url,
            budget_eur: r.budget_eur,
            people_trained: r.people_trained,
            results_html: markdown::to_html(&r.results),
            results: r.results,
            lessons_html: markdown::to_html(&r.lessons),
            lessons: r.lessons,
            contact_name: r.contact_name,
            contact_email: r.contact_email,
            review_comment: r.review_comment,
            submitted_at: r.submitted_at,
            reviewed_at: r.reviewed_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
            attachments,
        })
    }

    async fn practice_of(&self, conn: &mut AnyConnection, viewer: &User, r: PracticeRow) -> Result<Practice, Refusal> {
        let inside = insider(viewer, r.author_id);
        let shown_id = match r.published_version_id {
            Some(p) => p,
            None => r.latest_id,
        };
        let version = self.version(conn, shown_id).await?;
        let revision =
            if inside && r.latest_id != shown_id { Some(self.version(conn, r.latest_id).await?) } else { None };
        let mine = r.author_id == viewer.id;
        let hidden = r.hidden_reason.is_some();
        Ok(Practice {
            id: r.id,
            status: status(&r.hidden_reason, r.published_version_id, &r.latest_state),
            region_code: r.region_code,
            region_name: r.region_name,
            author_name: if r.author_erased != 0 { REMOVED.into() } else { r.author_name },
            mine,
            hidden_reason: r.hidden_reason.filter(|_| inside),
            published_at: r.published_at,
            version,
            revision,
            editable: mine && !hidden,
        })
    }

    /// One practice, if the person may see it.
    pub async fn practice(&self, viewer: &User, id: i64) -> Result<Practice, Refusal> {
        let mut conn = self.db.pool().acquire().await?;
        let r = self.visible_row(&mut conn, viewer, id).await?;
        self.practice_of(&mut conn, viewer, r).await
    }

    /// Practices the person may see: the published ones (filtered), or with `mine` their own
    /// in every state; newest first. (page, total)
    pub async fn practices(
        &self,
        viewer: &User,
        f: &PracticeFilter,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<Summary>, i64), Refusal> {
        self.summaries(viewer.id, f, limit, offset).await
    }

    async fn summaries(
        &self,
        viewer: i64,
        f: &PracticeFilter,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<Summary>, i64), Refusal> {
        // The filters are checked words (fund, phase, topic slugs, Region codes) bound as
        // parameters; only fixed SQL is formatted in.
        let shown = if f.mine { "v.id" } else { "p.published_version_id" };
        let mut sql = format!(
            "SELECT p.id, p.region_code, COALESCE(r.name, p.region_code) AS region_name, s.title, s.summary, s.funds, \
             s.phases, s.topics, p.hidden_reason, p.published_version_id, v.state AS latest_state, p.updated_at \
             FROM exchange_practices p LEFT JOIN regions r ON r.code = p.region_code \
             JOIN exchange_practice_versions v ON v.practice_id = p.id \
             AND v.number = (SELECT MAX(x.number) FROM exchange_practice_versions x WHERE x.practice_id = p.id) \
             JOIN exchange_practice_versions s ON s.id = {shown} \
             WHERE s.funds LIKE $2 AND s.phases LIKE $3 AND s.topics LIKE $4 AND p.region_code LIKE $5"
        );
        if f.mine {
            sql.push_str(" AND p.author_id = $1");
        } else {
            sql.push_str(" AND p.hidden_reason IS NULL AND $1 = $1");
        }
        let like = |v: Option<&str>| v.map(|v| format!("%\"{v}\"%")).unwrap_or_else(|| "%".into());
        let fund = like(f.fund.map(Fund::as_str));
        let phase = like(f.phase.map(Phase::as_str));
        let topic = like(f.topic.as_deref());
        let region = f.region.clone().unwrap_or_else(|| "%".into());
        #[derive(FromRow)]
        struct Row {
            id: i64,
            region_code: String,
            region_name: String,
            title: String,
            summary: String,
            funds: String,
            phases: String,
            topics: String,
            hidden_reason: Option<String>,
            published_version_id: Option<i64>,
            latest_state: String,
            updated_at: i64,
        }
        let rows: Vec<Row> =
            sqlx::query_as(&format!("{sql} ORDER BY p.updated_at DESC, p.id DESC LIMIT {limit} OFFSET {offset}"))
                .bind(viewer)
                .bind(&fund)
                .bind(&phase)
                .bind(&topic)
                .bind(&region)
                .fetch_all(self.db.pool())
                .await?;
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM ({sql}) counted"))
            .bind(viewer)
            .bind(&fund)
            .bind(&phase)
            .bind(&topic)
            .bind(&region)
            .fetch_one(self.db.pool())
            .await?;
        let items = rows
            .into_iter()
            .map(|r| Summary {
                status: status(&r.hidden_reason, r.published_version_id, &r.latest_state),
                id: r.id,
                region_code: r.region_code,
                region_name: r.region_name,
                title: r.title,
                summary: r.summary,
                funds: json_list(&r.funds),
                phases: json_list(&r.phases),
                topics: json_list(&r.topics),
                updated_at: r.updated_at,
            })
            .collect();
        Ok((items, total))
    }

    /// Starts a practice of the officer's own Region: a draft, or sent for review at once.
    pub async fn create_practice(
        &self,
        user: &User,
        input: &PracticeInput,
        submit: bool,
        vocabulary: &Topics,
    ) -> Result<Practice, Refusal> {
        let region = match (user.role, &user.region_code) {
            (Role::Officer, Some(r)) => r.clone(),
            _ => {
                return Err(Refusal::forbidden(
                    "Le esperienze le pubblicano i referenti regionali, per la propria Regione.",
                    "Practices are published by regional officers, for their own Region.",
                ))
            }
        };
        let c = checked(input, vocabulary)?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO exchange_practices (region_code, author_id, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id",
        )
        .bind(&region)
        .bind(user.id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        insert_version(&mut tx, id, 1, if submit { "pending" } else { "draft" }, &c, now).await?;
        tx.commit().await?;
        self.practice(user, id).await
    }

    /// The author's practice, locked for a change, with its latest version's id and state.
    async fn own_latest(
        &self,
        conn: &mut AnyConnection,
        user: &User,
        id: i64,
    ) -> Result<(PracticeRow, i64, String), Refusal> {
        self.db.lock_key(conn, &format!("exchange-practice:{id}")).await?;
        let r = self.visible_row(conn, user, id).await?;
        if r.author_id != user.id {
            return Err(Refusal::forbidden(
                "Un'esperienza la modifica chi l'ha scritta.",
                "A practice is changed by whoever wrote it.",
            ));
        }
        if r.hidden_reason.is_some() {
            return Err(hidden_refusal());
        }
        let (latest, state) = (r.latest_id, r.latest_state.clone());
        Ok((r, latest, state))
    }

    /// The version the author works on: the latest one, or, when the latest is the published
    /// one, a new draft that starts as its copy (attachments included).
    async fn working_version(
        &self,
        conn: &mut AnyConnection,
        r: &PracticeRow,
        latest: i64,
        state: &str,
    ) -> Result<i64, Refusal> {
        if state != "approved" {
            return Ok(latest);
        }
        let now = self.now();
        let number: i64 = sqlx::query_scalar("SELECT number FROM exchange_practice_versions WHERE id = $1")
            .bind(latest)
            .fetch_one(&mut *conn)
            .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO exchange_practice_versions (practice_id, number, state, title, summary, funds, phases, topics, \
             cost_options, what_done, act_reference, act_url, budget_eur, people_trained, results, lessons, contact_name, \
             contact_email, created_at, updated_at) \
             SELECT practice_id, $1, 'draft', title, summary, funds, phases, topics, cost_options, what_done, act_reference, \
             act_url, budget_eur, people_trained, results, lessons, contact_name, contact_email, $2, $2 \
             FROM exchange_practice_versions WHERE id = $3 RETURNING id"
        )
        .bind(number + 1)
        .bind(now)
        .bind(latest)
        .fetch_one(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO exchange_attachments (version_id, file_id, name, created_at) \
             SELECT $1, file_id, name, created_at FROM exchange_attachments WHERE version_id = $2 ORDER BY id",
        )
        .bind(id)
        .bind(latest)
        .execute(&mut *conn)
        .await?;
        touch(conn, r.id, now).await?;
        Ok(id)
    }

    /// Changes a practice (its author): the version being written changes in place; a published
    /// practice gets a new version, reviewed again while the published one stays visible.
    /// `submit` sends it for review; otherwise it is kept as a draft.
    pub async fn edit_practice(
        &self,
        user: &User,
        id: i64,
        input: &PracticeInput,
        submit: bool,
        vocabulary: &Topics,
    ) -> Result<Practice, Refusal> {
        let c = checked(input, vocabulary)?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let (r, latest, state) = self.own_latest(&mut tx, user, id).await?;
        let version = self.working_version(&mut tx, &r, latest, &state).await?;
        write_version(&mut tx, version, if submit { "pending" } else { "draft" }, &c, now).await?;
        touch(&mut tx, id, now).await?;
        tx.commit().await?;
        self.practice(user, id).await
    }

    /// Sends the version being written for review (its author).
    pub async fn submit_practice(&self, user: &User, id: i64) -> Result<Practice, Refusal> {
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let (_, latest, state) = self.own_latest(&mut tx, user, id).await?;
        match state.as_str() {
            "draft" | "returned" => {}
            "pending" => {
                return Err(Refusal::state(
                    "L'esperienza è già in attesa di revisione.",
                    "The practice is already awaiting review.",
                ))
            }
            _ => {
                return Err(Refusal::state(
                    "Non ci sono modifiche da inviare: l'esperienza pubblicata è già quella approvata.",
                    "There are no changes to send: the published practice is the approved one.",
                ))
            }
        }
        sqlx::query(
            "UPDATE exchange_practice_versions SET state = 'pending', submitted_at = $1, updated_at = $1 WHERE id = $2",
        )
        .bind(now)
        .bind(latest)
        .execute(&mut *tx)
        .await?;
        touch(&mut tx, id, now).await?;
        tx.commit().await?;
        self.practice(user, id).await
    }

    /// The latest version of a practice, locked, when it awaits review (coordinators).
    async fn under_review(&self, conn: &mut AnyConnection, id: i64) -> Result<(PracticeRow, i64), Refusal> {
        self.db.lock_key(conn, &format!("exchange-practice:{id}")).await?;
        let r = self.practice_row(conn, id).await?.ok_or(Refusal::NotFound)?;
        if r.latest_state != "pending" {
            return Err(Refusal::state(
                "Questa esperienza non è in attesa di revisione.",
                "This practice is not awaiting review.",
            ));
        }
        let latest = r.latest_id;
        Ok((r, latest))
    }

    /// Approves the version awaiting review: it becomes the published one, and the one published
    /// before it is kept in the history.
    pub async fn approve_practice(&self, coordinator: &User, id: i64) -> Result<Practice, Refusal> {
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let (r, latest) = self.under_review(&mut tx, id).await?;
        if let Some(old) = r.published_version_id {
            sqlx::query("UPDATE exchange_practice_versions SET state = 'superseded', updated_at = $1 WHERE id = $2")
                .bind(now)
                .bind(old)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "UPDATE exchange_practice_versions SET state = 'approved', review_comment = NULL, reviewed_by = $1, \
             reviewed_at = $2, updated_at = $2 WHERE id = $3",
        )
        .bind(coordinator.id)
        .bind(now)
        .bind(latest)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE exchange_practices SET published_version_id = $1, published_at = COALESCE(published_at, $2), \
             updated_at = $2 WHERE id = $3",
        )
        .bind(latest)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        record_change(&mut tx, "practice", id, now).await?;
        if r.published_version_id.is_none() && r.hidden_reason.is_none() {
            // Newly published: followers of its topics and funds hear of it.
            let v = self.version(&mut tx, latest).await?;
            let news = News {
                kind: MailKind::Practice,
                item: id,
                title: &v.title,
                path: format!("/scambio/esperienze/{id}"),
                question: None,
                topics: &v.topics,
                funds: &v.funds,
                actor: r.author_id,
                detail: r.region_name.clone(),
            };
            self.tell_followers(&mut tx, &news).await?;
        }
        tx.commit().await?;
        self.outbox.wake();
        self.practice(coordinator, id).await
    }

    /// Sends the version awaiting review back to its author with a comment.
    pub async fn return_practice(&self, coordinator: &User, id: i64, comment: &str) -> Result<Practice, Refusal> {
        let mut c = Checks::default();
        let comment = text(
            &mut c,
            "comment",
            comment,
            2_000,
            Some((
                "Scrivi che cosa va cambiato: chi l'ha scritta lo legge.",
                "Say what should change: its author reads it.",
            )),
        );
        c.done()?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let (_, latest) = self.under_review(&mut tx, id).await?;
        sqlx::query(
            "UPDATE exchange_practice_versions SET state = 'returned', review_comment = $1, reviewed_by = $2, \
             reviewed_at = $3, updated_at = $3 WHERE id = $4",
        )
        .bind(&comment)
        .bind(coordinator.id)
        .bind(now)
        .bind(latest)
        .execute(&mut *tx)
        .await?;
        touch(&mut tx, id, now).await?;
        tx.commit().await?;
        self.practice(coordinator, id).await
    }

    /// Hides a practice (coordinators) with a reason its author reads.
    pub async fn hide_practice(&self, coordinator: &User, id: i64, reason: &str) -> Result<Practice, Refusal> {
        let mut c = Checks::default();
        let reason = text(
            &mut c,
            "reason",
            reason,
            REASON_MAX,
            Some((
                "Scrivi perché la nascondi: chi l'ha scritta lo legge.",
                "Say why you hide it: its author reads it.",
            )),
        );
        c.done()?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let done = sqlx::query(
            "UPDATE exchange_practices SET hidden_reason = $1, hidden_by = $2, hidden_at = $3, updated_at = $3 WHERE id = $4",
        )
        .bind(&reason)
        .bind(coordinator.id)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(Refusal::NotFound);
        }
        record_change(&mut tx, "practice", id, now).await?;
        tx.commit().await?;
        self.practice(coordinator, id).await
    }

    /// Every version of a practice, newest first (its author and coordinators).
    pub async fn practice_versions(&self, viewer: &User, id: i64) -> Result<Vec<Version>, Refusal> {
        let mut conn = self.db.pool().acquire().await?;
        let r = self.visible_row(&mut conn, viewer, id).await?;
        if !insider(viewer, r.author_id) {
            return Err(Refusal::forbidden(
                "La storia delle versioni la vedono chi ha scritto l'esperienza e il coordinamento.",
                "The version history is seen by the practice's author and by the coordinators.",
            ));
        }
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM exchange_practice_versions WHERE practice_id = $1 ORDER BY number DESC")
                .bind(id)
                .fetch_all(&mut *conn)
                .await?;
        let mut out = Vec::with_capacity(ids.len());
        for v in ids {
            out.push(self.version(&mut conn, v).await?);
        }
        Ok(out)
    }

    /// Practices awaiting review, the longest waiting first (coordinators).
    pub async fn review_queue(&self, coordinator: &User) -> Result<Vec<Practice>, Refusal> {
        let mut conn = self.db.pool().acquire().await?;
        let rows: Vec<PracticeRow> =
            sqlx::query_as(&format!("{PRACTICE_SELECT} WHERE v.state = 'pending' ORDER BY v.submitted_at, p.id"))
                .fetch_all(&mut *conn)
                .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.practice_of(&mut conn, coordinator, r).await?);
        }
        Ok(out)
    }

    /// Attaches a file to the version being written (its author); the content decides the
    /// type, at most [`files::FILE_MAX`] bytes and [`FILES_PER_PRACTICE`] files.
    pub async fn attach(&self, user: &User, id: i64, name: &str, data: &[u8]) -> Result<Attachment, Refusal> {
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let (r, latest, state) = self.own_latest(&mut tx, user, id).await?;
        let kind = files::recognise(data)?;
        let name = files::clean_name(name, kind);
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM exchange_attachments WHERE version_id = $1")
            .bind(latest)
            .fetch_one(&mut *tx)
            .await?;
        if count >= FILES_PER_PRACTICE as i64 {
            return Err(Refusal::invalid(
                "file",
                format!("Un'esperienza ha al massimo {FILES_PER_PRACTICE} allegati: togline uno prima di aggiungerne un altro."),
                format!("A practice has at most {FILES_PER_PRACTICE} attachments: remove one before adding another."),
            ));
        }
        let version = self.working_version(&mut tx, &r, latest, &state).await?;
        let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(data));
        let file: i64 = sqlx::query_scalar(
            "INSERT INTO exchange_files (kind, size, sha256, data, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(kind.as_str())
        .bind(data.len() as i64)
        .bind(&sha)
        .bind(data.to_vec())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let attachment: i64 = sqlx::query_scalar(
            "INSERT INTO exchange_attachments (version_id, file_id, name, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(version)
        .bind(file)
        .bind(&name)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        touch(&mut tx, id, now).await?;
        tx.commit().await?;
        Ok(Attachment { id: attachment, name, kind: kind.as_str().into(), size: data.len() as i64 })
    }

    /// Removes an attachment from the version being written (its author). From a published
    /// version it goes from a new version, reviewed again; the published one keeps it.
    /// Answers the practice's id.
    pub async fn detach(&self, user: &User, attachment: i64) -> Result<i64, Refusal> {
        let found: Option<(i64, i64)> = sqlx::query_as(
            "SELECT v.practice_id, a.file_id FROM exchange_attachments a \
             JOIN exchange_practice_versions v ON v.id = a.version_id WHERE a.id = $1",
        )
        .bind(attachment)
        .fetch_optional(self.db.pool())
        .await?;
        let (id, file) = found.ok_or(Refusal::NotFound)?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let (r, latest, state) = self.own_latest(&mut tx, user, id).await?;
        let version = self.working_version(&mut tx, &r, latest, &state).await?;
        let done = sqlx::query("DELETE FROM exchange_attachments WHERE version_id = $1 AND file_id = $2")
            .bind(version)
            .bind(file)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Refusal::state(
                "Questo allegato non è nella versione in lavorazione.",
                "This attachment is not in the version being written.",
            ));
        }
        touch(&mut tx, id, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// An attachment's description and bytes, if the person may see the version it is in.
    pub async fn attachment(&self, viewer: &User, id: i64) -> Result<(Attachment, Kind, Vec<u8>), Refusal> {
        #[derive(FromRow)]
        struct Row {
            practice_id: i64,
            version_id: i64,
            name: String,
            kind: String,
            size: i64,
            data: Vec<u8>,
        }
        let row: Row = sqlx::query_as(
            "SELECT v.practice_id, a.version_id, a.name, f.kind, f.size, f.data FROM exchange_attachments a \
             JOIN exchange_files f ON f.id = a.file_id JOIN exchange_practice_versions v ON v.id = a.version_id \
             WHERE a.id = $1",
        )
        .bind(id)
        .fetch_optional(self.db.pool())
        .await?
        .ok_or(Refusal::NotFound)?;
        let mut conn = self.db.pool().acquire().await?;
        let p = self.visible_row(&mut conn, viewer, row.practice_id).await?;
        if !insider(viewer, p.author_id) && p.published_version_id != Some(row.version_id) {
            return Err(Refusal::NotFound);
        }
        let kind = Kind::parse(&row.kind).ok_or(Refusal::NotFound)?;
        Ok((Attachment { id, name: row.name, kind: row.kind, size: row.size }, kind, row.data))
    }

    /// Published practices that share the fund and a phase or a topic with what is given, the
    /// closest first (the guide page's "how the Regions did it").
    pub async fn related_practices(
        &self,
        funds: &[Fund],
        phase: Phase,
        topics: &[String],
        limit: usize,
    ) -> Result<Vec<Summary>, Refusal> {
        let mut scored: Vec<(usize, Summary)> = Vec::new();
        let mut offset = 0;
        loop {
            let (page, total) = self.summaries(0, &PracticeFilter::default(), 200, offset).await?;
            offset += page.len() as i64;
            for s in page {
                let fund = s.funds.iter().any(|f| funds.iter().any(|g| g.as_str() == f));
                let shared_topics = s.topics.iter().filter(|t| topics.contains(t)).count();
                let shared_phase = usize::from(s.phases.iter().any(|p| p == phase.as_str()));
                if fund && shared_topics + shared_phase > 0 {
                    scored.push((2 * shared_topics + shared_phase, s));
                }
            }
            if offset >= total || offset == 0 {
                break;
            }
        }
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.updated_at.cmp(&a.1.updated_at)));
        Ok(scored.into_iter().take(limit).map(|(_, s)| s).collect())
    }
}

async fn attachments_of(conn: &mut AnyConnection, version: i64) -> Result<Vec<Attachment>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.id, a.name, f.kind, f.size FROM exchange_attachments a JOIN exchange_files f ON f.id = a.file_id \
         WHERE a.version_id = $1 ORDER BY a.id",
    )
    .bind(version)
    .fetch_all(conn)
    .await
}

async fn touch(conn: &mut AnyConnection, id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE exchange_practices SET updated_at = $1 WHERE id = $2").bind(now).bind(id).execute(conn).await?;
    Ok(())
}

/// A new version of `practice` with `c` as its content.
async fn insert_version(
    conn: &mut AnyConnection,
    practice: i64,
    number: i64,
    state: &str,
    c: &Checked,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO exchange_practice_versions (practice_id, number, state, title, summary, what_done, contact_name, \
         contact_email, created_at, updated_at) VALUES ($1, $2, 'draft', '', '', '', '', '', $3, $3) RETURNING id",
    )
    .bind(practice)
    .bind(number)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    write_version(conn, id, state, c, now).await?;
    Ok(id)
}

/// Writes `c` into a version, in `state`; a version sent for review records when it was sent.
async fn write_version(
    conn: &mut AnyConnection,
    version: i64,
    state: &str,
    c: &Checked,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE exchange_practice_versions SET state = $1, title = $2, summary = $3, funds = $4, phases = $5, topics = $6, \
         cost_options = $7, what_done = $8, act_reference = $9, act_url = $10, budget_eur = $11, people_trained = $12, \
         results = $13, lessons = $14, contact_name = $15, contact_email = $16, \
         submitted_at = CASE WHEN $1 = 'pending' THEN $17 ELSE NULL END, updated_at = $17 WHERE id = $18",
    )
    .bind(state)
    .bind(&c.title)
    .bind(&c.summary)
    .bind(to_json(&c.funds))
    .bind(to_json(&c.phases))
    .bind(to_json(&c.topics))
    .bind(to_json(&c.cost_options))
    .bind(&c.what_done)
    .bind(&c.act_reference)
    .bind(&c.act_url)
    .bind(c.budget_eur)
    .bind(c.people_trained)
    .bind(&c.results)
    .bind(&c.lessons)
    .bind(&c.contact_name)
    .bind(&c.contact_email)
    .bind(now)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(())
}
