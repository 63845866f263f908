"""Reference values for rise_stats::comparison, computed by statsmodels (not by Rise).

    python derive_two_group.py > two_group_statsmodels.json

Difference: confint_proportions_2indep(method="newcomb", compare="diff") — Newcombe (1998)
method 10. Ratio: compare="ratio", method="log" (Katz). Cases: the eight examples of Newcombe's
Table II, then counts of the sizes Rise meets (a few hundred to a million people per group).
"""
import json
import statsmodels
from statsmodels.stats.proportion import confint_proportions_2indep

CASES = [
    # Newcombe (1998), Table II, examples (a)-(h).
    (56, 70, 48, 80), (9, 10, 3, 10), (6, 7, 2, 7), (5, 56, 0, 29),
    (0, 10, 0, 20), (0, 10, 0, 10), (10, 10, 0, 20), (10, 10, 0, 10),
    # Sizes of Rise's data sets.
    (663, 1000, 462, 1000), (4551, 10000, 4800, 10000), (17, 1200, 15, 1000),
    (80000, 100000, 74100, 100000), (250123, 400000, 300500, 420000), (3, 40, 9, 41),
]
out = []
for x1, n1, x2, n2 in CASES:
    for conf in (0.95, 0.998):
        d_lo, d_hi = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff", alpha=1 - conf)
        row = {"x1": x1, "n1": n1, "x2": x2, "n2": n2, "confidence": conf,
               "difference": x1 / n1 - x2 / n2, "difference_lower": float(d_lo), "difference_upper": float(d_hi)}
        if x1 > 0 and x2 > 0:
            r_lo, r_hi = confint_proportions_2indep(x1, n1, x2, n2, method="log", compare="ratio", alpha=1 - conf)
            row.update({"ratio": (x1 / n1) / (x2 / n2), "ratio_lower": float(r_lo), "ratio_upper": float(r_hi)})
        out.append(row)
print(json.dumps({"source": f"statsmodels {statsmodels.__version__}, confint_proportions_2indep", "cases": out}, indent=1))
