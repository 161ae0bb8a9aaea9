"""Parquet cache of the analysis tables, so a notebook or report re-run on the same corpus
does not recompute them.

Layout under the cache folder::

    <cache>/<key>/                 per-article tables (frame_hits, frame_scores_article,
                                   actor_mentions, sentence_tone) as <table>.parquet,
                                   the document x term matrix as dtm.npz, meta.json
    <cache>/<key>/by=<column>/     the tables grouped by <column> (term_counts, keyness_*,
                                   frame_scores_group, attention, ..., profile, contrasts)
    <cache>/<key>/by=<column>/settings=<hash>/
                                   the tables of the stages that read settings (trends,
                                   event_shifts, period_contrasts), for those values

`key` is the sha256 of: every column of the articles (names, dtypes and values, in row
order), their ``attrs["rejected"]`` and ``attrs["audit"]`` tables, the partition size (and
any other parameters, e.g. a custom codebook's hash), the kzmedia version, the versions of
the libraries that shape the results (:data:`LIBRARIES`), the source of the package's
modules (so an edited or upgraded kzmedia never reads tables an older code computed) and the
bytes of every file in the package data folder (frame codebook, gazetteer, sentiment
settings, stop words, phrases). Changing any of them gives a new key;
the tables of stages that read settings (period, events) are further keyed by
:func:`settings_key`. Old keys are never reused (delete the folder to reclaim space). A table set is complete only
when its meta.json exists (written last), so an interrupted run recomputes. A damaged set
(a truncated Parquet file or ``dtm.npz``, unreadable JSON: any error while reading it) is
dropped with a warning and recomputed.

Processes that hand results back through files (:mod:`kzmedia.parallel`) put them in
``<cache>/tmp/`` (see :meth:`Store.scratch`), so nothing is left in the system's temporary
folder if a run is killed; the next run removes what killed runs left there.

Output tables are written atomically (:func:`write_csv_atomic`): a killed run leaves the
old file or the new one, never a truncated one.

List-valued cells (e.g. ``article_values``) are stored as JSON text and restored as lists;
column dtypes are restored from meta.json, so loaded tables equal the computed ones.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import uuid
import warnings
from importlib import metadata, resources
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pandas as pd

from . import __version__
from .parallel import remove_stale

__all__ = ["Store", "corpus_key", "settings_key", "code_files", "read_table", "write_table",
           "library_versions", "write_csv_atomic", "atomic_path", "file_digest", "LIBRARIES",
           "source_key", "load_articles", "save_articles"]

_FORMAT = 1  # bump when the layout changes

#: Libraries whose version can change a table: tokenizing, counting, scoring, statistics,
#: language detection, Parquet round trips. Their versions are part of every cache key.
LIBRARIES = ("pandas", "numpy", "scipy", "scikit-learn", "nltk", "vaderSentiment",
             "py3langid", "pyarrow")


def library_versions() -> dict:
    """{library: installed version or None} for :data:`LIBRARIES`."""
    out = {}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def file_digest(path) -> str:
    """sha256 (hex) of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def atomic_path(path):
    """A temporary path beside `path` to write to; moved onto `path` when the block ends
    without an error, removed otherwise. Readers of `path` see the old file or the new one."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write_csv_atomic(table: pd.DataFrame, path, **to_csv) -> Path:
    """``table.to_csv(path, index=False, **to_csv)``, written to a temporary file beside
    `path` and moved into place, so a killed run never leaves a truncated table. Returns
    `path`."""
    to_csv.setdefault("index", False)
    with atomic_path(path) as tmp:
        table.to_csv(tmp, **to_csv)
    return Path(path)


def _hash_frame(h, frame: pd.DataFrame) -> None:
    h.update(f"{len(frame)}|{len(frame.columns)}".encode())
    for col in frame.columns:
        values = frame[col]
        h.update(f"\x1e{col}\x1f{values.dtype}\x1f".encode())
        h.update(pd.util.hash_pandas_object(values, index=False, categorize=False)
                 .to_numpy().tobytes())


def _data_files():
    root = resources.files("kzmedia") / "data"
    return sorted((p for p in root.iterdir() if p.is_file()), key=lambda p: p.name)


def code_files():
    """The modules whose code computes the tables: the package's top-level modules and the
    speed layer (``fast/``), not the figures (``plots/``)."""
    root = resources.files("kzmedia")
    folders = [root, root / "fast"]
    return [p for folder in folders if folder.is_dir()
            for p in sorted((p for p in folder.iterdir()
                             if p.is_file() and p.name.endswith(".py")), key=lambda p: p.name)]


def corpus_key(articles: pd.DataFrame, **params) -> str:
    """sha256 (hex) of the articles (every column and the rejected/audit tables), `params`,
    the kzmedia version, the versions of :data:`LIBRARIES`, the package's module sources and
    its data files."""
    h = hashlib.sha256(f"kzmedia {__version__} cache {_FORMAT}".encode())
    h.update(json.dumps(library_versions(), sort_keys=True).encode())
    _hash_frame(h, articles)
    for name in ("rejected", "audit"):
        table = articles.attrs.get(name)
        h.update(f"\x1d{name}".encode())
        if isinstance(table, pd.DataFrame):
            _hash_frame(h, table)
    h.update(json.dumps(params, sort_keys=True, default=str).encode())
    for path in [*code_files(), *_data_files()]:
        h.update(f"\x1d{path.name}\x1f".encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def settings_key(settings: dict) -> str:
    """sha256 (hex, first 16 digits) of analysis settings ({name: value}): a table by its
    values, a file by its path and its bytes (so an edited events file is not mistaken for
    the old one), anything else by its text. Settings that are None count as not given."""
    h = hashlib.sha256(b"kzmedia settings")
    for name in sorted(k for k, v in settings.items() if v is not None):
        value = settings[name]
        h.update(f"\x1d{name}\x1f{type(value).__name__}\x1f".encode())
        if isinstance(value, pd.DataFrame):
            _hash_frame(h, value)
            continue
        h.update(str(value).encode())
        if isinstance(value, (str, os.PathLike)):
            try:
                h.update(Path(value).read_bytes())
            except OSError:  # not a file: the text alone
                pass
    return h.hexdigest()[:16]


def _is_listlike(values: pd.Series) -> bool:
    if values.dtype != object:
        return False
    first = values.dropna()
    return len(first) > 0 and isinstance(first.iloc[0], (list, tuple, np.ndarray))


def _to_json(value):
    if isinstance(value, (list, tuple, np.ndarray)):
        return json.dumps([v.item() if isinstance(v, np.generic) else v for v in value])
    return None


def write_table(table: pd.DataFrame, path) -> dict:
    """Write `table` as Parquet to `path`; returns what `read_table` needs to restore it
    (dtypes, JSON-encoded list columns)."""
    table = table.copy(deep=False)
    table.attrs = {}
    json_cols = [c for c in table.columns if _is_listlike(table[c])]
    for c in json_cols:
        table[c] = table[c].map(_to_json).astype(object)
    if len(set(map(str, table.columns))) != len(table.columns):
        raise ValueError(f"{path}: duplicate column names")
    meta = {"dtypes": {str(c): str(t) for c, t in table.dtypes.items()}, "json": json_cols,
            "columns": [str(c) for c in table.columns]}
    with atomic_path(path) as tmp:
        table.to_parquet(tmp, index=False)
    return meta


def read_table(path, meta: dict) -> pd.DataFrame:
    """A table written by `write_table`, with its dtypes and list columns restored."""
    table = pd.read_parquet(path)
    if table.columns.tolist() != meta["columns"] and len(table.columns) == len(meta["columns"]):
        table.columns = meta["columns"]
    for c in meta["json"]:
        table[c] = table[c].map(lambda s: None if s is None else json.loads(s)).astype(object)
    for c, dtype in meta["dtypes"].items():
        if c not in meta["json"] and str(table[c].dtype) != dtype:
            table[c] = table[c].astype(dtype)
    return table


def _write_set(folder: Path, tables: dict, extra: dict | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    meta = {"tables": {}, **(extra or {})}
    for name, table in tables.items():
        meta["tables"][name] = write_table(table, folder / f"{name}.parquet")
    tmp = folder / f"meta.json.{uuid.uuid4().hex}.tmp"
    tmp.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    os.replace(tmp, folder / "meta.json")


def _drop(folder: Path, exc: BaseException, extra=()) -> None:
    """Warn that the table set in `folder` is damaged and remove it (its meta.json, its
    tables and `extra` files; the sets in subfolders stay), so that it is recomputed."""
    warnings.warn(f"kzmedia cache: damaged entry {folder} ({type(exc).__name__}: {exc}); "
                  "dropped, recomputing", RuntimeWarning, stacklevel=3)
    for path in [folder / "meta.json", *folder.glob("*.parquet"), *extra]:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _read_set(folder: Path) -> tuple[dict, dict] | None:
    """The tables and meta of a complete set; None if absent; a damaged set is dropped."""
    try:
        text = (folder / "meta.json").read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        _drop(folder, exc)
        return None
    # any error while reading is a damaged entry: a truncated file raises whatever the
    # reader of its format raises (ArrowInvalid, BadZipFile, EOFError, JSONDecodeError ...)
    try:
        meta = json.loads(text)
        tables = {name: read_table(folder / f"{name}.parquet", m)
                  for name, m in meta["tables"].items()}
    except Exception as exc:
        _drop(folder, exc)
        return None
    return tables, meta


class Store:
    """The cache entries of one corpus: `load_articles`/`save_articles` for the per-article
    tables and the document x term matrix, `load_groups(by)`/`save_groups(by, tables)` for
    the tables of one grouping, and `load_groups(by, settings)`/`save_groups(by, tables,
    settings)` for those of the stages that read settings. Loads return None when absent or
    unreadable."""

    def __init__(self, root, articles: pd.DataFrame, **params):
        self.root = Path(root).expanduser()
        self.key = corpus_key(articles, **params)
        self.folder = self.root / self.key

    def _group_folder(self, by: str, settings: dict | None = None) -> Path:
        folder = self.folder / f"by={quote(str(by), safe='')}"
        given = any(v is not None for v in (settings or {}).values())
        return folder / f"settings={settings_key(settings)}" if given else folder

    @contextlib.contextmanager
    def scratch(self):
        """A context manager: the path of a new private folder under ``<cache>/tmp/`` for
        temporary files of this run, removed when the block ends (and ``tmp/`` with it when
        empty). Folders that runs killed before they could remove theirs (their process is
        gone) are removed first."""
        root = self.root / "tmp"
        root.mkdir(parents=True, exist_ok=True)
        remove_stale(root, "")
        try:
            with tempfile.TemporaryDirectory(prefix=f"{os.getpid()}-", dir=root) as folder:
                yield folder
        finally:
            with contextlib.suppress(OSError):  # not empty: another run is using it
                root.rmdir()

    def load_articles(self) -> dict | None:
        found = _read_set(self.folder)
        if found is None:
            return None
        tables, _ = found
        try:
            tables["_dtm"] = _load_dtm(self.folder / "dtm.npz")
        except Exception as exc:  # truncated or damaged (BadZipFile, EOFError, ...)
            _drop(self.folder, exc, [self.folder / "dtm.npz"])
            return None
        tables["sentences"] = tables["sentence_tone"][["doc_id", "sent_id", "sentence"]]
        return tables

    def save_articles(self, parts: dict) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        _save_dtm(parts["_dtm"], self.folder / "dtm.npz")
        _write_set(self.folder, {k: v for k, v in parts.items()
                                 if not k.startswith("_") and k != "sentences"})

    def load_groups(self, by: str, settings: dict | None = None) -> dict | None:
        """The group tables of `by`; with `settings`, those of the stages that read
        settings, computed with these values."""
        found = _read_set(self._group_folder(by, settings))
        return None if found is None else found[0]

    def save_groups(self, by: str, tables: dict, settings: dict | None = None) -> None:
        extra = {"by": by}
        if settings:
            extra["settings"] = {k: ("table" if isinstance(v, pd.DataFrame) else str(v))
                                 for k, v in settings.items() if v is not None}
        _write_set(self._group_folder(by, settings), tables, extra)


def _save_dtm(dtm, path: Path) -> None:
    m = dtm.matrix.tocsr()
    tmp = path.with_name(f"{path.stem}.{uuid.uuid4().hex}.tmp.npz")
    np.savez(tmp, data=m.data, indices=m.indices, indptr=m.indptr, shape=np.array(m.shape),
             doc_ids=_encode(dtm.doc_ids), vocabulary=_encode(dtm.vocabulary))
    os.replace(tmp, path)


def _load_dtm(path: Path):
    import scipy.sparse as sp

    from .terms import DocTerm

    with np.load(path, allow_pickle=False) as z:
        m = sp.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
        return DocTerm(m, _decode(z["doc_ids"]), _decode(z["vocabulary"]))


def _encode(strings) -> np.ndarray:
    return np.frombuffer(json.dumps([str(s) for s in strings]).encode("utf-8"), dtype=np.uint8)


def _decode(array: np.ndarray) -> np.ndarray:
    return np.array(json.loads(array.tobytes().decode("utf-8")), dtype=object)


# --------------------------------------------------------------------------- loaded corpora

def source_key(path, **params) -> str:
    """sha256 (hex) of an input file or folder (every file's relative path and bytes),
    `params`, the kzmedia version, the versions of :data:`LIBRARIES` and the package's code
    and data: the key of a loaded (and filtered, deduplicated) corpus."""
    path = Path(path)
    h = hashlib.sha256(f"kzmedia {__version__} corpus {_FORMAT}".encode())
    h.update(json.dumps(library_versions(), sort_keys=True).encode())
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for f in files:
        h.update(f"\x1d{f.relative_to(path) if path.is_dir() else f.name}\x1f".encode())
        h.update(file_digest(f).encode())
    h.update(json.dumps(params, sort_keys=True, default=str).encode())
    for p in [*code_files(), *_data_files()]:
        h.update(f"\x1d{p.name}\x1f".encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def load_articles(root, key: str) -> pd.DataFrame | None:
    """The articles stored by :func:`save_articles` under `key` (with their ``rejected`` and
    ``audit`` tables as attrs), or None if absent; a damaged entry is dropped."""
    found = _read_set(Path(root).expanduser() / "corpus" / key)
    if found is None:
        return None
    from .corpus import AttrsTable

    tables, _ = found
    articles = tables.pop("articles")
    for name, table in tables.items():
        articles.attrs[name] = AttrsTable(table)
    return articles


def save_articles(root, key: str, articles: pd.DataFrame) -> None:
    """Store loaded articles (and their DataFrame attrs) under `key` in `root`/corpus/."""
    extra = {n: t for n, t in articles.attrs.items() if isinstance(t, pd.DataFrame)}
    _write_set(Path(root).expanduser() / "corpus" / key, {"articles": articles, **extra})
