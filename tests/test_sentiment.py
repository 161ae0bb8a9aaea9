import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from kzmedia import corpus, sentiment

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

PARITY = [
    "The talks were good.",
    "The talks were not good.",
    "The talks were not bad at all!!!",
    "The summit was GREAT, but the follow-up was disappointing.",
    "The deal is VERY good :)",
    "Hardly anyone trusted the plan.",
    "No progress was made, sadly.",
    "",
    "Kazakhstan pursues a multi-vector policy.",
]


@pytest.mark.parametrize("method", ["fast", "reference"])
def test_score_equals_vadersentiment_unmasked(method):
    ref = SentimentIntensityAnalyzer()
    out = sentiment.score(PARITY, method=method)
    assert list(out.columns) == ["neg", "neu", "pos", "compound", "label"]
    assert len(out) == len(PARITY)
    for i, text in enumerate(PARITY):
        expected = ref.polarity_scores(text)
        for k in ("neg", "neu", "pos", "compound"):
            assert out.loc[i, k] == expected[k], (text, k)
    # negation flips, "!!!" and capitals amplify: the rules are really applied
    assert out.loc[0, "compound"] > 0 > out.loc[1, "compound"]
    assert sentiment.score(["GOOD!!!"]).loc[0, "compound"] > sentiment.score(["good"]).loc[0, "compound"]


def test_labels_follow_thresholds():
    out = sentiment.score(PARITY)
    for c, lab in zip(out["compound"], out["label"]):
        expected = "positive" if c >= 0.05 else "negative" if c <= -0.05 else "neutral"
        assert lab == expected
    assert sentiment.score(["good"], label_threshold=0.9).loc[0, "label"] == "neutral"


def test_duplicates_processes_and_methods_give_identical_scores():
    texts = [f"Meeting {i} was {'good' if i % 3 else 'terrible'} and {'calm' if i % 2 else 'tense'}."
             for i in range(1200)]
    one = sentiment.score(texts + texts[:5])
    pd.testing.assert_frame_equal(one, sentiment.score(texts + texts[:5], n_jobs=2))
    pd.testing.assert_frame_equal(one, sentiment.score(texts + texts[:5], n_jobs=2,
                                                       method="reference"))
    pd.testing.assert_frame_equal(one.iloc[-5:].reset_index(drop=True),
                                  one.iloc[:5].reset_index(drop=True))


def test_masking_hand_made_sentences():
    mask = sentiment.make_masker()
    assert mask("The United Nations Security Council met.") == "Entity met."
    out = sentiment.score(["The United Nations Security Council met."], mask=mask)
    assert out.loc[0, "compound"] == 0.0 and out.loc[0, "label"] == "neutral"
    assert sentiment.score(["The United Nations Security Council met."]).loc[0, "compound"] > 0.6
    # organisation names with a keyword are masked, other capitalised runs and ordinary
    # sentence-initial words are not
    assert mask("Ukraine and the European Union signed.") == "Ukraine and Entity signed."
    assert mask("Security in the region is good.") == "Security in the region is good."
    assert mask("Peace talks collapsed.") == "Entity collapsed."
    # literal surfaces (from gazetteer matches) are case-sensitive and whole-word
    m2 = sentiment.make_masker(["US", "Russia"], organisations=False)
    assert m2("The US told us. Russian Russia.") == "The Entity told us. Russian Entity."
    # longest surface first; never inside a longer word
    m3 = sentiment.make_masker(["Russia", "Russian", "United States", "United States of America",
                                "EU"], organisations=False)
    assert m3("Russians, a Russian and Russia.") == "Russians, a Entity and Entity."
    assert m3("The United States of America and the United States.") == "The Entity and the Entity."
    assert m3("EUROPE, the EU, NEU.") == "EUROPE, the Entity, NEU."
    # the placeholder is neutral for VADER
    assert sentiment.score(["Entity"]).loc[0, "compound"] == 0


@pytest.mark.parametrize("method", ["fast", "reference"])
def test_neutral_words_use_a_copy_of_the_lexicon(method):
    out = sentiment.score(["Security was discussed.", "Security was discussed."],
                          neutral_words=["security"], method=method)
    assert (out["compound"] == 0).all()
    assert SentimentIntensityAnalyzer().lexicon["security"] != 0
    assert sentiment.score(["Security was discussed."]).loc[0, "compound"] > 0


