"""Plots for change over time (kzmedia.trends): coverage per period, trend lines with event
markers, before/after panels."""

from __future__ import annotations

import math

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from . import style

__all__ = ["coverage_heatmap", "trend_lines", "before_after"]

_UNPLACED = "unplaced"
_AXIS = {"frame_share": "share of sentences with the frame",
         "attention_share": "share of the mentions of partners",
         "balance": "balance index (0 = one partner, 1 = all equally)",
         "tone": "mean tone (VADER compound, masked)",
         "vector_tone": "tone of sentences naming the vector",
         "articles": "articles"}


def _text_columns(table: pd.DataFrame) -> pd.DataFrame:
    """The table with its text columns as text (a trends.csv read back has years as numbers
    and empty cells as NaN)."""
    cols = [c for c in ("period", "period_start", "period_end", "item", "label", "event",
                        "event_date") if c in table.columns]
    return table.assign(**{c: table[c].fillna("").astype(str) for c in cols})


def _title(measure: str, label: str) -> str:
    return f"{_AXIS.get(measure, measure)}: {label}" if label else _AXIS.get(measure, measure)


def coverage_heatmap(trends: pd.DataFrame, *, by: str = "outlet", ax=None,
                     top: int | None = style.TOP_GROUPS):
    """Group x period heatmap of article counts (measure "articles" of
    :func:`kzmedia.trends.table`), with a last column for the articles no period holds.

    Empty cells are the periods in which a group has no article: two groups whose rows have
    no period in common cannot be compared within periods. With more than `top` groups the
    others are summed into one last row.
    """
    trends = _text_columns(trends)
    d = trends[trends["measure"] == "articles"]
    placed = d[d["period"] != _UNPLACED]
    order = placed.drop_duplicates("period").sort_values(["period_start", "period_end"])["period"]
    mat = placed.pivot_table(index=by, columns="period", values="n_articles", aggfunc="sum") \
        .reindex(columns=list(order)).fillna(0)
    left = d[d["period"] == _UNPLACED].groupby(by)["n_articles"].sum()
    mat[_UNPLACED] = left.reindex(mat.index).fillna(0)
    mat = mat.astype(int)
    shown, rest = style.top_groups(mat.sum(axis=1), top)
    if rest:
        pooled = mat.loc[rest].sum().rename(style.rest_label(rest, by))
        mat = pd.concat([mat.loc[shown], pooled.to_frame().T])
    mat.index = [style.literal(g) for g in mat.index]
    if ax is None:
        _, ax = plt.subplots(figsize=(min(style.FIGURE_WIDTH, 4.5 + 0.55 * mat.shape[1]),
                                      min(30, 2.2 + 0.4 * mat.shape[0])))
    present = mat.where(mat > 0)
    sns.heatmap(present, annot=mat.shape[1] * mat.shape[0] <= 600, fmt=".0f", cmap="Blues",
                vmin=0, vmax=max(1, int(mat.to_numpy().max())), cbar=int(mat.to_numpy().max()) > 1,
                cbar_kws={"label": "articles"}, linewidths=0.4, linecolor="0.9", ax=ax,
                annot_kws={"fontsize": 9})
    ax.axvline(mat.shape[1] - 1, color="0.3", lw=1.5)
    ax.set_title(f"Articles per {style.literal(by)} and period\n(blank: none; last column: articles no "
                 "period holds - undated, or dated less precisely than the period)"
                 + (f"\nlargest {len(shown)} shown, the other {len(rest):,} summed in the last "
                    "row" if rest else ""), fontsize=10)
    ax.set_xlabel("period")
    ax.set_ylabel(style.literal(by))
    ax.tick_params(axis="x", rotation=60)
    return ax


def _x_positions(d: pd.DataFrame, calendar: bool):
    """x of each period: its middle day for calendar periods, else its position in order."""
    periods = d.drop_duplicates("period").sort_values(["period_start", "period_end"])
    if calendar:
        start = pd.to_datetime(periods["period_start"])
        end = pd.to_datetime(periods["period_end"])
        return dict(zip(periods["period"], start + (end - start) / 2))
    return {p: i for i, p in enumerate(periods["period"])}


