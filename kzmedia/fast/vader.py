"""VADER scores of many sentences at once: vaderSentiment's rules applied with array operations.

Reproduces :func:`kzmedia.sentiment.vader_scores` (vaderSentiment's
``SentimentIntensityAnalyzer().polarity_scores``, one sentence at a time): every cell is the
same float. Contract: ``tests/test_fast_vader.py``. Selected by
``sentiment.score(..., method="fast")`` (the default).

How: the texts are split on whitespace (as ``str.split``) and each distinct token is mapped,
once per batch, to a row of a table of the words the rules name (lexicon, boosters,
negations, "no", "but", ...; every other word shares one row). The rules of
``sentiment_valence`` ("no", capitals, boosters and negations up to three words back, "never
so/this", "without doubt", "least"), then ``_but_check`` and ``score_valence``, are applied
to the lexicon words of all texts together, with the same floating-point operations in the
same order (Python's ``sum`` for the sum of a text's valences, Python's ``round``).

The texts these arrays do not follow are given to the reference instead: those with an emoji
(the reference rewrites them), a special-case idiom or a multi-word booster ("kind of"), or a
"but" whose ``list.index`` finds an earlier equal value (the reference then rescales another
word than the one it is looking at). In news they are under one sentence in a hundred.
"""
from __future__ import annotations

import functools
import re
import string
from collections.abc import Iterable, Sequence
from itertools import chain, repeat

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from vaderSentiment import vaderSentiment as vs

from .. import sentiment

__all__ = ["scores"]

#: texts per batch of array operations (bounds the memory of the token arrays)
BATCH_SIZE = 50_000

_PUNCT = string.punctuation
# the words the rules test by name (beyond the lexicon, the boosters and the negations)
_RULE_WORDS = ("no", "or", "nor", "never", "so", "this", "without", "doubt", "least", "at",
               "very", "but")


def scores(texts: Sequence[str], neutral_words: Iterable[str] = ()) -> np.ndarray:
    """Same as :func:`kzmedia.sentiment.vader_scores`: an (n, 4) float array, columns neg,
    neu, pos, compound, row i for ``texts[i]`` (a list of str)."""
    texts = list(texts)
    table = _table(tuple(sorted({w.lower() for w in neutral_words})))
    out = np.empty((len(texts), 4))
    for start in range(0, len(texts), BATCH_SIZE):
        part = texts[start:start + BATCH_SIZE]
        out[start:start + len(part)] = _batch(part, table)
    return out


