use crate::helpers::{Backend, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_page_has_hits_facets_and_pages() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (status, html) = app.get_text("/cerca?q=costi+unitari+FSE%2B").await;
    assert_eq!(status, 200);
    assert!(html.contains("<a href=\"/guide/costi-unitari-fse-plus"), "{html}");
    assert!(html.contains("<mark>"));
    assert!(html.contains("aria-label=\"Restringi i risultati\""));
    assert!(
        html.contains("<h2>Fondo</h2>")
            && html.contains("<h2>Fase</h2>")
            && html.contains("<h2>Lingua</h2>")
            && html.contains("<h2>Tema</h2>")
    );
    assert!(html.contains("guide trovate"));
    // Facet links keep the query and add the filter.
    assert!(html.contains("href=\"/cerca?q=costi%20unitari%20FSE%2B&amp;fund=FSE%2B\""), "{html}");

    let (_, html) = app.get_text("/cerca?q=FSE%2B&per_page=2").await;
    assert!(html.contains("aria-label=\"Pagine dei risultati\""));
    assert!(html.contains("rel=\"next\""));
    let (_, html2) = app.get_text("/cerca?q=FSE%2B&per_page=2&page=2").await;
    assert!(html2.contains("rel=\"prev\""));
    assert!(html2.contains("<span aria-current=\"page\"><span class=\"visually-hidden\">Pagina </span>2</span>"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typos_are_corrected_and_said() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (status, html) = app.get_text("/cerca?q=rendicontazone").await;
    assert_eq!(status, 200);
    assert!(html.contains("Risultati anche per"), "{html}");
    assert!(html.contains("<strong>rendicontazione</strong>"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_results_helps_the_user_on() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (status, html) = app.get_text("/cerca?q=xqzvbnmkkw").await;
    assert_eq!(status, 200);
    assert!(html.contains("Nessun risultato"), "{html}");
    assert!(html.contains("controlla l&#39;ortografia") || html.contains("controlla l'ortografia"));
    assert!(html.contains("href=\"/cerca?fund=FSE%2B\""));
    let (_, html) = app.get_text("/cerca?q=AND+%28").await;
    assert!(html.contains("solo segni o operatori"), "{html}");
    let (_, html) = app.get_text("/cerca?q=zzzzzzzzzz&fund=JTF").await;
    assert!(html.contains("togli i filtri"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_query_shows_browse_by_fund() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (status, html) = app.get_text("/cerca?q=").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Sfoglia per fondo") && html.contains("Sfoglia per fase") && html.contains("Sfoglia per tema")
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_rerenders_the_form_with_the_message() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let long = "parola ".repeat(300);
    let (status, html) = app.get_text(&format!("/cerca?q={}", long.replace(' ', "+"))).await;
    assert_eq!(status, 400);
    assert!(html.contains("La ricerca è troppo lunga"), "{html}");
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(html.contains("value=\"parola parola"), "the typed text is kept");
    let (status, html) = app.get_text("/cerca?q=x&page=-1").await;
    assert_eq!(status, 400);
    assert!(html.contains("page"), "{html}");
    let (status, html) = app.get_text("/cerca?q=%FF").await;
    assert_eq!(status, 400);
    assert!(html.contains("UTF-8"));
    let (status, html) = app.get_text("/cerca?fund=nope").await;
    assert_eq!(status, 400);
    assert!(html.contains("Fondo sconosciuto"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guide_page_shows_steps_references_and_translation() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (status, html) = app.get_text("/guide/costi-unitari-fse-plus").await;
    assert_eq!(status, 200);
    assert!(html.contains("<ol class=\"steps\""), "{html}");
    assert!(html.contains("id=\"passo-1\""));
    assert!(html.contains("Base giuridica") && html.contains("Fonti") && html.contains("Ultima revisione"));
    assert!(html.contains("href=\"/guide/costi-unitari-fse-plus-en\""));
    assert!(html.contains("Read this guide in English"));
    assert!(html.contains("<time datetime=\"20"));
    let (status, html) = app.get_text("/guide/costi-unitari-fse-plus-en").await;
    assert_eq!(status, 200);
    assert!(html.contains("Leggi questa guida in italiano"));
    assert!(html.contains("<article lang=\"en\">"));
    let (status, html) = app.get_text("/guide/nessuna-guida").await;
    assert_eq!(status, 404);
    assert!(html.contains("Nessuna guida con identificativo"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merged_guide_moves_for_good_and_a_corrected_one_says_what_changed() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    for (old, new) in [
        ("fesr-piattaforme-formazione", "quale-fondo-per-competenze-digitali-sanita"),
        ("jtf-controlli", "jtf-gestione-controlli"),
        ("valutazione-domande-fesr", "selezione-operazioni"),
    ] {
        let r = app.get(&format!("/guide/{old}")).await;
        assert_eq!(r.status().as_u16(), 301, "{old}");
        assert_eq!(r.headers()["location"], format!("/guide/{new}").as_str());
        let r = app.get(&format!("/api/v1/guides/{old}")).await;
        assert_eq!(r.status().as_u16(), 301, "{old}");
        assert_eq!(r.headers()["location"], format!("/api/v1/guides/{new}").as_str());
    }
    let corpus = app.state.search.corpus().clone();
    let g = corpus.get("costi-personale-1720-ore").unwrap();
    assert!(g.updated.is_some() && !g.changes.is_empty());
    let (status, html) = app.get_text("/guide/costi-personale-1720-ore").await;
    assert_eq!(status, 200);
    assert!(html.contains("Aggiornato il ") && html.contains(" — cosa è cambiato"), "{html}");
    let change = maud::html! { (g.changes[0]) }.into_string();
    assert!(html.contains(&format!("<li>{change}</li>")), "{html}");
    // The questions the guide answers are on the page.
    assert!(html.contains("<h2 id=\"risponde-a\">Risponde a</h2>"), "{html}");
    let question = maud::html! { (g.questions[0]) }.into_string();
    assert!(html.contains(&format!("<li>{question}</li>")), "{html}");
    assert!(html.contains("Fatti verificati su"));
    // And in the API, with the steps' anchors.
    let (_, body) = app.get_json("/api/v1/guides/costi-personale-1720-ore").await;
    assert_eq!(body["questions"].as_array().unwrap().len(), g.questions.len());
    assert_eq!(body["steps"][2]["anchor"], "passo-3");
    assert!(html.contains("id=\"passo-3\""));
    app.stop().await;
}
