"""Plots for the frames and actors stages (kzmedia.frames, kzmedia.actors)."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

__all__ = ["frame_heatmap", "vector_attention", "balance_plot", "cooccurrence_heatmap"]

_MEASURES = {"share_of_sentences": "mean share of sentences with the frame",
             "share_of_articles": "share of articles with the frame"}


def _label(name, n) -> str:
    return f"{name} (n={int(n)})"


def frame_heatmap(group_scores: pd.DataFrame, *, by: str = "outlet", measure: str = "share_of_sentences",
                  ax=None):
    """Frame x group heatmap of :func:`kzmedia.frames.group_scores`, annotated with the value.

    Columns are labelled with the group's number of articles ("The Astana Times (n=1)").
    """
    d = group_scores[group_scores["measure"] == measure]
    labels = d.groupby(by)["n_articles"].max()
    d = d.assign(_col=d[by].map(lambda g: _label(g, labels[g])))
    mat = d.pivot_table(index="label", columns="_col", values="mean", aggfunc="first")
    mat = mat.loc[mat.mean(axis=1).sort_values(ascending=False).index]
    if ax is None:
        _, ax = plt.subplots(figsize=(1.6 + 1.3 * mat.shape[1], 0.45 * mat.shape[0] + 1.8))
    sns.heatmap(mat, annot=True, fmt=".0%" if measure == "share_of_articles" else ".2f",
                cmap="Blues", vmin=0, cbar_kws={"label": _MEASURES.get(measure, measure)}, ax=ax,
                linewidths=0.5, linecolor="white")
    ax.set_title(f"Frames by {by}: {_MEASURES.get(measure, measure)}")
    ax.set_xlabel(f"{by} (n = articles)")
    ax.set_ylabel("frame")
    ax.tick_params(axis="x", rotation=30)
    plt.setp(ax.get_xticklabels(), ha="right")
    return ax


def vector_attention(attention: pd.DataFrame, *, by: str = "outlet", ax=None):
    """Stacked horizontal bars: each partner vector's share of a group's partner mentions.

    Input: :func:`kzmedia.actors.attention`; the focal country is left out. Bars are labelled
    with the group's number of articles and of partner mentions.
    """
    d = attention[~attention["focal"]]
    mat = d.pivot_table(index=by, columns="vector", values="share_of_mentions", aggfunc="first").fillna(0)
    order = d.groupby("vector")["n_mentions"].sum().sort_values(ascending=False).index
    mat = mat[order]
    n_art = d.groupby(by)["n_articles"].max()
    n_men = d.groupby(by)["n_mentions"].sum()
    mat.index = [f"{g} (n={n_art[g]}, {n_men[g]} mentions)" for g in mat.index]
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 0.6 * len(mat) + 2))
    colors = sns.color_palette("tab20", len(order))
    left = np.zeros(len(mat))
    for color, v in zip(colors, order):
        vals = mat[v].to_numpy()
        ax.barh(mat.index, vals, left=left, color=color, label=v, edgecolor="white")
        for y, (l0, w) in enumerate(zip(left, vals)):
            if w >= 0.07:
                ax.text(l0 + w / 2, y, f"{w:.0%}", ha="center", va="center", fontsize=8)
        left += vals
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_xlabel("share of the outlet's mentions of partner vectors (focal country excluded)")
    ax.set_ylabel(by)
    ax.set_title(f"Attention to foreign-policy vectors by {by}")
    ax.legend(title="vector", bbox_to_anchor=(1.01, 1), loc="upper left", fontsize=8)
    return ax


def balance_plot(balance: pd.DataFrame, *, by: str = "outlet", ax=None):
    """Balance index per group: point = mean article balance, line = its interval.

    Input: :func:`kzmedia.actors.balance`. Groups with one article show a point only, labelled
    "n=1: no interval"; n = 2-4 show the range of the article values (and each article as a
    small dot); n >= 5 a bootstrap interval over articles.
    """
    d = balance.sort_values("mean").reset_index(drop=True)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.55 * len(d) + 1.8))
    ys = np.arange(len(d))
    for y, r in zip(ys, d.itertuples()):
        if not (math.isnan(r.ci_low) or math.isnan(r.ci_high)):
            ax.hlines(y, r.ci_low, r.ci_high, color="0.3", lw=2)
        vals = list(r.article_values) if isinstance(r.article_values, (list, tuple, np.ndarray)) else []
        if 2 <= len(vals):
            ax.scatter(vals, [y] * len(vals), s=12, color="0.5", zorder=2)
        ax.scatter([r.mean], [y], s=50, color="C0", zorder=3)
        ax.annotate(r.interval, (r.mean, y), xytext=(6, 6), textcoords="offset points", fontsize=8,
                    color="0.3")
    ax.set_yticks(ys, [_label(g, n) for g, n in zip(d[by], d["n_articles"])])
    ax.set_xlim(0, 1.05)
    k = int(d["k"].iloc[0]) if "k" in d and len(d) else None
    ax.set_xlabel("balance index: Shannon entropy of partner-vector mentions / log(K)"
                  + (f", K = {k}" if k else "") + "  (0 = one partner, 1 = all equally)")
    ax.set_ylabel(by)
    ax.set_title(f"How multi-vector is each {by}'s picture? (mean over articles)")
    return ax


def cooccurrence_heatmap(cooccurrence: pd.DataFrame, *, by: str = "outlet", n_articles=None,
                         col_wrap: int = 3):
    """Small multiples, one per group: sentences in which two vectors are mentioned together.

    Input: :func:`kzmedia.actors.cooccurrence`. ``n_articles``: optional mapping group -> n for
    the panel titles. Returns the Figure.
    """
    groups = sorted(cooccurrence[by].unique())
    vectors = sorted(set(cooccurrence.vector_a) | set(cooccurrence.vector_b))
    used = cooccurrence.groupby("vector_a").n_sentences.sum().add(
        cooccurrence.groupby("vector_b").n_sentences.sum(), fill_value=0)
    vectors = [v for v in vectors if used.get(v, 0) > 0] or vectors
    ncol = min(col_wrap, len(groups))
    nrow = math.ceil(len(groups) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.6 * ncol, 4.2 * nrow), squeeze=False)
    vmax = max(1, cooccurrence.n_sentences.max())
    for ax, g in zip(axes.flat, groups):
        d = cooccurrence[cooccurrence[by] == g]
        mat = pd.DataFrame(0, index=vectors, columns=vectors)
        for r in d.itertuples():
            if r.vector_a in mat.index and r.vector_b in mat.index:
                mat.loc[r.vector_a, r.vector_b] = mat.loc[r.vector_b, r.vector_a] = r.n_sentences
        mat = mat.iloc[1:, :-1]                                 # lower triangle without the diagonal
        mask = np.triu(np.ones_like(mat, dtype=bool), k=1)
        sns.heatmap(mat, mask=mask, annot=True, fmt="d", cmap="Oranges", vmin=0, vmax=vmax, cbar=False,
                    ax=ax, annot_kws={"fontsize": 7}, linewidths=0.3, linecolor="white")
        n = f" (n={n_articles[g]})" if n_articles is not None and g in n_articles else ""
        ax.set_title(f"{g}{n}", fontsize=10)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(groups):]:
        ax.set_visible(False)
    fig.suptitle(f"Vectors mentioned in the same sentence, by {by} (number of sentences)")
    fig.supxlabel("vector")
    fig.supylabel("vector")
    fig.tight_layout()
    return fig
