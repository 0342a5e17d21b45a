# Ecole — set-up, run, test. `make run` and `make test` are all a fresh Debian/Ubuntu machine needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
INSTALLED := $(VENV)/.installed
# Two test processes (the CI machine has two cores); each gets its own database. PYTEST_ARGS= runs them in one.
PYTEST_ARGS ?= -n 2
# Libraries WeasyPrint needs (Pango, HarfBuzz subsetting), poppler-utils for the PDF tests.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils
MO_FILES := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))

.PHONY: run test bench soak install system-deps browser-deps translations extract update compile clean

run: install compile
	$(FLASK) ecole init
	@echo "Demo world (trainers, trainees, sessions in every state): $(FLASK) ecole demo"
	HOST=$(HOST) PORT=$(PORT) $(FLASK) run --host $(HOST) --port $(PORT)

test: install compile browser-deps
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install compile
	$(PY) -m benchmarks

# Ten minutes of a school's mixed traffic on PostgreSQL and Redis (benchmarks/soak.py; not in `make bench`).
# It drops and recreates the database `soak` and flushes Redis database 6; SOAK_ARGS="--duration 60" for a short run.
soak: install compile
	$(PY) -m benchmarks.soak $(SOAK_ARGS)

install: system-deps $(INSTALLED)

$(INSTALLED): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is needed ($(PYTHON))."; exit 1; }
	@$(PYTHON) -m venv --help >/dev/null 2>&1 && $(PYTHON) -c 'import ensurepip' 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; \
	  else echo "Install python3-venv first: sudo apt-get install python3-venv"; exit 1; fi; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(INSTALLED)

system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "install ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "Installing $$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "Missing system packages. Run: sudo apt-get install $$missing"; exit 1; fi; \
	fi

# The browser tests drive Debian's Chromium, the deployment tests Debian's nginx (tests/test_deploy.py runs
# its own, on free loopback ports); without root they are skipped with the command to run.
browser-deps:
	@missing=$$(command -v chromium >/dev/null 2>&1 || echo chromium; [ -x /usr/sbin/nginx ] || echo nginx); \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

# Translations: extract the strings, merge them into the catalogues, compile them.
extract: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k pgettext:1c,2 -k lazy_pgettext:1c,2 --no-location --sort-output \
	  --project Ecole --msgid-bugs-address ecole@localhost -o translations/messages.pot .

update: extract
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

compile: $(MO_FILES)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po | $(INSTALLED)
	$(VENV)/bin/pybabel compile --use-fuzzy=false -i $< -o $@ 2>/dev/null || $(VENV)/bin/pybabel compile -i $< -o $@

clean:
	rm -rf $(VENV) .pytest_cache