def arts(rows):
    return pd.DataFrame(rows, columns=["doc_id", "outlet", "text", "lang"])


def test_sentences_masks_and_keeps_both_texts():
    a = arts([("d1", "X", "The United Nations Security Council met.\n\nThe talks were good.", "en")])
    s = sentiment.sentences(a)
    assert list(s.columns) == ["doc_id", "outlet", "sent_id", "sentence", "masked", "compound",
                               "neg", "neu", "pos", "label", "vectors"]
    assert s["sent_id"].tolist() == [0, 1]
    assert s.loc[0, "sentence"] == "The United Nations Security Council met."
    assert "Entity" in s.loc[0, "masked"] and "Security" not in s.loc[0, "masked"]
    assert s.loc[0, "compound"] == 0
    assert s.loc[1, "compound"] == SentimentIntensityAnalyzer().polarity_scores(
        "The talks were good.")["compound"]
    unmasked = sentiment.sentences(a, mask_entities=False)
    assert unmasked.loc[0, "masked"] == unmasked.loc[0, "sentence"]
    assert unmasked.loc[0, "compound"] > 0.6


def test_sentences_mask_the_spans_of_their_own_mentions():
    text = "The Russian Security Council and Putin held peace talks in Astana."
    a = arts([("d1", "X", text + " Putin met Xi Jinping and Putin again.", "en")])
    s = sentiment.sentences(a)
    # organisation name first (it holds the mention "Russian"), then mentions and phrases
    assert s.loc[0, "masked"] == "Entity and Entity held Entity in Entity."
    assert s.loc[0, "masked"] == sentiment.make_masker(["Russian", "Putin", "Astana"])(text)
    assert s["vectors"].tolist() == ["kazakhstan|russia", "china|russia"]
    # a mentions table without offsets: each match is looked up in its sentence
    from kzmedia import actors
    m = actors.mentions(a)
    old = sentiment.sentences(a, mentions=m.drop(columns=["start", "end"]))
    pd.testing.assert_frame_equal(old, s)


def test_masking_depends_only_on_the_sentence():
    # "Washington" is a mention in d1; in d2 it is part of a masthead the gazetteer strips,
    # so it is no mention there and stays, whichever articles are scored together
    a = arts([("d1", "X", "Relations with Washington improved.", "en"),
              ("d2", "Y", "The Washington Post praised the plan.", "en")])
    together = sentiment.sentences(a)
    apart = pd.concat([sentiment.sentences(a.iloc[[0]]), sentiment.sentences(a.iloc[[1]])],
                      ignore_index=True)
    pd.testing.assert_frame_equal(together, apart)
    assert together["masked"].tolist() == ["Relations with Entity improved.",
                                           "The Washington Post praised the plan."]


def test_mentions_and_phrases_that_overlap():
    # where a mention and a risky phrase overlap, the one starting first is masked (the
    # mention when both start together), as make_masker does with the mention's surface
    settings = {"risky_phrases": ["moscow talks", "visit to moscow"]}
    texts = ["The Moscow talks failed.", "A visit to Moscow failed."]
    a = arts([(f"d{i}", "X", t, "en") for i, t in enumerate(texts)])
    s = sentiment.sentences(a, settings=settings)
    assert s["masked"].tolist() == ["The Entity talks failed.", "A Entity failed."]
    mask = sentiment.make_masker(["Moscow"], sentiment.load_settings(settings))
    assert s["masked"].tolist() == [mask(t) for t in texts]


def test_phrases_found_in_any_letter_case():
    # the scan for sentences that may hold a risky phrase lower-cases them: letters that
    # lower-case to two characters (İ) or that regex matching equates with i or s (ı, ſ)
    # must not hide a phrase
    gazetteer = {"focal": "k", "vectors": {"k": {"names": ["Astana"]}}}
    for texts in (["The UNITED NATIONS met.", "Peace-talks failed.", "The unıted nations met.",
                   "Collective ſecurity"],
                  ["İstanbul hosted peace talks.", "İİ united-nations", "The unİted nations"]):
        a = arts([(f"d{i}", "X", t, "en") for i, t in enumerate(texts)])
        s = sentiment.sentences(a, gazetteer=gazetteer)
        assert s["masked"].tolist() == [sentiment.make_masker()(t) for t in texts]
    assert sentiment.make_masker()("The unıted nations met.") == "The Entity met."
    # the Kelvin sign matches k in any case: "maKe peace" holds the phrase "make peace"
    settings = {"risky_phrases": ["make peace"]}
    texts = ["They ma\u212ae peace.", "They make war."]
    a = arts([(f"d{i}", "X", t, "en") for i, t in enumerate(texts)])
    s = sentiment.sentences(a, gazetteer=gazetteer, settings=settings)
    assert s["masked"].tolist() == ["They Entity.", "They make war."]


