"""Sentence tone with VADER, entity masking, and article / outlet / vector aggregates.

VADER (Hutto & Gilbert 2014): the scores of the ``vaderSentiment`` package (which ships its
lexicon): ``vader_scores`` calls it one sentence at a time (the reference), and
``kzmedia.fast.vader`` gives the same scores for many sentences at once (``score``'s
``method``). It was validated on sentences and its compound saturates on long texts, so sentences
are scored and then aggregated, the article being the unit of uncertainty (``kzmedia.stats``).
On news it agrees only moderately with people (r = 0.49 with the human mean on NYT editorial
sentences), and sentence polarity is not stance toward an actor.

Names leak valence in diplomatic prose ("United Nations Security Council" alone scores +0.64),
so before scoring, the spans of gazetteer matches, organisation names and a few risky phrases
are replaced by a neutral placeholder. ``sensitivity`` reports how much that choice matters.
VADER is English-only: other languages are flagged and left unscored, never scored as neutral.

Settings (placeholder, thresholds, organisation keywords, risky phrases and words) come from
the package data file ``sentiment.yaml``; every function takes them as arguments too.
"""

from __future__ import annotations

import functools
import operator
import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from itertools import compress

import numpy as np
import pandas as pd

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from . import actors, parallel, patterns, stats

__all__ = [
    "unmasked",
    "load_settings",
    "make_masker",
    "analyzer",
    "vader_scores",
    "score",
    "sentences",
    "article_tone",
    "group_tone",
    "vector_tone",
    "sensitivity",
    "extremes",
    "detect_language",
]

SCORE_COLUMNS = ["neg", "neu", "pos", "compound"]


def load_settings(source=None) -> dict:
    """Sentiment settings: package data ``sentiment.yaml``, or a dict / YAML path to override
    some keys (placeholder, label_threshold, organisation_keywords, organisation_connectors,
    risky_phrases, risky_words). A path that is missing or not a YAML mapping raises
    ValueError naming it."""
    settings, _ = patterns.read_yaml(None, "sentiment.yaml")
    if source is None:
        return settings
    return {**settings, **patterns.read_yaml(source, "sentiment.yaml")[0]}


# --------------------------------------------------------------------------- masking

class _Rules:
    """The organisation and risky-phrase rules of the settings, compiled once per call."""

    def __init__(self, s: dict):
        self.placeholder = s["placeholder"]
        self.keywords = frozenset(s["organisation_keywords"])
        conn = "|".join(re.escape(c) for c in s["organisation_connectors"])
        word = r"[A-Z][\w'\u2019-]*"
        # capitalised words joined by spaces and connectors; a run that starts inside a word
        # is skipped in _org_spans (a look-behind here would keep the regex engine from
        # skipping ahead to the capitals)
        self.org_run = re.compile(rf"{word}(?:[ \t]+(?:(?:{conn})[ \t]+)*{word})+")
        # a text in which no keyword occurs, even inside a word, holds no organisation name
        self.any_keyword = re.compile("|".join(map(re.escape, sorted(self.keywords))) or "(?!)")
        phrases = tuple(dict.fromkeys(s["risky_phrases"]))
        for p in phrases:
            patterns.parse(p, where="sentiment settings: risky_phrases")
        # risky phrases are patterns of the codebook grammar, matched as a gazetteer is
        self.phrases = (patterns.matcher(tuple(patterns.Entry(p, False, p, p) for p in phrases))
                        if phrases else None)

    def is_org(self, segment: str) -> bool:
        """Whether a capitalised word of `segment`, or a hyphen-separated part of one, is an
        organisation keyword."""
        return any(w[:1].isupper() and (w in self.keywords or not self.keywords.isdisjoint(
            w.split("-"))) for w in segment.split())


_AND = re.compile(r"([ \t]+(?:and|&)[ \t]+)")


