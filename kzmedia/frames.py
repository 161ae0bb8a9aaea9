"""Frames: codebook loading, sentence-level frame hits with evidence, prevalence, validation.

A codebook (default: ``kzmedia/data/frames.yaml``) maps each frame to patterns in the grammar
of docs/methods.md ("Pattern grammar"), matched by :mod:`kzmedia.patterns`. A frame counts once per
sentence however many of its patterns hit; articles aggregate to presence (any sentence),
share of sentences and hits per 1,000 words; groups (outlets) aggregate articles, with the
article as the unit of uncertainty. A codebook's ``relations`` section (:class:`Relations`)
adds hits found by the relation rules of :mod:`kzmedia.dyads`: a dyad of the focal country
with a partner counts for the partner's frame (``via="dyad"`` in :func:`hits`).

Validation workflow (Grimmer & Stewart 2013; docs/methods.md, "Validation")::

    sheet, key = frames.sample_for_coding(articles, n=200, seed=0)
    sheet.to_csv("coding_sheet.csv", index=False)     # coders fill 0/1 per frame column;
    key.to_csv("coding_key.csv", index=False)         # keep the key away from the coders
    # two coders: copy each frame column to <frame>__coder1 and <frame>__coder2;
    # after adjudication, put the agreed code in <frame> itself
    coded = pd.read_csv("coding_sheet_filled.csv")
    frames.evaluate(coded, key, half="dev")            # iterate on the codebook with "dev"
    frames.evaluate(coded, key, half="test")           # report "test" once, at the end

Growing a codebook (docs/methods.md, "Growing a codebook")::

    cand = frames.suggest(articles, "china_partnership")   # terms over-represented in its sentences
    frames.add_patterns("my_frames.yaml", "china_partnership", ["silk road fund"])
    frames.hits(articles, codebook="my_frames.yaml")

Classifiers trained on the coded sheet, and prevalence corrected for their error rates, are in
:mod:`kzmedia.coding`.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
import yaml

from . import actors, patterns, stats, terms, text
from .patterns import as_list, check_mapping
from .text import sentences as _split_sentences

__all__ = [
    "Codebook",
    "Relations",
    "load_codebook",
    "hits",
    "article_scores",
    "group_scores",
    "scores",
    "sample_for_coding",
    "gold_codes",
    "evaluate",
    "suggest",
    "add_patterns",
]

META_KEYS = actors.META_KEYS
_TOP_KEYS = set(META_KEYS) | {"unit", "strip", "frames", "notes", "relations"}
_RELATION_KEYS = {"window", "referents", "places", "frames", "types"}
_RELATION_TYPE_KEYS = {"label", "patterns", "case_sensitive_patterns", "notes"}
_FRAME_KEYS = {"label", "kind", "description", "grounded_in", "patterns", "case_sensitive_patterns",
               "context_patterns", "ambiguous_do_not_add", "notes"}
_KINDS = {"issue", "generic"}


@dataclass(frozen=True)
class Relations:
    """The relation rules of a codebook (its ``relations`` section; :mod:`kzmedia.dyads`).

    ``terms``: DataFrame[relation, label, pattern, case_sensitive], the relation terms per
    relation type, in the order listed; ``frames``: DataFrame[vector, frame], the frame a
    partner vector's dyads count for; ``window``: sentences before and after, within the
    paragraph, where the focal actor may be named; ``referents``: the words by which a
    sentence refers back to the focal actor (the window applies only to a sentence with one
    of them); ``places``: the words before a focal-country name that make it a place
    ("talks in Kazakhstan"), not an actor; ``strip``: the codebook's strip phrases.
    """

    terms: pd.DataFrame
    frames: pd.DataFrame
    window: int
    strip: tuple
    referents: tuple = ()
    places: tuple = ()

    @property
    def types(self) -> list[str]:
        """The relation types, in the order listed."""
        return list(dict.fromkeys(self.terms["relation"]))

    def matcher(self, method: str = "fast") -> patterns.Matcher:
        """The relation terms' :class:`kzmedia.patterns.Matcher` (a span counts once per
        relation type), built once per process."""
        entries = tuple(patterns.Entry(r.pattern, bool(r.case_sensitive), (r.relation, r.pattern),
                                       r.relation) for r in self.terms.itertuples())
        return patterns.matcher(entries, tuple(self.strip), overlapping=True, method=method)


def _relations(spec, where: str, frame_names: set, gaz: actors.Gazetteer,
               strip: tuple) -> Relations | None:
    """The ``relations`` section of a codebook, validated (None when there is none)."""
    if spec is None:
        return None
    w = f"{where}: relations"
    check_mapping(spec, _RELATION_KEYS, w, f"a mapping with keys {sorted(_RELATION_KEYS)}")
    window = spec.get("window", 0)
    if isinstance(window, bool) or not isinstance(window, int) or window < 0:
        raise ValueError(f"{w}: window must be a whole number of sentences >= 0, got {window!r}")
    words = {}
    for key in ("referents", "places"):
        words[key] = tuple(str(p).strip() for p in as_list(spec.get(key), f"{w} {key}"))
        for p in words[key]:
            if not p:
                raise ValueError(f"{w} {key}: empty pattern")
            patterns.parse(p, False, f"{w} {key}")
    vmap = spec.get("frames") or {}
    if not isinstance(vmap, dict):
        raise ValueError(f"{w}: frames must map partner vector -> frame")
    vectors = set(gaz.vectors.vector)
    for vector, frame in vmap.items():
        if vector not in vectors:
            raise ValueError(f"{w}: frames names vector {vector!r}, which the gazetteer "
                             f"({gaz.source}) lacks; it has {sorted(vectors)}")
        if frame not in frame_names:
            raise ValueError(f"{w}: vector {vector!r} maps to frame {frame!r}, which is not "
                             f"a frame of the codebook; it has {sorted(frame_names)}")
    types = spec.get("types")
    if not isinstance(types, dict) or not types:
        raise ValueError(f"{w}: types must be a non-empty mapping of relation type -> patterns")
    rows = []
    for relation, t in types.items():
        wt = f"{w} type {relation!r}"
        check_mapping(t, _RELATION_TYPE_KEYS, wt, "a mapping with 'patterns'")
        items = [(p, False) for p in as_list(t.get("patterns"), f"{wt} patterns")]
        items += [(p, True) for p in as_list(t.get("case_sensitive_patterns"), wt)]
        if not items:
            raise ValueError(f"{wt}: no patterns")
        seen = {}
        for p, cs in items:
            if not isinstance(p, str) or not p.strip():
                raise ValueError(f"{wt}: empty pattern")
            src = patterns.parse(p.strip(), cs, wt).key
            if src in seen:
                raise ValueError(f"{wt}: duplicate pattern {p!r} (same as {seen[src]!r})")
            seen[src] = p
            rows.append((str(relation), str(t.get("label", relation)), p.strip(), cs))
    return Relations(
        terms=pd.DataFrame(rows, columns=["relation", "label", "pattern", "case_sensitive"]),
        frames=pd.DataFrame(list(vmap.items()), columns=["vector", "frame"]),
        window=window, strip=strip, referents=words["referents"], places=words["places"])


@dataclass(frozen=True)
class Codebook:
    """A validated frame codebook.

    ``frames``: DataFrame[frame, label, kind, description]; ``patterns``:
    DataFrame[frame, pattern, case_sensitive, context] (context: tuple of gazetteer vectors,
    empty when the pattern is not gated); ``strip``: phrases blanked before matching;
    ``meta``: name, version, description, sources, license; ``source``: where it was read
    from; ``gazetteer``: the gazetteer used for context gating and dyads; ``relations``: the
    relation rules (:class:`Relations`), or None when the codebook has none.
    """

    frames: pd.DataFrame
    patterns: pd.DataFrame
    strip: tuple
    meta: dict
    source: str
    gazetteer: actors.Gazetteer
    relations: Relations | None = None

    def matcher(self, method: str = "fast") -> patterns.Matcher:
        """The codebook's :class:`kzmedia.patterns.Matcher` (``method``: "fast" or
        "reference", the same matches), built once per process."""
        entries = tuple(patterns.Entry(r.pattern, bool(r.case_sensitive),
                                       (r.frame, r.pattern, r.context), r.frame, r.context)
                        for r in self.patterns.itertuples())
        return patterns.matcher(entries, tuple(self.strip), overlapping=True, method=method)


def _quanteda(data: dict, where: str) -> dict:
    """A quanteda-style dictionary (nested keys -> lists of glob patterns) as a codebook dict.

    Frame names are the key paths joined with "." (``economy.trade``).
    """
    frames: dict = {}

    def walk(node, path):
        if isinstance(node, (list, str)):
            pats = as_list(node, f"{where}: {'.'.join(path)}")
            frames[".".join(path)] = {"label": ".".join(path), "patterns": pats}
        elif isinstance(node, dict) and node:
            for k, v in node.items():
                walk(v, path + [str(k)])
        else:
            raise ValueError(f"{where}: key {'.'.join(path)!r}: expected a list of patterns or a "
                             f"mapping, got {node!r}")

    walk(data, [])
    for name, spec in frames.items():
        bad = [p for p in spec["patterns"] if isinstance(p, str) and ("?" in p or p.startswith("*"))]
        if bad:
            raise ValueError(f"{where}: frame {name!r}: pattern {bad[0]!r} cannot be compiled: only a "
                             "trailing '*' is supported (no '?' or leading '*')")
    return {"name": where, "frames": frames}


def load_codebook(source=None, *, gazetteer=None) -> Codebook:
    """Load and validate a frame codebook.

    ``source``: None (the package default ``kzmedia/data/frames.yaml``), a YAML path, a dict,
    a :class:`Codebook`, or a quanteda-style dictionary (YAML or dict without a ``frames`` key:
    nested keys -> lists of patterns; each leaf becomes a frame named by its key path).
    ``gazetteer``: used to check and evaluate context gates (default: the package gazetteer).
    Raises ValueError naming the file, frame and pattern for unknown keys, frames without
    patterns, empty or duplicate patterns, patterns that cannot be compiled and context
    vectors the gazetteer lacks.
    """
    if isinstance(source, Codebook):
        return source
    gaz = actors.load_gazetteer(gazetteer)
    data, where = patterns.read_yaml(source, "frames.yaml")
    if "frames" not in data:
        data = _quanteda(data, where)
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown top-level keys {sorted(unknown)}; allowed: {sorted(_TOP_KEYS)}")
    spec = data["frames"]
    if not isinstance(spec, dict) or not spec:
        raise ValueError(f"{where}: 'frames' must be a non-empty mapping of frame name -> definition")
    vectors = set(gaz.vectors.vector)
    frows, prows = [], []
    for frame, f in spec.items():
        w = f"{where}: frame {frame!r}"
        check_mapping(f, _FRAME_KEYS, w)
        kind = f.get("kind", "issue")
        if kind not in _KINDS:
            raise ValueError(f"{w}: kind must be one of {sorted(_KINDS)}, got {kind!r}")
        ctx = f.get("context_patterns") or {}
        if not isinstance(ctx, dict):
            raise ValueError(f"{w}: context_patterns must map pattern -> list of vectors")
        items = [(p, False, ()) for p in as_list(f.get("patterns"), f"{w} patterns")]
        items += [(p, True, ()) for p in as_list(f.get("case_sensitive_patterns"), w)]
        for p, vs in ctx.items():
            vs = as_list(vs, f"{w} context pattern {p!r}")
            missing = sorted(set(vs) - vectors)
            if not vs or missing:
                raise ValueError(f"{w}: context pattern {p!r} names vectors {missing or vs} that the "
                                 f"gazetteer ({gaz.source}) lacks; it has {sorted(vectors)}")
            items.append((p, False, tuple(vs)))
        if not items:
            raise ValueError(f"{w}: no patterns")
        seen = {}
        for p, cs, vs in items:
            if not isinstance(p, str) or not p.strip():
                raise ValueError(f"{w}: empty pattern")
            src = patterns.parse(p.strip(), cs, w).key
            if src in seen:
                raise ValueError(f"{w}: duplicate pattern {p!r} (same as {seen[src]!r})")
            seen[src] = p
            prows.append((frame, p.strip(), cs, vs))
        frows.append((frame, str(f.get("label", frame)), kind, str(f.get("description", "")).strip()))
    strip = tuple(as_list(data.get("strip"), f"{where}: strip"))
    for s in strip:
        patterns.parse(s, False, f"{where}: strip")
    relations = _relations(data.get("relations"), where, set(spec), gaz, strip)
    return Codebook(
        frames=pd.DataFrame(frows, columns=["frame", "label", "kind", "description"]),
        patterns=pd.DataFrame(prows, columns=["frame", "pattern", "case_sensitive", "context"]),
        strip=strip, meta={k: data.get(k) for k in META_KEYS}, source=where, gazetteer=gaz,
        relations=relations)


def _sentences(articles, sentences):
    return _split_sentences(articles) if sentences is None else sentences


def _n_words(articles: pd.DataFrame) -> pd.Series:
    if "n_words" in articles:
        return articles.set_index("doc_id")["n_words"]
    return articles.set_index("doc_id")["text"].str.count(r"\S+")


def hits(articles: pd.DataFrame, codebook=None, *, sentences=None, gazetteer=None,
         method: str = "fast", dyads_table=None) -> pd.DataFrame:
    """Frame evidence: one row per pattern match, and one per dyad of a partner's frame.

    Returns DataFrame[doc_id, outlet, sent_id, frame, pattern, match, sentence, via] sorted
    by doc_id, sent_id, then the pattern hits by position and the dyad hits after them;
    ``match`` is the text as written, ``sentence`` the original sentence (strip phrases are
    blanked only for matching). A span counts once per frame; context-gated patterns appear
    only when the sentence mentions one of their vectors. ``via`` says how a hit was found:
    "pattern" (a codebook pattern) or "dyad" (the relation rules of the codebook's
    ``relations`` section, :mod:`kzmedia.dyads`: a dyad with a partner vector mapped to the
    frame; ``pattern`` is then "dyad:<relation type>" and ``match`` the relation term, one
    row per sentence x frame x relation type, left out where the term is inside a pattern
    hit of the same frame). ``sentences``: a precomputed ``kzmedia.text.sentences(articles)``
    table; ``dyads_table``: a precomputed :func:`kzmedia.dyads.find` table (computed here when
    the codebook has relation rules and none is given). ``method``: "fast" (default) or
    "reference" (:mod:`kzmedia.patterns`; the same rows).
    """
    cb = load_codebook(codebook, gazetteer=gazetteer)
    sents = _sentences(articles, sentences)
    context = None
    if any(cb.patterns.context.map(len)):
        gm = cb.gazetteer.matcher(method)

        def context(texts):                     # the vectors each sentence mentions
            present = [set() for _ in texts]
            for k, *_, t in zip(*gm.matches(texts)):
                present[k].add(t[0])
            return present

    texts = sents["sentence"].tolist()
    found = cb.matcher(method).matches(texts, context)
    out = patterns.match_table(sents, texts, found, ("frame", "pattern"))
    out["sentence"] = sents["sentence"].astype("str").array.take(
        np.fromiter(found[0], dtype=np.intp, count=len(found[0])))
    out["via"] = "pattern"
    if cb.relations is not None and len(cb.relations.frames):
        out = pd.concat([out, _dyad_hits(articles, cb, sents, out, found, dyads_table, method)],
                        ignore_index=True)
    out = out.merge(articles[["doc_id", "outlet"]], on="doc_id", how="left")
    cols = ["doc_id", "outlet", "sent_id", "frame", "pattern", "match", "sentence", "via"]
    return out[cols].sort_values(["doc_id", "sent_id"], kind="stable").reset_index(drop=True)


def _dyad_hits(articles, cb: Codebook, sents, pattern_hits, found, dyads_table, method):
    """The frame hits of the dyads (see :func:`hits`), as rows of the pattern hits' table."""
    if dyads_table is None:
        from . import dyads      # dyads reads the codebooks this module loads
        dyads_table = dyads.find(articles, cb, sentences=sents, method=method)
    d = dyads_table.merge(cb.relations.frames, on="vector")
    cols = ["doc_id", "sent_id", "frame", "pattern", "match", "sentence", "via"]
    if not len(d):
        return pd.DataFrame({c: pd.Series(dtype=pattern_hits[c].dtype) for c in cols})
    d = d.drop_duplicates(["doc_id", "sent_id", "frame", "relation"])
    # a relation term inside a pattern hit of the same frame is that hit already
    spans = pattern_hits[["doc_id", "sent_id", "frame"]].assign(
        _a=np.asarray(found[1], dtype=np.int64), _b=np.asarray(found[2], dtype=np.int64))
    m = d.reset_index().merge(spans, on=["doc_id", "sent_id", "frame"])
    inside = m.loc[(m["_a"] < m["term_end"]) & (m["term_start"] < m["_b"]), "index"]
    d = d.drop(index=inside.unique())
    out = pd.DataFrame({
        "doc_id": d["doc_id"].astype(pattern_hits["doc_id"].dtype),
        "sent_id": d["sent_id"].astype(pattern_hits["sent_id"].dtype),
        "frame": d["frame"],
        "pattern": "dyad:" + d["relation"],
        "match": d["relation_term"], "sentence": d["sentence"], "via": "dyad"})
    return out.astype({c: pattern_hits[c].dtype for c in cols if c != "via"})


