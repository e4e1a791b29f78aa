package users

// hashEvent is a step of a limited password hash, reported to Store.onHash.
type hashEvent int

const (
	// hashQueued: a caller wants a hash slot.
	hashQueued hashEvent = iota
	// hashStarted: it holds a slot and is about to hash.
	hashStarted
	// hashDone: it has hashed and is about to free the slot.
	hashDone
)

// limited runs f, an argon2id computation, once one of the
// Options.MaxConcurrentHashes slots is free. Callers beyond the bound
// queue (without a deadline) instead of each allocating Argon2.Memory at
// once: a storm of wrong logins then costs at most the bound times the
// hash memory, and waits its turn.
func (s *Store) limited(f func()) {
	s.event(hashQueued)
	s.hashSlots <- struct{}{}
	defer func() { <-s.hashSlots }()

	s.event(hashStarted)
	defer s.event(hashDone)
	f()
}

func (s *Store) event(e hashEvent) {
	if s.onHash != nil {
		s.onHash(e)
	}
}

// hash returns the PHC string of password under the store's cost, within
// the hashing bound.
func (s *Store) hash(password string) (phc string, err error) {
	s.limited(func() { phc, err = hashPassword(password, s.opts.Argon2) })
	return phc, err
}

// verify reports whether password matches phc, within the hashing bound.
func (s *Store) verify(phc, password string) (match bool, err error) {
	s.limited(func() { match, err = checkPassword(phc, password) })
	return match, err
}
