//! Signing in and out, the profile (preferences, API tokens, personal data, erasure), and
//! the privacy and accessibility pages.

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, RawQuery, Request, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use maud::{html, Markup};

use super::auth::Auth;
use super::kit::{client_headers_body, done, form, rendered, signed_in, Done};
use super::layout::{csrf_field, date, page, scrolling, Page, Problems};
use super::params::Params;
use crate::accounts::session;
use crate::accounts::signin::{self, LinkError};
use crate::accounts::{self, tokens, User};
use crate::app::AppState;
use crate::i18n::Lang;
use crate::web::error::{AppError, AppResult, RefusalHttp};

/// Where to go after signing in: a path of this site, the profile by default.
fn local_path(p: Option<&str>) -> &str {
    super::local_path(p, "/profilo")
}

fn signin_form(lang: Lang, auth: &Auth, email: &str, torna: &str, error: Option<&str>) -> Markup {
    html! {
        h1 { (lang.t("Accedi", "Sign in")) }
        p { (lang.t(
            "Scrivi il tuo indirizzo email: riceverai un link per entrare, valido 15 minuti e utilizzabile una volta sola. Non servono password.",
            "Enter your email address: you will receive a sign-in link, valid for 15 minutes and usable once. No password needed.")) }
        form.stack method="post" action="/accedi" {
            (csrf_field(auth))
            input type="hidden" name="torna" value=(torna);
            div.field {
                label for="email" { (lang.t("Indirizzo email", "Email address")) }
                input #email type="email" name="email" value=(email) autocomplete="email" required
                    aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| "email-errore")];
                @if let Some(e) = error { p #email-errore .field-error role="alert" { (e) } }
            }
            div { button type="submit" { (lang.t("Inviami il link", "Send me the link")) } }
        }
        p.hint { (lang.t("L'accesso è riservato agli utenti invitati dal coordinamento ProMIS. La ricerca tra le guide è aperta a tutti.",
                         "Access is for users invited by ProMIS coordinators. Searching the guides is open to everyone.")) }
    }
}

