# The two commands of the README. Both build .venv themselves on a fresh machine.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench clean

$(BIN)/batik-waves: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,live,dask,kiosk]'
	@touch $@

demo: $(BIN)/batik-waves
	$(BIN)/batik-waves render --out batik-out/demo

test: $(BIN)/batik-waves
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 -q

lint: $(BIN)/batik-waves
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(BIN)/batik-waves
	$(BIN)/python benchmarks/bench_bands.py
	$(BIN)/python benchmarks/bench_render.py
	$(BIN)/python benchmarks/bench_video.py
	$(BIN)/python benchmarks/bench_batch.py

clean:
	rm -rf $(VENV) batik-out build *.egg-info
