"""Outlets side by side: one profile row per group, and the largest contrasts in words.

Both functions join the tables of the other stages: pass ``tables=``, the tables of
``kzmedia.pipeline.analyze(articles, by=..., sentences=True)`` (``PROFILE_NEEDS`` and
``CONTRASTS_NEEDS`` name the ones each reads). Every
number keeps its n (articles, sentences, mentions) and its interval, and every generated
sentence points at the evidence sentences behind it. Nothing here knows any outlet: the
sentences are built from the numbers.

Dates: where the groups set against each other wrote in different years (their articles'
years overlap by less than half, see :func:`kzmedia.trends.year_overlap`), a difference may
be one of period rather than of outlet; the profile row and the contrast say so next to the
numbers, with the groups' dates (docs/methods.md, "Change over time").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import corpus, stats, trends

__all__ = ["profile", "contrasts", "caveats", "to_html", "FAMILIES", "PROFILE_NEEDS",
           "CONTRASTS_NEEDS", "MIN_OVERLAP"]

#: The kinds of contrast, in the order they are reported.
FAMILIES = ("attention", "balance", "frame", "dyad", "tone", "vector_tone")

#: The tables :func:`profile` reads.
PROFILE_NEEDS = ("sentences", "keyness_log_odds", "frame_scores_group", "attention", "balance",
                 "group_tone", "vector_tone", "dyad_counts")
#: Below this overlap of two groups' years (:func:`kzmedia.trends.year_overlap`), the
#: profile and the contrasts say that a difference may be one of period.
MIN_OVERLAP = 0.5

#: The tables :func:`contrasts` reads.
CONTRASTS_NEEDS = ("frame_hits", "sentence_tone", "frame_scores_group", "attention", "balance",
                   "article_tone", "group_tone", "vector_tone", "dyads", "dyad_counts")


def _tables(tables: dict | None, needs: tuple, what: str) -> dict:
    missing = [k for k in needs if k not in (tables or {})]
    if missing:
        raise ValueError(f"{what} needs the tables {missing}: pass tables=pipeline.analyze("
                         "articles, by=..., sentences=True)")
    return tables


def _n_label(n: int) -> str:
    return f"{n} article" if n == 1 else f"{n} articles"


def _interval_text(mean, low, high, n, fmt="{:+.2f}") -> str:
    if pd.isna(mean):
        return "–"
    text = fmt.format(mean)
    if n >= 2 and not pd.isna(low):
        text += f" [{fmt.format(low)}, {fmt.format(high)}]"
    return f"{text} (n={n})"


def _date_range(first, last) -> str:
    if pd.isna(first):
        return "no date"
    return str(first) if first == last else f"{first} to {last}"


def _dates(articles: pd.DataFrame, by: str) -> dict:
    """{group: "first to last" date, or the one date}."""
    dated = articles.loc[articles["date"] != "", [by, "date"]]
    span = dated.groupby(by)["date"].agg(["min", "max"])
    return {g: _date_range(a, b) for g, a, b in zip(span.index, span["min"], span["max"])}


def _overlap_note(overlap: float, hi, lo, dates: dict, by: str) -> str:
    """The confound in words, when the two groups' years overlap by less than MIN_OVERLAP."""
    if pd.isna(overlap) or overlap >= MIN_OVERLAP:
        return ""
    where = f"{hi}: {dates.get(hi, 'no date')}; {lo}: {dates.get(lo, 'no date')}"
    if overlap == 0:
        return (f"dates do not overlap ({where}): the difference may be one of period, "
                f"not of {by}")
    return (f"dates overlap little (their articles' years overlap by {overlap:.0%}; {where}): "
            "the difference may partly be one of period")


def _profile_overlap(overlap: pd.DataFrame, by: str) -> dict:
    """{group: the groups whose years overlap its own by less than MIN_OVERLAP, in words}."""
    out = {}
    for g in overlap.index:
        row = overlap.loc[g].drop(g).dropna()
        low = row[row < MIN_OVERLAP].sort_values(kind="stable")
        if not len(low):
            continue
        shown = low if len(low) <= 5 else low.head(3)
        names = ", ".join(f"{o} ({v:.0%})" for o, v in shown.items())
        if len(low) > len(shown):
            names = f"{len(low)} of {len(row)} others, e.g. {names}"
        out[g] = (f"years overlap less than half with {names}: set against these, a "
                  f"difference may be one of period, not of {by}")
    return out


