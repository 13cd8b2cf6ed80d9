//! Event pages for everyone: the calendar, the archive, an event, registering, certificates
//! and the personal calendar feed.

use super::*;

/// `/eventi`: upcoming events as a list, or a month (`?vista=mese&mese=2026-12`).
pub async fn list(State(state): State<AppState>, lang: Lang, auth: Auth, RawQuery(raw): RawQuery) -> AppResult<Markup> {
    let p = Params::parse(raw.as_deref(), lang)?;
    let mut f = filter(&p, &state, lang)?;
    let now = state.clock.now_ms();
    let page_no = p.number("page", 1, 10_000, lang)? as i64;
    let mut c = conn(&state).await?;
    let month_view = p.get("vista") == Some("mese");
    let body_list = if month_view {
        let first = match p.non_empty("mese") {
            None => local_date(now).with_day(1).unwrap_or_default(),
            Some(m) => NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").map_err(|_| {
                AppError::field("mese", lang.t("Mese non valido: usa AAAA-MM.", "Invalid month: use YYYY-MM."))
            })?,
        };
        let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first);
        f.states = vec![EventState::Published, EventState::Cancelled, EventState::Completed];
        f.starts_from = Some(crate::clock::local_midnight_ms(first));
        f.starts_until = Some(crate::clock::local_midnight_ms(next));
        let (list, _) = store::events(&mut c, &f, 500, 0).await?;
        month(first, &list, &f, &state, lang)
    } else {
        f.states = vec![EventState::Published, EventState::Cancelled];
        f.ends_after = Some(now);
        let (list, total) = store::events(&mut c, &f, PER_PAGE, (page_no - 1) * PER_PAGE).await?;
        html! {
            (filters_form("/eventi", &f, &state, lang, None))
            @if list.is_empty() { p.notice role="status" { (lang.t("Nessun evento in programma con questi filtri.", "No upcoming event matches these filters.")) } }
            @else { ul.events { @for e in &list { (event_line(e, lang)) } } }
            @if total > page_no * PER_PAGE { p { a href=(format!("/eventi?page={}", page_no + 1)) { (lang.t("Altri eventi →", "More events →")) } } }
        }
    };
    let user = auth.user();
    let body = html! {
        h1 { (lang.t("Eventi: webinar, Open Lab, laboratori e forum", "Events: webinars, Open Labs, labs and forums")) }
        p {
            a href="/eventi" { (lang.t("Elenco", "List")) } " · "
            a href="/eventi?vista=mese" { (lang.t("Vista mensile", "Month view")) } " · "
            a href="/eventi/archivio" { (lang.t("Archivio con i materiali", "Archive with materials")) }
            @if user.is_some_and(|u| u.role == Role::Coordinator) { " · " a href="/coordinamento/eventi" { (lang.t("Gestione eventi", "Manage events")) } }
        }
        (body_list)
        @if user.is_some() {
            h2 { (lang.t("Il mio calendario", "My calendar")) }
            p { (lang.t("Un indirizzo personale da aggiungere a Outlook, Google Calendar o Thunderbird con gli eventi a cui sei iscritto.",
                        "A personal address to add to Outlook, Google Calendar or Thunderbird with the events you registered for.")) }
            form method="post" action="/profilo/calendario" { (csrf_field(&auth)) button type="submit" { (lang.t("Crea un nuovo indirizzo", "Create a new address")) } }
            form method="post" action="/profilo/calendario/revoca" { (csrf_field(&auth)) button type="submit" { (lang.t("Disattiva l'indirizzo", "Turn the address off")) } }
        }
    };
    Ok(page(Page { lang, title: lang.t("Eventi", "Events"), here: "/eventi", auth: Some(&auth) }, body))
}

