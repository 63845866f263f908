//! Mapping source demographics to the canonical categories: race and ethnicity to the OMB
//! SPD 15 (2024) labels, preferred language, payer type. Pure functions.
//!
//! Unknown and declined answers become `Unknown`, a group of its own; nothing is dropped.

/// Canonical race labels (OMB SPD 15, 2024 revision), plus `Multiracial`, `Other`, `Unknown`.
pub const RACES: [&str; 9] = [
    "American Indian or Alaska Native",
    "Asian",
    "Black or African American",
    "Middle Eastern or North African",
    "Native Hawaiian or Pacific Islander",
    "White",
    "Multiracial",
    "Other",
    "Unknown",
];

/// Canonical ethnicity labels.
pub const ETHNICITIES: [&str; 3] = ["Hispanic or Latino", "Not Hispanic or Latino", "Unknown"];

/// Canonical payer types.
pub const PAYERS: [&str; 6] = [
    "Medicare",
    "Medicaid",
    "Commercial",
    "Uninsured",
    "Other",
    "Unknown",
];

fn norm(s: &str) -> String {
    s.trim().to_ascii_lowercase().replace(['_', '-'], " ")
}

/// Maps a source race value (text, Synthea code, CDC race code, OMOP concept id) to a
/// canonical label.
pub fn race(source: &str) -> &'static str {
    let s = norm(source);
    match s.as_str() {
        ""
        | "unknown"
        | "declined"
        | "asked but no answer"
        | "asked but unknown"
        | "unk"
        | "0"
        | "not reported"
        | "refused"
        | "null"
        | "ask"
        | "asku" => "Unknown",
        "white" | "caucasian" | "2106 3" | "8527" => "White",
        "black" | "black or african american" | "african american" | "2054 5" | "8516" => {
            "Black or African American"
        }
        "asian" | "2028 9" | "8515" => "Asian",
        "native"
        | "american indian or alaska native"
        | "american indian"
        | "alaska native"
        | "1002 5"
        | "8657" => "American Indian or Alaska Native",
        "hawaiian"
        | "native hawaiian or other pacific islander"
        | "native hawaiian or pacific islander"
        | "pacific islander"
        | "2076 8"
        | "8557" => "Native Hawaiian or Pacific Islander",
        "middle eastern or north african" | "mena" | "middle eastern" | "north african" => {
            "Middle Eastern or North African"
        }
        "multiracial" | "multiple" | "two or more races" | "mixed" => "Multiracial",
        "other" | "some other race" | "2131 1" => "Other",
        _ => "Other",
    }
}

/// Maps a source ethnicity value to a canonical label.
pub fn ethnicity(source: &str) -> &'static str {
    let s = norm(source);
    match s.as_str() {
        "hispanic" | "hispanic or latino" | "latino" | "latina" | "latinx" | "2135 2"
        | "38003563" => "Hispanic or Latino",
        "nonhispanic"
        | "non hispanic"
        | "not hispanic or latino"
        | "not hispanic"
        | "2186 5"
        | "38003564" => "Not Hispanic or Latino",
        _ => "Unknown",
    }
}

/// The combined race-and-ethnicity category: `Hispanic or Latino` when the ethnicity is
/// Hispanic, otherwise the race.
pub fn race_ethnicity(race: &str, ethnicity: &str) -> String {
    if ethnicity == "Hispanic or Latino" {
        ethnicity.to_string()
    } else {
        race.to_string()
    }
}

/// Maps a preferred-language value (name or ISO 639 / BCP 47 code) to `English`,
/// `Other than English` or `Unknown`.
pub fn language(source: &str) -> &'static str {
    let s = norm(source);
    if s.is_empty() || s == "unknown" || s == "unk" || s == "declined" {
        "Unknown"
    } else if s == "en"
        || s == "eng"
        || s.starts_with("en ")
        || s.starts_with("english")
        || s == "en us"
    {
        "English"
    } else {
        "Other than English"
    }
}

/// Maps a payer name or type to a canonical payer type.
pub fn payer(source: &str) -> &'static str {
    let s = norm(source);
    if s.is_empty() || s == "unknown" {
        "Unknown"
    } else if s.contains("medicare") {
        "Medicare"
    } else if s.contains("medicaid") || s.contains("medi cal") || s.contains("chip") {
        "Medicaid"
    } else if s.contains("no insurance")
        || s.contains("uninsured")
        || s.contains("self pay")
        || s == "none"
    {
        "Uninsured"
    } else if s.contains("commercial")
        || s.contains("private")
        || s.contains("blue")
        || s.contains("aetna")
        || s.contains("cigna")
        || s.contains("humana")
        || s.contains("united")
        || s.contains("anthem")
        || s.contains("kaiser")
    {
        "Commercial"
    } else {
        "Other"
    }
}

/// Maps a sex value to `Female`, `Male`, `Other` or `Unknown`.
pub fn sex(source: &str) -> &'static str {
    match norm(source).as_str() {
        "f" | "female" | "8532" => "Female",
        "m" | "male" | "8507" => "Male",
        "" | "unknown" | "u" | "unk" => "Unknown",
        _ => "Other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn races_map_to_spd15() {
        assert_eq!(race("white"), "White");
        assert_eq!(race("black"), "Black or African American");
        assert_eq!(race("2054-5"), "Black or African American");
        assert_eq!(race("8515"), "Asian");
        assert_eq!(race("native"), "American Indian or Alaska Native");
        assert_eq!(race("hawaiian"), "Native Hawaiian or Pacific Islander");
        assert_eq!(race(""), "Unknown");
        assert_eq!(race("Declined"), "Unknown");
        assert_eq!(race("something else"), "Other");
    }

    #[test]
    fn hispanic_ethnicity_wins_in_the_combined_category() {
        assert_eq!(
            race_ethnicity("White", ethnicity("hispanic")),
            "Hispanic or Latino"
        );
        assert_eq!(race_ethnicity("Asian", ethnicity("nonhispanic")), "Asian");
        assert_eq!(race_ethnicity("Unknown", ethnicity("")), "Unknown");
    }

    #[test]
    fn languages_payers_and_sex() {
        assert_eq!(language("en-US"), "English");
        assert_eq!(language("English"), "English");
        assert_eq!(language("es"), "Other than English");
        assert_eq!(language(""), "Unknown");
        assert_eq!(payer("Medicaid"), "Medicaid");
        assert_eq!(payer("Dual Eligible Medicare"), "Medicare");
        assert_eq!(payer("NO_INSURANCE"), "Uninsured");
        assert_eq!(payer("Blue Cross Blue Shield"), "Commercial");
        assert_eq!(payer(""), "Unknown");
        assert_eq!(sex("F"), "Female");
        assert_eq!(sex("8507"), "Male");
    }
}
