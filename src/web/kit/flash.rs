//! "Done": the message that confirms an action after its redirect, shown once.
//!
//! A handler that changed something answers with [`done`]: the redirect carries the
//! action's code in a short-lived cookie. The next page that shows it (the layout asks
//! [`take`]) has the cookie cleared, so a reload does not say it again. The cookie holds
//! only a code from [`Done`], never text, and nothing is kept in memory, so any instance
//! may serve the next page.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::SET_COOKIE;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

use crate::app::AppState;
use crate::i18n::Lang;
use crate::web::auth::cookie_value;

pub const DONE_COOKIE: &str = "fondilab_fatto";

/// An action that changed something, with the sentence that confirms it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Done {
    InviteSent,
    RoleChanged,
    UserDeactivated,
    UserReactivated,
    EventCreated,
    EventPublished,
    EventChanged,
    EventCancelled,
    EventCompleted,
    AttendanceSaved,
    Registered,
    Waitlisted,
    Unregistered,
    SuggestionsApproved,
    SuggestionDiscarded,
    ProposalWithdrawn,
    ProposalAccepted,
    ProposalDeclined,
    RequestFiled,
    RequestEdited,
    RequestWithdrawn,
    MentorAssigned,
    MeetingLogged,
    MentorshipCompleted,
    MentorshipStopped,
    AutoModeChanged,
    AssignmentRun,
    ProfileSaved,
    TokenRevoked,
    CalendarRevoked,
    MailRetried,
    ReportHandled,
    SurveyAnswered,
    QuestionAsked,
    QuestionEdited,
    Answered,
    AnswerEdited,
    AnswerAccepted,
    ItemHidden,
    ItemReported,
    PracticeSaved,
    PracticeSubmitted,
    PracticeApproved,
    PracticeReturned,
    PracticeHidden,
    AttachmentAdded,
    AttachmentRemoved,
    Followed,
    Unfollowed,
}

impl Done {
    /// Every action, for reading a code back.
    const ALL: [Done; 49] = [
        Done::InviteSent,
        Done::RoleChanged,
        Done::UserDeactivated,
        Done::UserReactivated,
        Done::EventCreated,
        Done::EventPublished,
        Done::EventChanged,
        Done::EventCancelled,
        Done::EventCompleted,
        Done::AttendanceSaved,
        Done::Registered,
        Done::Waitlisted,
        Done::Unregistered,
        Done::SuggestionsApproved,
        Done::SuggestionDiscarded,
        Done::ProposalWithdrawn,
        Done::ProposalAccepted,
        Done::ProposalDeclined,
        Done::RequestFiled,
        Done::RequestEdited,
        Done::RequestWithdrawn,
        Done::MentorAssigned,
        Done::MeetingLogged,
        Done::MentorshipCompleted,
        Done::MentorshipStopped,
        Done::AutoModeChanged,
        Done::AssignmentRun,
        Done::ProfileSaved,
        Done::TokenRevoked,
        Done::CalendarRevoked,
        Done::MailRetried,
        Done::ReportHandled,
        Done::SurveyAnswered,
        Done::QuestionAsked,
        Done::QuestionEdited,
        Done::Answered,
        Done::AnswerEdited,
        Done::AnswerAccepted,
        Done::ItemHidden,
        Done::ItemReported,
        Done::PracticeSaved,
        Done::PracticeSubmitted,
        Done::PracticeApproved,
        Done::PracticeReturned,
        Done::PracticeHidden,
        Done::AttachmentAdded,
        Done::AttachmentRemoved,
        Done::Followed,
        Done::Unfollowed,
    ];

