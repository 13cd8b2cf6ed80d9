//! Officers' requests: the form, filing, editing, withdrawing, assigning, and one request's page.

use super::*;

fn request_input(f: &Params) -> RequestInput {
    RequestInput {
        fund: f.get("fund").unwrap_or("").into(),
        topics: f.all("topics").into_iter().map(String::from).collect(),
        language: f.get("language").unwrap_or("").into(),
        format: f.get("format").unwrap_or("").into(),
        description: f.get("description").unwrap_or("").into(),
        period_from: f.non_empty("period_from").map(String::from),
        period_until: f.non_empty("period_until").map(String::from),
        form_key: f.non_empty("form_key").map(String::from),
    }
}

fn request_form(
    state: &AppState,
    lang: Lang,
    auth: &Auth,
    action: &str,
    title: &str,
    draft: &RequestInput,
    err: &Problems,
) -> Markup {
    let topics = &state.search.corpus().topics;
    let body = html! {
        h1 { (title) }
        (err.summary(lang))
        form.stack method="post" action=(action) {
            (csrf_field(auth))
            input type="hidden" name="form_key" value=(draft.form_key.clone().unwrap_or_default());
            div.field {
                label for="fund" { (lang.t("Fondo", "Fund")) }
                select #fund name="fund" aria-invalid=[err.invalid("fund")] aria-describedby=[err.described("fund")] {
                    option value="" { "—" }
                    @for f in Fund::ALL {
                        option value=(f.as_str()) selected[Fund::parse(&draft.fund) == Some(f)] { (fund_label(f.as_str(), lang)) }
                    }
                }
                (err.at("fund"))
            }
            fieldset.field #topics aria-describedby=[err.described("topics")] {
                legend { (lang.t("Temi (uno o più)", "Topics (one or more)")) }
                (err.at("topics"))
                div.choices {
                    @for t in topics.all() {
                        label {
                            input type="checkbox" name="topics" value=(t.slug) checked[draft.topics.contains(&t.slug)];
                            " " (t.label(lang))
                        }
                    }
                }
            }
            div.field {
                label for="language" { (lang.t("Lingua preferita", "Preferred language")) }
                select #language name="language" aria-invalid=[err.invalid("language")] aria-describedby=[err.described("language")] {
                    @for l in Lang::ALL { option value=(l.code()) selected[draft.language == l.code()] { (l.name()) } }
                }
                (err.at("language"))
            }
            fieldset.field #format aria-describedby=[err.described("format")] {
                legend { (lang.t("Formato", "Format")) }
                (err.at("format"))
                @for f in Format::ALL {
                    label { input type="radio" name="format" value=(f.as_str()) checked[draft.format == f.as_str()]; " " (f.label(lang)) } br;
                }
            }
            div.field {
                label for="description" { (lang.t("Di che cosa avete bisogno", "What you need")) }
                textarea #description name="description" rows="6" aria-invalid=[err.invalid("description")] aria-describedby=[err.described("description")] { (draft.description) }
                (err.at("description"))
            }
            div.field {
                label for="period_from" { (lang.t("Periodo desiderato: dal", "Desired period: from")) }
                input #period_from type="date" name="period_from" value=(draft.period_from.clone().unwrap_or_default()) aria-invalid=[err.invalid("period_from")] aria-describedby=[err.described("period_from")];
                (err.at("period_from"))
                label for="period_until" { (lang.t("al", "to")) }
                input #period_until type="date" name="period_until" value=(draft.period_until.clone().unwrap_or_default()) aria-invalid=[err.invalid("period_until")] aria-describedby=[err.described("period_until")];
                (err.at("period_until"))
            }
            div { button type="submit" { (lang.t("Invia", "Send")) } }
        }
    };
    page(Page { lang, title, here: action, auth: Some(auth) }, body)
}

