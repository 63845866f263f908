//! Counting a measure's patients by subgroup in memory.
//!
//! A measure's denominator and numerator are sets of patient ids, and a patient's subgroups
//! are the same for every measure of a period. So the labels of every patient are computed
//! once per period into small integer codes ([`Roster`]), each measure only marks its patients
//! ([`Marks`]), and [`Roster::count`] adds them up for every grouping in one pass. The query
//! engine runs the measure's own SQL and nothing else: no DISTINCT, no join with the labels and
//! no GROUPING SETS, whose aggregation (one row per patient per grouping) was most of the time
//! and memory of an analysis.
//!
//! Patient ids are interned by hand (one byte buffer and a `hashbrown::HashTable` of row
//! numbers) because a `HashMap<String, u32>` costs about 80 bytes a patient, 800 MB at 10 M.

use hashbrown::DefaultHashBuilder;
use hashbrown::HashTable;
use std::hash::BuildHasher;

/// Patient ids of one period, each with a row number `0..len`.
#[derive(Default)]
pub struct PatientIndex {
    bytes: Vec<u8>,
    /// End of each id in `bytes`.
    ends: Vec<usize>,
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl PatientIndex {
    /// Number of patients.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are no patients.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn id(&self, row: u32) -> &[u8] {
        id_bytes(&self.bytes, &self.ends, row)
    }

    /// Adds an id and returns its row number, or `None` if it is already there (a patient is
    /// counted once, with the labels of its first record).
    pub fn insert(&mut self, id: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(id.as_bytes());
        if self
            .table
            .find(hash, |&r| self.id(r) == id.as_bytes())
            .is_some()
        {
            return None;
        }
        let row = u32::try_from(self.ends.len()).ok()?;
        self.bytes.extend_from_slice(id.as_bytes());
        self.ends.push(self.bytes.len());
        // The table may rehash while `self` is borrowed mutably: the closure borrows the parts.
        let (bytes, ends, hasher) = (&self.bytes, &self.ends, &self.hasher);
        self.table
            .insert_unique(hash, row, |&r| hasher.hash_one(id_bytes(bytes, ends, r)));
        Some(row)
    }

    /// The row number of an id.
    pub fn get(&self, id: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(id.as_bytes());
        self.table
            .find(hash, |&r| self.id(r) == id.as_bytes())
            .copied()
    }
}

/// The bytes of id `row` in an interner's buffer.
fn id_bytes<'a>(bytes: &'a [u8], ends: &[usize], row: u32) -> &'a [u8] {
    let row = row as usize;
    let start = if row == 0 { 0 } else { ends[row - 1] };
    &bytes[start..ends[row]]
}

/// One dimension's label for every patient, as a code into `names`.
#[derive(Default)]
pub struct Labels {
    names: Vec<String>,
    codes: Vec<u16>,
    lookup: hashbrown::HashMap<String, u16>,
}

/// The most distinct labels one dimension may have: every `u16` code.
pub const MAX_LABELS: usize = 1 << 16;

impl Labels {
    /// Whether `label` has a code or can get one.
    fn has_room_for(&self, label: &str) -> bool {
        self.names.len() < MAX_LABELS || self.lookup.contains_key(label)
    }

    /// Appends the next patient's label (after [`Labels::has_room_for`]).
    fn push(&mut self, label: &str) {
        let code = match self.lookup.get(label) {
            Some(&c) => c,
            None => {
                // `has_room_for` was checked, so the code fits; the fallback is never taken.
                let c = u16::try_from(self.names.len()).unwrap_or(u16::MAX);
                self.names.push(label.to_string());
                self.lookup.insert(label.to_string(), c);
                c
            }
        };
        self.codes.push(code);
    }
}

/// Every patient of a period with its label in each dimension.
pub struct Roster {
    pub index: PatientIndex,
    /// Dimension names, in the order of `labels`.
    dimensions: Vec<String>,
    labels: Vec<Labels>,
}

