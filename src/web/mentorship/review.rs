//! Coordinators' review of suggested matches: approving, the assignment mode, a run now.

use super::*;

pub async fn review_page(State(state): State<AppState>, lang: Lang, auth: Auth) -> AppResult<Markup> {
    review_view(&state, lang, &auth, &Problems::none()).await
}

/// The review desk; `err` holds a refused approval, shown above the suggestions.
async fn review_view(state: &AppState, lang: Lang, auth: &Auth, err: &Problems) -> AppResult<Markup> {
    let mut c = conn(state).await?;
    let auto = store::auto_mode(&mut c).await?;
    let of = |states: Vec<MatchState>| MatchFilter { states, ..Default::default() };
    let suggested = store::matches(&mut c, &of(vec![MatchState::Suggested]), 500).await?;
    let proposed = store::matches(&mut c, &of(vec![MatchState::Proposed]), 500).await?;
    let active = store::matches(&mut c, &of(vec![MatchState::Accepted]), 500).await?;
    let (open, open_total) =
        store::requests(&mut c, &RequestFilter { state: Some(RequestState::Open), ..Default::default() }, 500, 0)
            .await?;
    let live: std::collections::HashSet<i64> = suggested.iter().chain(&proposed).map(|m| m.request_id).collect();
    let waiting: Vec<&Request> = open.iter().filter(|r| !live.contains(&r.id)).collect();
    let now = state.clock.now_ms();
    let age = |since: i64| {
        let days = (now - since).max(0) / 86_400_000;
        format!("{days} {}", if days == 1 { lang.t("giorno", "day") } else { lang.t("giorni", "days") })
    };
    let title = lang.t("Mentorship: revisione", "Mentorship: review");
    let body = html! {
        h1 { (title) }
        form method="post" action="/coordinamento/mentorship/modalita" {
            (csrf_field(auth))
            p {
                (lang.t("Modalità automatica", "Automatic mode")) ": " strong { @if auto { (lang.t("attiva", "on")) } @else { (lang.t("spenta", "off")) } } ". "
                (lang.t("Se attiva, i suggerimenti diventano subito proposte ai mentor.", "When on, suggestions become proposals to mentors at once."))
                " "
                input type="hidden" name="auto" value=(if auto { "0" } else { "1" });
                button type="submit" { @if auto { (lang.t("Spegni", "Turn off")) } @else { (lang.t("Attiva", "Turn on")) } }
            }
        }
        form method="post" action="/coordinamento/mentorship/esegui" {
            (csrf_field(auth))
            button type="submit" { (lang.t("Esegui ora l'assegnazione", "Run the assignment now")) }
        }
        h2 { (lang.t("Suggerimenti da approvare", "Suggestions to review")) " (" (suggested.len()) ")" }
        (err.summary(lang))
        @if suggested.is_empty() { p { (lang.t("Nessun suggerimento in attesa.", "No suggestion waiting.")) } }
        @else {
            form method="post" action="/coordinamento/mentorship/approva" {
                (csrf_field(auth))
                table #id aria-describedby=[err.described("id")] {
                    thead { tr { th scope="col" { span.visually-hidden { (lang.t("Seleziona", "Select")) } } th scope="col" { (lang.t("Richiesta", "Request")) } th scope="col" { "Mentor" } th scope="col" { (lang.t("Perché", "Why")) } } }
                    tbody {
                        @for m in &suggested {
                            tr {
                                td { input type="checkbox" name="id" value=(m.id) id=(format!("s{}", m.id)) aria-label=(format!("{} {}", lang.t("Seleziona il suggerimento", "Select suggestion"), m.id)); }
                                td { a href=(format!("/mentorship/richieste/{}", m.request_id)) { (m.request_id) } " (" (m.region_code) ")" }
                                td { a href=(format!("/mentorship/abbinamenti/{}", m.id)) { (m.mentor_name) } " — " (m.score) }
                                td { (explanation(&m.parts, lang)) }
                            }
                        }
                    }
                }
                (err.at("id"))
                button type="submit" name="which" value="selected" { (lang.t("Approva i selezionati", "Approve the selected")) }
                " "
                button type="submit" name="which" value="all" { (lang.t("Approva tutti", "Approve all")) }
            }
        }
        h2 { (lang.t("Proposte in attesa di risposta", "Proposals awaiting an answer")) " (" (proposed.len()) ")" }
        @if proposed.is_empty() { p { (lang.t("Nessuna.", "None.")) } }
        @else { ul { @for m in &proposed {
            li { a href=(format!("/mentorship/abbinamenti/{}", m.id)) { (m.mentor_name) " — " (lang.t("richiesta", "request")) " " (m.request_id) }
                 " · " (lang.t("inviata da", "sent")) " " (age(m.proposed_at.unwrap_or(m.created_at))) " · " (lang.t("scade il", "expires")) " " (m.expires_at.map(local_time).unwrap_or_default()) }
        } } }
        h2 { (lang.t("Mentorship in corso", "Mentorships under way")) " (" (active.len()) ")" }
        @if active.is_empty() { p { (lang.t("Nessuna.", "None.")) } }
        @else { ul { @for m in &active {
            li { a href=(format!("/mentorship/abbinamenti/{}", m.id)) { (m.mentor_name) " — " (lang.t("richiesta", "request")) " " (m.request_id) " (" (m.region_code) ")" }
                 " · " (lang.t("da", "for")) " " (age(m.answered_at.unwrap_or(m.created_at))) }
        } } }
        h2 { (lang.t("Richieste aperte senza mentor", "Open requests without a mentor")) " (" (waiting.len()) "/" (open_total) ")" }
        @if waiting.is_empty() { p { (lang.t("Nessuna.", "None.")) } }
        @else {
            p.hint { (lang.t("Nessun mentor disponibile rispetta le regole (fondo, lingua, posti liberi, conflitti): assegnatele a mano o attendete posti liberi.",
                             "No available mentor meets the rules (fund, language, free places, conflicts): assign them by hand or wait for free places.")) }
            ul { @for r in &waiting { li { a href=(format!("/mentorship/richieste/{}", r.id)) { (r.id) " — " (r.region_name) ", " (fund_label(&r.fund, lang)) } " · " (age(r.created_at)) } } }
        }
    };
    Ok(page(Page { lang, title, here: "/coordinamento/mentorship", auth: Some(auth) }, body))
}