pub async fn signin_page(
    State(_): State<AppState>,
    lang: Lang,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> AppResult<Markup> {
    let p = Params::parse(raw.as_deref(), lang)?;
    let torna = local_path(p.get("torna")).to_string();
    let body = signin_form(lang, &auth, "", &torna, None);
    Ok(page(Page { lang, title: lang.t("Accedi", "Sign in"), here: "/accedi", auth: Some(&auth) }, body))
}

pub async fn signin_request(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    req: Request,
) -> AppResult<Response> {
    let (client, _, body) = client_headers_body(req, &state.config.trusted_proxies, lang).await?;
    let f = form(&body, lang)?;
    let email = f.get("email").unwrap_or("").trim().to_string();
    let torna = local_path(f.get("torna")).to_string();
    let title = lang.t("Accedi", "Sign in");
    let here = "/accedi";
    if crate::email::EmailAddress::parse(&email).is_none() {
        let msg = lang.t(
            "Scrivi un indirizzo email valido, ad esempio nome.cognome@regione.it",
            "Enter a valid email address, for example name.surname@region.it",
        );
        let markup =
            page(Page { lang, title, here, auth: Some(&auth) }, signin_form(lang, &auth, &email, &torna, Some(msg)));
        return Ok(rendered(StatusCode::BAD_REQUEST, markup));
    }
    let now = state.clock.now_ms();
    match signin::request_link(&state.db, &state.outbox, &state.config.public_url, &email, &client, now).await {
        Ok(()) => {}
        Err(LinkError::RateLimited) => {
            let msg = lang.t(
                "Troppe richieste di accesso in poco tempo: riprova tra 15 minuti.",
                "Too many sign-in requests in a short time: try again in 15 minutes.",
            );
            let markup = page(
                Page { lang, title, here, auth: Some(&auth) },
                signin_form(lang, &auth, &email, &torna, Some(msg)),
            );
            return Ok(rendered(StatusCode::TOO_MANY_REQUESTS, markup));
        }
        Err(LinkError::Enqueue(e)) => return Err(e.into()),
        Err(LinkError::Database(e)) => return Err(e.into()),
    }
    // The same answer whether or not the address belongs to someone.
    let body = html! {
        h1 { (lang.t("Controlla la posta", "Check your email")) }
        p role="status" { (lang.t(
            "Se l'indirizzo è registrato su fondilab, riceverai a breve un'email con il link per entrare. Il link vale 15 minuti.",
            "If the address is registered on fondilab, you will shortly receive an email with the sign-in link. The link is valid for 15 minutes.")) }
        p { a href="/accedi" { (lang.t("Non è arrivata? Chiedi un nuovo link", "Nothing arrived? Ask for a new link")) } }
    };
    Ok(page(Page { lang, title, here, auth: Some(&auth) }, body).into_response())
}

pub async fn link_page(
    lang: Lang,
    auth: Auth,
    Path(token): Path<String>,
    RawQuery(raw): RawQuery,
) -> AppResult<Markup> {
    let p = Params::parse(raw.as_deref(), lang)?;
    let torna = local_path(p.get("torna")).to_string();
    // Mail scanners open links; only the button below uses the link up.
    let body = html! {
        h1 { (lang.t("Accedi a fondilab", "Sign in to fondilab")) }
        form.stack method="post" action=(format!("/accedi/{}", token.chars().filter(char::is_ascii_hexdigit).collect::<String>())) {
            (csrf_field(&auth))
            input type="hidden" name="torna" value=(torna);
            div { button type="submit" { (lang.t("Entra", "Sign in")) } }
        }
    };
    Ok(page(Page { lang, title: lang.t("Accedi", "Sign in"), here: "/accedi", auth: Some(&auth) }, body))
}

pub async fn link_use(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    Path(token): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let f = form(&body, lang)?;
    let now = state.clock.now_ms();
    let Some(user) = signin::consume(&state.db, &token, now).await? else {
        let body = html! {
            h1 { (lang.t("Link non valido", "Link not valid")) }
            p.notice.error role="alert" { (lang.t(
                "Il link è scaduto o è già stato usato: ogni link vale 15 minuti e funziona una volta sola.",
                "The link has expired or was already used: each link is valid for 15 minutes and works once.")) }
            p { a href="/accedi" { (lang.t("Chiedi un nuovo link", "Ask for a new link")) } }
        };
        let markup = page(
            Page { lang, title: lang.t("Link non valido", "Link not valid"), here: "/accedi", auth: Some(&auth) },
            body,
        );
        return Ok(rendered(StatusCode::BAD_REQUEST, markup));
    };
    // A new session at every sign-in: an earlier session id never carries over.
    if let Auth::Session(old) = &auth {
        session::delete(&state.db, &old.id_hash).await?;
    }
    let (secret, _) = session::create(&state.db, user.id, now).await?;
    let secure = state.config.secure_cookies();
    let mut r = StatusCode::SEE_OTHER.into_response();
    let h = r.headers_mut();
    h.insert(
        LOCATION,
        HeaderValue::from_str(local_path(f.get("torna"))).unwrap_or(HeaderValue::from_static("/profilo")),
    );
    h.append(SET_COOKIE, HeaderValue::from_str(&session::cookie(Some(&secret), secure)).map_err(anyhow::Error::new)?);
    h.append(SET_COOKIE, HeaderValue::from_str(&super::lang_cookie(user.lang, secure)).map_err(anyhow::Error::new)?);
    Ok(r)
}

pub async fn signout(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    if let Auth::Session(s) = &auth {
        session::delete(&state.db, &s.id_hash).await?;
    }
    let mut r = StatusCode::SEE_OTHER.into_response();
    r.headers_mut().insert(LOCATION, HeaderValue::from_static("/"));
    r.headers_mut().append(
        SET_COOKIE,
        HeaderValue::from_str(&session::cookie(None, state.config.secure_cookies())).map_err(anyhow::Error::new)?,
    );
    Ok(r)
}

pub async fn profile(State(state): State<AppState>, lang: Lang, auth: Auth) -> AppResult<Markup> {
    let user = signed_in(&auth)?;
    profile_page(&state, lang, &auth, user, None, None).await
}

async fn profile_page(
    state: &AppState,
    lang: Lang,
    auth: &Auth,
    user: &User,
    // A refused preferences form: its problems and the name that was typed.
    refused: Option<(&Problems, &str)>,
    new_token: Option<&str>,
) -> AppResult<Markup> {
    let none = Problems::none();
    let err = refused.map_or(&none, |(p, _)| p);
    let name = refused.map_or(user.name.as_str(), |(_, typed)| typed);
    let region = match &user.region_code {
        Some(code) => accounts::region(&state.db, code).await?,
        None => None,
    };
    let tokens = tokens::list(&state.db, user.id).await?;
    let exchange = super::exchange::follows::profile_section(state, lang, auth).await?;
    let body = html! {
        h1 { (lang.t("Il tuo profilo", "Your profile")) }
        @if let Some(t) = new_token {
            div.notice role="status" {
                p { strong { (lang.t("Il tuo nuovo token: copialo ora, non sarà più mostrato.", "Your new token: copy it now, it will not be shown again.")) } }
                code.token { (t) }
            }
        }
        dl.meta {
            dt { (lang.t("Email", "Email")) } dd { (user.email) }
            dt { (lang.t("Ruolo", "Role")) } dd { (user.role.label(lang)) }
            @if let Some(r) = &region { dt { (lang.t("Regione / PA", "Region / AP")) } dd { (r.name) } }
            @if let Some(o) = &user.organisation { dt { (lang.t("Ente", "Organisation")) } dd { (o) } }
        }
        h2 { (lang.t("Preferenze", "Preferences")) }
        (err.summary(lang))
        form.stack method="post" action="/profilo" {
            (csrf_field(auth))
            div.field {
                label for="name" { (lang.t("Nome e cognome", "Full name")) }
                input #name type="text" name="name" value=(name) required maxlength="120" autocomplete="name" aria-invalid=[err.invalid("name")] aria-describedby=[err.described("name")];
                (err.at("name"))
            }
            div.field {
                label for="lang" { (lang.t("Lingua dell'interfaccia e delle email", "Language of the interface and emails")) }
                select #lang name="lang" {
                    @for l in Lang::ALL { option value=(l.code()) selected[l == user.lang] { (l.name()) } }
                }
            }
            div {
                input #notify type="checkbox" name="notify_email" value="1" checked[user.notify_email];
                label for="notify" { " " (lang.t("Ricevi per email riepiloghi e promemoria non indispensabili", "Receive optional digests and reminders by email")) }
            }
            div { button type="submit" { (lang.t("Salva", "Save")) } }
        }
        (exchange)
        h2 { (lang.t("Token personali per l'API", "Personal API tokens")) }
        p.hint { (lang.t("Un token permette a uno script di usare /api/v1 con i tuoi permessi (intestazione Authorization: Bearer).",
                         "A token lets a script use /api/v1 with your permissions (Authorization: Bearer header).")) }
        @if tokens.is_empty() {
            p { (lang.t("Nessun token.", "No tokens.")) }
        } @else {
            (scrolling(lang.t("Token API", "API tokens"), html! { table {
                thead { tr { th { (lang.t("Nome", "Name")) } th { (lang.t("Inizio", "Starts with")) } th { (lang.t("Creato", "Created")) } th { (lang.t("Ultimo uso", "Last used")) } th { span.visually-hidden { (lang.t("Azioni", "Actions")) } } } }
                tbody {
                    @for t in &tokens {
                        tr {
                            td { (t.name) } td { code { (t.prefix) "…" } }
                            td { (super::outbox::local_time(t.created_at)) }
                            td { @if let Some(u) = t.last_used_at { (super::outbox::local_time(u)) } }
                            td {
                                @if t.revoked_at.is_some() { (lang.t("revocato", "revoked")) } @else {
                                    form method="post" action=(format!("/profilo/token/{}/revoca", t.id)) {
                                        (csrf_field(auth)) button type="submit" { (lang.t("Revoca", "Revoke")) }
                                    }
                                }
                            }
                        }
                    }
                }
            } }))
        }
        form.stack method="post" action="/profilo/token" {
            (csrf_field(auth))
            div.field {
                label for="token-name" { (lang.t("Nome del nuovo token", "Name of the new token")) }
                input #token-name type="text" name="name" maxlength="80" placeholder=(lang.t("es. script monitoraggio", "e.g. monitoring script"));
            }
            div { button type="submit" { (lang.t("Crea token", "Create token")) } }
        }
        h2 { (lang.t("I tuoi dati", "Your data")) }
        p { a href="/profilo/dati.json" download { (lang.t("Scarica i tuoi dati personali (JSON)", "Download your personal data (JSON)")) } }
        form.stack method="post" action="/profilo/cancella" {
            (csrf_field(auth))
            fieldset {
                legend { (lang.t("Cancella il tuo account", "Erase your account")) }
                p { (lang.t("I tuoi dati personali saranno cancellati; i conteggi aggregati (ad esempio il numero di partecipanti) restano, e così le domande, le risposte e le esperienze inviate o pubblicate nello scambio tra Regioni, firmate \"utente rimosso\" (le bozze di esperienze si cancellano). L'operazione non si può annullare.",
                            "Your personal data will be erased; aggregate figures (such as the number of participants) remain, and so do the questions, answers and practices sent or published in the exchange between Regions, signed \"utente rimosso\" (removed user; drafts of practices are deleted). This cannot be undone.")) }
                div {
                    input #confirm type="checkbox" name="conferma" value="si" required;
                    label for="confirm" { " " (lang.t("Confermo di voler cancellare il mio account", "I confirm I want to erase my account")) }
                }
                div { button.danger type="submit" { (lang.t("Cancella l'account", "Erase the account")) } }
            }
        }
        p.hint { (lang.t("Account creato il ", "Account created on ")) (date(chrono::DateTime::from_timestamp_millis(user.created_at).map(|d| d.date_naive()).unwrap_or_default())) }
    };
    Ok(page(Page { lang, title: lang.t("Profilo", "Profile"), here: "/profilo", auth: Some(auth) }, body))
}

