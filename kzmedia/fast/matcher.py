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

from ..patterns import APOSTROPHES, Matcher, trie_regex

__all__ = ["FastMatcher"]

_JOIN = "\x00"
# texts scanned together (a string of about a megabyte: scans of it stay in the CPU's caches)
BATCH = 5000
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

    def spans(self, texts):
        texts = texts if isinstance(texts, list) else list(texts)
        if not self._joinable:
            return super().spans(texts)
        out = []
        for first in range(0, len(texts), BATCH):
            batch = texts[first:first + BATCH]
            out += [(first + k, s, e, p) for k, s, e, p in self._batch_spans(batch)]
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
