# The project's commands. Everything installs into .venv from constraints.txt.
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip

.PHONY: venv system-tools operator-schemas scaling demo test up unit chaos bench clean contracts check-contracts \
	fuzz-api image containers

$(VENV)/.installed: constraints.txt requirements-dev.txt $(wildcard */pyproject.toml services/*/pyproject.toml)
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q -c constraints.txt pip
	# requirements-dev.txt installs in compat mode: each package folder goes on sys.path, so
	# running from the repository root (where contracts/ is a plain folder) imports the package
	$(PIP) install -q -c constraints.txt -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

# System commands the suite needs (promtool, node, npm, podman): installed from Debian's packages when
# missing, or one line saying what to install where that is not possible (not root)
system-tools:
	python3 devtools/devtools/system_tools.py

# The operators' schemas for tests/ops (deploy/schemas/operators: @kubernetes-models/keda and
# @kubernetes-models/cloudnative-pg, pinned by package-lock.json)
OPERATOR_SCHEMAS := deploy/schemas/operators/node_modules/.package-lock.json
$(OPERATOR_SCHEMAS): deploy/schemas/operators/package.json deploy/schemas/operators/package-lock.json | system-tools
	npm ci --prefix deploy/schemas/operators --ignore-scripts --no-audit --no-fund
	touch $@

operator-schemas: $(OPERATOR_SCHEMAS)

demo: venv
	$(PY) -m devtools.demo

up: venv
	$(PY) -m devtools.platform up

# The fault run restarts the machine's RabbitMQ and PostgreSQL: plain pytest leaves it out (pytest.ini);
# make test runs it alone, after the rest.
test: system-tools venv operator-schemas
	$(PY) -m devtools.infra
	$(PY) -m pytest -m "not chaos"
	$(PY) -m pytest -m chaos

# Schemathesis at length against the running services (tests/e2e/test_api_fuzz.py; make test runs
# 200 cases per operation, fixed seed): make fuzz-api, or make fuzz-api API_FUZZ_EXAMPLES=5000
API_FUZZ_EXAMPLES ?= 1000
fuzz-api: venv
	$(PY) -m devtools.infra
	API_FUZZ_EXAMPLES=$(API_FUZZ_EXAMPLES) $(PY) -m pytest -m "not chaos" tests/e2e/test_api_fuzz.py

chaos: venv
	$(PY) -m devtools.infra
	$(PY) -m chaos.run

# The image with podman (docs/operations.md): make image builds it (on a base bootstrapped from
# Debian's packages where no registry is reachable); make containers runs the services as
# containers, funds ×3, kills and restarts them under a workload, checks the ledger
# (chaos/results/containers.json): make containers CONTAINERS_ARGS="--orders 1000"
image: system-tools venv
	$(PY) -m devtools.containers image

containers: system-tools venv
	$(PY) -m devtools.infra
	$(PY) -m chaos.containers $(CONTAINERS_ARGS)

unit: system-tools venv operator-schemas
	$(PY) -m pytest -m "not integration and not e2e and not chaos"

# The benchmark (bench/README.md): make bench, or make bench BENCH_ARGS=--quick for a smoke run.
$(VENV)/.bench-installed: $(VENV)/.installed bench/requirements.txt
	$(PIP) install -q -c constraints.txt -r bench/requirements.txt
	touch $@

bench: $(VENV)/.bench-installed
	$(PY) -m bench $(BENCH_ARGS)

# Documents generated from contracts/, the services and chassis/broker.py: AsyncAPI, OpenAPI, deploy/
contracts: venv
	$(PY) -m contracts.docs
	$(PY) -m devtools.openapi_documents
	$(PY) deploy/generate.py

# Fails if a generated document is stale or invalid (make test runs the same tests)
check-contracts: venv operator-schemas
	$(PY) -m pytest tests/contracts -q

# The scaling model (devtools/devtools/scaling.py): a day of the network's trade driving KEDA's rule,
# from the bench's measured throughput; writes docs/scaling.png and prints the table of docs/operations.md
scaling: venv
	$(PY) -m devtools.scaling

clean:
	rm -rf $(VENV) var .pytest_cache
