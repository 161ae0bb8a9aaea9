"""Uncertainty with few articles per outlet: article-level intervals, permutation tests, FDR.

The article is the unit of uncertainty: sentences of one article are not independent, so
intervals resample articles (cluster bootstrap) and tests permute article labels. With tiny
groups the resampling is nearly degenerate, so the rules depend on the number of articles n
(see METHODS.md, "Uncertainty with few articles per outlet"):

- n = 1: point estimate and n only, no interval, no tests;
- n = 2..4: each article's value and the mean (the interval is the range of the articles);
  exact permutation tests with their smallest attainable p stated;
- n >= 5: percentile cluster-bootstrap interval of the article mean (the interval of
  scipy.stats.bootstrap, with the resamples drawn once per group size for all groups);
  permutation tests (exact when the number of splits is small, else the random splits
  scipy.stats.permutation_test draws).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import scipy.stats

__all__ = ["summarize", "permutation_test", "bh", "compare_groups", "SMALL_N"]

#: Largest group size for which the interval is the range of the article values.
SMALL_N = 4

# Bootstrap memory bounds: resample indices are drawn about this many at a time, and at most
# this many groups of one size are bootstrapped together (their means: n_resamples x groups).
_DRAW_CHUNK = 250_000
_CELL_CHUNK = 2_000
# values per batch of scipy's permutation test (bounds its memory for large groups)
_PERMUTATION_CELLS = 4_000_000


def _as_list(by) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    return list(by)


def _bootstrap_means(x: np.ndarray, n_resamples: int, seed) -> np.ndarray:
    """Bootstrap distribution of the mean of each row of `x` (groups x n articles): an array
    (n_resamples, groups).

    The resamples are the ones scipy.stats.bootstrap draws for one sample of n values with
    ``np.random.default_rng(seed)``: ``rng.integers(0, n, (n_resamples, n))`` (drawn here a few
    rows at a time, which gives the same stream). They depend only on n, so one draw serves
    every row: with counts[b, i] the number of times article i is in resample b, the resample
    means are counts @ x.T / n (scipy sums each resample's values; the two sums agree up to
    rounding, about 1e-16 relative).
    """
    n = x.shape[1]
    rng = np.random.default_rng(seed)
    means = np.empty((n_resamples, len(x)))
    step = max(1, _DRAW_CHUNK // n)
    for start in range(0, n_resamples, step):
        rows = min(step, n_resamples - start)
        idx = rng.integers(0, n, (rows, n))
        idx += n * np.arange(rows)[:, None]
        counts = np.bincount(idx.ravel(), minlength=rows * n).reshape(rows, n)
        # einsum, not a BLAS matmul: BLAS threads would spin on the other core meanwhile
        means[start:start + rows] = np.einsum("bi,gi->bg", counts.astype(float), x)
    return means / n


def summarize(
    values: pd.DataFrame,
    value: str | Sequence[str],
    by: str | Sequence[str] | None = "outlet",
    unit: str = "doc_id",
    ci: float = 0.95,
    n_resamples: int = 2000,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Article-weighted mean of `value` per group, with an interval that follows the small-n rules.

    `values` has one row per article (column `unit`) with an article-level value column `value`
    and the group column(s) `by` (None: one overall group). Rows sharing a unit within a group
    are averaged first, so the article stays the unit; articles whose value is NaN are left out.
    `value` may be a list of columns: each is summarized on its own (its own NaNs left out)
    in one pass, and the output gets a column ``variable`` naming it.

    Returns one row per group (per group x variable), sorted by `by` (then variable, in the
    order given), with columns:
    by..., [variable,] n_articles, mean, ci_low, ci_high, interval (str), article_values (list
    of floats, in unit order, filled only when n_articles <= 4, else an empty list).
    interval is "n=0: no data" (a group with no value of that variable; mean, ci_low and
    ci_high NaN), "n=1: no interval" (ci_low/ci_high NaN), "range of n articles" for n = 2..4
    (ci_low = min, ci_high = max of the article values), or "95% bootstrap over articles"
    (percentile bootstrap of the article mean, the article resampled as a cluster) for n >= 5.
    The bootstrap interval is, up to floating-point rounding (about 1e-12 relative), the one
    ``scipy.stats.bootstrap((x,), np.mean, method="percentile", n_resamples=n_resamples,
    confidence_level=ci)`` gives with ``np.random.default_rng(seed)`` for each group: the same
    resamples, their means summed in another order. As every group starts from the same seed,
    groups of the same size share their resamples, which are drawn once (see
    :func:`_bootstrap_means`). Groups whose articles all have the same value get that value
    as both bounds.
    """
    keys = _as_list(by)
    cols = [value] if isinstance(value, str) else list(value)
    missing = [c for c in [*keys, unit, *cols] if c not in values.columns]
    if missing:
        raise KeyError(f"summarize: columns {missing} not in the input (has {list(values.columns)})")
    if not 0 < ci < 1:
        raise ValueError(f"summarize: ci must be between 0 and 1, got {ci}")
    if not isinstance(value, str) and ("variable" in keys or len(set(cols)) < len(cols)):
        raise ValueError(f"summarize: value columns {cols} must be distinct and the groups "
                         "must not be called 'variable' (the output column naming them)")
    df = values[[*keys, unit]].copy()
    for c in cols:
        df[c] = pd.to_numeric(values[c], errors="coerce").astype(float)
    per_unit = df.groupby([*keys, unit], sort=True, dropna=False)[cols].mean()

    # Groups: runs of equal keys in the sorted per-unit table. Cells: group x value column.
    if keys:
        codes = np.array(per_unit.index.codes[:len(keys)])
        first = np.ones(len(per_unit), dtype=bool)
        first[1:] = (codes[:, 1:] != codes[:, :-1]).any(axis=0)
        starts, group = np.flatnonzero(first), np.cumsum(first) - 1
    else:
        starts, group = np.zeros(1, dtype=int), np.zeros(len(per_unit), dtype=int)
    k = len(cols)
    n_cells = len(starts) * k
    cell = (group[:, None] * k + np.arange(k)).ravel()
    v = per_unit.to_numpy(dtype=float).ravel()
    cell, v = cell[~np.isnan(v)], v[~np.isnan(v)]
    n = np.bincount(cell, minlength=n_cells)
    # Values grouped by cell size, then cell, in unit order: each size is a (cells, n) block.
    v = v[np.argsort(n[cell] * n_cells + cell, kind="stable")]
    by_size = np.argsort(n, kind="stable")

    mean, low, high = (np.full(n_cells, math.nan) for _ in range(3))
    label = np.full(n_cells, "n=0: no data", dtype=object)
    article_values: list[list[float]] = [[] for _ in range(n_cells)]
    boot_label = f"{ci * 100:g}% bootstrap over articles"
    alpha = (1 - ci) / 2  # as scipy.stats.bootstrap computes the percentiles
    q = [alpha * 100, (1 - alpha) * 100]
    pos = done = 0
    for size, count in zip(*np.unique(n, return_counts=True)):
        ids = by_size[done:done + count]
        done += count
        if size == 0:
            continue
        x = v[pos:pos + size * count].reshape(count, size)
        pos += size * count
        mean[ids] = x.mean(axis=1)
        if size <= SMALL_N:
            for i, row in zip(ids, x.tolist()):
                article_values[i] = row
            if size == 1:
                label[ids] = "n=1: no interval"
            else:
                low[ids], high[ids] = x.min(axis=1), x.max(axis=1)
                label[ids] = f"range of {size} articles"
            continue
        label[ids] = boot_label
        const = x.min(axis=1) == x.max(axis=1)  # every resample has that value too
        low[ids[const]] = high[ids[const]] = x[const, 0]
        vary = np.flatnonzero(~const)
        for s in range(0, len(vary), _CELL_CHUNK):
            rows = vary[s:s + _CELL_CHUNK]
            boot = _bootstrap_means(x[rows], n_resamples, seed)
            low[ids[rows]], high[ids[rows]] = np.percentile(boot, q, axis=0)

    out = pd.DataFrame({key: per_unit.index.get_level_values(j)[starts].repeat(k)
                        for j, key in enumerate(keys)})
    if not isinstance(value, str):
        out["variable"] = np.tile(np.array(cols, dtype=object), len(starts))
    out["n_articles"] = n.astype(int)
    out["mean"], out["ci_low"], out["ci_high"] = mean, low, high
    out["interval"] = label
    out["article_values"] = article_values
    return out


