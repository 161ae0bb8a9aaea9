"""Load a corpus into the articles DataFrame: the data model (:data:`COLUMNS`,
:func:`validate`) and :func:`load`, which finds the inputs, reads each with its reader
(:mod:`kzmedia.readers`), cleans raw dumps (:mod:`kzmedia.clean`), applies a manifest,
detects the language (:mod:`kzmedia.language`) and keeps the books of what was left out.

Inputs: a folder (read with its subfolders) of raw scraped ``.txt`` dumps and/or saved
``.html``/``.htm`` pages (with an optional ``manifest.csv``), a single such file, or a table
(``.csv``, ``.jsonl``, ``.jsonl.gz``, ``.parquet``). Database exports among the files (Nexis
Uni ``.docx``, LexisNexis ``.txt``, Factiva ``.html``; :mod:`kzmedia.exports`) give one row
per article. Nothing is lost silently: every input article ends up either in the result or in
``articles.attrs["rejected"]`` with its reason. Dates follow the rules of
:func:`normalize_dates`; :func:`language_caveat` says which stages cannot read the articles
that are not in English.

Near-duplicates: :func:`duplicates` and :func:`dedupe` (from :mod:`kzmedia.duplicates`).
"""

from __future__ import annotations

import datetime
import os
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from . import exports, language, readers
from .duplicates import dedupe, duplicates
from .parallel import map_ordered, n_processes

__all__ = ["COLUMNS", "REJECTED_COLUMNS", "AUDIT_COLUMNS", "AttrsTable", "load", "check",
           "validate", "normalize_paragraphs", "normalize_dates", "expand_year", "MIN_YEAR",
           "MAX_FILE_BYTES", "DATE_ISSUES", "ENGLISH_ONLY", "language_caveat", "duplicates",
           "dedupe"]

COLUMNS = (
    "doc_id",  # stable id: file name without extension, or the table's id column
    "outlet",  # the publication ("" when unknown)
    "title",  # headline ("" when unknown)
    "byline",  # author(s) ("" when unknown)
    "url",  # article URL ("" when unknown)
    "date",  # ISO date, possibly partial: "2013-09-22", "2013-09", "2013" or ""
    "date_precision",  # "day" | "month" | "year" | "" (no date)
    "text",  # cleaned body: the source's paragraphs, verbatim, joined by "\n\n"
    "source",  # where it came from: relative path, or "table:row"
    "n_words",  # whitespace token count of text (int): len(text.split())
    "lang",  # detected language code ("en"), "" for empty text, "und" when not detected
)
"""Columns of the articles DataFrame, in order; extra columns (manifest/table) follow."""

REJECTED_COLUMNS = ("source", "doc_id", "reason")
"""Columns of ``articles.attrs["rejected"]``: the inputs left out, and why."""
AUDIT_COLUMNS = ("doc_id", "line_no", "text", "kept", "reason")
"""Columns of ``articles.attrs["audit"]``: the cleaner's verdict on each line of a raw dump."""

MANIFEST_NAME = "manifest.csv"

MAX_FILE_BYTES = 20_000_000
"""Default of ``load``'s ``max_bytes``: a document file larger than this is no single
article (a dump of a whole site, a binary file) and is rejected."""

# default source columns of a table / manifest for each article column, first match wins
_DEFAULT_NAMES = {
    "doc_id": ("doc_id", "id"),
    "outlet": ("outlet", "source"),
    "title": ("title", "headline"),
    "byline": ("byline", "authors", "author"),
    "url": ("url", "link"),
    "date": ("date", "published"),
    "text": ("text", "body", "content"),
}
_DATE_RE = r"^(?:\d{4}-\d{2}-\d{2}|\d{4}-\d{2}|\d{4}|)$"
_PRECISION_LEN = {"day": 10, "month": 7, "year": 4, "": 0}


class AttrsTable(pd.DataFrame):
    """A DataFrame stored in ``articles.attrs`` (``rejected``, ``audit``): frames derived
    from the articles share it instead of copying it.

    pandas deep-copies ``attrs`` into every derived frame and compares them on concat/merge,
    which fails for DataFrame values unless they are the same object. Operations on the
    table itself return plain DataFrames.
    """

    @property
    def _constructor(self):
        return pd.DataFrame

    def __deepcopy__(self, memo=None):
        return self


# --------------------------------------------------------------------------- languages

ENGLISH_ONLY = {
    "sentences": "sentences (split at English sentence ends and abbreviations)",
    "terms": "term tables (English stop words and phrases; words found between spaces, so "
             "Chinese or Japanese text is not split into words)",
    "frames": "frames (an English codebook)",
    "actors": "actors (an English gazetteer)",
    "tone": "tone (VADER, an English lexicon: other languages are left unscored)",
}
"""The stages whose vocabulary or rules are English, each with what that means for a text
in another language (:func:`language_caveat` names them)."""


def language_caveat(articles: pd.DataFrame) -> str:
    """One sentence for reports: how many articles are in a language other than English
    (``lang`` column, by language) and which stages are English-only (:data:`ENGLISH_ONLY`);
    "" when every article with a detected language is English (``lang`` "und" or "" counts
    as not detected, e.g. after ``load(..., lang=False)``)."""
    langs = articles["lang"].astype("str")
    other = langs[~langs.isin(["en", "und", ""])].value_counts()
    if not len(other):
        return ""
    listed = ", ".join(f"{lang} {n}" for lang, n in other.items())
    return (f"{int(other.sum())} of {len(articles)} articles are not in English ({listed}); "
            f"these stages are English-only and miss or mis-read them: "
            f"{'; '.join(ENGLISH_ONLY.values())}.")