    /// The code the cookie holds, and the sentence in Italian and English.
    fn texts(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Done::InviteSent => ("invito", "Invito inviato.", "Invitation sent."),
            Done::RoleChanged => ("ruolo", "Ruolo cambiato.", "Role changed."),
            Done::UserDeactivated => ("disattivato", "Utente disattivato.", "User deactivated."),
            Done::UserReactivated => ("riattivato", "Utente riattivato.", "User reactivated."),
            Done::EventCreated => ("evento-creato", "Evento creato.", "Event created."),
            Done::EventPublished => (
                "evento-pubblicato",
                "Evento pubblicato: ora è visibile a tutti.",
                "Event published: everyone can see it now.",
            ),
            Done::EventChanged => ("evento-modificato", "Modifiche salvate.", "Changes saved."),
            Done::EventCancelled => (
                "evento-annullato",
                "Evento annullato: gli iscritti ricevono una email.",
                "Event cancelled: registered people get an email.",
            ),
            Done::EventCompleted => ("evento-concluso", "Evento concluso.", "Event completed."),
            Done::AttendanceSaved => ("presenze", "Presenze salvate.", "Attendance saved."),
            Done::Registered => ("iscrizione", "Iscrizione confermata.", "Registration confirmed."),
            Done::Waitlisted => (
                "lista-attesa",
                "Sei in lista d'attesa: se si libera un posto ti scriviamo.",
                "You are on the waiting list: if a place comes free we write to you.",
            ),
            Done::Unregistered => ("iscrizione-annullata", "Iscrizione annullata.", "Registration cancelled."),
            Done::SuggestionsApproved => (
                "approvati",
                "Suggerimenti approvati: le proposte sono state inviate ai mentor.",
                "Suggestions approved: the proposals have been sent to the mentors.",
            ),
            Done::SuggestionDiscarded => ("scartato", "Suggerimento scartato.", "Suggestion discarded."),
            Done::ProposalWithdrawn => ("proposta-ritirata", "Proposta ritirata.", "Proposal withdrawn."),
            Done::ProposalAccepted => (
                "accettata",
                "Proposta accettata: ora vedete i contatti l'uno dell'altro.",
                "Proposal accepted: you can now see each other's contact details.",
            ),
            Done::ProposalDeclined => ("rifiutata", "Proposta rifiutata.", "Proposal declined."),
            Done::RequestFiled => ("richiesta-inviata", "Richiesta inviata.", "Request filed."),
            Done::RequestEdited => ("richiesta-modificata", "Richiesta modificata.", "Request changed."),
            Done::RequestWithdrawn => ("richiesta-ritirata", "Richiesta ritirata.", "Request withdrawn."),
            Done::MentorAssigned => ("assegnata", "Mentor assegnato.", "Mentor assigned."),
            Done::MeetingLogged => ("incontro", "Incontro registrato.", "Meeting logged."),
            Done::MentorshipCompleted => ("conclusa", "Valutazione registrata.", "Feedback recorded."),
            Done::MentorshipStopped => ("interrotta", "Mentorship interrotta.", "Mentorship stopped."),
            Done::AutoModeChanged => ("modalita", "Modalità cambiata.", "Mode changed."),
            Done::AssignmentRun => ("assegnazione", "Assegnazione eseguita.", "Assignment run."),
            Done::ProfileSaved => ("profilo", "Profilo salvato.", "Profile saved."),
            Done::TokenRevoked => ("token-revocato", "Token revocato.", "Token revoked."),
            Done::CalendarRevoked => {
                ("calendario-revocato", "Indirizzo del calendario revocato.", "Calendar address revoked.")
            }
            Done::MailRetried => ("riprova", "Messaggio rimesso in coda.", "Message queued again."),
            Done::ReportHandled => ("gestita", "Segnalazione gestita.", "Report handled."),
            Done::SurveyAnswered => ("valutazione", "Grazie: risposta registrata.", "Thank you: answer recorded."),
            Done::QuestionAsked => (
                "domanda",
                "Domanda pubblicata: le altre Regioni la vedono.",
                "Question published: the other Regions can see it.",
            ),
            Done::QuestionEdited => ("domanda-modificata", "Domanda modificata.", "Question changed."),
            Done::Answered => ("risposta", "Risposta pubblicata.", "Answer published."),
            Done::AnswerEdited => ("risposta-modificata", "Risposta modificata.", "Answer changed."),
            Done::AnswerAccepted => ("risolta", "Risposta indicata come risolutiva.", "Answer marked as the solution."),
            Done::ItemHidden => {
                ("nascosto", "Nascosto: l'autore vede il motivo.", "Hidden: its author sees the reason.")
            }
            Done::ItemReported => {
                ("segnalato", "Segnalazione inviata al coordinamento.", "Report sent to the coordinators.")
            }
            Done::PracticeSaved => ("bozza", "Bozza salvata: la vedi solo tu.", "Draft saved: only you can see it."),
            Done::PracticeSubmitted => (
                "in-revisione",
                "Esperienza inviata: il coordinamento la rivede prima di pubblicarla.",
                "Practice sent: the coordinators review it before publishing it.",
            ),
            Done::PracticeApproved => (
                "pubblicata",
                "Esperienza approvata: ora la vedono tutte le Regioni.",
                "Practice approved: every Region can see it now.",
            ),
            Done::PracticeReturned => (
                "rimandata",
                "Esperienza rimandata all'autore con il commento.",
                "Practice sent back with the comment.",
            ),
            Done::PracticeHidden => (
                "esperienza-nascosta",
                "Esperienza nascosta: l'autore vede il motivo.",
                "Practice hidden: its author sees the reason.",
            ),
            Done::AttachmentAdded => ("allegato", "Allegato aggiunto.", "Attachment added."),
            Done::AttachmentRemoved => ("allegato-tolto", "Allegato tolto.", "Attachment removed."),
            Done::Followed => (
                "segui",
                "Fatto: le novità ti arrivano per email, come scelto nel profilo.",
                "Done: news reaches you by email, as chosen in your profile.",
            ),
            Done::Unfollowed => ("non-segui", "Non lo segui più.", "You no longer follow it."),
        }
    }

    pub fn code(self) -> &'static str {
        self.texts().0
    }

    pub fn parse(code: &str) -> Option<Done> {
        Done::ALL.into_iter().find(|d| d.code() == code)
    }

    pub fn message(self, lang: Lang) -> &'static str {
        let (_, it, en) = self.texts();
        lang.t(it, en)
    }
}

