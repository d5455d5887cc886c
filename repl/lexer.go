package repl

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Token is one word of a command line.
type Token struct {
	Text   string
	Quoted bool // came from "..." or '...': a string, never a number
	Col    int  // 1-based column where it starts
}

// Tokenize splits a line into words as a shell does: blanks separate,
// "double quotes" take C escapes (\n \t \\ \" \0 \xHH and octal \NNN),
// 'single quotes' are literal, and # starts a comment outside quotes.
func Tokenize(line string) ([]Token, error) {
	var toks []Token
	i := 0
	for i < len(line) {
		c := line[i]
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			i++
			continue
		}
		if c == '#' {
			break
		}
		start := i
		var b strings.Builder
		quoted := false
		for i < len(line) {
			c = line[i]
			if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
				break
			}
			switch c {
			case '\'':
				end := strings.IndexByte(line[i+1:], '\'')
				if end < 0 {
					return nil, fmt.Errorf("column %d: unterminated ' quote", i+1)
				}
				b.WriteString(line[i+1 : i+1+end])
				i += end + 2
				quoted = true
			case '"':
				j, err := readDoubleQuoted(line, i, &b)
				if err != nil {
					return nil, err
				}
				i = j
				quoted = true
			default:
				b.WriteByte(c)
				i++
			}
		}
		toks = append(toks, Token{Text: b.String(), Quoted: quoted, Col: start + 1})
	}
	return toks, nil
}

// readDoubleQuoted reads "..." starting at line[i] == '"' into b and
// returns the index after the closing quote.
func readDoubleQuoted(line string, i int, b *strings.Builder) (int, error) {
	open := i
	i++
	for i < len(line) {
		c := line[i]
		switch c {
		case '"':
			return i + 1, nil
		case '\\':
			if i+1 >= len(line) {
				return 0, fmt.Errorf("column %d: backslash at end of line", i+1)
			}
			e := line[i+1]
			i += 2
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'a':
				b.WriteByte('\a')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'v':
				b.WriteByte('\v')
			case 'e':
				b.WriteByte(0x1b)
			case '\\', '"', '\'':
				b.WriteByte(e)
			case 'x':
				j := i
				for j < len(line) && j < i+2 && isHex(line[j]) {
					j++
				}
				if j == i {
					return 0, fmt.Errorf("column %d: \\x needs hex digits", i-1)
				}
				v, _ := strconv.ParseUint(line[i:j], 16, 8)
				b.WriteByte(byte(v))
				i = j
			case '0', '1', '2', '3', '4', '5', '6', '7':
				j := i - 1
				for j < len(line) && j < i+2 && line[j] >= '0' && line[j] <= '7' {
					j++
				}
				v, _ := strconv.ParseUint(line[i-1:j], 8, 16)
				if v > 255 {
					return 0, fmt.Errorf("column %d: octal escape \\%s is above \\377", i-1, line[i-1:j])
				}
				b.WriteByte(byte(v))
				i = j
			default:
				return 0, fmt.Errorf("column %d: unknown escape \\%c (use \\n, \\t, \\\\, \\\", \\xHH or \\NNN)", i-1, e)
			}
		default:
			b.WriteByte(c)
			i++
		}
	}
	return 0, fmt.Errorf("column %d: unterminated \" quote", open+1)
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// ParseInt reads a number as the syscall command takes it: decimal,
// 0x hex, 0o or leading-0 octal, 0b binary, optionally negative.
func ParseInt(s string) (uint64, error) {
	v, err := strconv.ParseInt(s, 0, 64)
	if err == nil {
		return uint64(v), nil
	}
	u, uerr := strconv.ParseUint(s, 0, 64)
	if uerr == nil {
		return u, nil
	}
	if errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("%q does not fit in a 64-bit register", s)
	}
	return 0, fmt.Errorf("%q is not a number (want decimal, 0x hex, or a \"quoted string\")", s)
}
