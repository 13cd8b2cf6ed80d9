//! Coordinators' pages: the list of events, the form, the management view and its actions.

use super::*;

pub async fn manage_list(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> AppResult<Markup> {
    let p = Params::parse(raw.as_deref(), lang)?;
    let f = EventFilter { newest_first: true, ..filter(&p, &state, lang)? };
    let page_no = p.number("page", 1, 10_000, lang)? as i64;
    let mut c = conn(&state).await?;
    let (list, total) = store::events(&mut c, &f, PER_PAGE, (page_no - 1) * PER_PAGE).await?;
    let body = html! {
        h1 { (lang.t("Gestione eventi", "Manage events")) }
        p { a.button href="/coordinamento/eventi/nuovo" { (lang.t("Nuovo evento", "New event")) } }
        @if list.is_empty() { p.notice role="status" { (lang.t("Nessun evento.", "No events.")) } }
        @else {
            (scrolling(lang.t("Eventi", "Events"), html! { table {
                thead { tr { th scope="col" { (lang.t("Titolo", "Title")) } th scope="col" { (lang.t("Quando", "When")) } th scope="col" { (lang.t("Stato", "Status")) } th scope="col" { (lang.t("Iscritti", "Registered")) } } }
                tbody { @for e in &list { tr {
                    td { a href=(format!("/coordinamento/eventi/{}", e.id)) { (e.title) } br; small { (e.kind.label(lang)) } }
                    td { (mail::when(e, lang)) } td { (e.state.label(lang)) }
                    td { (e.confirmed) "/" (e.capacity) @if e.waitlisted > 0 { " +" (e.waitlisted) } }
                } } }
            } }))
        }
        @if total > page_no * PER_PAGE { p { a href=(format!("/coordinamento/eventi?page={}", page_no + 1)) { (lang.t("Altri →", "More →")) } } }
    };
    Ok(page(
        Page {
            lang,
            title: lang.t("Gestione eventi", "Manage events"),
            here: "/coordinamento/eventi",
            auth: Some(&auth),
        },
        body,
    ))
}

fn event_input(f: &Params) -> (EventInput, bool) {
    // Not a whole number: as if missing ("Indica quanti posti ci sono").
    let capacity = f.non_empty("capacity").and_then(|c| c.trim().parse::<i64>().ok());
    let own = |k: &str| f.non_empty(k).map(String::from);
    (
        EventInput {
            kind: f.get("kind").unwrap_or("").into(),
            title: f.get("title").unwrap_or("").into(),
            description: f.get("description").unwrap_or("").into(),
            starts_at: f.get("starts_at").unwrap_or("").into(),
            ends_at: f.get("ends_at").unwrap_or("").into(),
            online_url: own("online_url"),
            venue: own("venue"),
            capacity,
            registration_opens_at: own("registration_opens_at"),
            registration_closes_at: own("registration_closes_at"),
            audience: f.all("audience").into_iter().map(String::from).collect(),
            funds: f.all("funds").into_iter().map(String::from).collect(),
            topics: f.all("topics").into_iter().map(String::from).collect(),
            guides: f
                .get("guides")
                .unwrap_or("")
                .split([',', ' ', '\n'])
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .map(String::from)
                .collect(),
            speakers: f.get("speakers").unwrap_or("").into(),
            materials_url: own("materials_url"),
            recording_url: own("recording_url"),
        },
        f.get("publish").is_some(),
    )
}

fn input_of(e: &Event) -> EventInput {
    EventInput {
        kind: e.kind.as_str().into(),
        title: e.title.clone(),
        description: e.description.clone(),
        starts_at: events::local_input(e.starts_at),
        ends_at: events::local_input(e.ends_at),
        online_url: e.online_url.clone(),
        venue: e.venue.clone(),
        capacity: Some(e.capacity),
        registration_opens_at: e.registration_opens_at.map(events::local_input),
        registration_closes_at: e.registration_closes_at.map(events::local_input),
        audience: e.audience.clone(),
        funds: e.funds.clone(),
        topics: e.topics.clone(),
        guides: e.guides.clone(),
        speakers: e.speakers.clone(),
        materials_url: e.materials_url.clone(),
        recording_url: e.recording_url.clone(),
    }
}

async fn event_form(
    state: &AppState,
    lang: Lang,
    auth: &Auth,
    action: &str,
    d: &EventInput,
    creating: bool,
    problems: &Problems,
) -> AppResult<Markup> {
    let regions = accounts::regions(&state.db).await?;
    let topics = &state.search.corpus().topics;
    let err = problems;
    let text = |name: &str, kind: &str, label: &str, value: &str| {
        html! {
            div.field {
                label for=(name) { (label) }
                input id=(name) type=(kind) name=(name) value=(value) aria-invalid=[err.invalid(name)] aria-describedby=[err.described(name)];
                (err.at(name))
            }
        }
    };
    Ok(html! {
        (problems.summary(lang))
        form.stack method="post" action=(action) {
            (csrf_field(auth))
            div.field {
                label for="kind" { (lang.t("Tipo", "Kind")) }
                select #kind name="kind" aria-invalid=[err.invalid("kind")] aria-describedby=[err.described("kind")] { @for k in Kind::ALL { option value=(k.as_str()) selected[d.kind == k.as_str()] { (k.label(lang)) " (" (k.task()) ")" } } }
                (err.at("kind"))
            }
            (text("title", "text", lang.t("Titolo", "Title"), &d.title))
            div.field {
                label for="description" { (lang.t("Descrizione", "Description")) }
                textarea #description name="description" rows="5" aria-invalid=[err.invalid("description")] aria-describedby=[err.described("description")] { (d.description) }
                (err.at("description"))
            }
            (text("starts_at", "datetime-local", lang.t("Inizio (ora italiana)", "Start (Italian time)"), &d.starts_at))
            (text("ends_at", "datetime-local", lang.t("Fine (ora italiana)", "End (Italian time)"), &d.ends_at))
            (text("online_url", "url", lang.t("Link per partecipare online", "Link to join online"), d.online_url.as_deref().unwrap_or("")))
            (text("venue", "text", lang.t("Sede", "Venue"), d.venue.as_deref().unwrap_or("")))
            (text("capacity", "number", lang.t("Posti", "Places"), &d.capacity.map(|c| c.to_string()).unwrap_or_default()))
            (text("registration_opens_at", "datetime-local", lang.t("Iscrizioni aperte dal (facoltativo)", "Registration opens (optional)"), d.registration_opens_at.as_deref().unwrap_or("")))
            (text("registration_closes_at", "datetime-local", lang.t("Iscrizioni chiuse dal (facoltativo; altrimenti all'inizio)", "Registration closes (optional; otherwise at the start)"), d.registration_closes_at.as_deref().unwrap_or("")))
            fieldset.field #audience aria-describedby=[err.described("audience")] {
                legend { (lang.t("Riservato alle Regioni (nessuna scelta: tutte)", "Reserved for Regions (none chosen: all)")) }
                (err.at("audience"))
                div.choices { @for r in &regions { label { input type="checkbox" name="audience" value=(r.code) checked[d.audience.contains(&r.code)]; " " (r.name) } } }
            }
            fieldset.field #funds aria-describedby=[err.described("funds")] {
                legend { (lang.t("Fondi", "Funds")) }
                (err.at("funds"))
                @for f in Fund::ALL { label { input type="checkbox" name="funds" value=(f.as_str()) checked[d.funds.iter().any(|x| x == f.as_str())]; " " (fund_label(f.as_str(), lang)) } " " }
            }
            fieldset.field #topics aria-describedby=[err.described("topics")] {
                legend { (lang.t("Temi", "Topics")) }
                (err.at("topics"))
                div.choices { @for t in topics.all() { label { input type="checkbox" name="topics" value=(t.slug) checked[d.topics.contains(&t.slug)]; " " (t.label(lang)) } } }
            }
            (text("guides", "text", lang.t("Guide collegate (identificativi separati da virgole)", "Related guides (ids separated by commas)"), &d.guides.join(", ")))
            (text("speakers", "text", lang.t("Relatori e mentor", "Speakers and mentors"), &d.speakers))
            (text("materials_url", "url", lang.t("Materiali (link, dopo l'evento)", "Materials (link, after the event)"), d.materials_url.as_deref().unwrap_or("")))
            (text("recording_url", "url", lang.t("Registrazione (link, dopo l'evento)", "Recording (link, after the event)"), d.recording_url.as_deref().unwrap_or("")))
            @if creating { div { input #publish type="checkbox" name="publish" value="1"; label for="publish" { " " (lang.t("Pubblica subito", "Publish now")) } } }
            div { button type="submit" { (lang.t("Salva", "Save")) } }
        }
    })
}