def _org_spans(text: str, rules: _Rules) -> list[tuple[int, int]]:
    """(start, end) of the organisation names in `text`: runs of capitalised words (at least
    two, joined by spaces and connectors) that hold a keyword; "Ukraine and the European
    Union" is split at "and" / "&" and each part is a name on its own merits."""
    spans = []
    if not rules.any_keyword.search(text):
        return spans
    for m in rules.org_run.finditer(text):
        run, pos = m.group(0), m.start()
        if pos and (text[pos - 1].isalnum() or text[pos - 1] == "_"):
            continue                                    # starts inside a word
        if not rules.is_org(run):
            continue                                    # nor does any part of it
        for i, part in enumerate(_AND.split(run)):
            if i % 2 == 0 and rules.is_org(part):
                spans.append((pos, pos + len(part)))
            pos += len(part)
    return spans


def _after_names(mentions: list[tuple[int, int]], names: list[tuple[int, int]],
                 placeholder: str) -> list[tuple[int, int]]:
    """The `mentions` (sorted spans) in the text whose `names` (sorted spans) are replaced by
    the placeholder: dropped where they overlap a name, the others shifted."""
    kept, k, shift = [], 0, 0
    for a, b in mentions:
        while k < len(names) and names[k][1] <= a:
            shift += len(placeholder) - (names[k][1] - names[k][0])
            k += 1
        if k == len(names) or names[k][0] >= b:
            kept.append((a + shift, b + shift))
    return kept


def _mask(texts: list[str], mentions: list[list[tuple[int, int]]], rules: _Rules,
          organisations: bool = True) -> list[str]:
    """Each of `texts` with, replaced by the placeholder:

    1. its organisation names (if `organisations`);
    2. then, in the text so masked, its mentions (``mentions[i]``: sorted (start, end)
       spans in ``texts[i]``; those overlapping a name are gone with it) and the risky
       phrases found there: from left to right, each unless it overlaps one replaced
       before, a mention before a phrase of the same start.

    The one masking of the package: ``make_masker`` and ``sentences`` both call it.
    """
    placeholder = rules.placeholder
    named, kept = list(texts), list(mentions)
    if organisations:
        for i, text in enumerate(texts):
            names = _org_spans(text, rules)
            if names:
                named[i] = patterns.replace_spans(text, names, placeholder)
                kept[i] = _after_names(mentions[i], names, placeholder)
    phrases: dict = {}
    if rules.phrases is not None:
        k, start, end, *_ = rules.phrases.matches(named)
        for i, a, b in zip(k, start, end):
            phrases.setdefault(i, []).append((a, b))
    out = named
    for i in set(phrases).union(i for i, spans in enumerate(kept) if spans):
        spans = sorted([(a, 0, b) for a, b in kept[i]] + [(a, 1, b) for a, b in phrases.get(i, ())])
        out[i] = patterns.replace_spans(named[i], patterns.first_come(spans), placeholder)
    return out


def make_masker(
    surfaces: Iterable[str] = (), settings: dict | None = None, *, organisations: bool = True
) -> Callable[[str], str]:
    """Build (compiled once) a function text -> text that replaces, with the placeholder:
    organisation names (a run of at least two capitalised words, joined by connectors such as
    "of"/"and", that contains a keyword such as Council, Union, Organisation), the risky phrases
    (case-insensitive, in the pattern grammar of :mod:`kzmedia.patterns`), and the literal
    `surfaces` (case-sensitive, whole word, longest first; for example the matched text of the
    gazetteer's mentions). Organisation names are masked first, then surfaces and phrases left
    to right (a surface wins where both start).

    ``sentences`` masks the spans of each sentence's own mentions in the same way (``_mask``).
    """
    rules = _Rules(settings or load_settings())
    names = {x for x in surfaces if x}
    literal = (re.compile(r"(?<!\w)(?:" + patterns.trie_regex([re.escape(c) for c in x]
                                                               for x in names) + r")(?!\w)")
               if names else None)

    def mask(text: str) -> str:
        mentions = [m.span() for m in literal.finditer(text)] if literal is not None else []
        return _capitals([text], _mask([text], [mentions], rules, organisations),
                         rules.placeholder)[0]

    return mask


