"""What every benchmark script shares: reading the corpus (through kzmedia.corpus.load, as a
user would) and peak memory."""

from __future__ import annotations

import resource

import pandas as pd

from kzmedia import corpus


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory in MB of this process (or of its finished children)."""
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: kB


def articles(path: str, n: int | None = None, seed: int | None = None) -> pd.DataFrame:
    """The articles of `path` (any input corpus.load reads; no language detection); with `n`,
    the first n articles, or a random n of them (kept in corpus order) when `seed` is given."""
    arts = corpus.load(path, lang=False)
    arts.attrs = {}
    if n and n < len(arts):
        arts = arts.sample(n, random_state=seed).sort_index() if seed is not None else arts.head(n)
    return arts.reset_index(drop=True)
