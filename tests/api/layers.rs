//! The one-way dependency rule: domain modules know nothing of HTTP or of the application
//! that wires them together.

use std::path::{Path, PathBuf};

/// Each a file `src/<name>.rs`, a directory `src/<name>/`, or both.
const DOMAIN: &[&str] = &[
    "accounts",
    "clock",
    "db",
    "email",
    "events",
    "feedback",
    "guides",
    "i18n",
    "installation",
    "jobs",
    "kpi",
    "matching",
    "mentorship",
    "notify",
    "refusal",
    "search",
];
const FORBIDDEN: &[&str] = &["axum", "crate::web", "crate::app", "tower", "StatusCode"];

fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    if !path.exists() {
        return;
    }
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            rust_files(&entry.unwrap().path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

#[test]
fn domain_modules_import_nothing_from_the_web_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for module in DOMAIN {
        let (file, dir) = (src.join(format!("{module}.rs")), src.join(module));
        assert!(file.exists() || dir.exists(), "src/{module} is gone: update the list of domain modules");
        rust_files(&file, &mut files);
        if dir.exists() {
            rust_files(&dir, &mut files);
        }
    }
    assert!(files.len() > 20, "{files:?}");
    let mut offences = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if let Some(word) = FORBIDDEN.iter().find(|w| code.contains(*w)) {
                offences.push(format!("{}:{}: {word}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(offences.is_empty(), "domain code reaches into the web layer:\n{}", offences.join("\n"));
}
