"""Headless report: execute every notebook on a corpus, convert to HTML, index and manifest.

`build(corpus, by=..., out=...)` runs `notebooks/NN-name.ipynb` in order with papermill,
injecting those of CORPUS (absolute), BY, TABLES_DIR and CACHE that a notebook's `parameters`
cell declares, after that cell (all four, at the top, if it has none), and writes into `out/`.
With a period or events (`build(..., period="year")`, `kzmedia report --period year`) it also
passes PERIOD, EVENTS (absolute path, "" for the package's events) and WINDOW_DAYS, and runs
the time notebooks: those whose parameters cell declares PERIOD (07-time), which are left
out of a report without a period or events. The report holds:

- `NN-name.html`   each executed notebook (code visible, figures embedded); a failed notebook
                    is converted too, up to and including the failing cell
- `notebooks/`      the executed `.ipynb` files
- `tables/`         the tidy CSV tables the notebooks write when TABLES_DIR is set
- `index.html`      links, status per notebook (failing cell and error), runtime
- `manifest.json`   inputs with sha256, parameters, package versions, platform, times
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
import sys
import time
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

__all__ = ["NotebookResult", "build", "run_notebook", "find_notebooks", "is_time_notebook",
           "to_html", "file_hashes", "versions", "TIME_PARAMETER"]

NOTEBOOK_GLOB = "[0-9][0-9]-*.ipynb"
#: A notebook whose parameters cell declares this one needs a period or events.
TIME_PARAMETER = "PERIOD"
KERNEL = "python3"
PACKAGES = (
    "kzmedia", "pandas", "numpy", "scikit-learn", "nltk", "vaderSentiment",
    "matplotlib", "seaborn", "papermill", "nbconvert",
)


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


def to_html(notebook_path) -> str:
    """An executed notebook as a standalone HTML page (code shown, images embedded).

    Text outputs are escaped by nbconvert; HTML outputs are passed through as produced
    (pandas escapes cell contents in `DataFrame.to_html` by default).
    """
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(notebook_path), as_version=4)
    exporter = HTMLExporter(embed_images=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": Path(notebook_path).stem}})
    return body


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
    with tempfile.TemporaryDirectory(prefix="kzmedia-kernel-") as folder:
        prefix = os.path.join(folder, "kernel")
        if not _can_bind(f"{prefix}-99"):  # the kernel's sockets are prefix-1 ... prefix-5
            yield {}
            return
        from traitlets.config import Config

        yield {"config": Config({"KernelManager": {"transport": "ipc", "ip": prefix}})}


def run_notebook(nb_path, executed, parameters: dict, timeout: float | None = None) -> NotebookResult:
    """Execute one notebook with papermill into `executed`, injecting `parameters`.

    The working directory is the notebook's folder. A failure is returned, not raised:
    status "failed", the failing cell's execution count and "ErrorName: message".
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


