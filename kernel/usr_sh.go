package kernel

import (
	"encoding/binary"
	"strconv"
	"strings"

	"kplay/kernel/abi"
	"kplay/kernel/vfs"
)

// sh is a tiny Bourne shell: commands separated by ';' or newlines,
// pipelines with '|', redirections '<', '>', '>>' and '2>', words quoted
// with '...' or "...", and the built-ins cd and exit. `sh -c LINE` runs
// LINE; plain sh reads commands from standard input until end of file.
// A command NAME without a '/' runs /bin/NAME. Error messages are dash's.
func sh(u *User, argv []string) int {
	var src string
	switch {
	case len(argv) >= 3 && argv[1] == "-c":
		src = argv[2]
	case len(argv) == 2 && argv[1] == "-c":
		u.Errorf("sh: 0: -c requires an argument")
		return 2
	case len(argv) >= 2:
		b, err := u.readAll(argv[1])
		if err < 0 {
			u.Errorf("sh: 0: cannot open %s: %s", argv[1], shErr(err, shOpen))
			return 2
		}
		src = b
	default:
		b, _ := u.readFd(0)
		src = b
	}
	status := 0
	for lineNo, line := range strings.Split(src, "\n") {
		// dash reads a whole line before running any of it: a syntax
		// error anywhere runs nothing.
		cmds := splitUnquoted(line, ';')
		for i, cmd := range cmds {
			words, err := shWords(cmd, status)
			var segs []shSegment
			if err == "" {
				segs, err = shSegments(words)
			}
			for _, seg := range segs {
				if err == "" {
					_, err = parsePipeline(seg.words)
				}
			}
			if err == "newline unexpected" && i < len(cmds)-1 {
				err = `";" unexpected` // the word the redirection met
			}
			if err != "" {
				u.Errorf("sh: %d: Syntax error: %s", lineNo+1, err)
				return 2
			}
		}
		for _, cmd := range splitUnquoted(line, ';') {
			words, _ := shWords(cmd, status)
			segs, _ := shSegments(words)
			for _, seg := range segs {
				if w := seg.words; w[0] == "exit" {
					if len(w) == 1 {
						return status
					}
					n, err := strconv.Atoi(w[1])
					if err != nil || n < 0 {
						u.Errorf("sh: %d: exit: Illegal number: %s", lineNo+1, w[1])
						return 2
					}
					return n & 0xff
				}
				status = u.pipeline(lineNo+1, seg.words, seg.background)
			}
		}
	}
	return status
}

// shSegment is a pipeline's words, and whether & ended it.
type shSegment struct {
	words      []string
	background bool
}

// shSegments splits a command at its & operators, or returns dash's
// syntax error for an & with nothing before it.
func shSegments(words []string) ([]shSegment, string) {
	var out []shSegment
	start := 0
	for i, w := range words {
		if w == shOp+"&" {
			if i == start {
				return nil, `"&" unexpected`
			}
			out = append(out, shSegment{words[start:i], true})
			start = i + 1
		}
	}
	if start < len(words) {
		out = append(out, shSegment{words[start:], false})
	}
	return out, ""
}

// dash's actions for errmsg: what the shell was doing when a call failed.
const (
	shOpen   = iota // opening a script or a < redirection
	shCreate        // a > or >> redirection
	shExec          // running a command
)

// shErr is dash's errmsg: strerror, but ENOENT and ENOTDIR say "No such
// file" when opening, "Directory nonexistent" when creating, and "not
// found" when running a command.
func shErr(ret int64, action int) string {
	if e := abi.Errno(-ret); e != abi.ENOENT && e != abi.ENOTDIR {
		return strerror(ret)
	}
	return [...]string{shOpen: "No such file", shCreate: "Directory nonexistent", shExec: "not found"}[action]
}

// readAll reads a whole file through open and read.
func (u *User) readAll(path string) (string, int64) {
	fd := u.Syscall("openat", atFdcwdReg, u.Str(path), vfs.O_RDONLY)
	if fd < 0 {
		return "", fd
	}
	defer u.Syscall("close", uint64(fd))
	return u.readFd(fd)
}

