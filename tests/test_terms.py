import itertools
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from kzmedia import terms
from kzmedia.text import tokenize

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
OPTS = dict(stopwords=(), phrases=())


@pytest.fixture
def tiny():
    """Two groups, three words. A: apple x3, pear x1 (two articles); B: pear x2, plum x2."""
    return pd.DataFrame({
        "doc_id": ["a1", "a2", "b1"],
        "outlet": ["A", "A", "B"],
        "text": ["apple apple pear", "apple", "pear pear plum plum"],
    })


def test_document_term_matrix(tiny):
    d = terms.document_term_matrix(tiny, **OPTS)
    assert list(d.vocabulary) == ["apple", "pear", "plum"]
    assert list(d.doc_ids) == ["a1", "a2", "b1"]
    assert d.matrix.toarray().tolist() == [[2, 1, 0], [1, 0, 0], [0, 2, 2]]


def test_document_term_matrix_chunks_agree(tiny):
    big = pd.concat([tiny] * 7, ignore_index=True).assign(doc_id=lambda x: x.index.astype(str))
    a = terms.document_term_matrix(big, chunk_size=2, **OPTS)
    b = terms.document_term_matrix(big, chunk_size=1000, **OPTS)
    assert (a.matrix != b.matrix).nnz == 0 and list(a.vocabulary) == list(b.vocabulary)


def test_counts_doc_freq_share(tiny):
    c = terms.counts(tiny, **OPTS)
    assert list(c.columns) == ["outlet", "term", "n", "doc_freq", "share", "n_articles"]
    got = {(r.outlet, r.term): (r.n, r.doc_freq, r.share, r.n_articles) for r in c.itertuples()}
    assert got == {("A", "apple"): (3, 2, 3 / 4, 2), ("A", "pear"): (1, 1, 1 / 4, 2),
                   ("B", "pear"): (2, 1, 2 / 4, 1), ("B", "plum"): (2, 1, 2 / 4, 1)}
    # sorted by group, n desc, term
    assert c[["outlet", "term"]].values.tolist() == [["A", "apple"], ["A", "pear"],
                                                     ["B", "pear"], ["B", "plum"]]


def test_counts_any_grouping_column(tiny):
    c = terms.counts(tiny.assign(bias=["x", "y", "y"]), by="bias", **OPTS)
    assert list(c.columns)[0] == "bias"
    assert c[c.bias == "y"].set_index("term")["n"].to_dict() == {"pear": 2, "plum": 2, "apple": 1}
    with pytest.raises(KeyError):
        terms.counts(tiny, by="nope", **OPTS)


def test_keyness_log_odds_by_hand(tiny):
    k = terms.keyness(tiny, measure="log_odds", min_count=1, alpha0=10.0, **OPTS)
    a = k[k.outlet == "A"].set_index("term")
    # background counts: apple 3, pear 3, plum 2 (n=8) -> alpha_w = 10 * f / 8
    aw = {"apple": 30 / 8, "pear": 30 / 8, "plum": 20 / 8}
    yi = {"apple": 3, "pear": 1, "plum": 0}
    yj = {"apple": 0, "pear": 2, "plum": 2}
    ni, nj, a0 = 4, 4, 10.0
    for w in aw:
        delta = (math.log((yi[w] + aw[w]) / (ni + a0 - yi[w] - aw[w]))
                 - math.log((yj[w] + aw[w]) / (nj + a0 - yj[w] - aw[w])))
        var = 1 / (yi[w] + aw[w]) + 1 / (yj[w] + aw[w])
        assert a.loc[w, "delta"] == pytest.approx(delta)
        assert a.loc[w, "var"] == pytest.approx(var)
        assert a.loc[w, "z"] == pytest.approx(delta / math.sqrt(var))
        assert a.loc[w, "score"] == pytest.approx(delta / math.sqrt(var))
    # B vs rest is the mirror image
    b = k[k.outlet == "B"].set_index("term")
    assert b.loc["apple", "z"] == pytest.approx(-a.loc["apple", "z"])
    assert a.loc["apple", "count_target"] == 3 and a.loc["apple", "count_reference"] == 0
    assert a.loc["apple", "doc_freq_target"] == 2 and a.loc["pear", "doc_freq_reference"] == 1
    assert a.loc["apple", "n_target"] == 2 and a.loc["apple", "n_reference"] == 1
    assert (a["reference"] == "rest").all()
    # deterministic order: group, score desc, term
    assert a.index.tolist() == ["apple", "pear", "plum"]


