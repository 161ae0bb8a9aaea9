"""Change over time: periods, trends, events, and outlet contrasts within the same periods.

The time axis comes from the articles' ``date`` and ``date_precision`` columns (see
:mod:`kzmedia.corpus`). A partial date keeps its precision: it stands for every day it may
mean ("2013-09" is 1-30 September 2013, "2023" the whole year), and an article is placed in a
period only when all those days lie in it. An article dated "2023" is placed in the year
2023 but in no month, and one dated "2022-02" in no window that 24 February 2022 splits.
Such articles, and those without a date, are *unplaced*: the trends table counts them, with
the reason, under the period "unplaced"; nothing is dropped silently.

Periods are calendar months, quarters or years (``period=``), or the windows an events file
cuts the timeline into (``events=``, see :func:`read_events`).

Three tables (the ``trends``, ``event_shifts`` and ``period_contrasts`` stages of
:mod:`kzmedia.stages`, computed by :func:`kzmedia.pipeline.analyze` when a period or events
are given):

- :func:`table`: per group and period, every measure with its interval and n (long, tidy);
- :func:`event_shifts`: per group and event, each measure after against before the event,
  with an article-level permutation test, and the words whose use changed most, with
  evidence sentences;
- :func:`period_contrasts`: groups compared within the same periods, with labels shuffled
  within period (:func:`kzmedia.stats.stratified_permutation_test`), so that an outlet
  covering 2013 is not set against one covering 2022 as if time did not matter.

The measures are those of the group tables, one value per article (:func:`article_measures`),
so the article stays the unit and the small-n rules of :func:`kzmedia.stats.summarize` apply
(docs/methods.md, "Change over time").
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import actors, frames, sentiment, stats, terms
from .patterns import compile_pattern

__all__ = ["PERIODS", "MEASURES", "UNPLACED", "read_events", "event_windows", "date_spans",
           "periods", "year_overlap", "article_measures", "table", "event_shifts",
           "period_contrasts"]

#: Calendar periods, finest first.
PERIODS = ("month", "quarter", "year")

#: The measures of the trends table, in the order they are reported.
MEASURES = ("articles", "frame_share", "attention_share", "balance", "tone", "vector_tone")

#: The period of the articles that no period holds (no date, or a date less precise than
#: the period).
UNPLACED = "unplaced"

_FREQ = {"month": "M", "quarter": "Q", "year": "Y"}

# pairs of groups x periods (or years) handled at once when comparing every pair of groups
# (bounds the memory)
_PAIR_CELLS = 2_000_000


# --------------------------------------------------------------------------- events

def read_events(source=None, *, window_days: int | None = None) -> pd.DataFrame:
    """Events that cut the timeline into named windows.

    `source`: a YAML file (``events:`` a list of mappings with ``date`` and ``label``, and
    optionally ``note``; optionally ``window_days: N`` at the top), a CSV file (columns date,
    label, optionally note and window_days), a DataFrame with those columns, or None for the
    package's list (``kzmedia/data/events.yaml``: Kazakhstan, 2013-2023). `window_days`
    overrides the file's.

    Without window_days the events split the timeline: "before <first>", then "from <event>"
    up to the day before the next event. With window_days = N each event has two windows,
    the N days before it and the N days from it on. An article dated on the day of an event
    counts as after it.

    Returns DataFrame[date (YYYY-MM-DD), label, note, window_days (int, 0 = split)], sorted
    by date. Raises ValueError naming the problem: a missing column, a date that is not a
    day, repeated dates or labels, a negative window.
    """
    if isinstance(source, pd.DataFrame):
        table, where, days = source.copy(), "events table", None
    else:
        path = (resources.files("kzmedia") / "data" / "events.yaml" if source is None
                else Path(source))
        where = str(path)
        text = path.read_text(encoding="utf-8")
        if str(path).lower().endswith((".yaml", ".yml")) or source is None:
            data = yaml.safe_load(text) or {}
            if isinstance(data, list):
                data = {"events": data}
            table, days = pd.DataFrame(data.get("events") or []), data.get("window_days")
        else:
            from io import StringIO
            table, days = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False), None
    missing = [c for c in ("date", "label") if c not in table.columns]
    if missing:
        raise ValueError(f"{where}: events need the columns date and label (missing {missing})")
    if window_days is None:
        window_days = days
        if window_days is None and "window_days" in table.columns:
            given = {str(v).strip() for v in table["window_days"] if str(v).strip()}
            if len(given) > 1:
                raise ValueError(f"{where}: one window_days for all events, not {sorted(given)}")
            window_days = given.pop() if given else None
    window_days = int(window_days or 0)
    if window_days < 0:
        raise ValueError(f"{where}: window_days must be at least 0, not {window_days}")
    dates = table["date"].map(lambda v: str(v).strip()[:10])
    bad = ~dates.str.fullmatch(r"\d{4}-\d{2}-\d{2}") | pd.to_datetime(
        dates, format="%Y-%m-%d", errors="coerce").isna()
    if bad.any():
        raise ValueError(f"{where}: event dates must be days (YYYY-MM-DD), not "
                         f"{table.loc[bad, 'date'].astype(str).tolist()[:3]}")
    out = pd.DataFrame({"date": dates.astype(str), "label": table["label"].astype(str).str.strip(),
                        "note": (table["note"].fillna("").astype(str).str.strip()
                                 if "note" in table else "")})
    out["window_days"] = window_days
    for col in ("date", "label"):
        repeated = out[col][out[col].duplicated()]
        if len(repeated):
            raise ValueError(f"{where}: each event needs its own {col}; repeated: "
                             f"{sorted(set(repeated))}")
    return out.sort_values("date").reset_index(drop=True)


def _events(events) -> pd.DataFrame:
    return events if _is_read(events) else read_events(events)


def _is_read(events) -> bool:
    return isinstance(events, pd.DataFrame) and {"date", "label", "window_days"} <= set(events)


def event_windows(events) -> pd.DataFrame:
    """The windows of `events` (anything :func:`read_events` takes) and, for each event, the
    window before and the window after it.

    Returns DataFrame[event, event_date, side ("before"/"after"), period, start, end]
    (start/end: Timestamps, the first and last day; NaT where the window is open), in date
    order. Split (window_days 0): the windows "before
    <first event>" and "from <event>" tile the timeline, each window is the after-window of
    one event and the before-window of the next. With window_days N: "<event>: N days
    before" and "<event>: N days after".
    """
    ev = _events(events)
    days = int(ev["window_days"].iloc[0]) if len(ev) else 0
    dates = pd.to_datetime(ev["date"], format="%Y-%m-%d").tolist()
    labels = ev["label"].tolist()
    rows = []
    for i, (date, label) in enumerate(zip(dates, labels)):
        if days:
            before = (f"{label}: {days} days before", date - pd.Timedelta(days=days),
                      date - pd.Timedelta(days=1))
            after = (f"{label}: {days} days after", date, date + pd.Timedelta(days=days - 1))
        else:
            before = ((f"from {labels[i - 1]}", dates[i - 1]) if i else
                      (f"before {label}", pd.NaT)) + (date - pd.Timedelta(days=1),)
            after = (f"from {label}", date,
                     dates[i + 1] - pd.Timedelta(days=1) if i + 1 < len(dates) else pd.NaT)
        for side, (period, start, end) in (("before", before), ("after", after)):
            rows.append(dict(event=label, event_date=ev["date"].iloc[i], side=side,
                             period=period, start=start, end=end))
    return pd.DataFrame(rows, columns=["event", "event_date", "side", "period", "start", "end"])


def _iso(day) -> str:
    """A day as YYYY-MM-DD (years before 1000 too); "" for an open end (NaT)."""
    return "" if pd.isna(day) else f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


def _inside(spans: pd.DataFrame, start, end) -> pd.Series:
    """Whether every day each article's date may mean lies in [start, end] (NaT: open)."""
    ok = spans["start"].notna()
    if pd.notna(start):
        ok &= spans["start"] >= start
    if pd.notna(end):
        ok &= spans["end"] <= end
    return ok


