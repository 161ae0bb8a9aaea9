"""compare: profiles and contrasts on a corpus small enough to check by hand."""

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kzmedia import compare, corpus, pipeline, terms

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

TEXTS = {
    # outlet A: four Russia mentions, one China mention, all in separate sentences
    ("a1", "Alpha Daily"): "Russia signed a deal with Kazakhstan. Russia praised the talks.\n\n"
                           "Moscow hosted the summit.",
    ("a2", "Alpha Daily"): "Russia and Kazakhstan met again. China watched the meeting closely.",
    # outlet B: China only
    ("b1", "Beta Times"): "China opened a wonderful new railway to Kazakhstan. Beijing was delighted.",
    ("b2", "Beta Times"): "China and Kazakhstan agreed on a great plan. Xi Jinping praised it.",
}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    path = tmp_path_factory.mktemp("cmp") / "small.csv"
    pd.DataFrame([{"id": d, "outlet": o, "date": "2022-01-0%d" % i, "title": d, "text": t}
                  for i, ((d, o), t) in enumerate(TEXTS.items(), 1)]).to_csv(path, index=False)
    articles = corpus.load(path)
    return articles, pipeline.analyze(articles, sentences=True, progress=False)


def test_profile_one_row_per_outlet_with_counts(small):
    articles, tables = small
    p = compare.profile(articles, tables=tables)
    assert p["outlet"].tolist() == ["Alpha Daily", "Beta Times"]
    assert p["n_articles"].tolist() == [2, 2]
    assert p["n_words"].tolist() == [articles.n_words[:2].sum(), articles.n_words[2:].sum()]
    assert p["date_first"].tolist() == ["2022-01-01", "2022-01-03"]
    # Alpha: Russia 3 + Moscow 1 = 4 Russia mentions, China 1 -> 80% / 20%
    assert p.loc[0, "top_vectors"].startswith("Russia 80% (4), China 20% (1)")
    assert p.loc[1, "top_vectors"].startswith("China 100% (")
    assert p.loc[0, "n_partner_mentions"] == 5
    assert "range of 2 articles" == p.loc[0, "tone_interval"]


def test_missing_tables_are_named(small):
    articles, tables = small
    with pytest.raises(ValueError, match=r"compare.profile needs the tables \['balance'\]"):
        compare.profile(articles, tables={k: v for k, v in tables.items() if k != "balance"})
    with pytest.raises(ValueError, match="compare.contrasts needs the tables"):
        compare.contrasts(articles, tables={})


def test_contrasts_numbers_sentences_and_evidence(small):
    articles, tables = small
    c = compare.contrasts(articles, tables=tables)
    russia = c[(c.family == "attention") & (c["item"] == "russia")].iloc[0]
    assert (russia.high_group, russia.low_group) == ("Alpha Daily", "Beta Times")
    assert russia.high_value == pytest.approx(0.8) and russia.low_value == 0
    assert russia.difference == pytest.approx(0.8)
    assert "Alpha Daily gives Russia the largest share" in russia.sentence
    assert "80% (4 of 5 mentions, 2 articles)" in russia.sentence
    lines = russia.evidence.splitlines()
    assert lines and all(line.startswith("[Alpha Daily] a") for line in lines)
    assert all(("Russia" in line) or ("Moscow" in line) for line in lines)
    # the first two sentences naming Russia in the high group, in order
    assert lines == ["[Alpha Daily] a1#0: Russia signed a deal with Kazakhstan.",
                     "[Alpha Daily] a1#1: Russia praised the talks."]
    tone = c[c.family == "tone"].iloc[0]
    # 2 vs 2 articles: 6 splits, the smallest two-sided p is 2/6
    assert tone.min_p == pytest.approx(1 / 3)
    assert tone.caveat.startswith("few articles")
    assert list(c.family.drop_duplicates()) == [f for f in compare.FAMILIES if f in set(c.family)]


def test_to_html_escapes_article_text():
    row = dict(family="tone", sentence="A <b>x</b>", caveat="", p_value=float("nan"), q_value=0,
               min_p=float("nan"), evidence="[X] d#0: <script>alert(1)</script>")
    html = compare.to_html(pd.DataFrame([row]))
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;" in html


def test_to_html_states_a_caveat_every_row_shares_once():
    base = dict(family="tone", sentence="s", p_value=float("nan"), q_value=0,
                min_p=float("nan"), evidence="")
    rows = pd.DataFrame([{**base, "caveat": "one article; no test"},
                         {**base, "caveat": "one article; no test; dates do not overlap"}])
    html = compare.to_html(rows)
    assert html.count("one article; no test") == 1
    assert html.index("For every contrast below: one article; no test.") < html.index("<ol>")
    assert "<em>dates do not overlap</em>" in html
    assert compare.to_html(rows, shared_caveats=False).count("one article; no test") == 2


def test_caveats_state_single_article_groups(small):
    articles, _ = small
    one = articles.iloc[[0, 2, 3]]
    text = " ".join(compare.caveats(one))
    assert "1 of 2 groups have a single article" in text