def test_keyness_g2_log_ratio_by_hand(tiny):
    k = terms.keyness(tiny, measure="g2", min_count=1, **OPTS)
    a = k[k.outlet == "A"].set_index("term")
    nt = nr = 4
    for w, x, y in [("apple", 3, 0), ("pear", 1, 2), ("plum", 0, 2)]:
        cells = [(x, nt * (x + y) / 8), (y, nr * (x + y) / 8),
                 (nt - x, nt * (8 - x - y) / 8), (nr - y, nr * (8 - x - y) / 8)]
        g2 = 2 * sum(o * math.log(o / e) for o, e in cells if o > 0)
        sign = 1 if x / nt > y / nr else -1
        assert a.loc[w, "g2"] == pytest.approx(sign * g2)
        lr = math.log2(((x or 0.5) / nt) / ((y or 0.5) / nr))
        assert a.loc[w, "log_ratio"] == pytest.approx(lr)
        assert a.loc[w, "p"] == pytest.approx(stats.chi2.sf(g2, 1))
        table = np.array([[x, y], [nt - x, nr - y]])
        ref = stats.chi2_contingency(table, correction=False, lambda_="log-likelihood")
        assert abs(a.loc[w, "g2"]) == pytest.approx(ref.statistic)
    assert np.allclose(a["q"].sort_index(), stats.false_discovery_control(
        a["p"].sort_index().to_numpy()))


def test_keyness_chi2_by_hand(tiny):
    k = terms.keyness(tiny, measure="chi2", min_count=1, **OPTS)
    a = k[k.outlet == "A"].set_index("term")
    # apple: observed [[3, 0], [1, 4]], expected [[1.5, 1.5], [2.5, 2.5]]
    chi2 = (1.5 ** 2 / 1.5) * 2 + (1.5 ** 2 / 2.5) * 2
    assert a.loc["apple", "chi2"] == pytest.approx(chi2)
    assert a.loc["apple", "p"] == pytest.approx(stats.chi2.sf(chi2, 1))
    assert a.loc["plum", "chi2"] < 0


def test_keyness_target_reference_and_min_count(tiny):
    three = pd.concat([tiny, pd.DataFrame({"doc_id": ["c1"], "outlet": ["C"],
                                           "text": ["plum apple"]})], ignore_index=True)
    k = terms.keyness(three, target="A", reference=["B", "C"], min_count=1, **OPTS)
    assert set(k.outlet) == {"A"} and set(k.reference) == {"B + C"}
    assert k.set_index("term").loc["plum", "count_reference"] == 3
    k2 = terms.keyness(three, target="A", reference="C", min_count=2, **OPTS)
    # apple: 3 + 1 >= 2; pear: 1 + 0 < 2; plum: 0 + 1 < 2
    assert k2.term.tolist() == ["apple"]
    with pytest.raises(ValueError):
        terms.keyness(three, target="Z", **OPTS)
    with pytest.raises(ValueError):
        terms.keyness(three, measure="tfidf", **OPTS)


def test_keyness_top_keeps_both_ends(tiny):
    k = terms.keyness(tiny, min_count=1, top=1, **OPTS)
    assert k[k.outlet == "A"].term.tolist() == ["apple", "plum"]


def test_tfidf_profiles_by_hand(tiny):
    p = terms.tfidf_profiles(tiny, top=None, **OPTS)
    assert list(p.columns) == ["outlet", "term", "tfidf", "rank", "n", "doc_freq",
                               "n_articles"]
    # 2 groups; idf = ln(3/(1+df)) + 1: apple, plum df=1 -> ln(1.5)+1; pear df=2 -> 1
    i1, i2 = math.log(1.5) + 1, 1.0
    va = np.array([3 * i1, 1 * i2])
    a = p[p.outlet == "A"].set_index("term")
    assert a.loc["apple", "tfidf"] == pytest.approx(va[0] / np.linalg.norm(va))
    assert a.loc["pear", "tfidf"] == pytest.approx(va[1] / np.linalg.norm(va))
    assert a["rank"].tolist() == [1, 2] and a.loc["apple", "doc_freq"] == 2
    assert len(terms.tfidf_profiles(tiny, top=1, **OPTS)) == 2


def test_article_vectors(tiny):
    m, ids, vocab = terms.article_vectors(tiny, **OPTS)
    assert m.shape == (3, 3) and list(ids) == ["a1", "a2", "b1"]
    assert np.allclose((m @ m.T).diagonal(), 1.0)