def _touches(spans: pd.DataFrame, start, end) -> pd.Series:
    """Whether some day each article's date may mean lies in [start, end] (NaT: open)."""
    ok = spans["start"].notna()
    if pd.notna(start):
        ok &= spans["end"] >= start
    if pd.notna(end):
        ok &= spans["start"] <= end
    return ok


# --------------------------------------------------------------------------- placing articles

def date_spans(articles: pd.DataFrame) -> pd.DataFrame:
    """The first and last day each article's date may mean.

    Returns DataFrame[doc_id, start, end, precision] (Timestamps; NaT without a usable
    date): "2013-09-22" that day, "2013-09" 1-30 September 2013, "2013" 1 January - 31
    December 2013. A date that is not a calendar day ("2013-02-30") counts as unusable.
    """
    date = articles["date"].astype(str)
    precision = articles["date_precision"].astype(str)
    padded = date + precision.map({"day": "", "month": "-01", "year": "-01-01"}).fillna("")
    start = pd.to_datetime(padded.where(precision.isin(["day", "month", "year"])),
                           format="%Y-%m-%d", errors="coerce")
    end = start.copy()
    month, year = precision == "month", precision == "year"
    end[month] = start[month] + pd.offsets.MonthEnd(0)
    end[year] = start[year] + pd.offsets.YearEnd(0)
    return pd.DataFrame({"doc_id": articles["doc_id"].to_numpy(), "start": start.to_numpy(),
                         "end": end.to_numpy(), "precision": precision.to_numpy()})


def _calendar_label(p: pd.Period, period: str) -> str:
    if period == "quarter":
        return f"{p.year:04d}-Q{p.quarter}"
    return f"{p.year:04d}" if period == "year" else f"{p.year:04d}-{p.month:02d}"


