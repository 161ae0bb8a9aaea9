"""Headless report: execute every notebook on a corpus, convert to HTML, index and manifest.

`build(corpus, by=..., out=...)` runs the numbered notebooks `NN-name.ipynb` (those shipped
with kzmedia, see :func:`notebook_folder`, or another folder) in order with papermill,
injecting those of the report's parameters that a notebook's `parameters` cell declares,
after that cell (all of them, at the top, if it has none):

- CORPUS (absolute path), BY, TABLES_DIR (where the notebook writes its CSV tables), CACHE
  (the folder of cached analysis tables, "" for none);
- WHERE (a pandas query on the article columns, "" for all articles), DEDUPE (a Jaccard
  threshold, or False), CODEBOOK and GAZETTEER (absolute paths, "" for the package's): a
  notebook passes them on as ``load_articles(CORPUS, where=WHERE, dedupe=DEDUPE,
  cache=CACHE)`` and ``pipeline.analyze(..., codebook=CODEBOOK or None, gazetteer=GAZETTEER
  or None, cache=CACHE)``;
- with a period or events (`build(..., period="year")`, `kzmedia report --period year`):
  PERIOD, EVENTS (absolute path, "" for the package's events) and WINDOW_DAYS; the time
  notebooks (those whose parameters cell declares PERIOD: 07-time) run only then.

Before the notebooks, the arguments are checked (the grouping column exists, the query is
valid and selects articles, the threshold is in (0, 1], codebook and gazetteer load) and,
with a cache, the articles are loaded and every table computed once by
:func:`kzmedia.pipeline.analyze`, so that the notebooks read them from the cache instead
of computing them again.

The report is built in a temporary folder beside `out` and moved into place when it is
complete, so an interrupted run leaves the previous report as it was (or no report), never
pages of two runs. Files in `out` that are not the report's (e.g. `out/analysis/` of
`kzmedia analyze`, the cache `out/.cache/`) are kept. The report holds:

- `NN-name.html`   each executed notebook, self-contained (figures embedded, no request to
                    another host; see :mod:`kzmedia.pages`), code behind a "Show code"
                    button; a failed notebook is converted too, up to the failing cell
- `notebooks/`      the executed `.ipynb` files
- `tables/`         the tidy CSV tables the notebooks write when TABLES_DIR is set
- `index.html`      links, status per notebook (failing cell and error), runtime, run id
- `manifest.json`   run id, inputs with sha256, parameters, package versions, platform, times
- `.cache/`         Parquet tables of `pipeline.analyze` (CACHE), reused by the next run on
                    the same corpus (see kzmedia.cache)

A failing notebook does not stop the others; the caller decides the exit status from the
returned results.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import html
import json
import os
import platform
import shutil
import sys
import time
import uuid
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from .cache import write_csv_atomic
from .pages import SETUP_LINES, describe_figure, escape_md, notebook_setup, to_html

__all__ = ["NotebookResult", "build", "run_notebook", "find_notebooks", "is_time_notebook",
           "to_html", "file_hashes", "versions", "TIME_PARAMETER", "notebook_folder",
           "load_articles", "select", "check_dedupe", "check_options", "escape_md",
           "describe_figure", "notebook_setup", "write_csv_atomic", "DEDUPE_DEFAULT"]

NOTEBOOK_GLOB = "[0-9][0-9]-*.ipynb"
#: A notebook whose parameters cell declares this one needs a period or events.
TIME_PARAMETER = "PERIOD"
KERNEL = "python3"
PACKAGES = (
    "kzmedia", "pandas", "numpy", "scipy", "scikit-learn", "nltk", "vaderSentiment",
    "py3langid", "pyarrow", "matplotlib", "seaborn", "papermill", "nbconvert",
)
#: The Jaccard threshold of `--dedupe` without a value.
DEDUPE_DEFAULT = 0.8
#: Term explorer pages a report holds at most: the largest groups, each against the rest.
EXPLORER_GROUPS = 10
# Entries of a report folder that belong to one run; anything else in it is carried over.
_RUN_ENTRIES = ("index.html", "manifest.json", "notebooks", "tables")


@dataclass
class NotebookResult:
    """Outcome of one notebook: status "ok" or "failed"; cell = execution count of the failing cell."""

    name: str
    source: str
    status: str
    runtime_s: float
    title: str = ""
    html: str = ""
    executed: str = ""
    cell: int | None = None
    error: str = ""
    error_anchor: bool = False


def find_notebooks(directory) -> list[Path]:
    """The numbered notebooks `NN-name.ipynb` in `directory`, sorted by name."""
    return sorted(Path(directory).glob(NOTEBOOK_GLOB))


def is_time_notebook(path) -> bool:
    """Whether the notebook's parameters cell declares :data:`TIME_PARAMETER` (it reads a
    period or events, and runs only when the report has one)."""
    import papermill as pm

    try:
        return TIME_PARAMETER in pm.inspect_notebook(str(path))
    except Exception:  # unreadable: run it, and let the run report why
        return False


def file_hashes(path) -> list[dict]:
    """sha256 of a file, or of every file under a folder (sorted): [{path, bytes, sha256}]."""
    path = Path(path)
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    rows = []
    for f in files:
        digest = hashlib.sha256()
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        rows.append({"path": str(f), "bytes": f.stat().st_size, "sha256": digest.hexdigest()})
    return rows


def versions() -> dict:
    """Versions of python, the analysis packages and the platform."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    out["platform"] = platform.platform()
    return out


