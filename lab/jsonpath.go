package lab

// The JSON path language of expect-json is a small part of jq's:
//
//	.                 the whole value
//	.field            a member of an object (letters, digits, _ and -)
//	["any key"]       a member whose name needs quotes
//	[N], .[N]         an element of an array; negative N counts from the end
//	PATH | length     the length of an array, object or string
//
// A check compares the value found with a JSON literal: == and != on any
// value (numbers by value, objects and arrays deeply), <, >, <= and >= on
// two numbers or two strings (strings by bytes). jq's filters, slices
// and wildcards are left out on purpose: a lab asks about one value.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"kplay/repl"
)

type seg struct {
	key   string
	index int
	isIdx bool
}

type jsonCheck struct {
	path   string
	segs   []seg
	length bool
	op     string
	want   any
	raw    string // the value as written
}

var ops = []string{"==", "!=", "<=", ">=", "<", ">"}

func parseJSONCheck(text string, line, col int, file string) (*jsonCheck, error) {
	errf := func(c int, format string, args ...any) error {
		return &Error{File: file, Line: line, Col: c, Msg: fmt.Sprintf(format, args...)}
	}
	const usage = `usage: expect-json PATH OP VALUE (expect-json '.[0].state' == "S")`
	toks, err := repl.Tokenize(text)
	if err != nil {
		return nil, errf(col, "expect-json: %v", err)
	}
	// A path may be written unquoted with " | length" after it.
	if len(toks) >= 5 && toks[1].Text == "|" && !toks[1].Quoted {
		toks = append([]repl.Token{{Text: toks[0].Text + " | " + toks[2].Text, Col: toks[0].Col}}, toks[3:]...)
	}
	if len(toks) != 3 {
		return nil, errf(col, "%s", usage)
	}
	c := &jsonCheck{path: toks[0].Text, op: toks[1].Text, raw: toks[2].Text}
	if c.segs, c.length, err = parsePath(toks[0].Text); err != nil {
		return nil, errf(col+toks[0].Col-1, "expect-json: path %q: %v", toks[0].Text, err)
	}
	okOp := false
	for _, o := range ops {
		okOp = okOp || c.op == o
	}
	if !okOp || toks[1].Quoted {
		return nil, errf(col+toks[1].Col-1, "expect-json: %q is not a comparison (want ==, !=, <, >, <= or >=)", c.op)
	}
	v := toks[2]
	if v.Quoted {
		c.want = v.Text
		c.raw = strconv.Quote(v.Text)
	} else {
		d := json.NewDecoder(strings.NewReader(v.Text))
		d.UseNumber()
		var x any
		if err := d.Decode(&x); err != nil || d.More() {
			return nil, errf(col+v.Col-1, `expect-json: value %s is not a JSON literal (a number, true, false, null or a "quoted string")`, v.Text)
		}
		if _, isObj := x.(map[string]any); isObj {
			return nil, errf(col+v.Col-1, `expect-json: value %s is not a JSON literal (a number, true, false, null or a "quoted string")`, v.Text)
		}
		if _, isArr := x.([]any); isArr {
			return nil, errf(col+v.Col-1, `expect-json: value %s is not a JSON literal (a number, true, false, null or a "quoted string")`, v.Text)
		}
		c.want = x
	}
	if c.op != "==" && c.op != "!=" {
		switch c.want.(type) {
		case json.Number, string:
		default:
			return nil, errf(col+toks[1].Col-1, "expect-json: %s compares numbers or strings, not %s", c.op, v.Text)
		}
	}
	return c, nil
}

func parsePath(p string) ([]seg, bool, error) {
	length := false
	if before, after, ok := strings.Cut(p, "|"); ok {
		if strings.TrimSpace(after) != "length" {
			return nil, false, fmt.Errorf("only | length may follow a path")
		}
		p, length = strings.TrimSpace(before), true
	}
	if !strings.HasPrefix(p, ".") && !strings.HasPrefix(p, "[") {
		return nil, false, fmt.Errorf("a path starts with . (the whole output)")
	}
	var segs []seg
	i := 0
	if p == "." {
		return nil, length, nil
	}
	for i < len(p) {
		switch {
		case p[i] == '.' && i+1 < len(p) && p[i+1] == '[':
			i++
		case p[i] == '.':
			j := i + 1
			for j < len(p) && (p[j] == '_' || p[j] == '-' || p[j] >= 'a' && p[j] <= 'z' || p[j] >= 'A' && p[j] <= 'Z' || p[j] >= '0' && p[j] <= '9') {
				j++
			}
			if j == i+1 {
				return nil, false, fmt.Errorf("a name must follow the . at column %d", i+1)
			}
			segs = append(segs, seg{key: p[i+1 : j]})
			i = j
		case p[i] == '[':
			end := strings.IndexByte(p[i:], ']')
			if end < 0 {
				return nil, false, fmt.Errorf("[ at column %d has no ]", i+1)
			}
			inner := p[i+1 : i+end]
			if strings.HasPrefix(inner, `"`) {
				var k string
				if err := json.Unmarshal([]byte(inner), &k); err != nil {
					return nil, false, fmt.Errorf("bad key %s", inner)
				}
				segs = append(segs, seg{key: k})
			} else {
				n, err := strconv.Atoi(inner)
				if err != nil {
					return nil, false, fmt.Errorf("[%s]: want an index such as [0] or [-1], or a key such as [\"name\"]", inner)
				}
				segs = append(segs, seg{index: n, isIdx: true})
			}
			i += end + 1
		default:
			return nil, false, fmt.Errorf("unexpected %q at column %d", p[i], i+1)
		}
	}
	return segs, length, nil
}

