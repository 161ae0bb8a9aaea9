"""Sentences, tokens, phrases and the shared search-pattern grammar.

- Sentences: NLTK's Punkt algorithm with a built-in list of news abbreviations (no trained
  model, nothing downloaded). Paragraphs (blocks separated by a blank line) are split first and
  never merged, so a paragraph break is always a sentence break.
- Tokens: one regular expression per text; lower case; hyphenated compounds (``multi-vector``,
  ``kassym-jomart``) stay one token; the possessive ``'s``/``’s`` is split off and dropped;
  dotted abbreviations keep their inner dots (``U.S.`` -> ``u.s``); the all-capital country
  acronyms ``US``/``UN`` are read as ``u.s``/``u.n`` (lower-casing would turn ``US`` into the
  stop word "us"); multi-word expressions from a phrase list are joined with ``_`` (longest
  first) before stop words are removed, so ``belt and road`` survives as ``belt_and_road``.
- ``compile_pattern``: the pattern grammar of the frame codebook and the gazetteer
  (:mod:`kzmedia.patterns`, docs/methods.md "Frames"), re-exported here.
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
    "split_sentences",
    "sentences",
    "compile_pattern",
    "load_stopwords",
    "load_phrases",
    "phrases_from_yaml",
    "make_tokenizer",
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


# Punkt's candidate boundaries (its period_context_re): . ? or ! followed by a character that
# cannot be inside a word, or by whitespace and a token; a paragraph break is matched too.
# Punkt's expressions run on the third-party `regex` engine, whose \s lacks \x1c-\x1f.
_NON_WORD = ")\";}\\]*:@'({\\[\u2018\u2019\u201c\u201d\xab\xbb?!"
_S, _NS = r"[^\S\x1c-\x1f]", r"[\S\x1c-\x1f]"
_CANDIDATE = re.compile(
    r"[.?!\n](?:(?<=\n)[^\S\n]*\n\s*|(?<=([.?!]))(?:(?=([" + _NON_WORD + r"]))"
    r"|(?=(" + _S + r"+)(" + _NS + r"+))))")
_REALIGN = re.compile(r'["\')\]}\u2018\u2019\u201c\u201d\xab\xbb]+?(?:' + _S + r"+|(?=--)|$)",
                      re.MULTILINE)
# the word before a candidate, when the candidate decides by itself: letters/digits joined by
# single - . , (one Punkt token), optionally after opening marks that are tokens of their own
_SIMPLE_WORD = re.compile(r"[(\"`{\[\-]*([\u2018\u2019\u201c\u201d\xab\xbb']?)"
                          r"([^\W_]+(?:[\-.,][^\W_]+)*)").fullmatch
_PUNKT_NUMBER = re.compile(r"-?[.,]?\d[\d,.\-]*\.?").fullmatch
_PUNKT_INITIAL = re.compile(r"[^\W\d]\.").fullmatch
_REALIGN_CHARS = frozenset("\"')]}\u2018\u2019\u201c\u201d\xab\xbb")
_ASCII_WS = " \t\n\r\x0b\x0c"  # what Punkt looks back to for the word before a candidate


@functools.cache
def _punkt() -> PunktSentenceTokenizer:
    params = PunktParameters()
    params.abbrev_types = set(NEWS_ABBREVIATIONS)
    return PunktSentenceTokenizer(params)


def _split_punkt(text: str) -> list[str]:
    tok = _punkt()
    out: list[str] = []
    for para in _PARAGRAPH_BREAK.split(text.strip()):
        if para.strip():
            out.extend(s for s in (x.strip() for x in tok.tokenize(para)) if s)
    return out


def _period_kind(word: str, abbrevs: frozenset) -> int:
    """How Punkt (no trained statistics, ``abbrevs`` only) decides a "." after ``word``, the
    text since the last whitespace: 0 always a break, 1 never (abbreviation), 2 an initial
    (break only before a token that is neither punctuation nor has a case), 3 a number (break
    before an upper-case or case-less token), -1 not decided here."""
    if not word or word[-1] in _NON_WORD:
        return 0  # the period is a token of its own: a break
    m = _SIMPLE_WORD(word)
    if m is None:
        return -1
    quote, core = m.groups()
    tok = quote + core + "."
    low = tok[:-1].lower()
    if low in abbrevs or low.split("-")[-1] in abbrevs:
        return 1
    if _PUNKT_INITIAL(tok):
        return 2
    if _PUNKT_NUMBER(tok.lower()):
        return 3
    return 0


def _next_class(ch: str) -> int:
    """Punkt's view of the token after a candidate from its first character: 0 punctuation
    (; : ,), 1 upper case, 2 lower case, 3 neither."""
    if ch in ";:,":
        return 0
    if ch.isupper():
        return 1
    if ch.islower():
        return 2
    return 3


def _word_start(text: str, lo: int, p: int) -> int:
    """Start of the word before position p: after the last ASCII whitespace in text[lo:p];
    -1 if there is none."""
    s = max(text.rfind(c, lo, p) for c in _ASCII_WS)
    return s + 1 if s >= 0 else -1


def _split_fast(text: str, memo: dict) -> list[str]:
    text = text.strip()
    if not text:
        return []
    kinds = memo["kinds"]
    # 1. the candidates Punkt looks at: those within a paragraph; of several with no
    # whitespace between them only the last counts (unless the word before the earlier one
    # is empty), its word reaching back to the last whitespace
    cands = []  # (position, word start or -1 for a paragraph break, match, groups, word)
    rfind = text.rfind
    prev_p, prev_w0 = -1, 0
    for m in _CANDIDATE.finditer(text):
        p = m.start()
        g = m.groups()
        if g[0] is None:  # paragraph break
            cands.append((p, -1, m, g, None))
            prev_p = prev_w0 = p
            continue
        ws = g[2]
        if ws is not None and "\n" in ws and ws.count("\n") >= 2:
            continue  # the last candidate of a paragraph: Punkt never sees it
        lo = prev_p + 1
        s = rfind(" ", lo, p)
        w0 = s + 1 if s >= 0 else lo
        word = text[w0:p]
        if not word.isprintable():  # a newline, tab, another control or space character
            w0 = _word_start(text, lo, p)
            word = text[w0:p] if w0 >= 0 else None
        elif s < 0:
            w0, word = -1, None
        if w0 < 0:
            w0 = prev_w0
            word = text[w0:p]
            if cands and cands[-1][0] == prev_p and 0 <= prev_w0 < prev_p:
                cands.pop()
        cands.append((p, w0, m, g, word))
        prev_p, prev_w0 = p, w0

    # 2. Punkt's decision for each, then the slices with closing quotes realigned
    out: list[str] = []
    start = 0
    for p, w0, m, g, word in cands:
        if w0 < 0:  # paragraph break
            end, nxt = p, m.end()
        else:
            c, nonword, ws, nt = g
            if c == ".":
                k = kinds.get(word)
                if k is None:
                    k = kinds[word] = _period_kind(word, memo["abbrevs"])
                if k < 0 or (k and not _period_breaks(k, nonword, nt)):
                    if k > 0 and (nonword is not None or not any(x in nt for x in ".?!")):
                        continue
                    # the next token has breaks of its own, or an unusual word: ask Punkt
                    context = text[w0:p + 1] + (nonword if nonword is not None else ws + nt)
                    brk = memo["exact"].get(context)
                    if brk is None:
                        brk = memo["exact"][context] = _punkt().text_contains_sentbreak(context)
                    if not brk:
                        continue
            end = p + 1
            nxt = end if nonword is not None else m.start(4)
            if text[nxt] in _REALIGN_CHARS:
                r = _REALIGN.match(text, nxt)
                if r is not None:
                    end = nxt + len(r.group(0).rstrip())
                    nxt = r.end()
        sent = text[start:end].strip()
        if sent:
            out.append(sent)
        if nxt > start:
            start = nxt
    sent = text[start:].strip()
    if sent:
        out.append(sent)
    return out


def _period_breaks(kind: int, nonword, nt) -> bool:
    """Punkt's second pass for an abbreviation (1), initial (2) or number (3) before ".",
    given the next character (``nonword``) or token (``nt``); False also when unsure."""
    if kind == 1:
        return False
    if nonword is not None:
        cls = 0 if nonword in ";:?!" else 3
    else:
        ch = nt[0]
        if ch in ".?!":
            return False  # decided by Punkt itself
        cls = _next_class(ch)
    return cls == 3 if kind == 2 else cls in (1, 3)


def _memo() -> dict:
    return {"abbrevs": frozenset(_punkt()._params.abbrev_types), "kinds": {}, "exact": {}}


# Entries kept in each of the shared memo's dicts before it is emptied (memory stays bounded).
_MEMO_LIMIT = 200_000


@functools.cache
def _shared_memo() -> dict:
    """One memo of :func:`_split_fast` per process: its entries (how a word before a period
    is read, Punkt's answer for an unusual context) depend only on the abbreviations, so
    partitions split one after the other in a worker reuse them."""
    return _memo()


def _bounded(memo: dict) -> dict:
    for key in ("kinds", "exact"):
        if len(memo[key]) > _MEMO_LIMIT:
            memo[key].clear()
    return memo


def _strings(values) -> pd.Series:
    """A column of str in pandas' default string dtype, built through pyarrow when that is
    the storage (several times faster than pandas' element-wise conversion)."""
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

    ``method="fast"`` (default) gives Punkt's sentences without running Punkt on every
    candidate: one regular expression finds Punkt's candidate boundaries and the word before
    each, the common cases (plain words, abbreviations, initials, numbers) are decided directly
    by Punkt's rules, and only unusual contexts are handed to Punkt itself.
    ``method="punkt"`` runs NLTK's Punkt on each paragraph (the reference; slower).
    """
    if not isinstance(text, str) or not text.strip():
        return []
    if method == "punkt":
        return _split_punkt(text)
    if method != "fast":
        raise ValueError(f"method must be 'fast' or 'punkt', not {method!r}")
    return _split_fast(text, _memo())


def sentences(articles: pd.DataFrame, method: str = "fast") -> pd.DataFrame:
    """One row per sentence of every article (:func:`split_sentences`).

    Columns: ``doc_id`` (str), ``sent_id`` (int, 0-based, in order across the whole article;
    paragraph breaks are sentence breaks), ``sentence`` (str). Sorted by doc_id, sent_id.
    Articles with empty text contribute no rows.
    """
    if method == "punkt":
        split = _split_punkt
    elif method == "fast":
        memo = _bounded(_shared_memo())

        def split(t):
            return _split_fast(t, memo)
    else:
        raise ValueError(f"method must be 'fast' or 'punkt', not {method!r}")
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


_MARK = "\ua66e"  # a letter (Cyrillic multiocular O) that marks text ends in batch tokenizing
_RUN = re.compile(r"\w+")  # the word runs the phrase pattern's (?<!\w) and (?!\w) see


def _normalize(text: str) -> str:
    """What the tokenizer reads: US/UN read as U.S/U.N, lower case, \u2019 as '."""
    if "US" in text or "UN" in text:
        text = _US_UN_RE.sub(r"U.\1", text)
    return text.lower().replace("\u2019", "'")


@functools.lru_cache(maxsize=32)
def _phrase_edges(phrases: tuple[str, ...]):
    """Where a phrase match can run across whitespace, for counting whitespace-separated
    chunks of text (:func:`kzmedia.terms.document_term_matrix`).

    A match crosses the whitespace between two chunks only at one of the phrase's separators;
    the chunk before then ends with the phrase's text up to that separator (plus hyphens), the
    chunk after starts with the rest (after hyphens). Seen through word runs (``\\w+``): the
    last run of the chunk before is the last run of the phrase text back to the previous
    separator that is present (an in-word hyphen may be absent: ``kassymjomart``), the first
    run of the chunk after likewise forward. Returns ``(wide, narrow)``: sets of such
    (last run, first run) pairs at separators between words (any whitespace) and at in-word
    hyphens (exactly one separator character, so the width of the whitespace matters); or
    None when a piece of a phrase has no word character (no run to recognise it by).
    """
    wide: set = set()
    narrow: set = set()
    hyphen = re.compile(r"[\-\u2010\u2011]")
    for p in _joinable(phrases, "_"):
        seq: list = []  # characters, and 1 (between words) or 0 (in-word hyphen)
        for wi, word in enumerate(p.split()):
            if wi:
                seq.append(1)
            for pi, part in enumerate(hyphen.split(word)):
                if pi:
                    seq.append(0)
                seq.extend(part)

        def pieces(idx, step):
            buf: list[str] = []
            while 0 <= idx < len(seq):
                u = seq[idx]
                if u == 1:
                    break
                if u == 0:
                    yield "".join(buf[::-1] if step < 0 else buf)
                else:
                    buf.append(u)
                idx += step
            yield "".join(buf[::-1] if step < 0 else buf)

        for s, u in enumerate(seq):
            if not isinstance(u, int):
                continue
            left = [_RUN.findall(x) for x in pieces(s - 1, -1)]
            right = [_RUN.findall(x) for x in pieces(s + 1, 1)]
            if not all(left) or not all(right):
                return None
            (narrow if u == 0 else wide).update(
                itertools.product({r[-1] for r in left}, {r[0] for r in right}))
    return wide, narrow


@functools.lru_cache(maxsize=32)
def _build(numbers: bool, stop: frozenset[str], phrases: tuple[str, ...], joiner: str,
           possessive: bool, raw: bool = False):
    matcher = _phrase_matcher(phrases, "_") if phrases else None
    drop = set(stop) | {""}
    if not possessive:
        drop.add(POSSESSIVE)
    findall = (_TOKEN_RE if numbers else _TOKEN_NO_NUMBERS_RE).findall
    normalize = _normalize

    if matcher is not None:
        rx, canon = matcher
        exact: dict[str, str] = {}  # memo: matched text -> joined form

        def repl(m: re.Match) -> str:
            found = m.group(0)
            c = exact.get(found)
            if c is None:
                c = exact[found] = canon[_SEP_CHARS.sub("", found)]
            return c

        def join(text: str) -> str:
            return rx.sub(repl, text)
    else:
        def join(text: str) -> str:
            return text

    def tok(text: str) -> list[str]:
        if not text:
            return []
        toks = findall(join(normalize(text)))
        if raw:
            return toks
        return [t for t in toks if t not in drop]

    if raw:
        # many short texts in one pass: joined by NUL, which no phrase, token, US/UN context
        # or case mapping reads across, around a marker word that ends each text's tokens
        mark_ok = not any(_MARK in p for p in phrases)
        between = "\x00" + _MARK + "\x00"

        def many(texts: list[str]) -> tuple[list[str], np.ndarray]:
            big = between.join(texts)
            n = len(texts)
            if not (mark_ok and big.count("\x00") == 2 * max(n - 1, 0)
                    and big.count(_MARK) == max(n - 1, 0)):
                per = list(map(tok, texts))
                return (list(itertools.chain.from_iterable(per)),
                        np.fromiter(map(len, per), dtype=np.int64, count=n))
            toks = findall(join(normalize(big))) if n else []
            ends = np.flatnonzero(np.array(toks, dtype=object) == _MARK)
            lengths = np.diff(np.concatenate([[-1], ends, [len(toks)]])) - 1
            return [t for t in toks if t != _MARK], lengths[:n]

        tok.many = many
        return tok, frozenset(drop)
    if joiner != "_":
        def tok_joined(text: str) -> list[str]:
            return [t.replace("_", joiner) for t in tok(text)]
        return tok_joined
    return tok


def make_tokenizer(*, numbers: bool = False, stopwords: Iterable[str] | None = None,
                   phrases: Iterable[str] | None = None, joiner: str = "_",
                   possessive: bool = False) -> Callable[[str], list[str]]:
    """Build the tokenizer once (compiled regexes, phrase matcher) and return ``f(text)``.

    Arguments as for :func:`tokenize`. Use this when tokenizing many texts.
    """
    stop = load_stopwords() if stopwords is None else frozenset(s.lower() for s in stopwords)
    phr = tuple(load_phrases()) if phrases is None else tuple(p.lower() for p in phrases)
    return _build(bool(numbers), stop, phr, joiner, bool(possessive))


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


def _raw_tokenizer(*, numbers: bool = False, stopwords: Iterable[str] | None = None,
                   phrases: Iterable[str] | None = None, joiner: str = "_",
                   possessive: bool = False):
    """(f(text) -> tokens before stop-word removal, set of tokens to drop), for callers that
    count first and drop columns afterwards. Joined phrases use "_" whatever ``joiner``."""
    stop = load_stopwords() if stopwords is None else frozenset(s.lower() for s in stopwords)
    phr = tuple(load_phrases()) if phrases is None else tuple(p.lower() for p in phrases)
    return _build(bool(numbers), stop, phr, "_", bool(possessive), True)


def _chunk_tokenizer(**token_opts):
    """(f, drop, edges) for counting whitespace-separated chunks: ``f`` and ``drop`` as
    :func:`_raw_tokenizer` (``f.many(texts)``: the tokens of a list of texts in one pass, as
    one list and the number of tokens of each text),
    ``edges`` = :func:`_phrase_edges` of the phrases in use (two empty sets when no phrase
    is joined; None when the chunks cannot be used)."""
    f, drop = _raw_tokenizer(**token_opts)
    phrases = token_opts.get("phrases")
    phr = tuple(load_phrases()) if phrases is None else tuple(p.lower() for p in phrases)
    return f, drop, _phrase_edges(phr) if phr else (set(), set())


_SEPARATORS_ONLY = re.compile(r"[\s\-\u2010\u2011]+").fullmatch


_FIRST_RUNS = re.compile(r"\x00[^\w\x00]*(\w*)").findall  # one per NUL-led text
_LAST_RUNS = re.compile(r"(\w*)[^\w\x00]*\x00").findall  # one per NUL-ended text


def _edge_runs(texts: list[str]) -> tuple[list[str], list[str], list[int]]:
    """For each text as the tokenizer reads it (:func:`_normalize`): its first and last word
    run ("" if none); and the indices of the texts made of phrase separators only (spaces,
    hyphens)."""
    big = "\x00".join(texts)
    if big.count("\x00") == max(len(texts) - 1, 0):
        big = _normalize(big)
        first, last = _FIRST_RUNS("\x00" + big), _LAST_RUNS(big + "\x00")
    else:
        runs = [_RUN.findall(_normalize(t)) for t in texts]
        first = [r[0] if r else "" for r in runs]
        last = [r[-1] if r else "" for r in runs]
    seps = [i for i, w in enumerate(first) if not w and texts[i]
            and _SEPARATORS_ONLY(_normalize(texts[i])) is not None]
    return first, last, seps