fn month(first: NaiveDate, list: &[Event], f: &EventFilter, state: &AppState, lang: Lang) -> Markup {
    let prev = first.checked_sub_months(chrono::Months::new(1)).unwrap_or(first);
    let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first);
    let days = next.signed_duration_since(first).num_days();
    let lead = first.weekday().num_days_from_monday() as i64;
    let cells = ((lead + days + 6) / 7) * 7;
    let names = if lang == Lang::It {
        ["lun", "mar", "mer", "gio", "ven", "sab", "dom"]
    } else {
        ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    };
    let month_name = first.format("%m/%Y").to_string();
    html! {
        (filters_form("/eventi", f, state, lang, Some(&first.format("%Y-%m").to_string())))
        p {
            a href=(format!("/eventi?vista=mese&mese={}", prev.format("%Y-%m"))) { "← " (prev.format("%m/%Y")) }
            " · " strong { (month_name) } " · "
            a href=(format!("/eventi?vista=mese&mese={}", next.format("%Y-%m"))) { (next.format("%m/%Y")) " →" }
        }
        table.month {
            caption { (lang.t("Eventi del mese", "Events of the month")) " " (month_name) }
            thead { tr { @for n in names { th scope="col" { (n) } } } }
            tbody {
                @for week in 0..(cells / 7) {
                    tr {
                        @for d in 0..7 {
                            @let n = week * 7 + d - lead;
                            td {
                                @if n >= 0 && n < days {
                                    @let day = first + chrono::Days::new(n as u64);
                                    span.day { (day.day()) }
                                    @for e in list.iter().filter(|e| local_date(e.starts_at) == day) {
                                        br; a href=(format!("/eventi/{}", e.id)) { (local_time(e.starts_at).split(' ').nth(1).unwrap_or("")) " " (e.title) }
                                        @if e.state == EventState::Cancelled { " (" (lang.t("annullato", "cancelled")) ")" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if list.is_empty() { p.notice role="status" { (lang.t("Nessun evento in questo mese.", "No events this month.")) } }
    }
}

pub async fn archive(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> AppResult<Markup> {
    let p = Params::parse(raw.as_deref(), lang)?;
    let mut f = filter(&p, &state, lang)?;
    let page_no = p.number("page", 1, 10_000, lang)? as i64;
    f.states = vec![EventState::Completed, EventState::Published];
    f.ends_before = Some(state.clock.now_ms());
    f.newest_first = true;
    let mut c = conn(&state).await?;
    let (list, total) = store::events(&mut c, &f, PER_PAGE, (page_no - 1) * PER_PAGE).await?;
    let body = html! {
        h1 { (lang.t("Archivio degli eventi", "Event archive")) }
        (filters_form("/eventi/archivio", &f, &state, lang, None))
        @if list.is_empty() { p.notice role="status" { (lang.t("Nessun evento passato.", "No past events.")) } }
        @else {
            ul.events { @for e in &list {
                li { a href=(format!("/eventi/{}", e.id)) { (e.title) } " — " (e.kind.label(lang)) ", " (mail::when(e, lang))
                    @if let Some(m) = &e.materials_url { " · " a href=(m) { (lang.t("materiali", "materials")) } }
                    @if let Some(r) = &e.recording_url { " · " a href=(r) { (lang.t("registrazione", "recording")) } } }
            } }
        }
        @if total > page_no * PER_PAGE { p { a href=(format!("/eventi/archivio?page={}", page_no + 1)) { (lang.t("Altri →", "More →")) } } }
    };
    Ok(page(Page { lang, title: lang.t("Archivio", "Archive"), here: "/eventi/archivio", auth: Some(&auth) }, body))
}

pub async fn detail(State(state): State<AppState>, lang: Lang, auth: Auth, PathId(id): PathId) -> AppResult<Markup> {
    event_page(&state, lang, &auth, id, None, None).await
}

pub(super) async fn event_page(
    state: &AppState,
    lang: Lang,
    auth: &Auth,
    id: i64,
    error: Option<&str>,
    survey: Option<super::survey::SurveyDraft>,
) -> AppResult<Markup> {
    let user = auth.user();
    let e = visible_event(state, user, id, lang).await?;
    let mut c = conn(state).await?;
    let mine = match user {
        Some(u) => store::live_registration(&mut c, id, u.id).await?,
        None => None,
    };
    let place = match &mine {
        Some(r) if r.state == RegState::Waitlisted => Some(store::waitlist_place(&mut c, r).await?),
        _ => None,
    };
    let corpus = state.search.corpus();
    let links = state.exchange.event_links(id).await.map_err(|e| e.into_app(lang))?;
    let topics = &corpus.topics;
    let see_link = user.is_some_and(|u| u.role == Role::Coordinator)
        || mine.as_ref().is_some_and(|r| r.state == RegState::Confirmed);
    // An answer refused when the survey is not open to this person is said at the top.
    let refused = survey.as_ref().filter(|d| !d.problems.is_empty()).map(|d| d.problems.first().1);
    let survey = match user {
        Some(u) if e.state == EventState::Completed => super::survey::section(state, lang, auth, u, id, survey).await?,
        _ => None,
    };
    let error = error.map(str::to_string).or(if survey.is_none() { refused } else { None });
    let body = html! {
        h1 { (e.title) }
        @if let Some(msg) = &error { p.notice.error role="alert" { (msg) } }
        dl.facts {
            dt { (lang.t("Tipo", "Kind")) } dd { (e.kind.label(lang)) " (WP5, " (lang.t("attività", "task")) " " (e.kind.task()) ")" }
            dt { (lang.t("Quando", "When")) } dd { (mail::when(&e, lang)) }
            @if let Some(v) = &e.venue { dt { (lang.t("Sede", "Venue")) } dd { (v) } }
            @if e.online_url.is_some() {
                dt { (lang.t("Online", "Online")) }
                dd { @if see_link { a href=(e.online_url.clone().unwrap_or_default()) { (e.online_url.clone().unwrap_or_default()) } } @else { (lang.t("il link arriva agli iscritti", "the link is sent to registered participants")) } }
            }
            dt { (lang.t("Stato", "Status")) } dd { (e.state.label(lang)) }
            dt { (lang.t("Posti", "Places")) } dd { (e.confirmed) " / " (e.capacity) @if e.waitlisted > 0 { " · " (e.waitlisted) " " (lang.t("in lista d'attesa", "waiting")) } }
            @if !e.audience.is_empty() { dt { (lang.t("Riservato a", "Reserved for")) } dd { (e.audience.join(", ")) } }
            @if !e.funds.is_empty() { dt { (lang.t("Fondi", "Funds")) } dd { (e.funds.iter().map(|f| fund_label(f, lang)).collect::<Vec<_>>().join(", ")) } }
            @if !e.topics.is_empty() { dt { (lang.t("Temi", "Topics")) } dd { (e.topics.iter().map(|t| topics.label(t, lang)).collect::<Vec<_>>().join(", ")) } }
            @if !e.speakers.is_empty() { dt { (lang.t("Relatori", "Speakers")) } dd { (e.speakers) } }
            @if let Some(o) = e.registration_closes_at { dt { (lang.t("Iscrizioni fino al", "Registration until")) } dd { (local_time(o)) } }
        }
        @if !e.description.is_empty() { p.description { (e.description) } }
        @if !e.guides.is_empty() {
            h2 { (lang.t("Guide collegate", "Related guides")) }
            ul { @for g in &e.guides { li { a href=(format!("/guide/{g}")) { (corpus.get(g).map(|x| x.title.as_str()).unwrap_or(g)) } } } }
        }
        @if !links.is_empty() {
            h2 { (lang.t("Dallo scambio tra Regioni", "From the exchange between Regions")) }
            @if user.is_some() { ul { @for l in &links { li { a href=(l.path()) { (l.title) } } } } }
            @else { p { a href=(format!("/accedi?torna=/eventi/{id}")) { (lang.t("Accedi", "Sign in")) } " "
                (lang.t("per leggere le domande e le esperienze delle Regioni collegate a questo forum.", "to read the questions and practices of the Regions linked to this forum.")) } }
        }
        @if e.state == EventState::Completed {
            h2 { (lang.t("Materiali", "Materials")) }
            @if e.materials_url.is_none() && e.recording_url.is_none() { p { (lang.t("Nessun materiale pubblicato.", "No materials published.")) } }
            ul {
                @if let Some(m) = &e.materials_url { li { a href=(m) { (lang.t("Slide e materiali", "Slides and materials")) } } }
                @if let Some(r) = &e.recording_url { li { a href=(r) { (lang.t("Registrazione", "Recording")) } } }
            }
        }
        h2 { (lang.t("Iscrizione", "Registration")) }
        @match (user, &mine) {
            (None, _) => p { a href=(format!("/accedi?torna=/eventi/{id}")) { (lang.t("Accedi per iscriverti", "Sign in to register")) } },
            (Some(_), Some(r)) => {
                p { strong { (r.state.label(lang)) } @if let Some(n) = place { ", " (lang.t("posto in lista", "waiting-list place")) " " (n) } }
                @if r.state == RegState::Confirmed && e.state == EventState::Published {
                    p { a href=(format!("/eventi/{id}/evento.ics")) download { (lang.t("Aggiungi al calendario (.ics)", "Add to calendar (.ics)")) } }
                }
                @if e.state == EventState::Published {
                    form method="post" action=(format!("/iscrizioni/{}/annulla", r.id)) {
                        (csrf_field(auth))
                        button type="submit" { @if r.state == RegState::Waitlisted { (lang.t("Lascia la lista d'attesa", "Leave the waiting list")) } @else { (lang.t("Annulla l'iscrizione", "Cancel my registration")) } }
                    }
                }
                @if e.state == EventState::Completed && r.attended {
                    p { a href=(format!("/eventi/{id}/attestato.pdf")) { (lang.t("Scarica l'attestato di partecipazione (PDF)", "Download the certificate of attendance (PDF)")) } }
                }
            },
            (Some(_), None) => {
                @if e.state == EventState::Published && e.free_places() <= 0 {
                    p.notice role="status" { (lang.t("L'evento è al completo. Puoi metterti in lista d'attesa: se un posto si libera passa alla prima persona in lista, che riceve una mail.",
                        "The event is full. You can join the waiting list: a seat that frees up goes to the first person on it, who gets an email.")) }
                }
                @if e.state == EventState::Published {
                    form method="post" action=(format!("/eventi/{id}/iscrizione")) {
                        (csrf_field(auth))
                        button type="submit" { @if e.free_places() > 0 { (lang.t("Iscriviti", "Register")) } @else { (lang.t("Mettiti in lista d'attesa", "Join the waiting list")) } }
                    }
                } @else { p { (lang.t("Iscrizioni non aperte.", "Registration is not open.")) } }
            },
        }
        @if let Some(s) = survey { (s) }
    };
    Ok(page(Page { lang, title: &e.title, here: &format!("/eventi/{id}"), auth: Some(auth) }, body))
}

pub async fn register(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let result = state.events.register(user, id).await;
    let confirmed = match &result {
        Ok(r) if r.waitlist_place.is_some() => Done::Waitlisted,
        _ => Done::Registered,
    };
    let result = result.map(|_| format!("/eventi/{id}"));
    let shown = |e: &Refusal| matches!(e, Refusal::State { .. } | Refusal::Forbidden { .. });
    redirect_or_page(result, Some(confirmed), lang, shown, |problems| async move {
        event_page(&state, lang, &auth, id, Some(&problems.first().1), None).await
    })
    .await
}

pub async fn unregister(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let reg = state.events.unregister(user, id).await.map_err(|e| e.into_app(lang))?;
    Ok(done(&format!("/eventi/{}", reg.event_id), Done::Unregistered))
}

pub async fn certificate_pdf(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let e = visible_event(&state, Some(user), id, lang).await?;
    let mut c = conn(&state).await?;
    let reg: Option<Registration> =
        store::user_registrations(&mut c, user.id).await?.into_iter().find(|r| r.event_id == id);
    let attended = reg.as_ref().is_some_and(|r| r.attended && r.state == RegState::Confirmed);
    if e.state != EventState::Completed || !attended {
        return Err(AppError::NotFound(
            lang.t(
                "Nessun attestato: serve la presenza registrata a un evento concluso.",
                "No certificate: it needs recorded attendance at a completed event.",
            )
            .into(),
        ));
    }
    let reg = reg.unwrap_or_else(|| unreachable!("checked above"));
    let region = match &user.region_code {
        Some(code) => accounts::region(&state.db, code).await?.map(|r| r.name),
        None => None,
    };
    let serial = format!("FL-{}-{:06}-{:04}", local_date(e.starts_at).year(), e.id, reg.id);
    let bytes = certificate::pdf(&certificate::Certificate {
        lang,
        person: &user.name,
        organisation: user.organisation.as_deref(),
        region: region.as_deref(),
        event_title: &e.title,
        kind_label: e.kind.label(lang),
        when: &mail::when(&e, lang),
        minutes: (e.ends_at - e.starts_at) / 60_000,
        issued_on: &crate::web::layout::date(local_date(state.clock.now_ms())),
        serial: &serial,
    });
    Ok((
        [
            (CONTENT_TYPE, "application/pdf".to_string()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"attestato-{id}.pdf\"")),
        ],
        bytes,
    )
        .into_response())
}

/// `/eventi/{id}/evento.ics`: the person's seat as a calendar entry.
pub async fn calendar_entry(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let entry = state.events.calendar_entry(user, id).await.map_err(|e| match e {
        Refusal::NotFound => AppError::NotFound(
            lang.t(
                "Nessun posto confermato a questo evento da aggiungere al calendario.",
                "No confirmed seat at this event to add to a calendar.",
            )
            .into(),
        ),
        other => other.into_app(lang),
    })?;
    Ok((
        [
            (CONTENT_TYPE, "text/calendar; charset=utf-8".to_string()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"evento-{id}.ics\"")),
        ],
        entry.content,
    )
        .into_response())
}

/// `/calendario/{secret}.ics`: the owner's registered events, for calendar subscriptions.
pub async fn feed(State(state): State<AppState>, lang: Lang, Path(file): Path<String>) -> AppResult<Response> {
    let secret = file.strip_suffix(".ics").unwrap_or(&file);
    let body = state.events.feed(secret).await.map_err(|_| {
        AppError::NotFound(
            lang.t("Calendario inesistente o disattivato.", "No such calendar, or it was turned off.").into(),
        )
    })?;
    Ok(([(CONTENT_TYPE, "text/calendar; charset=utf-8")], body).into_response())
}

pub async fn feed_create(State(state): State<AppState>, lang: Lang, auth: Auth) -> AppResult<Markup> {
    let user = signed_in(&auth)?;
    let secret = state.events.new_feed(user).await.map_err(|e| e.into_app(lang))?;
    let url = format!("{}/calendario/{secret}.ics", state.config.public_url);
    let body = html! {
        h1 { (lang.t("Il tuo calendario personale", "Your personal calendar")) }
        p { (lang.t("Copia questo indirizzo nel tuo programma di calendario (\"aggiungi calendario da URL\"). È personale: non condividerlo. Lo vedi solo ora; se lo perdi, creane uno nuovo.",
                    "Copy this address into your calendar program (\"add calendar from URL\"). It is personal: do not share it. It is shown only now; if you lose it, create a new one.")) }
        p { code { (url) } }
        p { a href="/eventi" { (lang.t("Torna agli eventi", "Back to events")) } }
    };
    Ok(page(Page { lang, title: lang.t("Calendario", "Calendar"), here: "/eventi", auth: Some(&auth) }, body))
}

pub async fn feed_revoke(State(state): State<AppState>, lang: Lang, auth: Auth) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    state.events.revoke_feed(user).await.map_err(|e| e.into_app(lang))?;
    Ok(done("/eventi", Done::CalendarRevoked))
}
