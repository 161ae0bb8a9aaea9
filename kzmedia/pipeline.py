"""Every tidy table of the analysis without notebooks: `analyze(articles, by=...)`.

The stages run in the order of `STAGES`, a list of (table name, function); each function
is called as f(articles, by, tables_so_far) and returns one DataFrame.

The analysis runs in two phases:

1. **Per article** (`ARTICLE_LOCAL`: sentences, the document x term matrix, frame hits and
   article scores, actor mentions, sentence tone). These only look at one article at a time,
   so they run on partitions of consecutive articles (`chunk_size` articles each, the last
   ones half that; see `TAIL_PARTITIONS`) - in this
   process, in a pool of `n_jobs` worker processes, or on a dask.distributed cluster - and
   the partition results are concatenated in order (:func:`article_tables`). Worker
   processes hand their results back through files in a temporary folder (``TMPDIR``),
   removed as they are read.
2. **Per group** (everything else: counts, TF-IDF, keyness, similarity, frame prevalence,
   attention, balance, co-occurrence, tone aggregates, profile, contrasts), computed once
   from the concatenated tables (:func:`group_tables`). On Linux the group tables are
   computed by `n_jobs` forked processes, which read the per-article tables of this process
   without copying them; the two tables that read other group tables (`LATE`: profile,
   contrasts) start as soon as those are done and are handed them.

No table depends on the partitions (every per-article stage reads one article at a time and
the document x term matrices merge exactly), so one process, several processes and Dask give
identical tables. Phase 1 does not depend on the grouping: compute it once and call
:func:`group_tables` for each grouping column, or :func:`group_tables_many` for several.

With `cache=DIR`, the tables are stored as Parquet under a key that hashes the articles
(every column, and the rejected/audit tables), `chunk_size`, the package version and the
package data (codebook, gazetteer, settings, word lists); see :mod:`kzmedia.cache`.
"""

from __future__ import annotations

import importlib
import os
import time
from pathlib import Path

import pandas as pd

from .parallel import can_fork, n_processes, process_pool

__all__ = ["STAGES", "OPTIONAL", "ARTICLE_LOCAL", "StageMissing", "analyze", "article_tables",
           "group_tables", "group_tables_many", "write_tables"]


class StageMissing(RuntimeError):
    """A stage module or function that the pipeline calls is not available."""


def _stage(module: str, name: str):
    """kzmedia.<module>.<name>, with an error that names the missing piece."""
    try:
        mod = importlib.import_module(f"kzmedia.{module}")
    except ModuleNotFoundError as exc:
        raise StageMissing(f"kzmedia.{module} is not available ({exc})") from exc
    try:
        return getattr(mod, name)
    except AttributeError:
        raise StageMissing(f"kzmedia.{module} has no function {name!r}") from None


def _attr_table(articles, key) -> pd.DataFrame:
    table = articles.attrs.get(key)
    return table.copy() if isinstance(table, pd.DataFrame) else pd.DataFrame()


def _with_group(table: pd.DataFrame, articles: pd.DataFrame, by: str) -> pd.DataFrame:
    """`table` with the grouping column `by` looked up from the articles on doc_id (if absent;
    missing where no article has the doc_id): the values of
    ``table["doc_id"].map(articles.set_index("doc_id")[by])``, each distinct doc_id looked up
    once (on the 1.8 M-row sentence table 0.15 s instead of 0.7 s, which this process spends
    before the group stages can start)."""
    if by in table.columns:
        return table
    codes, distinct = pd.factorize(table["doc_id"], use_na_sentinel=False)
    at = pd.Index(articles["doc_id"]).get_indexer(distinct)[codes]
    column = articles[by].reset_index(drop=True).reindex(at)  # -1 (none): missing
    column.index = table.index
    return table.assign(**{by: column})


def _groups(articles, by, tables: dict):
    """The groups x terms sums of the grouping (terms.group_terms), built once per table dict
    and shared by the term stages that read it."""
    if "_group_terms" not in tables:
        tables["_group_terms"] = _stage("terms", "group_terms")(articles, by,
                                                                dtm=tables["_dtm"])
    return tables["_group_terms"]


