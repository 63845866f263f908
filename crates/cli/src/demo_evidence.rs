//! The demo's quality-improvement stories: three members that charted blood-pressure control
//! by race and ethnicity quarter by quarter, started a change, uploaded the quarters since and
//! submitted the evidence — one approved, one returned with comments, and one whose gap closed
//! only because White patients' control fell (levelling down), awaiting review.
//!
//! The counts are made here rather than by `rise generate`, whose populations are built around
//! one measurement year: a story needs two years of quarters with a change in the middle.

use anyhow::Result;
use chrono::{Datelike, NaiveDate};
use rise_aggregate::evidence::period_bounds;
use rise_aggregate::rows::{AggregateRow, MeasureInfo};
use rise_aggregate::upload::Upload;
use rise_store::model::{Actor, PlanInput};
use rise_store::{Review, Store};
use rise_web::AppState;
use std::sync::Arc;

/// What happened after the change: rates of the group and the reference, before and after.
#[derive(Clone, Copy)]
pub enum Story {
    /// Black patients' control rose from 45 % to 58 %; White patients' stayed near 63 %.
    Approved,
    /// A small rise (45 % → 48 %) that chance could explain: returned for more quarters.
    Returned,
    /// White patients' control fell from 63 % to 53 %; Black patients' barely moved.
    LevellingDown,
}

impl Story {
    fn rates(self) -> ((f64, f64), (f64, f64)) {
        match self {
            Story::Approved => ((0.45, 0.58), (0.63, 0.64)),
            Story::Returned => ((0.45, 0.48), (0.63, 0.63)),
            Story::LevellingDown => ((0.45, 0.455), (0.63, 0.53)),
        }
    }
}

/// The quarter a day falls in: (year, 1–4).
fn quarter_of(d: NaiveDate) -> (i32, u32) {
    (d.year(), (d.month() - 1) / 3 + 1)
}

fn step_back((y, q): (i32, u32), n: u32) -> (i32, u32) {
    let k = y * 4 + q as i32 - 1 - n as i32;
    (k.div_euclid(4), k.rem_euclid(4) as u32 + 1)
}

fn label((y, q): (i32, u32)) -> String {
    format!("{y}-Q{q}")
}

/// The 12 complete quarters before `today`: 8 of baseline, then 4 of follow-up; and the day
/// the change started (the first day of the follow-up).
pub fn quarters(today: NaiveDate) -> (Vec<String>, Vec<String>, NaiveDate) {
    let last = step_back(quarter_of(today), 1);
    let all: Vec<(i32, u32)> = (0..12).rev().map(|n| step_back(last, n)).collect();
    let (y, q) = all[8];
    let start = NaiveDate::from_ymd_opt(y, (q - 1) * 3 + 1, 1).unwrap_or(today);
    (
        all[..8].iter().map(|&p| label(p)).collect(),
        all[8..].iter().map(|&p| label(p)).collect(),
        start,
    )
}

/// Counts for one quarter at `rate`, wobbling a little from quarter to quarter the way real
/// quarters do (a fixed pattern, so every demo is the same).
fn counts(rate: f64, base: u64, k: usize, salt: usize) -> (u64, u64) {
    let wobble = [0.0, 0.012, -0.009, 0.006, -0.013, 0.004, 0.01, -0.005];
    let n = base + ((k * 37 + salt * 11) % 29) as u64;
    let r = (rate + wobble[(k + salt) % wobble.len()]).clamp(0.0, 1.0);
    ((r * n as f64).round() as u64, n)
}

fn dataset(
    label: &str,
    periods: &[String],
    story: Story,
    after: bool,
    offset: usize,
    measure: &MeasureInfo,
) -> Upload {
    let ((g0, g1), (r0, r1)) = story.rates();
    let (g, r) = if after { (g1, r1) } else { (g0, r0) };
    let mut rows = Vec::new();
    for (k, p) in periods.iter().enumerate() {
        let (gx, gn) = counts(g, 240, k + offset, 1);
        let (rx, rn) = counts(r, 610, k + offset, 2);
        // Asian patients are under a tenth of the total, so White is the comparison group the
        // plans name.
        let (ax, an) = counts(0.7, 55, k + offset, 3);
        for (sub, x, n) in [
            ("Black or African American", gx, gn),
            ("White", rx, rn),
            ("Asian", ax, an),
        ] {
            rows.push(AggregateRow::counted(
                &measure.id,
                "race_ethnicity",
                sub,
                p,
                x,
                n,
            ));
        }
        rows.push(AggregateRow::counted(
            &measure.id,
            "overall",
            "All",
            p,
            gx + rx + ax,
            gn + rn + an,
        ));
    }
    // The whole span as well, as `rise analyze --by quarter` writes it: what the data set's
    // inequities are ranked for.
    let span = periods
        .first()
        .and_then(|a| period_bounds(a))
        .zip(periods.last().and_then(|b| period_bounds(b)));
    if let Some(((from, _), (_, to))) = span {
        let whole = format!("{from}..{to}");
        let mut totals: Vec<((String, String), (u64, u64))> = Vec::new();
        for r in &rows {
            let key = (r.dimension.clone(), r.subgroup.clone());
            let (x, n) = (r.numerator.unwrap_or(0), r.denominator.unwrap_or(0));
            match totals.iter_mut().find(|(k, _)| *k == key) {
                Some((_, t)) => *t = (t.0 + x, t.1 + n),
                None => totals.push((key, (x, n))),
            }
        }
        for ((dimension, subgroup), (x, n)) in totals {
            rows.push(AggregateRow::counted(
                &measure.id,
                &dimension,
                &subgroup,
                &whole,
                x,
                n,
            ));
        }
    }
    Upload::new(
        label,
        "rise analyze --by quarter (demo quarters)",
        rows,
        vec![measure.clone()],
        false,
    )
}

