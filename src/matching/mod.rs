//! The mentor matching engine, pure: plain structs in, plain structs out, no database and
//! no HTTP. [`candidates`] applies the hard rules and scores each eligible pair from explicit
//! parts, each with a sentence for officer, mentor and coordinator; [`assign`] picks, across
//! all open requests at once, the pairs with the highest total score under mentor capacities
//! (min-cost flow, exact), spreading load so a few mentors do not take all the work.

pub mod flow;

use serde::Serialize;

use crate::guides::Fund;
use crate::i18n::Lang;

/// Every weight of the score, in one place.
pub mod weights {
    /// Experience with the requested fund, by the role the mentor had.
    pub const FUND_MANAGING: i64 = 40;
    pub const FUND_AUDIT: i64 = 30;
    pub const FUND_BENEFICIARY: i64 = 20;
    /// The mentor managed that fund in the requesting Region's category of region.
    pub const SAME_CATEGORY: i64 = 10;
    /// Per topic of the request the mentor knows.
    pub const TOPIC: i64 = 12;
    /// Up to this much for free capacity (all free = full points).
    pub const FREE_CAPACITY: i64 = 10;
    /// In one run, each further request given to the same mentor costs this much more
    /// than the previous one (0, 8, 16 …), so work spreads across mentors.
    pub const LOAD_STEP: i64 = 8;
}

/// The role a mentor had with a fund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExperienceRole {
    /// Managing authority (Autorità di gestione).
    Adg,
    /// Intermediate body (Organismo intermedio).
    Oi,
    /// Audit authority or auditor.
    Audit,
    /// Beneficiary of operations.
    Beneficiario,
}

impl ExperienceRole {
    pub fn parse(s: &str) -> Option<ExperienceRole> {
        match s.trim().to_lowercase().as_str() {
            "adg" | "managing authority" => Some(ExperienceRole::Adg),
            "oi" | "intermediate body" => Some(ExperienceRole::Oi),
            "audit" | "ada" => Some(ExperienceRole::Audit),
            "beneficiario" | "beneficiary" => Some(ExperienceRole::Beneficiario),
            _ => None,
        }
    }

