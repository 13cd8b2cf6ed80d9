//! Measurements behind BENCHMARKS.md. Every subcommand prints what it measured and how.
//!
//! - `gen-corpus --out DIR [--count N]`: a synthetic corpus of N valid guides made by
//!   recombining the real guides' steps (for scale tests).
//! - `latency [--count N] [--iterations K]`: server-side search latency over a fixed query
//!   mix, on the real corpus and on the real corpus plus N generated guides.
//! - `rebuild [--count N]`: full index rebuild time and cold open of an existing index.
//! - `relevance [--split dev|test|fresh-dev|fresh-test|all] [--file FILE] [--verbose] [--signals]`: success@1, success@5
//!   and nDCG@5 on the judged queries (`tests/data/judged-queries.toml` unless FILE), for
//!   fondilab and for SQLite FTS5, and the no-answer detection.
//! - `queries --out FILE`: the ≥200 distinct queries the HTTP load test rotates over.
//! - `matching`: assignment of 2,000 open requests to 500 mentors (capacities 1-5), pruned
//!   and unpruned against each other on a smaller instance, and against greedy.
//! - `outbox [--count N] [--outage SECONDS] [--database-url URL]`: mail through the
//!   outbox to an SMTP server on loopback, optionally stopped for a while mid-run.
//! - `dashboard [--iterations K] [--admin-url postgres://…/postgres]`: `/cruscotto` and
//!   `/api/v1/kpi` with a year of data (2,000 events, 50,000 registrations, 5,000 mentorships).
//! - `registrations [--count 500] [--seats 100] [--admin-url postgres://…/postgres]`: that many
//!   simultaneous registrations over HTTP on loopback, on SQLite or a fresh PostgreSQL database.
//! - `exchange-sync [--count 50] [--admin-url postgres://…/postgres]`: how soon practices
//!   published through one instance are found by another instance's search.
//! - `signin-timing [--count 200] [--accounts 50] [--admin-url postgres://…/postgres]`: how long
//!   `POST /accedi` takes for addresses with and without an account, interleaved.