def test_similarity_symmetric_diagonal_one(tiny):
    s = terms.similarity_matrix(tiny, **OPTS)
    assert np.allclose(s.values, s.values.T)
    assert np.allclose(np.diag(s.values), 1.0)
    # A = (3 i1, 1, 0), B = (0, 2, 2 i1)
    i1 = math.log(1.5) + 1
    a, b = np.array([3 * i1, 1, 0]), np.array([0, 2, 2 * i1])
    assert s.loc["A", "B"] == pytest.approx(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
    t = terms.similarity(tiny, **OPTS)
    assert list(t.columns) == ["group_a", "group_b", "cosine", "n_a", "n_b", "p_value",
                               "n_permutations", "note"]
    assert t.cosine.iloc[0] == pytest.approx(s.loc["A", "B"])
    assert np.isnan(t.p_value.iloc[0]) and "no permutation test" in t.note.iloc[0]


def test_similarity_permutation_detects_difference():
    rows = [{"doc_id": f"x{i}", "outlet": "X", "text": "steppe grain oil oil"} for i in range(5)]
    rows += [{"doc_id": f"y{i}", "outlet": "Y", "text": "bank loan loan bond"} for i in range(5)]
    t = terms.similarity(pd.DataFrame(rows), **OPTS)
    assert t.n_a.iloc[0] == 5 and t.n_b.iloc[0] == 5
    # all C(10, 5) = 252 splits enumerated; only the observed split and its mirror give 0
    assert t.n_permutations.iloc[0] == 252
    assert t.cosine.iloc[0] == pytest.approx(0.0)
    assert t.p_value.iloc[0] == pytest.approx(2 / 252)
    same = pd.DataFrame(rows).assign(text="steppe grain oil bank")
    assert terms.similarity(same, **OPTS).p_value.iloc[0] == pytest.approx(1.0)


def test_kwic_columns_and_grammar():
    arts = pd.DataFrame({"doc_id": ["d1", "d2"], "outlet": ["A", "B"], "text": [
        "Kazakhstan pursues a multi-vector foreign policy. Its multivector course holds.",
        "Nothing here.\n\nThe Middle-Corridor and the middle corridor grow fast today."]})
    k = terms.kwic(arts, "multi-vector*", window=2)
    assert list(k.columns) == ["doc_id", "outlet", "sent_id", "left", "match", "right"]
    assert k[["doc_id", "sent_id", "left", "match", "right"]].values.tolist() == [
        ["d1", 0, "pursues a", "multi-vector", "foreign policy."],
        ["d1", 1, "Its", "multivector", "course holds."]]
    k2 = terms.kwic(arts, ["middle corridor"], window=1)
    assert k2["match"].tolist() == ["Middle-Corridor", "middle corridor"]
    assert k2["sent_id"].tolist() == [1, 1] and k2["outlet"].tolist() == ["B", "B"]
    assert terms.kwic(arts, "trade").empty


def test_dtm_reuse_checked(tiny):
    d = terms.document_term_matrix(tiny, **OPTS)
    assert terms.counts(tiny, dtm=d).equals(terms.counts(tiny, **OPTS))
    with pytest.raises(ValueError):
        terms.counts(tiny.iloc[::-1], dtm=d)


def test_seeds_end_to_end():
    from kzmedia import corpus

    arts = corpus.load(SEEDS)
    k = terms.keyness(arts, by="outlet", measure="log_odds")
    assert set(k.outlet) == set(arts.outlet)
    # one article per outlet: every term of the target comes from that single article
    pos = k[k.count_target > 0]
    assert (pos.doc_freq_target == 1).all() and (k.n_target == 1).all()
    top = k.groupby("outlet").head(5)
    assert "multi-vector" in set(top[top.outlet == "The Diplomatic Insight"].term) | set(
        terms.counts(arts).query("outlet == 'The Diplomatic Insight'").head(10).term)
    s = terms.similarity_matrix(arts)
    assert s.shape == (5, 5) and np.allclose(np.diag(s.values), 1.0)
    k2 = terms.kwic(arts, "multi-vector*")
    assert len(k2) >= 5
    assert k2["match"].str.lower().str.startswith("multi").all()


def _same_dtm(a, b):
    assert list(a.vocabulary) == list(b.vocabulary)
    assert list(a.doc_ids) == list(b.doc_ids)
    assert a.matrix.shape == b.matrix.shape and a.matrix.dtype == b.matrix.dtype
    assert (a.matrix != b.matrix).nnz == 0
    assert a.matrix.has_sorted_indices and b.matrix.has_sorted_indices


def test_merge_dtm_equals_one_call(tiny):
    big = pd.concat([tiny] * 3, ignore_index=True).assign(
        doc_id=lambda x: x.index.astype(str),
        text=lambda x: x.text + [" kiwi", "", " fig fig", "", " date", "", "", " plum", ""])
    whole = terms.document_term_matrix(big, **OPTS)
    for cut in ([2, 5], [1], [4, 6, 8]):
        bounds = [0, *cut, len(big)]
        parts = [terms.document_term_matrix(big.iloc[a:b], **OPTS)
                 for a, b in zip(bounds, bounds[1:])]
        _same_dtm(terms.merge_dtm(parts), whole)
        # the vocabulary does not depend on the order of the parts
        assert list(terms.merge_dtm(parts[::-1]).vocabulary) == list(whole.vocabulary)
    assert terms.merge_dtm([whole]) is whole
    with pytest.raises(ValueError):
        terms.merge_dtm([])


@pytest.mark.parametrize("odd", ["", "\ud800"])
def test_merge_dtm_vocabulary_in_python_string_order(odd):
    """The merged vocabulary is sorted as Python sorts str (code points: "Z" < "z" < "é" <
    fullwidth "ａ" < emoji), also when a term is a lone surrogate (not encodable as UTF-8)."""
    import scipy.sparse as sp

    def part(vocab, counts, ids):
        return terms.DocTerm(sp.csr_matrix(np.array(counts, dtype=np.int32)),
                             np.array(ids, dtype=object), np.array(vocab, dtype=object))

    first = part(sorted(["z", "é", "😀"]), [[1, 2, 3]], ["d1"])
    second = part(sorted(["Z", "ａ", "é"] + ([odd] if odd else [])),
                  [[4, 5, 6] + ([7] if odd else [])], ["d2"])
    merged = terms.merge_dtm([first, second])
    vocab = sorted({"z", "é", "😀", "Z", "ａ"} | ({odd} if odd else set()))
    assert list(merged.vocabulary) == vocab
    dense = merged.matrix.toarray()
    assert dict(zip(vocab, dense[0])) == {**dict.fromkeys(vocab, 0), "z": 1, "é": 2, "😀": 3}
    want = dict(zip(second.vocabulary, second.matrix.toarray()[0]))
    assert dict(zip(vocab, dense[1])) == {**dict.fromkeys(vocab, 0), **want}
    assert merged.matrix.has_sorted_indices


def test_merge_dtm_seeds_with_phrases():
    from kzmedia import corpus

    arts = corpus.load(SEEDS)
    whole = terms.document_term_matrix(arts)
    parts = [terms.document_term_matrix(arts.iloc[i:i + 2]) for i in range(0, len(arts), 2)]
    _same_dtm(terms.merge_dtm(parts), whole)
    assert "foreign_policy" in set(whole.vocabulary) and "the" not in set(whole.vocabulary)


def test_document_term_matrix_worker_processes(tiny):
    big = pd.concat([tiny] * 4, ignore_index=True).assign(doc_id=lambda x: x.index.astype(str))
    _same_dtm(terms.document_term_matrix(big, n_jobs=2, chunk_size=5, **OPTS),
              terms.document_term_matrix(big, **OPTS))


EDGE_TEXTS = [
    "Kazakhstan's foreign policy", "Foreign\n\nPolicy at a paragraph break",
    "foreign  policy, foreign-policy, foreign - policy, foreign -- policy, foreign\t-\npolicy",
    "the Belt and Road; belt and\nroad initiative; Belt - and - Road; belt\u00a0-\u00a0and road",
    "Kassym-Jomart Tokayev, Kassym Jomart Tokayev, Kassym  Jomart Tokayev, KassymJomart Tokayev",
    "the multi- vector course, a multi vector and multivector policy; multi-\nvector",
    "Kazakhstan\u2019s U.S. and US and UN ties; tell us; the U.N. Security Council",
    "in 2,000 cases 1.5 times; G20, 21st century, covid-19 and 1990s; 2,000abc",
    "\u201cForeign policy\u201d (foreign policy) 'foreign policy' \"European Union\"",
    "", "   ", "-", "- - -", "St. Petersburg and st.  petersburg", "united\u00a0nations general assembly",
    "ΑΣ ΣΑ Σ", "nul\x00foreign policy\x00here", "marker \ua66e foreign \ua66e policy",
    "united nations\n\ngeneral assembly security council", "one belt one road one belt",
]


@pytest.mark.parametrize("opts", [
    {}, dict(numbers=True), dict(possessive=True), dict(stopwords=()),
    dict(stopwords=["policy", "the"], joiner=" "), dict(phrases=()),
    dict(phrases=["kassym-jomart tokayev", "multi-vector", "belt and road", "st. petersburg",
                  "co-operation in europe", "foreign policy"]),
    dict(phrases=["a . b", "foreign policy"]),  # a piece with no word character
    dict(phrases=["\ua66e policy", "foreign policy"]),  # the batch marker in a phrase
])
def test_fast_counting_equals_reference(opts):
    """The contract of kzmedia.fast.counting: the same DocTerm as tokenizing each text."""
    arts = pd.DataFrame({"doc_id": [f"d{i:02d}" for i in range(len(EDGE_TEXTS))],
                         "text": EDGE_TEXTS})
    fast = terms.document_term_matrix(arts, **opts)
    _same_dtm(fast, terms.document_term_matrix(arts, method="reference", **opts))
    # each text on its own as well (no neighbours in the chunk dictionary)
    for i in range(len(arts)):
        _same_dtm(terms.document_term_matrix(arts.iloc[i:i + 1], **opts),
                  terms.document_term_matrix(arts.iloc[i:i + 1], method="reference", **opts))


def test_reference_counts_are_the_tokens():
    arts = pd.DataFrame({"doc_id": ["a", "b"], "text": ["Foreign policy and US policy; 2022",
                                                        "the policy of the U.S."]})
    d = terms.document_term_matrix(arts, method="reference")
    for i, t in enumerate(arts.text):
        row = d.matrix[i]
        got = dict(zip(d.vocabulary[row.indices], row.data))
        assert got == dict(Counter(tokenize(t)))
    assert d.matrix.dtype == np.int32 and d.matrix.has_sorted_indices


def test_fast_counting_phrases_across_whitespace():
    arts = pd.DataFrame({"doc_id": ["a", "b", "c"], "text": [
        "Foreign\n\nPolicy and belt -  and road", "Kassym Jomart Tokayev", "Kassym  Jomart Tokayev"]})
    d = terms.document_term_matrix(arts, stopwords=())
    row = dict(zip(d.vocabulary, d.matrix.toarray()[0]))
    assert row["foreign_policy"] == 1 and row["belt_and_road"] == 1 and "policy" not in row
    voc = list(d.vocabulary)
    m = d.matrix.toarray()
    # one space: the in-word hyphen of "kassym-jomart" is matched; two spaces: it is not
    assert m[1, voc.index("kassym-jomart_tokayev")] == 1
    assert m[2, voc.index("kassym-jomart_tokayev")] == 0 and m[2, voc.index("kassym")] == 1
    _same_dtm(d, terms.document_term_matrix(arts, stopwords=(), method="reference"))
    with pytest.raises(ValueError):
        terms.document_term_matrix(arts, method="tokens")


@pytest.mark.parametrize("opts", [{}, dict(numbers=True, possessive=True, stopwords=())])
def test_fast_counting_equals_reference_on_seeds(opts):
    from kzmedia import corpus

    arts = corpus.load(SEEDS)
    _same_dtm(terms.document_term_matrix(arts, **opts),
              terms.document_term_matrix(arts, method="reference", **opts))


def _random_corpus(n_docs=60, n_groups=7, seed=1):
    """Articles of a Zipf-like vocabulary in groups of unequal size: many terms absent from
    each group, many tied counts."""
    rng = np.random.default_rng(seed)
    words = [f"w{i:02d}" for i in range(80)]
    prob = 1 / np.arange(1, 81)
    prob /= prob.sum()
    return pd.DataFrame({
        "doc_id": [f"d{i:03d}" for i in range(n_docs + 1)],
        "outlet": [f"g{min(int(rng.exponential(2)), n_groups - 1)}" for _ in range(n_docs)]
        + ["tiny"],  # fewer terms than a top 10: absent terms reach its top
        "text": [" ".join(rng.choice(words, size=rng.integers(1, 40), p=prob))
                 for _ in range(n_docs)] + ["w00 w01 w79"],
    })


@pytest.mark.parametrize("measure", ["log_odds", "g2", "chi2"])
def test_keyness_top_is_the_ends_of_the_full_table(measure):
    arts = _random_corpus()
    full = terms.keyness(arts, measure=measure, min_count=1, **OPTS)
    for top in range(1, 16):
        cut = terms.keyness(arts, measure=measure, min_count=1, top=top, **OPTS)
        want = pd.concat([g if len(g) <= 2 * top else pd.concat([g.head(top), g.tail(top)])
                          for _, g in full.groupby("outlet", sort=True)], ignore_index=True)
        pd.testing.assert_frame_equal(cut, want)


@pytest.mark.parametrize("measure", ["g2", "chi2"])
def test_keyness_one_vs_rest_equals_explicit_reference(measure):
    """Every group against the rest gives the rows of target=g (reference = all others):
    statistics, p and the Benjamini–Hochberg q over all the group's scored terms."""
    arts = _random_corpus()
    full = terms.keyness(arts, measure=measure, min_count=2, **OPTS)
    for g in sorted(set(arts.outlet)):
        one = terms.keyness(arts, measure=measure, target=g, min_count=2, **OPTS)
        got = full[full.outlet == g].drop(columns="reference").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, one.drop(columns="reference"), rtol=1e-12)
        assert np.allclose(one.p, stats.chi2.sf(one[measure].abs(), 1), rtol=1e-12, atol=0)
        assert np.allclose(one.q, stats.false_discovery_control(one.p), rtol=1e-12, atol=0)
        # the terms absent from the target are scored too
        assert (one.count_target == 0).any()


