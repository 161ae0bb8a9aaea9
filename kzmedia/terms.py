"""What each outlet says: term counts, TF-IDF profiles, distinctive terms (keyness), KWIC and
profile similarity.

Articles are counted once (the tokens of :func:`kzmedia.text.make_tokenizer`) into one
sparse document x term count matrix (:func:`document_term_matrix`); group tables come from
sparse group-indicator products (:func:`group_terms`), never from dense vocabulary x document
arrays. Pass a precomputed ``dtm=`` to reuse the matrix across calls on the same articles,
and ``groups=`` to reuse the groups x terms sums of one grouping.

Statistics (docs/methods.md, "Distinctive terms (keyness)"):

- log-odds with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008),
- G² log-likelihood with Hardie's (2014) log-ratio effect size, chi², each with
  Benjamini–Hochberg q-values over the vocabulary,
- document frequency next to every count, so one long article cannot make an outlet's
  keywords on its own.

Spelling variants that differ only by hyphens ("multi-vector", "multivector") are one term
in every table (:func:`merge_variants`, applied by :func:`document_term_matrix`); the
codebook's multi-word patterns are in the phrase list, so "multi vector" joins them too.
The distinctive terms (:func:`keyness`) leave out reporting verbs and the words of the
outlets' names by default (:func:`excluded_terms`; docs/methods.md, "Terms left out of
the distinctive terms").
"""

from __future__ import annotations

import functools
import itertools
import re
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import NamedTuple

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import special, stats
from sklearn.feature_extraction.text import TfidfTransformer

from . import actors, patterns, text
from .parallel import map_ordered

__all__ = [
    "DocTerm",
    "GroupTerms",
    "count_terms",
    "document_term_matrix",
    "merge_dtm",
    "merge_variants",
    "variant_key",
    "codebook_phrases",
    "load_reporting_verbs",
    "masthead_terms",
    "actor_terms",
    "excluded_terms",
    "group_terms",
    "counts",
    "tfidf_profiles",
    "article_vectors",
    "keyness",
    "kwic",
    "similarity",
    "similarity_matrix",
]

MEASURES = ("log_odds", "g2", "chi2")


class DocTerm(NamedTuple):
    """Sparse counts: ``matrix`` (CSR, articles x terms, int), ``doc_ids`` (array of str, the
    articles' order), ``vocabulary`` (array of str, sorted)."""

    matrix: sp.csr_matrix
    doc_ids: np.ndarray
    vocabulary: np.ndarray


# --------------------------------------------------------------------------- counting

def count_terms(texts: Sequence[str], *, numbers: bool = False,
                stopwords: Iterable[str] | None = None, phrases: Iterable[str] | None = None,
                joiner: str = "_", possessive: bool = False) -> tuple[sp.csr_matrix, np.ndarray]:
    """The terms of each text counted: ``(counts, vocabulary)``, ``counts`` a CSR texts x
    terms int32 matrix, ``vocabulary`` the sorted terms (object array). Each text is
    tokenized by :func:`kzmedia.text.make_tokenizer` with these arguments (the reference
    of :func:`document_term_matrix`)."""
    tokenize = text.make_tokenizer(numbers=numbers, stopwords=stopwords, phrases=phrases,
                                   joiner=joiner, possessive=possessive)
    per_text = [Counter(tokenize(t)) for t in texts]
    vocabulary = np.array(sorted(set().union(*per_text)), dtype=object)
    column = {term: j for j, term in enumerate(vocabulary)}
    rows, cols, values = [], [], []
    for i, c in enumerate(per_text):
        rows.extend(itertools.repeat(i, len(c)))
        cols.extend(column[term] for term in c)
        values.extend(c.values())
    matrix = sp.csr_matrix((np.array(values, dtype=np.int32), (rows, cols)),
                           shape=(len(per_text), len(vocabulary)))
    return matrix, vocabulary


def _count(texts, token_opts: dict, method: str) -> tuple[sp.csr_matrix, np.ndarray]:
    if method == "fast":
        from .fast import counting

        return counting.count_terms(texts, **token_opts)
    return count_terms(texts, **token_opts)


def _dtm_part(job: tuple) -> DocTerm:
    texts, doc_ids, token_opts, method = job
    matrix, vocabulary = _count(texts, token_opts, method)
    matrix = matrix.tocsr()
    matrix.sort_indices()
    matrix.eliminate_zeros()
    return DocTerm(matrix, doc_ids, vocabulary)


def document_term_matrix(articles: pd.DataFrame, chunk_size: int = 2000, n_jobs: int = 1,
                         method: str = "fast", variants: bool = True,
                         **token_opts) -> DocTerm:
    """Count the terms of every article.

    ``token_opts`` go to :func:`kzmedia.text.make_tokenizer` (numbers, stopwords, phrases,
    joiner, possessive); the terms are exactly those of ``tokenize``. Rows follow the order
    of ``articles``; columns are the sorted vocabulary. With ``n_jobs`` other than 1
    (processes, as :func:`kzmedia.parallel.n_processes` reads it), partitions of
    ``chunk_size`` articles are counted in worker processes and combined with
    :func:`merge_dtm` (same result as one process).

    ``method="reference"`` tokenizes each article and counts its tokens
    (:func:`count_terms`); ``method="fast"`` (default) gives the same DocTerm from
    :func:`kzmedia.fast.counting.count_terms`, which tokenizes each distinct
    whitespace-separated piece of the texts once.

    ``variants`` (default True): terms that differ only by hyphens are one column
    (:func:`merge_variants`); False keeps each spelling.
    """
    if method not in ("fast", "reference"):
        raise ValueError(f"method must be 'fast' or 'reference', not {method!r}")
    texts = articles["text"].fillna("").astype(str)
    doc_ids = articles["doc_id"].astype(str).to_numpy(dtype=object)
    if n_jobs == 1 or len(texts) <= chunk_size:
        d = _dtm_part((texts, doc_ids, token_opts, method))
        return merge_variants(d) if variants else d
    bounds = range(0, len(texts), chunk_size)
    jobs = [(texts.iloc[i:i + chunk_size], doc_ids[i:i + chunk_size], token_opts, method)
            for i in bounds]
    return merge_dtm(map_ordered(_dtm_part, jobs, n_jobs), variants=variants)