def profile(articles: pd.DataFrame, by: str = "outlet", *, tables: dict,
            top_terms: int = 5, top_frames: int = 3, top_dyads: int = 3,
            gazetteer=None) -> pd.DataFrame:
    """One row per group: size, dates, distinctive terms, frames, vectors and tone.

    Returns DataFrame[<by>, n_articles, n_words, n_sentences, date_first, date_last,
    date_overlap ("" or the groups whose articles' years overlap this group's by less than
    half, with the overlap of :func:`kzmedia.trends.year_overlap`), distinctive_terms ("term (df=k/n)" by log-odds z, one-vs-rest), leading_frames ("label
    share-of-sentences (k/n articles)"), top_vectors (partner vectors by share of mentions,
    with counts), n_partner_mentions, n_dyads, top_dyads (the partner vector x relation
    types the group reports most, "label relation n (k/n articles)", from
    :func:`kzmedia.dyads.counts`), balance, balance_interval, tone, tone_interval,
    tone_text, then one `tone_<vector>` and `tone_<vector>_n` column pair per vector
    (mean compound of masked sentences naming the vector, and how many sentences)]; vectors
    are named by their gazetteer labels in the text columns. Sorted
    by `by`. Intervals follow the small-n rules of :func:`kzmedia.stats.summarize`.
    """
    t = _tables(tables, PROFILE_NEEDS, "compare.profile")
    art = articles[[by, "doc_id", "n_words", "date"]]
    dates = art.assign(date=art["date"].replace("", np.nan))
    out = dates.groupby(by).agg(n_articles=("doc_id", "nunique"), n_words=("n_words", "sum"),
                                date_first=("date", "min"), date_last=("date", "max"))
    per_doc = art["doc_id"].map(t["sentences"]["doc_id"].value_counts()).fillna(0)
    out["n_sentences"] = per_doc.groupby(art[by]).sum().reindex(out.index).fillna(0).astype(int)
    notes = _profile_overlap(trends.year_overlap(articles, by), by)
    out.insert(out.columns.get_loc("date_last") + 1, "date_overlap",
               pd.Series([notes.get(g, "") for g in out.index], index=out.index, dtype="str"))

    k = t["keyness_log_odds"]
    k = k[k["score"] > 0].sort_values([by, "score", "term"], ascending=[True, False, True])
    k = k.groupby(by).head(top_terms)
    k = k.assign(text=[f"{term} (df={df}/{n})" for term, df, n in
                       zip(k["term"], k["doc_freq_target"], k[by].map(out["n_articles"]))])
    out["distinctive_terms"] = k.groupby(by)["text"].agg(", ".join)

    fs = t["frame_scores_group"]
    present = fs.loc[fs["measure"] == "share_of_articles", [by, "frame", "mean", "n_articles"]]
    present = present.rename(columns={"mean": "present", "n_articles": "n_present"})
    fr = fs[fs["measure"] == "share_of_sentences"].merge(present, on=[by, "frame"], how="left")
    fr = fr[fr["mean"] > 0].sort_values([by, "mean", "frame"], ascending=[True, False, True])
    fr = fr.groupby(by).head(top_frames)
    fr = fr.assign(text=[f"{lab} {m:.0%} of sentences ({round(p * n)}/{na} articles)"
                         for lab, m, p, n, na in zip(fr["label"], fr["mean"], fr["present"],
                                                     fr["n_present"], fr["n_articles"])])
    out["leading_frames"] = fr.groupby(by)["text"].agg("; ".join)

    label = _vector_labels(gazetteer)
    at = t["attention"]
    at = at[~at["focal"].astype(bool)]
    out["n_partner_mentions"] = at.groupby(by)["n_mentions"].sum()
    top = at[at["n_mentions"] > 0].sort_values([by, "share_of_mentions", "vector"],
                                                ascending=[True, False, True])
    top = top.groupby(by).head(4)
    top = top.assign(text=[f"{label.get(v, v)} {sh:.0%} ({n})" for v, sh, n in
                           zip(top["vector"], top["share_of_mentions"], top["n_mentions"])])
    out["top_vectors"] = top.groupby(by)["text"].agg(", ".join)

    dc = t["dyad_counts"]
    out["n_dyads"] = dc.groupby(by)["n_dyads"].sum()
    dc = dc[dc["n_dyads"] > 0].sort_values([by, "n_dyads", "vector", "relation"],
                                           ascending=[True, False, True, True])
    dc = dc.groupby(by).head(top_dyads)
    dc = dc.assign(text=[f"{label.get(v, v)} {r} {n} ({k}/{na} articles)" for v, r, n, k, na in
                         zip(dc["vector"], dc["relation"], dc["n_dyads"], dc["n_articles_with"],
                             dc["n_articles"])])
    out["top_dyads"] = dc.groupby(by)["text"].agg(", ".join)

    bal = t["balance"].set_index(by)
    out["balance"] = bal["mean"]
    out["balance_interval"] = bal["interval"]
    gt = t["group_tone"].set_index(by)
    out["tone"] = gt["mean_compound"]
    out["tone_interval"] = gt["interval"]
    out["tone_text"] = [_interval_text(r.mean_compound, r.ci_low, r.ci_high, r.n_articles)
                        for r in gt.reindex(out.index).itertuples()]
    vt = t["vector_tone"]
    for vector, g in vt.groupby("vector", sort=True):
        g = g.set_index(by)
        out[f"tone_{vector}"] = g["mean_compound"]
        out[f"tone_{vector}_n"] = g["n_sentences"].reindex(out.index).fillna(0).astype(int)
    for c in ("date_overlap", "distinctive_terms", "leading_frames", "top_vectors", "top_dyads"):
        out[c] = out[c].fillna("")
    for c in ("n_partner_mentions", "n_dyads"):
        out[c] = out[c].fillna(0).astype(int)
    return out.reset_index().sort_values(by).reset_index(drop=True)


