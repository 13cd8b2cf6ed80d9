//! "Domande alle Regioni" (`/scambio/domande`): questions between Regions, their answers,
//! the accepted answer, moderation and reports, as pages; the same as JSON in [`api`].

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::Extension;
use maud::{html, Markup, PreEscaped};

use super::auth::Auth;
use super::kit::form;
use super::kit::{done, fund_text, invalid_or_state, redirect_or_page, signed_in, Done};
use super::layout::{csrf_field, page, Page, Problems};
use super::params::Params;
use super::PathId;
use crate::accounts::Role;
use crate::app::AppState;
use crate::clock::local_time;
use crate::exchange::{Answer, Item, QuestionFilter, QuestionInput, Target, TEXT_MAX, TITLE_MAX};
use crate::guides::Fund;
use crate::i18n::Lang;
use crate::web::error::{AppError, AppResult, Refusal, RefusalHttp};

pub mod api;
pub mod follows;
pub mod practices;
pub mod practices_api;
pub mod search;

const PER_PAGE: i64 = 20;

/// The list filters shared by the page and the API: `fund`, `topic`, `answered` (1/0), `mine` (1).
pub fn list_filter(p: &Params, state: &AppState, lang: Lang) -> AppResult<QuestionFilter> {
    let fund = match p.non_empty("fund") {
        None => None,
        Some(f) => Some(Fund::parse(f).ok_or_else(|| {
            AppError::field("fund", format!("{} \"{f}\": FSE+, FESR, JTF", lang.t("fondo sconosciuto", "unknown fund")))
        })?),
    };
    let topic = match p.non_empty("topic") {
        Some(t) if !state.search.corpus().topics.contains(t) => {
            return Err(AppError::field("topic", format!("{} \"{t}\"", lang.t("tema sconosciuto", "unknown topic"))))
        }
        t => t.map(String::from),
    };
    let answered = match p.non_empty("answered") {
        None => None,
        Some("1") => Some(true),
        Some("0") => Some(false),
        Some(_) => return Err(AppError::field("answered", lang.t("answered vale 1 oppure 0", "answered is 1 or 0"))),
    };
    Ok(QuestionFilter { fund, topic, answered, mine: p.get("mine") == Some("1") })
}

/// A question's or an answer's page verb, from the route table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExchangeVerb {
    Answer,
    Accept,
    Hide(Item),
    Report(Item),
}

fn author_line(name: &str, region: Option<&str>, created_at: i64, edited_at: Option<i64>, lang: Lang) -> Markup {
    html! {
        p.meta {
            (name) @if let Some(r) = region { " (" (r) ")" } " · " (local_time(created_at))
            @if let Some(e) = edited_at { " · " em { (lang.t("modificata il", "edited on")) " " (local_time(e)) } }
        }
    }
}

fn hidden_notice(state: &str, reason: Option<&str>, lang: Lang) -> Markup {
    html! {
        @if state == "hidden" {
            p.notice.error {
                (lang.t("Nascosta dal coordinamento: la vedono solo chi l'ha scritta e i coordinatori.", "Hidden by the coordinators: only its author and coordinators see it."))
                @if let Some(r) = reason { " " (lang.t("Motivo:", "Reason:")) " " (r) }
            }
        }
    }
}

