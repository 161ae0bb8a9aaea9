"""Sentence tone: the two methods of ``sentiment.score``, fast and reference, side by side.

    python benchmarks/bench_vader.py CORPUS [--articles N] [--reference-sample M] [--seed S]

CORPUS: anything ``kzmedia.corpus.load`` reads. The sentences of its articles (the first N
with ``--articles``) are split by ``text.sentences``, and each distinct sentence is scored as
``sentiment.score`` scores it (identical texts once), in this process: by
``kzmedia.fast.vader.scores`` (method="fast") and by ``sentiment.vader_scores`` (method=
"reference", vaderSentiment one sentence at a time). With ``--reference-sample M`` the
reference scores a seeded random M of the sentences only, and its time is extrapolated
linearly to all of them (stated in the output). Prints CPU seconds and sentences/s of each,
the CPU seconds the fast path saves, and the number of sentences whose four scores differ
(the fast path's are compared with the reference's on the sentences both scored). Entity
masking, which comes before scoring in the pipeline, is not applied: it changes few words.
"""
from __future__ import annotations

import argparse
import random
import time

import numpy as np
import pandas as pd

from common import articles, peak_rss_mb
from kzmedia import sentiment, text
from kzmedia.fast import vader as fast_vader


def timed(func, *args):
    wall, cpu = time.perf_counter(), time.process_time()
    result = func(*args)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", help="a corpus kzmedia.corpus.load reads")
    parser.add_argument("--articles", type=int, default=None, help="first N articles (default all)")
    parser.add_argument("--reference-sample", type=int, default=None,
                        help="score only a random M sentences by the reference, extrapolated")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    arts, wall, _ = timed(articles, args.corpus, args.articles)
    sent, split, _ = timed(text.sentences, arts)
    texts = list(pd.unique(sent["sentence"].to_numpy(dtype=object)))
    n = len(texts)
    print(f"{len(arts):,} articles read in {wall:.1f} s; {len(sent):,} sentences "
          f"({n:,} distinct) split in {split:.1f} s")

    fast_vader.scores(texts[:100])  # the word table is built once per process
    fast, f_wall, f_cpu = timed(fast_vader.scores, texts)
    print(f"fast:      {f_cpu:7.2f} CPU-s, {n / f_cpu:10,.0f} sentences/s CPU "
          f"({f_wall:.2f} s wall)")

    which = range(n)
    if args.reference_sample and args.reference_sample < n:
        which = sorted(random.Random(args.seed).sample(range(n), args.reference_sample))
    sample = [texts[i] for i in which]
    ref, r_wall, r_cpu = timed(sentiment.vader_scores, sample)
    scale = n / len(sample)
    note = f" (extrapolated from {len(sample):,} sentences)" if scale > 1 else ""
    print(f"reference: {r_cpu * scale:7.2f} CPU-s, {len(sample) / r_cpu:10,.0f} sentences/s CPU "
          f"({r_wall * scale:.2f} s wall){note}")
    print(f"saved by the fast path: {r_cpu * scale - f_cpu:.1f} CPU-s "
          f"({r_cpu * scale / f_cpu:.1f} times as fast)")

    bad = np.flatnonzero((fast[list(which)] != ref).any(axis=1))
    print(f"mismatches: {len(bad)} of {len(sample):,} sentences")
    for i in bad[:10]:
        print(f"  {sample[i]!r}\n    reference {ref[i].tolist()}\n    fast      "
              f"{fast[which[i]].tolist()}")
    print(f"peak RSS: {peak_rss_mb():.0f} MB")
    return 1 if len(bad) else 0


if __name__ == "__main__":
    raise SystemExit(main())
