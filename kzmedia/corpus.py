"""Load a corpus into the articles DataFrame; the only module that reads files.

Inputs: a folder of raw scraped ``.txt`` dumps and/or saved ``.html``/``.htm`` pages (with an
optional ``manifest.csv``), a single such file, or a table (``.csv``, ``.jsonl``,
``.jsonl.gz``, ``.parquet``). Nothing is lost silently: every input article ends up either in
the result or in ``articles.attrs["rejected"]`` with its reason.
"""

from __future__ import annotations

import gzip
import json
import re
import warnings
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from .parallel import can_fork, n_processes, process_pool

__all__ = ["COLUMNS", "load", "validate", "duplicates", "dedupe"]

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
    "n_words",  # whitespace token count of text (int)
    "lang",  # detected language code ("en"), "" for empty text, "und" when not detected
)
"""Columns of the articles DataFrame, in order; extra columns (manifest/table) follow."""

REJECTED_COLUMNS = ("source", "doc_id", "reason")
AUDIT_COLUMNS = ("doc_id", "line_no", "text", "kept", "reason")

RAW_EXTENSIONS = (".txt", ".html", ".htm")
TABLE_EXTENSIONS = (".csv", ".csv.gz", ".jsonl", ".jsonl.gz", ".parquet")
MANIFEST_NAME = "manifest.csv"

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
_DATE_FORMS = (  # (regex on the stripped string, precision, characters kept)
    (r"^\d{4}-\d{2}-\d{2}(?:[T ].*)?$", "day", 10),
    (r"^\d{4}-\d{2}$", "month", 7),
    (r"^\d{4}$", "year", 4),
)
_DATE_RE = r"^(?:\d{4}-\d{2}-\d{2}|\d{4}-\d{2}|\d{4}|)$"
_PRECISION_LEN = {"day": 10, "month": 7, "year": 4, "": 0}


class _AttrsTable(pd.DataFrame):
    """A DataFrame stored in ``articles.attrs``: derived frames share it instead of copying.

    pandas deep-copies ``attrs`` into every derived frame and compares them on concat/merge,
    which fails for DataFrame values unless they are the same object. Operations on the
    table itself return plain DataFrames.
    """

    @property
    def _constructor(self):
        return pd.DataFrame

    def __deepcopy__(self, memo=None):
        return self


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
         lang_chars: int = 500, n_jobs: int | None = None, progress: bool = True,
         **column_map) -> pd.DataFrame:
    """Load articles from a folder, a single raw file or a table.

    Parameters
    ----------
    path : folder of ``.txt``/``.html``/``.htm`` files (``manifest.csv`` inside is used when
        present), a single such file, or a ``.csv``/``.jsonl``/``.jsonl.gz``/``.parquet`` table.
    manifest : optional manifest (path or DataFrame) for a folder or file input. Column
        ``file`` names the file; ``doc_id``, ``outlet``, ``url``, ``published``/``date``,
        ``title``, ``byline`` override what is sniffed from the text when non-empty; any other
        column is kept as an article column (usable as a grouping).
    lang : detect the language of each text (py3langid, first ``lang_chars`` characters);
        ``False`` sets ``lang`` to "und".
    clean : run the raw-text cleaner on table texts (default: only for ``.txt`` inputs;
        table texts are taken as already clean, paragraph breaks normalized).
    n_jobs : cores to use on large inputs (None: all; 1: this process and thread only). With
        more than one, paragraph breaks of a table's texts are normalized in threads and, on
        Linux, the language is detected in a forked process while this one counts words
        (at least ``PARALLEL_MIN_TEXTS`` texts), and the files of a folder are read and
        cleaned in that many forked processes (at least ``PARALLEL_MIN_FILES`` files). The
        result is the same either way.
    progress : a progress bar over the files of a folder, or over the texts of a table being
        cleaned (tqdm, notebook-aware), shown when that takes more than two seconds.
    **column_map : article column -> source column name, e.g. ``text="body", doc_id="id"``
        (applies to a table, or to a manifest).

    Returns
    -------
    DataFrame with the columns of ``COLUMNS`` (doc_id, outlet, title, byline, url, date,
    date_precision, text, source, n_words, lang) then any extra columns, sorted by doc_id.
    ``attrs["rejected"]``: DataFrame[source, doc_id, reason] of inputs not in the result.
    ``attrs["audit"]``: DataFrame[doc_id, line_no, text, kept, reason], the per-line cleaning
    audit of raw text inputs (empty for tables unless ``clean=True``).
    """
    path = Path(path)
    unknown = set(column_map) - set(_DEFAULT_NAMES)
    if unknown:
        raise TypeError(f"unknown column mapping {sorted(unknown)}; mappable: {list(_DEFAULT_NAMES)}")
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    if path.is_dir():
        files, rejected = _folder_files(path, manifest)
        if not files and not rejected:
            raise ValueError(f"{path}: folder holds no {'/'.join(RAW_EXTENSIONS)} files")
        frame, audit, rej = _load_files(files, path, manifest if manifest is not None
                                        else _folder_manifest(path), column_map, progress,
                                        n_jobs)
        rejected += rej
        empty_reason = "empty after cleaning"
    elif _suffix(path) in RAW_EXTENSIONS:
        frame, audit, rejected = _load_files([path], None, manifest, column_map, progress)
        empty_reason = "empty after cleaning"
    elif _suffix(path) in TABLE_EXTENSIONS:
        # the language model is decompressed (LZMA, without the GIL) while the table is read
        model = _lang_model_thread() if lang and n_processes(n_jobs) > 1 else None
        try:
            frame, audit, rejected = _load_table(path, column_map, bool(clean), n_jobs, progress)
        finally:
            if model is not None:
                model.join()
        empty_reason = "empty after cleaning" if clean else "empty text"
    else:
        raise ValueError(
            f"{path}: unsupported extension {_suffix(path)!r}; expected a folder or one of "
            f"{list(RAW_EXTENSIONS + TABLE_EXTENSIONS)}"
        )
    return _finish(frame, rejected, audit, empty_reason, lang, lang_chars, n_jobs)