/// `/scambio/domande`: the questions, newest first, with filters.
pub async fn list(State(state): State<AppState>, lang: Lang, auth: Auth, RawQuery(raw): RawQuery) -> AppResult<Markup> {
    let user = signed_in(&auth)?;
    let p = Params::parse(raw.as_deref(), lang)?;
    let f = list_filter(&p, &state, lang)?;
    let page_no = p.number("page", 1, 10_000, lang)? as i64;
    let (items, total) =
        state.exchange.questions(user, &f, PER_PAGE, (page_no - 1) * PER_PAGE).await.map_err(|e| e.into_app(lang))?;
    let topics = &state.search.corpus().topics;
    let next = {
        let mut q: Vec<String> = Vec::new();
        for key in ["fund", "topic", "answered", "mine"] {
            if let Some(v) = p.non_empty(key) {
                q.push(format!(
                    "{key}={}",
                    percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
                ));
            }
        }
        q.push(format!("page={}", page_no + 1));
        format!("/scambio/domande?{}", q.join("&"))
    };
    let body = html! {
        h1 { (lang.t("Domande alle Regioni", "Questions to the Regions")) }
        p { (lang.t("Quello che una Regione ha imparato resta qui per la prossima: chiedi ciò che nessuna guida spiega; rispondono funzionari, mentor e coordinatori.",
                    "What one Region learned stays here for the next: ask what no guide explains; officers, mentors and coordinators answer.")) }
        p { a.button href="/scambio/domande/nuova" { (lang.t("Fai una domanda", "Ask a question")) } }
        form.filters method="get" action="/scambio/domande" {
            div.field {
                label for="f-fund" { (lang.t("Fondo", "Fund")) }
                select #f-fund name="fund" {
                    option value="" { (lang.t("tutti", "all")) }
                    @for x in Fund::ALL { option value=(x.as_str()) selected[f.fund == Some(x)] { (fund_text(lang, x)) } }
                }
            }
            div.field {
                label for="f-topic" { (lang.t("Tema", "Topic")) }
                select #f-topic name="topic" {
                    option value="" { (lang.t("tutti", "all")) }
                    @for t in topics.all() { option value=(t.slug) selected[f.topic.as_deref() == Some(t.slug.as_str())] { (t.label(lang)) } }
                }
            }
            div.field {
                label for="f-answered" { (lang.t("Risposta accettata", "Accepted answer")) }
                select #f-answered name="answered" {
                    option value="" { (lang.t("tutte", "all")) }
                    option value="1" selected[f.answered == Some(true)] { (lang.t("con risposta accettata", "with an accepted answer")) }
                    option value="0" selected[f.answered == Some(false)] { (lang.t("in attesa di risposta", "awaiting an answer")) }
                }
            }
            div.field.check { label { input type="checkbox" name="mine" value="1" checked[f.mine]; " " (lang.t("solo le mie", "only mine")) } }
            div { button type="submit" { (lang.t("Filtra", "Filter")) } }
        }
        @if items.is_empty() {
            p.notice role="status" { (lang.t("Nessuna domanda con questi filtri.", "No question matches these filters.")) }
        } @else {
            ul.questions {
                @for q in &items {
                    li {
                        a href=(format!("/scambio/domande/{}", q.id)) { (q.title) }
                        " "
                        @if q.answered { span.badge { (lang.t("risolta", "solved")) } }
                        @if q.state == "hidden" { " " span.badge { (lang.t("nascosta", "hidden")) } }
                        br;
                        small {
                            (q.author_name) @if let Some(r) = &q.author_region { " (" (r) ")" } " · " (local_time(q.created_at)) " · "
                            (q.answers) " " (if q.answers == 1 { lang.t("risposta", "answer") } else { lang.t("risposte", "answers") })
                            @if let Some(f) = q.fund.as_deref().and_then(Fund::parse) { " · " (fund_text(lang, f)) }
                            @for t in &q.topics { " · " (topics.label(t, lang)) }
                        }
                    }
                }
            }
        }
        @if total > page_no * PER_PAGE { p { a href=(next) { (lang.t("Altre domande →", "More questions →")) } } }
    };
    Ok(page(
        Page {
            lang,
            title: lang.t("Domande alle Regioni", "Questions to the Regions"),
            here: "/scambio/domande",
            auth: Some(&auth),
        },
        body,
    ))
}

