# ntkbook — two commands: `make test` and `make book` (both create .venv and install when needed).
PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
PIP     := $(PY) -m pip
STAMP   := $(VENV)/.installed
BUILD   := _build
# every package of the stack at the version CI tested (pip freeze of a clean install; `make lock`)
LOCK    := constraints-lock.txt
# extras installed into .venv (cluster: dask.distributed for ntkbook.sweep; lint: ruff)
EXTRAS  ?= book,test,cluster,lint
# an index of CPU-only torch wheels, for machines where the default index gives the multi-GB CUDA
# build (most Linux x86_64): make test TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
TORCH_INDEX_URL ?=
LOCK_VENV := $(BUILD)/lock-venv

.PHONY: install test test-fast book book-strict browser-deps browser-test verify bench lock lint lab clean

$(STAMP): pyproject.toml constraints.txt $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c constraints.txt $(if $(TORCH_INDEX_URL),--index-url $(TORCH_INDEX_URL),-c $(LOCK)) "torch==2.13.0"
	$(PIP) install --quiet -c constraints.txt -c $(LOCK) -e ".[$(EXTRAS)]"
	$(PY) -c "from ntkbook import config; config.quiet_kernel_transport_warning()"
	touch $(STAMP)

install: $(STAMP)

$(LOCK):
	@echo "$(LOCK) is missing: \`make lock\` writes it" >&2; exit 1

## unit tests, negative controls and every chapter notebook under nbval, on every core
## (pytest-xdist; --dist loadfile keeps each notebook's cells in one kernel; JOBS=1 runs serially)
JOBS ?= auto
test: $(STAMP)
	$(PY) -m pytest tests book --nbval-lax --nbval-current-env -m "not browser" -p no:cacheprovider \
	  $(if $(filter 1,$(JOBS)),,-n $(JOBS) --dist loadfile)

## the same without the notebooks
test-fast: $(STAMP)
	$(PY) -m pytest tests -m "not browser and not slow" -p no:cacheprovider

## execute every chapter and build the HTML book into _build/html; the pages in BOOK_FULL run at
## the paper's scale (NTKBOOK_FULL; `make test` keeps them reduced): BOOK_FULL= builds all reduced
BOOK_FULL ?= du2019/07_figure1
book: $(STAMP)
	NTKBOOK_FULL="$(BOOK_FULL)" $(VENV)/bin/jb build . --builder html
	@echo
	@echo "The book is in $(CURDIR)/$(BUILD)/html — open file://$(CURDIR)/$(BUILD)/html/index.html"

## what CI builds: a clean _build, warnings are errors, notebook errors fail the build
book-strict: $(STAMP)
	rm -rf $(BUILD)
	NTKBOOK_FULL="$(BOOK_FULL)" $(VENV)/bin/jb build . --builder html -W -n --keep-going
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

## JupyterLab on the book's sources: each chapter's .md opens as a notebook (jupytext's JupyterLab
## extension, made the default viewer of Markdown in this venv's JupyterLab settings only).
## Installs the `lab` extra into .venv from the lock first (CI does not install JupyterLab).
LAB_STAMP := $(VENV)/.lab-installed
$(LAB_STAMP): $(STAMP)
	$(PIP) install --quiet -c constraints.txt -c $(LOCK) -e ".[$(EXTRAS),lab]"
	$(PY) -c "import json, pathlib, sys; \
	  p = pathlib.Path(sys.prefix, 'share', 'jupyter', 'lab', 'settings', 'overrides.json'); \
	  d = json.loads(p.read_text()) if p.exists() else {}; \
	  d.setdefault('@jupyterlab/docmanager-extension:plugin', {}).setdefault('defaultViewers', {}) \
	   .update(markdown='Jupytext Notebook', myst='Jupytext Notebook'); \
	  p.parent.mkdir(parents=True, exist_ok=True); p.write_text(json.dumps(d, indent=2))"
	touch $(LAB_STAMP)

lab: $(LAB_STAMP)
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=book $(if $(filter 0,$(shell id -u)),--allow-root)

## speed ratios of the core, and the eNTK at n = 1024 (time, peak memory, agreement)
bench: $(STAMP)
	$(PY) benchmarks/run.py

## refresh constraints-lock.txt: a clean venv installs every extra under constraints.txt alone, and
## pip freeze pins the result (local version labels such as +cpu dropped, ntkbook itself left out)
lock:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LOCK_VENV)/bin/python -m pip install --quiet -c constraints.txt $(if $(TORCH_INDEX_URL),--index-url $(TORCH_INDEX_URL)) "torch==2.13.0"
	$(LOCK_VENV)/bin/python -m pip install --quiet -c constraints.txt -e ".[book,test,cluster,lint,lab]"
	{ echo "# The whole ntkbook stack, pinned: \`make lock\` writes it (pip freeze of a clean install of"; \
	  echo "# .[book,test,cluster,lint,lab] under constraints.txt); every pip install of the Makefile uses it."; \
	  $(LOCK_VENV)/bin/python -m pip freeze --exclude-editable | grep -v -i -E '^ntkbook( |=|@)' \
	    | sed -E 's/^([A-Za-z0-9_.-]+==[^+]+)\+[A-Za-z0-9.]+$$/\1/'; } > $(LOCK).tmp
	mv $(LOCK).tmp $(LOCK)
	rm -rf $(LOCK_VENV)
	@echo "wrote $(LOCK): $$(grep -c '==' $(LOCK)) pinned packages"

## ruff (pyflakes F, import order I, 100 columns; see pyproject.toml) on the package, tests,
## benchmarks, and the notebooks' code cells (exported with jupytext to _build/lint)
lint: $(STAMP)
	rm -rf $(BUILD)/lint
	$(PY) -c "import jupytext, pathlib; out = pathlib.Path('$(BUILD)/lint'); out.mkdir(parents=True); \
	  [jupytext.write(jupytext.read(f), out / (f.parent.name + '__' + f.stem + '.py'), fmt='py:percent') \
	   for f in sorted(pathlib.Path('book').glob('*/[0-9]*.md'))]"
	$(PY) -m ruff check ntkbook tests benchmarks conftest.py $(BUILD)/lint

clean:
	rm -rf $(BUILD)
