//! Equity dimensions: how patients are grouped, as SQL over the `population` view.

use crate::error::{EngineError, Result};

/// A single dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dimension {
    /// Name used on the command line and in outputs.
    pub name: &'static str,
    /// Whether its groups have a natural order (1 = most disadvantaged).
    pub ordered: bool,
}

/// Every single dimension, in report order.
pub const ALL: [Dimension; 9] = [
    Dimension {
        name: "race_ethnicity",
        ordered: false,
    },
    Dimension {
        name: "race",
        ordered: false,
    },
    Dimension {
        name: "ethnicity",
        ordered: false,
    },
    Dimension {
        name: "sex",
        ordered: false,
    },
    Dimension {
        name: "age_band",
        ordered: false,
    },
    Dimension {
        name: "language",
        ordered: false,
    },
    Dimension {
        name: "payer",
        ordered: false,
    },
    Dimension {
        name: "income_quintile",
        ordered: true,
    },
    Dimension {
        name: "area_quintile",
        ordered: true,
    },
];

/// A requested grouping: one dimension or the intersection of two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grouping {
    /// One or two dimensions.
    pub parts: Vec<Dimension>,
}

impl Grouping {
    /// `race_ethnicity` or `race_ethnicity*sex`.
    pub fn name(&self) -> String {
        self.parts
            .iter()
            .map(|d| d.name)
            .collect::<Vec<_>>()
            .join("*")
    }

    /// Whether the grouping is ordered (single ordered dimensions only).
    pub fn ordered(&self) -> bool {
        self.parts.len() == 1 && self.parts[0].ordered
    }
}

fn lookup(name: &str) -> Result<Dimension> {
    ALL.iter().copied().find(|d| d.name == name).ok_or_else(|| {
        let names: Vec<&str> = ALL.iter().map(|d| d.name).collect();
        EngineError::Setting(format!(
            "unknown dimension '{name}' (choose from {})",
            names.join(", ")
        ))
    })
}

/// Parses `--dimensions`: a comma-separated list of dimensions and `a*b` intersections.
/// `area_quintile` needs an area index (`has_area`).
pub fn parse_list(list: &str, has_area: bool) -> Result<Vec<Grouping>> {
    let mut out: Vec<Grouping> = Vec::new();
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let parts = item
            .split('*')
            .map(|p| lookup(p.trim()))
            .collect::<Result<Vec<_>>>()?;
        if parts.len() > 2 {
            return Err(EngineError::Setting(format!(
                "'{item}': intersections are of two dimensions"
            )));
        }
        if parts.len() == 2 && parts[0] == parts[1] {
            return Err(EngineError::Setting(format!(
                "'{item}' crosses a dimension with itself"
            )));
        }
        if !has_area && parts.iter().any(|d| d.name == "area_quintile") {
            return Err(EngineError::Setting(
                "area_quintile needs a ZIP → deprivation index table (--area-index FILE)".into(),
            ));
        }
        let g = Grouping { parts };
        if !out.contains(&g) {
            out.push(g);
        }
    }
    if out.is_empty() {
        return Err(EngineError::Setting("no dimensions given".into()));
    }
    Ok(out)
}

/// The default groupings: every single dimension (area only with an index).
pub fn default_list(has_area: bool) -> Vec<Grouping> {
    ALL.iter()
        .filter(|d| has_area || d.name != "area_quintile")
        .map(|&d| Grouping { parts: vec![d] })
        .collect()
}

/// SQL of the `pdim` view: one row per patient of `population` with every dimension's label
/// (never NULL: missing values are `Unknown`).
pub fn pdim_sql(has_area: bool) -> String {
    let area = if has_area {
        "COALESCE(CAST(aq.q AS VARCHAR), 'Unknown')"
    } else {
        "'Unknown'"
    };
    let area_join = if has_area {
        "LEFT JOIN area_q aq ON aq.patient_id = p.patient_id"
    } else {
        ""
    };
    format!(
        "SELECT p.patient_id,
            COALESCE(p.race_ethnicity, 'Unknown') AS race_ethnicity,
            COALESCE(p.race, 'Unknown') AS race,
            COALESCE(p.ethnicity, 'Unknown') AS ethnicity,
            COALESCE(p.sex, 'Unknown') AS sex,
            CASE WHEN p.age IS NULL THEN 'Unknown' WHEN p.age < 18 THEN '0-17' WHEN p.age < 45 THEN '18-44'
                 WHEN p.age < 65 THEN '45-64' ELSE '65+' END AS age_band,
            COALESCE(p.language, 'Unknown') AS language,
            COALESCE(p.payer, 'Unknown') AS payer,
            COALESCE(CAST(iq.q AS VARCHAR), 'Unknown') AS income_quintile,
            {area} AS area_quintile
         FROM population p
         LEFT JOIN income_q iq ON iq.patient_id = p.patient_id
         {area_join}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_singles_and_intersections() {
        let g = parse_list("sex, race_ethnicity*sex", false).unwrap();
        assert_eq!(g.len(), 2);
        assert_eq!(g[1].name(), "race_ethnicity*sex");
        assert!(!g[1].ordered());
        assert!(parse_list("income_quintile", false).unwrap()[0].ordered());
        assert!(
            parse_list("colour", false)
                .unwrap_err()
                .to_string()
                .contains("unknown dimension 'colour'")
        );
        assert!(parse_list("area_quintile", false).is_err());
        assert!(parse_list("sex*sex", false).is_err());
        assert!(parse_list("a*b*c", false).is_err());
        assert_eq!(default_list(false).len(), 8);
    }
}
