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
test: install
	$(BIN)/ruff check advice tests
	$(BIN)/pytest -n 2 -p no:cacheprovider

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