# --------------------------------------------------------------------------- validate


def validate(articles: pd.DataFrame) -> pd.DataFrame:
    """Check an articles DataFrame against COLUMNS; return it unchanged (for ``.pipe``).

    Raises ValueError naming the problem: missing columns, empty or duplicate ``doc_id``,
    non-string values in a string column, non-integer ``n_words``, malformed ``date`` or a
    ``date_precision`` that does not match the date.
    """
    if not isinstance(articles, pd.DataFrame):
        raise ValueError(f"articles must be a pandas DataFrame, not {type(articles).__name__}")
    missing = [c for c in COLUMNS if c not in articles.columns]
    if missing:
        raise ValueError(f"articles is missing columns {missing}; it has {list(articles.columns)}")
    for col in (c for c in COLUMNS if c != "n_words"):
        bad = ~articles[col].map(lambda v: isinstance(v, str)).astype(bool)
        if bad.any():
            first = articles.loc[bad, "doc_id"].iloc[0]
            raise ValueError(
                f"column {col!r} must hold strings; {int(bad.sum())} value(s) are not "
                f"(first at doc_id {first!r}: {articles.loc[bad, col].iloc[0]!r})"
            )
    if (articles["doc_id"] == "").any():
        raise ValueError("column 'doc_id' has empty ids")
    dup = articles["doc_id"][articles["doc_id"].duplicated()]
    if len(dup):
        raise ValueError(f"duplicate doc_id: {sorted(set(dup))[:10]}")
    if not pd.api.types.is_integer_dtype(articles["n_words"]):
        raise ValueError(f"column 'n_words' must be integer, not {articles['n_words'].dtype}")
    bad = ~articles["date"].str.match(_DATE_RE)
    if bad.any():
        raise ValueError(
            "column 'date' must be ISO (YYYY-MM-DD, YYYY-MM, YYYY or ''); bad values: "
            f"{list(articles.loc[bad, 'date'].unique()[:5])}"
        )
    expected = articles["date_precision"].map(_PRECISION_LEN)
    bad = expected.isna() | (articles["date"].str.len() != expected)
    if bad.any():
        row = articles.loc[bad].iloc[0]
        raise ValueError(
            f"date_precision {row['date_precision']!r} does not match date {row['date']!r} "
            f"(doc_id {row['doc_id']!r}); expected 'day', 'month', 'year' or '' for no date"
        )
    return articles


# --------------------------------------------------------------------------- load


def load(path, manifest=None, *, lang: bool = True, clean: bool | None = None,
         lang_chars: int = language.LANG_CHARS, n_jobs: int | None = None,
         progress: bool = True, max_bytes: int | None = MAX_FILE_BYTES,
         **column_map) -> pd.DataFrame:
    """Load articles from a folder, a single raw file or a table.

    Parameters
    ----------
    path : folder of ``.txt``/``.html``/``.htm``/``.docx`` files, read with its subfolders
        (``manifest.csv`` at its top is used when present), a single such file, or a
        ``.csv``/``.jsonl``/``.jsonl.gz``/``.parquet`` table. In a folder, hidden files and
        folders (name starting with ".") and files of other types are not read and are listed
        in ``attrs["rejected"]``; a file in a subfolder has the doc_id ``sub/name``. A database
        export (recognised by :func:`kzmedia.exports.sniff`) gives one row per article, doc_id
        ``<file>#<n>``, with the columns of :data:`kzmedia.exports.COLUMNS`.
    manifest : optional manifest (path or DataFrame) for a folder or file input. Column
        ``file`` names the file, relative to the folder (a path that is absolute or leads
        outside the folder is rejected, never opened); ``doc_id``, ``outlet``, ``url``,
        ``published``/``date``, ``title``, ``byline`` override what is sniffed from the text
        when non-empty; any other column is kept as an article column (usable as a grouping).
        A row whose ``status`` is ``failed`` (a URL :func:`kzmedia.fetch.fetch` could not get)
        opens no file and is listed in ``rejected`` with its ``reason``.
    lang : detect the language of each text (:func:`kzmedia.language.detect`, first
        ``lang_chars`` characters); ``False`` sets ``lang`` to "und".
    clean : run the raw-text cleaner on table texts (default: only for ``.txt`` inputs;
        table texts are taken as already clean, paragraph breaks normalized by
        :func:`normalize_paragraphs`).
    n_jobs : processes that read and clean the files of a folder of at least
        ``PARALLEL_MIN_FILES`` files, in chunks of ``FILE_CHUNK``, and that detect the
        languages of many texts (None: all cores; 1: this process only; see
        :func:`kzmedia.parallel.map_ordered`). The result is the same either way.
    progress : a progress bar over the files of a folder, or over the texts of a table being
        cleaned (tqdm, notebook-aware), shown when that takes more than two seconds.
    max_bytes : document files (one article each) larger than this are rejected with the
        reason (None: no limit); tables are not limited.
    **column_map : article column -> source column name, e.g. ``text="body", doc_id="id"``
        (applies to a table, or to a manifest).

    Dates (the ``date`` column: the manifest's or table's, else the one sniffed from the
    text) are normalized by the rules of :func:`normalize_dates`; a date left out, or read
    with an assumption, gets a warning naming its file and a row in ``attrs["audit"]``
    (line_no 0, the value as given, reason "date: ...").

    Returns
    -------
    DataFrame with the columns of ``COLUMNS`` (doc_id, outlet, title, byline, url, date,
    date_precision, text, source, n_words, lang) then any extra columns, sorted by doc_id.
    ``attrs["rejected"]``: DataFrame[source, doc_id, reason] of inputs not in the result.
    ``attrs["audit"]``: DataFrame[doc_id, line_no, text, kept, reason], the per-line cleaning
    audit of raw text inputs (none for tables unless ``clean=True``), and a row with line_no 0
    for each date that was left out or read with an assumption (``kept``: whether the date
    was kept).
    """
    path = Path(path)
    reader, files, rejected = _inputs(path, manifest, column_map)
    if path.is_dir():
        frame, audit, rej = _load_files(files, path, manifest if manifest is not None
                                        else _folder_manifest(path), column_map, progress,
                                        n_jobs, max_bytes)
        rejected += rej
        empty_reason = "empty after cleaning"
    elif reader is not None and not reader.table:
        frame, audit, rejected = _load_files([path], None, manifest, column_map, progress,
                                             max_bytes=max_bytes)
        empty_reason = "empty after cleaning"
    elif reader is not None:
        clean = reader.raw if clean is None else clean
        frame, audit = _load_table(path, reader, column_map, clean, progress)
        rejected = []
        empty_reason = "empty after cleaning" if clean else "empty text"
    else:
        raise ValueError(
            f"{path}: unsupported extension {readers.suffix(path)!r}; expected a folder or "
            f"one of {list(readers.READERS)}"
        )
    return _finish(frame, rejected, audit, empty_reason, lang, lang_chars, n_jobs)


