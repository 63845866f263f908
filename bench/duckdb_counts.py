#!/usr/bin/env python3
"""Numerators and denominators of Rise's built-in measures, computed by DuckDB.

Usage: duckdb_counts.py DATA_DIR YEAR OUT.csv [--area-index FILE] [--measures FILE]

DATA_DIR holds the canonical Parquet tables (patients.parquet, encounters.parquet, ...), as
`rise generate` writes them. The measure SQL is taken from Rise's builtin.toml; everything
around it (the `population` view, the dimension labels, the per-subgroup counting) is written
here by hand to mirror crates/engine/src/{analyze,dimensions}.rs, so that the result can be
checked against `rise analyze --no-suppression` row for row.

Output: measure,dimension,subgroup,numerator,denominator for the whole calendar year YEAR,
every single dimension plus `overall`.
"""

import argparse
import csv
import os
import sys
import time
import tomllib
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
BUILTIN = HERE.parent / "crates" / "engine" / "measures" / "builtin.toml"

# Column types of the canonical tables (docs/canonical-schema.md), for tables that are absent.
SCHEMA = {
    "patients": [
        ("patient_id", "VARCHAR"), ("birth_date", "DATE"), ("death_date", "DATE"),
        ("sex", "VARCHAR"), ("race", "VARCHAR"), ("ethnicity", "VARCHAR"),
        ("race_ethnicity", "VARCHAR"), ("language", "VARCHAR"), ("zip", "VARCHAR"),
        ("payer", "VARCHAR"), ("income", "DOUBLE"), ("race_source", "VARCHAR"),
        ("ethnicity_source", "VARCHAR"),
    ],
    "encounters": [
        ("encounter_id", "VARCHAR"), ("patient_id", "VARCHAR"), ("start", "TIMESTAMP"),
        ("stop", "TIMESTAMP"), ("class", "VARCHAR"), ("code", "VARCHAR"),
        ("system", "VARCHAR"), ("description", "VARCHAR"),
    ],
    "conditions": [
        ("patient_id", "VARCHAR"), ("encounter_id", "VARCHAR"), ("start", "DATE"),
        ("stop", "DATE"), ("code", "VARCHAR"), ("system", "VARCHAR"), ("description", "VARCHAR"),
    ],
    "observations": [
        ("patient_id", "VARCHAR"), ("encounter_id", "VARCHAR"), ("time", "TIMESTAMP"),
        ("code", "VARCHAR"), ("system", "VARCHAR"), ("description", "VARCHAR"),
        ("value", "DOUBLE"), ("value_text", "VARCHAR"), ("unit", "VARCHAR"),
    ],
    "procedures": [
        ("patient_id", "VARCHAR"), ("encounter_id", "VARCHAR"), ("time", "TIMESTAMP"),
        ("code", "VARCHAR"), ("system", "VARCHAR"), ("description", "VARCHAR"),
    ],
    "medications": [
        ("patient_id", "VARCHAR"), ("encounter_id", "VARCHAR"), ("start", "TIMESTAMP"),
        ("stop", "TIMESTAMP"), ("code", "VARCHAR"), ("system", "VARCHAR"),
        ("description", "VARCHAR"),
    ],
    "immunizations": [
        ("patient_id", "VARCHAR"), ("encounter_id", "VARCHAR"), ("time", "TIMESTAMP"),
        ("code", "VARCHAR"), ("system", "VARCHAR"), ("description", "VARCHAR"),
    ],
}

DIMENSIONS = [
    "race_ethnicity", "race", "ethnicity", "sex", "age_band",
    "language", "payer", "income_quintile", "area_quintile",
]


def sql_str(s):
    return "'" + str(s).replace("'", "''") + "'"


def load_measures(path):
    with open(path, "rb") as f:
        return tomllib.load(f)["measure"]


def fill(sql, start, end):
    # Rise replaces the two placeholders textually; do the same.
    return sql.replace("{period_start}", start).replace("{period_end}", end)


# Population-weighted quintile by cumulative share (ties share a quintile).
QUINTILE = ("CAST(GREATEST(1, LEAST(5, CEIL(cume_dist() OVER (ORDER BY {order}) * 5 - 1e-9)))"
            " AS BIGINT)")


def open_tables(con, data_dir, area_index):
    for table, cols in SCHEMA.items():
        path = data_dir / f"{table}.parquet"
        if path.is_file():
            con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet({sql_str(path)})")
        else:
            if table == "patients":
                sys.exit(f"{path} is missing")
            defs = ", ".join(f'"{c}" {t}' for c, t in cols)
            con.execute(f"CREATE TABLE {table} ({defs})")
    # Income quintiles over every patient with an income (1 = lowest), by cumulative share:
    # patients with the same income share a quintile (docs/canonical-schema.md).
    con.execute(
        f"""CREATE VIEW income_q AS
            SELECT patient_id, {QUINTILE.format(order="income ASC")} AS q
            FROM patients WHERE income IS NOT NULL"""
    )
    if area_index is None:
        return False
    con.execute(
        f"""CREATE TABLE area_index AS
            SELECT trim(CAST(zip AS VARCHAR)) AS zip, CAST(index AS DOUBLE) AS deprivation
            FROM read_csv({sql_str(area_index)}, header = true, all_varchar = true)"""
    )
    # Area quintiles, 1 = most deprived, weighted by the patients living there.
    con.execute(
        f"""CREATE VIEW area_q AS
            SELECT p.patient_id, {QUINTILE.format(order="a.deprivation DESC")} AS q
            FROM patients p JOIN area_index a ON a.zip = p.zip"""
    )
    return True


