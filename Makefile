# Parley's entry points. `make run` serves the product on :8080 with data in
# ./data; `make test` runs every test. Both install what is missing.

GO      ?= go
BIN     := bin/parley
ADDR    ?= :8080
DATA    ?= ./data
# Everything the server binary is built from; it is rebuilt only when one changes.
SOURCES := go.mod go.sum $(shell find server shared assets -type f -not -path '*/testdata/*' 2>/dev/null)

.PHONY: all build run test vet bench deps clean

all: build

build: $(BIN)

$(BIN): $(SOURCES) | deps
	$(GO) build -o $@ ./server/cmd/parley

run: build
	./$(BIN) serve --addr $(ADDR) --data $(DATA)

test: deps
	@test -z "$$(gofmt -l server shared web 2>/dev/null)" || { echo "gofmt needed:"; gofmt -l server shared web; exit 1; }
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./shared/...   # shared/ must build for the browser
	$(GO) test -count=1 ./...
	# The realtime frame decoder meets untrusted bytes: fuzz it briefly on every run.
	$(GO) test -run '^$$' -fuzz FuzzDecodeClient -fuzztime $(FUZZTIME) ./shared/realtime

FUZZTIME ?= 15s

# Benchmarks (see docs/BENCHMARKS.md). BENCH narrows them, e.g. BENCH=MessageCreate.
BENCH ?= .
bench: deps
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -count=1 ./...

# deps installs what a fresh machine with only Go lacks: a C compiler for
# SQLite's cgo bindings (Debian's gcc), and the Go modules.
deps: .cache/deps

.cache/deps: go.mod go.sum
	@command -v gcc >/dev/null 2>&1 || { echo "installing gcc (SQLite is compiled with cgo)"; \
		$(SUDO) apt-get update && $(SUDO) apt-get install -y gcc libc6-dev; }
	$(GO) mod download
	@mkdir -p .cache && touch $@

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

clean:
	rm -rf bin .cache
