# jcaccess: everything builds from a clean machine with only Go present.
GO        ?= go
BIN       := bin/jcaccess
PKGS      := ./...

.PHONY: build test run lint cross fuzz bench clean

build:
	$(GO) build -o $(BIN) ./cmd/jcaccess

# The README's test command: vet, formatting, every test (loopback only) and
# every benchmark once (so a benchmark whose walk broke fails here, not in
# make bench), then a short bounded run of each fuzz target. A crasher the fuzzer finds is
# written to the package's testdata/fuzz and becomes a regular test case.
# The bound is a count of inputs, not a duration: a timed run can end in a
# spurious "context deadline exceeded" when the deadline meets a busy worker
# (seen here under load), while a count ends without a deadline.
test: lint cross
	$(GO) test -count=1 -timeout 15m -bench . -benchtime 1x $(PKGS)
	$(MAKE) fuzz FUZZTIME=100000x

# The wizard against the embedded offline sandbox: from nothing to a real
# SAML login recorded by the sandbox (no account, no network).
run: build
	./$(BIN) setup --sandbox

lint:
	$(GO) vet $(PKGS)
	@out="$$(gofmt -l .)"; \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# Admins run jcaccess on macOS and Windows as much as on Linux: build and vet
# for both, so a Unix-only call outside a build-tagged file fails here.
CROSS := darwin/arm64 windows/amd64
cross:
	@set -e; for t in $(CROSS); do \
		echo "GOOS=$${t%/*} GOARCH=$${t#*/} go build + vet"; \
		GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) build -o /dev/null $(PKGS); \
		GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) vet $(PKGS); \
	done

# Bounded fuzzing of everything that reads files an admin hands us.
FUZZTIME ?= 30s
fuzz:
	$(GO) test ./steps/samlmeta -run '^$$' -fuzz '^FuzzInspect$$' -fuzztime $(FUZZTIME)
	$(GO) test ./model -run '^$$' -fuzz '^FuzzDecodeSession$$' -fuzztime $(FUZZTIME)
	$(GO) test ./cmd/jcaccess -run '^$$' -fuzz '^FuzzDecodeConfig$$' -fuzztime $(FUZZTIME)

clean:
	rm -rf bin

# What the admin waits on, measured: one table (see BENCHMARKS.md).
bench: build
	$(GO) run ./cmd/jcbench