def article_scores(articles: pd.DataFrame, codebook=None, *, sentences=None,
                   hits_table=None, gazetteer=None) -> pd.DataFrame:
    """Per article x frame (zeros included).

    Returns DataFrame[doc_id, outlet, frame, present (0/1), n_hits, n_sentences_with_frame,
    n_sentences, share_of_sentences, n_words, hits_per_1000_words] sorted by doc_id, frame.
    A frame counts once per sentence in ``n_sentences_with_frame``; ``n_hits`` counts spans.
    """
    cb = load_codebook(codebook, gazetteer=gazetteer)
    sents = _sentences(articles, sentences)
    h = hits(articles, cb, sentences=sents) if hits_table is None else hits_table
    n_sent = sents.groupby("doc_id").size()
    grid = articles[["doc_id", "outlet"]].merge(cb.frames[["frame"]], how="cross")
    n_hits = h.groupby(["doc_id", "frame"]).size().rename("n_hits")
    n_swf = h.drop_duplicates(["doc_id", "sent_id", "frame"]).groupby(["doc_id", "frame"]).size() \
        .rename("n_sentences_with_frame")
    out = grid.join(n_hits, on=["doc_id", "frame"]).join(n_swf, on=["doc_id", "frame"])
    for c in ("n_hits", "n_sentences_with_frame"):
        out[c] = out[c].fillna(0).astype(int)
    out["present"] = (out["n_sentences_with_frame"] > 0).astype(int)
    out["n_sentences"] = out["doc_id"].map(n_sent).fillna(0).astype(int)
    out["share_of_sentences"] = out["n_sentences_with_frame"] / out["n_sentences"].replace(0, np.nan)
    out["n_words"] = out["doc_id"].map(_n_words(articles)).astype(float)
    out["hits_per_1000_words"] = 1000 * out["n_hits"] / out["n_words"].replace(0, np.nan)
    cols = ["doc_id", "outlet", "frame", "present", "n_hits", "n_sentences_with_frame", "n_sentences",
            "share_of_sentences", "n_words", "hits_per_1000_words"]
    return out[cols].sort_values(["doc_id", "frame"]).reset_index(drop=True)