/// The request form; `?descrizione=` (a question no guide answered) and `?fondo=` fill it in.
pub async fn new_request(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> AppResult<Markup> {
    let params = Params::parse(raw.as_deref(), lang)?;
    let description: String = params
        .non_empty("descrizione")
        .map(|d| d.chars().take(crate::mentorship::MAX_DESCRIPTION_CHARS).collect())
        .unwrap_or_default();
    let fund = params.non_empty("fondo").and_then(Fund::parse).map(|f| f.as_str().to_string()).unwrap_or_default();
    let draft = RequestInput {
        language: lang.code().into(),
        form_key: Some(random_secret()),
        description,
        fund,
        ..Default::default()
    };
    let title = lang.t("Nuova richiesta di mentorship", "New mentorship request");
    Ok(request_form(&state, lang, &auth, "/mentorship/richieste", title, &draft, &Problems::none()))
}

/// Refusals the request form is shown again with, next to the field they are about.
fn on_the_form(e: &Refusal) -> bool {
    e.is_invalid() || matches!(e, Refusal::State { .. } | Refusal::Duplicate { .. })
}

pub async fn file_request(State(state): State<AppState>, lang: Lang, auth: Auth, body: Bytes) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let draft = request_input(&form(&body, lang)?);
    let title = lang.t("Nuova richiesta di mentorship", "New mentorship request");
    let result = async {
        let valid = input::validate_request(&draft, &state.search.corpus().topics)?;
        state.mentorship.file_request(user, &valid).await
    }
    .await;
    let result = result.map(|id| format!("/mentorship/richieste/{id}"));
    let (state, auth, draft) = (&state, &auth, &draft);
    redirect_or_page(result, Some(Done::RequestFiled), lang, on_the_form, |problems| async move {
        Ok(request_form(state, lang, auth, "/mentorship/richieste", title, draft, &problems))
    })
    .await
}

pub async fn edit_request_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Markup> {
    let user = signed_in(&auth)?;
    let mut c = conn(&state).await?;
    let r = state.mentorship.editable_request(&mut c, user, id).await.map_err(|e| e.into_app(lang))?;
    let draft = RequestInput {
        fund: r.fund.clone(),
        topics: r.topics.clone(),
        language: r.language.clone(),
        format: r.format.clone(),
        description: r.description.clone(),
        period_from: r.period_from.clone(),
        period_until: r.period_until.clone(),
        form_key: None,
    };
    let action = format!("/mentorship/richieste/{id}/modifica");
    let title = lang.t("Modifica la richiesta", "Edit the request");
    Ok(request_form(&state, lang, &auth, &action, title, &draft, &Problems::none()))
}

pub async fn edit_request(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    state.mentorship.editable_request(&mut *conn(&state).await?, user, id).await.map_err(|e| e.into_app(lang))?;
    let draft = request_input(&form(&body, lang)?);
    let action = format!("/mentorship/richieste/{id}/modifica");
    let title = lang.t("Modifica la richiesta", "Edit the request");
    let result = async {
        let valid = input::validate_request(&draft, &state.search.corpus().topics)?;
        state.mentorship.edit_request(user, id, &valid).await
    }
    .await;
    let result = result.map(|()| format!("/mentorship/richieste/{id}"));
    let (state, auth, draft, action) = (&state, &auth, &draft, &action);
    redirect_or_page(result, Some(Done::RequestEdited), lang, on_the_form, |problems| async move {
        Ok(request_form(state, lang, auth, action, title, draft, &problems))
    })
    .await
}

pub async fn withdraw_request(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let f = form(&body, lang)?;
    if f.get("conferma") != Some("1") {
        return withdraw_confirmation(&state, lang, &auth, id, f.non_empty("reason")).await;
    }
    state.mentorship.withdraw_request(user, id, f.non_empty("reason")).await.map_err(|e| e.into_app(lang))?;
    Ok(done(&format!("/mentorship/richieste/{id}"), Done::RequestWithdrawn))
}

pub async fn assign(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let f = form(&body, lang)?;
    let mentor = f.non_empty("mentor").and_then(|m| m.parse::<i64>().ok()).ok_or_else(|| {
        AppError::field("mentor", lang.t("Scegli un mentor dall'elenco.", "Choose a mentor from the list."))
    })?;
    let m = state.mentorship.assign(user, id, mentor).await.map_err(|e| e.into_app(lang))?;
    Ok(done(&format!("/mentorship/abbinamenti/{m}"), Done::MentorAssigned))
}

