package users

import (
	"slices"
	"unicode/utf8"

	"github.com/iggyflow/iggyflow/broker"
)

func checkUsername(name string) error {
	if n := utf8.RuneCountInString(name); n < MinUsername || n > MaxUsername {
		return broker.ErrInvalidUsername.With("username of %d characters, want %d..%d", n, MinUsername, MaxUsername)
	}
	return nil
}

func checkPassword3(password string) error {
	if n := utf8.RuneCountInString(password); n < MinPassword || n > MaxPassword {
		return broker.ErrInvalidPassword.With("password of %d characters, want %d..%d", n, MinPassword, MaxPassword)
	}
	return nil
}

func checkStatus(status uint8) error {
	if status != Active && status != Inactive {
		return broker.ErrInvalidCommand.With("user status %d", status)
	}
	return nil
}

// lookup resolves an identifier. Call with s.mu held.
func (s *Store) lookup(id broker.Identifier) (*User, bool) {
	if id.IsName() {
		uid, ok := s.byName[id.Name]
		if !ok {
			return nil, false
		}
		id = broker.ByID(uid)
	}
	u, ok := s.byID[id.ID]
	return u, ok
}

// find returns the index of user id in st.Users, or -1.
func (st *fileState) find(id uint32) int {
	return slices.IndexFunc(st.Users, func(u User) bool { return u.ID == id })
}

func (st *fileState) nameTaken(name string, except uint32) bool {
	return slices.ContainsFunc(st.Users, func(u User) bool { return u.Username == name && u.ID != except })
}

// Get returns a user by id or username.
func (s *Store) Get(id broker.Identifier) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.lookup(id)
	if !ok {
		return User{}, false
	}
	return *u, true
}

// List returns all users in id order.
func (s *Store) List() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]User(nil), s.state.Users...)
}

// Authenticate checks a username and password: 43/44 for lengths, 42 for
// an unknown user or a wrong password, 47 for an inactive user.
func (s *Store) Authenticate(username, password string) (User, error) {
	if err := checkUsername(username); err != nil {
		return User{}, err
	}
	if err := checkPassword3(password); err != nil {
		return User{}, err
	}
	u, ok := s.Get(broker.ByName(username))
	if !ok {
		// Hash anyway, so the answer takes as long as for a wrong
		// password and does not tell which usernames exist.
		s.verify(s.dummyHash, password)
		return User{}, broker.ErrInvalidCredentials
	}
	match, err := s.verify(u.PasswordHash, password)
	if err != nil || !match {
		return User{}, broker.ErrInvalidCredentials
	}
	if u.Status != Active {
		return User{}, broker.ErrUserInactive.With("user %d", u.ID)
	}
	return u, nil
}

// Create adds a user with the next free id: 43/44 for lengths, 46 when the
// username is taken. perms is the encoded permissions blob or nil.
func (s *Store) Create(username, password string, status uint8, perms []byte) (User, error) {
	if err := checkUsername(username); err != nil {
		return User{}, err
	}
	if err := checkPassword3(password); err != nil {
		return User{}, err
	}
	if err := checkStatus(status); err != nil {
		return User{}, err
	}
	hash, err := s.hash(password)
	if err != nil {
		return User{}, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	var created User
	err = s.commit(func(st *fileState) error {
		if st.nameTaken(username, RootID) || username == s.byID[RootID].Username {
			return broker.ErrUserAlreadyExists.With("%q", username)
		}
		created = User{ID: st.takeID(), Username: username, Status: status, CreatedAt: s.now(),
			PasswordHash: hash, Permissions: clone(perms)}
		st.Users = append(st.Users, created)
		return nil
	})
	return created, err
}

// takeID returns the most recently freed id, or the next new one.
func (st *fileState) takeID() uint32 {
	if n := len(st.FreeIDs); n > 0 {
		id := st.FreeIDs[n-1]
		st.FreeIDs = st.FreeIDs[:n-1]
		return id
	}
	if st.NextID == RootID {
		st.NextID = 1
	}
	id := st.NextID
	st.NextID++
	return id
}

// Update renames a user and/or changes its status: 20 for an unknown user,
// 43 for a bad length, 46 when the new name is taken.
func (s *Store) Update(id broker.Identifier, username *string, status *uint8) error {
	if username != nil {
		if err := checkUsername(*username); err != nil {
			return err
		}
	}
	if status != nil {
		if err := checkStatus(*status); err != nil {
			return err
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.lookup(id)
	if !ok {
		return broker.ErrResourceNotFound.With("user %s", id)
	}
	uid := u.ID
	return s.commit(func(st *fileState) error {
		i := st.find(uid)
		if username != nil {
			if st.nameTaken(*username, uid) {
				return broker.ErrUserAlreadyExists.With("%q", *username)
			}
			st.Users[i].Username = *username
		}
		if status != nil {
			st.Users[i].Status = *status
		}
		return nil
	})
}

// SetPermissions replaces a user's permissions blob (nil clears it): 20 for
// an unknown user, 49 for root.
func (s *Store) SetPermissions(id broker.Identifier, perms []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.lookup(id)
	if !ok {
		return broker.ErrResourceNotFound.With("user %s", id)
	}
	if u.ID == RootID {
		return broker.ErrCannotChangePermissions.With("root")
	}
	uid := u.ID
	return s.commit(func(st *fileState) error {
		st.Users[st.find(uid)].Permissions = clone(perms)
		return nil
	})
}

// ChangePassword sets a new password after checking the current one: 44
// for lengths, 20 for an unknown user, 42 for a wrong current password.
func (s *Store) ChangePassword(id broker.Identifier, current, next string) error {
	if err := checkPassword3(current); err != nil {
		return err
	}
	if err := checkPassword3(next); err != nil {
		return err
	}
	u, ok := s.Get(id)
	if !ok {
		return broker.ErrResourceNotFound.With("user %s", id)
	}
	if match, err := s.verify(u.PasswordHash, current); err != nil || !match {
		return broker.ErrInvalidCredentials
	}
	hash, err := s.hash(next)
	if err != nil {
		return err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commit(func(st *fileState) error {
		i := st.find(u.ID)
		if i < 0 {
			return broker.ErrResourceNotFound.With("user %d", u.ID)
		}
		st.Users[i].PasswordHash = hash
		return nil
	})
}

// Delete removes a user and its tokens: 20 for an unknown user, 48 for
// root. Its id is reused by the next Create.
func (s *Store) Delete(id broker.Identifier) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.lookup(id)
	if !ok {
		return broker.ErrResourceNotFound.With("user %s", id)
	}
	if u.ID == RootID {
		return broker.ErrCannotDeleteUser.With("root")
	}
	uid := u.ID
	return s.commit(func(st *fileState) error {
		st.Users = slices.Delete(st.Users, st.find(uid), st.find(uid)+1)
		st.Tokens = slices.DeleteFunc(st.Tokens, func(t token) bool { return t.UserID == uid })
		st.FreeIDs = append(st.FreeIDs, uid)
		return nil
	})
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}
