"""Fast matching: the matches of :class:`kzmedia.patterns.Matcher`, found by a few regex scans
over many texts at once instead of one regex per pattern per text.

Reproduces :meth:`kzmedia.patterns.Matcher.spans` (every match of every pattern in each text);
the codebook's or gazetteer's rules are then applied by the reference's own
:meth:`~kzmedia.patterns.Matcher.matches`. Contract: ``tests/test_patterns.py``, the tests
named ``test_fast_matcher_*`` (the same spans and matches as the reference, on the seeds'
sentences with the package codebook and gazetteer, and on generated texts and patterns).

How:

1. The texts are joined into one string, a NUL between two (neither a word character nor a
   separator, so no match runs across it), and lower-cased.
2. One regex, a trie of every pattern in lower case (:func:`kzmedia.patterns.trie_regex`),
   is tried after each space and after each other non-word character: it stops only where
   some pattern matches, in some letter case.
3. There, each pattern whose literal start (its first characters up to a separator,
   apostrophe or wildcard, lower-cased) begins at that position is tried with its own regex
   on the original text, exactly as the reference tries it.

Lower-casing agrees with the regex engine's case-insensitive matching except for a few
characters: İ (its lower case is two characters), letters the engine takes for others (ı for
i, ſ for s, the Greek and Cyrillic variants) and the final sigma. A text that holds one of
those which bears on the patterns' letters is matched by the reference.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
import sys

from ..patterns import APOSTROPHES, HYPHENS, Matcher, trie_regex

__all__ = ["FastMatcher"]

_JOIN = "\x00"
# texts scanned together (a string of about a megabyte: scans of it stay in the CPU's caches)
BATCH = 5000
# lists of fewer texts are not prefiltered (setting up Arrow and RE2 costs more than it saves)
PREFILTER_MIN = 512
# the one character whose lower case is longer than one character (tests/test_patterns.py
# checks there is no other): it would shift every offset after it
_LONG_LOWER = "\u0130"


@functools.cache
def _every_character() -> str:
    return "".join(map(chr, range(sys.maxunicode + 1)))


@functools.cache
def _odd_characters(letters: frozenset[str]) -> str:
    """The characters, in a text, for which lower-casing and the regex engine's
    case-insensitive matching disagree about the ``letters`` (lower case): those the engine
    equates with one of them while their lower case is none of them, İ, and the capital
    sigma (lower-cased to ς at the end of a word) when σ or ς is among them."""
    if not letters:
        return _LONG_LOWER
    same = re.findall("(?i)[" + "".join(map(re.escape, sorted(letters))) + "]",
                      _every_character())
    odd = {ch for ch in same if ch.lower() not in letters} | set(_LONG_LOWER)
    if letters & {"\u03c3", "\u03c2"}:
        odd.add("\u03a3")
    return "".join(sorted(odd))


@functools.cache
def _separators() -> tuple[str, str]:
    """(ASCII, other) characters of a pattern's separator: whitespace and hyphens."""
    seps = "".join(re.findall(r"\s", _every_character())) + HYPHENS
    return "".join(ch for ch in seps if ch.isascii()), "".join(ch for ch in seps if not ch.isascii())


def _re2_char(ch: str) -> str:
    return ch if ch.isascii() and ch.isalnum() else f"\\x{{{ord(ch):x}}}"


def _re2(pattern) -> str:
    """RE2 source that matches in every text where the pattern matches and holds no
    separator beyond ASCII (others always pass), and in more: a wildcard inside a pattern is
    any run of non-separators, the end of a word is checked only after an ASCII letter or
    digit, and a word boundary is any character but an ASCII letter, digit or _ (RE2's
    classes are ASCII, Python's Unicode)."""
    seps = "".join(map(_re2_char, _separators()[0]))
    out = []
    for wi, word in enumerate(pattern.words):
        if wi:
            out.append(f"[{seps}]+")
        for pi, part in enumerate(word.parts):
            if pi:
                out.append(f"[{seps}]?")
            out += ["['\\x{2019}]" if ch in APOSTROPHES else _re2_char(ch) for ch in part]
        if word.star and wi < len(pattern.words) - 1:
            out.append(f"[^{seps}]*")
    last = pattern.words[-1]
    if not last.star and (last.parts[-1][-1].isascii() and last.parts[-1][-1].isalnum()):
        out.append(r"\b")         # RE2's ASCII word boundary: not followed by [0-9A-Za-z_]
    body = "".join(out)
    return body if pattern.case_sensitive else f"(?i:{body})"