def merge_dtm(parts: Iterable[DocTerm], variants: bool = True) -> DocTerm:
    """One DocTerm from DocTerms of consecutive partitions of the articles: rows in the order
    of ``parts``, vocabulary the sorted union. Equal to :func:`document_term_matrix` on all
    the articles at once (same vocabulary order, same counts, same dtypes), with the same
    ``variants``: spelling variants are merged again over the union (a part may hold only
    one spelling of a term; the name :func:`merge_variants` gives a term does not depend on
    how the articles were split)."""
    parts = list(parts)
    if not parts:
        raise ValueError("merge_dtm needs at least one DocTerm")
    if len(parts) == 1:
        return merge_variants(parts[0]) if variants else parts[0]
    vocabulary, wheres = _union_vocabulary([p.vocabulary for p in parts])
    blocks = []
    for p, where in zip(parts, wheres):
        m = p.matrix.tocsr()
        # both vocabularies are sorted, so the mapped column indices stay sorted in each row
        blocks.append(sp.csr_matrix((m.data, where[m.indices].astype(m.indices.dtype),
                                     m.indptr), shape=(m.shape[0], len(vocabulary))))
    matrix = sp.vstack(blocks, format="csr")
    matrix.sort_indices()
    merged = DocTerm(matrix, np.concatenate([p.doc_ids for p in parts]).astype(object),
                     vocabulary)
    return merge_variants(merged) if variants else merged


# hyphens (as the pattern grammar reads them) and the "_" of joined phrases
_VARIANT_SEPARATORS = re.compile(f"[{patterns.HYPHENS}_]")
_HYPHEN_RUN = re.compile(f"[{patterns.HYPHENS}]")


def variant_key(term: str) -> str:
    """What spelling variants of one term share: the term without hyphens and the ``_`` of
    joined phrases ("multi-vector", "multivector" and "multi_vector" -> "multivector")."""
    return _VARIANT_SEPARATORS.sub("", term)


def merge_variants(dtm: DocTerm) -> DocTerm:
    """The DocTerm with the columns of spelling variants summed into one.

    Variants are terms with the same :func:`variant_key`: they differ only by hyphens (or the
    ``_`` of a joined phrase), as the codebook's pattern grammar reads "multi-vector" (an
    optional hyphen). The merged term is named by the variant with the fewest hyphens, then
    the most ``_`` (a joined phrase), then the first in sorted order ("obama" for "obama" and
    "o-b-a-m-a", "foreign_policy" for "foreign-policy"): a choice from the set of spellings
    present alone, so merging parts and then their union (:func:`merge_dtm`) names terms as
    merging all at once does. A codebook phrase ("multi-vector") joins its spellings in the
    tokenizer already, under its own name. Returns ``dtm`` itself when
    no two terms are variants.
    """
    vocab = dtm.vocabulary
    if not len(vocab):
        return dtm
    search = _VARIANT_SEPARATORS.search
    members: dict[str, list[int]] = defaultdict(list)
    for i, t in enumerate(vocab):
        if search(t) is not None:
            members[variant_key(t)].append(i)
    if not members:
        return dtm
    # the plain spelling of each key, where it is a term
    plain = {t: i for i, t in enumerate(vocab) if t in members}
    for k, j in plain.items():
        members[k].append(j)
    target = np.arange(len(vocab))
    merged = False
    for group in members.values():
        if len(group) < 2:
            continue
        merged = True
        name = min(group, key=lambda j: (len(_HYPHEN_RUN.findall(vocab[j])),
                                         -vocab[j].count("_"), vocab[j]))
        target[group] = name
    if not merged:
        return dtm
    kept = target == np.arange(len(vocab))
    new_pos = np.cumsum(kept) - 1  # kept terms stay in sorted order
    col = new_pos[target]
    m = dtm.matrix.tocsr()
    # terms x merged terms, 0/1: one sparse product sums the variants' columns
    proj = sp.csr_matrix((np.ones(len(vocab), dtype=m.dtype), (np.arange(len(vocab)), col)),
                         shape=(len(vocab), int(kept.sum())))
    out = (m @ proj).tocsr()
    out.sort_indices()
    return DocTerm(out, dtm.doc_ids, vocab[kept])


def codebook_phrases(codebook) -> list[str]:
    """The multi-word and hyphenated patterns of a frame codebook
    (:class:`kzmedia.frames.Codebook`) as phrases for the tokenizer, lower-cased, in order:
    a pattern with a wildcard inside or a piece without a letter or digit ("c5 + 1") is
    left out, a one-word pattern loses its trailing ``*`` ("multi-vector*" ->
    "multi-vector"). The package phrase list holds those of the
    default codebook; for another codebook pass
    ``phrases=text.load_phrases(extra=codebook_phrases(cb))`` to the term functions."""
    out: dict[str, None] = {}
    for p in codebook.patterns["pattern"]:
        p = str(p).strip().lower()
        words = p.split()
        if len(words) == 1 and p.endswith("*"):
            p = p[:-1]
        if "*" in p or not (len(words) > 1 or re.search(f"[{patterns.HYPHENS}]", p)):
            continue
        if not all(re.search(r"\w", part) for part in re.split(f"[{patterns.HYPHENS}\\s]", p)):
            continue  # a piece without a letter ("c5 + 1") is no term to join
        out[p] = None
    return list(out)


