"""What every benchmark script shares: reading the corpus (through kzmedia.corpus.load, as a
user would) and peak memory."""

from __future__ import annotations

import resource

import pandas as pd

from kzmedia import corpus


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory in MB of this process (or of its finished children)."""
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: kB


def text_mb(texts: pd.Series) -> float:
    """MB of UTF-8 text in a column of strings: Arrow's byte lengths (the strings are stored
    as UTF-8 already), without encoding each one in Python (0.7 s on 225 MB, which the
    benchmarks would count as analysis time)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        n = pc.sum(pc.binary_length(pa.array(texts.array, pa.large_string()))).as_py() or 0
    except (pa.ArrowException, UnicodeError):
        n = texts.str.encode("utf-8").str.len().sum()
    return n / 1e6


def articles(path: str, n: int | None = None, seed: int | None = None) -> pd.DataFrame:
    """The articles of `path` (any input corpus.load reads; no language detection); with `n`,
    the first n articles, or a random n of them (kept in corpus order) when `seed` is given."""
    arts = corpus.load(path, lang=False)
    arts.attrs = {}
    if n and n < len(arts):
        arts = arts.sample(n, random_state=seed).sort_index() if seed is not None else arts.head(n)
    return arts.reset_index(drop=True)


class PssSampler:
    """Peak memory of this process and all its descendants together (worker and forked
    processes), sampled every `interval` seconds from /proc/<pid>/smaps_rollup (Linux).

    PSS (proportional set size) splits each shared page between the processes that map it,
    so pages a forked process shares with its parent are counted once, unlike a sum of RSS.
    `peak_mb` is None where /proc is not available.
    """

    def __init__(self, interval: float = 1.0):
        import threading

        self.interval, self.peak_mb = interval, None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _tree() -> list[int]:
        import os

        children: dict[int, list[int]] = {}
        for name in os.listdir("/proc"):
            if name.isdigit():
                try:
                    with open(f"/proc/{name}/stat", "rb") as fh:
                        ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
                children.setdefault(ppid, []).append(int(name))
        tree, todo = [], [os.getpid()]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo.extend(children.get(pid, []))
        return tree

    @classmethod
    def sample_mb(cls) -> float | None:
        total, seen = 0, False
        for pid in cls._tree():
            try:
                with open(f"/proc/{pid}/smaps_rollup") as fh:
                    for line in fh:
                        if line.startswith("Pss:"):
                            total += int(line.split()[1])
                            seen = True
                            break
            except OSError:
                continue
        return total / 1024 if seen else None

    def _run(self):
        while not self._stop.is_set():
            now = self.sample_mb()
            if now is not None:
                self.peak_mb = now if self.peak_mb is None else max(self.peak_mb, now)
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
