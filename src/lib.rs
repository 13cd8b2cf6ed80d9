//! fondilab: guidance search, mentorship matching, events and notifications that help
//! Italian Regions and Autonomous Provinces use EU cohesion funds to co-finance
//! digital-skills training for health workers (WP5 of the Regional Partnership on
//! Digital Skills for Health, coordinated by ProMIS).

pub mod accounts;
pub mod app;
pub mod backup;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod email;
pub mod events;
pub mod exchange;
pub mod feedback;
pub mod guides;
pub mod i18n;
pub mod installation;
pub mod jobs;
pub mod kpi;
pub mod matching;
pub mod mentorship;
pub mod notify;
pub mod refusal;
pub mod search;
pub mod web;
