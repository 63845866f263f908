//! What every calculator asks about the patient: sex, and race only where an equation uses it.

use serde::{Deserialize, Serialize};

/// Sex as the equations use it (they were fitted on sex recorded as female or male).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    Female,
    Male,
}

impl Sex {
    /// `female` or `male`.
    pub fn key(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
        }
    }
}

/// Race as the race-based equations ask it: only "Black" changes the number (CKD-EPI 2009
/// and 2012, MDRD, the PCE's African-American equations); every other race takes the other
/// branch, as the equations' authors advised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Race {
    Black,
    Other,
}

impl Race {
    /// `black` or `other`.
    pub fn key(self) -> &'static str {
        match self {
            Race::Black => "black",
            Race::Other => "other",
        }
    }

    pub fn is_black(self) -> bool {
        self == Race::Black
    }
}
