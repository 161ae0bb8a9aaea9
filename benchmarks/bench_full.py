"""The whole analysis at scale, and the same work done the plain way, in one run.

    python benchmarks/bench_full.py CORPUS [--jobs N] [--chunk-size 2000] [--plain-sample 1000]
                                           [--reference NAME ...]

CORPUS: anything ``kzmedia.corpus.load`` reads (e.g. a JSONL(.gz) table with outlet and bias
columns). Steps: load; the per-article stages (sentences, document x term matrix, frame hits
and article scores, actor mentions, sentence tone) on partitions in ``--jobs`` worker
processes; then every group table (counts, TF-IDF, keyness, similarity, frame prevalence,
attention, balance, co-occurrence, tone, outlet profile, contrasts) grouped by ``outlet`` and
by ``bias`` from the same per-article tables, both groupings in one set of ``--jobs``
processes (``pipeline.group_tables_many``). Prints, per
stage and in total, wall time, articles/s, MB/s of text and peak resident memory, as a
markdown table (also written to benchmarks/results/).

The plain way: NLTK Punkt (untrained, per paragraph), scikit-learn CountVectorizer and
TfidfVectorizer with their defaults plus sklearn's chi2 per group, one regex search per
codebook pattern and per gazetteer alias on every sentence, and vaderSentiment's
``polarity_scores`` one sentence at a time. It runs in one process on the first
``--plain-sample`` articles and is extrapolated linearly to the whole corpus (stated in the
output).

``--reference``: the named fast paths of ``kzmedia.fast`` are replaced by the reference
methods of their stage modules for the whole run (see REFERENCE), so that a fast path's
saving is measured on the full analysis, as the rule for keeping one asks.

Peak memory: the PSS of this process and all its worker and forked processes together,
sampled every second (Linux; shared pages counted once), and ``ru_maxrss`` of this process
and of the largest child process (a child's RSS includes the pages it shares with this one).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from common import PssSampler, peak_rss_mb, text_mb
from kzmedia import __version__, corpus, pipeline, sentiment, stages, terms, text


# --------------------------------------------------------------------------- references

def _sentences_reference(a, by, t):
    return text.sentences(a, method="reference")


def _dtm_reference(a, by, t):
    return terms.document_term_matrix(a, method="reference")


def _sentence_tone_reference(a, by, t):
    return sentiment.sentences(a, t["_gazetteer"], sentences=t["sentences"],
                               mentions=t["actor_mentions"], method="reference")


def _bootstrap_reference():
    """The group stages' bootstrap intervals by scipy.stats.bootstrap, group by group (the
    summaries are computed deep inside the group stages, so the fast module's entry point is
    replaced in this process, whose forked children inherit it)."""
    from kzmedia import stats
    from kzmedia.fast import bootstrap

    bootstrap.bootstrap_intervals = stats.bootstrap_intervals


#: fast path -> {stage: the stage function that calls the reference method instead}, or a
#: function that switches it for the whole process
REFERENCE = {
    "bootstrap": _bootstrap_reference,
    "punkt": {"sentences": _sentences_reference},
    "counting": {"_dtm": _dtm_reference},
    "vader": {"sentence_tone": _sentence_tone_reference},
}


def with_references(names) -> tuple:
    """The stage records with the fast paths `names` replaced by their references."""
    import dataclasses

    for name in names:
        if callable(REFERENCE[name]):
            REFERENCE[name]()
    swap = {stage: fn for name in names if not callable(REFERENCE[name])
            for stage, fn in REFERENCE[name].items()}
    return tuple(dataclasses.replace(s, fn=swap[s.name]) if s.name in swap else s
                 for s in stages.STAGES)


def cpu_s() -> float:
    ru_s, ru_c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru_s.ru_utime + ru_s.ru_stime + ru_c.ru_utime + ru_c.ru_stime


class Table:
    def __init__(self, n_articles: int, mb: float, memory: PssSampler | None = None):
        self.rows, self.n, self.mb, self.memory = [], n_articles, mb, memory

    def add(self, step, seconds, *, cpu=None, how="wall", n=None, mb=None, rss=True):
        n = self.n if n is None else n
        mb = self.mb if mb is None else mb
        self.rows.append({
            "step": step, "how": how, "seconds": round(seconds, 2),
            "cpu_s": "" if cpu is None else round(cpu, 1),
            "articles_per_s": round(n / seconds) if seconds > 0 else "",
            "mb_per_s": round(mb / seconds, 2) if seconds > 0 else "",
            "peak_pss_mb_all": (round(self.memory.peak_mb) if rss and self.memory
                                and self.memory.peak_mb else ""),
            "peak_rss_mb": round(peak_rss_mb()) if rss else "",
            "worker_peak_rss_mb": round(peak_rss_mb(resource.RUSAGE_CHILDREN)) if rss else ""})

    def markdown(self) -> str:
        df = pd.DataFrame(self.rows)
        head = "| " + " | ".join(df.columns) + " |\n|" + "---|" * len(df.columns) + "\n"
        return head + "".join("| " + " | ".join(str(v) for v in r) + " |\n"
                              for r in df.itertuples(index=False))


def timed(fn):
    t, c = time.perf_counter(), cpu_s()
    out = fn()
    return out, time.perf_counter() - t, cpu_s() - c


# --------------------------------------------------------------------------- the plain way

def plain(sample: pd.DataFrame, table: Table, scale: float, label: str) -> float:
    """Each step on `sample` (one process), extrapolated by `scale` to the whole corpus."""
    from nltk.tokenize.punkt import PunktSentenceTokenizer
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.feature_selection import chi2
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from kzmedia import actors, frames, text

    n, mb = len(sample), text_mb(sample["text"])
    total = 0.0

    def step(name, fn):
        nonlocal total
        out, dt, cpu = timed(fn)
        total += dt * scale
        table.add(f"plain: {name}", dt * scale, cpu=cpu * scale,
                  how=f"{label}: {dt:.1f} s on {n} articles x {scale:.1f}", rss=False)
        return out

    texts = sample["text"].tolist()
    punkt = PunktSentenceTokenizer()
    sents = step("sentences (NLTK Punkt)", lambda: [
        s for t in texts for p in t.split("\n\n") for s in punkt.tokenize(p)])
    for by in ("outlet", "bias"):
        y = sample[by].to_numpy()

        def terms_plain(y=y):
            x = CountVectorizer().fit_transform(texts)
            groups, codes = np.unique(y, return_inverse=True)
            ind = np.zeros((len(groups), len(y)))
            ind[codes, np.arange(len(y))] = 1
            _ = ind @ x  # counts per group
            TfidfVectorizer().fit_transform(texts)
            for g in groups:  # one-vs-rest keyness
                chi2(x, y == g)

        step(f"counts, TF-IDF, chi2 keyness by {by} (scikit-learn defaults)", terms_plain)
    cb = frames.load_codebook()
    gaz = actors.load_gazetteer()

    def one_regex_per_pattern(pairs):
        compiled = [re.compile(rx, 0 if cs else re.IGNORECASE) for rx, cs in pairs]
        return sum(1 for s in sents for rx in compiled if rx.search(s))

    step("frame hits (one regex per pattern per sentence)", lambda: one_regex_per_pattern(
        [(text.compile_pattern(p), bool(c)) for p, c in zip(cb.patterns.pattern, cb.patterns.case_sensitive)]))
    step("actor mentions (one regex per alias per sentence)", lambda: one_regex_per_pattern(
        [(r"\b" + re.escape(a) + r"\b", bool(c)) for a, c in zip(gaz.aliases.alias, gaz.aliases.case_sensitive)]))
    analyzer = SentimentIntensityAnalyzer()
    step("sentence tone (vaderSentiment, one sentence at a time)",
         lambda: [analyzer.polarity_scores(s)["compound"] for s in sents])
    table.rows.append({"step": "plain: total (extrapolated)", "how": label,
                       "seconds": round(total, 1), "cpu_s": "",
                       "articles_per_s": round(table.n / total) if total else "",
                       "mb_per_s": round(table.mb / total, 2) if total else "",
                       "peak_pss_mb_all": "", "peak_rss_mb": "", "worker_peak_rss_mb": ""})
    del mb
    return total


# --------------------------------------------------------------------------- main

def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("corpus")
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    p.add_argument("--chunk-size", type=int, default=2000, help="articles per partition")
    p.add_argument("--plain-sample", type=int, default=1000,
                   help="articles for the plain way (0: skip it)")
    p.add_argument("--max-similarity-groups", type=int, default=50,
                   help="skip the similarity table (a permutation test per pair of groups) "
                        "when a grouping has more groups than this")
    p.add_argument("--reference", nargs="*", default=[], choices=sorted(REFERENCE),
                   help="run these fast paths' reference methods instead")
    p.add_argument("--results", default=str(Path(__file__).parent / "results"),
                   help="folder for the markdown results ('' to skip)")
    args = p.parse_args(argv)
    jobs = args.jobs or os.cpu_count() or 1
    records = with_references(args.reference)

    memory = PssSampler().__enter__()
    wall0, cpu0 = time.perf_counter(), cpu_s()
    articles, dt, cpu = timed(lambda: corpus.load(args.corpus, n_jobs=jobs))
    n = len(articles)
    mb = text_mb(articles["text"])
    t = Table(n, mb, memory)
    t.add("load (corpus.load)", dt, cpu=cpu)

    tm: list = []
    parts, dt, cpu = timed(lambda: pipeline.article_tables(
        articles, n_jobs=jobs, chunk_size=args.chunk_size, timings=tm, stages=records))
    per = pd.DataFrame(tm)
    n_parts = int(per["partition"].nunique())
    for stage, sec in per[per["partition"].notna()].groupby("stage", sort=False)["seconds"].sum().items():
        t.add(f"  {stage}", sec, how=f"worker time, summed over {n_parts} partitions", rss=False)
    t.add(f"per-article stages ({jobs} processes)", dt, cpu=cpu)

    bys = ("outlet", "bias")
    skip = {by: ("similarity",) for by in bys if articles[by].nunique() > args.max_similarity_groups}
    gm: list = []
    _, dt, cpu = timed(lambda: pipeline.group_tables_many(
        articles, parts, bys, skip=skip, n_jobs=jobs, timings=gm, stages=records))
    for by in bys:
        how = f"by {by}, " + ("wall" if jobs == 1 else f"in one of {jobs} processes")
        rows = [r for r in gm if r["by"] == by]
        for row in rows:
            if row["seconds"] >= 0.5:
                t.add(f"  {row['stage']}", row["seconds"], how=how, rss=False)
        small = [r["seconds"] for r in rows if r["seconds"] < 0.5]
        t.add(f"  {len(small)} other group tables", sum(small), how=how, rss=False)
        t.add(f"  all group tables by {by} ({articles[by].nunique()} groups)"
              + (" without similarity" if by in skip else ""),
              sum(r["seconds"] for r in rows), how=how.replace("in one of", "summed over"),
              rss=False)
    t.add(f"group tables by {' and by '.join(bys)} ({jobs} processes)", dt, cpu=cpu)
    total, total_cpu = time.perf_counter() - wall0, cpu_s() - cpu0
    t.add("TOTAL (load + both groupings)", total, cpu=total_cpu)
    memory.__exit__(None, None, None)
    ours_peak, worker_peak = peak_rss_mb(), peak_rss_mb(resource.RUSAGE_CHILDREN)
    all_peak = f"{memory.peak_mb:.0f} MB" if memory.peak_mb else "not measured (no /proc)"
    del parts
    t.memory = None  # the plain way runs after: its rows carry no memory figures

    plain_total = None
    if args.plain_sample:
        sample = articles.iloc[:args.plain_sample]
        label = "extrapolated" if len(sample) < n else "measured"
        plain_total = plain(sample, t, n / len(sample), label)

    lines = [
        f"# kzmedia {__version__} full analysis: {n} articles, {mb:.0f} MB of text",
        "",
        f"machine: {os.cpu_count()} cores, {platform.platform()}, python {platform.python_version()}; "
        f"--jobs {jobs}, --chunk-size {args.chunk_size}"
        + (f", reference methods instead of the fast paths: {', '.join(args.reference)}"
           if args.reference else ""),
        "",
        t.markdown(),
        f"Total wall {total:.1f} s ({n / total:.0f} articles/s, {mb / total:.2f} MB/s); "
        f"peak memory of all processes together (PSS) {all_peak}; peak RSS {ours_peak:.0f} MB "
        f"in this process, {worker_peak:.0f} MB in the largest child process (its RSS includes "
        f"pages shared with this process).",
    ]
    if plain_total:
        lines.append(
            f"The plain way: {plain_total:.0f} s for the same steps (sentences, counts/TF-IDF/"
            f"keyness by outlet and by bias, frames, actors, tone; no reductions), "
            f"{'extrapolated from ' + str(args.plain_sample) + ' articles' if args.plain_sample < n else 'measured'}, "
            f"one process: {plain_total / total:.1f}x the kzmedia total.")
    report = "\n".join(lines) + "\n"
    print(report)
    if args.results:
        out = Path(args.results)
        out.mkdir(parents=True, exist_ok=True)
        name = f"bench_full-{time.strftime('%Y%m%d-%H%M%S')}.md"
        (out / name).write_text(report, encoding="utf-8")
        print(f"written: {out / name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