def check(path, manifest=None, **column_map) -> None:
    """Raise the error :func:`load` would raise for bad input (a missing path, an unsupported
    file, a table or manifest that cannot be read or lacks its columns), without reading the
    documents of a folder: a cheap check before a long run. Documents that cannot be read are
    no error for ``load`` either (they are listed in ``attrs["rejected"]``)."""
    path = Path(path)
    reader, files, rejected = _inputs(path, manifest, column_map)
    if path.is_dir():
        manifest = manifest if manifest is not None else _folder_manifest(path)
    elif reader is None:
        raise ValueError(
            f"{path}: unsupported extension {readers.suffix(path)!r}; expected a folder or "
            f"one of {list(readers.READERS)}"
        )
    elif reader.table:
        _table_columns(reader.read(path, str(path))[0], column_map, path)
        return
    if manifest is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # notes on encodings: load issues them
            _read_manifest(manifest, column_map)


def _inputs(path: Path, manifest, column_map: dict) -> tuple:
    """(reader of the path's suffix or None, a folder's files, a folder's rejected files) after
    the checks :func:`load` and :func:`check` share: column names, the path, an empty folder."""
    unknown = set(column_map) - set(_DEFAULT_NAMES)
    if unknown:
        raise TypeError(f"unknown column mapping {sorted(unknown)}; mappable: {list(_DEFAULT_NAMES)}")
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    files, rejected = _folder_files(path, manifest) if path.is_dir() else ([], [])
    if path.is_dir() and not files and not rejected:
        raise ValueError(f"{path}: folder holds no {'/'.join(_suffixes(table=False))} files")
    return readers.READERS.get(readers.suffix(path)), files, rejected


def _table_columns(df: pd.DataFrame, column_map: dict, path: Path) -> dict:
    """Article column -> column of the table `df`; a ValueError naming the file without a
    text column."""
    picked = _pick(df, column_map, str(path))
    if "text" not in picked:
        raise ValueError(f"{path}: no text column (tried {list(_DEFAULT_NAMES['text'])}; map one "
                         f"with text=...); columns available: {list(df.columns)}")
    return picked


def _as_text(values: pd.Series) -> pd.Series:
    """Any column as strings: missing -> "", lists -> "a, b", numbers -> str, a whole number
    without a decimal point even in a float column (an outlet 7 with missing values in its
    column is "7", not "7.0")."""
    if pd.api.types.is_float_dtype(values):
        whole = values.notna() & (values % 1 == 0) & (values.abs() < 2 ** 53)
        text = values.astype("str").where(values.notna(), "")
        text[whole] = values[whole].astype("int64").astype("str")
        return text.astype("str")
    if values.dtype == object:
        values = values.map(lambda v: ", ".join(map(str, v))
                            if isinstance(v, (list, tuple, np.ndarray)) else v)
    return values.astype("str").fillna("").where(values.notna(), "").astype("str")


def _pick(df: pd.DataFrame, column_map: dict, where: str) -> dict:
    """Article column -> source column in ``df`` (mapping first, then defaults)."""
    picked = {}
    for col, names in _DEFAULT_NAMES.items():
        if col in column_map:
            if column_map[col] not in df.columns:
                raise ValueError(f"{where}: no column {column_map[col]!r} (for {col}); "
                                 f"columns available: {list(df.columns)}")
            picked[col] = column_map[col]
        else:
            found = next((n for n in names if n in df.columns and n not in picked.values()), None)
            if found is not None:
                picked[col] = found
    return picked


# ----------------------------------------------------------------- folders and raw files


def _folder_manifest(folder: Path):
    candidate = folder / MANIFEST_NAME
    return candidate if candidate.is_file() else None