def build(corpus, by="outlet", out="reports", notebooks="notebooks", timeout=None,
          progress=True, cache=None, period: str | None = None, events=None,
          window_days: int | None = None) -> list[NotebookResult]:
    """Execute every notebook in `notebooks` on `corpus` and write the HTML report into `out`.

    `cache`: the folder passed to the notebooks as CACHE (absolute) for
    ``pipeline.analyze(..., cache=CACHE)``; None: `out/.cache`; "": no cache.
    `period` ("month", "quarter", "year"), `events` (an events file; "" or True: the
    package's) and `window_days` (see :func:`kzmedia.trends.read_events`): passed as PERIOD,
    EVENTS and WINDOW_DAYS; the time notebooks (:func:`is_time_notebook`) run only when a
    period or events are given.

    Index and manifest list the tables written during this run (other files already in
    `out/tables`, e.g. from `kzmedia analyze`, are left alone and not listed). Returns one
    NotebookResult per notebook.
    """
    from tqdm.auto import tqdm

    corpus, out, nb_dir = Path(corpus).resolve(), Path(out).resolve(), Path(notebooks).resolve()
    if not corpus.exists():
        raise FileNotFoundError(f"corpus not found: {corpus}")
    paths = find_notebooks(nb_dir)
    if not paths:
        raise FileNotFoundError(f"no notebooks matching {NOTEBOOK_GLOB} in {nb_dir}")
    timed = period is not None or events is not None
    if events not in (None, "", True) and not Path(events).exists():
        raise FileNotFoundError(f"events file not found: {events}")
    if not timed:
        paths = [p for p in paths if not is_time_notebook(p)]
    tables = out / "tables"
    executed_dir = out / "notebooks"
    for d in (out, tables, executed_dir):
        d.mkdir(parents=True, exist_ok=True)

    cache = str(out / ".cache") if cache is None else str(Path(cache).resolve()) if cache else ""
    parameters = {"CORPUS": str(corpus), "BY": by, "TABLES_DIR": str(tables), "CACHE": cache}
    if timed:
        parameters.update(PERIOD=period, WINDOW_DAYS=window_days,
                          EVENTS="" if events in (None, "", True) else str(Path(events).resolve()))
    started = dt.datetime.now(dt.timezone.utc)
    since = time.time() - 1.0  # file times can be coarser than a second
    results = []
    bar = tqdm(paths, desc="notebooks", unit="nb", file=sys.stderr, disable=not progress)
    for i, nb_path in enumerate(bar, 1):
        bar.set_postfix_str(nb_path.stem)
        result = run_notebook(nb_path, executed_dir / nb_path.name, parameters, timeout)
        if result.executed:
            page = out / f"{nb_path.stem}.html"
            try:
                page.write_text(to_html(result.executed), encoding="utf-8")
                result.html = page.name
            except Exception as exc:
                result.status = "failed"
                result.error = result.error or f"HTML conversion: {type(exc).__name__}: {exc}"
        results.append(result)
        if progress:
            tqdm.write(f"[{i}/{len(paths)}] {result.name} … {result.status} ({result.runtime_s:.1f} s)",
                       file=sys.stderr)
    bar.close()
    finished = dt.datetime.now(dt.timezone.utc)

    table_files = sorted(p for p in tables.glob("*.csv") if p.stat().st_mtime >= since)
    manifest = {
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "parameters": parameters,
        "kernel": kernel_info(),
        "inputs": {
            "corpus": file_hashes(corpus),
            "notebooks": [h for p in paths for h in file_hashes(p)],
            **({"events": file_hashes(parameters["EVENTS"])} if parameters.get("EVENTS") else {}),
        },
        "outputs": {"tables": [h for p in table_files for h in file_hashes(p)]},
        "notebooks": [asdict(r) for r in results],
        "versions": versions(),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    (out / "index.html").write_text(
        _index(corpus, by, started, finished, results, [p.name for p in table_files],
               _time_text(period, parameters.get("EVENTS"), window_days) if timed else ""),
        encoding="utf-8")
    return results


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


def _index(corpus, by, started, finished, results, tables, time_axis="") -> str:
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
    table_items = "".join(f'<li><a href="tables/{e(t)}">{e(t)}</a></li>' for t in tables) or "<li>none</li>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>kzmedia report — {e(corpus.name)}</title>
<style>{_STYLE}</style></head>
<body>
<h1>kzmedia report</h1>
<dl>
<dt>Corpus</dt><dd><code>{e(str(corpus))}</code></dd>
<dt>Grouping</dt><dd><code>{e(by)}</code></dd>
{f"<dt>Time</dt><dd>{e(time_axis)}</dd>" if time_axis else ""}
<dt>Run</dt><dd>{e(started.strftime("%Y-%m-%d %H:%M:%S %Z"))} → {e(finished.strftime("%H:%M:%S %Z"))}</dd>
<dt>Result</dt><dd>{e(summary)}</dd>
</dl>
<h2>Notebooks</h2>
<table><thead><tr><th>notebook</th><th>title</th><th>status</th><th>error</th><th>runtime</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
<h2>Tables</h2>
<ul>{table_items}</ul>
<p><a href="manifest.json">manifest.json</a>: input hashes, parameters, package versions.</p>
</body></html>
"""
