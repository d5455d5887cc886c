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
.PHONY: docs man fuzz fuzz-syscalls bench
# docs regenerates every generated page (docs/ and README.md): the command reference
# from the command table, the transcripts of the tutorial and the README
# (docs/tutorial.md from docs/tutorial.md.in, README.md from README.md.in)
# and the man pages. make test fails while any of them
# differs from a regeneration.
docs:
	$(GO) test ./repl -run 'TestCommandsDoc|TestTopicsDoc' -update
	$(GO) test ./internal/docgen -run 'TestTutorialDoc|TestManPages' -update

# man regenerates only the man pages (docs/man/*.1), from the cobra
# command tree, with a fixed date so that they are reproducible.
man:
	$(GO) test ./internal/docgen -run TestManPages -update

fuzz:
	$(GO) test ./repl -run '^$$' -fuzz FuzzExec -fuzztime $(FUZZTIME)
	$(GO) test ./repl -run '^$$' -fuzz FuzzTokenize -fuzztime $(FUZZTIME)
	$(GO) test ./lab -run '^$$' -fuzz FuzzLoad -fuzztime $(FUZZTIME)
	$(GO) test ./kernel -run '^$$' -fuzz '^FuzzSyscall$$' -fuzztime $(FUZZTIME)
	$(GO) test ./kernel -run '^$$' -fuzz '^FuzzSyscalls$$' -fuzztime $(FUZZTIME)

# fuzz-syscalls runs only the system-call sequence fuzzer, longer: crashers
# land in kernel/testdata/fuzz/FuzzSyscalls and replay in make test.
fuzz-syscalls:
	$(GO) test ./kernel -run '^$$' -fuzz '^FuzzSyscalls$$' -fuzztime $(or $(FUZZTIME_LONG),10m)

bench:
	$(GO) test ./kernel ./kernel/arch -run '^$$' -bench . -benchtime 20000x
	$(GO) run . bench