STAGES = [
    ("articles", lambda a, by, t: a.drop(columns=["text"], errors="ignore")),
    ("rejected", lambda a, by, t: _attr_table(a, "rejected")),
    ("audit", lambda a, by, t: _attr_table(a, "audit")),
    ("sentences", lambda a, by, t: _stage("text", "sentences")(a)),
    ("_dtm", lambda a, by, t: _stage("terms", "document_term_matrix")(a)),
    ("term_counts", lambda a, by, t: _stage("terms", "counts")(a, by=by, groups=_groups(a, by, t))),
    ("tfidf_profiles",
     lambda a, by, t: _stage("terms", "tfidf_profiles")(a, by=by, groups=_groups(a, by, t))),
    ("keyness_log_odds", lambda a, by, t: _stage("terms", "keyness")(
        a, by=by, measure="log_odds", groups=_groups(a, by, t), top=KEYNESS_TOP)),
    ("keyness_g2", lambda a, by, t: _stage("terms", "keyness")(
        a, by=by, measure="g2", groups=_groups(a, by, t), top=KEYNESS_TOP)),
    ("similarity", lambda a, by, t: _stage("terms", "similarity")(
        a, by=by, groups=_groups(a, by, t), permutations=SIMILARITY_PERMUTATIONS)),
    ("frame_hits", lambda a, by, t: _stage("frames", "hits")(
        a, t.get("_codebook"), sentences=t["sentences"])),
    ("frame_scores_article", lambda a, by, t: _stage("frames", "article_scores")(
        a, t.get("_codebook"), sentences=t["sentences"], hits_table=t["frame_hits"])),
    ("frame_scores_group", lambda a, by, t: _stage("frames", "group_scores")(
        a, t.get("_codebook"), by=by, sentences=t["sentences"],
        article_table=t["frame_scores_article"])),
    ("actor_mentions", lambda a, by, t: _stage("actors", "mentions")(
        a, t.get("_gazetteer"), sentences=t["sentences"])),
    ("attention", lambda a, by, t: _stage("actors", "attention")(
        a, by=by, gazetteer=t.get("_gazetteer"), sentences=t["sentences"],
        mentions_table=t["actor_mentions"])),
    ("balance", lambda a, by, t: _stage("actors", "balance")(
        a, by=by, gazetteer=t.get("_gazetteer"), sentences=t["sentences"],
        mentions_table=t["actor_mentions"])),
    ("cooccurrence", lambda a, by, t: _stage("actors", "cooccurrence")(
        a, by=by, gazetteer=t.get("_gazetteer"), sentences=t["sentences"],
        mentions_table=t["actor_mentions"])),
    ("sentence_tone", lambda a, by, t: _stage("sentiment", "sentences")(
        a, t.get("_gazetteer"), sentences=t["sentences"], mentions=t["actor_mentions"])),
    ("article_tone", lambda a, by, t: _stage("sentiment", "article_tone")(t["sentence_tone"], by=by)),
    ("group_tone", lambda a, by, t: _stage("sentiment", "group_tone")(t["sentence_tone"], by=by)),
    ("vector_tone", lambda a, by, t: _stage("sentiment", "vector_tone")(t["sentence_tone"], by=by)),
    ("profile", lambda a, by, t: _stage("compare", "profile")(a, by=by, tables=t)),
    ("contrasts", lambda a, by, t: _stage("compare", "contrasts")(
        a, by=by, tables=t, gazetteer=t.get("_gazetteer"))),
]

# Relabellings per similarity permutation test (p resolution 1/200; terms.similarity also
# skips the tests when more than 300 pairs of groups would be tested).
SIMILARITY_PERMUTATIONS = 199

# The keyness tables keep the KEYNESS_TOP most and least distinctive terms of each group
# (every group x every term is 89 M rows for 491 outlets; call terms.keyness for all of them).
KEYNESS_TOP = 100

# Group stages that read other group tables, and the group tables they read (they also read
# per-article tables): each starts as soon as those are done.
_COMPARED = ("articles", "keyness_log_odds", "frame_scores_group", "attention", "balance",
             "article_tone", "group_tone", "vector_tone")
