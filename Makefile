# Every target runs from a fresh clone: `make demo` and `make test` create the virtualenv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
DB ?= data/demo.db
OUT ?= out/demo

.PHONY: help venv demo test test-fast lint eval bench-crawl bench-match bench-graph bench-nightly bench-report bench-scale nightly clean

help:
	@echo "make demo         crawl the bundled simulated web into $(DB) and print what it found"
	@echo "make test         lint + the whole test suite (SQLite and PostgreSQL)"
	@echo "make eval         copy-detection quality against the simulated web's ground truth"
	@echo "make bench-crawl  pages/s of the product against a plain Scrapy spider"
	@echo "make bench-match  matcher throughput, 1 and 2 matcher processes, PostgreSQL, 100k docs"
	@echo "make bench-graph  graph build and export on 1M synthetic edges"
	@echo "make bench-nightly cost of an unchanged nightly run; new copies found after changes"
	@echo "make bench-scale  1, 2, 3 crawler processes on one shared frontier (PostgreSQL + Redis)"
	@echo "make bench-report HTML report of 10k outlets / 100k links: write time, size, browser ready"
	@echo "make nightly      one nightly run on the database of PROVENANCE_DB (default data/provenance.db)"

$(PY): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(PY)

venv: $(PY)

demo: $(PY)
	$(PY) -m tests.demo --db $(DB) --out $(OUT)

lint: $(PY)
	$(BIN)/ruff check crawler graph tests alembic/env.py
	$(BIN)/ruff format --check crawler graph tests alembic/env.py

test: lint
	$(BIN)/pytest -q

test-fast: $(PY)
	$(BIN)/pytest -q -m "not e2e and not postgres"

eval: $(PY)
	$(PY) -m tests.eval

bench-crawl: $(PY)
	$(PY) -m tests.bench.bench_crawl

bench-match: $(PY)
	$(PY) -m tests.bench.bench_match

bench-scale: $(PY)
	$(PY) -m tests.bench.bench_scale

bench-graph: $(PY)
	$(PY) -m tests.bench.bench_graph

clean:
	rm -rf $(VENV) data out .pytest_cache .ruff_cache

bench-nightly: $(PY)
	$(PY) -m tests.bench.bench_nightly

bench-report: $(PY)
	$(PY) -m tests.bench.bench_report --out $(OUT)/bench-report

nightly: $(PY)
	$(BIN)/provenance nightly
