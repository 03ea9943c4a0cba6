# Two commands do all their own set-up on a fresh machine: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)

.PHONY: install run test demo lint bench backup

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	# uv installs the dependencies in seconds where pip took half a minute.
	$(PY) -m pip install -q --disable-pip-version-check uv
	$(VENV)/bin/uv pip install -q --compile-bytecode --python $(PY) -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: install
	@$(VENV)/bin/kinerja-bot db upgrade
	@$(VENV)/bin/kinerja-bot run

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -q -n 3

demo: install
	$(VENV)/bin/kinerja-bot demo -o demo-output

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: install
	$(PY) bench/run_all.py

backup: install
	$(VENV)/bin/kinerja-bot backup -o backups
