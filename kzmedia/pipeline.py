"""Every tidy table of the analysis without notebooks: `analyze(articles, by=...)`.

What the stages are, what they read and whether they look at one article or one group at a
time is declared in :mod:`kzmedia.stages`; this module derives the plan from those records
and runs it in two phases:

1. **Per article** (the ``article`` stages: sentences, the document x term matrix, frame hits
   and article scores, actor mentions, sentence tone). They run on partitions of consecutive
   articles (`chunk_size` articles each, the last ones half that, see `TAIL_PARTITIONS`) -
   in this process, in `n_jobs` worker processes (:mod:`kzmedia.parallel`) or on a
   dask.distributed cluster - and the partitions' results are joined in order
   (:func:`article_tables`).
2. **Per group** (the ``group`` stages: counts, TF-IDF, keyness, similarity, frame
   prevalence, attention, balance, co-occurrence, tone aggregates, profile, contrasts),
   computed once per grouping column from the joined tables (:func:`group_tables`). On
   Linux they are computed by `n_jobs` forked processes, which read the per-article tables of
   this process without copying them; a group stage that reads other group tables starts as
   soon as those are done and is handed them.

No table depends on the partitions (every per-article stage reads one article at a time and
the document x term matrices merge exactly), so one process, several processes and Dask give
identical tables. Phase 1 does not depend on the grouping: compute it once and call
:func:`group_tables` for each grouping column, or :func:`group_tables_many` for several.

Settings that some group stages read (``period`` and ``events`` for the time tables) are
keyword arguments of :func:`analyze` and a dict for :func:`group_tables`; each stage gets the
ones its record names (see :mod:`kzmedia.stages`), and a stage whose settings are all None
is not computed.

With `cache=DIR`, the tables are stored as Parquet under a key that hashes the articles
(every column, and the rejected/audit tables), `chunk_size`, the package version and the
package data (codebook, gazetteer, settings, word lists); the tables of stages with settings
are stored apart, under their values too; see :mod:`kzmedia.cache`.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from . import parallel
from .cache import atomic_path
from .stages import STAGES, Stage, by_name, order, settings_of

__all__ = ["STAGES", "analyze", "article_tables", "group_tables", "group_tables_many",
           "write_tables", "plan", "Plan"]

# With n_jobs=None, group tables of at most this many articles are computed in this process
# (forking costs more than it saves on small corpora).
FORK_MIN_ARTICLES = 2000

# Of a corpus of more than TAIL_PARTITIONS x chunk_size articles, the last TAIL_PARTITIONS to
# TAIL_PARTITIONS + 1 partitions' worth go in partitions of half the size (the smallest last),
# so that the processes finish at about the same time. The partitions do not depend on the
# number of processes, and no table depends on the partitions.
TAIL_PARTITIONS = 4


class Plan:
    """What the stage records imply for a run: the stages in run order and split by kind,
    the article columns the per-article stages read, and for each group stage the group
    tables it waits for (group intermediates are not waited for: each process that needs one
    computes it, see :func:`_run_stage`)."""

    def __init__(self, stages=STAGES):
        self.stages: list[Stage] = order(stages)
        self.named = by_name(self.stages)
        self.inputs = [s for s in self.stages if s.kind == "input"]
        self.article = [s for s in self.stages if s.kind == "article"]
        self.group = [s for s in self.stages if s.kind == "group" and s.table]
        self.columns = tuple(dict.fromkeys(
            ["doc_id", *[c for s in self.article for c in s.columns]]))
        group_names = {s.name for s in self.group}
        self.waits = {s.name: tuple(n for n in s.needs if n in group_names) for s in self.group}
        self.tables = [s.name for s in self.stages if s.table]
        self.settings = settings_of(self.stages)

    def check(self, settings: dict | None) -> dict:
        """`settings` as a dict, after checking that some stage reads each of them."""
        settings = dict(settings or {})
        unknown = [k for k in settings if k not in self.settings]
        if unknown:
            raise ValueError(f"unknown settings {unknown}: the stages read {list(self.settings)}")
        return settings


def plan(stages=STAGES) -> Plan:
    """The :class:`Plan` of `stages` (default: :data:`kzmedia.stages.STAGES`)."""
    return Plan(stages)


def _run_stage(stage: Stage, articles: pd.DataFrame, by, computed: dict,
               named: dict | None = None, settings: dict | None = None) -> float:
    """computed[stage.name] = the stage's table, from the tables it needs (and the settings
    its record names, as keyword arguments); returns the seconds it took. Group
    intermediates it needs that `computed` lacks are computed first, into `computed`
    (`named`: the records by name). An error carries a note naming the table."""
    start = time.perf_counter()
    for name in stage.needs:
        if name not in computed and named and named[name].kind == "group" and not named[name].table:
            _run_stage(named[name], articles, by, computed, named, settings)
    given = {k: (settings or {}).get(k) for k in stage.settings}
    try:
        computed[stage.name] = stage.fn(articles, by, {n: computed[n] for n in stage.needs},
                                        **given)
    except Exception as exc:
        exc.add_note(f"while computing the {stage.name!r} table")
        raise
    return time.perf_counter() - start


def _inputs(p: Plan, codebook=None, gazetteer=None) -> dict:
    """The input stages' values (codebook, gazetteer), read once for every stage: the
    package's, or those given (a path, dict or loaded object; see
    :func:`kzmedia.frames.load_codebook`, :func:`kzmedia.actors.load_gazetteer`)."""
    from . import actors, frames

    computed: dict = {}
    for stage in p.inputs:
        if stage.name == "_gazetteer" and gazetteer is not None:
            computed[stage.name] = actors.load_gazetteer(gazetteer)
        elif stage.name == "_codebook" and codebook is not None:
            computed[stage.name] = frames.load_codebook(codebook,
                                                        gazetteer=computed.get("_gazetteer"))
        else:
            _run_stage(stage, None, None, computed)
    return computed


# --------------------------------------------------------------------------- phase 1

def _run_partition(task) -> tuple[dict, list]:
    """The per-article stages on one partition: ({table: result}, [(stage, seconds), ...]).
    The sentence table is left out: it is the first columns of sentence_tone."""
    part, inputs, stages = task
    out: dict = dict(inputs)
    seconds = [(s.name, _run_stage(s, part, None, out)) for s in stages]
    return {s.name: out[s.name] for s in stages if s.name != "sentences"}, seconds


def _partitions(articles: pd.DataFrame, chunk_size: int, columns) -> list[pd.DataFrame]:
    slim = articles[[c for c in columns if c in articles.columns]]
    size = max(1, int(chunk_size))
    n = len(slim)
    if n <= TAIL_PARTITIONS * size:
        bounds = list(range(0, n, size))
    else:
        head = (n - TAIL_PARTITIONS * size) // size * size
        bounds = list(range(0, head, size)) + list(range(head, n, max(1, size // 2)))
    return [slim.iloc[i:j] for i, j in zip(bounds, bounds[1:] + [n])] or [slim]


def _map_dask(tasks, dask, bar):
    from distributed import Client, as_completed

    client = dask if isinstance(dask, Client) else Client(dask)
    try:
        futures = client.map(_run_partition, client.scatter(tasks), pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        results = [None] * len(tasks)
        for future in as_completed(futures):
            results[index[future.key]] = future.result()
            bar.update(1)
        return results
    finally:
        if client is not dask:
            client.close()


def article_tables(articles: pd.DataFrame, *, n_jobs: int | None = None, dask=None,
                   chunk_size: int = 2000, progress: bool = True,
                   timings: list | None = None, stages=STAGES, inputs: dict | None = None,
                   tmp_dir=None) -> dict:
    """The tables of the per-article stages, computed per partition of `chunk_size`
    consecutive articles and joined in order.

    `n_jobs`: worker processes (None or 0: all cores; -1 likewise, -2 all but one; 1: this
    process). `dask`: a dask.distributed scheduler address or Client - the partitions then run
    on its workers (which need kzmedia installed) and `n_jobs` is ignored. The result depends
    only on the articles, not on `n_jobs`, `dask` or `chunk_size`.

    Returns {name: table} for every per-article stage (see :mod:`kzmedia.stages`; "_dtm"
    is the document x term matrix), plus the input stages' values; sentence_tone is not yet
    joined with a grouping column and "sentences" is its first columns.
    `timings`, if given, receives one dict(stage, partition, seconds, n_articles, n_chars) per
    stage and partition (worker time) and one row for the whole phase (stage "article stages").
    `inputs`: the input stages' values (codebook, gazetteer) to use instead of the package's.
    `tmp_dir`: where worker processes hand back their results (see
    :func:`kzmedia.parallel.submit_all`).
    """
    from tqdm.auto import tqdm

    start = time.perf_counter()
    p = plan(stages)
    inputs = _inputs(p) if inputs is None else inputs
    parts = _partitions(articles, chunk_size, p.columns)
    tasks = [(part, inputs, p.article) for part in parts]
    bar = tqdm(total=len(parts), desc="articles", unit="partition", disable=not progress)
    try:
        if dask is not None:
            results = _map_dask(tasks, dask, bar)
        else:
            results = parallel.map_ordered(_run_partition, tasks, n_jobs,
                                           on_done=lambda i: bar.update(1), tmp_dir=tmp_dir)
    finally:
        bar.close()
    if timings is not None:
        for i, (part, (_, seconds)) in enumerate(zip(parts, results)):
            n_chars = int(part["text"].str.len().sum())
            timings.extend(dict(stage=s, partition=i, seconds=sec, n_articles=len(part),
                                n_chars=n_chars) for s, sec in seconds)
    del parts, tasks
    tables: dict = dict(inputs)
    # each partition's tables are sorted by their keys: so are the concatenations, if the
    # partitions are in doc_id order
    ordered = articles["doc_id"].astype(str).is_monotonic_increasing
    for stage in p.article:
        if stage.name == "sentences":
            continue
        pieces = [r.pop(stage.name) for r, _ in results]
        if stage.join is not None:
            tables[stage.name] = stage.join(pieces)
            continue
        table = pd.concat(pieces, ignore_index=True)
        if not ordered and stage.keys:
            table = table.sort_values(list(stage.keys), kind="stable", ignore_index=True)
        tables[stage.name] = _one_chunk(table)
    del results
    _trim_heap()
    if "sentences" in p.named:
        tables["sentences"] = tables["sentence_tone"][["doc_id", "sent_id", "sentence"]]
    if timings is not None:
        timings.append(dict(stage="article stages", partition=None,
                            seconds=time.perf_counter() - start, n_articles=len(articles),
                            n_chars=int(articles["text"].str.len().sum())))
    return tables


def _one_chunk(table: pd.DataFrame) -> pd.DataFrame:
    """`table` with every Arrow-backed column joined into one chunk, in place, on the C heap
    (not Arrow's allocator, so that :func:`_trim_heap` gives the old chunks' memory back).
    Concatenated partitions leave a column in as many chunks as there were partitions, and
    taking a few rows of such a column makes Arrow copy all of it."""
    import pyarrow as pa

    pool = pa.system_memory_pool()
    for column in table.columns:
        if str(getattr(table[column].dtype, "storage", "")) == "pyarrow":
            array = pa.array(table[column].array)
            if isinstance(array, pa.ChunkedArray) and array.num_chunks > 1:
                table[column] = pd.Series(array.combine_chunks(pool), index=table.index,
                                          dtype=table[column].dtype)
    return table


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


def with_group(table: pd.DataFrame, articles: pd.DataFrame, by: str) -> pd.DataFrame:
    """`table` with the grouping column `by` looked up from the articles on doc_id (if absent;
    missing where no article has the doc_id): the values of
    ``table["doc_id"].map(articles.set_index("doc_id")[by])``, each distinct doc_id looked up
    once (the sentence table has many rows per article)."""
    if by in table.columns:
        return table
    codes, distinct = pd.factorize(table["doc_id"], use_na_sentinel=False)
    at = pd.Index(articles["doc_id"]).get_indexer(distinct)[codes]
    column = articles[by].reset_index(drop=True).reindex(at)  # -1 (none): missing
    column.index = table.index
    return table.assign(**{by: column})


# --------------------------------------------------------------------------- phase 2

def group_tables(articles: pd.DataFrame, parts: dict, by: str = "outlet", *,
                 sentences: bool = False, progress: bool = True, skip=(),
                 n_jobs: int | None = 1, timings: list | None = None,
                 stages=STAGES, settings: dict | None = None,
                 tmp_dir=None) -> dict[str, pd.DataFrame]:
    """All tables of the analysis grouped by `by`, from the per-article tables `parts` of
    :func:`article_tables` on the same articles (in run order; "sentences" only with
    `sentences=True`). Tables named in `skip` are left out (no other stage may need them).
    `settings`: {name: value} for the stages that read settings (e.g. {"period": "year"});
    a stage whose settings are all missing or None is left out.

    `n_jobs`: tables computed at once by that many forked processes (0 or -1: all cores;
    None: all cores above `FORK_MIN_ARTICLES` articles, else 1). With n_jobs=1, and on other
    platforms than Linux, they are computed one after the other in this process. Each table
    is the same function of the same inputs either way, so the results are identical.
    `timings`, if given, receives dict(stage, by, seconds) per stage.
    """
    return group_tables_many(articles, parts, [by], sentences=sentences, progress=progress,
                             skip=skip, n_jobs=n_jobs, timings=timings, stages=stages,
                             settings=settings, tmp_dir=tmp_dir)[by]


def group_tables_many(articles: pd.DataFrame, parts: dict, by=("outlet",), *,
                      sentences: bool = False, progress: bool = True, skip=(),
                      n_jobs: int | None = 1, timings: list | None = None,
                      stages=STAGES, settings: dict | None = None, tmp_dir=None
                      ) -> dict[str, dict[str, pd.DataFrame]]:
    """{column: :func:`group_tables` grouped by that column} for each column in `by` (a list,
    or one column name). The tables of all groupings are computed by one set of `n_jobs`
    processes, so a grouping's slow tables overlap another's. `skip`: names left out of every
    grouping, or {column: names}. Same tables as one :func:`group_tables` call per column
    (with the same `settings`)."""
    from tqdm.auto import tqdm

    p = plan(stages)
    settings = p.check(settings)
    inactive = {s.name for s in p.group if not s.active(settings)}
    bys = [by] if isinstance(by, str) else list(dict.fromkeys(by))
    for b in bys:
        if b not in articles.columns:
            raise KeyError(f"grouping column {b!r} not in the articles "
                           f"(columns: {', '.join(map(str, articles.columns))})")
    inputs = {} if all(s.name in parts for s in p.inputs) else _inputs(p)
    computed, todo, left_out = {}, {}, {}
    for b in bys:
        computed[b] = {**parts, **inputs}
        for s in p.article:
            if s.grouped and s.name in parts:
                computed[b][s.name] = with_group(parts[s.name], articles, b)
        left_out[b] = set(skip.get(b, ()) if isinstance(skip, dict) else skip) | inactive
        todo[b] = [s.name for s in p.group if s.name not in left_out[b]]
    n_tables = sum(map(len, todo.values()))
    bar = tqdm(total=n_tables, desc="groups by " + ", ".join(bys), unit="table",
               disable=not progress)
    jobs = (parallel.n_processes(n_jobs)
            if n_jobs is not None or len(articles) > FORK_MIN_ARTICLES else 1)
    try:
        if jobs > 1 and n_tables > 1 and parallel.can_fork():
            done = _forked_stages(p, todo, articles, computed, jobs, bar, settings, tmp_dir)
        else:
            done = {}
            for b, names in todo.items():
                for name in names:
                    bar.set_postfix_str(name)
                    seconds = _run_stage(p.named[name], articles, b, computed[b], p.named,
                                         settings)
                    done[b, name] = (seconds, computed[b][name])
                    bar.update(1)
        for b, names in todo.items():
            for name in names:
                seconds, computed[b][name] = done[b, name]
                if timings is not None:
                    timings.append(dict(stage=name, by=b, seconds=seconds))
    finally:
        bar.close()
    return {b: {name: computed[b][name] for name in p.tables
                if name not in left_out[b] and name in computed[b]
                and (not p.named[name].optional or sentences)}
            for b in bys}


def _forked_task(inherited, task) -> dict:
    """In a forked process: {(by, name): (seconds, table)} of the group stages of one task,
    run one after the other; the task carries the group tables they read that were computed
    after this process was forked."""
    p, articles, computed, settings = inherited
    b, names, tables = task
    computed = {**computed[b], **tables}
    return {(b, name): (_run_stage(p.named[name], articles, b, computed, p.named, settings),
                        computed[name])
            for name in names}


def _forked_stages(p: Plan, todo: dict, articles, computed: dict, jobs: int, bar,
                   settings: dict | None = None, tmp_dir=None) -> dict:
    """{(by, name): (seconds, table)} for the group stages `todo` ({by: names}), computed by
    `jobs` forked processes that inherit `computed` ({by: tables}; only the resulting tables
    are handed back). A grouping's stages of one `batch` form one task, every other stage a
    task of its own. A stage that waits for other group tables becomes a task when they are
    done; the tasks holding tables that others wait for go first, then the batches."""
    waiting = {(b, n): [(b, d) for d in p.waits[n] if d in names]
               for b, names in todo.items() for n in names if p.waits[n]}
    needed = {d for deps in waiting.values() for d in deps}
    tasks = []
    for b, names in todo.items():
        rest = [n for n in names if (b, n) not in waiting]
        batches: dict = {}
        for n in rest:
            batches.setdefault(p.named[n].batch or n, []).append(n)
        tasks += [(b, tuple(group)) for group in batches.values()]
    queue = sorted(tasks, key=lambda task: (
        not any((task[0], n) in needed for n in task[1]), len(task[1]) == 1))
    done: dict = {}

    def ready() -> list:
        """The waiting stages whose tables are all done, as tasks (removed from waiting)."""
        out = []
        for key in [k for k, deps in waiting.items() if all(d in done for d in deps)]:
            b, name = key
            out.append((b, (name,), {d: done[b, d][1] for d in p.waits[name]
                                     if (b, d) in done}))
            del waiting[key]
        return out

    def follow(i, result):
        done.update(result)
        bar.update(len(result))
        return ready()

    items = [(b, names, {}) for b, names in queue] + ready()
    parallel.submit_all(_forked_task, items, min(jobs, len(items) + len(waiting)),
                        inherited=(p, articles, computed, settings), follow=follow,
                        tmp_dir=tmp_dir)
    return done


# --------------------------------------------------------------------------- both

def analyze(articles: pd.DataFrame, by: str = "outlet", *, n_jobs: int | None = None,
            cache=None, dask=None, sentences: bool = False, progress: bool = True,
            chunk_size: int = 2000, period: str | None = None,
            events=None, codebook=None, gazetteer=None) -> dict[str, pd.DataFrame]:
    """All tidy tables for `articles` grouped by `by`, in run order.

    Returns {table name: DataFrame}; the sentence table is included only when
    `sentences=True`. The columns of each table are documented by its stage function
    (:mod:`kzmedia.stages` names it).

    `period` ("month", "quarter" or "year") and `events` (an events file or table, see
    :func:`kzmedia.trends.read_events`) add the time tables: ``trends`` and
    ``period_contrasts`` with either, ``event_shifts`` with events (see
    :mod:`kzmedia.trends`). Without them those tables are not computed.

    `n_jobs`: processes for the per-article stages and the group tables (None: all cores; 1:
    this process only; a corpus of at most `chunk_size` articles always runs its per-article
    stages in this process; see :func:`group_tables`). `dask`: a
    dask.distributed scheduler address ("tcp://host:8786") or Client to run them on instead.
    `cache`: a folder (None or "": no cache); tables found there for the same articles,
    `chunk_size`, package version and package data (and, for the time tables, the same
    period and events) are loaded instead of recomputed, and new results are stored there
    (see :mod:`kzmedia.cache`). Results are identical whatever `n_jobs`, `dask` and `cache`.

    `codebook`, `gazetteer`: a frame codebook and an actor gazetteer to use instead of the
    package's (a YAML path, a dict or a loaded object; see
    :func:`kzmedia.frames.load_codebook`, :func:`kzmedia.actors.load_gazetteer`); a file is
    part of the cache key by its bytes.
    """
    if by not in articles.columns:
        raise KeyError(f"grouping column {by!r} not in the articles "
                       f"(columns: {', '.join(map(str, articles.columns))})")
    settings = {"period": period, "events": events}
    p = plan()
    inputs = _inputs(p, codebook=codebook, gazetteer=gazetteer)
    if not cache:
        parts = article_tables(articles, n_jobs=n_jobs, dask=dask, chunk_size=chunk_size,
                               progress=progress, inputs=inputs)
        return group_tables(articles, parts, by, sentences=sentences, progress=progress,
                            n_jobs=n_jobs, settings=settings)

    from .cache import Store

    store = Store(cache, articles, chunk_size=chunk_size,
                  **{name: _input_key(value) for name, value in
                     (("codebook", codebook), ("gazetteer", gazetteer)) if value is not None})
    with store.scratch() as tmp_dir:
        return _analyze_cached(articles, by, store, p, inputs, settings, n_jobs=n_jobs,
                               dask=dask, chunk_size=chunk_size, progress=progress,
                               sentences=sentences, tmp_dir=tmp_dir)


def _input_key(value) -> str:
    """What identifies a custom codebook or gazetteer in the cache key: a file's bytes, else
    the text of the value."""
    from .cache import file_digest

    if isinstance(value, (str, Path)) and Path(value).is_file():
        return file_digest(value)
    return repr(value)


def _analyze_cached(articles, by, store, p, inputs, settings, *, n_jobs, dask, chunk_size,
                    progress, sentences, tmp_dir):
    parts = store.load_articles()
    if parts is None:
        parts = article_tables(articles, n_jobs=n_jobs, dask=dask, chunk_size=chunk_size,
                               progress=progress, inputs=inputs, tmp_dir=tmp_dir)
        store.save_articles({s.name: parts[s.name] for s in p.article})
    else:
        parts = {**inputs, **parts}
    # the tables of stages with settings are stored apart, under the settings' values
    plain = [s.name for s in p.group if not s.settings]
    timed = [s.name for s in p.group if s.settings and s.active(settings)]
    tables = store.load_groups(by)
    found = store.load_groups(by, settings) if timed else {}
    if tables is None:
        tables = group_tables(articles, parts, by, sentences=True, progress=progress,
                              n_jobs=n_jobs, settings=settings, tmp_dir=tmp_dir)
        store.save_groups(by, {name: tables[name] for name in plain if name in tables})
        if timed:
            store.save_groups(by, {name: tables[name] for name in timed}, settings)
    else:
        if found is None:
            found = group_tables(articles, {**parts, **tables}, by, progress=progress,
                                 n_jobs=n_jobs, settings=settings, skip=plain, tmp_dir=tmp_dir)
            found = {name: found[name] for name in timed}
            store.save_groups(by, found, settings)
        tables = {**tables, **found, **parts}
        for s in p.article:
            if s.grouped:
                tables[s.name] = with_group(parts[s.name], articles, by)
        tables = {name: tables[name] for name in p.tables if name in tables}
    if not sentences:
        tables.pop("sentences", None)
    return tables


def write_tables(tables: dict[str, pd.DataFrame], out, fmt: str = "csv") -> list[Path]:
    """Write each table to `out/<name>.csv` (or .parquet), each atomically (a temporary file
    moved into place: a killed run leaves no truncated table); returns the paths written."""
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"format must be 'csv' or 'parquet', not {fmt!r}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, table in tables.items():
        path = out / f"{name}.{fmt}"
        table = table.copy(deep=False)
        table.attrs = {}  # articles.attrs (rejected, audit) are tables of their own
        with atomic_path(path) as tmp:
            if fmt == "csv":
                table.to_csv(tmp, index=False)
            else:
                table.to_parquet(tmp, index=False)
        paths.append(path)
    return paths
