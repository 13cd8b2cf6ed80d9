//! Questions between Regions, their answers, the accepted answer, moderation and reports.
//! Who sees what: a visible item is seen by every signed-in person; a hidden one only by its
//! author (with the reason) and by coordinators. An erased account's questions and answers
//! stay, signed "utente rimosso".

use serde::Serialize;
use sqlx::{AnyConnection, FromRow};

use super::follows::{MailKind, News};
use super::index::record_change;
use super::{markdown, Exchange, EDIT_WINDOW_MS, QUESTIONS_PER_DAY, REASON_MAX, TEXT_MAX, TITLE_MAX};
use crate::accounts::{Role, User};
use crate::guides::{Fund, Topics};
use crate::refusal::{self, Checks, Refusal};

/// What a person writes when asking (or editing) a question.
#[derive(Debug, Clone, Default)]
pub struct QuestionInput {
    pub title: String,
    pub body: String,
    pub fund: Option<String>,
    pub topics: Vec<String>,
}

/// A question as a given person sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ExchangeQuestion)]
pub struct Question {
    pub id: i64,
    pub title: String,
    /// Markdown as written.
    pub body: String,
    /// The Markdown as safe HTML.
    pub body_html: String,
    pub fund: Option<String>,
    pub topics: Vec<String>,
    /// "utente rimosso" for an erased account.
    pub author_name: String,
    pub author_region: Option<String>,
    /// Whether the person looking wrote it.
    pub mine: bool,
    /// `visible` or `hidden`.
    pub state: String,
    /// Why a coordinator hid it (shown to its author and to coordinators only).
    pub hidden_reason: Option<String>,
    /// It has an accepted answer.
    pub answered: bool,
    pub accepted_answer_id: Option<i64>,
    /// Answers the person looking can see.
    pub answers: i64,
    pub created_at: i64,
    /// When its author last changed it, if ever.
    pub edited_at: Option<i64>,
    /// Whether the person looking may edit it now.
    pub editable: bool,
}

/// An answer as a given person sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ExchangeAnswer)]
pub struct Answer {
    pub id: i64,
    pub question_id: i64,
    pub body: String,
    pub body_html: String,
    pub author_name: String,
    pub author_role: String,
    pub author_region: Option<String>,
    pub mine: bool,
    pub state: String,
    pub hidden_reason: Option<String>,
    pub accepted: bool,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    pub editable: bool,
}

/// What a report or a hiding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = ExchangeItem)]
pub enum Item {
    Question,
    Answer,
}

impl Item {
    pub fn as_str(self) -> &'static str {
        match self {
            Item::Question => "question",
            Item::Answer => "answer",
        }
    }

    fn table(self) -> &'static str {
        match self {
            Item::Question => "exchange_questions",
            Item::Answer => "exchange_answers",
        }
    }
}

/// A report in the coordinators' queue.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, FromRow)]
#[schema(as = ExchangeReport)]
pub struct Report {
    pub id: i64,
    /// `question` or `answer`.
    pub item: String,
    pub item_id: i64,
    /// The question the item belongs to (for a link).
    pub question_id: i64,
    pub reporter_name: String,
    pub reason: String,
    /// `open` or `handled`.
    pub state: String,
    pub created_at: i64,
}

/// Which questions to list.
#[derive(Debug, Clone, Default)]
pub struct QuestionFilter {
    pub fund: Option<Fund>,
    pub topic: Option<String>,
    /// Only questions with (true) or without (false) an accepted answer.
    pub answered: Option<bool>,
    /// Only the person's own questions.
    pub mine: bool,
}

#[derive(FromRow)]
struct QuestionRow {
    id: i64,
    author_id: i64,
    title: String,
    body: String,
    fund: Option<String>,
    topics: String,
    state: String,
    hidden_reason: Option<String>,
    accepted_answer_id: Option<i64>,
    created_at: i64,
    edited_at: Option<i64>,
    author_name: String,
    author_erased: i64,
    author_region: Option<String>,
    answers: i64,
}

#[derive(FromRow)]
struct AnswerRow {
    id: i64,
    question_id: i64,
    author_id: i64,
    body: String,
    state: String,
    hidden_reason: Option<String>,
    created_at: i64,
    edited_at: Option<i64>,
    author_name: String,
    author_erased: i64,
    author_role: String,
    author_region: Option<String>,
}