def trend_lines(trends: pd.DataFrame, *, by: str = "outlet", measure: str = "tone",
                item: str = "", events: pd.DataFrame | None = None, groups=None,
                max_groups: int = 12, col_wrap: int = 3):
    """Small multiples, one panel per group: the measure per period with its interval and
    the number of articles at every point.

    Input: :func:`kzmedia.trends.table`. `item`: the frame or vector for frame_share,
    attention_share and vector_tone. `events`: :func:`kzmedia.trends.read_events`, drawn as
    dashed vertical lines (calendar periods) or as the boundaries between windows. `groups`:
    the groups to draw (default: the `max_groups` with the most articles). A point with
    n >= 5 articles carries its bootstrap interval (bar), 2-4 the range of its articles
    (thin grey bar), n = 1 the point alone. Points of adjacent periods are joined; a period
    without articles leaves a gap. Returns the Figure.
    """
    trends = _text_columns(trends)
    d = trends[(trends["measure"] == measure) & (trends["item"] == (item or ""))
               & (trends["period"] != _UNPLACED)]
    counts = trends[(trends["measure"] == "articles") & (trends["period"] != _UNPLACED)]
    calendar = bool(len(counts)) and (counts["period_start"] != "").all() \
        and counts["period"].str.fullmatch(r"\d{4}(-Q\d|-\d{2})?").all()
    x_of = _x_positions(counts, calendar)
    periods = list(x_of)
    if groups is None:
        size = counts.groupby(by)["n_articles"].sum().sort_values(ascending=False, kind="stable")
        groups = sorted(size.index[:max_groups], key=str)
    ncol = min(col_wrap, max(1, len(groups)))
    nrow = max(1, math.ceil(len(groups) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(min(style.FIGURE_WIDTH, 3.4 * ncol + 3.5),
                                                               3.2 * nrow + 1.2), squeeze=False,
                             sharex=True, sharey=True)
    label = d["label"].iloc[0] if len(d) else ""
    dense = len(periods) > 14
    for ax, g in zip(axes.flat, groups):
        cell = d[d[by] == g].set_index("period").reindex(periods)
        xs = [x_of[p] for p in periods]
        # join only the points of adjacent periods: a gap where a period has no value
        run_x, run_y = [], []
        for x, v in zip(xs, cell["value"]):
            if pd.isna(v):
                if len(run_x) > 1:
                    ax.plot(run_x, run_y, color="C0", lw=1.2)
                run_x, run_y = [], []
            else:
                run_x.append(x)
                run_y.append(v)
        if len(run_x) > 1:
            ax.plot(run_x, run_y, color="C0", lw=1.2)
        for x, p, r in zip(xs, periods, cell.itertuples()):
            if pd.isna(r.value):
                continue
            n = int(r.n_articles)
            if calendar:  # the value stands for the whole period
                ax.plot([pd.Timestamp(r.period_start), pd.Timestamp(r.period_end)],
                        [r.value, r.value], color="C0", lw=3, alpha=0.35, solid_capstyle="butt")
            if n >= 2 and not pd.isna(r.low):
                ax.plot([x, x], [r.low, r.high], color="C0" if n >= 5 else "0.6",
                        lw=2.2 if n >= 5 else 1.2, alpha=0.8)
            ax.scatter([x], [r.value], s=28, color="C0", zorder=3)
            if dense:  # a row of counts along the bottom, where they do not overlap
                ax.annotate(str(n), (x, 0.01), xycoords=("data", "axes fraction"), rotation=90,
                            ha="center", va="bottom", fontsize=9, color="0.35")
            else:
                ax.annotate(f"n={n}", (x, r.value), xytext=(3, 4), textcoords="offset points",
                            fontsize=9, color="0.3")
        shown = _mark_events(ax, events, calendar, periods, x_of)
        left = trends[(trends["measure"] == "articles") & (trends["period"] == _UNPLACED)
                      & (trends[by] == g)]["n_articles"].sum()
        placed = int(counts.loc[counts[by] == g, "n_articles"].sum())
        ax.set_title(f"{style.literal(g)} ({placed} {'article' if placed == 1 else 'articles'} in periods"
                     + (f", {left} unplaced)" if left else ")"), fontsize=9)
        if measure in ("tone", "vector_tone"):
            ax.axhline(0, color="0.6", lw=0.7, ls=":")
        if not calendar:
            ax.set_xticks(range(len(periods)), periods, rotation=35, ha="right", fontsize=9)
        else:
            ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=2, maxticks=4))
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
        ax.tick_params(labelsize=9)
    for k, ax in enumerate(axes.flat):
        if k >= len(groups):
            ax.set_visible(False)
        elif k + ncol >= len(groups):   # nothing drawn below it: it carries the period labels
            ax.xaxis.set_tick_params(labelbottom=True)
    shown_values = d.loc[d[by].isin(groups), ["value", "high"]].to_numpy(dtype=float)
    if measure in ("frame_share", "attention_share", "balance") and np.isfinite(shown_values).any():
        axes.flat[0].set_ylim(0, 1.15 * np.nanmax(shown_values) or 1)  # room for the n labels
    for ax in axes[:, 0]:
        ax.set_ylabel(_AXIS.get(measure, measure), fontsize=9)
    fig.suptitle(f"{_title(measure, label)}, per period and {style.literal(by)}\n(point: the "
                 "mean over the period's articles, "
                 + ("their number n along the bottom" if dense else "n of them beside it")
                 + ("; light line: the period it covers" if calendar else "")
                 + ";\nbar: 95% bootstrap interval from 5 articles, grey: the range of 2-4; "
                 "none for 1)", fontsize=10)
    notes = [f"{i}: {lab} ({d})" for i, (d, lab) in enumerate(shown, 1)]
    fig.tight_layout(rect=(0, 0.06 if notes else 0, 1, 1))
    if notes:
        fig.text(0.01, 0.01, "dashed lines, events: " + ";  ".join(notes), fontsize=9,
                 color="tab:red", wrap=True)
    return fig


