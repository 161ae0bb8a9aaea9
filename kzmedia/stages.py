"""The stages of the analysis, declared as data: one :class:`Stage` record per table.

A record says what a stage is called, the function that computes it, the tables (and
inputs) it reads, and its kind:

- ``input``: read once (the default codebook and gazetteer) and handed to every stage;
- ``article``: looks at one article at a time, so :mod:`kzmedia.pipeline` runs it on
  partitions of the corpus (in this process, in worker processes or on Dask) and joins the
  partitions' results;
- ``group``: computed once per grouping column (outlet, bias, ...) from the joined tables.

Everything else is derived from these records by :mod:`kzmedia.pipeline`: the run order
(each stage after the tables it needs), the split into per-article and per-group work, which
group stages wait for other group tables, the parallel plan and what the cache stores.

Adding a stage is one record plus one function. The function is called as
``fn(articles, by, tables)``, where ``tables`` holds exactly the tables named in ``needs``
(``by`` is None for per-article stages), and returns one tidy DataFrame::

    def _my_table(articles, by, t):
        return mymodule.my_table(articles, by=by, mentions=t["actor_mentions"])

    STAGES = (..., Stage("my_table", _my_table, needs=("actor_mentions",)))

Names starting with ``_`` are intermediates that stages share (the codebook, the gazetteer,
the document x term matrix, a grouping's groups x terms sums): computed, never returned as
tables. A group intermediate is computed in each process that needs it, once, and is not
waited for like a table.

A group stage may read analysis settings, named in its record (``settings=("period",
"events")``): :func:`kzmedia.pipeline.analyze` takes them as keyword arguments and passes
them on to the function, again as keyword arguments, the cache keys the stage's table by
their values, and a stage with settings is computed only when at least one of them is
given. Without a period or events, the time tables are not computed and nothing else
changes::

    def _trends(articles, by, t, *, period, events):
        return trends.table(articles, by, period=period, events=events, ...)

    Stage("trends", _trends, needs=(...), settings=("period", "events"))
"""

from __future__ import annotations

import warnings

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from . import actors, compare, dyads, frames, sentiment, terms, text, trends

__all__ = ["Stage", "STAGES", "KINDS", "by_name", "order", "settings_of", "KEYNESS_TOP",
           "SIMILARITY_PERMUTATIONS", "TIME_NEEDS"]

KINDS = ("input", "article", "group")

# Relabellings per similarity permutation test (p resolution 1/200; terms.similarity also
# skips the tests when more than 300 pairs of groups would be tested).
SIMILARITY_PERMUTATIONS = 199

# The keyness tables keep the KEYNESS_TOP most and least distinctive terms of each group
# (every group x every term is tens of millions of rows for hundreds of outlets; call
# terms.keyness for all of them).
KEYNESS_TOP = 100


@dataclass(frozen=True)
class Stage:
    """One table of the analysis.

    ``name``: the table's name; ``fn(articles, by, tables) -> DataFrame``; ``needs``: the
    tables and inputs ``fn`` reads; ``kind``: "input", "article" or "group" (see the module
    docstring). Further, for the pipeline's plan:

    - ``columns``: the article columns a per-article stage reads (only these are sent to
      worker processes);
    - ``keys``: the sort keys of a per-article table (partitions are joined in this order);
    - ``join``: how a per-article stage's partition results are joined (default: concatenated
      in order; the document x term matrix is merged);
    - ``batch``: group stages with the same batch name are computed one after the other by
      one process (so that the intermediates they share are computed once);
    - ``grouped``: group stages receive this per-article table with the grouping column
      joined on doc_id (the tone tables are grouped by it);
    - ``optional``: computed, returned only on request (the large sentence table);
    - ``settings``: the analysis settings a group stage reads (see the module docstring):
      passed to ``fn`` as keyword arguments; the stage is computed only when at least one
      of them is given (not None).
    """

    name: str
    fn: Callable[[pd.DataFrame, str | None, dict], object]
    needs: tuple[str, ...] = ()
    kind: str = "group"
    columns: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()
    join: Callable | None = None
    batch: str | None = None
    grouped: bool = False
    optional: bool = False
    settings: tuple[str, ...] = ()

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"stage {self.name!r}: kind must be one of {KINDS}, not {self.kind!r}")
        if self.settings and self.kind != "group":
            # per-article tables are cached by the corpus alone, and shared by every grouping
            raise ValueError(f"stage {self.name!r}: only group stages read settings")

    def active(self, settings: dict | None) -> bool:
        """Whether the stage is computed with these settings ({name: value}): always without
        settings of its own, else when at least one of them is given (not None)."""
        return not self.settings or any((settings or {}).get(k) is not None
                                        for k in self.settings)

    @property
    def table(self) -> bool:
        """Whether the stage's result is a table of the analysis (not an intermediate)."""
        return not self.name.startswith("_")


