"""Term counts of many texts, read through their distinct whitespace-separated chunks.

Reproduces :func:`kzmedia.terms.count_terms` (``document_term_matrix(...,
method="reference")``): the counts of the tokens of :func:`kzmedia.text.make_tokenizer` in
each text. Contract: the differential tests ``test_fast_counting_equals_reference``
(phrases across every kind of whitespace, every tokenizer option, each text alone and all
together), ``test_fast_counting_equals_reference_on_seeds`` and
``test_fast_counting_phrases_across_whitespace`` in ``tests/test_terms.py``, which compare
``document_term_matrix(..., method="fast")`` with ``method="reference"``.

Why the chunks give the same counts: no token contains whitespace, so a text's tokens are
those of its chunks, and each distinct chunk of the corpus is tokenized once (news text
repeats its words) — except where a phrase match runs across whitespace. Such places are
found from the word runs at the edges of the chunks (:func:`phrase_edges`): each run of
chunks they connect (a window) is tokenized as one text, its chunks joined by one space (a
phrase reads any whitespace between its words alike). A phrase's in-word hyphen matches at
most one separator character, so where one may stand at the whitespace, the width of the
whitespace decides: those texts are tokenized whole.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from .. import terms, text

__all__ = ["count_terms", "phrase_edges"]

_RUN = re.compile(r"\w+")  # the word runs the phrase pattern's (?<!\w) and (?!\w) see
_HYPHEN = re.compile(r"[\-\u2010\u2011]")
_SEPARATORS_ONLY = re.compile(r"[\s\-\u2010\u2011]+").fullmatch
_FIRST_RUNS = re.compile(r"\x00[^\w\x00]*(\w*)").findall  # one per NUL-led text
_LAST_RUNS = re.compile(r"(\w*)[^\w\x00]*\x00").findall  # one per NUL-ended text
# A letter (Cyrillic multiocular O) that marks the end of each text in batch tokenizing
_MARK = "\ua66e"


def count_terms(texts: Sequence[str], *, numbers: bool = False,
                stopwords: Iterable[str] | None = None, phrases: Iterable[str] | None = None,
                joiner: str = "_", possessive: bool = False) -> tuple[sp.csr_matrix, np.ndarray]:
    """(counts: CSR texts x terms, vocabulary: sorted object array of the terms), as
    :func:`kzmedia.terms.count_terms` gives them for the same arguments."""
    stop = (text.load_stopwords() if stopwords is None
            else frozenset(s.lower() for s in stopwords))
    phr = tuple(text.load_phrases()) if phrases is None else tuple(p.lower() for p in phrases)
    edges = phrase_edges(phr)
    if edges is None or any(_MARK in p for p in phr):
        # a piece of a phrase has no word character (no edges to find it by), or a phrase
        # holds the marker of batch tokenizing
        return terms.count_terms(texts, numbers=numbers, stopwords=stopwords, phrases=phrases,
                                 joiner=joiner, possessive=possessive)
    # tokens before stop words are removed, phrases joined by "_": columns are dropped and
    # renamed afterwards
    tokenizer = text.make_tokenizer(numbers=numbers, stopwords=(), phrases=phr,
                                    possessive=True)
    drop = set(stop) if possessive else set(stop) | {text.POSSESSIVE}
    arr = pa.array(texts, pa.large_string())
    if isinstance(arr, pa.ChunkedArray):  # from a pandas column stored in Arrow
        arr = arr.combine_chunks()
    return _ChunkCounter(tokenizer, edges).count(arr, drop, joiner)


def phrase_edges(phrases: Iterable[str]) -> tuple[set, set] | None:
    """Where a phrase match can run across whitespace between two chunks of text.

    It crosses only at one of the phrase's separators; the chunk before then ends with the
    phrase's text up to that separator (plus hyphens), the chunk after starts with the rest
    (after hyphens). Seen through word runs (``\\w+``): the last run of the chunk before is
    the last run of the phrase text back to the previous separator that is present (an
    in-word hyphen may be absent: ``kassymjomart``), the first run of the chunk after
    likewise forward. Returns ``(wide, narrow)``: sets of such (last run, first run) pairs at
    separators between words (any whitespace) and at in-word hyphens (one separator
    character, so the width of the whitespace matters); None when a piece of a phrase has no
    word character. Every phrase with a separator is looked at (a superset of those the
    tokenizer joins: an extra pair only makes more text be read in one piece).
    """
    wide: set = set()
    narrow: set = set()
    for p in sorted(set(phrases)):
        seq: list = []  # characters, and 1 (between words) or 0 (in-word hyphen)
        for wi, word in enumerate(p.split()):
            if wi:
                seq.append(1)
            for pi, part in enumerate(_HYPHEN.split(word)):
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


def _edge_runs(strings: list[str]) -> tuple[list[str], list[str], list[int]]:
    """For each string as the tokenizer reads it (:func:`kzmedia.text.normalize`): its first
    and last word run ("" if none); and the indices of the strings made of phrase separators
    only (spaces, hyphens)."""
    big = "\x00".join(strings)
    if big.count("\x00") == max(len(strings) - 1, 0):
        big = text.normalize(big)
        first, last = _FIRST_RUNS("\x00" + big), _LAST_RUNS(big + "\x00")
    else:
        runs = [_RUN.findall(text.normalize(t)) for t in strings]
        first = [r[0] if r else "" for r in runs]
        last = [r[-1] if r else "" for r in runs]
    seps = [i for i, w in enumerate(first) if not w and strings[i]
            and _SEPARATORS_ONLY(text.normalize(strings[i])) is not None]
    return first, last, seps


class _ChunkCounter:
    """Counts through chunks with one tokenizer; tokens get codes in order of appearance."""

    def __init__(self, tokenizer, edges: tuple[set, set]):
        self.tokenizer = tokenizer
        self.wide, self.narrow = edges
        vocab: defaultdict = defaultdict(None)
        vocab.default_factory = vocab.__len__  # a new token gets the next code
        self.vocab = vocab

    def codes(self, strings: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The token codes of the strings, concatenated, and the number of tokens of each.
        The strings are tokenized as one text, joined by NUL (which no phrase, token, US/UN
        context or case mapping reads across) around a marker word that ends each string's
        tokens."""
        n = len(strings)
        between = "\x00" + _MARK + "\x00"
        big = between.join(strings)
        if big.count("\x00") == 2 * max(n - 1, 0) and big.count(_MARK) == max(n - 1, 0):
            tokens = self.tokenizer(big) if n else []
            ends = np.flatnonzero(np.array(tokens, dtype=object) == _MARK)
            lengths = np.diff(np.concatenate([[-1], ends, [len(tokens)]]))[:n] - 1
            tokens = [t for t in tokens if t != _MARK]
        else:  # a string holds NUL or the marker: one at a time
            per = list(map(self.tokenizer, strings))
            tokens = list(itertools.chain.from_iterable(per))
            lengths = np.fromiter(map(len, per), dtype=np.int64, count=n)
        code = self.vocab.__getitem__
        return np.fromiter(map(code, tokens), dtype=np.int64, count=len(tokens)), lengths

    def count(self, arr: pa.Array, drop: set, joiner: str) -> tuple[sp.csr_matrix, np.ndarray]:
        # the chunks at ASCII whitespace only (a subset of Python's \s, so no token is ever
        # cut; a chunk that keeps other whitespace inside is tokenized as it is)
        split = pc.ascii_split_whitespace(arr)
        starts = split.offsets.to_numpy().astype(np.int64)  # text i: positions starts[i]:[i+1]
        starts -= starts[0]
        flat = split.flatten()
        encoded = pc.dictionary_encode(flat)
        pos_chunk = encoded.indices.to_numpy()  # the distinct chunk at each position
        chunks = encoded.dictionary.to_pylist()
        chunk_codes, chunk_len = self.codes(chunks)

        keep = np.ones(len(pos_chunk), dtype=np.int32)  # 0: read in a window or a whole text
        extra = []  # (rows, codes) of the windows and the texts read whole
        boundaries, kind = self._crossings(chunks, pos_chunk, starts)
        doc = np.searchsorted(starts, boundaries, side="right") - 1
        whole = np.unique(doc[kind == 2])
        if len(whole):
            for d in whole:
                keep[starts[d]:starts[d + 1]] = 0
            boundaries = boundaries[~np.isin(doc, whole)]
            c, n = self.codes(arr.take(pa.array(whole)).to_pylist())
            extra.append((np.repeat(whole, n), c))
        if len(boundaries):
            extra.append(self._windows(boundaries, starts, flat, keep))

        # a token is a term when it is read somewhere: in a chunk counted on its own, in a
        # window or in a whole text (a chunk may occur only inside windows)
        n_cols = len(self.vocab)
        used = np.bincount(pos_chunk[keep > 0], minlength=len(chunks)) > 0
        seen = np.zeros(n_cols, dtype=bool)
        seen[chunk_codes[np.repeat(used, chunk_len)]] = True
        for _, c in extra:
            seen[c] = True
        proj, vocabulary = _projection(
            [None if t in drop or not ok else t for t, ok in zip(self.vocab, seen)], joiner)
        per_text = sp.csr_matrix((keep, pos_chunk, starts), shape=(len(arr), len(chunks)))
        chunk_ptr = np.concatenate([[0], np.cumsum(chunk_len)])
        per_chunk = sp.csr_matrix((np.ones(len(chunk_codes), dtype=np.int32), chunk_codes,
                                   chunk_ptr), shape=(len(chunks), n_cols))
        m = per_text @ (per_chunk @ proj)
        for rows, c in extra:
            m = m + sp.csr_matrix((np.ones(len(c), dtype=np.int32), (rows, c)),
                                  shape=(len(arr), n_cols)) @ proj
        return m, vocabulary

    def _crossings(self, chunks: list[str], pos_chunk: np.ndarray,
                   starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The boundaries a phrase may cross (boundary i lies between positions i and i + 1
        of one text) and their kind: 1 between words, 2 at an in-word hyphen."""
        n_pos = len(pos_chunk)
        none = np.zeros(0, dtype=np.int64)
        if not (self.wide or self.narrow) or n_pos < 2:
            return none, none.astype(np.int8)
        first, last, seps = _edge_runs(chunks)
        lefts = sorted({x for x, _ in self.wide | self.narrow})
        rights = sorted({y for _, y in self.wide | self.narrow})
        lid = {w: i for i, w in enumerate(lefts)}
        rid = {w: i for i, w in enumerate(rights)}
        no = itertools.repeat(-1)
        left = np.fromiter(map(lid.get, last, no), dtype=np.int64, count=len(chunks))
        right = np.fromiter(map(rid.get, first, no), dtype=np.int64, count=len(chunks))
        pairs = np.zeros((len(lid) + 1, len(rid) + 1), dtype=np.int8)  # [-1]: no such run
        for x, y in self.wide:
            pairs[lid[x], rid[y]] = 1
        for x, y in self.narrow:
            pairs[lid[x], rid[y]] = 2
        cand = np.flatnonzero((left >= 0)[pos_chunk[:-1]])
        kind = pairs[left[pos_chunk[cand]], right[pos_chunk[cand + 1]]]
        cand, kind = cand[kind > 0], kind[kind > 0]
        # a chunk of separators only ("-", "--") may stand inside a phrase: both its sides
        is_sep = np.zeros(len(chunks), dtype=bool)
        is_sep[seps] = True
        at_sep = np.flatnonzero(is_sep[pos_chunk]) if seps else none
        cand = np.concatenate([cand, at_sep - 1, at_sep])
        kind = np.concatenate([kind, np.ones(2 * len(at_sep), dtype=np.int8)])
        ok = (cand >= 0) & (cand < n_pos - 1)
        cand, kind = cand[ok], kind[ok]
        doc = np.searchsorted(starts, cand, side="right") - 1
        ok = starts[doc + 1] > cand + 1  # both positions in one text
        return cand[ok], kind[ok]

    def _windows(self, boundaries: np.ndarray, starts: np.ndarray, flat: pa.Array,
                 keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(rows, codes) of the windows, the maximal runs of positions linked by the
        boundaries, each distinct window tokenized once; marks their positions in ``keep``."""
        link = np.unique(boundaries)
        brk = np.flatnonzero(np.diff(link) > 1)
        w0 = link[np.concatenate([[0], brk + 1])]  # first position of each window
        w1 = link[np.concatenate([brk, [len(link) - 1]])] + 2  # one past its last
        lens = w1 - w0
        offs = np.concatenate([[0], np.cumsum(lens)])
        take = np.repeat(w0 - offs[:-1], lens) + np.arange(offs[-1])
        keep[take] = 0
        windows = pa.LargeListArray.from_arrays(pa.array(offs, pa.int64()),
                                                flat.take(pa.array(take)))
        encoded = pc.dictionary_encode(pc.binary_join(windows, pa.scalar(" ", flat.type)))
        codes, n_tokens = self.codes(encoded.dictionary.to_pylist())
        ptr = np.concatenate([[0], np.cumsum(n_tokens)])
        which = encoded.indices.to_numpy()
        n = n_tokens[which]
        sel = np.repeat(ptr[which] - (np.cumsum(n) - n), n) + np.arange(n.sum())
        return np.repeat(np.searchsorted(starts, w0, side="right") - 1, n), codes[sel]


def _projection(final: list, joiner: str) -> tuple[sp.csr_matrix, np.ndarray]:
    """(token codes x terms 0/1 matrix, sorted vocabulary): ``final[j]`` is the term of the
    token with code j, None = dropped; several tokens may give one term (``joiner``)."""
    if joiner != "_":
        final = [None if t is None else t.replace("_", joiner) for t in final]
    kept = [j for j, t in enumerate(final) if t is not None]
    vocabulary = np.array(sorted({final[j] for j in kept}), dtype=object)
    pos = {t: i for i, t in enumerate(vocabulary)}
    proj = sp.csr_matrix(
        (np.ones(len(kept), dtype=np.int32),
         (np.asarray(kept, dtype=np.int64),
          np.fromiter((pos[final[j]] for j in kept), dtype=np.int64, count=len(kept)))),
        shape=(len(final), len(vocabulary)))
    return proj, vocabulary
