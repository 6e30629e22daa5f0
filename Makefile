# Parley's entry points. `make run` serves the product on :8080 with data in
# ./data; `make test` runs every test. Both install what is missing.

GO      ?= go
BIN     := bin/parley
ADDR    ?= :8080
DATA    ?= ./data
# Everything the server binary is built from; it is rebuilt only when one changes.
SOURCES := go.mod go.sum web/dist/dist.go $(shell find server shared assets -type f -not -path '*/testdata/*' 2>/dev/null)
# The widget's and the desktop's WASM: each rebuilt only when its Go
# sources change (a build and brotli's best compression take about a minute
# and a half here).
WASM_COMMON := go.mod go.sum web/cmd/precompress/main.go $(shell find shared web/attach web/composer -name '*.go' -not -name '*_test.go' 2>/dev/null)
WIDGET := web/dist/build/widget.wasm.br
DESKTOP := web/dist/build/desktop.wasm.br
# Browser tests check every screen with axe-core, from npm (server/app/
# axe_browser_test.go reads .cache/npm/node_modules/axe-core/axe.min.js;
# PARLEY_AXE names another copy). Pinned: a new version brings new rules,
# taken on purpose. The stamp reinstalls when the version changes.
AXE_VERSION := 4.14.1
AXE := .cache/npm/axe-core-$(AXE_VERSION)

.PHONY: all build run test vet bench deps clean chromium nats-server

all: build

build: $(BIN)

$(BIN): $(SOURCES) $(WIDGET) $(DESKTOP) | deps
	$(GO) build -o $@ ./server/cmd/parley

# The server embeds web/dist/build: the WASM precompressed (brotli, gzip),
# and the wasm_exec.js of the Go that built it. $(1) is the app under web/.
define wasm
	@mkdir -p .cache web/dist/build
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags="-s -w" -o .cache/$(1).wasm ./web/$(1)
	$(GO) run ./web/cmd/precompress .cache/$(1).wasm
	cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" web/dist/build/wasm_exec.js
	mv .cache/$(1).wasm.gz web/dist/build/$(1).wasm.gz
	mv .cache/$(1).wasm.br web/dist/build/$(1).wasm.br
endef

$(WIDGET): $(WASM_COMMON) $(shell find web/widget -name '*.go' -not -name '*_test.go' 2>/dev/null) | deps
	$(call wasm,widget)

$(DESKTOP): $(WASM_COMMON) $(shell find web/desktop -name '*.go' -not -name '*_test.go' 2>/dev/null) | deps
	$(call wasm,desktop)

run: build
	./$(BIN) serve --addr $(ADDR) --data $(DATA) --demo --simulator

test: deps $(WIDGET) $(DESKTOP) chromium nats-server $(AXE)
	@test -z "$$(gofmt -l server shared web 2>/dev/null)" || { echo "gofmt needed:"; gofmt -l server shared web; exit 1; }
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./shared/... ./web/attach ./web/composer ./web/widget ./web/desktop   # these build for the browser
	# Every package, with a throwaway PostgreSQL beside (scripts/with-postgres, unless
	# PARLEY_TEST_DATABASE names a server): the store's tests and the kill -9 test run
	# on both engines; then the end-to-end suite again, on PostgreSQL.
	PARLEY_BROWSER_TESTS=1 scripts/with-postgres sh -c '$(GO) test -count=1 -timeout 30m ./... && \
		PARLEY_TEST_ENGINE=postgres $(GO) test -count=1 -timeout 30m ./server/app/'
	# The realtime frame decoder meets untrusted bytes: fuzz it briefly on every run.
	$(GO) test -run '^$$' -fuzz FuzzDecodeClient -fuzztime $(FUZZTIME) ./shared/realtime
	# Clients decode every server frame on a fast path held to encoding/json's answers.
	$(GO) test -run '^$$' -fuzz FuzzDecodeServer -fuzztime $(FUZZTIME) ./shared/realtime
	# So do TaskRouter expressions, parsed from every queue and workflow saved.
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME) ./server/routing/expr
	# Every way of writing a private address must meet the outbound policy's refusal.
	$(GO) test -run '^$$' -fuzz FuzzOutboundPolicy -fuzztime $(FUZZTIME) ./server/outbound

# Fuzz budgets are counts, not durations: a duration races Go's fuzz
# coordinator at its deadline (golang/go#75804, unfixed in go1.26) and fails
# with a bare "context deadline exceeded" and no crasher. About 15 s here.
FUZZTIME ?= 600000x

# Benchmarks (see docs/BENCHMARKS.md). BENCH narrows them, e.g. BENCH=MessageCreate.
BENCH ?= .
# The store's benchmarks run on both engines, with a throwaway PostgreSQL.
bench: deps
	scripts/with-postgres $(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -count=1 ./...

# deps installs what a fresh machine with only Go lacks: a C compiler for
# SQLite's cgo bindings (Debian's gcc), and the Go modules.
deps: .cache/deps

.cache/deps: go.mod go.sum
	@command -v gcc >/dev/null 2>&1 || { echo "installing gcc (SQLite is compiled with cgo)"; \
		$(SUDO) apt-get update && $(SUDO) apt-get install -y gcc libc6-dev; }
	$(GO) mod download
	@mkdir -p .cache && touch $@

# Browser tests drive Debian's Chromium.
chromium:
	@command -v chromium >/dev/null 2>&1 || { echo "installing chromium (browser tests)"; \
		$(SUDO) apt-get update && $(SUDO) apt-get install -y chromium; }

# The cluster tests run Debian's NATS server between their nodes.
nats-server:
	@command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || { echo "installing nats-server (cluster tests)"; \
		$(SUDO) apt-get update && $(SUDO) apt-get install -y nats-server; }

# axe-core for the browser tests' accessibility checks (see AXE above).
$(AXE):
	@command -v npm >/dev/null 2>&1 || { echo "installing npm (axe-core, the browser tests' accessibility checker)"; \
		$(SUDO) apt-get update && $(SUDO) apt-get install -y npm; }
	npm install --no-save --no-audit --no-fund --prefix .cache/npm axe-core@$(AXE_VERSION)
	@touch $@

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

clean:
	rm -rf bin .cache web/dist/build/*.br web/dist/build/*.gz web/dist/build/*.js
