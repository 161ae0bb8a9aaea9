"""Plots for the dyads stage (kzmedia.dyads): which interactions each group reports."""

from __future__ import annotations

import matplotlib.pyplot as plt
import seaborn as sns

__all__ = ["dyad_heatmap"]

_MEASURES = {"n_dyads": "dyads (sentences)", "share_of_articles": "share of articles with the dyad",
             "share_of_dyads": "share of the group's dyads"}


def dyad_heatmap(dyad_counts, *, by: str = "outlet", measure: str = "n_dyads", labels=None,
                 ax=None):
    """Partner vector x relation type (rows) by group (columns), annotated with the value.

    Input: :func:`kzmedia.dyads.counts`. Rows without any dyad in any group are left out;
    columns are labelled with the group's number of articles ("Outlet (n=3)").
    ``labels``: optional mapping vector -> label (e.g. the gazetteer's).
    """
    d = dyad_counts[dyad_counts.groupby(["vector", "relation"])["n_dyads"].transform("sum") > 0]
    if ax is None:
        n_rows = max(1, d[["vector", "relation"]].drop_duplicates().shape[0])
        _, ax = plt.subplots(figsize=(2 + 1.3 * max(1, d[by].nunique()), 0.4 * n_rows + 1.8))
    if d.empty:
        ax.text(0.5, 0.5, "no dyads found", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    n_art = dyad_counts.groupby(by)["n_articles"].max()
    name = (labels or {})
    d = d.assign(_row=[f"{name.get(v, v)} · {r}" for v, r in zip(d["vector"], d["relation"])],
                 _col=[f"{g} (n={n_art[g]})" for g in d[by]])
    mat = d.pivot_table(index="_row", columns="_col", values=measure, aggfunc="first")
    mat = mat.loc[mat.sum(axis=1).sort_values(ascending=False, kind="stable").index]
    sns.heatmap(mat, annot=True, fmt="g" if measure == "n_dyads" else ".0%", cmap="Purples",
                vmin=0, cbar_kws={"label": _MEASURES.get(measure, measure)}, ax=ax,
                linewidths=0.5, linecolor="white")
    ax.set_title(f"Who does what with the focal country, by {by}: {_MEASURES.get(measure, measure)}")
    ax.set_xlabel(f"{by} (n = articles)")
    ax.set_ylabel("partner vector · relation type")
    ax.tick_params(axis="x", rotation=30)
    plt.setp(ax.get_xticklabels(), ha="right")
    return ax
