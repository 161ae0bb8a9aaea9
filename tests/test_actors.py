import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kzmedia import actors, corpus, text

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def arts(*texts, outlets=None):
    outlets = outlets or ["A"] * len(texts)
    return pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))], "outlet": outlets,
                         "text": list(texts)})


def found(sentence, gazetteer=None):
    m = actors.mentions(arts(sentence), gazetteer)
    return list(zip(m.vector, m.match))


TINY = {
    "name": "tiny", "focal": "home",
    "vectors": {
        "home": {"names": ["Kazakhstan"]},
        "red": {"names": ["Russia"], "leaders": [{"name": "Vladimir Putin", "aliases": ["Putin"]}]},
        "blue": {"names": ["China"], "case_sensitive": ["PRC"]},
    },
}


# --------------------------------------------------------------------------- matching

def test_us_pronoun_is_not_the_us():
    assert found("Let us meet the US delegation, said one of us.") == [("us", "US")]


def test_west_kazakhstan_region_is_not_the_west():
    assert found("Oil flows from the West Kazakhstan Region.") == []
    assert found("Relations with the West improved.") == [("west", "the West")]


def test_longest_alias_first_and_one_span_one_actor():
    assert found("The Russian Federation spoke at the UN General Assembly.") == [
        ("russia", "Russian Federation"), ("multilateral", "UN General Assembly")]
    m = actors.mentions(arts("Kassym-Jomart Tokayev met Tokayev's aides."))
    assert list(m.actor) == ["Kassym-Jomart Tokayev"] * 2


def test_strip_phrases():
    assert found("The Astana Times reported on the Astana process.") == []
    assert found("He spoke at Nazarbayev University.") == []
    assert found("The Congress of Leaders of World and Traditional Religions met; Congress voted.") == [
        ("us", "Congress")]


def test_case_sensitive_and_metonyms():
    assert found("Turkey sent turkey to Ankara.") == [("turkey", "Turkey"), ("turkey", "Ankara")]
    assert found("Nur-Sultan and Nur Sultan") == [("kazakhstan", "Nur-Sultan"), ("kazakhstan", "Nur Sultan")]


def test_mentions_columns_and_evidence():
    m = actors.mentions(arts("Putin met Xi Jinping in Beijing. Then Tokayev flew home."))
    assert list(m.columns) == ["doc_id", "outlet", "sent_id", "vector", "actor", "alias", "match",
                               "start", "end"]
    assert list(zip(m.sent_id, m.actor)) == [(0, "Vladimir Putin"), (0, "Xi Jinping"), (0, "Beijing"),
                                            (1, "Kassym-Jomart Tokayev")]
    # offsets of the match in its sentence
    assert list(zip(m.start, m.end)) == [(0, 5), (10, 20), (24, 31), (5, 12)]
    sents = text.sentences(arts("Putin met Xi Jinping in Beijing. Then Tokayev flew home."))
    s = m.merge(sents, on=["doc_id", "sent_id"])
    assert [x[a:b] for x, a, b in zip(s.sentence, s.start, s.end)] == s["match"].tolist()


# --------------------------------------------------------------------------- gazetteer loading

@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(colour=1), "unknown top-level keys"),
    (lambda d: d.update(focal="mars"), "'focal' must name one of the vectors"),
    (lambda d: d["vectors"]["red"].update(colour=1), "vector 'red': unknown keys"),
    (lambda d: d["vectors"]["blue"]["names"].append("russia"), "duplicate alias 'russia'"),
    (lambda d: d["vectors"]["blue"]["names"].append(""), "empty alias"),
    (lambda d: d["vectors"]["blue"]["names"].append("Chi*na"), "cannot be compiled"),
])
def test_gazetteer_errors(change, message):
    import copy
    d = copy.deepcopy(TINY)
    change(d)
    with pytest.raises(ValueError, match=message):
        actors.load_gazetteer(d)


