"""Plots for the sentiment stage: tone per outlet (every article a point) and tone toward
each vector (outlet x vector heatmap).

With many groups each figure shows the `top` largest (by articles) and pools the others into
one last row, labelled as such.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from .. import stats
from . import style

__all__ = ["tone_strip", "vector_heatmap"]

#: Sentences drawn per row behind the articles (a random sample beyond this many).
MAX_SENTENCE_POINTS = 2000
#: Articles drawn per row (a random sample beyond this many).
MAX_ARTICLE_POINTS = 1500


def _sample(frame: pd.DataFrame, key: str, k: int, rng) -> pd.DataFrame:
    """At most `k` rows per value of `key`, drawn at random (all of them when fewer)."""
    if frame.empty or frame.groupby(key).size().max() <= k:
        return frame
    keep = frame.groupby(key, group_keys=False).apply(
        lambda g: g.iloc[np.sort(rng.choice(len(g), min(k, len(g)), replace=False))],
        include_groups=False)
    return frame.loc[keep.index]


def tone_strip(
    article_tone: pd.DataFrame,
    *,
    by: str = "outlet",
    summary: pd.DataFrame | None = None,
    sentences: pd.DataFrame | None = None,
    value: str = "mean_compound",
    top: int | None = style.TOP_GROUPS,
    ax=None,
    title: str | None = None,
):
    """Tone per group: every article as a point, the article-weighted mean as a bar, the
    interval as a line only where it is a bootstrap over >= 5 articles, and (optionally) every
    sentence as a faint point behind (a random sample of at most 2,000 per row).

    `article_tone`: ``sentiment.article_tone`` (doc_id, <by>, mean_compound); `summary`:
    ``sentiment.group_tone`` (computed with ``stats.summarize`` when not given); `sentences`:
    ``sentiment.sentences`` (compound per sentence). With more than `top` groups the others
    are pooled into one last row (their articles' mean, no interval). Returns the Axes.
    """
    art = article_tone.dropna(subset=[value])
    if summary is None:
        summary = stats.summarize(art, value, by=by).rename(columns={"mean": value})
    summary = summary.set_index(by)
    shown, rest = style.top_groups(summary["n_articles"], top)
    rows = list(shown)
    names = {g: f"{style.literal(g)} (n={int(summary.loc[g, 'n_articles']):,})" for g in shown}
    if rest:
        n_rest = int(summary.loc[rest, "n_articles"].sum())
        names["rest"] = style.rest_label(rest, by, n_rest)
        rows.append("rest")
    pos = {g: i for i, g in enumerate(rows)}
    row_of = lambda s: s.where(s.isin(shown), "rest") if rest else s  # noqa: E731
    if ax is None:
        _, ax = plt.subplots(figsize=(style.FIGURE_WIDTH * 0.9, 0.55 * max(3, len(rows)) + 1.8))
    rng = np.random.default_rng(0)
    sampled = False
    if sentences is not None:
        s = sentences.dropna(subset=["compound"])
        s = s.assign(_row=row_of(s[by]))
        s = s[s["_row"].isin(pos)]
        drawn = _sample(s, "_row", MAX_SENTENCE_POINTS, rng)
        sampled = len(drawn) < len(s)
        y = drawn["_row"].map(pos).to_numpy() + rng.uniform(-0.3, 0.3, len(drawn))
        ax.scatter(drawn["compound"], y, s=8, color="0.6", alpha=0.25, linewidths=0,
                   label="sentence" + (" (random sample)" if sampled else ""), zorder=1)
    a = art.assign(_row=row_of(art[by]))
    a = a[a["_row"].isin(pos)]
    drawn = _sample(a, "_row", MAX_ARTICLE_POINTS, rng)
    y = drawn["_row"].map(pos).to_numpy() + rng.uniform(-0.12, 0.12, len(drawn))
    ax.scatter(drawn[value], y, s=30 if len(drawn) > 200 else 45, color="tab:blue",
               edgecolor="white", linewidths=0.6, zorder=3,
               label="article (mean of its sentences)"
               + (" (random sample)" if len(drawn) < len(a) else ""))
    ci_drawn = False
    for g in rows:
        i = pos[g]
        mean = (float(a.loc[a["_row"] == "rest", value].mean()) if g == "rest"
                else summary.loc[g, value])
        ax.plot([mean] * 2, [i - 0.35, i + 0.35], color="black", lw=2.2, zorder=4,
                label="group mean (articles weighted equally)" if i == 0 else None)
        if g != "rest":
            row = summary.loc[g]
            if row["n_articles"] >= 5 and np.isfinite(row["ci_low"]):
                ax.plot([row["ci_low"], row["ci_high"]], [i, i], color="black", lw=1.2,
                        zorder=2, label=None if ci_drawn else "95% interval (bootstrap over "
                        "articles)")
                ci_drawn = True
    ax.axvline(0, color="0.3", lw=0.8, ls="--", zorder=0)
    ax.set_yticks(range(len(rows)), [names[g] for g in rows], fontsize=9)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(-1.02, 1.02)
    ax.set_xlabel("VADER compound (masked sentences; −1 negative … +1 positive)\n"
                  "Intervals only for groups with 5 or more articles (cluster bootstrap over "
                  "articles)" + ("; the pooled row has none" if rest else ""), fontsize=9)
    ax.set_ylabel(f"{style.literal(by)} (n = articles)")
    ax.set_title((title or f"Tone per {style.literal(by)}: each article a point, the bar is "
                  "the mean")
                 + (f"\nlargest {len(shown)} shown, the other {len(rest):,} pooled in the last "
                    "row" if rest else ""), fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0), borderaxespad=6, fontsize=9,
              frameon=False, ncol=2)
    return ax


def vector_heatmap(
    vector_tone: pd.DataFrame,
    *,
    by: str = "outlet",
    value: str = "mean_compound",
    n_articles: pd.Series | dict | None = None,
    vectors: list[str] | None = None,
    labels: dict | None = None,
    top: int | None = style.TOP_GROUPS,
    ax=None,
    title: str | None = None,
):
    """Tone toward each vector: a <by> x vector heatmap of the mean compound of the sentences
    naming it, annotated with the number of sentences, on a diverging colour map centred at 0
    (blank cells: no sentence names that vector). Cells resting on fewer than
    ``style.MIN_N`` sentences are hatched; their colour is not evidence of anything.

    `vector_tone`: ``sentiment.vector_tone``; `n_articles`: articles per group for the row
    labels (default: the most articles contributing to any cell of the row); `labels`:
    vector -> label (default: the package gazetteer's). With more than `top` groups the
    others are pooled into one last row (their articles' mean). Returns the Axes.
    """
    vt = vector_tone if vectors is None else vector_tone[vector_tone["vector"].isin(vectors)]
    vt = vt.dropna(subset=[value])
    if vt.empty:
        if ax is None:
            _, ax = plt.subplots(figsize=(style.FIGURE_WIDTH * 0.8, 1.4))
        ax.text(0.5, 0.5, "No scored sentence names a vector (tone is scored for English "
                "only): no tone toward vectors to show.", ha="center", va="center",
                fontsize=10, transform=ax.transAxes)
        ax.set_axis_off()
        ax.set_title(title or "Tone of sentences naming each vector", fontsize=10)
        return ax
    if n_articles is None:
        n_articles = vt.groupby(by)["n_articles"].max()
    n_articles = pd.Series(n_articles)
    shown, rest = style.top_groups(n_articles[n_articles.index.isin(vt[by].unique())], top)
    mean = vt.pivot(index=by, columns="vector", values=value).reindex(shown)
    n = vt.pivot(index=by, columns="vector", values="n_sentences").reindex(shown)
    names = [f"{style.literal(g)} (n={int(n_articles.get(g, 0)):,})" for g in shown]
    if rest:
        r = vt[vt[by].isin(rest)]
        w = r["n_articles"]
        mean.loc["rest"] = (r[value] * w).groupby(r["vector"]).sum() / w.groupby(r["vector"]).sum()
        n.loc["rest"] = r.groupby("vector")["n_sentences"].sum()
        names.append(style.rest_label(rest, by, int(n_articles[rest].sum())))
    cols = [v for v in (vectors or sorted(mean.columns)) if v in mean.columns]
    mean, n = mean[cols], n[cols]
    if ax is None:
        _, ax = plt.subplots(figsize=(min(style.FIGURE_WIDTH, 1.0 * max(4, len(cols)) + 3.5),
                                      0.65 * max(2, len(mean)) + 2.2))
    annot = np.array([[("" if pd.isna(v) else f"{style.tone_text(v)}\n({int(k):,})")
                       for v, k in zip(rv, rk)] for rv, rk in zip(mean.to_numpy(), n.to_numpy())],
                     dtype=object).reshape(mean.shape)
    lim = float(np.nanmax(np.abs(mean.to_numpy(dtype=float)))) if mean.notna().any().any() else 1.0
    lim = max(lim, 0.1)
    mean = mean.set_axis(names, axis=0)   # labels as written ("$" is not math) before seaborn
    sns.heatmap(mean.astype(float), ax=ax, cmap="RdBu", center=0, vmin=-lim, vmax=lim,
                annot=annot, fmt="", annot_kws={"fontsize": 9}, linewidths=0.5,
                linecolor="white", cbar_kws={"label": "mean compound (−: negative, +: positive)"})
    few = (n.fillna(0).to_numpy(dtype=float) < style.MIN_N) & mean.notna().to_numpy(dtype=bool)
    for i, j in zip(*np.nonzero(few)):
        ax.add_patch(plt.Rectangle((j, i), 1, 1, facecolor="white", alpha=0.55, lw=0))
        ax.add_patch(plt.Rectangle((j, i), 1, 1, fill=False, hatch=style.few_hatch,
                                   edgecolor="0.5", lw=0))
    ax.set_yticks(np.arange(len(mean)) + 0.5, names, rotation=0, fontsize=9)
    ax.set_xticks(np.arange(len(cols)) + 0.5, [style.vector_label(v, labels) for v in cols],
                  rotation=30, ha="right", fontsize=9)
    ax.set_xlabel("vector named in the sentence")
    ax.set_ylabel(f"{style.literal(by)} (n = articles)")
    ax.set_title((title or "Tone of sentences naming each vector (masked)")
                 + "\ncell: mean compound and (number of sentences)"
                 + (f"\nlargest {len(shown)} shown, the other {len(rest):,} pooled in the "
                    "last row" if rest else "")
                 + ("\nhatched and faded: fewer than 3 sentences" if few.any() else ""),
                 fontsize=10)
    return ax
