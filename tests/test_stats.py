import inspect
import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from kzmedia import stats
from kzmedia.fast import bootstrap as fast_bootstrap


def tiny_values():
    """Three outlets with 1, 3 and 6 articles; one value per article."""
    rows = [("A", "a1", 0.5)]
    rows += [("B", f"b{i}", v) for i, v in enumerate([0.1, -0.2, 0.4])]
    rows += [("C", f"c{i}", v) for i, v in enumerate([0.0, 0.1, 0.2, 0.3, 0.4, 0.5])]
    return pd.DataFrame(rows, columns=["outlet", "doc_id", "tone"])


# ---- summarize -------------------------------------------------------------------------

def test_summarize_small_n_rules():
    out = stats.summarize(tiny_values(), "tone", by="outlet")
    assert list(out.columns) == ["outlet", "n_articles", "mean", "ci_low", "ci_high",
                                 "interval", "article_values"]
    a, b, c = (out.set_index("outlet").loc[k] for k in "ABC")
    # n = 1: the point and n, no interval
    assert a.n_articles == 1 and a["mean"] == 0.5
    assert math.isnan(a.ci_low) and math.isnan(a.ci_high)
    assert a.interval == "n=1: no interval" and a.article_values == [0.5]
    # n = 3: every article's value and the range
    assert b.n_articles == 3 and b["mean"] == pytest.approx(0.1)
    assert (b.ci_low, b.ci_high) == (-0.2, 0.4)
    assert b.interval == "range of 3 articles"
    assert b.article_values == [0.1, -0.2, 0.4]
    # n = 6: cluster bootstrap, no per-article list
    assert c.n_articles == 6 and c["mean"] == pytest.approx(0.25)
    assert c.interval == "95% bootstrap over articles"
    assert c.article_values == []
    assert 0.0 <= c.ci_low < 0.25 < c.ci_high <= 0.5


# scipy >= 1.15 calls the seed argument rng, older versions random_state
SCIPY_RNG = "rng" if "rng" in inspect.signature(scipy.stats.bootstrap).parameters else "random_state"


def scipy_interval(x, ci=0.95, seed=0, n_resamples=2000):
    res = scipy.stats.bootstrap((np.asarray(x, dtype=float),), np.mean, n_resamples=n_resamples,
                                confidence_level=ci, method="percentile",
                                **{SCIPY_RNG: np.random.default_rng(seed)})
    return res.confidence_interval.low, res.confidence_interval.high


def test_grouping_columns():
    assert stats.grouping_columns(None) == []
    assert stats.grouping_columns("outlet") == ["outlet"]
    assert stats.grouping_columns(("outlet", "vector")) == ["outlet", "vector"]


def test_summarize_bootstrap_matches_scipy_percentile():
    x = np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.5])
    out = stats.summarize(tiny_values(), "tone", by="outlet", seed=3).set_index("outlet")
    low, high = scipy_interval(x, seed=3)
    assert out.loc["C", "ci_low"] == pytest.approx(low, rel=1e-12, abs=1e-15)
    assert out.loc["C", "ci_high"] == pytest.approx(high, rel=1e-12, abs=1e-15)
    # deterministic for a fixed seed
    again = stats.summarize(tiny_values(), "tone", by="outlet", seed=3).set_index("outlet")
    assert again.loc["C", "ci_low"] == out.loc["C", "ci_low"]


