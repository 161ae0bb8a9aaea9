"""Uncertainty with few articles per outlet: article-level intervals, permutation tests, FDR.

The article is the unit of uncertainty: sentences of one article are not independent, so
intervals resample articles (cluster bootstrap) and tests permute article labels. With tiny
groups the resampling is nearly degenerate, so the rules depend on the number of articles n
(see docs/methods.md, "Uncertainty with few articles"):

- n = 1: point estimate and n only, no interval, no tests;
- n = 2..4: each article's value and the mean (the interval is the range of the articles);
  exact permutation tests with their smallest attainable p stated;
- n >= 5: percentile cluster-bootstrap interval of the article mean (the interval of
  scipy.stats.bootstrap, :func:`bootstrap_interval`); permutation tests (exact when the
  number of splits is small, else scipy.stats.permutation_test's random splits).
"""

from __future__ import annotations

import inspect
import itertools
import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import scipy.stats

from .fast import bootstrap as fast_bootstrap

__all__ = ["summarize", "bootstrap_interval", "bootstrap_intervals", "permutation_test", "bh",
           "compare_groups", "grouping_columns", "small_n_caveat", "split_count", "SMALL_N"]

#: Largest group size for which the interval is the range of the article values.
SMALL_N = 4

# Values held at once by a bootstrap or permutation batch (bounds the memory of large groups;
# the resamples drawn do not depend on it).
_BATCH_VALUES = 4_000_000

# scipy >= 1.15 names the random generator argument rng, older versions random_state
_RNG = "rng" if "rng" in inspect.signature(scipy.stats.bootstrap).parameters else "random_state"


def grouping_columns(by) -> list[str]:
    """The grouping columns a ``by`` argument names, as a list: None -> [], one column name
    -> [name], a sequence of names -> a list of them."""
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    return list(by)


def small_n_caveat(n_a: int, n_b: int) -> str:
    """What a comparison of n_a against n_b articles can say, in words: "" when each side
    has more than :data:`SMALL_N` articles."""
    if min(n_a, n_b) == 1:
        return ("one article on at least one side: this describes those articles, "
                "not the groups' coverage; no test is possible")
    if min(n_a, n_b) <= SMALL_N:
        return "few articles: the exact permutation test cannot reach small p; read as descriptive"
    return ""


def bootstrap_interval(x: np.ndarray, ci: float, n_resamples: int, seed) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of the values `x`:
    ``scipy.stats.bootstrap((x,), np.mean, method="percentile", confidence_level=ci,
    n_resamples=n_resamples)`` with ``np.random.default_rng(seed)``. Returns (low, high)."""
    res = scipy.stats.bootstrap((x,), np.mean, n_resamples=n_resamples, confidence_level=ci,
                                method="percentile", batch=max(1, _BATCH_VALUES // len(x)),
                                **{_RNG: np.random.default_rng(seed)})
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def bootstrap_intervals(samples: Sequence[np.ndarray], ci: float, n_resamples: int,
                        seed) -> tuple[np.ndarray, np.ndarray]:
    """:func:`bootstrap_interval` of each sample (each with a fresh generator from `seed`):
    arrays (low, high), one value per sample. The reference that
    :mod:`kzmedia.fast.bootstrap` reproduces (``summarize(method="reference")`` uses it)."""
    intervals = [bootstrap_interval(x, ci, n_resamples, seed) for x in samples]
    return np.array([lo for lo, _ in intervals]), np.array([hi for _, hi in intervals])


def summarize(
    values: pd.DataFrame,
    value: str | Sequence[str],
    by: str | Sequence[str] | None = "outlet",
    unit: str = "doc_id",
    ci: float = 0.95,
    n_resamples: int = 2000,
    seed: int | None = 0,
    method: str = "fast",
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
    The bootstrap interval is the one ``scipy.stats.bootstrap((x,), np.mean,
    method="percentile", n_resamples=n_resamples, confidence_level=ci)`` gives with
    ``np.random.default_rng(seed)`` for each group (:func:`bootstrap_interval`;
    ``method="reference"``). ``method="fast"`` (:mod:`kzmedia.fast.bootstrap`) gives the same
    up to floating-point rounding (about 1e-12 relative). Groups whose articles all have the
    same value get that value as both bounds.
    """
    if method not in ("fast", "reference"):
        raise ValueError(f"summarize: method must be 'fast' or 'reference', not {method!r}")
    keys = grouping_columns(by)
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
    per_unit = df.groupby([*keys, unit], sort=True, dropna=False)[cols].mean().reset_index()

    # Groups are runs of rows of the sorted per-unit table; a sample is one group's values of
    # one column (in unit order, NaN left out). One output row per sample.
    if keys:
        group_no = per_unit.groupby(keys, sort=True, dropna=False).ngroup().to_numpy()
        starts = np.flatnonzero(np.diff(group_no, prepend=-1))
    else:
        starts = np.zeros(1, dtype=int)
    ends = np.append(starts[1:], len(per_unit))
    table = per_unit[cols].to_numpy(dtype=float)
    samples = [column[~np.isnan(column)] for a, b in zip(starts, ends) for column in table[a:b].T]

    n = np.array([len(x) for x in samples], dtype=int)
    mean = np.array([x.mean() if len(x) else math.nan for x in samples])
    low, high, label, article_values = (list(column) for column in zip(
        *[_small_n(x, ci) for x in samples])) if samples else ([] for _ in range(4))
    low, high = np.array(low, dtype=float), np.array(high, dtype=float)
    boot = [i for i, x in enumerate(samples) if len(x) > SMALL_N and x.min() < x.max()]
    intervals = bootstrap_intervals if method == "reference" else fast_bootstrap.bootstrap_intervals
    low[boot], high[boot] = intervals([samples[i] for i in boot], ci, n_resamples, seed)

    out = (per_unit.loc[starts.repeat(len(cols)), keys].reset_index(drop=True) if keys
           else pd.DataFrame(index=range(len(cols))))
    if not isinstance(value, str):
        out["variable"] = np.tile(np.array(cols, dtype=object), len(starts))
    out["n_articles"] = n
    out["mean"], out["ci_low"], out["ci_high"] = mean, low, high
    out["interval"] = np.array(label, dtype=object)
    out["article_values"] = article_values
    return out