pub async fn profile_save(State(state): State<AppState>, lang: Lang, auth: Auth, body: Bytes) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let f = form(&body, lang)?;
    let new_lang = f
        .non_empty("lang")
        .and_then(Lang::parse)
        .ok_or_else(|| AppError::field("lang", lang.t("lingua sconosciuta", "unknown language")))?;
    let name = f.get("name").unwrap_or("");
    let saved = accounts::update_profile(
        &state.db,
        user.id,
        state.clock.now_ms(),
        name,
        new_lang,
        f.get("notify_email").is_some(),
    )
    .await;
    match saved {
        Ok(()) => {}
        Err(accounts::AccountError::Database(e)) => return Err(e.into()),
        Err(e) => {
            let problems = Problems::list(e.problems(lang));
            let markup = profile_page(&state, lang, &auth, user, Some((&problems, name)), None).await?;
            return Ok(rendered(StatusCode::BAD_REQUEST, markup));
        }
    }
    let mut r = done("/profilo", Done::ProfileSaved);
    let cookie = super::lang_cookie(new_lang, state.config.secure_cookies());
    r.headers_mut().append(SET_COOKIE, HeaderValue::from_str(&cookie).map_err(anyhow::Error::new)?);
    Ok(r)
}

pub async fn token_create(State(state): State<AppState>, lang: Lang, auth: Auth, body: Bytes) -> AppResult<Markup> {
    let user = signed_in(&auth)?;
    let f = form(&body, lang)?;
    let (_, secret) = tokens::create(&state.db, user.id, f.get("name").unwrap_or(""), state.clock.now_ms()).await?;
    profile_page(&state, lang, &auth, user, None, Some(&secret)).await
}