func (u *User) readFd(fd int64) (string, int64) {
	var b strings.Builder
	for {
		buf := u.Buf(4096)
		n := u.Syscall("read", uint64(fd), buf, 4096)
		if n < 0 {
			return b.String(), n
		}
		if n == 0 {
			return b.String(), 0
		}
		b.Write(u.Load(buf, int(n)))
	}
}

// splitUnquoted splits s at sep outside quotes.
func splitUnquoted(s string, sep byte) []string {
	var out []string
	var quote byte
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else if c == '\\' && quote == '"' && i+1 < len(s) {
				i++
			}
		case c == '\'' || c == '"':
			quote = c
		case c == sep:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// shOp marks an operator among shWords' words, so that a quoted "|" stays
// a word.
const shOp = "\x00"

// shWords splits a command into words and operators (|, &, <, >, >>, 2>,
// >&, 2>&; each prefixed with shOp),
// removing quotes and expanding $? (the last status) outside single
// quotes; it returns an error text for an unterminated quote.
func shWords(s string, status int) ([]string, string) {
	var words []string
	var cur strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			words = append(words, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			flush()
		case c == '#' && !inWord:
			flush()
			return words, ""
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, "Unterminated quoted string"
			}
			cur.WriteString(s[i+1 : i+1+j])
			inWord, i = true, i+1+j
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				} else if strings.HasPrefix(s[i:], "$?") {
					cur.WriteString(strconv.Itoa(status))
					i++
					continue
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, "Unterminated quoted string"
			}
			inWord = true
		case c == '|' || c == '<' || c == '&':
			flush()
			words = append(words, shOp+string(c))
		case c == '>':
			op := ">"
			if inWord && cur.String() == "2" {
				cur.Reset()
				inWord, op = false, "2>"
			}
			flush()
			if i+1 < len(s) && (s[i+1] == '>' || s[i+1] == '&') {
				op += s[i+1 : i+2] // >> appends, >& duplicates a descriptor
				i++
			}
			words = append(words, shOp+op)
		case strings.HasPrefix(s[i:], "$?"):
			cur.WriteString(strconv.Itoa(status))
			inWord, i = true, i+1
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	flush()
	return words, ""
}

// shCmd is one command of a pipeline.
type shCmd struct {
	argv   []string
	redirs []shRedir
}

type shRedir struct {
	fd    int
	path  string
	flags int
	dup   int // N of >&N: fd becomes a copy of N (no file is opened)
}

// parsePipeline reads commands joined by '|' with their redirections,
// or returns dash's syntax error text.
func parsePipeline(words []string) ([]shCmd, string) {
	var cmds []shCmd
	cur := shCmd{}
	for i := 0; i < len(words); i++ {
		w, isOp := strings.CutPrefix(words[i], shOp)
		if !isOp {
			cur.argv = append(cur.argv, w)
			continue
		}
		if w == "|" {
			if len(cur.argv) == 0 {
				return nil, `"|" unexpected`
			}
			cmds, cur = append(cmds, cur), shCmd{}
			continue
		}
		if i+1 >= len(words) || strings.HasPrefix(words[i+1], shOp) {
			return nil, "newline unexpected"
		}
		i++
		r := shRedir{fd: 1, path: words[i], dup: -1, flags: vfs.O_WRONLY | vfs.O_CREAT | vfs.O_TRUNC}
		switch w {
		case "<":
			r.fd, r.flags = 0, vfs.O_RDONLY
		case ">>":
			r.flags = vfs.O_WRONLY | vfs.O_CREAT | vfs.O_APPEND
		case "2>":
			r.fd = 2
		case "2>>":
			r.fd, r.flags = 2, vfs.O_WRONLY|vfs.O_CREAT|vfs.O_APPEND
		case ">&", "2>&":
			if w == "2>&" {
				r.fd = 2
			}
			n, err := strconv.Atoi(r.path)
			if err != nil || n < 0 || n > 9 {
				return nil, "Bad fd number"
			}
			r.dup = n
		}
		cur.redirs = append(cur.redirs, r)
	}
	if len(cur.argv) == 0 {
		if len(cmds) > 0 {
			return nil, "end of file unexpected"
		}
		return nil, ""
	}
	return append(cmds, cur), ""
}

