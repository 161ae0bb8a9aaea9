"""Actors and vectors: gazetteer loading, matching, attention shares, balance, co-occurrence.

The gazetteer (default: ``kzmedia/data/actors.yaml``) groups aliases of states, leaders,
capitals and organisations into foreign-policy "vectors" (russia, china, eu_europe, ...).
One vector is the focal country (Kazakhstan); it is matched, but left out of attention
shares and of the balance index.

Matching follows the pattern grammar of METHODS.md ("Frames"): case-insensitive unless an
alias is listed under ``case_sensitive``; whole-word; longest alias first; phrases under
``strip`` (mastheads, "Astana process", "Nazarbayev University", ...) are blanked before
matching while the evidence keeps the original sentence. The same matching engine serves
the frame codebook (:mod:`kzmedia.frames`).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .corpus import SPACES
from .text import compile_pattern, sentences as _split_sentences

__all__ = [
    "Gazetteer",
    "load_gazetteer",
    "mentions",
    "attention",
    "balance",
    "cooccurrence",
]

META_KEYS = ("name", "version", "description", "sources", "license")
_ENTRY_KEYS = {"names", "adjectives", "metonyms", "case_sensitive", "leaders", "organisations",
               "label", "description", "ambiguous"}
_LEADER_KEYS = {"name", "aliases", "role", "years", "case_sensitive"}
_ORG_KEYS = {"aliases", "case_sensitive", "leaders"}
_TOP_KEYS = set(META_KEYS) | {"focal", "strip", "vectors", "notes"}


# --------------------------------------------------------------------------- grammar

_SEP = r"[\s\-\u2010\u2011]"       # as in kzmedia.text.compile_pattern


def _lit_rx(s: str) -> str:
    return re.sub("['’]", lambda m: "['’]", re.escape(s))


def _parts(pattern: str) -> tuple[str, str]:
    """Split a pattern into its literal start and the regex source of the rest.

    The same grammar as :func:`kzmedia.text.compile_pattern`, in a form that lets many
    patterns share one character trie. Raises ValueError for patterns it cannot express.
    """
    if not isinstance(pattern, str) or not pattern.strip():
        raise ValueError(f"empty pattern: {pattern!r}")
    toks = []
    for token in pattern.split():
        star = token.endswith("*")
        core = token[:-1] if star else token
        if not core or "*" in core:
            raise ValueError(f"pattern {pattern!r}: '*' is allowed only at the end of a word")
        pieces = re.split("[-\u2010\u2011]", core)
        if "" in pieces:
            raise ValueError(f"pattern {pattern!r}: a hyphen must join two parts of a word")
        toks.append((pieces, star))
    head = toks[0][0][0]
    lit = re.split("['’]", head, maxsplit=1)[0]
    if not lit:
        raise ValueError(f"pattern {pattern!r}: must start with a letter or digit")
    rem = _lit_rx(head[len(lit):]) + "".join(_SEP + "?" + _lit_rx(p) for p in toks[0][0][1:])
    rem += r"\w*" if toks[0][1] else ""
    for pieces, star in toks[1:]:
        rem += _SEP + "+" + (_SEP + "?").join(_lit_rx(p) for p in pieces) + (r"\w*" if star else "")
    return lit, rem


def _dup_key(pattern: str, case_sensitive: bool) -> str:
    """Patterns with the same key match the same text (duplicates in a codebook)."""
    return compile_pattern(pattern if case_sensitive else pattern.lower(), case_sensitive)


def _check_compiles(pattern: str, case_sensitive: bool, where: str) -> str:
    """Regex source of a pattern, or a ValueError naming where it came from.

    The grammar is checked here; the source itself is built from escaped literals and
    fixed classes, so it compiles (the matcher compiles it when it is first needed).
    """
    try:
        _parts(pattern)
        src = compile_pattern(pattern, case_sensitive=case_sensitive)
    except (ValueError, re.error) as exc:
        raise ValueError(f"{where}: pattern {pattern!r} cannot be compiled: {exc}") from None
    return src


# --------------------------------------------------------------------------- matcher

_JOIN = "\x00"          # joins texts into one scanned chunk: not a word character, not a separator
_CHUNK = 1 << 20        # characters per chunk


def _trie_regex(items) -> str:
    """Regex source of a character trie over (literal, remainder) pairs, longest first."""
    root: dict = {}
    for lit, rem in items:
        node = root
        for ch in lit:
            node = node.setdefault(ch, {})
        node.setdefault("", set()).add(rem)

    def walk(node):
        alts = []
        for ch in sorted(k for k in node if k):
            child, seq = node[ch], re.escape(ch)
            while len(child) == 1 and "" not in child:
                (c2, child), = child.items()
                seq += re.escape(c2)
            alts.append(seq + walk(child))
        alts += [rf"{rem}(?!\w)" for rem in sorted(node.get("", ()), key=lambda r: (-len(r), r))]
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return walk(root) if root else r"(?!x)x"


def _lower(text: str) -> str:
    """Lower case with one character per character (offsets stay valid)."""
    low = text.lower()
    return low if len(low) == len(text) else "".join(ch.lower()[:1] or ch for ch in text)


def _re2_literal(text: str) -> str:
    """`text` as an RE2 literal: ASCII letters and digits as they are, every other character
    by its code point."""
    return "".join(ch if ch.isascii() and ch.isalnum() else f"\\x{{{ord(ch):x}}}" for ch in text)


# Prefilter (RE2, through Arrow): a superset of the texts where a pattern can match. A word
# boundary is any character but an ASCII letter, digit or underscore (which every Python word
# boundary is); letters are compared case-insensitively by Unicode case folding, which agrees
# with Python's lower() but for U+0130 (dotted I, lower-cased to two characters). Texts that
# hold U+0130 or a separator beyond ASCII (no-break and other Unicode spaces, Unicode
# hyphens) always pass, so that separators are ASCII here (RE2's automaton stays small).
_RE2_ASCII_SEP = _re2_literal("".join(ch for ch in SPACES if ch.isascii()) + "-")
_RE2_SEP = f"[{_RE2_ASCII_SEP}]"
_RE2_WORD_RUN = f"[^{_RE2_ASCII_SEP}]*"     # more than any run of word characters
_RE2_EDGE = "[^0-9A-Za-z_]"
_RE2_ALWAYS = "[" + _re2_literal("".join(ch for ch in SPACES if not ch.isascii())
                                 + "\u2010\u2011\u0130") + "]"
# lists of at least this many texts are prefiltered (Arrow's conversion costs more on fewer)
_PREFILTER_MIN = 512


def _re2_rest(rem: str) -> str | None:
    """The RE2 form of a remainder built by :func:`_parts` (its separators, apostrophes,
    escaped literals and word wildcards; a last ``\\w*`` is kept as it is, for the caller
    to drop), or None if it holds anything else."""
    out, i = [], 0
    while i < len(rem):
        if rem.startswith(_SEP, i):
            out.append(_RE2_SEP)
            i += len(_SEP)
        elif rem.startswith("['’]", i):
            out.append("['\\x{2019}]")
            i += 4
        elif rem.startswith("\\w*", i):      # any run of Python word characters
            out.append("\\w*" if i + 3 == len(rem) else _RE2_WORD_RUN)
            i += 3
        elif rem[i] in "?+" and out and out[-1] == _RE2_SEP:
            out.append(rem[i])
            i += 1
        elif rem[i] == "\\" and i + 1 < len(rem) and not rem[i + 1].isalnum():
            out.append(_re2_literal(rem[i + 1]))
            i += 2
        elif rem[i] not in "\\[](){}?+*|^$.":
            out.append(_re2_literal(rem[i]))
            i += 1
        else:
            return None
    return "".join(out)


class _Matcher:
    """All patterns of a codebook or gazetteer as character tries, scanned a chunk at a time.

    Case-insensitive patterns form one character trie matched on the lower-cased text,
    case-sensitive ones (US, EU, UN ...) a second trie on the original text; strip phrases
    are part of the first trie, so they win where they are longer and are then removed.
    ``entries``: dicts with pattern, case_sensitive, target, key and optionally context (keys
    of which one must be among the sentence's ``context`` keys, see :meth:`matches`).
    ``overlapping=False`` (gazetteers): longest match wins and one span is one target.
    ``True`` (codebooks): every word start is tried, and a span may count for several keys
    (frames), once per key.

    Texts are joined into chunks of about a million characters with a separator no pattern
    can match, so a few regex scans cover many sentences: one scan of the lower-cased chunk
    finds every word start where either trie may match (case-sensitive patterns enter it
    lower-cased), and each trie then confirms its own match there. The results are those
    of matching every text on its own. A long list of texts is first narrowed to those a
    pattern may match by one RE2 scan through Arrow (:meth:`candidates`; in news text,
    about a tenth to a third of the sentences), many times faster than Python's regexes.
    """

    def __init__(self, entries, strip=(), overlapping=False):
        self.overlapping = overlapping
        self.branches = []          # dicts: pattern, cs, lit, rem, src, targets, keys, gates, strip
        by_src = {}
        for e in list(entries) + [dict(pattern=p, case_sensitive=False, target=None, key=None)
                                  for p in strip]:
            cs = bool(e["case_sensitive"])
            src = compile_pattern(e["pattern"], case_sensitive=cs)
            if src in by_src:
                b = self.branches[by_src[src]]
            else:
                by_src[src] = len(self.branches)
                lit, rem = _parts(e["pattern"] if cs else e["pattern"].lower())
                b = dict(pattern=e["pattern"], cs=cs, lit=lit, rem=rem, src=src, targets=[],
                         keys=[], gates=[], strip=False)
                self.branches.append(b)
            if e["target"] is None:
                b["strip"] = True
            elif e["key"] not in b["keys"]:
                b["targets"].append(e["target"])
                b["keys"].append(e["key"])
                b["gates"].append(frozenset(e.get("context") or ()))
        self._single: dict = {}
        self._cache: dict = {}
        ci = [b for b in self.branches if not b["cs"]]
        cs = [b for b in self.branches if b["cs"]]
        self._rx_ci = re.compile(_trie_regex((b["lit"], b["rem"]) for b in ci)) if ci else None
        self._rx_cs = re.compile(_trie_regex((b["lit"], b["rem"]) for b in cs)) if cs else None
        # Case-sensitive patterns join the lower-cased scan when lower-casing maps each of
        # their characters to one character (always, but for dotted I and sigma).
        merge = all(len(ch.lower()) == 1 and ch not in "Σσς" for b in cs for ch in b["pattern"])
        scan = [(b["lit"], b["rem"]) for b in ci]
        self._cs_lits = ()
        if merge and cs:
            low = [_parts(b["pattern"].lower()) for b in cs]
            scan += low
            self._cs_lits = tuple(sorted({lit for lit, _ in low}))
        # every position after a non-word character: after a space (a literal prefix, the
        # fastest scan), and after any other non-word character
        trie = _trie_regex(scan)
        self._scan = (re.compile(rf" (?=({trie}))"),
                      re.compile(rf"[^a-z0-9_ ](?<=\W)(?=({trie}))")) if scan else None
        self._scan_cs = (re.compile(rf"(?<!\w)(?=({_trie_regex((b['lit'], b['rem']) for b in cs)}))")
                         if cs and not merge else None)
        self._scan_is_ci = not (merge and cs)
        self._join = _JOIN if not any(_JOIN in b["pattern"] for b in self.branches) else None
        order = sorted(range(len(self.branches)),
                       key=lambda i: (-len(self.branches[i]["pattern"].rstrip("*")), i))
        self.order = {c: [i for i in order if self.branches[i]["cs"] == c] for c in (False, True)}
        self._prefilter = self._prefilter_source()
        self.colliders = {}
        if overlapping:
            for i, b in enumerate(self.branches):
                self.colliders[i] = [j for j in self.order[b["cs"]] if j != i and (
                    self.branches[j]["lit"].startswith(b["lit"]) or b["lit"].startswith(self.branches[j]["lit"]))]

    def _prefilter_source(self) -> str | None:
        """RE2 source that matches every text where a branch with a target can match (a
        superset: a separator matches more, the end of a word is not checked after a
        wildcard, case is folded); None when some pattern has no RE2 form here."""
        alts = []
        for b in self.branches:
            if b["strip"] or not b["targets"]:
                continue                     # strip phrases only remove matches
            rest = _re2_rest(b["rem"])
            if rest is None:
                return None
            src = _re2_literal(b["lit"]) + rest
            if src.endswith("\\w*"):
                src = src[:-3]
            elif src[-1].isalnum():          # ends in a letter or digit: then not in a word
                src += r"\b"
            alts.append(src if b["cs"] else f"(?i:{src})")
        if not alts:
            return "[^\\x{0}-\\x{10ffff}]"           # nothing matches
        return f"(?:^|{_RE2_EDGE})(?:{'|'.join(alts)})|{_RE2_ALWAYS}"

    def candidates(self, texts: list[str]) -> list[int] | None:
        """Indices of the texts a pattern may match (a superset, by one RE2 scan of all
        texts through Arrow), or None: all of them (a short list, no RE2 form, or texts
        Arrow cannot take)."""
        if self._prefilter is None or len(texts) < _PREFILTER_MIN:
            return None
        import pyarrow as pa
        import pyarrow.compute as pc

        try:
            hit = pc.match_substring_regex(pa.array(texts, pa.large_string()), self._prefilter)
        except (pa.ArrowException, UnicodeError, TypeError):
            return None
        return np.flatnonzero(hit.to_numpy(zero_copy_only=False)).tolist()

    def _rx(self, i: int) -> re.Pattern:
        """The compiled pattern of branch ``i`` on its own (compiled when first needed)."""
        rx = self._single.get(i)
        if rx is None:
            rx = self._single[i] = re.compile(self.branches[i]["src"])
        return rx

    def _explain(self, text: str, cs: bool) -> list[int]:
        """Branches (longest pattern first) whose pattern matches exactly ``text``."""
        key = (text, cs)
        if key not in self._cache:
            low = text if cs else text.lower()
            self._cache[key] = [i for i in self.order[cs]
                                if low.startswith(self.branches[i]["lit"])
                                and self._rx(i).fullmatch(text)]
        return self._cache[key]

    def _starts(self, chunk: str, low: str) -> tuple[list, list]:
        """(start, end) of the case-insensitive and of the case-sensitive trie's match at every
        word start where it matches (overlapping; start order)."""
        ci, cs = [], []
        if self._scan is not None:
            after_space, after_other = self._scan
            found = [m.span(1) for m in after_space.finditer(low)]
            other = [m.span(1) for m in after_other.finditer(low)]
            if other:
                found = sorted(found + other)
            if self._scan_is_ci:
                ci = found
            else:
                rx_ci, rx_cs, lits = self._rx_ci, self._rx_cs, self._cs_lits
                for p, _ in found:
                    if rx_ci is not None:
                        mc = rx_ci.match(low, p)
                        if mc:
                            ci.append((p, mc.end()))
                    if low.startswith(lits, p):
                        mc = rx_cs.match(chunk, p)
                        if mc:
                            cs.append((p, mc.end()))
        if self._scan_cs is not None:
            cs = [m.span(1) for m in self._scan_cs.finditer(chunk)]
        return ci, cs

    def _spans(self, chunk: str, low: str) -> list[tuple[int, int, int]]:
        """(start, end, branch) of every match in the chunk, strip phrases removed, sorted."""
        spans = []
        for cs, found in zip((False, True), self._starts(chunk, low)):
            src = chunk if cs else low
            last = -1
            for s, e in found:
                if not self.overlapping:
                    if s < last:                            # a scan consumes what it matched
                        continue
                    last = e
                explained = self._explain(chunk[s:e], cs)
                if not explained:
                    continue
                if not self.overlapping:
                    spans.append((s, e, explained[0]))
                    continue
                spans += [(s, e, i) for i in explained]
                for i in self.colliders[explained[0]]:      # same start, other length
                    b = self.branches[i]
                    if i in explained or not src.startswith(b["lit"], s):
                        continue
                    mi = self._rx(i).match(chunk, s)
                    if mi:
                        spans.append((s, mi.end(), i))
        branches = self.branches
        stripped = sorted((s, e) for s, e, i in spans if branches[i]["strip"])
        if stripped:
            starts = [s for s, _ in stripped]
            reach = list(itertools.accumulate((e for _, e in stripped), max))
            spans = [x for x in spans if not branches[x[2]]["strip"] and not (
                (k := bisect.bisect_left(starts, x[1])) and reach[k - 1] > x[0])]
        spans.sort(key=lambda x: (x[0], x[0] - x[1], x[2]))
        return spans

    def _chunks(self, texts: list[str]):
        """(first text index, texts' start offsets, chunk, lower-cased chunk) per chunk."""
        ends = list(itertools.accumulate(len(t) + 1 for t in texts))   # text + separator
        head = self._join or " "                           # no pattern starts with a space
        i, n = 0, len(texts)
        while i < n:
            j = i + 1 if self._join is None else max(i + 1, bisect.bisect_left(
                ends, (ends[i - 1] if i else 0) + _CHUNK, i, n))
            part = texts[i:j]
            chunk = head + _JOIN.join(part)
            low = chunk.lower()
            if len(low) != len(chunk):
                low = head + _JOIN.join(map(_lower, part))
            base = (ends[i - 1] if i else 0) - 1
            offsets = [1] + [ends[k] - base for k in range(i, j - 1)]
            yield i, offsets, chunk, low
            i = j

    def matches(self, texts, context=None):
        """Every match in each of ``texts``, in text order and, within a text, by position.

        Returns lists (text index, start, end, branch, target). ``context(texts) -> list of
        sets`` (optional) gives the keys present in each text; a target with a context is
        kept only where one of its keys is present, and is dropped before overlaps are
        resolved.
        """
        texts = texts if isinstance(texts, list) else list(texts)
        keep = self.candidates(texts)
        if keep is None:
            return self._matches(texts, context)
        found = self._matches([texts[k] for k in keep], context)
        return [keep[k] for k in found[0]], *found[1:]

    def _matches(self, texts: list[str], context=None):
        out_i, out_s, out_e, out_b, out_t = [], [], [], [], []
        branches, overlapping = self.branches, self.overlapping
        for first, offsets, chunk, low in self._chunks(texts):
            spans = self._spans(chunk, low)
            where = [bisect.bisect_right(offsets, s) - 1 for s, _, _ in spans]
            present = {}
            if context is not None:
                need = sorted({w for w, (_, _, i) in zip(where, spans) if any(branches[i]["gates"])})
                if need:
                    present = dict(zip(need, context([texts[first + w] for w in need])))
            reach = {}              # farthest end taken so far, per key (one key if not overlapping)
            for w, (s, e, i) in zip(where, spans):
                b = branches[i]
                for t, k, g in zip(b["targets"], b["keys"], b["gates"]):
                    if g and context is not None and present[w].isdisjoint(g):
                        continue
                    k = k if overlapping else None
                    if reach.get(k, -1) > s:                # spans are in start order
                        continue
                    reach[k] = max(reach.get(k, -1), e)
                    off = offsets[w]
                    out_i.append(first + w)
                    out_s.append(s - off)
                    out_e.append(e - off)
                    out_b.append(i)
                    out_t.append(t)
        return out_i, out_s, out_e, out_b, out_t

    def find(self, text: str) -> list[tuple[int, int, int, object]]:
        """(branch, start, end, target) for every match in one text, in text order."""
        _, s, e, b, t = self.matches([text])
        return list(zip(b, s, e, t))


# --------------------------------------------------------------------------- gazetteer

@dataclass(frozen=True)
class Gazetteer:
    """A validated gazetteer.

    ``aliases``: DataFrame[vector, actor, alias, case_sensitive, kind]; ``vectors``:
    DataFrame[vector, label, focal]; ``strip``: phrases blanked before matching; ``meta``:
    name, version, description, sources, license; ``source``: where it was read from.
    """

    aliases: pd.DataFrame
    vectors: pd.DataFrame
    strip: tuple
    meta: dict
    source: str

    @property
    def focal(self) -> str:
        return str(self.vectors.loc[self.vectors.focal, "vector"].iloc[0])

    @property
    def partners(self) -> list[str]:
        return self.vectors.loc[~self.vectors.focal, "vector"].tolist()

    def matcher(self) -> _Matcher:
        entries = tuple((r.alias, bool(r.case_sensitive), (r.vector, r.actor, r.alias), r.vector, ())
                        for r in self.aliases.itertuples())
        return matcher_for(entries, tuple(self.strip), overlapping=False)


@functools.lru_cache(maxsize=16)
def matcher_for(entries: tuple, strip: tuple = (), overlapping: bool = False) -> _Matcher:
    """The compiled matcher of `entries` ((pattern, case_sensitive, target, key, context)
    tuples) and `strip` patterns, built once per distinct set in this process.

    Compiling the tries of a codebook or gazetteer takes about 0.4 s; per-article stages that
    run partition after partition in one worker process reuse it instead. The matcher's own
    memos (which branches match a text) depend only on the patterns, so results do not depend
    on what was matched before.
    """
    return _Matcher([dict(pattern=p, case_sensitive=cs, target=t, key=k, context=c)
                     for p, cs, t, k, c in entries], strip=strip, overlapping=overlapping)


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)    # libyaml when available


def _read_yaml(source, default_name: str):
    """(data, where) from None (package default), a path, or a dict."""
    if source is None:
        ref = resources.files("kzmedia") / "data" / default_name
        return yaml.load(ref.read_text(encoding="utf-8"), Loader=_YAML_LOADER), \
            f"kzmedia/data/{default_name}"
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


def _as_list(value, where):
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def load_gazetteer(source=None) -> Gazetteer:
    """Load and validate a gazetteer: None (package default), a YAML path, a dict, or a Gazetteer.

    Each vector lists ``names``, ``adjectives``, ``metonyms`` (actor = the alias),
    ``leaders`` (list of {name, aliases, role, years}; actor = the name),
    ``organisations`` (a list of names, or a mapping name -> {aliases, case_sensitive,
    leaders}, where only the listed aliases are matched) and ``case_sensitive`` aliases (matched in the given case only: US, EU, UN).
    Top level: metadata (name, version, description, sources, license), ``focal`` (the
    country whose foreign policy is studied), ``strip`` (phrases blanked before matching)
    and ``vectors``. Raises ValueError naming the source, vector and alias on unknown
    keys, empty or duplicate aliases, and aliases that cannot be compiled.
    """
    if isinstance(source, Gazetteer):
        return source
    data, where = _read_yaml(source, "actors.yaml")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown top-level keys {sorted(unknown)}; allowed: {sorted(_TOP_KEYS)}")
    vectors = data.get("vectors")
    if not isinstance(vectors, dict) or not vectors:
        raise ValueError(f"{where}: 'vectors' must be a non-empty mapping")
    focal = data.get("focal")
    if focal not in vectors:
        raise ValueError(f"{where}: 'focal' must name one of the vectors, got {focal!r}")
    rows, vrows, seen = [], [], {}

    def add(vector, actor, alias, cs, kind):
        w = f"{where}: vector {vector!r}"
        if not isinstance(alias, str) or not alias.strip():
            raise ValueError(f"{w}: empty alias ({kind})")
        alias = alias.strip()
        _check_compiles(alias, cs, w)
        src = _dup_key(alias, cs)
        if src in seen:
            raise ValueError(f"{w}: duplicate alias {alias!r} (same as {seen[src][1]!r} in vector "
                             f"{seen[src][0]!r})")
        seen[src] = (vector, alias)
        rows.append((vector, actor, alias, cs, kind))

    for vector, spec in vectors.items():
        w = f"{where}: vector {vector!r}"
        if not isinstance(spec, dict):
            raise ValueError(f"{w}: expected a mapping")
        bad = set(spec) - _ENTRY_KEYS
        if bad:
            raise ValueError(f"{w}: unknown keys {sorted(bad)}; allowed: {sorted(_ENTRY_KEYS)}")
        vrows.append((vector, str(spec.get("label", vector)), vector == focal))
        for kind in ("names", "adjectives", "metonyms"):
            for a in _as_list(spec.get(kind), f"{w} {kind}"):
                add(vector, a, a, False, kind[:-1])
        for a in _as_list(spec.get("case_sensitive"), f"{w} case_sensitive"):
            add(vector, a, a, True, "acronym")
        for lead in _as_list(spec.get("leaders"), f"{w} leaders"):
            _add_person(add, vector, lead, w)
        orgs = spec.get("organisations") or []
        if isinstance(orgs, dict):
            for name, o in orgs.items():
                o = o or {}
                bad = set(o) - _ORG_KEYS
                if bad:
                    raise ValueError(f"{w} organisation {name!r}: unknown keys {sorted(bad)}")
                for a in _as_list(o.get("aliases"), f"{w} {name}"):
                    add(vector, name, a, False, "organisation")
                for a in _as_list(o.get("case_sensitive"), f"{w} {name}"):
                    add(vector, name, a, True, "organisation")
                for lead in _as_list(o.get("leaders"), f"{w} {name} leaders"):
                    _add_person(add, vector, lead, w)
        else:
            for a in _as_list(orgs, f"{w} organisations"):
                add(vector, a, a, False, "organisation")
    strip = tuple(_as_list(data.get("strip"), f"{where}: strip"))
    for s in strip:
        _check_compiles(s, False, f"{where}: strip")
    aliases = pd.DataFrame(rows, columns=["vector", "actor", "alias", "case_sensitive", "kind"])
    vtab = pd.DataFrame(vrows, columns=["vector", "label", "focal"])
    meta = {k: data.get(k) for k in META_KEYS}
    return Gazetteer(aliases, vtab, strip, meta, where)


def _dedupe(items):
    out = []
    for x in items:
        if x not in out:
            out.append(x)
    return out


def _add_person(add, vector, lead, where):
    if not isinstance(lead, dict) or "name" not in lead:
        raise ValueError(f"{where}: each leader needs a 'name': {lead!r}")
    bad = set(lead) - _LEADER_KEYS
    if bad:
        raise ValueError(f"{where} leader {lead['name']!r}: unknown keys {sorted(bad)}")
    cs = _as_list(lead.get("case_sensitive"), where)
    for a in _dedupe([lead["name"]] + _as_list(lead.get("aliases"), where)):
        if a not in cs:
            add(vector, lead["name"], a, False, "leader")
    for a in cs:
        add(vector, lead["name"], a, True, "leader")


# --------------------------------------------------------------------------- analyses

def _sentences(articles, sentences):
    return _split_sentences(articles) if sentences is None else sentences


def _match_table(sentences: pd.DataFrame, texts: list[str], found, names) -> pd.DataFrame:
    """The matches `found` (a matcher's (text index, start, end, branch, target) lists) in the
    rows of `sentences` (whose sentence texts are `texts`) as DataFrame[doc_id, sent_id,
    *names, match]: ``names`` name the first items of each target tuple (str), ``match`` is
    the text matched. Built column by column (the targets through their distinct values)."""
    idx, start, end, _, target = found
    k = np.fromiter(idx, dtype=np.intp, count=len(idx))
    codes, distinct = pd.factorize(pd.Series(target, dtype=object))
    out = {"doc_id": sentences["doc_id"].astype("str").array.take(k),
           "sent_id": sentences["sent_id"].to_numpy()[k]}
    for j, name in enumerate(names):
        out[name] = pd.array([t[j] for t in distinct], dtype="str").take(codes)
    out["match"] = pd.array([texts[i][a:b] for i, a, b in zip(idx, start, end)], dtype="str")
    return pd.DataFrame(out)


def _mentions_in(sentences: pd.DataFrame, gaz: Gazetteer) -> pd.DataFrame:
    texts = sentences["sentence"].tolist()
    found = gaz.matcher().matches(texts)
    out = _match_table(sentences, texts, found, ("vector", "actor", "alias"))
    out["start"] = np.asarray(found[1], dtype=np.int64)
    out["end"] = np.asarray(found[2], dtype=np.int64)
    return out


def mentions(articles: pd.DataFrame, gazetteer=None, *, sentences=None) -> pd.DataFrame:
    """Actor mentions, one row per matched span.

    Returns DataFrame[doc_id, outlet, sent_id, vector, actor, alias, match, start, end]
    sorted by doc_id, sent_id and position in the sentence (``alias`` is the gazetteer entry,
    ``match`` the text as written, ``start``/``end`` its character offsets in the sentence:
    ``sentence[start:end] == match``). ``sentences`` may be a precomputed
    ``kzmedia.text.sentences(articles)`` table.
    """
    gaz = load_gazetteer(gazetteer)
    sents = _sentences(articles, sentences)
    out = _mentions_in(sents, gaz)
    out = out.merge(articles[["doc_id", "outlet"]], on="doc_id", how="left")
    cols = ["doc_id", "outlet", "sent_id", "vector", "actor", "alias", "match", "start", "end"]
    return out[cols].sort_values(["doc_id", "sent_id"], kind="stable").reset_index(drop=True)


def _normalised_entropies(counts: np.ndarray, k: int) -> np.ndarray:
    """Shannon entropy of each row of `counts` (rows x categories) over log(k): with p the
    row's non-zero counts over their total, ``-(p * log p).sum() / log k`` (NaN for a row
    without counts, or k < 2). The rows with m non-zero counts are taken together, their
    counts in row order, so each row's sum runs over its own m values as a one-row
    computation would."""
    c = np.asarray(counts, dtype=float)
    out = np.full(len(c), np.nan)
    if k < 2 or not len(c):
        return out
    total = c.sum(axis=1)
    nonzero = c > 0
    m = nonzero.sum(axis=1)
    for size in np.unique(m[total > 0]):
        rows = np.flatnonzero((m == size) & (total > 0))
        p = c[rows][nonzero[rows]].reshape(len(rows), size) / total[rows, None]
        out[rows] = -(p * np.log(p)).sum(axis=1) / math.log(k)
    return out


def attention(articles: pd.DataFrame, by: str = "outlet", gazetteer=None, *,
              sentences=None, mentions_table=None) -> pd.DataFrame:
    """How a group's attention is spread over the vectors.

    Returns DataFrame[<by>, vector, focal, n_articles, n_sentences, n_mentions,
    share_of_mentions, n_sentences_with_vector, share_of_sentences], one row per group x
    vector (zeros included). ``share_of_mentions`` is the vector's share of the group's
    mentions of *partner* vectors (the focal country excluded; NaN on its own row);
    ``share_of_sentences`` is the share of the group's sentences that mention the vector.
    """
    gaz = load_gazetteer(gazetteer)
    sents = _sentences(articles, sentences)
    men = mentions(articles, gaz, sentences=sents) if mentions_table is None else mentions_table
    groups = articles[["doc_id", by]]
    men = men[["doc_id", "sent_id", "vector"]].merge(groups, on="doc_id")
    keys = articles[[by]].drop_duplicates()
    grid = keys.merge(gaz.vectors[["vector", "focal"]], how="cross")
    per_doc = groups["doc_id"].map(sents.groupby("doc_id").size()).fillna(0)
    base = groups.assign(n_sentences=per_doc).groupby(by).agg(
        n_articles=("doc_id", "size"), n_sentences=("n_sentences", "sum")).reset_index()
    n_men = men.groupby([by, "vector"]).size().rename("n_mentions").reset_index()
    n_sen = men.drop_duplicates(["doc_id", "sent_id", "vector"]).groupby([by, "vector"]).size() \
        .rename("n_sentences_with_vector").reset_index()
    out = grid.merge(base, on=by, how="left").merge(n_men, on=[by, "vector"], how="left") \
        .merge(n_sen, on=[by, "vector"], how="left")
    for c in ("n_mentions", "n_sentences_with_vector", "n_sentences"):
        out[c] = out[c].fillna(0).astype(int)
    partner_total = out[~out.focal].groupby(by)["n_mentions"].transform("sum")
    out["share_of_mentions"] = np.nan
    out.loc[~out.focal, "share_of_mentions"] = out.loc[~out.focal, "n_mentions"] / partner_total.replace(0, np.nan)
    out["share_of_sentences"] = out["n_sentences_with_vector"] / out["n_sentences"].replace(0, np.nan)
    cols = [by, "vector", "focal", "n_articles", "n_sentences", "n_mentions", "share_of_mentions",
            "n_sentences_with_vector", "share_of_sentences"]
    return out[cols].sort_values([by, "vector"]).reset_index(drop=True)


def article_balance(articles: pd.DataFrame, gazetteer=None, *, sentences=None,
                    mentions_table=None) -> pd.DataFrame:
    """Per-article balance index over partner vectors.

    Returns DataFrame[doc_id, n_partner_mentions, n_partner_vectors, balance]: balance =
    Shannon entropy of the article's partner-vector mention shares divided by log(K), K = the
    number of partner vectors in the gazetteer (0 = one partner only, 1 = perfectly even over
    all K). Articles without partner mentions get NaN.
    """
    gaz = load_gazetteer(gazetteer)
    men = mentions(articles, gaz, sentences=sentences) if mentions_table is None else mentions_table
    partners = gaz.partners
    counts = men[men.vector.isin(partners)].groupby(["doc_id", "vector"]).size().unstack(fill_value=0)
    counts = counts.reindex(index=articles["doc_id"].unique(), columns=partners, fill_value=0)
    k = len(partners)
    out = pd.DataFrame({
        "doc_id": counts.index,
        "n_partner_mentions": counts.sum(axis=1).to_numpy(),
        "n_partner_vectors": (counts > 0).sum(axis=1).to_numpy(),
        "balance": _normalised_entropies(counts.to_numpy(), k),
    })
    return out.sort_values("doc_id").reset_index(drop=True)


def balance(articles: pd.DataFrame, by: str = "outlet", gazetteer=None, *, sentences=None,
            mentions_table=None, ci: float = 0.95, n_resamples: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Balance index ("how multi-vector") per group, with an article-level interval.

    Returns DataFrame[<by>, n_articles, mean, ci_low, ci_high, interval, article_values,
    pooled, k]: ``mean`` and the interval come from :func:`kzmedia.stats.summarize` over the
    per-article balance (articles without partner mentions are left out of n_articles);
    ``pooled`` is the normalised entropy of the group's pooled partner mentions; ``k`` the
    number of partner vectors.
    """
    from . import stats
    gaz = load_gazetteer(gazetteer)
    men = mentions(articles, gaz, sentences=sentences) if mentions_table is None else mentions_table
    per = article_balance(articles, gaz, mentions_table=men)
    per = per.merge(articles[["doc_id", by]], on="doc_id")
    vals = per.dropna(subset=["balance"])
    summ = stats.summarize(vals, "balance", by, unit="doc_id", ci=ci, n_resamples=n_resamples, seed=seed)
    partners = gaz.partners
    men = men[men.vector.isin(partners)].merge(articles[["doc_id", by]].rename(
        columns={by: "_g"}), on="doc_id")
    # each group's partner mention counts, largest first (the order value_counts gives them)
    counts = men.groupby(["_g", "vector"]).size().unstack(fill_value=0)
    pooled = pd.Series(_normalised_entropies(-np.sort(-counts.to_numpy(), axis=1),
                                             len(partners)), index=counts.index)
    summ["pooled"] = summ[by].map(pooled)
    summ["k"] = len(partners)
    return summ.sort_values(by).reset_index(drop=True)


def cooccurrence(articles: pd.DataFrame, by: str = "outlet", gazetteer=None, *,
                 sentences=None, mentions_table=None) -> pd.DataFrame:
    """Sentence-level co-mention of vectors.

    Returns DataFrame[<by>, vector_a, vector_b, n_sentences]: for every group and every
    unordered pair of gazetteer vectors (vector_a < vector_b alphabetically, zeros
    included), the number of sentences that mention both.
    """
    gaz = load_gazetteer(gazetteer)
    men = mentions(articles, gaz, sentences=sentences) if mentions_table is None else mentions_table
    per = men[["doc_id", "sent_id", "vector"]].drop_duplicates()
    pairs = per.merge(per, on=["doc_id", "sent_id"], suffixes=("_a", "_b"))
    pairs = pairs[pairs.vector_a < pairs.vector_b].merge(articles[["doc_id", by]], on="doc_id")
    counts = pairs.groupby([by, "vector_a", "vector_b"]).size().rename("n_sentences").reset_index()
    vs = sorted(gaz.vectors.vector)
    grid = pd.DataFrame([(a, b) for a in vs for b in vs if a < b], columns=["vector_a", "vector_b"])
    grid = articles[[by]].drop_duplicates().merge(grid, how="cross")
    out = grid.merge(counts, on=[by, "vector_a", "vector_b"], how="left")
    out["n_sentences"] = out["n_sentences"].fillna(0).astype(int)
    return out.sort_values([by, "vector_a", "vector_b"]).reset_index(drop=True)