def test_default_gazetteer():
    g = actors.load_gazetteer()
    assert g.focal == "kazakhstan" and "kazakhstan" not in g.partners
    assert {"name", "version", "description", "sources", "license"} <= {k for k, v in g.meta.items() if v}


# --------------------------------------------------------------------------- attention, balance

def test_attention_shares_by_hand():
    a = arts("Russia and China met in Kazakhstan. Russia again.", "Nothing here.", outlets=["A", "A"])
    at = actors.attention(a, gazetteer=TINY).set_index("vector")
    # partner mentions: red 2, blue 1 -> shares 2/3, 1/3; 3 sentences in the outlet
    assert at.loc["red", "share_of_mentions"] == pytest.approx(2 / 3)
    assert at.loc["blue", "share_of_mentions"] == pytest.approx(1 / 3)
    assert math.isnan(at.loc["home", "share_of_mentions"]) and at.loc["home", "focal"]
    assert at.loc["red", "n_sentences_with_vector"] == 2
    assert at.loc["red", "share_of_sentences"] == pytest.approx(2 / 3)
    assert at.loc["blue", "share_of_sentences"] == pytest.approx(1 / 3)
    assert at.loc["home", "n_mentions"] == 1 and at.loc["red", "n_articles"] == 2


def test_balance_index_by_hand():
    a = arts("Russia, Russia and China.", "Putin and Russia only.", "Kazakhstan alone.",
             "China and Russia.", outlets=["A", "A", "A", "B"])
    per = actors.article_balance(a, gazetteer=TINY).set_index("doc_id")
    h = -(2 / 3 * math.log(2 / 3) + 1 / 3 * math.log(1 / 3)) / math.log(2)      # K = 2 partners
    assert per.loc["d0", "balance"] == pytest.approx(h)
    assert per.loc["d1", "balance"] == 0.0
    assert math.isnan(per.loc["d2", "balance"])
    assert per.loc["d3", "balance"] == pytest.approx(1.0)
    b = actors.balance(a, gazetteer=TINY).set_index("outlet")
    assert b.loc["A", "n_articles"] == 2                     # d2 has no partner mention
    assert b.loc["A", "mean"] == pytest.approx(h / 2)
    assert b.loc["A", "interval"].startswith("range")
    pooled = -(0.8 * math.log(0.8) + 0.2 * math.log(0.2)) / math.log(2)     # red 4, blue 1
    assert b.loc["A", "pooled"] == pytest.approx(pooled)
    assert b.loc["B", "interval"] == "n=1: no interval" and b.loc["B", "k"] == 2


def test_balance_is_the_one_article_formula_bit_for_bit():
    rng = np.random.default_rng(0)
    counts = rng.integers(0, 4, (300, 11)) * rng.integers(0, 2, (300, 11))  # many zeros
    counts[:3] = 0                                   # no mentions: NaN
    counts[3] = [5] + [0] * 10                       # one partner: 0
    partners = [f"p{j:02d}" for j in range(11)]
    gaz = {"focal": "home", "vectors": {"home": {"names": ["Home"]},
                                        **{p: {"names": [p]} for p in partners}}}
    docs = [f"d{i:03d}" for i in range(len(counts))]
    men = pd.DataFrame([(d, 0, p) for d, row in zip(docs, counts) for p, c in zip(partners, row)
                        for _ in range(c)], columns=["doc_id", "sent_id", "vector"])
    a = pd.DataFrame({"doc_id": docs, "outlet": "A", "text": ""})
    got = actors.article_balance(a, gaz, mentions_table=men)["balance"].to_numpy()

    def one_row(c):  # the formula, one article at a time
        c = c.astype(float)
        if c.sum() <= 0:
            return float("nan")
        p = c[c > 0] / c.sum()
        return float(-(p * np.log(p)).sum() / math.log(11))

    want = [one_row(r) for r in counts]
    np.testing.assert_array_equal(got, want)         # NaN in the same places, floats equal