def _suffix(path: Path) -> str:
    name = path.name.lower()
    return next((e for e in (".csv.gz", ".jsonl.gz") if name.endswith(e)), path.suffix.lower())


def _as_text(values: pd.Series) -> pd.Series:
    """Any column as strings: missing -> "", lists -> "a, b", numbers -> str."""
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
    """Raw files directly in the folder; other files are rejected with a reason."""
    skip = {folder / MANIFEST_NAME}
    if isinstance(manifest, (str, Path)):
        skip.add(Path(manifest))
    files, rejected = [], []
    for p in sorted(folder.iterdir()):
        if p.name.startswith(".") or not p.is_file() or p in skip:
            continue
        if _suffix(p) in RAW_EXTENSIONS:
            files.append(p)
        else:
            rejected.append((f"{folder.name}/{p.name}", p.stem, f"unsupported file type "
                             f"{_suffix(p)!r} in folder (expected {', '.join(RAW_EXTENSIONS)})"))
    return files, rejected


def _read_manifest(manifest, column_map: dict) -> tuple[pd.DataFrame, str]:
    if isinstance(manifest, pd.DataFrame):
        table, name = manifest.copy(), "manifest"
    else:
        name = str(manifest)
        table = pd.read_csv(manifest, dtype=str, keep_default_na=False)
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


def _decode(data: bytes, name: str) -> str:
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


def _read_raw(path: Path, source: str) -> dict:
    """One .txt (cleaned) or .html (trafilatura) file -> article fields (+ audit)."""
    data = path.read_bytes()
    if _suffix(path) == ".txt":
        from . import clean

        result = clean.clean_article(_decode(data, source))
        audit = result["audit"]
        return dict(text=result["text"], title=result.get("title", ""),
                    byline=result.get("byline", ""), date=result.get("date", ""), url="",
                    outlet="", audit=audit)
    return _read_html(data, source)


def _read_html(data: bytes, source: str) -> dict:
    import trafilatura

    doc = trafilatura.bare_extraction(data, with_metadata=True, include_comments=False,
                                      include_tables=False)
    if doc is None or not (doc.text or "").strip():
        raise ValueError(f"{source}: no main text found in the HTML page")
    paras = [p.strip() for p in doc.text.split("\n") if p.strip()]
    if paras and doc.title and paras[0] == doc.title.strip():
        paras = paras[1:]  # the headline is metadata, not body
    return dict(text="\n\n".join(paras), title=doc.title or "", byline=doc.author or "",
                date=doc.date or "", url=doc.url or "", outlet=doc.sitename or "", audit=None)