def _head(pattern) -> str:
    """The literal start of a pattern in lower case: its first characters up to the first
    separator, apostrophe or wildcard."""
    first = pattern.words[0].parts[0]
    out = []
    for ch in first:
        if ch in APOSTROPHES:
            break
        out.append(ch.lower()[:1])
    return "".join(out)


class FastMatcher(Matcher):
    """:class:`kzmedia.patterns.Matcher` whose :meth:`spans` scans many texts at once."""

    def __init__(self, entries, strip=(), overlapping=False):
        super().__init__(entries, strip, overlapping)
        trie = trie_regex(pat.units(lower=True) for pat in self.patterns) + r"(?!\w)"
        # group 1: the longest literal start of a pattern there
        heads = [_head(pat) for pat in self.patterns]
        longest = f"({trie_regex([re.escape(ch) for ch in h] for h in set(heads))})"
        # after a space: a literal first character, so the regex engine skips ahead fast
        self._scans = (re.compile(f" (?={trie}){longest}"),
                       re.compile(rf"[^a-z0-9_ ](?<=\W)(?={trie}){longest}"))
        # per longest literal start: the patterns whose literal start is a prefix of it
        self._tried = {h: [p for p, h2 in enumerate(heads) if h.startswith(h2)]
                       for h in set(heads)}
        letters = frozenset(ch.lower()[:1] for pat in self.patterns for word in pat.words
                            for part in word.parts for ch in part)
        self._odd = re.compile("[" + re.escape(_odd_characters(letters)) + "]")
        # a pattern holding the joining character would see across texts
        self._joinable = not any(_JOIN in pat.text for pat in self.patterns)
        # texts always kept: those with a separator beyond ASCII (RE2's automaton for
        # Unicode classes in every alternative grows too large), with ı or İ (which RE2 does
        # not take for i, Python does) or another odd character (they go to the reference)
        always = "".join(map(_re2_char, sorted(set(_odd_characters(letters) + _separators()[1])
                                               | {"\u0131"})))
        self._prefilter = ("(?:^|[^0-9A-Za-z_])(?:" + "|".join(map(_re2, self.patterns))
                           + f")|[{always}]")

    def candidates(self, texts: list[str]) -> list[int] | None:
        """Indices of the texts where a pattern may match (more than those where one does),
        by one RE2 scan of all of them through Arrow; None (all texts) for a short list or
        texts Arrow cannot take."""
        if len(texts) < PREFILTER_MIN:
            return None
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        try:
            hit = pc.match_substring_regex(pa.array(texts, pa.large_string()), self._prefilter)
        except (pa.ArrowException, UnicodeError, TypeError):
            return None
        return np.flatnonzero(hit.to_numpy(zero_copy_only=False)).tolist()

    def spans(self, texts):
        texts = texts if isinstance(texts, list) else list(texts)
        if not self._joinable:
            return super().spans(texts)
        keep = self.candidates(texts)
        if keep is not None:
            texts = [texts[k] for k in keep]
        out = []
        for first in range(0, len(texts), BATCH):
            batch = texts[first:first + BATCH]
            out += [(first + k, s, e, p) for k, s, e, p in self._batch_spans(batch)]
        if keep is not None:
            out = [(keep[k], s, e, p) for k, s, e, p in out]
        return out

    def _batch_spans(self, texts: list[str]) -> list[tuple[int, int, int, int]]:
        big = _JOIN + _JOIN.join(texts)
        starts = list(itertools.accumulate(map(len, texts), lambda a, n: a + n + 1, initial=1))
        odd = {bisect.bisect_right(starts, m.start()) - 1 for m in self._odd.finditer(big)}
        # İ would shift the offsets of the lower-cased text; its text goes to the reference
        low = (big.replace(_LONG_LOWER, _JOIN) if odd else big).lower()
        found = sorted(itertools.chain.from_iterable(
            (m.span(1) for m in scan.finditer(low)) for scan in self._scans))
        out = []
        regexes = self.regexes
        for s, h in found:
            k = bisect.bisect_right(starts, s) - 1
            if k in odd:
                continue
            for p in self._tried[low[s:h]]:
                m = regexes[p].match(big, s)
                if m:
                    out.append((k, s - starts[k], m.end(1) - starts[k], p))
        for k in odd:
            out += [(k, s, e, p) for _, s, e, p in super().spans([texts[k]])]
        out.sort()
        return out
