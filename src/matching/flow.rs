//! Exact assignment by min-cost flow (successive shortest paths with Dijkstra and
//! potentials). Source → each request (one unit), request → each candidate mentor (cost =
//! −score), mentor → sink through one edge per free place, the k-th costing k × LOAD_STEP.
//! Those slot costs grow, so the flow fills a mentor's places in order and the penalty it
//! pays is exactly the load-spreading term of [`super::objective`]. Augmenting stops when
//! the cheapest path no longer lowers the total cost, so the result maximises the objective
//! (a request may stay unassigned rather than overload someone).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use super::{weights, Edge as Pair, Mentor, Request};

struct Edge {
    to: usize,
    cap: i32,
    cost: i64,
    rev: usize,
    /// Index into the candidate list for request → mentor edges.
    candidate: Option<usize>,
}

struct Graph {
    edges: Vec<Vec<Edge>>,
}

impl Graph {
    fn add(&mut self, from: usize, to: usize, cost: i64, candidate: Option<usize>) {
        let rev_from = self.edges[to].len();
        let rev_to = self.edges[from].len();
        self.edges[from].push(Edge { to, cap: 1, cost, rev: rev_from, candidate });
        self.edges[to].push(Edge { to: from, cap: 0, cost: -cost, rev: rev_to, candidate: None });
    }
}

const INF: i64 = i64::MAX / 4;

/// The pairs of an optimal assignment among `cands`, sorted by request.
pub fn best_pairs(requests: &[Request], mentors: &[Mentor], cands: &[Pair]) -> Vec<Pair> {
    const SOURCE: usize = 0;
    const SINK: usize = 1;
    let req_node: HashMap<i64, usize> = requests.iter().enumerate().map(|(i, r)| (r.id, 2 + i)).collect();
    let mentor_node: HashMap<i64, usize> =
        mentors.iter().enumerate().map(|(i, m)| (m.id, 2 + requests.len() + i)).collect();
    let n = 2 + requests.len() + mentors.len();
    let mut g = Graph { edges: (0..n).map(|_| Vec::new()).collect() };
    for r in requests {
        g.add(SOURCE, req_node[&r.id], 0, None);
    }
    for (i, c) in cands.iter().enumerate() {
        if let (Some(&rn), Some(&mn)) = (req_node.get(&c.request), mentor_node.get(&c.mentor)) {
            g.add(rn, mn, -c.score, Some(i));
        }
    }
    for m in mentors {
        for k in 0..m.free() {
            g.add(mentor_node[&m.id], SINK, weights::LOAD_STEP * k as i64, None);
        }
    }

    // Initial potentials: shortest distances in the (acyclic) starting graph.
    let mut pot = vec![0i64; n];
    for r in requests {
        for e in &g.edges[req_node[&r.id]] {
            if e.cap > 0 {
                pot[e.to] = pot[e.to].min(e.cost);
            }
        }
    }
    let mut sink_pot = 0i64;
    for m in mentors {
        let mn = mentor_node[&m.id];
        for e in &g.edges[mn] {
            if e.cap > 0 && e.to == SINK {
                sink_pot = sink_pot.min(pot[mn] + e.cost);
            }
        }
    }
    pot[SINK] = sink_pot;

    let mut dist = vec![INF; n];
    let mut prev: Vec<(usize, usize)> = vec![(usize::MAX, usize::MAX); n];
    let mut done = vec![false; n];
    loop {
        dist.iter_mut().for_each(|d| *d = INF);
        done.iter_mut().for_each(|d| *d = false);
        dist[SOURCE] = 0;
        let mut heap = BinaryHeap::new();
        heap.push(Reverse((0i64, SOURCE)));
        while let Some(Reverse((d, u))) = heap.pop() {
            if done[u] {
                continue;
            }
            done[u] = true;
            if u == SINK {
                break;
            }
            for (i, e) in g.edges[u].iter().enumerate() {
                if e.cap <= 0 {
                    continue;
                }
                let nd = d + e.cost + pot[u] - pot[e.to];
                if nd < dist[e.to] {
                    dist[e.to] = nd;
                    prev[e.to] = (u, i);
                    heap.push(Reverse((nd, e.to)));
                }
            }
        }
        if !done[SINK] {
            break;
        }
        let path_cost = dist[SINK] + pot[SINK] - pot[SOURCE];
        if path_cost >= 0 {
            break;
        }
        let cap_d = dist[SINK];
        for v in 0..n {
            pot[v] += if done[v] { dist[v] } else { cap_d };
        }
        let mut v = SINK;
        while v != SOURCE {
            let (u, i) = prev[v];
            g.edges[u][i].cap -= 1;
            let rev = g.edges[u][i].rev;
            g.edges[v][rev].cap += 1;
            v = u;
        }
    }

    let mut pairs: Vec<Pair> = requests
        .iter()
        .filter_map(|r| {
            g.edges[req_node[&r.id]].iter().find(|e| e.candidate.is_some() && e.cap == 0).and_then(|e| e.candidate)
        })
        .map(|i| cands[i])
        .collect();
    pairs.sort_by_key(|c| c.request);
    pairs
}