# --------------------------------------------------------------------------- the functions

def _attr_table(articles: pd.DataFrame, key: str) -> pd.DataFrame:
    table = articles.attrs.get(key)
    return table.copy() if isinstance(table, pd.DataFrame) else pd.DataFrame()


def _gazetteer(a, by, t):
    return actors.load_gazetteer()


def _codebook(a, by, t):
    return frames.load_codebook(gazetteer=t["_gazetteer"])


def _articles(a, by, t):
    return a.drop(columns=["text"], errors="ignore")


def _rejected(a, by, t):
    return _attr_table(a, "rejected")


def _audit(a, by, t):
    return _attr_table(a, "audit")


def _sentences(a, by, t):
    return text.sentences(a)


def _dtm(a, by, t):
    return terms.document_term_matrix(a)


def _group_terms(a, by, t):
    return terms.group_terms(a, by, dtm=t["_dtm"])


def _term_counts(a, by, t):
    return terms.counts(a, by=by, groups=t["_group_terms"])


def _tfidf_profiles(a, by, t):
    return terms.tfidf_profiles(a, by=by, groups=t["_group_terms"])


def _keyness_log_odds(a, by, t):
    return terms.keyness(a, by=by, measure="log_odds", groups=t["_group_terms"],
                         top=KEYNESS_TOP)


def _keyness_g2(a, by, t):
    return terms.keyness(a, by=by, measure="g2", groups=t["_group_terms"], top=KEYNESS_TOP)


def _similarity(a, by, t):
    return terms.similarity(a, by=by, groups=t["_group_terms"],
                            permutations=SIMILARITY_PERMUTATIONS)


def _frame_hits(a, by, t):
    return frames.hits(a, t["_codebook"], sentences=t["sentences"], dyads_table=t["dyads"])


def _dyads(a, by, t):
    if t["_codebook"].relations is None:  # a codebook of patterns only: frames still work
        warnings.warn(f"{t['_codebook'].source}: the codebook has no 'relations' section, so "
                      "no dyads are found (see kzmedia/data/frames.yaml for the grammar)",
                      stacklevel=2)
        return dyads.empty_dyads()
    return dyads.find(a, t["_codebook"], sentences=t["sentences"],
                      mentions_table=t["actor_mentions"])


def _dyad_counts(a, by, t):
    if t["_codebook"].relations is None:
        return dyads.empty_counts(by)
    return dyads.counts(a, by=by, codebook=t["_codebook"], dyads_table=t["dyads"])


def _frame_scores_article(a, by, t):
    return frames.article_scores(a, t["_codebook"], sentences=t["sentences"],
                                 hits_table=t["frame_hits"])


def _frame_scores_group(a, by, t):
    return frames.group_scores(a, t["_codebook"], by=by, sentences=t["sentences"],
                               article_table=t["frame_scores_article"])


def _actor_mentions(a, by, t):
    return actors.mentions(a, t["_gazetteer"], sentences=t["sentences"])


def _attention(a, by, t):
    return actors.attention(a, by=by, gazetteer=t["_gazetteer"], sentences=t["sentences"],
                            mentions_table=t["actor_mentions"])


def _balance(a, by, t):
    return actors.balance(a, by=by, gazetteer=t["_gazetteer"], sentences=t["sentences"],
                          mentions_table=t["actor_mentions"])


def _cooccurrence(a, by, t):
    return actors.cooccurrence(a, by=by, gazetteer=t["_gazetteer"], sentences=t["sentences"],
                               mentions_table=t["actor_mentions"])


def _sentence_tone(a, by, t):
    return sentiment.sentences(a, t["_gazetteer"], sentences=t["sentences"],
                               mentions=t["actor_mentions"])


def _article_tone(a, by, t):
    return sentiment.article_tone(t["sentence_tone"], by=by)


def _group_tone(a, by, t):
    return sentiment.group_tone(t["sentence_tone"], by=by)


def _vector_tone(a, by, t):
    return sentiment.vector_tone(t["sentence_tone"], by=by)


def _profile(a, by, t):
    return compare.profile(a, by=by, tables=t)


def _contrasts(a, by, t):
    return compare.contrasts(a, by=by, tables=t, gazetteer=t["_gazetteer"])


#: The tables the time stages read.
TIME_NEEDS = ("sentences", "frame_scores_article", "actor_mentions", "sentence_tone",
              "_gazetteer", "_codebook")


def _time_tables(t) -> dict:
    return dict(sentences=t["sentences"], frame_scores_article=t["frame_scores_article"],
                actor_mentions=t["actor_mentions"], sentence_tone=t["sentence_tone"],
                gazetteer=t["_gazetteer"], codebook=t["_codebook"])


def _trends(a, by, t, *, period, events):
    return trends.table(a, by, period=period, events=events, **_time_tables(t))


