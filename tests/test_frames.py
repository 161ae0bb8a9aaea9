import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kzmedia import corpus, frames, stats, text

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def arts(*texts, outlets=None):
    outlets = outlets or ["A"] * len(texts)
    return pd.DataFrame({
        "doc_id": [f"d{i}" for i in range(len(texts))],
        "outlet": outlets,
        "text": list(texts),
        "n_words": [len(t.split()) for t in texts],
    })


def frames_in(sentence, codebook=None):
    h = frames.hits(arts(sentence), codebook)
    return set(h.frame)


# --------------------------------------------------------------------------- grammar

@pytest.mark.parametrize("spelling", ["multivector", "multi-vector", "multi vector", "Multi-Vectoral"])
def test_multivector_spellings_hit(spelling):
    h = frames.hits(arts(f"Kazakhstan pursues a {spelling} foreign policy."))
    assert list(h.frame) == ["multivector_balancing"]
    assert h.match.iloc[0] == spelling


def test_trade_balance_is_not_balancing():
    assert "multivector_balancing" not in frames_in("The trade balance of Kazakhstan with China improved.")


def test_balance_between_is_context_gated():
    assert "multivector_balancing" not in frames_in("She seeks a balance between work and family.")
    assert "multivector_balancing" in frames_in("Astana keeps a balance between Russia and China.")


def test_whole_word_and_no_stemming():
    # 'important' must not hit import*, 'investigation' must not hit invest*
    assert "economic_consequences" not in frames_in("An important investigation began.")
    assert "economic_consequences" in frames_in("Imports and investment grew.")


def test_case_sensitive_acronym():
    assert "connectivity_middle_corridor" in frames_in("The BRI reached Khorgos.")
    assert "connectivity_middle_corridor" not in frames_in("Bri said hello.")


def test_strip_phrase_blanks_before_matching_but_sentence_is_kept():
    s = "He worked near the World Trade Center for years."
    h = frames.hits(arts(s))
    assert "economic_consequences" not in set(h.frame)
    h = frames.hits(arts("Trade with the World Trade Center tenants grew."))
    assert list(h.match) == ["Trade"]
    assert h.sentence.iloc[0] == "Trade with the World Trade Center tenants grew."


def test_one_span_counts_for_two_frames():
    h = frames.hits(arts("Chinese investment in Kazakhstan rose."))
    assert set(h.frame) == {"china_partnership", "economic_consequences"}


# --------------------------------------------------------------------------- evidence and units

def test_every_hit_carries_its_sentence():
    a = arts("Kazakhstan has a multi-vector policy. It joined the Belt and Road with China.",
             "Protests in Kazakhstan followed fuel prices. Nothing here.")
    s = text.sentences(a)
    h = frames.hits(a, sentences=s)
    assert len(h) > 0
    joined = h.merge(s, on=["doc_id", "sent_id"], suffixes=("", "_orig"))
    assert (joined.sentence == joined.sentence_orig).all()
    assert all(m in sent for m, sent in zip(h.match, h.sentence))
    assert list(h.columns) == ["doc_id", "outlet", "sent_id", "frame", "pattern", "match", "sentence", "via"]


def test_frame_counted_once_per_sentence():
    a = arts("A multi-vector, multivector and balanced foreign policy. Nothing else here. Still nothing.")
    h = frames.hits(a)
    assert (h.frame == "multivector_balancing").sum() == 3          # three spans of evidence
    sc = frames.article_scores(a, hits_table=h)
    row = sc[sc.frame == "multivector_balancing"].iloc[0]
    assert row.n_sentences_with_frame == 1
    assert row.n_sentences == 3
    assert row.share_of_sentences == pytest.approx(1 / 3)
    assert row.present == 1
    assert row.hits_per_1000_words == pytest.approx(1000 * 3 / a.n_words[0])
    assert (sc[sc.frame != "multivector_balancing"].present == 0).all()


def test_context_gating():
    assert "china_partnership" in frames_in("The deal with Beijing is win-win.")
    assert "china_partnership" not in frames_in("The deal is win-win for both firms.")
    assert "russia_alignment_dependence" in frames_in("Its dependence on Russia grew.")
    assert "russia_alignment_dependence" not in frames_in("Its dependence on oil grew.")


def test_group_scores_small_n():
    a = arts("A multi-vector policy.", "Nothing.", "Multivector again.", outlets=["X", "Y", "Y"])
    g = frames.group_scores(a)
    row = g[(g.outlet == "Y") & (g.frame == "multivector_balancing") & (g.measure == "share_of_articles")]
    assert row.n_articles.item() == 2 and row["mean"].item() == pytest.approx(0.5)
    assert row.interval.item().startswith("range")
    x = g[(g.outlet == "X") & (g.frame == "multivector_balancing") & (g.measure == "share_of_articles")]
    assert x.n_articles.item() == 1 and math.isnan(x.ci_low.item())