def test_caveats_name_the_articles_the_english_only_stages_miss(small):
    articles, _ = small
    mixed = articles.assign(lang=["en"] * (len(articles) - 1) + ["zh"])
    text = " ".join(compare.caveats(mixed))
    assert f"1 of {len(articles)} articles are not in English (zh 1)" in text
    assert "tone" in text and "English-only" in text
    assert "not in English" not in " ".join(compare.caveats(articles.assign(lang="en")))


def test_syndicated_copy_found_and_dropped(tmp_path):
    seed = SEEDS / "003_b057be9447ba2bd1.txt"
    folder = tmp_path / "c"
    folder.mkdir()
    for name in ("000_05d4af9c68a29d22.txt", seed.name):
        shutil.copy(SEEDS / name, folder / name)
    shutil.copy(seed, folder / "copy.txt")
    pd.DataFrame({"file": ["000_05d4af9c68a29d22.txt", seed.name, "copy.txt"],
                  "outlet": ["Herald", "Post", "Chronicler"],
                  "published": ["2022-12-15", "2022-10-30", "2022-10-31"]}).to_csv(
        folder / "manifest.csv", index=False)
    articles = corpus.load(folder)
    dups = corpus.duplicates(articles)
    assert sorted(dups["doc_id"]) == sorted([seed.stem, "copy"])
    sim = terms.similarity(articles, permutations=0)
    pair = sim[(sim.group_a == "Chronicler") & (sim.group_b == "Post")]
    assert pair.cosine.iloc[0] == pytest.approx(1.0)
    kept = corpus.dedupe(articles, dups)
    assert sorted(kept["outlet"]) == ["Herald", "Post"]      # the earlier copy stays


def test_contrasts_same_with_or_without_group_column_in_sentence_tone(small):
    """pipeline.group_tables passes sentence_tone with the grouping column; a user's table may
    not have it (it is then looked up from the articles): same contrasts either way."""
    articles, tables = small
    assert "outlet" in tables["sentence_tone"]
    without = tables["sentence_tone"].drop(columns=["outlet"])
    a = compare.contrasts(articles, tables=tables)
    b = compare.contrasts(articles, tables={**tables, "sentence_tone": without})
    pd.testing.assert_frame_equal(a, b)
    tone = a[a.family == "tone"].iloc[0]
    # evidence: the most positive sentences of the high group, the most negative of the low
    scored = tables["sentence_tone"].dropna(subset=["compound"])
    hi = scored[scored.outlet == tone.high_group].nlargest(2, "compound")
    lo = scored[scored.outlet == tone.low_group].nsmallest(2, "compound")
    expected = [f"[{o}] {d}#{i}: {t}" for o, d, i, t in
                pd.concat([hi, lo])[["outlet", "doc_id", "sent_id", "sentence"]].itertuples(index=False)]
    assert tone.evidence.splitlines() == expected


# --------------------------------------------------------------------------- dates

@pytest.fixture(scope="module")
def seeds():
    articles = corpus.load(SEEDS)
    return articles, pipeline.analyze(articles, sentences=True, progress=False)


def test_contrasts_name_the_gap_between_2013_and_2022(seeds):
    """The Astana Times (September 2013) set against an outlet of 2022: the caveat says the
    dates do not overlap and names both, next to the claim; outlets of 2022 set against each
    other get no such note."""
    articles, tables = seeds
    c = tables["contrasts"]
    astana = c[(c.high_group == "The Astana Times") | (c.low_group == "The Astana Times")]
    assert len(astana)
    for r in astana.itertuples():
        other = r.low_group if r.high_group == "The Astana Times" else r.high_group
        assert "dates do not overlap" in r.caveat and "The Astana Times: 2013-09" in r.caveat
        assert f"{other}: 2022" in r.caveat and "period, not of outlet" in r.caveat
    late = {"The Jerusalem Post", "The Shanghai Herald", "Port Elizabeth Post"}
    same_year = c[c.high_group.isin(late) & c.low_group.isin(late)]
    assert len(same_year) and not same_year.caveat.str.contains("overlap").any()
    html = compare.to_html(astana)
    assert "dates do not overlap" in html


def test_profile_names_the_groups_with_other_years(seeds, small):
    articles, tables = seeds
    p = tables["profile"].set_index("outlet")
    assert p.columns[p.columns.get_loc("date_last") + 1] == "date_overlap"
    note = p.loc["The Astana Times", "date_overlap"]
    assert note.startswith("years overlap less than half with")
    assert all(f"{o} (0%)" in note for o in p.index if o != "The Astana Times")
    assert "The Astana Times (0%)" in p.loc["The Jerusalem Post", "date_overlap"]
    # all in January 2022: nothing to say
    assert (compare.profile(small[0], tables=small[1])["date_overlap"] == "").all()


def test_little_overlap_is_said_with_its_share():
    rows = [("A", f"a{i}", f"{2012 + i}-01-01") for i in range(8)] + [("B", "b0", "2019-05-01")]
    articles = pd.DataFrame(rows, columns=["outlet", "doc_id", "date"])
    from kzmedia import trends
    overlap = trends.year_overlap(articles)
    assert overlap.loc["A", "B"] == pytest.approx(1 / 8) and overlap.loc["A", "A"] == 1
    articles.loc[len(articles)] = ("C", "c0", "")
    assert np.isnan(trends.year_overlap(articles).loc["A", "C"])