@pytest.mark.parametrize("seed,ci", [(0, 0.95), (3, 0.9), (11, 0.99), (None, 0.95)])
def test_summarize_many_groups_and_columns_match_scipy(seed, ci):
    # Several groups of each size share their resamples (same seed, same n); every interval
    # must still be the one scipy.stats.bootstrap gives for that group alone.
    rng = np.random.default_rng(42)
    rows = []
    for g, n in enumerate([5, 5, 5, 6, 7, 7, 13, 40, 5, 2, 1]):
        tone = rng.normal(size=n).round(1)            # rounded: ties within groups
        share = rng.integers(0, 2, size=n).astype(float)
        share[: n // 4] = np.nan                      # the second column has its own n
        rows += [(f"g{g:02d}", f"d{g}_{i:02d}", t, s) for i, (t, s) in enumerate(zip(tone, share))]
    rows += [("h_const", f"c{i}", 0.25, 1.0) for i in range(5)]  # every article alike
    df = pd.DataFrame(rows, columns=["outlet", "doc_id", "tone", "share"])
    if seed is None:  # unseeded: only the rules, not the draws, can be checked
        out = stats.summarize(df, ["tone", "share"], by="outlet", ci=ci, seed=None)
        boot = out[out.n_articles >= 5]
        assert (boot.ci_low <= boot["mean"] + 1e-12).all() and (boot["mean"] <= boot.ci_high + 1e-12).all()
        return
    out = stats.summarize(df, ["tone", "share"], by="outlet", ci=ci, seed=seed)
    assert list(out.columns[:2]) == ["outlet", "variable"]
    assert out.variable.tolist() == ["tone", "share"] * df.outlet.nunique()
    n_boot = n_const = 0
    for row in out.itertuples():
        x = df.loc[df.outlet == row.outlet, row.variable].dropna().to_numpy()
        assert row.n_articles == len(x)
        assert row.mean == x.mean()
        if len(x) >= 5:
            assert row.interval == f"{ci * 100:g}% bootstrap over articles"
            if np.ptp(x) == 0:  # the shortcut: every resample has that value
                assert row.ci_low == row.ci_high == x[0]
                n_const += 1
                continue
            low, high = scipy_interval(x, ci=ci, seed=seed)
            assert row.ci_low == pytest.approx(low, rel=1e-12, abs=1e-15)
            assert row.ci_high == pytest.approx(high, rel=1e-12, abs=1e-15)
            n_boot += 1
    assert n_boot >= 12 and n_const >= 2


def test_summarize_several_columns_equal_one_at_a_time():
    df = pd.concat([tiny_values().assign(vector=v) for v in ["china", "russia"]])
    df["other"] = np.where(df.doc_id.str.endswith("1"), np.nan, -df.tone)
    both = stats.summarize(df, ["tone", "other"], by=["outlet", "vector"], seed=5)
    for col in ["tone", "other"]:
        one = stats.summarize(df, col, by=["outlet", "vector"], seed=5)
        part = both[both.variable == col].drop(columns="variable").reset_index(drop=True)
        pd.testing.assert_frame_equal(part, one)
    with pytest.raises(ValueError, match="distinct"):
        stats.summarize(df, ["tone", "tone"], by="outlet")


@pytest.mark.parametrize("seed,ci", [(0, 0.95), (7, 0.9)])
def test_summarize_fast_and_reference_agree(seed, ci):
    """method="fast" (kzmedia.fast.bootstrap) gives the reference's table up to rounding."""
    rng = np.random.default_rng(8)
    sizes = [1, 3, 5, 5, 6, 9, 9, 9, 30]
    rows = [(f"g{g}", f"d{g}_{i}", v) for g, n in enumerate(sizes)
            for i, v in enumerate(rng.normal(size=n))]
    df = pd.DataFrame(rows, columns=["outlet", "doc_id", "tone"])
    fast = stats.summarize(df, "tone", seed=seed, ci=ci)
    ref = stats.summarize(df, "tone", seed=seed, ci=ci, method="reference")
    pd.testing.assert_frame_equal(fast, ref, rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match="method"):
        stats.summarize(df, "tone", method="quick")


# ---- fast.bootstrap: its contract with the reference -----------------------------------------

@pytest.mark.parametrize("n,n_resamples,seed", [(5, 2000, 0), (7, 37, 3), (40, 999, 11),
                                                (300_000, 3, 1)])
def test_fast_bootstrap_draws_scipys_resamples(n, n_resamples, seed):
    """The resamples, counted, are exactly the ones scipy.stats.bootstrap draws from
    default_rng(seed) (also when drawn a few rows at a time: 300,000 values a row)."""
    want = np.random.default_rng(seed).integers(0, n, (n_resamples, n))
    got = np.concatenate(list(fast_bootstrap.resample_counts(n, n_resamples, seed)))
    assert got.shape == (n_resamples, n)
    assert (got == np.stack([np.bincount(row, minlength=n) for row in want])).all()


@pytest.mark.parametrize("seed,ci,n", [(0, 0.95, 5), (3, 0.9, 13), (11, 0.99, 40)])
def test_fast_bootstrap_intervals_equal_scipy(seed, ci, n):
    rng = np.random.default_rng(seed + 100)
    samples = [rng.normal(size=m).round(1) for m in (n, n + 1, n, 6, n)]  # ties in a sample
    low, high = fast_bootstrap.bootstrap_intervals(samples, ci, 2000, seed)
    ref_low, ref_high = stats.bootstrap_intervals(samples, ci, 2000, seed)
    for i, row in enumerate(samples):
        want = scipy_interval(row, ci=ci, seed=seed)
        assert (ref_low[i], ref_high[i]) == want  # the reference is scipy's interval
        assert low[i] == pytest.approx(want[0], rel=1e-12, abs=1e-15)
        assert high[i] == pytest.approx(want[1], rel=1e-12, abs=1e-15)


def test_summarize_group_without_values():
    df = pd.DataFrame({"g": ["x", "x", "y"], "doc_id": ["a", "b", "c"], "v": [np.nan, np.nan, 1.0]})
    out = stats.summarize(df, "v", by="g").set_index("g")
    assert out.loc["x", "n_articles"] == 0 and out.loc["x", "interval"] == "n=0: no data"
    assert math.isnan(out.loc["x", "mean"]) and out.loc["x", "article_values"] == []
    assert out.loc["y", "article_values"] == [1.0]


def test_summarize_article_is_the_unit_and_nan_dropped():
    # two sentence rows of one article are averaged before anything else
    df = pd.DataFrame({"outlet": ["X", "X", "X", "X"], "doc_id": ["d1", "d1", "d2", "d3"],
                       "tone": [1.0, 0.0, 0.2, np.nan]})
    out = stats.summarize(df, "tone", by="outlet")
    assert out.loc[0, "n_articles"] == 2
    assert out.loc[0, "mean"] == pytest.approx((0.5 + 0.2) / 2)
    assert out.loc[0, "article_values"] == [0.5, 0.2]


def test_summarize_multiple_keys_sorted_and_no_group():
    df = tiny_values().assign(vector="russia")
    df2 = df.assign(vector="china")
    out = stats.summarize(pd.concat([df, df2]), "tone", by=["outlet", "vector"])
    assert list(out[["outlet", "vector"]].itertuples(index=False, name=None)) == [
        ("A", "china"), ("A", "russia"), ("B", "china"), ("B", "russia"),
        ("C", "china"), ("C", "russia")]
    overall = stats.summarize(tiny_values(), "tone", by=None)
    assert len(overall) == 1 and overall.loc[0, "n_articles"] == 10


def test_summarize_constant_values_and_missing_column():
    df = pd.DataFrame({"g": ["x"] * 5, "doc_id": list("abcde"), "v": [0.3] * 5})
    out = stats.summarize(df, "v", by="g")
    assert out.loc[0, "ci_low"] == out.loc[0, "ci_high"] == pytest.approx(0.3)
    with pytest.raises(KeyError, match="nope"):
        stats.summarize(df, "nope", by="g")


# ---- permutation_test -------------------------------------------------------------------

def test_exact_2_vs_2_by_hand():
    # pooled 1,2,3,4; the 6 splits give mean differences -2, -1, 0, 0, 1, 2
    res = stats.permutation_test([1, 2], [3, 4])
    assert res["exact"] and res["n_splits"] == 6
    assert res["statistic"] == -2
    assert res["p_value"] == pytest.approx(2 / 6)  # one split as extreme, doubled
    assert res["min_p"] == pytest.approx(2 / 6)
    res = stats.permutation_test([1, 3], [2, 4])  # statistic -1: splits -2, -1 are <=
    assert res["p_value"] == pytest.approx(2 * 2 / 6)
    assert stats.permutation_test([1, 2], [3, 4], alternative="less")["p_value"] == pytest.approx(1 / 6)
    assert stats.permutation_test([1, 2], [3, 4], alternative="greater")["p_value"] == 1.0


@pytest.mark.parametrize("n_a,n_b,expected", [
    (1, 3, 0.5), (2, 3, 0.2), (3, 3, 0.1), (5, 5, 2 / 252),
])
def test_min_p_table_of_methods(n_a, n_b, expected):
    # fully separated groups reach the smallest attainable p, and min_p states it
    a = np.arange(n_a) + 100.0
    b = np.arange(n_b, dtype=float)
    res = stats.permutation_test(a, b)
    assert res["exact"]
    assert res["min_p"] == pytest.approx(expected)
    assert res["p_value"] == pytest.approx(expected)
    assert res["n_splits"] == math.comb(n_a + n_b, n_a)


def test_exact_agrees_with_scipy_exact():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=4), rng.normal(0.8, size=5)
    ours = stats.permutation_test(a, b)
    ref = scipy.stats.permutation_test(
        (a, b), lambda x, y, axis: x.mean(axis) - y.mean(axis), vectorized=True,
        n_resamples=np.inf)
    assert ours["p_value"] == pytest.approx(ref.pvalue)
    assert ours["statistic"] == pytest.approx(ref.statistic)