def test_group_scores_both_measures_per_group_and_frame():
    texts = ["A multi-vector policy. Nothing else.", "Nothing.", "Multivector again.",
             "Belt and Road. A multi-vector line. Rain.", "Quiet day.", "Multi-vector.",
             "Nothing here.", "Belt and Road talks."]
    a = arts(*texts, outlets=["X"] * 6 + ["Y"] * 2)
    a.loc[len(a)] = ["d8", "X", "", 0]                # no sentences: no share of sentences
    g = frames.group_scores(a, seed=4)
    art = frames.article_scores(a)
    for measure, col in [("share_of_articles", "present"), ("share_of_sentences", "share_of_sentences")]:
        ref = stats.summarize(art, col, ["outlet", "frame"], seed=4)
        got = g[g.measure == measure].reset_index(drop=True)
        pd.testing.assert_frame_equal(got[ref.columns], ref)
    x = g[(g.outlet == "X") & (g.frame == "multivector_balancing")].set_index("measure")
    assert x.loc["share_of_articles", "n_articles"] == 7
    assert x.loc["share_of_sentences", "n_articles"] == 6
    assert x.loc["share_of_articles", "mean"] == pytest.approx(4 / 7)
    assert x.loc["share_of_articles", "interval"] == "95% bootstrap over articles"


# --------------------------------------------------------------------------- codebook loading

def tiny(**frame):
    return {"name": "t", "frames": {"f": {"patterns": ["alpha*"], **frame}}}


@pytest.mark.parametrize("data, message", [
    ({"name": "t", "frames": {"f": {"patterns": ["a"]}}, "colour": 1}, "unknown top-level keys"),
    (tiny(colour="red"), "frame 'f': unknown keys"),
    (tiny(patterns=["ok", ""]), "empty pattern"),
    (tiny(patterns=["ok", "OK"]), "duplicate pattern"),
    (tiny(patterns=["co*op"]), "pattern 'co*op' cannot be compiled"),
    (tiny(patterns=["-x"]), "pattern '-x' cannot be compiled"),
    (tiny(context_patterns={"deal": ["atlantis"]}), "names vectors ['atlantis']"),
    (tiny(patterns=[]), "no patterns"),
    ({"name": "t", "frames": {}}, "non-empty mapping"),
])
def test_codebook_errors(data, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]").replace("*", r"\*")):
        frames.load_codebook(data)


def test_codebook_error_names_the_file(tmp_path):
    p = tmp_path / "my_codebook.yaml"
    p.write_text("frames:\n  f:\n    patterns: [ok, ok]\n")
    with pytest.raises(ValueError, match="my_codebook.yaml: frame 'f': duplicate pattern"):
        frames.load_codebook(p)
    with pytest.raises(ValueError, match="file not found"):
        frames.load_codebook(tmp_path / "missing.yaml")


def test_default_codebook_has_metadata():
    cb = frames.load_codebook()
    assert {"name", "version", "description", "sources", "license"} <= {k for k, v in cb.meta.items() if v}
    assert len(cb.frames) == 11 and set(cb.frames.kind) == {"issue", "generic"}


def test_quanteda_style_dictionary(tmp_path):
    p = tmp_path / "quanteda.yml"
    p.write_text("economy:\n  trade: [trade*, export*]\n  money: [dollar*]\nwar: [war, fight*]\n")
    cb = frames.load_codebook(p)
    assert sorted(cb.frames.frame) == ["economy.money", "economy.trade", "war"]
    h = frames.hits(arts("Exports fell as the war went on."), cb)
    assert sorted(zip(h.frame, h.match)) == [("economy.trade", "Exports"), ("war", "war")]
    with pytest.raises(ValueError, match="'colo\\?r'"):
        frames.load_codebook({"style": ["colo?r"]})


# --------------------------------------------------------------------------- validation

def test_sample_for_coding_is_stratified_and_blind():
    a = arts(*["Multi-vector talk here. Plain sentence one. Plain sentence two. Balanced foreign policy."] * 4,
             outlets=["X", "X", "Y", "Y"])
    sheet, key = frames.sample_for_coding(a, n=8, seed=1)
    assert len(sheet) == 8 and list(sheet.item_id) == list(range(1, 9))
    assert sheet.outlet.value_counts().to_dict() == {"X": 4, "Y": 4}
    assert key.has_hit.sum() == 4
    assert sheet["multivector_balancing"].isna().all()          # codes hidden from coders
    assert set(sheet.half) == {"dev", "test"}
    assert list(sheet.columns[:6]) == ["item_id", "half", "doc_id", "outlet", "sent_id", "sentence"]
    merged = sheet.merge(key, on=["item_id", "doc_id", "sent_id"])
    assert (merged.has_hit == merged.sentence.str.contains("ulti-vector|alanced")).all()
    again, _ = frames.sample_for_coding(a, n=8, seed=1)
    pd.testing.assert_frame_equal(sheet, again)


