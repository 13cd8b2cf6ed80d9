//! Registrations out as CSV, attendance in from the platform's list.

use super::*;

/// Registrations and attendance as a spreadsheet for Italian-locale Excel and LibreOffice.
pub async fn export_csv(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    let e = visible_event(&state, auth.user(), id, lang).await?;
    let mut c = conn(&state).await?;
    let regs = store::registrations(&mut c, id).await?;
    let header = [
        lang.t("Nome", "Name"),
        "Email",
        lang.t("Ente", "Organisation"),
        lang.t("Regione", "Region"),
        lang.t("Stato", "Status"),
        lang.t("Ordine di arrivo", "Order of arrival"),
        lang.t("Iscritto il", "Registered on"),
        lang.t("Presente", "Attended"),
    ];
    let rows: Vec<Vec<String>> = regs
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                r.email.clone(),
                r.organisation.clone().unwrap_or_default(),
                r.region_code.clone().unwrap_or_default(),
                r.state.label(lang).to_string(),
                r.position.to_string(),
                local_time(r.created_at),
                if r.attended { lang.t("sì", "yes") } else { lang.t("no", "no") }.to_string(),
            ]
        })
        .collect();
    let bytes = csv::excel(&header, &rows);
    let name = format!("iscritti-evento-{}-{}.csv", e.id, local_date(e.starts_at).format("%Y%m%d"));
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}

/// Attendance from an uploaded CSV: all rows or none, with a report of the rows skipped and why.
pub async fn import_csv(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let mut multipart = multipart.map_err(|_| {
        AppError::field(
            "file",
            lang.t(
                "Carica il file CSV con il modulo della pagina dell'evento.",
                "Upload the CSV file with the form on the event page.",
            ),
        )
    })?;
    visible_event(&state, Some(user), id, lang).await?;
    let mut data = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::bad_request(format!("{}: {e}", lang.t("caricamento non valido", "invalid upload"))))?
    {
        if field.name() == Some("file") {
            data = Some(field.bytes().await.map_err(|e| {
                AppError::bad_request(format!("{}: {e}", lang.t("caricamento non valido", "invalid upload")))
            })?);
        }
    }
    let data = data
        .filter(|d| !d.is_empty())
        .ok_or_else(|| AppError::field("file", lang.t("Scegli un file CSV.", "Choose a CSV file.")))?;
    let (rows, problems) = csv::attendees(&data, lang);
    let rows: Vec<(usize, String)> = rows.into_iter().map(|r| (r.line, r.email)).collect();
    let problems: Vec<(usize, String)> = problems.into_iter().map(|p| (p.line, p.text)).collect();
    let report = state.events.import_attendance(user, id, &rows, problems, lang).await.map_err(|e| e.into_app(lang))?;
    if report.problems.is_empty() {
        return Ok(done(&format!("/coordinamento/eventi/{id}"), Done::AttendanceSaved));
    }
    let body = html! {
        h1 { (lang.t("Presenze non importate", "Attendance not imported")) }
        p.notice.error role="alert" { (lang.t("Il file ha righe non valide: nessuna presenza è stata registrata. Correggi le righe e ricaricalo.",
                                              "The file has invalid rows: no attendance was recorded. Fix the rows and upload it again.")) }
        (scrolling(lang.t("Righe non valide", "Invalid rows"), html! { table {
            thead { tr { th scope="col" { (lang.t("Riga", "Line")) } th scope="col" { (lang.t("Problema", "Problem")) } } }
            tbody { @for (line, text) in &report.problems { tr { td { (line) } td { (text) } } } }
        } }))
        p { a href=(format!("/coordinamento/eventi/{id}")) { (lang.t("Torna all'evento", "Back to the event")) } }
    };
    Ok(rendered(
        StatusCode::BAD_REQUEST,
        page(
            Page {
                lang,
                title: lang.t("Presenze non importate", "Attendance not imported"),
                here: "/coordinamento/eventi",
                auth: Some(&auth),
            },
            body,
        ),
    ))
}