mod crash;
mod dashboard;
mod exchange_sync;
mod outbox;
mod registrations;
mod served;
mod signin;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use fondilab::guides::model::GuideText;
use fondilab::guides::{self, Corpus, Fund, Guide, Phase, Section, Step};
use fondilab::i18n::Lang;
use fondilab::search::eval::{self, JudgedQuery};
use fondilab::search::{SearchEngine, SearchRequest};
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let count: usize = flag("--count").map(|c| c.parse()).transpose()?.unwrap_or(10_000);
    if args.first().map(String::as_str) == Some("matching") {
        // Before anything else is loaded, so the peak memory is the matching's own.
        return matching();
    }
    let guides_dir = PathBuf::from(flag("--guides").unwrap_or_else(|| "guides".into()));
    let real = load_real(&guides_dir)?;
    match args.first().map(String::as_str) {
        Some("gen-corpus") => {
            let out = PathBuf::from(flag("--out").context("--out DIR")?);
            write_corpus(&out, &guides_dir, &generate(&real, count))?;
            println!("wrote {count} generated guides (and the real ones) to {}", out.display());
        }
        Some("latency") => {
            let iterations: usize = flag("--iterations").map(|c| c.parse()).transpose()?.unwrap_or(20);
            // One fixed mix for both corpora: the real corpus' queries.
            let queries = query_mix()?;
            latency("real corpus", Arc::new(real.clone()), &queries, iterations)?;
            let mut big = real.guides.clone();
            big.extend(generate(&real, count));
            let big = Corpus::from_guides(big, real.topics.clone(), real.synonyms.clone());
            latency(&format!("real + {count} generated"), Arc::new(big), &queries, iterations)?;
        }
        Some("rebuild") => rebuild(&real, count)?,
        Some("repeat") => {
            // One query many times on the real corpus plus generated guides, for profiling.
            let q = flag("--q").context("--q QUERY")?;
            let times: usize = flag("--times").map(|c| c.parse()).transpose()?.unwrap_or(1000);
            let mut big = real.guides.clone();
            big.extend(generate(&real, count));
            let big = Arc::new(Corpus::from_guides(big, real.topics.clone(), real.synonyms.clone()));
            let engine = SearchEngine::in_memory(big)?;
            let started = Instant::now();
            for _ in 0..times {
                engine.search(&SearchRequest { q: q.clone(), page: 1, per_page: 10, ..Default::default() })?;
            }
            println!("{} searches of {q:?}: {:.3} ms each", times, started.elapsed().as_secs_f64() * 1000.0 / times as f64);
        }
        Some("explain") => {
            let q = flag("--q").context("--q QUERY")?;
            let engine = SearchEngine::in_memory(Arc::new(real.clone()))?;
            let r = engine.search(&SearchRequest { q: q.clone(), page: 1, per_page: 10, ..Default::default() })?;
            println!(
                "answered {} (confidence {:.2}) relaxed {} lang {:?} corrections {:?} ignored {:?} expanded {:?}",
                r.answered, r.confidence, r.relaxed, r.lang, r.corrections, r.ignored, r.expanded
            );
            for c in engine.concepts(&q)? {
                println!("  {:?} {:?} {:?} weight {:.2} in {} guides", c.label, c.role, c.mode, c.weight, c.guides);
            }
            for h in &r.hits {
                let p = h.passage.as_ref().map(|p| p.anchor.as_str()).unwrap_or("");
                println!("{:7.2} cov {:.2} {} #{p}", h.score, h.coverage, h.id);
            }
        }
        Some("relevance") => {
            let split = flag("--split").unwrap_or_else(|| "dev".into());
            anyhow::ensure!(
                matches!(split.as_str(), "dev" | "test" | "fresh-dev" | "fresh-test" | "all"),
                "--split dev|test|fresh-dev|fresh-test|all"
            );
            let file = flag("--file").unwrap_or_else(|| "tests/data/judged-queries.toml".into());
            let show = |f: &str| args.iter().any(|a| a == f);
            relevance(&real, Path::new(&file), &split, show("--verbose"), show("--signals"))?
        }
        Some("outbox") => {
            let outage = flag("--outage").map(|s| s.parse::<u64>()).transpose()?.map(Duration::from_secs);
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            rt.block_on(outbox::run(outbox::Run { messages: count, outage, database_url: flag("--database-url") }))?;
        }
        Some("outbox-crash") => {
            let people = flag("--count").map(|c| c.parse()).transpose()?.unwrap_or(3000);
            let kill_after = flag("--kill-after").map(|c| c.parse()).transpose()?.unwrap_or(300);
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            rt.block_on(crash::run(crash::Run { people, kill_after, admin_url: flag("--admin-url") }))?;
        }
        Some("exchange-sync") => {
            let writes = flag("--count").map(|c| c.parse()).transpose()?.unwrap_or(50);
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            rt.block_on(exchange_sync::run(writes, flag("--admin-url").as_deref()))?;
        }
        Some("dashboard") => {
            let iterations: usize = flag("--iterations").map(|c| c.parse()).transpose()?.unwrap_or(100);
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            rt.block_on(dashboard::run(flag("--admin-url"), iterations))?;
        }
        Some("registrations") => {
            let seats: i64 = flag("--seats").map(|c| c.parse()).transpose()?.unwrap_or(100);
            let people = flag("--count").map(|c| c.parse()).transpose()?.unwrap_or(500);
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            rt.block_on(registrations::run(registrations::Run { people, seats, admin_url: flag("--admin-url") }))?;
        }
        Some("signin-timing") => {
            let requests = flag("--count").map(|c| c.parse()).transpose()?.unwrap_or(200);
            let accounts = flag("--accounts").map(|c| c.parse()).transpose()?.unwrap_or(50);
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            rt.block_on(signin::run(signin::Run { requests, accounts, admin_url: flag("--admin-url") }))?;
        }
        Some("queries") => {
            let out = PathBuf::from(flag("--out").context("--out FILE")?);
            let qs = query_mix()?;
            let encoded: Vec<String> = qs
                .iter()
                .map(|q| percent_encoding::utf8_percent_encode(q, percent_encoding::NON_ALPHANUMERIC).to_string())
                .collect();
            std::fs::write(&out, encoded.join("\n") + "\n")?;
            println!("wrote {} distinct queries to {}", qs.len(), out.display());
        }
        _ => anyhow::bail!(
            "usage: fondilab-bench gen-corpus|latency|rebuild|relevance|queries|outbox|outbox-crash|registrations|dashboard|signin-timing [--count N]"
        ),
    }
    Ok(())
}

