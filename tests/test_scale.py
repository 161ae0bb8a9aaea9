"""Scale: partitions in one process, in several processes and on Dask give identical tables;
the Parquet cache returns them without recomputing."""

import dataclasses
import json
import os

import numpy as np
import pandas as pd
import pytest

from kzmedia import cache, corpus, parallel, pipeline, stages
from kzmedia.cli import main

OUTLETS = {"Steppe Daily": "center", "Eastern Wire": "left", "Atlantic Post": "right"}
SENTENCES = [
    "Kazakhstan and China signed a welcome trade agreement in Astana.",
    "Critics warned that the deal deepens dependence on Beijing.",
    "President Tokayev met Vladimir Putin in Moscow to discuss security.",
    "The talks were described as constructive and friendly.",
    "Russia's war in Ukraine worries officials in Astana.",
    "The United States and the European Union praised the reforms.",
    "Washington called the multi-vector policy a great success.",
    "Sanctions on Russia hurt trade along the pipeline to China.",
    "Xi Jinping promised investment in railways and new roads.",
    "Protesters in Almaty were angry about corruption and fuel prices.",
    "Kazakhstan balances its partners carefully, diplomats say.",
    "Beijing and Moscow compete for influence in Central Asia.",
]


def _corpus(path, n=40):
    rng = np.random.default_rng(7)
    rows = []
    for i in range(n):
        outlet = list(OUTLETS)[i % 3]
        paras = [" ".join(rng.choice(SENTENCES, size=3, replace=False)) for _ in range(2)]
        rows.append({"id": f"d{(n - i) * 7 % 101:03d}", "outlet": outlet, "bias": OUTLETS[outlet],
                     "date": f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}", "title": f"Story {i}",
                     "text": "\n\n".join(paras) + f" Article {i} ends here."})
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def articles(tmp_path_factory):
    return corpus.load(_corpus(tmp_path_factory.mktemp("scale") / "articles.csv"))


@pytest.fixture(scope="module")
def reference(articles):
    """Three partitions, computed in this process."""
    return pipeline.analyze(articles, by="outlet", n_jobs=1, chunk_size=15, sentences=True,
                            progress=False)


@pytest.fixture(scope="module")
def by_bias(articles):
    return pipeline.analyze(articles, by="bias", n_jobs=1, chunk_size=15, progress=False)


def assert_same(a: dict, b: dict):
    assert list(a) == list(b)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


def test_tables_are_not_empty(articles, reference):
    assert len(articles) == 40
    assert {"term_counts", "frame_hits", "actor_mentions", "sentence_tone", "profile",
            "contrasts"} <= set(reference)
    for name in ("frame_hits", "actor_mentions", "sentence_tone", "vector_tone", "keyness_g2"):
        assert len(reference[name]) > 0, name
    assert set(reference["actor_mentions"]["vector"]) >= {"russia", "china"}
    assert reference["sentence_tone"]["compound"].notna().all()
    assert len(reference["sentences"]) == len(reference["sentence_tone"])


def test_partitions_equal_one_pass(articles, reference):
    """The tables of the unpartitioned stage functions, from the same stage records."""
    computed = {}
    for s in pipeline.plan().stages:
        if s.active({}):  # the time stages need a period or events
            computed[s.name] = s.fn(articles, "outlet", {n: computed[n] for n in s.needs})
    one_pass = {k: v for k, v in computed.items() if not k.startswith("_")}
    assert_same(one_pass, reference)


def _broken(articles, by, tables):
    raise ValueError("no such thing here")


def _with_broken(name):
    return tuple(dataclasses.replace(s, fn=_broken) if s.name == name else s
                 for s in stages.STAGES)


def _pid(articles, by, tables):
    return pd.DataFrame({"pid": [os.getpid()], "n_contrasts": [len(tables["contrasts"])]})


def test_a_new_stage_is_one_record_and_one_function(articles, reference):
    extra = stages.STAGES + (stages.Stage("pid", _pid, needs=("contrasts",)),)
    parts = pipeline.article_tables(articles, n_jobs=1, chunk_size=15, progress=False,
                                    stages=extra)
    tables = pipeline.group_tables(articles, parts, "outlet", sentences=True, n_jobs=1,
                                   progress=False, stages=extra)
    assert list(tables)[-1] == "pid"
    assert tables["pid"]["n_contrasts"].tolist() == [len(reference["contrasts"])]
    assert_same({k: v for k, v in tables.items() if k != "pid"}, reference)


