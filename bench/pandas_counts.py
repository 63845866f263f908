#!/usr/bin/env python3
"""Numerators and denominators of Rise's built-in measures, computed with pandas.

Usage: pandas_counts.py DATA_DIR YEAR OUT.csv [--area-index FILE]

No SQL engine: each measure is a Python function of pandas operations (filters, isin, merges,
sorts, groupby) that follows the SQL of crates/engine/measures/builtin.toml clause by clause.
pyarrow only reads the Parquet files. The population, the dimension labels and the counting
mirror crates/engine/src/{analyze,dimensions}.rs.

Output: measure,dimension,subgroup,numerator,denominator for the whole calendar year YEAR,
every single dimension plus `overall` (the same format as duckdb_counts.py).
"""

import argparse
import csv
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

DIMENSIONS = [
    "race_ethnicity", "race", "ethnicity", "sex", "age_band",
    "language", "payer", "income_quintile", "area_quintile",
]

# Columns each table is read with (the rest is never used by a built-in measure).
COLUMNS = {
    "patients": ["patient_id", "birth_date", "death_date", "sex", "race", "ethnicity",
                 "race_ethnicity", "language", "zip", "payer", "income"],
    "encounters": ["patient_id", "start", "stop", "class", "code"],
    "conditions": ["patient_id", "start", "code"],
    "observations": ["patient_id", "time", "code", "value"],
    "procedures": ["patient_id", "time", "code"],
    "medications": ["patient_id", "start", "stop", "code"],
    "immunizations": ["patient_id", "time", "code"],
}
TIME_COLUMNS = {"start", "stop", "time", "birth_date", "death_date"}

DAY = pd.Timedelta(days=1)


def quintile(values, descending=False):
    """Rise's population-weighted quintile of each value (docs/canonical-schema.md):
    CAST(GREATEST(1, LEAST(5, CEIL(cume_dist() OVER (ORDER BY x) * 5 - 1e-9))) AS BIGINT),
    cume_dist being the share of rows that come before this one in the order or tie with it.
    Equal values therefore share a quintile; row order plays no part."""
    x = np.asarray(values, dtype=np.float64)
    if descending:
        x = -x
    n = len(x)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    at_or_before = np.searchsorted(np.sort(x), x, side="right")  # rows with a value <= x
    cume_dist = at_or_before / n
    q = np.ceil(cume_dist * 5 - 1e-9)
    return np.clip(q, 1, 5).astype(np.int64)


class Data:
    """The canonical tables, patient ids replaced by integer positions in `patients`."""

    def __init__(self, data_dir, area_index):
        self.dir = data_dir
        self.area_index = area_index
        self.patients = self._read("patients")
        if self.patients is None:
            sys.exit(f"{data_dir / 'patients.parquet'} is missing")
        ids = self.patients["patient_id"]
        # Patient ids become integer codes (row k of patients: code k). Should an id repeat,
        # its rows share one code and each still has its own row, so joins fan out as in SQL.
        self.id_index = pd.Index(ids.astype(object))
        if self.id_index.is_unique:
            self.patients["pid"] = np.arange(len(ids), dtype=np.int64)
        else:
            self.patients["pid"] = pd.factorize(ids.astype(object))[0]
            self.id_index = pd.Index(ids.astype(object).drop_duplicates())
        self.tables = {}

    def _read(self, name):
        path = self.dir / f"{name}.parquet"
        if not path.is_file():
            return None
        t = pq.read_table(path, columns=COLUMNS[name])
        df = t.to_pandas(date_as_object=False, strings_to_categorical=True)
        for c in df.columns:
            if c in TIME_COLUMNS:
                df[c] = pd.to_datetime(df[c])
        return df

    def _pid(self, ids):
        """Integer codes of patient ids (-1: not a patient)."""
        if isinstance(ids.dtype, pd.CategoricalDtype):
            cats = self.id_index.get_indexer(ids.cat.categories.astype(object))
            cats = np.append(cats, -1)  # code -1 (a missing id) maps to the last slot
            return cats[ids.cat.codes.to_numpy()]
        return self.id_index.get_indexer(ids.astype(object))

    def table(self, name):
        if name not in self.tables:
            df = self._read(name)
            if df is None:
                df = pd.DataFrame({c: pd.Series(dtype="datetime64[us]" if c in TIME_COLUMNS
                                                else ("float64" if c == "value" else object))
                                   for c in COLUMNS[name]})
            df["pid"] = self._pid(df["patient_id"])
            df = df.drop(columns="patient_id")
            self.tables[name] = df
        return self.tables[name]

    def inpatient_stays(self):
        """Inpatient encounters with their ids (read only for those rows)."""
        path = self.dir / "encounters.parquet"
        if not path.is_file():
            return pd.DataFrame({"pid": [], "encounter_id": [], "start": [], "stop": []})
        df = pd.read_parquet(path, columns=["patient_id", "encounter_id", "start", "stop"],
                             filters=[("class", "==", "inpatient")])
        df["pid"] = self._pid(df["patient_id"])
        df["start"] = pd.to_datetime(df["start"])
        df["stop"] = pd.to_datetime(df["stop"])
        return df.drop(columns="patient_id")


