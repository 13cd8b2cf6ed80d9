//! The mentorship home: officers' requests, mentors' proposals, coordinators' lists.

use super::*;

pub async fn home(State(state): State<AppState>, lang: Lang, auth: Auth, RawQuery(raw): RawQuery) -> AppResult<Markup> {
    let user = signed_in(&auth)?;
    let p = Params::parse(raw.as_deref(), lang)?;
    let page_no = p.number("page", 1, 10_000, lang)? as i64;
    let mut c = conn(&state).await?;
    let body = match user.role {
        Role::Mentor => mentor_home(&state, &mut c, lang, user).await?,
        Role::Officer | Role::Coordinator => {
            let f = RequestFilter {
                region: if user.role == Role::Officer { user.region_code.clone() } else { None },
                ..Default::default()
            };
            let (list, total) = store::requests(&mut c, &f, PER_PAGE, (page_no - 1) * PER_PAGE).await?;
            html! {
                h1 { (lang.t("Mentorship", "Mentorship")) }
                p { (lang.t(
                    "Esperti che hanno gestito fondi UE affiancano la vostra Regione su un tema preciso. Presentate una richiesta: il sistema propone il mentor più adatto e spiega perché.",
                    "Experts who have managed EU funds support your Region on a specific subject. File a request: the service proposes the best-suited mentor and explains why.")) }
                @if user.role == Role::Officer {
                    p { a.button href="/mentorship/richieste/nuova" { (lang.t("Nuova richiesta", "New request")) } }
                } @else {
                    p { a href="/coordinamento/mentorship" { (lang.t("Vai alla revisione dei suggerimenti", "Go to the review of suggestions")) } }
                }
                h2 { (lang.t("Richieste", "Requests")) " (" (total) ")" }
                (request_table(&list, lang))
                (pager("/mentorship", page_no, total, lang))
            }
        }
    };
    Ok(page(Page { lang, title: "Mentorship", here: "/mentorship", auth: Some(&auth) }, body))
}

fn pager(base: &str, page_no: i64, total: i64, lang: Lang) -> Markup {
    let pages = (total + PER_PAGE - 1) / PER_PAGE;
    html! {
        @if pages > 1 {
            nav.pager aria-label=(lang.t("Pagine", "Pages")) {
                @if page_no > 1 { a href=(format!("{base}?page={}", page_no - 1)) { (lang.t("← precedenti", "← previous")) } " " }
                span { (lang.t("pagina", "page")) " " (page_no) " / " (pages) }
                @if page_no < pages { " " a href=(format!("{base}?page={}", page_no + 1)) { (lang.t("successive →", "next →")) } }
            }
        }
    }
}

fn request_table(list: &[Request], lang: Lang) -> Markup {
    html! {
        @if list.is_empty() {
            p.notice role="status" { (lang.t("Nessuna richiesta per ora.", "No requests yet.")) }
        } @else {
            (scrolling(lang.t("Richieste", "Requests"), html! { table {
                thead { tr {
                    th scope="col" { "N." } th scope="col" { (lang.t("Regione / PA", "Region / AP")) }
                    th scope="col" { (lang.t("Fondo", "Fund")) } th scope="col" { (lang.t("Stato", "Status")) }
                    th scope="col" { (lang.t("Presentata", "Filed")) }
                } }
                tbody {
                    @for r in list {
                        tr {
                            td { a href=(format!("/mentorship/richieste/{}", r.id)) { (r.id) } }
                            td { (r.region_name) } td { (fund_label(&r.fund, lang)) }
                            td { (r.state.label(lang)) } td { (local_time(r.created_at)) }
                        }
                    }
                }
            } }))
        }
    }
}

async fn mentor_home(state: &AppState, c: &mut sqlx::AnyConnection, lang: Lang, user: &User) -> AppResult<Markup> {
    let profile = store::profile(c, user.id).await?;
    let mine = store::matches(c, &MatchFilter { mentor: Some(user.id), ..Default::default() }, 200).await?;
    let shown: Vec<&Match> = mine.iter().filter(|m| m.state.shown_to_mentor()).collect();
    let proposed: Vec<&&Match> = shown.iter().filter(|m| m.state == MatchState::Proposed).collect();
    let active: Vec<&&Match> = shown.iter().filter(|m| m.state == MatchState::Accepted).collect();
    let past: Vec<&&Match> =
        shown.iter().filter(|m| !matches!(m.state, MatchState::Proposed | MatchState::Accepted)).collect();
    let today = crate::clock::local_date(state.clock.now_ms());
    let row = |m: &Match| {
        html! {
            li {
                a href=(format!("/mentorship/abbinamenti/{}", m.id)) { (lang.t("Richiesta n.", "Request no.")) " " (m.request_id) }
                " — " (m.state.label(lang))
                @if m.state == MatchState::Proposed { " · " (lang.t("risposta entro il", "answer by")) " " (m.expires_at.map(local_time).unwrap_or_default()) }
            }
        }
    };
    Ok(html! {
        h1 { (lang.t("Le mie mentorship", "My mentorships")) }
        @match &profile {
            None => p.notice role="status" {
                (lang.t("Non hai ancora un profilo da mentor: compilalo per ricevere proposte.", "You have no mentor profile yet: fill it in to receive proposals."))
                " " a href="/mentorship/profilo" { (lang.t("Compila il profilo", "Fill in the profile")) }
            },
            Some(p) => p {
                (lang.t("Capacità", "Capacity")) ": " (p.capacity) " · " (lang.t("attive", "active")) ": " (p.active)
                " · " (lang.t("in attesa", "pending")) ": " (p.pending)
                @if crate::mentorship::lifecycle::paused_on(today, p.pause_from.as_deref(), p.pause_until.as_deref()) {
                    " · " strong { (lang.t("in pausa", "on a pause")) }
                }
                " · " a href="/mentorship/profilo" { (lang.t("Modifica il profilo", "Edit the profile")) }
            },
        }
        h2 { (lang.t("Proposte da valutare", "Proposals to answer")) }
        @if proposed.is_empty() { p { (lang.t("Nessuna proposta in attesa.", "No proposal waiting.")) } }
        @else { ul { @for m in &proposed { (row(m)) } } }
        h2 { (lang.t("Mentorship attive", "Active mentorships")) }
        @if active.is_empty() { p { (lang.t("Nessuna mentorship in corso.", "No mentorship under way.")) } }
        @else { ul { @for m in &active { (row(m)) } } }
        @if !past.is_empty() {
            h2 { (lang.t("Storico", "History")) }
            ul { @for m in &past { (row(m)) } }
        }
    })
}