def test_risky_phrases_follow_the_pattern_grammar():
    # a space in a phrase matches any run of spaces and hyphens, Unicode hyphens included;
    # whole words only
    mask = sentiment.make_masker(organisations=False)
    assert mask("Peace\u2011talks and peace - talks failed.") == "Entity and Entity failed."
    assert mask("Peacetalks and unpeace talks.") == "Peacetalks and unpeace talks."
    texts = ["Peace\u2011talks failed.", "The united\u00a0nations met."]
    a = arts([(f"d{i}", "X", t, "en") for i, t in enumerate(texts)])
    s = sentiment.sentences(a, gazetteer={"focal": "k", "vectors": {"k": {"names": ["Astana"]}}})
    assert s["masked"].tolist() == ["Entity failed.", "The Entity met."]


def test_overlapping_and_disjoint_mention_offsets():
    # disjoint mentions are all masked; of overlapping ones, the one starting first
    texts = ["Ann met Bob and Cy.", "Ann met Bob and Cy."]
    a = arts([(f"d{i}", "X", t, "en") for i, t in enumerate(texts)])
    m = pd.DataFrame({"doc_id": ["d0", "d0", "d1", "d1", "d1"], "sent_id": [0] * 5,
                      "vector": ["v"] * 5, "match": ["Ann", "Cy", "Ann met", "met Bob", "Cy"],
                      "start": [0, 16, 0, 4, 16], "end": [3, 18, 7, 11, 18]})
    s = sentiment.sentences(a, mentions=m)
    assert s["masked"].tolist() == ["Entity met Bob and Entity.", "Entity Bob and Entity."]


def test_language_guard_flags_and_excludes():
    german = ("Die Regierung in Astana hat am Montag neue Gespräche mit ihren Nachbarn "
              "angekündigt. Die Verhandlungen sollen im Frühjahr beginnen und sind sehr gut.")
    russian = ("Казахстан проводит многовекторную внешнюю политику. Президент встретился "
               "с лидерами соседних стран.")
    a = pd.DataFrame({"doc_id": ["de1", "en1", "ru1"], "outlet": ["X", "X", "Y"],
                      "text": [german, "The talks were good.", russian]})
    with pytest.warns(UserWarning, match=r"de1 \(de\).*ru1 \(ru\)"):
        s = sentiment.sentences(a)
    de = s[s["doc_id"] == "de1"]
    assert len(de) == 2 and de["compound"].isna().all()
    assert (de["label"] == "not scored (lang=de)").all()
    assert (s.loc[s["doc_id"] == "ru1", "label"] == "not scored (lang=ru)").all()
    assert s.loc[s["doc_id"] == "en1", "compound"].notna().all()
    with pytest.warns(UserWarning):
        t = sentiment.group_tone(a)
    x = t.set_index("outlet").loc["X"]
    assert x.n_articles == 1 and x.n_sentences == 1  # the German article is not a neutral 0
    assert math.isnan(t.set_index("outlet").loc["Y", "mean_compound"])
    # an explicit lang column is trusted
    with pytest.warns(UserWarning, match="en1"):
        sentiment.sentences(a.assign(lang=["en", "kk", "en"]).iloc[[1]])


def sent_table():
    """Hand-made scored sentences: outlet A 1 article, B 3 articles, C 6 articles."""
    rows = [("A", "a1", 0, 0.5, "russia")]
    # b1 has three sentences: sentence mean 0.2 vs article-weighted
    rows += [("B", "b1", 0, 0.6, "china|russia"), ("B", "b1", 1, 0.0, ""),
             ("B", "b1", 2, 0.0, "russia"), ("B", "b2", 0, -0.3, "russia"),
             ("B", "b3", 0, 0.0, "china")]
    rows += [("C", f"c{i}", 0, v, "us") for i, v in enumerate([0.0, 0.1, 0.2, 0.3, 0.4, 0.5])]
    df = pd.DataFrame(rows, columns=["outlet", "doc_id", "sent_id", "compound", "vectors"])
    df["label"] = np.where(df["compound"] >= 0.05, "positive",
                           np.where(df["compound"] <= -0.05, "negative", "neutral"))
    df["sentence"] = df["masked"] = [f"s{i}" for i in range(len(df))]
    return df


