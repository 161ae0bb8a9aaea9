"""Sentences, tokens, phrases and the shared search-pattern grammar.

- Sentences: NLTK's Punkt algorithm with a built-in list of news abbreviations (no trained
  model, nothing downloaded). Paragraphs (blocks separated by a blank line) are split first and
  never merged, so a paragraph break is always a sentence break. ``method="reference"`` runs
  Punkt itself; the default ``method="fast"`` gets the same sentences from
  :mod:`kzmedia.fast.punkt`.
- Tokens: one regular expression per text; lower case; hyphenated compounds (``multi-vector``,
  ``kassym-jomart``) stay one token; the possessive ``'s``/``’s`` is split off and dropped;
  dotted abbreviations keep their inner dots (``U.S.`` -> ``u.s``); the all-capital country
  acronyms ``US``/``UN`` are read as ``u.s``/``u.n`` (lower-casing would turn ``US`` into the
  stop word "us"); multi-word expressions from a phrase list are joined with ``_`` (longest
  first) before stop words are removed, so ``belt and road`` survives as ``belt_and_road``.
- ``compile_pattern``: the pattern grammar of the frame codebook and the gazetteer
  (:mod:`kzmedia.patterns`, docs/methods.md "Pattern grammar"), re-exported here.
- ``collocations``: Blaheta & Johnson's lambda and z for adjacent word pairs, as quanteda's
  ``textstat_collocations`` (size 2).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterable
from importlib import resources

import numpy as np
import pandas as pd
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

from .patterns import HYPHENS, SEPARATOR, compile_pattern, trie_regex

__all__ = [
    "NEWS_ABBREVIATIONS",
    "POSSESSIVE",
    "punkt_tokenizer",
    "split_sentences",
    "sentences",
    "compile_pattern",
    "load_stopwords",
    "load_phrases",
    "phrases_from_yaml",
    "make_tokenizer",
    "normalize",
    "tokenize",
    "collocations",
]

#: Abbreviations that end in a period without ending a sentence (lower case, no final
#: period). "may" is left out on purpose: it is far more often the verb or the month at a
#: sentence end than an abbreviation.
NEWS_ABBREVIATIONS = (
    "mr", "mrs", "ms", "messrs", "dr", "prof", "sr", "jr", "rev", "hon", "amb", "pres",
    "gen", "col", "lt", "maj", "capt", "cmdr", "adm", "sgt", "cpl", "pvt", "brig", "cdr",
    "gov", "sen", "rep", "reps", "sens", "atty", "supt", "insp", "st", "mt", "ft", "ave",
    "blvd", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "tue", "tues", "thu", "thur", "thurs", "fri",
    "no", "nos", "vs", "etc", "inc", "ltd", "co", "corp", "plc", "llc", "bros", "dept",
    "approx", "cf", "u.s", "u.k", "u.n", "e.u", "u.s.a", "u.s.s.r", "e.g", "i.e", "a.m", "p.m",
    "d.c", "n.y", "ph.d", "mln", "bln",
)

_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")


@functools.cache
def punkt_tokenizer() -> PunktSentenceTokenizer:
    """NLTK's Punkt sentence tokenizer with :data:`NEWS_ABBREVIATIONS` as its only
    parameters (no trained model, nothing downloaded), built once per process."""
    params = PunktParameters()
    params.abbrev_types = set(NEWS_ABBREVIATIONS)
    return PunktSentenceTokenizer(params)


def _split_punkt(text: str) -> list[str]:
    """The reference: Punkt on each paragraph, each sentence stripped."""
    out: list[str] = []
    for paragraph in _PARAGRAPH_BREAK.split(text.strip()):
        if paragraph.strip():
            sentences = (s.strip() for s in punkt_tokenizer().tokenize(paragraph))
            out.extend(s for s in sentences if s)
    return out


def _splitter(method: str) -> Callable[[str], list[str]]:
    if method == "reference":
        return _split_punkt
    if method == "fast":
        from .fast import punkt

        return punkt.split
    raise ValueError(f"method must be 'fast' or 'reference', not {method!r}")


def _strings(values) -> pd.Series:
    """A column of str in pandas' default string dtype, built through pyarrow when that is
    the storage (not converted by pandas one element at a time)."""
    dtype = pd.Series(["x"]).dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        import pyarrow as pa

        return pd.Series(pa.array(values, type=pa.large_string()), dtype=dtype)
    return pd.Series(np.asarray(values, dtype=object), dtype=object)


def split_sentences(text: str, method: str = "fast") -> list[str]:
    """Split one text into sentences (stripped strings, in order).

    Paragraphs (separated by a blank line) are split first and never merged; within a
    paragraph NLTK's Punkt decides, using ``NEWS_ABBREVIATIONS`` ("Mr. Putin", "U.S. officials",
    "Jan. 5", "No. 1" do not end a sentence). Closing quotes and brackets stay with the
    sentence they close. A capitalised word after an abbreviation is not treated as a new
    sentence ("... with the U.S. The visit ..." stays one sentence): Punkt without a trained
    model has no evidence to decide, and keeping names together matters more here. A single
    letter with a period before a capitalised word is an initial ("J. R. Smith"); a number
    with a period ends a sentence unless a lower-case word follows.

    ``method="reference"`` runs NLTK's Punkt on each paragraph. ``method="fast"`` (default)
    gives the same sentences from :func:`kzmedia.fast.punkt.split`, which applies Punkt's
    rules to the common cases itself and hands only unusual contexts to Punkt.
    """
    if not isinstance(text, str) or not text.strip():
        return []
    return _splitter(method)(text)


def sentences(articles: pd.DataFrame, method: str = "fast") -> pd.DataFrame:
    """One row per sentence of every article (:func:`split_sentences`).

    Columns: ``doc_id`` (str), ``sent_id`` (int, 0-based, in order across the whole article;
    paragraph breaks are sentence breaks), ``sentence`` (str). Sorted by doc_id, sent_id.
    Articles with empty text contribute no rows. ``method`` as for :func:`split_sentences`.
    """
    split = _splitter(method)
    doc_ids = articles["doc_id"].astype(str).to_numpy(dtype=object)
    texts = articles["text"].tolist()
    order = np.argsort(doc_ids, kind="stable")
    unique_ids = len(doc_ids) < 2 or (doc_ids[order][1:] != doc_ids[order][:-1]).all()
    if unique_ids:  # sort the articles, not the sentences
        doc_ids = doc_ids[order]
        texts = [texts[i] for i in order]
    per_doc = [split(t) if isinstance(t, str) else [] for t in texts]
    lengths = np.fromiter(map(len, per_doc), dtype=np.int64, count=len(per_doc))
    n = int(lengths.sum())
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    out = pd.DataFrame({
        "doc_id": _strings(np.repeat(doc_ids, lengths)),
        "sent_id": np.arange(n, dtype=np.int64) - starts,
        "sentence": _strings(list(itertools.chain.from_iterable(per_doc))),
    })
    if not unique_ids:
        out = out.sort_values(["doc_id", "sent_id"], kind="stable")
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- word lists

def _read_list(name: str) -> list[str]:
    raw = resources.files("kzmedia").joinpath("data", name).read_text(encoding="utf-8")
    out = []
    for line in raw.splitlines():
        line = line.split("#", 1)[0].strip().lower()
        if line:
            out.append(line)
    return out


def load_stopwords() -> frozenset[str]:
    """The default English stop words (package data ``stopwords.txt``; source and licence in
    its header: scikit-learn's list minus a few content words of political news)."""
    return frozenset(_read_list("stopwords.txt"))


def load_phrases(extra: Iterable[str] = ()) -> list[str]:
    """The default multi-word expressions (package data ``phrases.txt``) plus ``extra``."""
    seen = dict.fromkeys(_read_list("phrases.txt"))
    seen.update(dict.fromkeys(p.strip().lower() for p in extra if p and p.strip()))
    return list(seen)


def phrases_from_yaml(path) -> list[str]:
    """Every multi-word string anywhere in a YAML file (e.g. the actor gazetteer's names,
    aliases and organisations), lower-cased, in file order. Use as ``phrases=`` together with
    ``load_phrases()``. Mapping keys are ignored; only string values are read."""
    import yaml

    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    found: dict[str, None] = {}

    def walk(node):
        if isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
        elif isinstance(node, str) and len(node.split()) > 1 and len(node) < 80:
            found[node.strip().lower()] = None

    walk(data)
    return list(found)


# --------------------------------------------------------------------------- tokens

# A word: letters/digits, then any of: decimal or thousands parts (2,000 / 1.5), dotted
# single letters (u.s, e.g, ph.d, d-n.y), inner hyphens, underscores (joined phrases) and
# apostrophes that do not start a possessive 's; or the possessive 's itself.
_WORD = (r"[^\W_]++(?:[.,]\d+)*"
         r"(?:(?:[\-\u2010\u2011_]|'(?!s\b))[^\W_]+|\.[^\W\d_](?![^\W\d_]))*"
         r"|'s\b")
_TOKEN_RE = re.compile(_WORD)
# Same tokens, but a number (digits and separators only) comes back as "" (one findall drops
# numbers without a per-token test); "69-year-old", "1.5-mile" and "21st" are words.
_TOKEN_NO_NUMBERS_RE = re.compile(
    r"\d++(?:[.,\-\u2010\u2011]\d++)*+(?![^\W_]|[.,\-\u2010\u2011'][^\W_])|(" + _WORD + ")")
# Literal first so the regex engine can skip ahead; the lookbehind checks the character
# before "U" afterwards.
_US_UN_RE = re.compile(r"U([SN])(?!\w)(?<!\w..)")
_NUMERIC = re.compile(r"[\d.,\-\u2010\u2011_']+").fullmatch
#: The possessive token ("Kazakhstan's" -> "kazakhstan", "'s"), dropped unless asked for.
POSSESSIVE = "'s"


def _canonical(phrase: str, joiner: str) -> str:
    words = [re.sub(r"[^\w\-]", "", w) for w in phrase.lower().split()]
    return joiner.join(w for w in words if w)


_SEP_CHARS = re.compile(SEPARATOR + "+")


def _units(phrase: str) -> list[str]:
    """Regex pieces of one phrase: escaped characters, and separator classes where the
    pattern grammar puts them (a space: one or more separators; a hyphen: an optional one)."""
    out: list[str] = []
    for wi, word in enumerate(phrase.split()):
        if wi:
            out.append(SEPARATOR + "+")
        for pi, part in enumerate(re.split(f"[{HYPHENS}]", word)):
            if pi:
                out.append(SEPARATOR + "?")
            out.extend(re.escape(c) for c in part)
    return out


def _trie_regex(phrases: Iterable[str]) -> str:
    """One regex for many phrases (:func:`kzmedia.patterns.trie_regex`): the longest phrase
    wins."""
    return trie_regex(map(_units, phrases))


def _joinable(phrases: Iterable[str], joiner: str) -> list[str]:
    """The phrases the matcher joins: several words or a hyphen, something left to join."""
    return sorted(set(p for p in phrases if (len(p.split()) > 1 or "-" in p)
                      and _canonical(p, joiner)))


@functools.lru_cache(maxsize=32)
def _phrase_matcher(phrases: tuple[str, ...], joiner: str):
    uniq = _joinable(phrases, joiner)
    if not uniq:
        return None
    rx = re.compile(rf"(?<!\w){_trie_regex(uniq)}(?!\w)")
    canon = {_SEP_CHARS.sub("", p): _canonical(p, joiner) for p in uniq}
    return rx, canon


def normalize(text: str) -> str:
    """The text as the tokenizer reads it: all-capital US/UN as U.S/U.N, lower case, \u2019
    as '."""
    if "US" in text or "UN" in text:
        text = _US_UN_RE.sub(r"U.\1", text)
    return text.lower().replace("\u2019", "'")


def make_tokenizer(*, numbers: bool = False, stopwords: Iterable[str] | None = None,
                   phrases: Iterable[str] | None = None, joiner: str = "_",
                   possessive: bool = False) -> Callable[[str], list[str]]:
    """Build the tokenizer once (compiled regexes, phrase matcher) and return ``f(text)``.

    Arguments as for :func:`tokenize`. Use this when tokenizing many texts.
    """
    stop = load_stopwords() if stopwords is None else frozenset(s.lower() for s in stopwords)
    phr = tuple(load_phrases()) if phrases is None else tuple(p.lower() for p in phrases)
    matcher = _phrase_matcher(phr, "_") if phr else None
    drop = set(stop) | {""}  # "": a number, when numbers are left out
    if not possessive:
        drop.add(POSSESSIVE)
    token_re = _TOKEN_RE if numbers else _TOKEN_NO_NUMBERS_RE

    def join_phrases(text: str) -> str:
        if matcher is None:
            return text
        rx, canon = matcher
        return rx.sub(lambda m: canon[_SEP_CHARS.sub("", m.group(0))], text)

    def tokenizer(text: str) -> list[str]:
        tokens = [t for t in token_re.findall(join_phrases(normalize(text))) if t not in drop]
        if joiner != "_":
            tokens = [t.replace("_", joiner) for t in tokens]
        return tokens

    return tokenizer


def tokenize(text: str, *, numbers: bool = False, stopwords: Iterable[str] | None = None,
             phrases: Iterable[str] | None = None, joiner: str = "_",
             possessive: bool = False) -> list[str]:
    """Lower-cased word tokens of ``text``.

    - ``multi-vector``, ``Kassym-Jomart`` and ``69-year-old`` stay one token; ``U.S.`` ->
      ``u.s``; all-capital ``US``/``UN`` -> ``u.s``/``u.n``; ’ is read as '.
    - ``Kazakhstan's`` -> ``kazakhstan`` (the possessive ``'s`` is dropped; ``possessive=True``
      keeps it as the token ``'s``). Other apostrophes stay inside the word (``don't``).
    - ``numbers``: keep tokens made only of digits and separators (2022, 2,000, 1.5);
      tokens mixing digits and letters (g20, 21st, covid-19) are always kept.
    - ``stopwords``: None = the package list (:func:`load_stopwords`); ``()`` keeps all words.
    - ``phrases``: None = the package list (:func:`load_phrases`); ``()`` joins nothing.
      Multi-word expressions are joined with ``joiner`` (longest first, pattern grammar of
      :func:`compile_pattern`: spaces and hyphens are interchangeable), before stop words are
      removed: ``foreign policy`` -> ``foreign_policy``, ``Belt and Road`` -> ``belt_and_road``.
    """
    return make_tokenizer(numbers=numbers, stopwords=stopwords, phrases=phrases,
                          joiner=joiner, possessive=possessive)(text)


# --------------------------------------------------------------------------- collocations

_CLAUSE_BREAK = re.compile(r"[,;:()\[\]\"\u201c\u201d\u2014\u2013]|\s-\s|'\s|\s'")

def collocations(articles: pd.DataFrame, min_count: int = 2, size: int = 2, *,
                 phrases: Iterable[str] | None = (), stopwords: Iterable[str] | None = None,
                 ) -> pd.DataFrame:
    """Adjacent word pairs that occur together more than chance (quanteda's
    ``textstat_collocations``, Blaheta & Johnson 2001, size 2).

    Pairs are counted within sentences, between adjacent tokens that are neither stop words nor
    numbers (a stop word breaks the chain, as quanteda's ``tokens_remove(..., padding=TRUE)``);
    punctuation inside a sentence (commas, semicolons, colons, brackets, quotes, dashes) breaks
    it too, so "Russia, China" is not a pair.
    Over the N such pairs, for the pair (a, b) with 2x2 table n11 = count(a b),
    n12 = count(a ·) − n11, n21 = count(· b) − n11, n22 = N − n11 − n12 − n21:
    lambda = log((n11+.5)(n22+.5) / ((n12+.5)(n21+.5))),
    sigma = sqrt(sum 1/(n_ij+.5)), z = lambda / sigma.
    By default no phrases are pre-joined (``phrases=()``), so known expressions can be found;
    pass ``phrases=None`` for the package list. To join the top collocations in later
    tokenizing: ``tokenize(..., phrases=load_phrases(extra=result.collocation.head(20)))``.

    Columns: ``collocation`` ("a b"), ``count`` (n11), ``length`` (2), ``lambda``, ``z``;
    pairs with count >= ``min_count``, sorted by z descending, then collocation.
    """
    if size != 2:
        raise ValueError("only size=2 (word pairs) is implemented")
    stop = load_stopwords() if stopwords is None else frozenset(stopwords)
    tok = make_tokenizer(numbers=True, stopwords=(), phrases=phrases)
    first: list[str] = []
    second: list[str] = []
    clauses = (clause for text in articles["text"] for sent in split_sentences(text)
               for clause in _CLAUSE_BREAK.split(sent))
    for clause in clauses:
        ts = [t for t in tok(clause) if t != POSSESSIVE]
        for a, b in zip(ts, ts[1:]):
            if a in stop or b in stop or (a[0].isdigit() and _NUMERIC(a)) \
                    or (b[0].isdigit() and _NUMERIC(b)):
                continue
            first.append(a)
            second.append(b)
    cols = ["collocation", "count", "length", "lambda", "z"]
    if not first:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c in ("lambda", "z") else
                                          ("int64" if c in ("count", "length") else "object"))
                             for c in cols})
    pairs = pd.DataFrame({"a": first, "b": second})
    n = len(pairs)
    n11 = pairs.value_counts(["a", "b"]).rename("n11").reset_index()
    na = pairs["a"].value_counts()
    nb = pairs["b"].value_counts()
    n11 = n11[n11["n11"] >= min_count]
    c11 = n11["n11"].to_numpy(float)
    c12 = n11["a"].map(na).to_numpy(float) - c11
    c21 = n11["b"].map(nb).to_numpy(float) - c11
    c22 = n - c11 - c12 - c21
    lam = np.log(c11 + .5) + np.log(c22 + .5) - np.log(c12 + .5) - np.log(c21 + .5)
    sigma = np.sqrt(1 / (c11 + .5) + 1 / (c12 + .5) + 1 / (c21 + .5) + 1 / (c22 + .5))
    out = pd.DataFrame({
        "collocation": (n11["a"] + " " + n11["b"]).to_numpy(),
        "count": c11.astype("int64"),
        "length": np.full(len(n11), 2, dtype="int64"),
        "lambda": lam,
        "z": lam / sigma,
    })
    return out.sort_values(["z", "collocation"], ascending=[False, True],
                           kind="stable").reset_index(drop=True)