def periods(articles: pd.DataFrame, period: str | None = None, events=None) -> pd.DataFrame:
    """The period of each article: a calendar `period` ("month", "quarter" or "year"), or
    else the windows of `events` (see :func:`read_events`).

    Returns DataFrame[doc_id, period, period_start, period_end, reason], one row per article
    and period that holds it (with ±N-day event windows an article within N days of two
    events is in two windows), in article order. An article is in a period when every day
    its date may mean is in it; the others get period :data:`UNPLACED`, empty bounds and the
    reason: "no date", "unusable date", "dated to the year only" / "... month only" (the
    date spans more than one period), or "outside every window". period_start/period_end
    are the first and last day of the period (YYYY-MM-DD; "" for an open end).
    """
    if period is None and events is None:
        raise ValueError("trends: give a period (month, quarter, year) or events")
    if period is not None and period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}, not {period!r}")
    spans = date_spans(articles)
    dated = spans["start"].notna()
    rows = []
    if period is not None:
        first = spans["start"].dt.to_period(_FREQ[period])
        last = spans["end"].dt.to_period(_FREQ[period])
        inside = dated & (first == last)
        codes, found = pd.factorize(first[inside])
        found = pd.DataFrame([(_calendar_label(p, period), _iso(p.start_time), _iso(p.end_time))
                              for p in found],
                             columns=["period", "period_start", "period_end"])
        rows.append(found.iloc[codes].assign(doc_id=spans.loc[inside, "doc_id"].to_numpy(),
                                             _order=spans.index[inside]))
        outside = dated & ~inside
    else:
        windows = event_windows(events).drop_duplicates("period")
        inside = pd.Series(False, index=spans.index)
        touched = pd.Series(False, index=spans.index)
        for w in windows.itertuples():
            hit = _inside(spans, w.start, w.end)
            touched |= _touches(spans, w.start, w.end)
            inside |= hit
            rows.append(spans.loc[hit, ["doc_id"]].assign(
                period=w.period, period_start=_iso(w.start), period_end=_iso(w.end),
                _order=spans.index[hit]))
        outside = dated & ~inside & touched
    reason = pd.Series("", index=spans.index, dtype=object)
    reason[~dated] = np.where(articles["date"].astype(str).to_numpy()[~dated.to_numpy()] == "",
                              "no date", "unusable date")
    reason[outside] = "dated to the " + spans.loc[outside, "precision"] + " only"
    reason[dated & ~inside & ~outside] = "outside every window"
    left = reason != ""
    rows.append(spans.loc[left, ["doc_id"]].assign(
        period=UNPLACED, period_start="", period_end="", _order=spans.index[left]))
    out = pd.concat(rows, ignore_index=True)
    out["reason"] = reason.reindex(out["_order"]).to_numpy()
    out = out.sort_values("_order", kind="stable").drop(columns="_order")
    return out[["doc_id", "period", "period_start", "period_end", "reason"]].reset_index(drop=True)


def _period_bounds(where: pd.DataFrame, period, events) -> pd.DataFrame:
    """DataFrame[period, period_start, period_end] of the periods a table reports, in
    chronological order: the calendar periods holding an article, or every event window."""
    if period is None:
        w = event_windows(events).drop_duplicates("period")
        bounds = pd.DataFrame({"period": w["period"], "period_start": w["start"].map(_iso),
                               "period_end": w["end"].map(_iso)})
    else:
        bounds = where.loc[where["period"] != UNPLACED,
                           ["period", "period_start", "period_end"]].drop_duplicates("period")
    return bounds.sort_values(["period_start", "period_end", "period"]).reset_index(drop=True)


