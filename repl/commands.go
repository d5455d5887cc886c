package repl

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/pflag"
)

// Command is one REPL command. The table of them drives dispatch, help,
// completion and docs/commands.md.
type Command struct {
	// Names: the first is the name, the rest are aliases.
	Names []string
	// Group is the help section.
	Group string
	// Usage is the synopsis: "syscall [--app] NAME|NR [ARG...]".
	Usage string
	// Summary is one line for the command list.
	Summary string
	// Help is the prose after the synopsis.
	Help string
	// SeeAlso names related commands.
	SeeAlso []string
	// MinArgs and MaxArgs bound the positional arguments (-1: no bound).
	MinArgs, MaxArgs int
	// Flags declares the command's flags on a fresh set per invocation.
	Flags func(fs *pflag.FlagSet)
	// FlagsFirst stops flag parsing at the first positional argument, so
	// that arguments such as -1 are taken as they are (syscall).
	FlagsFirst bool
	// RawArgs takes every word but --help as an argument (kill -STOP 42).
	RawArgs bool
	// Words completes the positional argument at index i given the
	// previous ones.
	Words func(s *Session, prev []string) []string
	// PathArgs completes positional arguments as paths of the machine's
	// file tree as well (what the dentry cache holds).
	PathArgs bool
	// Run executes the command.
	Run func(s *Session, inv *Invocation) error
}

// Name is the command's name.
func (c *Command) Name() string { return c.Names[0] }

// Groups in help order.
var groups = []string{"Kernel", "Files", "Interrupts", "Time and stepping", "Inspection", "Session"}

// table is filled in init so that help can list the table itself.
var table []*Command

func init() {
	table = []*Command{
		syscallCmd, sysentCmd, catCmd, lsCmd, echoCmd, spawnCmd, killCmd, sysctlCmd, reniceCmd, chrtCmd, kmallocCmd, kfreeCmd, kmemCacheCmd, vmallocCmd, vfreeCmd, faultCmd, locktortureCmd, irqCmd, softirqsCmd, stepCmd, runCmd, breakCmd, continueCmd, infoCmd, deleteCmd, jiffiesCmd, timersCmd, timerCmd,
		statusCmd, psCmd, taskCmd, pstreeCmd, runqCmd, btCmd, buddyinfoCmd, slabinfoCmd, slabCmd, kmemCmd, meminfoCmd, vmCmd, memCmd, locksCmd, dmesgCmd, eventsCmd, explainCmd, traceCmd, straceCmd, procCmd, lkdtmCmd,
		helpCmd, rebootCmd, versionCmd, quitCmd,
	}
}

// Commands returns the command table.
func Commands() []*Command { return table }

// Lookup finds a command by name or alias.
func Lookup(name string) *Command {
	for _, c := range table {
		for _, n := range c.Names {
			if n == name {
				return c
			}
		}
	}
	return nil
}

// flagUsages renders a command's flags, one per line, sorted.
func (c *Command) flagUsages() string {
	fs := pflag.NewFlagSet(c.Name(), pflag.ContinueOnError)
	if c.Flags != nil {
		c.Flags(fs)
	}
	fs.SortFlags = true
	return fs.FlagUsages()
}

// HelpText is the full help: summary, synopsis, prose, flags, aliases,
// see also, in Delve's layout.
func (c *Command) HelpText() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n\t%s\n\n", c.Summary, c.Usage)
	if h := c.help(); h != "" {
		b.WriteString(h + "\n\n")
	}
	if f := c.flagUsages(); f != "" {
		b.WriteString("Flags:\n" + f + "\n")
	}
	if len(c.Names) > 1 {
		fmt.Fprintf(&b, "Aliases: %s\n", strings.Join(c.Names[1:], ", "))
	}
	if len(c.SeeAlso) > 0 {
		fmt.Fprintf(&b, "See also: %s\n", strings.Join(c.SeeAlso, ", "))
	}
	return b.String()
}

// help is the prose without its surrounding blank lines; indentation of
// the first line is kept.
func (c *Command) help() string { return strings.TrimRight(strings.Trim(c.Help, "\n"), " \n") }

