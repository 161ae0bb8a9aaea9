"""What an installed kzmedia carries: every subpackage, the package data and the notebooks
(shipped from the top-level notebooks/ folder as kzmedia/notebooks/), and the Makefile's and
conda file's ways in."""

import re
import tomllib
from pathlib import Path

import kzmedia
from kzmedia import report

ROOT = Path(kzmedia.__file__).resolve().parents[1]


def _setuptools():
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_subpackage_is_listed_and_the_notebooks_are_shipped():
    config = _setuptools()
    folders = {".".join(p.parent.relative_to(ROOT).parts)
               for p in (ROOT / "kzmedia").rglob("__init__.py")}
    assert set(config["packages"]) == folders | {"kzmedia.notebooks"}
    assert config["package-dir"] == {"kzmedia.notebooks": "notebooks"}
    [pattern] = config["package-data"]["kzmedia.notebooks"]
    shipped = sorted(p.name for p in (ROOT / "notebooks").glob(pattern))
    assert shipped == [p.name for p in report.find_notebooks(ROOT / "notebooks")] != []


def test_the_report_finds_the_notebooks_without_being_told():
    folder = report.notebook_folder()
    found = {p.name: p.read_bytes() for p in report.find_notebooks(folder)}
    mine = {p.name: p.read_bytes() for p in report.find_notebooks(ROOT / "notebooks")}
    assert found == mine  # in a checkout, the very folder; installed, the shipped copy


def test_notebook_folder_prefers_an_installed_copy(tmp_path, monkeypatch):
    package = tmp_path / "site" / "kzmedia"
    (package / "notebooks").mkdir(parents=True)
    (package / "notebooks" / "01-x.ipynb").write_text("{}")
    monkeypatch.setattr(report, "__file__", str(package / "report.py"))
    assert report.notebook_folder() == package / "notebooks"
    (package / "notebooks" / "01-x.ipynb").unlink()
    try:
        report.notebook_folder()
    except FileNotFoundError as exc:
        assert "--notebooks" in str(exc)
    else:
        raise AssertionError("no notebooks anywhere must be an error")


def test_lab_is_separate_from_test_and_conda_installs_jupyterlab():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    test_rule = re.search(r"^test: (.*)$", makefile, re.M).group(1)
    assert "LAB" not in test_rule
    lab = re.search(r"^lab: .*\n\t(.*)$", makefile, re.M).group(1)
    assert "jupyter lab notebooks/" in lab
    assert "'.[dev]'" in makefile
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert any(d.startswith("jupyterlab") for d in extras["dev"])
    assert not any(d.startswith("jupyterlab") for d in extras["test"])
    env = (ROOT / "environment.yml").read_text(encoding="utf-8")
    assert "-e .[test,lab]" in env and any(d.startswith("jupyterlab") for d in extras["lab"])