// pipeline runs commands joined by '|' and returns the last one's status;
// in the background (&) it does not wait for them.
func (u *User) pipeline(line int, words []string, background bool) int {
	cmds, serr := parsePipeline(words)
	if serr != "" {
		u.Errorf("sh: %d: Syntax error: %s", line, serr)
		return 2
	}
	if len(cmds) == 0 {
		return 0
	}
	if len(cmds) == 1 && cmds[0].argv[0] == "cd" {
		dir := "/"
		if len(cmds[0].argv) > 1 {
			dir = cmds[0].argv[1]
		}
		if r := u.Syscall("chdir", u.Str(dir)); r < 0 {
			u.Errorf("sh: %d: cd: can't cd to %s", line, dir)
			return 2
		}
		return 0
	}
	var pids []int64
	prevRead := int64(-1)
	for i, c := range cmds {
		pr, pw := int64(-1), int64(-1)
		if i < len(cmds)-1 {
			buf := u.Buf(8)
			if r := u.Syscall("pipe", buf); r < 0 {
				u.Errorf("sh: %d: Cannot create pipe: %s", line, strerror(r))
				return 2
			}
			b := u.Load(buf, 8)
			pr, pw = int64(int32(binary.LittleEndian.Uint32(b[0:]))), int64(int32(binary.LittleEndian.Uint32(b[4:])))
		}
		in, cmd := prevRead, c
		pid := u.Fork(func(ch *User) int { return ch.runCommand(line, cmd, in, pr, pw) })
		if pid < 0 {
			u.Errorf("sh: %d: Cannot fork", line)
			return 2
		}
		pids = append(pids, pid)
		if prevRead >= 0 {
			u.Syscall("close", uint64(prevRead))
		}
		if pw >= 0 {
			u.Syscall("close", uint64(pw))
		}
		prevRead = pr
	}
	if background {
		return 0 // init reaps them once this shell is gone
	}
	status := 0
	for _, pid := range pids {
		buf := u.Buf(4)
		if r := u.Syscall("wait4", uint64(pid), buf, 0, 0); r == pid {
			s := int(binary.LittleEndian.Uint32(u.Load(buf, 4)))
			status = (s >> 8) & 0xff
			if s&0x7f != 0 {
				status = 128 + s&0x7f
			}
		}
	}
	return status
}

// runCommand is the child's side of one command: its pipe ends and
// redirections on 0, 1 and 2, then execve.
func (u *User) runCommand(line int, c shCmd, in, pr, pw int64) int {
	if in >= 0 {
		u.Syscall("dup2", uint64(in), 0)
		u.Syscall("close", uint64(in))
	}
	if pw >= 0 {
		u.Syscall("dup2", uint64(pw), 1)
		u.Syscall("close", uint64(pw))
		u.Syscall("close", uint64(pr))
	}
	for _, r := range c.redirs {
		if r.dup >= 0 {
			if e := u.Syscall("dup2", uint64(r.dup), uint64(r.fd)); e < 0 {
				u.Errorf("sh: %d: %d: %s", line, r.dup, strerror(e))
				return 2
			}
			continue
		}
		fd := u.Syscall("openat", atFdcwdReg, u.Str(r.path), uint64(r.flags), 0o666)
		if fd < 0 {
			what, action := "create", shCreate
			if r.fd == 0 {
				what, action = "open", shOpen
			}
			u.Errorf("sh: %d: cannot %s %s: %s", line, what, r.path, shErr(fd, action))
			return 2
		}
		u.Syscall("dup2", uint64(fd), uint64(r.fd))
		u.Syscall("close", uint64(fd))
	}
	path := c.argv[0]
	if !strings.Contains(path, "/") {
		path = "/bin/" + path
	}
	r := u.Syscall("execve", u.Str(path), u.k.pushArgv(u.t, c.argv), 0)
	if r == -int64(abi.ENOEXEC) {
		// No binary format: a shell script, which a new sh runs.
		argv := append([]string{"sh", path}, c.argv[1:]...)
		r = u.Syscall("execve", u.Str("/bin/sh"), u.k.pushArgv(u.t, argv), 0)
	}
	u.Errorf("sh: %d: %s: %s", line, c.argv[0], shErr(r, shExec))
	if e := abi.Errno(-r); e == abi.ENOENT || e == abi.ENOTDIR {
		return 127
	}
	return 126
}