def test_monte_carlo_when_too_many_splits():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=10), rng.normal(3, size=10)
    res = stats.permutation_test(a, b, n_resamples=999)
    assert not res["exact"] and res["n_splits"] == math.comb(20, 10)
    assert res["min_p"] == pytest.approx(2 / 1000)
    assert res["p_value"] == pytest.approx(2 / 1000)  # nothing as extreme as separated groups


@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
def test_monte_carlo_agrees_with_scipy(alternative):
    # the same random splits as scipy.stats.permutation_test with default_rng(0), so the same p,
    # also with tied values (where the tolerance around the observed value decides) and a
    # custom statistic
    rng = np.random.default_rng(3)
    cases = [(rng.normal(size=12), rng.normal(0.4, size=15), None),
             (rng.integers(0, 3, 11).astype(float), rng.integers(0, 3, 13).astype(float), None),
             (rng.normal(size=9), rng.normal(size=14),
              lambda x, y, axis=-1: np.median(x, axis=axis) - np.median(y, axis=axis))]
    for a, b, statistic in cases:
        ours = stats.permutation_test(a, b, statistic=statistic, n_resamples=499,
                                      alternative=alternative)
        stat = statistic or (lambda x, y, axis=-1: x.mean(axis) - y.mean(axis))
        ref = scipy.stats.permutation_test(
            (a, b), stat, vectorized=True, n_resamples=499, alternative=alternative,
            **{SCIPY_RNG: np.random.default_rng(0)})
        assert not ours["exact"]
        assert ours["p_value"] == ref.pvalue


