//! Scoring guides by how much of a query's meaning they cover.
//!
//! Every concept of the query is scored (BM25 over the weighted fields) on every document
//! it matches, heads and passages alike, in one pass over the concepts' postings. Per guide
//! this gives the head's score, its best two passages, each concept's best score anywhere
//! and the set of concepts it contains. A concept's weight is its rarity among guides (IDF),
//! so *coverage* — the share of the query's weight a guide contains — lets one rare word
//! outrank three common ones. A guide is a result when it covers enough of the query (a
//! proportional minimum, not all-or-nothing), has every required concept and none of the
//! excluded ones.

use tantivy::query::EnableScoring;
use tantivy::{DocId, DocSet, Searcher, TERMINATED};

use super::index;
use super::query::{Concept, Role};
use super::syntax::Mode;

/// Documents scored together, a window at a time.
const WINDOW: DocId = 4096;

/// Tuning in one place (set on the dev half of the judged queries).
pub mod tuning {
    /// Share of the query's weight a guide must cover to be a result, not counting words no
    /// guide has (they would keep every guide out).
    pub const MIN_COVERAGE: f32 = 0.4;
    /// The second-best passage adds this much of its score: a guide that answers in two
    /// places beats one that touches the question once.
    pub const SECOND_PASSAGE: f32 = 0.5;
    /// Each concept's best score anywhere in the guide, added up: evidence spread over steps.
    pub const SPREAD: f32 = 1.0;
    /// How much coverage scales the score: `score × (1 − C + C × coverage)`.
    pub const COVERAGE_SCALE: f32 = 0.7;
}

/// How one guide matched.
#[derive(Debug, Clone, Copy, Default)]
pub struct GuideMatch {
    pub gidx: usize,
    pub score: f32,
    /// Share of the query's weight the guide contains, 0-1.
    pub coverage: f32,
    /// The best passage (part number, 1-based) and its score.
    pub best_part: Option<(usize, f32)>,
}

pub struct Ranking {
    /// Results, the best first (the rest in no particular order).
    pub matches: Vec<GuideMatch>,
    /// No guide covered enough of the query: these match only part of it.
    pub relaxed: bool,
    /// Share of the query's pairs of neighbouring words that some guide has close together
    /// (1 when the query has no such pair).
    pub pairs_known: f32,
    /// Share of the query's weight the first match's best passage contains.
    pub focus: f32,
    /// Each concept's weight, in query order.
    pub weight: Vec<f32>,
    /// Each concept's number of guides that contain it, in query order.
    pub df: Vec<u32>,
}

#[derive(Clone, Copy, Default)]
struct Acc {
    head: f32,
    best: f32,
    best_part: u32,
    second: f32,
    mask: u64,
    best_mask: u64,
}

/// Each document's guide and part, per segment, read once when the index is opened: the
/// index never changes while a reader holds it, and reading the fast field for every
/// matching document of every query costs more than keeping this.
pub struct Keys(Vec<Vec<u64>>);

impl Keys {
    pub fn read(searcher: &Searcher) -> tantivy::Result<Keys> {
        let mut out = Vec::with_capacity(searcher.segment_readers().len());
        for segment in searcher.segment_readers() {
            let column = segment.fast_fields().u64("key")?;
            out.push((0..segment.max_doc()).map(|d| column.first(d).unwrap_or(u64::MAX)).collect());
        }
        Ok(Keys(out))
    }
}