/// The question form (new or edit), with what was typed and the errors next to their fields.
fn question_form(
    state: &AppState,
    lang: Lang,
    auth: &Auth,
    action: &str,
    heading: &str,
    d: &QuestionInput,
    problems: &Problems,
) -> Markup {
    let topics = &state.search.corpus().topics;
    let body = html! {
        h1 { (heading) }
        (problems.summary(lang))
        form.stack method="post" action=(action) {
            (csrf_field(auth))
            div.field {
                label for="title" { (lang.t("La domanda, in breve", "The question, in short")) }
                input #title type="text" name="title" required maxlength=(TITLE_MAX) value=(d.title)
                    aria-invalid=[problems.invalid("title")] aria-describedby=[problems.described("title")];
                (problems.at("title"))
            }
            div.field {
                label for="body" { (lang.t("Il contesto: che cosa avete già provato, quale fondo, quale fase", "The context: what you tried, which fund, which phase")) }
                textarea #body name="body" rows="8" required maxlength=(TEXT_MAX)
                    aria-invalid=[problems.invalid("body")] aria-describedby=[problems.described("body")] { (d.body) }
                p.hint { (lang.t("Markdown: **grassetto**, elenchi, [link](https://…).", "Markdown: **bold**, lists, [links](https://…).")) }
                (problems.at("body"))
            }
            div.field {
                label for="fund" { (lang.t("Fondo (facoltativo)", "Fund (optional)")) }
                select #fund name="fund" aria-invalid=[problems.invalid("fund")] aria-describedby=[problems.described("fund")] {
                    option value="" { "—" }
                    @for x in Fund::ALL { option value=(x.as_str()) selected[d.fund.as_deref() == Some(x.as_str())] { (fund_text(lang, x)) } }
                }
                (problems.at("fund"))
            }
            fieldset.field #topics aria-describedby=[problems.described("topics")] {
                legend { (lang.t("Temi (facoltativi)", "Topics (optional)")) }
                (problems.at("topics"))
                ul.checks {
                    @for t in topics.all() {
                        li { label { input type="checkbox" name="topics" value=(t.slug) checked[d.topics.contains(&t.slug)]; " " (t.label(lang)) } }
                    }
                }
            }
            div { button type="submit" { (lang.t("Pubblica la domanda", "Publish the question")) } }
        }
    };
    page(Page { lang, title: heading, here: "/scambio/domande/nuova", auth: Some(auth) }, body)
}

fn input_from(f: &Params) -> QuestionInput {
    QuestionInput {
        title: f.get("title").unwrap_or("").to_string(),
        body: f.get("body").unwrap_or("").to_string(),
        fund: f.non_empty("fund").map(String::from),
        topics: f.all("topics").iter().map(|t| t.to_string()).collect(),
    }
}

/// `/scambio/domande/nuova`, with the text filled from a search that found no answer (`testo`).
pub async fn new_question(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> AppResult<Markup> {
    signed_in(&auth)?;
    let p = Params::parse(raw.as_deref(), lang)?;
    let text = p.non_empty("testo").unwrap_or("");
    let d = QuestionInput {
        title: text.chars().take(TITLE_MAX).collect(),
        body: String::new(),
        fund: p.non_empty("fondo").and_then(Fund::parse).map(|f| f.as_str().to_string()),
        topics: Vec::new(),
    };
    Ok(question_form(
        &state,
        lang,
        &auth,
        "/scambio/domande",
        lang.t("Fai una domanda alle Regioni", "Ask the Regions a question"),
        &d,
        &Problems::none(),
    ))
}

/// `POST /scambio/domande`.
pub async fn ask(State(state): State<AppState>, lang: Lang, auth: Auth, body: Bytes) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let d = input_from(&form(&body, lang)?);
    let topics = &state.search.corpus().topics;
    let result = state.exchange.ask(user, &d, topics).await.map(|q| format!("/scambio/domande/{}", q.id));
    let (state, auth, d) = (&state, &auth, &d);
    redirect_or_page(result, Some(Done::QuestionAsked), lang, shown_on_form, |problems| async move {
        Ok(question_form(
            state,
            lang,
            auth,
            "/scambio/domande",
            lang.t("Fai una domanda alle Regioni", "Ask the Regions a question"),
            d,
            &problems,
        ))
    })
    .await
}

fn shown_on_form(e: &Refusal) -> bool {
    matches!(e, Refusal::Invalid { .. } | Refusal::State { .. } | Refusal::TooMany { .. })
}

/// `/scambio/domande/{id}`: the question, its answers, and what the person may do.
pub async fn thread(State(state): State<AppState>, lang: Lang, auth: Auth, PathId(id): PathId) -> AppResult<Markup> {
    thread_page(&state, lang, &auth, id, None, None).await
}