def _folder_files(folder: Path, manifest) -> tuple[list[Path], list[tuple]]:
    """The documents of the folder and its subfolders; every other file is rejected with a
    reason: hidden (name starting with "."), of another type, a link leading out of the
    folder. A hidden folder, or a link to a folder, is rejected whole (not read)."""
    skip = {(folder / MANIFEST_NAME).resolve()}
    if isinstance(manifest, (str, Path)):
        skip.add(Path(manifest).resolve())
    root = folder.resolve()
    documents = _suffixes(table=False)
    files, rejected = [], []
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        rel = here.relative_to(folder)
        for d in sorted(dirnames):
            why = ("hidden folder: not read" if d.startswith(".") else
                   "a link to a folder: not followed" if (here / d).is_symlink() else "")
            if why:
                rejected.append((_source(folder.name, rel / d) + "/", d, why))
                dirnames.remove(d)
        dirnames.sort()
        names = set(filenames)  # (a saved page beside a dump: see saved_page)
        for name in sorted(filenames):
            p = here / name
            if name.lower().endswith(".csv") and p.resolve() in skip:
                continue
            ext = readers.suffix(p)
            if name.startswith("."):
                why = "hidden file: not read"
            elif ext not in documents:
                why = (f"unsupported file type {ext!r} in folder (expected "
                       f"{', '.join(documents)})")
            elif p.is_symlink() and not p.resolve().is_relative_to(root):
                why = "a link to a file outside the corpus folder: not read"
            elif ext == ".txt" and (page := next((n for n in (Path(name).with_suffix(e).name
                                                              for e in HTML_SUFFIXES)
                                                    if n in names), None)):
                why = f"the saved page {page} of the same article is read instead"
            else:
                files.append(p)
                continue
            rejected.append((_source(folder.name, rel / name), Path(name).stem, why))
    return files, rejected


HTML_SUFFIXES = (".html", ".htm")


def saved_page(path: Path) -> Path | None:
    """The saved web page (``.html``/``.htm``, same name, same folder) of a raw ``.txt``
    dump, or None. Where both exist the page is read: its markup tells the article from the
    page around it better than the dump's lines can (see docs/methods.md, Cleaning)."""
    if readers.suffix(path) != ".txt":
        return None
    return next((page for ext in HTML_SUFFIXES
                 if (page := path.with_suffix(ext)).is_file()), None)


def _suffixes(table: bool) -> list[str]:
    """The suffixes of the tables (or of the documents) that a reader reads."""
    return [s for s, r in readers.READERS.items() if r.table == table]


def _read_manifest(manifest, column_map: dict) -> tuple[pd.DataFrame, str]:
    if isinstance(manifest, pd.DataFrame):
        table, name = manifest.copy(), "manifest"
    else:
        name = str(manifest)
        table, _ = readers.read_csv(Path(manifest), name)
    if "file" not in table.columns:
        raise ValueError(f"{name}: manifest has no 'file' column; columns: {list(table.columns)}")
    table = table.apply(_as_text)
    picked = _pick(table.drop(columns="file"), column_map, name)
    picked.pop("text", None) if "text" not in column_map else None
    extras = [c for c in table.columns if c not in picked.values() and c != "file"]
    out = pd.DataFrame({col: table[src] for col, src in picked.items()}, index=table.index)
    out["file"] = table["file"].str.strip()
    for c in extras:
        out[c if c not in COLUMNS else f"{c}_manifest"] = table[c]
    return out, name


def _load_files(files: list[Path], folder: Path | None, manifest, column_map: dict,
                progress: bool = False, n_jobs=1, max_bytes: int | None = None):
    """Raw files (of ``folder``, or one file when folder is None) joined to the manifest."""
    root = folder if folder is not None else files[0].parent
    resolved_root = root.resolve()
    label = folder.name if folder is not None else None
    rejected, audits, rows = [], [], []
    table = None
    if manifest is not None:
        table, mname = _read_manifest(manifest, column_map)
        mname = Path(mname).name
        if folder is None:  # a single file: only its manifest row matters
            table = table[table["file"].map(lambda f: Path(f).name) == files[0].name]
        if "status" in table.columns:  # a URL that kzmedia fetch could not get: no file
            failed = table["status"].str.strip() == "failed"
            rejected += [(row.get("url") or mname, row.get("doc_id") or "",
                          f"not fetched: {row.get('reason') or 'no reason given'}")
                         for row in table[failed].to_dict("records")]
            table = table[~failed]
        dup = table["file"].duplicated()
        rejected += [(_source(label, f), Path(f).stem, f"listed again in {mname} (first row kept)")
                     for f in table.loc[dup, "file"]]
        table = table[~dup]
        outside = table["file"].map(lambda f: _outside(f, resolved_root))
        rejected += [(_source(label, f), Path(f).stem,
                      f"listed in {mname} with a path {why}: not read")
                     for f, why in zip(table["file"], outside) if why]
        table = table[outside == ""]
        present = table["file"].map(lambda f: (root / f).is_file()).astype(bool)
        rejected += [(_source(label, f), Path(f).stem, f"listed in {mname} but the file is missing")
                     for f in table.loc[~present, "file"]]
        table = table[present]
        pages = table["file"].map(lambda f: saved_page(root / f))
        table = table.assign(file=[f if page is None else str(Path(f).with_name(page.name))
                                   for f, page in zip(table["file"], pages)])
        table = table.assign(_key=[str((root / f).resolve()) for f in table["file"]])
        listed = set(table["_key"])
        files = sorted({p.resolve() for p in files} | set(map(Path, listed)))
        unlisted = [p.name for p in files if str(p) not in listed]
        if unlisted:
            warnings.warn(f"{len(unlisted)} file(s) not in {mname}, kept with sniffed metadata: "
                          f"{unlisted[:5]}", stacklevel=3)
    rel = [p.resolve().relative_to(resolved_root) if p.resolve().is_relative_to(resolved_root)
           else Path(p.name) for p in files]
    sources = [_source(label, r) for r in rel]
    notes = []
    for p, r, source, fields in zip(files, rel, sources,
                                    _read_all(files, sources, n_jobs, progress, max_bytes)):
        doc_id = (r.parent / p.stem).as_posix()  # a file in a subfolder: "sub/name"
        if isinstance(fields, str):
            rejected.append((source, doc_id, fields))
            continue
        if isinstance(fields, list):  # a database export: one row per article
            for row in fields:
                audits.append((row["source"], row.pop("audit")))
                rows.append(dict(row, _key=str(p.resolve())))  # its manifest row, if any
            continue
        audit = fields.pop("audit")
        if fields.get("note"):
            notes.append(fields["note"])
        if audit is not None:
            audits.append((source, audit))
        rows.append(dict(fields, doc_id=doc_id, source=source, _key=str(p.resolve())))
    if notes:
        warnings.warn(f"{len(notes)} file(s) read with a guessed encoding: " + "; ".join(notes[:5]),
                      stacklevel=3)
    more = list(exports.COLUMNS) if any("export" in r for r in rows) else []
    frame = pd.DataFrame(rows, columns=["doc_id", *_FIELDS, "source", "_key", *more])
    frame[more] = frame[more].fillna("")
    if table is not None:
        frame = _apply_manifest(frame, table)
    return frame.drop(columns="_key"), _collect_audit(audits), rejected


