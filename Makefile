# Two commands for a fresh machine with Python 3.11+:
#   make report   install into .venv, then run every notebook on seeds/ into reports/
#   make test     install into .venv, then run the tests (unit tests and every notebook)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.kzmedia-installed
CORPUS ?= seeds
BY     ?= outlet
OUT    ?= reports

.PHONY: install report test analyze clean-reports

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

clean-reports:
	rm -rf $(OUT)
