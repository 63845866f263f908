"""Derives heat_noninteger_populations.json: healthequal's logistic SII and RII, and its ACI
and RCI, on a HEAT-style ordered dimension whose populations are not whole numbers, by the
steps of the published R code (WHOequity/healthequal R/sii.R, R/rii.R, R/aci.R, R/rci.R),
with statsmodels' GLM and OLS in place of R's glm.

  SII/RII: pop <- ceiling(pop); y <- round(est/scale*pop); ranks from cumsum(ceiling(pop));
           glm(cbind(y, pop - y) ~ rank, weights = pop, quasibinomial); marginaleffects
           contrasts of rank 1 vs 0 with vcov = "HC1".
  ACI/RCI: ranks from the populations as given; lm(2*sigma2*est*sqrt(pop) ~ 0 + rank*sqrt(pop)
           + sqrt(pop)) (est/mean for RCI); se from the OLS covariance.

statsmodels' "HC1" for a GLM carries no n/(n-k) factor; sandwich's does, so it is applied here.
The check at the top reproduces healthequal's own test-sii.R / test-rii.R expectations.

Run: python3 -m venv /tmp/sm && /tmp/sm/bin/pip install statsmodels && /tmp/sm/bin/python THIS
"""
import json
import math

import numpy as np
import statsmodels.api as sm

Z = 1.959963984540054


def ranks(pop):
    cum = np.cumsum(pop)
    return (cum - pop / 2) / pop.sum()


def logistic(pop, est, scale):
    n = np.ceil(np.asarray(pop, float))
    y = np.round(np.asarray(est, float) / scale * n)  # numpy, like R, rounds half to even
    r = ranks(n)
    fit = sm.GLM(y / n, sm.add_constant(r), family=sm.families.Binomial(), var_weights=n * n).fit(
        cov_type="HC1"
    )
    j = len(n)
    cov = fit.cov_params() * j / (j - 2)
    b0, b1 = fit.params
    p0, p1 = 1 / (1 + math.exp(-b0)), 1 / (1 + math.exp(-(b0 + b1)))
    g_sii = np.array([p1 * (1 - p1) - p0 * (1 - p0), p1 * (1 - p1)])
    g_lnrii = np.array([p0 - p1, 1 - p1])
    sii_se = float(np.sqrt(g_sii @ cov @ g_sii))  # on the 0-1 scale, as healthequal prints it
    rii_se = float(np.sqrt(g_lnrii @ cov @ g_lnrii))  # of ln RII
    sii = scale * (p1 - p0)
    rii = p1 / p0
    return {
        "sii": {"estimate": sii, "se": sii_se, "lowerci": sii - Z * sii_se * scale, "upperci": sii + Z * sii_se * scale},
        "rii": {"estimate": rii, "se": rii_se, "lowerci": rii * math.exp(-Z * rii_se), "upperci": rii * math.exp(Z * rii_se)},
    }


def concentration(pop, est, relative):
    pop = np.asarray(pop, float)
    est = np.asarray(est, float)
    r = ranks(pop)
    share = pop / pop.sum()
    sigma2 = float((share * (r - 0.5) ** 2).sum())
    mean = float((share * est).sum())
    k = mean if relative else 1.0
    root = np.sqrt(pop)
    lhs = 2 * sigma2 * (est / k) * root
    fit = sm.OLS(lhs, np.column_stack([r * root, root])).fit()
    value, se = float(fit.params[0]), float(fit.bse[0])
    return {"estimate": value, "se": se, "lowerci": value - Z * se, "upperci": value + Z * se}


check = logistic([78, 91, 162, 103, 105], [20, 30, 40, 50, 60], 100)
assert abs(check["sii"]["estimate"] - 44.44502) < 1e-5 and abs(check["sii"]["se"] - 0.02190822) < 1e-8
assert abs(check["rii"]["estimate"] - 3.159506) < 1e-6 and abs(check["rii"]["se"] - 0.07644001) < 1e-8
check = concentration([78, 91, 162, 103, 105], [20, 30, 40, 50, 60], False)
assert abs(check["estimate"] / 7.3284202 - 1) < 1e-6 and abs(check["se"] / 0.29368517 - 1) < 1e-6  # the test tolerance

pop = [1234.6, 871.2, 3010.5, 455.9, 1702.3]
est = [35.2, 41.7, 50.3, 58.9, 66.4]
out = {
    "source": "derived by derive_heat_noninteger.py from the published healthequal R code (see its docstring); statsmodels 0.15 fits the models",
    "dataset": {"pop": pop, "est": est, "subgroup_order": [1, 2, 3, 4, 5], "favourable_indicator": 1, "scaleval": 100},
    "expected": {
        **logistic(pop, est, 100),
        "aci": concentration(pop, est, False),
        "rci": concentration(pop, est, True),
    },
    "notes": "SII se on the 0-1 scale and RII se of ln RII, as healthequal prints them; ACI/RCI rank by the populations as given.",
}
print(json.dumps(out, indent=2))
