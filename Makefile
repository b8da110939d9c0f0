# Two commands on a fresh machine:
#   make run    set up and serve the app on http://127.0.0.1:5000 (built-in Cao Lộc data)
#   make test   set up (Chromium, PostgreSQL/PostGIS, Python packages) and run every test
PYTHON ?= python3
VENV ?= .venv

.PHONY: run test venv system-deps bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $@

venv: $(VENV)/.installed

run: $(VENV)/.installed
	$(VENV)/bin/geoapp run --host 127.0.0.1 --port 5000

system-deps:
	bash scripts/install-system-deps.sh

test: system-deps $(VENV)/.installed
	bash scripts/test.sh

bench: $(VENV)/.installed
	$(VENV)/bin/python benchmarks/bench_maps.py

clean:
	rm -rf $(VENV) var .pytest_cache