// helpMarkdown fences runs of indented lines (option lists, tables) as
// code, so Markdown keeps their alignment.
func helpMarkdown(h string) string {
	var b strings.Builder
	inCode := false
	for _, line := range strings.Split(h, "\n") {
		indented := strings.HasPrefix(line, "  ")
		if indented && !inCode {
			b.WriteString("```\n")
			inCode = true
		} else if !indented && inCode {
			b.WriteString("```\n")
			inCode = false
		}
		b.WriteString(line + "\n")
	}
	if inCode {
		b.WriteString("```\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// Complete returns the candidates for the word being typed at the end of
// line, for Tab completion.
func Complete(s *Session, line string) []string {
	fields := strings.Fields(line)
	typing := ""
	if len(fields) > 0 && !strings.HasSuffix(line, " ") {
		typing = fields[len(fields)-1]
		fields = fields[:len(fields)-1]
	}
	var cands []string
	if len(fields) == 0 {
		for _, c := range table {
			cands = append(cands, c.Names...)
		}
	} else if c := Lookup(fields[0]); c != nil {
		if strings.HasPrefix(typing, "-") {
			fs := pflag.NewFlagSet(c.Name(), pflag.ContinueOnError)
			if c.Flags != nil {
				c.Flags(fs)
			}
			fs.VisitAll(func(f *pflag.Flag) { cands = append(cands, "--"+f.Name) })
		} else if c.Words != nil {
			var prev []string
			for _, f := range fields[1:] {
				if !strings.HasPrefix(f, "-") {
					prev = append(prev, f)
				}
			}
			cands = c.Words(s, prev)
		}
		if c.PathArgs && !strings.HasPrefix(typing, "-") {
			cands = append(cands, s.pathNames(typing)...)
		}
	}
	var out []string
	for _, c := range cands {
		if strings.HasPrefix(c, typing) {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return dedup(out)
}

func dedup(s []string) []string {
	var out []string
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// Markdown renders the command table as docs/commands.md.
func Markdown() string {
	var b strings.Builder
	b.WriteString("# kplay commands\n\n")
	b.WriteString("Generated from the REPL's command table (`go test ./repl -run TestCommandsDoc -update`); do not edit by hand.\n")
	b.WriteString("Every command takes `-h`/`--help`. Scripts (`kplay run FILE`) use the same commands, one per line, plus `expect REGEX` and `expect-not REGEX`.\n")
	for _, g := range groups {
		fmt.Fprintf(&b, "\n## %s\n", g)
		for _, c := range table {
			if c.Group != g {
				continue
			}
			fmt.Fprintf(&b, "\n### %s\n\n%s\n\n```\n%s\n```\n", c.Name(), c.Summary, c.Usage)
			if h := c.help(); h != "" {
				fmt.Fprintf(&b, "\n%s\n", helpMarkdown(h))
			}
			if f := c.flagUsages(); f != "" {
				fmt.Fprintf(&b, "\nFlags:\n\n```\n%s```\n", f)
			}
			if len(c.Names) > 1 {
				fmt.Fprintf(&b, "\nAliases: %s\n", "`"+strings.Join(c.Names[1:], "`, `")+"`")
			}
			if len(c.SeeAlso) > 0 {
				fmt.Fprintf(&b, "\nSee also: %s\n", strings.Join(c.SeeAlso, ", "))
			}
		}
	}
	return b.String()
}

var helpCmd = &Command{
	Names:   []string{"help", "?"},
	Group:   "Session",
	Usage:   "help [COMMAND|TOPIC]",
	Summary: "List the commands and concept topics, or show one's help.",
	Help: `
help COMMAND shows a command's synopsis, prose and flags. help TOPIC
explains a concept of the course (help cfs, help timer-wheel, help
switch_to): what it is, where Linux and kplay keep it, and lines to type
that show it live.`,
	SeeAlso: []string{"explain"},
	MaxArgs: 1,
	Words: func(*Session, []string) []string {
		out := names()
		for _, t := range topics {
			out = append(out, t.Name)
		}
		return out
	},
	Run: func(s *Session, inv *Invocation) error {
		if len(inv.Args) == 1 {
			name := inv.Args[0].Text
			c, t := Lookup(name), LookupTopic(name)
			if c != nil {
				fmt.Fprint(inv.Out, c.HelpText())
			}
			if t != nil {
				if c != nil { // slab: the command, then the concept
					fmt.Fprintln(inv.Out, "\nThe concept:")
				}
				fmt.Fprint(inv.Out, t.HelpText())
			}
			if c != nil || t != nil {
				return nil
			}
			return usagef("help: no command or topic %q (help lists them)", name)
		}
		for _, g := range groups {
			fmt.Fprintf(inv.Out, "%s:\n", s.bold.Sprint(g))
			for _, c := range table {
				if c.Group == g {
					fmt.Fprintf(inv.Out, "  %-10s %s\n", c.Name(), c.Summary)
				}
			}
		}
		fmt.Fprintf(inv.Out, "%s:\n", s.bold.Sprint("Topics"))
		for _, t := range topics {
			fmt.Fprintf(inv.Out, "  %-13s %s\n", t.Name, t.Summary)
		}
		fmt.Fprintln(inv.Out, "\nType help COMMAND or help TOPIC for more. Tab completes commands, topics and words.")
		return nil
	},
}

func names() []string {
	var out []string
	for _, c := range table {
		out = append(out, c.Name())
	}
	return out
}
