"""Report and command line: tiny notebooks built here, executed headless end to end."""

import hashlib
import json
import os
import re
import sys
import tempfile

import nbformat
import pandas as pd
import pytest

from kzmedia import __version__, report
from kzmedia.cli import main

SCRIPT = "<script>alert(1)</script>"


def _notebook(*cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = list(cells)
    return nb


def _parameters():
    return nbformat.v4.new_code_cell(
        'CORPUS = "../seeds"\nBY = "outlet"\nTOP_N = 10\nTABLES_DIR = ""',
        metadata={"tags": ["parameters"]})


def _code(source):
    return nbformat.v4.new_code_cell(source)


def _tiny_corpus(folder):
    """A folder with one article: the report loads the corpus before any notebook runs."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.txt").write_text("Astana hosts talks with its neighbours.\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Three notebooks (table + figure + hostile text; a failure; one after it) run by the CLI."""
    root = tmp_path_factory.mktemp("report")
    nbdir, corpus, out = root / "notebooks", root / "corpus", root / "out"
    nbdir.mkdir()
    corpus.mkdir()
    (corpus / "a.txt").write_text("Astana hosts talks.\n", encoding="utf-8")
    (corpus / "b.txt").write_text("Second article.\n", encoding="utf-8")
    (corpus / "manifest.csv").write_text("file,outlet,bias\na.txt,A,left\nb.txt,B,right\n",
                                         encoding="utf-8")
    nbformat.write(_notebook(
        nbformat.v4.new_markdown_cell("# Table\nWrites a table and a figure."),
        _parameters(),
        _code("import pandas as pd\nimport matplotlib.pyplot as plt\nimport os"),
        _code(f"df = pd.DataFrame({{'outlet': ['A', 'B'], 'text': [{SCRIPT!r}, 'plain'], 'by': [BY, BY]}})\n"
              "if TABLES_DIR:\n    df.to_csv(f'{TABLES_DIR}/demo.csv', index=False)\ndf"),
        _code("print(CORPUS, BY, os.getcwd())"),
        _code("plt.plot([1, 2, 3], [2, 1, 3])\nplt.title('demo');"),
    ), nbdir / "01-table.ipynb")
    nbformat.write(_notebook(
        _parameters(),
        _code("x = 1"),
        _code(f"raise ValueError({SCRIPT!r})"),
        _code("y = 2  # never reached"),
    ), nbdir / "02-fail.ipynb")
    nbformat.write(_notebook(_parameters(), _code("'after the failure'")), nbdir / "03-after.ipynb")
    nbformat.write(_notebook(_parameters()), nbdir / "scratch.ipynb")  # not numbered: ignored
    (out / "analysis").mkdir(parents=True)
    old = out / "analysis" / "earlier.csv"  # e.g. from `kzmedia analyze`: kept, not listed
    old.write_text("a\n1\n")
    os.utime(old, (1e9, 1e9))
    code = main(["report", str(corpus), "--by", "bias", "--out", str(out), "--notebooks", str(nbdir)])
    return {"code": code, "out": out, "corpus": corpus, "nbdir": nbdir}


def test_exit_code_is_one_after_all_notebooks_ran(run):
    assert run["code"] == 1
    manifest = json.loads((run["out"] / "manifest.json").read_text())
    status = {nb["name"]: nb["status"] for nb in manifest["notebooks"]}
    assert status == {"01-table": "ok", "02-fail": "failed", "03-after": "ok"}


def test_html_per_notebook_including_the_failed_one(run):
    pages = sorted(p.name for p in run["out"].glob("*.html"))
    assert pages == ["01-table.html", "02-fail.html", "03-after.html", "index.html"]
    failed = (run["out"] / "02-fail.html").read_text()
    assert "papermill-error-cell" in failed and "ValueError" in failed
    assert "never reached" in failed  # code after the failure stays visible


def test_parameters_injected_after_the_parameters_cell(run):
    nb = nbformat.read(run["out"] / "notebooks" / "01-table.ipynb", as_version=4)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    i = next(i for i, t in enumerate(tags) if "parameters" in t)
    assert "injected-parameters" in tags[i + 1]
    injected = nb.cells[i + 1].source
    assert f'CORPUS = "{run["corpus"].resolve()}"' in injected
    assert 'BY = "bias"' in injected
    assert f'TABLES_DIR = "{(run["out"] / "tables").resolve()}"' in injected
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert f"{run['corpus'].resolve()} bias {run['nbdir'].resolve()}" in printed  # cwd = notebook folder
    assert "CACHE" not in injected  # not declared by this notebook: not passed, no warning


def test_index_lists_status_cell_and_escaped_error(run):
    index = (run["out"] / "index.html").read_text()
    assert SCRIPT not in index
    assert "ValueError: &lt;script&gt;alert(1)&lt;/script&gt;" in index
    row = re.search(r"<tr><td><a href=\"02-fail.html\">02-fail</a></td>.*?</tr>", index, re.S).group(0)
    assert "failed" in row and "cell [4]" in row  # parameters, injected, x = 1, raise
    assert "<td>Table</td>" in index  # first markdown heading
    assert 'href="01-table.html"' in index and 'href="03-after.html"' in index
    assert "scratch" not in index
    assert 'href="tables/demo.csv"' in index
    assert "bias" in index and str(run["corpus"].resolve()) in index


def test_tables_written_and_hashed(run):
    table = pd.read_csv(run["out"] / "tables" / "demo.csv")
    assert table["by"].tolist() == ["bias", "bias"]
    assert table["text"][0] == SCRIPT  # the data itself is untouched; only HTML is escaped
    manifest = json.loads((run["out"] / "manifest.json").read_text())
    assert (run["out"] / "analysis" / "earlier.csv").exists()
    assert "earlier.csv" not in (run["out"] / "index.html").read_text()
    [entry] = manifest["outputs"]["tables"]
    assert entry["sha256"] == hashlib.sha256((run["out"] / "tables" / "demo.csv").read_bytes()).hexdigest()


def test_manifest_inputs_parameters_versions(run):
    manifest = json.loads((run["out"] / "manifest.json").read_text())
    corpus = {e["path"]: e["sha256"] for e in manifest["inputs"]["corpus"]}
    a = run["corpus"].resolve() / "a.txt"
    assert corpus[str(a)] == hashlib.sha256(a.read_bytes()).hexdigest()
    assert len(corpus) == 3 and len(manifest["inputs"]["notebooks"]) == 3  # 2 texts, manifest
    assert manifest["parameters"]["BY"] == "bias"
    versions = manifest["versions"]
    assert versions["kzmedia"] == __version__
    for name in ("python", "pandas", "numpy", "scikit-learn", "nltk", "vaderSentiment",
                 "matplotlib", "seaborn", "papermill", "nbconvert", "platform"):
        assert versions[name], name
    assert manifest["started"] <= manifest["finished"]
    assert manifest["kernel"]["argv"][0] == sys.executable  # the notebooks ran in this venv


def test_article_text_is_escaped_in_notebook_html(run):
    page = (run["out"] / "01-table.html").read_text()
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert SCRIPT not in (run["out"] / "02-fail.html").read_text()


def test_figures_are_embedded_inline(run):
    page = (run["out"] / "01-table.html").read_text()
    assert "data:image/png;base64," in page


def test_figures_render_even_with_a_non_inline_mplbackend(tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = tmp_path / "01-fig.ipynb"
    nbformat.write(_notebook(_parameters(), _code("import matplotlib.pyplot as plt\nplt.plot([1, 2]);")), nb)
    result = report.run_notebook(nb, tmp_path / "done.ipynb", {"BY": "outlet"})
    assert result.status == "ok"
    outputs = nbformat.read(tmp_path / "done.ipynb", as_version=4).cells[-1].outputs
    assert any("image/png" in o.get("data", {}) for o in outputs)
    assert report.os.environ["MPLBACKEND"] == "Agg"  # restored


CONNECTION = _code("import json\nfrom ipykernel import get_connection_info\n"
                   "info = json.loads(get_connection_info())\nprint(info['transport'], info['ip'])")


@pytest.mark.skipif(os.name != "posix", reason="Unix sockets")
def test_kernel_talks_over_a_private_unix_socket_and_leaves_nothing(tmp_path, monkeypatch):
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    nb = tmp_path / "nb" / "01-connection.ipynb"
    nb.parent.mkdir()
    nbformat.write(_notebook(_parameters(), CONNECTION), nb)
    result = report.run_notebook(nb, tmp_path / "done.ipynb", {"BY": "outlet"})
    assert result.status == "ok", result.error
    text = nbformat.read(tmp_path / "done.ipynb", as_version=4).cells[-1].outputs[0]["text"]
    transport, ip = text.split()
    assert transport == "ipc"
    folder = os.path.dirname(ip)
    assert os.path.dirname(folder) == str(tmp_path / "tmp")  # a folder of its own
    assert os.path.basename(folder).startswith("kzmedia-kernel-")
    assert list((tmp_path / "tmp").iterdir()) == []  # sockets and folder removed
    assert [p.name for p in nb.parent.iterdir()] == ["01-connection.ipynb"]


def test_kernel_falls_back_to_tcp_when_the_socket_path_is_too_long(tmp_path, monkeypatch):
    deep = tmp_path / ("x" * 120)
    deep.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    nb = tmp_path / "01-connection.ipynb"
    nbformat.write(_notebook(_parameters(), CONNECTION), nb)
    result = report.run_notebook(nb, tmp_path / "done.ipynb", {"BY": "outlet"})
    assert result.status == "ok", result.error
    text = nbformat.read(tmp_path / "done.ipynb", as_version=4).cells[-1].outputs[0]["text"]
    assert text.split() == ["tcp", "127.0.0.1"]
    assert list(deep.iterdir()) == []


def test_missing_corpus_names_it(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nowhere"), "--notebooks", str(tmp_path)]) == 2
    assert "nowhere" in capsys.readouterr().err


def test_missing_notebooks_is_an_error(tmp_path, capsys):
    assert main(["report", str(tmp_path), "--notebooks", str(tmp_path / "none"), "--out", str(tmp_path / "o")]) == 2
    assert "notebooks" in capsys.readouterr().err


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert __version__ in capsys.readouterr().out


# --------------------------------------------------------------------------- analyze, clean

BIAS = ["left", "center", "right"]
SENTENCES = {
    "left": "Kazakhstan and China signed a welcome trade agreement in Astana. "
            "Critics warned that the deal deepens dependence on Beijing.",
    "center": "President Tokayev met Vladimir Putin in Moscow to discuss security. "
              "The talks were described as constructive and friendly.",
    "right": "The United States and the European Union praised the reforms. "
             "Washington called the multi-vector policy a great success.",
}


def _articles_csv(path):
    rows = []
    for i in range(12):
        bias = BIAS[i % 3]
        rows.append({
            "id": f"a{i:02d}", "outlet": f"Outlet {i % 4}", "bias": bias,
            "date": f"2023-0{1 + i % 9}-1{i % 10}", "title": f"Story {i} <b>{bias}</b>",
            "text": SENTENCES[bias] + f"\n\nArticle {i} adds that tensions rose in the region. "
                    "Officials were pleased with the outcome of the negotiations.",
        })
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_analyze_writes_every_table_grouped_by_bias(tmp_path):
    from kzmedia import stages

    csv = _articles_csv(tmp_path / "articles.csv")
    out = tmp_path / "tables"
    assert main(["analyze", str(csv), "--by", "bias", "--out", str(out)]) == 0
    expected = {s.name for s in stages.STAGES if s.table and not s.optional and not s.settings}
    assert {p.stem for p in out.glob("*.csv")} == expected
    articles = pd.read_csv(out / "articles.csv")
    assert len(articles) == 12 and "text" not in articles.columns
    assert sorted(articles["bias"].unique()) == sorted(BIAS)
    for name in ("term_counts", "attention", "balance", "cooccurrence", "group_tone",
                 "vector_tone", "frame_scores_group"):
        table = pd.read_csv(out / f"{name}.csv")
        assert any(c.startswith("bias") for c in table.columns), name
    pairs = pd.read_csv(out / "similarity.csv")
    assert len(pairs) == 3 and set(pairs.filter(like="_a").iloc[:, 0]) <= set(BIAS)
    tone = pd.read_csv(out / "group_tone.csv").set_index("bias")
    assert sorted(tone.index) == sorted(BIAS)
    assert (tone["n_articles"] == 4).all()


def test_analyze_period_month_writes_trends(tmp_path):
    csv = _articles_csv(tmp_path / "articles.csv")
    out = tmp_path / "tables"
    assert main(["analyze", str(csv), "--out", str(out), "--period", "month", "--quiet"]) == 0
    trends = pd.read_csv(out / "trends.csv", keep_default_na=False)
    assert {"outlet", "period", "measure", "item", "value", "low", "high", "n_articles",
            "n_sentences"} <= set(trends.columns)
    counts = trends[trends["measure"] == "articles"]
    assert counts["n_articles"].astype(int).sum() == 12
    assert set(counts["period"]) == {f"2023-0{m}" for m in range(1, 10)}
    assert (out / "period_contrasts.csv").exists() and not (out / "event_shifts.csv").exists()


def test_analyze_events_and_window(tmp_path, capsys):
    csv = _articles_csv(tmp_path / "articles.csv")
    events = tmp_path / "events.csv"
    events.write_text("date,label\n2023-05-01,Summit\n", encoding="utf-8")
    out = tmp_path / "tables"
    assert main(["analyze", str(csv), "--out", str(out), "--events", str(events), "--window",
                 "60", "--quiet"]) == 0
    trends = pd.read_csv(out / "trends.csv")
    assert set(trends["period"]) >= {"Summit: 60 days before", "Summit: 60 days after"}
    assert (out / "event_shifts.csv").exists()
    assert main(["analyze", str(csv), "--out", str(out), "--window", "5"]) == 2
    assert "--window needs --events" in capsys.readouterr().err
    assert main(["analyze", str(csv), "--out", str(out), "--events", str(tmp_path / "no.csv")]) == 2
    assert "no.csv" in capsys.readouterr().err
    events.write_text("date,label\n2023-05,Month\n", encoding="utf-8")
    assert main(["analyze", str(csv), "--out", str(out), "--events", str(events)]) == 2
    assert "must be days" in capsys.readouterr().err


def test_time_notebooks_run_only_with_a_period_or_events(tmp_path):
    nbdir = tmp_path / "nb"
    nbdir.mkdir()
    nbformat.write(_notebook(_parameters(), _code("'plain'")), nbdir / "01-plain.ipynb")
    nbformat.write(_notebook(nbformat.v4.new_code_cell(
        'CORPUS = ""\nBY = "outlet"\nPERIOD = "year"\nEVENTS = ""\nWINDOW_DAYS = None',
        metadata={"tags": ["parameters"]}), _code("print(PERIOD, repr(EVENTS), WINDOW_DAYS)")),
        nbdir / "02-time.ipynb")
    assert report.is_time_notebook(nbdir / "02-time.ipynb")
    assert not report.is_time_notebook(nbdir / "01-plain.ipynb")
    corpus = _tiny_corpus(tmp_path / "corpus")
    plain = report.build(corpus, out=tmp_path / "a", notebooks=nbdir, progress=False)
    assert [r.name for r in plain] == ["01-plain"]
    timed = report.build(corpus, out=tmp_path / "b", notebooks=nbdir, progress=False,
                         period="month")
    assert [(r.name, r.status) for r in timed] == [("01-plain", "ok"), ("02-time", "ok")]
    executed = nbformat.read(tmp_path / "b" / "notebooks" / "02-time.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in executed.cells if c.cell_type == "code"
                      for o in c.outputs)
    assert "month '' None" in printed
    assert "Time</dt><dd>by month" in (tmp_path / "b" / "index.html").read_text()


def test_analyze_parquet_and_sentences(tmp_path):
    csv = _articles_csv(tmp_path / "articles.csv")
    out = tmp_path / "tables"
    assert main(["analyze", str(csv), "--out", str(out), "--format", "parquet", "--sentences"]) == 0
    sentences = pd.read_parquet(out / "sentences.parquet")
    assert set(sentences["doc_id"]) == {f"a{i:02d}" for i in range(12)}
    assert not list(out.glob("*.csv"))


def test_analyze_dedupe_keeps_one_copy_of_a_syndicated_article(tmp_path):
    csv = _articles_csv(tmp_path / "articles.csv")
    table = pd.read_csv(csv)
    copy = table.iloc[[0]].assign(id="copy", outlet="Syndicator", date="2099-01-01")
    pd.concat([table, copy]).to_csv(csv, index=False)
    out = tmp_path / "tables"
    assert main(["analyze", str(csv), "--out", str(out), "--dedupe", "--quiet"]) == 0
    dups = pd.read_csv(out / "duplicates.csv")
    assert sorted(dups["doc_id"]) == sorted([table["id"].iloc[0], "copy"])
    kept = pd.read_csv(out / "articles.csv")
    assert len(kept) == 12 and "copy" not in set(kept["doc_id"])   # the earlier copy stays


def test_analyze_unknown_grouping_is_an_error(tmp_path, capsys):
    csv = _articles_csv(tmp_path / "articles.csv")
    assert main(["analyze", str(csv), "--by", "leaning", "--out", str(tmp_path / "t")]) == 2
    err = capsys.readouterr().err
    assert "'leaning'" in err and "bias" in err


def test_analyze_missing_corpus(tmp_path, capsys):
    assert main(["analyze", str(tmp_path / "gone.csv"), "--out", str(tmp_path / "t")]) == 2
    assert "gone.csv" in capsys.readouterr().err


RAW = """Home » World » Kazakhstan
Share this article

Astana hosts regional talks

Kazakhstan hosted foreign ministers from five neighbouring countries on Monday, the ministry said in a statement released in the capital.

The ministers agreed to meet again next year and to expand cooperation on water, energy and transport across the region.

Related Posts
"""


def test_clean_prints_body_and_audit(tmp_path, capsys):
    from kzmedia.clean import clean_article

    raw = tmp_path / "dump.txt"
    raw.write_text(RAW, encoding="utf-8")
    expected = clean_article(RAW)
    assert main(["clean", str(raw)]) == 0
    assert capsys.readouterr().out == expected["text"] + "\n"
    assert main(["clean", str(tmp_path), "--audit"]) == 0
    out = capsys.readouterr().out
    assert expected["text"] in out and "--- audit" in out
    assert len([line for line in out.splitlines() if re.match(r"^\s+\d+ (keep|drop) ", line)]) == \
        len(expected["audit"])


def test_clean_missing_path(tmp_path, capsys):
    assert main(["clean", str(tmp_path / "none.txt")]) == 2
    assert "none.txt" in capsys.readouterr().err


def test_timeout_names_the_cell_and_the_next_notebook_runs(tmp_path):
    nbdir = tmp_path / "nb"
    nbdir.mkdir()
    nbformat.write(_notebook(_parameters(), _code("x = 1"), _code("import time\ntime.sleep(60)")),
                   nbdir / "01-slow.ipynb")
    nbformat.write(_notebook(_parameters(), _code("'quick'")), nbdir / "02-quick.ipynb")
    results = report.build(_tiny_corpus(tmp_path / "corpus"), out=tmp_path / "out",
                           notebooks=nbdir, timeout=10, progress=False)
    assert [r.status for r in results] == ["failed", "ok"]
    assert results[0].cell == 4 and results[0].error.startswith("CellTimeoutError")
    assert "cell [4]" in (tmp_path / "out" / "index.html").read_text()