fn load_real(dir: &Path) -> anyhow::Result<Corpus> {
    let report = guides::load(dir, chrono::Local::now().date_naive());
    report.corpus.with_context(|| format!("the corpus in {} has errors", dir.display()))
}

/// The fixed mix of 255 distinct queries the latency and load figures use (the judged
/// queries, title fragments, single words, typos and bare article references of the first
/// judged set and corpus, kept as they were so figures stay comparable).
fn query_mix() -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string("benches/query-mix.txt").context("run from the repository root")?;
    Ok(text.lines().map(str::trim).filter(|q| !q.is_empty()).map(String::from).collect())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn latency(label: &str, corpus: Arc<Corpus>, queries: &[String], iterations: usize) -> anyhow::Result<()> {
    let dir = tempfile_dir("latency")?;
    let (engine, _) = SearchEngine::open(&dir, corpus.clone(), true)?;
    let funds = [None, Some(Fund::FsePlus), Some(Fund::Fesr)];
    // Warm-up: one pass, not measured.
    for q in queries {
        engine.search(&SearchRequest { q: q.clone(), page: 1, per_page: 10, ..Default::default() })?;
    }
    let mut times = Vec::with_capacity(queries.len() * iterations);
    let mut per_query = vec![Duration::ZERO; queries.len()];
    for i in 0..iterations {
        for (n, q) in queries.iter().enumerate() {
            let req = SearchRequest {
                q: q.clone(),
                fund: funds[(n + i) % funds.len()],
                page: 1 + (n % 3 == 0) as usize,
                per_page: 10,
                ..Default::default()
            };
            let t = Instant::now();
            engine.search(&req)?;
            times.push(t.elapsed());
            per_query[n] += t.elapsed();
        }
    }
    times.sort();
    if std::env::args().any(|a| a == "--slowest") {
        let mut slow: Vec<(Duration, &String)> = per_query.into_iter().zip(queries).collect();
        slow.sort_by_key(|s| std::cmp::Reverse(s.0));
        for (d, q) in slow.iter().take(15) {
            println!("  {} average {q}", ms(*d / iterations as u32));
        }
    }
    println!(
        "latency [{label}]: {} guides, {} distinct queries x {iterations} = {} searches: p50 {} p95 {} p99 {} max {}",
        corpus.len(),
        queries.len(),
        times.len(),
        ms(percentile(&times, 0.50)),
        ms(percentile(&times, 0.95)),
        ms(percentile(&times, 0.99)),
        ms(*times.last().unwrap_or(&Duration::ZERO)),
    );
    std::fs::remove_dir_all(dir.parent().unwrap_or(&dir)).ok();
    Ok(())
}

