# Passerelle. `make run` starts the demo; `make test` runs every test.
GO ?= go

.PHONY: run test test-go test-e2e bench bench-compare soak fmt vet fuzz assets

# make run ADDR=localhost:8090 when 8080 is taken; the demo's relying
# parties and outbox are on the next port (8081 by default).
ADDR ?= localhost:8080
run:
	$(GO) run ./cmd/passerelle demo -addr $(ADDR)

test: vet test-go test-e2e

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...

test-go:
	$(GO) test -race -count=1 ./...

e2e/node_modules: e2e/package-lock.json
	cd e2e && npm ci --no-audit --no-fund
	@touch e2e/node_modules

test-e2e: e2e/node_modules
	cd e2e && npm test

bench:
	$(GO) run ./cmd/passerelle-bench -duration 5s -workers 32
	$(GO) test -run '^$$' -bench . -benchtime 2s ./store/bolt
	$(GO) test -run '^$$' -bench . -benchtime 2000x ./mfa/...
	$(GO) test -run '^$$' -bench Hash -benchtime 40x -v ./providers/local | grep -E 'argon2id|Benchmark'
	$(GO) test -run '^$$' -bench . -benchtime 200x ./providers/saml

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzAuthorize -fuzztime 30s ./broker
	$(GO) test -run '^$$' -fuzz FuzzToken -fuzztime 30s ./broker
	for f in FuzzLegacyCSV FuzzLegacyJSON FuzzRecordsCSV FuzzRecordsJSON; do \
		$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime 30s ./admin || exit 1; done

# Passerelle beside the zitadel/oidc v3 example OP, plus bbolt against
# PostgreSQL when PASSERELLE_TEST_POSTGRES_DSN is set. Figures only.
bench-compare:
	@dir=$$(mktemp -d) && trap 'rm -rf "$$dir"' EXIT && \
	$(GO) build -o "$$dir/passerelle" ./cmd/passerelle && \
	$(GO) build -o "$$dir/zitadel-example" github.com/zitadel/oidc/v3/example/server && \
	$(GO) build -o "$$dir/bench-compare" ./cmd/passerelle-bench-compare && \
	"$$dir/bench-compare" -passerelle "$$dir/passerelle" -example "$$dir/zitadel-example" $(BENCH_COMPARE_FLAGS)

# N minutes of steady mixed load on `passerelle serve` (bbolt; -postgres DSN for PostgreSQL), printing
# per-minute p50/p99 per operation, RSS, heap, goroutines, open files and
# store size. Figures only. make soak SOAK_FLAGS="-minutes 5 -signin-rate 20"
SOAK_FLAGS ?= -minutes 30
soak:
	@dir=$$(mktemp -d) && trap 'rm -rf "$$dir"' EXIT && \
	$(GO) build -o "$$dir/passerelle" ./cmd/passerelle && \
	$(GO) build -o "$$dir/soak" ./cmd/passerelle-soak && \
	"$$dir/soak" -passerelle "$$dir/passerelle" $(SOAK_FLAGS)

# The pages' self-hosted fonts (@fontsource Lato and Noto Sans) and the GC
# Design System tokens (@cdssnc/gcds-tokens), from npm into
# broker/ui/static (embedded, committed): run after changing
# tools/uiassets/package.json.
assets:
	cd tools/uiassets && npm ci --no-audit --no-fund && node vendor.mjs