def year_overlap(articles: pd.DataFrame, by: str = "outlet") -> pd.DataFrame:
    """How far two groups' articles fall in the same calendar years, for every pair of groups.

    Each group's dated articles are spread over years (every date, however partial, names
    its year); the overlap of groups a and b is the sum over years of the smaller of their
    shares, min(share_a(y), share_b(y)): 1 when the two are spread alike, 0 when no year
    holds articles of both. Returns a square DataFrame (groups x groups, sorted), NaN where
    a group has no dated article.
    """
    dated = articles.loc[articles["date"].astype(str) != "", [by, "date"]]
    share = pd.crosstab(dated[by], dated["date"].astype(str).str[:4], normalize="index")
    groups = sorted(articles[by].dropna().unique())
    share = share.reindex(groups)
    m = share.to_numpy(dtype=float)
    overlap = np.empty((len(m), len(m)))
    step = max(1, _PAIR_CELLS // max(1, m.size))  # rows at a time: bounds the memory
    for lo in range(0, len(m), step):
        overlap[lo:lo + step] = np.minimum(m[lo:lo + step, None, :], m[None, :, :]).sum(axis=2)
    undated = np.isnan(m).any(axis=1)
    overlap[undated] = np.nan
    overlap[:, undated] = np.nan
    return pd.DataFrame(overlap, index=groups, columns=groups)


# --------------------------------------------------------------------------- measures

def article_measures(articles: pd.DataFrame, *, sentences: pd.DataFrame,
                     frame_scores_article: pd.DataFrame, actor_mentions: pd.DataFrame,
                     sentence_tone: pd.DataFrame, gazetteer=None) -> pd.DataFrame:
    """Every measure of the trends, one value per article (the article is the unit).

    Returns DataFrame[doc_id, measure, item, value, n_sentences], one row per article and
    measure it has a value for:

    - ``frame_share`` (item: frame): the share of the article's sentences with the frame
      (``frames.article_scores``' share_of_sentences); n_sentences: the article's sentences;
    - ``attention_share`` (item: partner vector): the vector's share of the article's
      mentions of partner vectors (articles naming a partner); n_sentences: the article's
      sentences naming the vector;
    - ``balance``: ``actors.article_balance`` (articles naming a partner); n_sentences: the
      article's sentences;
    - ``tone``: the mean compound of the article's scored sentences
      (``sentiment.article_tone``); n_sentences: the scored sentences;
    - ``vector_tone`` (item: vector): the mean compound of the scored sentences naming the
      vector; n_sentences: those sentences.

    The inputs are the per-article tables of :func:`kzmedia.pipeline.article_tables`.
    Averaged over a group's articles with :func:`kzmedia.stats.summarize`, frame_share,
    balance, tone and vector_tone give the values of the frame_scores_group (measure
    share_of_sentences), balance, group_tone and vector_tone tables; attention_share is
    the article-weighted counterpart of the attention table's pooled share_of_mentions.
    """
    gaz = actors.load_gazetteer(gazetteer)
    n_sentences = sentences.groupby("doc_id").size()
    cols = ["doc_id", "measure", "item", "value", "n_sentences"]
    fs = frame_scores_article.dropna(subset=["share_of_sentences"])
    parts = [pd.DataFrame({"doc_id": fs["doc_id"], "measure": "frame_share", "item": fs["frame"],
                           "value": fs["share_of_sentences"], "n_sentences": fs["n_sentences"]})]

    men = actor_mentions.loc[actor_mentions["vector"].isin(gaz.partners),
                             ["doc_id", "sent_id", "vector"]]
    counts = men.groupby(["doc_id", "vector"]).size().unstack(fill_value=0) \
        .reindex(columns=gaz.partners, fill_value=0)
    share = counts.div(counts.sum(axis=1), axis=0).stack().rename("value").reset_index()
    naming = men.drop_duplicates().groupby(["doc_id", "vector"]).size()
    share["n_sentences"] = naming.reindex(pd.MultiIndex.from_frame(share[["doc_id", "vector"]])) \
        .fillna(0).to_numpy()
    parts.append(share.rename(columns={"vector": "item"}).assign(measure="attention_share"))

    bal = actors.article_balance(articles, gaz, mentions_table=actor_mentions) \
        .dropna(subset=["balance"])
    parts.append(pd.DataFrame({"doc_id": bal["doc_id"], "measure": "balance", "item": "",
                               "value": bal["balance"],
                               "n_sentences": bal["doc_id"].map(n_sentences).fillna(0)}))

    tone = sentiment.article_tone(sentence_tone, by=[]).dropna(subset=["mean_compound"])
    parts.append(pd.DataFrame({"doc_id": tone["doc_id"], "measure": "tone", "item": "",
                               "value": tone["mean_compound"],
                               "n_sentences": tone["n_sentences"]}))

    scored = sentence_tone.loc[sentence_tone["compound"].notna()
                               & (sentence_tone["vectors"] != ""),
                               ["doc_id", "compound", "vectors"]]
    naming = scored.assign(item=scored["vectors"].str.split("|")).explode("item")
    vt = naming.groupby(["doc_id", "item"], sort=True)["compound"].agg(["mean", "size"]) \
        .reset_index()
    parts.append(pd.DataFrame({"doc_id": vt["doc_id"], "measure": "vector_tone",
                               "item": vt["item"], "value": vt["mean"],
                               "n_sentences": vt["size"]}))
    out = pd.concat([p[cols] for p in parts], ignore_index=True)
    out["n_sentences"] = out["n_sentences"].astype(int)
    out["value"] = out["value"].astype(float)
    return out


def _labels(gazetteer=None, codebook=None) -> dict:
    """{(measure, item): label} for the frames and vectors."""
    gaz = actors.load_gazetteer(gazetteer)
    cb = frames.load_codebook(codebook, gazetteer=gaz)
    out = {("frame_share", f): lab for f, lab in zip(cb.frames["frame"], cb.frames["label"])}
    for v, lab in zip(gaz.vectors["vector"], gaz.vectors["label"]):
        out["attention_share", v] = out["vector_tone", v] = lab
    return out


def _with_periods(articles, by, where, values) -> pd.DataFrame:
    """`values` (doc_id, ...) with the article's group and its placed period(s)."""
    placed = where.loc[where["period"] != UNPLACED, ["doc_id", "period"]]
    out = values.merge(placed, on="doc_id")
    out[by] = out["doc_id"].map(articles.set_index("doc_id")[by])
    return out


# --------------------------------------------------------------------------- the trends table

_TREND_COLUMNS = ["period", "period_start", "period_end", "measure", "item", "label", "value",
                  "low", "high", "interval", "n_articles", "n_sentences"]


def table(articles: pd.DataFrame, by: str = "outlet", *, period: str | None = None,
          events=None, sentences: pd.DataFrame, frame_scores_article: pd.DataFrame,
          actor_mentions: pd.DataFrame, sentence_tone: pd.DataFrame, gazetteer=None,
          codebook=None, ci: float = 0.95, n_resamples: int = 2000,
          seed: int = 0) -> pd.DataFrame:
    """Every measure per group and period, long and tidy.

    Periods: calendar `period`s when given, else the windows of `events` (see
    :func:`periods`). The other arguments are the per-article tables of
    :func:`kzmedia.pipeline.article_tables` and the gazetteer and codebook.

    Returns DataFrame[<by>, period, period_start, period_end, measure, item, label, value,
    low, high, interval, n_articles, n_sentences], sorted by group, period (chronological,
    unplaced last), measure (:data:`MEASURES`) and item:

    - measure ``articles``: value = n_articles = the group's articles in the period (0 in a
      period where other groups have articles and this one has none: every group has a row
      for every period of the corpus, and for every window of the events), n_sentences their
      sentences; in period "unplaced", one row per reason (item) with the articles no period
      holds;
    - the measures of :func:`article_measures` (item: frame or vector, label: its name),
      averaged over the group's articles in the period that have a value, with the interval
      of :func:`kzmedia.stats.summarize`: none at n = 1, the range of the articles at 2-4,
      the article-level cluster bootstrap at 5 or more (interval says which); n_sentences
      as there, summed. Empty cells have no row.
    """
    where = periods(articles, period, events)
    bounds = _period_bounds(where, period, events)
    order = {p: i for i, p in enumerate([*bounds["period"], UNPLACED])}
    keys = [by, "period", "measure", "item"]
    values = _with_periods(articles, by, where, article_measures(
        articles, sentences=sentences, frame_scores_article=frame_scores_article,
        actor_mentions=actor_mentions, sentence_tone=sentence_tone, gazetteer=gazetteer))
    summ = stats.summarize(values, "value", by=keys, ci=ci, n_resamples=n_resamples, seed=seed)
    summ = summ.merge(values.groupby(keys, dropna=False)["n_sentences"].sum().reset_index(),
                      on=keys, how="left")
    summ = summ.rename(columns={"mean": "value", "ci_low": "low", "ci_high": "high"})

    per_doc = sentences.groupby("doc_id").size()
    placed = where[where["period"] != UNPLACED]
    placed = placed.assign(**{by: placed["doc_id"].map(articles.set_index("doc_id")[by])},
                           n_sentences=placed["doc_id"].map(per_doc).fillna(0).astype(int))
    grid = pd.MultiIndex.from_product([sorted(articles[by].dropna().unique()), bounds["period"]],
                                      names=[by, "period"])
    counts = placed.groupby([by, "period"]).agg(n_articles=("doc_id", "size"),
                                                 n_sentences=("n_sentences", "sum")) \
        .reindex(grid, fill_value=0).reset_index().assign(measure="articles", item="")
    left = where[where["period"] == UNPLACED]
    left = left.assign(**{by: left["doc_id"].map(articles.set_index("doc_id")[by])},
                       n_sentences=left["doc_id"].map(per_doc).fillna(0).astype(int))
    unplaced = left.groupby([by, "reason"]).agg(
        n_articles=("doc_id", "size"), n_sentences=("n_sentences", "sum")).reset_index() \
        .rename(columns={"reason": "item"}).assign(period=UNPLACED, measure="articles")
    counts = pd.concat([counts, unplaced], ignore_index=True)
    counts["value"] = counts["n_articles"].astype(float)
    counts["interval"] = ""

    out = pd.concat([counts, summ.drop(columns="article_values")], ignore_index=True)
    out["period_start"] = out["period"].map(bounds.set_index("period")["period_start"]).fillna("")
    out["period_end"] = out["period"].map(bounds.set_index("period")["period_end"]).fillna("")
    labels = _labels(gazetteer, codebook)
    out["label"] = [labels.get((m, i), "") for m, i in zip(out["measure"], out["item"])]
    out["n_articles"] = out["n_articles"].astype(int)
    out["n_sentences"] = out["n_sentences"].astype(int)
    out = out.assign(_p=out["period"].map(order), _m=out["measure"].map(MEASURES.index))
    out = out.sort_values([by, "_p", "_m", "item"], kind="stable")
    return out[[by, *_TREND_COLUMNS]].reset_index(drop=True)


# --------------------------------------------------------------------------- words and text

def _n_label(n: int) -> str:
    return f"{n} article" if n == 1 else f"{n:,} articles"


def _pair_n(n_a: int, n_b: int) -> str:
    return f"{_n_label(n_a)} each" if n_a == n_b else f"{n_a:,} and {_n_label(n_b)}"


def _pct(x: float) -> str:
    return f"{x:.1%}" if abs(x) < 0.1 and x != 0 else f"{x:.0%}"


def _value_text(measure: str, value: float) -> str:
    if measure in ("frame_share", "attention_share"):
        return _pct(value)
    return f"{value:.2f}" if measure == "balance" else f"{value:+.2f}"


def _difference_text(measure: str, difference: float) -> str:
    if measure in ("frame_share", "attention_share"):
        return f"{100 * difference:+.1f} percentage points"
    return f"{difference:+.2f}"


def _what(measure: str, label: str) -> str:
    return {"frame_share": f"the share of sentences with the “{label}” frame",
            "attention_share": f"{label}'s share of the mentions of partners",
            "balance": "the balance of attention over partners (0-1)",
            "tone": "the mean tone (VADER compound)",
            "vector_tone": f"the tone of sentences naming {label}"}[measure]


_TREND = ("the articles on one side span more than a year: the change may be a trend rather "
          "than the event (narrower windows: window_days)")


def _join(*notes) -> str:
    return "; ".join(n for n in notes if n)


def _evidence(sentences: pd.DataFrame, rows_of: dict, docs, term: str, tag: str,
              n: int) -> str:
    """'[tag] doc_id#sent_id: sentence' lines of the first `n` sentences of `docs` (in
    order) containing `term` (a token; "_" joins the words of a phrase)."""
    try:
        rx = re.compile(compile_pattern(term.replace("_", " ")))
    except (ValueError, re.error):
        return ""
    lines = []
    for doc in docs:
        for i in rows_of.get(doc, ()):
            sentence = sentences["sentence"].iat[i]
            if rx.search(sentence):
                lines.append(f"[{tag}] {doc}#{sentences['sent_id'].iat[i]}: {sentence}")
                if len(lines) == n:
                    return "\n".join(lines)
    return "\n".join(lines)


def _tests(cases: dict, n_resamples: int) -> dict:
    """{key: :func:`kzmedia.stats.stratified_permutation_test` result} for `cases`
    {key: (batch, a, b)}, a and b DataFrames[doc_id, value, stratum] in doc_id order. Cases
    of one batch (e.g. the frames of one measure) with the same articles on each side are
    tested together, with the same relabellings: the results are those of one test each."""
    batches: dict = {}
    for key, (batch, a, b) in cases.items():
        batches.setdefault((batch, tuple(a["doc_id"]), tuple(b["doc_id"])), []).append(key)
    out = {}
    for keys in batches.values():
        _, a, b = cases[keys[0]]
        res = stats.stratified_permutation_tests(
            np.column_stack([cases[k][1]["value"].to_numpy() for k in keys]),
            np.column_stack([cases[k][2]["value"].to_numpy() for k in keys]),
            a["stratum"], b["stratum"], n_resamples=n_resamples)
        out.update(zip(keys, res))
    return out


# --------------------------------------------------------------------------- events

_SHIFT_COLUMNS = ["event", "event_date", "measure", "item", "label", "before", "after",
                  "difference", "n_before", "n_after", "p_value", "q_value", "min_p", "z",
                  "caveat", "sentence", "evidence"]


def event_shifts(articles: pd.DataFrame, by: str = "outlet", *, events,
                 sentences: pd.DataFrame, frame_scores_article: pd.DataFrame,
                 actor_mentions: pd.DataFrame, sentence_tone: pd.DataFrame, dtm=None,
                 gazetteer=None, codebook=None, n_words: int = 5, n_evidence: int = 2,
                 n_resamples: int = 1999) -> pd.DataFrame:
    """Within each group, each measure after an event against before it, and the words
    whose use changed most.

    Before and after: the event's windows (:func:`event_windows`: with split events, from
    the previous event to the day before this one, and from this one to the day before the
    next; with window_days N, the N days on each side). Articles whose date may fall on
    either side are left out (see :func:`periods`).

    Returns DataFrame[<by>, event, event_date, measure, item, label, before, after,
    difference (after - before), n_before, n_after (articles), p_value, q_value, min_p, z,
    caveat, sentence, evidence], sorted by event date, group, measure and largest change:

    - the measures of :func:`article_measures`: the article-weighted means on each side;
      p_value/min_p: a permutation test of the articles' values, after against before
      (:func:`kzmedia.stats.stratified_permutation_test` with one stratum: the difference in
      means), where each side has at least 2 articles; q_value: Benjamini-Hochberg over
      every test of the table;
    - measure ``words`` (item: the term): the `n_words` terms most over- and under-used
      after the event against before it, by the log-odds with informative Dirichlet prior
      of :func:`kzmedia.terms.keyness` (z; the prior: the whole corpus); before/after: uses
      per 1,000 words of the side's articles; evidence: up to `n_evidence` sentences with
      the term from the side that uses it more ("[after] doc_id#sent_id: sentence").

    `dtm`: the document x term matrix of the articles (:func:`kzmedia.terms.
    document_term_matrix`; built when not given).
    """
    windows = event_windows(events)
    spans = date_spans(articles)
    group = articles.set_index("doc_id")[by]
    values = article_measures(articles, sentences=sentences,
                              frame_scores_article=frame_scores_article,
                              actor_mentions=actor_mentions, sentence_tone=sentence_tone,
                              gazetteer=gazetteer)
    labels = _labels(gazetteer, codebook)
    if dtm is None:
        dtm = terms.document_term_matrix(articles)
    words = np.asarray(dtm.matrix.sum(axis=1)).ravel()
    words_of = dict(zip(dtm.doc_ids, words))
    sentences = sentences.reset_index(drop=True)
    rows_of = sentences.groupby("doc_id", sort=False).indices
    rows = []
    for (event, event_date), w in windows.groupby(["event", "event_date"], sort=False):
        side = pd.Series("", index=spans.index, dtype=object)
        for s in w.itertuples():
            side[_inside(spans, s.start, s.end)] = s.side
        side_of = dict(zip(spans["doc_id"], side))
        sided = spans.assign(side=side.to_numpy(), g=articles[by].to_numpy())
        sided = sided[sided["side"] != ""].groupby(["g", "side"]).agg(
            first=("start", "min"), last=("end", "max"))
        wide = {g for (g, _), r in sided.iterrows() if (r["last"] - r["first"]).days > 365}
        vals = values.assign(side=values["doc_id"].map(side_of))
        vals = vals[vals["side"] != ""]
        vals[by] = vals["doc_id"].map(group)
        base = dict(event=event, event_date=event_date)
        vals = vals.sort_values("doc_id", kind="stable").assign(stratum="")
        sides, cases = {}, {}
        for (g, measure, item), sub in vals.groupby([by, "measure", "item"], sort=True):
            before = sub[sub["side"] == "before"]
            after = sub[sub["side"] == "after"]
            if len(before) and len(after):
                sides[g, measure, item] = (before["value"].to_numpy(), after["value"].to_numpy())
            if min(len(before), len(after)) >= 2:
                cases[g, measure, item] = ((g, measure), after, before)
        tested = _tests(cases, n_resamples)
        for (g, measure, item), (before, after) in sides.items():
            res = tested.get((g, measure, item), {})
            p, min_p = res.get("p_value", np.nan), res.get("min_p", np.nan)
            label = labels.get((measure, item), "")
            b, a = before.mean(), after.mean()
            rows.append(dict(
                base, **{by: g}, measure=measure, item=item, label=label, before=b, after=a,
                difference=a - b, n_before=len(before), n_after=len(after), p_value=p,
                min_p=min_p, z=np.nan,
                caveat=_join(stats.small_n_caveat(len(before), len(after)), _TREND if g in wide else ""),
                sentence=(f"{g}: {_what(measure, label)} is {_value_text(measure, a)} after "
                          f"{event} ({event_date}; {_n_label(len(after))}) against "
                          f"{_value_text(measure, b)} before ({_n_label(len(before))}): "
                          f"{_difference_text(measure, a - b)}."),
                evidence=""))
        rows += _word_shifts(by, base, side, articles, dtm, words_of, sentences, rows_of,
                             n_words, n_evidence, wide)
    cols = [by, *_SHIFT_COLUMNS]
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame(rows)
    out["q_value"] = stats.bh(out["p_value"].to_numpy())
    order = {m: i for i, m in enumerate([*MEASURES, "words"])}
    out = out.assign(_m=out["measure"].map(order), _d=-out["difference"].abs())
    out = out.sort_values(["event_date", by, "_m", "_d", "item"], kind="stable")
    return out[cols].reset_index(drop=True)


def _word_shifts(by, base, side, articles, dtm, words_of, sentences, rows_of, n_words,
                 n_evidence, wide) -> list[dict]:
    """The rows of measure "words" of one event (see :func:`event_shifts`)."""
    cell = articles[by].astype(str).str.cat(side.to_numpy(), sep="\x1f").where(
        side.to_numpy() != "", "")
    table = pd.DataFrame({"doc_id": articles["doc_id"].to_numpy(), "_cell": cell.to_numpy()})
    sides = table[table["_cell"] != ""]
    docs = sides.groupby("_cell")["doc_id"].agg(list).to_dict()
    rows = []
    sums = terms.group_terms(table, "_cell", dtm=dtm)  # summed once for every group's test
    for g in sorted(articles[by].dropna().unique(), key=str):
        before, after = docs.get(f"{g}\x1fbefore"), docs.get(f"{g}\x1fafter")
        if not before or not after:
            continue
        k = terms.keyness(table, by="_cell", target=f"{g}\x1fafter",
                          reference=f"{g}\x1fbefore", groups=sums, top=n_words)
        if k.empty:
            continue
        n_after = sum(words_of[d] for d in after)
        n_before = sum(words_of[d] for d in before)
        k = k[(k["score"] != 0)]
        up = k[k["score"] > 0].head(n_words)
        down = k[k["score"] < 0].sort_values("score").head(n_words)
        for r in pd.concat([up, down]).itertuples():
            rate_a = 1000 * r.count_target / n_after if n_after else np.nan
            rate_b = 1000 * r.count_reference / n_before if n_before else np.nan
            more, tag = (after, "after") if r.score > 0 else (before, "before")
            rows.append(dict(
                base, **{by: g}, measure="words", item=r.term,
                label=r.term.replace("_", " "), before=rate_b, after=rate_a,
                difference=rate_a - rate_b, n_before=len(before), n_after=len(after),
                p_value=np.nan, min_p=np.nan, z=r.score,
                caveat=_join("a word count: the words of one article are not independent, "
                             "so z overstates the evidence; read the sentences",
                             _TREND if g in wide else ""),
                sentence=(f"{g}: “{r.term.replace('_', ' ')}” is used "
                          f"{rate_a:.2f} times per 1,000 words after {base['event']} "
                          f"({r.count_target:,}× in {_n_label(len(after))}) against "
                          f"{rate_b:.2f} before ({r.count_reference:,}× in "
                          f"{_n_label(len(before))}); log-odds z = {r.score:+.1f}."),
                evidence=_evidence(sentences, rows_of, more, r.term, tag, n_evidence)))
    return rows


# --------------------------------------------------------------------------- within periods

_CONTRAST_COLUMNS = ["measure", "item", "label", "high_group", "low_group", "high_value",
                     "low_value", "difference", "n_periods", "high_n_articles",
                     "low_n_articles", "high_overall", "low_overall", "overall_difference",
                     "p_value", "q_value", "min_p", "exact", "caveat", "sentence", "periods"]


def _best_pair(mean: np.ndarray, count: np.ndarray) -> tuple[int, int] | None:
    """(a, b): the pair of groups (rows) with the largest weighted within-period difference
    mean_a - mean_b (the statistic of :func:`kzmedia.stats.stratified_permutation_test`),
    among the pairs with at least 2 articles on each side in the periods both cover, or
    among all pairs sharing a period when no pair has; None when no two groups share one."""
    g = len(mean)
    best = {True: (-np.inf, None), False: (-np.inf, None)}
    step = max(1, _PAIR_CELLS // max(1, g * mean.shape[1]))
    for lo in range(0, g, step):
        n_a, n_b = count[lo:lo + step, None, :], count[None, :, :]
        both = (n_a > 0) & (n_b > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            w = np.where(both, n_a * n_b / (n_a + n_b), 0.0)
            d = np.where(both, mean[lo:lo + step, None, :] - mean[None, :, :], 0.0)
            stat = (w * d).sum(axis=2) / w.sum(axis=2)
        shares = both.any(axis=2)
        shares[np.arange(len(stat)), np.arange(lo, lo + len(stat))] = False
        testable = shares & ((n_a * both).sum(axis=2) >= 2) & ((n_b * both).sum(axis=2) >= 2)
        for flag, mask in ((True, testable), (False, shares)):
            if mask.any():
                s = np.where(mask, stat, -np.inf)
                i = np.unravel_index(np.argmax(s), s.shape)
                if s[i] > best[flag][0]:
                    best[flag] = (s[i], (lo + i[0], i[1]))
    return best[True][1] or best[False][1]


def period_contrasts(articles: pd.DataFrame, by: str = "outlet", *, period: str | None = None,
                     events=None, sentences: pd.DataFrame, frame_scores_article: pd.DataFrame,
                     actor_mentions: pd.DataFrame, sentence_tone: pd.DataFrame,
                     gazetteer=None, codebook=None, n_resamples: int = 1999) -> pd.DataFrame:
    """The groups compared within the same periods: for each measure and item, the pair of
    groups that differ most in the periods both cover, and whether that is more than
    shuffling the group labels within each period would give.

    Periods as in :func:`table` (an article in two overlapping event windows counts in the
    first). For each measure and item of :func:`article_measures`, every pair of groups is
    compared by the weighted mean over the periods both cover of the difference in their
    article means (weights n_a n_b / (n_a + n_b); see
    :func:`kzmedia.stats.stratified_permutation_test`); the pair with the largest difference
    is kept, preferring pairs with at least 2 articles each in those periods. Its test
    shuffles the labels within period.

    Returns DataFrame[measure, item, label, high_group, low_group, high_value, low_value
    (the weighted means over the shared periods), difference, n_periods (shared), high_n_articles,
    low_n_articles (their articles in those periods), high_overall, low_overall,
    overall_difference (the means over all their articles, periods not matched: what a
    comparison ignoring time would say), p_value, q_value (Benjamini-Hochberg over the
    table), min_p, exact, caveat, sentence, periods ("period: high vs low (n vs n)" per
    shared period)], sorted by measure and largest difference. No row where no two groups
    share a period.
    """
    where = periods(articles, period, events)
    where = where.drop_duplicates("doc_id")
    order = {p: i for i, p in enumerate(_period_bounds(where, period, events)["period"])}
    unit = {"month": "month", "quarter": "quarter", "year": "year"}.get(period, "event window")
    labels = _labels(gazetteer, codebook)
    values = article_measures(articles, sentences=sentences,
                              frame_scores_article=frame_scores_article,
                              actor_mentions=actor_mentions, sentence_tone=sentence_tone,
                              gazetteer=gazetteer)
    overall = values.assign(**{by: values["doc_id"].map(articles.set_index("doc_id")[by])}) \
        .groupby(["measure", "item", by])["value"].mean()
    values = _with_periods(articles, by, where, values).sort_values("doc_id", kind="stable")
    values["stratum"] = values["period"]
    pairs, cases = {}, {}
    for (measure, item), sub in values.groupby(["measure", "item"], sort=False):
        cells = sub.groupby([by, "period"])["value"].agg(["mean", "size"])
        mean = cells["mean"].unstack("period")
        mean = mean[sorted(mean.columns, key=order.get)]
        count = cells["size"].unstack("period").reindex_like(mean).fillna(0)
        pair = _best_pair(mean.to_numpy(dtype=float), count.to_numpy(dtype=float))
        if pair is None:
            continue  # no two groups share a period
        hi, lo = mean.index[pair[0]], mean.index[pair[1]]
        pairs[measure, item] = (hi, lo, mean, count)
        cases[measure, item] = ((measure, hi, lo), sub[sub[by] == hi], sub[sub[by] == lo])
    tested = _tests(cases, n_resamples)
    rows = []
    for (measure, item), (hi, lo, mean, count) in pairs.items():
        res = tested[measure, item]
        if not res["statistic"] > 0:
            continue  # the groups sharing periods do not differ
        shared = [p for p in mean.columns if count.at[hi, p] > 0 and count.at[lo, p] > 0]
        w = np.array([count.at[hi, p] * count.at[lo, p] / (count.at[hi, p] + count.at[lo, p])
                      for p in shared])
        high_value = float((w * mean.loc[hi, shared].to_numpy()).sum() / w.sum())
        low_value = float((w * mean.loc[lo, shared].to_numpy()).sum() / w.sum())
        testable = min(res["n_a"], res["n_b"]) >= 2
        label = labels.get((measure, item), "")
        units = f"{unit}s" if len(shared) != 1 else unit
        high_overall, low_overall = overall[measure, item, hi], overall[measure, item, lo]
        rows.append(dict(
            measure=measure, item=item, label=label, high_group=hi, low_group=lo,
            high_value=high_value, low_value=low_value, difference=res["statistic"],
            n_periods=len(shared), high_n_articles=res["n_a"], low_n_articles=res["n_b"],
            high_overall=high_overall, low_overall=low_overall,
            overall_difference=high_overall - low_overall,
            p_value=res["p_value"] if testable else np.nan,
            min_p=res["min_p"] if testable else np.nan, exact=res["exact"],
            caveat=stats.small_n_caveat(res["n_a"], res["n_b"]),
            sentence=(f"Within the same {unit}s, {_what(measure, label)} is "
                      f"{_value_text(measure, high_value)} in {hi} and "
                      f"{_value_text(measure, low_value)} in {lo} ({len(shared)} {units} both "
                      f"cover, with {_pair_n(res['n_a'], res['n_b'])}): "
                      f"{_difference_text(measure, res['statistic'])}. Over all their "
                      f"articles, {unit}s not matched: {_value_text(measure, high_overall)} "
                      f"against {_value_text(measure, low_overall)}."),
            periods="; ".join(
                f"{p}: {_value_text(measure, mean.at[hi, p])} vs "
                f"{_value_text(measure, mean.at[lo, p])} "
                f"({int(count.at[hi, p])} vs {int(count.at[lo, p])})" for p in shared)))
    if not rows:
        return pd.DataFrame(columns=_CONTRAST_COLUMNS)
    out = pd.DataFrame(rows)
    out["q_value"] = stats.bh(out["p_value"].to_numpy())
    out = out.assign(_m=out["measure"].map(MEASURES.index))
    out = out.sort_values(["_m", "difference", "item"], ascending=[True, False, True],
                          kind="stable")
    return out[_CONTRAST_COLUMNS].reset_index(drop=True)