def _union_vocabulary(vocabularies: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    """(the sorted union of the vocabularies, each vocabulary's positions in it)."""
    union = np.array(sorted(set().union(*vocabularies)), dtype=object)
    position = {term: i for i, term in enumerate(union)}
    wheres = [np.fromiter(map(position.__getitem__, v), dtype=np.int64, count=len(v))
              for v in vocabularies]
    return union, wheres


# --------------------------------------------------------------------------- groups

def _dtm(articles, dtm, token_opts) -> DocTerm:
    if dtm is None:
        return document_term_matrix(articles, **token_opts)
    if len(dtm.doc_ids) != len(articles) or not np.array_equal(
            dtm.doc_ids, articles["doc_id"].astype(str).to_numpy(dtype=object)):
        raise ValueError("dtm does not match articles: build it with "
                         "document_term_matrix(articles) on the same rows in the same order")
    return dtm


def _codes(articles: pd.DataFrame, by: str) -> tuple[np.ndarray, np.ndarray]:
    """(each article's group: position in the labels, -1 without a value; sorted labels)."""
    if by not in articles.columns:
        raise KeyError(f"grouping column {by!r} is not in articles "
                       f"(columns: {', '.join(map(str, articles.columns))})")
    codes, labels = pd.factorize(articles[by], sort=True)
    return codes, np.asarray(labels, dtype=object)


def _binary(m: sp.csr_matrix) -> sp.csr_matrix:
    b = m.copy()
    b.data = np.ones_like(b.data)
    return b


class GroupTerms(NamedTuple):
    """The groups x terms sums of one grouping of the articles (:func:`group_terms`).

    ``by``: the grouping column; ``labels``: the groups (sorted); ``codes``: each article's
    group (position in ``labels``, -1 without a value); ``counts`` and ``doc_freq``: groups x
    terms float CSR matrices (occurrences, articles using the term) with one sparsity
    pattern and sorted indices; ``n_articles``: articles per group; ``dtm``: the DocTerm
    they were summed from. Read only: the tables built from it share its arrays.
    """

    by: str
    labels: np.ndarray
    codes: np.ndarray
    counts: sp.csr_matrix
    doc_freq: sp.csr_matrix
    n_articles: np.ndarray
    dtm: DocTerm


def group_terms(articles: pd.DataFrame, by: str = "outlet", *, dtm: DocTerm | None = None,
                **token_opts) -> GroupTerms:
    """Term counts and document frequencies per group (the sums every group table starts
    from): pass the result as ``groups=`` to :func:`counts`, :func:`tfidf_profiles`,
    :func:`keyness`, :func:`similarity` and :func:`similarity_matrix` with the same articles
    and grouping to sum once for all of them."""
    d = _dtm(articles, dtm, token_opts)
    codes, labels = _codes(articles, by)
    if (codes < 0).any():
        warnings.warn(f"{int((codes < 0).sum())} article(s) without a value in {by!r} "
                      "are left out of the group tables", stacklevel=3)
    keep = np.flatnonzero(codes >= 0)
    g = sp.csr_matrix((np.ones(len(keep)), (codes[keep], keep)),  # groups x articles
                      shape=(len(labels), len(articles)))
    cnt = (g @ d.matrix).tocsr()
    df = (g @ _binary(d.matrix)).tocsr()
    cnt.sort_indices()
    df.sort_indices()
    n_articles = np.asarray(g.sum(axis=1)).ravel().astype(np.int64)
    return GroupTerms(by, labels, codes, cnt, df, n_articles, d)


def _group_terms(articles, by, dtm, groups, token_opts) -> GroupTerms:
    """``groups`` when given (checked against the articles and the grouping), else
    :func:`group_terms` of the articles."""
    if groups is None:
        return group_terms(articles, by, dtm=dtm, **token_opts)
    if dtm is not None and dtm is not groups.dtm:
        raise ValueError("pass dtm or groups, not both (groups holds its dtm)")
    _dtm(articles, groups.dtm, token_opts)
    codes, labels = _codes(articles, by)
    if (groups.by != by or not np.array_equal(groups.codes, codes)
            or not np.array_equal(groups.labels, labels)):
        raise ValueError(f"groups do not match articles grouped by {by!r}: build them with "
                         f"group_terms(articles, {by!r})")
    return groups


def _tfidf(rows: sp.csr_matrix) -> sp.csr_matrix:
    return TfidfTransformer(norm="l2", use_idf=True, smooth_idf=True).fit_transform(rows)


# --------------------------------------------------------------------------- counts

def _take(values: np.ndarray, idx: np.ndarray):
    """``values[idx]`` as a DataFrame column (the same column as the object array gives):
    strings are gathered through a pandas Index, without one Python object per row."""
    if pd.api.types.infer_dtype(values, skipna=False) == "string":
        return pd.Index(values).take(idx)
    return values[idx]


def counts(articles: pd.DataFrame, by: str = "outlet", *, dtm: DocTerm | None = None,
           groups: GroupTerms | None = None, **token_opts) -> pd.DataFrame:
    """Term counts per group.

    Columns: ``<by>``, ``term``, ``n`` (occurrences in the group), ``doc_freq`` (articles of
    the group using the term), ``share`` (n / all term occurrences of the group),
    ``n_articles`` (articles in the group). Sorted by group, n descending, term.
    ``dtm``: see :func:`document_term_matrix`; ``groups``: see :func:`group_terms`.
    """
    gt = _group_terms(articles, by, dtm, groups, token_opts)
    labels, cnt, df, n_art = gt.labels, gt.counts, gt.doc_freq, gt.n_articles
    row = np.repeat(np.arange(cnt.shape[0], dtype=np.int64), np.diff(cnt.indptr))
    n = cnt.data.astype(np.int64)
    totals = np.asarray(cnt.sum(axis=1)).ravel()
    # group, n desc, term: terms are sorted within each group (sorted indices, sorted
    # vocabulary), so a stable sort on (group, n desc) keeps them in order
    most = int(n.max()) if len(n) else 0
    order = np.argsort(row * (most + 1) + (most - n), kind="stable")
    row, col = row[order], cnt.indices[order]
    return pd.DataFrame({
        by: _take(labels, row),
        "term": _take(gt.dtm.vocabulary, col),
        "n": n[order],
        "doc_freq": df.data[order].astype(np.int64),  # same sparsity pattern as cnt
        "share": cnt.data[order] / totals[row],
        "n_articles": n_art[row],
    })


# --------------------------------------------------------------------------- TF-IDF

def tfidf_profiles(articles: pd.DataFrame, by: str = "outlet", top: int | None = 20, *,
                   dtm: DocTerm | None = None, groups: GroupTerms | None = None,
                   **token_opts) -> pd.DataFrame:
    """Each group's pooled articles as one document, weighted by TF-IDF across groups.

    tf = the group's term count; idf = ln((1 + G) / (1 + groups using the term)) + 1 over the G
    groups (scikit-learn's smooth idf); each profile is L2-normalised. A term used by every
    group gets the lowest weight, so with two groups profiles are dominated by terms only one
    of them uses.

    Columns: ``<by>``, ``term``, ``tfidf``, ``rank`` (1 = highest in the group), ``n``,
    ``doc_freq``, ``n_articles``. ``top`` terms per group (None = all), sorted by group, rank.
    ``dtm``, ``groups`` as for :func:`counts`.
    """
    gt = _group_terms(articles, by, dtm, groups, token_opts)
    labels, cnt, df, n_art = gt.labels, gt.counts, gt.doc_freq, gt.n_articles
    w = _tfidf(cnt).tocsr()  # the same sparsity pattern as cnt and df (idf >= 1)
    w.sort_indices()
    row = np.repeat(np.arange(w.shape[0], dtype=np.int64), np.diff(w.indptr))
    order = np.lexsort((-w.data, row))  # group, tfidf desc, term (stable: indices sorted)
    rank = np.arange(1, len(order) + 1, dtype=np.int64) - w.indptr[row[order]]
    if top is not None:
        order, rank = order[rank <= top], rank[rank <= top]
    row, col = row[order], w.indices[order]
    return pd.DataFrame({
        by: _take(labels, row), "term": _take(gt.dtm.vocabulary, col), "tfidf": w.data[order],
        "rank": rank,
        "n": cnt.data[order].astype(np.int64),
        "doc_freq": df.data[order].astype(np.int64),
        "n_articles": n_art[row],
    })


def article_vectors(articles: pd.DataFrame, *, dtm: DocTerm | None = None, **token_opts):
    """Article-level TF-IDF vectors for similarity: ``(matrix, doc_ids, vocabulary)`` with
    ``matrix`` a CSR articles x terms array (scikit-learn smooth idf over articles, rows
    L2-normalised) — ``matrix @ matrix.T`` is the cosine similarity of articles."""
    d = _dtm(articles, dtm, token_opts)
    return _tfidf(d.matrix).tocsr(), d.doc_ids, d.vocabulary


# --------------------------------------------------------------------------- keyness

def _log_odds(yi, yj, alpha_w, alpha0, ni, nj):
    """Log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008):
    term counts yi, yj in the target and the reference of ni, nj tokens, prior counts
    alpha_w summing to alpha0.

    delta = log((yi + aw) / (ni + a0 - yi - aw)) - log((yj + aw) / (nj + a0 - yj - aw)),
    var = 1 / (yi + aw) + 1 / (yj + aw), z = delta / sqrt(var).
    """
    delta = (np.log((yi + alpha_w) / (ni + alpha0 - yi - alpha_w))
             - np.log((yj + alpha_w) / (nj + alpha0 - yj - alpha_w)))
    var = 1.0 / (yi + alpha_w) + 1.0 / (yj + alpha_w)
    return {"delta": delta, "var": var, "z": delta / np.sqrt(var)}


def _two_by_two(a, b, nt, nr):
    """Observed and expected cells of the 2x2 table: the term (a in the target, b in the
    reference) and the other tokens (nt - a, nr - b); expected = row total x column total /
    N."""
    obs = [a, b, nt - a, nr - b]
    tot = nt + nr
    row_w, row_o = a + b, tot - (a + b)
    exp = [nt * row_w / tot, nr * row_w / tot, nt * row_o / tot, nr * row_o / tot]
    return obs, exp


def _chi2_sf(x):
    """p-value of chi²(1): erfc(sqrt(x / 2)), the closed form of ``stats.chi2.sf(x, 1)``
    (within 1e-12 of it, relative)."""
    return special.erfc(np.sqrt(x / 2))


def _g2(a, b, nt, nr):
    """Log-likelihood G² (Dunning 1993) of the 2x2 table, G² = 2 sum O ln(O / E) (a cell
    with O = 0 adds 0), signed + where the term is relatively more frequent in the target;
    log ratio (Hardie 2014) = log2((a / nt) / (b / nr)), a zero count read as 0.5;
    p from chi²(1)."""
    obs, exp = _two_by_two(a, b, nt, nr)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = 2 * sum(np.where(o > 0, o * np.log(o / e), 0.0) for o, e in zip(obs, exp))
    g = np.maximum(g, 0.0)
    sign = np.sign(a / nt - b / nr)
    a5, b5 = np.where(a == 0, 0.5, a), np.where(b == 0, 0.5, b)
    return {"g2": sign * g, "log_ratio": np.log2((a5 / nt) / (b5 / nr)), "p": _chi2_sf(g)}


def _chi2(a, b, nt, nr):
    """Pearson's chi² of the 2x2 table, sum (O - E)² / E, signed as G²; p from chi²(1)."""
    obs, exp = _two_by_two(a, b, nt, nr)
    c = sum((o - e) ** 2 / e for o, e in zip(obs, exp))
    return {"chi2": np.sign(a / nt - b / nr) * c, "p": _chi2_sf(c)}


def _measure(measure, a, b, nt, nr, aw, alpha0) -> tuple[dict, np.ndarray]:
    """(columns, score) of terms with target counts a, reference counts b, prior aw."""
    if measure == "log_odds":
        cols = _log_odds(a, b, aw, alpha0, nt, nr)
        return cols, cols["z"]
    cols = (_g2 if measure == "g2" else _chi2)(a, b, nt, nr)
    return cols, cols[measure]


def _rows_sum(m: sp.csr_matrix, rows: list[int]) -> np.ndarray:
    return np.asarray(m[rows].sum(axis=0)).ravel().astype(float)


def _ranked(score: np.ndarray, top: int | None) -> np.ndarray:
    """Positions of `score` from the highest score to the lowest, ties in position order (a
    stable sort); with `top`, only the `top` first and the `top` last of that order. Those
    are found among the scores at least the top-th highest (at most the top-th lowest)
    instead of sorting every score: the same positions in the same order."""
    if top is None or len(score) <= 2 * top or np.isnan(score).any():
        order = np.argsort(-score, kind="stable")
        return order if top is None or len(order) <= 2 * top else np.concatenate(
            [order[:top], order[-top:]])
    high = np.partition(score, len(score) - top)[len(score) - top]   # the top-th highest
    low = np.partition(score, top - 1)[top - 1]                      # the top-th lowest
    first = np.flatnonzero(score >= high)
    last = np.flatnonzero(score <= low)
    first = first[np.argsort(-score[first], kind="stable")][:top]
    last = last[np.argsort(-score[last], kind="stable")][-top:]
    return np.concatenate([first, last])


def _group_values(v) -> list:
    """One group value, or several, as a list."""
    return list(v) if isinstance(v, (list, tuple, set, np.ndarray, pd.Index)) else [v]


def keyness(articles: pd.DataFrame, by: str = "outlet", measure: str = "log_odds",
            target=None, reference=None, min_count: int = 2, *, alpha0: float = 1000.0,
            prior: pd.Series | None = None, top: int | None = None,
            exclude: bool | Iterable[str] = True,
            dtm: DocTerm | None = None, groups: GroupTerms | None = None,
            **token_opts) -> pd.DataFrame:
    """Distinctive terms of a target group against a reference.

    Default: every group against the rest ("one vs rest"). ``target`` / ``reference``: a group
    value or a list of values (reference None = all groups not in the target). Terms with
    ``count_target + count_reference >= min_count`` are scored.

    Measures (``score`` is the signed statistic used for sorting; > 0 = more frequent in the
    target):

    - ``log_odds`` (Monroe et al. 2008, informative Dirichlet prior): prior counts
      alpha_w = alpha0 * f_w / sum(f), f = ``prior`` (term -> background count; default: the
      term counts of all articles passed), alpha0 = 1000 by default (the prior weighs like
      1,000 tokens; scattertext's ``LogOddsRatioInformativeDirichletPrior`` with
      ``scale_type="word", sigma=alpha0`` uses the same alpha_w).
      delta = log((y_i+a_w)/(n_i+a_0-y_i-a_w)) - log((y_j+a_w)/(n_j+a_0-y_j-a_w)),
      var = 1/(y_i+a_w) + 1/(y_j+a_w) (Monroe's approximation; scattertext adds the two
      1/(n-...) terms, negligible for large n), z = delta / sqrt(var). score = z.
    - ``g2``: likelihood-ratio G² of the 2x2 table (term / other terms x target / reference,
      no continuity correction), signed; ``log_ratio`` = log2 of the ratio of relative
      frequencies (Hardie 2014; a zero count is replaced by 0.5); p from chi²(1). score = g2.
    - ``chi2``: Pearson chi² of the same table, signed, p from chi²(1). score = chi2.
    q = Benjamini–Hochberg over the scored terms of each target
    (as ``scipy.stats.false_discovery_control``).

    ``exclude``: terms left out of the table. True (default): :func:`excluded_terms` of the
    articles (reporting verbs such as "said", and the words of the names in the ``outlet``
    column: an outlet naming itself, "told The Media Line", is not what it covers; words
    naming an actor of the gazetteer stay); False or
    None: none; a list: those terms. They are not scored or ranked (and not in the q-values'
    family); their tokens still count in the group totals, so the other terms' scores do
    not change.

    Columns: ``<by>`` (target label; lists joined with " + "), ``reference`` (label),
    ``term``, ``score``, ``count_target``, ``count_reference``, ``doc_freq_target``,
    ``doc_freq_reference``, ``n_target``, ``n_reference`` (articles), then ``delta``, ``var``,
    ``z`` (log_odds) or ``g2``, ``log_ratio``, ``p``, ``q`` (g2) or ``chi2``, ``p``, ``q``
    (chi2). ``top``: keep the ``top`` highest and ``top`` lowest scores per target.
    Sorted by target, score descending, term. With one article per group, doc_freq is 1 for
    every target term: the "distinctive" terms are then those of one text, not of an outlet.
    ``dtm``, ``groups`` as for :func:`counts`.
    """
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}, not {measure!r}")
    gt = _group_terms(articles, by, dtm, groups, token_opts)
    labels, cnt, df, n_art = gt.labels, gt.counts, gt.doc_freq, gt.n_articles
    pos = {lab: i for i, lab in enumerate(labels)}

    def idx_of(values):
        missing = [v for v in values if v not in pos]
        if missing:
            raise ValueError(f"{by}={missing!r} not found; groups are {list(labels)!r}")
        return [pos[v] for v in values]

    if target is None:
        if reference is not None:
            raise ValueError("reference needs a target")
        comparisons = [([i], None) for i in range(len(labels))] if len(labels) > 1 else []
    else:
        t = idx_of(_group_values(target))
        r = (idx_of(_group_values(reference)) if reference is not None
             else [j for j in range(len(labels)) if j not in t])
        if set(t) & set(r):
            raise ValueError("target and reference overlap")
        comparisons = [(t, r)] if r else []

    all_counts = np.asarray(cnt.sum(axis=0)).ravel().astype(float)
    if prior is None:
        background = all_counts
    else:
        background = pd.Series(prior, dtype=float).reindex(gt.dtm.vocabulary).fillna(0).to_numpy()
        if (background <= 0).any():
            background = background + 0.01  # unseen terms get a tiny prior instead of zero
    alpha_w = alpha0 * background / background.sum() if background.sum() > 0 else background
    all_df = np.asarray(df.sum(axis=0)).ravel().astype(float)
    if exclude is True:
        exclude = excluded_terms(articles, **token_opts)
    left_out = np.zeros(len(gt.dtm.vocabulary), dtype=bool)
    if exclude:
        words = np.array(sorted(set(exclude)), dtype=object)
        left_out = pd.Index(gt.dtm.vocabulary).isin(words)

    out = defaultdict(list)
    for t, r in comparisons:
        yi, dfi = _rows_sum(cnt, t), _rows_sum(df, t)
        if r is None:  # the rest
            yj, dfj = all_counts - yi, all_df - dfi
        else:
            yj, dfj = _rows_sum(cnt, r), _rows_sum(df, r)
        scored = np.flatnonzero((yi + yj >= min_count) & ~left_out)
        if len(scored) == 0:
            continue
        cols, score = _measure(measure, yi[scored], yj[scored], yi.sum(), yj.sum(),
                               alpha_w[scored], alpha0)
        if "p" in cols:
            cols["q"] = stats.false_discovery_control(cols["p"])
        order = _ranked(score, top)
        sel = scored[order]
        k = len(sel)
        out[by].append(np.repeat(" + ".join(map(str, labels[t])), k))
        out["reference"].append(np.repeat(
            "rest" if reference is None else " + ".join(map(str, labels[r])), k))
        out["term"].append(gt.dtm.vocabulary[sel])
        out["score"].append(score[order])
        for name, v in [("count_target", yi[sel]), ("count_reference", yj[sel]),
                        ("doc_freq_target", dfi[sel]), ("doc_freq_reference", dfj[sel])]:
            out[name].append(v.astype(np.int64))
        out["n_target"].append(np.repeat(int(n_art[t].sum()), k))
        out["n_reference"].append(np.repeat(
            int(n_art.sum() - n_art[t].sum()) if r is None else int(n_art[r].sum()), k))
        for name, v in cols.items():
            out[name].append(v[order])
    if not out:
        return pd.DataFrame(columns=[by, "reference", "term", "score", "count_target",
                                     "count_reference", "doc_freq_target",
                                     "doc_freq_reference", "n_target", "n_reference"])
    # targets come in label order (sorted) and each is sorted within
    return pd.DataFrame({k: np.concatenate(v) for k, v in out.items()})


