#!/usr/bin/env python3
"""Checks that two count files agree exactly, row for row.

Usage: compare.py A.csv B.csv [--period LABEL] [--max-show N]

Each file is either
  * a count file of duckdb_counts.py / pandas_counts.py:
      measure,dimension,subgroup,numerator,denominator
  * Rise's aggregates.csv (rise analyze --no-suppression):
      measure,dimension,subgroup,period,numerator,denominator,suppressed
    possibly after '#' comment lines; only rows of one period are kept (--period, default:
    the only period whose label is a bare year, e.g. 2024).

A (measure, dimension, subgroup) key present in one file only is a mismatch too, except that a
subgroup with a zero denominator counts as absent (Rise leaves empty subgroups out).

Exit status: 0 when the files agree, 1 when any row differs, 2 on unreadable input.
"""

import argparse
import csv
import sys
from collections import defaultdict

KEY = ("measure", "dimension", "subgroup")


def read_counts(path, period):
    with open(path, newline="") as f:
        lines = [ln for ln in f if not ln.startswith("#")]
    reader = csv.DictReader(lines)
    cols = reader.fieldnames or []
    missing = [c for c in KEY + ("numerator", "denominator") if c not in cols]
    if missing:
        raise ValueError(f"{path}: no column(s) {', '.join(missing)}")
    rows = list(reader)
    if "period" in cols:
        labels = sorted({r["period"] for r in rows})
        if period is None:
            years = [p for p in labels if p.isdigit()]
            if len(years) != 1:
                raise ValueError(f"{path}: periods {labels}; choose one with --period")
            period = years[0]
        rows = [r for r in rows if r["period"] == period]
        if not rows:
            raise ValueError(f"{path}: no rows for period {period} (has {labels})")
    if "suppressed" in cols and any(r["suppressed"].strip().lower() == "true" for r in rows):
        raise ValueError(f"{path}: has suppressed rows; run rise analyze with --no-suppression")
    out = {}
    for r in rows:
        k = tuple(r[c] for c in KEY)
        if k in out:
            raise ValueError(f"{path}: row {k} appears twice")
        out[k] = (int(r["numerator"]), int(r["denominator"]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--period", default=None, help="period label of aggregates.csv rows")
    ap.add_argument("--max-show", type=int, default=40)
    args = ap.parse_args()
    try:
        a = read_counts(args.a, args.period)
        b = read_counts(args.b, args.period)
    except (OSError, ValueError, KeyError) as e:
        print(f"compare: {e}", file=sys.stderr)
        return 2

    bad = []
    for k in sorted(set(a) | set(b)):
        va, vb = a.get(k), b.get(k)
        if va == vb:
            continue
        # An absent subgroup and one with nothing in it are the same thing.
        if (va is None and vb[1] == 0) or (vb is None and va[1] == 0):
            continue
        bad.append((k, va, vb))

    if not bad:
        print(f"agree: {len(a)} rows of {args.a} = {len(b)} rows of {args.b}")
        return 0
    print(f"DISAGREE: {len(bad)} rows differ between {args.a} (A) and {args.b} (B)")
    show(bad, "differing rows", args.max_show)
    return 1


def show(bad, title, limit):
    if not bad:
        return
    by_pair = defaultdict(int)
    for (m, d, _), _, _ in bad:
        by_pair[(m, d)] += 1
    print(f"{title}: {len(bad)}")
    print("  by measure/dimension: " + ", ".join(
        f"{m}/{d}:{n}" for (m, d), n in sorted(by_pair.items())))
    w = max(len("/".join(k)) for k, _, _ in bad[:limit])
    print(f"  {'measure/dimension/subgroup':<{w}}  {'A num/den':>17}  {'B num/den':>17}")
    for k, va, vb in bad[:limit]:
        fa = f"{va[0]}/{va[1]}" if va else "-"
        fb = f"{vb[0]}/{vb[1]}" if vb else "-"
        print(f"  {'/'.join(k):<{w}}  {fa:>17}  {fb:>17}")
    if len(bad) > limit:
        print(f"  … and {len(bad) - limit} more")


if __name__ == "__main__":
    sys.exit(main())
