# Jaga: the two commands a newcomer needs are `make demo` and `make test`.
# Each creates .venv with Python 3.10, installs the pinned dependencies and trains the
# model when the data changed (Rasa's fingerprinting skips training otherwise).

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
STAMP := $(VENV)/.installed
DATA := nlu_data stories
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONHASHSEED := 0

.PHONY: demo test train chat run eval bench loadtest lint format validate clean help

help:
	@echo "make demo   - start the classroom web chat (offline, no token)"
	@echo "make test   - the whole test suite"
	@echo "make train  - check the data and train the model into models/"
	@echo "make eval   - accuracy reports in reports/"
	@echo "make bench  - performance benchmark into reports/bench.md"
	@echo "make loadtest - bounded load test on loopback into reports/loadtest.md (needs Redis)"
	@echo "make run    - the Telegram bot (needs TELEGRAM_BOT_TOKEN)"
	@echo "make chat   - a chat in the terminal"

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	@set -e; \
	if [ ! -x $(PY) ]; then \
	  py=$$(scripts/find-python310.sh) || exit 1; \
	  echo "Creating $(VENV) with $$py"; \
	  "$$py" -m venv $(VENV); \
	fi; \
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip<25" wheel; \
	echo "Installing pinned dependencies (about 2 minutes the first time)..."; \
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt; \
	$(PY) -m pip check; \
	touch $(STAMP)

venv: $(STAMP)

# Progress: one line per component Rasa (re)trains; the full log goes to reports/train.log.
train: $(STAMP)
	@$(PY) -m tools.check_data
	@mkdir -p reports; echo "Training (only what changed since the last model)..."
	@set -o pipefail; $(RASA) train --config config.yml --domain domain.yml --data $(DATA) \
	  --out models --fixed-model-name jaga 2>&1 | tee reports/train.log \
	  | { grep --line-buffered -E "Starting to train component|Nothing changed|trained and saved" \
	      | sed -u -e "s/.*Starting to train component '\(.*\)'.*/  training \1/" \
	               -e "s/.*\(Nothing changed\).*/  \1: the current model is up to date/" \
	               -e "s/.*\(Your Rasa model is trained.*\)/  \1/" -e "s/\x1b\[[0-9;]*m//g" || true; } \
	  || { tail -n 40 reports/train.log; echo "Training failed: full log in reports/train.log"; exit 1; }

validate: $(STAMP)
	@$(RASA) data validate --config config.yml --domain domain.yml --data $(DATA) --fail-on-warnings

lint: $(STAMP)
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/mypy

format: $(STAMP)
	@$(VENV)/bin/ruff format .
	@$(VENV)/bin/ruff check --fix .

demo: train
	@$(PY) -m bot demo

chat: train
	@$(PY) -m bot chat

run: train
	@$(PY) -m bot telegram

test: train lint validate
	@scripts/ensure-chromium.sh || echo "(browser tests will be skipped)"
	@$(PY) -m pytest

eval: train
	@$(PY) -m tools.evaluate

# BENCH_ARGS sizes the run, e.g. BENCH_ARGS="--cold-starts 1 --train-repeats 1 --duration 2"
bench: train
	@$(PY) -m tools.bench $(BENCH_ARGS)

loadtest: train
	@$(PY) -m tools.bench.loadtest $(LOADTEST_ARGS)

clean:
	rm -rf models reports .pytest_cache
