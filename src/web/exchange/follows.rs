//! Following questions, topics and funds, the exchange mail settings, and the one-click
//! unsubscribe (`/disiscrizione/...`), as pages and as JSON.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use maud::{html, Markup};
use serde::Deserialize;

use super::super::auth::Auth;
use super::super::kit::{done, form, json, signed_in, Done};
use super::super::layout::{csrf_field, page, Page};
use crate::app::AppState;
use crate::exchange::follows::MAIL_KINDS;
use crate::exchange::{Follow, MailKind, MailSettings, Target};
use crate::guides::Fund;
use crate::i18n::Lang;
use crate::web::error::{AppError, AppResult, RefusalHttp};

/// A "follow" or "stop following" button for `target`, coming back to `back`.
pub fn button(auth: &Auth, lang: Lang, target: &Target, following: bool, label: &str, back: &str) -> Markup {
    let (kind, key) = target.parts();
    let action = if following { "/scambio/smetti" } else { "/scambio/segui" };
    html! {
        form.inline method="post" action=(action) {
            (csrf_field(auth))
            input type="hidden" name="target" value=(kind);
            input type="hidden" name="key" value=(key);
            input type="hidden" name="torna" value=(back);
            button.secondary type="submit" {
                @if following { (lang.t("Smetti di seguire ", "Stop following ")) } @else { (lang.t("Segui ", "Follow ")) }
                (label)
            }
        }
    }
}

/// What a follow is about, as a person reads it.
pub fn describe(state: &AppState, f: &Follow, lang: Lang) -> (String, String) {
    match f.target.as_str() {
        "question" => {
            (format!("{} {}", lang.t("Domanda n.", "Question no."), f.key), format!("/scambio/domande/{}", f.key))
        }
        "topic" => (
            format!("{} {}", lang.t("Tema:", "Topic:"), state.search.corpus().topics.label(&f.key, lang)),
            format!("/scambio/esperienze?topic={}", f.key),
        ),
        _ => (
            format!(
                "{} {}",
                lang.t("Fondo:", "Fund:"),
                Fund::parse(&f.key).map(|x| super::super::kit::fund_text(lang, x)).unwrap_or_else(|| f.key.clone())
            ),
            format!(
                "/scambio/esperienze?fund={}",
                percent_encoding::utf8_percent_encode(&f.key, percent_encoding::NON_ALPHANUMERIC)
            ),
        ),
    }
}

/// `POST /scambio/segui` and `/scambio/smetti`: `target`, `key`, `torna`.
pub async fn follow_page(State(state): State<AppState>, lang: Lang, auth: Auth, body: Bytes) -> AppResult<Response> {
    toggle(&state, lang, &auth, &body, true).await
}

pub async fn unfollow_page(State(state): State<AppState>, lang: Lang, auth: Auth, body: Bytes) -> AppResult<Response> {
    toggle(&state, lang, &auth, &body, false).await
}

async fn toggle(state: &AppState, lang: Lang, auth: &Auth, body: &Bytes, follow: bool) -> AppResult<Response> {
    let user = signed_in(auth)?;
    let f = form(body, lang)?;
    let target =
        Target::parse(f.get("target").unwrap_or(""), f.get("key").unwrap_or("")).map_err(|e| e.into_app(lang))?;
    let topics = &state.search.corpus().topics;
    let result = if follow {
        state.exchange.follow(user, &target, topics).await
    } else {
        state.exchange.unfollow(user, &target).await
    };
    result.map_err(|e| e.into_app(lang))?;
    let back = super::super::local_path(f.get("torna"), "/profilo");
    Ok(done(back, if follow { Done::Followed } else { Done::Unfollowed }))
}

