"""Dyads: who does what with whom - event coding of the focal country's relations.

Event-data coding (CAMEO, PLOVER; docs/methods.md, "Dyads (event coding)") codes a
sentence as a source actor, an action and a target actor. Here the source is an actor of the
focal country (the gazetteer's ``focal`` vector: Kazakhstan by default), the target an actor
of a partner vector, and the action one of the relation types of the codebook's
``relations`` section (meeting, agreement, trade, security, mediation, conflict).

The rule, for each sentence:

1. the sentence holds a relation term of a type (a term inside an actor's name, such as
   "Cooperation" in "Shanghai Cooperation Organisation", does not count);
2. it names an actor of a partner vector;
3. it names an actor of the focal country, or it refers back to one (a phrase of the
   codebook's ``referents``: "the country", "both sides" ...) named within
   ``window`` sentences before or after it *in the same paragraph*: "The president later
   met Putin" after "Tokayev arrived in Moscow". A paragraph break ends the window. The window stands
   in for the focal country only: a sentence naming Kazakhstan and trade is not a dyad
   with China named in the sentence before.

The name of the focal country, its capital or its adjective (not a person or an
organisation) right after a word of the codebook's ``places`` ("talks in Astana"), or after
a comma ("Almaty, Kazakhstan"; "Russia, China, and Kazakhstan"), names a place or one item
of a list, and is not an actor of a dyad: news reports many meetings *in* a country that
are not *with* it.

One dyad is one sentence x partner vector x relation type; its focal and partner actors are
the ones named in the sentence, else in the nearest sentence of the window (the earlier on
a tie); of several, a person first, then an organisation, a capital or other metonym, the
country's name, an acronym, an adjective ("Macron" before "French"), then the first named.
Without an actor of the focal country within reach nothing is found, however many partners
and relation terms a sentence has: US domestic news about Putin's meetings yields no dyads.
Actors are the rows of :func:`kzmedia.actors.mentions`; terms are matched by the one
pattern engine (:mod:`kzmedia.patterns`), so the grammar is the codebook's.

Dyads of a partner vector that the codebook maps to a frame (``relations.frames``) are also
frame hits of that frame (:func:`kzmedia.frames.hits`, ``via="dyad"``).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from . import actors, frames, patterns, stats
from .text import sentences as _split_sentences

__all__ = ["find", "counts", "paragraph_numbers", "empty_dyads", "empty_counts", "count_columns",
           "COLUMNS"]

#: The columns of :func:`find`.
COLUMNS = ["doc_id", "outlet", "sent_id", "vector", "relation", "focal_actor", "partner_actor",
           "relation_term", "focal_sent_id", "partner_sent_id", "term_start", "term_end",
           "sentence"]

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")

# which of several actors of a side in one sentence names the dyad (gazetteer alias kinds)
_KIND_ORDER = ("leader", "organisation", "metonym", "name", "acronym", "adjective")


def paragraph_numbers(text: str, sentences: list[str]) -> list[int]:
    """The paragraph (0, 1, ...) of each of ``sentences``, the sentences of ``text`` in order
    (as :func:`kzmedia.text.sentences` gives them: stripped pieces of the text, a paragraph
    break always a sentence break). Each sentence is looked up after the previous one; a
    blank line between them starts a new paragraph. A sentence not found in the text is put
    in a paragraph of its own, so that no window reaches across it."""
    out, pos, para = [], 0, 0
    for s in sentences:
        at = text.find(s, pos) if s else -1
        if at < 0:
            para += 1
            out.append(para)
            para += 1
            continue
        if out and _PARAGRAPH_BREAK.search(text, pos, at):
            para += 1
        out.append(para)
        pos = at + len(s)
    return out


def _words(words) -> re.Pattern:
    """One regex for any of ``words`` (patterns of the grammar); matches nothing without."""
    return re.compile("|".join(patterns.parse(w).regex() for w in words) or r"(?!x)x")


def _before(words, tail: str, other: str) -> re.Pattern:
    """A regex for text that ends with one of ``words`` and ``tail``, or with ``other``
    (searched in ``sentence[:start]`` of a mention: what comes right before it)."""
    alts = [f"(?:{patterns.parse(w).regex()})\\s+{tail}" for w in words] + [other]
    return re.compile("|".join(alts))


def _codebook_relations(codebook, gazetteer):
    cb = frames.load_codebook(codebook, gazetteer=gazetteer)
    if cb.relations is None:
        raise ValueError(f"{cb.source}: the codebook has no 'relations' section, so no dyads "
                         "can be found (see kzmedia/data/frames.yaml for the grammar)")
    return cb


def empty_dyads() -> pd.DataFrame:
    """A :func:`find` table without rows (what a codebook without relation rules finds)."""
    return pd.DataFrame({c: pd.Series(dtype="int64" if c.endswith(("_id", "_start", "_end"))
                                      and c != "doc_id" else "str") for c in COLUMNS})


def empty_counts(by: str = "outlet") -> pd.DataFrame:
    """A :func:`counts` table without rows."""
    return pd.DataFrame(columns=count_columns(by))


def count_columns(by: str = "outlet") -> list[str]:
    """The columns of :func:`counts` grouped by `by`."""
    return [by, "vector", "relation", "n_articles", "n_dyads", "n_articles_with",
            "share_of_dyads", "share_of_articles", "ci_low", "ci_high", "interval",
            "article_values"]


def find(articles: pd.DataFrame, codebook=None, *, gazetteer=None, sentences=None,
         mentions_table=None, focal: str | None = None, window: int | None = None,
         method: str = "fast") -> pd.DataFrame:
    """The dyads of the focal country's relations, one row per sentence x partner vector x
    relation type (module docstring).

    Returns DataFrame[doc_id, outlet, sent_id, vector, relation, focal_actor, partner_actor,
    relation_term, focal_sent_id, partner_sent_id, term_start, term_end, sentence] sorted by
    doc_id, sent_id, vector, relation: ``vector`` is the partner vector, ``relation`` the
    relation type, ``relation_term`` the first term of that type as written (at
    ``sentence[term_start:term_end]``), ``focal_sent_id``/``partner_sent_id`` the sentences
    that name the two actors (equal to ``sent_id`` unless found in the window).

    ``codebook``: a codebook with a ``relations`` section (default: the package's);
    ``gazetteer``: its actors (default: the codebook's); ``focal``: the focal vector (default:
    the gazetteer's ``focal``; any other vector of the gazetteer studies that country);
    ``window``: sentences either side within the paragraph (default: the codebook's).
    ``sentences``/``mentions_table``: precomputed :func:`kzmedia.text.sentences` and
    :func:`kzmedia.actors.mentions` tables. ``articles`` needs ``doc_id`` and ``text`` (its
    paragraphs bound the window; given the sentences, an article without ``text`` has no
    window) and, if present, ``outlet`` is carried along.
    """
    cb = _codebook_relations(codebook, gazetteer)
    rel = cb.relations
    gaz = cb.gazetteer
    focal = gaz.focal if focal is None else focal
    if focal not in set(gaz.vectors.vector):
        raise ValueError(f"dyads.find: focal vector {focal!r} is not in the gazetteer "
                         f"({gaz.source}); it has {sorted(gaz.vectors.vector)}")
    window = rel.window if window is None else int(window)
    if window < 0:
        raise ValueError(f"dyads.find: window must be >= 0, got {window}")
    sents = _split_sentences(articles) if sentences is None else sentences
    men = actors.mentions(articles, gaz, sentences=sents, method=method) \
        if mentions_table is None else mentions_table
    empty = empty_dyads()
    rank = {k: i for i, k in enumerate(_KIND_ORDER)}
    kind_of = dict(zip(gaz.aliases["alias"], gaz.aliases["kind"].map(rank)))
    men = men[["doc_id", "sent_id", "vector", "actor", "alias", "start", "end"]]
    is_focal = men["vector"] == focal
    # only articles naming both the focal country and a partner can hold a dyad
    both = set(men.loc[is_focal, "doc_id"]) & set(men.loc[~is_focal, "doc_id"])
    if not both:
        return empty
    men = men[men["doc_id"].isin(both)]
    sub = sents[sents["doc_id"].isin(both)]
    # without the text, paragraphs are unknown: each sentence is its own (no window)
    text_of = (articles.assign(doc_id=articles["doc_id"].astype(str)).set_index("doc_id")["text"]
               if "text" in articles else {})

    place = _before(rel.places, r"(?:the\s+)?$", r",\s*(?:(?:and|or)\s+)?(?:the\s+)?$")
    refers = _words(rel.referents)

    # per article: each sentence's paragraph, and the actors each sentence names
    anchors, where = [], []          # candidate sentences: (row in sub) and their context
    by_doc = {d: g for d, g in men.groupby("doc_id", sort=False)}
    for doc, g in sub.groupby("doc_id", sort=True):
        ids = g["sent_id"].tolist()
        texts = dict(zip(ids, g["sentence"].astype(str)))
        paras = paragraph_numbers(str(text_of.get(doc, "")), list(texts.values()))
        para_of = dict(zip(ids, paras))
        named: dict = {}             # sent_id -> [(vector, actor)], by preference
        spans: dict = {}             # sent_id -> [(start, end)] of every actor mention
        for r in by_doc[doc].itertuples(index=False):
            spans.setdefault(r.sent_id, []).append((r.start, r.end))
            kind = kind_of.get(r.alias, len(rank))
            if (r.vector == focal and kind >= rank["metonym"]
                    and place.search(texts.get(r.sent_id, ""), 0, r.start)):
                continue             # the country's name as a place or list item
            named.setdefault(r.sent_id, []).append((kind, r.start, (r.vector, r.actor)))
        named = {sid: [x[-1] for x in sorted(v)] for sid, v in named.items()}
        for row, sid in zip(g.index, ids):
            here = {v for v, _ in named.get(sid, ())}
            if not here - {focal}:
                continue             # the sentence must name a partner
            near = [sid]
            if focal not in here and refers.search(texts[sid]):
                near = [s for s in range(sid - window, sid + window + 1)
                        if s in named and para_of.get(s) == para_of[sid]]
            if any(v == focal for s in near for v, _ in named[s]):
                anchors.append(row)
                where.append((doc, sid, near, named, spans.get(sid, [])))
    if not anchors:
        return empty

    texts = sub.loc[anchors, "sentence"].astype(str).tolist()
    k_idx, starts, ends, _, targets = rel.matcher(method).matches(texts)
    terms: dict = {}                 # anchor -> {relation: (term, start, end)}, first term
    for k, a, b, (relation, _) in zip(k_idx, starts, ends, targets):
        if any(s < b and a < e for s, e in where[k][4]):      # inside an actor's name
            continue
        terms.setdefault(k, {}).setdefault(relation, (texts[k][a:b], a, b))

    def nearest(named, near, sid, want):
        """(actor, sent_id) of the first actor satisfying `want` in the sentence, else the
        nearest sentence of the window (the earlier on a tie)."""
        for s in sorted(near, key=lambda s: (abs(s - sid), s)):
            for v, actor in named[s]:
                if want(v):
                    return actor, s
        return None

    rows = []
    for k, found in terms.items():
        doc, sid, near, named, _ = where[k]
        # the sentence names the partner; the window stands in for the focal actor only
        partners = sorted({v for v, *_ in named[sid]} - {focal})
        for vector in partners:
            fa = nearest(named, near, sid, lambda v: v == focal)
            pa = nearest(named, near, sid, lambda v, vec=vector: v == vec)
            for relation, (term, a, b) in found.items():
                rows.append((doc, sid, vector, relation, fa[0], pa[0], term, fa[1], pa[1], a, b,
                             texts[k]))
    if not rows:
        return empty
    out = pd.DataFrame(rows, columns=[c for c in COLUMNS if c != "outlet"])
    order = {r: i for i, r in enumerate(rel.types)}
    out = out.assign(_r=out["relation"].map(order)) \
        .sort_values(["doc_id", "sent_id", "vector", "_r"], kind="stable").drop(columns="_r")
    if "outlet" in articles:
        out = out.merge(articles[["doc_id", "outlet"]].astype({"doc_id": str}), on="doc_id",
                        how="left")
    else:
        out["outlet"] = ""
    for c in ("sent_id", "focal_sent_id", "partner_sent_id", "term_start", "term_end"):
        out[c] = out[c].astype("int64")
    return out[COLUMNS].reset_index(drop=True)


def counts(articles: pd.DataFrame, by: str = "outlet", codebook=None, *, gazetteer=None,
           dyads_table=None, sentences=None, focal: str | None = None, ci: float = 0.95,
           n_resamples: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Which diplomatic interactions each group reports: dyads per group x partner vector x
    relation type (zeros included).

    Returns DataFrame[<by>, vector, relation, n_articles, n_dyads, n_articles_with,
    share_of_dyads, share_of_articles, ci_low, ci_high, interval, article_values]:
    ``n_dyads`` the group's dyad sentences of that vector and type, ``share_of_dyads`` their
    share of all the group's dyads (NaN for a group without dyads), ``share_of_articles``
    the share of the group's ``n_articles`` articles with at least one such dyad - the
    article is the unit, and ``ci_low``/``ci_high``/``interval``/``article_values`` follow
    the small-n rules of :func:`kzmedia.stats.summarize` (n=1: no interval; 2-4: the range;
    5 or more: bootstrap over articles). ``dyads_table``: a precomputed :func:`find` table.
    """
    cb = _codebook_relations(codebook, gazetteer)
    gaz = cb.gazetteer
    focal = gaz.focal if focal is None else focal
    d = find(articles, cb, sentences=sentences, focal=focal) if dyads_table is None \
        else dyads_table
    groups = articles[["doc_id", by]].astype({"doc_id": str})
    partners = [v for v in gaz.vectors.vector if v != focal]
    cells = pd.MultiIndex.from_product([partners, cb.relations.types],
                                       names=["vector", "relation"]).to_frame(index=False)
    d = d[["doc_id", "sent_id", "vector", "relation"]].astype({"doc_id": str}) \
        .merge(groups, on="doc_id")
    n_dyads = d.groupby([by, "vector", "relation"]).size().rename("n_dyads")
    with_ = d.drop_duplicates(["doc_id", "vector", "relation"])
    n_with = with_.groupby([by, "vector", "relation"]).size().rename("n_articles_with")
    # the article-level 0/1 values: summarized where a group has dyads of the cell; every
    # other cell of a group has the group's all-zero summary
    zero = stats.summarize(groups.assign(v=0.0), "v", by, ci=ci, n_resamples=n_resamples,
                           seed=seed).set_index(by)
    if len(with_):
        present = with_[["doc_id", "vector", "relation"]].assign(v=1.0)
        cellgroups = with_[[by, "vector", "relation"]].drop_duplicates()
        values = cellgroups.merge(groups, on=by).merge(present, how="left",
                                                       on=["doc_id", "vector", "relation"])
        values["v"] = values["v"].fillna(0.0)
        summ = stats.summarize(values, "v", [by, "vector", "relation"], ci=ci,
                               n_resamples=n_resamples, seed=seed)
    else:
        summ = pd.DataFrame(columns=[by, "vector", "relation", "n_articles", "mean", "ci_low",
                                     "ci_high", "interval", "article_values"])
    out = groups[[by]].drop_duplicates().merge(cells, how="cross")
    out = out.join(n_dyads, on=[by, "vector", "relation"]) \
        .join(n_with, on=[by, "vector", "relation"])
    out = out.merge(summ, on=[by, "vector", "relation"], how="left")
    miss = out["interval"].isna().to_numpy()
    for col in ("n_articles", "mean", "ci_low", "ci_high", "interval", "article_values"):
        filled = out[by].map(zero[col])
        out[col] = [z if m else v for m, v, z in zip(miss, out[col], filled)]
    for c in ("n_dyads", "n_articles_with", "n_articles"):
        out[c] = out[c].fillna(0).astype(int)
    total = out.groupby(by)["n_dyads"].transform("sum")
    out["share_of_dyads"] = out["n_dyads"] / total.replace(0, np.nan)
    out = out.rename(columns={"mean": "share_of_articles"})
    out["share_of_articles"] = out["share_of_articles"].astype(float)
    for c in ("ci_low", "ci_high"):
        out[c] = out[c].astype(float)
    order_v = {v: i for i, v in enumerate(partners)}
    order_r = {r: i for i, r in enumerate(cb.relations.types)}
    out = out.assign(_v=out["vector"].map(order_v), _r=out["relation"].map(order_r)) \
        .sort_values([by, "_v", "_r"], kind="stable")
    return out[count_columns(by)].reset_index(drop=True)