/// Seeds one member's story: the quarterly baseline, a plan starting at the follow-up, the
/// follow-up data set, the evidence submitted, and the review the story calls for.
pub async fn seed(
    store: &Store,
    org_id: i64,
    member: &Actor,
    reviewer: &Actor,
    story: Story,
    measure: &MeasureInfo,
    today: NaiveDate,
) -> Result<()> {
    let (before, after, start) = quarters(today);
    let base = store
        .add_dataset(
            org_id,
            &dataset(
                &format!("Quarterly extract {} to {}", before[0], before[7]),
                &before,
                story,
                false,
                0,
                measure,
            ),
            member,
        )
        .await?;
    let plan = store
        .create_plan(
            org_id,
            &PlanInput {
                dataset_id: base.id,
                measure: measure.id.clone(),
                dimension: "race_ethnicity".into(),
                subgroup: "Black or African American".into(),
                reference: "White".into(),
                period: before[7].clone(),
                target_rate: 0.6,
                owner: "Director of Health Equity".into(),
                changes: "Self-measured blood pressure with cuffs sent home; pharmacist titration calls within two weeks; community health workers at two churches.".into(),
                start_date: start.to_string(),
                target_date: format!("{}-12-31", start.year() + 1),
                ..PlanInput::default()
            },
            member,
        )
        .await?;
    let follow = store
        .add_dataset(
            org_id,
            &dataset(
                &format!("Follow-up {} to {}", after[0], after[3]),
                &after,
                story,
                true,
                8,
                measure,
            ),
            member,
        )
        .await?;
    store
        .add_followup(org_id, plan.id, follow.id, member)
        .await?;
    let state = Arc::new(AppState::new(store.clone(), false));
    let note = match story {
        Story::Approved => {
            "Cuffs went home with 1,100 patients from the first week; pharmacist calls reached 83 %."
        }
        Story::Returned => "Early results after the first PDSA cycles.",
        Story::LevellingDown => "The gap is down by more than half.",
    };
    let e = rise_web::evidence::submit(&state, org_id, plan.id, note, member)
        .await
        .map_err(|e| anyhow::anyhow!("demo evidence: {e}"))?;
    match story {
        Story::Approved => {
            store
                .review_evidence(
                    e.id,
                    Review::Approve,
                    "Sustained over four quarters, beyond chance, and the group itself improved. Congratulations.",
                    reviewer,
                )
                .await?;
        }
        Story::Returned => {
            store
                .review_evidence(
                    e.id,
                    Review::Return,
                    "The change in the gap is still within chance. Add the next two quarters and resubmit.",
                    reviewer,
                )
                .await?;
        }
        Story::LevellingDown => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each story shows what it says it shows, whatever the day the demo runs.
    #[test]
    fn every_story_gets_its_verdict() {
        use rise_aggregate::evidence::{Target, Verdict, evidence};
        let m = MeasureInfo::new("bp_control", "Blood pressure controlled", "CMS165", true);
        for day in [(2026, 12, 4), (2027, 2, 1), (2028, 7, 15)] {
            let today = NaiveDate::from_ymd_opt(day.0, day.1, day.2).unwrap();
            let (before, after, start) = quarters(today);
            for (story, want) in [
                (Story::Approved, Verdict::Narrowed),
                (Story::Returned, Verdict::WithinChance),
                (Story::LevellingDown, Verdict::LevellingDown),
            ] {
                let sets = [
                    (
                        "base".to_string(),
                        dataset("b", &before, story, false, 0, &m).rows().to_vec(),
                    ),
                    (
                        "follow".to_string(),
                        dataset("f", &after, story, true, 8, &m).rows().to_vec(),
                    ),
                ];
                let target = Target {
                    measure: "bp_control",
                    dimension: "race_ethnicity",
                    group: "Black or African American",
                    reference: "White",
                    start,
                    higher_is_better: true,
                };
                let e = evidence(&sets, &target).unwrap();
                assert_eq!(e.verdict, want, "{day:?}");
                assert_eq!(
                    (e.baseline.periods.len(), e.follow_up.periods.len()),
                    (8, 4)
                );
            }
        }
    }

    #[test]
    fn twelve_quarters_end_before_today() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let (before, after, start) = quarters(d);
        assert_eq!(before.len(), 8);
        assert_eq!(before[0], "2023-Q4");
        assert_eq!(before[7], "2025-Q3");
        assert_eq!(after, ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]);
        assert_eq!(start, NaiveDate::from_ymd_opt(2025, 10, 1).unwrap());
        // Early in a year the quarters reach back across it.
        let (_, after, _) = quarters(NaiveDate::from_ymd_opt(2027, 2, 1).unwrap());
        assert_eq!(after, ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]);
    }
}