def _outside(file: str, root: Path) -> str:
    """Why a manifest's file entry does not name a file inside the folder `root` (resolved),
    or "" when it does. Decided from the path alone: the file is not opened."""
    if not file:
        return "that is empty"
    path = Path(file)
    if path.is_absolute() or path.drive:
        return f"that is absolute ({file}), not relative to the corpus folder"
    if not (root / path).resolve().is_relative_to(root):
        return f"that leads outside the corpus folder ({file})"
    return ""


# The article fields a document gives ("" where its reader finds none).
_FIELDS = ("outlet", "title", "byline", "url", "date", "text")

# The files of a folder are read and cleaned by several processes from this many files on,
# in chunks of FILE_CHUNK files.
PARALLEL_MIN_FILES = 200
FILE_CHUNK = 50


def _read_document(path: Path, source: str, max_bytes: int | None = None) -> dict | list | str:
    """The article fields of one document file (a raw dump cleaned, with its audit under
    "audit", else None there), a list of such rows for a database export (with doc_id and
    source), or the reason it is rejected (too large, unreadable, not text, no text). The size
    limit is for one-article files: an export holds many articles."""
    reader = readers.READERS[readers.suffix(path)]
    try:
        if exports.sniff(path):  # many articles, bodies already separated: not cleaned
            return [{**dict.fromkeys(_FIELDS, ""), **row} for row in exports.read(path, source)]
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            return (f"file too large: {size:,} bytes, above the limit of {max_bytes:,} "
                    "(corpus.load's max_bytes)")
        fields = reader.read(path, source)
        audit = None
        if reader.raw:
            from . import clean

            result = clean.clean_article(fields["text"])
            audit = result["audit"]
            fields = dict(fields, text=result["text"],
                          **{k: result.get(k, "") for k in ("title", "byline", "date")})
    except ValueError as err:
        return str(err)
    except OSError as err:
        return f"unreadable: {err}"
    return {**dict.fromkeys(_FIELDS, ""), **fields, "audit": audit}


def _read_chunk(chunk: list[tuple[Path, str, int | None]]) -> list[dict | str]:
    return [_read_document(path, source, max_bytes) for path, source, max_bytes in chunk]


def _read_all(files: list[Path], sources: list[str], n_jobs, progress: bool,
              max_bytes: int | None = None) -> list:
    """:func:`_read_document` of each file, in order, in chunks of ``FILE_CHUNK`` files: in
    this process, or in `n_jobs` processes for ``PARALLEL_MIN_FILES`` files or more; a
    progress bar when that takes more than two seconds."""
    from tqdm.auto import tqdm

    items = [(f, s, max_bytes) for f, s in zip(files, sources)]
    chunks = [items[i:i + FILE_CHUNK] for i in range(0, len(items), FILE_CHUNK)]
    jobs = n_jobs if len(files) >= PARALLEL_MIN_FILES else 1
    with tqdm(total=len(files), desc="files", unit="file", delay=2,
              disable=not progress) as bar:
        parts = map_ordered(_read_chunk, chunks, jobs,
                            on_done=lambda i: bar.update(len(chunks[i])))
    return [fields for part in parts for fields in part]


def _source(label: str | None, name) -> str:
    """Where an input is: its path under the folder's name, an absolute path as given."""
    name = Path(name)
    return f"{label}/{name.as_posix()}" if label and not name.is_absolute() else name.as_posix()


