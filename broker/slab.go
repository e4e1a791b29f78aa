package broker

// slab hands out dense 0-based ids the way Iggy's slab tables do: a new
// object takes the most recently freed id first, else the next new one.
// It is not safe for concurrent use; its owner's lock guards it.
type slab[T any] struct {
	items []T
	used  []bool
	// free is a LIFO stack of freed ids.
	free []uint32
}

// insert stores v and returns its id.
func (s *slab[T]) insert(v T) uint32 {
	if n := len(s.free); n > 0 {
		id := s.free[n-1]
		s.free = s.free[:n-1]
		s.items[id], s.used[id] = v, true
		return id
	}

	s.items = append(s.items, v)
	s.used = append(s.used, true)
	return uint32(len(s.items) - 1)
}

// remove frees id and returns what it held.
func (s *slab[T]) remove(id uint32) (T, bool) {
	var zero T
	if !s.has(id) {
		return zero, false
	}

	v := s.items[id]
	s.items[id], s.used[id] = zero, false
	s.free = append(s.free, id)
	return v, true
}

// known reports whether id was ever handed out: in use now, or freed.
func (s *slab[T]) known(id uint32) bool { return int(id) < len(s.used) }

func (s *slab[T]) has(id uint32) bool {
	return int(id) < len(s.used) && s.used[id]
}

// get returns the object with id.
func (s *slab[T]) get(id uint32) (T, bool) {
	if !s.has(id) {
		var zero T
		return zero, false
	}
	return s.items[id], true
}

// find returns the first object, in id order, for which match is true.
func (s *slab[T]) find(match func(T) bool) (T, bool) {
	for i, v := range s.items {
		if s.used[i] && match(v) {
			return v, true
		}
	}
	var zero T
	return zero, false
}

// all returns the objects in id order.
func (s *slab[T]) all() []T {
	out := make([]T, 0, len(s.items))
	for i, v := range s.items {
		if s.used[i] {
			out = append(out, v)
		}
	}
	return out
}

// count returns how many ids are in use.
func (s *slab[T]) count() int {
	n := 0
	for _, u := range s.used {
		if u {
			n++
		}
	}
	return n
}

// state returns what restore needs: the slot count and the free stack.
func (s *slab[T]) state() (slots uint32, free []uint32) {
	return uint32(len(s.items)), append([]uint32(nil), s.free...)
}

// restore rebuilds a slab from persisted objects and free stack. Slots
// that are neither used nor on the stack (a damaged file) are pushed
// below the persisted stack so they are reused last.
func restoreSlab[T any](slots uint32, free []uint32, ids []uint32, vals []T) slab[T] {
	s := slab[T]{items: make([]T, slots), used: make([]bool, slots)}
	for i, id := range ids {
		if id >= slots {
			s.items = append(s.items, make([]T, id+1-slots)...)
			s.used = append(s.used, make([]bool, id+1-slots)...)
			slots = id + 1
		}
		s.items[id], s.used[id] = vals[i], true
	}

	onStack := make(map[uint32]bool, len(free))
	var stack []uint32
	for _, id := range free {
		if id < slots && !s.used[id] && !onStack[id] {
			onStack[id] = true
			stack = append(stack, id)
		}
	}

	for id := int(slots) - 1; id >= 0; id-- {
		if !s.used[id] && !onStack[uint32(id)] {
			s.free = append(s.free, uint32(id))
		}
	}
	s.free = append(s.free, stack...)
	return s
}
