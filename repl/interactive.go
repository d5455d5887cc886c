package repl

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/chzyer/readline"

	"kplay/kernel"
)

// completer adapts Complete to readline.
type completer struct{ s *Session }

// Do implements readline.AutoCompleter.
func (c completer) Do(line []rune, pos int) ([][]rune, int) {
	head := string(line[:pos])
	cands := Complete(c.s, head)
	typing := ""
	if i := strings.LastIndexAny(head, " \t"); i >= 0 {
		typing = head[i+1:]
	} else {
		typing = head
	}
	var out [][]rune
	for _, cand := range cands {
		sep := " "
		if strings.HasSuffix(cand, "/") {
			sep = "" // a directory: the next name follows
		}
		out = append(out, []rune(cand[len(typing):]+sep))
	}
	return out, len([]rune(typing))
}

// historyFile is where interactive history is kept.
func historyFile() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "kplay", "history")
}

// Interactive runs the readline loop on a terminal until quit or Ctrl-D.
// Ctrl-C at the prompt clears the line; during a command it stops the
// machine at its next safe point and returns to the prompt.
func Interactive(s *Session, stdin io.ReadCloser, stdout io.Writer) error {
	prompt := s.green.Sprint("kplay") + "> "
	hist := historyFile()
	if hist != "" {
		os.MkdirAll(filepath.Dir(hist), 0o755)
	}
	rl, err := readline.NewEx(&readline.Config{
		Prompt:          prompt,
		HistoryFile:     hist,
		AutoComplete:    completer{s},
		InterruptPrompt: "^C",
		EOFPrompt:       "quit",
		Stdin:           stdin,
		Stdout:          stdout,
		FuncGetWidth: func() int {
			if w := readline.GetScreenWidth(); w > 0 {
				return w
			}
			return 80
		},
	})
	if err != nil {
		return err
	}
	defer rl.Close()
	s.SetOutput(rl.Stdout())
	fmt.Fprintln(rl.Stdout(), "Type help for the commands, Tab to complete, Ctrl-D to quit.")
	// SIGINT is caught for the whole session: at the prompt readline sees
	// Ctrl-C itself (raw mode); during a command it parks the kernel.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer func() {
		signal.Stop(sig) // no more sends...
		close(sig)       // ...then end the forwarding goroutine
	}()
	var running atomic.Pointer[kernel.Kernel]
	go func() {
		for range sig {
			if k := running.Load(); k != nil {
				k.RequestPark()
			}
		}
	}()
	for !s.Quit() {
		s.snapshotCompletion()
		stopBG := s.background()
		line, err := rl.Readline()
		stopBG()
		if errors.Is(err, readline.ErrInterrupt) {
			continue
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		running.Store(s.K) // reboot replaces s.K; parking the old one is harmless
		err = s.Exec(line)
		running.Store(nil)
		if err != nil {
			fmt.Fprintln(rl.Stdout(), s.red.Sprint(err.Error()))
		}
	}
	return nil
}

// snapshotCompletion records what Tab completion reads from the kernel
// while it is parked: a real-clock kernel runs during the prompt, and the
// completer must not read its state then.
func (s *Session) snapshotCompletion() {
	s.procFiles = nil
	if s.K != nil {
		s.procFiles = s.K.ProcFiles()
	}
}

// procFileNames are the /proc files cat completes: the kernel's own list
// when it stands still at the prompt, else the snapshot.
func (s *Session) procFileNames() []string {
	if s.K == nil || s.K.Config().Clock == "real" {
		return s.procFiles
	}
	return s.K.ProcFiles()
}

// pathNames completes an absolute path from the dentry cache: the names
// in the directory typed so far. Under the real clock the kernel runs at
// the prompt, so nothing is read from it.
func (s *Session) pathNames(typing string) []string {
	if s.K == nil || s.K.Config().Clock == "real" || !strings.HasPrefix(typing, "/") {
		return nil
	}
	dir := typing[:strings.LastIndexByte(typing, '/')+1]
	var out []string
	for _, n := range s.K.CachedNames(dir) {
		out = append(out, dir+n)
	}
	return out
}

// background lets a real-clock kernel run while the prompt waits for
// input, and returns the function that parks it again before the next
// command. Under the virtual clock time stands still at the prompt.
func (s *Session) background() func() {
	if s.K == nil || s.K.Config().Clock != "real" {
		return func() {}
	}
	if halted, _ := s.K.Halted(); halted {
		return func() {}
	}
	k := s.K
	done := make(chan struct{})
	go func() {
		k.Run(kernel.Stop{For: maxRun})
		close(done)
	}()
	return func() {
		k.RequestPark()
		<-done
	}
}
