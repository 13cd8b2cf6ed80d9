//! The one-question survey after an event: on the event page for the people marked present,
//! from the completion until 14 days after the event.

use super::*;
use crate::events::service::{EventFeedback, FeedbackWindow};
use crate::web::kit::Done;

/// What the survey form shows: the stored answer, or what was typed with the error it got.
#[derive(Default)]
pub struct SurveyDraft {
    pub useful: Option<i64>,
    pub comment: String,
    pub problems: Problems,
}

impl From<EventFeedback> for SurveyDraft {
    fn from(f: EventFeedback) -> Self {
        SurveyDraft { useful: Some(f.useful), comment: f.comment, problems: Problems::none() }
    }
}

/// The survey section of event `id` for `user`, when they may answer now.
pub async fn section(
    state: &AppState,
    lang: Lang,
    auth: &Auth,
    user: &User,
    id: i64,
    draft: Option<SurveyDraft>,
) -> AppResult<Option<Markup>> {
    let FeedbackWindow::Open(until) = state.events.feedback_window(user, id).await.map_err(|e| e.into_app(lang))?
    else {
        return Ok(None);
    };
    let stored = state.events.feedback_of(user, id).await.map_err(|e| e.into_app(lang))?;
    let answered = stored.is_some();
    let d = match draft {
        Some(d) => d,
        None => stored.map(SurveyDraft::from).unwrap_or_default(),
    };
    let problems = &d.problems;
    let until = crate::web::layout::date(local_date(until));
    Ok(Some(html! {
        section #valutazione aria-labelledby="valutazione-titolo" {
            h2 #valutazione-titolo { (lang.t("Quanto ti è stato utile?", "How useful was it?")) }
            p { (lang.t("Una domanda, per il monitoraggio del WP5; puoi cambiare la risposta fino al", "One question, for WP5 monitoring; you can change your answer until")) " " (until) "." }
            (problems.summary(lang))
            form method="post" action=(format!("/eventi/{id}/valutazione")) {
                (csrf_field(auth))
                fieldset #useful aria-describedby=[problems.described("useful")] {
                    legend { (lang.t("Utilità, da 1 (per niente) a 5 (moltissimo)", "Usefulness, from 1 (not at all) to 5 (very)")) }
                    (problems.at("useful"))
                    @for n in 1..=5i64 {
                        label.choice {
                            input type="radio" name="useful" value=(n) checked[d.useful == Some(n)];
                            " " (n)
                        }
                    }
                }
                div.field {
                    label for="comment" { (lang.t("Commento (facoltativo)", "Comment (optional)")) }
                    textarea #comment name="comment" rows="4" maxlength="2000"
                        aria-invalid=[problems.invalid("comment")] aria-describedby=[problems.described("comment")] { (d.comment) }
                    (problems.at("comment"))
                }
                button type="submit" {
                    @if answered { (lang.t("Aggiorna la risposta", "Update my answer")) } @else { (lang.t("Invia la risposta", "Send my answer")) }
                }
            }
        }
    }))
}

/// `POST /eventi/{id}/valutazione`.
pub async fn save(
    State(state): State<AppState>,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId,
    body: Bytes,
) -> AppResult<Response> {
    let user = signed_in(&auth)?;
    let f = form(&body, lang)?;
    let comment = f.get("comment").unwrap_or("").to_string();
    // A missing or unreadable choice is out of range, refused with the comment's own check.
    let useful = f.non_empty("useful").and_then(|v| v.parse::<i64>().ok());
    let result = state
        .events
        .give_feedback(user, id, useful.unwrap_or(0), &comment)
        .await
        .map(|_| format!("/eventi/{id}#valutazione"));
    redirect_or_page(result, Some(Done::SurveyAnswered), lang, invalid_or_state, |problems| async move {
        let draft = SurveyDraft { useful, comment, problems };
        super::public::event_page(&state, lang, &auth, id, None, Some(draft)).await
    })
    .await
}