class Period:
    def __init__(self, year):
        self.start = pd.Timestamp(year=year, month=1, day=1)
        self.end = pd.Timestamp(year=year, month=12, day=31)
        self.after = self.end + DAY  # exclusive upper bound of date-times in the period

    def during(self, s):
        return (s >= self.start) & (s < self.after)

    def back(self, **offset):
        """The period's last day minus an offset (calendar arithmetic, clamped month ends)."""
        return self.end - pd.DateOffset(**offset)


def population(data, per):
    p = data.patients
    p = p[p["birth_date"] <= per.end].copy()
    b = p["birth_date"]
    md_end = per.end.month * 100 + per.end.day
    p["age"] = (per.end.year - b.dt.year
                - ((b.dt.month * 100 + b.dt.day) > md_end).astype(np.int64)).astype(np.int64)
    p["alive_at_start"] = p["death_date"].isna() | (p["death_date"] >= per.start)
    return p


QUINTILES = ["Unknown", "1", "2", "3", "4", "5"]


def quintile_by(pid, key, descending=False):
    """(pid, q): Rise's quintile (see `quintile`) over the given rows."""
    return pd.DataFrame({"pid": pid, "q": quintile(key, descending)})


def label(df, q_by_pid, column):
    """Adds quintile labels (`Unknown` where a patient has none), fanning out like a LEFT JOIN."""
    df = df.merge(q_by_pid, on="pid", how="left")
    codes = df["q"].fillna(0).to_numpy(dtype=np.int64)
    df[column] = pd.Categorical.from_codes(codes, categories=QUINTILES)
    return df.drop(columns="q")