/// The profile's section: how exchange mail arrives, which kinds are stopped, what is followed.
pub async fn profile_section(state: &AppState, lang: Lang, auth: &Auth) -> AppResult<Markup> {
    let user = signed_in(auth)?;
    let settings = state.exchange.mail_settings(user).await.map_err(|e| e.into_app(lang))?;
    let follows = state.exchange.follows(user).await.map_err(|e| e.into_app(lang))?;
    Ok(html! {
        h2 #scambio { (lang.t("Scambio tra Regioni: cosa segui e come ricevi le novità", "Exchange between Regions: what you follow and how news reaches you")) }
        @if follows.is_empty() {
            p { (lang.t("Non segui nulla: puoi seguire una domanda dalla sua pagina, un tema o un fondo dalle liste filtrate.",
                        "You follow nothing: follow a question from its page, a topic or a fund from the filtered lists.")) }
        } @else {
            ul {
                @for f in &follows {
                    @let (label, href) = describe(state, f, lang);
                    @let target = Target::parse(&f.target, &f.key).ok();
                    li {
                        a href=(href) { (label) }
                        @if let Some(t) = &target { " " (button(auth, lang, t, true, "", "/profilo#scambio")) }
                    }
                }
            }
        }
        form.stack method="post" action="/profilo/scambio" {
            (csrf_field(auth))
            fieldset {
                legend { (lang.t("Quando ricevere le novità", "When to get the news")) }
                div { label { input type="radio" name="mode" value="immediate" checked[settings.mode != "digest"]; " " (lang.t("Subito, una email per ogni novità", "At once, one email per piece of news")) } }
                div { label { input type="radio" name="mode" value="digest" checked[settings.mode == "digest"]; " " (lang.t("Una email al giorno, alle 8:00", "One email a day, at 08:00")) } }
            }
            fieldset {
                legend { (lang.t("Email che ricevi", "Emails you get")) }
                ul.checks {
                    @for k in MAIL_KINDS {
                        li { label { input type="checkbox" name="receive" value=(k.as_str()) checked[!settings.stopped.iter().any(|s| s == k.as_str())]; " " (k.label(lang)) } }
                    }
                }
            }
            div { button type="submit" { (lang.t("Salva le preferenze dello scambio", "Save the exchange preferences")) } }
        }
    })
}

/// `POST /profilo/scambio`: `mode`, and `receive` once per kind kept.
pub async fn settings_page(State(state): State<AppState>, lang: Lang, auth: Auth, body: Bytes) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let f = form(&body, lang)?;
    let receive = f.all("receive");
    let stopped: Vec<String> =
        MAIL_KINDS.iter().filter(|k| !receive.contains(&k.as_str())).map(|k| k.as_str().to_string()).collect();
    state
        .exchange
        .set_mail_settings(user, f.get("mode").unwrap_or("immediate"), &stopped)
        .await
        .map_err(|e| e.into_app(lang))?;
    Ok(done("/profilo#scambio", Done::ProfileSaved))
}

fn link_kind(state: &AppState, user: i64, kind: &str, signature: &str, lang: Lang) -> AppResult<MailKind> {
    state.exchange.unsubscribe_link(user, kind, signature).ok_or_else(|| {
        AppError::NotFound(
            lang.t(
                "Questo link per non ricevere più le email non è valido: controlla di averlo copiato per intero, o cambia le preferenze dal profilo.",
                "This unsubscribe link is not valid: check that it was copied in full, or change the preferences in your profile.",
            )
            .into(),
        )
    })
}

/// `GET /disiscrizione/{user}/{kind}/{signature}`: what the link does, and the button that
/// does it (a link opened by a mail scanner changes nothing).
pub async fn unsubscribe_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    Path((user, kind, signature)): Path<(i64, String, String)>,
) -> AppResult<Markup> {
    let k = link_kind(&state, user, &kind, &signature, lang)?;
    let title = lang.t("Non ricevere più queste email", "Stop these emails");
    let body = html! {
        h1 { (title) }
        p { (lang.t("Con il pulsante smetti di ricevere: ", "With the button you stop getting: ")) strong { (k.label(lang)) } ". "
            (lang.t("Le altre email di fondilab non cambiano.", "fondilab's other emails do not change.")) }
        form method="post" action=(format!("/disiscrizione/{user}/{kind}/{signature}")) {
            button type="submit" { (lang.t("Non ricevere più", "Stop them")) }
        }
    };
    Ok(page(Page { lang, title, here: "/disiscrizione", auth: Some(&auth) }, body))
}

