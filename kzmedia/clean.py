"""Raw scraped text dumps -> article body + metadata, with a per-line audit.

A dump holds the article among the page around it (menus, headline, standfirst, byline,
dates, captions, pull quotes, promos, tags, "most read" teasers, footer). `clean_article`
keeps the source's own body paragraphs verbatim (whitespace trimmed) and gives every input
line a reason. Only generic signals are used, so unseen outlets work too:

1. Vocabulary (``data/clean_rules.yaml``, extendable per outlet): bylines, "Published:"
   lines, datelines, credits, promos, "Advertisement", tag / most-read / comments /
   author-box / footer markers.
2. Repetition: a line repeating the next non-blank line is a caption pair; a body line
   contained in a longer (or earlier) body line is a pull quote, a short line after it
   its attribution.
3. Shape and position: the body is the heaviest run of prose lines (8+ words ending a
   sentence), see `_body_block`. Above it: navigation, category strip, headline,
   standfirst, captions; below it: tags, most-read list, comments, author box, footer.
4. In the body, short unpunctuated lines are subheadings (dropped: not prose paragraphs);
   a caption glued to a paragraph ("... (SCO), 2022The country is ...") is cut off.

A day/month dateline without a year ("(15/12 – 40)") gives no date (date and
date_precision ""); the dateline itself is returned as stated.
"""
from __future__ import annotations

import difflib
import re
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
import yaml

__all__ = ["clean_article", "clean_text", "audit_text", "sniff", "load_rules", "AUDIT_COLUMNS"]

AUDIT_COLUMNS = ["line_no", "text", "kept", "reason"]
# Lines that open the page's tail after the body (the footer also ends it).
LIST_MARKERS = frozenset({"tag list", "most-read list", "comments", "author box"})
TAIL_MARKERS = LIST_MARKERS | {"footer"}
HEADER_MARKERS = frozenset({"byline", "date line", "dateline"})
_IN_BODY_CLUTTER = frozenset({"blank", "boilerplate", "promo", "caption", "duplicate caption",
                              "photo credit", "duplicate"})
