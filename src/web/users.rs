//! Users, for coordinators: who is registered, invitations (with a welcome email carrying a
//! sign-in link), role changes, deactivation. Also the JSON lists of users and Regions.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use maud::{html, Markup};

use super::auth::Auth;
use super::kit::{done, form, rendered, Done};
use super::layout::{confirm_page, csrf_field, page, scrolling, Confirm, Page, Problems};
use super::params::Params;
use crate::accounts::signin::{self, WELCOME_LINK_TTL_MS};
use crate::accounts::{self, category_label, NewUser, Region, Role, User, UserFilter, ORGANISATION_KINDS};
use crate::app::AppState;
use crate::i18n::Lang;
use crate::web::error::{AppError, AppResult, RefusalHttp};

fn filter(p: &Params, lang: Lang) -> Result<UserFilter, AppError> {
    let role = match p.non_empty("role") {
        Some(r) => Some(Role::parse(r).ok_or_else(|| {
            AppError::field(
                "role",
                format!("{} \"{r}\": officer, mentor, coordinator", lang.t("ruolo sconosciuto", "unknown role")),
            )
        })?),
        None => None,
    };
    let active = match p.non_empty("active") {
        None => None,
        Some("1") => Some(true),
        Some("0") => Some(false),
        Some(_) => return Err(AppError::field("active", lang.t("active vale 1 oppure 0", "active is 1 or 0"))),
    };
    Ok(UserFilter { role, region: p.non_empty("region").map(|r| r.to_uppercase()), active })
}

async fn checked_filter(state: &AppState, raw: Option<&str>, lang: Lang) -> AppResult<UserFilter> {
    let f = filter(&Params::parse(raw, lang)?, lang)?;
    if let Some(code) = &f.region {
        if accounts::region(&state.db, code).await?.is_none() {
            return Err(AppError::field(
                "region",
                format!("{} \"{code}\"", lang.t("Regione sconosciuta", "Unknown Region")),
            ));
        }
    }
    Ok(f)
}

#[utoipa::path(
    get,
    path = "/users",
    tag = "accounts",
    summary = "Users, filtered by role, Region and state (coordinators)",
    params(
        ("role" = Option<crate::accounts::Role>, Query, description = "officer, mentor or coordinator"),
        ("region" = Option<String>, Query, description = "Region code"),
        ("active" = Option<String>, Query, description = "1 or 0")
    ),
    responses(
        (status = 200, description = "Users", body = Vec<User>),
        (status = 400, description = "Unknown filter value", body = crate::web::error::ErrorInfo),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo),
        (status = 403, description = "Not a coordinator", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn api_users(
    State(state): State<AppState>,
    lang: Lang,
    RawQuery(raw): RawQuery,
) -> AppResult<Json<Vec<User>>> {
    let f = checked_filter(&state, raw.as_deref(), lang).await?;
    Ok(Json(accounts::list(&state.db, &f).await?))
}

#[utoipa::path(
    get,
    path = "/regions",
    tag = "accounts",
    summary = "Regions and Autonomous Provinces with their cohesion-policy category",
    responses(
        (status = 200, description = "The 21 Regions/APs", body = Vec<Region>)
    )
)]
pub async fn api_regions(State(state): State<AppState>) -> AppResult<Json<Vec<Region>>> {
    Ok(Json(accounts::regions(&state.db).await?))
}

pub async fn page_list(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    let f = checked_filter(&state, raw.as_deref(), lang).await?;
    let markup = users_page(&state, lang, &auth, &f, &NewUser::default(), &Problems::none()).await?;
    Ok(markup.into_response())
}