pub async fn review_approve(State(state): State<AppState>, lang: Lang, auth: Auth, body: Bytes) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let f = form(&body, lang)?;
    let ids: Vec<i64> = f.all("id").iter().filter_map(|i| i.parse().ok()).collect();
    let result = if f.get("which") != Some("all") && ids.is_empty() {
        Err(Refusal::invalid(
            "id",
            "Seleziona almeno un suggerimento, oppure usa \"Approva tutti\".",
            "Select at least one suggestion, or use \"Approve all\".",
        ))
    } else {
        let ids = if f.get("which") == Some("all") { Vec::new() } else { ids };
        state.mentorship.approve(user, &ids).await.map(|_| "/coordinamento/mentorship".to_string())
    };
    let (state, auth) = (&state, &auth);
    redirect_or_page(result, Some(Done::SuggestionsApproved), lang, invalid_or_state, |problems| async move {
        review_view(state, lang, auth, &problems).await
    })
    .await
}

pub async fn review_mode(State(state): State<AppState>, lang: Lang, auth: Auth, body: Bytes) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let f = form(&body, lang)?;
    let on = match f.get("auto") {
        Some("1") => true,
        Some("0") => false,
        _ => return Err(AppError::field("auto", lang.t("auto vale 1 oppure 0", "auto is 1 or 0"))),
    };
    state.mentorship.set_auto(user, on).await.map_err(|e| e.into_app(lang))?;
    if on {
        state.mentorship.rerun().await;
    }
    Ok(done("/coordinamento/mentorship", Done::AutoModeChanged))
}

pub async fn review_run(State(state): State<AppState>, lang: Lang) -> AppResult<Response> {
    state.mentorship.run().await.map_err(|e| e.into_app(lang))?;
    Ok(done("/coordinamento/mentorship", Done::AssignmentRun))
}