/// `POST /disiscrizione/{user}/{kind}/{signature}`: the one-click unsubscribe (RFC 8058). The
/// signed link authenticates it: no session and no CSRF token are needed.
pub async fn unsubscribe(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    Path((user, kind, signature)): Path<(i64, String, String)>,
) -> AppResult<Markup> {
    let k = link_kind(&state, user, &kind, &signature, lang)?;
    state.exchange.stop_mail(user, k).await.map_err(|e| e.into_app(lang))?;
    let title = lang.t("Fatto", "Done");
    let body = html! {
        h1 { (title) }
        p role="status" { (lang.t("Non riceverai più: ", "You will no longer get: ")) strong { (k.label(lang)) } "." }
        p { (lang.t("Puoi cambiare idea dalle impostazioni del profilo.", "You can change your mind in your profile settings.")) }
    };
    Ok(page(Page { lang, title, here: "/disiscrizione", auth: Some(&auth) }, body))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[schema(as = ExchangeFollowBody)]
pub struct FollowBody {
    /// question, topic or fund.
    pub target: String,
    /// The question's number, the topic's slug or the fund's name.
    pub key: String,
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[schema(as = ExchangeMailSettingsBody)]
pub struct SettingsBody {
    /// immediate or digest.
    pub mode: String,
    /// Kinds to stop: answer, accepted, practice, digest.
    #[serde(default)]
    pub stopped: Vec<String>,
}

#[utoipa::path(
    get,
    path = "/exchange/follows",
    tag = "exchange",
    summary = "What the person follows",
    responses(
        (status = 200, description = "The follows", body = Vec<Follow>),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn list(State(state): State<AppState>, lang: Lang, auth: Auth) -> AppResult<Json<Vec<Follow>>> {
    let user = signed_in(&auth)?;
    Ok(Json(state.exchange.follows(user).await.map_err(|e| e.into_app(lang))?))
}

#[utoipa::path(
    post,
    path = "/exchange/follows",
    tag = "exchange",
    summary = "Follow a question, a topic or a fund",
    request_body = FollowBody,
    responses(
        (status = 201, description = "Followed (also when it already was)", body = Vec<Follow>),
        (status = 400, description = "Unknown target, topic or fund (`field` names it)", body = crate::web::error::ErrorInfo),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such question", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn add(State(state): State<AppState>, lang: Lang, auth: Auth, body: Bytes) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let b: FollowBody = json(&body, lang)?;
    let target = Target::parse(&b.target, &b.key).map_err(|e| e.into_app(lang))?;
    state.exchange.follow(user, &target, &state.search.corpus().topics).await.map_err(|e| e.into_app(lang))?;
    let all = state.exchange.follows(user).await.map_err(|e| e.into_app(lang))?;
    Ok((StatusCode::CREATED, Json(all)).into_response())
}

#[utoipa::path(
    post,
    path = "/exchange/follows/remove",
    tag = "exchange",
    summary = "Stop following (whoever asked a question keeps following it)",
    request_body = FollowBody,
    responses(
        (status = 200, description = "What is still followed", body = Vec<Follow>),
        (status = 400, description = "Unknown target or key", body = crate::web::error::ErrorInfo),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 404, description = "No such question", body = crate::web::error::ErrorInfo),
        (status = 409, description = "One's own question", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn remove(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    body: Bytes,
) -> AppResult<Json<Vec<Follow>>> {
    let user = signed_in(&auth)?;
    let b: FollowBody = json(&body, lang)?;
    let target = Target::parse(&b.target, &b.key).map_err(|e| e.into_app(lang))?;
    state.exchange.unfollow(user, &target).await.map_err(|e| e.into_app(lang))?;
    Ok(Json(state.exchange.follows(user).await.map_err(|e| e.into_app(lang))?))
}

#[utoipa::path(
    get,
    path = "/exchange/mail-settings",
    tag = "exchange",
    summary = "How exchange mail reaches the person",
    responses(
        (status = 200, description = "The settings", body = MailSettings),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn settings(State(state): State<AppState>, lang: Lang, auth: Auth) -> AppResult<Json<MailSettings>> {
    let user = signed_in(&auth)?;
    Ok(Json(state.exchange.mail_settings(user).await.map_err(|e| e.into_app(lang))?))
}

#[utoipa::path(
    post,
    path = "/exchange/mail-settings",
    tag = "exchange",
    summary = "Set how exchange mail arrives (at once or a daily digest at 08:00) and which kinds are stopped",
    request_body = SettingsBody,
    responses(
        (status = 200, description = "The settings", body = MailSettings),
        (status = 400, description = "Unknown mode or kind (`field` names it)", body = crate::web::error::ErrorInfo),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn save_settings(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    body: Bytes,
) -> AppResult<Json<MailSettings>> {
    let user = signed_in(&auth)?;
    let b: SettingsBody = json(&body, lang)?;
    Ok(Json(state.exchange.set_mail_settings(user, &b.mode, &b.stopped).await.map_err(|e| e.into_app(lang))?))
}
