# haplog — build, test, check, bench, fuzz, run.
# `make run` and `make test` are the two commands a new machine needs.

GO            ?= go
BIN           := bin
STATICCHECK   := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOBIN_DIR     := $(shell $(GO) env GOPATH)/bin
# Packages that run goroutines get a second pass under the race detector.
RACE_PKGS     ?= ./rotate/... ./syslogd/... ./proxy/... ./halog/... ./e2e/... ./cmd/rotate/...
FUZZTIME      ?= 10s
CMDS          := $(notdir $(wildcard cmd/*))

.PHONY: all build test race check staticcheck bench fuzz fidelity run clean

all: build

build:
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/ ./cmd/...

test:
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -race $(RACE_PKGS)
	$(GO) test -count=1 -tags purego ./formats ./halog

check: staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GOBIN_DIR)/staticcheck ./...

staticcheck:
	@test -x $(GOBIN_DIR)/staticcheck || $(GO) install $(STATICCHECK)

bench: build
	$(GO) test -run='^$$' -bench=. -benchmem ./...
	bench/all.sh

# Differential runs against the real HAProxy 2.6 / halog (apt-get install
# haproxy); each test skips with a message when the program is missing, and
# fails instead under CI=true (.ci/run installs them and sets it, which also
# makes `make test` run TestFidelity).
fidelity: build
	HAPLOG_FIDELITY=1 $(GO) test -count=1 -v -run 'TestFidelity' ./fidelity/
	$(GO) test -count=1 -v -run 'TestDifferential|Scenarios|TestHalogReadsLines|TestCLIAdminSequenceHAProxy' ./proxy/
	$(GO) test -count=1 -v -run 'TestCheckVsHAProxy' ./cmd/proxy/
	$(GO) test -count=1 -run 'TestHAProxyDifferential' ./formats/

fuzz:
	FUZZTIME=$(FUZZTIME) ./scripts/fuzz.sh

run: build
	./scripts/run.sh

clean:
	rm -rf $(BIN) logs
