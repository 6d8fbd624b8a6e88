//! Search quality arithmetic: how well one ranked list of results answers one judged question.
//! Pure functions, independent of any search engine, used by the judged-set test
//! (`tests/integration/search_quality.rs`, data in `data/search-judgments/`).
//!
//! - **recall@k**: the share of the relevant items (grade ≥ 1) found in the first `k` results,
//!   out of `min(relevant, k)` so that a perfect first page scores 1.0 even with more than `k`
//!   relevant items.
//! - **nDCG@k**: discounted cumulative gain of the first `k` results, with the exponential gain
//!   `2^grade − 1` (grade 2 = 3, grade 1 = 1) and the discount `log2(position + 1)`, divided by
//!   the gain of the ideal ranking of the judged items.
//!
//! An item listed twice in a ranking counts once, at its first position.

use std::collections::{HashMap, HashSet};

/// Grades of one question's judged items: item id → 1 (relevant) or 2 (answers directly).
/// Items not listed (or with grade 0) are not relevant.
pub type Grades = HashMap<String, u8>;

/// How one ranking scored against one question's judgments.
#[derive(Clone, Debug, PartialEq)]
pub struct Score {
    pub recall: f64,
    pub ndcg: f64,
    /// Relevant items not in the first `k` results, with their grades, highest grade first.
    pub missed: Vec<(String, u8)>,
}

fn gain(grade: u8) -> f64 {
    2f64.powi(i32::from(grade)) - 1.0
}

fn discount(position: usize) -> f64 {
    // Positions count from 1: the first result is divided by log2(2) = 1.
    ((position + 1) as f64).log2()
}

/// Scores the first `k` entries of `ranked` (best first) against `grades`. A question with no
/// relevant item scores 1.0 on both (nothing could be missed).
pub fn score<S: AsRef<str>>(ranked: &[S], grades: &Grades, k: usize) -> Score {
    let relevant: Vec<(&String, u8)> = grades
        .iter()
        .filter(|(_, grade)| **grade > 0)
        .map(|(id, grade)| (id, *grade))
        .collect();
    if relevant.is_empty() {
        return Score {
            recall: 1.0,
            ndcg: 1.0,
            missed: Vec::new(),
        };
    }
    let mut seen = HashSet::new();
    let top: Vec<&str> = ranked
        .iter()
        .map(AsRef::as_ref)
        .filter(|id| seen.insert(*id))
        .take(k)
        .collect();
    let grade_of = |id: &str| grades.get(id).copied().unwrap_or(0);
    let found = top.iter().filter(|id| grade_of(id) > 0).count();
    let dcg: f64 = top
        .iter()
        .enumerate()
        .map(|(i, id)| gain(grade_of(id)) / discount(i + 1))
        .sum();
    let mut ideal: Vec<u8> = relevant.iter().map(|(_, grade)| *grade).collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 = ideal
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, grade)| gain(*grade) / discount(i + 1))
        .sum();
    let mut missed: Vec<(String, u8)> = relevant
        .iter()
        .filter(|(id, _)| !top.contains(&id.as_str()))
        .map(|(id, grade)| ((*id).clone(), *grade))
        .collect();
    missed.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Score {
        recall: found as f64 / relevant.len().min(k) as f64,
        // (An empty sum of floats is -0.0: a ranking that found nothing scores a plain 0.0.)
        ndcg: if dcg > 0.0 { dcg / idcg } else { 0.0 },
        missed,
    }
}

/// The mean recall and nDCG over several questions' scores (0.0 for none).
pub fn mean(scores: &[Score]) -> (f64, f64) {
    if scores.is_empty() {
        return (0.0, 0.0);
    }
    let n = scores.len() as f64;
    (
        scores.iter().map(|s| s.recall).sum::<f64>() / n,
        scores.iter().map(|s| s.ndcg).sum::<f64>() / n,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grades(pairs: &[(&str, u8)]) -> Grades {
        pairs.iter().map(|(id, g)| (id.to_string(), *g)).collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn a_perfect_ranking_scores_one() {
        let judged = grades(&[("a", 2), ("b", 1), ("c", 1)]);
        let s = score(&["a", "b", "c", "x", "y"], &judged, 10);
        assert!(close(s.recall, 1.0) && close(s.ndcg, 1.0), "{s:?}");
        assert!(s.missed.is_empty());
        // Equal grades in either order are both ideal.
        let s = score(&["a", "c", "b"], &judged, 10);
        assert!(close(s.ndcg, 1.0), "{s:?}");
    }

    #[test]
    fn an_empty_or_irrelevant_ranking_scores_zero() {
        let judged = grades(&[("a", 2), ("b", 1)]);
        let none: [&str; 0] = [];
        let s = score(&none, &judged, 10);
        assert_eq!((s.recall, s.ndcg), (0.0, 0.0));
        assert_eq!(s.missed, vec![("a".into(), 2), ("b".into(), 1)]);
        let s = score(&["x", "y", "z"], &judged, 10);
        assert_eq!((s.recall, s.ndcg), (0.0, 0.0));
    }

    #[test]
    fn a_hand_computed_case() {
        // Judged: a = 2, b = 1, c = 1. Ranked: x, a, c (b missing).
        // DCG  = 0/log2(2) + 3/log2(3) + 1/log2(4)            = 1.892789… + 0.5
        // IDCG = 3/log2(2) + 1/log2(3) + 1/log2(4)            = 3 + 0.630930… + 0.5
        // nDCG = 2.392789… / 4.130929… = 0.579237…
        let judged = grades(&[("a", 2), ("b", 1), ("c", 1)]);
        let s = score(&["x", "a", "c"], &judged, 10);
        assert!(close(s.recall, 2.0 / 3.0), "{s:?}");
        let dcg = 3.0 / 3f64.log2() + 0.5;
        let idcg = 3.0 + 1.0 / 3f64.log2() + 0.5;
        assert!(close(s.ndcg, dcg / idcg), "{s:?}");
        assert!((s.ndcg - 0.579_237).abs() < 1e-6, "{s:?}");
        assert_eq!(s.missed, vec![("b".into(), 1)]);
    }

    #[test]
    fn only_the_first_k_count_and_duplicates_count_once() {
        let judged = grades(&[("a", 2)]);
        let s = score(&["x", "y", "a"], &judged, 2);
        assert_eq!((s.recall, s.ndcg), (0.0, 0.0));
        // "x" twice is one result: "a" is second, not third.
        let s = score(&["x", "x", "a"], &judged, 2);
        assert!(close(s.recall, 1.0), "{s:?}");
        assert!(close(s.ndcg, 1.0 / 3f64.log2()), "{s:?}");
        // More relevant items than k: a full first page is perfect.
        let many = grades(&[("a", 1), ("b", 1), ("c", 1)]);
        let s = score(&["a", "b"], &many, 2);
        assert!(close(s.recall, 1.0) && close(s.ndcg, 1.0), "{s:?}");
    }

    #[test]
    fn means_over_questions() {
        let judged = grades(&[("a", 2)]);
        let scores = [score(&["a"], &judged, 10), score(&["x"], &judged, 10)];
        assert_eq!(mean(&scores), (0.5, 0.5));
        assert_eq!(mean(&[]), (0.0, 0.0));
    }
}
