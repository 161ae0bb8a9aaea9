"""Near-duplicate articles (the same story syndicated across outlets, or reposted): find
them (:func:`duplicates`) and keep one of each (:func:`dedupe`).

Articles are sets of word shingles (k-grams) compared by Jaccard similarity, all pairs
exactly for small corpora, or candidate pairs from MinHash LSH (datasketch; Broder 1997,
Leskovec, Rajaraman & Ullman, "Mining of Massive Datasets", ch. 3) then exact Jaccard.
Both are also available as ``kzmedia.corpus.duplicates`` and ``kzmedia.corpus.dedupe``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["duplicates", "dedupe"]

_WORD = re.compile(r"\w+")


def _shingle_matrix(texts, k: int):
    """Binary article x shingle matrix (word k-grams, lowercased; hashed)."""
    from scipy import sparse

    hashes, lengths = [], []
    for t in texts:
        toks = _WORD.findall(t.lower())
        grams = set(map(hash, zip(*(toks[i:] for i in range(k))))) if len(toks) >= k else (
            {hash(tuple(toks))} if toks else set())
        hashes.append(np.fromiter(grams, dtype=np.int64, count=len(grams)))
        lengths.append(len(grams))
    flat = np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.int64)
    vocab, cols = np.unique(flat, return_inverse=True)
    rows = np.repeat(np.arange(len(lengths)), lengths)
    matrix = sparse.csr_matrix((np.ones(len(cols), dtype=np.float32), (rows, cols)),
                               shape=(len(lengths), len(vocab)))
    return matrix, hashes


def _candidate_pairs_lsh(hashes, threshold: float, num_perm: int = 128):
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    sketches = {}
    for i, h in enumerate(hashes):
        if len(h):
            m = MinHash(num_perm=num_perm, hashfunc=int)
            m.update_batch((h & 0xFFFFFFFF).tolist())
            lsh.insert(i, m)
            sketches[i] = m
    pairs = {(min(i, j), max(i, j)) for i, m in sketches.items() for j in lsh.query(m) if j != i}
    pairs = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    return pairs[:, 0], pairs[:, 1]


def duplicates(articles: pd.DataFrame, threshold: float = 0.8, *, shingle: int = 5,
               method: str = "auto") -> pd.DataFrame:
    """Clusters of the same or nearly the same article (e.g. syndicated across outlets).

    Articles are sets of word ``shingle``-grams; two articles are linked when their Jaccard
    similarity is at least ``threshold``; clusters are the connected groups. ``method``:
    "exact" (all pairs, sparse matrix product), "minhash" (datasketch MinHash LSH candidates,
    then exact Jaccard), or "auto" (exact up to 2,000 articles).

    Returns DataFrame[cluster (int, 0.. in order of first doc_id), doc_id, outlet,
    similarity (highest Jaccard with another member)], only articles with a near-copy,
    sorted by cluster and doc_id.
    """
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    if method not in ("auto", "exact", "minhash"):
        raise ValueError(f"method must be 'auto', 'exact' or 'minhash', not {method!r}")
    arts = articles.sort_values("doc_id", kind="stable", ignore_index=True)
    matrix, hashes = _shingle_matrix(arts["text"], shingle)
    sizes = np.asarray(matrix.sum(axis=1)).ravel()
    if method == "exact" or (method == "auto" and len(arts) <= 2000):
        inter = sparse.triu(matrix @ matrix.T, k=1).tocoo()
        left, right, shared = inter.row, inter.col, inter.data
    else:
        # a lower LSH threshold so pairs just above ``threshold`` are rarely missed
        left, right = _candidate_pairs_lsh(hashes, max(0.05, threshold - 0.2))
        shared = np.asarray(matrix[left].multiply(matrix[right]).sum(axis=1)).ravel()
    union = sizes[left] + sizes[right] - shared
    sim = np.divide(shared, union, out=np.zeros(len(shared)), where=union > 0)
    keep = sim >= threshold
    left, right, sim = left[keep], right[keep], sim[keep]
    empty = pd.DataFrame({"cluster": pd.Series(dtype="int64"), "doc_id": pd.Series(dtype="str"),
                          "outlet": pd.Series(dtype="str"), "similarity": pd.Series(dtype="float64")})
    if not len(sim):
        return empty
    graph = sparse.coo_matrix((np.ones(len(sim)), (left, right)), shape=(len(arts),) * 2)
    _, label = connected_components(graph, directed=False)
    best = np.zeros(len(arts))
    np.maximum.at(best, left, sim)
    np.maximum.at(best, right, sim)
    linked = np.union1d(left, right)
    out = pd.DataFrame({"label": label[linked], "doc_id": arts["doc_id"].to_numpy()[linked],
                        "outlet": arts["outlet"].to_numpy()[linked], "similarity": best[linked]})
    first = out.groupby("label")["doc_id"].transform("min")
    out["cluster"] = first.rank(method="dense").astype("int64") - 1
    out = out.sort_values(["cluster", "doc_id"], ignore_index=True)
    return out[["cluster", "doc_id", "outlet", "similarity"]].astype(empty.dtypes.to_dict())


def dedupe(articles: pd.DataFrame, clusters: pd.DataFrame) -> pd.DataFrame:
    """Keep one article per duplicate cluster: the earliest date (undated last), then the
    first doc_id. The others move to ``attrs["rejected"]`` with the kept doc_id as reason.

    Returns the articles (same columns, sorted by doc_id) without the dropped copies.
    """
    from . import corpus  # not at the top: corpus imports this module to re-export it

    if clusters.empty:
        return articles
    members = clusters[["cluster", "doc_id", "similarity"]].merge(
        articles[["doc_id", "date", "source"]], on="doc_id", how="inner")
    members = members.assign(undated=members["date"] == "").sort_values(
        ["cluster", "undated", "date", "doc_id"], ignore_index=True)
    keeper = members.groupby("cluster")["doc_id"].transform("first")
    dropped = members[members["doc_id"] != keeper].assign(keeper=keeper)
    reasons = [(s, d, f"near-duplicate of {k} (cluster {c}, similarity {x:.2f})")
               for s, d, k, c, x in dropped[["source", "doc_id", "keeper", "cluster",
                                             "similarity"]].itertuples(index=False)]
    out = articles[~articles["doc_id"].isin(dropped["doc_id"])].reset_index(drop=True)
    rejected = pd.concat([pd.DataFrame(articles.attrs.get("rejected", None),
                                       columns=list(corpus.REJECTED_COLUMNS)),
                          pd.DataFrame(reasons, columns=list(corpus.REJECTED_COLUMNS))],
                         ignore_index=True).astype("str")
    out.attrs = dict(articles.attrs, rejected=corpus.AttrsTable(
        rejected.sort_values(["source", "doc_id"], ignore_index=True)))
    return out
