"""Database exports: files that hold many articles, recognised by their content.

Three layouts are read, one row per article:

- **Nexis Uni** ``.docx`` (:func:`parse_nexis_uni`): a document list, then per article the
  title, the publication, the date line, an optional copyright line, ``Section:``,
  ``Length:``, ``Byline:``, ``Body``, the text, a classification block (``Language:``,
  ``Load-Date:`` …) and ``End of Document``.
- **Classic LexisNexis** ``.txt`` (:func:`parse_lexisnexis`): a request header, then per
  article "N of M DOCUMENTS", the publication, the date line, optional edition lines, the
  title, ``BYLINE:``, ``SECTION:``, ``LENGTH:``, the body, ``LOAD-DATE:``, ``LANGUAGE:``,
  ``PUBLICATION-TYPE:`` …
- **Factiva** HTML (:func:`parse_factiva`): one ``div`` of class ``article`` per article, a
  table of field codes (HD title, BY byline, WC words, PD date, SN outlet, SE section, LA
  language, LP lead paragraphs, TD text, AN accession number …). Field values follow the
  interface language ("29 décembre 2011", "295 mots"): dates are read in
  :data:`DATE_LANGUAGES`.

Each article is a dict of the article fields of :data:`kzmedia.corpus.COLUMNS` (``outlet``,
``title``, ``byline``, ``url``, ``date``, ``text``), the columns of :data:`COLUMNS` (which
export, its own id, the position in the file, section, length, stated language) and an
``audit`` table (``line_no``, ``text``, ``kept``, ``reason``) that gives every line of the
export its fate: a body paragraph kept verbatim, or furniture dropped with its reason (field
label, document count, copyright line, "End of Document" …). The bodies are already
separated by the database, so the scraped-text cleaner (:mod:`kzmedia.clean`) never sees
them. :func:`kzmedia.corpus.load` calls :func:`sniff` on every ``.txt``, ``.html``, ``.htm``
and ``.docx`` input and :func:`read` on the exports it recognises.
"""

from __future__ import annotations

import functools
import re
import zipfile
from pathlib import Path

import pandas as pd

__all__ = ["COLUMNS", "DATE_LANGUAGES", "FORMATS", "sniff", "read",
           "parse_nexis_uni", "parse_lexisnexis", "parse_factiva", "parse_date", "parse_length"]

FORMATS = ("nexis_uni", "lexisnexis", "factiva")
"""The export layouts :func:`sniff` recognises (the value of the ``export`` column)."""

COLUMNS = ("export", "export_id", "position", "section", "length", "language")
"""Article columns an export adds (strings, "" when the export does not give them):
``export`` its layout (:data:`FORMATS`), ``export_id`` the database's own id (Factiva's AN,
LexisNexis's ACC-NO), ``position`` the article's number in its file (1, 2 …), ``section``
and ``language`` as the export states them, ``length`` the word count it states."""

DATE_LANGUAGES = ("en", "fr", "de", "es", "ru", "it", "pt")
"""Languages of the month and weekday names in export date lines (dateparser codes)."""

SNIFF_BYTES = 1 << 16  # how much of a text file is searched for an export's marks

_AUDIT = ("line_no", "text", "kept", "reason")
_ISO = re.compile(r"\d{4}-\d\d(?:-\d\d)?")  # what parse_date gives a date line with a month
_COPYRIGHT = re.compile(r"^\s*(?:copyright\b|©|\(c\)\s*(?:\d{4}|copyright))|all rights reserved",
                        re.I)
_LN_COUNT = re.compile(r"^\s*(\d+)\s+of\s+(\d+)\s+DOCUMENTS?\s*$", re.M)
_FACTIVA_CLASS = re.compile(rb"""class\s*=\s*["'][^"']*\barticle\b""", re.I)
_FACTIVA_CODE = re.compile(  # a table cell holding only a field code, e.g. <td><b>HD</b>&nbsp;</td>
    rb"<td[^>]*>(?:\s|&nbsp;|&#160;|<b>)*(HD|BY|WC|PD|SN|SC|LA|LP|TD|AN)"
    rb"(?:\s|&nbsp;|&#160;|</b>)*</td>", re.I)


# --------------------------------------------------------------------------- recognise


