package commands

import (
	"strings"
	"testing"
)

// TestCompletionScripts checks `kplay completion SHELL` for each shell:
// a script that registers completion for kplay and asks kplay itself
// (the hidden __complete command) for the words, as cobra's scripts do.
func TestCompletionScripts(t *testing.T) {
	hooks := map[string][]string{
		"bash":       {"complete -o default -F __start_kplay kplay", "__complete"},
		"zsh":        {"#compdef kplay", "compdef _kplay kplay", "__complete"},
		"fish":       {"complete -c kplay ", "__complete"},
		"powershell": {"Register-ArgumentCompleter -CommandName 'kplay'", "__complete"},
	}
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		out, stderr, err := kplay(t, "", "completion", shell)
		if err != nil || stderr != "" {
			t.Fatalf("completion %s: %v %s", shell, err, stderr)
		}
		if len(out) < 1000 {
			t.Fatalf("completion %s: %d bytes of script", shell, len(out))
		}
		for _, want := range hooks[shell] {
			if !strings.Contains(out, want) {
				t.Errorf("completion %s: the script lacks %q", shell, want)
			}
		}
	}
	if _, _, err := kplay(t, "", "completion", "tcsh"); err == nil {
		t.Error("completion tcsh: want an error")
	}
}

// TestCompletionWords is what every shell's script runs when Tab is
// pressed: `kplay __complete WORDS...` prints one candidate a line (a tab
// before its description), then :DIRECTIVE.
func TestCompletionWords(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{""}, "bench\tMeasure the kernel's hot paths beside host baselines\n" +
			"check\tGrade labs: run each in a fresh kernel and report its tests\n" +
			"completion\tGenerate the autocompletion script for the specified shell\n" +
			"help\tHelp about any command\n" +
			"lab\tList the labs, print a lab's questions for a seed, and their answers\n" +
			"run\tRun scripts of REPL commands, each in a fresh kernel\n" +
			"version\tPrint kplay's version and the kernel release it boots\n:4\n"},
		{[]string{"ve"}, "version\tPrint kplay's version and the kernel release it boots\n:4\n"},
		{[]string{"completion", ""}, "bash\tGenerate the autocompletion script for bash\n" +
			"fish\tGenerate the autocompletion script for fish\n" +
			"powershell\tGenerate the autocompletion script for powershell\n" +
			"zsh\tGenerate the autocompletion script for zsh\n:4\n"},
		{[]string{"--color", ""}, "auto\nalways\nnever\n:4\n"},
		{[]string{"run", "--clock", ""}, "virtual\nreal\n:4\n"},
		{[]string{"run", ""}, ":0\n"}, // file names: the shell's own completion
		{[]string{"check", ""}, ":0\n"},
		{[]string{"lab", ""}, "list\tList the labs: name, tests, points, file and description\n" +
			"show\tPrint a lab's questions for a seed; --answers runs it and prints the answers\n:4\n"},
		{[]string{"lab", "show", "sysc"}, "syscalls\n:0\n"}, // the labs of ../scripts/labs
	}
	for _, c := range cases {
		out, _, err := kplay(t, "", append([]string{"__complete"}, c.args...)...)
		if err != nil {
			t.Fatalf("__complete %q: %v", c.args, err)
		}
		if out != c.want {
			t.Errorf("__complete %q:\n%q\nwant\n%q", c.args, out, c.want)
		}
	}
}
