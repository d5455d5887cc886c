// Package commands is kplay's command line (cobra): the root command starts
// the REPL, and run, version, bench and completion are its subcommands.
package commands