def sniff(path) -> str | None:
    """The export layout of a file (one of :data:`FORMATS`), or None for any other file.

    By content, not by name: a ``.txt`` whose first 64 KB hold a line "N of M DOCUMENTS" is a
    LexisNexis export; an ``.html``/``.htm`` with a ``div`` of class ``article`` and table
    cells holding three or more Factiva field codes (HD, PD, SN …) is a Factiva export; a
    ``.docx`` with both a ``Body`` and an ``End of Document`` paragraph is a Nexis Uni export.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".txt":
            with open(path, "rb") as fh:
                head = fh.read(SNIFF_BYTES)
            if head.startswith((b"\xff\xfe", b"\xfe\xff")):
                head = head.decode("utf-16", errors="ignore").encode()
            return "lexisnexis" if _LN_COUNT.search(head.decode("latin-1")) else None
        if suffix in (".html", ".htm"):
            data = path.read_bytes()
            codes = {m.group(1).upper() for m in _FACTIVA_CODE.finditer(data)}
            return "factiva" if _FACTIVA_CLASS.search(data) and len(codes) >= 3 else None
        if suffix == ".docx":
            with zipfile.ZipFile(path) as z:
                xml = z.read("word/document.xml").decode("utf-8", errors="replace")
            # the paragraphs' texts, a run split across XML elements joined again
            paras = {p.strip() for p in re.sub(r"<[^>]*>", "", re.sub(r"</w:p>", "\n", xml))
                     .splitlines()}
            return "nexis_uni" if {"Body", "End of Document"} <= paras else None
    except (OSError, KeyError, zipfile.BadZipFile):
        return None  # the file's own reader says what is wrong with it
    return None


def read(path, name: str) -> list[dict]:
    """The articles of an export file (layout found by :func:`sniff`), one dict each.

    Each dict holds ``doc_id`` (``<file name without extension>#<n>``, n zero-padded to the
    width of the article count so ids sort in file order), ``source`` (``name#<n>``), the
    article fields, the columns of :data:`COLUMNS` and ``audit``. ``name`` names the file in
    messages and in ``source``. Raises ValueError naming the file when it is not a readable
    export (any ``.docx`` that is not a Nexis Uni export: it is the reader of ``.docx``).
    """
    path = Path(path)
    kind = sniff(path)
    if kind is None and path.suffix.lower() == ".docx" and not zipfile.is_zipfile(path):
        raise ValueError(f"{name}: not a readable Word (.docx) file")
    if kind is None and path.suffix.lower() == ".docx":
        raise ValueError(
            f"{name}: a Word file that is not a Nexis Uni export (no 'Body' and 'End of "
            "Document' paragraphs); save a single article as .txt instead")
    if kind == "nexis_uni":
        articles = parse_nexis_uni(_docx_paragraphs(path, name), name)
    elif kind == "lexisnexis":
        articles = parse_lexisnexis(_decode(path, name), name)
    elif kind == "factiva":  # decoded here: lxml would guess Latin-1 without a meta charset
        articles = parse_factiva(_decode(path, name), name)
    else:
        raise ValueError(f"{name}: not a Nexis Uni, LexisNexis or Factiva export")
    width = len(str(len(articles)))
    stem = Path(name).stem
    return [dict(a, doc_id=f"{stem}#{a['position']:0{width}d}",
                 source=f"{name}#{a['position']:0{width}d}", position=str(a["position"]))
            for a in articles]


def _decode(path: Path, name: str) -> str:
    from .readers import decode  # readers imports this module

    return decode(path.read_bytes(), name)


def _docx_paragraphs(path: Path, name: str) -> list[str]:
    import docx

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError) as err:
        raise ValueError(f"{name}: not a readable .docx file: {err}") from None
    return [p.text for p in document.paragraphs]


# --------------------------------------------------------------------------- values


def parse_date(value: str, languages=DATE_LANGUAGES) -> str:
    """An export's date line as an ISO date with its precision, the date as written (a time
    and zone after it do not move it): "July 1, 2019 Monday 9:20 AM GMT" -> "2019-07-01",
    "29 décembre 2011" -> "2011-12-29", "July 2019" -> "2019-07", "Summer 2019" -> "2019".
    Month and weekday names are read in ``languages`` (dateparser). Returns the value
    stripped when no year is found in it (the loader then warns that it is unparseable)."""
    value = " ".join(value.split())
    # the time and zone do not change the date as written; without them, lines repeat more
    day = _TIME.sub("", value)
    return _parse_day(day, tuple(languages)) if day else value


_TIME = re.compile(r"\s+\d{1,2}:\d\d(?::\d\d)?(?:\s*[AaPp]\.?[Mm]\.?)?(?:\s+\S+)?\s*$")


@functools.lru_cache(maxsize=4096)  # an export holds many articles of the same days
def _parse_day(value: str, languages: tuple) -> str:
    import dateparser

    for parts, fmt in ((["day", "month", "year"], "%Y-%m-%d"), (["month", "year"], "%Y-%m")):
        parsed = dateparser.parse(value, languages=list(languages),
                                  settings={"REQUIRE_PARTS": parts, "PREFER_DATES_FROM": "past"})
        if parsed is not None:
            return parsed.strftime(fmt)
    year = re.search(r"\b(1[89]\d\d|2\d\d\d)\b", value)
    return year.group(1) if year else value


def parse_length(value: str) -> str:
    """The word count of a length field, digits only: "812 words", "1,204 words",
    "1 204 mots", "295 Wörter", "295 слов" -> "812", "1204", "1204", "295", "295"."""
    found = re.match(r"\s*(\d[\d\s,.\u00a0\u202f]*)", value)
    return re.sub(r"\D", "", found.group(1)) if found else ""


def _byline(value: str) -> str:
    """A byline without its "By" (the names as written)."""
    return re.sub(r"^\s*(?:by|par|von|por)[:\s]+", "", value, flags=re.I).strip()


def _article(position: int, export: str, audit: list[tuple], **fields) -> dict:
    row = dict.fromkeys(("outlet", "title", "byline", "url", "date", "text", "export_id",
                         "section", "length", "language"), "")
    row.update(fields, export=export, position=position)
    columns = list(zip(*audit)) or [(), (), (), ()]
    row["audit"] = pd.DataFrame({name: pd.array(values, dtype=dtype) for name, values, dtype
                                 in zip(_AUDIT, columns, ("int64", "str", "bool", "str"))})
    return row


# --------------------------------------------------------------------------- Nexis Uni

# Field labels of a Nexis Uni article: before "Body" (metadata) and after it (classification).
_NU_HEAD = ("Section", "Length", "Byline", "Dateline", "Highlight", "Series", "Edition",
            "Column", "Correction")
_NU_TAIL = ("Load-Date", "Language", "Publication-Type", "Subject", "Industry", "Geographic",
            "Person", "Organization", "Company", "Ticker", "Graphic", "Notes", "URL",
            "Document-Type", "Journal Code", "Correction-Date", "Country", "City", "State",
            "Classification")
_NU_LABEL = re.compile(r"^(%s):\s*(.*)$" % "|".join(map(re.escape, _NU_HEAD + _NU_TAIL)), re.S)


def _nu_field(text: str) -> tuple[str, str] | None:
    if text in ("Classification", "Body"):
        return text, ""
    found = _NU_LABEL.match(text)
    return (found.group(1), found.group(2).strip()) if found else None


def parse_nexis_uni(paragraphs: list[str], name: str) -> list[dict]:
    """The articles of a Nexis Uni export given as its paragraphs' texts (in order).

    Each article ends at an "End of Document" paragraph. Before its ``Body`` paragraph,
    read backwards: the metadata fields (``Section:``, ``Length:``, ``Byline:`` …), a
    copyright line, the date line, the publication, the title; anything earlier (the
    document list before the first article) is furniture. After ``Body``: the body
    paragraphs, up to the trailing run of classification fields and copyright lines. A part
    with no ``Body`` paragraph gives an article with no text (rejected by the loader, its
    audit kept). Line numbers in the audit are paragraph numbers (from 1).
    """
    paras = [(i, p.strip()) for i, p in enumerate(paragraphs, 1)]
    parts, current = [], []
    for i, text in paras:
        if text == "End of Document":
            parts.append((current, (i, text)))
            current = []
        else:
            current.append((i, text))
    if not parts:
        raise ValueError(f"{name}: no 'End of Document' paragraph; not a Nexis Uni export")
    trailing = [(i, t) for i, t in current if t]  # after the last End of Document
    articles = []
    for n, (part, end) in enumerate(parts, 1):
        audit = []
        body_at = next((k for k, (_, t) in enumerate(part) if t == "Body"), None)
        fields, meta = {}, {}
        if body_at is None:
            audit += [(i, t, False, "export: no 'Body' paragraph in this article")
                      for i, t in part if t]
            body = []
        else:
            head, body = part[:body_at], part[body_at + 1:]
            k = len(head) - 1
            tagged = {}
            while k >= 0 and (not head[k][1] or _nu_field(head[k][1])
                              or _COPYRIGHT.search(head[k][1])):
                field = _nu_field(head[k][1]) if head[k][1] else None
                if field:
                    meta[field[0]] = field[1]
                    tagged[k] = f"export: field {field[0]}"
                elif head[k][1]:
                    tagged[k] = "export: copyright line"
                k -= 1
            for j in range(k + 1):
                if head[j][1] and _COPYRIGHT.search(head[j][1]):
                    tagged[j] = "export: copyright line"
            rest = [j for j in range(k + 1) if head[j][1] and j not in tagged]
            # the date line: the last of the final paragraphs that reads as a date (a field's
            # continuation may follow it), else the last paragraph
            dated = [j for j in rest[-4:] if _ISO.fullmatch(parse_date(head[j][1]))]
            date_at = rest.index(dated[-1]) + 1 if dated else len(rest)
            for j in rest[date_at:]:
                field = _nu_field(head[j][1])
                if field:
                    meta.setdefault(field[0], field[1])
                tagged[j] = f"export: field {field[0]}" if field else "export: field continued"
            for role, j in zip(("date line", "publication", "title"),
                               reversed(rest[max(date_at - 3, 0):date_at])):
                fields[role] = head[j][1]
                tagged[j] = f"export: {role}"
            for j in rest[:max(date_at - 3, 0)]:
                tagged[j] = "export: document list" if n == 1 else "export: before the title"
            audit += [(head[j][0], head[j][1], False, tagged[j]) for j in sorted(tagged)]
            audit.append((part[body_at][0], "Body", False, "export: field Body"))
            # the trailing run of classification fields and copyright lines is furniture
            cut = len(body)
            while cut > 0 and (not body[cut - 1][1] or _nu_field(body[cut - 1][1])
                               or _COPYRIGHT.search(body[cut - 1][1])):
                cut -= 1
            for i, t in body[cut:]:
                field = _nu_field(t) if t else None
                if field:
                    meta[field[0]] = field[1]
                if t:
                    audit.append((i, t, False, f"export: field {field[0]}" if field
                                  else "export: copyright line"))
            body = body[:cut]
        body = [(i, re.sub(r"[ \t]*\n\s*", "\n\n", t)) for i, t in body if t]  # a line break
        audit += [(i, t, True, "body") for i, t in body]
        audit.append((end[0], end[1], False, "export: End of Document"))
        if n == len(parts):
            audit += [(i, t, False, "export: after the last End of Document")
                      for i, t in trailing]
        audit.sort(key=lambda row: row[0])
        articles.append(_article(
            n, "nexis_uni", audit, title=fields.get("title", ""),
            outlet=fields.get("publication", ""), date=parse_date(fields.get("date line", "")),
            byline=_byline(meta.get("Byline", "")), url=meta.get("URL", ""),
            text="\n\n".join(t for _, t in body), section=meta.get("Section", ""),
            length=parse_length(meta.get("Length", "")), language=meta.get("Language", "")))
    return articles


# --------------------------------------------------------------------------- LexisNexis

# Field labels of a classic LexisNexis article; the first label of _LN_TAIL ends the body.
_LN_HEAD = ("BYLINE", "SECTION", "LENGTH", "DATELINE", "HEADLINE", "HIGHLIGHT", "SERIES",
            "COLUMN", "BODY")
_LN_TAIL = ("LOAD-DATE", "LANGUAGE", "PUBLICATION-TYPE", "DOCUMENT-TYPE", "GRAPHIC", "URL",
            "NOTES", "CORRECTION-DATE", "CORRECTION", "SUBJECT", "ORGANIZATION", "PERSON",
            "GEOGRAPHIC", "COMPANY", "TICKER", "INDUSTRY", "JOURNAL-CODE", "DISTRIBUTION",
            "ACC-NO", "TYPE", "CITY", "STATE", "COUNTRY", "DOCUMENT-ID")
_LN_LABEL = re.compile(r"^(%s):(?:\s+(.*))?$" % "|".join(map(re.escape, _LN_HEAD + _LN_TAIL)))


def parse_lexisnexis(text: str, name: str) -> list[dict]:
    """The articles of a classic LexisNexis ``.txt`` export (its decoded text).

    Articles start at the lines "N of M DOCUMENTS"; what precedes the first is the request
    header. In each article, paragraphs (separated by blank lines) before the first field
    label are the header: copyright lines, the publication, the date line, edition lines,
    and the title (the header's last paragraph, unless a ``HEADLINE:`` field gives it).
    Field paragraphs (``BYLINE:``, ``SECTION:`` …, with their continuation lines) are
    metadata; the other paragraphs up to the first trailer field (``LOAD-DATE:``,
    ``LANGUAGE:`` …) are the body, each paragraph's lines joined by a space; everything
    from the trailer on is furniture. Audit line numbers are the file's lines (from 1).
    """
    lines = text.splitlines()
    starts = [k for k, line in enumerate(lines) if _LN_COUNT.match(line)]
    if not starts:
        raise ValueError(f"{name}: no 'N of M DOCUMENTS' line; not a LexisNexis export")
    articles = []
    request = [(k + 1, line.strip(), False, "export: request header")
               for k, line in enumerate(lines[:starts[0]]) if line.strip()]
    for n, start in enumerate(starts, 1):
        stop = starts[n] if n < len(starts) else len(lines)
        audit = request if n == 1 else []
        audit.append((start + 1, lines[start].strip(), False, "export: document count"))
        paras, current = [], []
        for k in range(start + 1, stop):
            if lines[k].strip():
                current.append((k + 1, lines[k].strip()))
            elif current:
                paras.append(current)
                current = []
        if current:
            paras.append(current)
        first_field = next((p for p, para in enumerate(paras) if _LN_LABEL.match(para[0][1])),
                           len(paras))
        if first_field == len(paras) or _LN_LABEL.match(paras[first_field][0][1]).group(1) \
                in _LN_TAIL:  # no BYLINE, LENGTH …: publication, date, title, then the body
            plain = [p for p in range(first_field)
                     if not all(_COPYRIGHT.search(t) for _, t in paras[p])]
            first_field = plain[3] if len(plain) > 3 else first_field
        meta, body, in_tail = {}, [], False
        for para in paras[first_field:]:
            field = _LN_LABEL.match(para[0][1])
            if field:
                label = field.group(1)
                meta[label] = " ".join([field.group(2) or ""] + [t for _, t in para[1:]]).strip()
                in_tail = in_tail or label in _LN_TAIL
                audit += [(i, t, False, f"export: field {label}") for i, t in para]
            elif in_tail:
                audit += [(i, t, False, "export: copyright line" if _COPYRIGHT.search(t)
                           else "export: after the body") for i, t in para]
            else:
                body.append(para)
        while body and all(_COPYRIGHT.search(t) for _, t in body[-1]):
            audit += [(i, t, False, "export: copyright line") for i, t in body.pop()]
        audit += [(i, t, True, "body") for para in body for i, t in para]
        header = []  # (paragraph index, line number, text)
        for p, para in enumerate(paras[:first_field]):
            for i, t in para:
                if _COPYRIGHT.search(t):
                    audit.append((i, t, False, "export: copyright line"))
                else:
                    header.append((p, i, t))
        roles, date = {}, ""
        if header:
            roles[header[0][1]] = "publication"
        if len(header) > 1:
            date = parse_date(header[1][2])
            # the second line is the date line if it reads as one, or if a title follows it
            if _ISO.fullmatch(date) or re.fullmatch(r"\d{4}", date) or len(header) > 2:
                roles[header[1][1]] = "date line"
            else:
                date = ""
        rest = [h for h in header[1:] if h[1] not in roles]
        title_para = rest[-1][0] if rest and "HEADLINE" not in meta else None
        for p, i, t in rest:
            roles[i] = "title" if p == title_para else "edition"
        audit += [(i, t, False, f"export: {roles[i]}") for _, i, t in header]
        by_role = {}
        for _, i, t in header:
            by_role.setdefault(roles[i], []).append(t)
        audit.sort(key=lambda row: row[0])
        articles.append(_article(
            n, "lexisnexis", audit,
            outlet=" ".join(by_role.get("publication", [])),
            date=date,
            title=meta.get("HEADLINE") or " ".join(by_role.get("title", [])),
            byline=_byline(meta.get("BYLINE", "")), url=meta.get("URL", ""),
            text="\n\n".join(" ".join(t for _, t in para) for para in body),
            export_id=meta.get("ACC-NO", ""), section=meta.get("SECTION", ""),
            length=parse_length(meta.get("LENGTH", "")), language=meta.get("LANGUAGE", "")))
    return articles


# --------------------------------------------------------------------------- Factiva

_FACTIVA_FIELDS = {  # field code -> what it is (the audit's reason for dropping it)
    "HD": "title", "BY": "byline", "CR": "credit", "WC": "length", "PD": "date", "ET": "time",
    "SN": "outlet", "SC": "source code", "SE": "section", "ED": "edition", "PG": "page",
    "LA": "language", "CY": "copyright", "LP": "lead paragraphs", "TD": "text",
    "CT": "contact", "RF": "reference", "CO": "companies", "IN": "industries",
    "NS": "subjects", "RE": "regions", "IPD": "descriptors", "IPC": "codes",
    "PUB": "publisher", "AN": "accession number", "VOL": "volume", "ART": "captions",
}


def parse_factiva(html: bytes | str, name: str) -> list[dict]:
    """The articles of a Factiva HTML export ("Full Article/Report plus Indexing").

    Each ``div`` whose class includes ``article`` is one article; its table rows pair a
    field code (first cell) with its value. The title is HD, the byline BY, the outlet SN,
    the date PD (month names of :data:`DATE_LANGUAGES`), the section SE, the language LA,
    the length WC, the id AN (its last word: "Document J000000020111229e7ct0000x" ->
    "J000000020111229e7ct0000x"); the text is the paragraphs of LP then TD, nothing else.
    Audit line numbers count the article's rows and paragraphs (from 1).
    """
    import lxml.html

    try:
        root = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError) as err:
        raise ValueError(f"{name}: not a readable HTML file: {err}") from None
    divs = [d for d in root.iter("div") if "article" in (d.get("class") or "").split()]
    divs = [d for d in divs if not any(a in divs for a in d.iterancestors("div"))]
    if not divs:
        raise ValueError(f"{name}: no Factiva article (div of class 'article'); not a "
                         "Factiva export")
    articles = []
    for n, div in enumerate(divs, 1):
        values, body, audit = {}, [], []
        for row in div.iter("tr"):
            cells = row.findall("td")
            if len(cells) < 2:
                continue
            code = " ".join(cells[0].text_content().split())
            if not re.fullmatch(r"[A-Z]{2,4}", code):
                continue
            if code in ("LP", "TD"):
                paras = [" ".join(p.text_content().split()) for p in cells[1].iter("p")]
                if not paras:
                    paras = [" ".join(chunk.split())
                             for chunk in re.split(r"\n\s*\n", cells[1].text_content())]
                audit.append((len(audit) + 1, code, False, f"export: field {code}"))
                for para in filter(None, paras):
                    audit.append((len(audit) + 1, para, True, "body"))
                    body.append(para)
                continue
            value = " ".join(cells[1].text_content().split())
            values.setdefault(code, value)
            what = _FACTIVA_FIELDS.get(code, "field")
            audit.append((len(audit) + 1, f"{code} {value}", False,
                          f"export: field {code} ({what})"))
        an = values.get("AN", "").split()
        articles.append(_article(
            n, "factiva", audit, title=values.get("HD", ""), byline=_byline(values.get("BY", "")),
            outlet=values.get("SN", ""), date=parse_date(values.get("PD", "")),
            text="\n\n".join(body), export_id=an[-1] if an else "",
            section=values.get("SE", ""), length=parse_length(values.get("WC", "")),
            language=values.get("LA", "")))
    return articles
