//! The corpus answers real questions: for every judged query, an expected guide is in
//! the top three.

use std::sync::Arc;

use fondilab::search::{SearchEngine, SearchRequest};
use serde::Deserialize;

#[derive(Deserialize)]
struct Judged {
    query: Vec<Query>,
}

#[derive(Deserialize)]
struct Query {
    q: String,
    kind: String,
    expect: Vec<String>,
}

#[test]
fn judged_queries_find_the_right_guide_in_the_top_three() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/judged-queries.toml");
    let judged: Judged = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(judged.query.len() >= 30);
    for kind in ["typo", "acronym", "acronym-en", "legal"] {
        assert!(judged.query.iter().any(|q| q.kind == kind), "no {kind} query");
    }
    let report = fondilab::guides::load(&crate::helpers::repo_guides(), chrono::Local::now().date_naive());
    let corpus = Arc::new(report.corpus.expect("corpus loads"));
    for q in &judged.query {
        for id in &q.expect {
            assert!(corpus.get(id).is_some(), "judged query {:?} expects unknown guide {id}", q.q);
        }
    }
    let engine = SearchEngine::in_memory(corpus).unwrap();
    let mut misses = Vec::new();
    for q in &judged.query {
        let r = engine.search(&SearchRequest { q: q.q.clone(), page: 1, per_page: 3, ..Default::default() }).unwrap();
        let top: Vec<&str> = r.hits.iter().map(|h| h.id.as_str()).collect();
        if !top.iter().any(|id| q.expect.iter().any(|e| e == id)) {
            misses.push(format!("{:?} ({}) gave {:?}", q.q, q.kind, top));
        }
    }
    assert!(misses.is_empty(), "queries without an expected guide in the top 3:\n{}", misses.join("\n"));
}
