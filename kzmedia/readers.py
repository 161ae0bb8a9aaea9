"""One reader per kind of input file: each turns one file into article rows.

A reader knows the file format only: nothing of cleaning, manifests, ids or rejected
inputs (:func:`kzmedia.corpus.load` does that, and picks the reader by the file's suffix
in :data:`READERS`). Adding a format is one function and one line of :data:`READERS`.

Two shapes of reader:

- a *document* reader (``table=False``) reads a file holding one article and returns a dict
  of article fields (``text``, and any of ``title``, ``byline``, ``date``, ``url``,
  ``outlet``), plus an optional ``note`` that the loader passes on as a warning (e.g. an
  encoding it had to guess). Documents may sit in a folder, with a manifest.
- a *table* reader (``table=True``) reads a file holding many articles and returns
  ``(DataFrame, row_numbers)``: one row per article with the file's own columns (``load``
  maps them to article columns), and the number each row has in the file (its line, for
  JSONL), which names the row in ``source``.

Database exports (Nexis Uni ``.docx``, LexisNexis ``.txt``, Factiva ``.html``) hold many
articles per file and are recognised by content: :func:`kzmedia.exports.sniff` and
:func:`kzmedia.exports.read` (a list of article rows) take them before the reader of their
suffix; ``.docx`` is read only as a Nexis Uni export.

``raw=True`` marks a format whose text is a scraped dump that ``load`` runs through
:func:`kzmedia.clean.clean_article` (for tables, ``load``'s ``clean`` argument decides).
Every reader raises ValueError with a message naming the file when it cannot read it.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import warnings
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pandas as pd
from isal import igzip, igzip_lib

from . import exports

__all__ = ["Reader", "READERS", "DELIMITERS", "suffix", "decode", "decode_noted",
           "sniff_delimiter", "read_text", "read_html", "read_csv", "read_jsonl", "read_parquet"]


def suffix(path: Path) -> str:
    """The lower-case suffix that picks the reader; ``.csv.gz`` and ``.jsonl.gz`` count as one."""
    name = path.name.lower()
    return next((e for e in (".csv.gz", ".jsonl.gz") if name.endswith(e)), path.suffix.lower())


def decode(data: bytes, name: str) -> str:
    """The text of a file's bytes, its encoding sniffed by :func:`decode_noted`; a note on a
    guessed encoding is issued as a warning."""
    text, note = decode_noted(data, name)
    if note:
        warnings.warn(note, stacklevel=2)
    return text


def decode_noted(data: bytes, name: str) -> tuple[str, str]:
    """``(text, note)`` of a file's bytes. UTF-8 (a BOM removed) and UTF-16 (with a BOM, or
    without one when every other byte of the start is NUL) are read as such; bytes that are
    not valid UTF-8 are read as Windows-1252 (cp1252, a superset of Latin-1 for text), and
    the note (else "") says so, naming the file and the first byte that is not UTF-8.

    Raises ValueError naming the file and the offset when the bytes are no text in any of
    these encodings (a NUL or a control byte: a binary file).
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16", name), ""
    head = data[:4096]
    if b"\x00" in head:
        even, odd = head[0::2].count(0), head[1::2].count(0)
        guess = ("utf-16-le" if odd > 0.4 * len(head) / 2 and even == 0 else
                 "utf-16-be" if even > 0.4 * len(head) / 2 and odd == 0 else None)
        if guess and len(data) % 2 == 0:
            try:
                text = data.decode(guess)
            except UnicodeDecodeError:
                text = None
            if text is not None and not _CONTROL.search(text.encode("utf-8")):
                return text, ""
        raise ValueError(f"{name} is not a text file: NUL byte at offset {data.index(0)}")
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError as err:
        first = err.start
    control = _CONTROL.search(data)
    if control is None:
        try:
            return data.decode("cp1252"), (
                f"{name}: not valid UTF-8 (byte 0x{data[first]:02x} at offset {first}); read "
                "as Windows-1252 (cp1252): check accented letters, or re-save the file as UTF-8")
        except UnicodeDecodeError as err:
            control_at = err.start
    else:
        control_at = control.start()
    raise ValueError(
        f"{name} is not valid UTF-8: byte 0x{data[first]:02x} at offset {first}, and not "
        f"Windows-1252 text either (byte 0x{data[control_at]:02x} at offset {control_at}); "
        "re-save the file as UTF-8"
    )


# Bytes that no text file holds (C0 controls but tab, line feed, form feed, carriage return).
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        raise ValueError(f"{name} is not valid {encoding.upper()}: bytes at offset {err.start} "
                         f"({err.reason})") from None


# ------------------------------------------------------------------ one article per file


def read_text(path: Path, name: str) -> dict:
    """A raw scraped ``.txt`` dump: its text, decoded (cleaned later by the loader), with a
    ``note`` when its encoding was guessed (see :func:`decode_noted`)."""
    text, note = decode_noted(path.read_bytes(), name)
    return {"text": text, "note": note} if note else {"text": text}