# --------------------------------------------------------------------------- left out

def load_reporting_verbs() -> frozenset[str]:
    """The reporting verbs left out of the distinctive terms by default (package data
    ``reporting_verbs.txt``: "said", "told", "according", ...; one term a line, ``#``
    comments)."""
    raw = resources.files("kzmedia").joinpath("data", "reporting_verbs.txt").read_text(
        encoding="utf-8")
    return frozenset(w for w in (line.split("#", 1)[0].strip().lower()
                                 for line in raw.splitlines()) if w)


# a catalogue's descriptor after the masthead: "CNN (Web News)", "New York Times - News"
_DESCRIPTOR = re.compile(r"\s*\(.*?\)|\s+[-\u2013\u2014]\s+.*$")


def masthead_terms(names: Iterable[str], **token_opts) -> frozenset[str]:
    """The terms of outlet names (mastheads), as the term tables write them: each name
    tokenized by :func:`kzmedia.text.make_tokenizer` with ``token_opts`` (stop words
    dropped, phrases joined), after a bracketed or dash-separated descriptor is cut off
    ("CNN (Web News)" -> cnn; "The Media Line" -> media, line). Hyphenated terms are also
    given without hyphens, the spelling :func:`merge_variants` may merge them under."""
    tokenize = text.make_tokenizer(**{k: v for k, v in token_opts.items()
                                      if k in ("numbers", "stopwords", "phrases", "joiner")})
    out: set[str] = set()
    for name in names:
        if not isinstance(name, str):
            continue
        for t in tokenize(_DESCRIPTOR.sub("", name)):
            out.update((t, variant_key(t)))
    return frozenset(out)