def test_cooccurrence_counts():
    a = arts("Russia, China and Kazakhstan met. Russia and China again. China alone.",
             "Kazakhstan and Russia.", outlets=["A", "B"])
    c = actors.cooccurrence(a, gazetteer=TINY)
    got = {(r.outlet, r.vector_a, r.vector_b): r.n_sentences for r in c.itertuples()}
    assert got[("A", "blue", "red")] == 2
    assert got[("A", "blue", "home")] == 1 and got[("A", "home", "red")] == 1
    assert got[("B", "home", "red")] == 1 and got[("B", "blue", "red")] == 0
    assert len(c) == 2 * 3                                   # all pairs per outlet, zeros kept


def test_seeds_end_to_end():
    a = corpus.load(SEEDS)
    m = actors.mentions(a)
    assert set(a.doc_id) <= set(m.doc_id)
    assert not (m.match.str.lower() == "us").any() or (m[m.match.str.lower() == "us"].match == "US").all()
    at = actors.attention(a, mentions_table=m)
    partner = at[~at.focal]
    assert partner.groupby("outlet").share_of_mentions.sum().round(9).eq(1).all()
    b = actors.balance(a, mentions_table=m)
    assert len(b) == 5 and b["mean"].between(0, 1).all()


# --------------------------------------------------------------------------- texts together

TRICKY = [
    "Relations with the", "West improved; the West too.",      # no match across two texts
    "", "US", "us and the US.", "Putin\x00Putin met Xi Jinping.",  # empty text, a NUL inside
    "İstanbul hosted Russia and Türkiye.",                      # lower() changes the length
    "The Astana Times: Astana and Nur-Sultan, West Kazakhstan Region.", "Kazakhstan",
]


def test_matching_texts_together_equals_one_at_a_time():
    m = actors.load_gazetteer().matcher()
    alone = [(k, s, e, t) for k, text in enumerate(TRICKY)
             for _, s, e, t in m.find(text)]
    assert [t[2] for *_, t in alone].count("US") == 2 and ("west", "the West", "the West") in [t for *_, t in alone]
    k, s, e, _, t = m.matches(TRICKY)
    assert list(zip(k, s, e, t)) == alone


def test_mention_and_hit_tables_keep_their_dtypes_when_empty():
    from kzmedia import frames

    some = arts("Putin met Xi in Astana to sign a trade agreement on investment under its "
                "multi-vector foreign policy.")
    none = arts("Nothing to see here.")
    for table in (actors.mentions, frames.hits):
        full, empty = table(some), table(none)
        assert len(full) and not len(empty)
        assert empty.dtypes.equals(full.dtypes)


def test_mentions_depend_only_on_each_article():
    a = arts(*TRICKY, outlets=["A", "B", "C"] * 3)
    whole = actors.mentions(a)
    parts = pd.concat([actors.mentions(a.iloc[:3]), actors.mentions(a.iloc[3:])], ignore_index=True)
    pd.testing.assert_frame_equal(whole, parts)
    assert found("Relations with the\n\nWest improved.") == []          # paragraphs never join


def test_matcher_is_built_once_per_pattern_set_and_results_do_not_leak():
    gaz = actors.load_gazetteer()
    assert actors.load_gazetteer().matcher() is gaz.matcher()     # compiled once per process
    small = actors.load_gazetteer({"focal": "kz", "vectors": {
        "kz": {"names": ["Kazakhstan"]}, "russia": {"names": ["Russia"]}}})
    assert small.matcher() is not gaz.matcher()
    a = arts("Putin visited Kazakhstan and Russia.", outlets=["A"])
    before = actors.mentions(a, small)
    actors.mentions(a, gaz)                                      # the other matcher in between
    after = actors.mentions(a, small)
    pd.testing.assert_frame_equal(before, after)
    assert after["match"].tolist() == ["Kazakhstan", "Russia"]   # no Putin: not in `small`
