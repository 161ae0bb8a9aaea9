"""Plots for the terms stage: top terms per group (small multiples), keyness as diverging bars,
similarity of group profiles as an ordered heatmap. Inputs are the tidy tables of
:mod:`kzmedia.terms`; every figure names its groups with their number of articles."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from . import style

__all__ = ["top_terms", "keyness_bars", "similarity_heatmap"]


def _label(name, n) -> str:
    return f"{name} (n={int(n)})" if n is not None and not pd.isna(n) else str(name)


def top_terms(profiles: pd.DataFrame, *, by: str = "outlet", value: str = "tfidf",
              top: int = 10, ncols: int = 3, height: float = 2.6,
              title: str = "Top terms per group", top_groups: int | None = style.TOP_GROUPS
              ) -> plt.Figure:
    """Small multiples: one horizontal bar chart per group of its ``top`` terms by ``value``
    (``tfidf_profiles`` or ``counts`` output; ``n_articles`` is shown when present), on one
    shared x axis so bars can be compared across panels. Bars are annotated with the term's
    document frequency when the table has ``doc_freq``. With more than `top_groups` groups
    only the largest are drawn, and the title says so."""
    groups = sorted(profiles[by].unique(), key=str)
    if not groups:
        raise ValueError("empty table: nothing to plot")
    sizes = (profiles.groupby(by)["n_articles"].max() if "n_articles" in profiles.columns
             else profiles.groupby(by)[value].sum())
    groups, rest = style.top_groups(sizes, top_groups)
    ncols = max(1, min(ncols, len(groups)))
    nrows = math.ceil(len(groups) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(min(style.FIGURE_WIDTH, 3.4 * ncols + 0.4),
                                                    height * nrows + 1.0),
                             squeeze=False, constrained_layout=True, sharex=True)
    for ax, g in zip(axes.flat, groups):
        sub = profiles[profiles[by] == g].sort_values([value, "term"], ascending=[False, True])
        sub = sub.head(top).iloc[::-1]
        n = sub["n_articles"].iloc[0] if "n_articles" in sub.columns and len(sub) else None
        ax.barh([style.literal(t) for t in sub["term"]], sub[value], color=sns.color_palette()[0])
        if "doc_freq" in sub.columns:
            for y, (v, dfq) in enumerate(zip(sub[value], sub["doc_freq"])):
                ax.text(v, y, f" {int(dfq)}", va="center", fontsize=9, color="0.35")
        ax.set_title(_label(style.literal(g), n), fontsize=10)
        ax.tick_params(axis="both", labelsize=9)
        ax.tick_params(axis="x", labelbottom=True)
        ax.margins(x=0.18)
    for ax in list(axes.flat)[len(groups):]:
        ax.set_visible(False)
    fig.supxlabel(value.replace("_", " ") + (" (shared axis; the grey number: articles using "
                                             "the term)" if "doc_freq" in profiles.columns
                                             else " (shared axis)"), fontsize=9)
    fig.suptitle(title + (f"\nlargest {len(groups)} {style.literal(by)} values shown; "
                          f"{len(rest):,} others not shown" if rest else ""), fontsize=11)
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
        _, ax = plt.subplots(figsize=(style.FIGURE_WIDTH * 0.8, 0.3 * len(show) + 1.8))
    colors = [sns.color_palette()[0] if s > 0 else sns.color_palette()[3] for s in show.score]
    ax.barh([style.literal(t) for t in show["term"]], show["score"], color=colors)
    ax.axvline(0, color="0.3", lw=0.8)
    for y, (s, c, dfq) in enumerate(zip(show.score, show.count_target, show.doc_freq_target)):
        ax.text(s, y, f" {int(c)}/{int(dfq)} " if s > 0 else f" {int(c)}/{int(dfq)} ",
                va="center", ha="left" if s > 0 else "right", fontsize=9, color="0.35")
    ref = sub["reference"].iloc[0] if "reference" in sub.columns else "reference"
    nt = sub["n_target"].iloc[0] if "n_target" in sub.columns else None
    nr = sub["n_reference"].iloc[0] if "n_reference" in sub.columns else None
    measure = ("log-odds z (informative Dirichlet prior)" if "z" in sub.columns else
               "signed G²" if "g2" in sub.columns else "signed chi²" if "chi2" in sub.columns
               else "score")
    ref, target = style.literal(ref), style.literal(target)
    ax.set_xlabel(f"{measure}: ← {_label(ref, nr)}  |  {_label(target, nt)} →")
    ax.set_ylabel("term  (labels: count in target / target articles using it)")
    ax.set_title(title or f"Distinctive terms: {_label(target, nt)} vs {_label(ref, nr)}",
                 fontsize=10)
    ax.margins(x=0.15)
    return ax


def similarity_heatmap(matrix: pd.DataFrame, *, n_articles: pd.Series | dict | None = None,
                       ax: plt.Axes | None = None, annot: bool = True,
                       title: str = "Similarity of pooled TF-IDF profiles (cosine)",
                       top_groups: int | None = style.TOP_GROUPS) -> plt.Axes:
    """Heatmap of ``terms.similarity_matrix``, rows and columns ordered by average-linkage
    hierarchical clustering of 1 - cosine (scipy) when there are 3+ groups, so similar groups
    sit together. ``n_articles``: group -> number of articles, shown in the labels and used to
    keep the `top_groups` largest groups when there are more (the title says so)."""
    m = matrix.copy()
    n = dict(n_articles) if n_articles is not None else {}
    shown, rest = style.top_groups(pd.Series({g: n.get(g, 0) for g in m.index}), top_groups)
    m = m.loc[shown, shown]
    labels = list(m.index)
    if len(labels) >= 3:
        from scipy.cluster.hierarchy import leaves_list, linkage
        from scipy.spatial.distance import squareform

        dist = np.clip(1 - m.fillna(0).to_numpy(), 0, None)
        np.fill_diagonal(dist, 0)
        dist = (dist + dist.T) / 2
        order = leaves_list(linkage(squareform(dist, checks=False), method="average"))
        m = m.iloc[order, order]
    names = [_label(style.literal(g), n.get(g)) for g in m.index]
    if ax is None:
        side = min(style.FIGURE_WIDTH - 1.5, 0.8 * len(names) + 3)
        _, ax = plt.subplots(figsize=(side + 1.5, side))
    sns.heatmap(m.to_numpy(), ax=ax, vmin=0, vmax=1, cmap="viridis", annot=annot, fmt=".2f",
                square=True, xticklabels=names, yticklabels=names, annot_kws={"fontsize": 9},
                cbar_kws={"label": "cosine similarity"})
    ax.set_xlabel(m.columns.name or "group")
    ax.set_ylabel(m.index.name or "group")
    ax.tick_params(axis="x", labelrotation=35, labelsize=9)
    ax.tick_params(axis="y", labelsize=9, labelrotation=0)
    plt.setp(ax.get_xticklabels(), ha="right")
    ax.set_title(title + (f"\nlargest {len(shown)} shown; {len(rest):,} others not shown"
                          if rest else ""), fontsize=10)
    return ax