def actor_terms(gazetteer=None, **token_opts) -> frozenset[str]:
    """The terms of the gazetteer's aliases (:func:`kzmedia.actors.load_gazetteer` by
    default) that are one term as the term tables count them: "astana", "china",
    "washington", "belt_and_road" (a joined phrase), ... ; the words of a longer name are
    not."""
    if gazetteer is None:
        return _default_actor_terms(tuple(sorted(
            (k, tuple(v) if isinstance(v, (list, tuple, set, frozenset)) else v)
            for k, v in token_opts.items() if k in _TOKEN_KEYS)))
    return _actor_terms(gazetteer, token_opts)


_TOKEN_KEYS = ("numbers", "stopwords", "phrases", "joiner")


def _actor_terms(gazetteer, token_opts) -> frozenset[str]:
    tokenize = text.make_tokenizer(**{k: v for k, v in token_opts.items() if k in _TOKEN_KEYS})
    out: set[str] = set()
    for alias in gazetteer.aliases["alias"].astype(str):
        tokens = tokenize(alias)
        if len(tokens) == 1:  # a word of a longer name ("diplomatic" of "C5+1 Diplomatic
            out.update((tokens[0], variant_key(tokens[0])))  # Platform") names no actor
    return frozenset(out)


@functools.lru_cache(maxsize=8)
def _default_actor_terms(opts: tuple) -> frozenset[str]:
    """The package gazetteer's terms, read once per process and tokenizer setting."""
    return _actor_terms(actors.load_gazetteer(), dict(opts))


