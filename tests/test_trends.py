"""trends: periods with partial dates, events and their edges, the trends table against a
direct recount, before/after shifts, contrasts within periods, the stratified permutation
test against brute-force enumeration, and the time stages in the pipeline and its cache."""

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kzmedia import corpus, pipeline, stages, stats, trends

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

POSITIVE = ("Kazakhstan and China signed a wonderful trade agreement in Astana. "
            "Xi Jinping praised the great friendship. The Belt and Road corridor is a success.")
NEGATIVE = ("Russia's invasion of Ukraine caused a terrible war and deadly sanctions. "
            "Moscow threatened Kazakhstan. Protests were violently suppressed.")
MIXED = ("President Tokayev met Vladimir Putin in Moscow. The European Union praised the reforms. "
         "Officials said the talks were useful.")

# (outlet, bias, date, text): Alpha writes before and after the invasion, Beta only after,
# Gamma only in 2013; some dates are partial
ROWS = [
    *[("Alpha", "left", f"2021-0{m}-10", POSITIVE) for m in range(1, 6)],
    *[("Alpha", "left", f"2022-0{m}-10", NEGATIVE) for m in range(3, 8)],
    ("Alpha", "left", "2022-02", MIXED),          # month only: straddles 24 February
    ("Alpha", "left", "2022-02-23", POSITIVE),    # the day before the invasion
    ("Alpha", "left", "2022-02-24", NEGATIVE),    # the day of the invasion: after
    *[("Beta", "right", f"2022-0{m}-15", MIXED) for m in range(3, 9)],
    ("Beta", "right", "2022", MIXED),             # year only
    ("Beta", "right", "", MIXED),                 # no date
    *[("Gamma", "right", f"2013-0{m}-01", POSITIVE) for m in range(1, 4)],
]


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    path = tmp_path_factory.mktemp("trends") / "articles.csv"
    pd.DataFrame([{"id": f"d{i:02d}", "outlet": o, "bias": b, "date": d, "title": f"t{i}",
                   "text": t} for i, (o, b, d, t) in enumerate(ROWS)]).to_csv(path, index=False)
    articles = corpus.load(path)
    parts = pipeline.article_tables(articles, n_jobs=1, progress=False)
    return articles, parts


def _tables(analysed, by="outlet", **settings):
    articles, parts = analysed
    return pipeline.group_tables(articles, parts, by, sentences=True, progress=False,
                                 settings=settings)


def _doc(articles, date, outlet="Alpha"):
    return articles.loc[(articles["date"] == date) & (articles["outlet"] == outlet),
                        "doc_id"].iloc[0]


# --------------------------------------------------------------------------- periods

def test_partial_dates_keep_their_precision(analysed):
    articles, _ = analysed
    where = {p: trends.periods(articles, p).set_index("doc_id") for p in trends.PERIODS}
    month_only, year_only = _doc(articles, "2022-02"), _doc(articles, "2022", "Beta")
    undated = _doc(articles, "", "Beta")
    assert where["year"].loc[month_only, "period"] == "2022"
    assert where["quarter"].loc[month_only, "period"] == "2022-Q1"
    assert where["month"].loc[month_only, "period"] == "2022-02"
    assert where["year"].loc[year_only, "period"] == "2022"
    for p in ("month", "quarter"):
        assert where[p].loc[year_only, ["period", "reason"]].tolist() == [
            trends.UNPLACED, "dated to the year only"]
    for p in trends.PERIODS:
        assert where[p].loc[undated, ["period", "reason"]].tolist() == [trends.UNPLACED, "no date"]
        assert len(where[p]) == len(articles)  # one row per article, none dropped
    assert where["quarter"].loc[month_only, ["period_start", "period_end"]].tolist() == [
        "2022-01-01", "2022-03-31"]


def test_unplaced_articles_are_counted_in_the_trends_table(analysed):
    t = _tables(analysed, period="month")["trends"]
    left = t[t["period"] == trends.UNPLACED].set_index(["outlet", "item"])["n_articles"]
    assert left.to_dict() == {("Beta", "dated to the year only"): 1, ("Beta", "no date"): 1}
    placed = t[(t["measure"] == "articles") & (t["period"] != trends.UNPLACED)]
    assert placed["n_articles"].sum() + left.sum() == len(analysed[0])


