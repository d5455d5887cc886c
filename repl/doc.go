// Package repl is kplay's interactive front end: the command table, the
// line parser, the renderings of kernel state (tables, color, JSON), the
// script runner and the readline loop.
//
// One table (commands.go) drives everything a user sees of the commands:
// dispatch, help, Tab completion and docs/commands.md. A test fails when
// the doc drifts from the table.
//
// A Session owns one booted kernel. Every command runs while the session
// holds the CPU; commands that make the machine move (syscall, irq fire,
// step, run, lkdtm) hand it to the kernel with a stop condition and get it
// back before they print. Nothing a user types can crash the session: bad
// input is one line saying what was expected, and a kernel fault is an
// Oops in the kernel log.
package repl
