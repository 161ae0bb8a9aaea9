"""Notebooks that once failed on the smallest corpus complete on it and say in a sentence what
the data cannot show."""

from pathlib import Path

import pytest

from kzmedia import report

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
# what each page says instead of a figure or table the data cannot support
SAYS = {"02": "there is nothing to set it against", "06": "No contrasts: they need at least two"}
NOTEBOOKS = [p for p in report.find_notebooks(ROOT / "notebooks") if p.stem[:2] in SAYS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_runs_on_one_article_and_says_what_cannot_be_shown(path, tmp_path):
    # one article, one outlet: no group to set against another (02's keyness and 06's
    # distinctive terms once raised KeyError / "data and annot must have same shape")
    corpus = tmp_path / "one"
    corpus.mkdir()
    rows = (SEEDS / "manifest.csv").read_text(encoding="utf-8").splitlines()
    (corpus / "manifest.csv").write_text("\n".join(rows[:2]) + "\n", encoding="utf-8")
    name = rows[1].split(",")[0]
    (corpus / name).write_bytes((SEEDS / name).read_bytes())
    result = report.run_notebook(path, tmp_path / path.name,
                                 {"CORPUS": str(corpus), "BY": "outlet"})
    assert result.status == "ok", f"{path.name} failed at cell [{result.cell}]: {result.error}"
    assert SAYS[path.stem[:2]] in report.to_html(tmp_path / path.name)
