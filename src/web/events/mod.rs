//! Event pages: the public programme (list, month view, archive), one event with
//! registration, the personal calendar feed, the certificate, and the coordinators' desk
//! (create, edit, publish, cancel, complete, attendance, CSV export and import).

use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, RawQuery, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use chrono::{Datelike, NaiveDate};
use maud::{html, Markup};

use super::auth::Auth;

use super::kit::{conn, done, fund_label, invalid_or_state, redirect_or_page, Done};
use super::kit::{form, rendered, signed_in};
use super::layout::{confirm_page, csrf_field, page, scrolling, Confirm, Page, Problems};
use super::params::Params;
use super::PathId;
use crate::accounts::{self, Role, User};
use crate::app::AppState;
use crate::clock::{local_date, local_time};
use crate::events::store::{self, Event, EventFilter, Registration};
use crate::events::{self, certificate, csv, mail, EventInput, EventState, Kind, RegState};
use crate::guides::Fund;
use crate::i18n::Lang;
use crate::web::error::{AppError, AppResult, Refusal, RefusalHttp};

pub mod api;
mod csv_io;
mod manage;
mod public;
pub mod survey;

pub use csv_io::*;
pub use manage::*;
pub use public::*;

const PER_PAGE: i64 = 20;

/// What a coordinator does to an event, from its management page or the API. Each verb is its
/// own route (`/coordinamento/eventi/{id}/pubblica`, `/api/v1/events/{id}/publish`) carrying
/// the verb as an extension, so every verb's guard is read in the route table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventVerb {
    Publish,
    Cancel,
    Complete,
    Attendance,
    /// A forum's links to questions and practices of the exchange.
    Links,
}

/// The list filters shared by the pages and the API.
pub fn filter(p: &Params, state: &AppState, lang: Lang) -> AppResult<EventFilter> {
    let kind = match p.non_empty("kind").or(p.non_empty("tipo")) {
        None => None,
        Some(k) => Some(Kind::parse(k).ok_or_else(|| {
            AppError::field(
                "kind",
                format!(
                    "{} \"{k}\": webinar, open_lab, mentorship_lab, forum",
                    lang.t("tipo sconosciuto", "unknown kind")
                ),
            )
        })?),
    };
    let fund = match p.non_empty("fund").or(p.non_empty("fondo")) {
        None => None,
        Some(f) => Some(Fund::parse(f).map(|f| f.as_str().to_string()).ok_or_else(|| {
            AppError::field("fund", format!("{} \"{f}\": FSE+, FESR, JTF", lang.t("fondo sconosciuto", "unknown fund")))
        })?),
    };
    let topic = match p.non_empty("topic").or(p.non_empty("tema")) {
        None => None,
        Some(t) if state.search.corpus().topics.contains(t) => Some(t.to_string()),
        Some(t) => {
            return Err(AppError::field("topic", format!("{} \"{t}\"", lang.t("tema sconosciuto", "unknown topic"))))
        }
    };
    Ok(EventFilter { kind, fund, topic, ..Default::default() })
}

fn event_line(e: &Event, lang: Lang) -> Markup {
    html! {
        li.event {
            a href=(format!("/eventi/{}", e.id)) { (e.title) }
            " — " (e.kind.label(lang)) ", " (mail::when(e, lang))
            @match e.state {
                EventState::Cancelled => { " · " strong { (lang.t("annullato", "cancelled")) } }
                EventState::Completed => { " · " (lang.t("concluso", "completed")) }
                _ => {
                    " · "
                    @if e.free_places() > 0 { (e.free_places()) " " (lang.t("posti liberi", "places free")) }
                    @else { (lang.t("completo: lista d'attesa", "full: waiting list")) }
                }
            }
        }
    }
}

fn filters_form(action: &str, f: &EventFilter, state: &AppState, lang: Lang, month: Option<&str>) -> Markup {
    html! {
        form.search method="get" action=(action) {
            div.field {
                label for="f-kind" { (lang.t("Tipo", "Kind")) }
                select #f-kind name="kind" {
                    option value="" { (lang.t("Tutti", "All")) }
                    @for k in Kind::ALL { option value=(k.as_str()) selected[f.kind == Some(k)] { (k.label(lang)) } }
                }
            }
            div.field {
                label for="f-fund" { (lang.t("Fondo", "Fund")) }
                select #f-fund name="fund" {
                    option value="" { (lang.t("Tutti", "All")) }
                    @for x in Fund::ALL { option value=(x.as_str()) selected[f.fund.as_deref() == Some(x.as_str())] { (fund_label(x.as_str(), lang)) } }
                }
            }
            div.field {
                label for="f-topic" { (lang.t("Tema", "Topic")) }
                select #f-topic name="topic" {
                    option value="" { (lang.t("Tutti", "All")) }
                    @for t in state.search.corpus().topics.all() { option value=(t.slug) selected[f.topic.as_deref() == Some(t.slug.as_str())] { (t.label(lang)) } }
                }
            }
            @if let Some(m) = month { input type="hidden" name="mese" value=(m); input type="hidden" name="vista" value="mese"; }
            button type="submit" { (lang.t("Filtra", "Filter")) }
        }
    }
}

pub async fn visible_event(state: &AppState, user: Option<&User>, id: i64, lang: Lang) -> AppResult<Event> {
    let mut c = conn(state).await?;
    match store::event(&mut c, id).await? {
        Some(mut e) if events::Events::visible(&e, user) => {
            // Related guides merged since the event was saved are shown as their successor.
            e.guides = state.search.corpus().current_ids(&e.guides);
            Ok(e)
        }
        _ => Err(Refusal::NotFound.into_app(lang)),
    }
}
