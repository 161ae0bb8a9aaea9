"""Plots for the corpus stage: articles and words per outlet, the cleaning audit, the timeline."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from . import style

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
    ax.set_yticks(y, [f"{style.literal(g)} (n={n:,})" for g, n in zip(shown["_g"], shown["n"])])
    ax.set_ylim(len(shown) - 0.5, -0.5)
    ax.set_xlim(0, shown["n"].max() * 1.6 if len(shown) else 1)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("articles")
    ax.set_ylabel(style.literal(by))
    more = f", top {len(shown)} of {len(counts)} shown" if len(shown) < len(counts) else ""
    ax.set_title(title or f"Articles per {by} ({len(articles)} articles, "
                          f"{int(articles['n_words'].sum()):,} words{more})")
    return ax


def audit_summary(audit: pd.DataFrame, *, ax=None, top_reasons: int = 8,
                  title: str | None = None, max_articles: int = 30):
    """Stacked horizontal bars per article: lines kept as body and lines dropped by reason.

    `audit`: ``articles.attrs["audit"]`` (doc_id, kept, reason). Blank lines are left out;
    the rarest drop reasons are pooled as "other". With more than `max_articles` articles,
    those with the most dropped lines are shown (the title says so). Returns the Axes (with a
    note when the audit is empty, e.g. for a table corpus).
    """
    lines = audit[audit["reason"] != "blank"]
    n_docs = lines["doc_id"].nunique()
    if n_docs > max_articles:
        worst = (~lines["kept"]).groupby(lines["doc_id"]).sum().sort_values(
            ascending=False, kind="stable").index[:max_articles]
        lines = lines[lines["doc_id"].isin(worst)]
    if ax is None:
        _, ax = plt.subplots(figsize=(style.FIGURE_WIDTH * 0.8,
                                      0.5 * max(3, lines["doc_id"].nunique()) + 1.5))
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
    table.index = [style.literal(d) for d in table.index]
    order = ["kept (body)"] + [r for r in dropped.index[:top_reasons]] + (
        ["other (dropped)"] if len(rare) else [])
    table = table[[c for c in order if c in table.columns]]
    colors = ["tab:green"] + list(plt.get_cmap("tab20b").colors[:: max(1, 20 // max(1, len(order)))])
    table.plot.barh(stacked=True, ax=ax, color=colors[: table.shape[1]], width=0.7)
    ax.set_xlabel("non-blank lines of the raw file")
    ax.set_ylabel("article (doc_id)")
    ax.legend(title="line kept / dropped because", loc="upper left", bbox_to_anchor=(1.01, 1),
              fontsize=9, frameon=False)
    kept, total = int(lines["kept"].sum()), len(lines)
    ax.set_title(title or f"Cleaning audit: {kept:,} of {total:,} non-blank lines kept as body "
                          f"(n={table.shape[0]:,} articles"
                          + (f"; the {max_articles} of {n_docs:,} with the most lines dropped"
                             if n_docs > max_articles else "") + ")", fontsize=10)
    return ax


#: Dates outside these years are not drawn (a "0001-11-30" is a broken date, not history);
#: the group label counts them.
YEARS = (1800, 2200)


def timeline(articles: pd.DataFrame, by: str = "outlet", *, ax=None, title: str | None = None,
             top: int | None = style.TOP_GROUPS):
    """Publication dates per group; a month- or year-only date is drawn as a bar over the
    whole month or year it stands for, a full date as a point. Undated articles, and dates
    that cannot be read or fall outside the years 1800-2200, are counted in the group label.
    With more than `top` groups the others are pooled into one last row. Returns the Axes.
    """
    arts = articles.assign(_g=articles[by].astype(str).replace("", "(unknown)"))
    shown, rest = style.top_groups(arts["_g"].value_counts(), top)
    if rest:
        arts["_g"] = arts["_g"].where(arts["_g"].isin(shown), "rest")
    groups = shown + (["rest"] if rest else [])
    if ax is None:
        _, ax = plt.subplots(figsize=(style.FIGURE_WIDTH, 0.5 * max(3, len(groups)) + 1.6))
    dated = arts[arts["date"].fillna("").astype(str) != ""]
    raw = dated["date"].astype(str).where(dated["date_precision"] != "year", dated["date"] + "-01")
    start = pd.to_datetime(raw, format="mixed", errors="coerce")
    ok = start.notna() & start.dt.year.between(YEARS[0], YEARS[1] - 1)
    bad = arts.loc[dated.index[~ok], "_g"].value_counts()
    dated, start = dated[ok], start[ok]
    span = {"day": pd.DateOffset(days=0), "month": pd.DateOffset(months=1),
            "year": pd.DateOffset(years=1)}
    pos = {g: i for i, g in enumerate(groups)}
    shown_kinds = set()
    for (g, prec), part in dated.groupby(["_g", "date_precision"]):
        s = start[part.index]
        y = np.full(len(part), pos[g])
        if prec not in span:
            continue
        if prec == "day":
            ax.scatter(s, y, color="tab:blue", zorder=3, s=16,
                       label=None if "day" in shown_kinds else "exact date")
        else:
            ax.hlines(y, s, s + span[prec], lw=6, alpha=0.6,
                      color={"month": "tab:orange", "year": "tab:purple"}[prec],
                      label=None if prec in shown_kinds else f"only the {prec} is known")
        shown_kinds.add(prec)
    n = arts["_g"].value_counts()
    undated = arts.loc[arts["date"].fillna("").astype(str) == "", "_g"].value_counts()
    names = []
    for g in groups:
        extra = "".join([f", {undated[g]:,} undated" if g in undated else "",
                         f", {bad[g]:,} unreadable date" if g in bad else ""])
        names.append((style.rest_label(rest, by) if g == "rest" else style.literal(g))
                     + f" (n={n[g]:,}{extra})")
    ax.set_yticks(range(len(groups)), names, fontsize=9)
    ax.set_ylim(len(groups) - 0.5, -0.5)
    ax.set_xlabel("publication date")
    ax.set_ylabel(style.literal(by))
    if shown_kinds:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), fontsize=9, frameon=False,
                  ncol=3)
    else:
        ax.text(0.5, 0.5, "No article has a readable date: nothing to place in time.",
                ha="center", va="center", transform=ax.transAxes, fontsize=10)
        ax.set_xticks([])
    ax.set_title(title or f"When the articles were published (n={len(arts):,}, "
                          f"{int(undated.sum()):,} undated"
                          + (f", {int(bad.sum()):,} with a date that cannot be placed"
                             if len(bad) else "") + ")"
                          + (f"\nlargest {len(shown)} {style.literal(by)} values shown, the "
                             f"other {len(rest):,} pooled in the last row" if rest else ""),
                 fontsize=10)
    return ax
