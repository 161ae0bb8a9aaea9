"""Plots for the frames and actors stages (kzmedia.frames, kzmedia.actors).

With many groups each figure shows the `top` largest (by articles) and pools the others into
one last row or column, labelled as such; cells resting on fewer than ``style.MIN_N``
articles or sentences are hatched.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from . import style

__all__ = ["frame_heatmap", "vector_attention", "balance_plot", "cooccurrence_heatmap"]

_MEASURES = {"share_of_sentences": "mean share of sentences with the frame",
             "share_of_articles": "share of articles with the frame"}


def _label(name, n) -> str:
    return f"{style.literal(name)} (n={int(n):,})"


def _hatch_cells(ax, few: np.ndarray):
    """Hatch the heatmap cells where `few` (rows x columns, as drawn) is True."""
    for i, j in zip(*np.nonzero(few)):
        ax.add_patch(plt.Rectangle((j, i), 1, 1, fill=False, hatch=style.few_hatch,
                                   edgecolor="0.6", lw=0))


def _shown_note(rest, by: str, what: str = "pooled in the last column", shown=None) -> str:
    k = f" {len(shown)}" if shown is not None else ""
    return (f"\nthe largest{k} {style.literal(by)} values shown; the other {len(rest):,} {what}"
            if len(rest) else "")


def frame_heatmap(group_scores: pd.DataFrame, *, by: str = "outlet",
                  measure: str = "share_of_sentences", top: int | None = style.TOP_GROUPS,
                  ax=None):
    """Frame x group heatmap of :func:`kzmedia.frames.group_scores`, annotated with the value.

    Columns are labelled with the group's number of articles ("The Astana Times (n=1)").
    Shares of articles are annotated with the count behind them ("1/1"); columns of groups
    with fewer than ``style.MIN_N`` articles are hatched. With more than `top` groups the
    others are pooled into one column (their articles' mean).
    """
    d = group_scores[group_scores["measure"] == measure]
    sizes = d.groupby(by)["n_articles"].max()
    shown, rest = style.top_groups(sizes, top)
    d = d[d[by].isin(shown + rest)]
    cols = {g: _label(g, sizes[g]) for g in shown}
    mat = d[d[by].isin(shown)].pivot_table(index="label", columns=by, values="mean",
                                           aggfunc="first").reindex(columns=shown)
    n = pd.DataFrame({g: [sizes[g]] * len(mat) for g in shown}, index=mat.index)
    if rest:
        r = d[d[by].isin(rest)]
        pooled = (r["mean"] * r["n_articles"]).groupby(r["label"]).sum() \
            / r.groupby("label")["n_articles"].sum()
        n_rest = int(sizes[rest].sum())
        key = style.rest_label(rest, by, n_rest)
        mat[key] = pooled.reindex(mat.index)
        n[key] = n_rest
        cols[key] = key
    mat = mat.loc[mat.mean(axis=1).sort_values(ascending=False).index]
    n = n.loc[mat.index]
    if measure == "share_of_articles":
        annot = [[("" if pd.isna(v) else f"{style.share_text(v)}\n{round(v * k):,}/{int(k):,}")
                  for v, k in zip(rv, rk)] for rv, rk in zip(mat.to_numpy(), n.to_numpy())]
    else:
        annot = [["" if pd.isna(v) else f"{v:.2f}" for v in rv] for rv in mat.to_numpy()]
    mat.columns = [cols[c] for c in mat.columns]
    if ax is None:
        _, ax = plt.subplots(figsize=(min(style.FIGURE_WIDTH - 1, 3.5 + 1.1 * mat.shape[1]),
                                      0.5 * mat.shape[0] + 2.2))
    sns.heatmap(mat, annot=np.array(annot, dtype=object).reshape(mat.shape), fmt="",
                cmap="Blues", vmin=0, ax=ax, linewidths=0.5, linecolor="white",
                annot_kws={"fontsize": 9}, cbar_kws={"label": _MEASURES.get(measure, measure)})
    _hatch_cells(ax, (n < style.MIN_N).to_numpy())
    few = " Hatched: fewer than 3 articles." if (n < style.MIN_N).any().any() else ""
    ax.set_title(f"Frames by {style.literal(by)}: {_MEASURES.get(measure, measure)}"
                 + (" (cell: share, articles with it / articles)"
                    if measure == "share_of_articles" else "")
                 + _shown_note(rest, by, shown=shown) + ("\n" + few.strip() if few else ""), fontsize=10)
    ax.set_xlabel(f"{style.literal(by)} (n = articles)")
    ax.set_ylabel("frame")
    ax.tick_params(axis="x", rotation=30, labelsize=9)
    ax.tick_params(axis="y", labelsize=9, labelrotation=0)
    plt.setp(ax.get_xticklabels(), ha="right")
    return ax


def _pool_attention(d: pd.DataFrame, by: str, rest: list, key: str) -> pd.DataFrame:
    """The rest's rows as one group: each vector's share of all their partner mentions."""
    r = d[d[by].isin(rest)]
    if r.empty:
        return r
    men = r.groupby("vector")["n_mentions"].sum()
    n_art = r.drop_duplicates(by)["n_articles"].sum()
    return pd.DataFrame({by: key, "vector": men.index, "n_mentions": men.to_numpy(),
                         "share_of_mentions": (men / max(1, men.sum())).to_numpy(),
                         "n_articles": n_art})


def vector_attention(attention: pd.DataFrame, *, by: str = "outlet",
                     top: int | None = style.TOP_GROUPS, labels: dict | None = None, ax=None):
    """Stacked horizontal bars: each partner vector's share of a group's partner mentions.

    Input: :func:`kzmedia.actors.attention`; the focal country is left out. Bars are labelled
    with the group's number of articles and of partner mentions; each vector has its colour
    of :data:`kzmedia.plots.style.VECTOR_COLORS` and its gazetteer label (`labels`: vector ->
    label, default the package gazetteer's). With more than `top` groups the others are
    pooled into one last bar. Bars resting on fewer than 3 mentions are hatched.
    """
    d = attention[~attention["focal"]]
    sizes = d.groupby(by)["n_articles"].max()
    shown, rest = style.top_groups(sizes, top)
    key = style.rest_label(rest, by, int(sizes[rest].sum())) if rest else None
    d = pd.concat([d[d[by].isin(shown)], _pool_attention(d, by, rest, key)], ignore_index=True)
    order_groups = shown + ([key] if rest else [])
    mat = d.pivot_table(index=by, columns="vector", values="share_of_mentions",
                        aggfunc="first").reindex(order_groups).fillna(0)
    total = d.groupby("vector")["n_mentions"].sum().sort_values(ascending=False)
    order = total.index[total > 0] if (total > 0).any() else total.index
    mat = mat.reindex(columns=order, fill_value=0)
    n_art = d.groupby(by)["n_articles"].max()
    n_men = d.groupby(by)["n_mentions"].sum().reindex(order_groups).fillna(0).astype(int)
    names = [(g if g == key else f"{style.literal(g)} (n={n_art[g]:,})") + f", {n_men[g]:,} mentions"
             for g in mat.index]
    if ax is None:
        _, ax = plt.subplots(figsize=(style.FIGURE_WIDTH * 0.85, 0.5 * len(mat) + 2.4))
    colors = style.vector_colors(order)
    left = np.zeros(len(mat))
    ys = np.arange(len(mat))
    for v in order:
        vals = mat[v].to_numpy()
        ax.barh(ys, vals, left=left, color=colors[v], label=style.vector_label(v, labels),
                edgecolor="white", height=0.7)
        for y, (l0, w) in enumerate(zip(left, vals)):
            if w >= 0.08:
                dark = colors[v] in ("#d62728", "#1f77b4", "#6a3d9a", "#8c564b", "#2ca02c",
                                     "#7f7f7f", "#222222")
                ax.text(l0 + w / 2, y, style.share_text(w), ha="center", va="center",
                        fontsize=9, color="white" if dark else "black")
        left += vals
    few = n_men.to_numpy() < style.MIN_N
    for y in np.flatnonzero(few):
        ax.barh(y, 1, color="none", edgecolor="0.45", hatch=style.few_hatch, height=0.7, lw=0)
    ax.set_yticks(ys, names, fontsize=9)
    ax.set_xlim(0, 1)
    ax.set_ylim(len(mat) - 0.5, -0.5)
    ax.set_xlabel("share of the group's mentions of partner vectors (focal country excluded)")
    ax.set_ylabel(style.literal(by))
    ax.set_title(f"Attention to foreign-policy vectors by {style.literal(by)}"
                 + _shown_note(rest, by, "pooled in the last bar", shown)
                 + ("\nhatched: fewer than 3 partner mentions" if few.any() else ""), fontsize=10)
    ax.legend(title="vector", bbox_to_anchor=(0.5, 0), loc="upper center", borderaxespad=4.5,
              fontsize=9, ncol=min(4, max(1, len(order))), frameon=False)
    return ax


def balance_plot(balance: pd.DataFrame, *, by: str = "outlet",
                 top: int | None = style.TOP_GROUPS, ax=None):
    """Balance index per group: point = mean article balance, line = its interval.

    Input: :func:`kzmedia.actors.balance`. Groups with one article show a point only, labelled
    "n=1: no interval"; n = 2-4 show the range of the article values (and each article as a
    small dot); n >= 5 a bootstrap interval over articles. With more than `top` groups the
    others are pooled into one last row (the mean over their articles, no interval).
    """
    shown, rest = style.top_groups(balance.set_index(by)["n_articles"], top)
    d = balance[balance[by].isin(shown)].sort_values("mean").reset_index(drop=True)
    names = [_label(g, n) for g, n in zip(d[by], d["n_articles"])]
    if rest:
        r = balance[balance[by].isin(rest)].dropna(subset=["mean"])
        n_rest = int(r["n_articles"].sum())
        pooled = float((r["mean"] * r["n_articles"]).sum() / max(1, n_rest))
        d = pd.concat([d, pd.DataFrame([{by: "rest", "n_articles": n_rest, "mean": pooled,
                                         "ci_low": np.nan, "ci_high": np.nan,
                                         "interval": "pooled: no interval",
                                         "article_values": []}])], ignore_index=True)
        names.append(style.rest_label(rest, by, n_rest))
    if ax is None:
        _, ax = plt.subplots(figsize=(style.FIGURE_WIDTH * 0.85, 0.5 * len(d) + 2))
    ys = np.arange(len(d))
    # the interval most rows share is said once, under the axis; only the others are marked
    common = d["interval"].mode().iloc[0] if len(d) else ""
    for y, r in zip(ys, d.itertuples()):
        if not (pd.isna(r.ci_low) or pd.isna(r.ci_high)):
            ax.hlines(y, r.ci_low, r.ci_high, color="0.3", lw=2)
        vals = list(r.article_values) if isinstance(r.article_values, (list, tuple, np.ndarray)) else []
        if 2 <= len(vals) <= 50:
            ax.scatter(vals, [y] * len(vals), s=12, color="0.5", zorder=2)
        ax.scatter([r.mean], [y], s=50, color="C0", zorder=3)
        if r.interval != common:
            ax.annotate(r.interval, (r.mean, y), xytext=(6, 5), textcoords="offset points",
                        fontsize=9, color="0.3")
    ax.set_yticks(ys, names, fontsize=9)
    ax.set_ylim(len(d) - 0.5, -0.5)
    ax.set_xlim(0, 1.05)
    k = int(d["k"].iloc[0]) if "k" in d and len(d) and not pd.isna(d["k"].iloc[0]) else None
    ax.set_xlabel("balance index: entropy of partner-vector mentions / log(K)"
                  + (f", K = {k}" if k else "") + "\n(0 = one partner only, 1 = all equally)"
                  + (f"\ninterval, unless marked: {common}" if common else ""))
    ax.set_ylabel(style.literal(by))
    ax.set_title(f"How multi-vector is each {style.literal(by)}'s picture? (mean over articles)"
                 + _shown_note(rest, by, "pooled in the last row", shown), fontsize=10)
    return ax


def cooccurrence_heatmap(cooccurrence: pd.DataFrame, *, by: str = "outlet", n_articles=None,
                         col_wrap: int = 2, top: int | None = 6, labels: dict | None = None):
    """Small multiples, one per group: sentences in which two vectors are mentioned together.

    Input: :func:`kzmedia.actors.cooccurrence`. ``n_articles``: optional mapping group -> n for
    the panel titles (and to pick the `top` largest groups; the others are summed into one
    last panel). Vectors carry their gazetteer labels. Returns the Figure.
    """
    sizes = (pd.Series(n_articles) if n_articles is not None
             else cooccurrence.groupby(by)["n_sentences"].sum())
    sizes = sizes[sizes.index.isin(cooccurrence[by].unique())]
    shown, rest = style.top_groups(sizes, top)
    panels = [(g, cooccurrence[cooccurrence[by] == g],
               f"{style.literal(g)}" + (f" (n={int(sizes[g]):,})" if n_articles is not None else ""))
              for g in shown]
    if rest:
        r = cooccurrence[cooccurrence[by].isin(rest)]
        r = r.groupby(["vector_a", "vector_b"], as_index=False)["n_sentences"].sum()
        panels.append(("rest", r, style.rest_label(
            rest, by, int(sizes[rest].sum()) if n_articles is not None else None)))
    vectors = sorted(set(cooccurrence.vector_a) | set(cooccurrence.vector_b))
    used = cooccurrence.groupby("vector_a").n_sentences.sum().add(
        cooccurrence.groupby("vector_b").n_sentences.sum(), fill_value=0)
    vectors = [v for v in vectors if used.get(v, 0) > 0] or vectors
    names = [style.vector_label(v, labels) for v in vectors]
    if len(vectors) < 2 or not panels:
        fig, ax = plt.subplots(figsize=(6, 1.5))
        ax.text(0.5, 0.5, "Fewer than two vectors are mentioned: no pairs to show.",
                ha="center", va="center", fontsize=10)
        ax.set_axis_off()
        return fig
    ncol = min(col_wrap, len(panels))
    nrow = math.ceil(len(panels) / ncol)
    side = min(style.FIGURE_WIDTH / ncol, 5.5)
    fig, axes = plt.subplots(nrow, ncol, figsize=(side * ncol, side * 0.95 * nrow + 0.6),
                             squeeze=False)
    for ax, (g, d, title) in zip(axes.flat, panels):
        mat = pd.DataFrame(0, index=vectors, columns=vectors)
        for r in d.itertuples():
            if r.vector_a in mat.index and r.vector_b in mat.index:
                mat.loc[r.vector_a, r.vector_b] = mat.loc[r.vector_b, r.vector_a] = r.n_sentences
        mat.index, mat.columns = names, names
        mat = mat.iloc[1:, :-1]                                 # lower triangle without the diagonal
        mask = np.triu(np.ones_like(mat, dtype=bool), k=1)
        vmax = max(1, int(mat.to_numpy().max()))
        sns.heatmap(mat, mask=mask, annot=len(vectors) <= 12, fmt="d", cmap="Oranges", vmin=0,
                    vmax=vmax, cbar=False, ax=ax, annot_kws={"fontsize": 9}, linewidths=0.3,
                    linecolor="white")
        ax.set_title(title, fontsize=10)
        ax.tick_params(labelsize=9)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    fig.suptitle(f"Vectors mentioned in the same sentence, by {style.literal(by)} "
                 "(number of sentences; each panel coloured on its own scale)"
                 + (f"\nlargest {len(shown)} shown, the other {len(rest):,} summed in the "
                    "last panel" if rest else ""), fontsize=10)
    fig.tight_layout()
    return fig