QUOTE_MIN = 6  # fewest words of a pull quote
INDEX_MIN_CHARS = 20_000  # a body this long is indexed to find pull quotes (see _quote_holders)
MAX_GAP = 4  # non-blank, non-prose lines allowed between two paragraphs of one body
# A sentence ends in Latin, CJK (。！？), Devanagari (।), Arabic (؟) or Urdu (۔) punctuation.
_END = re.compile(r"(?:[.!?…。！？।؟۔][\"'”’»)\]」』）》]*|\w—)$")
# Scripts written without spaces between words (Chinese, Japanese kana): their characters
# are counted as words, two to a word, so a paragraph weighs what its words would.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_NORM = re.compile(r"[\W_]+")
_NORM_LINES = re.compile(r"[^\w\n]+|_+")
_BREADCRUMB = re.compile(r"\s[»›>|·•]\s|^home\s*[»›>|/]", re.I)
_FUNCTION = frozenset(
    "a an the of in on at to for with and or but nor between from by as is are was were be "
    "has have had over into after before amid about against than its his her their our "
    "not no says said will can could may after under via".split()
)
_GLUE = re.compile(r"(?<=[a-z0-9)\]])(?=[A-Z][a-z]*\s)")
_SENTENCE_BREAK = re.compile(r"[.!?][\"'”’]?(\s|$)")
_INLINE_DATELINE = re.compile(
    r"^([A-Z][A-Z .'/-]{2,30}(?:, [^()—–\-]{1,40})?(?: \([^)]{2,30}\))?)\s+[—–-]{1,2}\s+\S"
)
_MONTHS = "january february march april may june july august september october november december"
_MONTH_NO = {m[:3]: i for i, m in enumerate(_MONTHS.split(), 1)}
_MON = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DATE_PATTERNS = (
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), "ymd"),
    (re.compile(_MON + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b", re.I), "mdy"),
    (re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+" + _MON + r",?\s+(\d{4})\b", re.I), "dmy"),
    (re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b"), "dmy_num"),
    (re.compile(r"\b" + _MON + r",?\s+(\d{4})\b", re.I), "my"),
)


def load_rules(outlet: str | None = None) -> dict[str, list[str]]:
    """The line vocabulary from package data: reason -> list of lower-case regexes.

    With `outlet`, that outlet's extra patterns from the ``outlets:`` section are appended.
    """
    text = resources.files("kzmedia").joinpath("data/clean_rules.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    rules = {reason: list(pats) for reason, pats in data["patterns"].items()}
    for reason, pats in ((data.get("outlets") or {}).get(outlet) or {}).items():
        rules.setdefault(reason, []).extend(pats)
    return rules


@lru_cache(maxsize=16)
def _compiled(extra: tuple) -> tuple:
    """(reason, compiled patterns) pairs: package vocabulary plus `extra` patterns.

    Patterns are compiled one by one, searched in the lower-cased line: the package's are
    written in lower case (no IGNORECASE, so literal prefixes speed the search), extras get
    IGNORECASE. Patterns already in the vocabulary are not repeated.
    """
    rules = {r: {re.compile(p): None for p in pats} for r, pats in load_rules().items()}
    for reason, pats in extra:
        known = {rx.pattern for rxs in rules.values() for rx in rxs}
        rules.setdefault(reason, {}).update({re.compile(p, re.I): None for p in pats if p not in known})
    return tuple((reason, tuple(rxs)) for reason, rxs in rules.items() if rxs)


def _rules_key(rules) -> tuple:
    """Hashable form of the `rules` argument (for the compiled-pattern cache)."""
    if rules is None:
        return ()
    if not isinstance(rules, dict):
        raise TypeError(f"rules must be a dict of reason -> list of regexes, got {type(rules).__name__}")
    return tuple((str(r), tuple([p] if isinstance(p, str) else p)) for r, p in rules.items())


def _norm(s: str) -> str:
    return _NORM.sub(" ", s.lower()).strip()


def _n_words(line: str, words: list[str]) -> int:
    """Words of a line: whitespace tokens, and characters of unspaced scripts two to a word."""
    unspaced = len(_UNSPACED.findall(line))
    return len(words) + unspaced // 2 if unspaced else len(words)


def _menu_like(words: list[str]) -> bool:
    """A run of capitalised labels with no lower-case function word (a menu or category strip)."""
    alpha = [w for w in words if w[:1].isalpha()]
    if len(alpha) < 3 or any(w in _FUNCTION for w in alpha):
        return False
    return sum(w[0].isupper() for w in alpha) >= 0.85 * len(alpha)


def _hard_label(line: str, n_words: int, ends: bool, patterns) -> str | None:
    """Vocabulary label of one stripped line, with the shape checks each reason needs."""
    low = line.lower()
    for reason, rxs in patterns:
        if not any(rx.search(low) for rx in rxs):
            continue
        if reason == "byline" and (n_words > 12 or ends):
            continue
        if reason == "date line" and n_words > 15:
            continue
        if reason == "dateline" and (line.split()[0].lower() in _FUNCTION
                                     or sum(w[0].islower() for w in line.split()) > 1):
            continue
        if reason in LIST_MARKERS and ends:
            continue
        if reason == "footer" and ends and n_words > 12 and "©" not in line:
            continue
        return reason
    return None


def _near_duplicate(a: str, b: str) -> bool:
    """Two normalised short lines that differ by a word or two (an edited caption copy)."""
    if max(len(a), len(b)) > 300 or min(len(a), len(b)) < 0.8 * max(len(a), len(b)):
        return False
    if a[:12] != b[:12] and a[-12:] != b[-12:]:  # an edited copy keeps one end intact
        return False
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sm.quick_ratio() >= 0.9 and sm.ratio() >= 0.9


def _unglue(line: str) -> str | None:
    """The paragraph behind a caption glued to its start, or None if there is no glued caption."""
    for m in _GLUE.finditer(line, 0, 250):
        prefix, rest = line[: m.start()], line[m.start():]
        token = prefix.rsplit(" ", 1)[-1]
        if prefix.count(" ") < 3 or len(prefix.split()) > 25 or _SENTENCE_BREAK.search(prefix):
            continue
        if len(token) <= 2 or len(token) <= 3 and token[0].isupper():  # iPhone, YouTube, McDonald
            continue
        if token[0] in "#@":  # a hashtag or a handle: #MeToo, @JohnDoe
            continue
        if len(rest.split()) >= 8 and _END.search(rest):
            return rest
    return None


def _parse_date(text: str) -> tuple[str, str]:
    """First date stated in `text` as (ISO string, precision); ("", "") when none."""
    for rx, kind in _DATE_PATTERNS:
        m = rx.search(text)
        if not m:
            continue
        g = m.groups()
        if kind == "ymd":
            y, mo, d = int(g[0]), int(g[1]), int(g[2])
        elif kind == "mdy":
            y, mo, d = int(g[2]), _MONTH_NO[g[0][:3].lower()], int(g[1])
        elif kind == "dmy":
            y, mo, d = int(g[2]), _MONTH_NO[g[1][:3].lower()], int(g[0])
        elif kind == "dmy_num":
            d, mo, y = int(g[0]), int(g[1]), int(g[2])
            if d <= 12 and mo <= 12 and d != mo:  # day/month order undecidable
                continue
            if mo > 12:
                d, mo = mo, d
        else:
            return f"{int(g[1]):04d}-{_MONTH_NO[g[0][:3].lower()]:02d}", "month"
        if 1 <= mo <= 12 and 1 <= d <= 31:
            return f"{y:04d}-{mo:02d}-{d:02d}", "day"
    return "", ""


def _byline(line: str) -> str:
    name = re.sub(r"^(by|written by|author|words by|reporting by)\s*:?\s+", "", line, flags=re.I)
    name = re.sub(r"\s*/\s*", " / ", name).strip(" ,|-")
    return name.title() if name.isupper() else name


def clean_article(raw: str, rules: dict | None = None) -> dict:
    """Clean one raw scraped dump in a single pass.

    Parameters: `raw` the dump's text; `rules` extra line patterns, a dict reason -> list of
    regexes (case-insensitive, searched in each stripped line), added to the package
    vocabulary (``load_rules(outlet)`` gives the vocabulary with an outlet's own extras).

    Returns a dict:
      text            body paragraphs, verbatim apart from trimmed whitespace, joined by "\\n\\n"
      audit           DataFrame, one row per input line (``raw.splitlines()``), columns
                      line_no (int, 1-based), text (str, the line as given), kept (bool),
                      reason (str: "body" when kept, else why it was dropped)
      title, byline   headline and author as stated ("" when absent)
      date            ISO date as stated ("YYYY-MM-DD" or "YYYY-MM"; "" when absent or no year)
      date_precision  "day" | "month" | ""
      dateline        the dateline as stated ("" when absent)
    """
    if not isinstance(raw, str):
        raise TypeError(f"raw must be str, got {type(raw).__name__}")
    patterns = _compiled(_rules_key(rules))
    lines = raw.splitlines()
    text = [ln.strip() for ln in lines]
    n = len(lines)
    words = [t.split() for t in text]
    nw = [len(w) if t.isascii() else _n_words(t, w) for t, w in zip(text, words)]
    ends = [bool(_END.search(t)) for t in text]
    reason: list[str | None] = [None if t else "blank" for t in text]
    for i in range(n):
        if text[i]:
            reason[i] = _hard_label(text[i], nw[i], ends[i], patterns)
    nonblank = [i for i in range(n) if text[i]]
    norms: dict[int, str] = {}  # normalised text of the short lines compared below

    # Repetition: consecutive non-blank lines that (nearly) repeat are a caption pair.
    for i, j in zip(nonblank, nonblank[1:]):
        if reason[j] is not None or reason[i] not in (None, "caption", "duplicate caption"):
            continue
        if text[i] == text[j] and nw[i] > 40:  # a paragraph scraped twice: keep one copy
            reason[j] = "duplicate"
            continue
        li, lj = len(text[i]), len(text[j])
        if max(li, lj) > 400 or (min(li, lj) < 0.75 * max(li, lj) and reason[i] != "caption"):
            continue
        a = norms[i] = norms.get(i) or _norm(text[i])
        b = norms[j] = _norm(text[j])
        if a and (a == b or not (ends[i] or ends[j]) and _near_duplicate(a, b)):  # prose: exact only
            reason[i] = reason[i] or "caption"
            reason[j] = "duplicate caption"
        elif reason[i] == "caption" and len(b) >= 20 and b in a:
            reason[j] = "duplicate caption"

    start, end = _body_block(text, nw, ends, reason, nonblank)
    _label_header(text, words, nw, ends, reason, start)
    body = _label_body(text, nw, ends, reason, norms, start, end)
    _label_tail(reason, nw, text, end, n)

    audit = pd.DataFrame({
        "line_no": np.arange(1, n + 1, dtype="int64"),
        "text": pd.Series(lines, dtype=object),
        "kept": np.array([r is None for r in reason], dtype=bool),
        "reason": pd.Series([r or "body" for r in reason], dtype=object),
    })
    meta = _sniff_fields(text, reason, [body[i] for i in sorted(body)], start)
    return {"text": "\n\n".join(body[i] for i in sorted(body)), "audit": audit, **meta}


def _body_block(text, nw, ends, reason, nonblank) -> tuple[int, int]:
    """First and last line index of the body: the heaviest run of prose lines.

    Runs of prose ("anchors": 8+ words ending a sentence, not yet labelled) break at tail
    markers and at more than MAX_GAP short or labelled lines (long unpunctuated lines, such
    as embedded posts, neither anchor nor break a run). A neighbouring run that is only
    separated by such a gap (an explainer box, a list) joins the heaviest run if it has 2+
    anchors or the gap is under 2 * MAX_GAP.
    The body then starts after a byline/date line preceded by at most two anchors (the
    standfirst), and grows over short prose lines at both ends.
    """
    n = len(text)
    anchor = [reason[i] is None and nw[i] >= 8 and ends[i] for i in range(n)]
    segs, cur, gap, hard = [], None, 0, False  # [first, last, weight, anchors, after marker, gap]
    for i in nonblank:
        if reason[i] in TAIL_MARKERS:
            cur, hard = None, True
        elif anchor[i]:
            if cur is not None and gap <= MAX_GAP:
                cur[1:4] = [i, cur[2] + len(text[i]), cur[3] + 1]
            else:
                cur = [i, i, len(text[i]), 1, hard, gap]
                segs.append(cur)
            gap, hard = 0, False
        elif reason[i] is not None or nw[i] < 15:
            gap += 1
    if not segs:
        return n, n - 1

    def bridge(k: int, neighbour: int) -> bool:  # may the gap before run k be bridged?
        return not segs[k][4] and (segs[neighbour][3] >= 2 or segs[k][5] < 2 * MAX_GAP)

    lo = hi = max(range(len(segs)), key=lambda k: segs[k][2])
    while lo > 0 and bridge(lo, lo - 1):
        lo -= 1
    while hi + 1 < len(segs) and bridge(hi + 1, hi + 1):
        hi += 1
    start, end = segs[lo][0], segs[hi][1]
    before = np.cumsum([0, *anchor[start:end]])  # before[h - start]: anchors in start..h-1
    for h in reversed([h for h in range(start, end) if reason[h] in HEADER_MARKERS]):
        if before[h - start] <= 2:
            start = next(k for k in range(h, end + 1) if anchor[k])
            break
    return _extend(start, -1, reason, ends, nw, n), _extend(end, 1, reason, ends, nw, n)


def _extend(k: int, step: int, reason, ends, nw, n) -> int:
    """Grow a body edge over short prose lines, stepping over blanks and in-body clutter."""
    i = k + step
    while 0 <= i < n and (reason[i] in _IN_BODY_CLUTTER or reason[i] is None and ends[i] and nw[i] >= 3):
        if reason[i] is None:
            k = i
        i += step
    return k


def _label_header(text, words, nw, ends, reason, start) -> None:
    """Label the lines above the body: navigation, category strip, headline, standfirst, caption."""
    head = [i for i in range(start) if text[i]]
    for i in head:  # tail vocabulary in a top menu is navigation
        if reason[i] in TAIL_MARKERS:
            reason[i] = "navigation"
    limit = next((i for i in head if reason[i] in HEADER_MARKERS), start)
    cands = [
        i for i in head
        if i < limit and reason[i] is None and 3 <= nw[i] <= 30
        and not _BREADCRUMB.search(text[i])
        and (not ends[i] or (text[i].rstrip("\"'”’").endswith(("?", "!")) and nw[i] <= 20))
    ]
    plain = [i for i in cands if not _menu_like(words[i])]
    headline = max(plain, key=lambda i: (nw[i], -i)) if plain else (cands[-1] if cands else None)
    seen_marker = False
    for pos, i in enumerate(head):
        if reason[i] in HEADER_MARKERS:
            seen_marker = True
        if reason[i] is not None:
            continue
        if i == headline:
            reason[i] = "headline"
        elif headline is not None and i < headline:
            last = head[pos + 1] == headline
            reason[i] = "category strip" if last and _menu_like(words[i]) else "navigation"
        elif ends[i] and nw[i] >= 6:
            reason[i] = "standfirst"
        else:
            reason[i] = "caption" if headline is not None or seen_marker else "navigation"


def _label_body(text, nw, ends, reason, norms, start, end) -> dict[int, str]:
    """Label lines inside the body block; return {line index: kept paragraph text}."""
    body: dict[int, str] = {}
    for i in range(start, end + 1):
        if reason[i] is not None:
            continue
        if ends[i] and nw[i] >= 3 or text[i].endswith(":") and nw[i] >= 4 or nw[i] >= 25:
            body[i] = _unglue(text[i]) or text[i]
        elif nw[i] <= 15:
            reason[i] = "subheading"
        else:
            reason[i] = "caption"
    # Pull quotes: a line whose words recur inside a longer (or earlier) body line.
    joined = _NORM_LINES.sub(" ", "\n".join(body.values()).lower())
    bnorm = {i: s.strip() for i, s in zip(body, joined.split("\n"))}
    holders = _quote_holders(bnorm)
    quotes = [i for i in range(start, end + 1) if reason[i] in (None, "subheading", "caption")]
    for i in quotes:
        q = bnorm.get(i) or norms.get(i) or _norm(text[i])
        if reason[i] == "pull quote attribution" or not QUOTE_MIN <= len(q.split()) <= 40:
            continue
        if any(j != i and _holds(bnorm[j], q) and (len(bnorm[j]) > len(q) or j < i)
               for j in holders(q, 2 if i in body else 1)):
            reason[i] = "pull quote"
            body.pop(i, None)
            nxt = next((k for k in range(i + 1, end + 1) if text[k]), None)
            if nxt is not None and not ends[nxt] and nw[nxt] <= 10 and reason[nxt] in (None, "subheading"):
                reason[nxt] = "pull quote attribution"
                body.pop(nxt, None)
    return body


def _quote_holders(lines: dict[int, str]):
    """A function (quote, fewest occurrences) -> the lines that may hold the quote as whole
    words (a superset, checked by `_holds`; empty when the quote occurs fewer times).

    A short body is searched whole for each quote. A long one (INDEX_MIN_CHARS or more) is
    indexed once by word shingles instead, since searching it whole for each of its lines
    makes cleaning quadratic in the size of the input.
    """
    if sum(map(len, lines.values())) < INDEX_MIN_CHARS:
        padded = "".join(f" {s} \n" for s in lines.values())
        return lambda q, least: lines if padded.count(f" {q} ") >= least else ()
    index = _shingle_index(lines)
    return lambda q, least: index.get(" ".join(q.split()[:QUOTE_MIN]), ())


def _shingle_index(lines: dict[int, str]) -> dict[str, list[int]]:
    """Every run of QUOTE_MIN consecutive words of each line -> the lines holding it (a
    quote of QUOTE_MIN words or more, held as whole words, starts one of these runs)."""
    index: dict[str, list[int]] = {}
    for i, line in lines.items():
        words = line.split()
        for k in range(len(words) - QUOTE_MIN + 1):
            holders = index.setdefault(" ".join(words[k:k + QUOTE_MIN]), [])
            if not holders or holders[-1] != i:
                holders.append(i)
    return index


def _holds(line: str, quote: str) -> bool:
    """`quote` occurs in `line` as whole words (both normalised, single-spaced)."""
    return f" {quote} " in f" {line} "


def _label_tail(reason, nw, text, end, n) -> None:
    """Label the lines below the body: tag list, most-read list, footer, other boilerplate."""
    first_footer = next((i for i in range(end + 1, n) if reason[i] == "footer"), n)
    footer_start = first_footer
    while footer_start - 1 > end and text[footer_start - 1] and nw[footer_start - 1] <= 5 \
            and reason[footer_start - 1] in (None, "footer"):
        footer_start -= 1
    zone = "boilerplate"
    for i in range(end + 1, n):
        if i >= footer_start:
            zone = "footer"
        elif reason[i] in LIST_MARKERS:
            zone = reason[i]
        if reason[i] is None or (reason[i] in TAIL_MARKERS and zone == "footer"):
            reason[i] = zone


def _sniff_fields(text, reason, paragraphs, start) -> dict:
    """title, byline, date, date_precision, dateline from the labelled lines."""
    def first(label):
        return next((t for t, r in zip(text, reason) if r == label), "")

    byline_line = first("byline")
    if not byline_line:  # "Posted on 12 January 2021 by Staff Reporter"
        m = re.search(r"\bby\s+(\S.*)$", first("date line"), re.I)
        byline_line = m.group(1) if m else ""
    dateline = first("dateline")
    if not dateline and paragraphs:
        m = _INLINE_DATELINE.match(paragraphs[0])
        dateline = m.group(1).strip() if m else ""
    date, precision = _parse_date(first("date line"))
    if not date:
        header = " ".join(t for t, r in zip(text[:start], reason[:start]) if r in ("navigation", "caption"))
        m = _DATE_PATTERNS[0][0].search(header)
        date, precision = _parse_date(m.group(0)) if m else ("", "")
    if not date and dateline:
        date, precision = _parse_date(dateline)
    return {"title": first("headline"), "byline": _byline(byline_line) if byline_line else "",
            "date": date, "date_precision": precision, "dateline": dateline}


def clean_text(raw: str, rules: dict | None = None) -> str:
    """The article body: paragraphs verbatim (whitespace trimmed), joined by a blank line."""
    return clean_article(raw, rules)["text"]


def audit_text(raw: str, rules: dict | None = None) -> pd.DataFrame:
    """Per-line audit: columns line_no (1-based), text, kept (bool), reason ("body" when kept)."""
    return clean_article(raw, rules)["audit"]


def sniff(raw: str) -> dict:
    """Metadata stated in the dump: dict(title, byline, date, date_precision, dateline); "" when absent."""
    art = clean_article(raw)
    return {k: art[k] for k in ("title", "byline", "date", "date_precision", "dateline")}