def excluded_terms(articles: pd.DataFrame | None = None, outlet: str = "outlet",
                   keep: Iterable[str] | None = None, **token_opts) -> frozenset[str]:
    """The terms :func:`keyness` leaves out by default: :func:`load_reporting_verbs` and the
    :func:`masthead_terms` of the names in ``articles[outlet]`` (when there is such a
    column), except ``keep``: by default :func:`actor_terms`, the names of the gazetteer's
    actors, which the analysis measures ("china" of China Daily, "astana" of The Astana
    Times, "washington" of the Washington Post stay)."""
    out = set(load_reporting_verbs())
    if articles is not None and outlet in articles.columns:
        heads = masthead_terms(articles[outlet].dropna().unique(), **token_opts)
        out |= heads - set(actor_terms(**token_opts) if keep is None else keep)
    return frozenset(out)


# --------------------------------------------------------------------------- KWIC

def kwic(articles: pd.DataFrame, pattern: str | Iterable[str], window: int = 5, *,
         case_sensitive: bool = False, by: str = "outlet") -> pd.DataFrame:
    """Keywords in context, sentence by sentence.

    ``pattern``: one pattern or a list, in the codebook grammar of :mod:`kzmedia.patterns`
    (whole word, trailing ``*``, space = spaces or hyphens, inner hyphen optional).
    ``window``: words (whitespace-separated) kept on each side, within the sentence.

    Columns: ``doc_id``, ``<by>``, ``sent_id``, ``left``, ``match``, ``right``. Sorted by
    doc_id, sent_id, position of the match.
    """
    pats = [pattern] if isinstance(pattern, str) else list(pattern)
    rx = re.compile("|".join(patterns.compile_pattern(p, case_sensitive) for p in pats))
    cols = ["doc_id", by, "sent_id", "left", "match", "right"]
    hit = articles[articles["text"].fillna("").map(lambda s: rx.search(s) is not None)]
    if hit.empty:
        return pd.DataFrame(columns=cols)
    sents = text.sentences(hit)
    group = dict(zip(hit["doc_id"].astype(str), hit[by]))
    rows = []
    for doc_id, sent_id, s in zip(sents["doc_id"], sents["sent_id"], sents["sentence"]):
        for m in rx.finditer(s):
            left = s[:m.start()].split()[-window:] if window > 0 else []
            right = s[m.end():].split()[:window] if window > 0 else []
            rows.append((doc_id, group[doc_id], sent_id, " ".join(left), m.group(0),
                         " ".join(right), m.start()))
    out = pd.DataFrame(rows, columns=cols + ["_pos"])
    return out.sort_values(["doc_id", "sent_id", "_pos"], kind="stable").drop(
        columns="_pos").reset_index(drop=True)


