"""Dyads (kzmedia.dyads): the relation rules on sentences small enough to check by hand."""

import copy

import pandas as pd
import pytest

from kzmedia import actors, dyads, frames, patterns, pipeline

ISSUE = [
    "Tokayev traveled to Russia last week for a meeting with President Vladimir Putin in Moscow.",
    "Tokayev, in office since 2019, has skillfully maintained relations with Beijing.",
    "French President Emmanuel Macron hosted his Kazakh counterpart at the Elysée Palace.",
]


def arts(*texts, outlets=None):
    outlets = outlets or ["A"] * len(texts)
    return pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))], "outlet": outlets,
                         "text": list(texts), "n_words": [len(t.split()) for t in texts]})


def found(*texts, **kw):
    d = dyads.find(arts(*texts), **kw)
    return set(zip(d.doc_id, d.sent_id, d.vector, d.relation))


# --------------------------------------------------------------------------- the rule

def test_the_issue_sentences_are_russia_china_and_western_dyads():
    d = dyads.find(arts(*ISSUE))
    assert set(zip(d.doc_id, d.vector, d.relation)) == {
        ("d0", "russia", "meeting"), ("d1", "china", "agreement"),
        ("d2", "eu_europe", "meeting")}
    row = d.set_index("doc_id")
    assert row.loc["d0", "focal_actor"] == "Kassym-Jomart Tokayev"
    assert row.loc["d0", "partner_actor"] == "Vladimir Putin"        # a person before a name
    assert row.loc["d0", "relation_term"] == "traveled"
    assert row.loc["d1", "partner_actor"] == "Beijing"
    assert row.loc["d2", ["focal_actor", "partner_actor", "relation_term"]].tolist() == [
        "Kazakh", "Emmanuel Macron", "hosted"]
    s = row.loc["d2", "sentence"]
    assert s[row.loc["d2", "term_start"]:row.loc["d2", "term_end"]] == "hosted"


def test_the_issue_sentences_carry_the_partner_frames_as_dyad_hits():
    h = frames.hits(arts(*ISSUE))
    dy = h[h.via == "dyad"]
    assert set(zip(dy.doc_id, dy.frame)) == {("d0", "russia_alignment_dependence"),
                                             ("d1", "china_partnership"),
                                             ("d2", "western_partnership")}
    assert set(dy.pattern) == {"dyad:meeting", "dyad:agreement"}
    assert set(h.via) <= {"pattern", "dyad"}


def test_no_focal_country_no_dyad():
    assert found("President Biden said the meeting with Putin in Geneva was constructive.") == set()
    assert found("Biden and Putin agreed to hold talks on trade and security.",
                 "Kazakhstan is the ninth-largest country in the world.") == set()


def test_a_partner_and_a_relation_term_are_needed_too():
    assert found("Tokayev met students in Almaty.") == set()                # no partner
    assert found("Tokayev spoke about Russia's history.") == set()           # no relation term


def test_window_reaches_back_within_the_paragraph_not_across_it():
    same = "Tokayev flew to Sochi on Monday. There, the president met Putin."
    across = "Tokayev flew to Sochi on Monday.\n\nThere, the president met Putin."
    assert found(same) == {("d0", 1, "russia", "meeting")}
    assert found(across) == set()
    d = dyads.find(arts(same))
    assert d[["focal_sent_id", "partner_sent_id"]].iloc[0].tolist() == [0, 1]
    assert found(same, window=0) == set()


def test_window_needs_a_sentence_that_refers_back():
    # without "the president"/"the country"..., the Putin sentence is about someone else
    assert found("Tokayev flew to Sochi on Monday. Later Biden met Putin.") == set()


def test_the_window_does_not_lend_a_partner_to_a_focal_sentence():
    assert found("China built a port. Kazakhstan signed a treaty with Turkey.") == \
        {("d0", 1, "turkey", "agreement")}


def test_the_country_as_a_place_or_list_item_is_not_an_actor():
    assert found("Iran and Russia held talks in Astana on Syria.") == set()
    assert found("Diplomats met in Almaty, Kazakhstan, with Russian officials.") == set()
    assert found("He made business deals with the governments of Russia, China, and Kazakhstan.") \
        == set()
    # a person of the focal country is an actor wherever the sentence puts them
    assert ("d0", 0, "russia", "meeting") in found("In Moscow, Tokayev met Putin.")


def test_a_term_inside_an_actor_name_is_not_a_relation():
    # "Cooperation" is part of the name; no other relation term
    assert found("Kazakhstan joined the Shanghai Cooperation Organisation.") == set()


def test_one_row_per_sentence_vector_and_relation_type():
    d = dyads.find(arts("Tokayev met Putin in Moscow and signed an agreement on oil."))
    assert sorted(d.relation) == ["agreement", "meeting", "trade"]
    assert set(d.vector) == {"russia"}
    assert list(d.columns) == dyads.COLUMNS


# --------------------------------------------------------------------------- settings

