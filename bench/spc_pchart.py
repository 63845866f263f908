"""The contender for `cargo bench -p rise-spc`: the same p-charts (100 groups x 36 periods,
Anhøj rules) written the way an analyst would in numpy/pandas, timed with timeit.

Run by bench/spc; prints one line: microseconds per 100 charts.
"""
import math
import timeit

import numpy as np


def data():
    groups = []
    for g in range(100):
        n = np.array([80.0 + ((g * 7 + t * 13) % 60) for t in range(36)])
        rate = 0.15 + 0.1 * (g / 99.0) + 0.03 * np.sin(np.arange(36) * 0.9)
        groups.append((np.round(rate * n), n))
    return groups


def qbinom05(m):
    """R's qbinom(0.05, m, 0.5): the smallest c with P(X <= c) >= 0.05."""
    cdf = np.cumsum([math.comb(m, k) for k in range(m + 1)]) / 2.0**m
    return int(np.searchsorted(cdf, 0.05))


def p_chart(y, n):
    cl = y.sum() / n.sum()
    sigma = np.sqrt(cl * (1 - cl) / n)
    p = y / n
    ucl = np.minimum(cl + 3 * sigma, 1.0)
    lcl = np.maximum(cl - 3 * sigma, 0.0)
    sigma_signal = (p > ucl) | (p < lcl)
    s = np.sign(p - cl)
    s = s[s != 0]
    n_useful = len(s)
    change = np.flatnonzero(np.diff(s) != 0)
    runs = np.diff(np.concatenate(([-1], change, [n_useful - 1])))
    longest, crossings = runs.max(), len(runs) - 1
    runs_signal = longest > round(math.log2(n_useful)) + 3 or crossings < qbinom05(n_useful - 1)
    return ucl, lcl, sigma_signal, runs_signal


def main():
    groups = data()
    reps = 50
    t = timeit.timeit(lambda: [p_chart(y, n) for y, n in groups], number=reps)
    print(f"{t / reps * 1e6:.0f}")


if __name__ == "__main__":
    main()
