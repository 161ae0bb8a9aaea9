"""What each outlet says: term counts, TF-IDF profiles, distinctive terms (keyness), KWIC and
profile similarity.

Articles are counted once (the tokens of :func:`kzmedia.text.make_tokenizer`, read through
the distinct whitespace-separated pieces of the texts) into one sparse document x term count
matrix (:func:`document_term_matrix`); group tables come from sparse
group-indicator products, never from dense vocabulary x document arrays. Pass a precomputed
``dtm=`` to reuse the matrix across calls on the same articles.

Statistics (METHODS.md "Distinctive terms"):

- log-odds with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008),
- G² log-likelihood with Hardie's (2014) log-ratio effect size, chi², each with
  Benjamini–Hochberg q-values over the vocabulary,
- document frequency next to every count, so one long article cannot make an outlet's
  keywords on its own.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import warnings
from array import array
from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import special
from sklearn.feature_extraction.text import TfidfTransformer

from . import patterns
from . import text as _text

__all__ = [
    "DocTerm",
    "document_term_matrix",
    "merge_dtm",
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


def _csr_from_codes(codes: np.ndarray, lengths: np.ndarray, n_cols: int) -> sp.csr_matrix:
    """Rows of token codes (row i = the next lengths[i] codes) as a CSR count matrix."""
    indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    idx_dtype = np.int32 if max(n_cols, len(codes)) < 2**31 else np.int64
    m = sp.csr_matrix((np.ones(len(codes), dtype=np.int32), codes.astype(idx_dtype, copy=False),
                       indptr.astype(idx_dtype, copy=False)), shape=(len(lengths), n_cols))
    m.sum_duplicates()  # sorts the column indices of each row and adds up repeats
    return m


def _projection(final: list, joiner: str) -> tuple[sp.csr_matrix, np.ndarray]:
    """(raw columns x terms 0/1 matrix, sorted vocabulary): ``final[j]`` is the term of raw
    column j, None = dropped; several raw columns may give one term."""
    if joiner != "_":
        final = [None if t is None else t.replace("_", joiner) for t in final]
    kept = [j for j, t in enumerate(final) if t is not None]
    vocabulary = np.array(sorted({final[j] for j in kept}), dtype=object)
    pos = {t: i for i, t in enumerate(vocabulary)}
    proj = sp.csr_matrix(
        (np.ones(len(kept), dtype=np.int32), (np.asarray(kept, dtype=np.int64),
                                              np.fromiter((pos[final[j]] for j in kept),
                                                          dtype=np.int64, count=len(kept)))),
        shape=(len(final), len(vocabulary)))
    return proj, vocabulary


def _finish(m: sp.csr_matrix, doc_ids: np.ndarray, vocabulary: np.ndarray) -> DocTerm:
    out = m.tocsr()
    out.sort_indices()
    out.eliminate_zeros()
    return DocTerm(out, doc_ids, vocabulary)


def _count_texts(texts: list[str], token_opts: dict) -> tuple[sp.csr_matrix, list]:
    """Counts of tokens before stop-word removal: (CSR texts x tokens, the term of each
    column or None for columns to drop)."""
    tok, drop = _text._raw_tokenizer(**token_opts)
    vocab: defaultdict = defaultdict(None)
    vocab.default_factory = vocab.__len__  # new token -> next code, without a Python loop
    code = vocab.__getitem__
    codes = array("q")
    lengths = np.zeros(len(texts), dtype=np.int64)
    for i, t in enumerate(texts):
        n0 = len(codes)
        codes.extend(map(code, tok(t)))
        lengths[i] = len(codes) - n0
    m = _csr_from_codes(np.frombuffer(codes, dtype=np.int64), lengths, len(vocab))
    return m, [None if t in drop else t for t in vocab]


def _code_all(strings: list[str], many, code) -> tuple[np.ndarray, np.ndarray]:
    """Token codes of each string (``many``: the batch tokenizer), concatenated, and the
    number of tokens of each."""
    toks, lengths = many(strings)
    return np.fromiter(map(code, toks), dtype=np.int64, count=len(toks)), lengths


def _count_chunks(texts, token_opts: dict):
    """Counts as :func:`_count_texts`, through the distinct whitespace-separated chunks:
    (CSR texts x terms, vocabulary), or None when the chunks cannot be used (see
    :func:`kzmedia.text._chunk_tokenizer`).

    No token contains whitespace, so a text's tokens are those of its chunks, each distinct
    chunk tokenized once — except where a phrase match runs across whitespace. Such places
    are found from the word runs at the chunk edges (:func:`kzmedia.text._phrase_edges`), and
    each run of chunks they connect (a window) is tokenized as one text, its chunks joined by
    one space: a phrase reads any whitespace between words alike. Where an in-word hyphen of
    a phrase may stand at the whitespace (one character only), its width counts: those
    articles are tokenized whole.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    tok, drop, edges = _text._chunk_tokenizer(**token_opts)
    if edges is None:
        return None
    wide, narrow = edges
    arr = texts if isinstance(texts, pa.Array) else pa.array(texts, pa.large_string())
    # ASCII whitespace only: a subset of Python's \s, so no token is ever cut; a chunk that
    # keeps other whitespace inside is tokenized as it is
    split = pc.ascii_split_whitespace(arr)
    starts = split.offsets.to_numpy().astype(np.int64)
    starts -= starts[0]
    flat = split.flatten()
    enc = pc.dictionary_encode(flat)
    pos_chunk = enc.indices.to_numpy()
    chunks = enc.dictionary.to_pylist()
    n_docs, n_pos = len(arr), len(pos_chunk)

    vocab: defaultdict = defaultdict(None)
    vocab.default_factory = vocab.__len__  # new token -> next code, without a Python loop
    code = vocab.__getitem__
    chunk_codes, chunk_len = _code_all(chunks, tok.many, code)
    keep = np.ones(n_pos, dtype=np.int32)  # 0: counted in a window or a whole article
    extra = []  # (rows, codes) of windows and whole articles
    if (wide or narrow) and n_pos > 1:
        first, last, seps = _text._edge_runs(chunks)
        lefts = sorted({x for x, _ in wide | narrow})
        rights = sorted({y for _, y in wide | narrow})
        lid = {w: i for i, w in enumerate(lefts)}
        rid = {w: i for i, w in enumerate(rights)}
        no = itertools.repeat(-1)
        left = np.fromiter(map(lid.get, last, no), dtype=np.int64, count=len(chunks))
        right = np.fromiter(map(rid.get, first, no), dtype=np.int64, count=len(chunks))
        pairs = np.zeros((len(lid) + 1, len(rid) + 1), dtype=np.int8)  # 1 wide, 2 narrow
        for x, y in wide:
            pairs[lid[x], rid[y]] = 1
        for x, y in narrow:
            pairs[lid[x], rid[y]] = 2
        # boundary i lies between positions i and i+1; candidates first, then checks
        is_sep = np.zeros(len(chunks), dtype=bool)
        is_sep[seps] = True
        cand = np.flatnonzero((left >= 0)[pos_chunk[:-1]])
        kind = pairs[left[pos_chunk[cand]], right[pos_chunk[cand + 1]]]
        cand, kind = cand[kind > 0], kind[kind > 0]
        at_sep = np.flatnonzero(is_sep[pos_chunk]) if seps else np.zeros(0, np.int64)
        cand = np.concatenate([cand, at_sep - 1, at_sep])
        kind = np.concatenate([kind, np.ones(2 * len(at_sep), dtype=np.int8)])
        ok = (cand >= 0) & (cand < n_pos - 1)
        cand, kind = cand[ok], kind[ok]
        doc = np.searchsorted(starts, cand, side="right") - 1
        ok = starts[doc + 1] > cand + 1  # both positions in one article
        cand, kind, doc = cand[ok], kind[ok], doc[ok]
        # articles where the width of whitespace may decide a phrase: tokenized whole
        whole = np.unique(doc[kind == 2])
        if len(whole):
            for d in whole:
                keep[starts[d]:starts[d + 1]] = 0
            cand = cand[~np.isin(doc, whole)]
            c, n = _code_all(arr.take(pa.array(whole)).to_pylist(), tok.many, code)
            extra.append((np.repeat(whole, n), c))
        if len(cand):
            # windows: maximal runs of linked boundaries; positions w0 .. w1 - 1
            link = np.unique(cand)
            brk = np.flatnonzero(np.diff(link) > 1)
            w0 = link[np.concatenate([[0], brk + 1])]
            w1 = link[np.concatenate([brk, [len(link) - 1]])] + 2
            lens = w1 - w0
            offs = np.concatenate([[0], np.cumsum(lens)])
            take = np.repeat(w0 - offs[:-1], lens) + np.arange(offs[-1])
            keep[take] = 0
            win = pa.LargeListArray.from_arrays(pa.array(offs, pa.int64()),
                                                flat.take(pa.array(take)))
            wenc = pc.dictionary_encode(pc.binary_join(win, pa.scalar(" ", flat.type)))
            wcodes, wlen = _code_all(wenc.dictionary.to_pylist(), tok.many, code)
            wptr = np.concatenate([[0], np.cumsum(wlen)])
            widx = wenc.indices.to_numpy()
            n = wlen[widx]
            sel = np.repeat(wptr[widx] - (np.cumsum(n) - n), n) + np.arange(n.sum())
            extra.append((np.repeat(np.searchsorted(starts, w0, side="right") - 1, n),
                          wcodes[sel]))
    n_cols = len(vocab)
    # a token is a term when it is read somewhere: in a chunk counted on its own, a window
    # or a whole article (a chunk may occur only inside windows)
    used = np.bincount(pos_chunk[keep > 0], minlength=len(chunks)) > 0
    seen = np.zeros(n_cols, dtype=bool)
    seen[chunk_codes[np.repeat(used, chunk_len)]] = True
    for _, c in extra:
        seen[c] = True
    proj, vocabulary = _projection(
        [None if t in drop or not ok else t for t, ok in zip(vocab, seen)],
        token_opts.get("joiner", "_"))
    idx = np.int32 if max(n_pos, n_cols, len(chunk_codes)) < 2**31 else np.int64
    per_doc = sp.csr_matrix((keep, pos_chunk.astype(idx, copy=False), starts.astype(idx)),
                            shape=(n_docs, len(chunks)))
    chunk_ptr = np.concatenate([[0], np.cumsum(chunk_len)]).astype(idx)
    per_chunk = sp.csr_matrix((np.ones(len(chunk_codes), dtype=np.int32),
                               chunk_codes.astype(idx), chunk_ptr),
                              shape=(len(chunks), n_cols))
    m = per_doc @ (per_chunk @ proj)
    for rows, c in extra:
        m = m + sp.csr_matrix((np.ones(len(c), dtype=np.int32), (rows, c)),
                              shape=(n_docs, n_cols)) @ proj
    return m, vocabulary