def kernel_info(name: str = KERNEL) -> dict:
    """The kernelspec `name` resolves to: folder and command ("python" runs this interpreter)."""
    from jupyter_client.kernelspec import KernelSpecManager

    try:
        spec = KernelSpecManager().get_kernel_spec(name)
    except Exception as exc:
        return {"name": name, "error": f"{type(exc).__name__}: {exc}"}
    pythons = {"python", f"python{sys.version_info[0]}", "python%i.%i" % sys.version_info[:2]}
    argv = [sys.executable if i == 0 and a in pythons else a for i, a in enumerate(spec.argv)]
    return {"name": name, "resource_dir": spec.resource_dir, "argv": argv}


def notebook_title(path) -> str:
    """The first markdown heading of a notebook ("" if none or unreadable)."""
    import nbformat

    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception:
        return ""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return ""


@contextlib.contextmanager
def _inline_figures():
    """Let the kernel choose its inline matplotlib backend even if MPLBACKEND is set (e.g. Agg)."""
    saved = os.environ.get("MPLBACKEND")
    if saved is not None and "inline" not in saved:
        del os.environ["MPLBACKEND"]
    try:
        yield
    finally:
        if saved is not None:
            os.environ["MPLBACKEND"] = saved


def _can_bind(path: str) -> bool:
    """Whether a Unix socket can be made at `path` (not when the path is too long for one, or
    the file system takes no sockets); nothing is left there."""
    import socket

    try:
        with socket.socket(socket.AF_UNIX) as probe:
            probe.bind(path)
    except OSError:
        return False
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
    return True


@contextlib.contextmanager
def _kernel_transport():
    """Keyword arguments for papermill that make the kernel talk over Unix sockets in a new
    private folder (mode 0700, removed afterwards) instead of TCP ports on 127.0.0.1: no other
    user of the machine can reach or read it, and ipykernel no longer warns of unencrypted
    TCP. TCP (no arguments) where no Unix socket can be made there (Windows, a temporary
    folder whose path is too long for a socket): a kernel that cannot make its sockets would
    not fail but wait forever."""
    import tempfile

    if os.name != "posix":
        yield {}
        return
    from .parallel import remove_stale

    remove_stale(tempfile.gettempdir(), "kzmedia-kernel-")  # left by killed runs
    with tempfile.TemporaryDirectory(prefix=f"kzmedia-kernel-{os.getpid()}-") as folder:
        prefix = os.path.join(folder, "kernel")
        if not _can_bind(f"{prefix}-99"):  # the kernel's sockets are prefix-1 ... prefix-5
            yield {}
            return
        from traitlets.config import Config

        yield {"config": Config({"KernelManager": {"transport": "ipc", "ip": prefix}})}