def _evidence(rows: pd.DataFrame, by: str, n: int) -> str:
    """'[group] doc_id#sent_id: sentence' lines of the first n distinct sentences per group."""
    rows = rows.drop_duplicates(["doc_id", "sent_id"])
    rows = rows.groupby(by, sort=False).head(n)
    return "\n".join(f"[{g}] {d}#{s}: {t}" for g, d, s, t in
                     zip(rows[by], rows["doc_id"], rows["sent_id"], rows["sentence"]))


def _vector_labels(gazetteer) -> dict:
    from . import actors
    return dict(actors.load_gazetteer(gazetteer).vectors[["vector", "label"]].to_numpy())


def _pct(x: float) -> str:
    """A share as a percentage, with one decimal below 10% so small shares stay distinct."""
    return f"{x:.1%}" if abs(x) < 0.1 and x != 0 else f"{x:.0%}"


def _pair(g: pd.DataFrame, by: str, value: str):
    g = g.dropna(subset=[value]).sort_values([value, by], ascending=[False, True])
    if len(g) < 2 or g[value].iloc[0] == g[value].iloc[-1]:
        return None
    return g.iloc[0], g.iloc[-1]


def contrasts(articles: pd.DataFrame, by: str = "outlet", *, tables: dict,
              per_family: int = 3, min_sentences: int = 3, n_evidence: int = 2,
              gazetteer=None, n_resamples: int = 1999) -> pd.DataFrame:
    """The largest differences between groups, as numbers and as plain sentences.

    Families: ``attention`` (a partner vector's share of a group's partner mentions),
    ``balance`` (how evenly attention is spread), ``frame`` (share of sentences with a
    frame), ``dyad`` (share of articles reporting a partner vector x relation type,
    :func:`kzmedia.dyads.counts`), ``tone`` (article-weighted mean compound) and
    ``vector_tone`` (mean compound of
    the sentences naming a vector; groups with fewer than `min_sentences` such sentences are
    left out). For each item the group with the highest value is set against the one with
    the lowest; the `per_family` largest differences of each family are kept.

    Returns DataFrame[family, item, high_group, high_value, high_n_articles, high_n,
    low_group, low_value, low_n_articles, low_n, difference, p_value, q_value, min_p,
    caveat, sentence, evidence] (``high_n``/``low_n``: the mentions or sentences behind the
    value; ``p_value``/``min_p``: an article-level permutation test where both sides have at
    least two articles, ``q_value`` its Benjamini–Hochberg adjustment over the tests made
    here; ``caveat``: what the data cannot support - one or few articles, and dates that do
    not overlap or overlap by less than half (:data:`MIN_OVERLAP`; the groups' dates are
    named); ``evidence``: "[group] doc_id#sent_id: sentence" lines from the high side (and, for
    tone, the low side)), in family order, largest difference first.
    """
    t = _tables(tables, CONTRASTS_NEEDS, "compare.contrasts")
    label = _vector_labels(gazetteer)
    group_of = articles.set_index("doc_id")[by]

    def grouped(table, cols):
        if by in table.columns:  # e.g. sentence_tone as the pipeline passes it
            return table[[*cols, by]]
        table = table[cols]
        return table.assign(**{by: table["doc_id"].map(group_of)})

    def row(family, item, hi, lo, value, n, sentence, evidence="", values=None):
        """One contrast: the high and the low group's value and n; `values`: the article-level
        values (doc_id, by, v) behind the value, for a permutation test."""
        p = min_p = np.nan
        if values is not None and min(hi.n_articles, lo.n_articles) >= 2:
            res = stats.permutation_test(values.loc[values[by] == hi[by], "v"].dropna(),
                                         values.loc[values[by] == lo[by], "v"].dropna(),
                                         n_resamples=n_resamples)
            p, min_p = res["p_value"], res["min_p"]
        rows.append(dict(
            family=family, item=item, high_group=hi[by], high_value=hi[value],
            high_n_articles=hi.n_articles, high_n=hi[n] if n else np.nan, low_group=lo[by],
            low_value=lo[value], low_n_articles=lo.n_articles, low_n=lo[n] if n else np.nan,
            p_value=p, min_p=min_p, sentence=sentence, evidence=evidence))

    rows: list[dict] = []
    at = t["attention"]
    at = at[~at["focal"].astype(bool)].copy()
    at["total"] = at.groupby(by)["n_mentions"].transform("sum")
    # every sentence with the vectors of its actor mentions ("|"-joined): the sentences naming
    # a vector, in order, without joining the mention and sentence tables
    # (row masks and positions first; the text columns are taken for the rows shown only)
    every = grouped(t["sentence_tone"], ["doc_id", "sent_id", "sentence", "compound", "vectors"])
    codes, combos = pd.factorize(every["vectors"])
    combos = [set(c.split("|")) if c else set() for c in combos]
    group_codes, group_names = pd.factorize(every[by])
    group_code = {g: k for k, g in enumerate(group_names)}
    compound = every["compound"].to_numpy(dtype=float)
    scored = ~np.isnan(compound)

    def naming(vector):
        """Mask of the sentences that name `vector`."""
        names = np.array([vector in c for c in combos] + [False])  # code -1: missing
        return names[codes]

    def in_group(group):
        return group_codes == group_code.get(group, -2)

    def extremes(mask, hi, lo):
        """The scored sentences in `mask` with the highest compound in the high group and
        the lowest in the low group (n_evidence each; ties in table order)."""
        high = np.flatnonzero(mask & in_group(hi[by]))
        low = np.flatnonzero(mask & in_group(lo[by]))
        return every.iloc[np.concatenate([
            high[np.argsort(-compound[high], kind="stable")[:n_evidence]],
            low[np.argsort(compound[low], kind="stable")[:n_evidence]]])]

    for vector, g in at[at["total"] > 0].groupby("vector"):
        if (pair := _pair(g, by, "share_of_mentions")) is None:
            continue
        hi, lo = pair
        row("attention", vector, hi, lo, "share_of_mentions", "n_mentions",
            f"{hi[by]} gives {label.get(vector, vector)} the largest share of its partner "
            f"mentions: {_pct(hi.share_of_mentions)} ({hi.n_mentions} of {hi.total} mentions, "
            f"{_n_label(hi.n_articles)}), against {_pct(lo.share_of_mentions)} in {lo[by]} "
            f"({lo.n_mentions} of {lo.total}, {_n_label(lo.n_articles)}): "
            f"{100 * (hi.share_of_mentions - lo.share_of_mentions):.0f} percentage points more.",
            _evidence(every.iloc[np.flatnonzero(naming(vector) & in_group(hi[by]))[:n_evidence]],
                      by, n_evidence))

    if (pair := _pair(t["balance"], by, "mean")) is not None:
        hi, lo = pair
        row("balance", "balance index", hi, lo, "mean", None,
            f"{hi[by]} spreads its attention over partner vectors most evenly (balance "
            f"{hi['mean']:.2f} on a 0–1 scale, {_n_label(hi.n_articles)}); {lo[by]} least "
            f"evenly ({lo['mean']:.2f}, {_n_label(lo.n_articles)}).")

    fs = t["frame_scores_group"]
    hits = grouped(t["frame_hits"], ["doc_id", "sent_id", "frame", "sentence"])
    for frame, g in fs[fs["measure"] == "share_of_sentences"].groupby("frame"):
        if (pair := _pair(g, by, "mean")) is None:
            continue
        hi, lo = pair
        row("frame", hi.label, hi, lo, "mean", None,
            f"{hi[by]} uses the “{hi.label}” frame most: {_pct(hi['mean'])} of its sentences "
            f"({_n_label(hi.n_articles)}), against {_pct(lo['mean'])} in {lo[by]} "
            f"({_n_label(lo.n_articles)}).",
            _evidence(hits[(hits[by] == hi[by]) & (hits["frame"] == frame)], by, n_evidence))

    dc = t["dyad_counts"]
    dy = grouped(t["dyads"], ["doc_id", "sent_id", "vector", "relation", "sentence"])
    for (vector, relation), g in dc[dc.groupby(["vector", "relation"])["n_dyads"]
                                    .transform("sum") > 0].groupby(["vector", "relation"]):
        if (pair := _pair(g, by, "share_of_articles")) is None:
            continue
        hi, lo = pair
        name = f"{label.get(vector, vector)} {relation}"
        row("dyad", name, hi, lo, "share_of_articles", "n_dyads",
            f"{hi[by]} reports {name} dyads in the largest share of its articles: "
            f"{_pct(hi.share_of_articles)} ({hi.n_articles_with} of "
            f"{_n_label(hi.n_articles)}, {hi.n_dyads} sentences), against "
            f"{_pct(lo.share_of_articles)} in {lo[by]} ({lo.n_articles_with} of "
            f"{_n_label(lo.n_articles)}).",
            _evidence(dy[(dy[by] == hi[by]) & (dy["vector"] == vector)
                         & (dy["relation"] == relation)], by, n_evidence))

    if (pair := _pair(t["group_tone"], by, "mean_compound")) is not None:
        hi, lo = pair
        per_article = grouped(t["article_tone"], ["doc_id", "mean_compound"]) \
            .rename(columns={"mean_compound": "v"})
        row("tone", "overall tone", hi, lo, "mean_compound", "n_sentences",
            f"{hi[by]} is the most positive in tone (mean VADER compound "
            f"{hi.mean_compound:+.2f} over {hi.n_sentences} sentences, "
            f"{_n_label(hi.n_articles)}); {lo[by]} the least ({lo.mean_compound:+.2f}, "
            f"{lo.n_sentences} sentences, {_n_label(lo.n_articles)}).",
            _evidence(extremes(scored, hi, lo), by, n_evidence), per_article)

    vt = t["vector_tone"]
    for vector, g in vt[vt["n_sentences"] >= min_sentences].groupby("vector"):
        if (pair := _pair(g, by, "mean_compound")) is None:
            continue
        hi, lo = pair
        named = scored & naming(vector)
        per_article = every.loc[named, [by, "doc_id", "compound"]] \
            .groupby([by, "doc_id"])["compound"].mean().rename("v").reset_index()
        row("vector_tone", vector, hi, lo, "mean_compound", "n_sentences",
            f"Sentences naming {label.get(vector, vector)} are most positive in {hi[by]} "
            f"({hi.mean_compound:+.2f}, {hi.n_sentences} sentences, {_n_label(hi.n_articles)}) "
            f"and least in {lo[by]} ({lo.mean_compound:+.2f}, {lo.n_sentences} sentences, "
            f"{_n_label(lo.n_articles)}).",
            _evidence(extremes(named, hi, lo), by, n_evidence), per_article)

    cols = ["family", "item", "high_group", "high_value", "high_n_articles", "high_n",
            "low_group", "low_value", "low_n_articles", "low_n", "difference", "p_value",
            "q_value", "min_p", "caveat", "sentence", "evidence"]
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame(rows)
    out["difference"] = out["high_value"] - out["low_value"]
    overlap, dates = trends.year_overlap(articles, by), _dates(articles, by)
    out["caveat"] = ["; ".join(filter(None, [
        stats.small_n_caveat(nh, nl),
        _overlap_note(overlap.at[h, lo] if h in overlap.index and lo in overlap.index else np.nan,
                      h, lo, dates, by)]))
        for h, lo, nh, nl in zip(out.high_group, out.low_group, out.high_n_articles,
                                 out.low_n_articles)]
    out["q_value"] = stats.bh(out["p_value"].to_numpy())
    order = {f: i for i, f in enumerate(FAMILIES)}
    out = out.assign(_order=out["family"].map(order)) \
        .sort_values(["_order", "difference", "item"], ascending=[True, False, True])
    out = out.groupby("family", sort=False).head(per_family)
    return out[cols].reset_index(drop=True)