def group_scores(articles: pd.DataFrame, codebook=None, by: str = "outlet", *, sentences=None,
                 article_table=None, gazetteer=None, ci: float = 0.95, n_resamples: int = 2000,
                 seed: int = 0) -> pd.DataFrame:
    """Frame prevalence per group, the article as the unit (long format).

    Returns DataFrame[<by>, frame, label, measure, n_articles, mean, ci_low, ci_high, interval,
    article_values], two rows per group x frame: measure "share_of_articles" (mean of the 0/1
    presence = share of the group's articles with the frame) and "share_of_sentences" (mean
    over articles of the share of sentences with the frame). Intervals follow the small-n
    rules of :func:`kzmedia.stats.summarize` (n=1: none; n=2-4: range; n>=5: bootstrap).
    """
    cb = load_codebook(codebook, gazetteer=gazetteer)
    art = article_scores(articles, cb, sentences=sentences) if article_table is None else article_table
    if by not in art:
        art = art.merge(articles[["doc_id", by]], on="doc_id")
    measures = {"present": "share_of_articles", "share_of_sentences": "share_of_sentences"}
    out = stats.summarize(art, list(measures), [by, "frame"], unit="doc_id", ci=ci,
                          n_resamples=n_resamples, seed=seed)
    out["measure"] = out.pop("variable").map(measures)
    out = out.merge(cb.frames[["frame", "label"]], on="frame")
    cols = [by, "frame", "label", "measure", "n_articles", "mean", "ci_low", "ci_high", "interval",
            "article_values"]
    return out[cols].sort_values([by, "frame", "measure"]).reset_index(drop=True)


