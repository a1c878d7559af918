# printpipe: thin make targets over the CLI. `make report` and `make test` set up .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
EDITION ?= editions/2019
EDITIONS := $(patsubst %/edition.yaml,%,$(wildcard editions/*/edition.yaml))
PRINTPIPE := $(BIN)/printpipe

.PHONY: report press screen archive proof all test lint bench fuzz clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

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

bench: $(STAMP)
	$(BIN)/python tools/bench.py

fuzz: $(STAMP)
	$(BIN)/python -m pytest -q tests/test_fuzz.py --hypothesis-profile=long

clean:
	rm -rf build
