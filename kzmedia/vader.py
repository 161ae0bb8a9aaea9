"""VADER sentence scores, identical to vaderSentiment's, with far less work per sentence.

``vaderSentiment`` (the reference implementation, which ships the lexicon) re-lowercases the
whole sentence several times for every lexicon word, scans lists where sets would do and walks
every character of the text looking for emoji. :class:`Vader` follows the same rules in the
same order with the same floating-point operations, so every score is the same float that
``SentimentIntensityAnalyzer().polarity_scores`` returns (rounded the same way), but it:

- scores a batch (:meth:`Vader.scores`) mostly with array operations: the texts are split by
  Arrow (the same whitespace as ``str.split``) and each distinct token is normalised once
  (ASCII tokens by Arrow's ASCII functions, the others in Python with a bounded memo) to a
  row of a table of the words the
  rules name (lexicon, boosters, negations, idiom words, "no", "but"...; all other words share
  one row); then the rules (the "no" rules, capitals, boosters and negations up to three
  words back, "never so/this", "without doubt", "least", "but", and ``score_valence``) are
  applied to the lexicon words of all texts at once, with the same float operations in the
  same order (Python's ``sum`` over each text's valences in order, Python's ``round``);
- scores one text at a time (:meth:`Vader.polarity_scores`, and the texts of a batch with an
  idiom or booster phrase, a booster that is itself a lexicon word, or whose ``but`` rule
  would find an earlier equal value with ``list.index``: under 1 in 100) as the reference
  does, splitting the text once, normalising each distinct token once per scorer, returning
  at once when it has no lexicon word, applying the booster rule only to booster words and
  keeping the sentiments of the lexicon words only (every other word's is 0, which changes
  no sum; the whole list is built for the ``but`` rule alone);
- only looks for emoji in non-ASCII text, with one compiled character class;
- memoizes ``round`` (which goes through decimal formatting) on the recurring values;
- leaves the reference's quirks in place (the ``but`` rule locating values with
  ``list.index``, "never so/this" matching any "so"/"this" one word back, "no" handling).

The lexicon, emoji lexicon and rule word lists come from the installed vaderSentiment package
(its files and constants), never downloaded and never modified.
"""
from __future__ import annotations

import math
import re
import string
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from importlib import resources
from itertools import chain, compress, repeat

import numpy as np
from vaderSentiment import vaderSentiment as _vs

__all__ = ["COLUMNS", "Vader", "analyzer"]

#: Column order of :meth:`Vader.scores`.
COLUMNS = ("neg", "neu", "pos", "compound")

_PUNCT = string.punctuation
_EMPTY = (0.0, 0.0, 0.0, 0.0)
_NEUTRAL = (0.0, 1.0, 0.0, 0.0)


def _read_lexicon(name: str) -> dict[str, float]:
    """Parse a vaderSentiment lexicon file exactly as ``make_lex_dict`` does."""
    raw = (resources.files("vaderSentiment") / name).read_bytes().decode("utf-8")
    lexicon = {}
    for line in raw.rstrip("\n").split("\n"):
        if not line:
            continue
        word, measure = line.strip().split("\t")[0:2]
        lexicon[word] = float(measure)
    return lexicon


def _read_emoji(name: str) -> dict[str, str]:
    """Parse the emoji lexicon exactly as ``make_emoji_dict`` does."""
    raw = (resources.files("vaderSentiment") / name).read_bytes().decode("utf-8")
    emojis = {}
    for line in raw.rstrip("\n").split("\n"):
        emoji, description = line.strip().split("\t")[0:2]
        emojis[emoji] = description
    return emojis


def _replace_emojis(text: str, emojis: Mapping[str, str]) -> str:
    """The reference's emoji-to-description pass (only single characters can match)."""
    parts = []
    prev_space = True
    for ch in text:
        if ch in emojis:
            if not prev_space:
                parts.append(" ")
            parts.append(emojis[ch])
            prev_space = False
        else:
            parts.append(ch)
            prev_space = ch == " "
    return "".join(parts)


