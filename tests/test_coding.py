"""kzmedia.coding: classifiers from the researcher's coding, and corrected prevalence."""

import math

import numpy as np
import pandas as pd
import pytest

from kzmedia import coding, frames, text

CODEBOOK = {"name": "toy", "frames": {"f": {"patterns": ["alpha"]}}}


def sheet(sentences, codes, doc_ids=None):
    n = len(sentences)
    return pd.DataFrame({"item_id": range(1, n + 1), "half": "dev",
                         "doc_id": doc_ids or [f"c{i}" for i in range(n)], "outlet": "X",
                         "sent_id": 0, "sentence": sentences, "f": codes})


# --------------------------------------------------------------------------- arithmetic

def test_adjusted_count_known_answers():
    assert coding.adjusted_count(0.5, 0.8, 0.2) == pytest.approx(0.5)
    assert coding.adjusted_count(0.26, 0.9, 0.1) == pytest.approx(0.2)
    assert coding.adjusted_count(0.05, 0.9, 0.1) == 0.0          # clipped at 0
    assert coding.adjusted_count(0.95, 0.9, 0.1) == 1.0          # clipped at 1
    assert math.isnan(coding.adjusted_count(0.5, 0.3, 0.3))      # tpr <= fpr: no answer
    got = coding.adjusted_count(np.array([0.5, 0.26]), np.array([0.8, 0.9]), np.array([0.2, 0.1]))
    assert got == pytest.approx([0.5, 0.2])


def test_gold_rule_matches_evaluate():
    coded = pd.DataFrame({"f": [1, np.nan, np.nan, np.nan],
                          "f__coder1": [0, 1, 1, 0], "f__coder2": [0, 1, 0, np.nan]})
    g = coding.gold(coded, "f")
    assert g.iloc[0] == 1 and g.iloc[1] == 1 and math.isnan(g.iloc[2]) and math.isnan(g.iloc[3])
    assert coding.gold(coded.drop(columns=["f", "f__coder2"]), "f").tolist() == [0, 1, 1, 0]
    with pytest.raises(ValueError, match="0/1"):
        coding.gold(pd.DataFrame({"f": ["yes"]}), "f")


# --------------------------------------------------------------------------- corrected prevalence