const REMOVED: &str = "utente rimosso";

/// `AND (...)`: the rows of `alias` the viewer may see (`$1` is the viewer's id).
fn seen_by(viewer: &User, alias: &str) -> String {
    if viewer.role == Role::Coordinator {
        String::new()
    } else {
        format!(" AND ({alias}.state = 'visible' OR {alias}.author_id = $1)")
    }
}

fn question_select(viewer: &User) -> String {
    format!(
        "SELECT q.id, q.author_id, q.title, q.body, q.fund, q.topics, q.state, q.hidden_reason, q.accepted_answer_id, \
         q.created_at, q.edited_at, u.name AS author_name, u.erased AS author_erased, u.region_code AS author_region, \
         (SELECT COUNT(*) FROM exchange_answers a WHERE a.question_id = q.id{}) AS answers \
         FROM exchange_questions q JOIN users u ON u.id = q.author_id WHERE 1 = 1{}",
        seen_by(viewer, "a"),
        seen_by(viewer, "q")
    )
}

/// A required text within `max` characters, or the refusal that says which rule it broke.
fn bounded(field: &'static str, value: &str, max: usize, empty_it: &str, empty_en: &str) -> Result<String, Refusal> {
    let mut checks = Checks::default();
    let t = super::text(&mut checks, field, value, max, Some((empty_it, empty_en)));
    checks.done().map(|()| t)
}

/// The question's input checked: the fields, the fund, the topics of the vocabulary.
fn checked(input: &QuestionInput, vocabulary: &Topics) -> Result<(String, String, Option<Fund>, Vec<String>), Refusal> {
    let title =
        bounded("title", &input.title, TITLE_MAX, "Scrivi la domanda in breve.", "Write the question in short.")?;
    let body = bounded(
        "body",
        &input.body,
        TEXT_MAX,
        "Spiega la domanda: il contesto aiuta chi risponde.",
        "Explain the question: context helps whoever answers.",
    )?;
    let fund = match input.fund.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
        None => None,
        Some(f) => Some(Fund::parse(f).ok_or_else(|| {
            Refusal::invalid(
                "fund",
                format!("Fondo sconosciuto \"{f}\": FSE+, FESR o JTF."),
                format!("Unknown fund \"{f}\": ESF+, ERDF or JTF."),
            )
        })?),
    };
    refusal::at_most("topics", &input.topics)?;
    let mut topics = Vec::new();
    for t in &input.topics {
        let t = t.trim();
        if t.is_empty() || topics.iter().any(|x: &String| x == t) {
            continue;
        }
        if !vocabulary.contains(t) {
            return Err(Refusal::invalid(
                "topics",
                format!("Tema sconosciuto \"{t}\"."),
                format!("Unknown topic \"{t}\"."),
            ));
        }
        topics.push(t.to_string());
    }
    Ok((title, body, fund, topics))
}

impl Exchange {
    fn question_of(&self, viewer: &User, r: QuestionRow) -> Question {
        let mine = r.author_id == viewer.id;
        let show_reason = mine || viewer.role == Role::Coordinator;
        Question {
            id: r.id,
            body_html: markdown::to_html(&r.body),
            title: r.title,
            body: r.body,
            fund: r.fund,
            topics: serde_json::from_str(&r.topics).unwrap_or_default(),
            author_name: if r.author_erased != 0 { REMOVED.into() } else { r.author_name },
            author_region: r.author_region,
            mine,
            state: r.state,
            hidden_reason: r.hidden_reason.filter(|_| show_reason),
            answered: r.accepted_answer_id.is_some(),
            accepted_answer_id: r.accepted_answer_id,
            answers: r.answers,
            editable: mine && self.now() - r.created_at <= EDIT_WINDOW_MS,
            created_at: r.created_at,
            edited_at: r.edited_at,
        }
    }

    fn answer_of(&self, viewer: &User, accepted: Option<i64>, r: AnswerRow) -> Answer {
        let mine = r.author_id == viewer.id;
        let show_reason = mine || viewer.role == Role::Coordinator;
        Answer {
            id: r.id,
            question_id: r.question_id,
            body_html: markdown::to_html(&r.body),
            body: r.body,
            author_name: if r.author_erased != 0 { REMOVED.into() } else { r.author_name },
            author_role: r.author_role,
            author_region: r.author_region,
            mine,
            state: r.state,
            hidden_reason: r.hidden_reason.filter(|_| show_reason),
            accepted: accepted == Some(r.id),
            editable: mine && self.now() - r.created_at <= EDIT_WINDOW_MS,
            created_at: r.created_at,
            edited_at: r.edited_at,
        }
    }