def _apply_manifest(frame: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Manifest values win over sniffed ones when non-empty; extra columns are added. The
    row of an export file applies to each of its articles."""
    merged = frame.merge(table.drop(columns="file"), on="_key", how="left",
                         suffixes=("", "_m"), validate="many_to_one")  # export: many
    for col in [c for c in _DEFAULT_NAMES if f"{c}_m" in merged.columns]:
        given = merged[f"{col}_m"].fillna("")
        merged[col] = given.where(given != "", merged[col])
        merged = merged.drop(columns=f"{col}_m")
    for col in merged.columns.difference(frame.columns):
        merged[col] = merged[col].fillna("").astype("str")
    return merged


def _collect_audit(audits: list[tuple[str, pd.DataFrame]]) -> pd.DataFrame:
    """The per-line audits of (source, audit) pairs, one table with a ``_source`` column;
    doc_id is filled in by ``_finish``."""
    if not audits:
        return _empty_audit()
    out = pd.concat([audit for _, audit in audits], ignore_index=True)
    sources = pd.array([source for source, _ in audits], dtype="str")
    out.insert(0, "_source", sources.take(np.repeat(np.arange(len(audits)),
                                                   [len(audit) for _, audit in audits])))
    return out[["_source", "line_no", "text", "kept", "reason"]]


def _empty_audit() -> pd.DataFrame:
    return pd.DataFrame({"_source": pd.Series(dtype="str"), "line_no": pd.Series(dtype="int64"),
                         "text": pd.Series(dtype="str"), "kept": pd.Series(dtype="bool"),
                         "reason": pd.Series(dtype="str")})


# --------------------------------------------------------------------------- tables


def _load_table(path: Path, reader: readers.Reader, column_map: dict, clean: bool,
                progress: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(article rows, audit) of a table file: its columns mapped to article columns, the
    rest kept as extra columns; texts cleaned (``clean``) or their paragraphs normalized."""
    df, rows = reader.read(path, str(path))
    picked = _table_columns(df, column_map, path)
    width = len(str(len(df)))
    row_no = pd.Series([str(r) for r in rows], index=df.index, dtype="str")
    out = pd.DataFrame(index=df.index)
    for col in ("doc_id", "outlet", "title", "byline", "url", "date", "text"):
        out[col] = _as_text(df[picked[col]]) if col in picked else ""
    if "doc_id" not in picked:
        out["doc_id"] = row_no.str.zfill(width)
    else:
        out["doc_id"] = _fill_ids(out["doc_id"], row_no.str.zfill(width), path.name)
    out["source"] = path.name + ":" + row_no
    used = set(picked.values())
    for c in df.columns:
        if c not in used:
            out[c if c not in out.columns and c not in COLUMNS else f"{c}_table"] = df[c]
    if clean:
        from tqdm.auto import tqdm

        from . import clean as cleaner

        results = [cleaner.clean_article(t) for t in tqdm(
            out["text"], desc="cleaning", unit="article", delay=2, disable=not progress)]
        out["text"] = [r["text"] for r in results]
        audit = _collect_audit([(s, r["audit"]) for r, s in zip(results, out["source"])])
    else:
        out["text"] = normalize_paragraphs(out["text"])
        audit = _empty_audit()
    return out.reset_index(drop=True), audit


def _fill_ids(ids: pd.Series, rows: pd.Series, name: str) -> pd.Series:
    """Blank ids replaced by "row-" and the row number (stable for the same file), made
    distinct from every id the table gives; a warning says how many."""
    blank = ids.str.strip() == ""
    if not blank.any():
        return ids
    given = set(ids[~blank])
    made = "row-" + rows[blank]
    while made.isin(given).any():  # an id of the table already reads "row-..."
        made = made.where(~made.isin(given), made + "-generated")
    warnings.warn(f"{name}: {int(blank.sum())} row(s) without an id got one from their row "
                  f"number, e.g. {made.iloc[0]!r}", stacklevel=4)
    return ids.where(~blank, made)


def normalize_paragraphs(text: pd.Series) -> pd.Series:
    """Each text trimmed, and every run of line breaks (with the spaces and tabs around it)
    made one blank line, the paragraph break of ``COLUMNS["text"]``. Trimming and line
    breaks follow Arrow's UTF-8 string functions (Unicode whitespace; RE2)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pc.utf8_trim_whitespace(pa.array(text.astype("str").array))
    arr = pc.replace_substring_regex(arr, r"[ \t]*(?:\r\n?|\n)[ \t\r\n]*", "\n\n")
    return pd.Series(arr, index=text.index, dtype="str")


# --------------------------------------------------------------------------- finishing


def _finish(frame, rejected, audit, empty_reason, lang, lang_chars, n_jobs=1) -> pd.DataFrame:
    """The articles from the rows read: empty texts and repeated doc_ids rejected, dates
    normalized, words counted, language detected, columns in order, sorted by doc_id, with
    the rejected inputs and the audit of the articles kept (or empty) in ``attrs``."""
    rejected = list(rejected)
    frame = frame.copy()
    empty = frame["text"].str.strip() == ""
    rejected += [(s, d, empty_reason) for s, d in frame.loc[empty, ["source", "doc_id"]].values]
    frame = frame[~empty]
    dup = frame["doc_id"].duplicated()
    first = frame.drop_duplicates("doc_id").set_index("doc_id")["source"]
    rejected += [(s, d, f"duplicate doc_id (first kept: {first[d]})")
                 for s, d in frame.loc[dup, ["source", "doc_id"]].values]
    frame = frame[~dup]
    audited = {}  # source -> doc_id: kept, or rejected as empty
    if len(audit):
        audited = dict(zip(frame["source"], frame["doc_id"]))
        audited.update((s, d) for s, d, r in rejected if r == empty_reason)
    doc_of = audit["_source"].map(audited)  # (not isin: slow with many Arrow strings)
    audit = audit[doc_of.notna()].assign(doc_id=doc_of[doc_of.notna()].astype("str"))
    audit = audit[list(AUDIT_COLUMNS)].astype(
        {"line_no": "int64", "text": "str", "kept": "bool", "reason": "str"})
    dates = normalize_dates(frame["date"])
    date_audit = _date_report(frame, dates, frame["date"])
    if len(date_audit):
        audit = pd.concat([audit, date_audit[list(AUDIT_COLUMNS)].astype(audit.dtypes.to_dict())],
                          ignore_index=True)
    frame["date"], frame["date_precision"] = dates["date"], dates["date_precision"]
    frame["n_words"] = np.array([len(t.split()) for t in frame["text"]], dtype=np.int64)
    frame["lang"] = language.detect(frame["text"], lang_chars, n_jobs) if lang else "und"
    extras = [c for c in frame.columns if c not in COLUMNS]
    for c in COLUMNS:
        if c != "n_words":
            frame[c] = frame[c].astype("str")
    frame = frame[list(COLUMNS) + extras].sort_values("doc_id", kind="stable")
    frame = frame.reset_index(drop=True)
    rej = pd.DataFrame(rejected, columns=list(REJECTED_COLUMNS), dtype="str")
    frame.attrs["rejected"] = AttrsTable(rej.sort_values(["source", "doc_id"], ignore_index=True))
    frame.attrs["audit"] = AttrsTable(audit.sort_values(["doc_id", "line_no"], kind="stable",
                                                        ignore_index=True))
    return frame


MIN_YEAR = 1800
"""Dates before this year are no publication dates of a news corpus (``0001-11-30``): they
are left out, with a warning and an audit row. So are dates after next year."""

DATE_ISSUES = ("impossible calendar date", "year out of range", "ambiguous day/month order",
               "unparseable", "no year")
"""Why :func:`normalize_dates` leaves a date out (the ``issue`` column starts with one of
these), besides "day/month order assumed" for an ambiguous date it keeps."""

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](.*))?$")
_ISO_TIME_ZONE = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
_NUMERIC = r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?:[ T,]+\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AaPp][Mm])?)?$"


def expand_year(yy: int, max_year: int) -> int:
    """A two-digit year as the latest year ending in those digits that is not after
    `max_year` (next year): with max_year 2027, "17" is 2017, "27" 2027, "28" 1928."""
    year = 2000 + yy
    return year if year <= max_year else year - 100


def normalize_dates(dates: pd.Series, *, max_year: int | None = None) -> pd.DataFrame:
    """Dates as given -> ISO dates with their precision, and what was wrong with each.

    Returns a DataFrame with the index of `dates` and columns ``date`` (ISO: "YYYY-MM-DD",
    "YYYY-MM", "YYYY" or ""), ``date_precision`` ("day", "month", "year" or ""), ``issue``
    ("" when none) and ``kept`` (False when the value given was left out). Rules:

    - ISO dates keep their precision ("2013-09" stays a month). A time with a UTC offset
      ("2016-03-04T23:30:00-05:00", "...Z") gives the UTC date (here 2016-03-05); a time
      without one is ignored.
    - Numeric dates "a/b/yyyy" (also with "." or "-", with an optional time): the order of
      day and month is decided once for the whole column from its unambiguous values (a
      first number above 12 means day-first, a second one above 12 month-first). A date
      whose numbers are both 12 or less is read in that order and flagged "day/month order
      assumed"; when the column gives no evidence, or evidence both ways, it is left out
      ("ambiguous day/month order").
    - Two-digit years are expanded by :func:`expand_year` (the latest such year not after
      next year: "7/23/17" is 2017-07-23).
    - Other forms ("Tue, 15 Nov 1994 08:12:31 +0200", "March 3, 2016", "3 March 2016",
      "March 2016") are parsed by dateutil with the column's day/month order; a time zone
      gives the UTC date; a month and year without a day keep month precision; a value
      without a year is left out ("no year").
    - A date that does not exist ("2016-02-30", month 13) is left out ("impossible calendar
      date"), and so is a year before :data:`MIN_YEAR` or after `max_year` (default: next
      year) ("year out of range").
    """
    if max_year is None:
        max_year = datetime.date.today().year + 1
    raw = dates.astype("str").fillna("").str.strip()
    n = len(raw)
    out = np.full(n, "", dtype=object)
    precision = np.full(n, "", dtype=object)
    issue = np.full(n, "", dtype=object)
    values = raw.to_numpy(dtype=object)
    todo = raw.to_numpy() != ""

    def set_iso(idx, iso: pd.Series, prec: str):
        out[idx], precision[idx] = iso.to_numpy(dtype=object), prec

    # ISO without a time zone: vectorized (the common case of large tables)
    day = raw.str.match(r"^\d{4}-\d{2}-\d{2}(?:[T ].*)?$").to_numpy(dtype=bool) & todo
    zoned = day & raw.str.contains(_ISO_TIME_ZONE.pattern, regex=True).to_numpy(dtype=bool) \
        & (raw.str.len() > 10).to_numpy()
    day &= ~zoned
    set_iso(day, raw[day].str.slice(0, 10), "day")
    month = raw.str.match(r"^\d{4}-\d{2}$").to_numpy(dtype=bool) & todo
    set_iso(month, raw[month], "month")
    year = raw.str.match(r"^\d{4}$").to_numpy(dtype=bool) & todo
    set_iso(year, raw[year], "year")
    todo &= ~(day | month | year)

    # numeric a/b/yyyy: one day/month order for the column
    parts = raw.str.extract(_NUMERIC).to_numpy(dtype=object)
    numeric = todo & pd.notna(parts[:, 0]).astype(bool)
    order = ""
    if numeric.any():
        a = parts[numeric, 0].astype(int)
        b = parts[numeric, 1].astype(int)
        day_first = bool(((a > 12) & (a <= 31) & (b <= 12)).any())
        month_first = bool(((b > 12) & (b <= 31) & (a <= 12)).any())
        order = "day-first" if day_first and not month_first else \
            "month-first" if month_first and not day_first else ""
        conflict = day_first and month_first
        for k, x, y, yy in zip(np.flatnonzero(numeric), a, b, parts[numeric, 2]):
            yr = expand_year(int(yy), max_year) if len(yy) == 2 else int(yy)
            if x <= 12 and y <= 12 and x != y:
                if not order:
                    issue[k] = ("ambiguous day/month order (the column has dates of both "
                                "orders)" if conflict else "ambiguous day/month order (no "
                                "date in the column has a day above 12 to decide it)")
                    continue
                issue[k] = f"day/month order assumed ({order}, as the column's unambiguous dates)"
                d, m = (x, y) if order == "day-first" else (y, x)
            else:
                d, m = (x, y) if x > 12 or (x == y) else (y, x)
            out[k], precision[k] = f"{yr:04d}-{m:02d}-{d:02d}", "day"
        todo &= ~numeric

    # anything else: parsed one distinct value at a time
    if todo.any():
        parsed = {v: _parse_other(v, order == "day-first", max_year)
                  for v in pd.unique(values[todo])}
        for k in np.flatnonzero(todo):
            out[k], precision[k], issue[k] = parsed[values[k]]

    # the calendar and the year bounds
    has = out != ""
    years = np.array([int(d[:4]) if d else 0 for d in out])
    bad_year = has & ((years < MIN_YEAR) | (years > max_year))
    issue[bad_year] = f"year out of range (before {MIN_YEAR} or after {max_year})"
    check = has & ~bad_year & (precision != "year")
    if check.any():
        padded = pd.Series(out[check], dtype="str").where(precision[check] == "day",
                                                          pd.Series(out[check], dtype="str") + "-01")
        ok = pd.to_datetime(padded, format="%Y-%m-%d", errors="coerce").notna().to_numpy()
        idx = np.flatnonzero(check)[~ok]
        issue[idx] = "impossible calendar date"
    left_out = np.array([bool(i) and not i.startswith("day/month order assumed") for i in issue],
                        dtype=bool)
    out[left_out], precision[left_out] = "", ""
    return pd.DataFrame({"date": pd.array(out, dtype="str"),
                         "date_precision": pd.array(precision, dtype="str"),
                         "issue": pd.array(issue, dtype="str"),
                         "kept": ~left_out}, index=dates.index)


def _parse_other(value: str, day_first: bool, max_year: int) -> tuple[str, str, str]:
    """(ISO date, precision, issue) of a date in another form, by dateutil: the date in UTC
    when a time zone is given; month precision when no day is; no date without a year."""
    import dateutil.parser

    if _ISO.match(value):  # ISO with a time zone
        try:
            stamp = datetime.datetime.fromisoformat(value)
        except ValueError:
            stamp = None
        if stamp is not None and stamp.utcoffset() is not None:
            return stamp.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d"), "day", ""
    day_first = day_first and not re.match(r"\d{4}", value)  # 2016/03/04 is year-first
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # dateutil's UnknownTimezoneWarning: taken as UTC
            one = dateutil.parser.parse(value, dayfirst=day_first,
                                        default=datetime.datetime(2000, 1, 1))
            two = dateutil.parser.parse(value, dayfirst=day_first,
                                        default=datetime.datetime(2001, 2, 2))
    except (ValueError, OverflowError, TypeError) as err:
        return "", "", ("impossible calendar date" if "out of range" in str(err)
                        else "unparseable")
    if one.year != two.year:
        return "", "", "no year"
    if not re.search(r"\d{3}", value):  # a two-digit year
        one = one.replace(year=expand_year(one.year % 100, max_year))
    if one.month != two.month:
        return f"{one.year:04d}", "year", ""
    if one.day != two.day:
        return f"{one.year:04d}-{one.month:02d}", "month", ""
    if one.tzinfo is not None and one.utcoffset() is not None:
        one = one.astimezone(datetime.timezone.utc)
    return f"{one.year:04d}-{one.month:02d}-{one.day:02d}", "day", ""


def _date_report(frame: pd.DataFrame, dates: pd.DataFrame, raw: pd.Series) -> pd.DataFrame:
    """Warnings naming the files of the dates left out or assumed, and their audit rows."""
    flagged = dates["issue"] != ""
    if not flagged.any():
        return _empty_audit().assign(doc_id=pd.Series(dtype="str"))
    rows = pd.DataFrame({"doc_id": frame.loc[flagged, "doc_id"], "source": frame.loc[flagged, "source"],
                         "value": raw[flagged].astype("str"), "issue": dates.loc[flagged, "issue"],
                         "kept": dates.loc[flagged, "kept"]})
    for (issue, kept), group in rows.groupby(["issue", "kept"], sort=True):
        examples = ", ".join(f"{s} {v!r}" for s, v in zip(group["source"][:5], group["value"][:5]))
        more = f" and {len(group) - 5} more" if len(group) > 5 else ""
        what = "read with an assumption" if kept else "left empty"
        warnings.warn(f"{len(group)} date(s) {what}, {issue}: {examples}{more}", stacklevel=4)
    return pd.DataFrame({"_source": rows["source"].astype("str"), "line_no": 0,
                         "text": rows["value"], "kept": rows["kept"].astype(bool),
                         "reason": "date: " + rows["issue"], "doc_id": rows["doc_id"]})
