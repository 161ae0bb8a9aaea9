"""Every table of the analysis, written once and compared later: the check that a change
which should not alter any result (a refactoring, a faster path) did not.

    python benchmarks/snapshot.py write CORPUS DIR [--n 4000] [--by outlet bias]
    python benchmarks/snapshot.py compare DIR_A DIR_B

``write`` loads CORPUS (the first ``--n`` articles), computes the per-article tables twice
(in this process, and in two worker processes with the group tables in forked processes) and
the group tables for each ``--by`` column, checks that the two runs agree, and writes each
table as ``DIR/<by>/<name>.parquet``, with the per-article tables under ``DIR/article/``.
``compare`` reports every table that differs between two snapshots (values or dtypes) and
exits 1 if any does.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from common import articles as read_articles
from kzmedia import pipeline


def _tables(arts: pd.DataFrame, bys: list[str], n_jobs: int) -> dict[str, pd.DataFrame]:
    parts = pipeline.article_tables(arts, n_jobs=n_jobs, chunk_size=1000, progress=False)
    grouped = pipeline.group_tables_many(arts, parts, bys, sentences=True, progress=False,
                                         n_jobs=n_jobs)
    out = {f"article/{name}": table for name, table in parts.items()
           if not name.startswith("_")}
    dtm = parts["_dtm"]
    out["article/_dtm"] = pd.DataFrame({
        "doc": dtm.matrix.nonzero()[0], "term": dtm.vocabulary[dtm.matrix.nonzero()[1]],
        "count": dtm.matrix.data})
    for by, tables in grouped.items():
        out.update({f"{by}/{name}": table for name, table in tables.items()})
    return out


def _same(a: pd.DataFrame, b: pd.DataFrame) -> str | None:
    """None when equal (values and dtypes), else what differs."""
    try:
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True),
                                      check_exact=True)
    except AssertionError as exc:
        return str(exc).splitlines()[0] + " " + " ".join(str(exc).splitlines()[1:4])
    return None


def write(corpus: str, folder: str, n: int, bys: list[str]) -> int:
    arts = read_articles(corpus, n)
    one = _tables(arts, bys, 1)
    many = _tables(arts, bys, 2)
    bad = 0
    for name in one:
        diff = _same(one[name], many[name])
        if diff:
            print(f"{name}: one process and two differ: {diff}")
            bad += 1
    root = Path(folder)
    for name, table in one.items():
        path = root / f"{name}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        table = table.copy(deep=False)
        table.attrs = {}
        table.to_parquet(path, index=False)
    print(f"{len(one)} tables of {len(arts)} articles written to {root}")
    return 1 if bad else 0


def compare(a: str, b: str) -> int:
    names_a = {p.relative_to(a) for p in Path(a).rglob("*.parquet")}
    names_b = {p.relative_to(b) for p in Path(b).rglob("*.parquet")}
    bad = 0
    for name in sorted(names_a ^ names_b):
        print(f"{name}: only in {a if name in names_a else b}")
        bad += 1
    for name in sorted(names_a & names_b):
        diff = _same(pd.read_parquet(Path(a) / name), pd.read_parquet(Path(b) / name))
        if diff:
            print(f"{name}: {diff}")
            bad += 1
    print(f"{len(names_a & names_b)} tables compared, {bad} differ")
    return 1 if bad else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write")
    w.add_argument("corpus")
    w.add_argument("folder")
    w.add_argument("--n", type=int, default=4000)
    w.add_argument("--by", nargs="+", default=["outlet", "bias"])
    c = sub.add_parser("compare")
    c.add_argument("a")
    c.add_argument("b")
    args = parser.parse_args(argv)
    if args.command == "write":
        return write(args.corpus, args.folder, args.n, args.by)
    return compare(args.a, args.b)


if __name__ == "__main__":
    sys.exit(main())