def caveats(articles: pd.DataFrame, by: str = "outlet", *, duplicates: pd.DataFrame | None = None,
            ) -> list[str]:
    """Plain statements of what the size and make-up of the data allow, built from the data:
    articles per group, the smallest attainable permutation p, dates, languages, copies."""
    n = articles.groupby(by)["doc_id"].nunique().sort_values()
    out = [f"{len(articles)} articles in {len(n)} groups by {by}; articles per group: "
           f"min {n.min()}, median {n.median():g}, max {n.max()}."]
    ones = n[n == 1]
    if len(ones):
        out.append(f"{len(ones)} of {len(n)} groups have a single article: their numbers describe "
                   "that article, not the outlet's coverage; no interval or test is possible.")
    small = n[(n >= 2) & (n <= stats.SMALL_N)]
    if len(small):
        out.append(f"{len(small)} groups have 2–{stats.SMALL_N} articles: intervals are the range of "
                   "their articles, and tests cannot reach small p-values.")
    if len(n) >= 2:
        a, b = int(n.iloc[-1]), int(n.iloc[-2])
        p = stats.permutation_test(np.arange(a, dtype=float), np.arange(b, dtype=float) + a)["min_p"]
        out.append(f"Between the two largest groups ({a} and {b} articles) the smallest two-sided "
                   f"permutation p attainable is {p:.3g}.")
    dates = articles["date"].replace("", np.nan).dropna()
    if len(dates):
        out.append(f"Dates run from {dates.min()} to {dates.max()}; "
                   f"{(articles['date'] == '').sum()} articles have no date. Differences between "
                   "groups may be differences between periods.")
    languages = corpus.language_caveat(articles)
    if languages:
        out.append(languages)
    if duplicates is not None and len(duplicates):
        out.append(f"{duplicates['cluster'].nunique()} clusters of the same or nearly the same "
                   f"article ({len(duplicates)} articles): one syndicated text counts once per "
                   "outlet that ran it unless copies are dropped.")
    return out


