//! `/api/v1/mentorship/...` for the coordinators' review desk: approving suggestions, the
//! automatic mode, and running the assignment now.

use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::i18n::Lang;
use crate::mentorship::{store, RunReport};
use crate::web::auth::Auth;
use crate::web::error::{AppError, AppResult, RefusalHttp};
use crate::web::kit::{conn, json, signed_in};

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct ApproveBody {
    /// Suggestions to approve; empty or absent approves every suggestion awaiting review.
    #[serde(default)]
    pub ids: Vec<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Approved {
    pub approved: usize,
}

#[utoipa::path(
    post,
    path = "/mentorship/approve",
    tag = "mentorship",
    summary = "Turn suggestions into proposals (coordinators); no ids: all awaiting review",
    request_body = Option<ApproveBody>,
    responses(
        (status = 200, description = "How many were approved", body = Approved),
        (status = 403, description = "Not a coordinator", body = crate::web::error::ErrorInfo),
        (status = 404, description = "An id names no match (nothing approved)", body = crate::web::error::ErrorInfo),
        (status = 409, description = "One of them is no longer a suggestion (nothing approved)", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn approve(State(state): State<AppState>, lang: Lang, auth: Auth, body: Bytes) -> AppResult<Json<Approved>> {
    let user = signed_in(&auth)?;
    let b: ApproveBody = json(&body, lang)?;
    let approved = state.mentorship.approve(user, &b.ids).await.map_err(|e| e.into_app(lang))?;
    Ok(Json(Approved { approved }))
}

#[derive(Serialize, Deserialize, Default, utoipa::ToSchema)]
pub struct Settings {
    /// Suggestions become proposals without a coordinator's review.
    #[schema(value_type = bool, required = true)]
    pub auto: Option<bool>,
}

#[utoipa::path(
    get,
    path = "/mentorship/settings",
    tag = "mentorship",
    summary = "Automatic mode (coordinators)",
    responses(
        (status = 200, description = "The setting", body = Settings),
        (status = 403, description = "Not a coordinator", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn settings_get(State(state): State<AppState>) -> AppResult<Json<Settings>> {
    let mut c = conn(&state).await?;
    Ok(Json(Settings { auto: Some(store::auto_mode(&mut c).await?) }))
}

#[utoipa::path(
    post,
    path = "/mentorship/settings",
    tag = "mentorship",
    summary = "Turn automatic mode on or off (coordinators)",
    request_body = Settings,
    responses(
        (status = 200, description = "The setting", body = Settings),
        (status = 400, description = "auto missing", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Not a coordinator", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn settings_save(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    body: Bytes,
) -> AppResult<Json<Settings>> {
    let user = signed_in(&auth)?;
    let s: Settings = json(&body, lang)?;
    let auto = s
        .auto
        .ok_or_else(|| AppError::field("auto", lang.t("auto (true/false) mancante", "auto (true/false) is missing")))?;
    state.mentorship.set_auto(user, auto).await.map_err(|e| e.into_app(lang))?;
    if auto {
        state.mentorship.rerun().await;
    }
    Ok(Json(Settings { auto: Some(auto) }))
}

#[utoipa::path(
    post,
    path = "/mentorship/run",
    tag = "mentorship",
    summary = "Run the assignment now (coordinators)",
    responses(
        (status = 200, description = "What the run did", body = RunReport),
        (status = 403, description = "Not a coordinator", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn run(State(state): State<AppState>, lang: Lang) -> AppResult<Json<RunReport>> {
    Ok(Json(state.mentorship.run().await.map_err(|e| e.into_app(lang))?))
}
