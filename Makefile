# Encore: the two commands a newcomer needs are `make run` and `make test`.
# Both create the virtualenv and install the pinned dependencies when missing (idempotent).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# AWS SAM CLI pins its own boto3/Flask/... versions, so it lives in its own virtualenv.
SAM_VENV  := .venv-sam
SAM       := $(SAM_VENV)/bin/sam
SAM_STAMP := $(SAM_VENV)/.installed
SAM_CLI_VERSION ?= 1.170.0

.PHONY: run test lint typecheck pytest sandbox bench lock clean docs deploy register-commands migrate

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Encore needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

$(SAM_STAMP):
	@test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --disable-pip-version-check aws-sam-cli==$(SAM_CLI_VERSION)
	@touch $(SAM_STAMP)

## run: the sandbox without DISCORD_BOT_TOKEN, else the real bot on this machine
run: $(STAMP)
	$(BIN)/encore run

## test: lint, type check and the whole test suite with branch coverage
test: lint typecheck pytest docs

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) $(SAM_STAMP)
	SAM_CLI=$(CURDIR)/$(SAM) $(BIN)/pytest --cov --cov-report=term

## docs: build the documentation site in strict mode (broken links and missing pages fail)
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

## deploy: build and deploy the SAM stack (asks for parameters the first time)
deploy: $(STAMP) $(SAM_STAMP)
	$(SAM) build
	$(SAM) deploy --guided

## register-commands: create or update the slash commands (needs DISCORD_* in the environment)
register-commands: $(STAMP)
	$(BIN)/encore register-commands

## migrate: upgrade the database at DATABASE_URL to the newest schema
migrate: $(STAMP)
	$(BIN)/encore migrate

## sandbox: one scripted /play through the whole system
sandbox: $(STAMP)
	$(BIN)/encore sandbox --command "/play query:never gonna give you up"

## bench: front throughput/latency and cold init, billing API p95, fleet cmd/s, latency and RSS -> docs/performance.md
bench: $(STAMP)
	@command -v wrk >/dev/null || { echo "make bench needs wrk: apt-get install wrk"; exit 2; }
	$(BIN)/python -m bench.front
	$(BIN)/python -m bench.billing
	$(BIN)/python -m bench.fleet

## lock: re-pin every dependency after changing pyproject.toml
lock:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e ' > requirements.lock

clean:
	rm -rf $(VENV) $(SAM_VENV) .mypy_cache .ruff_cache .pytest_cache .coverage htmlcov