def _capitals(originals: list[str], masked: list[str], placeholder: str) -> list[str]:
    """`masked` with the placeholder in capitals where the original text is written in
    capitals: VADER boosts capitalised sentiment words only in texts that also have words not
    in capitals, so a mixed-case placeholder must not be that word."""
    upper = placeholder.upper()
    if upper == placeholder:
        return masked
    # a text left as it was is not changed here either: if it holds the placeholder it is
    # not in capitals, the placeholder not being so
    out = list(masked)
    for i in compress(range(len(out)), map(operator.is_not, originals, masked)):
        m = out[i]
        if placeholder in m and originals[i].isupper():
            out[i] = m.replace(placeholder, upper)
    return out


def _mask_sentences(texts: list[str], spans: tuple, rules: _Rules) -> list[str]:
    """Each text masked by ``_mask`` with its mention spans (`spans`: arrays row, start, end
    sorted by row, start, end, see ``_mention_spans``)."""
    mentions = [[] for _ in texts]
    for i, a, b in zip(*(x.tolist() for x in spans)):
        mentions[i].append((a, b))
    return _mask(texts, mentions, rules)


# --------------------------------------------------------------------------- scoring

def analyzer(neutral_words: Iterable[str] = ()) -> SentimentIntensityAnalyzer:
    """vaderSentiment's analyzer, with its own copy of the lexicon in which the
    `neutral_words` it holds (in any letter case) have valence 0; words not in the lexicon
    are not added (a lexicon word, even of valence 0, blocks the booster and negation
    rules of its neighbours). Built once per process and set of words, and shared: do not
    modify it."""
    return _analyzer(tuple(sorted({w.lower() for w in neutral_words})))


@functools.lru_cache(maxsize=8)
def _analyzer(neutral_words: tuple[str, ...]) -> SentimentIntensityAnalyzer:
    sia = SentimentIntensityAnalyzer()
    sia.lexicon = {**sia.lexicon, **{w: 0.0 for w in neutral_words if w in sia.lexicon}}
    return sia


def vader_scores(texts: Sequence[str], neutral_words: Iterable[str] = ()) -> np.ndarray:
    """VADER's scores of each text, one text at a time by vaderSentiment's
    ``polarity_scores`` (the reference; Hutto & Gilbert 2014), with the lexicon of
    ``analyzer(neutral_words)``. Returns a float array of shape (n, 4), columns neg, neu,
    pos, compound (rounded by vaderSentiment to 3, 3, 3 and 4 decimals)."""
    polarity = analyzer(neutral_words).polarity_scores
    rows = [[d[c] for c in SCORE_COLUMNS] for d in map(polarity, texts)]
    return np.array(rows, dtype=np.float64).reshape(len(rows), 4)


def _vader(method: str) -> Callable:
    """The function texts, neutral_words -> (n, 4) scores of `method`."""
    if method == "reference":
        return vader_scores
    if method == "fast":
        from .fast import vader as fast_vader

        return fast_vader.scores
    raise ValueError(f'method must be "fast" or "reference", not {method!r}')


def _labels(compound: np.ndarray, threshold: float) -> np.ndarray:
    return np.where(compound >= threshold, "positive",
                    np.where(compound <= -threshold, "negative", "neutral")).astype(object)


def score(
    texts: Iterable[str],
    mask: Callable[[str], str] | None = None,
    *,
    neutral_words: Sequence[str] = (),
    n_jobs: int = 1,
    label_threshold: float | None = None,
    method: str = "fast",
) -> pd.DataFrame:
    """VADER scores of each text, equal to vaderSentiment's
    ``SentimentIntensityAnalyzer().polarity_scores`` on the (masked) text.

    `mask`: a function text -> text applied first (see ``make_masker``). `neutral_words`: words
    whose valence is set to 0 in this call's copy of the lexicon (see ``analyzer``).
    Identical texts are scored once; `n_jobs` > 1 splits the distinct texts across
    processes (``parallel.map_ordered``; same scores). `method`: "reference" scores one text
    at a time with vaderSentiment (``vader_scores``), "fast" many at once with
    ``kzmedia.fast.vader``; the scores are the same.

    Returns one row per input text, in input order (index 0..n-1), with columns:
    neg, neu, pos, compound (float), label ("positive" if compound >= 0.05, "negative" if
    <= -0.05, else "neutral").
    """
    texts = ["" if t is None or (isinstance(t, float) and np.isnan(t)) else str(t) for t in texts]
    if mask is not None:
        texts = [mask(t) for t in texts]
    threshold = load_settings()["label_threshold"] if label_threshold is None else label_threshold
    return _score(texts, neutral_words, n_jobs, threshold, method)