def test_stage_order_follows_needs():
    first, second = stages.Stage("b", _pid, ("a",)), stages.Stage("a", _pid)
    assert [s.name for s in stages.order((first, second))] == ["a", "b"]
    with pytest.raises(ValueError, match="'b' needs \\['nope'\\]"):
        stages.order((stages.Stage("b", _pid, ("nope",)),))
    with pytest.raises(ValueError, match="cycle"):
        stages.order((stages.Stage("a", _pid, ("b",)), stages.Stage("b", _pid, ("a",))))
    with pytest.raises(ValueError, match="kind"):
        stages.Stage("a", _pid, kind="sometimes")
    p = pipeline.plan()
    # frame_hits reads the dyads, which read the actor mentions
    assert [s.name for s in p.article] == ["sentences", "_dtm", "actor_mentions", "dyads",
                                           "frame_hits", "frame_scores_article",
                                           "sentence_tone"]
    assert set(p.waits["profile"]) >= {"keyness_log_odds", "attention", "group_tone"}
    assert p.waits["term_counts"] == ()


def test_article_tables_columns_in_one_piece(articles):
    # concatenated partitions are joined, so that taking rows does not copy every chunk
    import pyarrow as pa

    parts = pipeline.article_tables(articles, n_jobs=1, chunk_size=7, progress=False)
    for name in ("sentence_tone", "frame_hits", "actor_mentions", "frame_scores_article"):
        for column in ("doc_id", "outlet"):
            array = pa.array(parts[name][column].array)
            assert not isinstance(array, pa.ChunkedArray) or array.num_chunks <= 1, (name, column)