    fn label(self, lang: Lang) -> &'static str {
        match self {
            ExperienceRole::Adg => lang.t("AdG", "MA"),
            ExperienceRole::Oi => lang.t("OI", "IB"),
            ExperienceRole::Audit => lang.t("audit", "audit"),
            ExperienceRole::Beneficiario => lang.t("beneficiario", "beneficiary"),
        }
    }

    fn points(self) -> i64 {
        match self {
            ExperienceRole::Adg | ExperienceRole::Oi => weights::FUND_MANAGING,
            ExperienceRole::Audit => weights::FUND_AUDIT,
            ExperienceRole::Beneficiario => weights::FUND_BENEFICIARY,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Experience {
    pub fund: Fund,
    pub role: ExperienceRole,
    /// The programme, as people name it: "PR FSE+ Puglia 2014-2020".
    pub programme: String,
    /// `less_developed`, `transition` or `more_developed`, when the programme is regional.
    pub category: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Mentor {
    pub id: i64,
    pub experience: Vec<Experience>,
    pub topics: Vec<String>,
    pub languages: Vec<Lang>,
    pub capacity: u32,
    /// Mentorships accepted and not yet closed.
    pub active: u32,
    /// Proposals sent and awaiting an answer.
    pub pending: u32,
    /// The Region that employs the mentor, if any: never matched with it.
    pub employer_region: Option<String>,
    pub paused: bool,
}

impl Mentor {
    pub fn free(&self) -> u32 {
        self.capacity.saturating_sub(self.active + self.pending)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Request {
    pub id: i64,
    pub region: String,
    pub region_category: String,
    pub fund: Fund,
    pub topics: Vec<String>,
    pub language: Lang,
    /// Mentors who declined this request or were withdrawn from it.
    pub excluded: Vec<i64>,
}

/// Why a mentor cannot be proposed for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Ineligible {
    Fund,
    Language,
    NoCapacity,
    Paused,
    ConflictOfInterest,
    Excluded,
}

/// One part of a score with the sentence that explains it, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Part {
    pub points: i64,
    pub it: String,
    pub en: String,
}

impl Part {
    pub fn text(&self, lang: Lang) -> &str {
        lang.t(&self.it, &self.en)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    pub request: i64,
    pub mentor: i64,
    pub score: i64,
    pub parts: Vec<Part>,
}

/// The hard rules, in the order they are checked.
pub fn eligible(r: &Request, m: &Mentor) -> Result<(), Ineligible> {
    if !m.experience.iter().any(|e| e.fund == r.fund) {
        return Err(Ineligible::Fund);
    }
    if !m.languages.contains(&r.language) {
        return Err(Ineligible::Language);
    }
    if m.paused {
        return Err(Ineligible::Paused);
    }
    if m.free() == 0 {
        return Err(Ineligible::NoCapacity);
    }
    if m.employer_region.as_deref() == Some(r.region.as_str()) {
        return Err(Ineligible::ConflictOfInterest);
    }
    if r.excluded.contains(&m.id) {
        return Err(Ineligible::Excluded);
    }
    Ok(())
}

fn category_it(c: &str) -> &'static str {
    match c {
        "less_developed" => "meno sviluppata",
        "transition" => "in transizione",
        _ => "più sviluppata",
    }
}

fn category_en(c: &str) -> &'static str {
    match c {
        "less_developed" => "less developed",
        "transition" => "transition",
        _ => "more developed",
    }
}

/// The score of an eligible pair without its explanation (no allocation: large runs score
/// every pair, and only the chosen ones need their sentences).
pub fn points(r: &Request, m: &Mentor) -> Option<i64> {
    eligible(r, m).ok()?;
    let fund = m.experience.iter().filter(|e| e.fund == r.fund).map(|e| e.role.points()).max()?;
    let category =
        if m.experience.iter().any(|e| e.fund == r.fund && e.category.as_deref() == Some(r.region_category.as_str())) {
            weights::SAME_CATEGORY
        } else {
            0
        };
    let shared = r.topics.iter().filter(|t| m.topics.contains(t)).count() as i64;
    let free = weights::FREE_CAPACITY * m.free() as i64 / m.capacity.max(1) as i64;
    Some(fund + category + weights::TOPIC * shared + free)
}

/// The score of an eligible pair with its explanation; `None` when a hard rule fails.
pub fn score(r: &Request, m: &Mentor) -> Option<Candidate> {
    eligible(r, m).ok()?;
    let mut parts = Vec::new();
    // The strongest experience with the fund counts (AdG/OI over audit over beneficiary).
    let best = m
        .experience
        .iter()
        .filter(|e| e.fund == r.fund)
        .max_by_key(|e| (e.role.points(), std::cmp::Reverse(e.programme.clone())))?;
    parts.push(Part {
        points: best.role.points(),
        it: format!("{}: {} {}", r.fund.as_str(), best.role.label(Lang::It), best.programme),
        en: format!("{}: {} {}", r.fund.english(), best.role.label(Lang::En), best.programme),
    });
    if m.experience.iter().any(|e| e.fund == r.fund && e.category.as_deref() == Some(r.region_category.as_str())) {
        parts.push(Part {
            points: weights::SAME_CATEGORY,
            it: format!("ha già lavorato con una Regione {}", category_it(&r.region_category)),
            en: format!("has worked with a {} region before", category_en(&r.region_category)),
        });
    }
    let shared = r.topics.iter().filter(|t| m.topics.contains(t)).count();
    if !r.topics.is_empty() {
        parts.push(Part {
            points: weights::TOPIC * shared as i64,
            it: format!("{shared} di {} temi in comune", r.topics.len()),
            en: format!("{shared} of {} topics in common", r.topics.len()),
        });
    }
    let free = m.free();
    parts.push(Part {
        points: weights::FREE_CAPACITY * free as i64 / m.capacity.max(1) as i64,
        it: format!("{free} {} su {}", if free == 1 { "posto libero" } else { "posti liberi" }, m.capacity),
        en: format!("{free} free {} of {}", if free == 1 { "place" } else { "places" }, m.capacity),
    });
    Some(Candidate { request: r.id, mentor: m.id, score: parts.iter().map(|p| p.points).sum(), parts })
}

/// A scored pair before its explanation is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    pub request: i64,
    pub mentor: i64,
    pub score: i64,
}

/// Every eligible pair with its score. With `keep = Some(k)` the list is pruned for large
/// runs: a pair stays when it is among the request's `k` best mentors or among the mentor's
/// best `k` × free places requests, so mentors with room keep candidates even when
/// places are scarce.
pub fn edges(requests: &[Request], mentors: &[Mentor], keep: Option<usize>) -> Vec<Edge> {
    let mut all: Vec<Edge> = Vec::new();
    for r in requests {
        for m in mentors {
            if let Some(score) = points(r, m) {
                all.push(Edge { request: r.id, mentor: m.id, score });
            }
        }
    }
    let Some(k) = keep else { return all };
    let mut keep_it = vec![false; all.len()];
    let mut by_request: std::collections::HashMap<i64, Vec<usize>> = std::collections::HashMap::new();
    let mut by_mentor: std::collections::HashMap<i64, Vec<usize>> = std::collections::HashMap::new();
    for (i, e) in all.iter().enumerate() {
        by_request.entry(e.request).or_default().push(i);
        by_mentor.entry(e.mentor).or_default().push(i);
    }
    let rank = |list: &mut Vec<usize>, n: usize, keep_it: &mut Vec<bool>| {
        list.sort_by_key(|&i| (std::cmp::Reverse(all[i].score), all[i].request, all[i].mentor));
        list.iter().take(n).for_each(|&i| keep_it[i] = true);
    };
    for list in by_request.values_mut() {
        rank(list, k, &mut keep_it);
    }
    let free: std::collections::HashMap<i64, usize> = mentors.iter().map(|m| (m.id, m.free() as usize)).collect();
    for (mentor, list) in by_mentor.iter_mut() {
        rank(list, k * free.get(mentor).copied().unwrap_or(0), &mut keep_it);
    }
    all.into_iter().zip(keep_it).filter_map(|(e, k)| k.then_some(e)).collect()
}

/// Every eligible pair, scored and explained (for showing candidates to coordinators).
pub fn candidates(requests: &[Request], mentors: &[Mentor]) -> Vec<Candidate> {
    requests.iter().flat_map(|r| mentors.iter().filter_map(move |m| score(r, m))).collect()
}

/// The pairs chosen by an assignment run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assignment {
    pub pairs: Vec<Candidate>,
    /// Sum of scores minus load spreading penalties: what [`assign`] maximises.
    pub objective: i64,
}

