"""The report under faults and hostile input: argument checks up front, a killed build, a
damaged cache, temporary files, atomic tables, self-contained pages, escaping."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import kzmedia
from kzmedia import cache, pages, parallel, pipeline, report
from kzmedia import corpus as corpus_mod
from kzmedia.cli import main
from pagecheck import check_report, problems

ROOT = Path(kzmedia.__file__).resolve().parents[1]


def _notebook(*cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = list(cells)
    return nb


PARAMETERS = nbformat.v4.new_code_cell(
    'CORPUS = ""\nBY = "outlet"\nTABLES_DIR = ""\nCACHE = ""\nWHERE = ""\nDEDUPE = False\n'
    'CODEBOOK = ""\nGAZETTEER = ""', metadata={"tags": ["parameters"]})


def _code(source):
    return nbformat.v4.new_code_cell(source)


TEXTS = {
    "a": ("Left Daily", "left", "Kazakhstan and China signed a trade agreement in Astana. "
          "Officials praised the friendly talks."),
    "b": ("Right Post", "right", "Russia and Kazakhstan discussed security in Moscow. "
          "Critics warned of rising tensions."),
    "c": ("Money $5 and $10", "left", "The European Union welcomed reforms in Kazakhstan. "
          "The mediation in Syria was a success."),
}


def _corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = ["file,outlet,bias,published"]
    for i, (name, (outlet, bias, text)) in enumerate(TEXTS.items()):
        (folder / f"{name}.txt").write_text(text + "\n", encoding="utf-8")
        rows.append(f'{name}.txt,"{outlet}",{bias},2022-0{i + 1}-15')
    (folder / "manifest.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


@pytest.fixture()
def corpus(tmp_path):
    return _corpus(tmp_path / "corpus")


# --------------------------------------------------------------------------- arguments

@pytest.mark.parametrize("extra, message", [
    (["--by", "leaning"], ["'leaning'", "bias", "outlet"]),
    (["--dedupe", "0"], ["--dedupe", "(0, 1]"]),
    (["--dedupe", "1.5"], ["--dedupe", "(0, 1]"]),
    (["--where", "nope == 1"], ["--where", "nope", "columns:", "bias"]),
    (["--where", "bias == "], ["--where", "not a valid query"]),
    (["--where", "bias == 'centre'"], ["selects none of the 3 articles"]),
    (["--codebook", "missing.yaml"], ["--codebook", "missing.yaml"]),
    (["--gazetteer", "missing.yaml"], ["--gazetteer", "missing.yaml"]),
])
@pytest.mark.parametrize("command", ["report", "analyze"])
def test_bad_arguments_exit_2_before_any_work(command, extra, message, corpus, tmp_path,
                                              capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    assert main([command, str(corpus), "--out", str(out), *extra]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("kzmedia: error:"), err
    for text in message:
        assert text in err, err
    assert not out.exists() or not any(out.glob("*.html"))


def test_a_codebook_that_does_not_load_names_its_file(corpus, tmp_path, capsys):
    bad = tmp_path / "frames.yaml"
    bad.write_text("frames:\n  mine:\n    label: Mine\n    patterns: []\n", encoding="utf-8")
    assert main(["report", str(corpus), "--out", str(tmp_path / "out"), "--codebook", str(bad)]) == 2
    assert "frames.yaml" in capsys.readouterr().err


def test_dedupe_and_where_checks():
    assert report.check_dedupe(None) is None and report.check_dedupe(False) is None
    assert report.check_dedupe(True) == report.DEDUPE_DEFAULT
    assert report.check_dedupe(1) == 1.0
    for bad in (0, -0.1, 1.01, "x"):
        with pytest.raises(ValueError, match="--dedupe"):
            report.check_dedupe(bad)


def test_options_reach_the_notebooks_and_the_articles(corpus, tmp_path):
    nbdir = tmp_path / "nb"
    nbdir.mkdir()
    codebook = ROOT / "kzmedia" / "data" / "frames.yaml"
    nbformat.write(_notebook(PARAMETERS, _code(
        "from kzmedia import report\n"
        "articles = report.load_articles(CORPUS, where=WHERE, dedupe=DEDUPE, cache=CACHE)\n"
        "print(repr(WHERE), DEDUPE, CODEBOOK.endswith('frames.yaml'), repr(GAZETTEER))\n"
        "print(sorted(articles['doc_id']))")), nbdir / "01-options.ipynb")
    out = tmp_path / "out"
    results = report.build(corpus, by="bias", out=out, notebooks=nbdir, progress=False,
                           where="bias == 'left'", dedupe=0.9, codebook=codebook)
    assert [r.status for r in results] == ["ok"], results[0].error
    nb = nbformat.read(out / "notebooks" / "01-options.ipynb", as_version=4)
    injected = next(c.source for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert f'TABLES_DIR = "{out.resolve() / "tables"}"' in injected and ".building-" not in injected
    printed = nb.cells[-1].outputs[0]["text"]
    assert printed.splitlines() == ["\"bias == 'left'\" 0.9 True ''", "['a', 'c']"]
    index = (out / "index.html").read_text()
    assert "articles where bias == &#x27;left&#x27;" in index and "Jaccard ≥ 0.9" in index
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"]["WHERE"] == "bias == 'left'"
    assert manifest["parameters"]["TABLES_DIR"] == str(out.resolve() / "tables")
    assert manifest["precomputed"] is True
    # the notebook read the articles the report had stored, and so would analyze's cache
    assert len(list((out / ".cache" / "corpus").iterdir())) == 1


def test_load_articles_from_the_cache_equals_a_fresh_load(corpus, tmp_path):
    fresh = report.load_articles(corpus, where="bias == 'left'")
    first = report.load_articles(corpus, where="bias == 'left'", cache=tmp_path / "c")
    again = report.load_articles(corpus, where="bias == 'left'", cache=tmp_path / "c")
    pd.testing.assert_frame_equal(fresh, again)
    pd.testing.assert_frame_equal(first, again)
    for name in ("rejected", "audit"):
        pd.testing.assert_frame_equal(pd.DataFrame(fresh.attrs[name]),
                                      pd.DataFrame(again.attrs[name]))
    # so a notebook that loads the corpus itself finds the tables the report computed
    assert cache.corpus_key(fresh, chunk_size=2000) == cache.corpus_key(again, chunk_size=2000)
    plain = report.load_articles(corpus, cache=tmp_path / "c")
    assert cache.corpus_key(corpus_mod.load(corpus, progress=False), chunk_size=2000) == \
        cache.corpus_key(plain, chunk_size=2000)


def test_analyze_cli_applies_where_and_a_custom_gazetteer(corpus, tmp_path):
    out = tmp_path / "t"
    gazetteer = ROOT / "kzmedia" / "data" / "actors.yaml"
    assert main(["analyze", str(corpus), "--by", "bias", "--out", str(out), "--quiet",
                 "--where", "bias == 'right'", "--gazetteer", str(gazetteer), "--jobs", "1"]) == 0
    assert pd.read_csv(out / "articles.csv")["doc_id"].tolist() == ["b"]


def test_a_custom_codebook_shapes_the_tables_and_their_cache_key(corpus, tmp_path):
    mine = tmp_path / "frames.yaml"
    mine.write_text("name: mine\nframes:\n  mediation_only:\n    label: Mediation only\n"
                    "    patterns: [mediation]\n", encoding="utf-8")
    articles = report.load_articles(corpus)
    default = pipeline.analyze(articles, cache=tmp_path / "c", progress=False, n_jobs=1)
    custom = pipeline.analyze(articles, cache=tmp_path / "c", progress=False, n_jobs=1,
                              codebook=mine)
    assert set(custom["frame_hits"]["frame"]) == {"mediation_only"}
    assert custom["frame_hits"]["doc_id"].tolist() == ["c"]
    assert set(default["frame_hits"]["frame"]) != {"mediation_only"}
    assert len([p for p in (tmp_path / "c").iterdir() if p.name != "tmp"]) == 2  # two keys
    mine.write_text(mine.read_text().replace("[mediation]", "[reforms]"), encoding="utf-8")
    edited = pipeline.analyze(articles, cache=tmp_path / "c", progress=False, n_jobs=1,
                              codebook=mine)
    assert set(edited["frame_hits"]["match"].str.lower()) == {"reforms"}


# --------------------------------------------------------------------------- atomic report

def _two_notebooks(nbdir: Path, slow_flag: Path):
    nbdir.mkdir(parents=True, exist_ok=True)
    nbformat.write(_notebook(nbformat.v4.new_markdown_cell("# First"), PARAMETERS, _code(
        "import pandas as pd\nif TABLES_DIR:\n"
        "    pd.DataFrame({'corpus': [CORPUS]}).to_csv(f'{TABLES_DIR}/which.csv', index=False)")),
        nbdir / "01-first.ipynb")
    nbformat.write(_notebook(PARAMETERS, _code(
        f"import os, time\nwhile os.path.exists({str(slow_flag)!r}):\n    time.sleep(0.2)")),
        nbdir / "02-second.ipynb")


def _run_id(out: Path) -> str:
    return json.loads((out / "manifest.json").read_text())["run_id"]


def test_a_report_killed_mid_run_leaves_the_previous_one_intact(tmp_path):
    first, second = _corpus(tmp_path / "first"), _corpus(tmp_path / "second")
    (second / "a.txt").write_text("A different corpus about Astana and Beijing.\n")
    nbdir, flag, out = tmp_path / "nb", tmp_path / "slow", tmp_path / "reports"
    _two_notebooks(nbdir, flag)
    (out / "analysis").mkdir(parents=True)
    (out / "analysis" / "mine.csv").write_text("x\n1\n")
    assert all(r.status == "ok" for r in report.build(first, out=out, notebooks=nbdir,
                                                      progress=False))
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*")
              if p.is_file() and ".cache" not in p.parts}
    old_run = _run_id(out)

    flag.write_text("block")
    code = (f"from kzmedia import report\nreport.build({str(second)!r}, out={str(out)!r}, "
            f"notebooks={str(nbdir)!r}, progress=False)")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:  # until the first page of the new run is written
            if list(tmp_path.glob(".reports.building-*/01-first.html")):
                break
            time.sleep(0.2)
        else:
            pytest.fail("the second build never wrote its first page")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the build and its kernel, as a kill -9 would
        proc.wait()
    flag.unlink()
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*")
             if p.is_file() and ".cache" not in p.parts}
    assert after == before  # the old report, page for page; nothing of the killed run
    assert _run_id(out) == old_run
    assert list(tmp_path.glob(".reports.building-*"))  # left by the killed run ...

    results = report.build(second, out=out, notebooks=nbdir, progress=False)
    assert all(r.status == "ok" for r in results)
    assert not list(tmp_path.glob(".reports.*"))  # ... and removed by the next one
    # as are the killed kernel's socket folder and any worker folder of the killed run
    assert not list(Path(tempfile.gettempdir()).glob(f"kzmedia-*{proc.pid}-*"))
    assert not (out / ".cache" / "tmp").exists()
    assert _run_id(out) != old_run
    assert pd.read_csv(out / "tables" / "which.csv")["corpus"][0] == str(second.resolve())
    assert (out / "analysis" / "mine.csv").read_text() == "x\n1\n"  # not the report's: kept
    index = (out / "index.html").read_text()
    assert _run_id(out) in index and old_run not in index


def test_pages_of_another_run_are_never_listed_or_kept(corpus, tmp_path):
    nbdir, out = tmp_path / "nb", tmp_path / "out"
    _two_notebooks(nbdir, tmp_path / "never")
    report.build(corpus, out=out, notebooks=nbdir, progress=False)
    (nbdir / "02-second.ipynb").unlink()
    report.build(corpus, out=out, notebooks=nbdir, progress=False)
    assert sorted(p.name for p in out.glob("*.html") if not p.name.startswith("explorer")) \
        == ["01-first.html", "index.html"]
    assert "02-second" not in (out / "index.html").read_text()
    page = (out / "01-first.html").read_text()
    assert f'content="{_run_id(out)}"' in page


def test_an_interrupted_swap_is_undone_by_the_next_run(corpus, tmp_path):
    nbdir, out = tmp_path / "nb", tmp_path / "out"
    _two_notebooks(nbdir, tmp_path / "never")
    report.build(corpus, out=out, notebooks=nbdir, progress=False)
    old_run = _run_id(out)
    os.replace(out, tmp_path / ".out.old-x")  # killed between moving the old one and the new one
    report.build(corpus, out=out, notebooks=nbdir, progress=False, cache="")
    assert _run_id(out) != old_run and not (tmp_path / ".out.old-x").exists()


def test_a_folder_that_is_not_a_report_is_never_overwritten(corpus, tmp_path):
    project = tmp_path / "project"
    (project / "notebooks").mkdir(parents=True)
    (project / "notebooks" / "mine.ipynb").write_text("{}")
    (project / "notes.txt").write_text("keep")
    _two_notebooks(tmp_path / "nb", tmp_path / "never")
    with pytest.raises(ValueError, match="not a kzmedia report.*notebooks"):
        report.build(corpus, out=project, notebooks=tmp_path / "nb", progress=False)
    assert sorted(p.name for p in project.iterdir()) == ["notebooks", "notes.txt"]
    assert [p.name for p in tmp_path.glob(".project*")] == []


# --------------------------------------------------------------------------- cache, files

def _articles(n=6):
    rows = [{"doc_id": f"d{i}", "outlet": f"O{i % 2}", "title": "", "byline": "", "url": "",
             "date": "2022-01-01", "date_precision": "day", "source": "x",
             "text": TEXTS["abc"[i % 3]][2], "n_words": 12, "lang": "en"} for i in range(n)]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("damage", ["truncate_dtm", "truncate_parquet", "garble_meta"])
def test_a_damaged_cache_entry_is_dropped_and_recomputed(damage, tmp_path):
    articles = report.load_articles(_corpus(tmp_path / "corpus"))
    store = tmp_path / "cache"
    first = pipeline.analyze(articles, by="outlet", cache=store, progress=False, n_jobs=1)
    [entry] = [p for p in store.iterdir() if p.name != "tmp"]
    if damage == "truncate_dtm":
        target = entry / "dtm.npz"
    elif damage == "truncate_parquet":
        target = entry / "by=outlet" / "keyness_log_odds.parquet"
    else:
        target = entry / "meta.json"
    data = target.read_bytes()
    target.write_bytes(data[: len(data) // 2])
    with pytest.warns(RuntimeWarning, match="damaged entry"):
        again = pipeline.analyze(articles, by="outlet", cache=store, progress=False, n_jobs=1)
    assert first.keys() == again.keys()
    for name in first:
        pd.testing.assert_frame_equal(first[name], again[name], obj=name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # repaired: the third run reads it without a warning
        pipeline.analyze(articles, by="outlet", cache=store, progress=False, n_jobs=1)


def test_a_damaged_stored_corpus_is_reloaded(corpus, tmp_path):
    report.load_articles(corpus, cache=tmp_path / "c")
    [stored] = (tmp_path / "c" / "corpus").iterdir()
    (stored / "articles.parquet").write_bytes(b"PAR1 truncated")
    with pytest.warns(RuntimeWarning, match="damaged entry"):
        again = report.load_articles(corpus, cache=tmp_path / "c")
    assert sorted(again["doc_id"]) == ["a", "b", "c"]


def test_the_cache_key_includes_library_versions(monkeypatch):
    articles = _articles()
    key = cache.corpus_key(articles, chunk_size=2000)
    versions = cache.library_versions()
    assert set(versions) == set(cache.LIBRARIES) >= {"pandas", "numpy", "scipy", "scikit-learn",
                                                      "nltk", "vaderSentiment", "py3langid",
                                                      "pyarrow"}
    monkeypatch.setattr(cache, "library_versions", lambda: dict(versions, numpy="0.0"))
    assert cache.corpus_key(articles, chunk_size=2000) != key


def test_worker_results_go_to_the_callers_folder_and_leave_nothing(tmp_path, monkeypatch):
    system_tmp = tmp_path / "system"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    mine = tmp_path / "mine"
    mine.mkdir()
    seen = parallel.map_ordered(_listing, [str(mine)] * 3, n_jobs=2, tmp_dir=mine)
    assert all(len(s) == 1 and s[0].startswith("kzmedia-") for s in seen)  # the run's folder
    assert list(mine.iterdir()) == [] and list(system_tmp.iterdir()) == []
    # the pipeline with a cache hands results back through the cache's folder
    articles = pd.concat([_articles(6)] * 3, ignore_index=True)
    articles["doc_id"] = [f"d{i:02d}" for i in range(len(articles))]
    pipeline.analyze(articles, by="outlet", cache=tmp_path / "c", progress=False, n_jobs=2,
                     chunk_size=4)
    assert list(system_tmp.iterdir()) == []
    assert not (tmp_path / "c" / "tmp").exists()  # the scratch folder went, and its parent


def _listing(folder):
    return sorted(os.listdir(folder))


def test_scratch_folders_of_dead_processes_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    left = tmp_path / "tmp" / f"{dead}-abc"
    left.mkdir(parents=True)
    (left / "x.pickle").write_bytes(b"0")
    store = cache.Store(tmp_path, _articles())
    with store.scratch() as folder:
        assert Path(folder).parent == tmp_path / "tmp"
        assert not left.exists()
    assert not (tmp_path / "tmp").exists()


def test_write_csv_atomic_keeps_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "t.csv"
    cache.write_csv_atomic(pd.DataFrame({"a": [1]}), path)
    assert path.read_text() == "a\n1\n"
    with pytest.raises(TypeError):
        cache.write_csv_atomic(pd.DataFrame({"a": [2]}), path, no_such_option=True)
    assert path.read_text() == "a\n1\n" and [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_analyze_writes_its_tables_atomically(tmp_path, monkeypatch):
    calls = []
    real = cache.atomic_path

    def spy(path):
        calls.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(pipeline, "atomic_path", spy)
    paths = pipeline.write_tables({"one": pd.DataFrame({"a": [1]})}, tmp_path)
    assert calls == ["one.csv"] and paths[0].read_text() == "a\n1\n"


# --------------------------------------------------------------------------- pages

HOSTILE = "<img src=x onerror=alert(1)>"


def test_pages_are_self_contained_described_linked_and_escaped(tmp_path):
    corpus = _corpus(tmp_path / "corpus")
    nbdir, out = tmp_path / "nb", tmp_path / "out"
    nbdir.mkdir()
    nbformat.write(_notebook(nbformat.v4.new_markdown_cell("# Figures\nSome $x$ math."),
                             PARAMETERS, _code(
        "import matplotlib.pyplot as plt\nfrom IPython.display import Markdown, display\n"
        "from kzmedia import report\n"
        "fig, ax = plt.subplots()\nax.bar(['Money $5 and $10', 'B'], [1, 2])\n"
        "ax.set_title('Articles per outlet')\nax.set_ylabel('articles');"),
        _code("fig, axes = plt.subplots(1, 2)\nfig.suptitle('Two panels')\n"
              "axes[0].set_title('Tone'); axes[1].set_xlabel('share');"),
        _code(f"display(Markdown('Grouped by ' + report.escape_md({HOSTILE!r}) + ', '"
              " + report.escape_md('Money $5 and $10')))"),
        _code("import matplotlib\nprint(matplotlib.rcParams['text.parse_math'])"),
    ), nbdir / "01-figures.ipynb")
    nbformat.write(_notebook(PARAMETERS, _code("raise ValueError('boom')")), nbdir / "02-fails.ipynb")
    report.build(corpus, out=out, notebooks=nbdir, progress=False)
    assert check_report(out) == {}  # the term explorer pages too
    explorers = sorted(p.name for p in out.glob("explorer*.html"))
    assert explorers and all(f'href="{p}"' in (out / "index.html").read_text() for p in explorers)
    page = (out / "01-figures.html").read_text()
    assert 'alt="Articles per outlet (y: articles)"' in page
    assert 'alt="Two panels. Panels: Tone; x: share"' in page
    assert HOSTILE not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "Money $5 and $10" in page  # shown literally, not as math
    assert "injected-parameters" not in page and str(corpus) not in page
    assert 'class="kz-nav"' in page and 'id="kz-toggle-code"' in page
    assert 'classList.add("kz-hide-code")' in page and "if (!false)" in page
    executed = nbformat.read(out / "notebooks" / "01-figures.ipynb", as_version=4)
    assert executed.cells[-1].outputs[0]["text"].strip() == "False"  # math text off
    assert "papermill-error-cell" in (out / "02-fails.html").read_text()
    report.build(corpus, out=out, notebooks=nbdir, progress=False, show_code=True)
    assert "if (!true)" in (out / "01-figures.html").read_text()


def test_pagecheck_finds_what_it_looks_for():
    bad = ('<html><head><script src="https://cdn.example/require.js"></script>'
           '<link rel="stylesheet" href="//fonts.example/x.css"></head><body>'
           '<img src="data:image/png;base64,AA" alt="No description has been provided">'
           '<img src="data:image/png;base64,AA"></body></html>')
    found = problems(bad)
    assert len(found) == 5  # two external, two without description, no back link
    good = '<a href="index.html">i</a><img src="data:image/png;base64,AA" alt="Tone per outlet">'
    assert problems(good) == []


def test_describe_figure_and_the_alt_attribute():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    assert pages.describe_figure(fig) == "Figure with 1 panel and no titles or axis labels"
    ax.set_title("Tone")
    ax.set_xlabel("compound")
    assert pages.describe_figure(fig) == "Tone (x: compound)"
    fig.kzmedia_alt = "Mean tone per outlet, with intervals"
    assert pages.describe_figure(fig) == "Mean tone per outlet, with intervals"
    plt.close(fig)


def test_escape_md():
    assert pages.escape_md(HOSTILE) == "&lt;img src=x onerror=alert\\(1\\)&gt;"
    assert pages.escape_md("Money $5 and $10") == "Money \\$5 and \\$10"
    assert pages.escape_md("a_b *c* [d](e) #1 | x") == "a\\_b \\*c\\* \\[d\\]\\(e\\) \\#1 \\| x"
    assert report.escape_md is pages.escape_md
