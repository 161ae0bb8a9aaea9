"""Every numbered notebook: committed clean and thin, and runs headless on the seeds."""

import ast
import re
from pathlib import Path

import nbformat
import pytest

from kzmedia import report

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
NOTEBOOKS = report.find_notebooks(ROOT / "notebooks")
DEFINITION = re.compile(r"^\s*(?:async\s+def|def|class)\s", re.MULTILINE)

pytestmark = pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])


def _code_cells(path):
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def test_committed_without_outputs(path):
    for cell in _code_cells(path):
        assert cell.outputs == [], f"{path.name}: outputs in cell {cell.source[:40]!r}"
        assert cell.execution_count is None, f"{path.name}: execution_count in {cell.source[:40]!r}"


def test_one_parameters_cell_with_plain_literals(path):
    tagged = [c for c in _code_cells(path) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: {len(tagged)} cells tagged 'parameters'"
    assigned = {}
    for node in ast.parse(tagged[0].source).body:
        assert isinstance(node, ast.Assign), f"{path.name}: parameters cell holds only assignments"
        assigned[node.targets[0].id] = ast.literal_eval(node.value)
    assert {"CORPUS", "BY"} <= set(assigned), f"{path.name}: CORPUS and BY must be parameters"


def test_thin_no_definitions(path):
    for cell in _code_cells(path):
        assert not DEFINITION.search(cell.source), f"{path.name}: def/class in {cell.source[:60]!r}"


def test_runs_headless_on_seeds(path, tmp_path):
    tables = tmp_path / "tables"
    tables.mkdir()
    parameters = {"CORPUS": str(SEEDS), "BY": "outlet", "TABLES_DIR": str(tables)}
    result = report.run_notebook(path, tmp_path / path.name, parameters)
    assert result.status == "ok", f"{path.name} failed at cell [{result.cell}]: {result.error}"
    assert "<html" in report.to_html(tmp_path / path.name)