pub async fn new_page(State(state): State<AppState>, lang: Lang, auth: Auth) -> AppResult<Markup> {
    let d = EventInput { kind: "webinar".into(), capacity: Some(100), ..Default::default() };
    let form = event_form(&state, lang, &auth, "/coordinamento/eventi", &d, true, &Problems::none()).await?;
    let body = html! { h1 { (lang.t("Nuovo evento", "New event")) } (form) };
    Ok(page(
        Page {
            lang,
            title: lang.t("Nuovo evento", "New event"),
            here: "/coordinamento/eventi/nuovo",
            auth: Some(&auth),
        },
        body,
    ))
}

fn validate(
    state: &AppState,
    d: &EventInput,
    creating: bool,
    regions: &[accounts::Region],
) -> Result<events::ValidEvent, Refusal> {
    let corpus = state.search.corpus();
    events::validate(d, state.clock.now_ms(), creating, &corpus.topics, regions, |g| {
        corpus.resolve(g).map(|g| g.id.clone())
    })
}

pub async fn create(State(state): State<AppState>, lang: Lang, auth: Auth, body: Bytes) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let (d, publish) = event_input(&form(&body, lang)?);
    let regions = accounts::regions(&state.db).await?;
    let result = match validate(&state, &d, true, &regions) {
        Ok(v) => state.events.create(user, &v, publish).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(id) => Ok(done(
            &format!("/coordinamento/eventi/{id}"),
            if publish { Done::EventPublished } else { Done::EventCreated },
        )),
        Err(e) if e.is_invalid() => {
            let problems = Problems::of(&e, lang);
            let form = event_form(&state, lang, &auth, "/coordinamento/eventi", &d, true, &problems).await?;
            let body = html! { h1 { (lang.t("Nuovo evento", "New event")) } (form) };
            Ok(rendered(
                StatusCode::BAD_REQUEST,
                page(
                    Page {
                        lang,
                        title: lang.t("Nuovo evento", "New event"),
                        here: "/coordinamento/eventi/nuovo",
                        auth: Some(&auth),
                    },
                    body,
                ),
            ))
        }
        Err(e) => Err(e.into_app(lang)),
    }
}

