//! One match: the page and what mentor, officer and coordinator can do on it.

use super::*;

pub async fn match_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Markup> {
    let user = signed_in(&auth)?;
    match_view(&state, lang, &auth, user, id, Refused::none()).await
}

/// A refused form on the match page: its problems, which form it was and what was typed.
struct Refused<'a> {
    problems: Problems,
    verb: Option<MatchVerb>,
    typed: Option<&'a Params>,
}

impl Refused<'_> {
    fn none() -> Self {
        Refused { problems: Problems::none(), verb: None, typed: None }
    }
}

async fn match_view(
    state: &AppState,
    lang: Lang,
    auth: &Auth,
    user: &User,
    id: i64,
    refused: Refused<'_>,
) -> AppResult<Markup> {
    let mut c = conn(state).await?;
    let m = state.mentorship.visible_match(&mut c, user, id).await.map_err(|e| e.into_app(lang))?;
    let r = store::request(&mut c, m.request_id).await?.ok_or_else(|| Refusal::NotFound.into_app(lang))?;
    let contacts = if m.state.contacts_visible() {
        Some((store::contact(&mut c, m.mentor_id).await?, store::contact(&mut c, r.officer_id).await?))
    } else {
        None
    };
    let meetings = store::meetings(&mut c, id).await?;
    let feedback = store::feedback(&mut c, id).await?;
    let is_mentor = user.id == m.mentor_id;
    let is_coord = user.role == Role::Coordinator;
    let is_side = is_mentor || (user.role == Role::Officer && accounts::policy::can_see_region(user, &m.region_code));
    let my_side = if is_mentor { "mentor" } else { "officer" };
    // Each side rates once: the form goes once its rating is in.
    let rated = feedback.iter().any(|f| f.side == my_side);
    let action = |a: &str| format!("/mentorship/abbinamenti/{id}/{a}");
    let err = &refused.problems;
    // What the person typed in the refused form, so nothing is lost.
    let typed = |verb: MatchVerb, name: &str| {
        refused.typed.filter(|_| refused.verb == Some(verb)).and_then(|f| f.get(name)).unwrap_or("").to_string()
    };
    // Which forms the page shows: a refusal is shown above the form that caused it, or at the
    // top when that form is gone (the proposal expired meanwhile).
    let shows = |verb: MatchVerb| match verb {
        MatchVerb::Accept | MatchVerb::Decline => is_mentor && m.state == MatchState::Proposed,
        MatchVerb::Approve => is_coord && m.state == MatchState::Suggested,
        MatchVerb::Withdraw => is_coord && matches!(m.state, MatchState::Suggested | MatchState::Proposed),
        MatchVerb::Meetings => is_side && m.state == MatchState::Accepted,
        MatchVerb::Complete => {
            (m.state == MatchState::Accepted && (is_side || is_coord)) || (m.state == MatchState::Completed && is_side)
        }
        MatchVerb::Cancel => m.state == MatchState::Accepted && (is_side || is_coord),
    };
    let near = |verb: MatchVerb| html! { @if refused.verb == Some(verb) { (err.summary(lang)) } };
    let title = format!("{} — {}", m.mentor_name, r.region_name);
    let body = html! {
        h1 { (lang.t("Mentorship", "Mentorship")) ": " (title) }
        @if !refused.verb.is_some_and(shows) { (err.summary(lang)) }
        p { strong { (m.state.label(lang)) }
            @if m.state == MatchState::Proposed { " · " (lang.t("risposta entro il", "answer by")) " " (m.expires_at.map(local_time).unwrap_or_default()) } }
        h2 { (lang.t("Perché questo mentor", "Why this mentor")) }
        p { (lang.t("Punteggio", "Score")) " " (m.score) ":" }
        (explanation(&m.parts, lang))
        (request_summary(&r, &state.search.corpus().topics, lang))
        p { a href=(format!("/mentorship/richieste/{}", r.id)) { (lang.t("Pagina della richiesta", "Request page")) } }
        @if let Some((mentor, officer)) = &contacts {
            h2 { (lang.t("Contatti", "Contacts")) }
            dl.facts {
                @if let Some(x) = mentor { dt { "Mentor" } dd { (x.name) " — " a href=(format!("mailto:{}", x.email)) { (x.email) } @if let Some(o) = &x.organisation { " — " (o) } } }
                @if let Some(x) = officer { dt { (lang.t("Referente della Regione", "Region's contact")) } dd { (x.name) " — " a href=(format!("mailto:{}", x.email)) { (x.email) } @if let Some(o) = &x.organisation { " — " (o) } } }
            }
        } @else if !is_coord {
            p.hint { (lang.t("I contatti compaiono a entrambe le parti quando il mentor accetta.", "Contact details appear to both sides when the mentor accepts.")) }
        }
        @if is_mentor && m.state == MatchState::Proposed {
            h2 { (lang.t("La tua risposta", "Your answer")) }
            (near(MatchVerb::Accept))
            (near(MatchVerb::Decline))
            form method="post" action=(action("accetta")) { (csrf_field(auth)) button type="submit" { (lang.t("Accetto", "I accept")) } }
            form.stack method="post" action=(action("rifiuta")) {
                (csrf_field(auth))
                div.field {
                    label for="reason" { (lang.t("Motivo del rifiuto", "Reason for declining")) }
                    input #reason type="text" name="reason" value=(typed(MatchVerb::Decline, "reason")) aria-invalid=[err.invalid("reason")] aria-describedby=[err.described("reason")];
                    (err.at("reason"))
                }
                div { button type="submit" { (lang.t("Rifiuto", "I decline")) } }
            }
        }
        @if is_coord && m.state == MatchState::Suggested {
            (near(MatchVerb::Approve))
            (near(MatchVerb::Withdraw))
            form method="post" action=(action("approva")) { (csrf_field(auth)) button type="submit" { (lang.t("Approva e invia la proposta", "Approve and send the proposal")) } }
            form method="post" action=(action("scarta")) { (csrf_field(auth)) button type="submit" { (lang.t("Scarta il suggerimento", "Discard the suggestion")) } }
        }
        @if is_coord && m.state == MatchState::Proposed {
            (near(MatchVerb::Withdraw))
            form.stack method="post" action=(action("ritira")) {
                (csrf_field(auth))
                div.field { label for="wreason" { (lang.t("Motivo (facoltativo)", "Reason (optional)")) } input #wreason type="text" name="reason" value=(typed(MatchVerb::Withdraw, "reason")); }
                div { button type="submit" { (lang.t("Ritira la proposta", "Withdraw the proposal")) } }
            }
        }
        @if m.state.contacts_visible() {
            h2 { (lang.t("Incontri", "Meetings")) }
            @if meetings.is_empty() { p { (lang.t("Nessun incontro registrato.", "No meeting logged.")) } }
            @else {
                (scrolling(lang.t("Incontri", "Meetings"), html! {
                table {
                    thead { tr { th scope="col" { (lang.t("Data", "Date")) } th scope="col" { (lang.t("Argomento", "Topic")) } th scope="col" { (lang.t("Note", "Notes")) } th scope="col" { (lang.t("Registrato da", "Logged by")) } } }
                    tbody { @for e in &meetings { tr { td { (day_text(&e.held_on)) } td { (e.topic) } td { (e.notes) } td { (e.author_name) } } } }
                }
                }))
            }
        }
        @if is_side && m.state == MatchState::Accepted {
            (near(MatchVerb::Meetings))
            form.stack method="post" action=(action("incontri")) {
                (csrf_field(auth))
                div.field {
                    label for="held_on" { (lang.t("Data dell'incontro", "Meeting date")) }
                    input #held_on type="date" name="held_on" value=(typed(MatchVerb::Meetings, "held_on")) aria-invalid=[err.invalid("held_on")] aria-describedby=[err.described("held_on")];
                    (err.at("held_on"))
                }
                div.field {
                    label for="topic" { (lang.t("Argomento", "Topic")) }
                    input #topic type="text" name="topic" value=(typed(MatchVerb::Meetings, "topic")) aria-invalid=[err.invalid("topic")] aria-describedby=[err.described("topic")];
                    (err.at("topic"))
                }
                div.field {
                    label for="notes" { (lang.t("Note", "Notes")) }
                    textarea #notes name="notes" rows="3" aria-invalid=[err.invalid("notes")] aria-describedby=[err.described("notes")] { (typed(MatchVerb::Meetings, "notes")) }
                    (err.at("notes"))
                }
                div { button type="submit" { (lang.t("Registra l'incontro", "Log the meeting")) } }
            }
        }
        @if !feedback.is_empty() {
            h2 { (lang.t("Valutazioni", "Feedback")) }
            ul { @for f in &feedback { li { (f.author_name) " (" (if f.side == "mentor" { "mentor" } else { lang.t("Regione", "Region") }) "): " (f.useful) "/5" @if !f.comment.is_empty() { " — " (f.comment) } } } }
        }
        @if (m.state == MatchState::Accepted && (is_side || is_coord)) || (m.state == MatchState::Completed && is_side && !rated) {
            h2 { @if m.state == MatchState::Accepted { (lang.t("Concludi la mentorship", "Complete the mentorship")) } @else { (lang.t("La tua valutazione", "Your feedback")) } }
            (near(MatchVerb::Complete))
            form.stack method="post" action=(action("concludi")) {
                (csrf_field(auth))
                @if is_side {
                    fieldset.field #useful aria-describedby=[err.described("useful")] {
                        legend { (lang.t("Quanto è stata utile? (1 = poco, 5 = molto)", "How useful was it? (1 = little, 5 = very)")) }
                        (err.at("useful"))
                        @for n in 1..=5 { label { input type="radio" name="useful" value=(n) checked[typed(MatchVerb::Complete, "useful") == n.to_string()]; " " (n) } " " }
                    }
                    div.field {
                        label for="comment" { (lang.t("Commento", "Comment")) }
                        textarea #comment name="comment" rows="3" aria-invalid=[err.invalid("comment")] aria-describedby=[err.described("comment")] { (typed(MatchVerb::Complete, "comment")) }
                        (err.at("comment"))
                    }
                }
                div { button type="submit" { @if m.state == MatchState::Accepted { (lang.t("Concludi", "Complete")) } @else { (lang.t("Invia la valutazione", "Send the feedback")) } } }
            }
        }
        @if m.state == MatchState::Accepted && (is_side || is_coord) {
            (near(MatchVerb::Cancel))
            form.stack method="post" action=(action("annulla")) {
                (csrf_field(auth))
                div.field { label for="creason" { (lang.t("Motivo dell'interruzione", "Reason for stopping")) } input #creason type="text" name="reason" value=(typed(MatchVerb::Cancel, "reason")); }
                div { button type="submit" { (lang.t("Interrompi la mentorship", "Stop the mentorship")) } }
            }
        }
    };
    Ok(page(Page { lang, title: &title, here: &format!("/mentorship/abbinamenti/{id}"), auth: Some(auth) }, body))
}

/// The actions on a match, by their Italian path segment.
/// One verb on a match ([`MatchVerb`], from the route); the page again with the message when refused.
pub async fn match_action(
    State(state): State<AppState>,
    Extension(verb): Extension<MatchVerb>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    uri: axum::http::Uri,
    body: Bytes,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let f = form(&body, lang)?;
    let ms = &state.mentorship;
    let result = match verb {
        MatchVerb::Accept => ms.accept(user, id).await,
        MatchVerb::Decline => ms.decline(user, id, f.get("reason").unwrap_or("")).await,
        MatchVerb::Approve => ms.approve(user, &[id]).await.map(|_| ()),
        MatchVerb::Withdraw => ms.withdraw_match(user, id, f.non_empty("reason")).await,
        MatchVerb::Meetings => ms
            .log_meeting(
                user,
                id,
                f.get("held_on").unwrap_or(""),
                f.get("topic").unwrap_or(""),
                f.get("notes").unwrap_or(""),
            )
            .await
            .map(|_| ()),
        MatchVerb::Complete => {
            let useful = match f.non_empty("useful").map(|u| u.parse::<i64>()) {
                Some(Ok(u)) => Some(u),
                Some(Err(_)) => Some(0),
                None => None,
            };
            ms.complete(user, id, useful, f.get("comment").unwrap_or("")).await
        }
        MatchVerb::Cancel => ms.cancel(user, id, f.get("reason").unwrap_or("")).await,
    };
    let result = result.map(|()| format!("/mentorship/abbinamenti/{id}"));
    let confirmed = match verb {
        MatchVerb::Accept => Done::ProposalAccepted,
        MatchVerb::Decline => Done::ProposalDeclined,
        MatchVerb::Approve => Done::SuggestionsApproved,
        MatchVerb::Withdraw if uri.path().ends_with("/scarta") => Done::SuggestionDiscarded,
        MatchVerb::Withdraw => Done::ProposalWithdrawn,
        MatchVerb::Meetings => Done::MeetingLogged,
        MatchVerb::Complete => Done::MentorshipCompleted,
        MatchVerb::Cancel => Done::MentorshipStopped,
    };
    let (state, auth, f) = (&state, &auth, &f);
    redirect_or_page(result, Some(confirmed), lang, invalid_or_state, |problems| async move {
        // Shown again only if this user may see the match.
        match_view(state, lang, auth, user, id, Refused { problems, verb: Some(verb), typed: Some(f) }).await
    })
    .await
}
