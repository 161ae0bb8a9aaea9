"""Sentence splitting and the document x term matrix: each fast path against its reference.

    python benchmarks/bench_text.py CORPUS.jsonl.gz [--n N] [--reference-n M] [--partition P]

Reads the first N articles of a corpus (columns id or doc_id, text) and times, on partitions
of P articles as the pipeline runs them: ``text.sentences`` with ``method="fast"``
(:mod:`kzmedia.fast.punkt`) and ``method="reference"`` (NLTK's Punkt), and
``terms.document_term_matrix`` with ``method="fast"`` (:mod:`kzmedia.fast.counting`) and
``method="reference"`` (each article tokenized and counted). The references run on the
first M articles (all by default). Reports CPU seconds (time.process_time, robust on a
shared machine), wall seconds, MB/s on CPU time and peak resident memory, each step's CPU
seconds extrapolated to the N articles, and whether both methods give the same result on
the articles both ran on (the first few differing articles are shown).
"""

from __future__ import annotations

import argparse
import difflib
import time

import pandas as pd

from common import articles, peak_rss_mb, text_mb
from kzmedia import terms, text


def timed(rows: list, step: str, df: pd.DataFrame, n_all: int, partition: int, fn) -> list:
    """fn on each partition of df, timed; the results in order."""
    mb = text_mb(df["text"])
    cpu, wall = time.process_time(), time.perf_counter()
    out = [fn(df.iloc[i:i + partition]) for i in range(0, len(df), partition)]
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    rows.append({"step": step, "articles": len(df), "MB": round(mb, 1),
                 "cpu_s": round(cpu, 2), "wall_s": round(wall, 2),
                 "MB_per_cpu_s": round(mb / cpu, 1) if cpu else float("nan"),
                 f"cpu_s_for_{n_all}": round(cpu * n_all / len(df), 1) if len(df) else 0.0,
                 "peak_rss_mb": round(peak_rss_mb())})
    return out


def sentence_diffs(fast: pd.DataFrame, reference: pd.DataFrame, ids: list, show: int = 5):
    a = fast.groupby("doc_id", sort=False)["sentence"].apply(list)
    b = reference.groupby("doc_id", sort=False)["sentence"].apply(list)
    same = [a.get(i, []) == b.get(i, []) for i in ids]
    print(f"sentences: fast == reference on {sum(same):,} of {len(ids):,} articles")
    for doc_id in [i for i, ok in zip(ids, same) if not ok][:show]:
        print(f"--- {doc_id}")
        for line in list(difflib.unified_diff(b.get(doc_id, []), a.get(doc_id, []),
                                              "reference", "fast", lineterm="", n=0))[:8]:
            print("   ", line[:200])


def same_dtm(a: terms.DocTerm, b: terms.DocTerm) -> bool:
    return (list(a.vocabulary) == list(b.vocabulary) and list(a.doc_ids) == list(b.doc_ids)
            and a.matrix.dtype == b.matrix.dtype and (a.matrix != b.matrix).nnz == 0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--n", type=int, default=None, help="first N articles (default: all)")
    ap.add_argument("--reference-n", type=int, default=None,
                    help="articles for the references (default: all N)")
    ap.add_argument("--partition", type=int, default=2000,
                    help="articles per partition (the pipeline's chunk_size)")
    args = ap.parse_args()

    df = articles(args.corpus, args.n)[["doc_id", "text"]]
    ref = df.iloc[:args.reference_n] if args.reference_n else df
    n, p = len(df), args.partition
    rows: list = []
    fast = timed(rows, "sentences fast", df, n, p, lambda d: text.sentences(d, method="fast"))
    reference = timed(rows, "sentences reference", ref, n, p,
                      lambda d: text.sentences(d, method="reference"))
    dtm_fast = timed(rows, "document_term_matrix fast", df, n, p,
                     lambda d: terms.document_term_matrix(d, method="fast"))
    dtm_reference = timed(rows, "document_term_matrix reference", ref, n, p,
                          lambda d: terms.document_term_matrix(d, method="reference"))
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(pd.DataFrame(rows).to_string(index=False))

    sents = pd.concat(fast, ignore_index=True)
    print(f"\n{len(sents):,} sentences")
    sents = sents[sents["doc_id"].isin(set(ref["doc_id"]))]
    sentence_diffs(sents, pd.concat(reference, ignore_index=True),
                   list(dict.fromkeys(ref["doc_id"])))
    whole = terms.merge_dtm(dtm_fast)
    # fast on the reference's articles: its whole partitions, and the rest counted again
    full = len(ref) // p
    on_ref = dtm_fast[:full] + ([terms.document_term_matrix(ref.iloc[full * p:])]
                                if len(ref) % p else [])
    same = same_dtm(terms.merge_dtm(on_ref), terms.merge_dtm(dtm_reference))
    print(f"document x term matrix: {whole.matrix.shape[1]:,} terms, "
          f"{whole.matrix.nnz:,} non-zeros; fast == reference: {same}")


if __name__ == "__main__":
    main()
