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
import sys
from collections.abc import Callable, Sequence

__all__ = ["n_processes", "can_fork", "process_pool", "map_ordered"]


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


def map_ordered(fn: Callable, items: Sequence, n_jobs=1, *, on_done: Callable | None = None) -> list:
    """``[fn(item) for item in items]``, computed by `n_jobs` processes (see
    :func:`n_processes`; one job, or one item, runs in this process). Results come back in
    the order of `items` whatever order they finish in; ``on_done(i)`` is called as item
    i finishes (e.g. to move a progress bar). `fn` must be a module-level function."""
    jobs = min(n_processes(n_jobs), len(items))
    results: list = [None] * len(items)
    if jobs <= 1:
        for i, item in enumerate(items):
            results[i] = fn(item)
            if on_done:
                on_done(i)
        return results
    from concurrent.futures import as_completed

    with process_pool(jobs) as pool:
        futures = {pool.submit(fn, item): i for i, item in enumerate(items)}
        for future in as_completed(futures):
            i = futures[future]
            results[i] = future.result()
            if on_done:
                on_done(i)
    return results