/// Whether each patient of a roster is in a measure's denominator and numerator.
pub struct Marks {
    den: Vec<bool>,
    num: Vec<bool>,
}

impl Marks {
    /// Marks for `n` patients, all unmarked.
    pub fn new(n: usize) -> Self {
        Self {
            den: vec![false; n],
            num: vec![false; n],
        }
    }

    /// The denominator's marks.
    pub fn denominator(&mut self) -> &mut [bool] {
        &mut self.den
    }

    /// The numerator's marks.
    pub fn numerator(&mut self) -> &mut [bool] {
        &mut self.num
    }

    /// Both, for filling them at the same time.
    pub fn both(&mut self) -> (&mut [bool], &mut [bool]) {
        (&mut self.den, &mut self.num)
    }
}

/// Numerator and denominator of one subgroup of one grouping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// `race_ethnicity`, `race_ethnicity*sex` or `overall`.
    pub dimension: String,
    /// `White`, `White*Female` or `All`.
    pub subgroup: String,
    pub numerator: u64,
    pub denominator: u64,
}

/// Which error a roster can refuse with.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum RosterError {
    /// A grouping names a dimension the roster does not have.
    #[error("no dimension '{0}' to group by")]
    UnknownDimension(String),
    /// More than `u32::MAX` patients.
    #[error("more than {} patients in one period; split the data", u32::MAX)]
    TooManyPatients,
    /// A dimension with more distinct labels than [`MAX_LABELS`].
    #[error(
        "dimension '{0}' has more than 65,536 distinct values; group them (for example ZIP codes into areas) before analysing"
    )]
    TooManyLabels(String),
}

impl Roster {
    /// An empty roster with these dimensions.
    pub fn new(dimensions: &[&str]) -> Self {
        Self {
            index: PatientIndex::default(),
            dimensions: dimensions.iter().map(|d| d.to_string()).collect(),
            labels: dimensions.iter().map(|_| Labels::default()).collect(),
        }
    }

    /// Number of patients.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether there are no patients.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Adds a patient with its label in each dimension (in the order given to [`Roster::new`]).
    /// A repeated id is ignored.
    pub fn push(&mut self, id: &str, labels: &[&str]) -> Result<(), RosterError> {
        if self.index.len() >= u32::MAX as usize {
            return Err(RosterError::TooManyPatients);
        }
        // Checked before the patient is added, so a refused push leaves the roster as it was
        // (a repeated id is ignored as always: its labels are not kept).
        if let Some(d) = self
            .labels
            .iter()
            .zip(labels)
            .position(|(l, v)| !l.has_room_for(v))
        {
            return match self.index.get(id) {
                Some(_) => Ok(()),
                None => Err(RosterError::TooManyLabels(self.dimensions[d].clone())),
            };
        }
        if self.index.insert(id).is_some() {
            for (l, v) in self.labels.iter_mut().zip(labels) {
                l.push(v);
            }
        }
        Ok(())
    }

    fn dimension(&self, name: &str) -> Result<usize, RosterError> {
        self.dimensions
            .iter()
            .position(|d| d == name)
            .ok_or_else(|| RosterError::UnknownDimension(name.to_string()))
    }