def _mean_difference(a, b, axis=-1):
    return np.mean(a, axis=axis) - np.mean(b, axis=axis)


def _random_splits_null(a: np.ndarray, b: np.ndarray, stat: Callable, n_resamples: int,
                        seed) -> np.ndarray:
    """`stat` on `n_resamples` random relabellings of the pooled values: the null distribution
    scipy.stats.permutation_test (independent samples, vectorised statistic) computes with
    ``np.random.default_rng(seed)``, from the same resamples. scipy draws one
    ``rng.permutation(n)`` of the positions per resample and takes the values at them; here
    each row of a batch, a copy of the pooled values, is shuffled in place. A shuffle's swaps
    depend only on n and the generator, not on the values or (for 8-byte items) their type,
    so each row is the pooled values at scipy's permutation, without gathering them."""
    pooled = np.concatenate([a, b]).astype(np.float64)
    n, n_a = len(pooled), len(a)
    rng = np.random.default_rng(seed)
    null = np.empty(n_resamples)
    step = max(1, _PERMUTATION_CELLS // n)
    for start in range(0, n_resamples, step):
        rows = min(step, n_resamples - start)
        values = np.empty((rows, n))
        values[:] = pooled
        for row in values:
            rng.shuffle(row)
        null[start:start + rows] = stat(values[:, :n_a], values[:, n_a:], axis=-1)
    return null


def permutation_test(
    a,
    b,
    statistic: Callable | None = None,
    n_resamples: int = 9999,
    seed: int | None = 0,
    alternative: str = "two-sided",
) -> dict:
    """Permutation test of two groups of article-level values (the article is what is permuted).

    `statistic(a, b)` defaults to the difference in means, mean(a) - mean(b); a custom one must
    accept an `axis` keyword (vectorised over the last axis). NaN values are dropped.
    When the number of splits C(n_a + n_b, n_a) is at most `n_resamples`, every split is
    enumerated (itertools.combinations over positions) and the p-value is exact; otherwise
    `n_resamples` random splits are drawn with ``np.random.default_rng(seed)``, the ones
    scipy.stats.permutation_test draws, and p is scipy's (the observed split counted once
    more). Two-sided p is twice the smaller one-sided p (capped at 1), as in scipy.

    Returns dict(statistic, p_value, exact (bool), n_splits, min_p, n_a, n_b, alternative):
    min_p is the smallest p the design can reach, e.g. 2 / C(n_a + n_b, n_a) two-sided
    (1 vs 3: 0.5; 2 vs 3: 0.2; 3 vs 3: 0.1; 5 vs 5: 2/252), or the Monte Carlo floor
    2 / (n_resamples + 1) when not exact.
    """
    if alternative not in ("two-sided", "greater", "less"):
        raise ValueError(f"permutation_test: unknown alternative {alternative!r}")
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    n_a, n_b = len(a), len(b)
    if n_a == 0 or n_b == 0:
        raise ValueError(f"permutation_test: both groups need values (got {n_a} and {n_b})")
    stat = statistic or _mean_difference
    n_splits = math.comb(n_a + n_b, n_a)
    sides = 2 if alternative == "two-sided" else 1
    observed = float(stat(a, b, axis=-1))

    if n_splits <= n_resamples:
        pooled = np.concatenate([a, b])
        mask = np.zeros((n_splits, n_a + n_b), dtype=bool)
        for i, idx in enumerate(itertools.combinations(range(n_a + n_b), n_a)):
            mask[i, list(idx)] = True
        # Each row holds group a's values first, then group b's, in original order.
        side_a = np.broadcast_to(pooled, mask.shape)[mask].reshape(n_splits, n_a)
        side_b = np.broadcast_to(pooled, mask.shape)[~mask].reshape(n_splits, n_b)
        null = np.asarray(stat(side_a, side_b, axis=-1), dtype=float)
        gamma = np.finfo(float).eps * 100 * max(1.0, abs(observed))
        p_greater = np.count_nonzero(null >= observed - gamma) / n_splits
        p_less = np.count_nonzero(null <= observed + gamma) / n_splits
        exact, min_p = True, min(1.0, sides / n_splits)
    else:
        null = _random_splits_null(a, b, stat, n_resamples, seed)
        # as scipy.stats.permutation_test counts them: the observed labelling is one more
        gamma = abs(np.finfo(float).eps * 100 * observed)
        p_greater = (np.count_nonzero(null >= observed - gamma) + 1) / (n_resamples + 1)
        p_less = (np.count_nonzero(null <= observed + gamma) + 1) / (n_resamples + 1)
        exact, min_p = False, min(1.0, sides / (n_resamples + 1))
    p = {"greater": p_greater, "less": p_less}.get(alternative, min(1.0, 2 * min(p_greater, p_less)))
    return {
        "statistic": observed,
        "p_value": float(p),
        "exact": exact,
        "n_splits": n_splits,
        "min_p": float(min_p),
        "n_a": n_a,
        "n_b": n_b,
        "alternative": alternative,
    }


def bh(pvalues):
    """Benjamini–Hochberg q-values; NaN p-values stay NaN and do not count as tests.

    Accepts a sequence, array or Series; returns the same shape (a Series keeps its index).
    """
    series = pvalues if isinstance(pvalues, pd.Series) else None
    p = np.asarray(pvalues, dtype=float)
    q = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        q[ok] = scipy.stats.false_discovery_control(p[ok], method="bh")
    if series is not None:
        return pd.Series(q, index=series.index, name=series.name)
    return q


def compare_groups(
    values: pd.DataFrame,
    value: str,
    by: str = "outlet",
    unit: str = "doc_id",
    within: str | Sequence[str] | None = None,
    n_resamples: int = 9999,
    seed: int | None = 0,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Pairwise permutation tests of `value` between the groups of `by`, with BH q-values.

    `values` has one row per article (rows sharing a unit are averaged). Only groups with at
    least 2 articles are compared; smaller ones are listed in `.attrs["skipped"]` (a list of
    dicts with keys within..., by, n_articles; a list so the table still concatenates). With `within` (e.g. "vector"), groups are compared inside each
    level of that column, and BH runs over all comparisons of the table.

    Returns one row per pair, sorted by within..., <by>_a, <by>_b, with columns:
    within..., <by>_a, <by>_b, n_a, n_b, mean_a, mean_b, difference (mean_a - mean_b),
    p_value, exact, n_splits, min_p, q_value, note ("" or a statement that the test cannot
    reach p < alpha given the group sizes).
    """
    outer = _as_list(within)
    missing = [c for c in [*outer, by, unit, value] if c not in values.columns]
    if missing:
        raise KeyError(f"compare_groups: columns {missing} not in the input")
    df = values[[*outer, by, unit, value]].copy()
    df[value] = pd.to_numeric(df[value], errors="coerce").astype(float)
    df = df.groupby([*outer, by, unit], sort=True)[value].mean().dropna().reset_index()

    rows, skipped = [], []
    outer_groups = df.groupby(outer, sort=True) if outer else [((), df)]
    for okey, sub in outer_groups:
        okey = okey if isinstance(okey, tuple) else (okey,)
        base = dict(zip(outer, okey))
        groups = {g: s[value].to_numpy() for g, s in sub.groupby(by, sort=True)}
        for g, x in groups.items():
            if len(x) < 2:
                skipped.append({**base, by: g, "n_articles": len(x)})
        testable = [g for g, x in groups.items() if len(x) >= 2]
        for ga, gb in itertools.combinations(testable, 2):
            xa, xb = groups[ga], groups[gb]
            res = permutation_test(xa, xb, n_resamples=n_resamples, seed=seed)
            note = ""
            if res["min_p"] >= alpha:
                note = (
                    f"cannot reach p < {alpha:g}: {len(xa)} vs {len(xb)} articles, "
                    f"smallest possible p = {res['min_p']:.3g}"
                )
            rows.append(
                {
                    **base,
                    f"{by}_a": ga,
                    f"{by}_b": gb,
                    "n_a": len(xa),
                    "n_b": len(xb),
                    "mean_a": float(xa.mean()),
                    "mean_b": float(xb.mean()),
                    "difference": res["statistic"],
                    "p_value": res["p_value"],
                    "exact": res["exact"],
                    "n_splits": res["n_splits"],
                    "min_p": res["min_p"],
                    "note": note,
                }
            )
    cols = [*outer, f"{by}_a", f"{by}_b", "n_a", "n_b", "mean_a", "mean_b", "difference",
            "p_value", "exact", "n_splits", "min_p", "q_value", "note"]
    out = pd.DataFrame(rows, columns=[c for c in cols if c != "q_value"])
    out["q_value"] = bh(out["p_value"].to_numpy()) if len(out) else pd.Series(dtype=float)
    out = out[cols].sort_values([*outer, f"{by}_a", f"{by}_b"]).reset_index(drop=True)
    out.attrs["skipped"] = skipped
    return out



def stratified_permutation_test(
    a,
    b,
    strata_a,
    strata_b,
    n_resamples: int = 9999,
    seed: int | None = 0,
    alternative: str = "two-sided",
) -> dict:
    """Permutation test of two groups of article-level values whose labels are shuffled only
    within strata (e.g. periods), so that a difference between the strata - one group's
    articles are from 2013, the other's from 2022 - is not taken for a difference between the
    groups (docs/methods.md, "Change over time").

    `a`, `b`: the two groups' values; `strata_a`, `strata_b`: the stratum of each value (any
    hashable labels). NaN values are dropped. Only strata that hold values of both groups say
    anything about the difference; the others are left out, values and all.

    Statistic: the weighted mean over those strata of mean(a_s) - mean(b_s), with weight
    w_s = n_a_s * n_b_s / (n_a_s + n_b_s), the inverse of 1/n_a_s + 1/n_b_s (to which the
    variance of a difference in means is proportional when the variances are equal): a
    stratum counts as much as its smaller side allows. With one stratum it is the difference
    in means of :func:`permutation_test`.

    A relabelling keeps n_a_s values of stratum s in group a. When their number, the product
    over strata of C(n_s, n_a_s), is at most `n_resamples`, every one is enumerated and p is
    exact; otherwise `n_resamples` random ones are drawn (each stratum shuffled on its own,
    ``np.random.default_rng(seed)``) and the observed labelling counts once more, as in
    :func:`permutation_test`. Two-sided p is twice the smaller one-sided p (capped at 1).

    Returns dict(statistic, p_value, exact, n_splits, min_p, n_a, n_b, n_strata,
    alternative); n_a, n_b count the values in the strata used. Raises ValueError when no
    stratum holds values of both groups (nothing to compare).
    """
    a, b = np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()
    strata_a = np.asarray(strata_a, dtype=object).ravel()
    strata_b = np.asarray(strata_b, dtype=object).ravel()
    if len(a) != len(strata_a) or len(b) != len(strata_b):
        raise ValueError(f"stratified_permutation_test: {len(a)} and {len(b)} values but "
                         f"{len(strata_a)} and {len(strata_b)} strata")
    keep_a, keep_b = ~np.isnan(a), ~np.isnan(b)
    return stratified_permutation_tests(a[keep_a, None], b[keep_b, None], strata_a[keep_a],
                                        strata_b[keep_b], n_resamples=n_resamples, seed=seed,
                                        alternative=alternative)[0]


def stratified_permutation_tests(
    a,
    b,
    strata_a,
    strata_b,
    n_resamples: int = 9999,
    seed: int | None = 0,
    alternative: str = "two-sided",
) -> list[dict]:
    """:func:`stratified_permutation_test` of several measures of the same articles at once:
    `a` (n_a x k) and `b` (n_b x k) hold k values per article (e.g. the share of each frame),
    without NaN; every column is tested with the same relabellings. Returns one dict per
    column, each what :func:`stratified_permutation_test` returns for that column: a
    relabelling depends only on the strata and their sizes, not on the values, so drawing
    them once gives every column the relabellings it would get on its own."""
    if alternative not in ("two-sided", "greater", "less"):
        raise ValueError(f"stratified_permutation_test: unknown alternative {alternative!r}")
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError("stratified_permutation_tests: a and b must be 2-D with the same columns")
    if np.isnan(a).any() or np.isnan(b).any():
        raise ValueError("stratified_permutation_tests: drop the articles with NaN values first")
    strata_a = np.asarray(strata_a, dtype=object).ravel()
    strata_b = np.asarray(strata_b, dtype=object).ravel()
    in_b = set(strata_b.tolist())
    shared = [s for s in dict.fromkeys(strata_a.tolist()) if s in in_b]
    if not shared:
        raise ValueError("stratified_permutation_test: no stratum holds values of both groups")

    # per stratum: its pooled values (group a's first), n_a, n_b and weight
    strata = []
    for s in shared:
        xa, xb = a[strata_a == s], b[strata_b == s]
        strata.append((np.concatenate([xa, xb]), len(xa), len(xb),
                       len(xa) * len(xb) / (len(xa) + len(xb))))
    total_weight = sum(w for *_, w in strata)

    def difference(sum_a, pooled, n_a, n_b):
        """mean(a) - mean(b) in one stratum (per column), from the sums labelled a."""
        return sum_a / n_a - (pooled.sum(axis=0) - sum_a) / n_b

    observed = sum(w * difference(pooled[:n_a].sum(axis=0), pooled, n_a, n_b)
                   for pooled, n_a, n_b, w in strata) / total_weight
    n_splits = math.prod(math.comb(n_a + n_b, n_a) for _, n_a, n_b, _ in strata)
    sides = 2 if alternative == "two-sided" else 1
    k = a.shape[1]

    if n_splits <= n_resamples:
        # each stratum's weighted differences over all its splits, then every combination of
        # one split per stratum: their sums (n_splits rows in all)
        null = np.zeros((1, k))
        for pooled, n_a, n_b, w in strata:
            sums = np.array([pooled[list(idx)].sum(axis=0)
                             for idx in itertools.combinations(range(n_a + n_b), n_a)])
            d = w * difference(sums, pooled, n_a, n_b)
            null = (null[:, None, :] + d[None, :, :]).reshape(-1, k)
        null = null / total_weight
        gamma = np.finfo(float).eps * 100 * np.maximum(1.0, np.abs(observed))
        p_greater = np.count_nonzero(null >= observed - gamma, axis=0) / n_splits
        p_less = np.count_nonzero(null <= observed + gamma, axis=0) / n_splits
        exact, min_p = True, min(1.0, sides / n_splits)
    else:
        rng = np.random.default_rng(seed)
        null = np.zeros((n_resamples, k))
        for pooled, n_a, n_b, w in strata:
            n = n_a + n_b
            step = max(1, _PERMUTATION_CELLS // n)
            for start in range(0, n_resamples, step):
                rows = min(step, n_resamples - start)
                # a random relabelling of each row: the first n_a positions of a shuffle
                chosen = rng.permuted(np.tile(np.arange(n), (rows, 1)), axis=1)[:, :n_a]
                sums = np.stack([pooled[chosen, j].sum(axis=1) for j in range(k)], axis=1)
                null[start:start + rows] += w * difference(sums, pooled, n_a, n_b)
        null /= total_weight
        gamma = np.abs(np.finfo(float).eps * 100 * observed)
        p_greater = (np.count_nonzero(null >= observed - gamma, axis=0) + 1) / (n_resamples + 1)
        p_less = (np.count_nonzero(null <= observed + gamma, axis=0) + 1) / (n_resamples + 1)
        exact, min_p = False, min(1.0, sides / (n_resamples + 1))
    p = {"greater": p_greater, "less": p_less}.get(
        alternative, np.minimum(1.0, 2 * np.minimum(p_greater, p_less)))
    return [{
        "statistic": float(observed[j]),
        "p_value": float(p[j]),
        "exact": exact,
        "n_splits": n_splits,
        "min_p": float(min_p),
        "n_a": sum(n_a for _, n_a, _, _ in strata),
        "n_b": sum(n_b for _, _, n_b, _ in strata),
        "n_strata": len(strata),
        "alternative": alternative,
    } for j in range(k)]


__all__ += ["stratified_permutation_test", "stratified_permutation_tests"]
