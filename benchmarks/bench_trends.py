"""What a time axis costs: the same analysis with and without ``--period``, in one run, and
the trends checked against a direct recount.

    python benchmarks/bench_trends.py CORPUS [--by bias] [--period year] [--jobs 2]
                                             [--repeat 1] [--events] [--n N]

Steps: load CORPUS; ``pipeline.analyze(articles, by=BY)`` and
``pipeline.analyze(articles, by=BY, period=PERIOD)`` (each from the articles to every table,
``--repeat`` times, alternating, so that a change in the machine's load hits both); then the
group phase alone, from one set of per-article tables, without and with the period (and,
with ``--events``, with the package's events too), per stage. Prints wall and CPU seconds
(this process and its children), the period's extra wall time as a share of the analysis
without it (the issue's bound: 25%), the load average, and the recount: for every group and
period, the article count, the mean tone and one frame's mean share of sentences computed
directly from the per-article tables (not through kzmedia.trends) against the trends table.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

import pandas as pd

from common import articles as read_articles
from kzmedia import pipeline, trends

FRAME = "conflict"


def cpu_s() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn):
    wall, cpu = time.perf_counter(), cpu_s()
    out = fn()
    return out, time.perf_counter() - wall, cpu_s() - cpu


def recount(arts: pd.DataFrame, parts: dict, table: pd.DataFrame, by: str, period: str) -> dict:
    """The trends table against counts and means computed here from the per-article tables:
    {check: number of cells that differ} (all zero when they agree) and the cells compared."""
    where = trends.periods(arts, period)
    cell = where[where["period"] != trends.UNPLACED].merge(arts[["doc_id", by]], on="doc_id")
    t = table.set_index([by, "period", "measure", "item"])
    sent = parts["sentence_tone"]
    tone = sent.dropna(subset=["compound"]).groupby("doc_id")["compound"].mean()
    hits = parts["frame_hits"]
    with_frame = hits[hits["frame"] == FRAME].groupby("doc_id")["sent_id"].nunique()
    n_sent = parts["sentences"].groupby("doc_id").size()
    share = (with_frame.reindex(n_sent.index).fillna(0) / n_sent).dropna()
    bad = {"articles": 0, "tone": 0, f"frame_share {FRAME}": 0}
    cells = 0
    for (g, p), docs in cell.groupby([by, "period"])["doc_id"]:
        cells += 1
        bad["articles"] += int(t.loc[(g, p, "articles", ""), "n_articles"] != len(docs))
        for name, values, key in (("tone", tone, (g, p, "tone", "")),
                                  (f"frame_share {FRAME}", share, (g, p, "frame_share", FRAME))):
            v = values.reindex(docs).dropna()
            if len(v):
                got = t.loc[key]
                bad[name] += int(got["n_articles"] != len(v)
                                 or abs(got["value"] - v.mean()) > 1e-12 * max(1, abs(v.mean())))
    return {"cells": cells, **bad}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus")
    parser.add_argument("--by", default="bias")
    parser.add_argument("--period", default="year", choices=trends.PERIODS)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--n", type=int, default=None, help="the first N articles only")
    parser.add_argument("--events", action="store_true",
                        help="also time the group phase with the package's events")
    args = parser.parse_args(argv)

    print(f"load average before: {os.getloadavg()}", flush=True)
    arts, wall, cpu = timed(lambda: read_articles(args.corpus, args.n))
    print(f"load: {len(arts)} articles, {wall:.1f} s wall, {cpu:.1f} CPU-s", flush=True)

    rows = []
    for i in range(args.repeat):
        for label, extra in (("without", {}), (f"--period {args.period}", {"period": args.period})):
            _, wall, cpu = timed(lambda: pipeline.analyze(arts, by=args.by, n_jobs=args.jobs,
                                                          progress=False, **extra))
            rows.append(dict(run=i, analysis=label, wall_s=round(wall, 1), cpu_s=round(cpu, 1),
                             load=round(os.getloadavg()[0], 2)))
            print(rows[-1], flush=True)
    full = pd.DataFrame(rows)
    means = full.groupby("analysis", sort=False)[["wall_s", "cpu_s"]].mean()
    base, timed_ = means.iloc[0], means.iloc[1]
    print(full.to_string(index=False))
    print(f"\nfull analysis by {args.by}: --period {args.period} adds "
          f"{timed_.wall_s - base.wall_s:+.1f} s wall ({(timed_.wall_s / base.wall_s - 1):+.1%}; "
          f"bound +25%), {timed_.cpu_s - base.cpu_s:+.1f} CPU-s "
          f"({(timed_.cpu_s / base.cpu_s - 1):+.1%})", flush=True)

    parts, wall, cpu = timed(lambda: pipeline.article_tables(arts, n_jobs=args.jobs,
                                                             progress=False))
    print(f"\nper-article tables once: {wall:.1f} s wall, {cpu:.1f} CPU-s", flush=True)
    variants = [("without", {}), (f"--period {args.period}", {"period": args.period})]
    if args.events:
        variants.append((f"--period {args.period} --events",
                         {"period": args.period, "events": trends.read_events()}))
    stage_rows = []
    tables = None
    for label, settings in variants:
        timings: list = []
        out, wall, cpu = timed(lambda: pipeline.group_tables(
            arts, parts, args.by, progress=False, n_jobs=args.jobs, timings=timings,
            settings=settings))
        print(f"group phase {label}: {wall:.1f} s wall, {cpu:.1f} CPU-s", flush=True)
        for t in timings:
            if t["stage"] in ("trends", "period_contrasts", "event_shifts"):
                stage_rows.append(dict(settings=label, stage=t["stage"],
                                       seconds=round(t["seconds"], 1)))
        if "trends" in out and tables is None:
            tables = out
    print(pd.DataFrame(stage_rows).to_string(index=False))
    parts["sentence_tone"] = pipeline.with_group(parts["sentence_tone"], arts, args.by)
    check = recount(arts, parts, tables["trends"], args.by, args.period)
    print(f"\nrecount by {args.by} x {args.period}: {check} "
          f"({'all equal' if not any(v for k, v in check.items() if k != 'cells') else 'DIFFER'})")
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
