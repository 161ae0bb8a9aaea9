"""Plots for the corpus stage: articles and words per outlet, the cleaning audit, the timeline."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

__all__ = ["articles_per_outlet", "audit_summary", "timeline"]


def articles_per_outlet(articles: pd.DataFrame, by: str = "outlet", *, top_n: int | None = None,
                        ax=None, title: str | None = None):
    """Horizontal bars: articles per group, each annotated with its word count.

    `articles`: the articles frame (``by``, n_words). Groups sorted by article count (then
    name); ``top_n`` keeps the largest groups. Returns the Axes.
    """
    counts = (articles.assign(_g=articles[by].replace("", "(unknown)"))
              .groupby("_g").agg(n=("n_words", "size"), words=("n_words", "sum"))
              .reset_index().sort_values(["n", "_g"], ascending=[False, True]))
    shown = counts.head(top_n) if top_n else counts
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.45 * max(3, len(shown)) + 1.2))
    y = np.arange(len(shown))
    ax.barh(y, shown["n"], color="tab:blue", height=0.6)
    for yi, n, w in zip(y, shown["n"], shown["words"]):
        ax.annotate(f"{n} article{'s' * (n != 1)}, {w:,} words", (n, yi), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=9)
    ax.set_yticks(y, [f"{g} (n={n})" for g, n in zip(shown["_g"], shown["n"])])
    ax.set_ylim(len(shown) - 0.5, -0.5)
    ax.set_xlim(0, shown["n"].max() * 1.6 if len(shown) else 1)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("articles")
    ax.set_ylabel(by)
    more = f", top {len(shown)} of {len(counts)} shown" if len(shown) < len(counts) else ""
    ax.set_title(title or f"Articles per {by} ({len(articles)} articles, "
                          f"{int(articles['n_words'].sum()):,} words{more})")
    return ax


def audit_summary(audit: pd.DataFrame, *, ax=None, top_reasons: int = 8,
                  title: str | None = None):
    """Stacked horizontal bars per article: lines kept as body and lines dropped by reason.

    `audit`: ``articles.attrs["audit"]`` (doc_id, kept, reason). Blank lines are left out;
    the rarest drop reasons are pooled as "other". Returns the Axes (with a note when the
    audit is empty, e.g. for a table corpus).
    """
    lines = audit[audit["reason"] != "blank"]
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.5 * max(3, lines["doc_id"].nunique()) + 1.5))
    if lines.empty:
        ax.text(0.5, 0.5, "No cleaning audit: the corpus was read as already-clean text.",
                ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        ax.set_title(title or "Cleaning audit")
        return ax
    label = lines["reason"].where(~lines["kept"], "kept (body)")
    dropped = label[~lines["kept"]].value_counts()
    rare = dropped.index[top_reasons:]
    label = label.where(~label.isin(rare), "other (dropped)")
    table = pd.crosstab(lines["doc_id"], label).sort_index(ascending=False)
    order = ["kept (body)"] + [r for r in dropped.index[:top_reasons]] + (
        ["other (dropped)"] if len(rare) else [])
    table = table[[c for c in order if c in table.columns]]
    colors = ["tab:green"] + list(plt.get_cmap("tab20b").colors[:: max(1, 20 // max(1, len(order)))])
    table.plot.barh(stacked=True, ax=ax, color=colors[: table.shape[1]], width=0.7)
    ax.set_xlabel("non-blank lines of the raw file")
    ax.set_ylabel("article (doc_id)")
    ax.legend(title="line kept / dropped because", loc="upper left", bbox_to_anchor=(1.01, 1),
              fontsize=8, frameon=False)
    kept, total = int(lines["kept"].sum()), len(lines)
    ax.set_title(title or f"Cleaning audit: {kept} of {total} non-blank lines kept as body "
                          f"(n={table.shape[0]} articles)")
    return ax


def timeline(articles: pd.DataFrame, by: str = "outlet", *, ax=None, title: str | None = None):
    """Publication dates per group; a month- or year-only date is drawn as a bar over the
    whole month or year it stands for, a full date as a point. Undated articles are counted
    in the group label. Returns the Axes.
    """
    arts = articles.assign(_g=articles[by].replace("", "(unknown)"))
    groups = sorted(arts["_g"].unique())
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.5 * max(3, len(groups)) + 1.4))
    dated = arts[arts["date"] != ""]
    start = pd.to_datetime(dated["date"].where(dated["date_precision"] != "year",
                                               dated["date"] + "-01"), format="mixed")
    span = {"day": pd.DateOffset(days=0), "month": pd.DateOffset(months=1),
            "year": pd.DateOffset(years=1)}
    pos = {g: i for i, g in enumerate(groups)}
    shown = set()
    for (g, prec), part in dated.groupby(["_g", "date_precision"]):
        s = start[part.index]
        y = np.full(len(part), pos[g])
        if prec == "day":
            ax.scatter(s, y, color="tab:blue", zorder=3, label=None if "day" in shown else "exact date")
        else:
            ends = s + span[prec]
            ax.hlines(y, s, ends, color={"month": "tab:orange", "year": "tab:purple"}[prec],
                      lw=6, alpha=0.6,
                      label=None if prec in shown else f"only the {prec} is known")
        shown.add(prec)
    n = arts["_g"].value_counts()
    undated = arts.loc[arts["date"] == "", "_g"].value_counts()
    ax.set_yticks(range(len(groups)),
                  [f"{g} (n={n[g]}" + (f", {undated[g]} undated)" if g in undated else ")")
                   for g in groups])
    ax.set_ylim(len(groups) - 0.5, -0.5)
    ax.set_xlabel("publication date")
    ax.set_ylabel(by)
    if shown:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    ax.set_title(title or f"When the articles were published (n={len(arts)}, "
                          f"{len(arts) - len(dated)} undated)")
    return ax
