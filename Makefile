# The two set-up commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app advice
PORT ?= 5000
DEMO_CASES ?= 20000
STAMP := $(VENV)/.installed

.PHONY: install run test lint translations extract-messages clean-test-artifacts cluster-test

$(STAMP): requirements.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP) translations

# Compiled catalogues are build output (git-ignored), made from the .po files.
translations: $(STAMP)
	$(BIN)/pybabel -q compile --use-fuzzy -d advice/translations -f

# Run after changing user-visible strings; then translate the new English entries.
extract-messages: $(STAMP)
	$(BIN)/pybabel -q extract -F advice/babel.cfg -k _l -k lazy_gettext -c Translators: \
		--ignore-dirs=".* __pycache__" --project=advice --no-location --sort-output -w 100 \
		-o advice/translations/messages.pot advice templates
	$(BIN)/pybabel -q update -i advice/translations/messages.pot -d advice/translations \
		--no-fuzzy-matching -w 100

run: install
	$(FLASK) db upgrade
	$(FLASK) seed
	@if [ ! -f instance/.demo-loaded ]; then \
		$(FLASK) demo --cases $(DEMO_CASES) --password demo && touch instance/.demo-loaded; \
	fi
	@echo ""
	@echo "advice is running at http://127.0.0.1:$(PORT)/"
	@echo "Demo staff accounts (password: demo):"
	@echo "  adviser@example.org      adviser, office for Stockholm"
	@echo "  adviser2@example.org     adviser, another office"
	@echo "  coordinator@example.org  regional coordinator"
	@echo "  admin@example.org        administrator"
	@echo "Emails are written to instance/outbox/ as .eml files."
	@echo ""
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# Every test, on SQLite and (when it answers) PostgreSQL; CI sets ADVICE_REQUIRE_POSTGRES=1.
test: install browser-tools
	$(BIN)/ruff check advice tests
	$(BIN)/pytest -n 2 -p no:cacheprovider

# The browser tests' npm tools (axe-core, the Nu Html Checker) in tests/browser/node_modules,
# installed from its package-lock.json when missing or out of date. Chromium and Java come
# from Debian (.ci/run installs them).
browser-tools: tests/browser/node_modules/.package-lock.json

tests/browser/node_modules/.package-lock.json: tests/browser/package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: the browser checks will skip"; exit 0; }; \
		npm ci --prefix tests/browser --ignore-scripts --no-audit --no-fund

.PHONY: browser-tools

# Two app instances behind nginx sharing PostgreSQL and Redis (about a minute; not part
# of `make test`). Installs nginx from Debian and starts Redis when they are missing.
cluster-test: install
	@command -v nginx >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends nginx-light)
	@redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || \
		redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
	$(BIN)/pytest -p no:cacheprovider -q -s tests/cluster/check_cluster.py

lint: $(STAMP)
	$(BIN)/ruff check advice tests

# Load benchmark (not part of `make test`): gunicorn as in production on advice_bench_<N>,
# driven by wrk; writes docs/benchmarks.md. BENCH_SIZES=10000,100000,1000000 runs all
# three (about half an hour when the databases must be loaded; benchmarks/README.md).
BENCH_SIZES ?= 10000
BENCH_DURATION ?= 10
BENCH_WARMUP ?= 3
BENCH_CONNECTIONS ?= 8
BENCH_FRESH ?=
BENCH_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432

bench: install
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends wrk)
	$(BIN)/python benchmarks/http_suite.py --sizes $(BENCH_SIZES) \
		--duration $(BENCH_DURATION) --warmup $(BENCH_WARMUP) \
		--connections $(BENCH_CONNECTIONS) --database-url $(BENCH_DATABASE_URL) \
		$(if $(BENCH_FRESH),--fresh)

# Fault soak of the question form (not part of `make test`): concurrent questions while
# gunicorn workers are killed and a private PostgreSQL cluster is restarted; fails when an
# accepted question is lost or anything is stored twice.
SOAK_SUBMISSIONS ?= 300
SOAK_SECONDS ?= 120
SOAK_CONCURRENCY ?= 8
SOAK_WORKERS ?= 4
SOAK_KILL_EVERY ?= 3

soak: install
	$(BIN)/python benchmarks/intake_soak.py --submissions $(SOAK_SUBMISSIONS) \
		--seconds $(SOAK_SECONDS) --concurrency $(SOAK_CONCURRENCY) \
		--workers $(SOAK_WORKERS) --kill-every $(SOAK_KILL_EVERY)

.PHONY: bench soak
