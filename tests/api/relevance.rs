//! The corpus answers real questions: for nearly every judged query, an expected guide (or
//! its translation) is in the top three.

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
    // Expected guides merged since the query was judged count as their successor.
    let mut judged = judged;
    for q in &mut judged.query {
        for id in &q.expect {
            assert!(corpus.resolve(id).is_some(), "judged query {:?} expects unknown guide {id}", q.q);
        }
        q.expect = corpus.current_ids(&q.expect);
    }
    let engine = SearchEngine::in_memory(corpus).unwrap();
    let corpus = engine.corpus();
    let twin = |id: &str| corpus.get(id).and_then(|g| corpus.translation(g)).map(|t| t.id.clone());
    let mut misses = Vec::new();
    for q in &judged.query {
        let r = engine.search(&SearchRequest { q: q.q.clone(), page: 1, per_page: 3, ..Default::default() }).unwrap();
        let top: Vec<&str> = r.hits.iter().map(|h| h.id.as_str()).collect();
        let answers = |id: &str| q.expect.iter().any(|e| e == id || twin(e).as_deref() == Some(id));
        if !top.iter().any(|id| answers(id)) {
            misses.push(format!("{:?} ({}) gave {:?}", q.q, q.kind, top));
        }
    }
    // A floor, not every query: the guides are rewritten and merged over time.
    let found = judged.query.len() - misses.len();
    assert!(
        found * 100 >= judged.query.len() * 95,
        "{found} of {} judged queries found an expected guide in the top 3; misses:\n{}",
        judged.query.len(),
        misses.join("\n")
    );
}
