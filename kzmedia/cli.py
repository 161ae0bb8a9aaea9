"""Command line: `kzmedia report | analyze | clean | fetch`.

    kzmedia report [CORPUS] [--by COLUMN] [--out DIR] [--notebooks DIR] [--timeout S] [--cache DIR]
                   [--where QUERY] [--dedupe [JACCARD]] [--codebook YAML] [--gazetteer YAML]
                   [--show-code | --no-code]
                   [--period month|quarter|year] [--events [FILE]] [--window DAYS]
        execute every NN-*.ipynb notebook (those shipped with kzmedia, or --notebooks) on CORPUS
        into an HTML report (exit 1 if any failed), from any working directory; notebooks get
        CACHE (default OUT/.cache, "" for none) for pipeline.analyze; with a period or
        events, also the time notebook (07)
    kzmedia analyze CORPUS --out DIR [--by COLUMN] [--format csv|parquet] [--sentences]
                    [--jobs N] [--cache DIR] [--dask ADDRESS]
                    [--where QUERY] [--dedupe [JACCARD]] [--codebook YAML] [--gazetteer YAML]
                    [--period month|quarter|year] [--events [FILE]] [--window DAYS]
        every tidy table, without notebooks; the per-article stages in N processes (default:
        all cores) or on a dask.distributed cluster; tables kept in a Parquet cache; with a
        period or events, also trends, period_contrasts (and event_shifts with events)
    kzmedia clean FILE_OR_DIR [--audit]
        the cleaned body of raw text dumps, optionally with the per-line audit
    kzmedia fetch URLS.csv --out DIR [--delay S] [--user-agent UA] [--timeout S] [--retries N]
                  [--max-bytes N] [--max-redirects N] [--quiet]
        the pages of a URL list (Media Cloud, GDELT, any CSV with a url column) into a corpus
        folder (raw HTML + manifest.csv), politely; a rerun fetches only what is missing

Exit status: 0 success, 1 a notebook or stage failed, 2 bad arguments or bad input. An input
error (a missing, unreadable or malformed file) is one line naming the file and the reason;
`--debug` shows its traceback instead.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from . import __version__

__all__ = ["main", "InputError", "INPUT_ERRORS", "debug_option"]


def _time_options(parser) -> None:
    from .trends import PERIODS

    parser.add_argument("--period", choices=PERIODS, default=None,
                        help="time periods for the trends tables (trends.csv, "
                             "period_contrasts.csv)")
    parser.add_argument("--events", nargs="?", const="", default=None, metavar="FILE",
                        help="events (YAML or CSV: date, label) that split the timeline into "
                             "windows, for before/after comparisons (event_shifts.csv); "
                             "without FILE, the package's (kzmedia/data/events.yaml)")
    parser.add_argument("--window", type=int, default=None, metavar="DAYS",
                        help="compare DAYS days before and after each event instead of "
                             "splitting the timeline at the events")


class InputError(Exception):
    """Bad input named by its message (file and reason): one line on stderr and exit 2."""


# What reading a corpus raises for bad input (the loader's messages name the file).
INPUT_ERRORS = (InputError, ValueError, OSError, UnicodeError)


def debug_option(parser) -> None:
    """``--debug`` on a (sub)command: show the traceback of an input error."""
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the traceback of an input error instead of one line")


def _selection_options(parser) -> None:
    parser.add_argument("--where", default="", metavar="QUERY",
                        help="analyse only the articles for which this pandas query on the "
                             "article columns holds, e.g. \"bias == 'left'\" or "
                             "\"date >= '2022'\"")
    parser.add_argument("--dedupe", type=float, nargs="?", const=0.8, default=None,
                        metavar="JACCARD",
                        help="keep one copy of each cluster of the same or nearly the same "
                             "article (word 5-shingles, Jaccard >= JACCARD in (0, 1], default "
                             "0.8)")
    parser.add_argument("--codebook", default=None, metavar="YAML",
                        help="frame codebook to use instead of kzmedia/data/frames.yaml")
    parser.add_argument("--gazetteer", default=None, metavar="YAML",
                        help="actor gazetteer to use instead of kzmedia/data/actors.yaml")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kzmedia", description="Comparative media analysis of news outlets.")
    p.add_argument("--version", action="version", version=f"kzmedia {__version__}")
    p.add_argument("--debug", action="store_true",
                   help="show the traceback of an input error instead of one line")
    sub = p.add_subparsers(dest="command", required=True, metavar="{report,analyze,clean,fetch}")

    r = sub.add_parser("report", help="run every notebook on a corpus into an HTML report")
    r.add_argument("corpus", nargs="?", default="seeds", help="folder or table of articles (default: seeds)")
    r.add_argument("--by", default="outlet", help="article column to group by (default: outlet)")
    r.add_argument("--out", default="reports", help="output folder (default: reports)")
    r.add_argument("--notebooks", default=None,
                   help="folder of NN-name.ipynb (default: the notebooks shipped with kzmedia)")
    r.add_argument("--timeout", type=float, default=None, help="seconds allowed per cell (default: none)")
    r.add_argument("--cache", default=None,
                   help="folder of cached analysis tables (default: OUT/.cache; '' for none)")
    _selection_options(r)
    code = r.add_mutually_exclusive_group()
    code.add_argument("--show-code", dest="show_code", action="store_true", default=False,
                      help="pages open with their code shown")
    code.add_argument("--no-code", dest="show_code", action="store_false",
                      help="pages open with their code hidden, behind a button (the default)")
    _time_options(r)
    debug_option(r)

    a = sub.add_parser("analyze", help="write every tidy table without notebooks")
    a.add_argument("corpus", help="folder or table of articles")
    a.add_argument("--out", required=True, help="output folder for the tables")
    a.add_argument("--by", default="outlet", help="article column to group by (default: outlet)")
    a.add_argument("--format", choices=("csv", "parquet"), default="csv")
    a.add_argument("--sentences", action="store_true", help="also write the (large) sentence table")
    a.add_argument("--jobs", type=int, default=None,
                   help="worker processes for the per-article stages (default: all cores)")
    a.add_argument("--cache", default=None,
                   help="folder of cached tables: reused when the corpus and settings are unchanged")
    a.add_argument("--dask", default=None, metavar="ADDRESS",
                   help="run the per-article stages on this dask.distributed scheduler "
                        "(pip install 'kzmedia[scale]')")
    _selection_options(a)
    a.add_argument("--quiet", action="store_true", help="no progress bars")
    _time_options(a)
    debug_option(a)

    c = sub.add_parser("clean", help="print the cleaned text of raw scraped dumps")
    c.add_argument("path", help="a raw .txt dump or a folder of them")
    c.add_argument("--audit", action="store_true", help="also print metadata and the per-line audit")
    debug_option(c)

    f = sub.add_parser("fetch", help="download the pages of a URL list into a corpus folder")
    f.add_argument("urls", help="CSV with a url column (Media Cloud export, GDELT "
                                "DocumentIdentifier/SOURCEURL, or your own list)")
    f.add_argument("--out", required=True, help="corpus folder: one .html per page + manifest.csv")
    f.add_argument("--delay", type=float, default=1.0,
                   help="seconds between requests to the same host (default: 1; robots.txt's "
                        "Crawl-delay when longer)")
    f.add_argument("--user-agent", default=None,
                   help="User-Agent sent and looked up in robots.txt (default: "
                        "'kzmedia/VERSION (media research crawler; obeys robots.txt)'; "
                        "adding a contact address is good manners)")
    f.add_argument("--timeout", type=float, default=20.0,
                   help="seconds to connect, to get an answer and to receive a page (default: 20)")
    f.add_argument("--retries", type=int, default=3,
                   help="further attempts after 429/5xx or a broken connection, with backoff or "
                        "the server's Retry-After (default: 3)")
    f.add_argument("--max-bytes", type=int, default=5_000_000,
                   help="abandon pages larger than this (default: 5000000)")
    f.add_argument("--max-redirects", type=int, default=5, help="redirect hops per URL (default: 5)")
    f.add_argument("--quiet", action="store_true", help="no progress bar")
    debug_option(f)
    return p


def _missing(path: str, what: str) -> int:
    print(f"kzmedia: error: {what} not found: {path}", file=sys.stderr)
    return 2


def _time_error(args) -> str:
    """What is wrong with the time options ("" if nothing)."""
    if args.window is not None and args.events is None:
        return "--window needs --events"
    if args.events and not Path(args.events).exists():
        return f"events file not found: {args.events}"
    return ""


def _option_error(args) -> str:
    """What is wrong with the selection, codebook and gazetteer options ("" if nothing),
    found before the corpus is read."""
    from . import report

    try:
        report.check_options(dedupe=args.dedupe, codebook=args.codebook,
                             gazetteer=args.gazetteer)
    except (ValueError, FileNotFoundError) as exc:
        return str(exc).splitlines()[0]
    return ""


def _report(args) -> int:
    from . import report

    if not Path(args.corpus).exists():
        return _missing(args.corpus, "corpus")
    if problem := _time_error(args) or _option_error(args):
        print(f"kzmedia: error: {problem}", file=sys.stderr)
        return 2
    if args.notebooks is not None and not report.find_notebooks(args.notebooks):
        return _missing(f"{args.notebooks}/{report.NOTEBOOK_GLOB}", "notebooks")
    from . import corpus

    try:  # bad input is one line here, not an error in every notebook
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            corpus.check(args.corpus)
    except INPUT_ERRORS as exc:
        raise InputError(str(exc)) from exc
    try:
        results = report.build(args.corpus, by=args.by, out=args.out, notebooks=args.notebooks,
                               timeout=args.timeout, cache=args.cache, period=args.period,
                               events=args.events, window_days=args.window, where=args.where,
                               dedupe=args.dedupe, codebook=args.codebook,
                               gazetteer=args.gazetteer, show_code=args.show_code)
    except ValueError as exc:  # an argument that does not fit the corpus (--by, --where)
        print(f"kzmedia: error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    failed = [r for r in results if r.status != "ok"]
    for r in failed:
        cell = f" at cell [{r.cell}]" if r.cell is not None else ""
        print(f"kzmedia: {r.name} failed{cell}: {r.error}", file=sys.stderr)
    print(f"report: {Path(args.out) / 'index.html'} ({len(results) - len(failed)}/{len(results)} ok)",
          file=sys.stderr)
    return 1 if failed else 0


def _analyze(args) -> int:
    from . import corpus, pipeline, report, trends

    if not Path(args.corpus).exists():
        return _missing(args.corpus, "corpus")
    if problem := _time_error(args) or _option_error(args):
        print(f"kzmedia: error: {problem}", file=sys.stderr)
        return 2
    events = None
    if args.events is not None:
        try:
            events = trends.read_events(args.events or None, window_days=args.window)
        except ValueError as exc:
            print(f"kzmedia: error: {exc}", file=sys.stderr)
            return 2
    try:
        articles = corpus.load(args.corpus, n_jobs=args.jobs, progress=not args.quiet)
    except INPUT_ERRORS as exc:
        raise InputError(str(exc)) from exc
    try:
        articles = report.select(articles, args.where, source=args.corpus)
    except ValueError as exc:
        print(f"kzmedia: error: {exc}", file=sys.stderr)
        return 2
    if args.by not in articles.columns:
        print(f"kzmedia: error: grouping column {args.by!r} not in the articles of {args.corpus} "
              f"(columns: {', '.join(map(str, articles.columns))})", file=sys.stderr)
        return 2
    duplicates = None
    if args.dedupe is not None:
        duplicates = corpus.duplicates(articles, threshold=args.dedupe)
        articles = corpus.dedupe(articles, duplicates)
    try:
        tables = pipeline.analyze(articles, by=args.by, sentences=args.sentences,
                                  n_jobs=args.jobs, cache=args.cache, dask=args.dask,
                                  progress=not args.quiet, period=args.period, events=events,
                                  codebook=args.codebook, gazetteer=args.gazetteer)
    except ImportError as exc:
        if args.dask and exc.name in ("distributed", "dask"):
            print(f"kzmedia: error: --dask needs dask.distributed: pip install 'kzmedia[scale]' "
                  f"({exc})", file=sys.stderr)
            return 2
        raise
    if duplicates is not None:
        tables["duplicates"] = duplicates
    paths = pipeline.write_tables(tables, args.out, fmt=args.format)
    print(f"analyze: {len(paths)} tables in {args.out}", file=sys.stderr)
    return 0


def _clean(args) -> int:
    from .clean import clean_article
    from .readers import decode_noted

    path = Path(args.path)
    if not path.exists():
        return _missing(args.path, "file or folder")
    files = sorted(path.glob("*.txt")) if path.is_dir() else [path]
    if not files:
        return _missing(f"{args.path}/*.txt", "raw text dumps")
    for i, f in enumerate(files):
        try:
            text, note = decode_noted(f.read_bytes(), str(f))
        except INPUT_ERRORS as exc:
            raise InputError(str(exc)) from exc
        if note:
            print(f"kzmedia: note: {note}", file=sys.stderr)
        result = clean_article(text)
        if len(files) > 1:
            print(("\n" if i else "") + f"==> {f} <==")
        if args.audit:
            for key in ("title", "byline", "date", "date_precision", "dateline"):
                if result.get(key):
                    print(f"{key}: {result[key]}")
            print()
        print(result["text"])
        if args.audit:
            print("\n--- audit (line, kept/dropped, reason, text) ---")
            for row in result["audit"].itertuples(index=False):
                mark = "keep" if row.kept else "drop"
                print(f"{row.line_no:>4} {mark} {row.reason:<14} {row.text}")
    return 0


def _fetch(args) -> int:
    from . import fetch

    if not Path(args.urls).is_file():
        return _missing(args.urls, "URL list")
    try:
        manifest = fetch.fetch(args.urls, args.out, delay=args.delay,
                               user_agent=args.user_agent or fetch.USER_AGENT,
                               timeout=args.timeout, retries=args.retries,
                               max_bytes=args.max_bytes, max_redirects=args.max_redirects,
                               progress=not args.quiet)
    except ValueError as exc:
        print(f"kzmedia: error: {exc}", file=sys.stderr)
        return 2
    failed = manifest[manifest["status"] != "fetched"]
    print(f"fetch: {len(manifest) - len(failed)} of {len(manifest)} URLs fetched into "
          f"{args.out}; {len(failed)} failed (reasons in {Path(args.out) / 'manifest.csv'})",
          file=sys.stderr)
    for reason, n in failed["reason"].value_counts().head(10).items():
        print(f"  {n:>5}  {reason}", file=sys.stderr)
    return 0


def main(argv=None) -> int:
    """Entry point of the `kzmedia` command; returns the exit status."""
    args = _parser().parse_args(argv)
    handler = {"report": _report, "analyze": _analyze, "clean": _clean,
               "fetch": _fetch}[args.command]
    try:
        return handler(args)
    except (InputError, FileNotFoundError) as exc:
        if args.debug:
            raise
        print(f"kzmedia: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
