# dealer-kit — two commands on a fresh machine: `make report` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MONTH  ?= last
DATA   ?= data_samples
OUT    ?= reports
# numba (statsforecast) caches compiled code here so each monthly kernel starts fast
export NIXTLA_NUMBA_CACHE ?= 1
export NUMBA_CACHE_DIR ?= $(CURDIR)/.cache/numba
export MPLCONFIGDIR ?= $(CURDIR)/.cache/matplotlib

.PHONY: install report test bench lab validate samples clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,lab]'
	touch $(STAMP)

install: $(STAMP)

report: $(STAMP)  ## run the monthly batch on data_samples/ (MONTH=YYYY-MM DATA=dir OUT=dir to change)
	$(BIN)/kit report --month $(MONTH) --data $(DATA) --out $(OUT) --workers 2

test: $(STAMP)    ## the whole test suite
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

bench: $(STAMP)   ## accuracy and speed benchmarks (slow; writes benchmarks/results/)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/run_all.py

lab: $(STAMP)     ## JupyterLab on the notebooks
	$(BIN)/jupyter lab notebooks/

validate: $(STAMP)
	$(BIN)/kit validate --data $(DATA)

samples: $(STAMP) ## regenerate data_samples/ (deterministic)
	$(BIN)/kit samples --out data_samples --seed 2026

clean:
	rm -rf $(VENV) .cache .pytest_cache