def test_evaluate_arithmetic_by_hand():
    coded = pd.DataFrame({"item_id": range(1, 7),
                          "f__coder1": [1, 1, 0, 0, 1, 0],
                          "f__coder2": [1, 0, 0, 0, 1, 0]})
    key = pd.DataFrame({"item_id": range(1, 7), "has_hit": True, "f": [1, 1, 1, 0, 1, 0]})
    r = frames.evaluate(coded, key).iloc[0]
    # alpha (nominal, 2 coders, 12 pairable values: five 1s, seven 0s, one disagreeing unit):
    # Do = 2/12, De = 2*5*7/(12*11) -> alpha = 1 - (2/12)/(70/132) = 0.685714...
    assert r.alpha == pytest.approx(1 - (2 / 12) / (70 / 132))
    # gold = agreed items 1,3,4,5,6 = [1,0,0,1,0]; dictionary there = [1,1,0,1,0]
    assert (r.n_disagreements, r.n_gold, r.tp, r.fp, r.fn, r.tn) == (1, 5, 2, 1, 0, 2)
    assert r.precision == pytest.approx(2 / 3) and r.recall == 1.0
    assert r.f1 == pytest.approx(2 * (2 / 3) * 1 / (2 / 3 + 1))


def test_evaluate_adjudicated_column_wins_and_half_filter():
    coded = pd.DataFrame({"item_id": [1, 2, 3, 4], "half": ["dev", "dev", "test", "test"],
                          "f": [1, 0, 1, 1]})
    key = pd.DataFrame({"item_id": [1, 2, 3, 4], "f": [1, 1, 0, 1]})
    r = frames.evaluate(coded, key).iloc[0]
    assert (r.tp, r.fp, r.fn, r.tn) == (2, 1, 1, 0) and math.isnan(r.alpha)
    d = frames.evaluate(coded, key, half="dev").iloc[0]
    assert (d.tp, d.fp, d.fn, d.tn) == (1, 1, 0, 0)
    with pytest.raises(ValueError, match="0/1"):
        frames.evaluate(coded.assign(f=["yes", 0, 1, 1]), key)


# --------------------------------------------------------------------------- seeds end to end

def test_seeds_end_to_end():
    a = corpus.load(SEEDS)
    s = text.sentences(a)
    h = frames.hits(a, sentences=s)
    sc = frames.article_scores(a, sentences=s, hits_table=h)
    mv = sc[sc.frame == "multivector_balancing"]
    assert (mv.present == 1).all()                              # every seed is about multi-vector policy
    assert mv.n_sentences_with_frame.max() >= 5
    # a span is evidence once: repeated rows only where the sentence repeats the match
    reps = h.groupby(["doc_id", "sent_id", "frame", "match", "sentence"]).size().reset_index(name="n")
    assert all(n <= sent.lower().count(m.lower()) for n, m, sent in zip(reps.n, reps.match, reps.sentence))
    assert not (h.match.str.lower() == "astana times").any()
    g = frames.group_scores(a, article_table=sc)
    assert set(g.interval) == {"n=1: no interval"}
    assert np.isclose(g[g.measure == "share_of_sentences"]["mean"].sum(),
                      sc.groupby("outlet").share_of_sentences.sum().sum())


# --------------------------------------------------------------------------- chunked matching

def test_context_gate_is_the_sentence_not_the_chunk():
    h = frames.hits(arts("Its dependence grew. Russia noticed.",
                         "Its dependence on Russia grew.", "Russia. Its dependence grew."))
    dep = h[h.frame == "russia_alignment_dependence"]
    assert list(zip(dep.doc_id, dep.sent_id)) == [("d1", 0)]


def test_hits_depend_only_on_each_article():
    texts = ["A multi-", "vector policy. Belt and Road.", "Trade with the World Trade Center grew.",
             "Multi\x00vector talk; non-profit trade.", "İstanbul: Chinese investment rose.", ""]
    a = arts(*texts)
    whole = frames.hits(a)
    parts = pd.concat([frames.hits(a.iloc[:2]), frames.hits(a.iloc[2:])], ignore_index=True)
    pd.testing.assert_frame_equal(whole, parts)
    assert not any("multi" in m.lower() and "vector" in m.lower() for m in whole.match)
    assert {("d4", "Chinese investment"), ("d4", "investment")} <= set(zip(whole.doc_id, whole.match))