def test_article_tone():
    t = sentiment.article_tone(sent_table())
    assert list(t.columns) == ["doc_id", "outlet", "mean_compound", "share_positive",
                               "share_negative", "n_sentences"]
    b1 = t.set_index("doc_id").loc["b1"]
    assert b1.mean_compound == pytest.approx(0.2)
    assert b1.share_positive == pytest.approx(1 / 3) and b1.share_negative == 0
    assert b1.n_sentences == 3


def test_group_tone_small_n_rules():
    t = sentiment.group_tone(sent_table()).set_index("outlet")
    a, b, c = t.loc["A"], t.loc["B"], t.loc["C"]
    assert (a.n_articles, a.n_sentences, a.mean_compound) == (1, 1, 0.5)
    assert math.isnan(a.ci_low) and a.interval == "n=1: no interval"
    # article-weighted: mean of (0.2, -0.3, 0.0), not of the five sentences
    assert b.mean_compound == pytest.approx(-0.1 / 3)
    assert (b.n_articles, b.n_sentences) == (3, 5)
    assert b.ci_low == pytest.approx(-0.3) and b.ci_high == pytest.approx(0.2)
    assert b.interval == "range of 3 articles"
    assert sorted(b.article_values) == pytest.approx([-0.3, 0.0, 0.2])
    assert c.n_articles == 6 and c.interval == "95% bootstrap over articles"
    assert c.ci_low < c.mean_compound < c.ci_high
    with pytest.raises(KeyError, match="bias"):
        sentiment.group_tone(sent_table(), by="bias")


def test_vector_tone_and_exclusive():
    v = sentiment.vector_tone(sent_table()).set_index(["outlet", "vector"])
    assert v.loc[("B", "russia"), "n_sentences"] == 3
    assert v.loc[("B", "russia"), "n_articles"] == 2
    # b1: mean(0.6, 0.0) = 0.3; b2: -0.3 -> article-weighted 0.0
    assert v.loc[("B", "russia"), "mean_compound"] == pytest.approx(0.0)
    assert v.loc[("B", "china"), "mean_compound"] == pytest.approx(0.3)
    assert v.loc[("C", "us"), "interval"] == "95% bootstrap over articles"
    ex = sentiment.vector_tone(sent_table(), exclusive=True, focal="kazakhstan")
    ex = ex.set_index(["outlet", "vector"])
    # the sentence naming both China and Russia is gone
    assert ex.loc[("B", "russia"), "mean_compound"] == pytest.approx((0.0 - 0.3) / 2)
    assert ex.loc[("B", "china"), "n_sentences"] == 1
    assert ex.loc[("B", "china"), "mean_compound"] == 0.0
    # the focal country does not make a sentence non-exclusive; alone it counts for itself
    s = sent_table()
    s.loc[s["doc_id"] == "b2", "vectors"] = "kazakhstan|russia"
    s.loc[s["doc_id"] == "b3", "vectors"] = "kazakhstan"
    ex = sentiment.vector_tone(s, exclusive=True, focal="kazakhstan").set_index(["outlet", "vector"])
    assert ex.loc[("B", "russia"), "n_sentences"] == 2
    assert ex.loc[("B", "kazakhstan"), "n_sentences"] == 1
    assert ("B", "china") not in ex.index
    assert sentiment.vector_tone(s, exclusive=True, focal="nowhere").set_index(
        ["outlet", "vector"]).loc[("B", "russia"), "n_sentences"] == 1


def test_extremes():
    e = sentiment.extremes(sent_table(), k=2)
    b = e[e["outlet"] == "B"]
    pos = b[b["direction"] == "most positive"]
    neg = b[b["direction"] == "most negative"]
    assert pos["compound"].tolist() == [0.6]  # only sentences above 0 count as positive
    assert neg["compound"].tolist() == [-0.3] and neg["doc_id"].tolist() == ["b2"]
    c = e[(e["outlet"] == "C") & (e["direction"] == "most positive")]
    assert c["compound"].tolist() == [0.5, 0.4] and c["rank"].tolist() == [1, 2]