def set_period(con, year, has_area):
    start, end = f"{year}-01-01", f"{year}-12-31"
    # Age in whole years on the period's last day (12-31: no birthday can still be to come,
    # but keep the general month/day rule of analyze.rs).
    md = 1231
    con.execute(
        f"""CREATE OR REPLACE VIEW population AS
            SELECT *,
              CAST({year} - date_part('year', birth_date)
                   - CASE WHEN date_part('month', birth_date) * 100 + date_part('day', birth_date) > {md}
                          THEN 1 ELSE 0 END AS BIGINT) AS age,
              (death_date IS NULL OR death_date >= DATE '{start}') AS alive_at_start
            FROM patients
            WHERE birth_date <= DATE '{end}'"""
    )
    area = "COALESCE(CAST(aq.q AS VARCHAR), 'Unknown')" if has_area else "'Unknown'"
    area_join = "LEFT JOIN area_q aq ON aq.patient_id = p.patient_id" if has_area else ""
    # Materialised once per period: every measure joins it.
    con.execute(
        f"""CREATE OR REPLACE TABLE pdim AS
            SELECT p.patient_id,
              COALESCE(p.race_ethnicity, 'Unknown') AS race_ethnicity,
              COALESCE(p.race, 'Unknown') AS race,
              COALESCE(p.ethnicity, 'Unknown') AS ethnicity,
              COALESCE(p.sex, 'Unknown') AS sex,
              CASE WHEN p.age IS NULL THEN 'Unknown' WHEN p.age < 18 THEN '0-17'
                   WHEN p.age < 45 THEN '18-44' WHEN p.age < 65 THEN '45-64' ELSE '65+' END AS age_band,
              COALESCE(p.language, 'Unknown') AS language,
              COALESCE(p.payer, 'Unknown') AS payer,
              COALESCE(CAST(iq.q AS VARCHAR), 'Unknown') AS income_quintile,
              {area} AS area_quintile
            FROM population p
            LEFT JOIN income_q iq ON iq.patient_id = p.patient_id
            {area_join}"""
    )
    return start, end


def measure_counts(con, m, start, end, dims):
    den_sql = fill(m["denominator"], start, end)
    num_sql = fill(m["numerator"], start, end)
    sets = ", ".join(f"({d})" for d in dims) + ", ()"
    flags = ", ".join(f"grouping({d}) AS g_{d}" for d in dims)
    sql = f"""
        WITH den AS (SELECT DISTINCT patient_id FROM ({den_sql}) d),
             num AS (SELECT DISTINCT patient_id FROM ({num_sql}) n),
             flag AS (SELECT den.patient_id,
                             CASE WHEN num.patient_id IS NULL THEN 0 ELSE 1 END AS hit
                      FROM den LEFT JOIN num ON den.patient_id = num.patient_id)
        SELECT {', '.join(dims)}, {flags},
               count(*) AS denominator, sum(hit) AS numerator
        FROM flag JOIN pdim ON flag.patient_id = pdim.patient_id
        GROUP BY GROUPING SETS ({sets})"""
    rows = []
    saw_overall = False
    for rec in con.execute(sql).fetchall():
        labels = rec[: len(dims)]
        grouped = rec[len(dims): 2 * len(dims)]
        den, num = int(rec[-2]), int(rec[-1] or 0)
        present = [i for i, g in enumerate(grouped) if g == 0]
        if not present:
            saw_overall = True
            rows.append((m["id"], "overall", "All", num, den))
        else:
            i = present[0]
            rows.append((m["id"], dims[i], str(labels[i]), num, den))
    if not saw_overall:
        rows.append((m["id"], "overall", "All", 0, 0))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("year", type=int)
    ap.add_argument("out", type=Path)
    ap.add_argument("--area-index", type=Path, default=None,
                    help="zip,index CSV (default: DATA_DIR/area_index.csv if present)")
    ap.add_argument("--measures", type=Path, default=BUILTIN, help="measure TOML")
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()

    area = args.area_index
    if area is None and (args.data_dir / "area_index.csv").is_file():
        area = args.data_dir / "area_index.csv"
    t0 = time.perf_counter()
    con = duckdb.connect(":memory:")
    if args.threads:
        con.execute(f"SET threads = {args.threads}")
    has_area = open_tables(con, args.data_dir, area)
    dims = [d for d in DIMENSIONS if has_area or d != "area_quintile"]
    start, end = set_period(con, args.year, has_area)
    out = []
    for m in load_measures(args.measures):
        out.extend(measure_counts(con, m, start, end, dims))
    write_counts(args.out, out)
    print(f"duckdb: {len(out)} rows in {time.perf_counter() - t0:.2f} s", file=sys.stderr)


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
