"""The pattern engine: the grammar of codebook and gazetteer patterns, the matcher that
applies a codebook's or gazetteer's rules to texts, one trie builder, span replacement, and
the reading of the YAML files that hold patterns.

Grammar (docs/methods.md, "Pattern grammar"), shared by the frame codebook, the actor gazetteer, the
risky phrases of sentiment masking and keyword-in-context search:

- a pattern matches whole words only;
- a trailing ``*`` on a word stands for any word-character suffix (``cooperat*``);
- a space between words stands for one or more spaces or hyphens (``middle corridor``
  matches "Middle-Corridor");
- a hyphen inside a word stands for an optional hyphen or space (``multi-vector*`` matches
  multivector, multi vector, multi-vectoral);
- an apostrophe stands for ' or ’;
- everything else is literal; matching ignores case unless the pattern is case-sensitive.

:func:`parse` reads a pattern once into a :class:`Pattern` (its words, their hyphen parts and
wildcards); :meth:`Pattern.regex` gives its Python regular expression (what
:func:`compile_pattern` returns) and :meth:`Pattern.units` the pieces a trie is built from.

The rules of a codebook or gazetteer (:class:`Matcher`), for each text:

1. every match of every pattern, at every position where it matches;
2. ``strip`` phrases: a match that overlaps a match of a strip phrase is dropped (the phrase is
   blanked before matching; the evidence keeps the original text);
3. context gates (codebooks): a target listing context keys counts only in a text where one
   of them is present;
4. overlaps. Gazetteer (``overlapping=False``): from left to right, at one start the longest
   match, and a match that overlaps one already taken is dropped: one span, one target.
   Codebook (``overlapping=True``): the same within each key (frame): a span counts once per
   key, and for several keys when patterns of several keys match it.
   Between matches of one start and length, the longer pattern wins (without its ``*``), then
   the one listed first.

:class:`Matcher` applies these rules with one regular expression per pattern (the reference:
slow, but each step can be checked by hand); :mod:`kzmedia.fast.matcher` finds the same
matches many times faster. :func:`matcher` returns either, built once per process.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import yaml

__all__ = [
    "check_mapping",
    "SEPARATOR",
    "HYPHENS",
    "APOSTROPHES",
    "Word",
    "Pattern",
    "parse",
    "compile_pattern",
    "trie_regex",
    "Entry",
    "Matcher",
    "matcher",
    "match_table",
    "replace_spans",
    "first_come",
    "read_yaml",
    "as_list",
]


# --------------------------------------------------------------------------- grammar

#: Regex class of one separator between words: whitespace or a hyphen (ASCII, Unicode hyphen
#: U+2010, non-breaking hyphen U+2011).
SEPARATOR = r"[\s\-\u2010\u2011]"
#: The characters that join the parts of a word in a pattern.
HYPHENS = "-\u2010\u2011"
#: The apostrophes a pattern's apostrophe matches.
APOSTROPHES = "'\u2019"

_APOSTROPHE = "['\u2019]"
_HYPHEN_SPLIT = re.compile(f"[{HYPHENS}]")


@dataclass(frozen=True)
class Word:
    """One word of a pattern: its ``parts`` (the pieces between in-word hyphens, as written)
    and ``star`` (a trailing ``*``: any word-character suffix)."""

    parts: tuple[str, ...]
    star: bool = False


@dataclass(frozen=True)
class Pattern:
    """A parsed pattern: ``text`` as written, its ``words``, and ``case_sensitive``."""

    text: str
    words: tuple[Word, ...]
    case_sensitive: bool = False

    def units(self, lower: bool = False) -> list[str]:
        """The pattern as a sequence of regex pieces, one per character, separator or
        wildcard (what :func:`trie_regex` builds tries from). ``lower``: each character in
        its lower case, one character for one (for matching lower-cased text)."""
        out: list[str] = []
        for wi, word in enumerate(self.words):
            if wi:
                out.append(SEPARATOR + "+")
            for pi, part in enumerate(word.parts):
                if pi:
                    out.append(SEPARATOR + "?")
                for ch in part:
                    if ch in APOSTROPHES:
                        out.append(_APOSTROPHE)
                    else:
                        out.append(re.escape(ch.lower()[:1] if lower else ch))
            if word.star:
                out.append(r"\w*")
        return out

    def regex(self) -> str:
        """Python regex source of the pattern: whole word, case flag scoped inside
        (``(?i:...)``), so sources can be joined with ``|`` and compiled without flags."""
        src = r"(?<!\w)" + "".join(self.units()) + r"(?!\w)"
        return src if self.case_sensitive else f"(?i:{src})"

    @property
    def key(self) -> str:
        """Patterns with the same key match the same text (duplicates in a codebook)."""
        text = self.text if self.case_sensitive else self.text.lower()
        return parse(text, self.case_sensitive).regex()


def parse(pattern: str, case_sensitive: bool = False, where: str | None = None) -> Pattern:
    """Read a pattern of the grammar (module docstring) into a :class:`Pattern`.

    Raises ValueError for an empty pattern, a ``*`` that does not end a word, and a hyphen
    that does not join two parts of a word; with ``where`` (e.g. "frames.yaml: frame 'x'")
    the message names where the pattern came from.
    """
    def error(reason: str) -> ValueError:
        if where is None:
            return ValueError(f"pattern {pattern!r}: {reason}")
        return ValueError(f"{where}: pattern {pattern!r} cannot be compiled: {reason}")

    if not isinstance(pattern, str) or not pattern.strip():
        raise error("empty pattern")
    words = []
    for token in pattern.split():
        star = token.endswith("*")
        core = token[:-1] if star else token
        if not core or "*" in core:
            raise error("'*' is allowed only at the end of a word")
        parts = tuple(_HYPHEN_SPLIT.split(core))
        if "" in parts:
            raise error("a hyphen must join two parts of a word")
        words.append(Word(parts, star))
    return Pattern(pattern, tuple(words), bool(case_sensitive))


def compile_pattern(pattern: str, case_sensitive: bool = False) -> str:
    """Python regex source of a pattern of the grammar (module docstring).

    >>> import re; bool(re.search(compile_pattern("multi-vector*"), "a multivectoral policy"))
    True
    """
    return parse(pattern, case_sensitive).regex()


# --------------------------------------------------------------------------- tries

def trie_regex(sequences: Iterable[Sequence[str]]) -> str:
    """One regex for many sequences of regex pieces (units), factored by common prefix (a
    trie): each position costs a few tests instead of one per sequence. Alternatives are in
    sorted order; where a sequence ends and a longer one goes on, the longer is tried first
    (a greedy optional tail). Matches nothing when there is no sequence."""
    trie: dict = {}
    for seq in sequences:
        node = trie
        for unit in seq:
            node = node.setdefault(unit, {})
        node[""] = {}

    def emit(node: dict) -> str:
        keys = sorted(k for k in node if k)
        if not keys:
            return ""
        alts = [k + emit(node[k]) for k in keys]
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(trie) if trie else r"(?!x)x"


# --------------------------------------------------------------------------- matcher

class Entry(NamedTuple):
    """One pattern of a codebook or gazetteer: what it counts for (``target``, e.g. (frame,
    pattern, context)), the ``key`` within which overlaps are resolved in a codebook (the
    frame), and the ``context`` keys that gate it (empty: not gated)."""

    pattern: str
    case_sensitive: bool
    target: object
    key: object
    context: tuple = ()


class Matcher:
    """The rules of a codebook or gazetteer (module docstring), one regex per pattern: the
    reference, slow on a large corpus (:func:`matcher` gives the fast one).

    ``entries``: :class:`Entry` tuples; ``strip``: phrases that remove the matches they
    overlap; ``overlapping``: False for a gazetteer, True for a codebook. Entries whose
    patterns match the same text (the same regex) share one pattern index; a key counts once
    per pattern.
    """

    def __init__(self, entries: Iterable, strip: Iterable[str] = (), overlapping: bool = False):
        self.overlapping = bool(overlapping)
        self.patterns: list[Pattern] = []
        self.targets: list[list[tuple]] = []      # per pattern: (target, key, context keys)
        self.strip: list[bool] = []               # per pattern: is a strip phrase
        index: dict[str, int] = {}
        items = [Entry(*e) for e in entries] + [Entry(p, False, None, None) for p in strip]
        for e in items:
            pat = parse(e.pattern, e.case_sensitive)
            src = pat.regex()
            if src not in index:
                index[src] = len(self.patterns)
                self.patterns.append(pat)
                self.targets.append([])
                self.strip.append(False)
            p = index[src]
            if e.target is None:
                self.strip[p] = True
            elif e.key not in [key for _, key, _ in self.targets[p]]:
                self.targets[p].append((e.target, e.key, frozenset(e.context or ())))
        # which of two matches of one start and length wins: the longer pattern, then the first
        self.rank = [(-len(pat.text.rstrip("*")), p) for p, pat in enumerate(self.patterns)]

    @functools.cached_property
    def regexes(self) -> list[re.Pattern]:
        """Per pattern, its regex in a lookahead: a match at every position where the pattern
        matches (group 1), overlapping ones included."""
        return [re.compile(f"(?=({pat.regex()}))") for pat in self.patterns]

    def spans(self, texts: Sequence[str]) -> list[tuple[int, int, int, int]]:
        """Every match of every pattern (strip phrases included) in each of ``texts``:
        sorted (text index, start, end, pattern index)."""
        out = []
        for k, text in enumerate(texts):
            for p, rx in enumerate(self.regexes):
                out += [(k, m.start(1), m.end(1), p) for m in rx.finditer(text)]
        out.sort()
        return out

    def matches(self, texts: Iterable[str], context: Callable | None = None):
        """The matches kept by the rules, in text order and, within a text, by position.

        Returns lists (text index, start, end, pattern index, target). ``context(texts) ->
        list of sets`` (optional) gives the keys present in each text; without it, gated
        targets are kept everywhere.
        """
        texts = texts if isinstance(texts, list) else list(texts)
        found = self.spans(texts)
        # 1. strip phrases: their spans, per text
        blanks: dict = {}
        for k, s, e, p in found:
            if self.strip[p]:
                blanks.setdefault(k, []).append((s, e))
        # 2. each target of each match not overlapping a strip phrase's span: sorted by text,
        # start, longer first, pattern rank, target order
        candidates = []
        for k, s, e, p in found:
            if self.strip[p] or (k in blanks and any(a < e and s < b for a, b in blanks[k])):
                continue
            candidates += [(k, s, s - e, self.rank[p], j, e, p)
                           for j in range(len(self.targets[p]))]
        candidates.sort()
        # 3. context gates: the keys present in each text with a gated match
        present = {}
        if context is not None:
            need = sorted({k for k, *_, j, _, p in candidates if self.targets[p][j][2]})
            if need:
                present = dict(zip(need, context([texts[k] for k in need])))
        # 4. overlaps: within a text, a match is taken unless it overlaps one taken before
        # (for the same key in a codebook)
        out = ([], [], [], [], [])
        reach: dict = {}         # per key (one key for a gazetteer): end of the last taken
        last_text = None
        for k, s, _, _, j, e, p in candidates:
            target, key, gate = self.targets[p][j]
            if gate and context is not None and present[k].isdisjoint(gate):
                continue
            if k != last_text:
                reach, last_text = {}, k
            key = key if self.overlapping else None
            if reach.get(key, -1) > s:
                continue
            reach[key] = e
            for column, value in zip(out, (k, s, e, p, target)):
                column.append(value)
        return out

    def find(self, text: str) -> list[tuple[int, int, int, object]]:
        """(pattern index, start, end, target) of every match kept in one text, in order."""
        _, s, e, p, t = self.matches([text])
        return list(zip(p, s, e, t))


@functools.lru_cache(maxsize=16)
def matcher(entries: tuple, strip: tuple = (), overlapping: bool = False,
            method: str = "fast") -> Matcher:
    """The :class:`Matcher` of ``entries`` (tuples as :class:`Entry`) and ``strip``, built once
    per process and set of patterns. ``method="fast"``: :class:`kzmedia.fast.matcher.FastMatcher`
    (the same matches); ``"reference"``: :class:`Matcher`. A matcher keeps no state between
    calls, so results do not depend on what it matched before."""
    if method == "reference":
        return Matcher(entries, strip, overlapping)
    if method != "fast":
        raise ValueError(f"method must be 'fast' or 'reference', not {method!r}")
    from .fast.matcher import FastMatcher

    return FastMatcher(entries, strip, overlapping)


def match_table(sentences: pd.DataFrame, texts: list[str], found, names: Sequence[str]
                ) -> pd.DataFrame:
    """The matches ``found`` (what :meth:`Matcher.matches` returns) in the rows of
    ``sentences`` (whose sentence texts are ``texts``) as DataFrame[doc_id, sent_id, *names,
    match]: ``names`` name the first items of each target tuple (str); ``match`` is the text
    matched."""
    idx, start, end, _, target = found
    k = np.fromiter(idx, dtype=np.intp, count=len(idx))
    # targets repeat: each distinct one is taken apart once
    codes, distinct = pd.factorize(pd.Series(target, dtype=object))
    out = {"doc_id": sentences["doc_id"].astype("str").array.take(k),
           "sent_id": sentences["sent_id"].to_numpy()[k]}
    for j, name in enumerate(names):
        out[name] = pd.array([t[j] for t in distinct], dtype="str").take(codes)
    out["match"] = pd.array([texts[i][a:b] for i, a, b in zip(idx, start, end)], dtype="str")
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- spans

def first_come(spans: Iterable[tuple]) -> list[tuple[int, int]]:
    """(start, end) of the ``spans`` kept when each, in the order given, is taken unless it
    overlaps one taken before; ``spans`` are tuples whose first item is the start and last
    the end, sorted by start (ties in the order of preference)."""
    taken, last = [], 0
    for span in spans:
        a, b = span[0], span[-1]
        if a >= last:
            taken.append((a, b))
            last = b
    return taken


def replace_spans(text: str, spans: Iterable[tuple[int, int]], placeholder: str) -> str:
    """``text`` with each of the sorted, non-overlapping (start, end) ``spans`` replaced by
    ``placeholder``."""
    parts, last = [], 0
    for a, b in spans:
        parts += (text[last:a], placeholder)
        last = b
    return "".join(parts) + text[last:] if parts else text


# --------------------------------------------------------------------------- files

# libyaml's loader when PyYAML was built with it (the same data, parsed faster)
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(source, default_name: str) -> tuple[dict, str]:
    """(data, where) of a YAML mapping: ``source`` None (the package data file
    ``kzmedia/data/<default_name>``), a path, or a dict (returned as it is). ``where`` names
    the source in error messages. Raises ValueError naming a path that is missing, not valid
    YAML or not a mapping."""
    if source is None:
        ref = resources.files("kzmedia") / "data" / default_name
        return (yaml.load(ref.read_text(encoding="utf-8"), Loader=_YAML_LOADER),
                f"kzmedia/data/{default_name}")
    if isinstance(source, dict):
        return source, "<dict>"
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise ValueError(f"{path}: file not found")
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
        except yaml.YAMLError as exc:
            raise ValueError(f"{path}: not valid YAML: {exc}") from None
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a mapping at the top level")
        return data, str(path)
    raise TypeError(f"expected None, a path or a dict, got {type(source).__name__}")


def check_mapping(value, allowed, where: str, expected: str = "a mapping") -> dict:
    """A YAML value that must be a mapping whose keys are among ``allowed``; ValueError naming
    ``where`` ("expected ``expected``", or the unknown keys and the allowed ones)."""
    if not isinstance(value, dict):
        raise ValueError(f"{where}: expected {expected}")
    bad = set(value) - set(allowed)
    if bad:
        raise ValueError(f"{where}: unknown keys {sorted(bad)}; allowed: {sorted(allowed)}")
    return value


def as_list(value, where: str) -> list:
    """A YAML value that may be one item or a list, as a list ([] for None); ValueError
    naming ``where`` for anything else (a mapping, a number)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected a list, got {type(value).__name__}")
    return value