// decodeOutput reads a command's output as JSON: the whole of it, or the
// first value that starts a line with { or [ (console lines may come
// first).
func decodeOutput(out string) (any, error) {
	// A value must end its line: "[    0.000000] text" is a console
	// line, not the array [0].
	try := func(s string) (any, error) {
		d := json.NewDecoder(strings.NewReader(s))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			return nil, err
		}
		rest := s[d.InputOffset():]
		if nl := strings.IndexByte(rest, '\n'); nl >= 0 {
			rest = rest[:nl]
		}
		if strings.TrimSpace(rest) != "" {
			return nil, fmt.Errorf("%q follows the value on its line", strings.TrimSpace(rest))
		}
		return v, nil
	}
	if v, err := try(out); err == nil {
		return v, nil
	}
	var firstErr error
	for off := 0; off < len(out); {
		if out[off] == '{' || out[off] == '[' {
			v, err := try(out[off:])
			if err == nil {
				return v, nil
			}
			if firstErr == nil {
				firstErr = err
			}
		}
		nl := strings.IndexByte(out[off:], '\n')
		if nl < 0 {
			break
		}
		off += nl + 1
	}
	if firstErr == nil {
		firstErr = fmt.Errorf("no line starts with { or [")
	}
	return nil, firstErr
}

// eval finds the path's value in v.
func (c *jsonCheck) eval(v any) (any, error) {
	where := "."
	for _, s := range c.segs {
		if s.isIdx {
			a, ok := v.([]any)
			if !ok {
				return nil, fmt.Errorf("%s is %s, not an array", where, kindOf(v))
			}
			i := s.index
			if i < 0 {
				i += len(a)
			}
			if i < 0 || i >= len(a) {
				return nil, fmt.Errorf("%s has %d elements: no index %d", where, len(a), s.index)
			}
			v = a[i]
			if where == "." {
				where = ""
			}
			where = "." + strings.TrimPrefix(where, ".") + "[" + strconv.Itoa(s.index) + "]"
			continue
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s is %s, not an object", where, kindOf(v))
		}
		x, ok := m[s.key]
		if !ok {
			return nil, fmt.Errorf("%s has no member %q", where, s.key)
		}
		v = x
		where = strings.TrimSuffix(where, ".") + "." + s.key
	}
	if c.length {
		switch x := v.(type) {
		case []any:
			return json.Number(strconv.Itoa(len(x))), nil
		case map[string]any:
			return json.Number(strconv.Itoa(len(x))), nil
		case string:
			return json.Number(strconv.Itoa(len(x))), nil
		}
		return nil, fmt.Errorf("%s is %s, which has no length", where, kindOf(v))
	}
	return v, nil
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	}
	return "an object"
}

// compare applies the check's operator to got; it returns whether the
// check holds, or why the two cannot be compared.
func (c *jsonCheck) compare(got any) (bool, error) {
	if c.op == "==" || c.op == "!=" {
		eq := jsonEqual(got, c.want)
		return eq == (c.op == "=="), nil
	}
	var cmp int
	switch w := c.want.(type) {
	case json.Number:
		g, ok := got.(json.Number)
		if !ok {
			return false, fmt.Errorf("got %s, not a number", kindOf(got))
		}
		a, _ := g.Float64()
		b, _ := w.Float64()
		cmp = compareFloat(a, b)
	case string:
		g, ok := got.(string)
		if !ok {
			return false, fmt.Errorf("got %s, not a string", kindOf(got))
		}
		cmp = strings.Compare(g, w)
	}
	switch c.op {
	case "<":
		return cmp < 0, nil
	case ">":
		return cmp > 0, nil
	case "<=":
		return cmp <= 0, nil
	}
	return cmp >= 0, nil
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// jsonEqual compares two decoded values, numbers by value.
func jsonEqual(a, b any) bool {
	an, aok := a.(json.Number)
	bn, bok := b.(json.Number)
	if aok && bok {
		x, err1 := an.Float64()
		y, err2 := bn.Float64()
		return err1 == nil && err2 == nil && x == y
	}
	return reflect.DeepEqual(a, b)
}

// render prints a decoded value compactly, as jq -c would.
func render(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	s := strings.TrimSuffix(b.String(), "\n")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
