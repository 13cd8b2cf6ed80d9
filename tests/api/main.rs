//! One test binary for the whole service: the app on a random port, real SQLite and
//! PostgreSQL, the real guide corpus and a real tantivy index.

mod helpers;

mod corpus_check;
mod foundation;
mod relevance;
mod search_api;
mod search_pages;