def test_empty_periods_have_a_zero_count_and_no_measures(analysed):
    t = _tables(analysed, period="year")["trends"]
    counts = t[t["measure"] == "articles"].pivot(index="outlet", columns="period",
                                                  values="n_articles")
    assert counts.loc["Gamma", ["2013", "2021", "2022"]].tolist() == [3, 0, 0]
    assert counts.loc["Beta", "2013"] == 0
    gamma_2022 = t[(t["outlet"] == "Gamma") & (t["period"] == "2022")]
    assert gamma_2022["measure"].tolist() == ["articles"]
    # chronological order, unplaced last
    beta = t[t["outlet"] == "Beta"]["period"].drop_duplicates().tolist()
    assert beta == ["2013", "2021", "2022", trends.UNPLACED]


def test_read_events_yaml_csv_and_errors(tmp_path):
    default = trends.read_events()
    assert list(default.columns) == ["date", "label", "note", "window_days"]
    assert "2022-02-24" in set(default["date"]) and default["date"].is_monotonic_increasing
    csv = tmp_path / "events.csv"
    csv.write_text("date,label\n2022-11-20,Election\n2022-02-24,Invasion\n", encoding="utf-8")
    ev = trends.read_events(csv, window_days=10)
    assert ev["label"].tolist() == ["Invasion", "Election"] and (ev["window_days"] == 10).all()
    yml = tmp_path / "events.yaml"
    yml.write_text("window_days: 5\nevents:\n  - {date: 2022-02-24, label: Invasion}\n",
                   encoding="utf-8")
    assert trends.read_events(yml)["window_days"].tolist() == [5]
    for text, match in [("date,label\n2022-02,Month\n", "must be days"),
                        ("date,name\n2022-02-01,X\n", "date and label"),
                        ("date,label\n2022-02-01,X\n2022-02-01,Y\n", "repeated")]:
        csv.write_text(text, encoding="utf-8")
        with pytest.raises(ValueError, match=match):
            trends.read_events(csv)


def test_events_at_the_edges(analysed):
    articles, _ = analysed
    ev = pd.DataFrame({"date": ["2022-02-24"], "label": ["Invasion"]})
    where = trends.periods(articles, events=trends.read_events(ev)).set_index("doc_id")
    assert where.loc[_doc(articles, "2022-02-23"), "period"] == "before Invasion"
    assert where.loc[_doc(articles, "2022-02-24"), "period"] == "from Invasion"  # the day counts after
    assert where.loc[_doc(articles, "2022-02"), ["period", "reason"]].tolist() == [
        trends.UNPLACED, "dated to the month only"]
    assert where.loc[_doc(articles, "2013-01-01", "Gamma"), "period"] == "before Invasion"
    windows = trends.event_windows(trends.read_events(ev))
    assert windows[["side", "period"]].values.tolist() == [["before", "before Invasion"],
                                                            ["after", "from Invasion"]]
    # +-N days: day -N and day +N-1 are in, day -N-1 and day +N are out
    days = trends.read_events(ev, window_days=7)
    dates = ["2022-02-16", "2022-02-17", "2022-03-02", "2022-03-03"]
    few = pd.DataFrame({"doc_id": list("abcd"), "date": dates, "date_precision": "day"})
    placed = trends.periods(few, events=days).set_index("doc_id")["period"].to_dict()
    assert placed == {"a": trends.UNPLACED, "b": "Invasion: 7 days before",
                      "c": "Invasion: 7 days after", "d": trends.UNPLACED}
    assert trends.periods(few, events=days).set_index("doc_id").loc["a", "reason"] == \
        "outside every window"


def test_every_event_window_is_reported_even_without_articles(analysed):
    ev = trends.read_events(pd.DataFrame({"date": ["2010-01-01", "2022-02-24", "2030-01-01"],
                                          "label": ["Early", "Invasion", "Late"]}))
    t = _tables(analysed, events=ev)["trends"]
    counts = t[(t["measure"] == "articles") & (t["outlet"] == "Alpha")]
    assert counts["period"].tolist()[:4] == ["before Early", "from Early", "from Invasion",
                                             "from Late"]
    assert counts.set_index("period")["n_articles"].to_dict()["from Late"] == 0
    assert counts["period_start"].tolist()[:4] == ["", "2010-01-01", "2022-02-24", "2030-01-01"]


# --------------------------------------------------------------------------- the recount