class _Table:
    """What the rules need to know of each word, as arrays indexed by the word's row.

    Row 0: a word no rule names; row 1: such a word holding "n't" (a negation); rows 2...:
    the named words, sorted; the last row (index -1): no word (before a text's first token).
    """

    def __init__(self, neutral_words: tuple[str, ...]):
        analyzer = sentiment.analyzer(neutral_words)
        lexicon = analyzer.lexicon
        self.neutral_words = neutral_words
        self.emojis = frozenset(e for e in analyzer.emojis if len(e) == 1)
        # a quick scan for the texts that may hold one (the set decides): the emoji below
        # U+2030 one by one, then every character from there on; the quotes, dashes and
        # ellipsis of prose lie below, so few texts of prose go on to the set
        self.beyond_prose = re.compile("[%s\\u2030-\\U0010ffff]" % "".join(
            re.escape(e) for e in sorted(self.emojis) if e < "\u2030"))
        phrases = [key.split(" ") for key in chain(vs.SPECIAL_CASES, vs.BOOSTER_DICT) if " " in key]
        named = sorted(set(chain(lexicon, vs.BOOSTER_DICT, vs.NEGATE, _RULE_WORDS,
                                 chain.from_iterable(phrases))))
        self.rows = {w: k for k, w in enumerate(named, start=2)}
        self.named = pa.array(named, pa.large_string())
        words = ["", "n't", *named]
        n = len(words) + 1  # and the row for no word
        self.n_rows = n

        def column(values, dtype):
            return np.array([*values, 0], dtype)

        self.lexical = column((w in lexicon for w in words), bool)
        self.valence = column((lexicon.get(w, 0.0) for w in words), np.float64)
        self.booster = column((w in vs.BOOSTER_DICT for w in words), bool)
        self.increment = column((vs.BOOSTER_DICT.get(w, 0.0) for w in words), np.float64)
        self.negation = column((w in vs.NEGATE or "n't" in w for w in words), bool)
        self.no, self.or_, self.nor, self.never, self.so, self.this, self.without, \
            self.doubt, self.least, self.at, self.very, self.but = map(self.rows.get, _RULE_WORDS)
        if {len(p) for p in phrases} - {2, 3}:
            raise RuntimeError("vaderSentiment has an idiom or booster phrase that is not of 2 "
                               "or 3 words; this scorer only looks for those")

        def number(phrase):  # its words' rows as the digits of a number in base n
            return functools.reduce(lambda a, w: a * n + self.rows[w], phrase, 0)

        self.phrases = {size: np.array(sorted(number(p) for p in phrases if len(p) == size),
                                       np.int64) for size in (2, 3)}

    def row(self, token: str) -> int:
        """The row of a token's word: punctuation stripped unless that leaves at most two
        characters, then lowercased (the reference's ``_strip_punc_if_word`` and ``lower``)."""
        stripped = token.strip(_PUNCT)
        word = (token if len(stripped) <= 2 else stripped).lower()
        return self.rows.get(word, 1 if "n't" in word else 0)

    def rows_and_capitals(self, tokens: pa.Array) -> tuple[np.ndarray, np.ndarray]:
        """``row`` and ``isupper`` of each of an Arrow array of tokens: the ASCII ones by
        Arrow's ASCII functions (on ASCII they agree with Python's strip, lower and
        isupper), the others in Python."""
        ascii = pc.string_is_ascii(tokens).to_numpy(zero_copy_only=False)
        rows = np.empty(len(tokens), np.intp)
        upper = np.empty(len(tokens), bool)
        other = np.flatnonzero(~ascii)
        python = tokens.take(other).to_pylist()
        rows[other] = [self.row(t) for t in python]
        upper[other] = [t.isupper() for t in python]
        keep = np.flatnonzero(ascii)
        tokens = tokens.take(keep)
        stripped = pc.ascii_trim(tokens, characters=_PUNCT)
        short = pc.less_equal(pc.binary_length(stripped), 2)
        word = pc.ascii_lower(pc.if_else(short, tokens, stripped))
        row = pc.fill_null(pc.index_in(word, value_set=self.named), -1).to_numpy() + 2
        unnamed = row == 1  # a word no rule names: row 1 if it holds "n't", else 0
        row[unnamed] = pc.match_substring(word, "n't").to_numpy(zero_copy_only=False)[unnamed]
        rows[keep] = row
        upper[keep] = pc.ascii_is_upper(tokens).to_numpy(zero_copy_only=False)
        return rows, upper


@functools.lru_cache(maxsize=8)
def _table(neutral_words: tuple[str, ...]) -> _Table:
    return _Table(neutral_words)


def _rewritten(text: str, table: _Table) -> bool:
    """Whether the reference rewrites `text` before splitting it (a character that is an
    emoji becomes words), or Arrow cannot take it (a lone surrogate)."""
    return table.beyond_prose.search(text) is not None and (
        not table.emojis.isdisjoint(text) or _SURROGATE.search(text) is not None)


_SURROGATE = re.compile("[\\ud800-\\udfff]")


class _Tokens:
    """The tokens of a batch of texts (``text.split()``), flattened: each token's word row,
    whether it is ALL CAPS, its text and its position in its text."""

    def __init__(self, texts: list[str], table: _Table):
        split = pc.utf8_split_whitespace(pa.array(texts, pa.large_string()))
        flat = split.flatten()
        # Arrow gives an empty token for leading and trailing whitespace; str.split does not
        keep = pc.greater(pc.binary_length(flat), 0)
        owner = np.repeat(np.arange(len(texts)), np.diff(split.offsets.to_numpy()))
        self.text = owner[keep.to_numpy(zero_copy_only=False)]
        self.lens = np.bincount(self.text, minlength=len(texts))
        # each distinct token looked at once
        encoded = pc.dictionary_encode(flat.filter(keep))
        rows, upper = table.rows_and_capitals(encoded.dictionary)
        index = encoded.indices.to_numpy()
        self.word, self.upper = rows[index], upper[index]
        starts = np.cumsum(self.lens) - self.lens
        self.pos = np.arange(len(self.text)) - starts[self.text]


