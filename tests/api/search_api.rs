use serde_json::Value;

use crate::helpers::{Backend, TestApp};

async fn app() -> TestApp {
    TestApp::spawn(Backend::Sqlite).await
}

fn ids(body: &Value) -> Vec<String> {
    body["hits"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_response_has_the_contract_shape() {
    let app = app().await;
    let (status, body) = app.get_json("/api/v1/guides/search?q=costi%20unitari%20FSE%2B").await;
    assert_eq!(status, 200, "{body}");
    for key in ["total", "page", "hits", "facets"] {
        assert!(body.get(key).is_some(), "missing {key}: {body}");
    }
    let hit = &body["hits"][0];
    for key in ["id", "title", "lang", "funds", "phase", "topics", "snippet", "url", "score"] {
        assert!(hit.get(key).is_some(), "hit lacks {key}: {hit}");
    }
    assert_eq!(hit["url"], format!("/guide/{}", hit["id"].as_str().unwrap()));
    for facet in ["fund", "phase", "lang", "topic"] {
        assert!(body["facets"][facet].is_object(), "facet {facet}");
    }
    assert!(body["facets"]["fund"]["FSE+"].as_u64().unwrap() >= 1);
    // Matched words are highlighted; everything else is escaped text.
    assert!(body["hits"].as_array().unwrap().iter().any(|h| h["snippet"].as_str().unwrap().contains("<mark>")));
    assert!(!hit["snippet"].as_str().unwrap().contains("<script"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_narrow_and_facets_count() {
    let app = app().await;
    let (_, all) = app.get_json("/api/v1/guides/search?q=controlli").await;
    let (status, jtf) = app.get_json("/api/v1/guides/search?q=controlli&fund=JTF&per_page=50").await;
    assert_eq!(status, 200);
    assert!(jtf["total"].as_u64().unwrap() < all["total"].as_u64().unwrap());
    for h in jtf["hits"].as_array().unwrap() {
        assert!(h["funds"].as_array().unwrap().contains(&Value::from("JTF")), "{h}");
    }
    // English aliases are accepted for funds.
    let (_, erdf) = app.get_json("/api/v1/guides/search?fund=ERDF&per_page=50").await;
    let (_, fesr) = app.get_json("/api/v1/guides/search?fund=FESR&per_page=50").await;
    assert_eq!(ids(&erdf), ids(&fesr));
    // Results count a guide and its translation once; facets count guides.
    let facet = erdf["facets"]["fund"]["FESR"].as_u64().unwrap();
    let per_lang: u64 = erdf["facets"]["lang"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(facet, per_lang);
    assert_eq!(
        erdf["total"].as_u64().unwrap(),
        erdf["facets"]["lang"]["it"].as_u64().unwrap(),
        "every guide has its twin"
    );

    let (_, en) = app.get_json("/api/v1/guides/search?q=audit&lang=en&phase=controllo").await;
    for h in en["hits"].as_array().unwrap() {
        assert_eq!((h["lang"].as_str(), h["phase"].as_str()), (Some("en"), Some("controllo")));
    }
    let (_, topic) = app.get_json("/api/v1/guides/search?topic=opzioni-semplificate-costi&per_page=50").await;
    assert!(topic["total"].as_u64().unwrap() >= 4);
    for h in topic["hits"].as_array().unwrap() {
        assert!(h["topics"].as_array().unwrap().contains(&Value::from("opzioni-semplificate-costi")));
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pagination_walks_the_results() {
    let app = app().await;
    let (_, p1) = app.get_json("/api/v1/guides/search?q=FSE%2B&per_page=3").await;
    let (_, p2) = app.get_json("/api/v1/guides/search?q=FSE%2B&per_page=3&page=2").await;
    assert_eq!(p1["page"], 1);
    assert_eq!(p2["page"], 2);
    assert_eq!(ids(&p1).len(), 3);
    assert!(ids(&p1).iter().all(|id| !ids(&p2).contains(id)));
    // Past the end: an empty page with the real total, not an error.
    let (status, far) = app.get_json("/api/v1/guides/search?q=FSE%2B&page=400").await;
    assert_eq!(status, 200);
    assert!(ids(&far).is_empty());
    assert_eq!(far["total"], p1["total"]);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_query_browses_by_title() {
    let app = app().await;
    let (status, body) = app.get_json("/api/v1/guides/search?per_page=50").await;
    assert_eq!(status, 200);
    // A guide and its translation are one result, shown in the page's language.
    let corpus = app.state.search.corpus();
    let italian = corpus.guides.iter().filter(|g| g.lang == fondilab::i18n::Lang::It).count();
    assert_eq!(body["total"].as_u64().unwrap() as usize, italian);
    assert_eq!(body["facets"]["lang"]["en"].as_u64().unwrap() as usize, corpus.len() - italian);
    assert!(body["hits"].as_array().unwrap().iter().all(|h| h["lang"] == "it"));
    let titles: Vec<String> =
        body["hits"].as_array().unwrap().iter().map(|h| h["title"].as_str().unwrap().to_lowercase()).collect();
    let mut sorted = titles.clone();
    sorted.sort();
    assert_eq!(titles, sorted);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_parameters_get_clear_json_errors() {
    let app = app().await;
    let long = "a".repeat(2_000);
    let cases = [
        (format!("q={long}"), "q"),
        ("page=-1".to_string(), "page"),
        ("page=1000000".to_string(), "page"),
        ("per_page=0".to_string(), "per_page"),
        ("per_page=10000".to_string(), "per_page"),
        ("fund=FSE".to_string(), "fund"),
        ("phase=boh".to_string(), "phase"),
        ("lang=fr".to_string(), "lang"),
        ("topic=astrologia".to_string(), "topic"),
    ];
    for (query, field) in cases {
        let (status, body) = app.get_json(&format!("/api/v1/guides/search?{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["field"], field, "{query}: {body}");
        assert!(body["error"].as_str().unwrap().len() > 10, "{body}");
    }
    let (status, body) = app.get_json("/api/v1/guides/search?q=%FF%FE").await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("UTF-8"), "{body}");
    // Messages follow the interface language.
    let r = app.get_with_cookie("/api/v1/guides/search?fund=XYZ", "fondilab_lang=en").await;
    let body: Value = r.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().starts_with("Unknown fund"), "{body}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn punctuation_and_operators_give_an_empty_result() {
    let app = app().await;
    for q in ["%22", "AND%20(", "*", "%2B", "OR%20NOT", "%22%22", "(((", "-"] {
        let (status, body) = app.get_json(&format!("/api/v1/guides/search?q={q}")).await;
        assert_eq!(status, 200, "{q}: {body}");
        assert_eq!(body["total"], 0, "{q}: {body}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guide_comes_with_its_steps() {
    let app = app().await;
    let (status, g) = app.get_json("/api/v1/guides/costi-unitari-fse-plus").await;
    assert_eq!(status, 200, "{g}");
    assert_eq!(g["lang"], "it");
    assert_eq!(g["translation"], "costi-unitari-fse-plus-en");
    let steps = g["steps"].as_array().unwrap();
    assert!((4..=12).contains(&steps.len()));
    assert_eq!(steps[0]["number"], 1);
    assert!(steps[0]["html"].as_str().unwrap().contains('<'));
    assert!(!g["legal_basis"].as_array().unwrap().is_empty());
    assert!(g["sources"][0].as_str().unwrap().starts_with("http"));
    assert!(g["reviewed"].as_str().unwrap().starts_with("20"));
    let (status, body) = app.get_json("/api/v1/guides/non-esiste").await;
    assert_eq!(status, 404);
    assert!(body["error"].as_str().unwrap().contains("non-esiste"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fse_plus_is_not_the_2014_2020_fse() {
    use fondilab::search::analyzers;
    // "FSE+" and "FSE" are different tokens everywhere, so a guide that only speaks of
    // the 2014-2020 FSE never matches a search for FSE+ by that word.
    let mut plain = analyzers::plain();
    let toks: Vec<String> = analyzers::tokens(&mut plain, "FSE+ FSE ESF+").into_iter().map(|t| t.text).collect();
    assert_eq!(toks, ["fseplus", "fse", "esfplus"]);
    let app = app().await;
    let (_, body) = app.get_json("/api/v1/guides/search?q=FSE%2B&per_page=50").await;
    for h in body["hits"].as_array().unwrap() {
        let id = h["id"].as_str().unwrap();
        let g = app.state.search.corpus().get(id).unwrap();
        let text = format!("{} {}", g.title, g.body_text());
        assert!(
            text.contains("FSE+")
                || text.contains("ESF+")
                || text.contains("Fondo sociale europeo Plus")
                || text.contains("European Social Fund Plus"),
            "{id} matched FSE+ without naming it"
        );
    }
    app.stop().await;
}
