//! One inequity, one finding. Dimensions overlap — `race_ethnicity` is made of `race` and
//! `ethnicity`, `race_ethnicity*sex` nests in both of its parts — so one gap among the same
//! people shows in several of them. Of each measure's overlapping inequities only one is a
//! headline; the others are shown under it.
//!
//! The rule, per measure and period:
//! 1. A candidate is an inequity distinguishable from chance (the homogeneity test after
//!    Benjamini–Hochberg) whose worst group's gap to the comparison group excludes 0.
//! 2. Candidates are taken in this order: single dimensions before intersections (a gap is
//!    told by the plainest grouping that shows it), then the most specific (the one made of
//!    more attributes: `race_ethnicity` before `race`), then the most excess events.
//! 3. Each candidate not yet shown under another becomes a headline, and every other
//!    inequity of the measure that shares an attribute with it, and is not yet placed, is
//!    shown under it.
//!
//! An intersection therefore leads only when neither of its parts carries a gap of its own.

use super::Inequity;
use std::collections::{BTreeMap, BTreeSet};

/// The attributes of people a dimension is made of. `race_ethnicity` combines race and
/// ethnicity (OMB SPD 15); an intersection is made of its parts' attributes; any other
/// dimension (including those of uploaded files) is an attribute of its own.
pub fn attributes(dimension: &str) -> BTreeSet<&str> {
    dimension
        .split('*')
        .flat_map(|d| match d {
            "race_ethnicity" => vec!["race", "ethnicity"],
            other => vec![other],
        })
        .collect()
}

/// Marks the headlines of a run's inequities and what is shown under each (see the module
/// documentation). Expects `q_value` to be set.
pub fn mark(list: &mut [Inequity]) {
    let mut by_measure: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, q) in list.iter_mut().enumerate() {
        q.headline = false;
        q.shown_under = None;
        q.also_in.clear();
        by_measure
            .entry((q.measure.clone(), q.period.clone()))
            .or_default()
            .push(i);
    }
    for members in by_measure.values() {
        let mut candidates: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&i| list[i].significant() && list[i].gap_is_real())
            .collect();
        candidates.sort_by(|&a, &b| {
            let (qa, qb) = (&list[a], &list[b]);
            let single = |q: &Inequity| !q.dimension.contains('*');
            single(qb)
                .cmp(&single(qa))
                .then(
                    attributes(&qb.dimension)
                        .len()
                        .cmp(&attributes(&qa.dimension).len()),
                )
                .then(qb.excess.total_cmp(&qa.excess))
                .then(qa.dimension.cmp(&qb.dimension))
        });
        let mut placed: BTreeSet<usize> = BTreeSet::new();
        for lead in candidates {
            if placed.contains(&lead) {
                continue;
            }
            placed.insert(lead);
            let own = attributes(&list[lead].dimension)
                .into_iter()
                .map(str::to_string)
                .collect::<BTreeSet<_>>();
            let mut under = Vec::new();
            for &other in members {
                if placed.contains(&other) {
                    continue;
                }
                if attributes(&list[other].dimension)
                    .iter()
                    .any(|a| own.contains(*a))
                {
                    placed.insert(other);
                    under.push(other);
                }
            }
            let lead_dim = list[lead].dimension.clone();
            for &o in &under {
                list[o].shown_under = Some(lead_dim.clone());
            }
            let mut names: Vec<String> = under.iter().map(|&o| list[o].dimension.clone()).collect();
            names.sort_by_key(|n| (n.contains('*'), n.clone()));
            list[lead].headline = true;
            list[lead].also_in = names;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn race_and_ethnicity_is_made_of_both() {
        assert_eq!(
            attributes("race_ethnicity").into_iter().collect::<Vec<_>>(),
            ["ethnicity", "race"]
        );
        assert_eq!(attributes("payer*sex").len(), 2);
        assert_eq!(attributes("race_ethnicity*sex").len(), 3);
    }
}
