GO ?= go

.PHONY: test run build vet fmt-check
test: fmt-check vet
	$(GO) test -race -count=1 ./...

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l .); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

run:
	$(GO) run .

build:
	$(GO) build -o kplay .

FUZZTIME ?= 60s
.PHONY: docs fuzz bench
docs:
	$(GO) test ./repl -run TestCommandsDoc -update

fuzz:
	$(GO) test ./repl -run '^$$' -fuzz FuzzExec -fuzztime $(FUZZTIME)
	$(GO) test ./repl -run '^$$' -fuzz FuzzTokenize -fuzztime $(FUZZTIME)
	$(GO) test ./kernel -run '^$$' -fuzz FuzzSyscall -fuzztime $(FUZZTIME)

bench:
	$(GO) test ./kernel ./kernel/arch -run '^$$' -bench . -benchtime 20000x
	$(GO) run . bench