def _dtm_part(texts, doc_ids: np.ndarray, token_opts: dict, method: str = "chunks") -> DocTerm:
    counted = _count_chunks(texts, token_opts) if method == "chunks" else None
    if counted is None:
        if not isinstance(texts, list):
            texts = texts.to_pylist()
        m, final = _count_texts(texts, token_opts)
        proj, vocabulary = _projection(final, token_opts.get("joiner", "_"))
        counted = m @ proj, vocabulary
    m, vocabulary = counted
    return _finish(m, doc_ids, vocabulary)


def document_term_matrix(articles: pd.DataFrame, chunk_size: int = 2000, n_jobs: int = 1,
                         method: str = "chunks", **token_opts) -> DocTerm:
    """Count the terms of every article.

    ``token_opts`` go to :func:`kzmedia.text.make_tokenizer` (numbers, stopwords, phrases,
    joiner, possessive); the terms are exactly those of ``tokenize``. Tokens are counted before
    stop words are removed and the stop-word columns dropped afterwards. Rows follow the order
    of ``articles``; columns are the sorted vocabulary. ``n_jobs`` > 1 counts chunks of
    ``chunk_size`` articles in worker processes and combines them with :func:`merge_dtm`
    (same result as one process).

    ``method``: "chunks" (default) splits the texts at whitespace and dictionary-encodes the
    pieces in pyarrow, tokenizes each distinct piece once and re-reads as one text only the
    runs of pieces a phrase may join across whitespace (see ``_count_chunks``); "tokens"
    tokenizes each article whole (several times slower). Both give the same DocTerm; a phrase
    list with a piece that has no letter or digit (``"a . b"``) is always counted by tokens.
    """
    if method not in ("chunks", "tokens"):
        raise ValueError(f"method must be 'chunks' or 'tokens', not {method!r}")
    texts = articles["text"].fillna("").astype(str)
    doc_ids = articles["doc_id"].astype(str).to_numpy(dtype=object)
    if n_jobs > 1 and len(texts) > chunk_size:
        from concurrent.futures import ProcessPoolExecutor

        texts = texts.tolist()
        bounds = range(0, len(texts), chunk_size)
        with ProcessPoolExecutor(max_workers=n_jobs) as ex:
            parts = list(ex.map(_dtm_part, [texts[i:i + chunk_size] for i in bounds],
                                [doc_ids[i:i + chunk_size] for i in bounds],
                                itertools.repeat(token_opts), itertools.repeat(method)))
        return merge_dtm(parts)
    if method == "tokens":
        return _dtm_part(texts.tolist(), doc_ids, token_opts, method)
    import pyarrow as pa

    return _dtm_part(pa.array(texts, pa.large_string()), doc_ids, token_opts, method)


