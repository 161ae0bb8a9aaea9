"""Throughput and memory of sentence splitting and the document x term matrix.

    python benchmarks/bench_text.py CORPUS.jsonl.gz [--n N] [--punkt-n M] [--jobs J]

Reads the first N articles of a JSONL(.gz) corpus (columns id or doc_id, text) and times, in
one run: ``text.sentences`` with the default fast splitter and with NLTK Punkt itself
(``method="punkt"``, on the first M articles, as it is slow), and
``terms.document_term_matrix``. Reports CPU seconds (time.process_time, robust on a shared
machine), wall seconds, MB/s and articles/s on CPU time, and peak resident memory; then the
share of the M articles whose sentence lists are identical under both splitters, with the
first few that differ.
"""

from __future__ import annotations

import argparse
import difflib
import time

import pandas as pd

from common import articles, peak_rss_mb
from kzmedia import terms, text


def timed(rows: list, step: str, df: pd.DataFrame, fn):
    mb = df["text"].str.len().sum() / 1e6
    cpu, wall = time.process_time(), time.perf_counter()
    out = fn(df)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    rows.append({"step": step, "articles": len(df), "MB": round(mb, 1),
                 "cpu_s": round(cpu, 2), "wall_s": round(wall, 2),
                 "MB_per_cpu_s": round(mb / cpu, 1) if cpu else float("nan"),
                 "articles_per_cpu_s": round(len(df) / cpu) if cpu else float("nan"),
                 "peak_rss_mb": round(peak_rss_mb())})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--n", type=int, default=None, help="first N articles (default: all)")
    ap.add_argument("--punkt-n", type=int, default=2000,
                    help="articles for the Punkt reference and the agreement check")
    ap.add_argument("--jobs", type=int, default=1, help="n_jobs for document_term_matrix")
    args = ap.parse_args()

    df = articles(args.corpus, args.n)[["doc_id", "text"]]
    ref = df.iloc[:args.punkt_n]
    rows: list = []
    fast = timed(rows, "sentences (fast, default)", df, text.sentences)
    fast_ref = fast[fast["doc_id"].isin(set(ref["doc_id"]))]
    punkt = timed(rows, "sentences (method='punkt')", ref,
                  lambda d: text.sentences(d, method="punkt"))
    dtm = timed(rows, "document_term_matrix", df,
                lambda d: terms.document_term_matrix(d, n_jobs=args.jobs))
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(pd.DataFrame(rows).to_string(index=False))
    print(f"\nvocabulary {dtm.matrix.shape[1]:,} terms, {dtm.matrix.nnz:,} non-zeros; "
          f"{len(fast):,} sentences")

    a = fast_ref.groupby("doc_id", sort=False)["sentence"].apply(list)
    b = punkt.groupby("doc_id", sort=False)["sentence"].apply(list)
    ids = list(dict.fromkeys(ref["doc_id"]))
    same = [a.get(i, []) == b.get(i, []) for i in ids]
    print(f"fast == punkt on {sum(same):,} of {len(ids):,} articles "
          f"({sum(same) / max(len(ids), 1):.2%})")
    for doc_id, ok in list(zip(ids, same)):
        if not ok:
            print(f"--- {doc_id}")
            for line in list(difflib.unified_diff(b.get(doc_id, []), a.get(doc_id, []),
                                                  "punkt", "fast", lineterm="", n=0))[:8]:
                print("   ", line[:200])


if __name__ == "__main__":
    main()