def scores(articles: pd.DataFrame, codebook=None, by: str = "outlet", **kwargs) -> dict:
    """Both tables at once: {"articles": article_scores(...), "groups": group_scores(...)}."""
    cb = load_codebook(codebook, gazetteer=kwargs.pop("gazetteer", None))
    art = article_scores(articles, cb, sentences=kwargs.pop("sentences", None))
    return {"articles": art,
            "groups": group_scores(articles, cb, by, article_table=art, **kwargs)}


def sample_for_coding(articles: pd.DataFrame, codebook=None, n: int = 200, seed: int = 0, *,
                      by: str = "outlet", sentences=None, hits_table=None, gazetteer=None):
    """Draw sentences for hand coding; returns ``(sheet, key)``.

    Stratified by ``by`` (equal quota per group where the group has enough sentences), and
    within each group about half sentences with a dictionary hit and half without; shortfalls
    are filled from the other stratum, then from any group. Items are shuffled and split at
    random into halves "dev" (iterate on the codebook) and "test" (report once).

    ``sheet``: DataFrame[item_id, half, doc_id, <by>, sent_id, sentence, <frame>...] with the
    frame columns empty for coder_1 to fill with 0/1 (two coders: ``<frame>__coder1`` and
    ``<frame>__coder2``). The dictionary's codes are not on the sheet. ``key``:
    DataFrame[item_id, doc_id, sent_id, has_hit, <frame>...] with the dictionary's 0/1 codes,
    joined back by item_id in :func:`evaluate`.
    """
    cb = load_codebook(codebook, gazetteer=gazetteer)
    sents = _sentences(articles, sentences)
    h = hits(articles, cb, sentences=sents) if hits_table is None else hits_table
    pool = sents.merge(articles[["doc_id", by]], on="doc_id")
    codes = h.assign(v=1).pivot_table(index=["doc_id", "sent_id"], columns="frame", values="v",
                                      aggfunc="max", fill_value=0)
    codes = codes.reindex(columns=cb.frames.frame.tolist(), fill_value=0)
    pool = pool.join(codes, on=["doc_id", "sent_id"])
    frame_cols = cb.frames.frame.tolist()
    pool[frame_cols] = pool[frame_cols].fillna(0).astype(int)
    pool["has_hit"] = pool[frame_cols].max(axis=1).astype(bool)
    rng = np.random.default_rng(seed)
    pool = pool.iloc[rng.permutation(len(pool))].reset_index(drop=True)   # random order, fixed seed
    groups = sorted(pool[by].astype(str).unique())
    n = min(n, len(pool))
    quota = {g: n // len(groups) + (i < n % len(groups)) for i, g in enumerate(groups)} if groups else {}
    chosen = []
    for g in groups:
        sub = pool[pool[by].astype(str) == g]
        hit, miss = sub[sub.has_hit], sub[~sub.has_hit]
        k_hit = min(len(hit), max(quota[g] - len(miss), (quota[g] + 1) // 2))
        k_miss = min(len(miss), quota[g] - k_hit)
        chosen += hit.index[:k_hit].tolist() + miss.index[:k_miss].tolist()
    rest = pool.index.difference(chosen, sort=False)
    chosen += pool.loc[rest].sort_values("has_hit", ascending=False, kind="stable").index[
        : n - len(chosen)].tolist() if len(chosen) < n else []
    picked = pool.loc[chosen].iloc[rng.permutation(len(chosen))].reset_index(drop=True)
    picked.insert(0, "item_id", np.arange(1, len(picked) + 1))
    picked.insert(1, "half", np.where(rng.permutation(len(picked)) % 2 == 0, "dev", "test"))
    sheet = picked[["item_id", "half", "doc_id", by, "sent_id", "sentence"]].copy()
    for f in frame_cols:
        sheet[f] = np.nan
    key = picked[["item_id", "doc_id", "sent_id", "has_hit", *frame_cols]].copy()
    return sheet, key


def _binary(col: pd.Series, name: str) -> pd.Series:
    v = pd.to_numeric(col, errors="coerce")
    bad = v.notna() & ~v.isin([0, 1])
    if bad.any() or (col.notna() & v.isna()).any():
        raise ValueError(f"coding: column {name!r} must hold 0/1 codes (or be empty), "
                         f"got {sorted(map(str, col[col.notna()].unique()))[:5]}")
    return v.astype(float)


def gold_codes(coded: pd.DataFrame, frame: str) -> pd.Series:
    """The gold code of each coded item for ``frame``: 1.0, 0.0, or NaN when there is none.
    ``<frame>`` (a single or adjudicated code) when filled; otherwise ``<frame>__coder1``
    when it is the only coder; otherwise, with two or more coders, the code they agree on.
    ValueError when a column holds anything but 0/1 (or nothing)."""
    coders = [_binary(coded[c], c) for c in sorted(c for c in coded
                                                    if c.startswith(f"{frame}__coder"))]
    gold = (_binary(coded[frame], frame) if frame in coded
            else pd.Series(np.nan, index=coded.index))
    if len(coders) == 1:
        gold = gold.fillna(coders[0])
    elif len(coders) >= 2:
        agree = pd.concat(coders, axis=1).nunique(axis=1, dropna=False) == 1
        gold = gold.fillna(coders[0].where(agree))
    return gold


def _alpha(c1: pd.Series, c2: pd.Series) -> float:
    import krippendorff
    data = np.vstack([c1.to_numpy(float), c2.to_numpy(float)])
    data = data[:, ~np.isnan(data).all(axis=0)]
    if data.size == 0 or len(np.unique(data[~np.isnan(data)])) < 2:
        return float("nan")          # one value only: alpha is undefined
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def evaluate(coded: pd.DataFrame, dictionary: pd.DataFrame | None = None, *,
             half: str | None = None) -> pd.DataFrame:
    """Dictionary vs human codes per frame: precision, recall, F1, and Krippendorff's alpha.

    ``coded``: the sheet of :func:`sample_for_coding` with codes filled in. Per frame, the
    gold standard is ``<frame>`` (a single or adjudicated code) when filled; otherwise
    ``<frame>__coder1`` alone; otherwise, with two coders, the items on which
    ``<frame>__coder1`` and ``<frame>__coder2`` agree (disagreements are left out and
    counted). ``dictionary``: the key of :func:`sample_for_coding` (or any table with
    item_id and one 0/1 column per frame); if None, ``coded`` must carry
    ``<frame>__dictionary`` columns. ``half``: "dev" or "test" to evaluate one half only.

    Returns DataFrame[frame, n_items, n_gold, n_disagreements, gold_positive,
    dictionary_positive, tp, fp, fn, tn, precision, recall, f1, alpha] sorted by frame;
    ``alpha`` is Krippendorff's alpha (nominal) between coder1 and coder2 (NaN with one
    coder or when only one value occurs); precision/recall/F1 are NaN when undefined.
    """
    if half is not None:
        coded = coded[coded["half"] == half]
    if dictionary is None:
        dict_cols = {c[: -len("__dictionary")]: c for c in coded if c.endswith("__dictionary")}
        merged = coded
    else:
        skip = {"item_id", "doc_id", "sent_id", "has_hit", "half", "outlet"}
        frames_ = [c for c in dictionary.columns if c not in skip]
        dict_cols = {f: f"{f}__dictionary" for f in frames_}
        d = dictionary[["item_id", *frames_]].rename(columns=dict_cols)
        merged = coded.merge(d, on="item_id", how="left", validate="one_to_one")
    if not dict_cols:
        raise ValueError("evaluate: no dictionary codes (pass the key of sample_for_coding)")
    rows = []
    for f, dcol in sorted(dict_cols.items()):
        cs = [_binary(merged[c], c) for c in sorted(c for c in merged
                                                    if c.startswith(f"{f}__coder"))]
        alpha = _alpha(cs[0], cs[1]) if len(cs) >= 2 else float("nan")
        gold = gold_codes(merged, f)
        # with two or more coders, an item without a gold code is one they disagreed on
        n_dis = int((gold.isna() & cs[0].notna()).sum()) if len(cs) >= 2 else 0
        dic = _binary(merged[dcol], dcol)
        ok = gold.notna() & dic.notna()
        g, p = gold[ok].astype(int), dic[ok].astype(int)
        tp, fp = int(((g == 1) & (p == 1)).sum()), int(((g == 0) & (p == 1)).sum())
        fn, tn = int(((g == 1) & (p == 0)).sum()), int(((g == 0) & (p == 0)).sum())
        prec = tp / (tp + fp) if tp + fp else float("nan")
        rec = tp / (tp + fn) if tp + fn else float("nan")
        f1 = 2 * prec * rec / (prec + rec) if tp else (0.0 if (fp or fn) else float("nan"))
        rows.append((f, len(merged), int(ok.sum()), n_dis, int(g.sum()), int(p.sum()), tp, fp, fn, tn,
                     prec, rec, f1, alpha))
    return pd.DataFrame(rows, columns=["frame", "n_items", "n_gold", "n_disagreements", "gold_positive",
                                       "dictionary_positive", "tp", "fp", "fn", "tn", "precision",
                                       "recall", "f1", "alpha"])


# --------------------------------------------------------------------------- codebook growth

_SUGGEST_COLUMNS = ["frame", "rank", "term", "pattern", "n_words", "count_in", "count_out",
                    "sentences_in", "sentences_out", "articles_in", "n_frame_sentences",
                    "n_other_sentences", "g2", "log_ratio", "p", "z", "in_codebook",
                    "covered_by", "other_frames", "kwic_in", "kwic_out"]


def _ngram_analyzer(n: int, stop: frozenset):
    """The unigrams (``n`` = 1) or adjacent bigrams (``n`` = 2) of a sentence's tokens. A stop
    word is never a unigram and breaks the chain of bigrams, as in
    :func:`kzmedia.text.collocations`: "talks with Putin" gives no "talks putin"."""

    def analyzer(tokens: list[str]) -> list[str]:
        keep = [t not in stop for t in tokens]
        if n == 1:
            return [t for t, k in zip(tokens, keep) if k]
        return [f"{a} {b}" for a, b, ka, kb in zip(tokens, tokens[1:], keep, keep[1:]) if ka and kb]

    return analyzer


def _sentence_dtm(texts: list, doc_ids: np.ndarray, analyzer) -> terms.DocTerm:
    """Sentences (each a list of tokens) x n-grams counts as a :class:`kzmedia.terms.DocTerm` (sorted vocabulary)."""
    from sklearn.feature_extraction.text import CountVectorizer

    vec = CountVectorizer(analyzer=analyzer)
    try:
        matrix = vec.fit_transform(texts).tocsr()
    except ValueError:                       # no n-gram at all: an empty vocabulary
        return terms.DocTerm(sp.csr_matrix((len(texts), 0), dtype=np.int64), doc_ids,
                             np.array([], dtype=object))
    vocabulary = np.asarray(vec.get_feature_names_out(), dtype=object)
    order = np.argsort(vocabulary, kind="stable")
    matrix = matrix[:, order].tocsr()
    matrix.sort_indices()
    return terms.DocTerm(matrix, doc_ids, vocabulary[order])


def _covering_patterns(cb: Codebook, texts: list[str]) -> list[list[tuple[str, str]]]:
    """For each text, the (frame, pattern) of the codebook that match in it; context gates are
    taken as open (a candidate is a phrase, not a sentence with actors)."""
    if not texts:
        return []
    vectors = set(cb.gazetteer.vectors.vector)
    found = cb.matcher().matches(texts, lambda ts: [vectors] * len(ts))
    out: list[list[tuple[str, str]]] = [[] for _ in texts]
    for k, target in zip(found[0], found[4]):
        if (target[0], target[1]) not in out[k]:
            out[k].append((target[0], target[1]))
    return out


def suggest(articles: pd.DataFrame, frame: str, codebook=None, *, sentences=None,
            hits_table=None, gazetteer=None, measure: str = "g2", min_count: int = 3,
            top: int | None = 30, n_kwic: int = 3, window: int = 6, alpha0: float = 1000.0,
            stopwords=None, phrases=None) -> pd.DataFrame:
    """Candidate patterns for ``frame``: terms and two-word phrases over-represented in the
    sentences that carry the frame, against all other sentences (docs/methods.md, "Growing a
    codebook").

    ``articles``: the articles (``doc_id``, ``outlet``, ``text``) or a sentences table
    (``doc_id``, ``sent_id``, ``sentence``). A sentence carries the frame when ``hits_table``
    (default: :func:`hits` with ``codebook``) has a row of that frame for it: pass a hits
    table that includes other evidence (e.g. dyad-based rows) to count those sentences too,
    or a coded sheet's sentences with its positive codes as the hits table
    (``coded.loc[coded[frame] == 1, ["doc_id", "sent_id"]].assign(frame=frame)``) to learn
    from what the coders saw.
    Each sentence is one document of :func:`kzmedia.terms.keyness` (target "frame" against
    reference "rest"; unigrams and bigrams apart, each against its own totals); n-grams occurring at least ``min_count`` times are scored by G² (with
    log-ratio, p) and by the log-odds z with an informative Dirichlet prior (``alpha0``), and
    only over-represented ones (score > 0) are kept, ranked by ``measure`` ("g2" or
    "log_odds"). ``stopwords``, ``phrases``: as for :func:`kzmedia.text.make_tokenizer`; a
    stop word is never a candidate and breaks bigrams.

    ``in_codebook``: a pattern of the frame already matches in the candidate (``covered_by``
    lists them; its sentences already carry the frame, so it ranks high by construction);
    ``other_frames``: other frames whose patterns match in it. ``top``: the list stops after
    the ``top``-th candidate not in the codebook (None: all). ``kwic_in`` / ``kwic_out``: up
    to ``n_kwic`` keyword-in-context lines (``window`` words each side, :func:`kzmedia.terms.kwic`)
    from sentences with and without the frame: the lines without it are the sentences the
    candidate would add to the frame.

    Returns DataFrame[frame, rank, term, pattern (the term in the pattern grammar), n_words,
    count_in, count_out (occurrences), sentences_in, sentences_out (sentences containing it),
    articles_in (articles among its frame sentences), n_frame_sentences, n_other_sentences,
    g2, log_ratio, p, z, in_codebook, covered_by, other_frames, kwic_in, kwic_out] sorted by
    rank; empty when no sentence, or every sentence, carries the frame.
    """
    if measure not in ("g2", "log_odds"):
        raise ValueError(f"suggest: measure must be 'g2' or 'log_odds', not {measure!r}")
    cb = load_codebook(codebook, gazetteer=gazetteer)
    if frame not in set(cb.frames.frame):
        raise ValueError(f"suggest: frame {frame!r} is not in the codebook ({cb.source}); it has "
                         f"{', '.join(cb.frames.frame)}")
    if "text" in articles:
        sents, arts = _sentences(articles, sentences), articles
    elif {"doc_id", "sent_id", "sentence"} <= set(articles):
        sents = articles
        arts = articles[["doc_id"]].drop_duplicates().assign(outlet=None)
        if "outlet" in articles:
            arts = articles[["doc_id", "outlet"]].drop_duplicates("doc_id")
    else:
        raise ValueError("suggest: expected articles (doc_id, outlet, text) or sentences "
                         f"(doc_id, sent_id, sentence); got columns {list(articles.columns)}")
    h = hits(arts, cb, sentences=sents) if hits_table is None else hits_table
    with_frame = h.loc[h["frame"] == frame, ["doc_id", "sent_id"]].drop_duplicates()
    keys = pd.MultiIndex.from_frame(sents[["doc_id", "sent_id"]].astype({"doc_id": str}))
    carries = keys.isin(pd.MultiIndex.from_frame(with_frame.astype({"doc_id": str})))
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in _SUGGEST_COLUMNS})
    if carries.all() or not carries.any():
        return empty
    docs = pd.DataFrame({"doc_id": np.arange(len(sents)).astype(str),
                         "side": np.where(carries, "frame", "rest"),
                         "text": sents["sentence"].astype(str).to_numpy()})
    # unigrams and bigrams are scored apart, each against the totals of its own kind
    scored, dtms = [], {}
    tokenize = text.make_tokenizer(stopwords=(), phrases=phrases)
    tokens = [tokenize(t) for t in docs["text"]]
    stop = text.load_stopwords() if stopwords is None else frozenset(w.lower() for w in stopwords)
    for n in (1, 2):
        dtm = _sentence_dtm(tokens, docs["doc_id"].to_numpy(dtype=object), _ngram_analyzer(n, stop))
        kw = dict(by="side", target="frame", reference="rest", min_count=min_count, dtm=dtm)
        g2 = terms.keyness(docs, measure="g2", **kw)
        if g2.empty:
            continue
        lo = terms.keyness(docs, measure="log_odds", alpha0=alpha0, **kw)
        scored.append(g2.merge(lo[["term", "z"]], on="term"))
        dtms[n] = dtm
    if not scored:
        return empty
    out = pd.concat(scored, ignore_index=True)
    out = out[out["score"] > 0]
    rank_by = "g2" if measure == "g2" else "z"
    out = out.sort_values([rank_by, "term"], ascending=[False, True], kind="stable")
    out = out.rename(columns={"count_target": "count_in", "count_reference": "count_out",
                              "doc_freq_target": "sentences_in",
                              "doc_freq_reference": "sentences_out",
                              "n_target": "n_frame_sentences", "n_reference": "n_other_sentences"})
    out["pattern"] = out["term"].str.replace("_", " ", regex=False)
    covers = _covering_patterns(cb, out["pattern"].tolist())
    out["covered_by"] = ["; ".join(p for f, p in c if f == frame) for c in covers]
    out["other_frames"] = ["; ".join(sorted({f for f, _ in c if f != frame})) for c in covers]
    out["in_codebook"] = out["covered_by"] != ""
    if top is not None:
        new = np.cumsum(~out["in_codebook"].to_numpy())
        out = out[(new <= top) & ~((new == top) & out["in_codebook"].to_numpy())]
    out = out.reset_index(drop=True)
    out["frame"], out["rank"] = frame, np.arange(1, len(out) + 1)
    out["n_words"] = out["pattern"].str.split().str.len()
    column = {t: (n, j) for n, d in dtms.items() for j, t in enumerate(d.vocabulary)}
    csc = {n: d.matrix.tocsc() for n, d in dtms.items()}
    sent_doc = sents["doc_id"].astype(str).to_numpy()
    articles_in, kwic_in, kwic_out = [], [], []
    for term, pattern in zip(out["term"], out["pattern"]):
        n, j = column[term]
        rows = csc[n].indices[csc[n].indptr[j]:csc[n].indptr[j + 1]]
        inside, outside = rows[carries[rows]], rows[~carries[rows]]
        articles_in.append(len(set(sent_doc[inside])))
        lines = []
        for chosen in (inside[:n_kwic], outside[:n_kwic]):
            k = terms.kwic(docs.iloc[np.sort(chosen)], pattern, window=window, by="side")
            lines.append([f"{left} [{match}] {right}".strip() for left, match, right in
                          zip(k["left"], k["match"], k["right"])][:n_kwic])
        kwic_in.append(lines[0])
        kwic_out.append(lines[1])
    out["articles_in"], out["kwic_in"], out["kwic_out"] = articles_in, kwic_in, kwic_out
    return out[_SUGGEST_COLUMNS]


def _package_data_dir() -> Path:
    return Path(str(resources.files("kzmedia") / "data")).resolve()


def _yaml_item(pattern: str) -> str:
    """The pattern as a YAML list item's value: plain when YAML reads it back as the same
    string, else double-quoted."""
    try:
        plain_ok = yaml.safe_load(f"- {pattern}") == [pattern]
    except yaml.YAMLError:
        plain_ok = False
    return pattern if plain_ok else json.dumps(pattern, ensure_ascii=False)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content(line: str) -> bool:
    """A line that holds YAML content (not blank, not a comment)."""
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _insert_patterns(lines: list[str], frame: str, items: list[str], where: str) -> list[str]:
    """The YAML lines with ``items`` appended to the block-style ``patterns:`` list of
    ``frame`` under the top-level ``frames:`` mapping; comments and layout are kept."""
    key = re.compile(r"^(\s*)([^\s#:][^:#]*?):\s*(#.*)?$")
    top = next((i for i, l in enumerate(lines) if re.match(r"^frames:\s*(#.*)?$", l)), None)
    if top is None:
        raise ValueError(f"{where}: no top-level 'frames:' mapping (a quanteda-style dictionary "
                         "cannot be extended here: edit its lists by hand)")
    start = end = None
    for i in range(top + 1, len(lines)):
        if not _content(lines[i]):
            continue
        if _indent(lines[i]) == 0:              # the next top-level key ends the frames
            end = i if start is not None else None
            break
        m = key.match(lines[i])
        if start is None and m and m.group(2).strip("'\"") == frame:
            start, frame_indent = i, _indent(lines[i])
        elif start is not None and _indent(lines[i]) <= frame_indent:
            end = i
            break
    if start is None:
        raise ValueError(f"{where}: frame {frame!r} not found under 'frames:' (add the frame with "
                         "its label and description first)")
    end = end if end is not None else len(lines)
    block = range(start + 1, end)
    child = min((_indent(lines[i]) for i in block if _content(lines[i])), default=frame_indent + 2)
    at = next((i for i in block if _content(lines[i]) and _indent(lines[i]) == child
               and re.match(r"^\s*patterns:", lines[i])), None)
    if at is None:                                  # no patterns: key yet
        new = [" " * child + "patterns:"] + [" " * (child + 2) + "- " + it for it in items]
        return lines[:start + 1] + new + lines[start + 1:]
    if not re.match(r"^\s*patterns:\s*(#.*)?$", lines[at]):
        raise ValueError(f"{where}: frame {frame!r}: 'patterns:' is written inline; write it as a "
                         "block list (one '- pattern' per line) to add patterns")
    last, item_indent = at, None
    for i in range(at + 1, end):
        if not _content(lines[i]):
            continue
        ind = _indent(lines[i])
        is_item = lines[i].lstrip().startswith("- ")
        if item_indent is None and is_item and ind >= child:
            item_indent = ind
        if ind > child or (is_item and ind == child == item_indent):
            last = i
        else:
            break
    item_indent = child + 2 if item_indent is None else item_indent
    new = [" " * item_indent + "- " + it for it in items]
    return lines[:last + 1] + new + lines[last + 1:]


def add_patterns(codebook_path, frame: str, new_patterns, *, source=None) -> pd.DataFrame:
    """Add accepted candidates to ``frame``'s ``patterns`` in the researcher's own YAML codebook.

    ``codebook_path``: the researcher's copy; when the file does not exist yet it is started as
    a copy of ``source`` (a YAML path; default: the package codebook), comments included. The
    package's own data files are never written (ValueError). The new patterns go at the end of
    the frame's block list of patterns, the rest of the file (comments, order, layout) stays as
    it is; a pattern that the frame already has (the same match, e.g. ``Cooperation`` for
    ``cooperation``) is skipped. The file is written only if the result loads as a valid
    codebook (:func:`load_codebook`), so a bad pattern raises ValueError naming the file and
    the pattern and changes nothing.

    Returns DataFrame[frame, pattern, status] with status "added" or "already in frame".
    """
    path = Path(codebook_path)
    if path.resolve().parent == _package_data_dir():
        raise ValueError(f"{path}: this is the package's own data; copy it and pass the copy "
                         "(add_patterns starts the copy when the path does not exist yet)")
    new_patterns = [new_patterns] if isinstance(new_patterns, str) else list(new_patterns)
    if path.exists():
        original = path.read_text(encoding="utf-8")
    elif source is None:
        original = (resources.files("kzmedia") / "data" / "frames.yaml").read_text(encoding="utf-8")
    else:
        original = Path(source).read_text(encoding="utf-8")
    current = load_codebook(path if path.exists() else yaml.safe_load(original))
    have = {patterns.parse(p, cs).key
            for p, cs in zip(current.patterns.pattern[current.patterns.frame == frame],
                             current.patterns.case_sensitive[current.patterns.frame == frame])}
    rows, items = [], []
    for p in new_patterns:
        if not isinstance(p, str) or not p.strip():
            raise ValueError(f"{path}: frame {frame!r}: empty pattern in {new_patterns!r}")
        p = p.strip()
        k = patterns.parse(p, False, f"{path}: frame {frame!r}").key
        if k in have:
            rows.append((frame, p, "already in frame"))
            continue
        have.add(k)
        rows.append((frame, p, "added"))
        items.append(_yaml_item(p))
    result = pd.DataFrame(rows, columns=["frame", "pattern", "status"])
    if not items and path.exists():
        return result
    lines = original.splitlines()
    updated = "\n".join(_insert_patterns(lines, frame, items, str(path)) if items else lines) + "\n"
    try:
        data = yaml.safe_load(updated)
        load_codebook(data)
    except (ValueError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: adding {new_patterns!r} to frame {frame!r} would make the "
                         f"codebook invalid: {exc}") from None
    added = [p for _, p, s in rows if s == "added"]
    got = as_list(data["frames"][frame].get("patterns"), str(path))
    if got[len(got) - len(added):] != added:
        raise ValueError(f"{path}: could not place the new patterns in frame {frame!r}'s list; "
                         "add them by hand")
    fd, tmp = tempfile.mkstemp(dir=path.resolve().parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:   # write whole, then replace: no half file
        fh.write(updated)
    os.replace(tmp, path)
    return result