def quintiles(data, pop):
    """pdim: one row per population patient with every dimension label."""
    pats = data.patients

    out = pd.DataFrame({"pid": pop["pid"].to_numpy()})
    for d in ["race_ethnicity", "race", "ethnicity", "sex", "language", "payer"]:
        col = pop[d]
        if not isinstance(col.dtype, pd.CategoricalDtype):
            col = col.astype(object).astype("category")
        if "Unknown" not in col.cat.categories:
            col = col.cat.add_categories(["Unknown"])
        out[d] = col.fillna("Unknown").array
    age = pop["age"].to_numpy()
    out["age_band"] = pd.Categorical.from_codes(
        np.select([age < 18, age < 45, age < 65], [0, 1, 2], 3),
        categories=["0-17", "18-44", "45-64", "65+"])

    has_income = pats["income"].notna().to_numpy()
    out = label(out, quintile_by(pats["pid"].to_numpy()[has_income],
                                 pats["income"].to_numpy()[has_income]),
                "income_quintile")

    has_area = data.area_index is not None
    if has_area:
        idx = pd.read_csv(data.area_index, dtype=str, keep_default_na=False)
        idx = pd.DataFrame({"zip": idx.iloc[:, 0].str.strip(),
                            "deprivation": idx.iloc[:, 1].str.strip().astype(float)})
        # Join on the few distinct ZIP codes, then spread to patients by integer code.
        zips = pats["zip"]
        if not isinstance(zips.dtype, pd.CategoricalDtype):
            zips = zips.astype(object).astype("category")
        known = pd.DataFrame({"zip": zips.cat.categories.astype(object),
                              "zcode": np.arange(len(zips.cat.categories))})
        known = known.merge(idx, on="zip", how="inner")
        z = pd.DataFrame({"row": np.arange(len(pats)), "zcode": zips.cat.codes.to_numpy()})
        z = z.merge(known[["zcode", "deprivation"]], on="zcode", how="inner")
        rows = z["row"].to_numpy()
        # Most deprived (highest index) first.
        out = label(out, quintile_by(pats["pid"].to_numpy()[rows], z["deprivation"].to_numpy(),
                                     descending=True), "area_quintile")
    else:
        out["area_quintile"] = pd.Categorical.from_codes(np.zeros(len(out), dtype=np.int64),
                                                         categories=QUINTILES)
    return out, has_area


# --- the measures: each returns (denominator pids, numerator pids), duplicates allowed -------

CLASS_SEEN = ["ambulatory", "wellness", "outpatient"]


def conditions_pids(data, per, codes):
    c = data.table("conditions")
    return c.loc[c["code"].isin(codes) & (c["start"] <= per.end), "pid"]


def seen(data, lo, hi, classes=None):
    """Patients with an encounter (of one of `classes`) starting in [lo, hi)."""
    e = data.table("encounters")
    m = (e["start"] >= lo) & (e["start"] < hi)
    if classes is not None:
        m &= e["class"].isin(classes)
    return e.loc[m, "pid"]


def last_day(o, codes, per):
    """Results of `codes` with a value in the period, on each patient's latest day with any of
    them (several results that day are all kept; the measure takes the lowest of each code)."""
    o = o[o["code"].isin(codes) & o["value"].notna() & per.during(o["time"])]
    day = o["time"].dt.floor("D")  # CAST(time AS DATE)
    last = day.groupby(o["pid"]).transform("max")
    return o[day == last]


def bp_control(data, pop, per):
    adults = pop[pop["age"].between(18, 85) & pop["alive_at_start"]]
    den = adults.loc[adults["pid"].isin(
        conditions_pids(data, per, ["59621000", "38341003", "I10", "316866"])), "pid"]
    o = last_day(data.table("observations"), ["8480-6", "8462-4"], per)
    # Lowest systolic and lowest diastolic of the latest day (either missing: not controlled).
    low_sys = o[o["code"] == "8480-6"].groupby("pid")["value"].min()
    low_dia = o[o["code"] == "8462-4"].groupby("pid")["value"].min()
    ok_sys = low_sys.index[low_sys < 140]
    ok_dia = low_dia.index[low_dia < 90]
    return den, pd.Series(ok_sys[ok_sys.isin(ok_dia)].to_numpy())


def hba1c_poor_control(data, pop, per):
    adults = pop[pop["age"].between(18, 75) & pop["alive_at_start"]]
    den = adults.loc[adults["pid"].isin(
        conditions_pids(data, per, ["44054006", "E11", "E11.9", "73211009"])), "pid"]
    last = last_day(data.table("observations"), ["4548-4"], per)
    low = last.groupby("pid")["value"].min()  # lowest result of the latest day
    poor = pd.Series(low.index[low > 9].to_numpy())
    # Every population patient with no (non-null) result in the period: all of them have a
    # row in `last`, since the latest day of a patient with results always has one.
    untested = pop.loc[~pop["pid"].isin(last["pid"]), "pid"]
    return den, pd.concat([poor, untested])