@pytest.mark.parametrize("measure", ["g2", "chi2"])
def test_keyness_q_values_with_tied_p_values_as_scipy(measure):
    """q is Benjamini–Hochberg over all the scored terms of each target, tied p-values (the
    many terms a group does not use, with equal totals) included."""
    arts = _random_corpus()
    full = terms.keyness(arts, measure=measure, min_count=1, **OPTS)
    for _, rows in full.groupby("outlet"):
        assert rows.p.duplicated().any()
        np.testing.assert_allclose(rows.q, stats.false_discovery_control(rows.p),
                                   rtol=1e-12, atol=0)


def test_group_terms_sums():
    arts = _random_corpus(n_docs=40)
    dtm = terms.document_term_matrix(arts, **OPTS)
    gt = terms.group_terms(arts, "outlet", dtm=dtm)
    m = dtm.matrix.toarray()
    assert list(gt.labels) == sorted(set(arts.outlet)) and gt.by == "outlet"
    assert list(gt.codes) == [list(gt.labels).index(o) for o in arts.outlet]
    for k, label in enumerate(gt.labels):
        mine = (arts.outlet == label).to_numpy()
        assert np.array_equal(gt.counts[k].toarray().ravel(), m[mine].sum(axis=0))
        assert np.array_equal(gt.doc_freq[k].toarray().ravel(), (m[mine] > 0).sum(axis=0))
        assert gt.n_articles[k] == mine.sum()
    assert gt.counts.has_sorted_indices and gt.doc_freq.has_sorted_indices
    assert np.array_equal(gt.counts.indices, gt.doc_freq.indices)
    assert np.array_equal(gt.counts.indptr, gt.doc_freq.indptr)
    assert gt.dtm is dtm


