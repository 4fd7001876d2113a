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
# the venv has the dask extra: its LocalCluster tests must run, not skip
export KIT_TEST_REQUIRE_DASK ?= 1

.PHONY: install report test test-fast bench lab validate samples clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,lab,dask]'
	touch $(STAMP)

install: $(STAMP)

report: $(STAMP)  ## run the monthly batch on data_samples/ (MONTH=YYYY-MM DATA=dir OUT=dir to change)
	$(BIN)/kit report --month $(MONTH) --data $(DATA) --out $(OUT) --workers 2

# compiled modules (and pytest's rewritten test modules) are cached between runs even where the environment turns
# bytecode writing off: without the cache every run recompiles the kit and its tests (twice the collection time)
test test-fast: export PYTHONDONTWRITEBYTECODE :=

test: $(STAMP)    ## the whole test suite (installs Debian's chromium for the browser tests when it can)
	tools/ensure-chromium.sh
	$(BIN)/python -m pytest -q -n 2 --dist loadfile --durations=25

test-fast: $(STAMP) ## quick feedback: the suite without the tests marked slow (simulations, the end-to-end batch)
	$(BIN)/python -m pytest -q -n 2 --dist loadfile -m "not slow"

bench: $(STAMP)   ## accuracy and speed benchmarks (slow; writes benchmarks/results/)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/run_all.py

# JupyterLab refuses to run as root unless told; pass the flag only when the user really is root
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: $(STAMP)     ## JupyterLab on notebooks/, localhost only (open the URL it prints)
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks --ServerApp.ip=127.0.0.1 --no-browser $(ALLOW_ROOT)

validate: $(STAMP)
	$(BIN)/kit validate --data $(DATA)

samples: $(STAMP) ## regenerate data_samples/ (deterministic)
	$(BIN)/kit samples --out data_samples --seed 2026

clean:
	rm -rf $(VENV) .cache .pytest_cache