def test_two_processes_identical(articles, reference, tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the workers' result files
    tables = pipeline.analyze(articles, by="outlet", n_jobs=2, chunk_size=15, sentences=True,
                              progress=False)
    assert_same(tables, reference)
    assert list(tmp_path.iterdir()) == []

    # an error in a worker names the table and leaves no files behind (the workers see the
    # broken stage if they are forked)
    import multiprocessing

    if multiprocessing.get_start_method() != "fork":
        return

    with pytest.raises(ValueError, match="no such thing here") as err:
        pipeline.article_tables(articles, n_jobs=2, chunk_size=15, progress=False,
                                stages=_with_broken("actor_mentions"))
    assert "'actor_mentions'" in " ".join(getattr(err.value, "__notes__", []))
    assert list(tmp_path.iterdir()) == []


def test_smaller_partitions_at_the_end_identical(articles, reference):
    """Past TAIL_PARTITIONS x chunk_size articles the last ones go in half-size partitions;
    the tables do not depend on the partitions."""
    def sizes(chunk_size):
        timings: list = []
        pipeline.article_tables(articles, n_jobs=1, chunk_size=chunk_size, progress=False,
                                timings=timings)
        return [t["n_articles"] for t in timings if t["stage"] == "_dtm"]

    assert sizes(4) == [4] * 6 + [2] * 8
    assert sizes(15) == [15, 15, 10]
    tables = pipeline.analyze(articles, by="outlet", n_jobs=2, chunk_size=4, sentences=True,
                              progress=False)
    assert_same(tables, reference)


def test_unsorted_articles_give_sorted_tables(articles, reference):
    shuffled = articles.sample(frac=1, random_state=1).reset_index(drop=True)
    shuffled.attrs = articles.attrs
    tables = pipeline.analyze(shuffled, by="outlet", n_jobs=2, chunk_size=15, sentences=True,
                              progress=False)
    for name in ("sentences", "frame_hits", "frame_scores_article", "actor_mentions",
                 "sentence_tone", "term_counts", "group_tone", "profile"):
        pd.testing.assert_frame_equal(tables[name], reference[name], obj=name)


def test_dask_local_cluster_identical(articles, reference, by_bias):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        tables = pipeline.analyze(articles, by="outlet", dask=client, chunk_size=15,
                                  sentences=True, progress=False)
        assert_same(tables, reference)
        by_address = pipeline.analyze(articles, by="bias", dask=cluster.scheduler_address,
                                      chunk_size=15, progress=False)
    assert_same(by_address, by_bias)


def test_second_grouping_reuses_article_tables(articles, reference, by_bias):
    parts = pipeline.article_tables(articles, n_jobs=2, chunk_size=15, progress=False)
    assert_same(pipeline.group_tables(articles, parts, "outlet", sentences=True, progress=False),
                reference)
    assert_same(pipeline.group_tables(articles, parts, "bias", progress=False), by_bias)


@pytest.mark.skipif(not parallel.can_fork(), reason="no fork on this platform")
def test_group_tables_in_forked_processes_identical(articles, reference, by_bias, monkeypatch,
                                                     tmp_path):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the processes' result files
    parts = pipeline.article_tables(articles, n_jobs=1, chunk_size=15, progress=False)
    # a stage that reads a late table (contrasts waits for other group tables) and says
    # which process computed it
    extra = stages.STAGES + (stages.Stage("pid", _pid, needs=("contrasts",)),)
    timings: list = []
    tables = pipeline.group_tables(articles, parts, "outlet", sentences=True, n_jobs=2,
                                   progress=False, timings=timings, stages=extra)
    assert tables.pop("pid")["pid"].tolist() != [os.getpid()]
    assert_same(tables, reference)
    assert_same(pipeline.group_tables(articles, parts, "bias", n_jobs=2, progress=False),
                by_bias)
    assert {t["stage"] for t in timings} >= {"keyness_g2", "contrasts", "pid"}

    # an error in a forked stage names the table
    with pytest.raises(ValueError, match="no such thing here") as err:
        pipeline.group_tables(articles, parts, "outlet", n_jobs=2, progress=False,
                              stages=_with_broken("balance"))
    assert "'balance'" in " ".join(getattr(err.value, "__notes__", []))
    assert list(tmp_path.iterdir()) == []
    # without more than FORK_MIN_ARTICLES articles, n_jobs=None stays in this process
    tables = pipeline.group_tables(articles, parts, "outlet", n_jobs=None, progress=False,
                                   stages=extra)
    assert tables["pid"]["pid"].tolist() == [os.getpid()]


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_several_groupings_at_once_identical(articles, reference, by_bias, n_jobs):
    """group_tables_many: the tables of each grouping are those of group_tables; skip may
    differ per grouping."""
    parts = pipeline.article_tables(articles, n_jobs=1, chunk_size=15, progress=False)
    both = pipeline.group_tables_many(articles, parts, ["outlet", "bias"], sentences=True,
                                      skip={"bias": ["similarity"]}, n_jobs=n_jobs,
                                      progress=False)
    assert list(both) == ["outlet", "bias"]
    assert_same(both["outlet"], reference)
    assert "similarity" not in both["bias"] and "sentences" in both["bias"]
    assert_same({k: v for k, v in both["bias"].items() if k != "sentences"},
                {k: v for k, v in by_bias.items() if k != "similarity"})
    with pytest.raises(KeyError, match="'nope'"):
        pipeline.group_tables_many(articles, parts, ["outlet", "nope"], progress=False)
    assert list(pipeline.group_tables_many(articles, parts, "bias", progress=False)) == ["bias"]


def test_cache_hit_identical_and_not_recomputed(articles, reference, by_bias, tmp_path,
                                                monkeypatch):
    first = pipeline.analyze(articles, by="outlet", n_jobs=1, chunk_size=15, cache=tmp_path,
                             sentences=True, progress=False)
    assert_same(first, reference)
    (entry,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert (entry / "meta.json").exists() and (entry / "by=outlet" / "meta.json").exists()
    assert (entry / "sentence_tone.parquet").exists() and (entry / "dtm.npz").exists()

    def boom(*args, **kwargs):
        raise AssertionError("recomputed despite the cache")

    monkeypatch.setattr(pipeline, "article_tables", boom)
    monkeypatch.setattr(pipeline, "group_tables", boom)
    again = pipeline.analyze(articles, by="outlet", cache=str(tmp_path), sentences=True,
                             chunk_size=15, progress=False)
    assert_same(again, reference)
    lists = again["group_tone"]["article_values"]
    assert all(isinstance(v, list) for v in lists)
    monkeypatch.undo()

    # another grouping reuses the per-article tables; a changed article is a new key
    monkeypatch.setattr(pipeline, "article_tables", boom)
    by_bias_cached = pipeline.analyze(articles, by="bias", cache=tmp_path, chunk_size=15,
                                      progress=False)
    monkeypatch.undo()
    assert_same(by_bias, by_bias_cached)
    changed = articles.copy()
    changed.loc[0, "text"] += " Kazakhstan is happy."
    assert cache.corpus_key(changed, chunk_size=15) != cache.corpus_key(articles, chunk_size=15)
    assert cache.corpus_key(articles, chunk_size=15) == entry.name
    # edited package code is a new key too (tables an older kzmedia computed are not reused)
    assert "sentiment.py" in [p.name for p in cache.code_files()]
    edited = tmp_path / "sentiment.py"
    edited.write_text("# edited\n")
    monkeypatch.setattr(cache, "code_files", lambda: [edited])
    assert cache.corpus_key(articles, chunk_size=15) != entry.name


def test_empty_cache_string_means_no_cache(articles, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pipeline.analyze(articles.iloc[:5], by="outlet", cache="", progress=False)
    assert not list(tmp_path.iterdir())


def test_list_columns_round_trip(tmp_path):
    table = pd.DataFrame({"g": ["a", "b", "c"], "n": [1, 2, 3],
                          "article_values": [[0.5, -0.25], [], [float("nan")]],
                          "x": [1.5, np.nan, 2.0], "flag": [True, False, True]})
    meta = cache.write_table(table, tmp_path / "t.parquet")
    back = cache.read_table(tmp_path / "t.parquet", json.loads(json.dumps(meta)))
    pd.testing.assert_frame_equal(back.drop(columns="article_values"),
                                  table.drop(columns="article_values"))
    assert back["article_values"].tolist()[:2] == [[0.5, -0.25], []]
    assert np.isnan(back["article_values"][2][0])


def test_cli_analyze_jobs_and_cache(tmp_path):
    csv = _corpus(tmp_path / "articles.csv", n=12)
    out, store = tmp_path / "tables", tmp_path / "cache"
    assert main(["analyze", str(csv), "--out", str(out), "--jobs", "2", "--cache", str(store)]) == 0
    first = pd.read_csv(out / "group_tone.csv")
    assert main(["analyze", str(csv), "--out", str(out), "--jobs", "1", "--cache", str(store)]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(out / "group_tone.csv"), first)
    assert len([p for p in store.iterdir() if p.is_dir()]) == 1


def test_report_passes_an_absolute_cache_folder(tmp_path):
    import nbformat

    from kzmedia import report

    nbdir, data = tmp_path / "nb", tmp_path / "corpus"
    nbdir.mkdir()
    data.mkdir()
    (data / "a.txt").write_text("Astana hosts talks.\n", encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell('CORPUS = "../seeds"\nBY = "outlet"\nCACHE = ""',
                                          metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("print(repr(CACHE))")]
    nbformat.write(nb, nbdir / "01-cache.ipynb")
    for cache_arg, expected in ((None, tmp_path / "out" / ".cache"), ("", "")):
        results = report.build(data, out=tmp_path / "out", notebooks=nbdir, cache=cache_arg,
                               progress=False)
        assert results[0].status == "ok"
        printed = nbformat.read(results[0].executed, as_version=4).cells[-1].outputs[0]["text"]
        assert printed.strip() == repr(str(expected))


def _table_of(n):
    return pd.DataFrame({"a": [n] * n, "s": ["x" * n] * n})


def test_results_in_order_and_through_the_pipe_when_the_disk_is_full(tmp_path, monkeypatch):
    import pickle
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the workers' result files
    done: list = []
    expected = [_table_of(n) for n in (3, 1, 2, 5, 4)]
    out = parallel.map_ordered(_table_of, [3, 1, 2, 5, 4], 2, on_done=done.append)
    for a, b in zip(out, expected):
        pd.testing.assert_frame_equal(a, b)
    assert sorted(done) == [0, 1, 2, 3, 4] and list(tmp_path.iterdir()) == []

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pickle, "dump", full)  # a worker cannot write its result file
    out = parallel.map_ordered(_table_of, [3, 1, 2], 2)
    for a, b in zip(out, expected):
        pd.testing.assert_frame_equal(a, b)
    assert list(tmp_path.iterdir()) == []
    assert parallel.map_ordered(str, ["a", "b"], 2) == ["a", "b"]  # strings are results too


@pytest.mark.parametrize("values", [
    pd.array(["left", None], dtype="str"), np.array([1, 2]), pd.Categorical(["left", "right"]),
    np.array(["left", None], dtype=object)])
def test_grouping_column_looked_up_by_doc_id(values):
    # sentences of b, of an unknown article x, of a, of b again; the articles in other order
    table = pd.DataFrame({"doc_id": pd.array(["b", "x", "a", "b"], dtype="str"),
                          "sent_id": [0, 0, 0, 1]}, index=[5, 6, 7, 8])
    arts = pd.DataFrame({"doc_id": pd.array(["a", "b"], dtype="str"), "g": values},
                        index=[10, 3])
    out = pipeline.with_group(table, arts, "g")
    expected = table["doc_id"].map(arts.set_index("doc_id")["g"])
    pd.testing.assert_series_equal(out["g"], expected, check_names=False)
    assert out["g"].isna().tolist() == [pd.isna(values[1]), True, False, pd.isna(values[1])]
    assert out["g"][7] == values[0]
    assert pipeline.with_group(out, arts, "g") is out  # already there: unchanged
