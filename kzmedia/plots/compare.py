"""Plots for the comparison stage: the outlets side by side in one dashboard."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from .frames import frame_heatmap, vector_attention
from .sentiment import tone_strip

__all__ = ["distinctive_terms_heatmap", "dashboard"]


def distinctive_terms_heatmap(keyness: pd.DataFrame, *, by: str = "outlet", top: int = 3,
                              n_articles: pd.Series | dict | None = None, ax=None):
    """Term x group heatmap of keyness scores (one-vs-rest): each group's `top` most
    distinctive terms, with every group's score for them, annotated with the count.

    Input: :func:`kzmedia.terms.keyness` (column ``score``: log-odds z, signed G² or chi²).
    """
    k = keyness.sort_values([by, "score", "term"], ascending=[True, False, True])
    terms = list(dict.fromkeys(k[k["score"] > 0].groupby(by).head(top)["term"]))
    d = keyness[keyness["term"].isin(terms)]
    n_articles = pd.Series(n_articles if n_articles is not None else {}, dtype=object)
    score = d.pivot_table(index="term", columns=by, values="score", aggfunc="first").reindex(terms)
    count = d.pivot_table(index="term", columns=by, values="count_target", aggfunc="first") \
        .reindex(index=terms, columns=score.columns)
    if len(n_articles):
        score.columns = [f"{g} (n={n_articles.get(g, '?')})" for g in score.columns]
    annot = [[("" if pd.isna(v) else f"{v:.1f}\n{int(c)}×") for v, c in zip(rv, rc)]
             for rv, rc in zip(score.to_numpy(), count.fillna(0).to_numpy())]
    if ax is None:
        _, ax = plt.subplots(figsize=(1.4 * score.shape[1] + 3, 0.42 * len(terms) + 1.5))
    lim = max(1.0, float(score.abs().max().max()))
    sns.heatmap(score, annot=annot, fmt="", cmap="PuOr_r", center=0, vmin=-lim, vmax=lim, ax=ax,
                annot_kws={"fontsize": 7}, linewidths=0.4, linecolor="white",
                cbar_kws={"label": "keyness (one vs rest; + = more used)"})
    ax.set_title(f"Distinctive terms: each {by}'s top {top} (cell: score, count)")
    ax.set_xlabel(f"{by} (n = articles)")
    ax.set_ylabel("term")
    ax.tick_params(axis="x", rotation=30)
    plt.setp(ax.get_xticklabels(), ha="right")
    return ax


def dashboard(tables: dict, *, by: str = "outlet", top_terms: int = 3):
    """Four panels side by side: distinctive terms, frames, vector attention, tone.

    `tables`: the dict of :func:`kzmedia.pipeline.analyze` (keys keyness_log_odds,
    frame_scores_group, attention, article_tone, group_tone). Returns the Figure.
    """
    n = tables["group_tone"].set_index(by)["n_articles"]
    fig, axes = plt.subplots(2, 2, figsize=(24, 15), gridspec_kw={"hspace": 0.55, "wspace": 0.75})
    distinctive_terms_heatmap(tables["keyness_log_odds"], by=by, top=top_terms, n_articles=n,
                              ax=axes[0, 0])
    frame_heatmap(tables["frame_scores_group"], by=by, ax=axes[0, 1])
    vector_attention(tables["attention"], by=by, ax=axes[1, 0])
    tone_strip(tables["article_tone"], by=by, summary=tables["group_tone"], ax=axes[1, 1])
    fig.suptitle(f"Outlets side by side, by {by}: what is said, how it is framed, "
                 "which partners, in what tone", fontsize=15)
    return fig