LATE = {"profile": _COMPARED, "contrasts": _COMPARED}

# Group stages of one grouping computed one after the other by one process: they all start
# from the same groups x terms tables (terms.group_terms), built once.
# They are the slowest on large corpora (slowest first), and no LATE stage waits for them:
# the forked processes start this task before the quick ones, so that no process is left
# alone with a slow table at the end. (keyness_log_odds, which the LATE stages wait for,
# stays a quick task of its own.)
TOGETHER = ("similarity", "keyness_g2", "term_counts", "tfidf_profiles")

# With n_jobs=None, group tables of at most this many articles are computed in this process
# (forking costs more than it saves on small corpora).
FORK_MIN_ARTICLES = 2000

# Large and derivable from the articles: computed (the stages need it), written on request.
# Names starting with "_" are shared intermediates (not tables) and never returned.
OPTIONAL = {"sentences"}

# Stages that look at one article at a time: run per partition (with by=None), concatenated.
ARTICLE_LOCAL = ("sentences", "_dtm", "frame_hits", "frame_scores_article", "actor_mentions",
                 "sentence_tone")

# The article columns the per-article stages read (the rest stays in this process).
_PARTITION_COLUMNS = ("doc_id", "outlet", "text", "n_words", "lang")

# Sort keys of the per-article tables (they are sorted by doc_id like their stage functions).
_KEYS = {"frame_hits": ["doc_id", "sent_id"], "frame_scores_article": ["doc_id", "frame"],
         "actor_mentions": ["doc_id", "sent_id"], "sentence_tone": ["doc_id", "sent_id"]}


# --------------------------------------------------------------------------- phase 1

def _shared() -> dict:
    """What every stage reads and is loaded once, not per stage: the default frame codebook
    and gazetteer (parsed and validated)."""
    gazetteer = _stage("actors", "load_gazetteer")()
    return {"_gazetteer": gazetteer,
            "_codebook": _stage("frames", "load_codebook")(gazetteer=gazetteer)}


def _run_stage(name: str, fn, articles: pd.DataFrame, by, computed: dict) -> float:
    """computed[name] = fn(articles, by, computed); returns the seconds it took. An error
    carries a note naming the table."""
    start = time.perf_counter()
    try:
        computed[name] = fn(articles, by, computed)
    except Exception as exc:
        exc.add_note(f"while computing the {name!r} table")
        raise
    return time.perf_counter() - start


def _run_partition(part: pd.DataFrame, shared: dict) -> tuple[dict, list]:
    """The per-article stages on one partition: ({table: DataFrame, "_dtm": DocTerm},
    [(stage, seconds), ...]). The sentence table is not returned: it is the first columns of
    sentence_tone."""
    out: dict = dict(shared)
    seconds = [(name, _run_stage(name, fn, part, None, out))
               for name, fn in STAGES if name in ARTICLE_LOCAL]
    return {k: v for k, v in out.items() if k not in shared and k != "sentences"}, seconds


# Of a corpus of more than TAIL_PARTITIONS x chunk_size articles, the last TAIL_PARTITIONS to
# TAIL_PARTITIONS + 1 partitions' worth go in partitions of half the size (the smallest last),
# so that the processes finish at about the same time. The partitions do not depend on the
# number of processes, and no table depends on the partitions.
TAIL_PARTITIONS = 4


