"""One reader per kind of input file: each turns one file into article rows.

A reader knows the file format only: nothing of cleaning, manifests, ids or rejected
inputs (:func:`kzmedia.corpus.load` does that, and picks the reader by the file's suffix
in :data:`READERS`). Adding a format is one function and one line of :data:`READERS`.

Two shapes of reader:

- a *document* reader (``table=False``) reads a file holding one article and returns a dict
  of article fields (``text``, and any of ``title``, ``byline``, ``date``, ``url``,
  ``outlet``). Documents may sit in a folder, with a manifest.
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

import json
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pandas as pd
from isal import igzip, igzip_lib

from . import exports

__all__ = ["Reader", "READERS", "suffix", "decode", "read_text", "read_html", "read_csv",
           "read_jsonl", "read_parquet"]


def suffix(path: Path) -> str:
    """The lower-case suffix that picks the reader; ``.csv.gz`` and ``.jsonl.gz`` count as one."""
    name = path.name.lower()
    return next((e for e in (".csv.gz", ".jsonl.gz") if name.endswith(e)), path.suffix.lower())


def decode(data: bytes, name: str) -> str:
    """UTF-8 (BOM removed; UTF-16 when it has a BOM); never guesses another encoding."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(
            f"{name} is not valid UTF-8: byte 0x{data[err.start]:02x} at offset {err.start} "
            "(re-save the file as UTF-8)"
        ) from None


# ------------------------------------------------------------------ one article per file


def read_text(path: Path, name: str) -> dict:
    """A raw scraped ``.txt`` dump: its text, decoded (cleaned later by the loader)."""
    return {"text": decode(path.read_bytes(), name)}


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
    """A CSV table (``.csv`` or ``.csv.gz``), every value read as a string."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    return df, range(1, len(df) + 1)


def read_parquet(path: Path, name: str) -> tuple[pd.DataFrame, range]:
    """A Parquet table, with the column types it stores."""
    df = pd.read_parquet(path)
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
