"""Work in several local processes: how many an `n_jobs` argument means, the process pool,
and an ordered map over it. Every stage that uses more than one process goes through here
(a dask.distributed cluster is the pipeline's other way; see :mod:`kzmedia.pipeline`).

Where the platform allows (Linux), the pool's processes are forked: they inherit this
process's memory, so large inputs need no pickling. Elsewhere (macOS, whose system
libraries are not fork-safe, and Windows) they are started fresh and everything they need
is pickled to them.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence

__all__ = ["n_processes", "can_fork", "process_pool", "map_ordered", "submit_all",
           "process_alive", "remove_stale"]


def n_processes(n_jobs) -> int:
    """Processes for an `n_jobs` argument: None or 0 all cores; -1 all, -2 all but one
    (joblib style); a positive number as it is."""
    if n_jobs is None or n_jobs == 0:
        return os.cpu_count() or 1
    if n_jobs < 0:
        return max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    return int(n_jobs)


def can_fork() -> bool:
    """Fork only on Linux: macOS system libraries are not fork-safe (Python's own default
    there is spawn) and Windows has no fork."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def process_pool(workers: int):
    """A pool of `workers` processes (a ``concurrent.futures`` executor), forked where
    :func:`can_fork`, else started by the platform's default method."""
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork") if can_fork() else None
    return ProcessPoolExecutor(workers, mp_context=context)


def map_ordered(fn: Callable, items: Sequence, n_jobs=1, *, on_done: Callable | None = None,
                tmp_dir=None) -> list:
    """``[fn(item) for item in items]``, computed by `n_jobs` processes (see
    :func:`n_processes`; one job, or one item, runs in this process). Results come back in
    the order of `items` whatever order they finish in; ``on_done(i)`` is called as item
    i finishes (e.g. to move a progress bar). `fn` must be a module-level function.
    `tmp_dir`: where results are handed back through files (see :func:`submit_all`)."""
    jobs = min(n_processes(n_jobs), len(items))
    if jobs <= 1:
        results = []
        for i, item in enumerate(items):
            results.append(fn(item))
            if on_done:
                on_done(i)
        return results
    done = submit_all(fn, items, jobs, on_done=on_done, tmp_dir=tmp_dir)
    return [done[i] for i in range(len(items))]


def process_alive(pid: int) -> bool:
    """Whether a process `pid` exists on this machine (True when that cannot be known)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process, or no signals here: leave it
        return True
    return True


def remove_stale(folder, prefix: str) -> None:
    """Remove the folders ``<prefix><pid>-*`` in `folder` whose process is gone: temporary
    folders a killed run could not remove (kzmedia names its temporary folders so)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if not entry.name.startswith(prefix) or not entry.is_dir(follow_symlinks=False):
            continue
        pid = entry.name[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(entry.path, ignore_errors=True)


def _to_file(result, folder: str):
    """Pickle `result` to a new file in `folder` and return its path; return the result itself
    when the file cannot be written (a full disk). A worker hands large results back this way:
    through the pool's pipe it would wait, idle, until the parent process (which shares the
    cores with the workers) had read them all."""
    fd, path = tempfile.mkstemp(suffix=".pickle", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
    except OSError:
        os.unlink(path)
        return result
    return _Handed(path)


class _Handed(str):
    """The path of a result handed back through a file (a str subclass, so a result that is
    itself a string is never mistaken for one)."""


def _from_file(handed):
    if not isinstance(handed, _Handed):
        return handed
    try:
        with open(handed, "rb") as fh:
            return pickle.load(fh)
    finally:
        os.unlink(handed)


def _call_to_file(fn, folder, item):
    return _to_file(fn(item), folder)


def _call_inherited_to_file(fn, folder, item):
    return _to_file(fn(_INHERITED, item), folder)


# What the processes of a forked_map read: set while it runs, in this process only.
_INHERITED = None


def submit_all(fn: Callable, items: Sequence, jobs: int, *, inherited=None,
               on_done: Callable | None = None, follow: Callable | None = None,
               tmp_dir=None) -> dict:
    """``{i: fn(item)}`` (or ``fn(inherited, item)`` when `inherited` is given) for the items
    of a queue, computed by `jobs` processes. `follow(i, result)`, if given, may return more
    items, which join the queue (at its front) as item i finishes. Results are handed back
    through temporary files in a new folder ``kzmedia-<pid>-*`` under `tmp_dir` (default:
    the system's temporary folder), removed when all are read or on any error; one that a
    killed run left is removed by the next (see :func:`remove_stale`). The pipeline passes
    its cache's folder (see :meth:`kzmedia.cache.Store.scratch`). With `inherited`, the processes are forked and read
    it from this process's memory without pickling (only where :func:`can_fork`)."""
    global _INHERITED
    from concurrent.futures import FIRST_COMPLETED, wait

    if inherited is not None and not can_fork():
        raise RuntimeError("inherited state needs forked processes (Linux)")
    queue = list(enumerate(items))
    results: dict = {}
    call = _call_inherited_to_file if inherited is not None else _call_to_file
    _INHERITED = inherited
    try:
        remove_stale(tmp_dir or tempfile.gettempdir(), "kzmedia-")
        with tempfile.TemporaryDirectory(prefix=f"kzmedia-{os.getpid()}-", dir=tmp_dir) as folder, \
                process_pool(jobs) as pool:
            running: dict = {}
            while queue or running:
                while queue and len(running) < jobs:
                    i, item = queue.pop(0)
                    running[pool.submit(call, fn, folder, item)] = i
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    i = running.pop(future)
                    results[i] = _from_file(future.result())
                    if on_done:
                        on_done(i)
                    if follow:
                        more = follow(i, results[i]) or ()
                        start = len(results) + len(running) + len(queue)
                        queue[:0] = [(start + k, x) for k, x in enumerate(more)]
        return results
    finally:
        _INHERITED = None