def _load_files(files: list[Path], folder: Path | None, manifest, column_map: dict,
                progress: bool = False, n_jobs=1):
    """Raw files (of ``folder``, or one file when folder is None) joined to the manifest."""
    root = folder if folder is not None else files[0].parent
    label = folder.name if folder is not None else None
    rejected, audits, rows = [], [], []
    table = None
    if manifest is not None:
        table, mname = _read_manifest(manifest, column_map)
        mname = Path(mname).name
        if folder is None:  # a single file: only its manifest row matters
            table = table[table["file"].map(lambda f: Path(f).name) == files[0].name]
        dup = table["file"].duplicated()
        rejected += [(_source(label, f), Path(f).stem, f"listed again in {mname} (first row kept)")
                     for f in table.loc[dup, "file"]]
        table = table[~dup]
        present = table["file"].map(lambda f: (root / f).is_file()).astype(bool)
        rejected += [(_source(label, f), Path(f).stem, f"listed in {mname} but the file is missing")
                     for f in table.loc[~present, "file"]]
        table = table[present]
        table = table.assign(_key=[str((root / f).resolve()) for f in table["file"]])
        listed = set(table["_key"])
        files = sorted({p.resolve() for p in files} | set(map(Path, listed)))
        unlisted = [p.name for p in files if str(p) not in listed]
        if unlisted:
            warnings.warn(f"{len(unlisted)} file(s) not in {mname}, kept with sniffed metadata: "
                          f"{unlisted[:5]}", stacklevel=3)
    resolved_root = root.resolve()
    sources = [_source(label, p.relative_to(resolved_root) if p.is_absolute() and
                       p.is_relative_to(resolved_root) else p.name) for p in files]
    for p, source, fields in zip(files, sources, _read_all(files, sources, n_jobs, progress)):
        if isinstance(fields, str):
            rejected.append((source, p.stem, fields))
            continue
        audit = fields.pop("audit")
        if audit is not None:
            audits.append((source, audit))
        rows.append(dict(fields, doc_id=p.stem, source=source, _key=str(p.resolve())))
    frame = pd.DataFrame(rows, columns=["doc_id", "outlet", "title", "byline", "url", "date",
                                        "text", "source", "_key"])
    if table is not None:
        frame = _apply_manifest(frame, table)
    return frame.drop(columns="_key"), _collect_audit(audits), rejected


# Raw files are read and cleaned in several processes (Linux) from this many files on, in
# chunks of FILE_CHUNK files.
PARALLEL_MIN_FILES = 200
FILE_CHUNK = 50


def _read_or_reason(path: Path, source: str) -> dict | str:
    """``_read_raw``, or the reason the file is rejected (unreadable, not UTF-8, no text)."""
    try:
        return _read_raw(path, source)
    except ValueError as err:
        return str(err)
    except OSError as err:
        return f"unreadable: {err}"


def _read_chunk(paths: list[Path], sources: list[str]) -> list[dict | str]:
    return list(map(_read_or_reason, paths, sources))


def _read_all(files: list[Path], sources: list[str], n_jobs, progress: bool) -> list:
    """``_read_or_reason`` of each file, in order: in this process, or in forked processes
    for many files; a progress bar when that takes more than two seconds."""
    from tqdm.auto import tqdm

    jobs = n_processes(n_jobs)
    with tqdm(total=len(files), desc="files", unit="file", delay=2,
              disable=not progress) as bar:
        if jobs < 2 or len(files) < PARALLEL_MIN_FILES or not can_fork():
            out = []
            for path, source in zip(files, sources):
                out.append(_read_or_reason(path, source))
                bar.update(1)
            return out
        bounds = range(0, len(files), FILE_CHUNK)
        out = []
        with process_pool(jobs) as pool:
            for part in pool.map(_read_chunk, [files[i:i + FILE_CHUNK] for i in bounds],
                                 [sources[i:i + FILE_CHUNK] for i in bounds]):
                out += part
                bar.update(len(part))
        return out


def _source(label: str | None, name) -> str:
    return f"{label}/{Path(name).as_posix()}" if label else Path(name).as_posix()


