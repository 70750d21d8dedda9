# jcaccess: everything builds from a clean machine with only Go present.
GO        ?= go
BIN       := bin/jcaccess
PKGS      := ./...

.PHONY: build test run lint fuzz clean

build:
	$(GO) build -o $(BIN) ./cmd/jcaccess

# The README's test command: vet, formatting, and every test (loopback only).
test: lint
	$(GO) test -count=1 -timeout 15m $(PKGS)

# Until the sandbox lands, run shows the commands; see README.
run: build
	./$(BIN) --help

lint:
	$(GO) vet $(PKGS)
	@out="$$(gofmt -l .)"; \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# Short bounded fuzzing of the metadata parser.
fuzz:
	$(GO) test ./steps/samlmeta -run '^$$' -fuzz FuzzInspect -fuzztime 20s

clean:
	rm -rf bin
