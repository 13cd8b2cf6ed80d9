//! The mentor's profile: the form and saving it.

use super::*;

fn profile_input(f: &Params) -> Result<ProfileInput, Refusal> {
    // Both readings are checked, so a form with both wrong says so at once.
    let mut checks = crate::refusal::Checks::default();
    let experience = checks.take(input::parse_experience_lines(f.get("experience").unwrap_or("")));
    let capacity = match f.non_empty("capacity") {
        None => None,
        Some(c) => checks.take(c.parse::<i64>().map_err(|_| {
            Refusal::invalid(
                "capacity",
                format!("Capacità non valida \"{c}\": scrivi un numero intero."),
                format!("Invalid capacity \"{c}\": enter a whole number."),
            )
        })),
    };
    checks.done()?;
    Ok(ProfileInput {
        experience: experience.unwrap_or_default(),
        topics: f.all("topics").into_iter().map(String::from).collect(),
        languages: f.all("languages").into_iter().map(String::from).collect(),
        capacity,
        employer_region: f.non_empty("employer_region").map(String::from),
        pause_from: f.non_empty("pause_from").map(String::from),
        pause_until: f.non_empty("pause_until").map(String::from),
        bio: f.get("bio").unwrap_or("").into(),
    })
}

/// What the profile form shows: the stored profile, or what was typed.
struct ProfileDraft {
    experience: String,
    topics: Vec<String>,
    languages: Vec<String>,
    capacity: String,
    employer_region: Option<String>,
    pause_from: String,
    pause_until: String,
    bio: String,
}

async fn profile_form(
    state: &AppState,
    lang: Lang,
    auth: &Auth,
    d: &ProfileDraft,
    err: &Problems,
) -> AppResult<Markup> {
    let regions = accounts::regions(&state.db).await?;
    let topics = &state.search.corpus().topics;
    let title = lang.t("Il mio profilo da mentor", "My mentor profile");
    let body = html! {
        h1 { (title) }
        (err.summary(lang))
        form.stack method="post" action="/mentorship/profilo" {
            (csrf_field(auth))
            div.field {
                label for="experience" { (lang.t("Esperienze con i fondi, una per riga: fondo | ruolo | programma | codice Regione (facoltativo)",
                                                 "Experience with the funds, one per line: fund | role | programme | Region code (optional)")) }
                p.hint { (lang.t("Ruoli: AdG, OI, audit, beneficiario. Esempio: FSE+ | AdG | PR FSE+ Puglia 2014-2020 | PUG",
                                 "Roles: adg, oi, audit, beneficiario. Example: FSE+ | AdG | PR FSE+ Puglia 2014-2020 | PUG")) }
                textarea #experience name="experience" rows="5" aria-invalid=[err.invalid("experience")] aria-describedby=[err.described("experience")] { (d.experience) }
                (err.at("experience"))
            }
            fieldset.field #topics aria-describedby=[err.described("topics")] {
                legend { (lang.t("Temi su cui puoi affiancare", "Topics you can help with")) }
                (err.at("topics"))
                div.choices { @for t in topics.all() { label { input type="checkbox" name="topics" value=(t.slug) checked[d.topics.contains(&t.slug)]; " " (t.label(lang)) } } }
            }
            fieldset.field #languages aria-describedby=[err.described("languages")] {
                legend { (lang.t("Lingue di lavoro", "Working languages")) }
                (err.at("languages"))
                @for l in Lang::ALL { label { input type="checkbox" name="languages" value=(l.code()) checked[d.languages.iter().any(|x| x == l.code())]; " " (l.name()) } " " }
            }
            div.field {
                label for="capacity" { (lang.t("Mentorship che puoi seguire insieme", "Mentorships you can follow at once")) }
                input #capacity type="number" min="1" max="20" name="capacity" value=(d.capacity) aria-invalid=[err.invalid("capacity")] aria-describedby=[err.described("capacity")];
                (err.at("capacity"))
            }
            div.field {
                label for="employer_region" { (lang.t("Regione / PA per cui lavori (non ti sarà proposta)", "Region / AP you work for (never proposed to you)")) }
                select #employer_region name="employer_region" aria-invalid=[err.invalid("employer_region")] aria-describedby=[err.described("employer_region")] {
                    option value="" { "—" }
                    @for r in &regions { option value=(r.code) selected[d.employer_region.as_deref() == Some(r.code.as_str())] { (r.name) } }
                }
                (err.at("employer_region"))
            }
            div.field {
                label for="pause_from" { (lang.t("In pausa dal", "On a pause from")) }
                input #pause_from type="date" name="pause_from" value=(d.pause_from) aria-invalid=[err.invalid("pause_from")] aria-describedby=[err.described("pause_from")];
                (err.at("pause_from"))
                label for="pause_until" { (lang.t("al", "to")) }
                input #pause_until type="date" name="pause_until" value=(d.pause_until) aria-invalid=[err.invalid("pause_until")] aria-describedby=[err.described("pause_until")];
                (err.at("pause_until"))
            }
            div.field {
                label for="bio" { (lang.t("Presentazione", "About you")) }
                textarea #bio name="bio" rows="4" aria-invalid=[err.invalid("bio")] aria-describedby=[err.described("bio")] { (d.bio) }
                (err.at("bio"))
            }
            div { button type="submit" { (lang.t("Salva il profilo", "Save the profile")) } }
        }
    };
    Ok(page(Page { lang, title, here: "/mentorship/profilo", auth: Some(auth) }, body))
}

