# The project's commands. Everything installs into .venv from constraints.txt.
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
export PYTHONWARNINGS := ignore::Warning:nameko.cli.commands

.PHONY: venv demo test up unit clean

$(VENV)/.installed: constraints.txt requirements-dev.txt $(wildcard */pyproject.toml services/*/pyproject.toml)
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q -c constraints.txt pip
	# compat mode puts each package's folder on sys.path, so running from the repository root
	# (where contracts/ and chassis/ are plain folders) still imports the real packages
	$(PIP) install -q -c constraints.txt --config-settings editable_mode=compat -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

demo: venv
	$(PY) -m devtools.demo

up: venv
	$(PY) -m devtools.platform up

test: venv
	$(PY) -m devtools.infra
	$(PY) -m pytest

unit: venv
	$(PY) -m pytest -m "not integration and not e2e"

clean:
	rm -rf $(VENV) var .pytest_cache
