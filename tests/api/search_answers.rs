//! Search that answers questions, through HTTP on both databases: one result per guide and
//! translation in the query's language, the passage that answers with its anchor, the
//! operators, acronyms, corrections only for words that are not words, and an honest
//! "no guide answers" with the next step.

use serde_json::Value;

use crate::db_test;
use crate::helpers::TestApp;

fn enc(q: &str) -> String {
    percent_encoding::utf8_percent_encode(q, percent_encoding::NON_ALPHANUMERIC).to_string()
}

async fn search(app: &TestApp, q: &str, extra: &str) -> Value {
    let (status, body) = app.get_json(&format!("/api/v1/guides/search?q={}{extra}", enc(q))).await;
    assert_eq!(status, 200, "{q}: {body}");
    body
}

fn ids(body: &Value) -> Vec<String> {
    body["hits"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap().to_string()).collect()
}

/// The plain text a snippet shows: marks, ellipses and escapes taken off.
fn snippet_text(html: &str) -> String {
    html.replace("<mark>", "")
        .replace("</mark>", "")
        .replace('…', "")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
        .trim()
        .to_string()
}

/// Every text of a guide, lower-cased.
fn guide_text(app: &TestApp, id: &str) -> String {
    let g = app.state.search.corpus().get(id).unwrap();
    format!("{} {} {}", g.title, g.questions.join(" "), g.body_text()).to_lowercase()
}

db_test!(a_guide_and_its_translation_are_one_result_in_the_query_language, |app| {
    // An Italian question gets the Italian guide, with the English one offered beside it.
    let it = search(&app, "come si calcola la tariffa oraria del personale interno con le 1.720 ore", "").await;
    assert_eq!(it["lang"], "it");
    assert_eq!(it["hits"][0]["id"], "costi-personale-1720-ore", "{it}");
    assert_eq!(it["hits"][0]["translations"][0]["id"], "costi-personale-1720-ore-en");
    assert_eq!(it["hits"][0]["translations"][0]["url"], "/guide/costi-personale-1720-ore-en");
    // The same question in English gets the English guide first.
    let en = search(&app, "how is the hourly rate of internal staff calculated with 1,720 hours", "").await;
    assert_eq!(en["lang"], "en");
    assert_eq!(en["hits"][0]["id"], "costi-personale-1720-ore-en", "{en}");
    assert_eq!(en["hits"][0]["translations"][0]["lang"], "it");
    // Never both twins in one list; total and pages count results, the facet counts guides.
    let corpus = app.state.search.corpus().clone();
    for body in [&it, &en] {
        let all = ids(body);
        for id in &all {
            let g = corpus.get(id).unwrap();
            let twin = corpus.translation(g).unwrap();
            assert!(!all.contains(&twin.id), "{id} and {} both listed", twin.id);
        }
    }
    let wide = search(&app, "tariffa oraria", "&per_page=50").await;
    let (total, it_n, en_n) = (
        wide["total"].as_u64().unwrap(),
        wide["facets"]["lang"]["it"].as_u64().unwrap(),
        wide["facets"]["lang"]["en"].as_u64().unwrap(),
    );
    assert!(total >= it_n.max(en_n) && total <= it_n + en_n, "{wide}");
    assert_eq!(ids(&wide).len() as u64, total);
    // lang= takes the language whatever the words.
    let forced = search(&app, "come si calcola la tariffa oraria del personale interno", "&lang=en").await;
    assert!(ids(&forced).iter().all(|id| id.ends_with("-en")), "{forced}");
    assert_eq!(forced["lang"], "en");
});

