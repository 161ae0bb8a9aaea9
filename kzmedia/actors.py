"""Actors and vectors: gazetteer loading, matching, attention shares, balance, co-occurrence.

The gazetteer (default: ``kzmedia/data/actors.yaml``) groups aliases of states, leaders,
capitals and organisations into foreign-policy "vectors" (russia, china, eu_europe, ...).
One vector is the focal country (Kazakhstan); it is matched, but left out of attention
shares and of the balance index.

Matching follows the pattern grammar of docs/methods.md ("Pattern grammar"), implemented by
:mod:`kzmedia.patterns`: case-insensitive unless an alias is listed under
``case_sensitive``; whole-word; longest alias first, and a span belongs to one actor only;
phrases under ``strip`` (mastheads, "Astana process", "Nazarbayev University", ...) are
blanked before matching while the evidence keeps the original sentence. The frame codebook
(:mod:`kzmedia.frames`) is matched by the same engine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import patterns
from .patterns import as_list, check_mapping
from .text import sentences as _split_sentences

__all__ = [
    "Gazetteer",
    "load_gazetteer",
    "mentions",
    "attention",
    "balance",
    "cooccurrence",
]

META_KEYS = ("name", "version", "description", "sources", "license")
_ENTRY_KEYS = {"names", "adjectives", "metonyms", "case_sensitive", "leaders", "organisations",
               "label", "description", "ambiguous"}
_LEADER_KEYS = {"name", "aliases", "role", "years", "case_sensitive"}
_ORG_KEYS = {"aliases", "case_sensitive", "leaders"}
_TOP_KEYS = set(META_KEYS) | {"focal", "strip", "vectors", "notes"}


# --------------------------------------------------------------------------- gazetteer

@dataclass(frozen=True)
class Gazetteer:
    """A validated gazetteer.

    ``aliases``: DataFrame[vector, actor, alias, case_sensitive, kind]; ``vectors``:
    DataFrame[vector, label, focal]; ``strip``: phrases blanked before matching; ``meta``:
    name, version, description, sources, license; ``source``: where it was read from.
    """

    aliases: pd.DataFrame
    vectors: pd.DataFrame
    strip: tuple
    meta: dict
    source: str

    @property
    def focal(self) -> str:
        return str(self.vectors.loc[self.vectors.focal, "vector"].iloc[0])

    @property
    def partners(self) -> list[str]:
        return self.vectors.loc[~self.vectors.focal, "vector"].tolist()

    def matcher(self, method: str = "fast") -> patterns.Matcher:
        """The gazetteer's :class:`kzmedia.patterns.Matcher` (``method``: "fast" or
        "reference", the same matches), built once per process."""
        entries = tuple(patterns.Entry(r.alias, bool(r.case_sensitive), (r.vector, r.actor, r.alias),
                                       r.vector) for r in self.aliases.itertuples())
        return patterns.matcher(entries, tuple(self.strip), overlapping=False, method=method)


def load_gazetteer(source=None) -> Gazetteer:
    """Load and validate a gazetteer: None (package default), a YAML path, a dict, or a Gazetteer.

    Each vector lists ``names``, ``adjectives``, ``metonyms`` (actor = the alias),
    ``leaders`` (list of {name, aliases, role, years}; actor = the name),
    ``organisations`` (a list of names, or a mapping name -> {aliases, case_sensitive,
    leaders}, where only the listed aliases are matched) and ``case_sensitive`` aliases (matched in the given case only: US, EU, UN).
    Top level: metadata (name, version, description, sources, license), ``focal`` (the
    country whose foreign policy is studied), ``strip`` (phrases blanked before matching)
    and ``vectors``. Raises ValueError naming the source, vector and alias on unknown
    keys, empty or duplicate aliases, and aliases that cannot be compiled.
    """
    if isinstance(source, Gazetteer):
        return source
    data, where = patterns.read_yaml(source, "actors.yaml")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown top-level keys {sorted(unknown)}; allowed: {sorted(_TOP_KEYS)}")
    vectors = data.get("vectors")
    if not isinstance(vectors, dict) or not vectors:
        raise ValueError(f"{where}: 'vectors' must be a non-empty mapping")
    focal = data.get("focal")
    if focal not in vectors:
        raise ValueError(f"{where}: 'focal' must name one of the vectors, got {focal!r}")
    rows, vrows, seen = [], [], {}

    def add(vector, actor, alias, cs, kind):
        w = f"{where}: vector {vector!r}"
        if not isinstance(alias, str) or not alias.strip():
            raise ValueError(f"{w}: empty alias ({kind})")
        alias = alias.strip()
        src = patterns.parse(alias, cs, w).key
        if src in seen:
            raise ValueError(f"{w}: duplicate alias {alias!r} (same as {seen[src][1]!r} in vector "
                             f"{seen[src][0]!r})")
        seen[src] = (vector, alias)
        rows.append((vector, actor, alias, cs, kind))

    for vector, spec in vectors.items():
        w = f"{where}: vector {vector!r}"
        check_mapping(spec, _ENTRY_KEYS, w)
        vrows.append((vector, str(spec.get("label", vector)), vector == focal))
        for kind in ("names", "adjectives", "metonyms"):
            for a in as_list(spec.get(kind), f"{w} {kind}"):
                add(vector, a, a, False, kind[:-1])
        for a in as_list(spec.get("case_sensitive"), f"{w} case_sensitive"):
            add(vector, a, a, True, "acronym")
        for lead in as_list(spec.get("leaders"), f"{w} leaders"):
            _add_person(add, vector, lead, w)
        orgs = spec.get("organisations") or []
        if isinstance(orgs, dict):
            for name, o in orgs.items():
                o = o or {}
                bad = set(o) - _ORG_KEYS
                if bad:
                    raise ValueError(f"{w} organisation {name!r}: unknown keys {sorted(bad)}")
                for a in as_list(o.get("aliases"), f"{w} {name}"):
                    add(vector, name, a, False, "organisation")
                for a in as_list(o.get("case_sensitive"), f"{w} {name}"):
                    add(vector, name, a, True, "organisation")
                for lead in as_list(o.get("leaders"), f"{w} {name} leaders"):
                    _add_person(add, vector, lead, w)
        else:
            for a in as_list(orgs, f"{w} organisations"):
                add(vector, a, a, False, "organisation")
    strip = tuple(as_list(data.get("strip"), f"{where}: strip"))
    for s in strip:
        patterns.parse(s, False, f"{where}: strip")
    aliases = pd.DataFrame(rows, columns=["vector", "actor", "alias", "case_sensitive", "kind"])
    vtab = pd.DataFrame(vrows, columns=["vector", "label", "focal"])
    meta = {k: data.get(k) for k in META_KEYS}
    return Gazetteer(aliases, vtab, strip, meta, where)


def _dedupe(items):
    out = []
    for x in items:
        if x not in out:
            out.append(x)
    return out


def _add_person(add, vector, lead, where):
    if not isinstance(lead, dict) or "name" not in lead:
        raise ValueError(f"{where}: each leader needs a 'name': {lead!r}")
    bad = set(lead) - _LEADER_KEYS
    if bad:
        raise ValueError(f"{where} leader {lead['name']!r}: unknown keys {sorted(bad)}")
    cs = as_list(lead.get("case_sensitive"), where)
    for a in _dedupe([lead["name"]] + as_list(lead.get("aliases"), where)):
        if a not in cs:
            add(vector, lead["name"], a, False, "leader")
    for a in cs:
        add(vector, lead["name"], a, True, "leader")


# --------------------------------------------------------------------------- analyses

def _sentences(articles, sentences):
    return _split_sentences(articles) if sentences is None else sentences


def _mentions_in(sentences: pd.DataFrame, gaz: Gazetteer, method: str) -> pd.DataFrame:
    texts = sentences["sentence"].tolist()
    found = gaz.matcher(method).matches(texts)
    out = patterns.match_table(sentences, texts, found, ("vector", "actor", "alias"))
    out["start"] = np.asarray(found[1], dtype=np.int64)
    out["end"] = np.asarray(found[2], dtype=np.int64)
    return out


def mentions(articles: pd.DataFrame, gazetteer=None, *, sentences=None,
             method: str = "fast") -> pd.DataFrame:
    """Actor mentions, one row per matched span.

    Returns DataFrame[doc_id, outlet, sent_id, vector, actor, alias, match, start, end]
    sorted by doc_id, sent_id and position in the sentence (``alias`` is the gazetteer entry,
    ``match`` the text as written, ``start``/``end`` its character offsets in the sentence:
    ``sentence[start:end] == match``). ``sentences`` may be a precomputed
    ``kzmedia.text.sentences(articles)`` table. ``method``: "fast" (default) or "reference"
    (:mod:`kzmedia.patterns`; the same rows).
    """
    gaz = load_gazetteer(gazetteer)
    sents = _sentences(articles, sentences)
    out = _mentions_in(sents, gaz, method)
    out = out.merge(articles[["doc_id", "outlet"]], on="doc_id", how="left")
    cols = ["doc_id", "outlet", "sent_id", "vector", "actor", "alias", "match", "start", "end"]
    return out[cols].sort_values(["doc_id", "sent_id"], kind="stable").reset_index(drop=True)


def _normalised_entropies(counts: np.ndarray, k: int) -> np.ndarray:
    """Shannon entropy of each row of `counts` (rows x categories) over log(k): with p the
    row's non-zero counts over their total, ``-(p * log p).sum() / log k`` (NaN for a row
    without counts, or k < 2). The rows with m non-zero counts are taken together, their
    counts in row order, so each row's sum runs over its own m values as a one-row
    computation would."""
    c = np.asarray(counts, dtype=float)
    out = np.full(len(c), np.nan)
    if k < 2 or not len(c):
        return out
    total = c.sum(axis=1)
    nonzero = c > 0
    m = nonzero.sum(axis=1)
    for size in np.unique(m[total > 0]):
        rows = np.flatnonzero((m == size) & (total > 0))
        p = c[rows][nonzero[rows]].reshape(len(rows), size) / total[rows, None]
        out[rows] = -(p * np.log(p)).sum(axis=1) / math.log(k)
    return out


def attention(articles: pd.DataFrame, by: str = "outlet", gazetteer=None, *,
              sentences=None, mentions_table=None) -> pd.DataFrame:
    """How a group's attention is spread over the vectors.

    Returns DataFrame[<by>, vector, focal, n_articles, n_sentences, n_mentions,
    share_of_mentions, n_sentences_with_vector, share_of_sentences], one row per group x
    vector (zeros included). ``share_of_mentions`` is the vector's share of the group's
    mentions of *partner* vectors (the focal country excluded; NaN on its own row);
    ``share_of_sentences`` is the share of the group's sentences that mention the vector.
    """
    gaz = load_gazetteer(gazetteer)
    sents = _sentences(articles, sentences)
    men = mentions(articles, gaz, sentences=sents) if mentions_table is None else mentions_table
    groups = articles[["doc_id", by]]
    men = men[["doc_id", "sent_id", "vector"]].merge(groups, on="doc_id")
    keys = articles[[by]].drop_duplicates()
    grid = keys.merge(gaz.vectors[["vector", "focal"]], how="cross")
    per_doc = groups["doc_id"].map(sents.groupby("doc_id").size()).fillna(0)
    base = groups.assign(n_sentences=per_doc).groupby(by).agg(
        n_articles=("doc_id", "size"), n_sentences=("n_sentences", "sum")).reset_index()
    n_men = men.groupby([by, "vector"]).size().rename("n_mentions").reset_index()
    n_sen = men.drop_duplicates(["doc_id", "sent_id", "vector"]).groupby([by, "vector"]).size() \
        .rename("n_sentences_with_vector").reset_index()
    out = grid.merge(base, on=by, how="left").merge(n_men, on=[by, "vector"], how="left") \
        .merge(n_sen, on=[by, "vector"], how="left")
    for c in ("n_mentions", "n_sentences_with_vector", "n_sentences"):
        out[c] = out[c].fillna(0).astype(int)
    partner_total = out[~out.focal].groupby(by)["n_mentions"].transform("sum")
    out["share_of_mentions"] = np.nan
    out.loc[~out.focal, "share_of_mentions"] = out.loc[~out.focal, "n_mentions"] / partner_total.replace(0, np.nan)
    out["share_of_sentences"] = out["n_sentences_with_vector"] / out["n_sentences"].replace(0, np.nan)
    cols = [by, "vector", "focal", "n_articles", "n_sentences", "n_mentions", "share_of_mentions",
            "n_sentences_with_vector", "share_of_sentences"]
    return out[cols].sort_values([by, "vector"]).reset_index(drop=True)


def article_balance(articles: pd.DataFrame, gazetteer=None, *, sentences=None,
                    mentions_table=None) -> pd.DataFrame:
    """Per-article balance index over partner vectors.

    Returns DataFrame[doc_id, n_partner_mentions, n_partner_vectors, balance]: balance =
    Shannon entropy of the article's partner-vector mention shares divided by log(K), K = the
    number of partner vectors in the gazetteer (0 = one partner only, 1 = perfectly even over
    all K). Articles without partner mentions get NaN.
    """
    gaz = load_gazetteer(gazetteer)
    men = mentions(articles, gaz, sentences=sentences) if mentions_table is None else mentions_table
    partners = gaz.partners
    counts = men[men.vector.isin(partners)].groupby(["doc_id", "vector"]).size().unstack(fill_value=0)
    counts = counts.reindex(index=articles["doc_id"].unique(), columns=partners, fill_value=0)
    k = len(partners)
    out = pd.DataFrame({
        "doc_id": counts.index,
        "n_partner_mentions": counts.sum(axis=1).to_numpy(),
        "n_partner_vectors": (counts > 0).sum(axis=1).to_numpy(),
        "balance": _normalised_entropies(counts.to_numpy(), k),
    })
    return out.sort_values("doc_id").reset_index(drop=True)


def balance(articles: pd.DataFrame, by: str = "outlet", gazetteer=None, *, sentences=None,
            mentions_table=None, ci: float = 0.95, n_resamples: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Balance index ("how multi-vector") per group, with an article-level interval.

    Returns DataFrame[<by>, n_articles, mean, ci_low, ci_high, interval, article_values,
    pooled, k]: ``mean`` and the interval come from :func:`kzmedia.stats.summarize` over the
    per-article balance (articles without partner mentions are left out of n_articles);
    ``pooled`` is the normalised entropy of the group's pooled partner mentions; ``k`` the
    number of partner vectors.
    """
    from . import stats
    gaz = load_gazetteer(gazetteer)
    men = mentions(articles, gaz, sentences=sentences) if mentions_table is None else mentions_table
    per = article_balance(articles, gaz, mentions_table=men)
    per = per.merge(articles[["doc_id", by]], on="doc_id")
    vals = per.dropna(subset=["balance"])
    summ = stats.summarize(vals, "balance", by, unit="doc_id", ci=ci, n_resamples=n_resamples, seed=seed)
    partners = gaz.partners
    men = men[men.vector.isin(partners)].merge(articles[["doc_id", by]].rename(
        columns={by: "_g"}), on="doc_id")
    # each group's partner mention counts, largest first (the order value_counts gives them)
    counts = men.groupby(["_g", "vector"]).size().unstack(fill_value=0)
    pooled = pd.Series(_normalised_entropies(-np.sort(-counts.to_numpy(), axis=1),
                                             len(partners)), index=counts.index)
    summ["pooled"] = summ[by].map(pooled)
    summ["k"] = len(partners)
    return summ.sort_values(by).reset_index(drop=True)