async fn users_page(
    state: &AppState,
    lang: Lang,
    auth: &Auth,
    f: &UserFilter,
    draft: &NewUser,
    err: &Problems,
) -> AppResult<Markup> {
    let users = accounts::list(&state.db, f).await?;
    let regions = accounts::regions(&state.db).await?;
    let region_name = |code: &Option<String>| {
        code.as_deref().and_then(|c| regions.iter().find(|r| r.code == c)).map(|r| r.name.clone()).unwrap_or_default()
    };
    let body = html! {
        h1 { (lang.t("Utenti", "Users")) }
        form.search method="get" action="/coordinamento/utenti" {
            div.field {
                label for="f-role" { (lang.t("Ruolo", "Role")) }
                select #f-role name="role" {
                    option value="" { (lang.t("Tutti", "All")) }
                    @for r in Role::ALL { option value=(r.as_str()) selected[f.role == Some(r)] { (r.label(lang)) } }
                }
            }
            div.field {
                label for="f-region" { (lang.t("Regione / PA", "Region / AP")) }
                select #f-region name="region" {
                    option value="" { (lang.t("Tutte", "All")) }
                    @for r in &regions { option value=(r.code) selected[f.region.as_deref() == Some(r.code.as_str())] { (r.name) } }
                }
            }
            button type="submit" { (lang.t("Filtra", "Filter")) }
        }
        @if users.is_empty() {
            p.notice role="status" { (lang.t("Nessun utente con questi filtri.", "No user matches these filters.")) }
        } @else {
            (scrolling(lang.t("Utenti", "Users"), html! {
            table {
                thead { tr {
                    th scope="col" { (lang.t("Nome", "Name")) } th scope="col" { "Email" } th scope="col" { (lang.t("Ruolo", "Role")) }
                    th scope="col" { (lang.t("Regione / PA", "Region / AP")) } th scope="col" { (lang.t("Ente", "Organisation")) }
                    th scope="col" { (lang.t("Stato", "Status")) } th scope="col" { span.visually-hidden { (lang.t("Azioni", "Actions")) } }
                } }
                tbody {
                    @for u in &users {
                        tr {
                            td { (u.name) } td { (u.email) } td { (u.role.label(lang)) } td { (region_name(&u.region_code)) }
                            td { @if let Some(o) = &u.organisation { (o) } }
                            td { @if u.active { (lang.t("attivo", "active")) } @else { (lang.t("disattivato", "deactivated")) } }
                            td {
                                form method="post" action=(format!("/coordinamento/utenti/{}/ruolo", u.id)) {
                                    (csrf_field(auth))
                                    label.visually-hidden for=(format!("role-{}", u.id)) { (lang.t("Nuovo ruolo di ", "New role for ")) (u.name) }
                                    select id=(format!("role-{}", u.id)) name="role" {
                                        @for r in Role::ALL { option value=(r.as_str()) selected[u.role == r] { (r.label(lang)) } }
                                    }
                                    label.visually-hidden for=(format!("region-{}", u.id)) { (lang.t("Regione di ", "Region of ")) (u.name) }
                                    select id=(format!("region-{}", u.id)) name="region" {
                                        option value="" { "—" }
                                        @for r in &regions { option value=(r.code) selected[u.region_code.as_deref() == Some(r.code.as_str())] { (r.name) } }
                                    }
                                    button type="submit" { (lang.t("Cambia ruolo", "Change role")) }
                                }
                                @if u.active && auth.user().is_some_and(|me| me.id == u.id) {
                                    p.hint { (lang.t("(sei tu)", "(you)")) }
                                } @else {
                                    form method="post" action=(format!("/coordinamento/utenti/{}/{}", u.id, if u.active { "disattiva" } else { "riattiva" })) {
                                        (csrf_field(auth))
                                        @if u.active { button.danger type="submit" { (lang.t("Disattiva…", "Deactivate…")) } }
                                        @else { button type="submit" { (lang.t("Riattiva", "Reactivate")) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            }))
        }
        h2 #invita { (lang.t("Invita un utente", "Invite a user")) }
        (err.summary(lang))
        form.stack method="post" action="/coordinamento/utenti" {
            (csrf_field(auth))
            (text_field("email", "email", lang.t("Email", "Email"), &draft.email, err))
            (text_field("name", "text", lang.t("Nome e cognome", "Full name"), &draft.name, err))
            div.field {
                label for="role" { (lang.t("Ruolo", "Role")) }
                select #role name="role" aria-invalid=[err.invalid("role")] aria-describedby=[err.described("role")] {
                    @for r in Role::ALL { option value=(r.as_str()) selected[draft.role == r.as_str()] { (r.label(lang)) } }
                }
                (err.at("role"))
            }
            div.field {
                label for="region" { (lang.t("Regione / PA (obbligatoria per i funzionari; per i mentor, l'ente che li impiega)", "Region / AP (required for officers; for mentors, their employer)")) }
                select #region name="region" aria-invalid=[err.invalid("region")] aria-describedby=[err.described("region")] {
                    option value="" { "—" }
                    @for r in &regions {
                        option value=(r.code) selected[draft.region_code.as_deref() == Some(r.code.as_str())] {
                            (r.name) " (" (category_label(&r.category, lang)) ")"
                        }
                    }
                }
                (err.at("region"))
            }
            (text_field("organisation", "text", lang.t("Ente (dipartimento, ASL, ospedale, ente di formazione)", "Organisation (department, ASL, hospital, training body)"), draft.organisation.as_deref().unwrap_or(""), err))
            div.field {
                label for="organisation_kind" { (lang.t("Tipo di ente", "Kind of organisation")) }
                select #organisation_kind name="organisation_kind" {
                    option value="" { "—" }
                    @for (code, it, en) in ORGANISATION_KINDS { option value=(code) selected[draft.organisation_kind.as_deref() == Some(code)] { (lang.t(it, en)) } }
                }
            }
            div.field {
                label for="lang" { (lang.t("Lingua", "Language")) }
                select #lang name="lang" { @for l in Lang::ALL { option value=(l.code()) selected[draft.lang == Some(l)] { (l.name()) } } }
            }
            div { button type="submit" { (lang.t("Invita e invia il benvenuto", "Invite and send the welcome email")) } }
        }
    };
    Ok(page(Page { lang, title: lang.t("Utenti", "Users"), here: "/coordinamento/utenti", auth: Some(auth) }, body))
}

fn text_field(name: &str, kind: &str, label: &str, value: &str, err: &Problems) -> Markup {
    html! {
        div.field {
            label for=(name) { (label) }
            input id=(name) type=(kind) name=(name) value=(value) aria-invalid=[err.invalid(name)] aria-describedby=[err.described(name)];
            (err.at(name))
        }
    }
}

pub async fn invite(State(state): State<AppState>, lang: Lang, auth: Auth, body: Bytes) -> AppResult<Response> {
    let f = form(&body, lang)?;
    let draft = NewUser {
        email: f.get("email").unwrap_or("").to_string(),
        name: f.get("name").unwrap_or("").to_string(),
        role: f.get("role").unwrap_or("").to_string(),
        region_code: f.non_empty("region").map(String::from),
        organisation: f.non_empty("organisation").map(String::from),
        organisation_kind: f.non_empty("organisation_kind").map(String::from),
        lang: f.non_empty("lang").and_then(Lang::parse),
    };
    let now = state.clock.now_ms();
    let result = async {
        let valid = accounts::validate(&state.db, &draft).await?;
        let mut tx = state.db.begin_write().await.map_err(accounts::AccountError::from)?;
        let id = accounts::create(&mut tx, now, &valid).await?;
        tx.commit().await.map_err(accounts::AccountError::from)?;
        Ok::<i64, accounts::AccountError>(id)
    }
    .await;
    let id = match result {
        Ok(id) => id,
        Err(accounts::AccountError::Database(e)) => return Err(e.into()),
        Err(e) => {
            let status = if matches!(e, accounts::AccountError::Exists(_)) {
                StatusCode::CONFLICT
            } else {
                StatusCode::BAD_REQUEST
            };
            let problems = Problems::list(e.problems(lang));
            let markup = users_page(&state, lang, &auth, &UserFilter::default(), &draft, &problems).await?;
            return Ok(rendered(status, markup));
        }
    };
    let user =
        accounts::get(&state.db, id).await?.ok_or_else(|| AppError::Internal(anyhow::anyhow!("user {id} vanished")))?;
    signin::send_link(&state.db, &state.outbox, &state.config.public_url, &user, now, WELCOME_LINK_TTL_MS, true)
        .await
        .map_err(|e| AppError::Internal(anyhow::Error::new(e)))?;
    Ok(back(Done::InviteSent))
}

fn back(what: Done) -> Response {
    done("/coordinamento/utenti", what)
}

async fn target(state: &AppState, id: &str, lang: Lang) -> AppResult<User> {
    let missing = || AppError::NotFound(lang.t("utente inesistente", "no such user").into());
    let id: i64 = id.parse().map_err(|_| missing())?;
    accounts::get(&state.db, id).await?.filter(|u| !u.erased).ok_or_else(missing)
}

pub async fn change_role(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let user = target(&state, &id, lang).await?;
    let f = form(&body, lang)?;
    let role_text = f.get("role").unwrap_or("");
    let role = Role::parse(role_text).ok_or_else(|| accounts::AccountError::UnknownRole(role_text.to_string()))?;
    let done = accounts::set_role(&state.db, user.id, state.clock.now_ms(), role, f.non_empty("region")).await;
    done.map_err(|e| last_coordinator(e, lang))?;
    Ok(back(Done::RoleChanged))
}

/// The refusal to leave the service without an active coordinator, in the page's language.
fn last_coordinator(e: accounts::AccountError, lang: Lang) -> AppError {
    match e {
        accounts::AccountError::LastCoordinator => AppError::Conflict(
            lang.t(
                "Serve almeno un coordinatore attivo: nominane un altro prima.",
                "At least one active coordinator is needed: appoint another first.",
            )
            .into(),
        ),
        other => other.into(),
    }
}

/// Deactivates an account, after a confirmation page that says what it does; never one's own
/// (a coordinator who leaves erases their account from the profile).
pub async fn deactivate(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    Path(id): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let user = target(&state, &id, lang).await?;
    if auth.user().is_some_and(|me| me.id == user.id) {
        return Err(AppError::Conflict(
            lang.t(
                "Non puoi disattivare te stesso dall'elenco: per lasciare il servizio cancella il tuo account dal profilo.",
                "You cannot deactivate yourself from the list: to leave the service, erase your account from your profile.",
            )
            .into(),
        ));
    }
    if form(&body, lang)?.get("conferma") != Some("1") {
        let title = format!("{} {}?", lang.t("Disattivare", "Deactivate"), user.name);
        let action = format!("/coordinamento/utenti/{}/disattiva", user.id);
        let consequences = html! {
            p { (user.name) " · " (user.email) " · " (user.role.label(lang)) }
            ul {
                li { (lang.t("non potrà più accedere: le sessioni aperte e i token API smettono di funzionare, anche se l'account viene riattivato;",
                             "they can no longer sign in: open sessions and API tokens stop working, also if the account is reactivated;")) }
                li { (lang.t("le sue iscrizioni agli eventi futuri vengono annullate e i posti passano alla lista d'attesa.",
                             "their registrations for future events are cancelled and the seats go to the waiting list.")) }
            }
            p { (lang.t("Si può riattivare in seguito dallo stesso elenco.", "It can be reactivated later from the same list.")) }
        };
        let markup = confirm_page(
            lang,
            &auth,
            Confirm {
                title: &title,
                consequences,
                action: &action,
                fields: vec![],
                confirm_label: lang.t("Sì, disattiva", "Yes, deactivate"),
                back: "/coordinamento/utenti",
            },
        );
        return Ok(rendered(StatusCode::OK, markup));
    }
    accounts::set_active(&state.db, user.id, state.clock.now_ms(), false)
        .await
        .map_err(|e| last_coordinator(e, lang))?;
    state.events.withdraw_person(user.id).await.map_err(|e| e.into_app(lang))?;
    Ok(back(Done::UserDeactivated))
}

pub async fn reactivate(State(state): State<AppState>, lang: Lang, Path(id): Path<String>) -> AppResult<Response> {
    let user = target(&state, &id, lang).await?;
    accounts::set_active(&state.db, user.id, state.clock.now_ms(), true).await?;
    Ok(back(Done::UserReactivated))
}
