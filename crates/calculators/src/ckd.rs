//! What an eGFR means for care: the KDIGO G stage and the decisions that hang on a threshold.
//!
//! Both classify the *unrounded* eGFR with lower-bound-inclusive cut points, as kidney.epi
//! does: 59.6 is G3a here even though a lab printing integers would report "60" (G2). An
//! audit of reported values should round first; Rise's audit classifies what the equation
//! gives, so that a switch of equation is the only thing that moves a patient.

use serde::Serialize;

/// KDIGO 2012/2024 GFR category (mL/min/1.73 m²).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Stage {
    G1,
    G2,
    G3a,
    G3b,
    G4,
    G5,
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::G1,
        Stage::G2,
        Stage::G3a,
        Stage::G3b,
        Stage::G4,
        Stage::G5,
    ];

    /// The category of an eGFR: ≥ 90 G1, ≥ 60 G2, ≥ 45 G3a, ≥ 30 G3b, ≥ 15 G4, else G5.
    pub fn of(egfr: f64) -> Stage {
        if egfr >= 90.0 {
            Stage::G1
        } else if egfr >= 60.0 {
            Stage::G2
        } else if egfr >= 45.0 {
            Stage::G3a
        } else if egfr >= 30.0 {
            Stage::G3b
        } else if egfr >= 15.0 {
            Stage::G4
        } else {
            Stage::G5
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Stage::G1 => "G1",
            Stage::G2 => "G2",
            Stage::G3a => "G3a",
            Stage::G3b => "G3b",
            Stage::G4 => "G4",
            Stage::G5 => "G5",
        }
    }

    pub fn from_label(label: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.label() == label)
    }

    /// KDIGO's words for the category.
    pub fn meaning(self) -> &'static str {
        match self {
            Stage::G1 => "normal or high (≥ 90)",
            Stage::G2 => "mildly decreased (60–89)",
            Stage::G3a => "mildly to moderately decreased (45–59)",
            Stage::G3b => "moderately to severely decreased (30–44)",
            Stage::G4 => "severely decreased (15–29)",
            Stage::G5 => "kidney failure (< 15)",
        }
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// A care decision that turns on an eGFR threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Decision {
    /// eGFR ≤ 20: kidney-transplant waiting time accrues (OPTN Policy 8.4.A).
    TransplantListing,
    /// eGFR < 30: refer to nephrology (KDIGO 2012 §5.1).
    NephrologyReferral,
    /// eGFR < 30: metformin contraindicated (FDA Drug Safety Communication, April 2016).
    MetforminStop,
    /// eGFR < 45: do not start metformin; reassess the benefit if taking it (FDA 2016).
    MetforminReview,
    /// eGFR < 60: chronic kidney disease, G3 or worse (KDIGO), when sustained > 3 months.
    CkdG3,
}

impl Decision {
    pub const ALL: [Decision; 5] = [
        Decision::TransplantListing,
        Decision::NephrologyReferral,
        Decision::MetforminStop,
        Decision::MetforminReview,
        Decision::CkdG3,
    ];

    /// Whether this eGFR meets the threshold.
    pub fn applies(self, egfr: f64) -> bool {
        match self {
            Decision::TransplantListing => egfr <= 20.0,
            Decision::NephrologyReferral | Decision::MetforminStop => egfr < 30.0,
            Decision::MetforminReview => egfr < 45.0,
            Decision::CkdG3 => egfr < 60.0,
        }
    }

    /// The key in files and JSON.
    pub fn key(self) -> &'static str {
        match self {
            Decision::TransplantListing => "transplant_listing",
            Decision::NephrologyReferral => "nephrology_referral",
            Decision::MetforminStop => "metformin_stop",
            Decision::MetforminReview => "metformin_review",
            Decision::CkdG3 => "ckd_g3",
        }
    }

    pub fn from_key(key: &str) -> Option<Decision> {
        Decision::ALL.into_iter().find(|d| d.key() == key)
    }

    /// The decision and its threshold, for people.
    pub fn label(self) -> &'static str {
        match self {
            Decision::TransplantListing => "Transplant waiting time (eGFR ≤ 20)",
            Decision::NephrologyReferral => "Nephrology referral (eGFR < 30)",
            Decision::MetforminStop => "Metformin contraindicated (eGFR < 30)",
            Decision::MetforminReview => "Metformin: do not start, review dose (eGFR < 45)",
            Decision::CkdG3 => "CKD stage 3 or worse (eGFR < 60)",
        }
    }

    /// Where the threshold comes from.
    pub fn source(self) -> &'static str {
        match self {
            Decision::TransplantListing => "OPTN Policy 8.4.A",
            Decision::NephrologyReferral => "KDIGO 2012 CKD guideline §5.1",
            Decision::MetforminStop | Decision::MetforminReview => {
                "FDA Drug Safety Communication, April 2016"
            }
            Decision::CkdG3 => "KDIGO 2012/2024 GFR categories",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_points_are_lower_bound_inclusive() {
        let cases = [
            (90.0, Stage::G1),
            (89.999, Stage::G2),
            (60.0, Stage::G2),
            (59.6, Stage::G3a),
            (45.0, Stage::G3a),
            (44.9, Stage::G3b),
            (30.0, Stage::G3b),
            (29.99, Stage::G4),
            (15.0, Stage::G4),
            (14.9, Stage::G5),
            (0.0, Stage::G5),
        ];
        for (v, s) in cases {
            assert_eq!(Stage::of(v), s, "{v}");
        }
    }

    #[test]
    fn thresholds() {
        assert!(Decision::TransplantListing.applies(20.0));
        assert!(!Decision::TransplantListing.applies(20.01));
        assert!(!Decision::NephrologyReferral.applies(30.0));
        assert!(Decision::NephrologyReferral.applies(29.99));
        assert!(Decision::MetforminReview.applies(44.99));
        assert!(!Decision::MetforminReview.applies(45.0));
        assert!(Decision::CkdG3.applies(59.99));
        for d in Decision::ALL {
            assert_eq!(Decision::from_key(d.key()), Some(d));
        }
    }
}