fn tempfile_dir(name: &str) -> anyhow::Result<PathBuf> {
    let base = std::env::temp_dir().join(format!("fondilab-bench-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&base)?;
    Ok(base.join("index"))
}

fn rebuild(real: &Corpus, count: usize) -> anyhow::Result<()> {
    let gen_dir = std::env::temp_dir().join(format!("fondilab-bench-corpus-{}", std::process::id()));
    write_corpus(&gen_dir, Path::new("guides"), &generate(real, count))?;
    let t = Instant::now();
    let corpus = Arc::new(load_real(&gen_dir)?);
    let load = t.elapsed();
    let dir = tempfile_dir("rebuild")?;
    let t = Instant::now();
    let (engine, _) = SearchEngine::open(&dir, corpus.clone(), true)?;
    let build = t.elapsed();
    drop(engine);
    let t = Instant::now();
    let (engine, origin) = SearchEngine::open(&dir, corpus.clone(), false)?;
    let reopen = t.elapsed();
    let r = engine.search(&SearchRequest { q: "costi unitari".into(), page: 1, per_page: 10, ..Default::default() })?;
    println!(
        "rebuild: {} guides read and checked from disk in {}; full index rebuild {}; reopen existing index ({origin:?}) {}; first query {} hits",
        corpus.len(),
        ms(load),
        ms(build),
        ms(reopen),
        r.total
    );
    std::fs::remove_dir_all(&gen_dir).ok();
    std::fs::remove_dir_all(dir.parent().unwrap_or(&dir)).ok();
    Ok(())
}

/// Guides made from the real corpus' steps and sections, shuffled into new combinations
/// with new ids and titles. Every generated guide passes the checks the service applies when it
/// loads a corpus (`guides check` also wants a twin for each, which generated guides lack).
fn generate(real: &Corpus, count: usize) -> Vec<Guide> {
    let mut rng = StdRng::seed_from_u64(42);
    let texts: Vec<GuideText> = real.guides.iter().map(Guide::text).collect();
    let steps: Vec<(&Step, &String)> =
        real.guides.iter().zip(&texts).flat_map(|(g, t)| g.steps.iter().zip(&t.steps)).collect();
    // Closing sections come whole from a real guide of the same language, so each generated
    // guide has the sections the checker requires.
    let closing = |lang: Lang| -> Vec<(&Vec<Section>, &Vec<String>)> {
        real.guides
            .iter()
            .zip(&texts)
            .filter(|(g, _)| g.lang == lang)
            .map(|(g, t)| (&g.sections, &t.sections))
            .collect()
    };
    let (closing_it, closing_en) = (closing(Lang::It), closing(Lang::En));
    let title_words: Vec<&str> =
        real.guides.iter().flat_map(|g| g.title.split_whitespace()).filter(|w| w.len() > 3).collect();
    let topics: Vec<String> = real.topics.all().iter().map(|t| t.slug.clone()).collect();
    let template = &real.guides[0];
    (0..count)
        .map(|i| {
            let n_steps = rng.random_range(5..=9);
            let picked: Vec<&(&Step, &String)> = steps.choose_multiple(&mut rng, n_steps).collect();
            let own_steps: Vec<Step> = picked
                .iter()
                .enumerate()
                .map(|(k, (s, _))| Step { number: k as u32 + 1, title: s.title.clone() })
                .collect();
            let step_text: Vec<String> = picked.iter().map(|(_, body)| (*body).clone()).collect();
            let n_funds = rng.random_range(1..=3);
            let mut funds: Vec<Fund> = Fund::ALL.choose_multiple(&mut rng, n_funds).copied().collect();
            funds.sort();
            let mut words: Vec<&str> = title_words.choose_multiple(&mut rng, 6).copied().collect();
            words.shuffle(&mut rng);
            let lang = if i % 3 == 0 { Lang::En } else { Lang::It };
            let sections = if lang == Lang::En { &closing_en } else { &closing_it };
            // Drawn in the order the fields were drawn before, so the same seed gives the same corpus.
            let phase = *Phase::ALL.choose(&mut rng).expect("phases");
            let topics: Vec<String> = topics.choose_multiple(&mut rng, 2).cloned().collect();
            let legal_basis = real.guides.choose(&mut rng).map(|g| g.legal_basis.clone()).unwrap_or_default();
            let questions = real.guides.choose(&mut rng).map(|g| g.questions.clone()).unwrap_or_default();
            let intro = steps.choose(&mut rng).map(|(_, body)| (*body).clone()).unwrap_or_default();
            let (closing_heads, closing_text) =
                sections.choose(&mut rng).map(|(h, t)| ((*h).clone(), (*t).clone())).unwrap_or_default();
            Guide {
                id: format!("generata-{i:05}"),
                title: words.join(" "),
                lang,
                translation_of: None,
                audience: template.audience.clone(),
                funds,
                phase,
                topics,
                legal_basis,
                sources: template.sources.clone(),
                reviewed: template.reviewed,
                replaces: Vec::new(),
                questions,
                checked_against: template.checked_against.clone(),
                updated: None,
                changes: Vec::new(),
                text: GuideText {
                    intro: same_language_links(&intro, lang, real),
                    steps: step_text.iter().map(|s| same_language_links(s, lang, real)).collect(),
                    sections: closing_text.clone(),
                }
                .pack(),
                steps: own_steps,
                sections: closing_heads.clone(),
                path: PathBuf::new(),
            }
        })
        .collect()
}

/// Links to other guides in a step taken from a guide of the other language point at their
/// twin in `lang`, as `guides check` requires.
fn same_language_links(text: &str, lang: Lang, real: &Corpus) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("(/guide/") {
        let (before, after) = rest.split_at(at + "(/guide/".len());
        out.push_str(before);
        let end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).unwrap_or(after.len());
        let id = &after[..end];
        let twin = real.get(id).filter(|g| g.lang != lang).and_then(|g| real.translation(g));
        out.push_str(twin.map(|t| t.id.as_str()).unwrap_or(id));
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

fn write_corpus(out: &Path, real_dir: &Path, generated: &[Guide]) -> anyhow::Result<()> {
    for lang in Lang::ALL {
        std::fs::create_dir_all(out.join(lang.code()))?;
    }
    for file in ["topics.toml", "synonyms.toml"] {
        std::fs::copy(real_dir.join(file), out.join(file))?;
    }
    // The real guides come along: generated steps link to them.
    for lang in Lang::ALL {
        for entry in std::fs::read_dir(real_dir.join(lang.code()))? {
            let path = entry?.path();
            if let Some(name) = path.file_name() {
                std::fs::copy(&path, out.join(lang.code()).join(name))?;
            }
        }
    }
    for g in generated {
        let q = |v: &[String]| v.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", ");
        let funds: Vec<String> = g.funds.iter().map(|f| f.as_str().to_string()).collect();
        let body = g.text();
        let mut text = format!(
            "+++\nid = {:?}\ntitle = {:?}\nlang = \"{}\"\naudience = {:?}\nfunds = [{}]\nphase = \"{}\"\ntopics = [{}]\n{}checked_against = [{}]\nlegal_basis = [{}]\nsources = [{}]\nreviewed = {}\n+++\n{}\n\n",
            g.id,
            g.title,
            g.lang.code(),
            g.audience.as_deref().unwrap_or("Autorità di gestione"),
            q(&funds),
            g.phase.as_str(),
            q(&g.topics),
            if g.questions.is_empty() { String::new() } else { format!("questions = [{}]\n", q(&g.questions)) },
            q(&g.checked_against),
            q(&g.legal_basis),
            q(&g.sources),
            g.reviewed,
            body.intro
        );
        for (s, t) in g.steps.iter().zip(&body.steps) {
            text.push_str(&format!("## {}. {}\n{}\n\n", s.number, s.title, t));
        }
        for (s, t) in g.sections.iter().zip(&body.sections) {
            text.push_str(&format!("## {}\n{}\n\n", s.title, t));
        }
        std::fs::write(out.join(g.lang.code()).join(format!("{}.md", g.id)), text)?;
    }
    Ok(())
}

fn matching() -> anyhow::Result<()> {
    use fondilab::matching::{assign, edges, greedy, random};
    let (requests, mentors) = random::instance(2026, 2_000, 500, 5);
    let slots: u32 = mentors.iter().map(|m| m.free()).sum();
    let eligible = edges(&requests, &mentors, None).len();
    println!(
        "matching: {} requests x {} mentors, {slots} free places, {eligible} eligible pairs",
        requests.len(),
        mentors.len()
    );
    for k in [Some(10), None] {
        let t = Instant::now();
        let a = assign(&requests, &mentors, k);
        let label =
            k.map(|k| format!("pruned (best {k} per request and {k} per free place)")).unwrap_or("unpruned".into());
        println!(
            "  exact, {label}: {} ms, {} assigned, objective {}; peak memory so far {}",
            t.elapsed().as_millis(),
            a.pairs.len(),
            a.objective,
            peak_memory()
        );
    }
    let t = Instant::now();
    let g = greedy(&requests, &mentors);
    println!(
        "  greedy baseline: {} ms, {} assigned, objective {}",
        t.elapsed().as_millis(),
        g.pairs.len(),
        g.objective
    );
    let (small_r, small_m) = random::instance(7, 400, 100, 5);
    let full = assign(&small_r, &small_m, None);
    let pruned = assign(&small_r, &small_m, Some(10));
    println!(
        "  400 x 100: unpruned objective {}, pruned to 10 candidates {} ({:.2}% of the optimum), greedy {}",
        full.objective,
        pruned.objective,
        100.0 * pruned.objective as f64 / full.objective as f64,
        greedy(&small_r, &small_m).objective
    );
    Ok(())
}

/// The process' peak resident memory (VmHWM), as Linux reports it.
fn peak_memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// success@1, success@5 and nDCG@5 of fondilab and of SQLite FTS5 (unicode61, diacritics
/// removed, bm25 with the title weighted, the query's words OR-ed) on the same guides and
/// judged queries, by half and by kind, and fondilab's no-answer detection.
fn relevance(real: &Corpus, file: &Path, split: &str, verbose: bool, signals: bool) -> anyhow::Result<()> {
    let judged: Vec<JudgedQuery> = eval::load(file)
        .context("run from the repository root")?
        .into_iter()
        .filter(|q| split == "all" || q.split == split)
        .collect();
    anyhow::ensure!(!judged.is_empty(), "no judged queries in the {split} half");
    let engine = SearchEngine::in_memory(Arc::new(real.clone()))?;
    let judge = eval::Judge::new(real);
    let mut ours = Vec::new();
    let mut inputs = Vec::new();
    for q in &judged {
        let r = engine.search(&SearchRequest { q: q.q.clone(), page: 1, per_page: 5, ..Default::default() })?;
        let ids: Vec<String> = r.hits.iter().map(|h| h.id.clone()).collect();
        ours.push(judge.outcome(q, &ids, r.answered));
        inputs.push(r.signals);
    }
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let fts_ranked = rt.block_on(fts5_ranked(real, &judged))?;
    let theirs: Vec<eval::Outcome> =
        judged.iter().zip(&fts_ranked).map(|(q, ids)| judge.outcome(q, ids, !ids.is_empty())).collect();
    let pct = |x: f64| format!("{:.1}%", 100.0 * x);
    println!("relevance on the {split} half: {} judged queries", judged.len());
    println!("| kind | queries | fondilab s@1 | s@5 | nDCG@5 | FTS5 s@1 | s@5 | nDCG@5 |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut kinds: Vec<&str> = judged.iter().map(|q| q.kind.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    for kind in kinds.iter().copied().filter(|k| *k != "none").map(Some).chain([None]) {
        let pick = |o: &[eval::Outcome]| -> eval::Summary {
            let pairs: Vec<(&JudgedQuery, eval::Outcome)> = judged
                .iter()
                .zip(o.iter().copied())
                .filter(|(q, _)| q.answerable() && kind.is_none_or(|k| q.kind == k))
                .collect();
            eval::summarise(&pairs)
        };
        let (a, b) = (pick(&ours), pick(&theirs));
        println!(
            "| {} | {} | {} | {} | {:.3} | {} | {} | {:.3} |",
            kind.unwrap_or("all answerable"),
            a.answerable,
            pct(a.success1),
            pct(a.success5),
            a.ndcg5,
            pct(b.success1),
            pct(b.success5),
            b.ndcg5
        );
    }
    let all: Vec<(&JudgedQuery, eval::Outcome)> = judged.iter().zip(ours.iter().copied()).collect();
    let s = eval::summarise(&all);
    println!(
        "no answer: flagged for {} of {} unanswerable queries ({}); wrongly flagged for {} of {} answerable ({})",
        (s.no_answer_detected * s.unanswerable as f64).round(),
        s.unanswerable,
        pct(s.no_answer_detected),
        (s.no_answer_false * s.answerable as f64).round(),
        s.answerable,
        pct(s.no_answer_false)
    );
    if signals {
        println!("kind\tanswerable\tanswered\tcoverage\tfocus\tpairs\trunner_up\tq");
        for ((q, o), s) in judged.iter().zip(&ours).zip(&inputs) {
            println!(
                "{}\t{}\t{}\t{:.2}\t{:.2}\t{:.2}\t{:.2}\t{}",
                q.kind,
                q.answerable(),
                o.answered,
                s.coverage,
                s.focus,
                s.pairs_known,
                s.runner_up,
                q.q
            );
        }
    }
    if verbose {
        for (i, q) in judged.iter().enumerate() {
            let o = ours[i];
            let wrong_flag = q.answerable() != o.answered;
            if (q.answerable() && !o.success1) || wrong_flag {
                let r = engine.search(&SearchRequest { q: q.q.clone(), page: 1, per_page: 3, ..Default::default() })?;
                let mut top: Vec<String> = r.hits.iter().map(|h| format!("{} ({:.1})", h.id, h.score)).collect();
                top.push(format!("confidence {:.2}", r.confidence));
                println!(
                    "  [{}] {:?}\n      s@1 {} s@5 {} answered {} fts5 s@5 {} | want {:?}\n      got {:?}",
                    q.kind,
                    q.q,
                    o.success1,
                    o.success5,
                    o.answered,
                    theirs[i].success5,
                    q.grades.iter().filter(|(_, g)| **g >= 2).map(|(id, _)| id.as_str()).collect::<Vec<_>>(),
                    top
                );
            }
        }
    }
    Ok(())
}

/// The guides FTS5 gives each judged query, enough of them for five translation pairs.
async fn fts5_ranked(real: &Corpus, judged: &[JudgedQuery]) -> anyhow::Result<Vec<Vec<String>>> {
    use sqlx::sqlite::SqlitePoolOptions;
    let pool = SqlitePoolOptions::new().max_connections(1).connect("sqlite::memory:").await?;
    sqlx::query(
        "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body, tokenize = 'unicode61 remove_diacritics 2')",
    )
    .execute(&pool)
    .await?;
    for g in &real.guides {
        sqlx::query("INSERT INTO docs (id, title, body) VALUES ($1, $2, $3)")
            .bind(&g.id)
            .bind(&g.title)
            .bind(fondilab::guides::render::markdown_to_text(&g.body_text()))
            .execute(&pool)
            .await?;
    }
    let mut out = Vec::new();
    for j in judged {
        // What a developer would write: every word quoted (so FTS5 syntax cannot break), OR-ed.
        let words: Vec<String> =
            j.q.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(|w| format!("\"{w}\"")).collect();
        if words.is_empty() {
            out.push(Vec::new());
            continue;
        }
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT id FROM docs WHERE docs MATCH $1 ORDER BY bm25(docs, 0.0, 5.0, 1.0) LIMIT 10")
                .bind(words.join(" OR "))
                .fetch_all(&pool)
                .await?;
        out.push(ids);
    }
    Ok(out)
}