def test_trends_equal_a_direct_recount_by_bias_and_year(analysed):
    articles, parts = analysed
    t = _tables(analysed, by="bias", period="year")["trends"].set_index(
        ["bias", "period", "measure", "item"])
    year = articles["date"].str[:4]
    # article counts per bias and year
    counts = articles[year != ""].groupby(["bias", year[year != ""]]).size()
    for (bias, y), n in counts.items():
        assert t.loc[(bias, y, "articles", ""), "n_articles"] == n
    # tone: the mean over articles of the mean compound of their scored sentences
    sent = parts["sentence_tone"].dropna(subset=["compound"])
    per_article = sent.groupby("doc_id")["compound"].mean()
    frame = parts["frame_hits"]
    n_sent = parts["sentences"].groupby("doc_id").size()
    for (bias, y), docs in articles[year != ""].groupby(["bias", year[year != ""]])["doc_id"]:
        tone = per_article.reindex(docs).dropna()
        assert t.loc[(bias, y, "tone", ""), "value"] == pytest.approx(tone.mean())
        assert t.loc[(bias, y, "tone", ""), "n_articles"] == len(tone)
        # one frame: share of an article's sentences with a conflict hit, averaged
        with_frame = frame[frame["frame"] == "conflict"].groupby("doc_id")["sent_id"].nunique()
        share = (with_frame.reindex(docs).fillna(0) / n_sent.reindex(docs)).dropna()
        assert t.loc[(bias, y, "frame_share", "conflict"), "value"] == pytest.approx(share.mean())


def test_one_period_gives_the_group_tables(analysed):
    articles, _ = analysed
    dated = articles[articles["date"].str.startswith("2022")].reset_index(drop=True)
    tables = pipeline.analyze(dated, n_jobs=1, sentences=True, progress=False, period="year")
    t = tables["trends"]
    t = t[t["period"] == "2022"].set_index(["outlet", "measure", "item"])
    tone = tables["group_tone"].set_index("outlet")
    for outlet in tone.index:
        assert t.loc[(outlet, "tone", ""), "value"] == pytest.approx(tone.loc[outlet, "mean_compound"])
        assert t.loc[(outlet, "tone", ""), "interval"] == tone.loc[outlet, "interval"]
        assert t.loc[(outlet, "tone", ""), "low"] == pytest.approx(tone.loc[outlet, "ci_low"],
                                                                   nan_ok=True)
    fs = tables["frame_scores_group"]
    fs = fs[fs["measure"] == "share_of_sentences"].set_index(["outlet", "frame"])
    for (outlet, frame), row in fs.iterrows():
        assert t.loc[(outlet, "frame_share", frame), "value"] == pytest.approx(row["mean"])
    bal = tables["balance"].set_index("outlet")
    for outlet in bal.index:
        assert t.loc[(outlet, "balance", ""), "value"] == pytest.approx(bal.loc[outlet, "mean"])
    vt = tables["vector_tone"].set_index(["outlet", "vector"])
    for (outlet, vector), row in vt.iterrows():
        cell = t.loc[(outlet, "vector_tone", vector)]
        assert (cell["value"], cell["n_sentences"]) == (pytest.approx(row["mean_compound"]),
                                                        row["n_sentences"])


def test_intervals_follow_the_small_n_rules(analysed):
    t = _tables(analysed, period="year")["trends"]
    tone = t[t["measure"] == "tone"].set_index(["outlet", "period"])
    assert tone.loc[("Alpha", "2021"), "interval"] == "95% bootstrap over articles"  # n = 5
    assert tone.loc[("Gamma", "2013"), "interval"] == "range of 3 articles"
    assert (tone.loc[("Gamma", "2013"), "low"] <= tone.loc[("Gamma", "2013"), "value"]
            <= tone.loc[("Gamma", "2013"), "high"])


# --------------------------------------------------------------------------- events

def test_event_shifts_within_each_outlet(analysed):
    ev = trends.read_events(pd.DataFrame({"date": ["2022-02-24"], "label": ["Invasion"]}))
    shifts = _tables(analysed, events=ev)["event_shifts"]
    alpha = shifts[shifts["outlet"] == "Alpha"]
    assert "Beta" not in set(shifts["outlet"])  # nothing before the invasion
    tone = alpha[alpha["measure"] == "tone"].iloc[0]
    assert (tone.n_before, tone.n_after) == (6, 6)  # 2021 x5 + 23 Feb; 24 Feb + 5 later
    assert tone.after < tone.before and tone.difference == pytest.approx(tone.after - tone.before)
    assert tone.p_value < 0.05 and tone.min_p == pytest.approx(2 / 924)  # C(12, 6) splits
    assert "after Invasion" in tone.sentence and "6 articles" in tone.sentence
    words = alpha[alpha["measure"] == "words"]
    up = words[words["z"] > 0]
    assert len(up) and (up["after"] > up["before"]).all()
    first = up.iloc[0]
    assert first.evidence.startswith("[after] ")
    assert first.label.split()[0].lower() in first.evidence.lower()
    tests = shifts["p_value"].notna()
    assert np.allclose(shifts.loc[tests, "q_value"], stats.bh(shifts.loc[tests, "p_value"]))


