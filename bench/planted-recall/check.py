"""Checks `rise analyze`'s inequities.csv against the generator's truth.json (see run)."""
import csv
import sys

truth_path, ineq_path = sys.argv[1], sys.argv[2]
import json

truth = json.load(open(truth_path))
rows = list(csv.DictReader(open(ineq_path, newline="")))
by = {(r["measure"], r["dimension"]): r for r in rows}
ok = True
for p in truth["planted"]:
    r = by.get((p["measure"], p["dimension"]))
    if not r or r["headline"] != "true" or r["worst_group"] != p["group"]:
        ok = False
        print(f"  MISSED {p['measure']} by {p['dimension']}: {r and (r['headline'], r['worst_group'], r['q_value'])}")
    else:
        print(f"  found  {p['measure']} by {p['dimension']}: {p['group']} {float(r['gap_points']):.1f} points behind, q {r['p_value_text']}")
allowed = {(p["measure"], d) for p in truth["planted"] for d in [p["dimension"], *p["also_visible_in"]]}
# The screen controls the false-discovery rate at 5 %: one false headline is within it.
extra = 0
for r in rows:
    if r["headline"] == "true" and (r["measure"], r["dimension"]) not in allowed:
        extra += 1
        ok = ok and extra <= 1
        print(f"  EXTRA  {r['measure']} by {r['dimension']}: {r['worst_group']} vs {r['comparison_group']}, q {r['q_value']}")
sys.exit(0 if ok else 1)