async fn thread_page(
    state: &AppState,
    lang: Lang,
    auth: &Auth,
    id: i64,
    answer_draft: Option<&str>,
    error: Option<(&str, &str)>,
) -> AppResult<Markup> {
    let user = signed_in(auth)?;
    let q = state.exchange.question(user, id).await.map_err(|e| e.into_app(lang))?;
    let answers = state.exchange.answers(user, &q).await.map_err(|e| e.into_app(lang))?;
    let coordinator = user.role == Role::Coordinator;
    let topics = &state.search.corpus().topics;
    let err = |field: &str| error.filter(|(f, _)| *f == field).map(|(_, m)| m);
    let other = error.filter(|(f, _)| *f != "body").map(|(_, m)| m);
    let may_accept = q.mine || coordinator;
    let following = state.exchange.is_following(user, &Target::Question(id)).await.map_err(|e| e.into_app(lang))?;
    let body = html! {
        p { a href="/scambio/domande" { "← " (lang.t("Tutte le domande", "All questions")) } }
        h1 { (q.title) }
        @if let Some(m) = other { p.notice.error role="alert" { (m) } }
        (hidden_notice(&q.state, q.hidden_reason.as_deref(), lang))
        (author_line(&q.author_name, q.author_region.as_deref(), q.created_at, q.edited_at, lang))
        p.meta {
            @if let Some(f) = q.fund.as_deref().and_then(Fund::parse) { (fund_text(lang, f)) }
            @for t in &q.topics { " · " (topics.label(t, lang)) }
        }
        div.text { (PreEscaped(&q.body_html)) }
        @if !q.mine { p { (follows::button(auth, lang, &Target::Question(id), following, lang.t("la domanda", "the question"), &format!("/scambio/domande/{id}"))) } }
        @if q.editable { p { a href=(format!("/scambio/domande/{id}/modifica")) { (lang.t("Modifica la domanda", "Edit the question")) } } }
        @if coordinator && q.answered {
            p { a href=(format!("/scambio/domande/{id}/bozza-guida.md")) { (lang.t("Scarica una bozza di guida da questa domanda e dalla risposta accettata (Markdown)", "Download a draft guide from this question and its accepted answer (Markdown)")) } }
        }
        (moderation(auth, lang, Item::Question, id, coordinator && q.state == "visible", !q.mine))
        h2 { (answers.len()) " " (if answers.len() == 1 { lang.t("risposta", "answer") } else { lang.t("risposte", "answers") }) }
        @for a in &answers { (answer_block(auth, lang, id, a, may_accept && !a.accepted && a.state == "visible", coordinator)) }
        @if q.state == "visible" {
            h2 #rispondi { (lang.t("La tua risposta", "Your answer")) }
            form.stack method="post" action=(format!("/scambio/domande/{id}/risposte")) {
                (csrf_field(auth))
                div.field {
                    label for="answer" { (lang.t("Risposta (Markdown)", "Answer (Markdown)")) }
                    textarea #answer name="body" rows="6" required maxlength=(TEXT_MAX)
                        aria-invalid=[err("body").map(|_| "true")] aria-describedby=[err("body").map(|_| "answer-errore")] { (answer_draft.unwrap_or("")) }
                    @if let Some(e) = err("body") { p.field-error #answer-errore { (e) } }
                }
                div { button type="submit" { (lang.t("Pubblica la risposta", "Publish the answer")) } }
            }
        }
    };
    Ok(page(Page { lang, title: &q.title, here: &format!("/scambio/domande/{id}"), auth: Some(auth) }, body))
}

fn answer_block(auth: &Auth, lang: Lang, question: i64, a: &Answer, may_accept: bool, coordinator: bool) -> Markup {
    html! {
        article.answer id=(format!("risposta-{}", a.id)) {
            @if a.accepted { p { span.badge { (lang.t("Risposta che ha risolto la domanda", "The answer that solved the question")) } } }
            (hidden_notice(&a.state, a.hidden_reason.as_deref(), lang))
            (author_line(&a.author_name, a.author_region.as_deref(), a.created_at, a.edited_at, lang))
            div.text { (PreEscaped(&a.body_html)) }
            @if a.editable { p { a href=(format!("/scambio/risposte/{}/modifica", a.id)) { (lang.t("Modifica la risposta", "Edit the answer")) } } }
            @if may_accept {
                form method="post" action=(format!("/scambio/domande/{question}/accetta")) {
                    (csrf_field(auth))
                    input type="hidden" name="answer_id" value=(a.id);
                    button type="submit" { (lang.t("Questa risposta ha risolto la domanda", "This answer solved the question")) }
                }
            }
            (moderation(auth, lang, Item::Answer, a.id, coordinator && a.state == "visible", !a.mine))
        }
    }
}

/// Report (anyone but the author) and hide (coordinators) forms, behind disclosures.
fn moderation(auth: &Auth, lang: Lang, item: Item, id: i64, may_hide: bool, may_report: bool) -> Markup {
    let base = match item {
        Item::Question => format!("/scambio/domande/{id}"),
        Item::Answer => format!("/scambio/risposte/{id}"),
    };
    let key = format!("{}-{id}", item.as_str());
    html! {
        @if may_report {
            details.moderation {
                summary { (lang.t("Segnala al coordinamento", "Report to the coordinators")) }
                form.stack method="post" action=(format!("{base}/segnala")) {
                    (csrf_field(auth))
                    div.field {
                        label for=(format!("report-{key}")) { (lang.t("Che cosa non va (al massimo 500 caratteri)", "What is wrong (at most 500 characters)")) }
                        textarea id=(format!("report-{key}")) name="reason" rows="2" required maxlength="500" {}
                    }
                    div { button type="submit" { (lang.t("Invia la segnalazione", "Send the report")) } }
                }
            }
        }
        @if may_hide {
            details.moderation {
                summary { (lang.t("Nascondi (coordinamento)", "Hide (coordinators)")) }
                form.stack method="post" action=(format!("{base}/nascondi")) {
                    (csrf_field(auth))
                    div.field {
                        label for=(format!("hide-{key}")) { (lang.t("Motivo, che legge chi l'ha scritta", "Reason, which its author reads")) }
                        input id=(format!("hide-{key}")) type="text" name="reason" required maxlength="500";
                    }
                    div { button.danger type="submit" { (lang.t("Nascondi", "Hide")) } }
                }
            }
        }
    }
}

/// The verbs on a question or an answer, from the thread page.
pub async fn act(
    State(state): State<AppState>,
    Extension(verb): Extension<ExchangeVerb>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let f = form(&body, lang)?;
    let ex = &state.exchange;
    let text = f.get("body").unwrap_or("").to_string();
    let reason = f.get("reason").unwrap_or("");
    // The thread the action came from (an answer's question), for the way back.
    let question = match verb {
        ExchangeVerb::Hide(Item::Answer) | ExchangeVerb::Report(Item::Answer) => {
            ex.one_answer(user, id).await.map_err(|e| e.into_app(lang))?.question_id
        }
        _ => id,
    };
    let result = match verb {
        ExchangeVerb::Answer => {
            ex.answer(user, id, &text).await.map(|a| format!("/scambio/domande/{id}#risposta-{}", a.id))
        }
        ExchangeVerb::Accept => {
            let answer = f.non_empty("answer_id").and_then(|a| a.parse().ok()).unwrap_or(0);
            ex.accept(user, id, answer).await.map(|_| format!("/scambio/domande/{id}#risposta-{answer}"))
        }
        ExchangeVerb::Hide(item) => {
            ex.hide(user, item, id, reason).await.map(|()| format!("/scambio/domande/{question}"))
        }
        ExchangeVerb::Report(item) => {
            ex.report(user, item, id, reason).await.map(|_| format!("/scambio/domande/{question}"))
        }
    };
    let draft = (verb == ExchangeVerb::Answer).then_some(text);
    let done = match verb {
        ExchangeVerb::Answer => Done::Answered,
        ExchangeVerb::Accept => Done::AnswerAccepted,
        ExchangeVerb::Hide(_) => Done::ItemHidden,
        ExchangeVerb::Report(_) => Done::ItemReported,
    };
    redirect_or_page(result, Some(done), lang, invalid_or_state, |problems| async move {
        let (field, message) = problems.first();
        // An error about the reason of a report or a hiding is said at the top.
        let field = if verb == ExchangeVerb::Answer { field } else { String::new() };
        thread_page(&state, lang, &auth, question, draft.as_deref(), Some((&field, &message))).await
    })
    .await
}

/// Whether the edit page opens: only for the author, within 24 hours of writing.
fn still_editable(editable: bool, lang: Lang) -> AppResult<()> {
    if editable {
        return Ok(());
    }
    Err(Refusal::state(
        "Si modifica solo ciò che si è scritto, entro 24 ore.",
        "Only what one wrote can be edited, within 24 hours.",
    )
    .into_app(lang))
}

/// `/scambio/domande/{id}/modifica`.
pub async fn edit_question_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Markup> {
    let user = signed_in(&auth)?;
    let q = state.exchange.question(user, id).await.map_err(|e| e.into_app(lang))?;
    still_editable(q.editable, lang)?;
    let d = QuestionInput { title: q.title, body: q.body, fund: q.fund, topics: q.topics };
    Ok(question_form(
        &state,
        lang,
        &auth,
        &format!("/scambio/domande/{id}/modifica"),
        lang.t("Modifica la domanda", "Edit the question"),
        &d,
        &Problems::none(),
    ))
}

pub async fn edit_question(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let d = input_from(&form(&body, lang)?);
    let topics = &state.search.corpus().topics;
    let result = state.exchange.edit_question(user, id, &d, topics).await.map(|_| format!("/scambio/domande/{id}"));
    let action = format!("/scambio/domande/{id}/modifica");
    let (state, auth, d, action) = (&state, &auth, &d, &action);
    redirect_or_page(result, Some(Done::QuestionEdited), lang, invalid_or_state, |problems| async move {
        Ok(question_form(state, lang, auth, action, lang.t("Modifica la domanda", "Edit the question"), d, &problems))
    })
    .await
}

fn answer_form(lang: Lang, auth: &Auth, id: i64, text: &str, error: Option<&str>) -> Markup {
    let body = html! {
        h1 { (lang.t("Modifica la risposta", "Edit the answer")) }
        form.stack method="post" action=(format!("/scambio/risposte/{id}/modifica")) {
            (csrf_field(auth))
            div.field {
                label for="answer" { (lang.t("Risposta (Markdown)", "Answer (Markdown)")) }
                textarea #answer name="body" rows="8" required maxlength=(TEXT_MAX)
                    aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| "answer-errore")] { (text) }
                @if let Some(e) = error { p.field-error #answer-errore { (e) } }
            }
            div { button type="submit" { (lang.t("Salva la risposta", "Save the answer")) } }
        }
    };
    page(
        Page {
            lang,
            title: lang.t("Modifica la risposta", "Edit the answer"),
            here: "/scambio/domande",
            auth: Some(auth),
        },
        body,
    )
}

