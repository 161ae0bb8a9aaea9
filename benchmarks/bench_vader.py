"""Throughput and parity of kzmedia.vader against vaderSentiment on real sentences.

    python benchmarks/bench_vader.py CORPUS_PATH [--sentences N] [--seed S] [--n-jobs J]

CORPUS_PATH: JSON lines (optionally .gz) with a `text` field per article. Paragraphs are split
on blank lines, sentences with a simple punctuation rule (enough for a timing sample); a seeded
random sample of N sentences is scored by both implementations, in the same process.
Prints sentences/s (wall clock and CPU time) for each, the number of sentences whose four
scores differ, and the peak resident memory.
"""
from __future__ import annotations

import argparse
import random
import re
import time

import numpy as np
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from common import articles, peak_rss_mb
from kzmedia.vader import COLUMNS, Vader

PARAGRAPH = re.compile(r"\n\s*\n|\n")
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“‘(])")


def read_sentences(path: str) -> list[str]:
    out = []
    for text in articles(path)["text"]:
        for para in PARAGRAPH.split(text):
            para = para.strip()
            if para:
                out.extend(SENTENCE.split(para))
    return out


def timed(func, *args):
    wall, cpu = time.perf_counter(), time.process_time()
    result = func(*args)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", help="JSON lines (.jsonl or .jsonl.gz) with a `text` field")
    parser.add_argument("--sentences", type=int, default=200_000, help="sample size (default 200000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=1, help="processes for kzmedia.vader")
    args = parser.parse_args(argv)

    sentences, wall, _ = timed(read_sentences, args.corpus)
    n = min(args.sentences, len(sentences))
    sample = random.Random(args.seed).sample(sentences, n)
    del sentences
    print(f"{n:,} sentences sampled (read and split in {wall:.1f} s); "
          f"mean {np.mean([len(s) for s in sample]):.0f} characters")
    print(f"peak RSS before scoring: {peak_rss_mb():.0f} MB")

    ours_scorer, build, _ = timed(Vader)
    ours, o_wall, o_cpu = timed(ours_scorer.scores, sample, args.n_jobs)
    print(f"kzmedia.vader (n_jobs={args.n_jobs}): {n / o_wall:,.0f} sentences/s wall, "
          f"{n / o_cpu:,.0f}/s CPU (scorer built in {build * 1000:.0f} ms); "
          f"peak RSS {peak_rss_mb():.0f} MB")

    sia = SentimentIntensityAnalyzer()

    def reference(texts):
        return np.array([[d[k] for k in COLUMNS] for d in map(sia.polarity_scores, texts)])

    ref, r_wall, r_cpu = timed(reference, sample)
    print(f"vaderSentiment:        {n / r_wall:,.0f} sentences/s wall, {n / r_cpu:,.0f}/s CPU")
    print(f"speed-up: {r_wall / o_wall:.1f}x wall, {r_cpu / o_cpu:.1f}x CPU (CPU time excludes "
          "worker processes when n_jobs > 1)")

    bad = np.flatnonzero((ours != ref).any(axis=1))
    print(f"mismatches: {len(bad)} of {n:,} sentences")
    for i in bad[:10]:
        print(f"  {sample[i]!r}\n    vaderSentiment {ref[i].tolist()}\n    kzmedia.vader  {ours[i].tolist()}")
    print(f"peak RSS: {peak_rss_mb():.0f} MB")
    return 1 if len(bad) else 0


if __name__ == "__main__":
    raise SystemExit(main())
