# The safeguarding assistant. `make run` starts everything; `make test` runs every test.
# Both install what is missing first (Python 3.10 venv for Rasa, Python 3.11 venv for intake/).

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
RASA := $(BIN)/rasa
MODEL := models/assistant.tar.gz
SPACY_MODEL := models/spacy/en_safeguarding
SPACY_BASE_MODEL ?= blank

# Rasa 3.6 does not run on Python 3.11: use pyenv's 3.10, or a python3.10 that really runs.
PYTHON310 ?= $(shell for p in $$(ls -d $$(pyenv root 2>/dev/null)/versions/3.10.*/bin/python 2>/dev/null | sort -V -r) \
	$$(command -v python3.10 2>/dev/null); do "$$p" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null && { echo "$$p"; break; }; done)

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 3
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1
export ACTION_ENDPOINT_URL ?= http://127.0.0.1:5055/webhook
export TRACKER_STORE_DB ?= var/rasa.db

TRAINING_INPUTS := config.yml domain.yml $(wildcard data/*/*.yml) $(wildcard nlp/*.py) $(wildcard policies/*.py) requirements.lock

.PHONY: help install web test-web spacy train run run-production run-scale-out shell actions purge bench test test-python validate test-stories test-nlu lint format lock clean

help:
	@echo "make run    install, build, train when needed, start everything"
	@echo "make shell  chat with the assistant in the terminal"
	@echo "make purge  delete what is past its retention period (make run does this every 10 minutes)"
	@echo "make test   install, then every test"
	@echo "make bench  load, understanding and intake benchmarks (figures in bench/results/)"

# --- install ----------------------------------------------------------------------------------
$(VENV)/.installed: requirements.lock
	@test -n "$(PYTHON310)" || { echo "Python 3.10 not found (pyenv install 3.10, or put python3.10 on PATH)"; exit 1; }
	@test -x $(PY) || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check "pip==24.0"
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

install: $(VENV)/.installed web
	@if [ -f intake/Makefile ]; then $(MAKE) --no-print-directory -C intake venv; fi

# --- the web chat (web/): GOV.UK Frontend, socket.io-client, axe-core from npm, built into web/dist
web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

web/dist/.built: web/node_modules/.installed web/build.mjs $(wildcard web/src/*)
	cd web && npm run --silent build
	@touch $@

web: web/dist/.built

lock: $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements.in
	{ sed -n '1,3p' requirements.lock; $(PY) -m pip freeze --all | grep -v '^pip=='; } > requirements.lock.new
	mv requirements.lock.new requirements.lock

# --- build and train --------------------------------------------------------------------------
$(SPACY_MODEL)/.built: $(VENV)/.installed $(wildcard nlp/*.py)
	$(PY) -m nlp.pipeline --out $(SPACY_MODEL) --base $(SPACY_BASE_MODEL)
	@touch $@

spacy: $(SPACY_MODEL)/.built

$(MODEL): $(SPACY_MODEL)/.built $(TRAINING_INPUTS)
	$(RASA) train --force --fixed-model-name assistant --out models
	@touch $@

train: $(MODEL)

var:
	@mkdir -p var && chmod 700 var

# --- run --------------------------------------------------------------------------------------
run: install train var
	@echo
	@echo "Starting the assistant. When it says it is up (about a minute):"
	@echo "  the web chat:  open http://127.0.0.1:8000/ in a browser"
	@echo "  chat over REST:  curl -s localhost:5005/webhooks/rest/webhook -d '{\"sender\":\"me\",\"message\":\"hello\"}'"
	@echo "  chat in a terminal:  make shell   (in another terminal)"
	@echo "  intake API documentation:  http://127.0.0.1:8000/docs"
	@echo "Stop with Ctrl+C."
	@echo
	umask 077 && $(BIN)/honcho start -f Procfile $(if $(wildcard intake/Makefile),,actions,rasa)

# The production profile (docs/production.md): the web chat's socket.io channel alone, no REST, no debug logging.
run-production: install train var
	umask 077 && RASA_CREDENTIALS=credentials.production.yml LOG_LEVEL=INFO LOG_LEVEL_LIBRARIES=ERROR $(BIN)/honcho start -f Procfile $(if $(wildcard intake/Makefile),,actions,rasa)

actions: install
	umask 077 && $(BIN)/python -m actions.server --port 5055

# The scale-out topology on this machine (deploy/README.md): two Rasa replicas (production profile)
# and two action servers behind nginx, the tracker store and the intake on PostgreSQL, locks in Redis.
run-scale-out: install train var
	set -a && . deploy/scale-out.env && set +a && $(PY) deploy/prepare.py && \
		umask 077 && $(BIN)/honcho start -f deploy/Procfile -e deploy/scale-out.env

# Retention: conversations idle past their period and referrals abandoned when their session expired
# (conversations/retention.py), then the intake's purge (referrals, conversations, audit rows past
# theirs). Each prints what it deleted. `make run` runs this every 10 minutes while it is up.
purge: $(VENV)/.installed var
	umask 077 && $(PY) -m conversations.retention
	@if [ -f intake/Makefile ]; then $(MAKE) --no-print-directory -C intake purge; fi

# Uses the action server of `make run` when one is up, else starts its own for the session.
shell: install train var
	@umask 077; if curl -s -o /dev/null http://127.0.0.1:5055/health 2>/dev/null; then \
		$(RASA) shell --model $(MODEL) --endpoints endpoints.yml --port 5006; \
	else \
		$(PY) -m actions.server --port 5055 > var/actions-shell.log 2>&1 & pid=$$!; \
		trap "kill $$pid" EXIT; \
		$(RASA) shell --model $(MODEL) --endpoints endpoints.yml --port 5006; \
	fi

# --- test -------------------------------------------------------------------------------------
test: install lint test-web test-python test-stories test-nlu
	@if [ -f intake/Makefile ]; then $(MAKE) --no-print-directory -C intake test-sqlite test-postgresql; fi

# --- benchmarks (bench/, figures under bench/results/) ----------------------------------------
# Load against this assistant and a stock `rasa init` one in the same run (bench/load.py, with its
# plot), the understanding rates on the five independent sets, the safety net's share, and the intake.
# BENCH_LOAD_ARGS passes options to bench/load.py (for example --levels 1,10 for a quick look).
bench: install train var
	PYTHONPATH=. $(PY) bench/load.py $(BENCH_LOAD_ARGS)
	PYTHONPATH=. $(PY) bench/understanding.py --set tests/understanding
	PYTHONPATH=. $(PY) bench/understanding.py --set tests/understanding_fresh
	PYTHONPATH=. $(PY) bench/understanding.py --set tests/understanding_blind
	PYTHONPATH=. $(PY) bench/understanding.py --set tests/understanding_final
	PYTHONPATH=. $(PY) bench/understanding.py --set tests/understanding_dec2
	PYTHONPATH=. $(PY) bench/safety_net.py
	@if [ -f intake/Makefile ]; then $(MAKE) --no-print-directory -C intake bench; fi

# --- supply chain -----------------------------------------------------------------------------
# Known vulnerabilities in every pinned package: requirements.lock and intake/requirements.lock
# (pip-audit from the intake venv, which reads the locks and installs nothing) and
# web/package-lock.json (npm audit). A finding fails unless audit-allowlist.txt lists it with a
# reason. A vulnerability service that cannot be reached, or that leaves a package unaudited, fails
# the target under CI=true and is a warning elsewhere.
PIP_AUDIT ?= intake/.venv/bin/pip-audit
NPM ?= npm

define AUDIT_CHECK
import json, os, subprocess, sys

ALLOW_FILE = "audit-allowlist.txt"
IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")
pip_audit, npm = sys.argv[1], sys.argv[2]


def read_allow_list():
    allowed, broken = {}, []
    with open(ALLOW_FILE, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = line.split(None, 2)
            if len(parts) < 3 or not parts[2].strip():
                broken.append(f"{ALLOW_FILE}:{number}: needs an id, a package and a reason")
                continue
            allowed[(parts[0].upper(), parts[1].lower())] = (parts[0], parts[2].strip())
    return allowed, broken


def python_findings(lock):
    """(findings, None) or (None, why the lock could not be audited)."""
    done = subprocess.run(
        [pip_audit, "--no-deps", "--disable-pip", "--progress-spinner", "off", "-f", "json", "-r", lock],
        capture_output=True, text=True,
    )
    try:
        report = json.loads(done.stdout)
        packages = report["dependencies"]
    except (ValueError, KeyError, TypeError):
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"pip-audit could not audit {lock}: {last[:300]}"
    skipped = [p["name"] for p in packages if p.get("skip_reason")]
    if skipped:
        return None, (
            f"the vulnerability service left {len(skipped)} of {len(packages)} packages of {lock} "
            f"unaudited (first: {', '.join(skipped[:3])})"
        )
    return [
        (lock, p["name"], p["version"], [v["id"], *v.get("aliases", [])], ", ".join(v.get("fix_versions", [])))
        for p in packages
        for v in p.get("vulns", [])
    ], None


def npm_findings():
    done = subprocess.run([npm, "audit", "--json"], cwd="web", capture_output=True, text=True)
    try:
        report = json.loads(done.stdout)
    except ValueError:
        report = {}
    if not isinstance(report.get("vulnerabilities"), dict):
        why = report.get("message") or (done.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"npm audit could not audit web/package-lock.json: {str(why)[:300]}"
    findings = []
    for name, entry in report["vulnerabilities"].items():
        for via in entry.get("via", []):
            if isinstance(via, dict):  # an advisory; a plain name points at another entry
                ghsa = str(via.get("url", "")).rstrip("/").rsplit("/", 1)[-1]
                fix = entry.get("fixAvailable")
                if isinstance(fix, dict):
                    fix = f"{fix.get('name')} {fix.get('version')}"
                ids = [ghsa, str(via.get("source", ""))]
                package = via.get("name", name)
                findings.append(("web/package-lock.json", package, entry.get("range", "?"), ids, str(fix)))
    return findings, None


allowed, broken = read_allow_list()
findings, unreachable = [], []
for lock in ("requirements.lock", "intake/requirements.lock"):
    found, why = python_findings(lock)
    findings += found or []
    if why:
        unreachable.append(why)
found, why = npm_findings()
findings += found or []
if why:
    unreachable.append(why)

used, refused = set(), 0
for where, package, version, ids, fix in findings:
    key = next(((i.upper(), package.lower()) for i in ids if (i.upper(), package.lower()) in allowed), None)
    if key:
        used.add(key)
        print(f"   allowed  {where}: {package} {version} {allowed[key][0]}: {allowed[key][1]}")
    else:
        refused += 1
        named = " ".join(i for i in ids if i)
        print(f"!! VULNERABLE  {where}: {package} {version} {named} (fixed in: {fix or 'none yet'})")
for key in sorted(set(allowed) - used):
    if not unreachable:
        print(f"   note: {ALLOW_FILE} lists {allowed[key][0]} for {key[1]}, which no audit found: remove it?")
for line in broken:
    print(f"!! {line}")
for why in unreachable:
    print(f"!! {why}")
summary = f"audit: {len(findings)} known vulnerabilit{'y' if len(findings) == 1 else 'ies'}, {refused} not allowed"
print(summary + (f"; {len(unreachable)} of 3 locks not audited" if unreachable else ""))
if unreachable and IN_CI:
    print("!! audit: the vulnerability service could not be reached: FAILING (CI=true)")
elif unreachable:
    print("!! audit: WARNING: not every package could be audited (under CI=true this fails)")
sys.exit(1 if refused or broken or (unreachable and IN_CI) else 0)
endef
export AUDIT_CHECK

.PHONY: audit
audit:
	@if [ -f intake/Makefile ]; then $(MAKE) --no-print-directory --silent -C intake venv; fi
	@intake/.venv/bin/python -c "$$AUDIT_CHECK" "$(PIP_AUDIT)" "$(NPM)"

# Unit tests of the widget's own logic (node's test runner); the page itself is tested in a real
# browser by tests/test_web_chat.py (make test-python).
test-web: web
	cd web && node --test test/

lint: $(VENV)/.installed
	$(BIN)/ruff check actions channels conversations nlp policies tests bench deploy
	$(BIN)/ruff format --check actions channels conversations nlp policies tests bench deploy
	@if [ -f intake/Makefile ]; then $(MAKE) --no-print-directory -C intake lint; fi

format: $(VENV)/.installed
	$(BIN)/ruff format actions channels conversations nlp policies tests bench deploy
	$(BIN)/ruff check --fix actions channels conversations nlp policies tests bench deploy

validate: $(VENV)/.installed
	$(RASA) data validate --fail-on-warnings

# Unit tests of the spaCy pipeline, the safety net and every custom action, `rasa data validate
# --fail-on-warnings` (tests/test_training_data.py), then the live conversations over REST
# against the trained model (tests/test_live_conversations.py).
test-python: spacy train
	$(BIN)/pytest

# Conversation tests (tests/stories/*.yml), on text the model never trained on.
test-stories: train
	$(RASA) test core --model $(MODEL) --stories tests/stories --out results/stories --fail-on-prediction-errors

# NLU evaluation on the held-out set written apart from the training data (tests/nlu/heldout.yml),
# report under results/nlu; fails under the floors (tests/check_nlu_report.py).
test-nlu: train
	$(RASA) test nlu --model $(MODEL) --nlu tests/nlu/heldout.yml --out results/nlu
	$(PY) -m tests.check_nlu_report results/nlu

clean:
	rm -rf models/spacy models/*.tar.gz results .pytest_cache
