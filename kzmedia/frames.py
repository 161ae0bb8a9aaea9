"""Frames: codebook loading, sentence-level frame hits with evidence, prevalence, validation.

A codebook (default: ``kzmedia/data/frames.yaml``) maps each frame to patterns in the grammar
of docs/methods.md ("Pattern grammar"), matched by :mod:`kzmedia.patterns`. A frame counts once per
sentence however many of its patterns hit; articles aggregate to presence (any sentence),
share of sentences and hits per 1,000 words; groups (outlets) aggregate articles, with the
article as the unit of uncertainty.

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
    "load_codebook",
    "hits",
    "article_scores",
    "group_scores",
    "scores",
    "sample_for_coding",
    "evaluate",
]

META_KEYS = actors.META_KEYS
_TOP_KEYS = set(META_KEYS) | {"unit", "strip", "frames", "notes"}
_FRAME_KEYS = {"label", "kind", "description", "grounded_in", "patterns", "case_sensitive_patterns",
               "context_patterns", "ambiguous_do_not_add", "notes"}
_KINDS = {"issue", "generic"}


@dataclass(frozen=True)
class Codebook:
    """A validated frame codebook.

    ``frames``: DataFrame[frame, label, kind, description]; ``patterns``:
    DataFrame[frame, pattern, case_sensitive, context] (context: tuple of gazetteer vectors,
    empty when the pattern is not gated); ``strip``: phrases blanked before matching;
    ``meta``: name, version, description, sources, license; ``source``: where it was read
    from; ``gazetteer``: the gazetteer used for context gating.
    """

    frames: pd.DataFrame
    patterns: pd.DataFrame
    strip: tuple
    meta: dict
    source: str
    gazetteer: actors.Gazetteer

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
    return Codebook(
        frames=pd.DataFrame(frows, columns=["frame", "label", "kind", "description"]),
        patterns=pd.DataFrame(prows, columns=["frame", "pattern", "case_sensitive", "context"]),
        strip=strip, meta={k: data.get(k) for k in META_KEYS}, source=where, gazetteer=gaz)


def _sentences(articles, sentences):
    return _split_sentences(articles) if sentences is None else sentences


def _n_words(articles: pd.DataFrame) -> pd.Series:
    if "n_words" in articles:
        return articles.set_index("doc_id")["n_words"]
    return articles.set_index("doc_id")["text"].str.count(r"\S+")


def hits(articles: pd.DataFrame, codebook=None, *, sentences=None, gazetteer=None,
         method: str = "fast") -> pd.DataFrame:
    """Frame evidence: one row per pattern match.

    Returns DataFrame[doc_id, outlet, sent_id, frame, pattern, match, sentence] sorted by
    doc_id, sent_id and position; ``match`` is the text as written, ``sentence`` the original
    sentence (strip phrases are blanked only for matching). A span counts once per frame;
    context-gated patterns appear only when the sentence mentions one of their vectors.
    ``sentences``: a precomputed ``kzmedia.text.sentences(articles)`` table. ``method``:
    "fast" (default) or "reference" (:mod:`kzmedia.patterns`; the same rows).
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
    out = out.merge(articles[["doc_id", "outlet"]], on="doc_id", how="left")
    cols = ["doc_id", "outlet", "sent_id", "frame", "pattern", "match", "sentence"]
    return out[cols].sort_values(["doc_id", "sent_id"], kind="stable").reset_index(drop=True)


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