def _score(texts: list[str], neutral_words: Sequence[str], n_jobs: int, threshold: float,
           method: str) -> pd.DataFrame:
    """``score`` of a list of str."""
    scores = functools.partial(_vader(method), neutral_words=tuple(neutral_words))
    codes, uniques = pd.factorize(pd.Series(texts, dtype=object))
    uniques = list(uniques)
    jobs = parallel.n_processes(n_jobs)
    size = max(1, -(-len(uniques) // (4 * jobs if jobs > 1 else 1)))  # ceil
    chunks = [uniques[i:i + size] for i in range(0, len(uniques), size)]
    scored = np.concatenate([np.empty((0, 4)), *parallel.map_ordered(scores, chunks, n_jobs)])
    out = pd.DataFrame(scored[codes], columns=SCORE_COLUMNS)
    out["label"] = _labels(out["compound"].to_numpy(), threshold)
    return out


# --------------------------------------------------------------------------- language

def detect_language(articles: pd.DataFrame) -> pd.Series:
    """Language code of each article (py3langid, offline): the `lang` column where it is
    filled, detection on the text where it is absent, "" or "und". Returns a Series aligned
    with `articles`."""
    if "lang" in articles.columns:
        lang = articles["lang"].fillna("").astype(str)
    else:
        lang = pd.Series("", index=articles.index)
    todo = lang.isin(["", "und"])  # "und": the loader was told not to detect
    if todo.any():
        import py3langid

        lang = lang.copy()
        lang[todo] = [py3langid.classify(str(t))[0] if str(t).strip() else ""
                      for t in articles.loc[todo, "text"]]
    return lang


# --------------------------------------------------------------------------- sentences

def _sentence_rows(sent: pd.DataFrame, ment: pd.DataFrame) -> np.ndarray:
    """Row of `sent` (doc_id, sent_id) holding each mention, -1 where none does."""
    if not len(ment):
        return np.empty(0, dtype=np.intp)
    keys = pd.MultiIndex.from_arrays([sent["doc_id"], sent["sent_id"]])
    return keys.get_indexer(pd.MultiIndex.from_arrays([ment["doc_id"].astype(str),
                                                       ment["sent_id"]]))


def _vectors(rows: np.ndarray, vectors: np.ndarray, n: int) -> list[str]:
    """Per sentence row (0..n-1): the distinct vectors of its mentions, sorted, "|"-joined."""
    out = [""] * n
    ok = rows >= 0
    if not ok.any():
        return out
    codes, names = pd.factorize(vectors[ok], sort=True)
    names = np.asarray(names, dtype=object)
    # one sorted array of distinct (row, vector) pairs, cut where the row changes
    pairs = np.unique(rows[ok].astype(np.int64) * len(names) + codes)
    r, c = np.divmod(pairs, len(names))
    first = np.flatnonzero(np.r_[True, r[1:] != r[:-1]])
    bounds, joined = np.r_[first, len(r)].tolist(), names[c].tolist()
    for row, a, b in zip(r[first].tolist(), bounds[:-1], bounds[1:]):
        out[row] = "|".join(joined[a:b])
    return out


def _mention_spans(texts: list[str], rows: np.ndarray, ment: pd.DataFrame) -> tuple:
    """(row, start, end) arrays of the mentions in a sentence (`rows`: each mention's
    sentence row, -1 for none), sorted by row, start, end. A mentions table without
    offsets (start, end) has each match looked up in its sentence as a whole word, left to
    right in table order."""
    ok = rows >= 0
    if not ok.any():
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    if "start" in ment.columns and "end" in ment.columns:
        r = rows[ok].astype(np.int64)
        a = ment["start"].to_numpy()[ok]
        b = ment["end"].to_numpy()[ok]
    else:
        patterns: dict = {}
        found: dict = {}
        r, a, b = [], [], []
        for k, m in zip(rows.tolist(), ment["match"].tolist()):
            if k < 0 or not isinstance(m, str) or not m:
                continue
            if m not in patterns:
                patterns[m] = re.compile(rf"(?<!\w){re.escape(m)}(?!\w)")
            hit = patterns[m].search(texts[k], found.get(k, 0))
            if hit:
                r.append(k)
                a.append(hit.start())
                b.append(hit.end())
                found[k] = hit.end()
        r, a, b = (np.asarray(x, dtype=np.int64) for x in (r, a, b))
    order = np.lexsort((b, a, r))
    return r[order], a[order], b[order]


def sentences(
    articles: pd.DataFrame,
    gazetteer=None,
    mask_entities: bool = True,
    *,
    sentences: pd.DataFrame | None = None,
    mentions: pd.DataFrame | None = None,
    neutral_words: Sequence[str] = (),
    settings: dict | None = None,
    n_jobs: int = 1,
    method: str = "fast",
) -> pd.DataFrame:
    """Score every sentence of the articles with VADER, after masking entities.

    `gazetteer` goes to ``actors.mentions`` (None: the default gazetteer); `sentences` is a
    precomputed ``text.sentences(articles)`` table and `mentions` a precomputed
    ``actors.mentions(articles, gazetteer, sentences=...)`` table (both computed when None).
    With `mask_entities`, organisation names, then the spans of the sentence's own mentions
    (their ``start``/``end`` offsets) and risky phrases are replaced by a placeholder before
    scoring (see ``_mask``), so a sentence's masked text depends only on that sentence. A
    mentions table without offsets has each match looked up in its sentence (the first
    whole-word occurrence after the previous one). Articles whose language is not English are
    not scored (a warning names them). `n_jobs` and `method` go to ``score``.

    Returns one row per sentence, sorted by doc_id, sent_id, with columns:
    doc_id, outlet, sent_id, sentence, masked (the text actually scored), compound, neg, neu,
    pos (NaN when not scored), label ("positive" / "neutral" / "negative", or
    "not scored (lang=xx)"), vectors ("|"-joined sorted vectors mentioned in the sentence, ""
    when none).
    """
    s = load_settings(settings)
    missing = [c for c in ("doc_id", "outlet", "text") if c not in articles.columns]
    if missing:
        raise KeyError(f"sentiment.sentences: the articles lack columns {missing}")
    arts = articles.assign(doc_id=articles["doc_id"].astype(str))
    if sentences is None:
        from . import text

        sent = text.sentences(arts)
    else:
        sent = sentences[["doc_id", "sent_id", "sentence"]].assign(
            doc_id=sentences["doc_id"].astype(str))
    sent = sent.reset_index(drop=True)
    lang = detect_language(arts)
    # each sentence's article (-1: none); raises on duplicate doc_ids, as a lookup must
    pos = pd.Index(arts["doc_id"]).get_indexer(sent["doc_id"])
    outlet = pd.Series(arts["outlet"].array.take(pos, allow_fill=True))

    ment = (actors.mentions(arts, gazetteer, sentences=sent.assign(outlet=outlet))
            if mentions is None else mentions)
    texts = sent["sentence"].tolist()
    rows = _sentence_rows(sent, ment)
    vectors = _vectors(rows, ment["vector"].to_numpy(dtype=object), len(sent))
    if mask_entities:
        masked = _capitals(texts, _mask_sentences(texts, _mention_spans(texts, rows, ment),
                                                  _Rules(s)), s["placeholder"])
    else:
        masked = texts

    sent_lang = pd.Series(lang.array.take(pos, allow_fill=True)).fillna("")
    english = (sent_lang == "en").to_numpy()
    if not english.all():
        bad = lang.set_axis(arts["doc_id"])
        bad = bad[bad != "en"]
        listed = ", ".join(f"{d} ({v or 'unknown'})" for d, v in bad.sort_index().items())
        warnings.warn(f"VADER is English-only; not scoring articles: {listed}", stacklevel=2)

    scores = _score(list(compress(masked, english)), neutral_words, n_jobs,
                    s["label_threshold"], method)
    out = {"doc_id": sent["doc_id"], "outlet": outlet, "sent_id": sent["sent_id"],
           "sentence": sent["sentence"], "masked": masked}
    for c in SCORE_COLUMNS:
        out[c] = np.full(len(sent), np.nan)
        out[c][english] = scores[c].to_numpy()
    label = ("not scored (lang=" + sent_lang + ")").to_numpy(dtype=object)
    label[english] = scores["label"].to_numpy()
    out["label"] = label
    out["vectors"] = vectors
    cols = ["doc_id", "outlet", "sent_id", "sentence", "masked", "compound", "neg", "neu",
            "pos", "label", "vectors"]
    out = pd.DataFrame(out)[cols]
    return out.sort_values(["doc_id", "sent_id"], kind="stable").reset_index(drop=True)


def unmasked(sent: pd.DataFrame, *, neutral_words: Sequence[str] = (), n_jobs: int = 1,
             method: str = "fast") -> pd.DataFrame:
    """The table of :func:`sentences` as ``sentences(..., mask_entities=False)`` gives it:
    every scored sentence scored on its own words. Only the sentences that masking changed are
    scored again; the others were scored on the same text already."""
    out = sent.copy()
    redo = ((out["sentence"] != out["masked"]) & out["compound"].notna()).to_numpy()
    scores = score(out.loc[redo, "sentence"].tolist(), neutral_words=neutral_words,
                   n_jobs=n_jobs, method=method)
    for c in [*SCORE_COLUMNS, "label"]:
        out.loc[redo, c] = scores[c].to_numpy()
    out["masked"] = out["sentence"]
    return out


# --------------------------------------------------------------------------- aggregates

def article_tone(sent: pd.DataFrame, by: str | Sequence[str] = "outlet") -> pd.DataFrame:
    """Per article: the mean compound of its scored sentences and the shares of positive and
    negative sentences.

    Returns columns doc_id, <by>... (default outlet), mean_compound, share_positive,
    share_negative, n_sentences (scored sentences; 0 and NaN tone when none was scored),
    sorted by doc_id.
    """
    keys = ["doc_id", *[k for k in stats.grouping_columns(by) if k != "doc_id"]]
    df = sent[[*keys, "compound", "label"]].copy()
    scored = df["compound"].notna()
    df["pos_"] = np.where(scored, df["label"] == "positive", np.nan)
    df["neg_"] = np.where(scored, df["label"] == "negative", np.nan)
    out = df.groupby(keys, sort=True, dropna=False).agg(
        mean_compound=("compound", "mean"), share_positive=("pos_", "mean"),
        share_negative=("neg_", "mean"), n_sentences=("compound", "count")).reset_index()
    return out.sort_values(keys).reset_index(drop=True)


def _sentence_table(articles_or_sent: pd.DataFrame, by: list[str], **kwargs) -> pd.DataFrame:
    """The sentence table of the input, with the `by` columns (taken from the articles)."""
    df = articles_or_sent
    if "compound" not in df.columns:
        sent = sentences(df, **kwargs)
        extra = [k for k in by if k not in sent.columns]
        if extra:
            sent = sent.merge(df.assign(doc_id=df["doc_id"].astype(str))[["doc_id", *extra]],
                              on="doc_id", how="left")
        return sent
    missing = [k for k in by if k not in df.columns]
    if missing:
        raise KeyError(f"sentiment: grouping columns {missing} are not in the sentence table; "
                       "pass the articles instead, or merge the columns on doc_id")
    return df


def group_tone(
    articles_or_sent: pd.DataFrame,
    by: str | Sequence[str] = "outlet",
    *,
    ci: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
    **kwargs,
) -> pd.DataFrame:
    """Tone per group (`by`: outlet or any article column), article-weighted: the mean of the
    articles' mean compounds, with the interval of ``stats.summarize`` (n = 1: none;
    n = 2..4: range of the articles; n >= 5: cluster bootstrap over articles).

    Accepts the articles (sentences are scored first; `kwargs` go to ``sentences``) or a
    table from ``sentences``. Returns one row per group, sorted by `by`, with columns:
    <by>..., n_articles, n_sentences, mean_compound, ci_low, ci_high, interval,
    article_values, share_positive, share_negative (article-weighted means).
    """
    keys = stats.grouping_columns(by)
    sent = _sentence_table(articles_or_sent, keys, **kwargs)
    art = article_tone(sent, by=keys)
    summ = stats.summarize(art, "mean_compound", by=keys, ci=ci, n_resamples=n_resamples,
                           seed=seed).rename(columns={"mean": "mean_compound"})
    scored = art[art["n_sentences"] > 0]
    extra = scored.groupby(keys, sort=True).agg(
        n_sentences=("n_sentences", "sum"), share_positive=("share_positive", "mean"),
        share_negative=("share_negative", "mean")).reset_index()
    out = summ.merge(extra, on=keys, how="left")
    out["n_sentences"] = out["n_sentences"].fillna(0).astype(int)
    cols = [*keys, "n_articles", "n_sentences", "mean_compound", "ci_low", "ci_high",
            "interval", "article_values", "share_positive", "share_negative"]
    return out[cols].sort_values(keys).reset_index(drop=True)


def vector_tone(
    sent: pd.DataFrame,
    by: str | Sequence[str] = "outlet",
    exclusive: bool = False,
    *,
    focal: str | None = None,
    gazetteer=None,
    ci: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Tone toward each vector: the sentences that mention it (with `exclusive`, only the
    sentences that mention that vector and no other partner: the focal country, named in most
    sentences, does not count as another vector), averaged per article, then across articles
    with ``stats.summarize``. `focal` defaults to the gazetteer's focal vector (only looked up
    when `exclusive`).

    Returns one row per group x vector, sorted by `by`, vector, with columns:
    <by>..., vector, mean_compound (article-weighted), n_sentences, n_articles, ci_low,
    ci_high, interval, article_values.
    """
    keys = stats.grouping_columns(by)
    sent = _sentence_table(sent, keys)
    df = sent.loc[sent["compound"].notna() & (sent["vectors"] != ""),
                  ["doc_id", *keys, "compound"]]
    # one row per sentence x vector it names, in sentence order (each distinct "|"-joined
    # combination of vectors is split once)
    codes, combos = pd.factorize(sent.loc[df.index, "vectors"])
    lists = [c.split("|") for c in combos]
    if exclusive:
        if focal is None:
            focal = actors.load_gazetteer(gazetteer).focal
        partners = [[v for v in vs if v != focal] for vs in lists]
        # one partner (with or without the focal country), or the focal country alone
        lists = [p if len(p) == 1 else vs if not p and len(vs) == 1 else []
                 for p, vs in zip(partners, lists)]
    lengths = np.array([len(vs) for vs in lists], dtype=np.int64)[codes]
    flat = np.array([v for vs in lists for v in vs], dtype=object)
    starts = np.concatenate([[0], np.cumsum([len(vs) for vs in lists])])[codes]
    within = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    df = df.iloc[np.repeat(np.arange(len(df)), lengths)].assign(
        vector=flat[np.repeat(starts, lengths) + within] if len(flat) else [])
    cols = [*keys, "vector", "mean_compound", "n_sentences", "n_articles", "ci_low",
            "ci_high", "interval", "article_values"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    per_art = df.groupby([*keys, "vector", "doc_id"], sort=True).agg(
        compound=("compound", "mean"), n_sentences=("compound", "size")).reset_index()
    summ = stats.summarize(per_art, "compound", by=[*keys, "vector"], ci=ci,
                           n_resamples=n_resamples, seed=seed)
    n_sent = per_art.groupby([*keys, "vector"], sort=True)["n_sentences"].sum().reset_index()
    out = summ.merge(n_sent, on=[*keys, "vector"]).rename(columns={"mean": "mean_compound"})
    return out[cols].sort_values([*keys, "vector"]).reset_index(drop=True)


def sensitivity(
    articles: pd.DataFrame,
    by: str | Sequence[str] = "outlet",
    gazetteer=None,
    *,
    sentences: pd.DataFrame | None = None,
    settings: dict | None = None,
    n_jobs: int = 1,
    method: str = "fast",
    **kwargs,
) -> pd.DataFrame:
    """The group tone table under three treatments of names, side by side:
    "masked" (the default: entity and organisation spans masked), "unmasked" (masking off), and
    "neutralised" (masking off, the risky words of the settings set to valence 0 in a copy of
    the lexicon). `articles` may also be the (masked) table of ``sentences``, which is then
    re-scored rather than recomputed. `n_jobs` and `method` go to ``score``; `kwargs` to
    ``group_tone`` (ci, n_resamples, seed).

    Returns one row per group, sorted by `by`, with columns:
    <by>..., n_articles, n_sentences, interval (how the interval was made), then for each
    variant v in (masked, unmasked, neutralised): v_mean, v_ci_low, v_ci_high.
    """
    keys = stats.grouping_columns(by)
    s = load_settings(settings)
    sent = _sentence_table(articles, keys, gazetteer=gazetteer, sentences=sentences,
                           settings=settings, n_jobs=n_jobs, method=method)
    scored = sent["compound"].notna().to_numpy()
    variants = {"masked": None, "unmasked": (), "neutralised": tuple(s["risky_words"])}
    out = None
    for name, neutral in variants.items():
        v = sent
        if neutral is not None:
            sc = score(sent.loc[scored, "sentence"], neutral_words=neutral, n_jobs=n_jobs,
                       label_threshold=s["label_threshold"], method=method)
            v = sent.copy()
            for c in [*SCORE_COLUMNS, "label"]:
                v.loc[scored, c] = sc[c].to_numpy()
        t = group_tone(v, by=keys, **kwargs).rename(columns={
            "mean_compound": f"{name}_mean", "ci_low": f"{name}_ci_low",
            "ci_high": f"{name}_ci_high"})
        cols = [f"{name}_mean", f"{name}_ci_low", f"{name}_ci_high"]
        if out is None:
            out = t[[*keys, "n_articles", "n_sentences", "interval", *cols]]
        else:
            out = out.merge(t[[*keys, *cols]], on=keys, how="outer")
    return out.sort_values(keys).reset_index(drop=True)


def extremes(sent: pd.DataFrame, by: str | Sequence[str] = "outlet", k: int = 3) -> pd.DataFrame:
    """Evidence: the k most positive (compound > 0) and k most negative (compound < 0)
    scored sentences of each group (fewer when a group has fewer).

    Returns columns <by>..., direction ("most positive" / "most negative"), rank (1 = most
    extreme), compound, doc_id, sent_id, sentence, masked; sorted by `by`, direction, rank.
    """
    keys = stats.grouping_columns(by)
    df = sent[sent["compound"].notna()]
    parts = []
    for direction, sign in (("most positive", 1), ("most negative", -1)):
        d = df[np.sign(df["compound"]) == sign].assign(_key=lambda x: -sign * x["compound"])
        d = d.sort_values([*keys, "_key", "doc_id", "sent_id"], kind="stable")
        d = d.groupby(keys, sort=True).head(k)
        d = d.assign(direction=direction, rank=d.groupby(keys).cumcount() + 1)
        parts.append(d)
    cols = [*keys, "direction", "rank", "compound", "doc_id", "sent_id", "sentence", "masked"]
    out = pd.concat(parts)[cols] if parts else pd.DataFrame(columns=cols)
    return out.sort_values([*keys, "direction", "rank"]).reset_index(drop=True)
