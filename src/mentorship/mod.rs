//! Mentorship (WP5 Task 5.3): mentor profiles, officers' requests, and the lifecycle of a
//! match from the engine's suggestion to a completed mentorship. The pure engine in
//! `matching/` chooses; this module stores, checks every transition (who, from which
//! state), records it, and sends the mail that goes with it through the outbox.
//!
//! Lifecycle of a match: suggested → proposed | discarded; proposed → accepted | declined |
//! expired | withdrawn; accepted → completed | cancelled. A request: open → matched →
//! closed, or withdrawn.

pub mod input;
pub mod lifecycle;
pub mod mail;
pub mod store;

use serde::Serialize;

use crate::accounts::{Role, User};
use crate::i18n::Lang;

pub use lifecycle::{Mentorship, RunReport};

/// Largest number of concurrent mentorships a mentor may offer.
pub const MAX_CAPACITY: i64 = 20;
pub const MAX_DESCRIPTION_CHARS: usize = 4000;
pub const MAX_TEXT_CHARS: usize = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RequestState {
    Open,
    Matched,
    Closed,
    Withdrawn,
}

impl RequestState {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Open => "open",
            RequestState::Matched => "matched",
            RequestState::Closed => "closed",
            RequestState::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<RequestState> {
        [RequestState::Open, RequestState::Matched, RequestState::Closed, RequestState::Withdrawn]
            .into_iter()
            .find(|st| st.as_str() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            RequestState::Open => lang.t("aperta, in cerca di un mentor", "open, looking for a mentor"),
            RequestState::Matched => lang.t("mentorship in corso", "mentorship under way"),
            RequestState::Closed => lang.t("mentorship conclusa o interrotta", "mentorship completed or stopped"),
            RequestState::Withdrawn => lang.t("richiesta ritirata", "request withdrawn"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MatchState {
    Suggested,
    Proposed,
    Discarded,
    Accepted,
    Declined,
    Expired,
    Withdrawn,
    Completed,
    Cancelled,
}

impl MatchState {
    pub const ALL: [MatchState; 9] = [
        MatchState::Suggested,
        MatchState::Proposed,
        MatchState::Discarded,
        MatchState::Accepted,
        MatchState::Declined,
        MatchState::Expired,
        MatchState::Withdrawn,
        MatchState::Completed,
        MatchState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MatchState::Suggested => "suggested",
            MatchState::Proposed => "proposed",
            MatchState::Discarded => "discarded",
            MatchState::Accepted => "accepted",
            MatchState::Declined => "declined",
            MatchState::Expired => "expired",
            MatchState::Withdrawn => "withdrawn",
            MatchState::Completed => "completed",
            MatchState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<MatchState> {
        MatchState::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            MatchState::Suggested => lang.t("suggerimento da approvare", "suggestion awaiting review"),
            MatchState::Proposed => lang.t("proposta in attesa di risposta", "proposal awaiting an answer"),
            MatchState::Discarded => lang.t("suggerimento scartato", "suggestion discarded"),
            MatchState::Accepted => lang.t("mentorship in corso", "mentorship under way"),
            MatchState::Declined => lang.t("proposta rifiutata dal mentor", "proposal declined by the mentor"),
            MatchState::Expired => lang.t("proposta scaduta senza risposta", "proposal expired unanswered"),
            MatchState::Withdrawn => lang.t("proposta ritirata", "proposal withdrawn"),
            MatchState::Completed => lang.t("mentorship conclusa", "mentorship completed"),
            MatchState::Cancelled => lang.t("mentorship interrotta", "mentorship stopped"),
        }
    }

    /// Suggested, proposed or accepted: the request has a mentor in view.
    pub fn is_live(self) -> bool {
        matches!(self, MatchState::Suggested | MatchState::Proposed | MatchState::Accepted)
    }

    /// Whether the lifecycle allows going from `self` to `to`.
    pub fn can_become(self, to: MatchState) -> bool {
        use MatchState::*;
        matches!(
            (self, to),
            (Suggested, Proposed | Discarded)
                | (Proposed, Accepted | Declined | Expired | Withdrawn)
                | (Accepted, Completed | Cancelled)
        )
    }

    /// Whether the mentor has been told of this match (suggestions are for coordinators).
    pub fn shown_to_mentor(self) -> bool {
        !matches!(self, MatchState::Suggested | MatchState::Discarded)
    }

    /// Whether the two sides see each other's contact details.
    pub fn contacts_visible(self) -> bool {
        matches!(self, MatchState::Accepted | MatchState::Completed | MatchState::Cancelled)
    }
}

/// How the mentoring takes place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Remote,
    ExpertMission,
    StudyVisit,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Remote, Format::ExpertMission, Format::StudyVisit];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Remote => "remote",
            Format::ExpertMission => "expert_mission",
            Format::StudyVisit => "study_visit",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.as_str() == s.trim())
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Format::Remote => lang.t("sessioni a distanza", "remote sessions"),
            Format::ExpertMission => lang.t("missione dell'esperto presso la Regione", "expert mission to the Region"),
            Format::StudyVisit => lang.t("visita di studio presso l'esperto", "study visit to the expert"),
        }
    }
}

/// Who does something: a signed-in user, or the service itself (assignment runs, expiry).
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    User(&'a User),
    System,
}

impl Actor<'_> {
    pub fn id(&self) -> Option<i64> {
        match self {
            Actor::User(u) => Some(u.id),
            Actor::System => None,
        }
    }

    pub fn role(&self) -> Option<Role> {
        match self {
            Actor::User(u) => Some(u.role),
            Actor::System => None,
        }
    }
}

pub use crate::refusal::Refusal;

pub type MResult<T> = Result<T, Refusal>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lifecycle_allows_exactly_its_transitions() {
        use MatchState::*;
        let allowed: Vec<(MatchState, MatchState)> = MatchState::ALL
            .iter()
            .flat_map(|&a| MatchState::ALL.iter().map(move |&b| (a, b)))
            .filter(|(a, b)| a.can_become(*b))
            .collect();
        assert_eq!(
            allowed,
            vec![
                (Suggested, Proposed),
                (Suggested, Discarded),
                (Proposed, Accepted),
                (Proposed, Declined),
                (Proposed, Expired),
                (Proposed, Withdrawn),
                (Accepted, Completed),
                (Accepted, Cancelled),
            ]
        );
        for s in MatchState::ALL {
            assert_eq!(MatchState::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn pauses_cover_their_days_inclusive() {
        use lifecycle::paused_on;
        let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(!paused_on(day("2026-12-01"), None, None));
        assert!(paused_on(day("2026-12-01"), Some("2026-12-01"), Some("2026-12-10")));
        assert!(paused_on(day("2026-12-10"), Some("2026-12-01"), Some("2026-12-10")));
        assert!(!paused_on(day("2026-12-11"), Some("2026-12-01"), Some("2026-12-10")));
        assert!(!paused_on(day("2026-11-30"), Some("2026-12-01"), None));
        assert!(paused_on(day("2030-01-01"), Some("2026-12-01"), None), "open-ended pause");
        assert!(paused_on(day("2026-01-01"), None, Some("2026-12-10")));
    }
}
