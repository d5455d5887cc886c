package lab

import (
	"fmt"
	"strconv"
	"strings"
)

// The derived lets: `let NAME = calc EXPR` and `let NAME = item I WORD...`.
// Neither draws from the seed, so a lab can compute the answer that goes
// with a parameter (the count after n interrupts plus one spurious one, the
// weight of a nice value) without changing the values drawn after it.

// calc evaluates an integer expression: decimal integers, + - * / % with
// the usual precedence, unary minus and parentheses. Division truncates
// toward zero, as C's does.
func calc(expr string) (int64, error) {
	c := &calcParser{s: expr}
	v, err := c.sum()
	if err != nil {
		return 0, err
	}
	c.blanks()
	if c.i < len(c.s) {
		return 0, fmt.Errorf("unexpected %q at column %d", c.s[c.i:c.i+1], c.i+1)
	}
	return v, nil
}

type calcParser struct {
	s string
	i int
}

func (c *calcParser) blanks() {
	for c.i < len(c.s) && (c.s[c.i] == ' ' || c.s[c.i] == '\t') {
		c.i++
	}
}

func (c *calcParser) sum() (int64, error) {
	v, err := c.product()
	for err == nil {
		c.blanks()
		if c.i == len(c.s) || (c.s[c.i] != '+' && c.s[c.i] != '-') {
			return v, nil
		}
		op := c.s[c.i]
		c.i++
		var w int64
		if w, err = c.product(); err == nil {
			if op == '+' {
				v += w
			} else {
				v -= w
			}
		}
	}
	return 0, err
}

func (c *calcParser) product() (int64, error) {
	v, err := c.unary()
	for err == nil {
		c.blanks()
		if c.i == len(c.s) || strings.IndexByte("*/%", c.s[c.i]) < 0 {
			return v, nil
		}
		op, col := c.s[c.i], c.i+1
		c.i++
		var w int64
		if w, err = c.unary(); err != nil {
			break
		}
		switch {
		case op == '*':
			v *= w
		case w == 0:
			return 0, fmt.Errorf("division by zero at column %d", col)
		case op == '/':
			v /= w
		default:
			v %= w
		}
	}
	return 0, err
}

func (c *calcParser) unary() (int64, error) {
	c.blanks()
	if c.i == len(c.s) {
		return 0, fmt.Errorf("want a number at the end")
	}
	switch ch := c.s[c.i]; {
	case ch == '-':
		c.i++
		v, err := c.unary()
		return -v, err
	case ch == '(':
		c.i++
		v, err := c.sum()
		if err != nil {
			return 0, err
		}
		c.blanks()
		if c.i == len(c.s) || c.s[c.i] != ')' {
			return 0, fmt.Errorf("want ) at column %d", c.i+1)
		}
		c.i++
		return v, nil
	case ch >= '0' && ch <= '9':
		j := c.i
		for c.i < len(c.s) && c.s[c.i] >= '0' && c.s[c.i] <= '9' {
			c.i++
		}
		v, err := strconv.ParseInt(c.s[j:c.i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%q at column %d is too large", c.s[j:c.i], j+1)
		}
		return v, nil
	default:
		return 0, fmt.Errorf("want a number at column %d, not %q", c.i+1, c.s[c.i:c.i+1])
	}
}

// item returns words[i] for the index written as idx.
func item(idx string, words []string) (string, error) {
	i, err := strconv.Atoi(idx)
	if err != nil {
		return "", fmt.Errorf("%q is not an index", idx)
	}
	if i < 0 || i >= len(words) {
		return "", fmt.Errorf("index %d is out of range: want 0-%d", i, len(words)-1)
	}
	return words[i], nil
}
