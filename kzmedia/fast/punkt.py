"""Punkt's sentences without running Punkt on every candidate boundary.

Reproduces :func:`kzmedia.text.split_sentences` with ``method="reference"``: NLTK's
``PunktSentenceTokenizer`` with :data:`kzmedia.text.NEWS_ABBREVIATIONS` as its only
parameters, run on each paragraph. Contract: the differential tests
``test_fast_splitter_equals_reference`` (hand cases) and
``test_fast_splitter_equals_reference_on_seeds`` in ``tests/test_text.py``, which compare
``method="fast"`` with ``method="reference"``.

How: one regular expression finds the places Punkt considers (a ``.``, ``?`` or ``!`` before
a non-word character or before whitespace and a token) and the paragraph breaks. For a
period after a plain word, an abbreviation, an initial or a number, Punkt's rules (without
trained statistics) are applied here directly; the rest (unusual words before the period,
a next token that holds sentence-ending punctuation of its own) is handed to Punkt itself
(``text_contains_sentbreak`` on the few characters around the candidate).
"""

from __future__ import annotations

import re

from ..text import NEWS_ABBREVIATIONS, punkt_tokenizer

__all__ = ["split"]

_ABBREVIATIONS = frozenset(NEWS_ABBREVIATIONS)

# Punkt's candidate boundaries (its period_context_re): . ? or ! followed by a character that
# cannot be inside a word, or by whitespace and a token; a paragraph break is matched too.
# Groups: 1 the punctuation, 2 the non-word character after it, 3 the whitespace and 4 the
# token after it. Punkt's expressions run on the third-party `regex` engine, whose \s lacks
# \x1c-\x1f.
_NON_WORD = ")\";}\\]*:@'({\\[\u2018\u2019\u201c\u201d\xab\xbb?!"
_S, _NS = r"[^\S\x1c-\x1f]", r"[\S\x1c-\x1f]"
_CANDIDATE = re.compile(
    r"[.?!\n](?:(?<=\n)[^\S\n]*\n\s*|(?<=([.?!]))(?:(?=([" + _NON_WORD + r"]))"
    r"|(?=(" + _S + r"+)(" + _NS + r"+))))")
# Closing quotes and brackets after a break belong to the sentence before (Punkt's realignment)
_REALIGN = re.compile(r'["\')\]}\u2018\u2019\u201c\u201d\xab\xbb]+?(?:' + _S + r"+|(?=--)|$)",
                      re.MULTILINE)
_REALIGN_CHARS = frozenset("\"')]}\u2018\u2019\u201c\u201d\xab\xbb")
# The word before a candidate, when Punkt's rules decide directly: letters/digits joined by
# single - . , (one Punkt token), optionally after opening marks that are tokens of their own.
_SIMPLE_WORD = re.compile(r"[(\"`{\[\-]*([\u2018\u2019\u201c\u201d\xab\xbb']?)"
                          r"([^\W_]+(?:[\-.,][^\W_]+)*)").fullmatch
_PUNKT_NUMBER = re.compile(r"-?[.,]?\d[\d,.\-]*\.?").fullmatch
_PUNKT_INITIAL = re.compile(r"[^\W\d]\.").fullmatch
_ASCII_WS = " \t\n\r\x0b\x0c"  # what Punkt looks back to for the word before a candidate

# How Punkt reads a period after a word (see _period_kind)
BREAK, ABBREVIATION, INITIAL, NUMBER, UNDECIDED = 0, 1, 2, 3, -1