def run_notebook(nb_path, executed, parameters: dict, timeout: float | None = None,
                 setup: bool = True) -> NotebookResult:
    """Execute one notebook with papermill into `executed`, injecting `parameters`.

    The working directory is the notebook's folder. With `setup`, the kernel runs
    :func:`kzmedia.pages.notebook_setup` before the first cell (figures get alt text, labels
    are drawn literally; no cell is added, execution counts are unchanged). A failure is
    returned, not raised: status "failed", the failing cell's execution count and
    "ErrorName: message".
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    nb_path, executed = Path(nb_path), Path(executed)
    name = nb_path.stem
    result = NotebookResult(name=name, source=str(nb_path), status="ok", runtime_s=0.0,
                            title=notebook_title(nb_path))
    start = time.perf_counter()
    try:
        # only the parameters the notebook declares (papermill warns of the others); all of
        # them when it has no parameters cell
        declared = pm.inspect_notebook(str(nb_path))
        if declared:
            parameters = {k: v for k, v in parameters.items() if k in declared}
        with _inline_figures(), _kernel_transport() as transport:
            pm.execute_notebook(
                str(nb_path), str(executed), parameters=parameters, cwd=str(nb_path.parent),
                kernel_name=KERNEL, progress_bar=False, log_output=False,
                execution_timeout=timeout, **transport,
                **({"extra_arguments": [f"--IPKernelApp.exec_lines={list(SETUP_LINES)!r}"]}
                   if setup else {}),
            )
    except PapermillExecutionError as exc:
        result.status, result.cell, result.error_anchor = "failed", exc.exec_count, True
        result.error = f"{exc.ename}: {exc.evalue}"
    except Exception as exc:  # kernel died, timeout, unreadable notebook: report, keep going
        result.status = "failed"
        first_line = next(iter(str(exc).strip().splitlines()), "")
        result.error = f"{type(exc).__name__}: {first_line}"
        result.cell = _last_started_cell(executed)
    result.runtime_s = round(time.perf_counter() - start, 2)
    if executed.exists():
        result.executed = str(executed)
    return result


def _last_started_cell(executed: Path) -> int | None:
    """Execution count of the last cell papermill started (where a timeout or crash hit)."""
    import nbformat

    try:
        nb = nbformat.read(str(executed), as_version=4)
    except Exception:
        return None
    started = [c for c in nb.cells if c.cell_type == "code"
               and c.metadata.get("papermill", {}).get("start_time")]
    return started[-1].get("execution_count") if started else None


def notebook_folder() -> Path:
    """The notebooks that come with kzmedia: ``kzmedia/notebooks/`` of an installed package
    (the project's top-level ``notebooks/``, shipped as package data), else ``notebooks/``
    beside the package folder (a source checkout or an editable install)."""
    here = Path(__file__).resolve().parent
    candidates = (here / "notebooks", here.parent / "notebooks")
    for folder in candidates:
        if find_notebooks(folder):
            return folder
    raise FileNotFoundError(f"no notebooks matching {NOTEBOOK_GLOB} in "
                            f"{' or '.join(map(str, candidates))}; pass a folder (--notebooks)")


def check_dedupe(value) -> float | None:
    """The Jaccard threshold of a dedupe setting: None or False for none, True for
    :data:`DEDUPE_DEFAULT`, else a number in (0, 1] (ValueError otherwise)."""
    if value is None or value is False:
        return None
    if value is True:
        return DEDUPE_DEFAULT
    try:
        threshold = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"--dedupe must be a number in (0, 1], not {value!r}") from None
    if not 0 < threshold <= 1:
        raise ValueError(f"--dedupe must be in (0, 1] (a Jaccard similarity), not {value!r}")
    return threshold


def select(articles, where: str = "", source="the corpus"):
    """The articles for which the pandas query `where` holds (all of them for ""), with
    their attrs. ValueError, naming the query, the problem and the columns, when the query
    is invalid or selects no article."""
    if not where:
        return articles
    columns = ", ".join(map(str, articles.columns))
    try:
        selected = articles.query(where)
    except Exception as exc:
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ValueError(f"--where {where!r} is not a valid query on the articles of {source} "
                         f"({type(exc).__name__}: {problem}); columns: {columns}") from None
    if len(selected) == 0:
        raise ValueError(f"--where {where!r} selects none of the {len(articles)} articles of "
                         f"{source}")
    return selected.reset_index(drop=True)


def load_articles(corpus, *, where: str = "", dedupe=None, cache="", progress: bool = False):
    """The articles of `corpus` (:func:`kzmedia.corpus.load`), those selected by the pandas
    query `where` (see :func:`select`), with one copy per cluster of near-duplicates when
    `dedupe` is a Jaccard threshold (True: :data:`DEDUPE_DEFAULT`; see
    :func:`kzmedia.corpus.dedupe`). With a `cache` folder the result is stored there under
    the input files' bytes, the query, the threshold and the package and library versions
    (:func:`kzmedia.cache.source_key`) and loaded from there by the next call: every notebook
    of a report reads the articles the report loaded once, and hands
    :func:`kzmedia.pipeline.analyze` the very same table (so its cached tables are found)."""
    from . import cache as cache_mod
    from . import corpus as corpus_mod

    threshold = check_dedupe(dedupe)
    key = None
    if cache:
        key = cache_mod.source_key(corpus, where=where or "", dedupe=threshold)
        found = cache_mod.load_articles(cache, key)
        if found is not None:
            return found
    articles = corpus_mod.load(corpus, progress=progress)
    articles = select(articles, where, source=corpus)
    if threshold is not None:
        articles = corpus_mod.dedupe(articles, corpus_mod.duplicates(articles, threshold=threshold))
    if not cache:
        return articles
    cache_mod.save_articles(cache, key, articles)
    # the stored copy, so that this caller and later ones hash the same table
    return cache_mod.load_articles(cache, key)


def check_options(*, dedupe=None, codebook=None, gazetteer=None, events=None) -> None:
    """Raise ValueError or FileNotFoundError, naming the option and the problem, for a
    threshold outside (0, 1], a codebook or gazetteer that is missing or does not load, or a
    missing events file (checked before any work starts)."""
    from . import actors, frames

    check_dedupe(dedupe)
    for option, path in (("--codebook", codebook), ("--gazetteer", gazetteer),
                         ("--events", events)):
        if path not in (None, "", True) and not Path(path).is_file():
            raise FileNotFoundError(f"{option} file not found: {path}")
    loaded = actors.load_gazetteer(gazetteer or None)
    if codebook:
        frames.load_codebook(codebook, gazetteer=loaded)


def _stale(out: Path) -> None:
    """Undo what a killed build left beside `out`: a previous report moved aside but not
    back (restored when `out` is missing) and build folders of processes that are gone."""
    from .parallel import process_alive

    for old in sorted(out.parent.glob(f".{out.name}.old-*")):
        if not out.exists():
            os.replace(old, out)
        else:
            shutil.rmtree(old, ignore_errors=True)
    for work in out.parent.glob(f".{out.name}.building-*"):
        pid = work.name.rsplit(".building-", 1)[1].split("-", 1)[0]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(work, ignore_errors=True)


def _run_entries(folder: Path) -> list[str]:
    """The entries of `folder` that a report writes (pages, index, manifest, notebooks/,
    tables/)."""
    return sorted(e.name for e in folder.iterdir()
                  if e.name in _RUN_ENTRIES or (e.is_file() and e.suffix == ".html"))


def _check_out(out: Path) -> None:
    """`out` must be absent, a previous report (it has a manifest.json) or a folder with
    none of the names a report writes: a report never replaces files it did not write."""
    if not out.exists():
        return
    if not out.is_dir():
        raise ValueError(f"--out {out} is a file, not a folder")
    if (out / "manifest.json").is_file():
        return
    if clash := _run_entries(out):
        raise ValueError(f"--out {out} is not a kzmedia report but holds {', '.join(clash)}, "
                         "which the report would replace; choose another folder")


def _swap(work: Path, out: Path, run_id: str) -> None:
    """Move the finished report `work` to `out`; the previous report's own entries go, any
    other file or folder in `out` (the cache, analysis tables) moves into the new one."""
    old = out.parent / f".{out.name}.old-{run_id}"
    if out.exists():
        os.replace(out, old)
    os.replace(work, out)
    if not old.exists():
        return
    own = set(_run_entries(old)) if (old / "manifest.json").is_file() else set()
    for entry in old.iterdir():
        if entry.name not in own and not (out / entry.name).exists():
            os.replace(entry, out / entry.name)
    shutil.rmtree(old, ignore_errors=True)


def _prepare(corpus, by, cache, *, where, dedupe, codebook, gazetteer, period, events,
             window_days, timed, progress):
    """Load the articles once (checking `by` and `where`) and, with a cache, compute every
    table into it. Returns "" or, when the tables could not be computed, the error (the
    notebooks then compute what they can, and each reports its own failure)."""
    from . import pipeline, trends

    articles = load_articles(corpus, where=where, dedupe=dedupe, cache=cache, progress=progress)
    if by not in articles.columns:
        raise ValueError(f"--by {by!r} is not a column of the articles of {corpus} "
                         f"(columns: {', '.join(map(str, articles.columns))})")
    if not cache:
        return ""
    try:
        event_table = trends.read_events(events or None, window_days=window_days) if timed else None
        pipeline.analyze(articles, by=by, sentences=True, cache=cache, progress=progress,
                         period=period if timed else None, events=event_table,
                         codebook=codebook or None, gazetteer=gazetteer or None)
    except Exception as exc:  # the notebooks compute what they can themselves, and say why not
        problem = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        print(f"kzmedia: warning: the analysis tables could not be computed in advance "
              f"({problem}); each notebook computes its own", file=sys.stderr)
        return problem
    return ""


def build(corpus, by="outlet", out="reports", notebooks=None, timeout=None,
          progress=True, cache=None, period: str | None = None, events=None,
          window_days: int | None = None, *, where: str = "", dedupe=None, codebook=None,
          gazetteer=None, show_code: bool = False) -> list[NotebookResult]:
    """Execute every notebook in `notebooks` on `corpus` and write the HTML report into `out`.

    `notebooks`: a folder of NN-name.ipynb (None: :func:`notebook_folder`).
    `cache`: the folder passed to the notebooks as CACHE (absolute) for
    ``pipeline.analyze(..., cache=CACHE)``; None: `out/.cache`; "": no cache.
    `period` ("month", "quarter", "year"), `events` (an events file; "" or True: the
    package's) and `window_days` (see :func:`kzmedia.trends.read_events`): passed as PERIOD,
    EVENTS and WINDOW_DAYS; the time notebooks (:func:`is_time_notebook`) run only when a
    period or events are given. `where` (a pandas query on the article columns), `dedupe`
    (a Jaccard threshold in (0, 1], True for :data:`DEDUPE_DEFAULT`), `codebook` and
    `gazetteer` (YAML files): passed as WHERE, DEDUPE, CODEBOOK and GAZETTEER. `show_code`:
    pages open with their code shown (it is behind a toggle either way).

    Arguments are checked before anything runs (ValueError or FileNotFoundError naming the
    problem). The report is built beside `out` and moved into place when complete (see the
    module docstring); its index and manifest carry a run id. Index and manifest list the
    tables the notebooks wrote. Returns one NotebookResult per notebook.
    """
    from tqdm.auto import tqdm

    corpus, out = Path(corpus).resolve(), Path(out).resolve()
    nb_dir = notebook_folder() if notebooks is None else Path(notebooks).resolve()
    if not corpus.exists():
        raise FileNotFoundError(f"corpus not found: {corpus}")
    paths = find_notebooks(nb_dir)
    if not paths:
        raise FileNotFoundError(f"no notebooks matching {NOTEBOOK_GLOB} in {nb_dir}")
    timed = period is not None or events is not None
    codebook = str(Path(codebook).resolve()) if codebook else ""
    gazetteer = str(Path(gazetteer).resolve()) if gazetteer else ""
    events_path = "" if events in (None, "", True) else str(Path(events).resolve())
    check_options(dedupe=dedupe, codebook=codebook, gazetteer=gazetteer, events=events_path)
    threshold = check_dedupe(dedupe)
    if not timed:
        paths = [p for p in paths if not is_time_notebook(p)]

    started = dt.datetime.now(dt.timezone.utc)
    run_id = f"{started:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    out.parent.mkdir(parents=True, exist_ok=True)
    _stale(out)
    _check_out(out)
    cache = str(out / ".cache") if cache is None else str(Path(cache).resolve()) if cache else ""
    prepare_start = time.perf_counter()
    prepare_error = _prepare(corpus, by, cache, where=where, dedupe=threshold, codebook=codebook,
             gazetteer=gazetteer, period=period, events=events_path, window_days=window_days,
             timed=timed, progress=progress)
    prepare_s = round(time.perf_counter() - prepare_start, 2)

    work = out.parent / f".{out.name}.building-{os.getpid()}-{run_id}"
    try:
        results, table_files, parameters = _run_all(
            paths, work, out, run_id, corpus=corpus, by=by, cache=cache, where=where,
            threshold=threshold, codebook=codebook, gazetteer=gazetteer, timed=timed,
            period=period, events=events_path, window_days=window_days, timeout=timeout,
            show_code=show_code, progress=progress, tqdm=tqdm)
        explorers, explorer_note = _explorers(work, corpus, by, cache, where, threshold)
        finished = dt.datetime.now(dt.timezone.utc)
        manifest = {
            "run_id": run_id,
            "started": started.isoformat(timespec="seconds"),
            "finished": finished.isoformat(timespec="seconds"),
            "parameters": parameters,
            "precomputed": not prepare_error and bool(cache),
            "prepare_s": prepare_s,
            **({"precompute_error": prepare_error} if prepare_error else {}),
            "kernel": kernel_info(),
            "inputs": {
                "corpus": file_hashes(corpus),
                "notebooks": [h for p in paths for h in file_hashes(p)],
                **({"events": file_hashes(events_path)} if events_path else {}),
                **({"codebook": file_hashes(codebook)} if codebook else {}),
                **({"gazetteer": file_hashes(gazetteer)} if gazetteer else {}),
            },
            "outputs": {"tables": [dict(h, path=str(out / "tables" / Path(h["path"]).name))
                                   for p in table_files for h in file_hashes(p)]},
            "notebooks": [asdict(r) for r in results],
            "versions": versions(),
        }
        (work / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        (work / "index.html").write_text(
            _index(corpus, by, started, finished, results, [p.name for p in table_files],
                   _time_text(period, events_path, window_days) if timed else "",
                   run_id=run_id, selection=_selection_text(where, threshold, codebook,
                                                            gazetteer),
                   analysis=_analysis_text(cache, prepare_error, prepare_s),
                   explorers=explorers, explorer_note=explorer_note),
            encoding="utf-8")
        _swap(work, out, run_id)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results


def _explorers(work: Path, corpus, by: str, cache: str, where: str, threshold,
               max_groups: int = EXPLORER_GROUPS) -> tuple[list[str], str]:
    """The term explorer pages (:func:`kzmedia.explorer.write_all`) of the report's articles
    in `work`, each linking back to the index: (page names, a sentence for the index when
    there are none). A failure here leaves the notebooks' pages as they are."""
    from . import explorer

    try:
        articles = load_articles(corpus, where=where, dedupe=threshold, cache=cache)
        n_groups = articles[by].nunique()
        if n_groups < 2:
            return [], (f"The term explorer sets one {by} against the others: with "
                        f"{n_groups} group(s) there is nothing to compare.")
        pages = explorer.write_all(work, articles, by, max_groups=max_groups, back="index.html")
    except Exception as exc:  # noqa: BLE001 — reported on the index, the report stands
        return [], f"The term explorer could not be built: {type(exc).__name__}: {exc}"
    note = (f"The {max_groups} largest of {n_groups} {by} groups, each against the rest."
            if n_groups > max_groups else "")
    return [p.name for p in pages], note


def _run_all(paths, work, out, run_id, *, corpus, by, cache, where, threshold, codebook,
             gazetteer, timed, period, events, window_days, timeout, show_code, progress,
             tqdm):
    """Run the notebooks into the build folder `work`: (results, table files, parameters as
    they will read once the report is at `out`)."""
    tables, executed_dir = work / "tables", work / "notebooks"
    for d in (tables, executed_dir):
        d.mkdir(parents=True, exist_ok=True)
    parameters = {"CORPUS": str(corpus), "BY": by, "TABLES_DIR": str(tables), "CACHE": cache,
                  "WHERE": where or "", "DEDUPE": threshold if threshold is not None else False,
                  "CODEBOOK": codebook, "GAZETTEER": gazetteer}
    if timed:
        parameters.update(PERIOD=period, WINDOW_DAYS=window_days, EVENTS=events)
    results = []
    bar = tqdm(paths, desc="notebooks", unit="nb", file=sys.stderr, disable=not progress)
    for i, nb_path in enumerate(bar, 1):
        bar.set_postfix_str(nb_path.stem)
        executed = executed_dir / nb_path.name
        result = run_notebook(nb_path, executed, parameters, timeout)
        if result.executed:
            _relocate(executed, work, out)
            result.executed = str(out / "notebooks" / nb_path.name)
            page = work / f"{nb_path.stem}.html"
            try:
                page.write_text(to_html(executed, show_code=show_code, run_id=run_id),
                                encoding="utf-8")
                result.html = page.name
            except Exception as exc:
                result.status = "failed"
                result.error = result.error or f"HTML conversion: {type(exc).__name__}: {exc}"
        results.append(result)
        if progress:
            tqdm.write(f"[{i}/{len(paths)}] {result.name} … {result.status} ({result.runtime_s:.1f} s)",
                       file=sys.stderr)
    bar.close()
    table_files = sorted(tables.glob("*.csv"))
    return results, table_files, dict(parameters, TABLES_DIR=str(out / "tables"))


def _relocate(executed: Path, work: Path, out: Path) -> None:
    """In an executed notebook's injected parameters, the build folder's path becomes the
    report's (where the tables will be once the report is moved into place)."""
    import nbformat

    nb = nbformat.read(str(executed), as_version=4)
    changed = False
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []) and str(work) in cell.source:
            cell.source = cell.source.replace(str(work), str(out))
            changed = True
    if changed:
        nbformat.write(nb, str(executed))


def _analysis_text(cache, error, seconds) -> str:
    if not cache:
        return f"corpus loaded and checked ({seconds:.1f} s); no cache: each notebook computes its tables"
    if error:
        return f"could not be computed in advance ({error}); each notebook computes its tables"
    return (f"corpus loaded and every table computed once into the cache ({seconds:.1f} s), "
            "for the notebooks to read")


def _selection_text(where, threshold, codebook, gazetteer) -> str:
    parts = [f"articles where {where}"] if where else []
    if threshold is not None:
        parts.append(f"one copy per cluster of near-duplicates (Jaccard ≥ {threshold:g})")
    if codebook:
        parts.append(f"codebook {codebook}")
    if gazetteer:
        parts.append(f"gazetteer {gazetteer}")
    return "; ".join(parts)

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em; }
table { border-collapse: collapse; } td, th { padding: .3em .8em; border-bottom: 1px solid #ddd; text-align: left; }
.ok { color: #176b2c; } .failed { color: #b00020; font-weight: bold; }
dt { font-weight: bold; float: left; width: 8em; } dd { margin-left: 9em; }
"""


def _time_text(period, events, window_days) -> str:
    parts = [f"by {period}"] if period else []
    parts.append(f"events of {events or 'kzmedia/data/events.yaml'}"
                 + (f", {window_days} days on each side" if window_days else ""))
    return "; ".join(parts)


def _index(corpus, by, started, finished, results, tables, time_axis="", *, run_id="",
           selection="", analysis="", explorers=(), explorer_note="") -> str:
    e = html.escape
    rows = []
    for r in results:
        link = f'<a href="{e(r.html)}">{e(r.name)}</a>' if r.html else e(r.name)
        detail = ""
        if r.status == "failed":
            where = f"cell [{r.cell}]" if r.cell is not None else "no cell ran"
            anchor = (f'<a href="{e(r.html)}#papermill-error-cell">{e(where)}</a>'
                      if r.html and r.cell is not None and r.error_anchor else e(where))
            detail = f"{anchor}: <code>{e(r.error)}</code>"
        rows.append(f'<tr><td>{link}</td><td>{e(r.title)}</td><td class="{e(r.status)}">{e(r.status)}</td>'
                    f"<td>{detail}</td><td>{r.runtime_s:.1f} s</td></tr>")
    n_failed = sum(r.status != "ok" for r in results)
    noun = "notebook" if len(results) == 1 else "notebooks"
    summary = (f"{len(results)} {noun}, all ok" if not n_failed
               else f"{len(results)} {noun}, {n_failed} failed")
    explorer_items = "".join(f'<li><a href="{e(p)}">{e(p)}</a></li>' for p in explorers) or "<li>none</li>"
    table_items = "".join(f'<li><a href="tables/{e(t)}">{e(t)}</a></li>' for t in tables) or "<li>none</li>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>kzmedia report — {e(corpus.name)}</title>
<meta name="kzmedia-run-id" content="{e(run_id)}">
<style>{_STYLE}</style></head>
<body>
<h1>kzmedia report</h1>
<dl>
<dt>Corpus</dt><dd><code>{e(str(corpus))}</code></dd>
<dt>Grouping</dt><dd><code>{e(by)}</code></dd>
{f"<dt>Selection</dt><dd>{e(selection)}</dd>" if selection else ""}
{f"<dt>Time</dt><dd>{e(time_axis)}</dd>" if time_axis else ""}
{f"<dt>Analysis</dt><dd>{e(analysis)}</dd>" if analysis else ""}
<dt>Run id</dt><dd><code>{e(run_id)}</code></dd>
<dt>Run</dt><dd>{e(started.strftime("%Y-%m-%d %H:%M:%S %Z"))} → {e(finished.strftime("%H:%M:%S %Z"))}</dd>
<dt>Result</dt><dd>{e(summary)}</dd>
</dl>
<h2>Notebooks</h2>
<table><thead><tr><th>notebook</th><th>title</th><th>status</th><th>error</th><th>runtime</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
<h2>Term explorer</h2>
<p>Each term's frequency in a group against the rest, coloured by its keyness (log-odds z),
with a search box and the term's lines in context: an offline page per comparison.
{e(explorer_note)}</p>
<ul>{explorer_items}</ul>
<h2>Tables</h2>
<ul>{table_items}</ul>
<p><a href="manifest.json">manifest.json</a>: input hashes, parameters, package versions.</p>
</body></html>
"""