def colorectal_screening(data, pop, per):
    den = pop.loc[pop["age"].between(45, 75) & pop["alive_at_start"], "pid"]
    p = data.table("procedures")
    lo = per.back(years=10) + DAY
    colo = p.loc[p["code"].isin(["73761001", "45378", "310634005"])
                 & (p["time"] >= lo) & (p["time"] < per.after), "pid"]
    o = data.table("observations")
    stool = o.loc[o["code"].isin(["29771-3", "57905-2", "2335-8", "56490-6"])
                  & per.during(o["time"]), "pid"]
    return den, pd.concat([colo, stool])


def breast_screening(data, pop, per):
    den = pop.loc[(pop["sex"] == "Female") & pop["age"].between(52, 74) & pop["alive_at_start"],
                  "pid"]
    p = data.table("procedures")
    lo = per.back(months=27) + DAY
    num = p.loc[p["code"].isin(["71651007", "24623002", "77067", "77063"])
                & (p["time"] >= lo) & (p["time"] < per.after), "pid"]
    return den, num


def cervical_screening(data, pop, per):
    den = pop.loc[(pop["sex"] == "Female") & pop["age"].between(24, 64) & pop["alive_at_start"],
                  "pid"]
    lo = per.back(years=3) + DAY
    p = data.table("procedures")
    cyto = p.loc[p["code"].isin(["90226004", "88175", "168406009"])
                 & (p["time"] >= lo) & (p["time"] < per.after), "pid"]
    o = data.table("observations")
    obs = o.loc[o["code"].isin(["10524-7", "19762-4"])
                & (o["time"] >= lo) & (o["time"] < per.after), "pid"]
    return den, pd.concat([cyto, obs])


def childhood_immunization(data, pop, per):
    b = pop["birth_date"]
    den = pop.loc[(b >= per.start - pd.DateOffset(years=2)) & (b <= per.back(years=2))
                  & pop["alive_at_start"], "pid"]
    i = data.table("immunizations")
    num = i.loc[i["code"].isin(["03", "3", "94"]) & (i["time"] < per.after), "pid"]
    return den, num[num.isin(data.patients["pid"])]


def flu_immunization(data, pop, per):
    eligible = pop[(pop["birth_date"] <= per.back(months=6)) & pop["alive_at_start"]]
    den = eligible.loc[eligible["pid"].isin(seen(data, per.start, per.after, CLASS_SEEN)), "pid"]
    i = data.table("immunizations")
    flu = ["140", "141", "150", "155", "158", "161", "88", "135", "185", "186", "197", "205"]
    num = i.loc[i["code"].isin(flu) & per.during(i["time"]), "pid"]
    return den, num


def statin_therapy(data, pop, per):
    adults = pop[(pop["age"] >= 21) & pop["alive_at_start"]]
    ascvd = ["53741008", "22298006", "230690007", "414545008", "I25.10", "I63.9", "399211009"]
    den = adults.loc[adults["pid"].isin(conditions_pids(data, per, ascvd)), "pid"]
    m = data.table("medications")
    statins = ["312961", "314231", "259255", "617312", "859749", "861634", "36567", "83367",
               "617318"]
    num = m.loc[m["code"].isin(statins) & (m["start"] < per.after)
                & (m["stop"].isna() | (m["stop"] >= per.start)), "pid"]
    return den, num


def depression_screening(data, pop, per):
    eligible = pop[(pop["age"] >= 12) & pop["alive_at_start"]]
    den = eligible.loc[eligible["pid"].isin(seen(data, per.start, per.after, CLASS_SEEN)), "pid"]
    o = data.table("observations")
    num = o.loc[o["code"].isin(["55757-9", "44249-1", "73831-0", "73832-8"])
                & per.during(o["time"]), "pid"]
    return den, num


def readmission_30d(data, pop, per):
    stays = data.inpatient_stays()
    discharged = stays[per.during(stays["stop"])]
    pairs = discharged.merge(stays, on="pid", suffixes=("_a", "_b"))
    readmitted = pairs[(pairs["start_b"] > pairs["stop_a"])
                       & (pairs["start_b"] <= pairs["stop_a"] + pd.Timedelta(days=30))
                       & (pairs["encounter_id_a"] != pairs["encounter_id_b"])]
    return discharged["pid"], readmitted["pid"]


