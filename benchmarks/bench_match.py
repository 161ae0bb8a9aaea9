"""Throughput of frame hits and actor mentions, fast and reference, and the cost of loading the
codebook and gazetteer.

    python benchmarks/bench_match.py CORPUS.jsonl[.gz] [--n N] [--seed S] [--repeat R]
                                     [--method fast|reference|both]

CORPUS: JSON lines (optionally .gz) with a `text` field per article (and optionally id,
outlet). A seeded random sample of N articles (default 5000; 0 = all) is split into sentences
once with ``kzmedia.text.sentences`` (timed apart); then ``frames.hits`` and
``actors.mentions`` run on those sentences with each ``--method`` of the pattern engine
(``both``: fast and reference, which must give the same rows; the reference applies one
regex per pattern to each sentence and is slow: use a sample of a few hundred articles), R
times each (the fastest run is reported, as the machine may be shared). Prints sentences/s
and seconds, wall clock and CPU time (time.process_time), the number of rows, the load time
of the default gazetteer and codebook (first call and repeated calls) and the peak resident
memory.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from common import articles, peak_rss_mb
from kzmedia import actors, frames, text


def timed(func, *args, **kwargs):
    wall, cpu = time.perf_counter(), time.process_time()
    result = func(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def best(repeat, func, *args, **kwargs):
    runs = [timed(func, *args, **kwargs) for _ in range(max(1, repeat))]
    return runs[0][0], min(r[1] for r in runs), min(r[2] for r in runs)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", help="JSON lines (.jsonl or .jsonl.gz) with a `text` field")
    parser.add_argument("--n", type=int, default=5000, help="articles sampled (default 5000; 0 = all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement (fastest kept)")
    parser.add_argument("--method", choices=["fast", "reference", "both"], default="fast",
                        help="pattern engine method(s) timed (default fast)")
    args = parser.parse_args(argv)

    _, g_wall, g_cpu = timed(actors.load_gazetteer)
    _, c_wall, c_cpu = timed(frames.load_codebook)
    _, g2_wall, _ = best(5, actors.load_gazetteer)
    _, c2_wall, _ = best(5, frames.load_codebook)
    print(f"load_gazetteer(): first {g_wall * 1000:.0f} ms wall ({g_cpu * 1000:.0f} ms CPU), "
          f"again {g2_wall * 1000:.0f} ms")
    print(f"load_codebook():  first {c_wall * 1000:.0f} ms wall ({c_cpu * 1000:.0f} ms CPU), "
          f"again {c2_wall * 1000:.0f} ms (includes its gazetteer)")

    arts, r_wall, _ = timed(articles, args.corpus, args.n, args.seed)
    sents, s_wall, s_cpu = timed(text.sentences, arts)
    n, chars = len(sents), int(sents["sentence"].str.len().sum())
    print(f"{len(arts):,} articles read in {r_wall:.1f} s; {n:,} sentences "
          f"({chars / 1e6:.1f} M characters) split in {s_wall:.1f} s wall, {s_cpu:.1f} s CPU")

    gaz, cb = actors.load_gazetteer(), frames.load_codebook()
    methods = ["fast", "reference"] if args.method == "both" else [args.method]
    tables = {}
    for method in methods:
        _, b_wall, _ = timed(lambda: (gaz.matcher(method), cb.matcher(method)))
        print(f"[{method}] matchers built in {b_wall * 1000:.0f} ms")
        total_cpu = 0.0
        for name, func, arg in (("frames.hits", frames.hits, cb),
                                ("actors.mentions", actors.mentions, gaz)):
            out, wall, cpu = best(args.repeat, func, arts, arg, sentences=sents, method=method)
            tables[method, name] = out
            total_cpu += cpu
            print(f"[{method}] {name:16s} {n / wall:9,.0f} sentences/s wall ({wall:7.2f} s), "
                  f"{n / cpu:9,.0f}/s CPU ({cpu:7.2f} s); {len(out):,} rows")
        print(f"[{method}] hits + mentions: {total_cpu:.2f} CPU s for {n:,} sentences")
    if args.method == "both":
        for name in ("frames.hits", "actors.mentions"):
            pd.testing.assert_frame_equal(tables["fast", name], tables["reference", name])
        print("fast and reference: the same rows")

    print(f"peak RSS: {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