db_test!(the_answering_step_is_the_passage_and_is_marked_on_the_page, |app| {
    let q = "un dipendente ha lavorato sul progetto più ore di quelle usate per calcolare la tariffa oraria: le ore in eccesso si possono dichiarare?";
    let body = search(&app, q, "").await;
    let hit = &body["hits"][0];
    assert_eq!(hit["id"], "costi-personale-1720-ore", "{body}");
    let passage = &hit["passage"];
    let anchor = passage["anchor"].as_str().unwrap();
    assert_eq!(passage["url"], format!("/guide/costi-personale-1720-ore#{anchor}"));
    assert_eq!(hit["url"], "/guide/costi-personale-1720-ore");
    // The snippet is cut from that step, not from the introduction.
    let guide = app.state.search.corpus().get("costi-personale-1720-ore").unwrap().clone();
    let step = guide.steps.iter().find(|s| s.anchor() == anchor).expect("the passage is a step");
    assert!(step.number > 1, "{anchor}");
    assert_eq!(passage["heading"], step.title.as_str());
    let body = &guide.text().steps[step.number as usize - 1];
    let text = fondilab::guides::render::markdown_to_text(body);
    let shown = snippet_text(passage["snippet"].as_str().unwrap());
    assert!(text.contains(&shown), "snippet {shown:?} is not from {anchor}");
    assert_eq!(hit["snippet"], passage["snippet"]);
    assert!(passage["snippet"].as_str().unwrap().contains("<mark>"));

    // The results page links to the step with the words to mark; the guide page marks
    // them in that step only.
    let (_, page) = app.get_text(&format!("/cerca?q={}", enc(q))).await;
    let link = format!("/guide/costi-personale-1720-ore?evidenzia={}&amp;passo={anchor}#{anchor}", enc(q));
    assert!(page.contains(&link), "{page}");
    let (status, html) =
        app.get_text(&format!("/guide/costi-personale-1720-ore?evidenzia={}&passo={anchor}", enc(q))).await;
    assert_eq!(status, 200);
    let target_start = html.find(&format!("id=\"{anchor}\" class=\"target\"")).expect("the target step is marked");
    let target_end = html[target_start..].find("</li>").unwrap() + target_start;
    assert!(html[target_start..target_end].contains("<mark>"), "words marked in the step");
    assert_eq!(html.matches("<mark>").count(), html[target_start..target_end].matches("<mark>").count());
    // Same anchors in both languages.
    let (_, en) = app.get_text(&format!("/guide/costi-personale-1720-ore-en#{anchor}")).await;
    assert!(en.contains(&format!("id=\"{anchor}\"")));
});