/// Scores every guide `allowed` lets through against `concepts`.
pub fn rank(
    searcher: &Searcher,
    keys: &Keys,
    guides: usize,
    concepts: &[Concept],
    allowed: &dyn Fn(usize) -> bool,
) -> tantivy::Result<Ranking> {
    let scoring = EnableScoring::enabled_from_searcher(searcher);
    let weights: Vec<_> = concepts.iter().map(|c| c.query.weight(scoring)).collect::<Result<_, _>>()?;
    let n_concepts = concepts.len();
    let mut acc = vec![Acc::default(); guides];
    // Each concept's best score in a guide: a row per guide, made when the guide first matches.
    let mut row_of = vec![u32::MAX; guides];
    let mut best_of: Vec<f32> = Vec::new();
    // Documents are taken a window at a time: each concept's postings in the window in one
    // tight loop, then the window's documents once each.
    let mut win_score = vec![0.0f32; WINDOW as usize];
    let mut win_mask = vec![0u64; WINDOW as usize];
    for (ord, segment) in searcher.segment_readers().iter().enumerate() {
        let keys = keys.0.get(ord).map(Vec::as_slice).unwrap_or(&[]);
        let mut scorers = Vec::with_capacity(weights.len());
        for w in &weights {
            scorers.push(w.scorer(segment, 1.0)?);
        }
        let mut current: Vec<DocId> = scorers.iter().map(|s| s.doc()).collect();
        loop {
            let first = current.iter().copied().min().unwrap_or(TERMINATED);
            if first == TERMINATED {
                break;
            }
            let base = first - first % WINDOW;
            let end = base.saturating_add(WINDOW);
            for (i, s) in scorers.iter_mut().enumerate() {
                let scored = concepts[i].mode != Mode::MustNot;
                let mut doc = current[i];
                while doc < end {
                    let slot = (doc - base) as usize;
                    win_mask[slot] |= 1 << i;
                    if scored {
                        let score = s.score();
                        win_score[slot] += score;
                        if let Some(&key) = keys.get(doc as usize) {
                            let gidx = index::unkey(key).0;
                            if gidx < guides {
                                if row_of[gidx] == u32::MAX {
                                    row_of[gidx] = (best_of.len() / n_concepts) as u32;
                                    best_of.resize(best_of.len() + n_concepts, 0.0);
                                }
                                let cell = &mut best_of[row_of[gidx] as usize * n_concepts + i];
                                *cell = cell.max(score);
                            }
                        }
                    }
                    doc = s.advance();
                }
                current[i] = doc;
            }
            for slot in 0..WINDOW as usize {
                let mask = std::mem::take(&mut win_mask[slot]);
                if mask == 0 {
                    continue;
                }
                let score = std::mem::take(&mut win_score[slot]);
                let Some(&key) = keys.get(base as usize + slot) else { continue };
                let (gidx, part) = index::unkey(key);
                let Some(a) = acc.get_mut(gidx) else { continue };
                a.mask |= mask;
                if part == 0 {
                    a.head += score;
                } else if score > a.best {
                    a.second = a.best;
                    a.best = score;
                    a.best_part = part as u32;
                    a.best_mask = mask;
                } else if score > a.second {
                    a.second = score;
                }
            }
        }
    }

    // Each concept's weight: its rarity among all guides, whatever the filters.
    let n = guides.max(1) as f32;
    let mut df = vec![0u32; n_concepts];
    for a in acc.iter().filter(|a| a.mask != 0) {
        for (i, d) in df.iter_mut().enumerate() {
            if a.mask & (1 << i) != 0 {
                *d += 1;
            }
        }
    }
    let weight: Vec<f32> =
        df.iter().zip(concepts).map(|(&d, c)| ((n + 1.0) / (d as f32 + 0.5)).ln().max(0.05) * c.words as f32).collect();
    let (mut must, mut must_not, mut meaning, mut pairs) = (0u64, 0u64, 0u64, 0u64);
    for (i, c) in concepts.iter().enumerate() {
        match (c.role, c.mode) {
            (Role::Pair, _) => pairs |= 1 << i,
            (Role::PartOfTerm, _) => {}
            (Role::Meaning, Mode::MustNot) => must_not |= 1 << i,
            (Role::Meaning, mode) => {
                meaning |= 1 << i;
                if mode == Mode::Must {
                    must |= 1 << i;
                }
            }
        }
    }
    let share_of = |bits: u64| -> f32 { (0..n_concepts).filter(|i| bits & (1 << i) != 0).map(|i| weight[i]).sum() };
    let total = share_of(meaning);
    // What a guide can cover at best: concepts no guide contains do not keep every guide out.
    let known: u64 = (0..n_concepts).filter(|&i| df[i] > 0).fold(0, |m, i| m | (1 << i));
    let reachable = share_of(meaning & known);
    let pairs_known = match pairs.count_ones() {
        0 => 1.0,
        n_pairs => (pairs & known).count_ones() as f32 / n_pairs as f32,
    };

    if meaning == 0 {
        // Only exclusions: every guide but the excluded ones.
        let matches = (0..guides)
            .filter(|&g| acc[g].mask & must_not == 0 && allowed(g))
            .map(|gidx| GuideMatch { gidx, coverage: 1.0, ..Default::default() })
            .collect();
        return Ok(Ranking { matches, relaxed: false, pairs_known, focus: 0.0, weight, df });
    }

    let mut candidates: Vec<(GuideMatch, f32)> = Vec::new();
    for (gidx, a) in acc.iter().enumerate() {
        let covered = a.mask & meaning;
        if covered == 0 || a.mask & must_not != 0 || a.mask & must != must || !allowed(gidx) {
            continue;
        }
        let coverage = if total > 0.0 { share_of(covered) / total } else { 0.0 };
        let reached = if reachable > 0.0 { share_of(covered) / reachable } else { 0.0 };
        let spread: f32 = best_of[row_of[gidx] as usize * n_concepts..][..n_concepts].iter().sum();
        let raw = a.head + a.best + tuning::SECOND_PASSAGE * a.second + tuning::SPREAD * spread;
        let score = raw * (1.0 - tuning::COVERAGE_SCALE + tuning::COVERAGE_SCALE * coverage);
        let best_part = (a.best > 0.0).then_some((a.best_part as usize, a.best));
        candidates.push((GuideMatch { gidx, score, coverage, best_part }, reached));
    }
    let passing = candidates.iter().filter(|(_, reached)| *reached >= tuning::MIN_COVERAGE).count();
    let relaxed = passing == 0 && !candidates.is_empty();
    if !relaxed {
        candidates.retain(|(_, reached)| *reached >= tuning::MIN_COVERAGE);
    }
    let mut matches: Vec<GuideMatch> = candidates.into_iter().map(|(m, _)| m).collect();
    // The best first is all callers need of the order; they sort the rest as they show it.
    if let Some(best) = (0..matches.len())
        .max_by(|&a, &b| matches[a].score.total_cmp(&matches[b].score).then(matches[b].gidx.cmp(&matches[a].gidx)))
    {
        matches.swap(0, best);
    }
    let focus = match matches.first() {
        Some(first) if total > 0.0 => share_of(acc[first.gidx].best_mask & meaning) / total,
        _ => 0.0,
    };
    Ok(Ranking { matches, relaxed, pairs_known, focus, weight, df })
}
