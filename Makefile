# Two commands for a fresh Debian machine: `make run` and `make test`. Everything they need is installed from here.
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export NO_MKDOCS_2_WARNING := 1

.PHONY: run test bench soak eval train site extension chromium redis prometheus postgresql chartjs fixtures axe firefox firefox-tools wrk valgrind clean

run: $(INSTALLED) site
	$(BIN)/replyguard serve --host 127.0.0.1 --port 8000 --site-dir site

test: $(INSTALLED) chromium redis prometheus postgresql fixtures axe firefox firefox-tools
	$(BIN)/pytest

# Every benchmark runs, and make bench fails at the end if one of them missed a target.
bench: $(INSTALLED) chromium fixtures wrk valgrind
	@status=0; \
	$(BIN)/python bench/engine_bench.py || status=1; \
	$(BIN)/python bench/instructions.py || status=1; \
	$(BIN)/python bench/extension_bench.py || status=1; \
	$(BIN)/python bench/http_bench.py || status=1; \
	exit $$status

# 15 minutes of mixed load (checks, classifications, posted-reply events, metrics scrapes) at half the measured
# capacity: zero errors, no worker growing by over 10 %, the last minute's p99 within 20 % of the first's, and the
# stored counts equal to the requests answered (bench/soak.py; MINUTES=3 for a short run).
MINUTES ?= 15
soak: $(INSTALLED) wrk
	$(BIN)/python bench/soak.py --minutes $(MINUTES)

# The checker measured on the labelled corpus's test split (corpus/README.md): precision and recall per rule and
# language, every miss in eval-report/report.md; exits non-zero below the targets.
eval: $(INSTALLED)
	$(BIN)/python -m quality.evaluate

# The shipped models (api/replyguard/models/), learnt from the corpus's training part; the same corpus, the same bytes.
train: $(INSTALLED)
	$(BIN)/python -m quality.train

site: $(INSTALLED)
	$(BIN)/mkdocs build --strict --quiet --site-dir site

$(INSTALLED): pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[site,test,train]'
	touch $@

# Debian's Chromium for the browser tests (Playwright's own browser download can't work here) with its other UI
# languages (chromium-l10n: the extension's Danish settings page is tested), and Node.js,
# which builds the test fixtures' editor bundle and measures strings the way the extension's JavaScript does.
chromium:
	@command -v chromium >/dev/null && dpkg -s chromium-l10n >/dev/null 2>&1 || \
		($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium chromium-l10n)
	@command -v node >/dev/null && command -v npm >/dev/null || \
		($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q nodejs npm)

# Debian's firefox-esr, for the extension's test in Firefox.
firefox:
	@command -v firefox-esr >/dev/null || ($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q firefox-esr)

# The Firefox tests' tools, the versions pinned in tests/firefox/package-lock.json and run from its node_modules:
# web-ext lints the Firefox package, puppeteer-core drives firefox-esr over WebDriver BiDi.
FIREFOX_TOOLS := tests/firefox
firefox-tools: $(FIREFOX_TOOLS)/node_modules/.package-lock.json

$(FIREFOX_TOOLS)/node_modules/.package-lock.json: $(FIREFOX_TOOLS)/package-lock.json | chromium
	cd $(FIREFOX_TOOLS) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Redis, for the tests of a rate limit shared by several instances (each test starts its own on a free port).
redis:
	@command -v redis-server >/dev/null || ($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q redis-server)

# Prometheus, which tests/test_insights_metrics.py starts on a free port to scrape a running API (never as a service).
prometheus:
	@command -v prometheus >/dev/null || ($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q prometheus)

# PostgreSQL, for the insight store's tests: each test run makes its own cluster in a temporary folder on a free port
# (initdb and pg_ctl from /usr/lib/postgresql/*/bin), never touching the system's own.
postgresql:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || \
		($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q postgresql)

# The dashboard's chart library, shipped in the package (no CDN): Chart.js as pinned in vendor/chartjs/package-lock.json,
# copied with its licences into api/replyguard/dashboard/. Run after changing the pin; tests/test_insights_dashboard.py
# checks the copy is the pinned version.
DASHBOARD := api/replyguard/dashboard
chartjs: | chromium
	cd vendor/chartjs && npm ci --no-audit --no-fund --loglevel=error
	cp vendor/chartjs/node_modules/chart.js/dist/chart.umd.min.js $(DASHBOARD)/chart.umd.min.js
	cp vendor/chartjs/node_modules/chart.js/LICENSE.md $(DASHBOARD)/chart.js-LICENSE.md
	cp vendor/chartjs/node_modules/@kurkle/color/LICENSE.md $(DASHBOARD)/kurkle-color-LICENSE.md

# wrk, the HTTP load generator bench/http_bench.py drives.
wrk:
	@command -v wrk >/dev/null || ($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q wrk)

# valgrind, whose instruction counts (bench/instructions.py) a busy machine can't sway.
valgrind:
	@command -v valgrind >/dev/null || ($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q valgrind)

# The browser extension's packages (extension/build.py): a zip for the Chrome Web Store (or a self-hosted,
# policy-installed package), and Firefox's, with its manifest derived from Chrome's, zipped and unpacked in dist/firefox.
# A team's own Firefox copy: `make extension FIREFOX_ID=replyguard@example.dk FIREFOX_API=https://replyguard.example.dk`
# (the playbook's admin page on the extension); dist/.firefox-options remembers them, so a change rebuilds.
EXTENSION_PACKAGES := dist/replyguard-extension.zip dist/replyguard-extension-firefox.zip dist/firefox/manifest.json
FIREFOX_OPTIONS := dist/.firefox-options
extension: $(EXTENSION_PACKAGES)

$(EXTENSION_PACKAGES) &: $(shell find extension -type f -not -name '*.pyc') $(FIREFOX_OPTIONS)
	python3 extension/build.py dist --firefox-id '$(FIREFOX_ID)' --firefox-api '$(FIREFOX_API)'

$(FIREFOX_OPTIONS): FORCE
	@mkdir -p dist
	@echo '$(FIREFOX_ID) $(FIREFOX_API)' | cmp -s - $@ || echo '$(FIREFOX_ID) $(FIREFOX_API)' > $@

FORCE:

# The Facebook fixture page's editor: the real Lexical from npm (versions pinned in package-lock.json), bundled.
FIXTURE_EDITOR := tests/fixtures/facebook
fixtures: $(FIXTURE_EDITOR)/dist/editor.bundle.js

$(FIXTURE_EDITOR)/dist/editor.bundle.js: $(FIXTURE_EDITOR)/editor.js $(FIXTURE_EDITOR)/package-lock.json | chromium
	cd $(FIXTURE_EDITOR) && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build

# axe-core for the accessibility tests (the playbook site, the extension): the version pinned in
# tests/a11y/package-lock.json, which the tests load from tests/a11y/node_modules/axe-core/axe.min.js, never a CDN.
# (touch: npm keeps the package's own 1985 file dates, which would make the file look older than the lock file.)
A11Y := tests/a11y
axe: $(A11Y)/node_modules/axe-core/axe.min.js

$(A11Y)/node_modules/axe-core/axe.min.js: $(A11Y)/package-lock.json | chromium
	cd $(A11Y) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf $(VENV) site dist build test-artifacts