def _mark_events(ax, events, calendar: bool, periods: list, x_of: dict) -> list:
    """Dashed lines at the events inside the axis' time range, numbered; returns the
    (date, label) of the events drawn, in order."""
    if events is None or not len(events) or not periods:
        return []
    shown = []
    if calendar:
        lo, hi = min(x_of.values()), max(x_of.values())
        pad = (hi - lo) * 0.06 if hi > lo else pd.Timedelta(days=200)
        ax.set_xlim(lo - pad, hi + pad)
        for date, label in zip(events["date"], events["label"]):
            day = pd.Timestamp(date)
            if lo - pad <= day <= hi + pad:
                shown.append((date, label))
                ax.axvline(day, color="tab:red", lw=0.9, ls="--", alpha=0.7)
                ax.annotate(str(len(shown)), (day, 1), xycoords=("data", "axes fraction"),
                            xytext=(2, -2), textcoords="offset points", va="top",
                            fontsize=9, color="tab:red")
    else:  # windows named after events: a line where a window starting with one begins
        for i, p in enumerate(periods):
            if i and (p.startswith("from ") or p.endswith("days after")):
                ax.axvline(i - 0.5, color="tab:red", lw=0.9, ls="--", alpha=0.7)
    return shown


def before_after(shifts: pd.DataFrame, *, by: str = "outlet", event: str | None = None,
                 measure: str = "tone", item: str = "", max_groups: int = 20, ax=None):
    """Before/after panel: for each group, the measure before an event (grey) and after it
    (blue), joined, with the number of articles on each side and the permutation p where
    there is one.

    Input: :func:`kzmedia.trends.event_shifts`. `event`: its label (default: the event with
    the most articles on both sides). Groups: the `max_groups` with the most articles.
    Returns the Axes.
    """
    shifts = _text_columns(shifts)
    d = shifts[(shifts["measure"] == measure) & (shifts["item"] == (item or ""))]
    if event is None and len(d):
        size = (d["n_before"] + d["n_after"]).groupby(d["event"]).sum()
        event = size.idxmax()
    d = d[d["event"] == event]
    d = d.assign(_n=d["n_before"] + d["n_after"]).sort_values("_n", ascending=False) \
        .head(max_groups).sort_values(by)
    if ax is None:
        _, ax = plt.subplots(figsize=(style.FIGURE_WIDTH * 0.85, 0.7 * max(3, len(d)) + 1.6))
    ys = np.arange(len(d))
    for y, r in zip(ys, d.itertuples()):
        ax.plot([r.before, r.after], [y, y], color="0.7", lw=1.5, zorder=1)
        ax.scatter([r.before], [y], color="0.45", s=40, zorder=2,
                   label="before" if y == 0 else None)
        ax.scatter([r.after], [y], color="C0", s=40, zorder=3, label="after" if y == 0 else None)
    ax.set_yticks(ys, [f"{style.literal(g)}\n(n={nb} → {na}"
                       + ("" if pd.isna(p) else f", p={p:.2g}") + ")"
                       for g, nb, na, p in zip(d[by], d["n_before"], d["n_after"], d["p_value"])],
                  fontsize=9)
    ax.invert_yaxis()
    label = d["label"].iloc[0] if len(d) else ""
    ax.set_xlabel(_title(measure, label))
    ax.set_ylabel(style.literal(by))
    if len(d):
        ax.set_title(f"Before and after {event} ({d['event_date'].iloc[0]}), within each {style.literal(by)}\n"
                     "(n = articles before → after; p: permutation test over articles)",
                     fontsize=10)
    else:
        ax.set_title(f"Before and after each event, within each {style.literal(by)}")
    if measure in ("tone", "vector_tone"):
        ax.axvline(0, color="0.6", lw=0.7, ls=":")
    if len(d):
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9, frameon=False)
    else:
        ax.text(0.5, 0.5, f"no {by} has articles on both sides of an event:\n"
                "nothing to compare within an outlet", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_xticks([])
    return ax