# --------------------------------------------------------------------------- within periods

def _brute_force_p(a, b, sa, sb):
    """Two-sided p of the stratified test by brute force: every assignment of the labels that
    keeps each stratum's number of a-labels, found by permuting the labels of each stratum
    (duplicates removed), the statistic computed from scratch."""
    values = np.concatenate([a, b])
    labels = np.array(["a"] * len(a) + ["b"] * len(b))
    strata = np.concatenate([sa, sb])

    def stat(lab):
        num = den = 0.0
        for s in sorted(set(strata)):
            x, y = values[(strata == s) & (lab == "a")], values[(strata == s) & (lab == "b")]
            if len(x) and len(y):
                w = len(x) * len(y) / (len(x) + len(y))
                num, den = num + w * (x.mean() - y.mean()), den + w
        return num / den

    per_stratum = []
    for s in sorted(set(strata)):
        idx = np.flatnonzero(strata == s)
        per_stratum.append((idx, sorted(set(itertools.permutations(labels[idx].tolist())))))
    null = []
    for choice in itertools.product(*[p for _, p in per_stratum]):
        lab = labels.copy()
        for (idx, _), assigned in zip(per_stratum, choice):
            lab[idx] = assigned
        null.append(stat(lab))
    null, observed = np.array(null), stat(labels)
    greater = np.mean(null >= observed - 1e-12)
    less = np.mean(null <= observed + 1e-12)
    return observed, min(1.0, 2 * min(greater, less)), len(null)


def test_stratified_permutation_test_equals_brute_force_enumeration():
    a, sa = [0.9, 0.4, 0.7, 0.1], ["2013", "2013", "2022", "2022"]
    b, sb = [0.2, 0.5, 0.0, -0.3, 0.3], ["2013", "2022", "2022", "2022", "2030"]
    res = stats.stratified_permutation_test(a, b, sa, sb)
    observed, p, n = _brute_force_p(np.array(a[:4]), np.array(b[:4]), np.array(sa),
                                    np.array(sb[:4]))  # 2030 holds only b: left out
    assert res["exact"] and res["n_splits"] == n == 3 * 10  # C(3,2) x C(5,2)
    assert res["statistic"] == pytest.approx(observed)
    assert res["p_value"] == pytest.approx(p)
    assert res["min_p"] == pytest.approx(2 / 30)
    assert (res["n_a"], res["n_b"], res["n_strata"]) == (4, 4, 2)
    # random relabellings approach the exact p
    approx = stats.stratified_permutation_test(a, b, sa, sb, n_resamples=20)
    assert not approx["exact"]
    many = stats.stratified_permutation_test(a, b, sa, sb, n_resamples=29, seed=1)
    assert many["n_splits"] == 30 and not many["exact"]


@pytest.mark.parametrize("n_resamples", [9999, 99])
def test_several_measures_at_once_equal_one_at_a_time(n_resamples):
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(9, 3)), rng.normal(0.5, 1, size=(8, 3))
    sa, sb = rng.choice(["x", "y"], 9), rng.choice(["x", "y"], 8)
    many = stats.stratified_permutation_tests(a, b, sa, sb, n_resamples=n_resamples)
    for j, res in enumerate(many):
        one = stats.stratified_permutation_test(a[:, j], b[:, j], sa, sb, n_resamples=n_resamples)
        assert res == pytest.approx(one)
    assert many[0]["exact"] == (n_resamples == 9999)
    with pytest.raises(ValueError, match="NaN"):
        stats.stratified_permutation_tests(np.full((2, 1), np.nan), b[:, :1], sa[:2], sb)


def test_stratified_test_one_stratum_is_the_permutation_test():
    a, b = [0.3, 0.9, 0.5], [0.1, 0.2, 0.0, 0.4]
    strat = stats.stratified_permutation_test(a, b, ["x"] * 3, ["x"] * 4)
    plain = stats.permutation_test(a, b)
    assert strat["statistic"] == pytest.approx(plain["statistic"])
    assert strat["p_value"] == pytest.approx(plain["p_value"])