def test_swapping_the_focal_country():
    text = "Mirziyoyev met Putin in Moscow."
    assert found(text) == set()
    assert found(text, focal="central_asia") == {("d0", 0, "russia", "meeting")}
    gaz = patterns.read_yaml(None, "actors.yaml")[0]
    gaz = {**copy.deepcopy(gaz), "focal": "central_asia"}
    assert found(text, gazetteer=actors.load_gazetteer(gaz)) == {("d0", 0, "russia", "meeting")}
    # Kazakhstan is then a partner, and Tokayev meeting Putin is no dyad of Uzbekistan's
    assert found("Tokayev met Putin.", focal="central_asia") == set()
    with pytest.raises(ValueError, match="focal vector 'atlantis'"):
        dyads.find(arts(text), focal="atlantis")


def test_grammar_errors_name_the_file_and_the_problem():
    cb = patterns.read_yaml(None, "frames.yaml")[0]
    bad = copy.deepcopy(cb)
    bad["relations"]["frames"]["russia"] = "no_such_frame"
    with pytest.raises(ValueError, match="relations: vector 'russia' maps to frame 'no_such_frame'"):
        frames.load_codebook(bad)
    bad = copy.deepcopy(cb)
    bad["relations"]["window"] = -1
    with pytest.raises(ValueError, match="window must be a whole number"):
        frames.load_codebook(bad)
    bad = copy.deepcopy(cb)
    bad["relations"]["types"]["meeting"]["patterns"].append("*visit")
    with pytest.raises(ValueError, match="type 'meeting'.*'\\*visit'"):
        frames.load_codebook(bad)
    without = {k: v for k, v in cb.items() if k != "relations"}
    assert frames.load_codebook(without).relations is None
    assert "via" in frames.hits(arts(ISSUE[0]), without)            # patterns only
    assert set(frames.hits(arts(ISSUE[0]), without).via) <= {"pattern"}
    with pytest.raises(ValueError, match="no 'relations' section"):
        dyads.find(arts(ISSUE[0]), without)


def test_paragraph_numbers():
    text = "One. Two.\n\nThree.\n \nFour. Five."
    assert dyads.paragraph_numbers(text, ["One.", "Two.", "Three.", "Four.", "Five."]) == \
        [0, 0, 1, 2, 2]
    # a sentence not in the text is a paragraph of its own
    assert dyads.paragraph_numbers("A. B.", ["A.", "X.", "B."]) == [0, 1, 2]


# --------------------------------------------------------------------------- counts

def test_counts_per_group_with_small_n_rules():
    a = arts(ISSUE[0], "Tokayev met Putin.", "Nothing here.", ISSUE[1],
             outlets=["X", "X", "X", "Y"])
    c = dyads.counts(a, by="outlet").set_index(["outlet", "vector", "relation"])
    x = c.loc[("X", "russia", "meeting")]
    assert (x.n_articles, x.n_dyads, x.n_articles_with) == (3, 2, 2)
    assert x.share_of_articles == pytest.approx(2 / 3)
    assert x.share_of_dyads == 1.0
    assert (x.ci_low, x.ci_high, x.interval) == (0.0, 1.0, "range of 3 articles")
    y = c.loc[("Y", "china", "agreement")]
    assert (y.n_articles, y.n_dyads, y.share_of_articles, y.interval) == \
        (1, 1, 1.0, "n=1: no interval")
    zero = c.loc[("Y", "russia", "meeting")]
    assert (zero.n_dyads, zero.share_of_articles, zero.interval) == (0, 0.0, "n=1: no interval")
    # every group x partner vector x relation type, zeros included
    gaz = actors.load_gazetteer()
    assert len(c) == 2 * len(gaz.partners) * 6


def test_pipeline_tables():
    a = arts(*ISSUE, outlets=["X", "X", "Y"]).assign(date="2022-11-28", lang="en")
    t = pipeline.analyze(a, by="outlet", n_jobs=1, progress=False)
    assert len(t["dyads"]) == 3
    assert t["dyad_counts"]["n_dyads"].sum() == 3
    assert (t["frame_hits"].via == "dyad").sum() == 3


def test_seeds_fast_and_reference_agree_and_find_the_partners():
    from pathlib import Path

    from kzmedia import corpus
    seeds = corpus.load(Path(__file__).resolve().parents[1] / "seeds")
    fast = dyads.find(seeds)
    assert fast.equals(dyads.find(seeds, method="reference"))
    assert {"russia", "china", "eu_europe"} <= set(fast.vector)
    # every dyad's sentence names the partner, and the focal actor is in it or in its window
    assert (fast.partner_sent_id == fast.sent_id).all()
    assert ((fast.focal_sent_id - fast.sent_id).abs() <= 1).all()


def test_heatmap_shows_the_cells_with_dyads_and_says_when_there_are_none():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from kzmedia import plots
    c = dyads.counts(arts(*ISSUE, outlets=["X", "X", "Y"]), by="outlet")
    ax = plots.dyad_heatmap(c, by="outlet")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["X (n=2)", "Y (n=1)"]
    assert {t.get_text() for t in ax.get_yticklabels()} == {
        "russia · meeting", "china · agreement", "eu_europe · meeting"}
    plt.close("all")
    none = dyads.counts(arts("Nothing here."), by="outlet")
    ax = plots.dyad_heatmap(none, by="outlet")
    assert ax.texts[0].get_text() == "no dyads found"
    plt.close("all")