pub async fn profile_page(State(state): State<AppState>, lang: Lang, auth: Auth) -> AppResult<Markup> {
    let user = signed_in(&auth)?;
    let mut c = conn(&state).await?;
    let d = match store::profile(&mut c, user.id).await? {
        Some(p) => ProfileDraft {
            experience: p
                .experience
                .iter()
                .map(|e| {
                    format!(
                        "{} | {} | {}{}",
                        e.fund,
                        e.role,
                        e.programme,
                        e.region_code.as_deref().map(|r| format!(" | {r}")).unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
            topics: p.topics,
            languages: p.languages,
            capacity: p.capacity.to_string(),
            employer_region: p.employer_region,
            pause_from: p.pause_from.unwrap_or_default(),
            pause_until: p.pause_until.unwrap_or_default(),
            bio: p.bio,
        },
        None => ProfileDraft {
            experience: String::new(),
            topics: Vec::new(),
            languages: vec![lang.code().to_string()],
            capacity: "2".into(),
            employer_region: None,
            pause_from: String::new(),
            pause_until: String::new(),
            bio: String::new(),
        },
    };
    profile_form(&state, lang, &auth, &d, &Problems::none()).await
}

pub async fn profile_save(State(state): State<AppState>, lang: Lang, auth: Auth, body: Bytes) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let f = form(&body, lang)?;
    let result = async {
        let p = profile_input(&f)?;
        let regions = accounts::regions(&state.db).await?;
        let valid = input::validate_profile(&p, &state.search.corpus().topics, &regions)?;
        state.mentorship.save_profile(user, &valid).await
    }
    .await;
    match result {
        Ok(()) => Ok(done("/mentorship/profilo", Done::ProfileSaved)),
        Err(e) if e.is_invalid() => {
            let d = ProfileDraft {
                experience: f.get("experience").unwrap_or("").into(),
                topics: f.all("topics").into_iter().map(String::from).collect(),
                languages: f.all("languages").into_iter().map(String::from).collect(),
                capacity: f.get("capacity").unwrap_or("").into(),
                employer_region: f.non_empty("employer_region").map(String::from),
                pause_from: f.get("pause_from").unwrap_or("").into(),
                pause_until: f.get("pause_until").unwrap_or("").into(),
                bio: f.get("bio").unwrap_or("").into(),
            };
            let markup = profile_form(&state, lang, &auth, &d, &Problems::of(&e, lang)).await?;
            Ok(rendered(StatusCode::BAD_REQUEST, markup))
        }
        Err(e) => Err(e.into_app(lang)),
    }
}
