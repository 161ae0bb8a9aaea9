"""Bootstrap intervals of many samples, the resamples of each sample size drawn once.

Reproduces :func:`kzmedia.stats.bootstrap_intervals` (scipy.stats.bootstrap's percentile
interval of the mean, with a fresh ``np.random.default_rng(seed)`` for each sample). The
resamples scipy draws for a sample of n values, ``rng.integers(0, n, (n_resamples, n))``,
depend on n only, so all samples of that size share them: they are drawn once (a few rows
at a time, which gives the same stream) and counted, counts[b, i] being how often value i
is in resample b; the resample means of all samples are then counts @ x.T / n. scipy sums
each resample's values instead: the two agree up to rounding (about 1e-16 relative).
Contract: tests/test_stats.py, ``test_fast_bootstrap_*`` (the drawn resamples equal scipy's
exactly, the intervals within 1e-12).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

__all__ = ["bootstrap_intervals", "resample_counts"]

# Resample indices drawn at a time, and samples of one size bootstrapped together (their
# means take n_resamples x samples): bounds on the memory used.
DRAW_CHUNK = 250_000
GROUP_CHUNK = 2_000


def resample_counts(n: int, n_resamples: int, seed) -> Iterator[np.ndarray]:
    """The resamples of ``np.random.default_rng(seed).integers(0, n, (n_resamples, n))``, in
    consecutive blocks of rows: counts[b, i], how many times value i is in resample b."""
    rng = np.random.default_rng(seed)
    step = max(1, DRAW_CHUNK // n)
    for start in range(0, n_resamples, step):
        rows = min(step, n_resamples - start)
        idx = rng.integers(0, n, (rows, n))
        idx += n * np.arange(rows)[:, None]
        yield np.bincount(idx.ravel(), minlength=rows * n).reshape(rows, n)


def bootstrap_intervals(samples: Sequence[np.ndarray], ci: float, n_resamples: int,
                        seed) -> tuple[np.ndarray, np.ndarray]:
    """As :func:`kzmedia.stats.bootstrap_intervals`: arrays (low, high), one value per sample."""
    alpha = (1 - ci) / 2  # as scipy.stats.bootstrap computes the percentiles
    sizes = np.array([len(x) for x in samples], dtype=int)
    low, high = np.empty(len(samples)), np.empty(len(samples))
    for n in np.unique(sizes):
        same = np.flatnonzero(sizes == n)
        for g in range(0, len(same), GROUP_CHUNK):
            which = same[g:g + GROUP_CHUNK]
            block = np.stack([samples[i] for i in which])
            means = np.empty((n_resamples, len(block)))
            start = 0
            for counts in resample_counts(n, n_resamples, seed):
                # einsum, not a BLAS matmul: BLAS threads would spin on the other core meanwhile
                means[start:start + len(counts)] = np.einsum("bi,gi->bg", counts.astype(float),
                                                             block)
                start += len(counts)
            low[which], high[which] = np.percentile(means / n, [alpha * 100, (1 - alpha) * 100],
                                                    axis=0)
    return low, high