/// The code a request came with, and whether its page showed it.
struct Pending {
    done: Option<Done>,
    shown: Arc<AtomicBool>,
}

tokio::task_local! {
    static PENDING: Pending;
}

/// The message this request's page shows, once: the cookie is cleared on its response.
/// `None` outside a request (and when there is nothing to say).
pub fn take() -> Option<Done> {
    PENDING
        .try_with(|p| {
            let done = p.done?;
            (!p.shown.swap(true, Ordering::Relaxed)).then_some(done)
        })
        .ok()
        .flatten()
}

/// The redirect that ends a successful action, with its confirmation for the next page.
pub fn done(to: &str, what: Done) -> Response {
    let mut r = super::see_other(to);
    r.extensions_mut().insert(what);
    r
}

fn cookie(value: &str, max_age: u32, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{DONE_COOKIE}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}")
}

/// Middleware: reads the pending code for the layout, then sets the cookie of an action just
/// done, or clears the one a page has shown.
pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let done = cookie_value(req.headers(), DONE_COOKIE).and_then(Done::parse);
    let shown = Arc::new(AtomicBool::new(false));
    let pending = Pending { done, shown: shown.clone() };
    let mut response = PENDING.scope(pending, next.run(req)).await;
    let secure = state.config.secure_cookies();
    let set = match response.extensions().get::<Done>() {
        Some(d) => Some(cookie(d.code(), 60, secure)),
        None if done.is_some() && shown.load(Ordering::Relaxed) => Some(cookie("", 0, secure)),
        None => None,
    };
    if let Some(v) = set.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().append(SET_COOKIE, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_its_own_code() {
        for d in Done::ALL {
            let code = d.code();
            assert_eq!(Done::parse(code), Some(d));
            assert!(code.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{code}");
            assert!(d.message(Lang::It).ends_with('.') && d.message(Lang::En).ends_with('.'));
        }
        assert_eq!(Done::parse("<script>"), None);
        assert_eq!(take(), None, "nothing outside a request");
    }
}