def ed_visits(data, pop, per):
    alive = pop[pop["alive_at_start"]]
    den = alive.loc[alive["pid"].isin(seen(data, per.start - pd.DateOffset(years=1), per.after)),
                    "pid"]
    e = data.table("encounters")
    num = e.loc[(e["class"] == "emergency") & per.during(e["start"]), "pid"]
    return den, num


def postpartum_visit(data, pop, per):
    p = data.table("procedures")
    hi = per.end - pd.Timedelta(days=42) + DAY
    deliveries = p[p["code"].isin(["236973005", "11466000", "59400", "59510", "177184002"])
                   & (p["time"] >= per.start) & (p["time"] < hi)]
    e = data.table("encounters")
    visits = e.loc[e["code"].isin(["169762003", "59430", "0503F"]), ["pid", "start"]]
    pairs = deliveries[["pid", "time"]].merge(visits, on="pid")
    followed = pairs[(pairs["start"] > pairs["time"])
                     & (pairs["start"] <= pairs["time"] + pd.Timedelta(days=42))]
    return deliveries["pid"], followed["pid"]


def mortality(data, pop, per):
    alive = pop[pop["alive_at_start"]]
    den = alive.loc[alive["pid"].isin(seen(data, per.back(years=2), per.after)), "pid"]
    p = data.patients
    num = p.loc[(p["death_date"] >= per.start) & (p["death_date"] <= per.end), "pid"]
    return den, num


MEASURES = [
    bp_control, hba1c_poor_control, colorectal_screening, breast_screening, cervical_screening,
    childhood_immunization, flu_immunization, statin_therapy, depression_screening,
    readmission_30d, ed_visits, postpartum_visit, mortality,
]


def count(name, den, num, pdim, dims):
    """Numerator and denominator per subgroup: the denominator's distinct patients, those also
    in the numerator flagged, joined to the population's labels."""
    den = pd.unique(den.to_numpy())
    flag = pd.DataFrame({"pid": den, "hit": np.isin(den, num.to_numpy()).astype(np.int64)})
    j = pdim.merge(flag, on="pid", how="inner")
    rows = []
    if len(j) == 0:
        return [(name, "overall", "All", 0, 0)]
    rows.append((name, "overall", "All", int(j["hit"].sum()), len(j)))
    for d in dims:
        g = j.groupby(d, observed=True)["hit"].agg(["sum", "size"])
        for sub, r in g.iterrows():
            rows.append((name, d, str(sub), int(r["sum"]), int(r["size"])))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("year", type=int)
    ap.add_argument("out", type=Path)
    ap.add_argument("--area-index", type=Path, default=None,
                    help="zip,index CSV (default: DATA_DIR/area_index.csv if present)")
    args = ap.parse_args()
    area = args.area_index
    if area is None and (args.data_dir / "area_index.csv").is_file():
        area = args.data_dir / "area_index.csv"

    t0 = time.perf_counter()
    data = Data(args.data_dir, area)
    per = Period(args.year)
    pop = population(data, per)
    pdim, has_area = quintiles(data, pop)
    dims = [d for d in DIMENSIONS if has_area or d != "area_quintile"]
    out = []
    for fn in MEASURES:
        den, num = fn(data, pop, per)
        out.extend(count(fn.__name__, den, num, pdim, dims))
    write_counts(args.out, out)
    print(f"pandas: {len(out)} rows in {time.perf_counter() - t0:.2f} s", file=sys.stderr)


def write_counts(path, rows):
    rows = sorted(rows, key=lambda r: (r[0], r[1], r[2]))
    tmp = path.with_name(path.name + ".partial")
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["measure", "dimension", "subgroup", "numerator", "denominator"])
        w.writerows(rows)
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
