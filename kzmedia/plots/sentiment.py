"""Plots for the sentiment stage: tone per outlet (every article a point) and tone toward
each vector (outlet x vector heatmap)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from .. import stats

__all__ = ["tone_strip", "vector_heatmap"]


def _labels(groups, n) -> dict:
    return {g: f"{g} (n={int(n.get(g, 0))})" for g in groups}


def tone_strip(
    article_tone: pd.DataFrame,
    *,
    by: str = "outlet",
    summary: pd.DataFrame | None = None,
    sentences: pd.DataFrame | None = None,
    value: str = "mean_compound",
    ax=None,
    title: str | None = None,
):
    """Tone per group: every article as a point, the article-weighted mean as a bar, the
    interval as a line only where it is a bootstrap over >= 5 articles, and (optionally) every
    sentence as a faint point behind.

    `article_tone`: ``sentiment.article_tone`` (doc_id, <by>, mean_compound); `summary`:
    ``sentiment.group_tone`` (computed with ``stats.summarize`` when not given); `sentences`:
    ``sentiment.sentences`` (compound per sentence). Returns the Axes.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.6 * max(3, article_tone[by].nunique()) + 1.2))
    art = article_tone.dropna(subset=[value])
    if summary is None:
        summary = stats.summarize(art, value, by=by).rename(columns={"mean": value})
    summary = summary.set_index(by)
    groups = sorted(summary.index)
    pos = {g: i for i, g in enumerate(groups)}
    rng = np.random.default_rng(0)

    if sentences is not None:
        s = sentences.dropna(subset=["compound"])
        s = s[s[by].isin(pos)]
        y = s[by].map(pos).to_numpy() + rng.uniform(-0.3, 0.3, len(s))
        ax.scatter(s["compound"], y, s=8, color="0.6", alpha=0.25, linewidths=0,
                   label="sentence", zorder=1)
    a = art[art[by].isin(pos)]
    y = a[by].map(pos).to_numpy() + rng.uniform(-0.12, 0.12, len(a))
    ax.scatter(a[value], y, s=45, color="tab:blue", edgecolor="white", linewidths=0.6,
               label="article (mean of its sentences)", zorder=3)
    for g in groups:
        row = summary.loc[g]
        i = pos[g]
        ax.plot([row[value]] * 2, [i - 0.35, i + 0.35], color="black", lw=2.2, zorder=4,
                label="outlet mean (articles weighted equally)" if i == 0 else None)
        if row["n_articles"] >= 5 and np.isfinite(row["ci_low"]):
            ax.plot([row["ci_low"], row["ci_high"]], [i, i], color="black", lw=1.2, zorder=2,
                    label=f"{row['interval']}" if i == 0 else None)
    ax.axvline(0, color="0.3", lw=0.8, ls="--", zorder=0)
    ax.set_yticks(range(len(groups)))
    ax.set_yticklabels([_labels(groups, summary["n_articles"])[g] for g in groups])
    ax.set_ylim(len(groups) - 0.5, -0.5)
    ax.set_xlim(-1.02, 1.02)
    ax.set_xlabel("VADER compound (masked sentences; −1 negative … +1 positive)")
    ax.set_ylabel(f"{by} (n = articles)")
    ax.set_title(title or "Tone per outlet: each article a point, the bar is the mean")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    ax.annotate("Intervals are drawn only for outlets with 5 or more articles "
                "(cluster bootstrap over articles).", xy=(0, -0.16), xycoords="axes fraction",
                fontsize=8, color="0.35", va="top")
    return ax


def vector_heatmap(
    vector_tone: pd.DataFrame,
    *,
    by: str = "outlet",
    value: str = "mean_compound",
    n_articles: pd.Series | dict | None = None,
    vectors: list[str] | None = None,
    ax=None,
    title: str | None = None,
):
    """Tone toward each vector: a <by> x vector heatmap of the mean compound of the sentences
    naming it, annotated with the number of sentences, on a diverging colour map centred at 0
    (blank cells: no sentence names that vector).

    `vector_tone`: ``sentiment.vector_tone``; `n_articles`: articles per group for the row
    labels (default: the most articles contributing to any cell of the row). Returns the Axes.
    """
    vt = vector_tone if vectors is None else vector_tone[vector_tone["vector"].isin(vectors)]
    mean = vt.pivot(index=by, columns="vector", values=value)
    n = vt.pivot(index=by, columns="vector", values="n_sentences")
    if vectors is not None:
        cols = [v for v in vectors if v in mean.columns]
        mean, n = mean[cols], n[cols]
    if n_articles is None:
        n_articles = vt.groupby(by)["n_articles"].max()
    n_articles = pd.Series(n_articles)
    if ax is None:
        _, ax = plt.subplots(figsize=(1.1 * max(4, mean.shape[1]) + 2.5,
                                      0.7 * max(2, mean.shape[0]) + 1.5))
    annot = mean.map(lambda v: "" if pd.isna(v) else f"{v:+.2f}") + n.map(
        lambda k: "" if pd.isna(k) else f"\n{int(k)} sent.")
    lim = float(np.nanmax(np.abs(mean.to_numpy()))) if mean.notna().any().any() else 1.0
    lim = max(lim, 0.1)
    sns.heatmap(mean, ax=ax, cmap="RdBu", center=0, vmin=-lim, vmax=lim, annot=annot,
                fmt="", annot_kws={"fontsize": 8}, linewidths=0.5, linecolor="white",
                cbar_kws={"label": "mean compound (−: negative, +: positive)"})
    ax.set_yticklabels([_labels(mean.index, n_articles)[g] for g in mean.index], rotation=0)
    ax.set_xticklabels(ax.get_xticklabels(), rotation=30, ha="right")
    ax.set_xlabel("vector named in the sentence")
    ax.set_ylabel(f"{by} (n = articles)")
    ax.set_title(title or "Tone of sentences naming each vector (masked; cell: mean and sentences)")
    return ax