def test_sensitivity_side_by_side():
    a = arts([("d1", "X", "The United Nations Security Council met.\n\nSecurity improved.", "en"),
              ("d2", "Y", "The talks were good.", "en")])
    s = sentiment.sensitivity(a).set_index("outlet")
    assert {"masked_mean", "unmasked_mean", "neutralised_mean", "n_articles",
            "interval"} <= set(s.columns)
    x = s.loc["X"]
    ref = SentimentIntensityAnalyzer().polarity_scores
    assert x.unmasked_mean == pytest.approx(
        (ref("The United Nations Security Council met.")["compound"]
         + ref("Security improved.")["compound"]) / 2)
    assert x.masked_mean < x.unmasked_mean
    assert x.neutralised_mean < x.unmasked_mean  # "united", "security" set to 0
    y = s.loc["Y"]
    assert y.masked_mean == y.unmasked_mean == y.neutralised_mean


def test_seeds_end_to_end():
    corpus = pytest.importorskip("kzmedia.corpus")
    pytest.importorskip("kzmedia.actors")
    articles = corpus.load(SEEDS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the seeds are English: no language warning
        s = sentiment.sentences(articles)
    assert s["compound"].notna().all()
    assert set(s["doc_id"]) == set(articles["doc_id"])
    assert (s["vectors"] != "").any()
    assert not s["masked"].str.contains("Security Council").any()
    # on the seeds, no mention's text also stands outside a mention in its sentence: the
    # spans masked are those a masker of the sentence's own mention texts masks
    from kzmedia import actors
    own = actors.mentions(articles).groupby(["doc_id", "sent_id"])["match"].agg(list)
    for r in s.itertuples():
        assert r.masked == sentiment.make_masker(own.get((r.doc_id, r.sent_id), []))(r.sentence)
    t = sentiment.group_tone(s)
    assert len(t) == articles["outlet"].nunique()
    assert (t["n_articles"] == articles.groupby("outlet").size().sort_index().to_numpy()).all()
    v = sentiment.vector_tone(s)
    assert {"russia", "china"} <= set(v["vector"])


def test_sentences_methods_agree():
    articles = pytest.importorskip("kzmedia.corpus").load(SEEDS)
    pd.testing.assert_frame_equal(sentiment.sentences(articles),
                                  sentiment.sentences(articles, method="reference"))


def test_placeholder_in_capitals_in_a_text_in_capitals():
    # VADER boosts TERRIBLE only if some word is not in capitals: a mixed-case placeholder
    # would switch that on in a headline written in capitals
    a = arts([("d1", "X", "RUSSIA SLAMS TERRIBLE NEW RULES.\n\nRussia slams terrible new rules.",
               "en")])
    s = sentiment.sentences(a)
    assert s["masked"].tolist() == ["ENTITY SLAMS TERRIBLE NEW RULES.",
                                    "Entity slams terrible new rules."]
    vs = SentimentIntensityAnalyzer().polarity_scores
    assert s.loc[0, "compound"] == vs("ENTITY SLAMS TERRIBLE NEW RULES.")["compound"]
    assert vs("Entity SLAMS TERRIBLE NEW RULES.")["compound"] < s.loc[0, "compound"]
    assert sentiment.make_masker(["RUSSIA"])("RUSSIA SLAMS TERRIBLE NEW RULES.") == \
        "ENTITY SLAMS TERRIBLE NEW RULES."


def test_load_settings_overrides_and_errors(tmp_path):
    assert sentiment.load_settings({"placeholder": "Thing"})["placeholder"] == "Thing"
    path = tmp_path / "mine.yaml"
    path.write_text("label_threshold: 0.1\n")
    s = sentiment.load_settings(path)
    assert s["label_threshold"] == 0.1 and s["placeholder"] == "Entity"
    with pytest.raises(ValueError, match="nope.yaml: file not found"):
        sentiment.load_settings(tmp_path / "nope.yaml")
    path.write_text("- a list\n")
    with pytest.raises(ValueError, match="mine.yaml: expected a mapping"):
        sentiment.load_settings(path)


def test_unmasked_rescores_only_what_masking_changed_and_equals_scoring_without_masks():
    arts = corpus.load(SEEDS, lang=False).assign(lang="en")
    masked = sentiment.sentences(arts)
    plain = sentiment.sentences(arts, mask_entities=False)
    assert (masked["sentence"] != masked["masked"]).any()
    pd.testing.assert_frame_equal(sentiment.unmasked(masked), plain)