def _batch(texts: list[str], table: _Table) -> np.ndarray:
    n = len(texts)
    rewritten = np.fromiter((not t.isascii() and _rewritten(t, table) for t in texts), bool, n)
    tok = _Tokens([("" if r else t) for t, r in zip(texts, rewritten.tolist())], table)
    lexical = table.lexical[tok.word]
    has_lexical = np.bincount(tok.text[lexical], minlength=n) > 0
    out = np.zeros((n, 4))  # a text without tokens: all zeros
    out[~has_lexical & (tok.lens > 0), 1] = 1.0  # no lexicon word: all neutral

    phrase = _has_phrase(tok, table, n)
    hit = np.flatnonzero(lexical & ~phrase[tok.text])
    n_upper = np.bincount(tok.text[tok.upper], minlength=n)
    cap_diff = (n_upper > 0) & (n_upper < tok.lens)  # allcap_differential
    v = _valences(tok, table, hit, cap_diff[tok.text[hit]])
    v, odd = _but(tok, table, hit, v, n)
    keep = ~odd[tok.text[hit]]
    hit, v = hit[keep], v[keep]
    if len(hit):
        which = np.unique(tok.text[hit])
        out[which] = _score_valence(v, tok.text[hit], which, tok.lens,
                                    [texts[i] for i in which.tolist()])
    redo = np.flatnonzero(rewritten | ((phrase | odd) & has_lexical))
    if len(redo):
        out[redo] = sentiment.vader_scores([texts[i] for i in redo.tolist()],
                                           table.neutral_words)
    return out


def _has_phrase(tok: _Tokens, table: _Table, n: int) -> np.ndarray:
    """Whether each text holds an idiom or a multi-word booster (as consecutive words)."""
    found = np.zeros(n, bool)
    w, same = tok.word, tok.pos[1:] > 0  # consecutive tokens of one text
    pair = w[:-1] * table.n_rows + w[1:]
    found[tok.text[1:][same & np.isin(pair, table.phrases[2])]] = True
    triple = pair[:-1] * table.n_rows + w[2:]
    found[tok.text[2:][same[1:] & same[:-1] & np.isin(triple, table.phrases[3])]] = True
    return found


def _valences(tok: _Tokens, t: _Table, hit: np.ndarray, cap_diff: np.ndarray) -> np.ndarray:
    """``sentiment_valence`` of the lexicon words at token indices `hit` (`cap_diff`: their
    texts' allcap_differential), the reference's steps in its order."""
    at = tok.pos[hit]
    word = tok.word[hit]
    back = [np.maximum(hit - k, 0) for k in (1, 2, 3)]  # k places before (read where at >= k)
    before = [np.where(at >= k, tok.word[back[k - 1]], -1) for k in (1, 2, 3)]
    w1, w2, w3 = before  # the words 1, 2, 3 places before (-1: none)
    v = t.valence[word]
    # "no" before a lexicon word is not a sentiment itself; a word after "no" is negated
    last = at == tok.lens[tok.text[hit]] - 1
    following = tok.word[np.minimum(hit + 1, len(tok.word) - 1)]
    v = np.where((word == t.no) & ~last & t.lexical[following], 0.0, v)
    v = np.where((w1 == t.no) | (w2 == t.no) | ((w3 == t.no) & ((w1 == t.or_) | (w1 == t.nor))),
                 t.valence[word] * vs.N_SCALAR, v)
    v = np.where(tok.upper[hit] & cap_diff, np.where(v > 0, v + vs.C_INCR, v - vs.C_INCR), v)
    so_this = [(w == t.so) | (w == t.this) for w in before]
    for k, w, damp in ((1, w1, 1.0), (2, w2, 0.95), (3, w3, 0.9)):
        applies = (w != -1) & ~t.lexical[w]
        # scalar_inc_dec: the booster's increment signed as v, more for capitals
        b = np.where(v < 0, -t.increment[w], t.increment[w])
        upper = tok.upper[back[k - 1]] & cap_diff
        b = np.where(upper, np.where(v > 0, b + vs.C_INCR, b - vs.C_INCR), b)
        s = np.where(t.booster[w], b, 0.0) * damp
        v = np.where(applies, v + s, v)
        # _negation_check at this distance
        if k == 1:
            amplify = keep = np.zeros(len(hit), bool)
        elif k == 2:
            amplify = (w2 == t.never) & so_this[0]
            keep = (w2 == t.without) & (w1 == t.doubt)
        else:
            amplify = ((w3 == t.never) & so_this[1]) | so_this[0]
            keep = (w3 == t.without) & ((w2 == t.doubt) | (w1 == t.doubt))
        negate = ~amplify & ~keep & t.negation[w]
        v = np.where(applies & amplify, v * 1.25, np.where(applies & negate, v * vs.N_SCALAR, v))
    # _least_check: "least" (not a lexicon word) just before, unless "at least", "very least"
    least = (w1 == t.least) & ~t.lexical[w1] & (w2 != t.at) & (w2 != t.very)
    v = np.where(least, v * vs.N_SCALAR, v)
    # a booster that is a lexicon word is given 0 (polarity_scores skips it)
    return np.where(t.booster[word], 0.0, v)