def _event_shifts(a, by, t, *, events):
    return trends.event_shifts(a, by, events=events, dtm=t["_dtm"], **_time_tables(t))


def _period_contrasts(a, by, t, *, period, events):
    return trends.period_contrasts(a, by, period=period, events=events, **_time_tables(t))


# --------------------------------------------------------------------------- the records

_SENTENCE_KEYS = ("doc_id", "sent_id")

STAGES: tuple[Stage, ...] = (
    Stage("_gazetteer", _gazetteer, kind="input"),
    Stage("_codebook", _codebook, ("_gazetteer",), kind="input"),
    Stage("articles", _articles),
    Stage("rejected", _rejected),
    Stage("audit", _audit),
    Stage("sentences", _sentences, kind="article", columns=("doc_id", "text"),
          keys=_SENTENCE_KEYS, optional=True),
    Stage("_dtm", _dtm, kind="article", columns=("doc_id", "text"),
          join=terms.merge_dtm),
    Stage("_group_terms", _group_terms, ("_dtm",)),
    Stage("term_counts", _term_counts, ("_group_terms",), batch="terms"),
    Stage("tfidf_profiles", _tfidf_profiles, ("_group_terms",), batch="terms"),
    Stage("keyness_log_odds", _keyness_log_odds, ("_group_terms",)),
    Stage("keyness_g2", _keyness_g2, ("_group_terms",), batch="terms"),
    Stage("similarity", _similarity, ("_group_terms",), batch="terms"),
    Stage("dyads", _dyads, ("_codebook", "sentences", "actor_mentions"), kind="article",
          columns=("doc_id", "outlet", "text"), keys=_SENTENCE_KEYS),
    Stage("dyad_counts", _dyad_counts, ("_codebook", "dyads")),
    Stage("frame_hits", _frame_hits, ("_codebook", "sentences", "dyads"), kind="article",
          columns=("doc_id", "outlet"), keys=_SENTENCE_KEYS),
    Stage("frame_scores_article", _frame_scores_article,
          ("_codebook", "sentences", "frame_hits"), kind="article",
          columns=("doc_id", "outlet", "n_words", "text"), keys=("doc_id", "frame")),
    Stage("frame_scores_group", _frame_scores_group,
          ("_codebook", "sentences", "frame_scores_article")),
    Stage("actor_mentions", _actor_mentions, ("_gazetteer", "sentences"), kind="article",
          columns=("doc_id", "outlet"), keys=_SENTENCE_KEYS),
    Stage("attention", _attention, ("_gazetteer", "sentences", "actor_mentions")),
    Stage("balance", _balance, ("_gazetteer", "sentences", "actor_mentions")),
    Stage("cooccurrence", _cooccurrence, ("_gazetteer", "sentences", "actor_mentions")),
    Stage("sentence_tone", _sentence_tone, ("_gazetteer", "sentences", "actor_mentions"),
          kind="article", columns=("doc_id", "outlet", "lang"), keys=_SENTENCE_KEYS,
          grouped=True),
    Stage("article_tone", _article_tone, ("sentence_tone",)),
    Stage("group_tone", _group_tone, ("sentence_tone",)),
    Stage("vector_tone", _vector_tone, ("sentence_tone",)),
    Stage("profile", _profile, compare.PROFILE_NEEDS),
    Stage("contrasts", _contrasts, compare.CONTRASTS_NEEDS + ("_gazetteer",)),
    Stage("trends", _trends, TIME_NEEDS, settings=("period", "events")),
    Stage("event_shifts", _event_shifts, TIME_NEEDS + ("_dtm",), settings=("events",)),
    Stage("period_contrasts", _period_contrasts, TIME_NEEDS, settings=("period", "events")),
)


def by_name(stages=STAGES) -> dict[str, Stage]:
    """{name: record} of `stages`."""
    return {s.name: s for s in stages}


def settings_of(stages=STAGES) -> tuple[str, ...]:
    """The names of the settings the stages read, in declaration order."""
    return tuple(dict.fromkeys(k for s in stages for k in s.settings))


def order(stages=STAGES) -> list[Stage]:
    """The records in run order: declaration order, each stage after every stage it needs.
    Raises ValueError naming a stage that needs an unknown table or a cycle."""
    named = by_name(stages)
    for s in stages:
        unknown = [n for n in s.needs if n not in named]
        if unknown:
            raise ValueError(f"stage {s.name!r} needs {unknown}, which no stage computes")
    done: dict[str, Stage] = {}
    visiting: set[str] = set()

    def visit(s: Stage):
        if s.name in done:
            return
        if s.name in visiting:
            raise ValueError(f"stages depend on each other in a cycle through {s.name!r}")
        visiting.add(s.name)
        for n in s.needs:
            visit(named[n])
        visiting.discard(s.name)
        done[s.name] = s

    for s in stages:
        visit(s)
    return list(done.values())
