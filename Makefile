# ntkbook — two commands: `make test` and `make book` (both create .venv and install when needed).
PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
PIP     := $(PY) -m pip
STAMP   := $(VENV)/.installed
BUILD   := _build


.PHONY: install test test-fast book book-strict browser-deps browser-test verify bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c constraints.txt "torch==2.13.0"
	$(PIP) install --quiet -c constraints.txt -e ".[book,test]"
	touch $(STAMP)

install: $(STAMP)

## unit tests, negative controls and every chapter notebook under nbval
test: $(STAMP)
	$(PY) -m pytest tests book --nbval-lax --nbval-current-env -m "not browser" -p no:cacheprovider

## the same without the notebooks
test-fast: $(STAMP)
	$(PY) -m pytest tests -m "not browser and not slow" -p no:cacheprovider

## execute every chapter and build the HTML book into _build/html
book: $(STAMP)
	$(VENV)/bin/jb build . --builder html
	@echo
	@echo "The book is in $(CURDIR)/$(BUILD)/html — open file://$(CURDIR)/$(BUILD)/html/index.html"

## what CI builds: a clean _build, warnings are errors, notebook errors fail the build
book-strict: $(STAMP)
	rm -rf $(BUILD)
	$(VENV)/bin/jb build . --builder html -W -n --keep-going
	@echo "The book is in $(CURDIR)/$(BUILD)/html/index.html"

## Debian's chromium and chromedriver for the browser test (needs root, as on CI)
browser-deps:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver)

## open the built book in headless Chromium: math typeset, figures loaded, no tracebacks
browser-test: $(STAMP) browser-deps
	NTKBOOK_REQUIRE_BROWSER=1 $(PY) -m pytest tests/test_browser.py -m browser -p no:cacheprovider

## execute the notebooks headless and print the claims ledger (CHAPTER=du2019 for one)
verify: $(STAMP)
	$(PY) -m ntkbook verify $(if $(CHAPTER),--chapter $(CHAPTER)) --json $(BUILD)/ledger.json

bench: $(STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf $(BUILD)