    async fn question_row(
        &self,
        conn: &mut AnyConnection,
        viewer: &User,
        id: i64,
    ) -> Result<Option<QuestionRow>, sqlx::Error> {
        sqlx::query_as(&format!("{} AND q.id = $2", question_select(viewer)))
            .bind(viewer.id)
            .bind(id)
            .fetch_optional(conn)
            .await
    }

    /// Asks a question; at most [`QUESTIONS_PER_DAY`] per person in 24 hours.
    pub async fn ask(&self, user: &User, input: &QuestionInput, vocabulary: &Topics) -> Result<Question, Refusal> {
        let (title, body, fund, topics) = checked(input, vocabulary)?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        self.db.lock_key(&mut tx, &format!("exchange-ask:{}", user.id)).await?;
        let recent: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM exchange_questions WHERE author_id = $1 AND created_at > $2")
                .bind(user.id)
                .bind(now - 24 * 3_600_000)
                .fetch_one(&mut *tx)
                .await?;
        if recent >= QUESTIONS_PER_DAY {
            return Err(Refusal::TooMany {
                it: format!("Hai già posto {QUESTIONS_PER_DAY} domande nelle ultime 24 ore: riprova più tardi."),
                en: format!("You have asked {QUESTIONS_PER_DAY} questions in the last 24 hours: try again later."),
            });
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO exchange_questions (author_id, title, body, fund, topics, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(user.id)
        .bind(&title)
        .bind(&body)
        .bind(fund.map(Fund::as_str))
        .bind(serde_json::to_string(&topics).unwrap_or_else(|_| "[]".into()))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        // Whoever asks follows the question.
        super::follows::insert_follow(&mut tx, user.id, &super::Target::Question(id), now).await?;
        record_change(&mut tx, "question", id, now).await?;
        tx.commit().await?;
        self.question(user, id).await
    }

    /// One question, if the person may see it.
    pub async fn question(&self, viewer: &User, id: i64) -> Result<Question, Refusal> {
        let mut conn = self.db.pool().acquire().await?;
        let row = self.question_row(&mut conn, viewer, id).await?.ok_or(Refusal::NotFound)?;
        Ok(self.question_of(viewer, row))
    }

    /// The answers to a question the person may see, oldest first, the accepted one included.
    pub async fn answers(&self, viewer: &User, question: &Question) -> Result<Vec<Answer>, Refusal> {
        let rows: Vec<AnswerRow> = sqlx::query_as(&format!(
            "SELECT a.id, a.question_id, a.author_id, a.body, a.state, a.hidden_reason, a.created_at, a.edited_at, \
             u.name AS author_name, u.erased AS author_erased, u.role AS author_role, u.region_code AS author_region \
             FROM exchange_answers a JOIN users u ON u.id = a.author_id WHERE a.question_id = $2{} ORDER BY a.created_at, a.id",
            seen_by(viewer, "a")
        ))
        .bind(viewer.id)
        .bind(question.id)
        .fetch_all(self.db.pool())
        .await?;
        Ok(rows.into_iter().map(|r| self.answer_of(viewer, question.accepted_answer_id, r)).collect())
    }

    /// Questions the person may see, newest first: (page, total).
    pub async fn questions(
        &self,
        viewer: &User,
        f: &QuestionFilter,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<Question>, i64), Refusal> {
        let mut conditions = String::new();
        if let Some(fund) = f.fund {
            // A fixed word, not input.
            conditions.push_str(&format!(" AND q.fund = '{}'", fund.as_str()));
        }
        if f.topic.is_some() {
            conditions.push_str(" AND q.topics LIKE $2");
        } else {
            conditions.push_str(" AND $2 = $2");
        }
        match f.answered {
            Some(true) => conditions.push_str(" AND q.accepted_answer_id IS NOT NULL"),
            Some(false) => conditions.push_str(" AND q.accepted_answer_id IS NULL"),
            None => {}
        }
        if f.mine {
            conditions.push_str(" AND q.author_id = $1");
        }
        let topic = f.topic.as_ref().map(|t| format!("%\"{t}\"%")).unwrap_or_default();
        let base = format!("{}{conditions}", question_select(viewer));
        let rows: Vec<QuestionRow> =
            sqlx::query_as(&format!("{base} ORDER BY q.created_at DESC, q.id DESC LIMIT {limit} OFFSET {offset}"))
                .bind(viewer.id)
                .bind(&topic)
                .fetch_all(self.db.pool())
                .await?;
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM ({base}) counted"))
            .bind(viewer.id)
            .bind(&topic)
            .fetch_one(self.db.pool())
            .await?;
        Ok((rows.into_iter().map(|r| self.question_of(viewer, r)).collect(), total))
    }

    /// Changes a question, by its author within 24 hours of asking it; shown as edited.
    pub async fn edit_question(
        &self,
        user: &User,
        id: i64,
        input: &QuestionInput,
        vocabulary: &Topics,
    ) -> Result<Question, Refusal> {
        let q = self.question(user, id).await?;
        self.may_edit(q.mine, q.created_at)?;
        let (title, body, fund, topics) = checked(input, vocabulary)?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        sqlx::query(
            "UPDATE exchange_questions SET title = $1, body = $2, fund = $3, topics = $4, edited_at = $5, updated_at = $5 \
             WHERE id = $6",
        )
        .bind(&title)
        .bind(&body)
        .bind(fund.map(Fund::as_str))
        .bind(serde_json::to_string(&topics).unwrap_or_else(|_| "[]".into()))
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        record_change(&mut tx, "question", id, now).await?;
        tx.commit().await?;
        self.question(user, id).await
    }

    fn may_edit(&self, mine: bool, created_at: i64) -> Result<(), Refusal> {
        if !mine {
            return Err(Refusal::forbidden(
                "Si modifica solo ciò che si è scritto.",
                "Only what one wrote can be edited.",
            ));
        }
        if self.now() - created_at > EDIT_WINDOW_MS {
            return Err(Refusal::state(
                "Si modifica entro 24 ore da quando lo si è scritto.",
                "It can be edited within 24 hours of writing it.",
            ));
        }
        Ok(())
    }

    /// Answers a question the person can see (every role answers).
    pub async fn answer(&self, user: &User, question_id: i64, body: &str) -> Result<Answer, Refusal> {
        let q = self.question(user, question_id).await?;
        let body = bounded("body", body, TEXT_MAX, "Scrivi la risposta.", "Write the answer.")?;
        if q.state != "visible" {
            return Err(Refusal::state(
                "La domanda è nascosta dal coordinamento: non prende risposte.",
                "The question is hidden by the coordinators: it takes no answers.",
            ));
        }
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO exchange_answers (question_id, author_id, body, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $4) RETURNING id",
        )
        .bind(question_id)
        .bind(user.id)
        .bind(&body)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        self.tell_about_question(&mut tx, &q, MailKind::Answer, id, user).await?;
        record_change(&mut tx, "question", question_id, now).await?;
        tx.commit().await?;
        self.outbox.wake();
        self.one_answer(user, id).await
    }

    /// One answer, if the person may see it and its question.
    pub async fn one_answer(&self, viewer: &User, id: i64) -> Result<Answer, Refusal> {
        let question_id: Option<i64> = sqlx::query_scalar("SELECT question_id FROM exchange_answers WHERE id = $1")
            .bind(id)
            .fetch_optional(self.db.pool())
            .await?;
        let q = self.question(viewer, question_id.ok_or(Refusal::NotFound)?).await?;
        self.answers(viewer, &q).await?.into_iter().find(|a| a.id == id).ok_or(Refusal::NotFound)
    }

    /// Changes an answer, by its author within 24 hours; shown as edited.
    pub async fn edit_answer(&self, user: &User, id: i64, body: &str) -> Result<Answer, Refusal> {
        let a = self.one_answer(user, id).await?;
        self.may_edit(a.mine, a.created_at)?;
        let body = bounded("body", body, TEXT_MAX, "Scrivi la risposta.", "Write the answer.")?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        sqlx::query("UPDATE exchange_answers SET body = $1, edited_at = $2, updated_at = $2 WHERE id = $3")
            .bind(&body)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        record_change(&mut tx, "question", a.question_id, now).await?;
        tx.commit().await?;
        self.one_answer(user, id).await
    }

    /// Marks the answer that solved the question: by the asker or a coordinator.
    pub async fn accept(&self, user: &User, question_id: i64, answer_id: i64) -> Result<Question, Refusal> {
        let q = self.question(user, question_id).await?;
        if !q.mine && user.role != Role::Coordinator {
            return Err(Refusal::forbidden(
                "La risposta che ha risolto la domanda la indica chi l'ha posta, o il coordinamento.",
                "The answer that solved the question is marked by whoever asked it, or by the coordinators.",
            ));
        }
        let answer = self.answers(user, &q).await?.into_iter().find(|a| a.id == answer_id).ok_or_else(|| {
            Refusal::invalid(
                "answer_id",
                "Questa risposta non è tra quelle della domanda.",
                "This answer is not one of the question's.",
            )
        })?;
        if answer.state != "visible" {
            return Err(Refusal::state(
                "Una risposta nascosta non si indica come risolutiva.",
                "A hidden answer cannot be marked as the solution.",
            ));
        }
        let mut tx = self.db.begin_write().await?;
        sqlx::query(
            "UPDATE exchange_questions SET accepted_answer_id = $1, accepted_by = $2, accepted_at = $3, updated_at = $3 \
             WHERE id = $4",
        )
        .bind(answer_id)
        .bind(user.id)
        .bind(self.now())
        .bind(question_id)
        .execute(&mut *tx)
        .await?;
        if q.accepted_answer_id != Some(answer_id) {
            self.tell_about_question(&mut tx, &q, MailKind::Accepted, answer_id, user).await?;
        }
        record_change(&mut tx, "question", question_id, self.now()).await?;
        tx.commit().await?;
        self.outbox.wake();
        self.question(user, question_id).await
    }

    /// Tells the question's followers, and those of its topics and fund, about an answer.
    async fn tell_about_question(
        &self,
        conn: &mut AnyConnection,
        q: &Question,
        kind: MailKind,
        answer: i64,
        actor: &User,
    ) -> Result<(), Refusal> {
        let funds: Vec<String> = q.fund.iter().cloned().collect();
        let news = News {
            kind,
            item: answer,
            title: &q.title,
            path: format!("/scambio/domande/{}#risposta-{answer}", q.id),
            question: Some(q.id),
            topics: &q.topics,
            funds: &funds,
            actor: actor.id,
            detail: actor.name.clone(),
        };
        self.tell_followers(conn, &news).await
    }

    /// Hides a question or an answer (coordinators), with a reason its author reads. A hidden
    /// accepted answer stops being the accepted one.
    pub async fn hide(&self, coordinator: &User, item: Item, id: i64, reason: &str) -> Result<(), Refusal> {
        let exists: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {} WHERE id = $1", item.table()))
            .bind(id)
            .fetch_one(self.db.pool())
            .await?;
        if exists == 0 {
            return Err(Refusal::NotFound);
        }
        let reason = bounded(
            "reason",
            reason,
            REASON_MAX,
            "Scrivi perché lo nascondi: chi l'ha scritto lo legge.",
            "Say why you hide it: its author reads it.",
        )?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let done = sqlx::query(&format!(
            "UPDATE {} SET state = 'hidden', hidden_reason = $1, hidden_by = $2, hidden_at = $3, updated_at = $3 WHERE id = $4",
            item.table()
        ))
        .bind(&reason)
        .bind(coordinator.id)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(Refusal::NotFound);
        }
        let question = match item {
            Item::Question => id,
            Item::Answer => {
                sqlx::query(
                    "UPDATE exchange_questions SET accepted_answer_id = NULL, accepted_by = NULL, accepted_at = NULL \
                     WHERE accepted_answer_id = $1",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
                sqlx::query_scalar("SELECT question_id FROM exchange_answers WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?
            }
        };
        record_change(&mut tx, "question", question, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Reports a question or an answer the person can see to the coordinators.
    pub async fn report(&self, user: &User, item: Item, id: i64, reason: &str) -> Result<i64, Refusal> {
        match item {
            Item::Question => self.question(user, id).await.map(|_| ())?,
            Item::Answer => self.one_answer(user, id).await.map(|_| ())?,
        }
        let reason = bounded("reason", reason, REASON_MAX, "Scrivi che cosa non va.", "Say what is wrong.")?;
        Ok(sqlx::query_scalar(
            "INSERT INTO exchange_reports (item, item_id, reporter_id, reason, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(item.as_str())
        .bind(id)
        .bind(user.id)
        .bind(&reason)
        .bind(self.now())
        .fetch_one(self.db.pool())
        .await?)
    }

    /// The coordinators' queue: open reports, oldest first.
    pub async fn open_reports(&self) -> Result<Vec<Report>, Refusal> {
        Ok(sqlx::query_as(
            "SELECT r.id, r.item, r.item_id, \
             CASE WHEN r.item = 'question' THEN r.item_id ELSE (SELECT a.question_id FROM exchange_answers a WHERE a.id = r.item_id) END AS question_id, \
             u.name AS reporter_name, r.reason, r.state, r.created_at \
             FROM exchange_reports r JOIN users u ON u.id = r.reporter_id WHERE r.state = 'open' ORDER BY r.created_at, r.id",
        )
        .fetch_all(self.db.pool())
        .await?)
    }

    /// Closes a report (coordinators), whatever was done about the item.
    pub async fn handle_report(&self, coordinator: &User, id: i64) -> Result<(), Refusal> {
        let done = sqlx::query(
            "UPDATE exchange_reports SET state = 'handled', handled_by = $1, handled_at = $2 WHERE id = $3 AND state = 'open'",
        )
        .bind(coordinator.id)
        .bind(self.now())
        .bind(id)
        .execute(self.db.pool())
        .await?;
        if done.rows_affected() == 0 {
            return Err(Refusal::NotFound);
        }
        Ok(())
    }

    /// A draft guide from a question and its accepted answer (coordinators): Markdown with
    /// the corpus's front matter filled, for review into `guides/`.
    pub async fn draft_guide(&self, coordinator: &User, question_id: i64, public_url: &str) -> Result<String, Refusal> {
        let q = self.question(coordinator, question_id).await?;
        let accepted = self.answers(coordinator, &q).await?.into_iter().find(|a| a.accepted).ok_or_else(|| {
            Refusal::state(
                "La domanda non ha ancora una risposta accettata.",
                "The question has no accepted answer yet.",
            )
        })?;
        let id = slug(&q.title);
        let toml_list = |v: &[String]| v.iter().map(|s| toml_string(s)).collect::<Vec<_>>().join(", ");
        let funds: Vec<String> = q.fund.iter().cloned().collect();
        let today = crate::clock::local_date(self.now());
        Ok(format!(
            "+++\nid = {}\ntitle = {}\nlang = \"it\"\naudience = \"\"\nfunds = [{}]\nphase = \"\"\ntopics = [{}]\n\
             questions = [{}]\nlegal_basis = []\nsources = [{}]\nchecked_against = []\nreviewed = {today}\n+++\n\n\
             {}\n\n## 1. \n\n{}\n",
            toml_string(&id),
            toml_string(&q.title),
            toml_list(&funds),
            toml_list(&q.topics),
            toml_string(&q.title),
            toml_string(&format!("{public_url}/scambio/domande/{}", q.id)),
            q.body.trim(),
            accepted.body.trim(),
        ))
    }
}

/// A guide id from a title: lower-case ASCII words joined by hyphens.
fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars().flat_map(fold_accent) {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 60 {
            break;
        }
    }
    out.trim_end_matches('-').to_string()
}

fn fold_accent(c: char) -> Option<char> {
    Some(match c {
        'à' | 'á' | 'â' | 'ä' | 'À' | 'Á' => 'a',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' => 'i',
        'ò' | 'ó' | 'ô' | 'ö' | 'Ò' | 'Ó' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' => 'u',
        '\'' | '’' => ' ',
        c => c,
    })
}

/// A TOML string, quoted and escaped by the toml crate.
fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_guide_id_is_a_plain_slug() {
        assert_eq!(
            slug("Posso rendicontare l'e-learning con le OSC? È ammesso"),
            "posso-rendicontare-l-e-learning-con-le-osc-e-ammesso"
        );
    }

    #[test]
    fn toml_strings_are_escaped() {
        let parsed: toml::Value =
            toml::from_str(&format!("a = {}", toml_string("una \"domanda\"\\ \n su due righe"))).unwrap();
        assert_eq!(parsed["a"].as_str(), Some("una \"domanda\"\\ \n su due righe"));
    }
}
