# Chartroom — see README.md. `make run` for the demo, `make test` for every test.
GO        ?= go
BIN       := bin/chartroom
FRONTEND  := frontend
UI_STAMP  := $(FRONTEND)/dist/index.html
UI_SRC    := $(shell find $(FRONTEND)/src $(FRONTEND)/index.html $(FRONTEND)/package.json $(FRONTEND)/vite.config.ts -type f 2>/dev/null)

.PHONY: run test test-go test-ui e2e ui build bench vet clean deps-ui

## run: build the web UI when needed and serve the demo on the embedded store
run: $(UI_STAMP)
	$(GO) run ./cmd/chartroom serve --demo

## test: go vet, all Go tests, front-end unit tests and browser tests
test: vet test-go test-ui e2e

vet:
	$(GO) vet ./...

test-go:
	$(GO) test -count=1 ./...

test-ui: deps-ui
	cd $(FRONTEND) && npm test && npm run check

## e2e: browser tests (playwright-core + Debian chromium) against a fresh demo server
e2e: $(UI_STAMP)
	$(GO) build -o $(BIN) ./cmd/chartroom
	bash .ci/e2e.sh $(BIN)

## ui: build the web UI into frontend/dist (embedded by the Go build)
ui: deps-ui
	cd $(FRONTEND) && npm run build

$(UI_STAMP): $(UI_SRC) | deps-ui
	cd $(FRONTEND) && npm run build

deps-ui: $(FRONTEND)/node_modules/.package-lock.json

$(FRONTEND)/node_modules/.package-lock.json: $(FRONTEND)/package.json $(FRONTEND)/package-lock.json
	cd $(FRONTEND) && npm ci --no-audit --no-fund

## build: the chartroom binary with the UI embedded
build: $(UI_STAMP)
	$(GO) build -o $(BIN) ./cmd/chartroom

## bench: Go benchmarks (figures go to docs/BENCHMARKS.md)
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin $(FRONTEND)/dist/assets $(FRONTEND)/dist/index.html
