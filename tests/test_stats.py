import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from kzmedia import stats


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


def test_summarize_bootstrap_matches_scipy_percentile():
    x = np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.5])
    out = stats.summarize(tiny_values(), "tone", by="outlet", seed=3).set_index("outlet")
    ref = scipy.stats.bootstrap((x,), np.mean, n_resamples=2000, method="percentile",
                                random_state=np.random.default_rng(3))
    assert out.loc["C", "ci_low"] == pytest.approx(ref.confidence_interval.low)
    assert out.loc["C", "ci_high"] == pytest.approx(ref.confidence_interval.high)
    # deterministic for a fixed seed
    again = stats.summarize(tiny_values(), "tone", by="outlet", seed=3).set_index("outlet")
    assert again.loc["C", "ci_low"] == out.loc["C", "ci_low"]


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