def _emoji_prefilter(emojis: Mapping[str, str]) -> re.Pattern:
    """A character class matching every single-character emoji key (and a few more
    characters): ranges keep the regex scan fast, the exact pass decides."""
    codes = sorted(ord(k) for k in emojis if len(k) == 1)
    low = [c for c in codes if c < 0x2030]  # Latin-1 symbols (©, ®) one by one
    high = [c for c in codes if c >= 0x2030]  # one range past punctuation such as ’ “ — …
    parts = [re.escape(chr(c)) for c in low]
    if high:
        parts.append(f"{re.escape(chr(high[0]))}-{re.escape(chr(high[-1]))}")
    return re.compile("[" + "".join(parts) + "]") if parts else re.compile("(?!)")


def _cap_differential(tokens: list[str]) -> bool:
    """True when some but not all tokens are ALL CAPS (stripping punctuation never changes
    ``isupper``, so raw tokens give the reference's answer)."""
    n_upper = sum(map(str.isupper, tokens))
    return 0 < len(tokens) - n_upper < len(tokens)


class _Memo(dict):
    """``memo[key]`` computes ``func(key)`` once; cleared when it grows past `limit` keys so
    memory stays bounded on huge batches."""

    __slots__ = ("func", "limit")

    def __init__(self, func, limit: int = 500_000):
        super().__init__()
        self.func = func
        self.limit = limit

    def __missing__(self, key):
        if len(self) >= self.limit:
            self.clear()
        value = self[key] = self.func(key)
        return value


def _word(token: str) -> str:
    """VADER's word for a token: punctuation stripped unless that leaves at most two
    characters, then lowercased (the reference's ``_strip_punc_if_word`` and ``lower``)."""
    stripped = token.strip(_PUNCT)
    return (token if len(stripped) <= 2 else stripped).lower()


# what the batch path knows of a word (bits of its flags)
_LEX = 1  # in the lexicon
_BOOSTER = 2  # a booster (BOOSTER_DICT)
_NEGATION = 4  # a negation (NEGATE, or holds "n't")
_NEVER, _WITHOUT, _SO_THIS, _DOUBT = 8, 16, 32, 64  # "so" and "this" share a bit
_NO, _OR_NOR, _LEAST, _AT_VERY, _BUT = 128, 256, 512, 1024, 2048
_SLOW = 4096  # calls for the per-sentence path: a booster that is in the lexicon
_NGRAM_SHIFT = 16  # bits 16-23: the word's number among the words of idioms and booster
#                    phrases (0 for other words)
_NAMED = {"never": _NEVER, "without": _WITHOUT, "so": _SO_THIS, "this": _SO_THIS,
          "doubt": _DOUBT, "no": _NO, "or": _OR_NOR, "nor": _OR_NOR, "least": _LEAST,
          "at": _AT_VERY, "very": _AT_VERY, "but": _BUT}


