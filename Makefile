# printpipe: thin make targets over the CLI. `make report` and `make test` set up .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
EDITION ?= editions/2019
EDITIONS := $(patsubst %/edition.yaml,%,$(wildcard editions/*/edition.yaml))
PRINTPIPE := $(BIN)/printpipe
# Runtime dependencies, pinned with their sha256 by pip-compile (`make lock` regenerates it).
LOCK := requirements.lock
LOCK_TOOL := pip-tools==7.5.2
# The test extras from pyproject.toml (not hashed: they never shape an output file).
TEST_EXTRAS = $$($(BIN)/python -c "import tomllib; print(' '.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['test']))")

.PHONY: report press screen archive proof all test lint bench fuzz clean venv lock fixtures

venv: $(STAMP)

# The locked runtime first (every file checked against its hash), then printpipe itself without
# letting pip pick other versions, then the test tools.
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip install --quiet $(TEST_EXTRAS)
	touch $(STAMP)

## Regenerate requirements.lock from pyproject.toml's runtime dependencies (after changing them).
lock:
	$(PYTHON) -m venv build/lock-venv
	build/lock-venv/bin/python -m pip install --quiet $(LOCK_TOOL)
	PIP_CONFIG_FILE=/dev/null CUSTOM_COMPILE_COMMAND="make lock" build/lock-venv/bin/pip-compile --quiet --generate-hashes \
	  --strip-extras --no-emit-index-url --no-emit-find-links --output-file $(LOCK) pyproject.toml

## The sample edition's press PDF: build/2019/harbourlight-2019-press.pdf
report: $(STAMP)
	$(PRINTPIPE) build editions/2019 --target press

press screen archive proof: $(STAMP)
	$(PRINTPIPE) build $(EDITION) --target $@

## Every edition x every target; one process per edition, so `make -j2 all` is safe.
all: $(addprefix all-,$(notdir $(EDITIONS)))

all-%: $(STAMP)
	$(PRINTPIPE) build editions/$* --target all

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check src tests tools
	$(BIN)/ruff format --check src tests tools
	$(BIN)/mypy

## Regenerate the committed manifest tests/test_verify_fixture.py verifies against (after a change
## that alters the output bytes on purpose).
fixtures: $(STAMP)
	rm -rf build/verify-fixture
	SOURCE_DATE_EPOCH=1588204800 $(PRINTPIPE) build tests/fixtures/verify/edition \
	  --target press --target screen --out build/verify-fixture
	cp build/verify-fixture/manifest.json tests/fixtures/verify/manifest.json

bench: $(STAMP)
	$(BIN)/python tools/bench.py

fuzz: $(STAMP)
	$(BIN)/python -m pytest -q tests/test_fuzz.py --hypothesis-profile=long

clean:
	rm -rf build