/// The value of a set of pairs: scores, less the growing cost of giving one mentor several
/// requests in the same run.
pub fn objective(pairs: &[Candidate]) -> i64 {
    let mut per_mentor: std::collections::BTreeMap<i64, i64> = std::collections::BTreeMap::new();
    for p in pairs {
        *per_mentor.entry(p.mentor).or_default() += 1;
    }
    let penalty: i64 = per_mentor.values().map(|&n| weights::LOAD_STEP * n * (n - 1) / 2).sum();
    pairs.iter().map(|p| p.score).sum::<i64>() - penalty
}

/// The best assignment of requests to mentors: exact over all eligible pairs, or over the
/// pruned ones with `keep` (see [`edges`]). Chosen pairs come with their explanation.
pub fn assign(requests: &[Request], mentors: &[Mentor], keep: Option<usize>) -> Assignment {
    let edges = edges(requests, mentors, keep);
    let chosen = flow::best_pairs(requests, mentors, &edges);
    let by_id = |id: i64| mentors.iter().find(|m| m.id == id);
    let pairs: Vec<Candidate> = chosen
        .iter()
        .filter_map(|e| {
            let r = requests.iter().find(|r| r.id == e.request)?;
            score(r, by_id(e.mentor)?)
        })
        .collect();
    Assignment { objective: objective(&pairs), pairs }
}

/// The baseline a simple implementation would use: best pairs first, while capacity lasts.
pub fn greedy(requests: &[Request], mentors: &[Mentor]) -> Assignment {
    let mut cands = edges(requests, mentors, None);
    cands.sort_by_key(|c| (std::cmp::Reverse(c.score), c.request, c.mentor));
    let mut free: std::collections::HashMap<i64, u32> = mentors.iter().map(|m| (m.id, m.free())).collect();
    let mut taken = std::collections::HashSet::new();
    let mut pairs = Vec::new();
    for c in cands {
        let slots = free.entry(c.mentor).or_default();
        if *slots > 0 && !taken.contains(&c.request) {
            taken.insert(c.request);
            *slots -= 1;
            pairs.push(Candidate { request: c.request, mentor: c.mentor, score: c.score, parts: Vec::new() });
        }
    }
    pairs.sort_by_key(|c| c.request);
    Assignment { objective: objective(&pairs), pairs }
}

/// Random instances for tests and benchmarks (deterministic for a seed).
pub mod random {
    use rand::rngs::StdRng;
    use rand::seq::IndexedRandom;
    use rand::{Rng, SeedableRng};

    use super::{Experience, ExperienceRole, Mentor, Request};
    use crate::guides::Fund;
    use crate::i18n::Lang;