# --------------------------------------------------------------------------- similarity

# splits whose pooled counts are held at once (each a float column as long as the vocabulary)
_SPLITS_AT_ONCE = 16


def _split_cosines(c: sp.csr_matrix, idf: np.ndarray, split: np.ndarray) -> np.ndarray:
    """Cosine of the two pooled TF-IDF profiles (tf = summed counts, times ``idf``) for each
    split of the articles of ``c`` (articles x terms counts): ``split`` is a boolean
    (splits x articles) array, True for the articles of the first group.

    With A the pooled counts of the first group, B = T - A those of the second (T: all the
    articles) and w = idf², cosine = sum(w A B) / sqrt(sum(w A²) sum(w B²)). A is a sum of
    integer counts, exact in float64, and so is B.
    """
    total = np.asarray(c.sum(axis=0)).ravel()
    used = np.flatnonzero(total)
    counts_t = c[:, used].T.tocsr().astype(np.float64)  # terms x articles
    total, w = total[used].astype(np.float64)[:, None], idf[used] ** 2
    out = np.empty(len(split))
    for start in range(0, len(split), _SPLITS_AT_ONCE):  # bounded memory: terms x splits
        a = counts_t @ split[start:start + _SPLITS_AT_ONCE].T.astype(np.float64)
        b = total - a
        # einsum: no BLAS threads
        ab = np.einsum("t,ts,ts->s", w, a, b)
        aa = np.einsum("t,ts,ts->s", w, a, a)
        bb = np.einsum("t,ts,ts->s", w, b, b)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[start:start + _SPLITS_AT_ONCE] = ab / np.sqrt(aa * bb)
    return out


