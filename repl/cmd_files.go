package repl

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"kplay/kernel"
)

var catCmd = &Command{
	Names:   []string{"cat"},
	Group:   "Files",
	Usage:   "cat [--peek] PATH",
	Summary: "Print a file, read through open, read and close as init.",
	Help: `
The REPL's own task, init (pid 1), opens PATH, reads it to the end and
closes it, with the same system calls /bin/cat makes: strace and the
trace buffer see them, and simulated time passes while they run.

The tree is Linux's: / is a ramfs with /etc, /bin and /root; /proc is
procfs, generated from the live kernel on each open in the formats of
Linux 6.6 (stat, meminfo, slabinfo, buddyinfo, zoneinfo, loadavg,
uptime, version, cmdline, mounts, filesystems, devices, cpuinfo,
timer_list, vmallocinfo, sys/..., and per task PID/stat, status, statm,
maps, sched, schedstat, comm, fd/); /dev is devtmpfs (console, tty, null,
zero, full, random, urandom); /tmp is a tmpfs. Pointers print as
(____ptrval____), as %p does before pointer hashing is seeded, so output
stays deterministic.

Because init makes the calls, the machine runs while they do: other
tasks may run, and a cat while init is busy (sleeping in a queued
nanosleep) waits for it. --peek reads a /proc file the way a debugger
reads a crash dump instead: the kernel's generator is called from the
front end and the machine stays parked, so the file shows the state at
this instant and nothing moves.

/sys/kernel/tracing/trace, the trace buffer, is always peeked: kplay
mounts no tracefs yet.`,
	SeeAlso: []string{"ls", "echo", "proc", "syscall"},
	MinArgs: 1, MaxArgs: 1,
	Flags: func(fs *pflag.FlagSet) {
		fs.Bool("peek", false, "read a /proc file from the kernel's generator without running the machine")
	},
	Words:    func(s *Session, _ []string) []string { return s.procFileNames() },
	PathArgs: true,
	Run: func(s *Session, inv *Invocation) error {
		path := inv.Args[0].Text
		if peek, _ := inv.Flags.GetBool("peek"); peek || strings.HasPrefix(path, "/sys/kernel/tracing/") {
			text, err := s.K.ReadProc(path)
			if err != nil {
				return usagef("cat: %v", err)
			}
			fmt.Fprint(inv.Out, text)
			return nil
		}
		if err := s.requireRunning(); err != nil {
			return err
		}
		data, err := s.K.ReadFile(path)
		inv.Out.Write(data)
		if err != nil {
			return fileError(err)
		}
		return nil
	},
}

// fileError turns a failed file call into the REPL's one line.
func fileError(err error) error {
	var fe *kernel.FileError
	if errors.As(err, &fe) {
		return usagef("%v", fe)
	}
	return usagef("%v", err)
}

var lsCmd = &Command{
	Names:   []string{"ls"},
	Group:   "Files",
	Usage:   "ls [-l] [--json] [PATH]",
	Summary: "List a directory through open, getdents64 and lstat as init.",
	Help: `
Lists PATH (default /) sorted by name, without . and .., as init does it
with open(O_DIRECTORY), getdents64 until it returns 0, then lstat of each
name (and readlink of symlinks). With -l each line is ls -ln's, less the
time: type and permissions, links, owner and group ids, size (or
major, minor of a device), name and a symlink's target; a symlink named
as PATH is shown itself, as GNU ls -l does (ls -l /proc/self).`,
	SeeAlso:  []string{"cat", "echo", "syscall"},
	MaxArgs:  1,
	PathArgs: true,
	Flags: func(fs *pflag.FlagSet) {
		fs.BoolP("long", "l", false, "one line per entry with mode, links, ids and size")
		jsonFlag(fs)
	},
	Run: func(s *Session, inv *Invocation) error {
		if err := s.requireRunning(); err != nil {
			return err
		}
		path := "/"
		if len(inv.Args) > 0 {
			path = inv.Args[0].Text
		}
		long, _ := inv.Flags.GetBool("long")
		var ents []kernel.DirEntry
		// ls -l shows a symlink named on the command line, not its
		// directory, as GNU ls does without -H or -L.
		if e, err := s.K.Lstat(path); long && err == nil && e.Type == "l" {
			ents = []kernel.DirEntry{e}
		} else if ents, err = s.K.ReadDir(path); err != nil {
			return fileError(err)
		}
		if inv.wantJSON() {
			if ents == nil {
				ents = []kernel.DirEntry{}
			}
			return printJSON(inv.Out, ents)
		}
		for _, e := range ents {
			if !long {
				fmt.Fprintln(inv.Out, e.Name)
				continue
			}
			size := fmt.Sprint(e.Size)
			if e.Rdev != "" {
				size = strings.Replace(e.Rdev, ":", ", ", 1)
			}
			name := e.Name
			if e.Target != "" {
				name += " -> " + e.Target
			}
			fmt.Fprintf(inv.Out, "%s %2d %4d %4d %8s %s\n", kernel.ModeString(e.Mode), e.Nlink, e.UID, e.GID, size, name)
		}
		return nil
	},
}

var echoCmd = &Command{
	Names:   []string{"echo"},
	Group:   "Files",
	Usage:   "echo TEXT... [> PATH | >> PATH]",
	Summary: "Print text, or write it to a file through open, write and close as init.",
	Help: `
Without a redirection, prints the words separated by spaces. With > PATH
init opens PATH with O_WRONLY|O_CREAT|O_TRUNC (mode 0666 less its umask),
writes the words and a newline, and closes it; >> appends instead
(O_APPEND); the > may touch the words (echo hi>/tmp/x). Quote text that
holds > or spaces you want kept.`,
	SeeAlso:  []string{"cat", "ls", "syscall"},
	MaxArgs:  -1,
	PathArgs: true,
	Run: func(s *Session, inv *Invocation) error {
		var words []string
		target, appendTo := "", false
		for i := 0; i < len(inv.Args); i++ {
			a := inv.Args[i]
			j := strings.IndexByte(a.Text, '>')
			if a.Quoted || j < 0 {
				words = append(words, a.Text)
				continue
			}
			// A redirection, spaced or not: > PATH, >PATH, hi>PATH, >> PATH.
			if j > 0 {
				words = append(words, a.Text[:j])
			}
			op, path := ">", a.Text[j+1:]
			if strings.HasPrefix(path, ">") {
				op, path = ">>", path[1:]
			}
			rest := inv.Args[i+1:]
			if path == "" && len(rest) > 0 {
				path, rest = rest[0].Text, rest[1:]
			}
			if path == "" || len(rest) > 0 || strings.Contains(path, ">") {
				return usagef("echo: %s takes one PATH, at the end of the line", op)
			}
			target, appendTo = path, op == ">>"
			break
		}
		text := strings.Join(words, " ") + "\n"
		if target == "" {
			fmt.Fprint(inv.Out, text)
			return nil
		}
		if err := s.requireRunning(); err != nil {
			return err
		}
		if err := s.K.WriteFile(target, []byte(text), appendTo); err != nil {
			return fileError(err)
		}
		return nil
	},
}