def test_permutation_test_custom_statistic_and_errors():
    med = lambda x, y, axis=-1: np.median(x, axis=axis) - np.median(y, axis=axis)  # noqa: E731
    res = stats.permutation_test([1, 2, 9], [3, 4, 5], statistic=med)
    assert res["statistic"] == -2
    with pytest.raises(ValueError):
        stats.permutation_test([], [1, 2])
    with pytest.raises(ValueError):
        stats.permutation_test([np.nan], [1, 2])


# ---- bh ---------------------------------------------------------------------------------

def test_bh_by_hand():
    # sorted .01, .04, .05 -> .01*3/1 = .03, .04*3/2 = .06, .05*3/3 = .05 -> step-up min .05
    assert np.allclose(stats.bh([0.04, 0.01, 0.05]), [0.05, 0.03, 0.05])
    assert np.allclose(stats.bh([0.01, 0.04, 0.03, 0.005]), [0.02, 0.04, 0.04, 0.02])


def test_bh_nan_safe_and_series():
    q = stats.bh([0.01, np.nan, 0.04])  # NaN is not a test: m = 2
    assert q[0] == pytest.approx(0.02) and np.isnan(q[1]) and q[2] == pytest.approx(0.04)
    s = stats.bh(pd.Series([0.5, np.nan], index=["x", "y"]))
    assert list(s.index) == ["x", "y"] and s["x"] == pytest.approx(0.5)
    assert len(stats.bh([])) == 0


# ---- compare_groups ---------------------------------------------------------------------

def test_compare_groups_skips_n1_and_notes_unreachable():
    out = stats.compare_groups(tiny_values(), "tone", by="outlet")
    assert list(out[["outlet_a", "outlet_b"]].itertuples(index=False, name=None)) == [("B", "C")]
    row = out.iloc[0]
    assert row.n_a == 3 and row.n_b == 6 and row.exact
    assert row.min_p == pytest.approx(2 / math.comb(9, 3))
    assert row.note == ""  # 2/84 < 0.05
    assert row.q_value == pytest.approx(row.p_value)
    assert out.attrs["skipped"] == [{"outlet": "A", "n_articles": 1}]
    # the table concatenates with others (attrs hold no DataFrame)
    assert len(pd.concat([out, out])) == 2

    small = pd.DataFrame({"outlet": ["P", "P", "Q", "Q"], "doc_id": list("abcd"),
                          "tone": [0.9, 0.8, -0.1, -0.2]})
    out = stats.compare_groups(small, "tone", by="outlet")
    assert out.loc[0, "p_value"] == pytest.approx(1 / 3)
    assert "cannot reach p < 0.05" in out.loc[0, "note"]


def test_compare_groups_within_and_bh_across_table():
    df = pd.concat([tiny_values().assign(vector=v) for v in ["china", "russia"]])
    out = stats.compare_groups(df, "tone", by="outlet", within="vector")
    assert out["vector"].tolist() == ["china", "russia"]
    assert np.allclose(out["q_value"], stats.bh(out["p_value"]))


def test_split_count_of_large_groups_prints():
    # 1,200 vs 1,200 articles: C(2400, 1200) has over 700 digits, 12,000 vs 12,000 over 7,000
    assert stats.split_count(math.comb(10, 5)) == 252
    assert isinstance(stats.split_count(math.comb(10, 5)), int)
    assert stats.split_count(math.comb(2400, 1200)) > 1e300
    assert stats.split_count(math.comb(24000, 12000)) == math.inf
    rng = np.random.default_rng(0)
    values = pd.DataFrame({"outlet": np.repeat(["a", "b"], 12000), "doc_id": range(24000),
                           "tone": rng.normal(size=24000)})
    out = stats.compare_groups(values, "tone", n_resamples=99)
    assert out["n_splits"].iloc[0] == math.inf and not out["exact"].iloc[0]
    assert "inf" in out.to_string()
