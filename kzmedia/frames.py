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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import actors, patterns, stats
from .patterns import as_list
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
    "evaluate",
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
    if not isinstance(spec, dict):
        raise ValueError(f"{w}: expected a mapping with keys {sorted(_RELATION_KEYS)}")
    bad = set(spec) - _RELATION_KEYS
    if bad:
        raise ValueError(f"{w}: unknown keys {sorted(bad)}; allowed: {sorted(_RELATION_KEYS)}")
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
        if not isinstance(t, dict):
            raise ValueError(f"{wt}: expected a mapping with 'patterns'")
        bad = set(t) - _RELATION_TYPE_KEYS
        if bad:
            raise ValueError(f"{wt}: unknown keys {sorted(bad)}; allowed: {sorted(_RELATION_TYPE_KEYS)}")
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
        if not isinstance(f, dict):
            raise ValueError(f"{w}: expected a mapping")
        bad = set(f) - _FRAME_KEYS
        if bad:
            raise ValueError(f"{w}: unknown keys {sorted(bad)}; allowed: {sorted(_FRAME_KEYS)}")
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
        raise ValueError(f"evaluate: column {name!r} must hold 0/1 codes (or be empty), "
                         f"got {sorted(map(str, col[col.notna()].unique()))[:5]}")
    return v


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
        coders = sorted(c for c in merged if c.startswith(f"{f}__coder"))
        single = _binary(merged[f], f) if f in merged else pd.Series(np.nan, index=merged.index)
        cs = [_binary(merged[c], c) for c in coders]
        alpha = _alpha(cs[0], cs[1]) if len(cs) >= 2 else float("nan")
        n_dis = 0
        gold = single.copy()
        if len(cs) == 1:
            gold = gold.fillna(cs[0])
        elif len(cs) >= 2:
            agree = cs[0].where(pd.concat(cs, axis=1).nunique(axis=1, dropna=False) == 1)
            n_dis = int((gold.isna() & cs[0].notna() & agree.isna()).sum())
            gold = gold.fillna(agree)
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