def to_html(contrast_table: pd.DataFrame, *, shared_caveats: bool = True) -> str:
    """The contrasts as an HTML list: each sentence, its caveat, and its evidence sentences.
    Every piece of text is HTML-escaped. With `shared_caveats`, a caveat clause (the parts of
    ``caveat`` separated by "; ") that every row carries is stated once above the list and
    left out of the rows."""
    from html import escape
    parts = [[c for c in str(r).split("; ") if c] if isinstance(r, str) else []
             for r in contrast_table.get("caveat", pd.Series(dtype=object))]
    common = (set.intersection(*map(set, parts)) if shared_caveats and len(parts) > 1 else set())
    head = [c for c in parts[0] if c in common] if common else []
    items = []
    for r, own in zip(contrast_table.itertuples(), parts):
        ev = "".join(f"<li>{escape(line)}</li>" for line in str(r.evidence).splitlines() if line)
        rest = "; ".join(c for c in own if c not in common)
        cav = f"<br><small><em>{escape(rest)}</em></small>" if rest else ""
        p = (f" <small>(permutation p = {r.p_value:.3g}, BH q = {r.q_value:.3g}; smallest "
             f"attainable p {r.min_p:.3g})</small>"
             if not pd.isna(r.p_value) else "")
        items.append(f"<li><strong>{escape(r.family)}</strong>: {escape(r.sentence)}{p}{cav}"
                     + (f"<ul style='font-size:90%'>{ev}</ul>" if ev else "") + "</li>")
    lead = (f"<p><em>For every contrast below: {escape('; '.join(head))}.</em></p>"
            if head else "")
    return lead + "<ol>" + "".join(items) + "</ol>"
