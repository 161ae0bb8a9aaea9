# Commands for a fresh machine with Python 3.11+:
#   make report   install into .venv, then run every notebook on seeds/ into reports/
#   make test     install into .venv, then run the tests (unit tests and every notebook)
#   make lab      also install the dev extra (JupyterLab), then open notebooks/ in JupyterLab
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.kzmedia-installed
LAB    := $(VENV)/.kzmedia-lab
CORPUS ?= seeds
BY     ?= outlet
OUT    ?= reports

.PHONY: install report test analyze lab clean-reports

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

report: $(STAMP)
	$(BIN)/kzmedia report $(CORPUS) --by $(BY) --out $(OUT)

analyze: $(STAMP)
	$(BIN)/kzmedia analyze $(CORPUS) --by $(BY) --out $(OUT)/analysis

test: $(STAMP)
	$(BIN)/python -m pytest -q

# JupyterLab only here, not in `make install`, so that `make test` installs no more than it needs.
# The notebooks' kernel is this venv's python3, where kzmedia is installed.
$(LAB): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(LAB)

lab: $(LAB)
	$(BIN)/jupyter lab notebooks/

clean-reports:
	rm -rf $(OUT)
