# Lederassistenten. `make run` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
MODEL := models/lederassistent.tar.gz

# Settings (.env and the environment) are read by bot/settings.py only: the scripts call
# `python -m bot settings export`, so make, the scripts and the servers follow one precedence rule.
export TF_CPP_MIN_LOG_LEVEL ?= 2
export OMP_NUM_THREADS ?= 1
export RASA_TELEMETRY_ENABLED ?= false
export SQLALCHEMY_SILENCE_UBER_WARNING ?= 1
export PYTHONPATH := $(CURDIR)

KNOWLEDGE_FILES := $(wildcard knowledge/*.yml)
NLU_FILES := $(shell find nlu -name '*.yml' 2>/dev/null)
TRAIN_INPUTS := config.yml domain.yml $(NLU_FILES) var/spacy-da/config.cfg

.PHONY: help install run run-prod test-prod train reload-model knowledge nlu test lint typecheck unit integration validate rasa-test eval bench clean widget teams-package

help:
	@echo "make run    - set up everything, train if needed, start the bot (REST/socket.io on :5005)"
	@echo "make run-prod - the production set-up locally: PostgreSQL, Redis, nginx, 2 Rasa + 2 action servers"
	@echo "make test   - lint, types, unit tests, data validation, training, NLU + conversation tests, test-prod"
	@echo "make eval   - answer-quality evaluation over the REST channel (tests/eval/questions.yml)"
	@echo "make bench  - search and answer latency benchmarks"
	@echo "make widget - build the intranet web-chat widget (widget/dist/lederbot-widget.js)"
	@echo "make teams-package - the Microsoft Teams app package (dist/lederassistent-teams.zip; docs/teams.md)"

$(VENV)/.installed: pyproject.toml requirements.lock
	@PYBIN=$$(scripts/find-python.sh) || exit 1; \
	  if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$PYBIN"; PYENV_VERSION=3.10.13 $$PYBIN -m venv $(VENV); fi
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c requirements.lock -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

var/spacy-da/config.cfg: $(VENV)/.installed bot/generate/spacy_model.py
	$(PY) -m bot spacy build

knowledge: $(VENV)/.installed
	$(PY) -m bot knowledge load

nlu: $(VENV)/.installed
	$(PY) -m bot nlu generate

$(MODEL): $(VENV)/.installed $(TRAIN_INPUTS)
	$(PY) -m bot nlu generate --check
	$(RASA) train --data nlu --config config.yml --domain domain.yml --out models --fixed-model-name lederassistent
	@touch $@

train: $(MODEL)

# Switch the running Rasa server (make run) to the newly trained model, without a restart.
reload-model: $(MODEL)
	eval "$$($(PY) -m bot settings export)"; \
	curl -fsS -X PUT "localhost:$${RASA_PORT:-5005}/model?token=$${RASA_API_TOKEN:-$$(cat var/rasa-api-token)}" \
	  -H 'Content-Type: application/json' \
	  -d '{"model_file": "$(CURDIR)/$(MODEL)"}' && echo "Rasa bruger nu $(MODEL)."

# The intranet web-chat widget: one IIFE bundle (socket.io-client + widget/src) built with esbuild.
# `npm ci` only when package.json/package-lock.json are newer than the installed node_modules (no install
# scripts: esbuild runs from its platform package without its postinstall check).
WIDGET_BUNDLE := widget/dist/lederbot-widget.js
WIDGET_SRC := $(shell find widget/src -type f 2>/dev/null) widget/build.mjs

widget/node_modules/.package-lock.json: widget/package.json widget/package-lock.json
	cd widget && npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

$(WIDGET_BUNDLE): widget/node_modules/.package-lock.json $(WIDGET_SRC)
	cd widget && npm run --silent build

widget: $(WIDGET_BUNDLE)

# The Teams app package for the M365 admin (needs TEAMS_APP_ID and TEAMS_BOT_HOST, e.g. in .env).
teams-package: $(VENV)/.installed
	$(PY) -m bot teams package --out dist/lederassistent-teams.zip

run: $(VENV)/.installed var/spacy-da/config.cfg knowledge $(MODEL) widget
	scripts/run.sh

lint: $(VENV)/.installed widget/node_modules/.package-lock.json
	$(VENV)/bin/ruff check bot actions tools tests scripts
	cd widget && npm run --silent lint

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy

# Tests by level: unit (no service at all), integration (real SQLite, PostgreSQL, Redis, HTTP fakes),
# e2e (a trained bot, Chromium; part of rasa-test), prod (the production stack).
unit: $(VENV)/.installed var/spacy-da/config.cfg
	$(PY) -m pytest tests/unit -q
	cd widget && npm test --silent

integration: $(VENV)/.installed var/spacy-da/config.cfg
	scripts/postgres.sh
	scripts/redis.sh
	scripts/deploy-tools.sh
	$(PY) -m pytest tests/integration -m "not rasa" -q

validate: $(VENV)/.installed
	$(PY) -m bot nlu generate --check
	$(RASA) data validate --data nlu --domain domain.yml --config config.yml --fail-on-warnings

rasa-test: $(MODEL) knowledge widget
	$(RASA) test nlu --model $(MODEL) --nlu tests/e2e/nlu_test_data.yml --out results/nlu
	$(RASA) test core --model $(MODEL) --stories tests/e2e/test_stories.yml --out results/core --fail-on-prediction-errors
	scripts/chromium.sh
	$(PY) -m pytest -m rasa -q tests/e2e tests/integration

# The production set-up on this machine: PostgreSQL, Redis, nginx, two Rasa and two action servers.
run-prod: $(VENV)/.installed var/spacy-da/config.cfg $(MODEL) widget
	scripts/run-prod.sh

# Scale-out, fault, fuzz and security tests against that stack (started and stopped by the tests).
test-prod: $(MODEL) widget
	$(PY) -m pytest -m prod -q tests/prod

test:
	scripts/test.sh

eval: $(VENV)/.installed var/spacy-da/config.cfg knowledge $(MODEL)
	$(PY) -m tools.evaluation

bench: $(VENV)/.installed var/spacy-da/config.cfg knowledge
	$(PY) -m tools.bench

clean:
	rm -rf var models results .pytest_cache .mypy_cache .ruff_cache