def _period_kind(word: str) -> int:
    """How Punkt (no trained statistics, the news abbreviations only) reads a "." after
    ``word``, the text since the last whitespace: BREAK always, ABBREVIATION never a break,
    INITIAL a break only before a token that is neither punctuation nor has a case, NUMBER a
    break before an upper-case or case-less token; UNDECIDED: not decided here."""
    if not word or word[-1] in _NON_WORD:
        return BREAK  # the period is a token of its own
    m = _SIMPLE_WORD(word)
    if m is None:
        return UNDECIDED
    quote, core = m.groups()
    token = quote + core + "."
    low = token[:-1].lower()
    if low in _ABBREVIATIONS or low.split("-")[-1] in _ABBREVIATIONS:
        return ABBREVIATION
    if _PUNKT_INITIAL(token):
        return INITIAL
    if _PUNKT_NUMBER(token.lower()):
        return NUMBER
    return BREAK


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


def _period_breaks(kind: int, nonword: str | None, next_token: str | None) -> bool:
    """Punkt's second pass for an abbreviation, initial or number before ".", given the next
    character (``nonword``) or token; False also when unsure (Punkt decides then)."""
    if kind == ABBREVIATION:
        return False
    if nonword is not None:
        cls = 0 if nonword in ";:?!" else 3
    else:
        ch = next_token[0]
        if ch in ".?!":
            return False
        cls = _next_class(ch)
    return cls == 3 if kind == INITIAL else cls in (1, 3)


def _word_start(text: str, lo: int, p: int) -> int:
    """Start of the word before position p: after the last ASCII whitespace in text[lo:p];
    -1 if there is none."""
    s = max(text.rfind(c, lo, p) for c in _ASCII_WS)
    return s + 1 if s >= 0 else -1


def _candidates(text: str) -> list[tuple]:
    """The candidates Punkt looks at, in order: (position, start of the word before it or -1
    for a paragraph break, match, groups, word). Of several candidates with no whitespace
    between them only the last counts (unless the word before the earlier one is empty),
    its word reaching back to the last whitespace; the last candidate of a paragraph is
    never seen by Punkt."""
    cands: list[tuple] = []
    prev_p, prev_w0 = -1, 0
    for m in _CANDIDATE.finditer(text):
        p = m.start()
        g = m.groups()
        if g[0] is None:  # paragraph break
            cands.append((p, -1, m, g, None))
            prev_p = prev_w0 = p
            continue
        ws = g[2]
        if ws is not None and ws.count("\n") >= 2:
            continue
        lo = prev_p + 1
        s = text.rfind(" ", lo, p)
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
    return cands


def _is_break(text: str, p: int, w0: int, groups: tuple, word: str) -> bool:
    """Whether Punkt breaks at the candidate at position p (word before it from w0)."""
    char, nonword, ws, next_token = groups
    if char != ".":
        return True
    kind = _period_kind(word)
    if kind == BREAK:
        return True
    if kind != UNDECIDED and _period_breaks(kind, nonword, next_token):
        return True
    if kind != UNDECIDED and (nonword is not None or not any(x in next_token for x in ".?!")):
        return False
    # an unusual word, or a next token with breaks of its own: ask Punkt
    context = text[w0:p + 1] + (nonword if nonword is not None else ws + next_token)
    return punkt_tokenizer().text_contains_sentbreak(context)


def split(text: str) -> list[str]:
    """The sentences of ``text``, as :func:`kzmedia.text.split_sentences` gives them."""
    text = text.strip()
    if not text:
        return []
    out: list[str] = []
    start = 0
    for p, w0, m, groups, word in _candidates(text):
        if w0 < 0:  # paragraph break
            end, nxt = p, m.end()
        else:
            if not _is_break(text, p, w0, groups, word):
                continue
            end = p + 1
            nxt = end if groups[1] is not None else m.start(4)
            if text[nxt] in _REALIGN_CHARS:
                r = _REALIGN.match(text, nxt)
                if r is not None:
                    end = nxt + len(r.group(0).rstrip())
                    nxt = r.end()
        sentence = text[start:end].strip()
        if sentence:
            out.append(sentence)
        if nxt > start:
            start = nxt
    sentence = text[start:].strip()
    if sentence:
        out.append(sentence)
    return out