def test_groups_argument_changes_nothing():
    arts = _random_corpus(n_docs=50).assign(half=lambda a: np.where(a.index % 2, "odd", "even"))
    dtm = terms.document_term_matrix(arts, **OPTS)

    def every_table(by, **given):
        return [terms.counts(arts, by, **given), terms.tfidf_profiles(arts, by, **given),
                terms.keyness(arts, by, min_count=1, **given),
                terms.keyness(arts, by, measure="g2", min_count=1, **given),
                terms.similarity(arts, by, permutations=20, **given),
                terms.similarity_matrix(arts, by, **given)]

    for by in ("outlet", "half"):
        groups = terms.group_terms(arts, by, dtm=dtm)
        for a, b in zip(every_table(by, dtm=dtm), every_table(by, groups=groups)):
            pd.testing.assert_frame_equal(a, b)
    # groups of another grouping, or of other articles, are refused
    with pytest.raises(ValueError):
        terms.counts(arts, "half", groups=terms.group_terms(arts, "outlet", dtm=dtm))
    other = arts.assign(outlet=arts["outlet"].iloc[::-1].to_numpy())
    with pytest.raises(ValueError):
        terms.counts(other, groups=terms.group_terms(arts, dtm=dtm))
    with pytest.raises(ValueError):
        terms.counts(arts.iloc[::-1], groups=terms.group_terms(arts, dtm=dtm))


