//! Measuring the search against judged queries (`tests/data/judged-queries.toml`): each
//! query graded 2 (this guide answers) or 1 (related) per Italian guide, with its kind and
//! its half (`dev`, used while tuning; `test`, used only to report). A guide's translation
//! counts as the guide, and a guide and its translation count once in a result list.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use serde::Deserialize;

use crate::guides::Corpus;

#[derive(Debug, Clone, Deserialize)]
pub struct JudgedQuery {
    pub q: String,
    pub kind: String,
    #[serde(default)]
    pub grades: BTreeMap<String, u8>,
    #[serde(default)]
    pub split: String,
}

impl JudgedQuery {
    /// Whether some guide answers it (a "no answer" query has no grade 2).
    pub fn answerable(&self) -> bool {
        self.grades.values().any(|&g| g >= 2)
    }
}

#[derive(Deserialize)]
struct File {
    query: Vec<JudgedQuery>,
}

pub fn load(path: &Path) -> anyhow::Result<Vec<JudgedQuery>> {
    let text = std::fs::read_to_string(path)?;
    Ok(toml::from_str::<File>(&text)?.query)
}

/// How one query did.
#[derive(Debug, Clone, Copy, Default)]
pub struct Outcome {
    /// A grade-2 guide (or its translation) first.
    pub success1: bool,
    /// A grade-2 guide (or its translation) in the first five.
    pub success5: bool,
    pub ndcg5: f64,
    /// Whether the search said a guide answers.
    pub answered: bool,
}

/// Grades per translation pair: a guide and its translation share one key.
pub struct Judge<'a> {
    corpus: &'a Corpus,
}

impl<'a> Judge<'a> {
    pub fn new(corpus: &'a Corpus) -> Judge<'a> {
        Judge { corpus }
    }

    /// The key a guide and its translation share (the Italian id when there is one).
    pub fn pair(&self, id: &str) -> String {
        let Some(g) = self.corpus.resolve(id) else { return id.to_string() };
        match self.corpus.translation(g) {
            Some(t) if t.lang == crate::i18n::Lang::It => t.id.clone(),
            _ => g.id.clone(),
        }
    }

    /// `ranked` (guide ids, best first) against the query's grades.
    pub fn outcome(&self, q: &JudgedQuery, ranked: &[String], answered: bool) -> Outcome {
        let grades: HashMap<String, u8> = q.grades.iter().map(|(id, g)| (self.pair(id), *g)).collect();
        let mut seen = HashSet::new();
        let pairs: Vec<String> = ranked.iter().map(|id| self.pair(id)).filter(|p| seen.insert(p.clone())).collect();
        let grade = |p: &String| grades.get(p).copied().unwrap_or(0);
        let success = |k: usize| pairs.iter().take(k).any(|p| grade(p) >= 2);
        let dcg: f64 = pairs.iter().take(5).enumerate().map(|(i, p)| gain(grade(p)) / (i as f64 + 2.0).log2()).sum();
        let mut ideal: Vec<u8> = grades.values().copied().collect();
        ideal.sort_unstable_by(|a, b| b.cmp(a));
        let idcg: f64 = ideal.iter().take(5).enumerate().map(|(i, g)| gain(*g) / (i as f64 + 2.0).log2()).sum();
        Outcome {
            success1: success(1),
            success5: success(5),
            ndcg5: if idcg > 0.0 { dcg / idcg } else { 0.0 },
            answered,
        }
    }
}

fn gain(grade: u8) -> f64 {
    f64::from((1u32 << grade) - 1)
}

/// Figures over a set of queries.
#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    pub answerable: usize,
    pub success1: f64,
    pub success5: f64,
    pub ndcg5: f64,
    pub unanswerable: usize,
    /// Share of the unanswerable queries flagged "no answer".
    pub no_answer_detected: f64,
    /// Share of the answerable queries wrongly flagged "no answer".
    pub no_answer_false: f64,
}

pub fn summarise(pairs: &[(&JudgedQuery, Outcome)]) -> Summary {
    let answerable: Vec<&Outcome> = pairs.iter().filter(|(q, _)| q.answerable()).map(|(_, o)| o).collect();
    let unanswerable: Vec<&Outcome> = pairs.iter().filter(|(q, _)| !q.answerable()).map(|(_, o)| o).collect();
    let share = |n: usize, of: usize| if of == 0 { 0.0 } else { n as f64 / of as f64 };
    let a = answerable.len();
    Summary {
        answerable: a,
        success1: share(answerable.iter().filter(|o| o.success1).count(), a),
        success5: share(answerable.iter().filter(|o| o.success5).count(), a),
        ndcg5: if a == 0 { 0.0 } else { answerable.iter().map(|o| o.ndcg5).sum::<f64>() / a as f64 },
        unanswerable: unanswerable.len(),
        no_answer_detected: share(unanswerable.iter().filter(|o| !o.answered).count(), unanswerable.len()),
        no_answer_false: share(answerable.iter().filter(|o| !o.answered).count(), a),
    }
}