def _small_n(x: np.ndarray, ci: float) -> tuple[float, float, str, list]:
    """(low, high, interval label, article values) of one group's article values by the
    small-n rules of :func:`summarize`; low and high are NaN where the bootstrap sets them."""
    n = len(x)
    if n == 0:
        return math.nan, math.nan, "n=0: no data", []
    if n == 1:
        return math.nan, math.nan, "n=1: no interval", x.tolist()
    if n <= SMALL_N:
        return x.min(), x.max(), f"range of {n} articles", x.tolist()
    label = f"{ci * 100:g}% bootstrap over articles"
    if x.min() == x.max():  # every resample has that value too
        return x[0], x[0], label, []
    return math.nan, math.nan, label, []


def split_count(n_splits: int):
    """The number of splits as a table can hold it: the exact integer while it fits in 64 bits,
    else a float (``inf`` beyond float range). C(24,000, 12,000) has thousands of digits; kept
    as a Python int it makes a table's column of objects that pandas cannot print (Python
    refuses to turn an integer of more than 4,300 digits into a string)."""
    if n_splits < 2**63:
        return int(n_splits)
    try:
        return float(n_splits)
    except OverflowError:
        return math.inf


def _mean_difference(a, b, axis=-1):
    return np.mean(a, axis=axis) - np.mean(b, axis=axis)


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
    p is that of ``scipy.stats.permutation_test`` with `n_resamples` random splits drawn by
    ``np.random.default_rng(seed)`` (the observed split counted once more). Two-sided p is
    twice the smaller one-sided p (capped at 1), as in scipy.

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
        p = {"greater": p_greater, "less": p_less}.get(alternative,
                                                        min(1.0, 2 * min(p_greater, p_less)))
        exact, min_p = True, min(1.0, sides / n_splits)
    else:
        res = scipy.stats.permutation_test(
            (a, b), stat, permutation_type="independent", vectorized=True,
            n_resamples=n_resamples, alternative=alternative,
            batch=max(1, _BATCH_VALUES // (n_a + n_b)), **{_RNG: np.random.default_rng(seed)})
        p = res.pvalue
        exact, min_p = False, min(1.0, sides / (n_resamples + 1))
    return {
        "statistic": observed,
        "p_value": float(p),
        "exact": exact,
        "n_splits": split_count(n_splits),
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
    outer = grouping_columns(within)
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


# values per batch of relabellings in the stratified test (bounds its memory for large strata)
_RELABEL_CELLS = 4_000_000


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
            step = max(1, _RELABEL_CELLS // n)
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
        "n_splits": split_count(n_splits),
        "min_p": float(min_p),
        "n_a": sum(n_a for _, n_a, _, _ in strata),
        "n_b": sum(n_b for _, _, n_b, _ in strata),
        "n_strata": len(strata),
        "alternative": alternative,
    } for j in range(k)]


__all__ += ["stratified_permutation_test", "stratified_permutation_tests"]