def test_similarity_p_values_every_size_of_count():
    """Pairs whose relabellings are all enumerated, with term totals of every size (up to
    tens of millions) and terms of one article: the p-value is the share of splits whose
    pooled TF-IDF cosine is at most the observed one."""
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfTransformer

    rng = np.random.default_rng(5)
    n = 12
    arts = pd.DataFrame({"doc_id": [f"d{i:02d}" for i in range(n)],
                         "outlet": ["A"] * 6 + ["B"] * 6, "text": ""})
    for big in ({}, {(0, 1): 300}, {(0, 1): 300, (7, 2): 70_000}, {(2, 3): 20_000_000}):
        c = (rng.random((n, 40)) < 0.3) * rng.integers(1, 5, (n, 40))
        c[:, 5] = 0
        c[4, 5] = 9  # a term of one article
        for (i, j), v in big.items():
            c[i, j] = v
        c = c[:, c.sum(axis=0) > 0]
        dtm = terms.DocTerm(sp.csr_matrix(c.astype(np.int32)), arts.doc_id.to_numpy(object),
                            np.array([f"t{j:02d}" for j in range(c.shape[1])], dtype=object))
        t = terms.similarity(arts, permutations=1000, min_articles=3, dtm=dtm)
        pooled = np.array([c[:6].sum(axis=0), c[6:].sum(axis=0)])
        x = c * TfidfTransformer().fit(pooled).idf_

        def cos(first):
            a, b = x[first].sum(axis=0), x[~first].sum(axis=0)
            return a @ b / np.linalg.norm(a) / np.linalg.norm(b)

        splits = [np.isin(np.arange(n), s) for s in itertools.combinations(range(n), 6)]
        observed = cos(np.arange(n) < 6)
        sims = np.array([cos(s) for s in splits])
        assert t.n_permutations.iloc[0] == len(splits) == 924
        assert t.p_value.iloc[0] == np.sum(sims <= observed + 1e-12) / len(splits)


