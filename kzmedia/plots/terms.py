"""Plots for the terms stage: top terms per group (small multiples), keyness as diverging bars,
similarity of group profiles as an ordered heatmap. Inputs are the tidy tables of
:mod:`kzmedia.terms`; every figure names its groups with their number of articles."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

__all__ = ["top_terms", "keyness_bars", "similarity_heatmap"]


def _label(name, n) -> str:
    return f"{name} (n={int(n)})" if n is not None and not pd.isna(n) else str(name)


def top_terms(profiles: pd.DataFrame, *, by: str = "outlet", value: str = "tfidf",
              top: int = 10, ncols: int = 3, height: float = 2.6,
              title: str = "Top terms per group") -> plt.Figure:
    """Small multiples: one horizontal bar chart per group of its ``top`` terms by ``value``
    (``tfidf_profiles`` or ``counts`` output; ``n_articles`` is shown when present). Bars are
    annotated with the term's document frequency when the table has ``doc_freq``."""
    groups = sorted(profiles[by].unique(), key=str)
    if not groups:
        raise ValueError("empty table: nothing to plot")
    ncols = max(1, min(ncols, len(groups)))
    nrows = math.ceil(len(groups) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.4 * ncols, height * nrows + 0.8),
                             squeeze=False, constrained_layout=True)
    for ax, g in zip(axes.flat, groups):
        sub = profiles[profiles[by] == g].sort_values([value, "term"], ascending=[False, True])
        sub = sub.head(top).iloc[::-1]
        n = sub["n_articles"].iloc[0] if "n_articles" in sub.columns and len(sub) else None
        ax.barh(sub["term"], sub[value], color=sns.color_palette()[0])
        if "doc_freq" in sub.columns:
            for y, (v, dfq) in enumerate(zip(sub[value], sub["doc_freq"])):
                ax.text(v, y, f" {int(dfq)}", va="center", fontsize=7, color="0.35")
        ax.set_title(_label(g, n), fontsize=10)
        ax.set_xlabel(value.replace("_", " ") + ("  (label: articles using it)"
                                                 if "doc_freq" in sub.columns else ""),
                      fontsize=8)
        ax.set_ylabel("term", fontsize=8)
        ax.tick_params(axis="y", labelsize=8)
        ax.margins(x=0.18)
    for ax in list(axes.flat)[len(groups):]:
        ax.set_visible(False)
    fig.suptitle(title)
    return fig


def keyness_bars(keyness: pd.DataFrame, *, target=None, by: str = "outlet", top: int = 10,
                 ax: plt.Axes | None = None, title: str | None = None) -> plt.Axes:
    """Diverging bars for one target vs its reference (``terms.keyness`` output): the ``top``
    terms with the highest score (more used by the target, right) and the ``top`` lowest
    (more used by the reference, left). ``target`` defaults to the first group in the table."""
    if keyness.empty:
        raise ValueError("empty keyness table: nothing to plot")
    target = keyness[by].iloc[0] if target is None else target
    sub = keyness[keyness[by] == target]
    if sub.empty:
        raise ValueError(f"{by}={target!r} is not in the keyness table")
    sub = sub.sort_values(["score", "term"], ascending=[False, True])
    pos, neg = sub[sub.score > 0].head(top), sub[sub.score < 0].tail(top)
    show = pd.concat([pos, neg]).sort_values("score")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.28 * len(show) + 1.6))
    colors = [sns.color_palette()[0] if s > 0 else sns.color_palette()[3] for s in show.score]
    ax.barh(show["term"], show["score"], color=colors)
    ax.axvline(0, color="0.3", lw=0.8)
    for y, (s, c, dfq) in enumerate(zip(show.score, show.count_target, show.doc_freq_target)):
        ax.text(s, y, f" {int(c)}/{int(dfq)} " if s > 0 else f" {int(c)}/{int(dfq)} ",
                va="center", ha="left" if s > 0 else "right", fontsize=7, color="0.35")
    ref = sub["reference"].iloc[0] if "reference" in sub.columns else "reference"
    nt = sub["n_target"].iloc[0] if "n_target" in sub.columns else None
    nr = sub["n_reference"].iloc[0] if "n_reference" in sub.columns else None
    measure = ("log-odds z (informative Dirichlet prior)" if "z" in sub.columns else
               "signed G²" if "g2" in sub.columns else "signed chi²" if "chi2" in sub.columns
               else "score")
    ax.set_xlabel(f"{measure}: ← {_label(ref, nr)}  |  {_label(target, nt)} →")
    ax.set_ylabel("term  (labels: count in target / target articles using it)")
    ax.set_title(title or f"Distinctive terms: {_label(target, nt)} vs {_label(ref, nr)}")
    ax.margins(x=0.15)
    return ax


def similarity_heatmap(matrix: pd.DataFrame, *, n_articles: pd.Series | dict | None = None,
                       ax: plt.Axes | None = None, annot: bool = True,
                       title: str = "Similarity of pooled TF-IDF profiles (cosine)") -> plt.Axes:
    """Heatmap of ``terms.similarity_matrix``, rows and columns ordered by average-linkage
    hierarchical clustering of 1 - cosine (scipy) when there are 3+ groups, so similar groups
    sit together. ``n_articles``: group -> number of articles, shown in the labels."""
    m = matrix.copy()
    labels = list(m.index)
    if len(labels) >= 3:
        from scipy.cluster.hierarchy import leaves_list, linkage
        from scipy.spatial.distance import squareform

        dist = np.clip(1 - m.fillna(0).to_numpy(), 0, None)
        np.fill_diagonal(dist, 0)
        dist = (dist + dist.T) / 2
        order = leaves_list(linkage(squareform(dist, checks=False), method="average"))
        m = m.iloc[order, order]
    n = dict(n_articles) if n_articles is not None else {}
    names = [_label(g, n.get(g)) for g in m.index]
    if ax is None:
        side = 1.1 * len(names) + 2.5
        _, ax = plt.subplots(figsize=(side + 1.5, side))
    sns.heatmap(m.to_numpy(), ax=ax, vmin=0, vmax=1, cmap="viridis", annot=annot, fmt=".2f",
                square=True, xticklabels=names, yticklabels=names,
                cbar_kws={"label": "cosine similarity"})
    ax.set_xlabel(m.columns.name or "group")
    ax.set_ylabel(m.index.name or "group")
    ax.tick_params(axis="x", labelrotation=35)
    plt.setp(ax.get_xticklabels(), ha="right")
    ax.set_title(title)
    return ax