pub async fn token_revoke(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound(lang.t("token inesistente", "no such token").into()))?;
    if !tokens::revoke(&state.db, user.id, id, state.clock.now_ms()).await? {
        return Err(AppError::NotFound(
            lang.t("token inesistente o già revocato", "no such token, or already revoked").into(),
        ));
    }
    Ok(done("/profilo", Done::TokenRevoked))
}

/// Everything fondilab holds about the signed-in person, as JSON.
pub async fn data_export(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let tokens = tokens::list(&state.db, user.id).await?;
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1")
        .bind(user.id)
        .fetch_one(state.db.pool())
        .await?;
    let mail: Vec<(String, String, String, i64)> =
        sqlx::query_as("SELECT kind, subject, status, created_at FROM outbox WHERE recipient = $1 ORDER BY id")
            .bind(&user.email)
            .fetch_all(state.db.pool())
            .await?;
    let surveys: Vec<(i64, i64, String, i64)> = sqlx::query_as(
        "SELECT event_id, useful, comment, updated_at FROM event_feedback WHERE user_id = $1 ORDER BY event_id",
    )
    .bind(user.id)
    .fetch_all(state.db.pool())
    .await?;
    let asked: Vec<(i64, String, String, i64)> =
        sqlx::query_as("SELECT id, title, body, created_at FROM exchange_questions WHERE author_id = $1 ORDER BY id")
            .bind(user.id)
            .fetch_all(state.db.pool())
            .await?;
    let answered: Vec<(i64, i64, String, i64)> = sqlx::query_as(
        "SELECT id, question_id, body, created_at FROM exchange_answers WHERE author_id = $1 ORDER BY id",
    )
    .bind(user.id)
    .fetch_all(state.db.pool())
    .await?;
    let practices: Vec<(i64, i64, String, String, i64)> = sqlx::query_as(
        "SELECT p.id, v.number, v.state, v.title, v.updated_at FROM exchange_practices p \
         JOIN exchange_practice_versions v ON v.practice_id = p.id WHERE p.author_id = $1 ORDER BY p.id, v.number",
    )
    .bind(user.id)
    .fetch_all(state.db.pool())
    .await?;
    let follows = state.exchange.follows(user).await.map_err(|e| e.into_app(user.lang))?;
    let exchange_mail = state.exchange.mail_settings(user).await.map_err(|e| e.into_app(user.lang))?;
    let body = serde_json::json!({
        "user": user,
        "exchange_follows": follows,
        "exchange_mail": exchange_mail,
        "exchange_practices": practices.iter().map(|(id, number, state, title, updated_at)| serde_json::json!({
            "id": id, "version": number, "state": state, "title": title, "updated_at": updated_at
        })).collect::<Vec<_>>(),
        "exchange_questions": asked.iter().map(|(id, title, body, created_at)| serde_json::json!({
            "id": id, "title": title, "body": body, "created_at": created_at
        })).collect::<Vec<_>>(),
        "exchange_answers": answered.iter().map(|(id, question_id, body, created_at)| serde_json::json!({
            "id": id, "question_id": question_id, "body": body, "created_at": created_at
        })).collect::<Vec<_>>(),
        "event_feedback": surveys.iter().map(|(event_id, useful, comment, updated_at)| serde_json::json!({
            "event_id": event_id, "useful": useful, "comment": comment, "updated_at": updated_at
        })).collect::<Vec<_>>(),
        "api_tokens": tokens,
        "open_sessions": sessions,
        "emails": mail.iter().map(|(kind, subject, status, created_at)| serde_json::json!({
            "kind": kind, "subject": subject, "status": status, "created_at": created_at
        })).collect::<Vec<_>>(),
    });
    let mut r = Json(body).into_response();
    r.headers_mut()
        .insert(CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"fondilab-dati-personali.json\""));
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(r)
}

