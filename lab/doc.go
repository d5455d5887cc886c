// Package lab reads lab scripts and grades them.
//
// A lab is a .kp script of REPL commands (every plain script is one) with,
// on top, a header, named tests worth points, expectations on the output of
// the command before them, and parameters drawn from a seed:
//
//	lab syscalls
//	description System calls, errno and strace.
//	let fd = rand 5 9
//
//	test "getpid on the task path" points 2
//	syscall getpid
//	expect ^getpid\(\) += 1$
//
//	test "a closed descriptor is EBADF" points 3 after "getpid on the task path"
//	syscall write ${fd} "x" 1
//	expect = -1 EBADF
//
// Parse reads the text and reports the first syntax error as
// FILE:LINE:COL; Instantiate draws the lets for one seed, substitutes
// ${NAME} and compiles every regular expression and JSON path, so that a
// bad lab stops before anything runs. Run executes an instance in a
// booted session: the commands before the first test are the setup, each
// test runs its commands in order, stops at its first failed expectation,
// and a test whose dependency did not pass is skipped. Result renders as
// text, TAP version 14, JUnit XML or a Gradescope results.json.
//
// The seed is the only source of variation: the same lab, seed and kplay
// version give the same bytes in every format, as no result records wall
// clock time.
//
// See docs/labs/authoring.md for the guide.
package lab