def _but(tok: _Tokens, t: _Table, hit: np.ndarray, v: np.ndarray, n: int):
    """``_but_check``: the valences before the first "but" of their text times 0.5, after it
    times 1.5. The reference finds each value with ``list.index``, which lands on an earlier
    position when an earlier (already scaled) value equals it; such texts are marked in the
    second array returned, for the reference to score."""
    odd = np.zeros(n, bool)
    but = np.flatnonzero(tok.word == t.but)
    if not len(but):
        return v, odd
    texts_with, first = np.unique(tok.text[but], return_index=True)
    but_at = np.full(n, -1)
    but_at[texts_with] = tok.pos[but[first]]
    bi = but_at[tok.text[hit]]
    at = tok.pos[hit]
    scaled = np.where((bi >= 0) & (at < bi), v * 0.5, np.where((bi >= 0) & (at > bi), v * 1.5, v))
    sel = np.flatnonzero(bi >= 0)
    text, x, y = tok.text[hit[sel]], v[sel], scaled[sel]
    for d in range(1, len(sel)):  # pairs of valences d apart in one text
        same = text[:-d] == text[d:]
        if not same.any():
            break
        odd[text[d:][same & (x[d:] != 0) & (y[:-d] == x[d:])]] = True
    return scaled, odd


def _score_valence(v: np.ndarray, text: np.ndarray, which: np.ndarray, lens: np.ndarray,
                   texts: list[str]) -> np.ndarray:
    """``score_valence`` of the texts `which` (sorted) from the valences `v` of their
    lexicon words (`text`: each one's text, in token order); the other words' sentiments
    are 0, which changes no sum. Rows: neg, neu, pos, compound, rounded as the reference."""
    m = len(which)
    local = np.searchsorted(which, text)  # each valence's row among `which`
    counts = np.bincount(local, minlength=m)
    ends = np.cumsum(counts)
    listed = v.tolist()
    sum_s = np.array([float(sum(listed[a:b])) for a, b in zip((ends - counts).tolist(),
                                                             ends.tolist())])
    # pos_sum and neg_sum add each text's valences in order, as _sift_sentiment_scores does
    rank = np.arange(len(v)) - (ends - counts)[local]  # place among its text's valences
    order = np.argsort(rank, kind="stable")
    edges = np.searchsorted(rank[order], np.arange(counts.max() + 1))
    pos_sum, neg_sum = np.zeros(m), np.zeros(m)
    for k in range(counts.max()):  # every text's k-th valence
        at = order[edges[k]:edges[k + 1]]
        x, r = v[at], local[at]
        up, down = x > 0, x < 0
        pos_sum[r[up]] += x[up] + 1.0
        neg_sum[r[down]] += x[down] - 1.0
    neu_count = (lens[which] - np.bincount(local[v != 0], minlength=m)).astype(np.float64)

    ep_count = np.minimum(np.fromiter(map(str.count, texts, repeat("!")), np.intp, m), 4)
    qm_count = np.fromiter(map(str.count, texts, repeat("?")), np.intp, m)
    qm_amplifier = np.where(qm_count > 1, np.where(qm_count <= 3, qm_count * 0.18, 0.96), 0.0)
    amplifier = ep_count * 0.292 + qm_amplifier
    sum_s = np.where(sum_s > 0, sum_s + amplifier, np.where(sum_s < 0, sum_s - amplifier, sum_s))
    compound = np.clip(sum_s / np.sqrt((sum_s * sum_s) + 15), -1.0, 1.0)  # normalize
    more_pos, more_neg = pos_sum > np.abs(neg_sum), pos_sum < np.abs(neg_sum)
    pos_sum = np.where(more_pos, pos_sum + amplifier, pos_sum)
    neg_sum = np.where(more_neg, neg_sum - amplifier, neg_sum)
    total = pos_sum + np.abs(neg_sum) + neu_count
    return np.column_stack([_round(np.abs(neg_sum / total), 3),
                            _round(np.abs(neu_count / total), 3),
                            _round(np.abs(pos_sum / total), 3),
                            _round(compound, 4)])


def _round(x: np.ndarray, digits: int) -> np.ndarray:
    """Python's ``round`` of each value (NumPy's rounds some halves otherwise), once per
    distinct value."""
    distinct, index = np.unique(x, return_inverse=True)
    return np.array([round(d, digits) for d in distinct.tolist()])[index]
