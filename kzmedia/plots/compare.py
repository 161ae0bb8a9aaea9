"""Plots for the comparison stage: the outlets side by side, one page-wide figure per question."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from . import style
from .frames import frame_heatmap, vector_attention
from .sentiment import tone_strip

__all__ = ["distinctive_terms_heatmap", "dashboard"]


def _note(ax, text: str, title: str):
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=10, wrap=True,
            transform=ax.transAxes)
    ax.set_axis_off()
    ax.set_title(title, fontsize=10)
    return ax


def distinctive_terms_heatmap(keyness: pd.DataFrame, *, by: str = "outlet", top: int = 3,
                              n_articles: pd.Series | dict | None = None,
                              top_groups: int | None = style.TOP_GROUPS, ax=None):
    """Term x group heatmap of keyness scores (one-vs-rest): each group's `top` most
    distinctive terms, with every group's score for them, annotated with the count.

    Input: :func:`kzmedia.terms.keyness` (column ``score``: log-odds z, signed G² or chi²).
    With more than `top_groups` groups only the largest are shown (by `n_articles`, else by
    their tokens), and the title says how many are left out: a one-vs-rest score has no
    pooled counterpart. With fewer than two groups there is nothing to contrast, and the
    figure says so.
    """
    title = f"Distinctive terms: each {style.literal(by)}'s top {top} (cell: score, count)"
    n_articles = pd.Series(n_articles if n_articles is not None else {}, dtype=object)
    if keyness.empty or keyness[by].nunique() < 2:
        if ax is None:
            _, ax = plt.subplots(figsize=(style.FIGURE_WIDTH * 0.8, 1.6))
        return _note(ax, f"Distinctive terms set each {style.literal(by)} against the others;\n"
                         "with a single group there is nothing to set it against.", title)
    sizes = (n_articles.astype(float) if len(n_articles)
             else keyness.groupby(by)["n_target"].max())
    shown, rest = style.top_groups(sizes[sizes.index.isin(keyness[by].unique())], top_groups)
    keyness = keyness[keyness[by].isin(shown)]
    k = keyness.sort_values([by, "score", "term"], ascending=[True, False, True])
    terms = list(dict.fromkeys(k[k["score"] > 0].groupby(by).head(top)["term"]))
    d = keyness[keyness["term"].isin(terms)]
    score = d.pivot_table(index="term", columns=by, values="score", aggfunc="first") \
        .reindex(index=terms, columns=shown)
    count = d.pivot_table(index="term", columns=by, values="count_target", aggfunc="first") \
        .reindex(index=terms, columns=shown)
    if len(n_articles):
        score.columns = [f"{style.literal(g)} (n={n_articles.get(g, '?')})" for g in shown]
    else:
        score.columns = [style.literal(g) for g in shown]
    annot = np.array([[("" if pd.isna(v) else f"{v:.1f}\n{int(c)}×") for v, c in zip(rv, rc)]
                      for rv, rc in zip(score.to_numpy(), count.fillna(0).to_numpy())],
                     dtype=object).reshape(score.shape)
    if ax is None:
        _, ax = plt.subplots(figsize=(min(style.FIGURE_WIDTH, 1.0 * score.shape[1] + 3.5),
                                      0.45 * len(terms) + 2.2))
    lim = max(1.0, float(np.nanmax(np.abs(score.to_numpy(dtype=float)))) if len(terms) else 1.0)
    sns.heatmap(score.astype(float), annot=annot, fmt="", cmap="PuOr_r", center=0, vmin=-lim,
                vmax=lim, ax=ax, annot_kws={"fontsize": 9}, linewidths=0.4, linecolor="white",
                cbar_kws={"label": "keyness (one vs rest; + = more used)"})
    ax.set_title(title + (f"\nlargest {len(shown)} {style.literal(by)} values shown; "
                          f"{len(rest):,} others not shown" if rest else ""), fontsize=10)
    ax.set_xlabel(f"{style.literal(by)} (n = articles)")
    ax.set_ylabel("term")
    ax.tick_params(axis="x", rotation=30, labelsize=9)
    ax.tick_params(axis="y", labelsize=9, labelrotation=0)
    plt.setp(ax.get_xticklabels(), ha="right")
    return ax


def dashboard(tables: dict, *, by: str = "outlet", top_terms: int = 3,
              top: int | None = style.TOP_GROUPS, labels: dict | None = None) -> list:
    """The four questions side by side, one page-wide figure each (what is said, how it is
    framed, which partners, in what tone), every group labelled with its n and the same groups
    shown in each (the `top` largest; the others pooled or named).

    `tables`: the dict of :func:`kzmedia.pipeline.analyze` (keys keyness_log_odds,
    frame_scores_group, attention, article_tone, group_tone). Returns the list of Figures.
    """
    n = tables["group_tone"].set_index(by)["n_articles"]
    figs = []
    contrasted = tables["keyness_log_odds"][by].nunique() >= 2
    fig, ax = plt.subplots(figsize=(style.FIGURE_WIDTH, 5.5 if contrasted else 1.6))
    distinctive_terms_heatmap(tables["keyness_log_odds"], by=by, top=top_terms, n_articles=n,
                              top_groups=top, ax=ax)
    ax.set_title("1. What is said: " + ax.get_title(), fontsize=10)
    fig.tight_layout()
    figs.append(fig)
    fig, ax = plt.subplots(figsize=(style.FIGURE_WIDTH, 5.5))
    frame_heatmap(tables["frame_scores_group"], by=by, top=top, ax=ax)
    ax.set_title("2. How it is framed: " + ax.get_title(), fontsize=10)
    fig.tight_layout()
    figs.append(fig)
    n_rows = min(len(n), (top or len(n)) + 1)
    fig, ax = plt.subplots(figsize=(style.FIGURE_WIDTH * 0.85, 0.5 * n_rows + 3))
    vector_attention(tables["attention"], by=by, top=top, labels=labels, ax=ax)
    ax.set_title("3. Which partners: " + ax.get_title(), fontsize=10)
    fig.tight_layout()
    figs.append(fig)
    fig, ax = plt.subplots(figsize=(style.FIGURE_WIDTH * 0.9, 0.55 * max(3, n_rows) + 2.4))
    tone_strip(tables["article_tone"], by=by, summary=tables["group_tone"], top=top, ax=ax)
    ax.set_title("4. In what tone: " + ax.get_title(), fontsize=10)
    fig.tight_layout()
    figs.append(fig)
    return figs
