package repl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTopicsDoc(t *testing.T) {
	checkGenerated(t, "topics.md", TopicsMarkdown(), "topic table", "TestTopicsDoc")
}

// Every topic is whole: a summary, a short text, Linux's files and
// kplay's (which exist), lines to try, and a name no command has.
func TestTopicsAreWholeAndNameRealFiles(t *testing.T) {
	seen := map[string]bool{}
	for _, tp := range Topics() {
		if seen[tp.Name] {
			t.Errorf("topic %s twice", tp.Name)
		}
		seen[tp.Name] = true
		if tp.Summary == "" || len(tp.Linux) == 0 || len(tp.Kplay) == 0 || len(tp.Try) == 0 {
			t.Errorf("topic %s lacks a summary, Linux or kplay files, or lines to try", tp.Name)
		}
		if n := strings.Count(tp.HelpText(), "\n"); n < 10 || n > 30 {
			t.Errorf("topic %s: help is %d lines, want 10-30", tp.Name, n)
		}
		for _, f := range tp.Kplay {
			f, _, _ = strings.Cut(f, " (")
			if _, err := os.Stat(filepath.Join("..", f)); err != nil {
				t.Errorf("topic %s names %s: %v", tp.Name, f, err)
			}
		}
	}
}

// Each topic's Try lines run, in order, in a fresh session, as a student
// would type them after reading help TOPIC.
func TestEveryTopicsTryLinesRun(t *testing.T) {
	for _, tp := range Topics() {
		t.Run(tp.Name, func(t *testing.T) {
			s, out := newSession(t)
			for _, l := range tp.Try {
				out.Reset()
				if err := s.Exec(l); err != nil {
					t.Fatalf("%q: %v", l, err)
				}
				if strings.TrimSpace(out.String()) == "" && !strings.HasPrefix(l, "irq ") {
					t.Errorf("%q printed nothing", l)
				}
			}
		})
	}
}

func TestHelpListsTopicsAfterTheCommands(t *testing.T) {
	s, out := newSession(t)
	got := run(t, s, out, "help")
	cmds, tops, ok := strings.Cut(got, "Topics:\n")
	if !ok || !strings.Contains(cmds, "  quit ") {
		t.Fatalf("help has no Topics section after the commands:\n%s", got)
	}
	for _, tp := range Topics() {
		if !strings.Contains(tops, "  "+tp.Name+" ") {
			t.Errorf("help lacks topic %s", tp.Name)
		}
	}
	if got := run(t, s, out, "help timer-wheel"); !strings.HasPrefix(got, "timer-wheel: The cascading timer wheel") ||
		!strings.Contains(got, "\nkplay: timers/wheel.go") || !strings.Contains(got, "\nTry:\n  timer add 100ms\n") {
		t.Errorf("help timer-wheel:\n%s", got)
	}
	// slab is a command and a topic: help shows both, the command first.
	if got := run(t, s, out, "help slab"); !strings.HasPrefix(got, "Show one slab cache") || !strings.Contains(got, "\nThe concept:\nslab: The slab allocator") {
		t.Errorf("help slab:\n%s", got)
	}
	if err := s.Exec("help nosuch"); err == nil || err.Error() != `help: no command or topic "nosuch" (help lists them)` {
		t.Errorf("help nosuch: %v", err)
	}
}

func TestHelpCompletesCommandsAndTopics(t *testing.T) {
	s, _ := newSession(t)
	for line, want := range map[string]string{
		"help ti":  "timer timer-wheel timers",
		"help sw":  "switch_to",
		"help sys": "syscall syscall-paths sysctl sysent",
		"help p":   "page-fault pipe proc ps pstree",
	} {
		if got := strings.Join(Complete(s, line), " "); got != want {
			t.Errorf("Complete(%q) = %q, want %q", line, got, want)
		}
	}
}
