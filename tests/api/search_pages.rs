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