def _token_codes(texts: list[str], tokens: Mapping[str, int],
                 distinct_codes=None) -> tuple[np.ndarray, np.ndarray]:
    """(number of tokens of each text, ``tokens[token]`` of every token of every text in
    order), the tokens being those of ``text.split()``. Split by Arrow, whose whitespace is
    Python's (the empty strings it gives for leading and trailing whitespace are dropped),
    and dictionary-encoded, so that each distinct token is looked at once:
    ``distinct_codes(array of distinct tokens)`` gives their codes if given, else
    ``tokens[token]`` on each as a Python string. Split by Python when Arrow cannot take the
    texts (a lone surrogate)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(texts)
    try:
        split = pc.utf8_split_whitespace(pa.array(texts, pa.large_string()))
    except (pa.ArrowException, UnicodeError):
        splits = list(map(str.split, texts))
        lens = np.fromiter(map(len, splits), np.intp, n)
        return lens, np.fromiter(map(tokens.__getitem__, chain.from_iterable(splits)), np.intp,
                                 int(lens.sum()))
    flat = split.flatten()
    keep = pc.greater(pc.binary_length(flat), 0)
    owner = np.repeat(np.arange(n), np.diff(split.offsets.to_numpy()))
    lens = np.bincount(owner[keep.to_numpy(zero_copy_only=False)], minlength=n).astype(np.intp)
    encoded = pc.dictionary_encode(flat.filter(keep))
    if distinct_codes is not None:
        distinct = distinct_codes(encoded.dictionary)
    else:
        distinct = np.fromiter(map(tokens.__getitem__, encoded.dictionary.to_pylist()), np.intp,
                               len(encoded.dictionary))
    return lens, distinct[encoded.indices.to_numpy()]


def _but_check(bi: int, sentiments: list) -> list:
    """The reference's contrastive-'but' rule, verbatim: each value is rescaled at the first
    position holding an equal value, which is not always its own."""
    for sentiment in sentiments:
        si = sentiments.index(sentiment)
        if si < bi:
            sentiments.pop(si)
            sentiments.insert(si, sentiment * 0.5)
        elif si > bi:
            sentiments.pop(si)
            sentiments.insert(si, sentiment * 1.5)
    return sentiments


class Vader:
    """VADER scorer built once; scores equal vaderSentiment 3.3.2's ``polarity_scores``.

    Parameters
    ----------
    lexicon_overrides:
        ``{word: valence}`` applied to this scorer's own copy of the lexicon (for example
        ``{"united": 0.0}`` to neutralise a word). Tokens are lowercased before lookup, so keys
        must be lowercase. Equivalent to ``analyzer.lexicon.update(overrides)`` on a
        vaderSentiment analyzer: a word set to 0 stays a lexicon word (it no longer takes
        booster or negation effects from, nor gives them to, its neighbours in that analyzer).
    n_jobs:
        Default number of worker processes for :meth:`scores`; 1 scores in this process.
    """

    def __init__(self, lexicon_overrides: Mapping[str, float] | None = None, n_jobs: int = 1):
        lexicon = _read_lexicon("vader_lexicon.txt")
        overrides = dict(lexicon_overrides or {})
        bad = sorted(k for k in overrides if not isinstance(k, str) or k != k.lower())
        if bad:
            raise ValueError(f"lexicon_overrides keys must be lowercase strings: {bad[:5]}")
        lexicon.update({k: float(v) for k, v in overrides.items()})
        self.lexicon_overrides = overrides
        self.lexicon = lexicon
        self.emojis = _read_emoji("emoji_utf8_lexicon.txt")
        self.n_jobs = int(n_jobs)
        self._booster = dict(_vs.BOOSTER_DICT)
        self._negate = frozenset(_vs.NEGATE)
        self._special = dict(_vs.SPECIAL_CASES)
        # every word of a multi-word idiom or booster phrase; no n-gram can match without one
        self._idiom_words = frozenset(
            w for key in chain(self._special, self._booster) if " " in key for w in key.split(" ")
        )
        self._emoji_search = _emoji_prefilter(self.emojis).search
        self._fns = None  # (per-sentence function, batch function), built on first use

    def __repr__(self) -> str:
        return f"Vader(lexicon_overrides={len(self.lexicon_overrides)} words, n_jobs={self.n_jobs})"

    def __getstate__(self):
        state = self.__dict__.copy()
        del state["_emoji_search"]
        state["_emoji_pattern"] = self._emoji_search.__self__.pattern
        state["_fns"] = None  # rebuilt (with empty memos) where unpickled
        return state

    def __setstate__(self, state):
        pattern = state.pop("_emoji_pattern")
        self.__dict__.update(state)
        self._emoji_search = re.compile(pattern).search

    # ------------------------------------------------------------------ public API

    def polarity_scores(self, text: str) -> dict[str, float]:
        """``{"neg", "neu", "pos", "compound"}`` exactly as vaderSentiment returns them."""
        score, _ = self._functions()
        return dict(zip(COLUMNS, score(text)))

    def scores(self, texts: Sequence[str], n_jobs: int | None = None,
               chunk_size: int | None = None) -> np.ndarray:
        """Scores of many texts: float array of shape (n, 4), columns :data:`COLUMNS`
        (neg, neu, pos, compound), row i for ``texts[i]``, values equal to
        ``polarity_scores`` (rounded to 3, 3, 3 and 4 decimals as vaderSentiment does).

        `n_jobs` > 1 scores chunks in a process pool (defaults to the scorer's `n_jobs`);
        the result is the same array in the same order. Texts must be ``str`` (TypeError
        otherwise).
        """
        texts = list(texts)
        n_jobs = self.n_jobs if n_jobs is None else int(n_jobs)
        if n_jobs > 1 and len(texts) > 1:
            size = chunk_size or max(1, math.ceil(len(texts) / (4 * n_jobs)))
            chunks = [texts[i:i + size] for i in range(0, len(texts), size)]
            with ProcessPoolExecutor(max_workers=n_jobs) as pool:
                parts = list(pool.map(self._scores_serial, chunks))
            return np.concatenate(parts) if parts else np.empty((0, 4))
        return self._scores_serial(texts)

    __call__ = scores

    # ------------------------------------------------------------------ scoring

    #: texts per call of the batch function (bounds the memory of the token arrays)
    _BATCH_SIZE = 20_000

    def _scores_serial(self, texts: list[str]) -> np.ndarray:
        _, batch = self._functions()
        out = np.empty((len(texts), 4))
        try:
            for start in range(0, len(texts), self._BATCH_SIZE):
                part = texts[start:start + self._BATCH_SIZE]
                out[start:start + len(part)] = batch(part)
        except (AttributeError, TypeError):
            bad = next((type(t).__name__ for t in texts if not isinstance(t, str)), None)
            if bad is None:
                raise
            raise TypeError(f"texts must be str, got {bad}") from None
        return out

    def _functions(self):
        """(text -> (neg, neu, pos, compound), list[str] -> (n, 4) array), built once per
        scorer; their memos (token -> word, word -> context flag, token -> code in the word
        table, rounding) are bounded and only ever hold derived values, so results never
        depend on what was scored before."""
        if self._fns is None:
            self._fns = self._build_scorer()
        return self._fns

    def _build_scorer(self):
        lexicon = self.lexicon
        in_lexicon = lexicon.__contains__
        no_lexicon_word = lexicon.keys().isdisjoint
        booster = self._booster
        negate = self._negate
        special = self._special
        idiom_words = self._idiom_words
        emojis = self.emojis
        emoji_search = self._emoji_search
        c_incr = _vs.C_INCR
        n_scalar = _vs.N_SCALAR
        fabs = math.fabs
        sqrt = math.sqrt

        def idioms(v, lw, i, n):
            # _special_idioms_check, same n-grams in the same order
            w, l1, l2, l3 = lw[i], lw[i - 1], lw[i - 2], lw[i - 3]
            twoone = l2 + " " + l1
            threetwoone = l3 + " " + twoone
            threetwo = l3 + " " + l2
            for seq in (l1 + " " + w, twoone + " " + w, twoone, threetwoone, threetwo):
                if seq in special:
                    v = special[seq]
                    break
            if n - 1 > i:
                seq = w + " " + lw[i + 1]
                if seq in special:
                    v = special[seq]
            if n - 1 > i + 1:
                seq = w + " " + lw[i + 1] + " " + lw[i + 2]
                if seq in special:
                    v = special[seq]
            for seq in (threetwoone, threetwo, twoone):
                if seq in booster:
                    v = v + booster[seq]
            return v

        word_of = _Memo(_word).__getitem__

        # round(x, n) formats x in decimal: slow, and the same values recur
        round3 = _Memo(lambda x: round(x, 3))
        round4 = _Memo(lambda x: round(x, 4))

        def boost(lw, toks, j, v, cap):
            """vaderSentiment's scalar_inc_dec for the word at position j (a booster); `cap`:
            the text's _cap_differential."""
            word = lw[j]
            b = -booster[word] if v < 0 else booster[word]
            if cap and toks[j].isupper():
                b = b + c_incr if v > 0 else b - c_incr
            return b

        def score(text):
            if not text.isascii() and emoji_search(text):
                text = _replace_emojis(text, emojis)
            toks = text.split()  # == text.strip().split()
            if not toks:
                return _EMPTY
            lw = list(map(word_of, toks))
            if no_lexicon_word(lw):
                return _NEUTRAL

            n = len(lw)
            last = n - 1
            hits = list(compress(range(n), map(in_lexicon, lw)))
            values = []  # the sentiment of each hit (every other word's is 0)
            has_no, has_least = "no" in lw, "least" in lw
            cap = _cap_differential(toks)
            for i in hits:
                w = lw[i]
                if w in booster or (w == "kind" and i < last and lw[i + 1] == "of"):
                    values.append(0)
                    continue
                v = lexicon[w]
                if has_no:
                    if w == "no" and i != last and lw[i + 1] in lexicon:
                        v = 0.0
                    if (i > 0 and lw[i - 1] == "no") or (i > 1 and lw[i - 2] == "no") or (
                            i > 2 and lw[i - 3] == "no" and lw[i - 1] in ("or", "nor")):
                        v = lexicon[w] * n_scalar
                if cap and toks[i].isupper():
                    if v > 0:
                        v += c_incr
                    else:
                        v -= c_incr
                if i > 0:
                    p1 = lw[i - 1]
                    if p1 not in lexicon:
                        v = v + (boost(lw, toks, i - 1, v, cap) if p1 in booster else 0.0)
                        if p1 in negate or "n't" in p1:
                            v = v * n_scalar
                    if i > 1:
                        p2 = lw[i - 2]
                        if p2 not in lexicon:
                            v = v + (boost(lw, toks, i - 2, v, cap) if p2 in booster else 0.0) * 0.95
                            if p2 == "never" and (p1 == "so" or p1 == "this"):
                                v = v * 1.25
                            elif p2 == "without" and p1 == "doubt":
                                pass
                            elif p2 in negate or "n't" in p2:
                                v = v * n_scalar
                        if i > 2:
                            p3 = lw[i - 3]
                            if p3 not in lexicon:
                                v = v + (boost(lw, toks, i - 3, v, cap) if p3 in booster else 0.0) * 0.9
                                if (p3 == "never" and (p2 == "so" or p2 == "this")) or (
                                        p1 == "so" or p1 == "this"):
                                    v = v * 1.25
                                elif p3 == "without" and (p2 == "doubt" or p1 == "doubt"):
                                    pass
                                elif p3 in negate or "n't" in p3:
                                    v = v * n_scalar
                                if p1 in idiom_words or p2 in idiom_words or w in idiom_words:
                                    v = idioms(v, lw, i, n)
                if has_least and i > 0:
                    p1 = lw[i - 1]
                    if p1 == "least" and p1 not in lexicon:
                        if i > 1:
                            if lw[i - 2] != "at" and lw[i - 2] != "very":
                                v = v * n_scalar
                        else:
                            v = v * n_scalar
                values.append(v)

            if "but" in lw and any(values):
                sentiments = [0] * n
                for i, v in zip(hits, values):
                    sentiments[i] = v
                sentiments = _but_check(lw.index("but"), sentiments)
                values = [sentiments[i] for i in hits]

            # score_valence (adding the other words' zeros changes no sum)
            sum_s = float(sum(values))
            ep_count = text.count("!")
            if ep_count > 4:
                ep_count = 4
            qm_count = text.count("?")
            qm_amplifier = 0
            if qm_count > 1:
                qm_amplifier = qm_count * 0.18 if qm_count <= 3 else 0.96
            amplifier = ep_count * 0.292 + qm_amplifier
            if sum_s > 0:
                sum_s += amplifier
            elif sum_s < 0:
                sum_s -= amplifier
            compound = sum_s / sqrt((sum_s * sum_s) + 15)
            if compound < -1.0:
                compound = -1.0
            elif compound > 1.0:
                compound = 1.0
            pos_sum = 0.0
            neg_sum = 0.0
            neu_count = n
            for x in values:  # every other word's sentiment is 0
                if x > 0:
                    pos_sum += (float(x) + 1)
                    neu_count -= 1
                elif x < 0:
                    neg_sum += (float(x) - 1)
                    neu_count -= 1
            if pos_sum > fabs(neg_sum):
                pos_sum += amplifier
            elif pos_sum < fabs(neg_sum):
                neg_sum -= amplifier
            total = pos_sum + fabs(neg_sum) + neu_count
            return (round3[fabs(neg_sum / total)], round3[fabs(neu_count / total)],
                    round3[fabs(pos_sum / total)], round4[compound])

        # idioms and booster phrases as numbers: each word's number in a base-256 number
        ngram_word = {w: k for k, w in enumerate(sorted(idiom_words), start=1)}
        ngram_keys = [[ngram_word[w] for w in key.split(" ")]
                      for key in chain(special, booster) if " " in key]
        if len(ngram_word) >= 256 or not {len(key) for key in ngram_keys} <= {2, 3}:
            raise RuntimeError("vaderSentiment's idioms and booster phrases are not the 2- and "
                               "3-word phrases of at most 255 words this scorer handles")
        ngram_numbers = {size: np.array(sorted({sum(c << 8 * (size - 1 - k)
                                                     for k, c in enumerate(key))
                                                 for key in ngram_keys if len(key) == size}),
                                         np.int64)
                         for size in (2, 3)}

        def describe(word):
            # (flags, valence, booster increment) of a word for the batch path
            flags = ngram_word.get(word, 0) << _NGRAM_SHIFT | _NAMED.get(word, 0)
            if word in lexicon:
                flags |= _LEX
            if word in booster:
                flags |= _BOOSTER | (_SLOW if word in lexicon else 0)
            if word in negate or "n't" in word:
                flags |= _NEGATION
            return flags, lexicon.get(word, 0.0), booster.get(word, 0.0)

        # the word table: every word a rule names, after two rows for all other words
        named = sorted(set(chain(lexicon, booster, negate, _NAMED, ngram_word)))
        table = [(0, 0.0, 0.0), (_NEGATION, 0.0, 0.0)] + list(map(describe, named))
        flag_of = np.array([row[0] for row in table], np.int64)
        valence_of = np.array([row[1] for row in table], np.float64)
        boost_of = np.array([row[2] for row in table], np.float64)
        rows = {w: k for k, w in enumerate(named, start=2)}

        def token_code(token):
            # 2 x the row of the token's word in the table (0: a word no rule names, 1: one
            # holding "n't"), + 1 when the token is ALL CAPS
            word = _word(token)
            row = rows.get(word)
            if row is None:
                row = 1 if "n't" in word else 0
            return 2 * row + token.isupper()

        tokens = _Memo(token_code)
        import pyarrow as pa
        import pyarrow.compute as pc

        named_array = pa.array(named, pa.large_string())

        def distinct_codes(array):
            """token_code of each of an Arrow array of distinct tokens: the ASCII ones with
            Arrow's ASCII functions (the same results as Python's strip, lower and isupper on
            ASCII), the others through the memo."""
            ascii = pc.string_is_ascii(array).to_numpy(zero_copy_only=False)
            if not ascii.all():
                out = np.empty(len(array), np.intp)
                rest = np.flatnonzero(~ascii)
                out[rest] = np.fromiter(map(tokens.__getitem__, array.take(rest).to_pylist()),
                                        np.intp, len(rest))
                keep = np.flatnonzero(ascii)
                out[keep] = distinct_codes(array.take(keep))
                return out
            stripped = pc.ascii_trim(array, characters=_PUNCT)
            short = pc.less_equal(pc.binary_length(stripped), 2)
            word = pc.ascii_lower(pc.if_else(short, array, stripped))
            found = pc.fill_null(pc.index_in(word, value_set=named_array), -1)
            row = found.to_numpy().astype(np.intp) + 2
            other = row == 1  # a word no rule names: row 1 if it holds "n't", else 0
            row[other] = pc.match_substring(word, "n't").to_numpy(zero_copy_only=False)[other]
            return 2 * row + pc.ascii_is_upper(array).to_numpy(zero_copy_only=False)

        def has_ngram(flags, pos, sent, n):
            """Whether each text holds an idiom or a booster phrase (consecutive words)."""
            code = flags >> _NGRAM_SHIFT
            found = np.zeros(n, bool)
            start = np.flatnonzero((code[:-1] > 0) & (code[1:] > 0) & (pos[1:] > 0))
            number = (code[start] << 8) | code[start + 1]
            found[sent[start[np.isin(number, ngram_numbers[2])]]] = True
            start = start[start + 2 < len(code)]
            start = start[(code[start + 2] > 0) & (pos[start + 2] > 0)]
            number = (code[start] << 16) | (code[start + 1] << 8) | code[start + 2]
            found[sent[start[np.isin(number, ngram_numbers[3])]]] = True
            return found

        def valences(hit, flags, upper, word, pos, lens, cap_diff):
            """The valence of each lexicon word at token index `hit` (`lens`: its text's
            number of tokens, `cap_diff`: its text's _cap_differential) after the "no",
            capitals, booster, negation and "least" rules, with the float operations of
            ``score`` in the same order (texts with a booster in the lexicon, an idiom or a
            booster phrase are not given)."""
            def has(f, bit):
                return (f & bit) > 0

            at_pos = pos[hit]
            # token index k places before (clipped at 0: only read where at_pos >= k)
            back = [np.maximum(hit - k, 0) for k in (1, 2, 3)]
            before = [np.where(at_pos >= k, flags[back[k - 1]], 0) for k in (1, 2, 3)]
            f1, f2, f3 = before  # flags of the words 1, 2, 3 places before (0: none)
            valence = valence_of[word[hit]]
            v = valence
            # "no" before a lexicon word is not a sentiment; a word after "no" is negated
            nxt = np.minimum(hit + 1, len(flags) - 1)
            v = np.where(has(flags[hit], _NO) & (at_pos < lens - 1) & has(flags[nxt], _LEX),
                         0.0, v)
            v = np.where(has(f1, _NO) | has(f2, _NO) | (has(f3, _NO) & has(f1, _OR_NOR)),
                         valence * n_scalar, v)
            v = np.where(upper[hit] & cap_diff, np.where(v > 0, v + c_incr, v - c_incr), v)
            for k, scale in ((1, None), (2, 0.95), (3, 0.9)):
                at = back[k - 1]
                f = before[k - 1]
                plain = (at_pos >= k) & ~has(f, _LEX)  # the reference skips lexicon words
                # scalar_inc_dec: the booster's increment, signed as v, capitals boost
                b = boost_of[word[at]]
                b = np.where(v < 0, -b, b)
                b = np.where(upper[at] & cap_diff, np.where(v > 0, b + c_incr, b - c_incr), b)
                s = np.where(has(f, _BOOSTER), b, 0.0)
                if scale is not None:
                    s = s * scale
                v = np.where(plain, v + s, v)
                # _negation_check for this distance
                if k == 1:
                    amplify = keep = np.zeros(len(hit), bool)
                elif k == 2:
                    amplify = has(f2, _NEVER) & has(f1, _SO_THIS)
                    keep = has(f2, _WITHOUT) & has(f1, _DOUBT)
                else:
                    amplify = (has(f3, _NEVER) & has(f2, _SO_THIS)) | has(f1, _SO_THIS)
                    keep = has(f3, _WITHOUT) & (has(f2, _DOUBT) | has(f1, _DOUBT))
                negate_here = plain & ~amplify & ~keep & has(f, _NEGATION)
                v = np.where(plain & amplify, v * 1.25,
                             np.where(negate_here, v * n_scalar, v))
            # _least_check: "least" (not in the lexicon) before, unless "at least"/"very least"
            least = has(f1, _LEAST) & ~has(f1, _LEX) & ~has(f2, _AT_VERY)
            return np.where(least, v * n_scalar, v)

        def but_rule(v, hit, flags, sent, pos, n):
            """_but_check: valences before the first "but" of their text times 0.5, after it
            times 1.5. The reference finds each value with ``list.index``, which hits an
            earlier position when an earlier (scaled) value equals it; such texts are marked
            in the second array returned, to be scored by ``score``."""
            but = np.flatnonzero(flags & _BUT)
            if not len(but):
                return v, np.zeros(n, bool)
            texts_with, first = np.unique(sent[but], return_index=True)
            but_pos = np.full(n, -1)
            but_pos[texts_with] = pos[but[first]]
            bi = but_pos[sent[hit]]
            p = pos[hit]
            scaled = np.where((bi >= 0) & (p < bi), v * 0.5,
                              np.where((bi >= 0) & (p > bi), v * 1.5, v))
            odd = np.zeros(n, bool)
            sel = np.flatnonzero(bi >= 0)
            t, x, y = sent[hit[sel]], v[sel], scaled[sel]
            for d in range(1, len(sel)):  # pairs of valences d apart in the same text
                same = t[:-d] == t[d:]
                if not same.any():
                    break
                odd[t[d:][same & (x[d:] != 0) & (y[:-d] == x[d:])]] = True
            return scaled, odd

        def batch(texts):
            """Scores of a list of texts as an (n, 4) array, equal to ``score`` row by row.

            Texts with a lexicon word, without an idiom or booster phrase or a booster that
            is also a lexicon word, and whose "but" rule :func:`but_rule` can follow, are
            scored all at once with the same float operations in the same order as ``score``
            (Python's ``sum`` for the sum of the valences, Python's ``round``); the others
            go through ``score``."""
            n = len(texts)
            prepared = texts
            non_ascii = np.flatnonzero(~np.fromiter(map(str.isascii, texts), bool, n))
            if len(non_ascii):
                prepared = list(texts)
                for i in non_ascii.tolist():
                    if emoji_search(texts[i]):
                        prepared[i] = _replace_emojis(texts[i], emojis)
            lens, codes = _token_codes(prepared, tokens, distinct_codes)
            word = codes >> 1  # row in the word table
            upper = (codes & 1).astype(bool)
            flags = flag_of[word]
            sent = np.repeat(np.arange(n), lens)  # the text of each token
            pos = np.arange(len(codes)) - np.repeat(np.cumsum(lens) - lens, lens)
            lex = (flags & _LEX).astype(bool)
            n_lex = np.bincount(sent[lex], minlength=n)
            slow = np.bincount(sent[(flags & _SLOW).astype(bool)], minlength=n) > 0
            slow |= has_ngram(flags, pos, sent, n)
            out = np.zeros((n, 4))  # empty texts: all zeros
            out[(n_lex == 0) & (lens > 0), 1] = 1.0  # no lexicon word: neutral
            simple = (n_lex > 0) & ~slow

            # the valences of the lexicon words of these texts, in order
            hit = np.flatnonzero(lex & simple[sent])
            hit_sent = sent[hit]
            n_upper = np.bincount(sent[upper], minlength=n)
            cap_diff = (n_upper > 0) & (n_upper < lens)  # _cap_differential
            v = valences(hit, flags, upper, word, pos, lens[hit_sent], cap_diff[hit_sent])
            v, odd = but_rule(v, hit, flags, sent, pos, n)
            if odd.any():
                simple &= ~odd
                keep = simple[hit_sent]
                hit, hit_sent, v = hit[keep], hit_sent[keep], v[keep]
            todo = np.flatnonzero((n_lex > 0) & ~simple)
            if len(todo):
                out[todo] = list(map(score, [texts[i] for i in todo.tolist()]))
            if not len(hit):
                return out

            # score_valence of each of these texts
            which = np.flatnonzero(simple)
            m = len(which)
            counts = n_lex[which]
            ends = np.cumsum(counts)
            starts = ends - counts
            listed = v.tolist()
            sum_s = np.array([sum(listed[a:b]) for a, b in zip(starts.tolist(), ends.tolist())],
                             np.float64)
            local = (np.cumsum(simple) - 1)[hit_sent]  # row of each valence's text in `which`
            rank = np.arange(len(v)) - np.repeat(starts, counts)  # place among its text's
            order = np.argsort(rank, kind="stable")
            edges = np.searchsorted(rank[order], np.arange(counts.max() + 1))
            pos_sum = np.zeros(m)
            neg_sum = np.zeros(m)
            for k in range(counts.max()):  # add each text's k-th valence, as the loop does
                at = order[edges[k]:edges[k + 1]]
                x, t = v[at], local[at]
                up, down = x > 0, x < 0
                pos_sum[t[up]] += x[up] + 1.0
                neg_sum[t[down]] += x[down] - 1.0
            neu_count = lens[which] - np.bincount(local[(v > 0) | (v < 0)], minlength=m)
            neu_count = neu_count.astype(np.float64)

            texts_m = [prepared[i] for i in which.tolist()]
            ep_count = np.minimum(np.fromiter(map(str.count, texts_m, repeat("!")), np.intp, m), 4)
            qm_count = np.fromiter(map(str.count, texts_m, repeat("?")), np.intp, m)
            qm_amplifier = np.where(qm_count > 1, np.where(qm_count <= 3, qm_count * 0.18, 0.96),
                                    0.0)
            amplifier = ep_count * 0.292 + qm_amplifier
            sum_s = np.where(sum_s > 0, sum_s + amplifier,
                             np.where(sum_s < 0, sum_s - amplifier, sum_s))
            compound = np.clip(sum_s / np.sqrt((sum_s * sum_s) + 15), -1.0, 1.0)
            abs_neg = np.abs(neg_sum)
            more_pos, more_neg = pos_sum > abs_neg, pos_sum < abs_neg
            pos_sum = np.where(more_pos, pos_sum + amplifier, pos_sum)
            neg_sum = np.where(more_neg, neg_sum - amplifier, neg_sum)
            total = pos_sum + np.abs(neg_sum) + neu_count
            r3, r4 = round3.__getitem__, round4.__getitem__
            out[which] = np.column_stack([
                list(map(r3, np.abs(neg_sum / total).tolist())),
                list(map(r3, np.abs(neu_count / total).tolist())),
                list(map(r3, np.abs(pos_sum / total).tolist())),
                list(map(r4, compound.tolist()))])
            return out

        return score, batch


def analyzer(lexicon_overrides: Mapping[str, float] | None = None, n_jobs: int = 1) -> Vader:
    """A :class:`Vader` scorer (the lexicon is read once here)."""
    return Vader(lexicon_overrides, n_jobs=n_jobs)