def merge_dtm(parts: Iterable[DocTerm]) -> DocTerm:
    """One DocTerm from DocTerms of consecutive partitions of the articles: rows in the order
    of ``parts``, vocabulary the sorted union. Equal to :func:`document_term_matrix` on all
    the articles at once (same vocabulary order, same counts, same dtypes)."""
    parts = list(parts)
    if not parts:
        raise ValueError("merge_dtm needs at least one DocTerm")
    if len(parts) == 1:
        return parts[0]
    vocabulary, wheres = _union_vocabulary([p.vocabulary for p in parts])
    blocks = []
    for p, where in zip(parts, wheres):
        m = p.matrix.tocsr()
        # both vocabularies are sorted, so the mapped column indices stay sorted in each row
        blocks.append(sp.csr_matrix((m.data, where[m.indices].astype(m.indices.dtype),
                                     m.indptr), shape=(m.shape[0], len(vocabulary))))
    matrix = sp.vstack(blocks, format="csr")
    matrix.sort_indices()
    return DocTerm(matrix, np.concatenate([p.doc_ids for p in parts]).astype(object),
                   vocabulary)


def _union_vocabulary(vocabularies: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    """(the sorted union of the vocabularies, each vocabulary's positions in it). Through
    Arrow (UTF-8 byte order is code point order, Python's string order); in Python when a
    term cannot be encoded as UTF-8 (a lone surrogate)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arrays = [pa.array(v, pa.large_string()) for v in vocabularies]
    except (pa.ArrowException, UnicodeError):
        codes, union = pd.factorize(np.concatenate(vocabularies), sort=True)
        return (np.asarray(union, dtype=object),
                np.split(codes.astype(np.int64), np.cumsum([len(v) for v in vocabularies])[:-1]))
    every = pa.chunked_array(arrays, pa.large_string())
    union = pc.unique(every)
    union = union.take(pc.array_sort_indices(union))
    where = pc.index_in(every, value_set=union).to_numpy().astype(np.int64)
    wheres = np.split(where, np.cumsum([len(v) for v in vocabularies])[:-1])
    return union.to_numpy(zero_copy_only=False).astype(object), wheres


# --------------------------------------------------------------------------- helpers

def _dtm(articles, dtm, token_opts) -> DocTerm:
    if dtm is None:
        return document_term_matrix(articles, **token_opts)
    if len(dtm.doc_ids) != len(articles) or not np.array_equal(
            dtm.doc_ids, articles["doc_id"].astype(str).to_numpy(dtype=object)):
        raise ValueError("dtm does not match articles: build it with "
                         "document_term_matrix(articles) on the same rows in the same order")
    return dtm


def _groups(articles: pd.DataFrame, by: str):
    """(codes per article, sorted group labels, indicator matrix groups x articles)."""
    if by not in articles.columns:
        raise KeyError(f"grouping column {by!r} is not in articles "
                       f"(columns: {', '.join(map(str, articles.columns))})")
    codes, labels = pd.factorize(articles[by], sort=True)
    if (codes < 0).any():
        warnings.warn(f"{int((codes < 0).sum())} article(s) without a value in {by!r} "
                      "are left out of the group tables", stacklevel=3)
    keep = np.flatnonzero(codes >= 0)
    g = sp.csr_matrix((np.ones(len(keep)), (codes[keep], keep)),
                      shape=(len(labels), len(articles)))
    return codes, np.asarray(labels, dtype=object), g


def _binary(m: sp.csr_matrix) -> sp.csr_matrix:
    b = m.copy()
    b.data = np.ones_like(b.data)
    return b


# Caches of _group_tables, one per open reuse_groups() block (innermost last).
_REUSE: list[dict] = []


@contextlib.contextmanager
def reuse_groups():
    """Within the block, :func:`counts`, :func:`tfidf_profiles`, :func:`keyness` and
    :func:`similarity` called with the same ``dtm`` object and the same grouping build the
    groups x terms tables once (the tables each would build: the grouping's labels are
    compared). They are forgotten when the block ends."""
    _REUSE.append({})
    try:
        yield
    finally:
        _REUSE.pop()


def _group_tables(articles, by, dtm, token_opts):
    """(DocTerm, codes, labels, indicator, counts, document frequencies, articles per
    group): counts and document frequencies are groups x terms float CSR matrices with one
    sparsity pattern (counts, tfidf_profiles and keyness rely on it) and sorted indices.
    Read only: inside :func:`reuse_groups` the same matrices are handed to every caller."""
    d = _dtm(articles, dtm, token_opts)
    codes, labels, g = _groups(articles, by)
    cache = _REUSE[-1] if _REUSE else None
    if cache is not None:
        hit = cache.get((id(d), by))  # the entry holds d, so its id is not reused meanwhile
        if (hit is not None and hit[0] is d and np.array_equal(hit[1], codes)
                and np.array_equal(hit[2], labels)):
            return hit[3]
    out = _sum_groups(d, codes, labels, g)
    if cache is not None:
        cache[(id(d), by)] = (d, codes, labels, out)
    return out


def _sum_groups(d: DocTerm, codes, labels, g):
    """What _group_tables returns, computed."""
    m = d.matrix
    k = float(2 ** int(m.shape[0]).bit_length())  # > any document frequency
    if (m.data.sum(dtype=np.float64) + 1) * k <= 2.0 ** 53:
        # one product: an entry count c stands as c * k + 1, so a group's sum holds its count
        # (quotient) and its document frequency (remainder), exactly in float64
        both = (g @ sp.csr_matrix((m.data * k + 1.0, m.indices, m.indptr),
                                  shape=m.shape)).tocsr()
        both.sort_indices()
        n = np.floor(both.data / k)
        cnt = sp.csr_matrix((n, both.indices, both.indptr), shape=both.shape)
        df = sp.csr_matrix((both.data - n * k, both.indices.copy(), both.indptr.copy()),
                           shape=both.shape)
    else:
        cnt = (g @ m).tocsr()
        df = (g @ _binary(m)).tocsr()
        cnt.sort_indices()
        df.sort_indices()
    n_articles = np.asarray(g.sum(axis=1)).ravel().astype(np.int64)
    return d, codes, labels, g, cnt, df, n_articles


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
           **token_opts) -> pd.DataFrame:
    """Term counts per group.

    Columns: ``<by>``, ``term``, ``n`` (occurrences in the group), ``doc_freq`` (articles of
    the group using the term), ``share`` (n / all term occurrences of the group),
    ``n_articles`` (articles in the group). Sorted by group, n descending, term.
    """
    d, _, labels, _, cnt, df, n_art = _group_tables(articles, by, dtm, token_opts)
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
        "term": _take(d.vocabulary, col),
        "n": n[order],
        "doc_freq": df.data[order].astype(np.int64),  # same sparsity pattern as cnt
        "share": cnt.data[order] / totals[row],
        "n_articles": n_art[row],
    })


# --------------------------------------------------------------------------- TF-IDF

def tfidf_profiles(articles: pd.DataFrame, by: str = "outlet", top: int | None = 20, *,
                   dtm: DocTerm | None = None, **token_opts) -> pd.DataFrame:
    """Each group's pooled articles as one document, weighted by TF-IDF across groups.

    tf = the group's term count; idf = ln((1 + G) / (1 + groups using the term)) + 1 over the G
    groups (scikit-learn's smooth idf); each profile is L2-normalised. A term used by every
    group gets the lowest weight, so with two groups profiles are dominated by terms only one
    of them uses.

    Columns: ``<by>``, ``term``, ``tfidf``, ``rank`` (1 = highest in the group), ``n``,
    ``doc_freq``, ``n_articles``. ``top`` terms per group (None = all), sorted by group, rank.
    """
    d, _, labels, _, cnt, df, n_art = _group_tables(articles, by, dtm, token_opts)
    w = _tfidf(cnt).tocsr()  # the same sparsity pattern as cnt and df (idf >= 1)
    w.sort_indices()
    row = np.repeat(np.arange(w.shape[0], dtype=np.int64), np.diff(w.indptr))
    order = np.lexsort((-w.data, row))  # group, tfidf desc, term (stable: indices sorted)
    rank = np.arange(1, len(order) + 1, dtype=np.int64) - w.indptr[row[order]]
    if top is not None:
        order, rank = order[rank <= top], rank[rank <= top]
    row, col = row[order], w.indices[order]
    return pd.DataFrame({
        by: _take(labels, row), "term": _take(d.vocabulary, col), "tfidf": w.data[order],
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
    delta = (np.log((yi + alpha_w) / (ni + alpha0 - yi - alpha_w))
             - np.log((yj + alpha_w) / (nj + alpha0 - yj - alpha_w)))
    var = 1.0 / (yi + alpha_w) + 1.0 / (yj + alpha_w)
    return {"delta": delta, "var": var, "z": delta / np.sqrt(var)}


def _two_by_two(a, b, nt, nr):
    """Observed and expected cells of term (a, b) vs rest (nt-a, nr-b)."""
    obs = [a, b, nt - a, nr - b]
    tot = nt + nr
    row_w, row_o = a + b, tot - (a + b)
    exp = [nt * row_w / tot, nr * row_w / tot, nt * row_o / tot, nr * row_o / tot]
    return obs, exp


def _chi2_sf(x):
    """p-value of chi²(1): erfc(sqrt(x / 2)), the closed form of ``stats.chi2.sf(x, 1)``
    (within 1e-12 of it, relative, and 30 times faster)."""
    return special.erfc(np.sqrt(x / 2))


def _g2(a, b, nt, nr):
    obs, exp = _two_by_two(a, b, nt, nr)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = 2 * sum(np.where(o > 0, o * np.log(o / e), 0.0) for o, e in zip(obs, exp))
    g = np.maximum(g, 0.0)
    sign = np.sign(a / nt - b / nr)
    a5, b5 = np.where(a == 0, 0.5, a), np.where(b == 0, 0.5, b)
    return {"g2": sign * g, "log_ratio": np.log2((a5 / nt) / (b5 / nr)), "p": _chi2_sf(g)}


def _chi2(a, b, nt, nr):
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


def _bh_tied(p: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg q-values where p[i] stands for weight[i] (>= 1) tests with that
    p-value: the q that ``scipy.stats.false_discovery_control`` gives each of the copies
    (the running minimum from the end gives tied p-values the q of the last of them)."""
    order = np.argsort(p)
    ps = p[order]
    rank = np.cumsum(weight[order])  # rank of the last copy
    q = ps * (rank[-1] / rank)
    q = np.minimum.accumulate(q[::-1])[::-1]
    out = np.empty_like(q)
    out[order] = np.clip(q, 0, 1)
    return out


class _Absent(NamedTuple):
    """The scored terms a target does not use (count 0; one vs rest): their statistics depend
    only on the reference count b (= the term's total) and the prior aw, so they are computed
    once per distinct (b, aw) — a few thousand keys instead of the whole vocabulary."""

    key: np.ndarray    # key of each scored term
    b: np.ndarray      # per key
    aw: np.ndarray     # per key
    n: np.ndarray      # scored terms per key
    terms: np.ndarray  # scored terms (positions) sorted by key ...
    start: np.ndarray  # ... terms[start[k]:start[k + 1]] have key k

    @classmethod
    def of(cls, b: np.ndarray, aw: np.ndarray, measure: str) -> _Absent:
        if measure != "log_odds":
            aw = np.zeros_like(b)  # the prior plays no part
        terms = np.lexsort((aw, b))
        bs, aws = b[terms], aw[terms]
        new = np.ones(len(terms), dtype=bool)
        new[1:] = (bs[1:] != bs[:-1]) | (aws[1:] != aws[:-1])
        key = np.empty(len(terms), dtype=np.int64)
        key[terms] = np.cumsum(new) - 1
        start = np.append(np.flatnonzero(new), len(terms))
        return cls(key, bs[new], aws[new], np.diff(start), terms, start)

    def terms_of(self, keys: np.ndarray) -> np.ndarray:
        lens = self.start[keys + 1] - self.start[keys]
        first = np.repeat(self.start[keys] - np.cumsum(lens) + lens, lens)
        return self.terms[first + np.arange(lens.sum())]


def _target_rows(measure: str, n_scored: int, ex: np.ndarray, a, b, aw, nt, nr,
                 alpha0: float, top: int | None, absent: _Absent | None):
    """Scores of one target over n_scored terms: ``ex`` (positions) are the terms with
    counts a (target) and b (reference), prior aw; every other position is absent from the
    target and described by ``absent``. Returns (positions to report, in output order: score
    descending, then position; their columns; their index in ``ex`` or -1)."""
    cols, score = _measure(measure, a, b, nt, nr, aw, alpha0)
    at = np.full(n_scored, -1, dtype=np.int64)
    at[ex] = np.arange(len(ex))
    if absent is not None:
        acols, ascore = _measure(measure, np.zeros(len(absent.b)), absent.b, nt, nr,
                                 absent.aw, alpha0)
        mult = absent.n - np.bincount(absent.key[ex], minlength=len(absent.b))
        used = np.flatnonzero(mult > 0)
    else:
        acols, ascore = {"p": score[:0]}, score[:0]
        mult = used = np.zeros(0, dtype=np.int64)

    def take(e: np.ndarray, z: np.ndarray, pos: np.ndarray) -> np.ndarray:
        i = at[pos]
        if absent is None:
            return e[i]
        out = z[absent.key[pos]]
        out[i >= 0] = e[i[i >= 0]]
        return out

    if "p" in cols:  # q over every scored term of the target: the absent ones once per key
        q = _bh_tied(np.concatenate([cols["p"], acols["p"][used]]),
                     np.concatenate([np.ones(len(ex), dtype=np.int64), mult[used]]))
        cols["q"] = q[:len(ex)]
        if absent is not None:
            acols["q"] = np.zeros(len(absent.b))
            acols["q"][used] = q[len(ex):]
    cut = top is not None and n_scored > 2 * top
    if cut and len(used) and not (np.isnan(score).any() or np.isnan(ascore[used]).any()):
        # only the ends are reported: the candidates are the target's own terms and the
        # absent terms of the keys that may reach them. An absent term below both the
        # top-th highest absent score (each key counted with its terms) and the top-th
        # highest score of the target's terms is not among the top highest; likewise lowest.
        o = np.argsort(ascore[used], kind="stable")
        s, m = ascore[used][o], mult[used][o]
        cut_lo = s[min(np.searchsorted(np.cumsum(m), top), len(s) - 1)]
        cut_hi = s[::-1][min(np.searchsorted(np.cumsum(m[::-1]), top), len(s) - 1)]
        if len(ex) >= top:
            cut_lo = min(cut_lo, np.partition(score, top - 1)[top - 1])
            cut_hi = max(cut_hi, np.partition(score, len(ex) - top)[len(ex) - top])
        keys = used[(ascore[used] <= cut_lo) | (ascore[used] >= cut_hi)]
        extra = absent.terms_of(keys)
        cand = np.concatenate([ex, extra[at[extra] < 0]])
    else:
        cand = np.arange(n_scored)
    sc = take(score, ascore, cand)
    if cut:
        # partition first (ties at the cut resolved by position below)
        hi = np.partition(sc, len(sc) - top)[len(sc) - top]
        lo = np.partition(sc, top - 1)[top - 1]
        keep = (sc >= hi) | (sc <= lo)
        cand, sc = cand[keep], sc[keep]
    order = np.lexsort((cand, -sc))  # score desc, then position
    if top is not None and len(order) > 2 * top:
        order = np.concatenate([order[:top], order[-top:]])
    pos = cand[order]
    return pos, {k: take(v, acols.get(k), pos) for k, v in cols.items()}, at[pos]


def _as_list(v) -> list:
    return list(v) if isinstance(v, (list, tuple, set, np.ndarray, pd.Index)) else [v]


def keyness(articles: pd.DataFrame, by: str = "outlet", measure: str = "log_odds",
            target=None, reference=None, min_count: int = 2, *, alpha0: float = 1000.0,
            prior: pd.Series | None = None, top: int | None = None,
            dtm: DocTerm | None = None, **token_opts) -> pd.DataFrame:
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

    Columns: ``<by>`` (target label; lists joined with " + "), ``reference`` (label),
    ``term``, ``score``, ``count_target``, ``count_reference``, ``doc_freq_target``,
    ``doc_freq_reference``, ``n_target``, ``n_reference`` (articles), then ``delta``, ``var``,
    ``z`` (log_odds) or ``g2``, ``log_ratio``, ``p``, ``q`` (g2) or ``chi2``, ``p``, ``q``
    (chi2). ``top``: keep the ``top`` highest and ``top`` lowest scores per target.
    Sorted by target, score descending, term. With one article per group, doc_freq is 1 for
    every target term: the "distinctive" terms are then those of one text, not of an outlet.
    """
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}, not {measure!r}")
    d, _, labels, _, cnt, df, n_art = _group_tables(articles, by, dtm, token_opts)
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
        t = idx_of(_as_list(target))
        r = (idx_of(_as_list(reference)) if reference is not None
             else [j for j in range(len(labels)) if j not in t])
        if set(t) & set(r):
            raise ValueError("target and reference overlap")
        comparisons = [(t, r)] if r else []

    all_counts = np.asarray(cnt.sum(axis=0)).ravel().astype(float)
    if prior is None:
        background = all_counts
    else:
        background = pd.Series(prior, dtype=float).reindex(d.vocabulary).fillna(0).to_numpy()
        if (background <= 0).any():
            background = background + 0.01  # unseen terms get a tiny prior instead of zero
    alpha_w = alpha0 * background / background.sum() if background.sum() > 0 else background
    all_df = np.asarray(df.sum(axis=0)).ravel().astype(float)
    total = all_counts.sum()

    def rows_sum(m: sp.csr_matrix, idx: list[int]) -> np.ndarray:
        return np.asarray(m[idx].sum(axis=0)).ravel().astype(float)

    if target is None:  # one vs rest: the same terms are scored for every target
        scored = np.flatnonzero(all_counts >= min_count)
        at_scored = np.full(len(all_counts), -1, dtype=np.int64)
        at_scored[scored] = np.arange(len(scored))
        absent = _Absent.of(all_counts[scored], alpha_w[scored], measure)
        if len(scored) == 0:
            comparisons = []
    out = defaultdict(list)
    for t, r in comparisons:
        if r is None:
            lo, hi = cnt.indptr[t[0]], cnt.indptr[t[0] + 1]
            yi = cnt.data[lo:hi].astype(float)
            nt, idx = yi.sum(), cnt.indices[lo:hi]
            nr = total - nt
            ex = at_scored[idx]
            idx, yi, dfi = idx[ex >= 0], yi[ex >= 0], df.data[lo:hi][ex >= 0].astype(float)
            ex = ex[ex >= 0]
            yj, dfj = all_counts[idx] - yi, all_df[idx] - dfi
            sel, cols, i = _target_rows(measure, len(scored), ex, yi, yj, alpha_w[idx],
                                        nt, nr, alpha0, top, absent)
            sel = scored[sel]
            count_t, df_t = np.append(yi, 0.0)[i], np.append(dfi, 0.0)[i]  # i = -1: absent
            count_r, df_r = all_counts[sel] - count_t, all_df[sel] - df_t
        else:
            yi, dfi, yj, dfj = rows_sum(cnt, t), rows_sum(df, t), rows_sum(cnt, r), rows_sum(df, r)
            keep = np.flatnonzero(yi + yj >= min_count)
            if len(keep) == 0:
                continue
            sel, cols, _ = _target_rows(measure, len(keep), np.arange(len(keep)), yi[keep],
                                        yj[keep], alpha_w[keep], yi.sum(), yj.sum(), alpha0,
                                        top, None)
            sel = keep[sel]
            count_t, count_r, df_t, df_r = yi[sel], yj[sel], dfi[sel], dfj[sel]
        k = len(sel)
        out[by].append(np.repeat(" + ".join(map(str, labels[t])), k))
        out["reference"].append(np.repeat(
            "rest" if reference is None else " + ".join(map(str, labels[r])), k))
        out["term"].append(d.vocabulary[sel])
        out["score"].append(cols["z" if measure == "log_odds" else measure])
        for name, v in [("count_target", count_t), ("count_reference", count_r),
                        ("doc_freq_target", df_t), ("doc_freq_reference", df_r)]:
            out[name].append(v.astype(np.int64))
        out["n_target"].append(np.repeat(int(n_art[t].sum()), k))
        out["n_reference"].append(np.repeat(
            int(n_art.sum() - n_art[t].sum()) if r is None else int(n_art[r].sum()), k))
        for name, v in cols.items():
            out[name].append(v)
    if not out:
        return pd.DataFrame(columns=[by, "reference", "term", "score", "count_target",
                                     "count_reference", "doc_freq_target",
                                     "doc_freq_reference", "n_target", "n_reference"])
    # targets come in label order (sorted) and each is sorted within
    return pd.DataFrame({k: np.concatenate(v) for k, v in out.items()})


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
    sents = _text.sentences(hit)
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

def _split_cosines(c: sp.csr_matrix, idf: np.ndarray, split: np.ndarray) -> np.ndarray:
    """Cosine of the two pooled TF-IDF profiles (tf = summed counts, times ``idf``) for each
    split of the articles of ``c`` (articles x terms counts): ``split`` is a boolean
    (splits x articles) array, True for the articles of the first group.

    With w = idf², A the pooled counts of the first group and B = T - A those of the
    second (T: all the articles), cosine = A·B / sqrt(A·A B·B) in the w-weighted dot product,
    each a sum of non-negative terms (no cancellation). A term of one article adds its w c²
    to A·A or B·B and nothing to A·B. For the others A comes from sparse products of the
    counts with the 0/1 split matrix, 64 splits at a time, in the narrowest type that holds
    the term's total exactly (A <= T): uint8, uint16, float32 (integers below 2**24), so A
    and B are exact.
    """
    tot = np.asarray(c.sum(axis=0, dtype=np.float64)).ravel()
    n_docs = np.bincount(c.indices, minlength=c.shape[1])
    w = idf ** 2
    sq = sp.csr_matrix((c.data.astype(np.float64) ** 2, c.indices, c.indptr), shape=c.shape)
    alone = sq @ np.where(n_docs == 1, w, 0.0)  # per article
    # einsum here and below: no BLAS threads for these products
    aa = np.einsum("n,sn->s", alone, split.astype(np.float64))
    bb = np.einsum("n,sn->s", alone, (~split).astype(np.float64))
    ab = np.zeros(len(split))
    ct = c.T.tocsr()                     # terms x articles
    st = np.ascontiguousarray(split.T)  # articles x splits
    low = 1
    for dtype, high in ((np.uint8, 2 ** 8), (np.uint16, 2 ** 16), (np.float32, 2 ** 24),
                        (np.float64, np.inf)):
        rows = np.flatnonzero((n_docs > 1) & (tot >= low) & (tot < high))
        low = high
        if len(rows) == 0:
            continue
        m, t, wr = ct[rows].astype(dtype), tot[rows, None], w[rows]
        for start in range(0, len(split), 64):
            a = (m @ st[:, start:start + 64].astype(dtype)).astype(np.float64)  # terms x splits
            b = t - a
            wa = wr[:, None] * a
            aa[start:start + 64] += np.einsum("ts,ts->s", wa, a)
            ab[start:start + 64] += np.einsum("ts,ts->s", wa, b)
            bb[start:start + 64] += np.einsum("t,ts,ts->s", wr, b, b)
    with np.errstate(invalid="ignore", divide="ignore"):
        return ab / np.sqrt(aa * bb)


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
                      dtm: DocTerm | None = None, **token_opts) -> pd.DataFrame:
    """Cosine similarity of the groups' pooled TF-IDF profiles (see :func:`tfidf_profiles`):
    a square DataFrame, index and columns = group labels (sorted), diagonal 1."""
    _, _, labels, _, cnt, _, _ = _group_tables(articles, by, dtm, token_opts)
    return pd.DataFrame(_profile_cosines(_tfidf(cnt)), index=pd.Index(labels, name=by),
                        columns=pd.Index(labels, name=by))


def similarity(articles: pd.DataFrame, by: str = "outlet", permutations: int = 999,
               seed: int = 0, *, min_articles: int = 5, max_tested_pairs: int | None = 300,
               dtm: DocTerm | None = None, **token_opts) -> pd.DataFrame:
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
    ``p_value``, ``n_permutations``, ``note``. Sorted by group_a, group_b.
    """
    d, codes, labels, _, cnt, _, n_art = _group_tables(articles, by, dtm, token_opts)
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