// ----- one request -----

pub async fn request_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Markup> {
    let user = signed_in(&auth)?;
    let mut c = conn(&state).await?;
    let r = state.mentorship.visible_request(&mut c, user, id).await.map_err(|e| e.into_app(lang))?;
    let mut f = MatchFilter { request: Some(id), ..Default::default() };
    if user.role == Role::Mentor {
        f.mentor = Some(user.id);
    }
    let matches: Vec<Match> = store::matches(&mut c, &f, 200)
        .await?
        .into_iter()
        .filter(|m| user.role != Role::Mentor || m.state.shown_to_mentor())
        .collect();
    let history = if user.role == Role::Mentor { Vec::new() } else { store::transitions(&mut c, id).await? };
    let mentors = if user.role == Role::Coordinator && r.state == RequestState::Open {
        store::active_mentor_profiles(&mut c).await?
    } else {
        Vec::new()
    };
    let topics = &state.search.corpus().topics;
    let side = user.role != Role::Mentor;
    let title = format!("{} {}", lang.t("Richiesta di mentorship n.", "Mentorship request no."), r.id);
    let body = html! {
        h1 { (title) }
        (request_summary(&r, topics, lang))
        @if side && r.state == RequestState::Open {
            p { a href=(format!("/mentorship/richieste/{id}/modifica")) { (lang.t("Modifica la richiesta", "Edit the request")) } }
            form.stack method="post" action=(format!("/mentorship/richieste/{id}/ritira")) {
                (csrf_field(&auth))
                div.field {
                    label for="reason" { (lang.t("Motivo del ritiro (facoltativo)", "Reason for withdrawing (optional)")) }
                    input #reason type="text" name="reason";
                }
                div { button type="submit" { (lang.t("Ritira la richiesta", "Withdraw the request")) } }
            }
        }
        h2 { (lang.t("Mentor", "Mentors")) }
        @if matches.is_empty() {
            p.notice role="status" { (lang.t(
                "Nessun mentor ancora: appena un mentor adatto ha un posto libero, il sistema lo propone.",
                "No mentor yet: as soon as a suitable mentor has a free place, the service proposes them.")) }
        }
        @for m in &matches {
            section.card {
                h3 { a href=(format!("/mentorship/abbinamenti/{}", m.id)) { (m.mentor_name) } " — " (m.state.label(lang)) }
                p { (lang.t("Punteggio", "Score")) " " (m.score) ":" }
                (explanation(&m.parts, lang))
                @if let Some(reason) = &m.reason { p { (lang.t("Motivo", "Reason")) ": " (reason) } }
            }
        }
        @if !mentors.is_empty() {
            h2 { (lang.t("Assegna a un altro mentor", "Assign to another mentor")) }
            form.stack method="post" action=(format!("/mentorship/richieste/{id}/assegna")) {
                (csrf_field(&auth))
                div.field {
                    label for="mentor" { (lang.t("Mentor", "Mentor")) }
                    select #mentor name="mentor" {
                        @for p in &mentors { option value=(p.user_id) { (p.name) " (" (p.active + p.pending) "/" (p.capacity) ")" } }
                    }
                }
                div { button type="submit" { (lang.t("Proponi questo mentor", "Propose this mentor")) } }
            }
        }
        @if !history.is_empty() {
            h2 { (lang.t("Cronologia", "History")) }
            (scrolling(lang.t("Cronologia", "History"), html! {
            table {
                thead { tr { th scope="col" { (lang.t("Quando", "When")) } th scope="col" { (lang.t("Cambio", "Change")) } th scope="col" { (lang.t("Chi", "Who")) } th scope="col" { (lang.t("Nota", "Note")) } } }
                tbody {
                    @for t in &history {
                        tr {
                            td { (local_time(t.at)) }
                            td { @if let Some(m) = t.match_id { (lang.t("abbinamento", "match")) " " (m) ": " } @else { (lang.t("richiesta", "request")) ": " }
                                 (t.from_state.as_deref().map_or("—", |s| state_label(s, t.match_id.is_some(), lang))) " → " (state_label(&t.to_state, t.match_id.is_some(), lang)) }
                            td { (t.actor_name.clone().unwrap_or_else(|| lang.t("sistema", "system").into())) }
                            td { (t.note.clone().unwrap_or_default()) }
                        }
                    }
                }
            }
            }))
        }
    };
    Ok(page(Page { lang, title: &title, here: &format!("/mentorship/richieste/{id}"), auth: Some(&auth) }, body))
}