def read_html(path: Path, name: str) -> dict:
    """A saved web page: the main text (trafilatura, without comments and tables) as
    paragraphs joined by a blank line, and the page's metadata."""
    import trafilatura

    doc = trafilatura.bare_extraction(path.read_bytes(), with_metadata=True,
                                      include_comments=False, include_tables=False)
    if doc is None or not (doc.text or "").strip():
        raise ValueError(f"{name}: no main text found in the HTML page")
    paras = [p.strip() for p in doc.text.split("\n") if p.strip()]
    if paras and doc.title and paras[0] == doc.title.strip():
        paras = paras[1:]  # the headline is metadata, not body
    return dict(text="\n\n".join(paras), title=doc.title or "", byline=doc.author or "",
                date=doc.date or "", url=doc.url or "", outlet=doc.sitename or "")


# ------------------------------------------------------------------ tables


def _read_bytes(path: Path) -> bytes:
    """The file's bytes; a ``.gz`` file decompressed (every member of a concatenated one), by
    ISA-L's gzip (the standard library's ``gzip.decompress``, faster)."""
    data = path.read_bytes()
    if not path.name.lower().endswith(".gz"):
        return data
    if data[:2] != b"\x1f\x8b":
        raise ValueError(f"{path}: not a readable gzip file (it does not start as gzip does)")
    try:
        return igzip.decompress(data)
    except (OSError, EOFError, zlib.error, igzip_lib.IsalError) as err:
        raise ValueError(f"{path}: not a readable gzip file: {err}") from None


def read_csv(path: Path, name: str) -> tuple[pd.DataFrame, range]:
    """A CSV table (``.csv`` or ``.csv.gz``), every value read as a string (an outlet "7"
    stays "7", a blank stays ""). The encoding is sniffed (:func:`decode_noted`; a guessed
    one is a warning) and so is the delimiter (:func:`sniff_delimiter`). A malformed row is a
    ValueError naming the file and the line."""
    text, note = decode_noted(_read_bytes(path), name)
    if note:
        warnings.warn(note, stacklevel=2)
    if not text.strip():
        raise ValueError(f"{name}: empty CSV file (no header row)")
    sep = sniff_delimiter(text)
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    except pd.errors.ParserError as err:
        msg = str(err).strip()
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", msg)
        if m:
            msg = (f"line {m.group(2)}: {m.group(3)} fields where the header has {m.group(1)} "
                   f"(delimiter {sep!r}; is a value with the delimiter not quoted?)")
        raise ValueError(f"{name}: malformed CSV, {msg}") from None
    return df, range(1, len(df) + 1)


DELIMITERS = (",", ";", "\t")
"""The CSV delimiters :func:`sniff_delimiter` chooses from."""


def sniff_delimiter(text: str, rows: int = 50) -> str:
    """The delimiter of a CSV text among :data:`DELIMITERS`: of those that split the header
    into two fields or more, the one whose first `rows` records most often have as many
    fields as the header (quoted values may hold delimiters and line breaks), then the one
    giving the most fields; "," when none splits the header."""
    best, best_score = ",", None
    for sep in DELIMITERS:
        records = list(itertools.islice(csv.reader(io.StringIO(text), delimiter=sep), rows + 1))
        records = [r for r in records if r]
        if not records or len(records[0]) < 2:
            continue
        data = records[1:]
        share = sum(len(r) == len(records[0]) for r in data) / len(data) if data else 1.0
        score = (share, len(records[0]))
        if best_score is None or score > best_score:
            best, best_score = sep, score
    return best


def read_parquet(path: Path, name: str) -> tuple[pd.DataFrame, range]:
    """A Parquet table, with the column types it stores."""
    import pyarrow as pa

    try:
        df = pd.read_parquet(path)
    except (pa.ArrowException, OSError) as err:
        raise ValueError(f"{name}: not a readable Parquet file: {err}") from None
    return df, range(1, len(df) + 1)


def read_jsonl(path: Path, name: str) -> tuple[pd.DataFrame, list[int]]:
    """One JSON object per line (``.jsonl`` or ``.jsonl.gz``); blank lines are skipped but
    counted, so each row's number is its line in the file."""
    lines = _read_bytes(path).split(b"\n")
    numbers = [i for i, line in enumerate(lines, 1) if line.strip()]
    rows = []
    for i in numbers:
        try:
            row = json.loads(lines[i - 1])
        except ValueError as err:
            raise ValueError(f"{name}: malformed JSON on line {i}: {err}") from None
        if not isinstance(row, dict):
            raise ValueError(f"{name}: line {i} is not a JSON object")
        rows.append(row)
    return pd.DataFrame(rows), numbers


class Reader(NamedTuple):
    """How one kind of file becomes article rows (see the module docstring)."""

    read: Callable  # (path, name for messages) -> fields dict, or (DataFrame, row numbers)
    table: bool  # many articles per file (a table) rather than one (a document)
    raw: bool = False  # the text is a scraped dump for clean.clean_article


READERS: dict[str, Reader] = {
    ".txt": Reader(read_text, table=False, raw=True),
    ".html": Reader(read_html, table=False),
    ".htm": Reader(read_html, table=False),
    ".docx": Reader(exports.read, table=False),
    ".csv": Reader(read_csv, table=True),
    ".csv.gz": Reader(read_csv, table=True),
    ".jsonl": Reader(read_jsonl, table=True),
    ".jsonl.gz": Reader(read_jsonl, table=True),
    ".parquet": Reader(read_parquet, table=True),
}
"""File suffix (see :func:`suffix`) -> its reader."""