def cooccurrence(articles: pd.DataFrame, by: str = "outlet", gazetteer=None, *,
                 sentences=None, mentions_table=None) -> pd.DataFrame:
    """Sentence-level co-mention of vectors.

    Returns DataFrame[<by>, vector_a, vector_b, n_sentences]: for every group and every
    unordered pair of gazetteer vectors (vector_a < vector_b alphabetically, zeros
    included), the number of sentences that mention both.
    """
    gaz = load_gazetteer(gazetteer)
    men = mentions(articles, gaz, sentences=sentences) if mentions_table is None else mentions_table
    per = men[["doc_id", "sent_id", "vector"]].drop_duplicates()
    pairs = per.merge(per, on=["doc_id", "sent_id"], suffixes=("_a", "_b"))
    pairs = pairs[pairs.vector_a < pairs.vector_b].merge(articles[["doc_id", by]], on="doc_id")
    counts = pairs.groupby([by, "vector_a", "vector_b"]).size().rename("n_sentences").reset_index()
    vs = sorted(gaz.vectors.vector)
    grid = pd.DataFrame([(a, b) for a in vs for b in vs if a < b], columns=["vector_a", "vector_b"])
    grid = articles[[by]].drop_duplicates().merge(grid, how="cross")
    out = grid.merge(counts, on=[by, "vector_a", "vector_b"], how="left")
    out["n_sentences"] = out["n_sentences"].fillna(0).astype(int)
    return out.sort_values([by, "vector_a", "vector_b"]).reset_index(drop=True)