def test_prevalence_with_known_dictionary_error_rates():
    # 4 positive coded sentences, 3 with the dictionary's word: tpr = 3/4;
    # 6 negative ones, 1 with it: fpr = 1/6
    coded = sheet(["Alpha one.", "Alpha two.", "Alpha three.", "Plain positive.",
                   "Alpha false.", "No.", "Nothing.", "Rain.", "Snow.", "Wind."],
                  [1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    models = coding.train(coded, CODEBOOK)
    d = models.scores.set_index("method").loc["dictionary"]
    assert (d.tp, d.fp, d.fn, d.tn) == (3, 1, 1, 5)
    assert d.tpr == pytest.approx(3 / 4) and d.fpr == pytest.approx(1 / 6)
    # one article of 12 sentences, 4 with the word: observed 1/3
    body = " ".join(["Alpha here."] * 4 + ["Plain here."] * 8)
    arts = pd.DataFrame({"doc_id": ["a1"], "outlet": ["Y"], "text": [body]})
    sents = text.sentences(arts)
    pred = coding.predict(models, sents)
    assert len(pred) == 12 and pred.dictionary.sum() == 4
    prev = coding.prevalence(models, pred, arts, method="dictionary", n_resamples=500)
    row = prev.iloc[0]
    assert row.observed == pytest.approx(1 / 3)
    # (1/3 - 1/6) / (3/4 - 1/6) = 2/7
    assert row.adjusted == pytest.approx(2 / 7)
    assert row.ci_low <= row.adjusted <= row.ci_high
    assert "coded sentences only" in row.interval       # one article: not resampled


def test_prevalence_resamples_articles_in_larger_groups():
    coded = sheet(["Alpha one.", "Alpha two.", "Plain positive.", "Alpha false.", "No.", "Nothing."],
                  [1, 1, 1, 0, 0, 0])
    models = coding.train(coded, CODEBOOK)
    arts = pd.DataFrame({"doc_id": [f"a{i}" for i in range(6)], "outlet": "Y",
                         "text": ["Alpha. Plain.", "Plain. Plain.", "Alpha. Alpha.", "Plain.",
                                  "Alpha. Plain. Plain.", "Plain. Plain. Plain."]})
    pred = coding.predict(models, text.sentences(arts))
    prev = coding.prevalence(models, pred, arts, method="dictionary", n_resamples=300)
    row = prev.iloc[0]
    shares = [1 / 2, 0, 1, 0, 1 / 3, 0]
    assert row.n_articles == 6 and row.n_sentences == 13
    assert row.observed == pytest.approx(np.mean(shares))
    assert row.adjusted == pytest.approx(coding.adjusted_count(np.mean(shares), 2 / 3, 1 / 3))
    assert row.interval.startswith("95% bootstrap over articles and coded sentences")
    again = coding.prevalence(models, pred, arts, method="dictionary", n_resamples=300)
    pd.testing.assert_frame_equal(prev, again)           # fixed seed


# --------------------------------------------------------------------------- cross-validation

def test_few_positives_cross_validate_and_warn():
    coded = sheet(["Alpha visit.", "Alpha talks.", "Summit held.", "Rain today.", "Snow.",
                   "Wind blew.", "Markets fell.", "Sun shone."], [1, 1, 1, 0, 0, 0, 0, 0])
    models = coding.train(coded, CODEBOOK, n_splits=5)
    clf = models.scores.set_index("method").loc["classifier"]
    assert clf.n_folds == 3                        # no more folds than positives
    assert clf.tp + clf.fn == 3 and clf.fp + clf.tn == 5   # every item held out once
    assert not clf.trustworthy and "not yet trustworthy" in clf.note
    rec = models.recommendation.iloc[0]
    assert rec.recommended == "dictionary" and not rec.trustworthy
    assert "not yet trustworthy" in rec.message and "3 positive" in rec.message
    oof = models.out_of_fold
    assert sorted(oof.fold.unique()) == [0, 1, 2] and len(oof) == 8


def test_one_positive_means_no_cross_validation():
    coded = sheet(["Alpha visit.", "Rain.", "Snow.", "Wind."], [1, 0, 0, 0])
    models = coding.train(coded, CODEBOOK)
    clf = models.scores.set_index("method").loc["classifier"]
    assert clf.n_folds == 0 and math.isnan(clf.f1) and "no cross-validation" in clf.note
    assert models.recommendation.recommended.item() == "dictionary"


def test_classifier_learns_what_the_dictionary_misses():
    rng = np.random.default_rng(0)
    partners = ["Putin", "Xi", "Macron", "Erdogan", "Modi", "Scholz"]
    fillers = ["weather", "football", "markets", "prices", "traffic", "music", "films", "crops"]
    pos = [f"Tokayev met {p} for talks {'alpha' if i % 3 == 0 else 'today'}."
           for i, p in enumerate(rng.choice(partners, 60))]
    neg = [f"The {a} and the {b} were in the news." for a, b in rng.choice(fillers, (90, 2))]
    coded = sheet(pos + neg, [1] * 60 + [0] * 90)
    models = coding.train(coded, CODEBOOK, seed=0)
    s = models.scores.set_index("method")
    assert s.loc["dictionary", "recall"] == pytest.approx(20 / 60)
    assert s.loc["classifier", "f1"] > s.loc["dictionary", "f1"] + 0.2
    assert s.loc["classifier", "trustworthy"] and s.loc["classifier", "n_folds"] == 5
    rec = models.recommendation.iloc[0]
    assert rec.trustworthy and rec.recommended in ("classifier", "union")
    # union = dictionary or classifier, sentence by sentence
    pred = coding.predict(models, pd.DataFrame({"doc_id": ["n1", "n2", "n3"], "sent_id": 0,
                                                "sentence": ["Tokayev met Putin for talks.",
                                                             "The alpha weather report.",
                                                             "The music and the films."]}))
    assert pred.union.tolist() == np.maximum(pred.dictionary, pred.classifier).tolist()
    assert pred.classifier.tolist()[0] == 1 and pred.dictionary.tolist() == [0, 1, 0]


def test_union_rule_in_recommend():
    def scores(f1_d, f1_c, f1_u, n_pos=60):
        return pd.DataFrame({"frame": "f", "method": list(coding.METHODS), "n_items": 200,
                             "n_positive": n_pos, "n_folds": 5, "f1": [f1_d, f1_c, f1_u],
                             "precision": 0.5, "recall": 0.5})
    assert coding.recommend(scores(0.60, 0.70, 0.75)).recommended.item() == "union"
    assert coding.recommend(scores(0.60, 0.75, 0.70)).recommended.item() == "classifier"
    assert coding.recommend(scores(0.60, 0.75, 0.75)).recommended.item() == "classifier"
    assert coding.recommend(scores(0.60, 0.55, 0.61)).recommended.item() == "dictionary"  # margin
    assert coding.recommend(scores(0.60, 0.55, 0.61), margin=0).recommended.item() == "union"
    few = coding.recommend(scores(0.20, 0.90, 0.90, n_pos=49)).iloc[0]
    assert few.recommended == "dictionary" and not few.trustworthy


# --------------------------------------------------------------------------- features

def test_extra_sentence_features_plug_in():
    dyads = pd.DataFrame({"doc_id": ["c0", "c0", "c2"], "sent_id": [0, 0, 0],
                          "focal_actor": "Tokayev", "partner_actor": ["Putin", "Putin", "Xi"],
                          "vector": ["russia", "russia", "china"],
                          "relation": ["visit", "agreement", "visit"]})
    ind = coding.indicators(dyads, ["vector", "relation"])
    assert list(ind.columns[:2]) == ["doc_id", "sent_id"] and len(ind) == 2
    c0 = ind.set_index("doc_id").loc["c0"]
    assert c0["vector=russia"] == 1 and c0["relation=visit"] == 1 and c0["relation=agreement"] == 1
    assert c0["vector=russia&relation=visit"] == 1 and c0["vector=china"] == 0
    coded = sheet(["Tokayev met Putin.", "Rain.", "Tokayev hosted Xi.", "Snow.", "Alpha met.", "Wind."],
                  [1, 0, 1, 0, 1, 0])
    feats = coding.features(coded, CODEBOOK, extra=[ind])
    assert feats["hit__f"].tolist() == [0, 0, 0, 0, 1, 0]
    assert feats["vector=russia"].tolist() == [1, 0, 0, 0, 0, 0]
    models = coding.train(coded, CODEBOOK, extra=[ind])
    assert "vector=china&relation=visit" in models.feature_columns
    pred = coding.predict(models, coded[["doc_id", "sent_id", "sentence"]])   # no extra: zeros
    assert len(pred) == 6
    with pytest.raises(ValueError, match="numeric"):
        coding.features(coded, CODEBOOK, extra=[dyads])


def test_seeds_demonstration_runs_and_says_not_trustworthy():
    from kzmedia import corpus
    from pathlib import Path

    a = corpus.load(Path(__file__).resolve().parents[1] / "seeds")
    s = text.sentences(a)
    h = frames.hits(a, sentences=s)
    sh, key = frames.sample_for_coding(a, n=60, seed=0, sentences=s, hits_table=h)
    demo = sh.drop(columns=[c for c in key if c in sh and c not in ("item_id", "doc_id", "sent_id")])
    demo = demo.merge(key.drop(columns=["doc_id", "sent_id", "has_hit"]), on="item_id")
    models = coding.train(demo, hits_table=h)
    assert not models.recommendation.trustworthy.any()
    prev = coding.prevalence(models, coding.predict(models, s, hits_table=h), a, n_resamples=200)
    assert set(prev.outlet) == set(a.outlet) and (prev.method == "dictionary").all()


def test_sampling_weights_and_weighted_error_rates():
    arts = pd.DataFrame({"doc_id": ["x1", "y1"], "outlet": ["X", "Y"],
                         "text": ["Alpha one. Plain two. Plain three. Plain four.",
                                  "Alpha five. Alpha six. Plain seven."]})
    sents = text.sentences(arts)
    key = pd.DataFrame({"item_id": [1, 2, 3, 4], "doc_id": ["x1", "x1", "y1", "y1"],
                        "sent_id": [0, 1, 0, 2], "has_hit": [True, False, True, False]})
    w = coding.sampling_weights(key, arts, sentences=sents, codebook=CODEBOOK)
    # X: 1 hit sentence of 1 drawn, 3 others of which 1 drawn; Y: 2 hits of 1, 1 other of 1
    assert w.weight.tolist() == [1.0, 3.0, 2.0, 1.0]
    assert w.n_population.tolist() == [1, 3, 2, 1]
    # weighted error rates: positives 2 with the word (weight 1) and 2 without (weight 3)
    coded = sheet(["Alpha a.", "Alpha b.", "Plain c.", "Plain d.", "No e.", "No f."],
                  [1, 1, 1, 1, 0, 0]).assign(weight=[1, 1, 3, 3, 1, 1])
    plain = coding.train(coded, CODEBOOK).scores.set_index("method").loc["dictionary"]
    weighted = coding.train(coded, CODEBOOK, weight="weight").scores.set_index("method").loc["dictionary"]
    assert plain.tpr == pytest.approx(0.5) and weighted.tpr == pytest.approx(2 / 8)
    assert (weighted.tp, weighted.fn) == (2, 2)               # counts stay counts
    with pytest.raises(ValueError, match="positive numbers"):
        coding.train(coded.assign(weight=[1, 1, 0, 3, 1, 1]), CODEBOOK, weight="weight")