    /// Counts for every grouping (each one or more dimension names, joined by `*` in the
    /// output) and `overall`. Only the numerator's patients that are also in the denominator
    /// count; subgroups with an empty denominator are left out, `overall` never is.
    pub fn count(&self, marks: &Marks, groupings: &[Vec<&str>]) -> Result<Vec<Cell>, RosterError> {
        let mut out = Vec::new();
        let hit = |i: usize| marks.den[i] && marks.num[i];
        let den_total = marks.den.iter().filter(|&&d| d).count() as u64;
        let num_total = (0..marks.den.len()).filter(|&i| hit(i)).count() as u64;
        out.push(Cell {
            dimension: "overall".into(),
            subgroup: "All".into(),
            numerator: num_total,
            denominator: den_total,
        });
        for parts in groupings {
            let dims = parts
                .iter()
                .map(|p| self.dimension(p))
                .collect::<Result<Vec<_>, _>>()?;
            // Dense counters over the product of the parts' label sets (at most a few
            // hundred cells for two dimensions).
            let sizes: Vec<usize> = dims
                .iter()
                .map(|&d| self.labels[d].names.len().max(1))
                .collect();
            let cells: usize = sizes.iter().product();
            let mut den = vec![0u64; cells];
            let mut num = vec![0u64; cells];
            for i in (0..marks.den.len()).filter(|&i| marks.den[i]) {
                let mut at = 0usize;
                for (&d, &size) in dims.iter().zip(&sizes) {
                    at = at * size + self.labels[d].codes[i] as usize;
                }
                den[at] += 1;
                if marks.num[i] {
                    num[at] += 1;
                }
            }
            let dimension = parts.join("*");
            for at in (0..cells).filter(|&at| den[at] > 0) {
                let mut rest = at;
                let mut names = Vec::with_capacity(dims.len());
                for (&d, &size) in dims.iter().zip(&sizes).rev() {
                    names.push(self.labels[d].names[rest % size].as_str());
                    rest /= size;
                }
                names.reverse();
                out.push(Cell {
                    dimension: dimension.clone(),
                    subgroup: names.join("*"),
                    numerator: num[at],
                    denominator: den[at],
                });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn roster() -> Roster {
        let mut r = Roster::new(&["sex", "payer"]);
        for (id, sex, payer) in [
            ("a", "Female", "Medicaid"),
            ("b", "Male", "Medicaid"),
            ("c", "Female", "Commercial"),
            ("d", "Female", "Medicaid"),
            ("e", "Male", "Unknown"),
        ] {
            r.push(id, &[sex, payer]).unwrap();
        }
        r
    }

    fn mark(r: &Roster, den: &[&str], num: &[&str]) -> Marks {
        let mut m = Marks::new(r.len());
        for id in den {
            if let Some(i) = r.index.get(id) {
                m.denominator()[i as usize] = true;
            }
        }
        for id in num {
            if let Some(i) = r.index.get(id) {
                m.numerator()[i as usize] = true;
            }
        }
        m
    }

    fn table(cells: &[Cell]) -> BTreeMap<(String, String), (u64, u64)> {
        cells
            .iter()
            .map(|c| {
                (
                    (c.dimension.clone(), c.subgroup.clone()),
                    (c.numerator, c.denominator),
                )
            })
            .collect()
    }

    #[test]
    fn counts_single_and_crossed_groupings() {
        let r = roster();
        // "z" is not a patient of the period; "e" is in the numerator but not the denominator.
        let m = mark(&r, &["a", "b", "c", "d", "a", "z"], &["a", "c", "e", "z"]);
        let t = table(&r.count(&m, &[vec!["sex"], vec!["sex", "payer"]]).unwrap());
        let k = |d: &str, s: &str| (d.to_string(), s.to_string());
        assert_eq!(t[&k("overall", "All")], (2, 4));
        assert_eq!(t[&k("sex", "Female")], (2, 3));
        assert_eq!(t[&k("sex", "Male")], (0, 1));
        assert_eq!(t[&k("sex*payer", "Female*Medicaid")], (1, 2));
        assert_eq!(t[&k("sex*payer", "Female*Commercial")], (1, 1));
        assert_eq!(t[&k("sex*payer", "Male*Medicaid")], (0, 1));
        // Empty subgroups are not listed.
        assert!(!t.contains_key(&k("sex*payer", "Male*Unknown")));
        assert_eq!(t.len(), 6);
    }

    #[test]
    fn empty_denominator_still_has_overall() {
        let r = roster();
        let m = mark(&r, &[], &["a"]);
        let cells = r.count(&m, &[vec!["payer"]]).unwrap();
        assert_eq!(
            cells,
            vec![Cell {
                dimension: "overall".into(),
                subgroup: "All".into(),
                numerator: 0,
                denominator: 0
            }]
        );
    }

    #[test]
    fn unknown_dimension_is_refused() {
        let r = roster();
        let m = mark(&r, &["a"], &[]);
        assert_eq!(
            r.count(&m, &[vec!["race"]]),
            Err(RosterError::UnknownDimension("race".into()))
        );
    }

    #[test]
    fn a_dimension_has_at_most_every_u16_code() {
        let mut r = Roster::new(&["zip"]);
        for i in 0..MAX_LABELS {
            r.push(&format!("p{i}"), &[&format!("z{i}")]).unwrap();
        }
        // One label too many is refused with the dimension's name, and nothing is added.
        assert_eq!(
            r.push("extra", &["z-new"]),
            Err(RosterError::TooManyLabels("zip".into()))
        );
        assert_eq!(r.len(), MAX_LABELS);
        assert!(r.push("p0", &["z-new"]).is_ok(), "a repeated id is ignored");
        r.push("known", &["z7"]).unwrap();
        let mut marks = Marks::new(r.len());
        marks.denominator().fill(true);
        let cells = r.count(&marks, &[vec!["zip"]]).unwrap();
        // Every label is counted under its own name (no code without one).
        assert_eq!(cells.len(), 1 + MAX_LABELS);
        let z7 = cells.iter().find(|c| c.subgroup == "z7").unwrap();
        assert_eq!(z7.denominator, 2);
    }

    #[test]
    fn repeated_ids_keep_the_first_labels() {
        let mut r = Roster::new(&["sex"]);
        r.push("a", &["Female"]).unwrap();
        r.push("a", &["Male"]).unwrap();
        assert_eq!(r.len(), 1);
        let m = mark(&r, &["a"], &["a"]);
        let t = table(&r.count(&m, &[vec!["sex"]]).unwrap());
        assert_eq!(t[&("sex".to_string(), "Female".to_string())], (1, 1));
        assert_eq!(t.len(), 2);
    }

    proptest! {
        /// The interner finds every id it was given, and only those.
        #[test]
        fn index_finds_exactly_what_was_inserted(ids in proptest::collection::vec("[a-z0-9]{0,6}", 0..200)) {
            let mut idx = PatientIndex::default();
            let mut seen: BTreeMap<String, u32> = BTreeMap::new();
            for id in &ids {
                let got = idx.insert(id);
                match seen.get(id) {
                    Some(_) => prop_assert_eq!(got, None),
                    None => { seen.insert(id.clone(), got.unwrap()); }
                }
            }
            prop_assert_eq!(idx.len(), seen.len());
            for (id, row) in &seen {
                prop_assert_eq!(idx.get(id), Some(*row));
            }
            prop_assert_eq!(idx.get("not-an-id-because-too-long"), None);
        }

        /// Counts equal a direct count over the patients, for one and two dimensions.
        #[test]
        fn counts_match_a_direct_count(
            people in proptest::collection::vec((0u8..3, 0u8..4, any::<bool>(), any::<bool>()), 0..300)
        ) {
            let mut r = Roster::new(&["x", "y"]);
            let mut m_den = Vec::new();
            let mut m_num = Vec::new();
            for (i, (x, y, d, n)) in people.iter().enumerate() {
                r.push(&format!("p{i}"), &[&format!("x{x}"), &format!("y{y}")]).unwrap();
                m_den.push(*d);
                m_num.push(*n);
            }
            let marks = Marks { den: m_den, num: m_num };
            let t = table(&r.count(&marks, &[vec!["x"], vec!["x", "y"]]).unwrap());
            let mut want: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
            let mut all = (0, 0);
            for (x, y, d, n) in &people {
                if !d { continue; }
                let hit = u64::from(*n);
                all.0 += hit; all.1 += 1;
                for key in [("x".to_string(), format!("x{x}")), ("x*y".to_string(), format!("x{x}*y{y}"))] {
                    let e = want.entry(key).or_insert((0, 0));
                    e.0 += hit; e.1 += 1;
                }
            }
            want.insert(("overall".into(), "All".into()), all);
            prop_assert_eq!(t, want);
        }
    }
}
