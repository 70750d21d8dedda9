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

# The setup against the embedded offline sandbox (until the wizard lands:
# apply, which ends in a real SAML login recorded by the sandbox).
run: build
	./$(BIN) apply --sandbox --yes

lint:
	$(GO) vet $(PKGS)
	@out="$$(gofmt -l .)"; \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# Short bounded fuzzing of the metadata parser.
fuzz:
	$(GO) test ./steps/samlmeta -run '^$$' -fuzz FuzzInspect -fuzztime 20s

clean:
	rm -rf bin