def _partitions(articles: pd.DataFrame, chunk_size: int) -> list[pd.DataFrame]:
    cols = [c for c in _PARTITION_COLUMNS if c in articles.columns]
    slim = articles[cols]
    size = max(1, int(chunk_size))
    n = len(slim)
    if n <= TAIL_PARTITIONS * size:
        bounds = list(range(0, n, size))
    else:
        head = (n - TAIL_PARTITIONS * size) // size * size
        bounds = list(range(0, head, size)) + list(range(head, n, max(1, size // 2)))
    return [slim.iloc[i:j] for i, j in zip(bounds, bounds[1:] + [n])] or [slim]


def _to_file(result, folder: str):
    """Pickle `result` (a tuple) to a new file in `folder` and return its path; return the
    result itself when the file cannot be written (a full disk). A worker process hands
    large results back this way: through the pool's pipe it would wait, idle, until the
    parent process (which shares the cores with the workers) had read them all."""
    import pickle
    import tempfile

    fd, path = tempfile.mkstemp(suffix=".pickle", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
    except OSError:
        os.unlink(path)
        return result
    return path


def _run_partition_to_file(part: pd.DataFrame, shared: dict, folder: str):
    return _to_file(_run_partition(part, shared), folder)


def _read_result(handed):
    """What :func:`_to_file` handed back: the result read from its file (then removed), or
    the result itself."""
    import pickle

    if not isinstance(handed, str):
        return handed
    try:
        with open(handed, "rb") as fh:
            return pickle.load(fh)
    finally:
        os.unlink(handed)


def _map_local(parts, shared, n_jobs: int, bar):
    results = [None] * len(parts)
    if n_jobs <= 1 or len(parts) == 1:
        for i, part in enumerate(parts):
            results[i] = _run_partition(part, shared)
            bar.update(1)
        return results
    import tempfile
    from concurrent.futures import ProcessPoolExecutor, as_completed

    with tempfile.TemporaryDirectory(prefix="kzmedia-") as folder, \
            ProcessPoolExecutor(max_workers=min(n_jobs, len(parts))) as pool:
        futures = {pool.submit(_run_partition_to_file, part, shared, folder): i
                   for i, part in enumerate(parts)}
        for future in as_completed(futures):
            results[futures[future]] = _read_result(future.result())
            bar.update(1)
    return results


def _map_dask(parts, shared, dask, bar):
    from distributed import Client, as_completed

    client = dask if isinstance(dask, Client) else Client(dask)
    try:
        scattered = client.scatter(parts)
        common = client.scatter(shared, broadcast=True)
        futures = client.map(_run_partition, scattered, shared=common, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        results = [None] * len(parts)
        for future in as_completed(futures):
            results[index[future.key]] = future.result()
            bar.update(1)
        return results
    finally:
        if client is not dask:
            client.close()


def article_tables(articles: pd.DataFrame, *, n_jobs: int | None = None, dask=None,
                   chunk_size: int = 2000, progress: bool = True,
                   timings: list | None = None) -> dict:
    """The per-article tables (`ARTICLE_LOCAL`), computed per partition of `chunk_size`
    consecutive articles and concatenated in order.

    `n_jobs`: worker processes (None or 0: all cores; -1 likewise, -2 all but one; 1: this
    process). `dask`: a dask.distributed scheduler address or Client - the partitions then run
    on its workers (which need kzmedia installed) and `n_jobs` is ignored. The result depends
    only on the articles, not on `n_jobs`, `dask` or `chunk_size`.

    Returns {"sentences", "frame_hits", "frame_scores_article", "actor_mentions",
    "sentence_tone", "_dtm"}, each documented by its stage function (sentence_tone is not
    yet joined with a grouping column; "sentences" is the first columns of sentence_tone).
    `timings`, if given, receives one dict(stage, partition, seconds, n_articles, n_chars) per
    stage and partition (worker time) and one row for the whole phase (stage "article stages").
    """
    from tqdm.auto import tqdm

    start = time.perf_counter()
    parts = _partitions(articles, chunk_size)
    shared = _shared()
    bar = tqdm(total=len(parts), desc="articles", unit="partition", disable=not progress)
    try:
        if dask is not None:
            results = _map_dask(parts, shared, dask, bar)
        else:
            results = _map_local(parts, shared, n_processes(n_jobs), bar)
    finally:
        bar.close()
    if timings is not None:
        for i, (part, (_, seconds)) in enumerate(zip(parts, results)):
            n_chars = int(part["text"].str.len().sum())
            timings.extend(dict(stage=s, partition=i, seconds=sec, n_articles=len(part),
                                n_chars=n_chars) for s, sec in seconds)
    del parts
    # the partitions' matrices are merged in a thread while the tables are concatenated
    # and joined (mostly Arrow and NumPy work, which release the GIL)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as thread:
        dtm = thread.submit(_stage("terms", "merge_dtm"), [r.pop("_dtm") for r, _ in results])
        tables: dict = {"_dtm": None, **shared}
        # each partition's tables are sorted by doc_id: so are the concatenations, if the
        # partitions are in doc_id order
        ordered = articles["doc_id"].astype(str).is_monotonic_increasing
        for name in _KEYS:
            table = pd.concat([r.pop(name) for r, _ in results], ignore_index=True)
            if not ordered:
                table = table.sort_values(_KEYS[name], kind="stable", ignore_index=True)
            tables[name] = table
        del results
        _one_chunk({name: tables[name] for name in _KEYS}, n_processes(n_jobs))
        tables["_dtm"] = dtm.result()
    _trim_heap()
    tables["sentences"] = tables["sentence_tone"][["doc_id", "sent_id", "sentence"]]
    if timings is not None:
        timings.append(dict(stage="article stages", partition=None,
                            seconds=time.perf_counter() - start, n_articles=len(articles),
                            n_chars=int(articles["text"].str.len().sum())))
    return tables


def _one_chunk(tables: dict, jobs: int) -> None:
    """Join every Arrow-backed column of the DataFrames in `tables` into one chunk, in place,
    by `jobs` threads (Arrow copies without the GIL) on the C heap (not Arrow's allocator,
    so that _trim_heap gives the old chunks' memory back). Concatenated partitions leave a
    column in as many chunks as there were partitions, and taking a few rows of such a
    column makes Arrow copy all of it: the group tables took about 20% longer."""
    import pyarrow as pa
    from concurrent.futures import ThreadPoolExecutor

    chunked = []
    for table in tables.values():
        for column in table.columns:
            if str(getattr(table[column].dtype, "storage", "")) == "pyarrow":
                array = pa.array(table[column].array)
                if isinstance(array, pa.ChunkedArray) and array.num_chunks > 1:
                    chunked.append((table, column, array))
    pool = pa.system_memory_pool()
    with ThreadPoolExecutor(max(1, jobs)) as threads:
        joined = list(threads.map(lambda item: item[2].combine_chunks(pool), chunked))
    for (table, column, _), array in zip(chunked, joined):
        table[column] = pd.Series(array, index=table.index, dtype=table[column].dtype)


def _trim_heap() -> None:
    """Return the C heap's free pages to the system (glibc's malloc_trim; nothing elsewhere).
    Unpickling and concatenating the partitions' tables leaves a few hundred MB free but
    resident in this process, which forked group processes would carry too."""
    import ctypes
    import sys

    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None).malloc_trim(0)
        except (OSError, AttributeError):  # not glibc
            pass


# --------------------------------------------------------------------------- phase 2

def group_tables(articles: pd.DataFrame, parts: dict, by: str = "outlet", *,
                 sentences: bool = False, progress: bool = True, skip=(),
                 n_jobs: int | None = 1, timings: list | None = None) -> dict[str, pd.DataFrame]:
    """All tables of the analysis grouped by `by`, from the per-article tables `parts` of
    :func:`article_tables` on the same articles (in `STAGES` order; "sentences" only with
    `sentences=True`). Tables named in `skip` are left out (none of the later stages read
    "similarity").

    `n_jobs`: tables computed at once by that many forked processes (0 or -1: all cores;
    None: all cores above `FORK_MIN_ARTICLES` articles, else 1). With n_jobs=1, and on other
    platforms than Linux, they are computed one after the other in this process. Each table
    is the same function of the same inputs either way, so the results are identical.
    `timings`, if given, receives dict(stage, by, seconds) per stage.
    """
    return group_tables_many(articles, parts, [by], sentences=sentences, progress=progress,
                             skip=skip, n_jobs=n_jobs, timings=timings)[by]


def group_tables_many(articles: pd.DataFrame, parts: dict, by=("outlet",), *,
                      sentences: bool = False, progress: bool = True, skip=(),
                      n_jobs: int | None = 1,
                      timings: list | None = None) -> dict[str, dict[str, pd.DataFrame]]:
    """{column: :func:`group_tables` grouped by that column} for each column in `by` (a list,
    or one column name). The tables of all groupings are computed by one set of `n_jobs`
    processes, so a grouping's slow tables overlap another's. `skip`: names left out of every
    grouping, or {column: names}. Same tables as one :func:`group_tables` call per column."""
    from tqdm.auto import tqdm

    bys = [by] if isinstance(by, str) else list(dict.fromkeys(by))
    for b in bys:
        if b not in articles.columns:
            raise KeyError(f"grouping column {b!r} not in the articles "
                           f"(columns: {', '.join(map(str, articles.columns))})")
    shared = {} if "_gazetteer" in parts else _shared()
    computed, todo, left_out = {}, {}, {}
    for b in bys:
        computed[b] = {**parts, **shared,
                       "sentence_tone": _with_group(parts["sentence_tone"], articles, b)}
        left_out[b] = set(skip.get(b, ()) if isinstance(skip, dict) else skip)
        todo[b] = [name for name, _ in STAGES
                   if name not in ARTICLE_LOCAL and name not in left_out[b]]
    n_tables = sum(map(len, todo.values()))
    desc = "groups by " + ", ".join(bys)
    bar = tqdm(total=n_tables, desc=desc, unit="table", disable=not progress)
    jobs = n_processes(n_jobs) if n_jobs is not None or len(articles) > FORK_MIN_ARTICLES else 1
    try:
        if jobs > 1 and n_tables > 1 and can_fork():
            done = _forked_stages(todo, articles, computed, jobs, bar)
        else:
            done = {}
            for b, names in todo.items():
                for name in names:
                    bar.set_postfix_str(name)
                    done[b, name] = (_run_stage(name, dict(STAGES)[name], articles, b,
                                                computed[b]), computed[b][name])
                    bar.update(1)
        for b, names in todo.items():
            for name in names:
                seconds, computed[b][name] = done[b, name]
                if timings is not None:
                    timings.append(dict(stage=name, by=b, seconds=seconds))
    finally:
        bar.close()
    return {b: {name: computed[b][name] for name, _ in STAGES
                if not name.startswith("_") and name not in left_out[b] and name in computed[b]
                and (name not in OPTIONAL or sentences)}
            for b in bys}


# What forked group-stage processes read: set just before they are forked, cleared after.
_FORK_STATE: tuple | None = None


def _forked_stage(by: str, names: tuple, tables: dict, folder: str):
    """In a forked process: {name: (seconds, table)} of group stages run one after the
    other, in a file in `folder` (see :func:`_to_file`); `tables`: the group tables they
    read that were computed after this process was forked."""
    articles, computed = _FORK_STATE
    computed = {**computed[by], **tables}
    stages = dict(STAGES)
    out = {name: (_run_stage(name, stages[name], articles, by, computed), computed[name])
           for name in names}
    return _to_file(out, folder)


def _forked_stages(todo: dict, articles, computed: dict, jobs: int, bar) -> dict:
    """{(by, name): (seconds, table)} for the group stages `todo` ({by: names}), computed by
    `jobs` forked processes that inherit `computed` ({by: tables}; only the resulting tables
    are handed back). A grouping's `TOGETHER` stages form one task, every other stage a task
    of its own. The tasks holding tables that `LATE` stages read go first, then the
    `TOGETHER` ones; a `LATE` stage goes next as soon as the tables it reads are done."""
    import tempfile
    from concurrent.futures import FIRST_COMPLETED, wait

    global _FORK_STATE
    late = {(b, n): [(b, d) for d in LATE[n] if d in names]
            for b, names in todo.items() for n in names if n in LATE}
    needed = {d for deps in late.values() for d in deps}
    tasks = []
    for b, names in todo.items():
        rest = [n for n in names if (b, n) not in late]
        together = tuple(n for n in TOGETHER if n in rest)
        tasks += [(b, together)] if together else []
        tasks += [(b, (n,)) for n in rest if n not in together]
    queue = sorted(tasks, key=lambda task: (
        not any((task[0], n) in needed for n in task[1]), task[1][0] not in TOGETHER))
    done: dict = {}
    _FORK_STATE = (articles, computed)
    try:
        with tempfile.TemporaryDirectory(prefix="kzmedia-") as folder, \
                process_pool(min(jobs, len(queue) + len(late))) as pool:
            running: dict = {}
            while queue or late or running:
                for key in [k for k, deps in late.items() if all(d in done for d in deps)]:
                    queue.insert(0, (key[0], (key[1],)))
                    del late[key]
                while queue and len(running) < jobs:
                    b, names = task = queue.pop(0)
                    tables = {d: done[b, d][1] for name in names for d in LATE.get(name, ())
                              if (b, d) in done}
                    running[pool.submit(_forked_stage, b, names, tables, folder)] = task
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    b, _ = running.pop(future)
                    for name, result in _read_result(future.result()).items():
                        done[b, name] = result
                        bar.update(1)
        return done
    finally:
        _FORK_STATE = None


# --------------------------------------------------------------------------- both

def analyze(articles: pd.DataFrame, by: str = "outlet", *, n_jobs: int | None = None,
            cache=None, dask=None, sentences: bool = False, progress: bool = True,
            chunk_size: int = 2000) -> dict[str, pd.DataFrame]:
    """All tidy tables for `articles` grouped by `by`, in `STAGES` order.

    Returns {table name: DataFrame}; the sentence table is included only when
    `sentences=True`. The columns of each table are documented by its stage function.

    `n_jobs`: processes for the per-article stages and the group tables (None: all cores; 1:
    this process only; a corpus of at most `chunk_size` articles always runs its per-article
    stages in this process; see :func:`group_tables`). `dask`: a
    dask.distributed scheduler address ("tcp://host:8786") or Client to run them on instead.
    `cache`: a folder (None or "": no cache); tables found there for the same articles,
    `chunk_size`, package version and package data are loaded instead of recomputed, and
    new results are stored there (see :mod:`kzmedia.cache`). Results are identical whatever
    `n_jobs`, `dask` and `cache`.
    """
    if by not in articles.columns:
        raise KeyError(f"grouping column {by!r} not in the articles "
                       f"(columns: {', '.join(map(str, articles.columns))})")
    if not cache:
        parts = article_tables(articles, n_jobs=n_jobs, dask=dask, chunk_size=chunk_size,
                               progress=progress)
        return group_tables(articles, parts, by, sentences=sentences, progress=progress,
                            n_jobs=n_jobs)

    from . import cache as _cache

    store = _cache.Store(cache, articles, chunk_size=chunk_size)
    parts = store.load_articles()
    if parts is None:
        parts = article_tables(articles, n_jobs=n_jobs, dask=dask, chunk_size=chunk_size,
                               progress=progress)
        store.save_articles(parts)
    tables = store.load_groups(by)
    if tables is None:
        tables = group_tables(articles, parts, by, sentences=True, progress=progress,
                              n_jobs=n_jobs)
        store.save_groups(by, {k: v for k, v in tables.items() if k not in ARTICLE_LOCAL})
    else:
        tables = _in_order({**tables, **parts,
                            "sentence_tone": _with_group(parts["sentence_tone"], articles, by)})
    if not sentences:
        tables.pop("sentences", None)
    return tables


def _in_order(tables: dict) -> dict:
    return {name: tables[name] for name, _ in STAGES if not name.startswith("_") and name in tables}


def write_tables(tables: dict[str, pd.DataFrame], out, fmt: str = "csv") -> list[Path]:
    """Write each table to `out/<name>.csv` (or .parquet); returns the paths written."""
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"format must be 'csv' or 'parquet', not {fmt!r}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, table in tables.items():
        path = out / f"{name}.{fmt}"
        table = table.copy(deep=False)
        table.attrs = {}  # articles.attrs (rejected, audit) are tables of their own
        if fmt == "csv":
            table.to_csv(path, index=False)
        else:
            table.to_parquet(path, index=False)
        paths.append(path)
    return paths