db_test!(operators_work_and_what_is_not_applied_is_said, |app| {
    // A quoted phrase is searched in the whole text, not only titles.
    let phrase = search(&app, "\"atto di adesione\"", "&per_page=50").await;
    assert!(phrase["total"].as_u64().unwrap() >= 5, "{phrase}");
    for id in ids(&phrase) {
        assert!(guide_text(&app, &id).contains("atto di adesione"), "{id}");
    }
    // -word leaves out every guide with the word (or its acronym group).
    let all = search(&app, "controlli", "&per_page=50").await;
    let without = search(&app, "controlli -jtf", "&per_page=50").await;
    assert!(without["total"].as_u64().unwrap() < all["total"].as_u64().unwrap());
    for id in ids(&without) {
        let text = guide_text(&app, &id);
        assert!(!text.contains("jtf") && !text.contains("just transition"), "{id} mentions JTF");
    }
    let not = search(&app, "controlli NOT jtf", "&per_page=50").await;
    assert_eq!(ids(&not), ids(&without));
    // OR: either word will do.
    let either = search(&app, "telemedicina OR bianchetto", "&per_page=50").await;
    let alone = search(&app, "telemedicina", "&per_page=50").await;
    assert_eq!(either["total"], alone["total"], "{either}");
    // word*: every word starting so; fse* reaches FSE+.
    let prefix = search(&app, "rendicont*", "&per_page=50").await;
    assert!(ids(&prefix).contains(&"rendicontazione-corso-fse-plus".to_string()), "{prefix}");
    let fse = search(&app, "fse*", "&per_page=50").await;
    assert!(fse["total"].as_u64().unwrap() >= 10, "{fse}");
    // What cannot be applied is reported, never an error.
    for (q, ignored) in [("costi AND", "AND"), ("\"costi unitari", "\""), ("a* costi", "a*"), ("(costi OR", "( )")] {
        let body = search(&app, q, "").await;
        let list: Vec<&str> = body["ignored"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert!(list.contains(&ignored), "{q}: {body}");
    }
    let (_, page) = app.get_text("/cerca?q=costi+AND").await;
    assert!(page.contains("Non applicato: ") && page.contains("<code>AND</code>"), "{page}");
});

db_test!(acronyms_keep_their_fund_and_real_words_are_not_corrected, |app| {
    // Bare FSE finds the FSE+ guides (the 2014-2020 name reaches the current fund)…
    let fse = search(&app, "FSE", "&per_page=50").await;
    assert!(fse["total"].as_u64().unwrap() >= 10, "{fse}");
    assert!(fse["hits"][0]["funds"].as_array().unwrap().contains(&Value::from("FSE+")));
    // …but next to "fascicolo" it is the electronic health record, not the fund.
    let record = search(&app, "FSE fascicolo sanitario elettronico", "").await;
    let expanded: Vec<String> = app
        .state
        .search
        .search(&fondilab::search::SearchRequest {
            q: "FSE fascicolo sanitario elettronico".into(),
            page: 1,
            per_page: 5,
            ..Default::default()
        })
        .unwrap()
        .expanded;
    assert!(!expanded.contains(&"FSE".to_string()), "{expanded:?} {record}");
    // A + after an acronym never changes the fund: FESR+ is FESR.
    let plus = search(&app, "FESR+", "&per_page=50").await;
    let fesr = search(&app, "FESR", "&per_page=50").await;
    assert_eq!(ids(&plus), ids(&fesr));
    assert!(plus["total"].as_u64().unwrap() > 0);
    // "fse plus" is the fund.
    let spelled = search(&app, "fse plus rendicontazione", "").await;
    let typed = search(&app, "FSE+ rendicontazione", "").await;
    assert_eq!(ids(&spelled), ids(&typed));
    // A correctly spelled word the guides lack is left alone; a misspelt one is corrected.
    let real = search(&app, "stipendio tabellare", "").await;
    assert_eq!(real["corrections"], Value::Array(vec![]), "{real}");
    let typo = search(&app, "rendicontazone", "").await;
    assert_eq!(typo["corrections"][0]["to"][0], "rendicontazione", "{typo}");
});

db_test!(terms_and_percentages_are_read_as_officers_type_them, |app| {
    // A term with other prepositions than the synonym table's is still the term.
    let pnes = search(&app, "programma nazionale per l'equità nella salute", "").await;
    assert_eq!(ids(&pnes)[0], "pn-equita-salute-pnes", "{pnes}");
    // A small number is searched when it is a percentage, and only then.
    let rate = search(&app, "il 40%", "").await;
    assert_eq!(ids(&rate)[0], "tasso-forfettario-40-per-cento", "{rate}");
    let words = search(&app, "il 40 per cento", "").await;
    assert_eq!(ids(&words), ids(&rate));
    let bare = search(&app, "il 40", "").await;
    assert_eq!(bare["total"], 0, "{bare}");
});

db_test!(amounts_paragraphs_and_spelling_variants_are_read_as_typed, |app| {
    // An amount is one number however it is written, and the snippet marks it as the guide has it.
    let dotted = search(&app, "soglia 200.000", "").await;
    assert_eq!(ids(&dotted)[0], "osc-obbligatorie", "{dotted}");
    for typed in ["soglia 200k", "soglia 200 mila", "soglia 200,000"] {
        assert_eq!(ids(&search(&app, typed, "").await), ids(&dotted), "{typed}");
    }
    let marked = search(&app, "200k", "").await;
    let snippets: Vec<&str> =
        marked["hits"].as_array().unwrap().iter().map(|h| h["snippet"].as_str().unwrap()).collect();
    assert!(snippets.iter().any(|s| s.contains("<mark>200.000</mark>")), "{snippets:?}");
    // A paragraph in brackets belongs to its article: nothing is reported as not applied.
    let article = search(&app, "art. 53(2)", "").await;
    assert_eq!(article["ignored"], Value::Array(vec![]), "{article}");
    assert_eq!(ids(&article), ids(&search(&app, "art. 53", "").await));
    // A word spelled with a single consonant where the guides double it is the same word.
    let variant = search(&app, "tassi forfetari", "").await;
    assert_eq!(ids(&variant)[0], "tassi-forfettari-costi-indiretti", "{variant}");
    assert_eq!(variant["answered"], true, "{variant}");
    // A variant that is a word never searched ("sono" for "sonno") is not one.
    let req =
        fondilab::search::SearchRequest { q: "sonno forfetario".into(), page: 1, per_page: 5, ..Default::default() };
    assert_eq!(app.state.search.search(&req).unwrap().expanded, ["forfettario"]);
});

db_test!(no_answer_is_said_with_the_next_step_and_counted, |app| {
    let q = "come si presenta la candidatura Erasmus+ per la mobilità degli studenti universitari";
    let body = search(&app, q, "").await;
    assert_eq!(body["answered"], false, "{body}");
    let answered = search(&app, "come si calcola la tariffa oraria del personale con le 1.720 ore", "").await;
    assert_eq!(answered["answered"], true, "{answered}");
    // The page says so in plain words and still lists the closest guides.
    let (_, page) = app.get_text(&format!("/cerca?q={}", enc(q))).await;
    assert!(page.contains("Nessuna guida risponde davvero a questa domanda."), "{page}");
    assert!(
        page.contains(&format!(
            "/accedi?torna={}",
            enc(&format!("/mentorship/richieste/nuova?descrizione={}", enc(q)))
        )),
        "{page}"
    );
    // A signed-in officer gets the mentorship request form with the question in it.
    let officer = app.user("anna@regione.puglia.it", "officer", Some("PUG")).await;
    let page = app.get_as(&officer, &format!("/cerca?q={}", enc(q))).await.text().await.unwrap();
    let ask = format!("/mentorship/richieste/nuova?descrizione={}", enc(q));
    assert!(page.contains(&ask.replace('&', "&amp;")), "{page}");
    let form = app.get_as(&officer, &ask).await.text().await.unwrap();
    assert!(form.contains(&format!("{}</textarea>", maud::html! { (q) }.into_string())), "{form}");

    // The dashboard counts it among the searches no guide answered.
    app.state.search_log.flush().await;
    let coordinator = app.user("coord@promis.example", "coordinator", None).await;
    let (status, kpi) = app.get_json_as(&coordinator, "/api/v1/kpi").await;
    assert_eq!(status, 200, "{kpi}");
    let unanswered = kpi["unanswered_searches"].as_array().unwrap();
    // Searched three times: through the API, and on the page by a visitor and by the officer.
    assert!(unanswered.iter().any(|r| r[0] == q.to_lowercase() && r[1] == 3), "{kpi}");
    assert!(!unanswered.iter().any(|r| r[0].as_str().unwrap().contains("tariffa oraria")), "{kpi}");
    let (_, page) = app.get_text_as(&coordinator, "/cruscotto").await;
    assert!(page.contains("Ricerche senza risposta"), "{page}");
});

#[test]
fn a_bare_fse_ranks_guides_that_say_fse_above_those_that_only_say_fse_plus() {
    let dir = tempfile::tempdir().unwrap();
    crate::foundation::copy_dir(&crate::helpers::repo_guides(), dir.path());
    // One guide speaks of the 2014-2020 FSE by that name.
    let path = dir.path().join("it/comunita-di-pratica-fse-plus.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replacen(
        "\n## 1.",
        "\nNel ciclo 2014-2020 il FSE finanziava reti simili; l'esperienza del FSE resta utile.\n\n## 1.",
        1,
    );
    std::fs::write(&path, text).unwrap();
    let corpus = std::sync::Arc::new(
        fondilab::guides::load(dir.path(), chrono::Local::now().date_naive()).corpus.expect("corpus loads"),
    );
    let engine = fondilab::search::SearchEngine::in_memory(corpus).unwrap();
    let r = engine
        .search(&fondilab::search::SearchRequest { q: "FSE".into(), page: 1, per_page: 10, ..Default::default() })
        .unwrap();
    assert_eq!(r.hits[0].id, "comunita-di-pratica-fse-plus", "{:?}", r.hits.iter().map(|h| &h.id).collect::<Vec<_>>());
    assert!(r.total > 10);
}

/// The service writes one line per request with the route template, never the path or the
/// query string (which may hold search text, sign-in tokens or calendar secrets).
#[test]
fn every_request_gets_one_log_line_without_its_path_or_query() {
    use std::io::{BufRead, BufReader};
    let data = tempfile::tempdir().unwrap();
    let port = crate::helpers::free_port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fondilab"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("FONDILAB_DATA_DIR", data.path())
        .env("FONDILAB_GUIDES_DIR", crate::helpers::repo_guides())
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start fondilab");
    let stderr = child.stderr.take().unwrap();
    let _server = crate::helpers::KillOnDrop(child);
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let wait_for = |needle: &str| -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(_) => panic!("no log line with {needle}"),
            }
        }
    };
    wait_for("fondilab is serving");
    let get = |path: &str| {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        use std::io::{Read, Write};
        write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
        let mut out = String::new();
        let _ = stream.read_to_string(&mut out);
        out
    };
    assert!(get("/cerca?q=zirconiosegreto").starts_with("HTTP/1.1 200"));
    let line = wait_for("route=/cerca");
    assert!(line.contains("method=GET") && line.contains("status=200") && line.contains("ms="), "{line}");
    assert!(!line.contains("zirconiosegreto"), "{line}");
    get("/accedi/tokensegretissimo");
    let line = wait_for("route=/accedi/{token}");
    assert!(!line.contains("tokensegretissimo"), "{line}");
    get("/api/v1/guides/costi-personale-1720-ore");
    wait_for("route=/api/v1/guides/{id}");
}
