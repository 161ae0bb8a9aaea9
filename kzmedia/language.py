"""Language of each article: py3langid (a maintained fork of langid.py, Lui & Baldwin 2012)
on the first characters of its text."""

from __future__ import annotations

import pandas as pd

from . import parallel

__all__ = ["detect", "LANG_CHARS", "PARALLEL_MIN_TEXTS"]

#: Characters of each text that the language is detected from (the start of a news article
#: is body text; more characters cost time and rarely change the answer).
LANG_CHARS = 500


#: From this many texts on, the texts are classified in chunks by `n_jobs` processes.
PARALLEL_MIN_TEXTS = 5000


def _classify(texts: list[str]) -> list[str]:
    import py3langid

    return [py3langid.classify(t)[0] if t else "" for t in texts]


def detect(texts: pd.Series, chars: int = LANG_CHARS, n_jobs: int | None = 1) -> pd.Series:
    """``py3langid.classify`` of the first `chars` characters of each text: its ISO 639-1
    code (e.g. "en"), or "" for an empty text. Returns a Series of strings with the index of
    `texts`. `n_jobs`: processes for `PARALLEL_MIN_TEXTS` texts or more (see
    :func:`kzmedia.parallel.n_processes`); the result does not depend on it."""
    starts = [t[:chars] for t in texts]
    jobs = parallel.n_processes(n_jobs) if len(starts) >= PARALLEL_MIN_TEXTS else 1
    size = -(-len(starts) // (4 * jobs)) if starts else 1
    chunks = [starts[i:i + size] for i in range(0, len(starts), size)]
    labels = [lab for chunk in parallel.map_ordered(_classify, chunks, jobs) for lab in chunk]
    return pd.Series(labels, index=texts.index, dtype="str")
