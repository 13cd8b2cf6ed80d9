//! The outbox for coordinators: what is pending, sent and dead (with the last error), by
//! recipient and kind, and "retry now" for dead messages. HTML page and JSON API.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use maud::{html, Markup};
use serde::Serialize;

use super::auth::Auth;
use super::layout::{csrf_field, page, scrolling, Page};
use super::params::Params;
use crate::app::AppState;
use crate::i18n::Lang;
use crate::notify::store::{self, Filter, OutboxRow, STATUSES};
use crate::web::error::{AppError, AppResult};

const PER_PAGE: usize = 25;
const MAX_PER_PAGE: usize = 200;

struct Query {
    filter: Filter,
    page: i64,
    per_page: i64,
}

fn parse(raw: Option<&str>, lang: Lang) -> Result<Query, AppError> {
    let p = Params::parse(raw, lang)?;
    let status = p.non_empty("status").map(str::to_string);
    if let Some(s) = &status {
        if !STATUSES.contains(&s.as_str()) {
            return Err(AppError::field(
                "status",
                format!(
                    "{} \"{s}\": {} {}",
                    lang.t("Stato sconosciuto", "Unknown status"),
                    lang.t("usa", "use"),
                    STATUSES.join(", ")
                ),
            ));
        }
    }
    Ok(Query {
        filter: Filter {
            status,
            recipient: p.non_empty("recipient").map(|r| r.chars().take(254).collect()),
            kind: p.non_empty("kind").map(|k| k.chars().take(100).collect()),
        },
        page: p.number("page", 1, 100_000, lang)? as i64,
        per_page: p.number("per_page", PER_PAGE, MAX_PER_PAGE, lang)? as i64,
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct OutboxPage {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub counts: std::collections::BTreeMap<String, i64>,
    pub messages: Vec<OutboxRow>,
}

#[utoipa::path(
    get,
    path = "/outbox",
    tag = "outbox",
    summary = "Outgoing mail, newest first (coordinators)",
    params(
        ("status" = Option<String>, Query, description = "pending, sending, sent, dead or cancelled"),
        ("recipient" = Option<String>, Query, description = "Part of the recipient address"),
        ("kind" = Option<String>, Query, description = "Kind of message"),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 100000, description = "Page, from 1"),
        ("per_page" = Option<u32>, Query, minimum = 1, maximum = 200, description = "1-200 (default 25)")
    ),
    responses(
        (status = 200, description = "One page of messages with counts per status", body = OutboxPage),
        (status = 400, description = "A filter is unknown or out of range", body = crate::web::error::ErrorInfo),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Not a coordinator", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn api_list(
    State(state): State<AppState>,
    lang: Lang,
    RawQuery(raw): RawQuery,
) -> AppResult<Json<OutboxPage>> {
    let q = parse(raw.as_deref(), lang)?;
    let (messages, total) = store::list(&state.db, &q.filter, q.page, q.per_page).await?;
    let counts = store::counts(&state.db).await?.into_iter().collect();
    Ok(Json(OutboxPage { total, page: q.page, per_page: q.per_page, counts, messages }))
}

async fn retry(state: &AppState, id: &str, lang: Lang) -> AppResult<i64> {
    let id: i64 =
        id.parse().map_err(|_| AppError::NotFound(lang.t("messaggio inesistente", "no such message").into()))?;
    let Some(row) = store::get(&state.db, id).await? else {
        return Err(AppError::NotFound(lang.t("messaggio inesistente", "no such message").into()));
    };
    if !store::retry_dead(&state.db, id, state.clock.now_ms()).await? {
        return Err(AppError::Conflict(format!(
            "{} ({})",
            lang.t(
                "si può riprovare solo un messaggio non recapitato",
                "only an undelivered (dead) message can be retried"
            ),
            row.status
        )));
    }
    state.outbox.wake();
    Ok(id)
}

#[utoipa::path(
    post,
    path = "/outbox/{id}/retry",
    tag = "outbox",
    summary = "Put a dead message back in the queue now (coordinators)",
    params(
        ("id" = i64, Path, description = "Identifier")
    ),
    responses(
        (status = 200, description = "Queued again", body = Retried),
        (status = 403, description = "Not a coordinator", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such message", body = crate::web::error::ErrorInfo),
        (status = 409, description = "The message is not dead", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn api_retry(State(state): State<AppState>, lang: Lang, Path(id): Path<String>) -> AppResult<Json<Retried>> {
    let id = retry(&state, &id, lang).await?;
    Ok(Json(Retried { id, status: "pending" }))
}

/// A message put back in the queue.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Retried {
    pub id: i64,
    pub status: &'static str,
}

pub async fn page_retry(State(state): State<AppState>, lang: Lang, Path(id): Path<String>) -> AppResult<Response> {
    retry(&state, &id, lang).await?;
    Ok(super::kit::done("/coordinamento/posta?status=pending", super::kit::Done::MailRetried))
}

pub async fn page_list(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    let here = super::here("/coordinamento/posta", raw.as_deref());
    let q = match parse(raw.as_deref(), lang) {
        Ok(q) => q,
        Err(AppError::BadRequest { message, .. }) => {
            let body = html! { h1 { (lang.t("Posta in uscita", "Outgoing mail")) } p.notice.error role="alert" { (message) } (filters(lang, &Filter::default(), &[])) };
            let mut r = (
                StatusCode::BAD_REQUEST,
                page(
                    Page { lang, title: lang.t("Posta in uscita", "Outgoing mail"), here: &here, auth: Some(&auth) },
                    body,
                ),
            )
                .into_response();
            r.extensions_mut().insert(super::Rendered);
            return Ok(r);
        }
        Err(e) => return Err(e),
    };
    let (rows, total) = store::list(&state.db, &q.filter, q.page, q.per_page).await?;
    let counts = store::counts(&state.db).await?;
    let kinds = store::kinds(&state.db).await?;
    let pages = ((total + q.per_page - 1) / q.per_page).max(1);
    let link = |p: i64| {
        let mut parts = vec![format!("page={p}")];
        for (k, v) in [("status", &q.filter.status), ("recipient", &q.filter.recipient), ("kind", &q.filter.kind)] {
            if let Some(v) = v {
                parts.push(format!(
                    "{k}={}",
                    percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
                ));
            }
        }
        format!("/coordinamento/posta?{}", parts.join("&"))
    };
    let body = html! {
        h1 { (lang.t("Posta in uscita", "Outgoing mail")) }
        ul.cards aria-label=(lang.t("Messaggi per stato", "Messages by status")) {
            @for (status, n) in &counts {
                li { h2 { a href=(format!("/coordinamento/posta?status={status}")) { (status_label(lang, status)) } } p.count { (n) } }
            }
        }
        (filters(lang, &q.filter, &kinds))
        @if rows.is_empty() {
            p.notice role="status" { (lang.t("Nessun messaggio con questi filtri.", "No message matches these filters.")) }
        } @else {
            p role="status" { (total) " " (lang.t("messaggi", "messages")) }
            (scrolling(lang.t("Messaggi in uscita", "Outgoing messages"), html! {
            table {
                caption.visually-hidden { (lang.t("Messaggi in uscita", "Outgoing messages")) }
                thead { tr {
                    th scope="col" { (lang.t("Creato", "Created")) }
                    th scope="col" { (lang.t("Tipo", "Kind")) }
                    th scope="col" { (lang.t("Destinatario", "Recipient")) }
                    th scope="col" { (lang.t("Oggetto", "Subject")) }
                    th scope="col" { (lang.t("Stato", "Status")) }
                    th scope="col" { (lang.t("Tentativi", "Attempts")) }
                    th scope="col" { (lang.t("Ultimo errore", "Last error")) }
                    th scope="col" { span.visually-hidden { (lang.t("Azioni", "Actions")) } }
                } }
                tbody {
                    @for r in &rows {
                        tr {
                            td { (local_time(r.created_at)) }
                            td { (crate::notify::kind_label(&r.kind, lang)) }
                            td { (r.recipient) }
                            td { (r.subject) }
                            td { (status_label(lang, &r.status)) @if let Some(s) = r.sent_at { br; small { (local_time(s)) } } }
                            td { (r.attempts) }
                            td { @if let Some(e) = &r.last_error { (e) } }
                            td {
                                @if r.status == "dead" {
                                    form method="post" action=(format!("/coordinamento/posta/{}/riprova", r.id)) {
                                        (csrf_field(&auth))
                                        button type="submit" { (lang.t("Riprova ora", "Retry now")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            }))
            @if pages > 1 {
                nav.pages aria-label=(lang.t("Pagine", "Pages")) { ul {
                    @if q.page > 1 { li { a href=(link(q.page - 1)) rel="prev" { (lang.t("Precedente", "Previous")) } } }
                    li { span aria-current="page" { (q.page) " / " (pages) } }
                    @if q.page < pages { li { a href=(link(q.page + 1)) rel="next" { (lang.t("Successiva", "Next")) } } }
                } }
            }
        }
    };
    Ok(page(Page { lang, title: lang.t("Posta in uscita", "Outgoing mail"), here: &here, auth: Some(&auth) }, body)
        .into_response())
}

fn filters(lang: Lang, f: &Filter, kinds: &[String]) -> Markup {
    html! {
        form.search method="get" action="/coordinamento/posta" {
            div.field {
                label for="status" { (lang.t("Stato", "Status")) }
                select #status name="status" {
                    option value="" { (lang.t("Tutti", "All")) }
                    @for s in STATUSES { option value=(s) selected[f.status.as_deref() == Some(s)] { (status_label(lang, s)) } }
                }
            }
            div.field {
                label for="recipient" { (lang.t("Destinatario contiene", "Recipient contains")) }
                input #recipient type="text" name="recipient" value=[f.recipient.as_deref()];
            }
            div.field {
                label for="kind" { (lang.t("Tipo", "Kind")) }
                select #kind name="kind" {
                    option value="" { (lang.t("Tutti", "All")) }
                    @for k in kinds { option value=(k) selected[f.kind.as_deref() == Some(k.as_str())] { (crate::notify::kind_label(k, lang)) } }
                }
            }
            button type="submit" { (lang.t("Filtra", "Filter")) }
        }
    }
}

fn status_label(lang: Lang, status: &str) -> &'static str {
    match status {
        "pending" => lang.t("In attesa", "Pending"),
        "sending" => lang.t("In invio", "Sending"),
        "sent" => lang.t("Inviato", "Sent"),
        "dead" => lang.t("Non recapitato", "Dead"),
        "cancelled" => lang.t("Annullato", "Cancelled"),
        _ => "?",
    }
}

/// A stored Unix-ms time in Europe/Rome.
pub use crate::clock::local_time;
