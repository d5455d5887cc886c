// Package docgen generates the documentation that is made from kplay
// itself, so that it cannot go stale: the transcripts of the tutorial and
// the README, and the man pages.
//
// The tutorial's source is docs/tutorial.md.in (the README's,
// README.md.in), Markdown in which a fenced
// block whose info string is "kplay-transcript" holds REPL command lines.
// Tutorial runs each such block in a freshly booted kernel, as
// `kplay --quiet --color never` would (virtual clock, so the same lines
// print the same bytes every time), and replaces it with a plain block of
// the transcript: each command after the prompt "kplay> ", then what it
// printed. Lines `expect REGEX` and `expect-not REGEX` in a block check
// the output of the command before them, as in a script, and are not
// shown: they keep the prose around a transcript true. A command that
// fails stops the generation. The info string may add words:
//
//	boot       boot without --quiet, so the boot log shows first
//	continue   run in the previous block's kernel instead of a fresh one
//	errors     its commands may fail: their messages show as the REPL's do
//
// A block whose info string is "kplay-shell" holds kplay command lines
// (`kplay check scripts/labs/cfs.kp --seed 7`), run in the repository's
// root through the CLI; each shows after "$ " with what it printed.
// Expectations work as above; "errors" lets a command exit non-zero.
//
// Man pages come from the cobra command tree through cobra's doc
// generator, with a fixed date so that they regenerate byte for byte.
//
// The tests of this package fail when docs/tutorial.md, README.md or
// docs/man differ from a regeneration; `make docs` (or `go test ./internal/docgen -update`)
// rewrites them. The package sits beside the REPL and the CLI, which it
// drives; nothing imports it.
package docgen
