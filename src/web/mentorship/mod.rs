//! Mentorship pages: the officer's requests, the mentor's profile and proposals, each
//! match with its explanation and lifecycle actions, and the coordinators' review desk.
//! Every handler parses, calls `mentorship::Mentorship`, and renders.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use maud::{html, Markup};

use super::auth::Auth;
use super::kit::{conn, done, form, fund_label, invalid_or_state, redirect_or_page, rendered, signed_in, Done};
use super::layout::{confirm_page, csrf_field, page, scrolling, Confirm, Page, Problems};
use super::params::Params;
use super::PathId;
use crate::accounts::session::random_secret;
use crate::accounts::{self, Role, User};
use crate::app::AppState;
use crate::clock::{day_text, local_time};
use crate::guides::Fund;
use crate::i18n::Lang;
use crate::matching::Part;
use crate::mentorship::input::{self, ProfileInput, RequestInput};
use crate::mentorship::store::{self, Match, MatchFilter, Request, RequestFilter};
use crate::mentorship::{Format, MatchState, Refusal, RequestState};
use crate::web::error::{AppError, AppResult, RefusalHttp};

pub mod api;
mod home;
mod matches;
mod profile;
mod requests;
mod review;
pub mod review_api;

pub use home::*;
pub use matches::*;
pub use profile::*;
pub use requests::*;
pub use review::*;

pub const PER_PAGE: i64 = 20;

/// What mentor, officer or coordinator does to a match, from its page or the API. Each verb
/// is its own route (`/mentorship/abbinamenti/{id}/accetta`, `/api/v1/mentorship/matches/{id}/accept`)
/// carrying the verb as an extension, so every verb's guard is read in the route table:
/// approving and withdrawing a proposal sit with the coordinators' routes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchVerb {
    Accept,
    Decline,
    Meetings,
    Complete,
    Cancel,
    Approve,
    Withdraw,
}

fn format_label(format: &str, lang: Lang) -> &'static str {
    Format::parse(format).map(|f| f.label(lang)).unwrap_or("")
}

fn explanation(parts: &[Part], lang: Lang) -> Markup {
    html! {
        ul.explain {
            @for p in parts { li { (p.text(lang)) " " small { "(+" (p.points) ")" } } }
        }
    }
}
