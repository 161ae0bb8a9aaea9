"""How many processes to use, whether they may be forked, and the forked pool (shared by corpus
and pipeline)."""

from __future__ import annotations

import multiprocessing
import os
import sys

__all__ = ["n_processes", "can_fork", "fork_pool"]


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


def fork_pool(workers: int):
    """A process pool of `workers` forked processes (only where :func:`can_fork`): they
    inherit this process's memory, so large inputs set just before need no pickling."""
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
