package sched

// timeline is CFS's tasks_timeline: a red-black tree of the queued fair
// entities ordered by (vruntime, insertion order), with the leftmost
// entity cached as rb_root_cached does. It is a left-leaning red-black
// tree (Sedgewick, 2008): the same O(log n) bounds as lib/rbtree.c with a
// fraction of the cases. Equal vruntimes keep insertion order, as
// __enqueue_entity's "entity_before(se, entry) ? left : right" does.
type timeline struct {
	root     *rbNode
	leftmost *Entity
	n        int
	seq      uint64
	// free holds nodes deleted from the tree for the next inserts, so a
	// steady enqueue/dequeue load allocates nothing.
	free *rbNode
}

type rbNode struct {
	e           *Entity
	left, right *rbNode
	red         bool
}

// before is entity_before with the insertion order as tie-break.
func before(a, b *Entity) bool {
	if a.Vruntime != b.Vruntime {
		return a.Vruntime-b.Vruntime < 0 // wrap-safe, as (s64)(a - b) < 0
	}
	return a.rbSeq < b.rbSeq
}

func isRed(h *rbNode) bool { return h != nil && h.red }

func rotateLeft(h *rbNode) *rbNode {
	x := h.right
	h.right = x.left
	x.left = h
	x.red = h.red
	h.red = true
	return x
}

func rotateRight(h *rbNode) *rbNode {
	x := h.left
	h.left = x.right
	x.right = h
	x.red = h.red
	h.red = true
	return x
}

func flipColors(h *rbNode) {
	h.red = !h.red
	h.left.red = !h.left.red
	h.right.red = !h.right.red
}

func balance(h *rbNode) *rbNode {
	if isRed(h.right) && !isRed(h.left) {
		h = rotateLeft(h)
	}
	if isRed(h.left) && isRed(h.left.left) {
		h = rotateRight(h)
	}
	if isRed(h.left) && isRed(h.right) {
		flipColors(h)
	}
	return h
}

func moveRedLeft(h *rbNode) *rbNode {
	flipColors(h)
	if isRed(h.right.left) {
		h.right = rotateRight(h.right)
		h = rotateLeft(h)
		flipColors(h)
	}
	return h
}

func moveRedRight(h *rbNode) *rbNode {
	flipColors(h)
	if isRed(h.left.left) {
		h = rotateRight(h)
		flipColors(h)
	}
	return h
}

// insert adds e (__enqueue_entity). e must not be in the tree.
func (t *timeline) insert(e *Entity) {
	t.seq++
	e.rbSeq = t.seq
	t.root = t.rbInsert(t.root, e)
	t.root.red = false
	t.n++
	if t.leftmost == nil || before(e, t.leftmost) {
		t.leftmost = e
	}
}

func (t *timeline) rbInsert(h *rbNode, e *Entity) *rbNode {
	if h == nil {
		n := t.free
		if n == nil {
			return &rbNode{e: e, red: true}
		}
		t.free = n.left
		*n = rbNode{e: e, red: true}
		return n
	}
	if before(e, h.e) {
		h.left = t.rbInsert(h.left, e)
	} else {
		h.right = t.rbInsert(h.right, e)
	}
	if isRed(h.right) && !isRed(h.left) {
		h = rotateLeft(h)
	}
	if isRed(h.left) && isRed(h.left.left) {
		h = rotateRight(h)
	}
	if isRed(h.left) && isRed(h.right) {
		flipColors(h)
	}
	return h
}

// remove deletes e (__dequeue_entity). e must be in the tree with the key
// it was inserted with.
func (t *timeline) remove(e *Entity) {
	if !isRed(t.root.left) && !isRed(t.root.right) {
		t.root.red = true
	}
	t.root = t.rbDelete(t.root, e)
	if t.root != nil {
		t.root.red = false
	}
	t.n--
	if t.leftmost == e {
		t.leftmost = t.min()
	}
}

func rbMin(h *rbNode) *rbNode {
	for h.left != nil {
		h = h.left
	}
	return h
}

// release puts a node that has left the tree on the free list.
func (t *timeline) release(h *rbNode) {
	*h = rbNode{left: t.free}
	t.free = h
}

func (t *timeline) rbDeleteMin(h *rbNode) *rbNode {
	if h.left == nil {
		t.release(h)
		return nil
	}
	if !isRed(h.left) && !isRed(h.left.left) {
		h = moveRedLeft(h)
	}
	h.left = t.rbDeleteMin(h.left)
	return balance(h)
}

func (t *timeline) rbDelete(h *rbNode, e *Entity) *rbNode {
	if before(e, h.e) {
		if !isRed(h.left) && !isRed(h.left.left) {
			h = moveRedLeft(h)
		}
		h.left = t.rbDelete(h.left, e)
	} else {
		if isRed(h.left) {
			h = rotateRight(h)
		}
		if h.e == e && h.right == nil {
			t.release(h)
			return nil
		}
		if !isRed(h.right) && !isRed(h.right.left) {
			h = moveRedRight(h)
		}
		if h.e == e {
			h.e = rbMin(h.right).e
			h.right = t.rbDeleteMin(h.right)
		} else {
			h.right = t.rbDelete(h.right, e)
		}
	}
	return balance(h)
}

func (t *timeline) min() *Entity {
	if t.root == nil {
		return nil
	}
	return rbMin(t.root).e
}

// first is the leftmost entity (__pick_first_entity), or nil.
func (t *timeline) first() *Entity { return t.leftmost }

// next is the entity after e in order (__pick_next_entity), or nil.
func (t *timeline) next(e *Entity) *Entity {
	var succ *Entity
	for h := t.root; h != nil; {
		if before(e, h.e) {
			succ = h.e
			h = h.left
		} else {
			h = h.right
		}
	}
	return succ
}

// walk calls fn on every entity in order.
func (t *timeline) walk(fn func(e *Entity)) {
	var rec func(h *rbNode)
	rec = func(h *rbNode) {
		if h == nil {
			return
		}
		rec(h.left)
		fn(h.e)
		rec(h.right)
	}
	rec(t.root)
}
