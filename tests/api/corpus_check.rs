use std::process::Command;

use crate::foundation::copy_dir;
use crate::helpers::repo_guides;

fn check(dir: &std::path::Path) -> (bool, String) {
    let out =
        Command::new(env!("CARGO_BIN_EXE_fondilab")).args(["guides", "check"]).arg(dir).output().expect("run fondilab");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

fn broken_copy(edit: impl FnOnce(&std::path::Path)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo_guides(), dir.path());
    edit(dir.path());
    dir
}

fn rewrite(path: &std::path::Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn the_shipped_corpus_passes() {
    let (ok, out) = check(&repo_guides());
    assert!(ok, "{out}");
    assert!(!out.contains(": warning: reviewed on"), "{out}");
}

#[test]
fn a_guide_without_its_twin_does_not_pass() {
    let dir = broken_copy(|d| {
        let text = std::fs::read_to_string(d.join("it/somme-forfettarie.md")).unwrap();
        let text = text.replacen("id = \"somme-forfettarie\"", "id = \"somme-forfettarie-bis\"", 1);
        let text: String =
            text.lines().filter(|l| !l.starts_with("translation_of")).map(|l| format!("{l}\n")).collect();
        std::fs::write(d.join("it/somme-forfettarie-bis.md"), text).unwrap();
    });
    let (ok, out) = check(dir.path());
    assert!(!ok, "{out}");
    let p = dir.path().display().to_string();
    assert!(out.contains(&format!("{p}/it/somme-forfettarie-bis.md:1: no English twin")), "{out}");
    assert_eq!(
        out.matches(": no English twin").count() + out.matches(": no Italian twin").count(),
        1,
        "only the guide left alone: {out}"
    );
}

#[test]
fn a_link_into_the_other_language_is_an_error() {
    let dir = broken_copy(|d| {
        rewrite(&d.join("en/somme-forfettarie-en.md"), "(/guide/osc-obbligatorie-en", "(/guide/osc-obbligatorie");
    });
    let (ok, out) = check(dir.path());
    assert!(!ok, "{out}");
    assert!(
        out.contains("link to /guide/osc-obbligatorie goes to a guide in Italiano: link to its twin in English"),
        "{out}"
    );
}

#[test]
fn faults_name_the_file_and_line() {
    let dir = broken_copy(|d| {
        let g = d.join("it/costi-unitari-fse-plus.md");
        rewrite(&g, "funds = [\"FSE+\"]", "funds = [\"FSE+\", \"FONDO\"]");
        rewrite(&d.join("it/somme-forfettarie.md"), "phase = \"attuazione\"", "phase = \"boh\"");
        rewrite(&d.join("it/de-minimis-rna.md"), "+++\nid", "+++\nid = \"x\"\nid");
        let dup = std::fs::read_to_string(d.join("it/osc-obbligatorie.md")).unwrap();
        let dup = dup.replace("lang = \"it\"", "lang = \"en\"").replace("## Errori frequenti", "## Common mistakes");
        std::fs::write(d.join("en/osc-obbligatorie.md"), dup).unwrap();
    });
    let (ok, out) = check(dir.path());
    assert!(!ok, "{out}");
    let p = dir.path().display().to_string();
    assert!(
        out.contains(&format!("{p}/it/costi-unitari-fse-plus.md:")) && out.contains("unknown fund \"FONDO\""),
        "{out}"
    );
    assert!(out.contains(&format!("{p}/it/somme-forfettarie.md:")) && out.contains("unknown phase \"boh\""), "{out}");
    assert!(out.contains(&format!("{p}/it/de-minimis-rna.md:3:")), "duplicate key reported on its line: {out}");
    assert!(out.contains("duplicate id \"osc-obbligatorie\""), "{out}");
    for line in out.lines().filter(|l| l.contains(".md:")) {
        let rest = line.split(".md:").nth(1).unwrap();
        let num: String = rest.chars().take_while(char::is_ascii_digit).collect();
        assert!(!num.is_empty(), "no line number in {line}");
    }
}

#[test]
fn missing_steps_links_translations_and_topics_are_errors() {
    let dir = broken_copy(|d| {
        let g = d.join("it/tassi-cofinanziamento.md");
        let text = std::fs::read_to_string(&g).unwrap();
        let cut = text.find("\n## 1.").unwrap();
        std::fs::write(&g, format!("{}\nSolo un paragrafo.\n", &text[..cut])).unwrap();
        rewrite(&d.join("it/somme-forfettarie.md"), "topics = [", "topics = [\"astrologia\", ");
        rewrite(
            &d.join("en/osc-obbligatorie-en.md"),
            "translation_of = \"osc-obbligatorie\"",
            "translation_of = \"manca\"",
        );
        let g = d.join("it/disimpegno-n-piu-3.md");
        let text = std::fs::read_to_string(&g).unwrap();
        std::fs::write(&g, text.replacen("\n## 1.", "\nVedi [la guida](/guide/guida-inesistente).\n\n## 1.", 1))
            .unwrap();
    });
    let (ok, out) = check(dir.path());
    assert!(!ok);
    assert!(out.contains("tassi-cofinanziamento.md:") && out.contains("has no steps"), "{out}");
    assert!(out.contains("unknown topic \"astrologia\""), "{out}");
    assert!(
        out.contains("osc-obbligatorie-en.md:") && out.contains("translation_of \"manca\" points at no guide"),
        "{out}"
    );
    assert!(out.contains("link to /guide/guida-inesistente points at no guide"), "{out}");
}

#[test]
fn old_review_dates_warn_but_pass() {
    let dir = broken_copy(|d| {
        let g = d.join("it/costi-unitari-fse-plus.md");
        let text = std::fs::read_to_string(&g).unwrap();
        let line = text.lines().find(|l| l.starts_with("reviewed = ")).unwrap().to_string();
        rewrite(&g, &line, "reviewed = 2020-01-15");
    });
    let (ok, out) = check(dir.path());
    assert!(ok, "{out}");
    assert!(out.contains("costi-unitari-fse-plus.md:") && out.contains("warning: reviewed on 2020-01-15"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_refuses_a_broken_corpus_and_names_the_file() {
    let dir = broken_copy(|d| rewrite(&d.join("it/somme-forfettarie.md"), "phase = \"attuazione\"", "phase = \"boh\""));
    let data = tempfile::tempdir().unwrap();
    let config = fondilab::config::Config::for_data_dir(data.path().to_path_buf(), dir.path().to_path_buf());
    let err = match fondilab::app::Application::build(config).await {
        Ok(_) => panic!("the server started on a broken corpus"),
        Err(e) => format!("{e:#}"),
    };
    assert!(err.contains("somme-forfettarie.md:") && err.contains("unknown phase"), "{err}");
    // The binary says the same and exits non-zero.
    let out = Command::new(env!("CARGO_BIN_EXE_fondilab"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("FONDILAB_GUIDES_DIR", dir.path())
        .env("FONDILAB_DATA_DIR", data.path())
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("somme-forfettarie.md:") && stderr.contains("unknown phase"), "{stderr}");
}

#[test]
fn the_coverage_table_in_guides_readme_is_current() {
    let report = fondilab::guides::load(&repo_guides(), chrono::Local::now().date_naive());
    let table = fondilab::cli::coverage_table(&report.corpus.expect("corpus loads"));
    let readme = std::fs::read_to_string(repo_guides().join("README.md")).unwrap();
    let start = readme.find("<!-- coverage:start -->\n").expect("start marker") + "<!-- coverage:start -->\n".len();
    let end = readme.find("<!-- coverage:end -->").expect("end marker");
    assert_eq!(&readme[start..end], table, "run `fondilab guides coverage` and paste the table into guides/README.md");
}

#[test]
fn merged_ids_are_never_reused_nor_linked_and_hedges_warn() {
    let dir = broken_copy(|d| {
        // A new guide takes the id of one merged into another.
        let old = std::fs::read_to_string(d.join("it/somme-forfettarie.md")).unwrap();
        let reused = old.replace("id = \"somme-forfettarie\"", "id = \"fesr-piattaforme-formazione\"");
        std::fs::write(d.join("it/fesr-piattaforme-formazione.md"), reused).unwrap();
        let g = d.join("it/disimpegno-n-piu-3.md");
        let text = std::fs::read_to_string(&g).unwrap();
        let text = text.replacen(
            "\n## 1.",
            "\nVedi [la guida](/guide/jtf-controlli). Per le date verifica nel testo vigente.\n\n## 1.",
            1,
        );
        std::fs::write(&g, text).unwrap();
    });
    let (ok, out) = check(dir.path());
    assert!(!ok, "{out}");
    assert!(
        out.contains("fesr-piattaforme-formazione.md:2: id \"fesr-piattaforme-formazione\" was replaced by \"quale-fondo-per-competenze-digitali-sanita\""),
        "{out}"
    );
    assert!(
        out.contains("link to /guide/jtf-controlli: that guide was merged into \"jtf-gestione-controlli\", link there"),
        "{out}"
    );
    assert!(
        out.contains("disimpegno-n-piu-3.md:") && out.contains("warning: state the rule and its paragraph"),
        "{out}"
    );

    // Two guides cannot both replace the same id.
    let dir = broken_copy(|d| {
        rewrite(&d.join("it/somme-forfettarie.md"), "topics = [", "replaces = [\"jtf-controlli\"]\ntopics = [");
    });
    let (ok, out) = check(dir.path());
    assert!(!ok);
    assert!(out.contains("\"jtf-controlli\" is already replaced by \"jtf-gestione-controlli\""), "{out}");
}

#[test]
fn every_shipped_guide_answers_questions_and_says_what_it_was_checked_against() {
    let report = fondilab::guides::load(&repo_guides(), chrono::Local::now().date_naive());
    assert!(report.warnings().next().is_none(), "{:?}", report.warnings().collect::<Vec<_>>());
    let corpus = report.corpus.expect("corpus loads");
    let italian = corpus.guides.iter().filter(|g| g.lang == fondilab::i18n::Lang::It).count();
    assert!(italian >= 60, "{italian} Italian guides");
    for g in &corpus.guides {
        assert!((3..=6).contains(&g.questions.len()), "{}: {} questions", g.id, g.questions.len());
        assert!(!g.checked_against.is_empty(), "{}: no checked_against", g.id);
        assert!(g.steps.len() >= 5, "{}: {} steps", g.id, g.steps.len());
    }
}
