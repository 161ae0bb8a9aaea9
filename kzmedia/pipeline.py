"""Every tidy table of the analysis without notebooks: `analyze(articles, by=...)`.

The stages run in the order of `STAGES`, a list of (table name, function); each function
is called as f(articles, by, tables_so_far) and returns one DataFrame. Sentences are split once and shared by the
frame, actor and sentiment stages.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pandas as pd

__all__ = ["STAGES", "OPTIONAL", "StageMissing", "analyze", "write_tables"]


class StageMissing(RuntimeError):
    """A stage module or function that the pipeline calls is not available."""


def _stage(module: str, name: str):
    """kzmedia.<module>.<name>, with an error that names the missing piece."""
    try:
        mod = importlib.import_module(f"kzmedia.{module}")
    except ModuleNotFoundError as exc:
        raise StageMissing(f"kzmedia.{module} is not available ({exc})") from exc
    try:
        return getattr(mod, name)
    except AttributeError:
        raise StageMissing(f"kzmedia.{module} has no function {name!r}") from None


def _attr_table(articles, key) -> pd.DataFrame:
    table = articles.attrs.get(key)
    return table.copy() if isinstance(table, pd.DataFrame) else pd.DataFrame()


def _with_group(table: pd.DataFrame, articles: pd.DataFrame, by: str) -> pd.DataFrame:
    """`table` with the grouping column `by` joined from the articles on doc_id (if absent)."""
    if by in table.columns:
        return table
    return table.merge(articles[["doc_id", by]], on="doc_id", how="left")


STAGES = [
    ("articles", lambda a, by, t: a.drop(columns=["text"], errors="ignore")),
    ("rejected", lambda a, by, t: _attr_table(a, "rejected")),
    ("audit", lambda a, by, t: _attr_table(a, "audit")),
    ("sentences", lambda a, by, t: _stage("text", "sentences")(a)),
    ("_dtm", lambda a, by, t: _stage("terms", "document_term_matrix")(a)),
    ("term_counts", lambda a, by, t: _stage("terms", "counts")(a, by=by, dtm=t["_dtm"])),
    ("tfidf_profiles",
     lambda a, by, t: _stage("terms", "tfidf_profiles")(a, by=by, dtm=t["_dtm"])),
    ("keyness_log_odds", lambda a, by, t: _stage("terms", "keyness")(
        a, by=by, measure="log_odds", dtm=t["_dtm"])),
    ("keyness_g2",
     lambda a, by, t: _stage("terms", "keyness")(a, by=by, measure="g2", dtm=t["_dtm"])),
    ("similarity", lambda a, by, t: _stage("terms", "similarity")(a, by=by, dtm=t["_dtm"])),
    ("frame_hits", lambda a, by, t: _stage("frames", "hits")(a, sentences=t["sentences"])),
    ("frame_scores_article", lambda a, by, t: _stage("frames", "article_scores")(
        a, sentences=t["sentences"], hits_table=t["frame_hits"])),
    ("frame_scores_group", lambda a, by, t: _stage("frames", "group_scores")(
        a, by=by, sentences=t["sentences"], article_table=t["frame_scores_article"])),
    ("actor_mentions",
     lambda a, by, t: _stage("actors", "mentions")(a, sentences=t["sentences"])),
    ("attention", lambda a, by, t: _stage("actors", "attention")(
        a, by=by, sentences=t["sentences"], mentions_table=t["actor_mentions"])),
    ("balance", lambda a, by, t: _stage("actors", "balance")(
        a, by=by, sentences=t["sentences"], mentions_table=t["actor_mentions"])),
    ("cooccurrence", lambda a, by, t: _stage("actors", "cooccurrence")(
        a, by=by, sentences=t["sentences"], mentions_table=t["actor_mentions"])),
    ("sentence_tone", lambda a, by, t: _with_group(
        _stage("sentiment", "sentences")(a, sentences=t["sentences"]), a, by)),
    ("article_tone", lambda a, by, t: _stage("sentiment", "article_tone")(t["sentence_tone"], by=by)),
    ("group_tone", lambda a, by, t: _stage("sentiment", "group_tone")(t["sentence_tone"], by=by)),
    ("vector_tone", lambda a, by, t: _stage("sentiment", "vector_tone")(t["sentence_tone"], by=by)),
    ("profile", lambda a, by, t: _stage("compare", "profile")(a, by=by, tables=t)),
    ("contrasts", lambda a, by, t: _stage("compare", "contrasts")(a, by=by, tables=t)),
]

# Large and derivable from the articles: computed (the stages need it), written on request.
# Names starting with "_" are shared intermediates (not tables) and never returned.
OPTIONAL = {"sentences"}


def analyze(articles: pd.DataFrame, by: str = "outlet", sentences: bool = False,
            progress: bool = True) -> dict[str, pd.DataFrame]:
    """All tidy tables for `articles` grouped by `by`, in `STAGES` order.

    Returns {table name: DataFrame}; the sentence table is included only when
    `sentences=True`. The columns of each table are documented by its stage function.
    """
    from tqdm.auto import tqdm

    if by not in articles.columns:
        raise KeyError(f"grouping column {by!r} not in the articles "
                       f"(columns: {', '.join(map(str, articles.columns))})")
    computed: dict = {}
    tables: dict[str, pd.DataFrame] = {}
    bar = tqdm(STAGES, desc="analyze", unit="table", disable=not progress)
    for name, fn in bar:
        bar.set_postfix_str(name)
        try:
            table = computed[name] = fn(articles, by, computed)
        except Exception as exc:
            exc.add_note(f"while computing the {name!r} table")
            raise
        if not name.startswith("_") and (name not in OPTIONAL or sentences):
            tables[name] = table
    bar.close()
    return tables


def write_tables(tables: dict[str, pd.DataFrame], out, fmt: str = "csv") -> list[Path]:
    """Write each table to `out/<name>.csv` (or .parquet); returns the paths written."""
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"format must be 'csv' or 'parquet', not {fmt!r}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, table in tables.items():
        path = out / f"{name}.{fmt}"
        table = table.copy(deep=False)
        table.attrs = {}  # articles.attrs (rejected, audit) are tables of their own
        if fmt == "csv":
            table.to_csv(path, index=False)
        else:
            table.to_parquet(path, index=False)
        paths.append(path)
    return paths