def _apply_manifest(frame: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Manifest values win over sniffed ones when non-empty; extra columns are added."""
    merged = frame.merge(table.drop(columns="file"), on="_key", how="left",
                         suffixes=("", "_m"), validate="one_to_one")
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


def _gunzip(data: bytes, path: Path) -> bytes:
    """Every member of a (concatenated) gzip file, decompressed by ISA-L (python-isal, about
    three times faster than zlib) when it is installed."""
    if data[:2] != b"\x1f\x8b":
        raise ValueError(f"{path}: not a readable gzip file (it does not start as gzip does)")
    try:
        from isal import igzip, isal_zlib
    except ImportError:
        decompress, errors = gzip.decompress, (OSError, EOFError, zlib.error)
    else:
        decompress, errors = igzip.decompress, (OSError, EOFError, isal_zlib.error)
    try:
        return decompress(data)
    except errors as err:
        raise ValueError(f"{path}: not a readable gzip file: {err}") from None


_BLANK = frozenset(b" \t\n\r\x0b\x0c")  # what bytes.strip removes


def _line_numbers(data: bytes) -> list[int]:
    """The numbers (from 1) of the lines of `data` that hold more than whitespace, found
    without splitting the data into lines (a copy of all of it)."""
    out, start, number, end_all = [], 0, 1, len(data)
    find = data.find
    while start < end_all:
        end = find(b"\n", start)
        if end < 0:
            end = end_all
        if end > start and (data[start] not in _BLANK or not data[start:end].isspace()):
            out.append(number)
        start, number = end + 1, number + 1
    return out


def _read_jsonl(path: Path) -> tuple[pd.DataFrame, list[int]]:
    """The JSON objects of a JSONL(.gz) file as a DataFrame, with the line number of each.

    pyarrow parses the whole file at once (multithreaded) when every value of a key has one
    type; anything else (mixed types, a malformed line) goes through the line-by-line reader,
    which names the line at fault. Strings that pyarrow would read as timestamps also go the
    slow way, so that a date stays the string written in the file.
    """
    import pyarrow as pa
    import pyarrow.json

    with open(path, "rb") as fh:
        data = fh.read()
    if path.name.lower().endswith(".gz"):
        data = _gunzip(data, path)
    line_nos = _line_numbers(data)
    try:
        table = pyarrow.json.read_json(pa.BufferReader(data))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        table = None
    if (table is not None and table.num_rows == len(line_nos)
            and not any(pa.types.is_temporal(t) for t in table.schema.types)):
        return table.to_pandas(integer_object_nulls=True), line_nos
    rows = []
    lines = data.split(b"\n")
    for i in line_nos:
        try:
            row = json.loads(lines[i - 1])
        except ValueError as err:
            raise ValueError(f"{path}: malformed JSON on line {i}: {err}") from None
        if not isinstance(row, dict):
            raise ValueError(f"{path}: line {i} is not a JSON object")
        rows.append(row)
    return pd.DataFrame(rows), line_nos


def _load_table(path: Path, column_map: dict, clean: bool, n_jobs=None, progress: bool = False):
    ext = _suffix(path)
    if ext in (".jsonl", ".jsonl.gz"):
        df, rows = _read_jsonl(path)
    elif ext == ".parquet":
        df = pd.read_parquet(path)
        rows = range(1, len(df) + 1)
    else:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        rows = range(1, len(df) + 1)
    picked = _pick(df, column_map, str(path))
    if "text" not in picked:
        raise ValueError(f"{path}: no text column (tried {list(_DEFAULT_NAMES['text'])}; map one "
                         f"with text=...); columns available: {list(df.columns)}")
    width = len(str(len(df)))
    row_no = pd.Series([str(r) for r in rows], index=df.index, dtype="str")
    out = pd.DataFrame(index=df.index)
    for col in ("doc_id", "outlet", "title", "byline", "url", "date", "text"):
        out[col] = _as_text(df[picked[col]]) if col in picked else ""
    if "doc_id" not in picked:
        out["doc_id"] = row_no.str.zfill(width)
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
        out["text"] = _normalize_paragraphs(out["text"], n_jobs)
        audit = _empty_audit()
    return out.reset_index(drop=True), audit, []


def _normalize_paragraphs(text: pd.Series, n_jobs=None) -> pd.Series:
    """Trim; any run of line breaks (with surrounding spaces) becomes one blank line. Arrow's
    string functions release the GIL: a large column is done in slices by `n_jobs` threads."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def normalize(arr):
        arr = pc.utf8_trim_whitespace(arr)
        return pc.replace_substring_regex(arr, r"[ \t]*(?:\r\n?|\n)[ \t\r\n]*", "\n\n")

    arr = pa.array(text.astype("str").array)
    jobs = n_processes(n_jobs)
    if jobs > 1 and len(arr) >= PARALLEL_MIN_TEXTS:
        from concurrent.futures import ThreadPoolExecutor

        size = -(-len(arr) // (4 * jobs))
        with ThreadPoolExecutor(jobs) as pool:
            arr = pa.chunked_array(pool.map(normalize, (arr.slice(i, size)
                                                        for i in range(0, len(arr), size))))
    else:
        arr = normalize(arr)
    return pd.Series(arr, index=text.index, dtype="str")


# --------------------------------------------------------------------------- finishing


def _normalize_dates(dates: pd.Series) -> tuple[pd.Series, pd.Series]:
    """ISO strings with their precision; other formats parsed by pandas (day precision)."""
    raw = dates.astype("str").str.strip()
    out = pd.Series("", index=raw.index, dtype="str")
    precision = pd.Series("", index=raw.index, dtype="str")
    todo = raw != ""
    for pattern, prec, keep in _DATE_FORMS:
        hit = todo & raw.str.match(pattern)
        out[hit], precision[hit] = raw[hit].str.slice(0, keep), prec
        todo &= ~hit
    if todo.any():
        parsed = pd.to_datetime(raw[todo], errors="coerce", format="mixed")
        ok = parsed.notna()
        idx = parsed.index[ok]
        out[idx], precision[idx] = parsed[ok].dt.strftime("%Y-%m-%d"), "day"
        if (~ok).any():
            warnings.warn(f"{int((~ok).sum())} unparseable date(s) left empty, e.g. "
                          f"{list(raw[todo][~ok].unique()[:3])}", stacklevel=4)
    return out, precision


def _detect_lang(text: pd.Series, chars: int) -> pd.Series:
    """py3langid on the first ``chars`` characters; "" for empty text.

    The model's byte automaton is walked for a whole batch of texts at once with numpy (same
    features and scores as ``py3langid.classify``, which is used when its model layout is not
    the expected one): each text's feature counts, log1p-scaled, in a sparse matrix with
    its features in ascending order (as scipy's sum of duplicates leaves them), times the
    model's weights.
    """
    import py3langid
    import pyarrow as pa
    import pyarrow.compute as pc
    from py3langid import langid

    try:
        prefixes = pc.utf8_slice_codeunits(pa.array(text.array, pa.large_string()), 0,
                                           chars).to_pylist()
    except (pa.ArrowException, UnicodeError):
        prefixes = [t[:chars] for t in text]
    try:
        ident = langid._get_identifier()
        nextmove, output = np.asarray(ident.tk_nextmove), np.asarray(ident.tk_output)
        rowbase = np.asarray(ident._rowbase, dtype=np.int64)
        ptc, pc_, classes = ident.nb_ptc.astype(np.float32), ident.nb_pc, list(ident.nb_classes)
        aliases = list(ident._alias_pairs)
        encode = ident._encode
    except AttributeError:
        return pd.Series([py3langid.classify(t)[0] if t else "" for t in prefixes],
                         index=text.index, dtype="str")
    from scipy import sparse

    encoded = [encode(t) for t in prefixes]
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    buffer = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    first = np.cumsum(lengths) - lengths
    n_feats = ptc.shape[0]
    order = np.argsort(lengths, kind="stable")  # similar lengths batch together
    best = np.zeros(len(encoded), dtype=np.int64)
    for chunk in np.array_split(order, max(1, len(order) // 2048)):
        n, width = len(chunk), int(lengths[chunk].max(initial=0))
        # bytes, position x text (each row contiguous for the walk), 0 past a text's end
        size = lengths[chunk]
        text_of = np.repeat(np.arange(n), size)
        at = np.arange(int(size.sum())) - np.repeat(np.cumsum(size) - size, size)
        data = np.zeros((width, n), dtype=np.int64)
        data[at, text_of] = buffer[np.repeat(first[chunk], size) + at]
        state = np.zeros(n, dtype=np.int64)
        feats = np.empty((width, n), dtype=np.int64)
        for j in range(width):
            state = nextmove[rowbase[state] + data[j]]
            feats[j] = output[state]
        feats[np.arange(width)[:, None] >= size] = -1
        # per text: its features sorted, each with its count
        feats = np.sort(np.where(feats >= 0, feats, n_feats).T, axis=1).ravel()
        row = np.repeat(np.arange(n), width)
        new = np.ones(len(feats), dtype=bool)
        new[1:] = (feats[1:] != feats[:-1]) | (row[1:] != row[:-1])
        starts = np.flatnonzero(new)  # runs of one feature in one text
        counts = np.diff(np.append(starts, len(feats)))
        real = feats[starts] < n_feats
        starts, counts = starts[real], counts[real]
        indptr = np.concatenate([[0], np.cumsum(np.bincount(row[starts], minlength=n))])
        matrix = sparse.csr_matrix((np.log1p(counts.astype(np.float32)), feats[starts], indptr),
                                   shape=(n, n_feats))
        scores = np.asarray(matrix @ ptc, dtype=np.float32) + pc_
        for i, j in aliases:
            scores[:, i] = np.maximum(scores[:, i], scores[:, j])
            scores[:, j] = langid.RAW_FLOOR
        best[chunk] = scores.argmax(axis=1)
    labels = [classes[k] if n else "" for k, n in zip(best, lengths)]
    return pd.Series(labels, index=text.index, dtype="str")


def _lang_model_thread():
    """A started thread loading py3langid's model (kept by py3langid once loaded). An error
    is left for the detection itself to raise."""
    import threading

    def run():
        try:
            from py3langid import langid

            langid._get_identifier()
        except Exception:  # noqa: BLE001 - reported by _detect_lang when it loads the model
            pass

    thread = threading.Thread(target=run, name="kzmedia-lang-model", daemon=True)
    thread.start()
    return thread


# Inputs of at least this many texts use several cores (see ``load``'s n_jobs).
PARALLEL_MIN_TEXTS = 5000

# What a forked language-detection process reads: set just before it is forked.
_LANG_STATE: tuple | None = None


def _forked_lang() -> pd.Series:
    text, chars = _LANG_STATE
    return _detect_lang(text, chars)


# Every character str.split() splits on (str.isspace; none lies past U+3000).
SPACES = "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace())

# The whitespace besides " " and "\n", as an RE2 class: texts holding any of it have their
# words counted by Python.
_OTHER_SPACE = "[" + "".join(f"\\x{{{ord(ch):x}}}" for ch in SPACES if ch not in " \n") + "]"


def _byte_word_counts(chunk) -> np.ndarray:
    """Words of each text of an Arrow large_string array whose only whitespace is " " and
    "\n": the non-whitespace bytes that start a text or follow whitespace (no byte of a
    multi-byte UTF-8 character is a space or a line feed)."""
    n = len(chunk)
    _, offsets, data = chunk.buffers()
    if n == 0 or data is None:
        return np.zeros(n, dtype=np.int64)
    offs = np.frombuffer(offsets, dtype=np.int64)[chunk.offset:chunk.offset + n + 1]
    data = np.frombuffer(data, dtype=np.uint8)[offs[0]:offs[-1]]
    offs = (offs - offs[0]).tolist()
    space = (data == 32) | (data == 10)
    start = np.zeros(len(data), dtype=bool)
    np.greater(space[:-1], space[1:], out=start[1:])  # whitespace, then not
    count = np.count_nonzero
    return np.fromiter((count(start[a + 1:b]) + (not space[a]) if b > a else 0
                        for a, b in zip(offs[:-1], offs[1:])), dtype=np.int64, count=n)


def _word_counts(text: pd.Series) -> np.ndarray:
    """``len(t.split())`` of each text: on the UTF-8 bytes (:func:`_byte_word_counts`) for
    the texts whose only whitespace is " " and "\n" (one RE2 scan through Arrow finds the
    others; both together take under half the time of splitting news text), by Python for
    the rest and for texts Arrow cannot take."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def split(values):
        return np.fromiter((len(t.split()) for t in values), dtype=np.int64, count=len(values))

    try:
        arr = pa.array(text.array, pa.large_string())
    except (pa.ArrowException, UnicodeError, TypeError):
        return split(text)
    if not isinstance(arr, pa.ChunkedArray):
        arr = pa.chunked_array([arr])
    if arr.null_count:
        return split(text)
    counts = np.concatenate([_byte_word_counts(c) for c in arr.chunks] or [np.zeros(0, np.int64)])
    other = np.flatnonzero(pc.match_substring_regex(arr, _OTHER_SPACE).to_numpy(
        zero_copy_only=False))
    counts[other] = split([text.iat[i] for i in other.tolist()])
    return counts


# With a forked language process, the share of the texts whose language this process
# detects itself once it has counted the words (counting takes about 40% as long as
# detecting all languages), so that both finish at about the same time.
LANG_SHARE_HERE = 0.35


def _words_and_lang(text: pd.Series, lang: bool, chars: int, n_jobs=None):
    """(number of whitespace-separated words, language or "und") of each text. With several
    cores on Linux, the language of most of a large input is detected in a forked process
    (which reads the texts without copying them) while this one counts the words and then
    detects the language of the first ``LANG_SHARE_HERE`` of the texts."""
    global _LANG_STATE

    def words():
        return _word_counts(text)

    if not lang:
        return words(), "und"
    if len(text) < PARALLEL_MIN_TEXTS or n_processes(n_jobs) < 2 or not can_fork():
        return words(), _detect_lang(text, chars)
    here = int(len(text) * LANG_SHARE_HERE)
    _LANG_STATE = (text.iloc[here:], chars)
    try:
        with process_pool(1) as pool:
            detected = pool.submit(_forked_lang)
            n_words = words()
            first = _detect_lang(text.iloc[:here], chars)
            return n_words, pd.concat([first, detected.result()])
    finally:
        _LANG_STATE = None


def _blank(text: pd.Series) -> pd.Series:
    """``text.str.strip() == ""`` without stripping every text (a copy of all of them): a
    text whose first character is not whitespace is not blank."""
    blank = pd.Series(False, index=text.index)
    maybe = (text.str.slice(0, 1).str.strip() == "").to_numpy(dtype=bool)
    blank[maybe] = (text[maybe].str.strip() == "").to_numpy(dtype=bool)
    return blank


def _finish(frame, rejected, audit, empty_reason, lang, lang_chars, n_jobs=None) -> pd.DataFrame:
    rejected = list(rejected)
    frame = frame.copy()
    empty = _blank(frame["text"])
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
    frame["date"], frame["date_precision"] = _normalize_dates(frame["date"])
    frame["n_words"], frame["lang"] = _words_and_lang(frame["text"], lang, lang_chars, n_jobs)
    extras = [c for c in frame.columns if c not in COLUMNS]
    for c in COLUMNS:
        if c != "n_words":
            frame[c] = frame[c].astype("str")
    frame = frame[list(COLUMNS) + extras].sort_values("doc_id", kind="stable")
    frame = frame.reset_index(drop=True)
    rej = pd.DataFrame(rejected, columns=list(REJECTED_COLUMNS), dtype="str")
    frame.attrs["rejected"] = _AttrsTable(rej.sort_values(["source", "doc_id"], ignore_index=True))
    frame.attrs["audit"] = _AttrsTable(audit.sort_values(["doc_id", "line_no"], kind="stable",
                                                         ignore_index=True))
    return frame


# --------------------------------------------------------------------------- duplicates

_WORD = re.compile(r"\w+")


def _shingle_matrix(texts, k: int):
    """Binary article x shingle matrix (word k-grams, lowercased; hashed)."""
    from scipy import sparse

    hashes, lengths = [], []
    for t in texts:
        toks = _WORD.findall(t.lower())
        grams = set(map(hash, zip(*(toks[i:] for i in range(k))))) if len(toks) >= k else (
            {hash(tuple(toks))} if toks else set())
        hashes.append(np.fromiter(grams, dtype=np.int64, count=len(grams)))
        lengths.append(len(grams))
    flat = np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.int64)
    vocab, cols = np.unique(flat, return_inverse=True)
    rows = np.repeat(np.arange(len(lengths)), lengths)
    matrix = sparse.csr_matrix((np.ones(len(cols), dtype=np.float32), (rows, cols)),
                               shape=(len(lengths), len(vocab)))
    return matrix, hashes


def _candidate_pairs_lsh(hashes, threshold: float, num_perm: int = 128):
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    sketches = {}
    for i, h in enumerate(hashes):
        if len(h):
            m = MinHash(num_perm=num_perm, hashfunc=int)
            m.update_batch((h & 0xFFFFFFFF).tolist())
            lsh.insert(i, m)
            sketches[i] = m
    pairs = {(min(i, j), max(i, j)) for i, m in sketches.items() for j in lsh.query(m) if j != i}
    pairs = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    return pairs[:, 0], pairs[:, 1]


def duplicates(articles: pd.DataFrame, threshold: float = 0.8, *, shingle: int = 5,
               method: str = "auto") -> pd.DataFrame:
    """Clusters of the same or nearly the same article (e.g. syndicated across outlets).

    Articles are sets of word ``shingle``-grams; two articles are linked when their Jaccard
    similarity is at least ``threshold``; clusters are the connected groups. ``method``:
    "exact" (all pairs, sparse matrix product), "minhash" (datasketch MinHash LSH candidates,
    then exact Jaccard), or "auto" (exact up to 2,000 articles).

    Returns DataFrame[cluster (int, 0.. in order of first doc_id), doc_id, outlet,
    similarity (highest Jaccard with another member)], only articles with a near-copy,
    sorted by cluster and doc_id.
    """
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    if method not in ("auto", "exact", "minhash"):
        raise ValueError(f"method must be 'auto', 'exact' or 'minhash', not {method!r}")
    arts = articles.sort_values("doc_id", kind="stable", ignore_index=True)
    matrix, hashes = _shingle_matrix(arts["text"], shingle)
    sizes = np.asarray(matrix.sum(axis=1)).ravel()
    if method == "exact" or (method == "auto" and len(arts) <= 2000):
        inter = sparse.triu(matrix @ matrix.T, k=1).tocoo()
        left, right, shared = inter.row, inter.col, inter.data
    else:
        # a lower LSH threshold so pairs just above ``threshold`` are rarely missed
        left, right = _candidate_pairs_lsh(hashes, max(0.05, threshold - 0.2))
        shared = np.asarray(matrix[left].multiply(matrix[right]).sum(axis=1)).ravel()
    union = sizes[left] + sizes[right] - shared
    sim = np.divide(shared, union, out=np.zeros(len(shared)), where=union > 0)
    keep = sim >= threshold
    left, right, sim = left[keep], right[keep], sim[keep]
    empty = pd.DataFrame({"cluster": pd.Series(dtype="int64"), "doc_id": pd.Series(dtype="str"),
                          "outlet": pd.Series(dtype="str"), "similarity": pd.Series(dtype="float64")})
    if not len(sim):
        return empty
    graph = sparse.coo_matrix((np.ones(len(sim)), (left, right)), shape=(len(arts),) * 2)
    _, label = connected_components(graph, directed=False)
    best = np.zeros(len(arts))
    np.maximum.at(best, left, sim)
    np.maximum.at(best, right, sim)
    linked = np.union1d(left, right)
    out = pd.DataFrame({"label": label[linked], "doc_id": arts["doc_id"].to_numpy()[linked],
                        "outlet": arts["outlet"].to_numpy()[linked], "similarity": best[linked]})
    first = out.groupby("label")["doc_id"].transform("min")
    out["cluster"] = first.rank(method="dense").astype("int64") - 1
    out = out.sort_values(["cluster", "doc_id"], ignore_index=True)
    return out[["cluster", "doc_id", "outlet", "similarity"]].astype(empty.dtypes.to_dict())


def dedupe(articles: pd.DataFrame, clusters: pd.DataFrame) -> pd.DataFrame:
    """Keep one article per duplicate cluster: the earliest date (undated last), then the
    first doc_id. The others move to ``attrs["rejected"]`` with the kept doc_id as reason.

    Returns the articles (same columns, sorted by doc_id) without the dropped copies.
    """
    if clusters.empty:
        return articles
    members = clusters[["cluster", "doc_id", "similarity"]].merge(
        articles[["doc_id", "date", "source"]], on="doc_id", how="inner")
    members = members.assign(undated=members["date"] == "").sort_values(
        ["cluster", "undated", "date", "doc_id"], ignore_index=True)
    keeper = members.groupby("cluster")["doc_id"].transform("first")
    dropped = members[members["doc_id"] != keeper].assign(keeper=keeper)
    reasons = [(s, d, f"near-duplicate of {k} (cluster {c}, similarity {x:.2f})")
               for s, d, k, c, x in dropped[["source", "doc_id", "keeper", "cluster",
                                             "similarity"]].itertuples(index=False)]
    out = articles[~articles["doc_id"].isin(dropped["doc_id"])].reset_index(drop=True)
    rejected = pd.concat([pd.DataFrame(articles.attrs.get("rejected", None),
                                       columns=list(REJECTED_COLUMNS)),
                          pd.DataFrame(reasons, columns=list(REJECTED_COLUMNS))],
                         ignore_index=True).astype("str")
    out.attrs = dict(articles.attrs, rejected=_AttrsTable(
        rejected.sort_values(["source", "doc_id"], ignore_index=True)))
    return out
