"""Learning from the researcher's coding: per-frame classifiers, checked against the dictionary
on the same cross-validation folds, and frame prevalence corrected for measured error rates.

The coding loop (docs/methods.md, "Classifiers from coding and corrected prevalence")::

    sheet, key = frames.sample_for_coding(articles, n=400, seed=0)     # code it in a spreadsheet
    coded = pd.read_csv("coding_sheet_filled.csv")
    frames.evaluate(coded, key)                                        # the dictionary alone
    models = coding.train(coded, hits_table=hits)                      # + classifiers, cross-validated
    models.scores                  # precision / recall / F1 per frame: dictionary, classifier, union
    models.recommendation          # which to use per frame, and whether the classifier is trustworthy
    pred = coding.predict(models, text.sentences(articles), hits_table=hits)
    coding.prevalence(models, pred, articles, by="outlet")  # adjusted classify-and-count + interval

A sentence's features are its TF-IDF word unigrams and bigrams, the codebook's hits (one 0/1
column per frame: ``hit__<frame>``) and, optionally, any sentence-level feature tables keyed
by ``doc_id`` and ``sent_id`` (``extra=``; a long table such as one row per dyad becomes 0/1
columns with :func:`indicators`). Per frame, a logistic regression with balanced class
weights (scikit-learn) is fitted on the coded sentences.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from . import frames as frames_mod
from . import stats, text

__all__ = [
    "MIN_POSITIVES",
    "METHODS",
    "FrameModels",
    "gold",
    "indicators",
    "sampling_weights",
    "features",
    "train",
    "recommend",
    "predict",
    "adjusted_count",
    "prevalence",
]

#: Positive sentences per frame below which a classifier is "not yet trustworthy".
MIN_POSITIVES = 50
#: The ways of coding a sentence that are compared: the codebook, the classifier, either.
METHODS = ("dictionary", "classifier", "union")

_KEYS = ["doc_id", "sent_id"]


# --------------------------------------------------------------------------- inputs

def gold(coded: pd.DataFrame, frame: str) -> pd.Series:
    """The gold code (1.0, 0.0 or NaN when there is none) of each coded item for ``frame``, by
    the rule of :func:`kzmedia.frames.gold_codes` (the one :func:`kzmedia.frames.evaluate`
    uses). ValueError when the sheet has no codes for the frame, or a column holds anything
    but 0/1."""
    if frame not in coded and not any(c.startswith(f"{frame}__coder") for c in coded):
        raise ValueError(f"coding: no codes for frame {frame!r} (columns {frame!r} or "
                         f"'{frame}__coder1', ...)")
    return frames_mod.gold_codes(coded, frame)


def indicators(table: pd.DataFrame, columns, *, prefix: str | None = None) -> pd.DataFrame:
    """A long sentence-level table (e.g. one row per dyad: doc_id, sent_id, vector, relation)
    as 0/1 features, one row per sentence: for each column in ``columns`` and each of its
    values, ``<column>=<value>``; with two or more columns, also their combination
    (``vector=russia&relation=visit``). ``prefix``: put before every feature name.

    Returns DataFrame[doc_id, sent_id, <feature>...] sorted by doc_id, sent_id.
    """
    columns = [columns] if isinstance(columns, str) else list(columns)
    missing = [c for c in [*_KEYS, *columns] if c not in table]
    if missing:
        raise KeyError(f"indicators: columns {missing} not in the table (has {list(table.columns)})")
    names = [table[c].astype(str).radd(f"{c}=") for c in columns]
    if len(columns) > 1:
        combo = names[0]
        for n in names[1:]:
            combo = combo + "&" + n
        names.append(combo)
    long = pd.concat([table[_KEYS].assign(feature=n.to_numpy()) for n in names], ignore_index=True)
    if prefix:
        long["feature"] = prefix + long["feature"]
    long["doc_id"] = long["doc_id"].astype(str)
    wide = pd.crosstab([long.doc_id, long.sent_id], long.feature).clip(upper=1)
    wide.columns.name = None
    return wide.reset_index().sort_values(_KEYS).reset_index(drop=True)


def sampling_weights(key: pd.DataFrame, articles: pd.DataFrame, *, by: str = "outlet",
                     sentences=None, hits_table=None, codebook=None) -> pd.DataFrame:
    """Inverse inclusion weights of the sentences drawn by
    :func:`kzmedia.frames.sample_for_coding`, which over-samples sentences with a dictionary
    hit: an item's weight is the number of the corpus's sentences in its stratum (group
    ``by`` x with / without a hit of any frame) over the number drawn from it.

    ``key``: the key of :func:`kzmedia.frames.sample_for_coding` (item_id, doc_id, has_hit);
    ``articles``, ``by``, ``sentences``, ``hits_table``, ``codebook``: those the sample was
    drawn with. Merge the result into the coded sheet and pass ``weight="weight"`` to
    :func:`train`. Returns DataFrame[item_id, <by>, has_hit, n_population, n_sample, weight].
    """
    sents = text.sentences(articles) if sentences is None else sentences
    if hits_table is None:
        hits_table = frames_mod.hits(articles, codebook, sentences=sents)
    group = articles.assign(doc_id=articles["doc_id"].astype(str)).set_index("doc_id")[by]
    hit = pd.MultiIndex.from_frame(hits_table[_KEYS].astype({"doc_id": str}))
    pop = sents[_KEYS].astype({"doc_id": str})
    pop = pop.assign(**{by: pop["doc_id"].map(group).to_numpy()},
                     has_hit=pd.MultiIndex.from_frame(pop[_KEYS]).isin(hit))
    n_pop = pop.groupby([by, "has_hit"]).size().rename("n_population")
    items = key[["item_id", "doc_id", "has_hit"]].astype({"doc_id": str, "has_hit": bool})
    items[by] = items["doc_id"].map(group).to_numpy()
    n_sample = items.groupby([by, "has_hit"]).size().rename("n_sample")
    out = items.join(n_pop, on=[by, "has_hit"]).join(n_sample, on=[by, "has_hit"])
    out["weight"] = out["n_population"] / out["n_sample"]
    return out[["item_id", by, "has_hit", "n_population", "n_sample", "weight"]].reset_index(drop=True)


def _items(coded: pd.DataFrame) -> pd.DataFrame:
    """The coded rows with doc_id (str), sent_id and sentence; ids made up when missing."""
    if "sentence" not in coded:
        raise ValueError("coding: the coded sheet needs a 'sentence' column (the sheet of "
                         "frames.sample_for_coding has it)")
    items = coded.copy()
    if "doc_id" not in items or "sent_id" not in items:
        items["doc_id"], items["sent_id"] = [f"item{i}" for i in range(len(items))], 0
    items["doc_id"] = items["doc_id"].astype(str)
    items["sentence"] = items["sentence"].fillna("").astype(str)
    return items.reset_index(drop=True)


def features(sentences: pd.DataFrame, codebook=None, *, hits_table=None, extra=(),
             gazetteer=None) -> pd.DataFrame:
    """The non-text features of each sentence, in the order of ``sentences``.

    ``sentences``: DataFrame[doc_id, sent_id, sentence] (a :func:`kzmedia.text.sentences`
    table or a coded sheet). ``hit__<frame>``: 1 when the frame has a hit in the sentence, from
    ``hits_table`` (any table with doc_id, sent_id, frame; e.g. the pipeline's frame hits,
    which may include dyad-based rows) or, when None, :func:`kzmedia.frames.hits` of
    ``codebook`` on these sentences. ``extra``: feature tables keyed by doc_id and sent_id
    with numeric columns (sentences they lack get 0).

    Returns DataFrame[doc_id, sent_id, hit__<frame>..., <extra columns>...].
    """
    cb = frames_mod.load_codebook(codebook, gazetteer=gazetteer)
    sents = sentences[[*_KEYS, "sentence"]].astype({"doc_id": str}).reset_index(drop=True)
    if sents.duplicated(_KEYS).any():
        raise ValueError("coding: the sentences repeat a (doc_id, sent_id) pair; each sentence "
                         "must appear once")
    if hits_table is None:
        arts = sents[["doc_id"]].drop_duplicates().assign(outlet="")
        hits_table = frames_mod.hits(arts, cb, sentences=sents)
    h = hits_table[[*_KEYS, "frame"]].astype({"doc_id": str}).drop_duplicates()
    out = sents[_KEYS].copy()
    for f in cb.frames.frame:
        mark = h.loc[h.frame == f, _KEYS].assign(v=1)
        out[f"hit__{f}"] = out.merge(mark, on=_KEYS, how="left")["v"].fillna(0).astype(int).to_numpy()
    for table in ([extra] if isinstance(extra, pd.DataFrame) else list(extra)):
        cols = [c for c in table if c not in _KEYS]
        bad = [c for c in cols if not pd.api.types.is_numeric_dtype(table[c])]
        if bad or not set(_KEYS) <= set(table):
            raise ValueError(f"coding: an extra feature table must have doc_id, sent_id and numeric "
                             f"columns only (non-numeric: {bad}; columns: {list(table.columns)})")
        clash = set(cols) & set(out)
        if clash:
            raise ValueError(f"coding: extra feature columns {sorted(clash)} appear twice")
        t = table.astype({"doc_id": str}).groupby(_KEYS, as_index=False)[cols].sum()
        merged = out[_KEYS].merge(t, on=_KEYS, how="left")
        for c in cols:
            out[c] = merged[c].fillna(0).to_numpy(dtype=float)
    return out


# --------------------------------------------------------------------------- models

def _vectorizer() -> TfidfVectorizer:
    tokenize = text.make_tokenizer(stopwords=())   # function words matter: "talks with"
    return TfidfVectorizer(tokenizer=tokenize, token_pattern=None, lowercase=False,
                           ngram_range=(1, 2), sublinear_tf=True)


def _design(vectorizer: TfidfVectorizer, sentences, feats: pd.DataFrame) -> sp.csr_matrix:
    """Sentences x (TF-IDF n-grams, then the non-text feature columns), sparse."""
    words = vectorizer.transform(list(sentences))
    return sp.hstack([words, sp.csr_matrix(feats.to_numpy(dtype=float))], format="csr")


def _model(C: float, seed: int) -> LogisticRegression:
    return LogisticRegression(class_weight="balanced", C=C, max_iter=2000, random_state=seed)


def _counts(y: np.ndarray, p: np.ndarray, w: np.ndarray | None = None) -> tuple:
    """(tp, fp, fn, tn): counts, or sums of the weights ``w``."""
    y, p = y.astype(bool), p.astype(bool)
    if w is None:
        return (int((y & p).sum()), int((~y & p).sum()), int((y & ~p).sum()),
                int((~y & ~p).sum()))
    return (float(w[y & p].sum()), float(w[~y & p].sum()), float(w[y & ~p].sum()),
            float(w[~y & ~p].sum()))


def _f1(tp, fp, fn) -> float:
    if tp:
        return 2 * tp / (2 * tp + fp + fn)
    return 0.0 if (fp or fn) else float("nan")


@dataclass(frozen=True)
class FrameModels:
    """What :func:`train` learned from a coded sheet.

    ``models``: frame -> fitted scikit-learn LogisticRegression (None when the coding has
    no positive or no negative sentence of the frame); ``vectorizer``: the TfidfVectorizer
    (word unigrams and bigrams) fitted on all coded sentences, shared by the frames;
    ``scores``: the cross-validated table of :func:`train`; ``out_of_fold``:
    DataFrame[item, frame, fold, gold, weight, dictionary, classifier, union] (each coded
    sentence predicted by the model that did not see it; fold -1 and classifier NaN when no
    cross-validation was possible; weight 1 unless :func:`train` had ``weight``);
    ``recommendation``: :func:`recommend` of the scores; ``feature_columns``: the non-text
    features, in order; ``codebook``: the codebook of the hit features; ``min_positives``:
    the threshold of trustworthiness.
    """

    models: dict
    vectorizer: TfidfVectorizer
    scores: pd.DataFrame
    out_of_fold: pd.DataFrame
    recommendation: pd.DataFrame
    feature_columns: tuple
    codebook: frames_mod.Codebook
    min_positives: int


def train(coded: pd.DataFrame, codebook=None, *, frames=None, hits_table=None, extra=(),
          gazetteer=None, n_splits: int = 5, seed: int = 0, C: float = 1.0,
          min_positives: int = MIN_POSITIVES, margin: float = 0.02,
          weight: str | None = None) -> FrameModels:
    """Per-frame classifiers from a coded sheet, cross-validated next to the dictionary.

    ``coded``: the sheet of :func:`kzmedia.frames.sample_for_coding` (doc_id, sent_id,
    sentence) with codes filled in (gold rule: :func:`gold`). ``frames``: the frames to
    train (default: the codebook's frames that have codes on the sheet). ``hits_table``,
    ``extra``: as for :func:`features`.

    Cross-validation: StratifiedKFold with ``n_splits`` folds (fewer when the frame has fewer
    positive or negative sentences; none below 2), shuffled with ``seed``. In each fold the
    classifier is fitted on the other folds; the dictionary (a hit of the frame) and the union
    (dictionary or classifier) are scored on the same held-out sentences. ``scores``: one
    row per frame x method ("dictionary", "classifier", "union") with DataFrame[frame,
    method, n_items, n_positive, n_folds, tp, fp, fn, tn, precision, recall, f1, tpr, fpr,
    f1_fold_mean, f1_fold_sd, trustworthy, note]: counts pooled over the held-out folds
    (the dictionary's over all coded items), tpr = recall and fpr = fp / (fp + tn) are the
    error rates :func:`prevalence` corrects for. ``trustworthy`` is False for classifier and
    union rows of a frame with fewer than ``min_positives`` positive sentences. The final
    model of each frame is fitted on all its coded sentences. The TF-IDF vocabulary and idf
    are fitted once on all coded sentences (no codes are used, so no label reaches a
    held-out fold).

    ``weight``: a column of ``coded`` with each sentence's sampling weight (e.g.
    :func:`sampling_weights`). The models are fitted unweighted; precision, recall, F1, tpr
    and fpr are then weighted estimates for the corpus (sums of weights instead of counts),
    while tp, fp, fn and tn stay counts of coded sentences.
    """
    # one BLAS thread: the models are small, and competing threads on a busy machine make
    # each L-BFGS step many times slower
    with threadpool_limits(1):
        return _train(coded, codebook, frames, hits_table, extra, gazetteer, n_splits, seed, C,
                      min_positives, margin, weight)


def _train(coded, codebook, frames, hits_table, extra, gazetteer, n_splits, seed, C,
           min_positives, margin, weight) -> FrameModels:
    cb = frames_mod.load_codebook(codebook, gazetteer=gazetteer)
    items = _items(coded)
    if weight is not None:
        if weight not in items:
            raise ValueError(f"coding: no weight column {weight!r} in the coded sheet")
        w_all = pd.to_numeric(items[weight], errors="coerce").to_numpy(float)
        if not (np.isfinite(w_all) & (w_all > 0)).all():
            raise ValueError(f"coding: weight column {weight!r} must hold positive numbers")
    else:
        w_all = np.ones(len(items))
    known = [f for f in cb.frames.frame if f in items or f"{f}__coder1" in items]
    frames_ = known if frames is None else ([frames] if isinstance(frames, str) else list(frames))
    unknown = [f for f in frames_ if f not in set(cb.frames.frame)]
    if unknown:
        raise ValueError(f"coding: frames {unknown} are not in the codebook ({cb.source})")
    if not frames_:
        raise ValueError("coding: the sheet has no codes for any frame of the codebook "
                         f"({cb.source}): expected columns such as {cb.frames.frame.iloc[0]!r}")
    feats = features(items, cb, hits_table=hits_table, extra=extra)
    feature_columns = [c for c in feats if c not in _KEYS]
    # the vocabulary and idf use no codes, so fitting them on every coded sentence leaks no
    # label into the held-out folds
    vectorizer = _vectorizer().fit(items["sentence"])
    X = _design(vectorizer, items["sentence"], feats[feature_columns])
    models, rows, oof = {}, [], []
    for f in frames_:
        g = gold(items, f)
        ok = g.notna().to_numpy()
        y = g[ok].to_numpy(dtype=int)
        Xf = X[np.flatnonzero(ok)]
        dic = feats.loc[ok, f"hit__{f}"].to_numpy(dtype=int)
        w = w_all[ok]
        n_pos, n_neg = int(y.sum()), int(len(y) - y.sum())
        k = min(n_splits, n_pos, n_neg)
        clf = np.full(len(y), np.nan)
        fold = np.full(len(y), -1)
        per_fold = {m: [] for m in METHODS}
        if k >= 2:
            splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
            for i, (tr, te) in enumerate(splitter.split(Xf, y)):
                model = _model(C, seed).fit(Xf[tr], y[tr])
                clf[te] = model.predict(Xf[te])
                fold[te] = i
                preds = {"dictionary": dic[te], "classifier": clf[te].astype(int),
                         "union": dic[te] | clf[te].astype(int)}
                for m, p in preds.items():
                    tp, fp, fn, _ = _counts(y[te], p)
                    per_fold[m].append(_f1(tp, fp, fn))
        models[f] = _model(C, seed).fit(Xf, y) if n_pos and n_neg else None
        item_ids = (items["item_id"] if "item_id" in items else pd.Series(items.index))[ok].to_numpy()
        union = np.where(np.isnan(clf), np.nan, np.maximum(dic, np.nan_to_num(clf)))
        oof.append(pd.DataFrame({"item": item_ids, "frame": f, "fold": fold, "gold": y,
                                 "weight": w, "dictionary": dic, "classifier": clf,
                                 "union": union}))
        trusted = n_pos >= min_positives
        for m in METHODS:
            pred = {"dictionary": dic, "classifier": clf, "union": union}[m]
            note = ""
            if m != "dictionary" and k < 2:
                note = (f"no cross-validation: {n_pos} positive and {n_neg} negative coded "
                        "sentences (at least 2 of each are needed)")
            elif m != "dictionary" and not trusted:
                note = (f"not yet trustworthy: {n_pos} positive coded sentences, fewer than "
                        f"{min_positives}")
            if m != "dictionary" and k < 2:
                tp = fp = fn = tn = 0
                prec = rec = f1 = tpr = fpr = float("nan")
            else:
                tp, fp, fn, tn = _counts(y, pred.astype(int))
                wtp, wfp, wfn, wtn = _counts(y, pred.astype(int), w)
                prec = wtp / (wtp + wfp) if tp + fp else float("nan")
                rec = wtp / (wtp + wfn) if tp + fn else float("nan")
                f1, tpr = _f1(wtp, wfp, wfn), rec
                fpr = wfp / (wfp + wtn) if fp + tn else float("nan")
            fold_f1 = np.array(per_fold[m], dtype=float)
            rows.append((f, m, len(y), n_pos, k if k >= 2 else 0, tp, fp, fn, tn, prec, rec,
                         f1, tpr, fpr,
                         float(np.nanmean(fold_f1)) if np.isfinite(fold_f1).any() else float("nan"),
                         float(np.nanstd(fold_f1, ddof=1)) if np.isfinite(fold_f1).sum() > 1
                         else float("nan"),
                         bool(trusted or m == "dictionary"), note))
    scores = pd.DataFrame(rows, columns=["frame", "method", "n_items", "n_positive", "n_folds",
                                         "tp", "fp", "fn", "tn", "precision", "recall", "f1",
                                         "tpr", "fpr", "f1_fold_mean", "f1_fold_sd",
                                         "trustworthy", "note"])
    scores = scores.sort_values(["frame", "method"], key=lambda s: s.map(
        {m: i for i, m in enumerate(METHODS)}) if s.name == "method" else s).reset_index(drop=True)
    out_of_fold = pd.concat(oof, ignore_index=True)
    return FrameModels(models, vectorizer, scores, out_of_fold,
                       recommend(scores, min_positives=min_positives, margin=margin),
                       tuple(feature_columns), cb, min_positives)


def recommend(scores: pd.DataFrame, *, min_positives: int = MIN_POSITIVES,
              margin: float = 0.02) -> pd.DataFrame:
    """Per frame, which coding to use, by the cross-validated numbers of :func:`train`.

    Fewer than ``min_positives`` positive coded sentences: the classifier is not yet
    trustworthy, and the dictionary is recommended whatever the scores. Otherwise the method
    with the highest F1; the classifier or the union replaces the dictionary only when its F1
    is at least ``margin`` higher (the dictionary can be read and checked pattern by pattern),
    and the classifier replaces the union only when it is at least as good.

    Returns DataFrame[frame, recommended, trustworthy, n_positive, f1_dictionary,
    f1_classifier, f1_union, precision_<method>..., recall_<method>..., message] sorted by
    frame; ``message`` says the choice and its reason in a sentence.
    """
    wide = scores.pivot(index="frame", columns="method", values=["f1", "precision", "recall"])
    meta = scores.groupby("frame").agg(n_positive=("n_positive", "first"), n_items=("n_items", "first"),
                                       n_folds=("n_folds", "max"))
    rows = []
    for f in wide.index:
        f1 = {m: wide.loc[f, ("f1", m)] for m in METHODS}
        n_pos, n_items, n_folds = (int(meta.loc[f, c]) for c in ("n_positive", "n_items", "n_folds"))
        val = {m: (-1.0 if pd.isna(v) else float(v)) for m, v in f1.items()}
        shown = ", ".join(f"{m} {'n/a' if pd.isna(v) else f'{v:.2f}'}" for m, v in f1.items())
        trusted = n_pos >= min_positives
        if not trusted:
            choice = "dictionary"
            message = (f"Use the dictionary: the classifier is not yet trustworthy, with {n_pos} "
                       f"positive coded sentence{'s' * (n_pos != 1)} of this frame (fewer than "
                       f"{min_positives}); code more sentences with the frame. F1: {shown}.")
        else:
            learned = "classifier" if val["classifier"] >= val["union"] else "union"
            choice = learned if val[learned] >= val["dictionary"] + margin else "dictionary"
            why = ("it beats the dictionary by at least " + f"{margin:.2f} F1" if choice != "dictionary"
                   else f"neither the classifier nor the union beats it by {margin:.2f} F1 or more")
            message = (f"Use the {choice}: {why} ({n_folds}-fold cross-validation on {n_items} "
                       f"coded sentences, {n_pos} positive). F1: {shown}.")
        row = {"frame": f, "recommended": choice, "trustworthy": trusted, "n_positive": n_pos}
        row.update({f"f1_{m}": f1[m] for m in METHODS})
        row.update({f"precision_{m}": wide.loc[f, ("precision", m)] for m in METHODS})
        row.update({f"recall_{m}": wide.loc[f, ("recall", m)] for m in METHODS})
        row["message"] = message
        rows.append(row)
    return pd.DataFrame(rows).sort_values("frame").reset_index(drop=True)


def predict(models: FrameModels, sentences: pd.DataFrame, *, hits_table=None,
            extra=()) -> pd.DataFrame:
    """Code every sentence with each frame's dictionary, classifier and their union.

    ``sentences``: DataFrame[doc_id, sent_id, sentence] (e.g. :func:`kzmedia.text.sentences`
    of the corpus); ``hits_table`` and ``extra`` as for :func:`features` (give the same kinds
    of tables as in :func:`train`: a feature missing here counts as 0).

    Returns DataFrame[doc_id, sent_id, frame, dictionary, classifier, union, probability]
    (0/1 codes; classifier and probability NaN for a frame without a model) sorted by doc_id,
    sent_id, frame.
    """
    sents = sentences[[*_KEYS, "sentence"]].astype({"doc_id": str}).reset_index(drop=True)
    sents["sentence"] = sents["sentence"].fillna("").astype(str)
    feats = features(sents, models.codebook, hits_table=hits_table, extra=extra)
    X = _design(models.vectorizer, sents["sentence"],
                feats.reindex(columns=list(models.feature_columns), fill_value=0))
    parts = []
    with threadpool_limits(1):
        probabilities = {f: (m.predict_proba(X)[:, 1], m.predict(X).astype(float))
                         for f, m in models.models.items() if m is not None and X.shape[0]}
    for f, model in models.models.items():
        dic = feats[f"hit__{f}"].to_numpy(dtype=int)
        prob, clf = probabilities.get(f, (np.full(X.shape[0], np.nan), np.full(X.shape[0], np.nan)))
        union = np.where(np.isnan(clf), np.nan, np.maximum(dic, np.nan_to_num(clf)))
        parts.append(pd.DataFrame({"doc_id": sents.doc_id, "sent_id": sents.sent_id, "frame": f,
                                   "dictionary": dic, "classifier": clf, "union": union,
                                   "probability": prob}))
    cols = ["doc_id", "sent_id", "frame", "dictionary", "classifier", "union", "probability"]
    if not parts:
        return pd.DataFrame(columns=cols)
    return pd.concat(parts, ignore_index=True)[cols].sort_values(
        ["doc_id", "sent_id", "frame"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- prevalence

def adjusted_count(p_observed, tpr, fpr):
    """Forman's adjusted classify-and-count: the prevalence that, coded with true-positive
    rate ``tpr`` and false-positive rate ``fpr``, gives the observed share ``p_observed``:
    ``(p_observed - fpr) / (tpr - fpr)``, clipped to [0, 1]; NaN when tpr <= fpr (the coding
    does not separate the classes). Works elementwise on arrays."""
    p, t, f = (np.asarray(v, dtype=float) for v in (p_observed, tpr, fpr))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(t > f, np.clip((p - f) / (t - f), 0.0, 1.0), np.nan)
    return out.item() if out.ndim == 0 else out


def prevalence(models: FrameModels, predictions: pd.DataFrame, articles: pd.DataFrame,
               by: str = "outlet", *, method: str | None = None, ci: float = 0.95,
               n_resamples: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Share of sentences with each frame per group, observed and corrected for the coding's
    measured error rates (adjusted classify-and-count, :func:`adjusted_count`).

    ``predictions``: :func:`predict` of the corpus sentences; ``articles``: for the grouping
    column ``by``. ``method``: "dictionary", "classifier" or "union" for every frame, or None
    (default) for each frame's recommended method (:func:`recommend`). ``observed``: the
    article-weighted mean of each article's share of sentences coded with the frame (as
    :func:`kzmedia.frames.group_scores`; articles without sentences are left out); tpr and
    fpr: the method's rates on the held-out coded sentences (:attr:`FrameModels.out_of_fold`; weighted when
    :func:`train` had ``weight``);
    ``adjusted``: the corrected share.

    Interval (``ci``, percentile, ``n_resamples`` draws, ``numpy.random.default_rng(seed)``):
    each draw resamples the positive and the negative coded sentences apart (new tpr and fpr,
    with the numbers of each kept) and, in a group with more than ``kzmedia.stats.SMALL_N``
    articles, the group's articles (the article as the unit), then recomputes the adjusted
    share; draws where tpr <= fpr are left out and counted in
    ``note``. With few articles the interval covers only the error rates' uncertainty, and
    ``interval`` says so.

    Returns DataFrame[<by>, frame, method, n_articles, n_sentences, observed, tpr, fpr,
    adjusted, ci_low, ci_high, interval, trustworthy, note] sorted by group, frame.
    """
    if method is not None and method not in METHODS:
        raise ValueError(f"prevalence: method must be one of {METHODS} or None, not {method!r}")
    if by not in articles:
        raise KeyError(f"prevalence: grouping column {by!r} is not in articles")
    rec = models.recommendation.set_index("frame")
    pred = predictions.astype({"doc_id": str})
    groups = articles[["doc_id", by]].astype({"doc_id": str}).drop_duplicates("doc_id")
    rng = np.random.default_rng(seed)
    lo_q, hi_q = (1 - ci) / 2, 1 - (1 - ci) / 2
    oof = models.out_of_fold
    # per frame: the method, its point error rates and n_resamples resampled ones
    rates = {}
    for f in models.models:
        m = method or rec.loc[f, "recommended"]
        o = oof[oof.frame == f]
        o = o[o[m].notna()]
        y, p = o["gold"].to_numpy(bool), o[m].to_numpy(float).astype(bool)
        if len(o) == 0 or y.all() or not y.any():
            rates[f] = (m, np.nan, np.nan, np.full(n_resamples, np.nan), np.full(n_resamples, np.nan))
            continue
        w = o["weight"].to_numpy(float)
        tpr, fpr = (w * p)[y].sum() / w[y].sum(), (w * p)[~y].sum() / w[~y].sum()
        draws = []
        for cls in (y, ~y):                  # positives and negatives resampled apart
            wc, pc = w[cls], p[cls]
            idx = rng.integers(0, len(wc), size=(n_resamples, len(wc)))
            draws.append((wc[idx] * pc[idx]).sum(1) / wc[idx].sum(1))
        rates[f] = (m, tpr, fpr, *draws)
    rows = []
    for f, (m, tpr, fpr, tpr_b, fpr_b) in rates.items():
        sub = pred[pred.frame == f]
        share = (sub.groupby("doc_id")[m].mean() if len(sub) else pd.Series(dtype=float))
        art = groups.merge(share.rename("share").reset_index(), on="doc_id", how="inner")
        trusted = bool(rec.loc[f, "trustworthy"]) or m == "dictionary"
        for g, a in art.groupby(by, sort=True):
            x = a["share"].to_numpy(float)
            x = x[~np.isnan(x)]
            n = len(x)
            n_sent = int(sub["doc_id"].isin(a["doc_id"]).sum())
            observed = float(x.mean()) if n else np.nan
            adjusted = adjusted_count(observed, tpr, fpr)
            if n > stats.SMALL_N:
                idx = rng.integers(0, n, size=(n_resamples, n))
                obs_b = x[idx].mean(1)
                label = f"{ci * 100:g}% bootstrap over articles and coded sentences"
            else:
                obs_b = np.full(n_resamples, observed)
                label = (f"{ci * 100:g}% bootstrap over coded sentences only "
                         f"({n} article{'s' * (n != 1)}: the articles are not resampled)")
            adj_b = adjusted_count(obs_b, tpr_b, fpr_b)
            ok = ~np.isnan(adj_b)
            low, high = (np.quantile(adj_b[ok], [lo_q, hi_q]) if ok.any() else (np.nan, np.nan))
            notes = []
            if np.isnan(tpr):
                notes.append(f"no error rates for the {m}: the coding has no positive or no "
                             "negative sentence of this frame, or no cross-validation")
            elif np.isnan(adjusted):
                notes.append(f"tpr {tpr:.2f} <= fpr {fpr:.2f}: the {m} does not separate the "
                             "frame from the rest; no correction possible")
            if (~ok).any() and ok.any():
                notes.append(f"{int((~ok).sum())} of {n_resamples} draws had tpr <= fpr and are "
                             "left out of the interval")
            if not trusted:
                notes.append(f"{m} not yet trustworthy: fewer than {models.min_positives} "
                             "positive coded sentences")
            rows.append((g, f, m, n, n_sent, observed, tpr, fpr, adjusted, low, high, label,
                         trusted, "; ".join(notes)))
    cols = [by, "frame", "method", "n_articles", "n_sentences", "observed", "tpr", "fpr",
            "adjusted", "ci_low", "ci_high", "interval", "trustworthy", "note"]
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values([by, "frame"], kind="stable").reset_index(drop=True)