    pub const TOPICS: [&str; 8] = [
        "opzioni-semplificate-costi",
        "aiuti-di-stato",
        "rendicontazione",
        "controlli",
        "appalti",
        "avvisi",
        "monitoraggio",
        "sanita-digitale",
    ];
    const REGIONS: [(&str, &str); 6] = [
        ("PUG", "less_developed"),
        ("SIC", "less_developed"),
        ("UMB", "transition"),
        ("MAR", "transition"),
        ("LOM", "more_developed"),
        ("TOS", "more_developed"),
    ];
    const ROLES: [ExperienceRole; 4] =
        [ExperienceRole::Adg, ExperienceRole::Oi, ExperienceRole::Audit, ExperienceRole::Beneficiario];

    pub fn instance(seed: u64, requests: usize, mentors: usize, max_capacity: u32) -> (Vec<Request>, Vec<Mentor>) {
        let mut rng = StdRng::seed_from_u64(seed);
        let mentors: Vec<Mentor> = (0..mentors)
            .map(|i| {
                let n = rng.random_range(1..=2);
                let experience = (0..n)
                    .map(|_| {
                        let (region, category) = *REGIONS.choose(&mut rng).expect("regions");
                        let fund = *Fund::ALL.choose(&mut rng).expect("funds");
                        Experience {
                            fund,
                            role: *ROLES.choose(&mut rng).expect("roles"),
                            programme: format!("PR {} {region}", fund.as_str()),
                            category: Some(category.to_string()),
                        }
                    })
                    .collect();
                let capacity = rng.random_range(1..=max_capacity);
                let active = rng.random_range(0..=capacity / 2);
                let n_topics = rng.random_range(1..=4);
                Mentor {
                    id: i as i64 + 1,
                    experience,
                    topics: TOPICS.choose_multiple(&mut rng, n_topics).map(|t| t.to_string()).collect(),
                    languages: if rng.random_bool(0.3) { vec![Lang::It, Lang::En] } else { vec![Lang::It] },
                    capacity,
                    active,
                    pending: 0,
                    employer_region: rng
                        .random_bool(0.3)
                        .then(|| REGIONS.choose(&mut rng).expect("regions").0.to_string()),
                    paused: rng.random_bool(0.05),
                }
            })
            .collect();
        let requests = (0..requests)
            .map(|i| {
                let (region, category) = *REGIONS.choose(&mut rng).expect("regions");
                let n_topics = rng.random_range(1..=3);
                Request {
                    id: i as i64 + 1,
                    region: region.to_string(),
                    region_category: category.to_string(),
                    fund: *Fund::ALL.choose(&mut rng).expect("funds"),
                    topics: TOPICS.choose_multiple(&mut rng, n_topics).map(|t| t.to_string()).collect(),
                    language: if rng.random_bool(0.1) { Lang::En } else { Lang::It },
                    excluded: Vec::new(),
                }
            })
            .collect();
        (requests, mentors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mentor(id: i64) -> Mentor {
        Mentor {
            id,
            experience: vec![Experience {
                fund: Fund::FsePlus,
                role: ExperienceRole::Adg,
                programme: "PR FSE+ Puglia 2014-2020".into(),
                category: Some("less_developed".into()),
            }],
            topics: vec!["opzioni-semplificate-costi".into(), "rendicontazione".into()],
            languages: vec![Lang::It],
            capacity: 3,
            active: 1,
            pending: 1,
            employer_region: None,
            paused: false,
        }
    }

    fn request(id: i64) -> Request {
        Request {
            id,
            region: "CAL".into(),
            region_category: "less_developed".into(),
            fund: Fund::FsePlus,
            topics: vec!["opzioni-semplificate-costi".into(), "rendicontazione".into(), "appalti".into()],
            language: Lang::It,
            excluded: vec![],
        }
    }

    #[test]
    fn every_hard_rule_is_enforced() {
        let r = request(1);
        assert_eq!(eligible(&r, &mentor(1)), Ok(()));
        let mut m = mentor(1);
        m.experience[0].fund = Fund::Fesr;
        assert_eq!(eligible(&r, &m), Err(Ineligible::Fund));
        let mut m = mentor(1);
        m.languages = vec![Lang::En];
        assert_eq!(eligible(&r, &m), Err(Ineligible::Language));
        let mut m = mentor(1);
        m.paused = true;
        assert_eq!(eligible(&r, &m), Err(Ineligible::Paused));
        let mut m = mentor(1);
        m.pending = 2;
        assert_eq!(eligible(&r, &m), Err(Ineligible::NoCapacity), "capacity − active − pending = 0");
        let mut m = mentor(1);
        m.employer_region = Some("CAL".into());
        assert_eq!(eligible(&r, &m), Err(Ineligible::ConflictOfInterest));
        let mut r2 = request(1);
        r2.excluded = vec![1];
        assert_eq!(eligible(&r2, &mentor(1)), Err(Ineligible::Excluded));
        assert!(score(&r2, &mentor(1)).is_none());
    }

    #[test]
    fn every_part_of_the_score_is_explained() {
        let c = score(&request(1), &mentor(1)).unwrap();
        let it: Vec<&str> = c.parts.iter().map(|p| p.text(Lang::It)).collect();
        assert_eq!(
            it,
            [
                "FSE+: AdG PR FSE+ Puglia 2014-2020",
                "ha già lavorato con una Regione meno sviluppata",
                "2 di 3 temi in comune",
                "1 posto libero su 3"
            ]
        );
        assert_eq!(c.parts[0].text(Lang::En), "ESF+: MA PR FSE+ Puglia 2014-2020");
        assert_eq!(c.score, c.parts.iter().map(|p| p.points).sum::<i64>());
        assert_eq!(
            c.score,
            weights::FUND_MANAGING + weights::SAME_CATEGORY + 2 * weights::TOPIC + weights::FREE_CAPACITY / 3
        );
    }

    #[test]
    fn load_spreads_across_equal_mentors() {
        let mut a = mentor(1);
        a.active = 0;
        a.pending = 0;
        let b = Mentor { id: 2, ..a.clone() };
        let got = assign(&[request(1), request(2)], &[a, b], None);
        let mentors: Vec<i64> = got.pairs.iter().map(|p| p.mentor).collect();
        assert_eq!(mentors.len(), 2);
        assert_ne!(mentors[0], mentors[1], "{got:?}");
    }

    /// The best objective by trying every assignment.
    fn brute_force(requests: &[Request], mentors: &[Mentor]) -> i64 {
        let cands = candidates(requests, mentors);
        fn go(
            i: usize,
            requests: &[Request],
            cands: &[Candidate],
            free: &mut Vec<(i64, u32)>,
            chosen: &mut Vec<Candidate>,
        ) -> i64 {
            if i == requests.len() {
                return objective(chosen);
            }
            let mut best = go(i + 1, requests, cands, free, chosen);
            for c in cands.iter().filter(|c| c.request == requests[i].id) {
                let slot = free.iter().position(|(m, _)| *m == c.mentor).expect("mentor");
                if free[slot].1 == 0 {
                    continue;
                }
                free[slot].1 -= 1;
                chosen.push(c.clone());
                best = best.max(go(i + 1, requests, cands, free, chosen));
                chosen.pop();
                free[slot].1 += 1;
            }
            best
        }
        let mut free: Vec<(i64, u32)> = mentors.iter().map(|m| (m.id, m.free())).collect();
        go(0, requests, &cands, &mut free, &mut Vec::new())
    }

    #[test]
    fn assignment_is_optimal_within_capacity_and_deterministic() {
        let (mut assigned, mut beat_greedy) = (0, 0);
        for seed in 0..300 {
            let n_req = 1 + (seed as usize % 6);
            let n_men = 1 + (seed as usize / 6 % 6);
            let (requests, mentors) = random::instance(seed, n_req, n_men, 3);
            let got = assign(&requests, &mentors, None);
            assert_eq!(got.objective, brute_force(&requests, &mentors), "seed {seed}");
            for m in &mentors {
                let used = got.pairs.iter().filter(|p| p.mentor == m.id).count() as u32;
                assert!(used <= m.free(), "seed {seed}: mentor {} over capacity", m.id);
            }
            let mut seen = std::collections::HashSet::new();
            assert!(got.pairs.iter().all(|p| seen.insert(p.request)), "a request assigned twice");
            for p in &got.pairs {
                let r = requests.iter().find(|r| r.id == p.request).unwrap();
                let m = mentors.iter().find(|m| m.id == p.mentor).unwrap();
                assert_eq!(eligible(r, m), Ok(()));
            }
            assert_eq!(got, assign(&requests, &mentors, None), "seed {seed}: not deterministic");
            let baseline = greedy(&requests, &mentors).objective;
            assert!(got.objective >= baseline);
            assigned += got.pairs.len();
            beat_greedy += usize::from(got.objective > baseline);
        }
        // The instances are not trivial: many pairs, and some where greedy falls short.
        assert!(assigned > 300 && beat_greedy > 5, "assigned {assigned}, better than greedy {beat_greedy}");
    }
}
