//! One test binary for the whole service: the app on a random port, real SQLite and
//! PostgreSQL, the real guide corpus and a real tantivy index.

mod helpers;
mod smtp_server;

mod accounts;
mod accounts_guards;
mod accounts_limits;
mod authz;
mod backup;
mod browser;
mod contract;
mod corpus_check;
mod dashboard;
mod enum_checks;
mod event_rules;
mod events;
mod exchange;
mod exchange_search;
mod feedback;
mod follows;
mod forms;
mod foundation;
mod identity;
mod jobs;
mod layers;
mod mentorship;
mod openapi;
mod outage;
mod outbox;
mod outbox_pages;
mod outbox_processes;
mod practices;
mod relevance;
mod search_answers;
mod search_api;
mod search_pages;
mod slow_clients;