/// `/scambio/risposte/{id}/modifica`.
pub async fn edit_answer_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Markup> {
    let user = signed_in(&auth)?;
    let a = state.exchange.one_answer(user, id).await.map_err(|e| e.into_app(lang))?;
    still_editable(a.editable, lang)?;
    Ok(answer_form(lang, &auth, id, &a.body, None))
}

pub async fn edit_answer(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let text = form(&body, lang)?.get("body").unwrap_or("").to_string();
    let result = state
        .exchange
        .edit_answer(user, id, &text)
        .await
        .map(|a| format!("/scambio/domande/{}#risposta-{id}", a.question_id));
    let (auth, text) = (&auth, &text);
    redirect_or_page(result, Some(Done::AnswerEdited), lang, invalid_or_state, |problems| async move {
        Ok(answer_form(lang, auth, id, text, Some(&problems.first().1)))
    })
    .await
}

/// `/coordinamento/segnalazioni-scambio`: open reports on questions and answers.
pub async fn reports_page(State(state): State<AppState>, lang: Lang, auth: Auth) -> AppResult<Markup> {
    let reports = state.exchange.open_reports().await.map_err(|e| e.into_app(lang))?;
    let body = html! {
        h1 { (lang.t("Segnalazioni su domande e risposte", "Reports on questions and answers")) }
        @if reports.is_empty() {
            p.notice role="status" { (lang.t("Nessuna segnalazione aperta.", "No open report.")) }
        } @else {
            ul.reports {
                @for r in &reports {
                    li {
                        a href=(if r.item == "question" { format!("/scambio/domande/{}", r.question_id) } else { format!("/scambio/domande/{}#risposta-{}", r.question_id, r.item_id) }) {
                            @if r.item == "question" { (lang.t("Domanda", "Question")) } @else { (lang.t("Risposta", "Answer")) } " " (r.item_id)
                        }
                        " · " (r.reporter_name) " · " (local_time(r.created_at))
                        blockquote { (r.reason) }
                        form method="post" action=(format!("/coordinamento/segnalazioni-scambio/{}/chiudi", r.id)) {
                            (csrf_field(&auth))
                            button type="submit" { (lang.t("Segna come gestita", "Mark handled")) }
                        }
                    }
                }
            }
        }
    };
    Ok(page(
        Page {
            lang,
            title: lang.t("Segnalazioni sullo scambio", "Exchange reports"),
            here: "/coordinamento/segnalazioni-scambio",
            auth: Some(&auth),
        },
        body,
    ))
}

pub async fn handle_report(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    state.exchange.handle_report(user, id).await.map_err(|e| e.into_app(lang))?;
    Ok(done("/coordinamento/segnalazioni-scambio", Done::ReportHandled))
}