def test_similarity_p_values_by_hand():
    """Same relabellings (same generator, same order) and p-values as pooling the TF-IDF
    weighted article vectors of each random split."""
    from sklearn.feature_extraction.text import TfidfTransformer

    arts = _random_corpus(n_docs=40, n_groups=3)
    t = terms.similarity(arts, permutations=40, min_articles=3, **OPTS)
    x = terms.document_term_matrix(arts, **OPTS).matrix.toarray().astype(float)
    groups = sorted(set(arts.outlet))
    idf = TfidfTransformer().fit(np.array([x[arts.outlet == g].sum(axis=0)
                                           for g in groups])).idf_
    rng = np.random.default_rng(0)
    tested = 0
    for row in t.itertuples():
        if row.n_a < 3 or row.n_b < 3:
            assert np.isnan(row.p_value) and "fewer than 3" in row.note
            continue
        pair = x[arts.outlet.isin([row.group_a, row.group_b]).to_numpy()] * idf
        first = (arts.outlet[arts.outlet.isin([row.group_a, row.group_b])] == row.group_a)

        def cos(sel):
            a, b = pair[sel].sum(axis=0), pair[~sel].sum(axis=0)
            return a @ b / np.linalg.norm(a) / np.linalg.norm(b)

        perm = [rng.permutation(len(pair))[:row.n_a] for _ in range(40)]
        sims = [cos(np.isin(np.arange(len(pair)), s)) for s in perm]
        obs = cos(first.to_numpy())
        assert row.n_permutations == 40
        assert row.p_value == (np.sum(np.array(sims) <= obs + 1e-12) + 1) / 41
        tested += 1
    assert tested >= 2


# --------------------------------------------------------------------------- variants, left out

VARIANTS = pd.DataFrame({
    "doc_id": ["d1", "d2", "d3"],
    "outlet": ["The Media Line", "Fox News (Online)", "Fox News (Online)"],
    "text": ["A multi-vector policy, a multivector course and a multi vector path, "
             "he told The Media Line.",
             "The re-election said reelection, and the multivector one.",
             "Co-operation and cooperation, said Fox."],
})


@pytest.mark.parametrize("method", ["fast", "reference"])
def test_spelling_variants_are_one_term(method):
    d = terms.document_term_matrix(VARIANTS, method=method)
    counts = pd.DataFrame(d.matrix.toarray(), index=d.doc_ids, columns=d.vocabulary)
    # "multi vector" is joined by the codebook phrase "multi-vector"; "multivector" merged
    assert counts["multi-vector"].tolist() == [3, 1, 0]
    assert counts["reelection"].tolist() == [0, 2, 0]
    assert counts["cooperation"].tolist() == [0, 0, 2]
    assert not {"multivector", "re-election", "co-operation", "vector"} & set(d.vocabulary)
    kept = terms.document_term_matrix(VARIANTS, method=method, variants=False)
    assert {"reelection", "cooperation", "re-election"} <= set(kept.vocabulary)
    # without the phrase list, the hyphen merge alone joins multi-vector and multivector
    no_phrases = terms.document_term_matrix(VARIANTS, method=method, phrases=())
    c = dict(zip(no_phrases.vocabulary, np.asarray(no_phrases.matrix.sum(axis=0)).ravel()))
    assert c["multivector"] == 3 and c["multi"] == 1 and c["vector"] == 1
    assert terms.counts(VARIANTS, variants=False, phrases=()).query(
        "term == 'multivector'").n.sum() == 2