pub async fn manage_page(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Markup> {
    manage_view(&state, lang, &auth, id, None, &Problems::none(), None).await
}

async fn manage_view(
    state: &AppState,
    lang: Lang,
    auth: &Auth,
    id: i64,
    draft: Option<&EventInput>,
    problems: &Problems,
    // The form the problems are about: one of the verbs, or (`None`) the edit form.
    from: Option<EventVerb>,
) -> AppResult<Markup> {
    // A refusal is shown above the form that caused it.
    let near = |verb: EventVerb| html! { @if from == Some(verb) { (problems.summary(lang)) } };
    let e = visible_event(state, auth.user(), id, lang).await?;
    let mut c = conn(state).await?;
    let regs = store::registrations(&mut c, id).await?;
    let links = state.exchange.event_links(id).await.map_err(|e| e.into_app(lang))?;
    let action = |a: &str| format!("/coordinamento/eventi/{id}/{a}");
    let editable = matches!(e.state, EventState::Draft | EventState::Published);
    let now = state.clock.now_ms();
    let (started, ended) = (e.starts_at <= now, e.ends_at <= now);
    let no_problems = Problems::none();
    let form = if editable {
        Some(
            event_form(
                state,
                lang,
                auth,
                &format!("/coordinamento/eventi/{id}"),
                draft.unwrap_or(&input_of(&e)),
                false,
                if from.is_none() { problems } else { &no_problems },
            )
            .await?,
        )
    } else {
        None
    };
    let body = html! {
        h1 { (e.title) }
        p { (e.kind.label(lang)) " · " (mail::when(&e, lang)) " · " strong { (e.state.label(lang)) } " · " a href=(format!("/eventi/{id}")) { (lang.t("pagina pubblica", "public page")) } }
        @if form.is_none() && from.is_none() { (problems.summary(lang)) }
        (near(EventVerb::Publish))
        @if e.state == EventState::Draft { form method="post" action=(action("pubblica")) { (csrf_field(auth)) button type="submit" { (lang.t("Pubblica", "Publish")) } } }
        (near(EventVerb::Complete))
        @if e.state == EventState::Published && !ended {
            p.hint { (lang.t("Si segna come concluso dopo la fine:", "It can be marked completed after its end:")) " " (local_time(e.ends_at)) "." }
        }
        @if e.state == EventState::Published && ended {
            form.stack method="post" action=(action("concludi")) {
                (csrf_field(auth))
                div.field { label for="c-materials" { (lang.t("Link ai materiali", "Materials link")) } input #c-materials type="url" name="materials_url" value=(e.materials_url.clone().unwrap_or_default()); }
                div.field { label for="c-recording" { (lang.t("Link alla registrazione", "Recording link")) } input #c-recording type="url" name="recording_url" value=(e.recording_url.clone().unwrap_or_default()); }
                div { button type="submit" { (lang.t("Segna come concluso e ringrazia i partecipanti", "Mark completed and thank participants")) } }
            }
        }
        (near(EventVerb::Cancel))
        @if editable && !started {
            form.stack method="post" action=(action("annulla")) {
                (csrf_field(auth))
                div.field {
                    label for="c-reason" { (lang.t("Motivo dell'annullamento (lo leggono gli iscritti)", "Reason for cancelling (participants read it)")) }
                    input #c-reason type="text" name="reason" required maxlength="500";
                }
                div { button.danger type="submit" { (lang.t("Annulla l'evento…", "Cancel the event…")) } }
            }
        }
        h2 { (lang.t("Iscritti", "Registrations")) " (" (e.confirmed) "/" (e.capacity) @if e.waitlisted > 0 { ", " (e.waitlisted) " " (lang.t("in attesa", "waiting")) } ")" }
        p { a href=(format!("/coordinamento/eventi/{id}/iscritti.csv")) { (lang.t("Esporta iscritti e presenze (CSV per Excel/LibreOffice)", "Export registrations and attendance (CSV for Excel/LibreOffice)")) } }
        (near(EventVerb::Attendance))
        @if regs.is_empty() { p { (lang.t("Nessun iscritto.", "Nobody registered.")) } }
        @else if !started || !matches!(e.state, EventState::Published | EventState::Completed) {
            (scrolling(lang.t("Iscritti", "Registrations"), registrations_table(&regs, lang, false)))
            @if matches!(e.state, EventState::Draft | EventState::Published) {
                p.hint { (lang.t("Le presenze si registrano dopo l'inizio:", "Attendance is recorded after the start:")) " " (local_time(e.starts_at)) "." }
            }
        }
        @else {
            form method="post" action=(action("presenze")) {
                (csrf_field(auth))
                (scrolling(lang.t("Iscritti e presenze", "Registrations and attendance"), registrations_table(&regs, lang, true)))
                button type="submit" { (lang.t("Salva le presenze", "Save attendance")) }
            }
            form.stack method="post" action=(format!("/coordinamento/eventi/{id}/presenze.csv?csrf={}", auth.csrf())) enctype="multipart/form-data" {
                div.field { label for="csv" { (lang.t("Oppure carica l'elenco dei presenti (CSV con una colonna email)", "Or upload the attendee list (CSV with an email column)")) } input #csv type="file" name="file" accept=".csv,text/csv"; }
                div { button type="submit" { (lang.t("Importa le presenze", "Import attendance")) } }
            }
        }
        @if e.kind == Kind::Forum {
            h2 #scambio { (lang.t("Dallo scambio tra Regioni", "From the exchange between Regions")) }
            p.hint { (lang.t("Domande ed esperienze che il forum discute: compaiono nella pagina dell'evento e arrivano ai presenti con i materiali.",
                             "Questions and practices the forum discusses: they appear on the event page and reach the attendees with the materials.")) }
            @if !links.is_empty() { ul { @for l in &links { li { a href=(l.path()) { (l.title) } } } } }
            (near(EventVerb::Links))
            form.stack method="post" action=(action("scambio")) {
                (csrf_field(auth))
                div.field {
                    label for="questions" { (lang.t("Numeri delle domande (separati da virgole)", "Question numbers (comma-separated)")) }
                    input #questions type="text" name="questions" value=(links.iter().filter(|l| l.item == "question").map(|l| l.id.to_string()).collect::<Vec<_>>().join(", "))
                        aria-invalid=[problems.invalid("questions")] aria-describedby=[problems.described("questions")];
                    (problems.at("questions"))
                }
                div.field {
                    label for="practices" { (lang.t("Numeri delle esperienze (separati da virgole)", "Practice numbers (comma-separated)")) }
                    input #practices type="text" name="practices" value=(links.iter().filter(|l| l.item == "practice").map(|l| l.id.to_string()).collect::<Vec<_>>().join(", "))
                        aria-invalid=[problems.invalid("practices")] aria-describedby=[problems.described("practices")];
                    (problems.at("practices"))
                }
                div { button type="submit" { (lang.t("Salva i collegamenti", "Save the links")) } }
            }
        }
        @if let Some(f) = form { h2 { (lang.t("Modifica", "Edit")) } (f) }
    };
    Ok(page(Page { lang, title: &e.title, here: &format!("/coordinamento/eventi/{id}"), auth: Some(auth) }, body))
}

pub async fn update(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    visible_event(&state, Some(user), id, lang).await?;
    let (d, _) = event_input(&form(&body, lang)?);
    let regions = accounts::regions(&state.db).await?;
    let result = match validate(&state, &d, false, &regions) {
        Ok(v) => state.events.update(user, id, &v).await,
        Err(e) => Err(e),
    };
    let result = result.map(|()| format!("/coordinamento/eventi/{id}"));
    redirect_or_page(result, Some(Done::EventChanged), lang, invalid_or_state, |problems| async move {
        manage_view(&state, lang, &auth, id, Some(&d), &problems, None).await
    })
    .await
}

/// One of the coordinator's verbs on an event ([`EventVerb`], from the route).
pub async fn action(
    State(state): State<AppState>,
    Extension(verb): Extension<EventVerb>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    visible_event(&state, Some(user), id, lang).await?;
    let f = form(&body, lang)?;
    let ev = &state.events;
    if let (EventVerb::Cancel, Some(reason), false) = (verb, f.non_empty("reason"), f.get("conferma") == Some("1")) {
        return Ok(cancel_confirmation(&state, lang, &auth, id, reason).await?.into_response());
    }
    let result = match verb {
        EventVerb::Publish => ev.publish(user, id).await,
        EventVerb::Cancel => ev.cancel(user, id, f.non_empty("reason")).await,
        EventVerb::Complete => {
            ev.complete(
                user,
                id,
                f.non_empty("materials_url").map(String::from),
                f.non_empty("recording_url").map(String::from),
            )
            .await
        }
        EventVerb::Attendance => {
            let ids: Vec<i64> = f.all("attended").iter().filter_map(|a| a.parse().ok()).collect();
            ev.mark_attendance(user, id, &ids).await.map(|_| ())
        }
        EventVerb::Links => match (numbers(&f, "questions"), numbers(&f, "practices")) {
            (Ok(q), Ok(p)) => state.exchange.link_event(user, id, &q, &p).await.map(|_| ()),
            (Err(e), _) | (_, Err(e)) => Err(e),
        },
    };
    let result = result.map(|()| format!("/coordinamento/eventi/{id}"));
    let confirmed = match verb {
        EventVerb::Publish => Done::EventPublished,
        EventVerb::Cancel => Done::EventCancelled,
        EventVerb::Complete => Done::EventCompleted,
        EventVerb::Attendance => Done::AttendanceSaved,
        EventVerb::Links => Done::EventChanged,
    };
    redirect_or_page(result, Some(confirmed), lang, invalid_or_state, |problems| async move {
        manage_view(&state, lang, &auth, id, None, &problems, Some(verb)).await
    })
    .await
}

/// Numbers typed in a field, separated by commas or spaces ("12, 15" or "#12 #15").
fn numbers(f: &Params, field: &'static str) -> Result<Vec<i64>, Refusal> {
    let text = f.get(field).unwrap_or("");
    text.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .map(|t| t.trim().trim_start_matches('#'))
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.parse::<i64>().map_err(|_| {
                Refusal::invalid(field, format!("\"{t}\" non è un numero."), format!("\"{t}\" is not a number."))
            })
        })
        .collect()
}

/// Before an event is cancelled: who will be told, and with which reason.
async fn cancel_confirmation(state: &AppState, lang: Lang, auth: &Auth, id: i64, reason: &str) -> AppResult<Markup> {
    let e = visible_event(state, auth.user(), id, lang).await?;
    let title = format!("{} «{}»?", lang.t("Annullare", "Cancel"), e.title);
    let back = format!("/coordinamento/eventi/{id}");
    let action = format!("/coordinamento/eventi/{id}/annulla");
    let consequences = html! {
        p { (mail::when(&e, lang)) }
        p {
            (lang.t("Ricevono la notizia, con il motivo, le persone iscritte:", "The people registered are told, with the reason:"))
            " " strong { (e.confirmed) } " " (lang.t("con il posto", "with a seat"))
            @if e.waitlisted > 0 { ", " strong { (e.waitlisted) } " " (lang.t("in lista d'attesa", "on the waiting list")) }
            "."
        }
        p { (lang.t("Motivo:", "Reason:")) " " q { (reason) } }
        p { strong { (lang.t("L'annullamento non si può disfare.", "Cancelling cannot be undone.")) } }
    };
    Ok(confirm_page(
        lang,
        auth,
        Confirm {
            title: &title,
            consequences,
            action: &action,
            fields: vec![("reason", reason.to_string())],
            confirm_label: lang.t("Sì, annulla l'evento", "Yes, cancel the event"),
            back: &back,
        },
    ))
}

/// The registrations of an event, with a "present" box per confirmed person when
/// attendance can be recorded.
fn registrations_table(regs: &[Registration], lang: Lang, attendance: bool) -> Markup {
    html! {
        table {
            thead { tr {
                @if attendance { th scope="col" { (lang.t("Presente", "Attended")) } }
                th scope="col" { (lang.t("Nome", "Name")) } th scope="col" { "Email" } th scope="col" { (lang.t("Regione", "Region")) } th scope="col" { (lang.t("Stato", "Status")) } th scope="col" { (lang.t("Iscritto il", "Registered")) }
            } }
            tbody { @for r in regs { tr {
                @if attendance {
                    td { @if r.state == RegState::Confirmed { input type="checkbox" name="attended" value=(r.id) checked[r.attended] aria-label=(format!("{} {}", lang.t("Presente:", "Attended:"), r.name)); } }
                }
                td { (r.name) } td { (r.email) } td { (r.region_code.clone().unwrap_or_default()) } td { (r.state.label(lang)) } td { (local_time(r.created_at)) }
            } } }
        }
    }
}
