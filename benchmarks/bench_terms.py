"""Throughput and memory of the terms stage at scale.

    python benchmarks/bench_terms.py CORPUS.jsonl.gz [--limit N] [--jobs 2] [--scattertext 3000]

Reads a JSONL(.gz) corpus (columns id or doc_id, outlet, bias, text) with pandas, then times:
the document x term matrix (``--jobs`` processes), the groups x terms sums
(``terms.group_terms``) by outlet and by bias, and from them counts, TF-IDF profiles and
keyness (log-odds; G² by bias); then the same tables each summing its own groups
(``dtm=`` instead of ``groups=``), the cost of not sharing the sums. Reports CPU seconds
(time.process_time, this process), wall seconds, articles/s and peak resident memory
(ru_maxrss). With --scattertext N (optional dependency, ``pip install kzmedia[bench]``), runs
scattertext's LogOddsRatioInformativeDirichletPrior by bias on the first N articles (corpus
building + scoring) and ours on the same articles, and reports the rank correlation of the
two z-scores on the terms both tokenizers produce.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import pandas as pd

from common import articles, peak_rss_mb
from kzmedia import terms


def timed(rows, name, n, fn):
    cpu, wall = time.process_time(), time.perf_counter()
    out = fn()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    rows.append({"step": name, "articles": n, "cpu_s": round(cpu, 2), "seconds": round(wall, 2),
                 "articles_per_s": round(n / wall) if wall > 0 else np.nan,
                 "peak_rss_mb": round(peak_rss_mb())})
    return out


def tables(df: pd.DataFrame, by: str, **given) -> list:
    return [terms.counts(df, by=by, **given), terms.tfidf_profiles(df, by=by, **given),
            terms.keyness(df, by=by, top=50 if by == "outlet" else None, **given)]


def ours(df: pd.DataFrame, jobs: int, rows: list) -> None:
    n = len(df)
    t0 = time.perf_counter()
    d = timed(rows, "document_term_matrix", n,
              lambda: terms.document_term_matrix(df, n_jobs=jobs))
    for by in ("outlet", "bias"):
        groups = timed(rows, f"group_terms by {by}", n, lambda: terms.group_terms(df, by, dtm=d))
        timed(rows, f"counts by {by}", n, lambda: terms.counts(df, by=by, groups=groups))
        timed(rows, f"tfidf_profiles by {by}", n,
              lambda: terms.tfidf_profiles(df, by=by, groups=groups))
        timed(rows, f"keyness log_odds by {by}", n,
              lambda: terms.keyness(df, by=by, groups=groups,
                                    top=50 if by == "outlet" else None))
        if by == "bias":
            timed(rows, "keyness g2 by bias", n,
                  lambda: terms.keyness(df, by="bias", measure="g2", groups=groups))
    dt = time.perf_counter() - t0
    rows.append({"step": "TOTAL kzmedia (all of the above)", "articles": n, "cpu_s": np.nan,
                 "seconds": round(dt, 2), "articles_per_s": round(n / dt),
                 "peak_rss_mb": round(peak_rss_mb())})
    for by in ("outlet", "bias"):
        timed(rows, f"counts, tfidf_profiles, keyness by {by}, each summing its groups", n,
              lambda: tables(df, by, dtm=d))
    rows.append({"step": f"  vocabulary {d.matrix.shape[1]:,} terms, "
                         f"{d.matrix.nnz:,} non-zeros", "articles": n, "cpu_s": np.nan,
                 "seconds": np.nan, "articles_per_s": np.nan, "peak_rss_mb": np.nan})


def scattertext_compare(df: pd.DataFrame, rows: list) -> None:
    try:
        import scattertext as st
        from scattertext.termsignificance.LogOddsRatioInformativeDirichletPiror import (
            LogOddsRatioInformativeDirichletPrior,
        )
    except ImportError as e:  # optional dependency
        print(f"scattertext not available ({e}); pip install 'kzmedia[bench]'", file=sys.stderr)
        return
    n = len(df)
    t0 = time.perf_counter()
    corpus = timed(rows, "scattertext CorpusFromPandas(whitespace_nlp).build", n,
                   lambda: st.CorpusFromPandas(df[["bias", "text"]], category_col="bias",
                                               text_col="text",
                                               nlp=st.whitespace_nlp_with_sentences).build())
    tf = corpus.get_term_freq_df()
    tf = tf[[c for c in tf.columns if c.endswith(" freq")]]
    tf = tf[[" " not in t for t in tf.index]]  # unigrams (scattertext also counts bigrams)
    priors = tf.sum(axis=1)

    def score():
        out = {}
        for col in tf.columns:
            yi = tf[col].to_numpy(float)
            yj = tf.drop(columns=col).sum(axis=1).to_numpy(float)
            m = LogOddsRatioInformativeDirichletPrior(priors.to_numpy(float), sigma=1000.0,
                                                      scale_type="word")
            out[col.removesuffix(" freq")] = pd.Series(
                m.get_zeta_i_j_given_separate_counts(yi, yj), index=tf.index)
        return out

    z_st = timed(rows, "scattertext LogOddsRatioInformativeDirichletPrior by bias", n, score)
    dt = time.perf_counter() - t0
    rows.append({"step": "TOTAL scattertext (build + log-odds)", "articles": n,
                 "seconds": round(dt, 2), "articles_per_s": round(n / dt),
                 "peak_rss_mb": round(peak_rss_mb())})
    t1 = time.perf_counter()
    d = terms.document_term_matrix(df, stopwords=(), phrases=())
    k = terms.keyness(df, by="bias", dtm=d, min_count=1, alpha0=1000.0)
    dt = time.perf_counter() - t1
    rows.append({"step": "kzmedia on the same articles (dtm + log-odds by bias)", "articles": n,
                 "seconds": round(dt, 2), "articles_per_s": round(n / dt),
                 "peak_rss_mb": round(peak_rss_mb())})
    for group, z in z_st.items():
        ours_z = k[k["bias"] == group].set_index("term")["z"]
        common = ours_z.index.intersection(z.index)
        rho = pd.Series(ours_z[common].to_numpy()).corr(pd.Series(z[common].to_numpy()),
                                                          method="spearman")
        print(f"bias={group}: {len(common):,} shared terms, Spearman rho(z ours, z scattertext)"
              f" = {rho:.3f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", help="JSONL(.gz) with doc_id/id, outlet, bias, text")
    ap.add_argument("--limit", type=int, default=None, help="first N articles only")
    ap.add_argument("--jobs", type=int, default=2,
                    help="processes for the document x term matrix")
    ap.add_argument("--scattertext", type=int, default=0, metavar="N",
                    help="compare with scattertext on the first N articles (0 = skip)")
    args = ap.parse_args(argv)
    rows: list[dict] = []
    t = time.perf_counter()
    df = articles(args.corpus, args.limit)
    rows.append({"step": "read corpus (corpus.load)", "articles": len(df), "cpu_s": np.nan,
                 "seconds": round(time.perf_counter() - t, 2), "articles_per_s": np.nan,
                 "peak_rss_mb": round(peak_rss_mb())})
    print(f"{len(df):,} articles, {df['text'].str.len().sum() / 1e6:.0f} MB of text, "
          f"{df['outlet'].nunique()} outlets, {df['bias'].nunique()} bias groups")
    ours(df, args.jobs, rows)
    if args.scattertext:
        scattertext_compare(df.head(args.scattertext).reset_index(drop=True), rows)
    with pd.option_context("display.width", 160, "display.max_colwidth", 70):
        print(pd.DataFrame(rows).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