def test_variants_merged_by_parts_as_at_once():
    """A part holding only one spelling names the term as the whole corpus does."""
    for opts in ({}, OPTS):
        whole = terms.document_term_matrix(VARIANTS, **opts)
        for cut in (1, 2):
            parts = [terms.document_term_matrix(VARIANTS.iloc[:cut], **opts),
                     terms.document_term_matrix(VARIANTS.iloc[cut:], **opts)]
            _same_dtm(terms.merge_dtm(parts), whole)
    # without phrases the first article alone spells it both ways, merged as "multivector";
    # the third spells "co-operation" both ways too
    assert "multi-vector" not in set(terms.document_term_matrix(VARIANTS.iloc[:1], **OPTS).vocabulary)
    assert "multivector" in set(terms.document_term_matrix(VARIANTS.iloc[:1], **OPTS).vocabulary)


def test_merge_variants_by_hand():
    import scipy.sparse as sp

    vocab = np.array(["ab", "a-b", "a_b", "c", "x-y"], dtype=object)
    d = terms.DocTerm(sp.csr_matrix(np.array([[1, 2, 0, 5, 1], [0, 0, 4, 0, 0]],
                                             dtype=np.int32)),
                      np.array(["1", "2"], dtype=object), np.array(sorted(vocab), dtype=object))
    order = [list(vocab).index(t) for t in d.vocabulary]  # columns in sorted order
    d = d._replace(matrix=sp.csr_matrix(np.array([[1, 2, 0, 5, 1], [0, 0, 4, 0, 0]],
                                                 dtype=np.int32)[:, order]))
    m = terms.merge_variants(d)
    # fewest hyphens, then a joined phrase's "_": a_b names ab, a-b and a_b
    assert list(m.vocabulary) == ["a_b", "c", "x-y"]
    assert m.matrix.toarray().tolist() == [[3, 5, 1], [4, 0, 0]]
    assert m.matrix.dtype == np.int32 and m.matrix.has_sorted_indices
    assert terms.variant_key("multi-vector") == "multivector"
    plain = d._replace(vocabulary=np.array(["a", "b", "c", "d", "e"], dtype=object))
    assert terms.merge_variants(plain) is plain


def test_codebook_phrases_are_phrases_of_the_term_tables():
    from kzmedia import frames, text

    cb_phrases = terms.codebook_phrases(frames.load_codebook())
    assert "multi-vector" in cb_phrases and "balanced foreign policy" in cb_phrases
    assert not [p for p in cb_phrases if "*" in p or "+" in p]
    assert set(cb_phrases) <= set(text.load_phrases())


def test_keyness_leaves_out_reporting_verbs_and_mastheads():
    assert {"said", "told", "according"} <= terms.load_reporting_verbs()
    heads = terms.masthead_terms(["The Media Line", "Fox News (Online)", "CNN - News",
                                  "Guest Writer - Right"])
    assert heads == {"media", "line", "fox", "news", "cnn", "guest", "writer"}
    left_out = terms.excluded_terms(VARIANTS)
    assert {"said", "told", "media", "line", "fox", "news"} <= left_out
    assert "online" not in left_out  # a bracketed descriptor is not the masthead
    # words naming an actor of the gazetteer stay: they are what the analysis measures
    astana = pd.DataFrame({"outlet": ["The Astana Times", "China Daily"]})
    assert {"astana", "china"} <= terms.actor_terms()
    assert terms.excluded_terms(astana) - terms.load_reporting_verbs() == {"times", "daily"}
    assert {"astana", "china"} <= terms.excluded_terms(astana, keep=())

    k = terms.keyness(VARIANTS, min_count=1)
    assert not {"said", "told", "media", "line", "fox"} & set(k.term)
    everything = terms.keyness(VARIANTS, min_count=1, exclude=False)
    assert {"said", "told", "media", "line", "fox"} <= set(everything.term)
    # the other terms keep their scores: the left-out tokens still count in the totals
    both = k.merge(everything, on=["outlet", "term"], suffixes=("", "_all"))
    assert len(both) == len(k) and np.allclose(both.score, both.score_all)
    own = terms.keyness(VARIANTS, min_count=1, exclude=["policy"])
    assert "policy" not in set(own.term) and "said" in set(own.term)
    # without an outlet column only the reporting verbs go
    k2 = terms.keyness(VARIANTS.rename(columns={"outlet": "paper"}), by="paper", min_count=1)
    assert "said" not in set(k2.term) and "media" in set(k2.term)