def test_stratified_test_ignores_a_difference_between_periods():
    rng = np.random.default_rng(0)
    # both groups' values rise by 1 from 2013 to 2022; group a writes mostly in 2022
    a = np.concatenate([rng.normal(0, 0.1, 3), rng.normal(1, 0.1, 30)])
    b = np.concatenate([rng.normal(0, 0.1, 30), rng.normal(1, 0.1, 3)])
    sa, sb = ["2013"] * 3 + ["2022"] * 30, ["2013"] * 30 + ["2022"] * 3
    assert stats.permutation_test(a, b, n_resamples=999)["p_value"] < 0.01
    res = stats.stratified_permutation_test(a, b, sa, sb, n_resamples=999)
    assert abs(res["statistic"]) < 0.2 and res["p_value"] > 0.05
    with pytest.raises(ValueError, match="no stratum"):
        stats.stratified_permutation_test([1, 2], [3, 4], ["2013"] * 2, ["2022"] * 2)


def test_period_contrasts_never_pair_groups_without_a_shared_period(analysed):
    pc = _tables(analysed, period="year")["period_contrasts"]
    assert len(pc) and "Gamma" not in set(pc["high_group"]) | set(pc["low_group"])
    tone = pc[pc["measure"] == "tone"].iloc[0]
    assert {tone.high_group, tone.low_group} == {"Alpha", "Beta"} and tone.n_periods == 1
    assert tone.sentence.startswith("Within the same years,")
    assert "2022: " in tone.periods and (pc["difference"] > 0).all()
    # the difference is the stratified statistic on the articles' values
    articles, parts = analysed
    t = _tables(analysed, period="year")["trends"].set_index(["outlet", "period", "measure"])
    hi = t.loc[(tone.high_group, "2022", "tone"), "value"]
    lo = t.loc[(tone.low_group, "2022", "tone"), "value"]
    assert tone.difference == pytest.approx(hi - lo)


# --------------------------------------------------------------------------- the stages

def test_without_a_period_the_time_tables_are_not_computed(analysed):
    plain, timed = _tables(analysed), _tables(analysed, period="year")
    time_tables = {s.name for s in stages.STAGES if s.settings}
    assert time_tables == {"trends", "event_shifts", "period_contrasts"}
    assert not time_tables & set(plain)
    assert set(timed) - set(plain) == {"trends", "period_contrasts"}
    for name in plain:
        pd.testing.assert_frame_equal(plain[name], timed[name])


def test_settings_reach_only_the_stages_that_name_them(analysed):
    articles, parts = analysed
    seen = []

    def spy(a, by, t, *, period):
        seen.append(period)
        return pd.DataFrame({"period": [period]})

    def plain(a, by, t):
        return pd.DataFrame()

    mine = (*stages.STAGES, stages.Stage("spy", spy, settings=("period",)),
            stages.Stage("plain", plain))
    out = pipeline.group_tables(articles, parts, "outlet", progress=False, stages=mine,
                                settings={"period": "quarter"})
    assert seen == ["quarter"] and out["spy"]["period"].tolist() == ["quarter"]
    with pytest.raises(ValueError, match="unknown settings"):
        pipeline.group_tables(articles, parts, "outlet", progress=False, settings={"perod": 1})
    with pytest.raises(ValueError, match="only group stages"):
        stages.Stage("x", plain, kind="article", settings=("period",))


def test_cache_keys_the_time_tables_by_their_settings(analysed, tmp_path):
    articles, _ = analysed
    cache = tmp_path / "cache"
    year = pipeline.analyze(articles, n_jobs=1, progress=False, cache=cache, period="year")
    month = pipeline.analyze(articles, n_jobs=1, progress=False, cache=cache, period="month")
    again = pipeline.analyze(articles, n_jobs=1, progress=False, cache=cache, period="year")
    plain = pipeline.analyze(articles, n_jobs=1, progress=False, cache=cache)
    assert "trends" not in plain and list(again) == list(year)
    assert set(month["trends"]["period"]) != set(year["trends"]["period"])
    for name in year:
        pd.testing.assert_frame_equal(year[name].reset_index(drop=True),
                                      again[name].reset_index(drop=True))
    folders = sorted(p.name for p in cache.glob("*/by=outlet/settings=*"))
    assert len(folders) == 2
    meta = json.loads((cache.glob("*/by=outlet/settings=*/meta.json").__next__()).read_text())
    assert set(meta["tables"]) == {"trends", "period_contrasts"}


def test_seeds_one_article_per_outlet_and_period():
    articles = corpus.load(SEEDS)
    t = pipeline.analyze(articles, progress=False, period="year")["trends"]
    placed = t[(t["measure"] == "articles") & (t["period"] != trends.UNPLACED)]
    assert set(placed["n_articles"]) == {0, 1}
    assert (t.loc[t["measure"] == "tone", "interval"] == "n=1: no interval").all()
    assert t.loc[(t["outlet"] == "The Astana Times") & (t["n_articles"] == 1),
                 "period"].unique().tolist() == ["2013"]