def _profile_cosines(w: sp.csr_matrix) -> np.ndarray:
    """Groups x groups cosine of the pooled TF-IDF profiles `w` (L2-normalised rows),
    diagonal 1 (NaN: no terms)."""
    sim = (w @ w.T).toarray()
    np.fill_diagonal(sim, np.where(np.diff(w.tocsr().indptr) > 0, 1.0, np.nan))
    return sim


def _n_splits_at_most(n: int, k: int, limit: int) -> bool:
    """C(n, k) <= limit, without computing a huge C(n, k)."""
    c, m = 1, min(k, n - k)
    for i in range(1, m + 1):
        c = c * (n - m + i) // i  # C(n - m + i, i), increasing in i: stop once too large
        if c > limit:
            return False
    return True


def similarity_matrix(articles: pd.DataFrame, by: str = "outlet", *,
                      dtm: DocTerm | None = None, groups: GroupTerms | None = None,
                      **token_opts) -> pd.DataFrame:
    """Cosine similarity of the groups' pooled TF-IDF profiles (see :func:`tfidf_profiles`):
    a square DataFrame, index and columns = group labels (sorted), diagonal 1. ``dtm``,
    ``groups`` as for :func:`counts`."""
    gt = _group_terms(articles, by, dtm, groups, token_opts)
    return pd.DataFrame(_profile_cosines(_tfidf(gt.counts)),
                        index=pd.Index(gt.labels, name=by), columns=pd.Index(gt.labels, name=by))


def similarity(articles: pd.DataFrame, by: str = "outlet", permutations: int = 999,
               seed: int = 0, *, min_articles: int = 5, max_tested_pairs: int | None = 300,
               dtm: DocTerm | None = None, groups: GroupTerms | None = None,
               **token_opts) -> pd.DataFrame:
    """Pairwise cosine similarity of pooled TF-IDF group profiles, with a permutation check.

    For a pair with at least ``min_articles`` articles on each side, the articles of the two
    groups are re-labelled at random (group sizes kept; all splits when there are no more than
    ``permutations`` of them), the two pooled profiles rebuilt (idf held at its observed value)
    and their cosine recomputed. ``p_value`` = share of relabellings whose cosine is as low as
    or lower than the observed one (counting the observed labelling): a small p means the two
    groups' vocabularies differ more than random splits of their articles do. Smaller pairs get
    NaN and a ``note``, and so does every pair when more than ``max_tested_pairs`` pairs would
    be tested (each test rebuilds two profiles ``permutations`` times; None: no limit).

    Columns: ``group_a``, ``group_b`` (labels, a < b), ``cosine``, ``n_a``, ``n_b``,
    ``p_value``, ``n_permutations``, ``note``. Sorted by group_a, group_b. ``dtm``,
    ``groups`` as for :func:`counts`.
    """
    gt = _group_terms(articles, by, dtm, groups, token_opts)
    d, codes, labels, cnt, n_art = gt.dtm, gt.codes, gt.labels, gt.counts, gt.n_articles
    tfidf = TfidfTransformer(norm="l2", use_idf=True, smooth_idf=True).fit(cnt)
    idf = tfidf.idf_
    sim = _profile_cosines(tfidf.transform(cnt))
    rng = np.random.default_rng(seed)
    ia, ib = np.triu_indices(len(labels), 1)  # the pairs in itertools.combinations order
    na, nb = n_art[ia], n_art[ib]
    eligible = int(np.sum(n_art >= min_articles))
    n_tests = eligible * (eligible - 1) // 2
    too_many = max_tested_pairs is not None and n_tests > max_tested_pairs
    small = np.minimum(na, nb) < min_articles
    note = np.where(small, f"fewer than {min_articles} articles in a group: no permutation test",
                    f"{n_tests} pairs to test, more than max_tested_pairs={max_tested_pairs}: "
                    "no permutation test" if too_many else
                    "no permutation test requested" if permutations < 1 else "").astype(object)
    p = np.full(len(ia), np.nan)
    n_perm = np.zeros(len(ia), dtype=np.int64)
    for k in ([] if too_many or permutations < 1 else np.flatnonzero(~small)):
        i, j, n_i = ia[k], ib[k], int(na[k])
        docs = np.flatnonzero((codes == i) | (codes == j))
        n_all = len(docs)
        exact = _n_splits_at_most(n_all, n_i, permutations)
        if exact:
            splits = [list(c) for c in itertools.combinations(range(n_all), n_i)]
        else:
            splits = [rng.permutation(n_all)[:n_i] for _ in range(permutations)]
        n_perm[k] = len(splits)
        split = np.zeros((len(splits) + 1, n_all), dtype=bool)
        split[np.repeat(np.arange(len(splits)), n_i), np.concatenate(splits)] = True
        split[-1] = codes[docs] == i  # the observed labelling, last
        cos = _split_cosines(d.matrix[docs], idf, split)
        extra = 0 if exact else 1
        p[k] = (np.sum(cos[:-1] <= cos[-1] + 1e-12) + extra) / (len(splits) + extra)
    out = pd.DataFrame({"group_a": labels[ia].tolist(), "group_b": labels[ib].tolist(),
                        "cosine": sim[ia, ib], "n_a": na, "n_b": nb, "p_value": p,
                        "n_permutations": n_perm, "note": note})
    return out.sort_values(["group_a", "group_b"], kind="stable").reset_index(drop=True)