pub async fn erase(State(state): State<AppState>, lang: Lang, auth: Auth, body: Bytes) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let f = form(&body, lang)?;
    if f.get("conferma") != Some("si") {
        return Err(AppError::field(
            "conferma",
            lang.t("Spunta la conferma per cancellare l'account.", "Tick the confirmation to erase the account."),
        ));
    }
    match accounts::erase(&state.db, user.id, state.clock.now_ms()).await {
        Ok(()) => {}
        Err(accounts::AccountError::LastCoordinator) => {
            return Err(AppError::Conflict(
                lang.t(
                    "Sei l'ultimo coordinatore attivo: nomina un altro coordinatore prima di cancellare l'account.",
                    "You are the last active coordinator: appoint another coordinator before erasing the account.",
                )
                .into(),
            ))
        }
        Err(e) => return Err(e.into()),
    }
    state.events.withdraw_person(user.id).await.map_err(|e| e.into_app(lang))?;
    let body = html! {
        h1 { (lang.t("Account cancellato", "Account erased")) }
        p role="status" { (lang.t("I tuoi dati personali sono stati cancellati e sei uscito da fondilab.", "Your personal data has been erased and you are signed out.")) }
    };
    let mut r = page(Page { lang, title: lang.t("Account cancellato", "Account erased"), here: "/", auth: None }, body)
        .into_response();
    r.headers_mut().append(
        SET_COOKIE,
        HeaderValue::from_str(&session::cookie(None, state.config.secure_cookies())).map_err(anyhow::Error::new)?,
    );
    Ok(r)
}

#[utoipa::path(
    get,
    path = "/me",
    tag = "accounts",
    summary = "The signed-in user",
    responses(
        (status = 200, description = "The user", body = User),
        (status = 401, description = "Not signed in", body = crate::web::error::ErrorInfo)
    )
)]
pub async fn me(auth: Auth) -> AppResult<Json<User>> {
    Ok(Json(signed_in(&auth)?.clone()))
}

pub async fn privacy(State(state): State<AppState>, lang: Lang, auth: Auth, OriginalUri(_): OriginalUri) -> Markup {
    let contact = state.outbox.from().email.to_string();
    let body = super::legal::privacy(lang, &contact);
    page(
        Page { lang, title: lang.t("Informativa privacy", "Privacy notice"), here: "/privacy", auth: Some(&auth) },
        body,
    )
}

pub async fn accessibility(State(state): State<AppState>, lang: Lang, auth: Auth) -> Markup {
    let contact = state.outbox.from().email.to_string();
    let body = super::legal::accessibility(lang, &contact);
    page(
        Page {
            lang,
            title: lang.t("Dichiarazione di accessibilità", "Accessibility statement"),
            here: "/accessibilita",
            auth: Some(&auth),
        },
        body,
    )
}