/// A stored state of a match or a request, as people read it.
fn state_label(stored: &str, of_match: bool, lang: Lang) -> &str {
    let label = if of_match {
        MatchState::parse(stored).map(|s| s.label(lang))
    } else {
        RequestState::parse(stored).map(|s| s.label(lang))
    };
    label.unwrap_or(stored)
}

pub(super) fn request_summary(r: &Request, topics: &crate::guides::Topics, lang: Lang) -> Markup {
    html! {
        dl.facts {
            dt { (lang.t("Regione / PA", "Region / AP")) } dd { (r.region_name) }
            dt { (lang.t("Fondo", "Fund")) } dd { (fund_label(&r.fund, lang)) }
            dt { (lang.t("Temi", "Topics")) } dd { (r.topics.iter().map(|t| topics.label(t, lang)).collect::<Vec<_>>().join(", ")) }
            dt { (lang.t("Formato", "Format")) } dd { (format_label(&r.format, lang)) }
            dt { (lang.t("Lingua", "Language")) } dd { (Lang::parse(&r.language).map(|l| l.name()).unwrap_or("")) }
            @if r.period_from.is_some() || r.period_until.is_some() {
                dt { (lang.t("Periodo", "Period")) } dd { (r.period_from.as_deref().map(day_text).unwrap_or_default()) " – " (r.period_until.as_deref().map(day_text).unwrap_or_default()) }
            }
            dt { (lang.t("Stato", "Status")) } dd { (r.state.label(lang)) }
            dt { (lang.t("Presentata il", "Filed on")) } dd { (local_time(r.created_at)) }
        }
        h2 { (lang.t("La richiesta", "The request")) }
        p.description { (r.description) }
    }
}

/// Before a request is withdrawn: what happens to it and to a proposal in flight.
async fn withdraw_confirmation(
    state: &AppState,
    lang: Lang,
    auth: &Auth,
    id: i64,
    reason: Option<&str>,
) -> AppResult<Response> {
    let user = signed_in(auth)?;
    let mut c = conn(state).await?;
    let request = state.mentorship.visible_request(&mut c, user, id).await.map_err(|e| e.into_app(lang))?;
    drop(c);
    let title = lang.t("Ritirare la richiesta?", "Withdraw the request?");
    let action = format!("/mentorship/richieste/{id}/ritira");
    let back = format!("/mentorship/richieste/{id}");
    let consequences = html! {
        p { (request.region_name) " · " (request.fund) }
        blockquote { (request.description.chars().take(300).collect::<String>()) @if request.description.chars().count() > 300 { "…" } }
        p { (lang.t("La richiesta si chiude: non riceverà più proposte, e una proposta in attesa di risposta viene ritirata (il mentor riceve una mail). Per riaprirla servirà una nuova richiesta.",
                    "The request closes: it gets no more proposals, and a proposal awaiting an answer is withdrawn (the mentor gets an email). Reopening it takes a new request.")) }
    };
    let markup = confirm_page(
        lang,
        auth,
        Confirm {
            title,
            consequences,
            action: &action,
            fields: reason.map(|r| vec![("reason", r.to_string())]).unwrap_or_default(),
            confirm_label: lang.t("Sì, ritira la richiesta", "Yes, withdraw the request"),
            back: &back,
        },
    );
    Ok(rendered(StatusCode::OK, markup))
}
