package users

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"time"
)

// FileName is the store's file inside the data directory.
const FileName = "users.json"

// Length rules, as on Iggy's server.
const (
	MinUsername, MaxUsername   = 3, 50
	MinPassword, MaxPassword   = 3, 100
	MinTokenName, MaxTokenName = 3, 30
	// DefaultMaxTokensPerUser is the PAT limit per user when Options leave
	// it zero.
	DefaultMaxTokensPerUser = 100
	// DefaultRootName and DefaultRootPassword are used for root only when
	// the caller allows them (a loopback-only listener).
	DefaultRootName     = "iggy"
	DefaultRootPassword = "iggy"
	// RootID is the root user's id.
	RootID uint32 = 0
)

// User statuses, numbered as on the Iggy wire.
const (
	Active   uint8 = 1
	Inactive uint8 = 2
)

// Options configure Open.
type Options struct {
	// DataDir is the broker's data directory; the store lives in
	// DataDir/users.json. Required.
	DataDir string
	// RootUsername and RootPassword create the root user on first start
	// (no users.json yet); the caller passes IGGY_ROOT_USERNAME and
	// IGGY_ROOT_PASSWORD here. Ignored once the file exists.
	RootUsername, RootPassword string
	// AllowDefaultRoot lets a first start without root credentials use
	// iggy/iggy. Set it only when the listener is loopback-only; otherwise
	// Open refuses to start without credentials.
	AllowDefaultRoot bool
	// MaxTokensPerUser bounds PATs per user; default 100.
	MaxTokensPerUser int
	// Argon2 is the password hashing cost; zero fields take DefaultArgon2.
	Argon2 Argon2Params
	// MaxConcurrentHashes bounds how many argon2id computations (logins,
	// password changes, user creation) run at once; more callers wait
	// their turn. Each takes Argon2.Memory KiB while it runs, so hashing
	// never holds more than MaxConcurrentHashes times that. Default
	// runtime.NumCPU().
	MaxConcurrentHashes int
	// Logger receives operator logs (never a password or token); default
	// discards.
	Logger *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// User is one user as stored.
type User struct {
	ID       uint32 `json:"id"`
	Username string `json:"username"`
	Status   uint8  `json:"status"`
	// CreatedAt is in µs since the Unix epoch.
	CreatedAt uint64 `json:"created_at"`
	// PasswordHash is the argon2id PHC string.
	PasswordHash string `json:"password"`
	// Permissions is the encoded Iggy permissions blob, nil for none.
	Permissions []byte `json:"permissions,omitempty"`
}

// TokenInfo describes a PAT without its secret.
type TokenInfo struct {
	Name string
	// ExpiryAt is in µs since the Unix epoch; 0 means never.
	ExpiryAt uint64
}

type token struct {
	UserID   uint32 `json:"user_id"`
	Name     string `json:"name"`
	ExpiryAt uint64 `json:"expiry_at"`
	Hash     string `json:"hash"`
}

type fileState struct {
	Version int      `json:"version"`
	FreeIDs []uint32 `json:"free_ids"`
	NextID  uint32   `json:"next_id"`
	Users   []User   `json:"users"`
	Tokens  []token  `json:"tokens"`
}

// Store holds users and tokens. It is safe for concurrent use; every
// change is written to disk before the call returns.
type Store struct {
	path   string
	opts   Options
	log    *slog.Logger
	mu     sync.Mutex
	state  fileState
	byID   map[uint32]*User
	byName map[string]uint32
	// dummyHash is checked for unknown usernames; see Authenticate.
	dummyHash string
	// hashSlots holds a token per argon2id computation running.
	hashSlots chan struct{}
	// onHash, when set, is told each step of a limited hash (tests).
	onHash func(hashEvent)
}

// Open loads DataDir/users.json, or creates it with the root user on first
// start.
func Open(opts Options) (*Store, error) {
	if opts.DataDir == "" {
		return nil, errors.New("users: Options.DataDir is required")
	}
	s := &Store{path: filepath.Join(opts.DataDir, FileName), opts: withDefaults(opts), log: opts.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.opts.Logger = s.log
	s.hashSlots = make(chan struct{}, s.opts.MaxConcurrentHashes)
	dummy, err := s.hash("unknown user")
	if err != nil {
		return nil, err
	}
	s.dummyHash = dummy

	raw, err := os.ReadFile(s.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return s, s.firstStart()
	case err != nil:
		return nil, fmt.Errorf("users: read %s: %w", s.path, err)
	}
	if err := json.Unmarshal(raw, &s.state); err != nil {
		return nil, fmt.Errorf("users: decode %s: %w", s.path, err)
	}
	s.index()
	if _, ok := s.byID[RootID]; !ok {
		return nil, fmt.Errorf("users: %s has no root user (id 0)", s.path)
	}
	return s, nil
}

func withDefaults(o Options) Options {
	if o.MaxTokensPerUser <= 0 {
		o.MaxTokensPerUser = DefaultMaxTokensPerUser
	}
	if o.Argon2.Memory == 0 {
		o.Argon2.Memory = DefaultArgon2.Memory
	}
	if o.Argon2.Time == 0 {
		o.Argon2.Time = DefaultArgon2.Time
	}
	if o.Argon2.Threads == 0 {
		o.Argon2.Threads = DefaultArgon2.Threads
	}
	if o.MaxConcurrentHashes <= 0 {
		o.MaxConcurrentHashes = runtime.NumCPU()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// ErrNoRootCredentials is returned by a first start that has neither root
// credentials nor permission to use the default ones.
var ErrNoRootCredentials = errors.New("users: no root credentials: set IGGY_ROOT_USERNAME and " +
	"IGGY_ROOT_PASSWORD, or listen on a loopback address only to use the default iggy/iggy")

// firstStart creates the root user and writes the file.
func (s *Store) firstStart() error {
	name, password := s.opts.RootUsername, s.opts.RootPassword
	switch {
	case name == "" && password == "" && s.opts.AllowDefaultRoot:
		name, password = DefaultRootName, DefaultRootPassword
	case name == "" || password == "":
		return ErrNoRootCredentials
	}
	if err := checkUsername(name); err != nil {
		return fmt.Errorf("users: root username: %w", err)
	}
	if err := checkPassword3(password); err != nil {
		return fmt.Errorf("users: root password: %w", err)
	}

	hash, err := s.hash(password)
	if err != nil {
		return err
	}
	s.state = fileState{Version: 1, NextID: 1, Users: []User{{
		ID: RootID, Username: name, Status: Active, CreatedAt: s.now(), PasswordHash: hash,
		Permissions: rootPermissions(),
	}}}
	s.index()
	if err := s.write(s.state); err != nil {
		return err
	}
	s.log.Info("users: root user created", "username", name, "path", s.path)
	return nil
}

// rootPermissions is the blob with all ten global flags set and no streams.
func rootPermissions() []byte { return []byte{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0} }

func (s *Store) now() uint64 { return uint64(s.opts.Now().UnixMicro()) }

// index rebuilds the lookup maps. Call with s.mu held (or before sharing).
func (s *Store) index() {
	s.byID = make(map[uint32]*User, len(s.state.Users))
	s.byName = make(map[string]uint32, len(s.state.Users))
	for i := range s.state.Users {
		u := &s.state.Users[i]
		s.byID[u.ID] = u
		s.byName[u.Username] = u.ID
	}
}

// commit applies change to a copy of the state, writes the copy and, only
// when the write succeeded, makes it the current state. Call with s.mu held.
func (s *Store) commit(change func(st *fileState) error) error {
	st := fileState{
		Version: 1,
		FreeIDs: append([]uint32(nil), s.state.FreeIDs...),
		NextID:  s.state.NextID,
		Users:   append([]User(nil), s.state.Users...),
		Tokens:  append([]token(nil), s.state.Tokens...),
	}
	if err := change(&st); err != nil {
		return err
	}
	sort.Slice(st.Users, func(i, j int) bool { return st.Users[i].ID < st.Users[j].ID })
	if err := s.write(st); err != nil {
		return err
	}
	s.state = st
	s.index()
	return nil
}

func (s *Store) write(st fileState) error {
	raw, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("users: encode: %w", err)
	}
	return writeAtomic(s.path, raw)
}

// writeAtomic replaces path with data: temp file, fsync, rename, fsync of
// the directory, so a crash leaves either the old or the new file.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("users: create temp file in %s: %w", dir, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)

	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("users: write %s: %w", tmp, err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("users: chmod %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("users: fsync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("users: close %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("users: rename %s: %w", tmp, err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("users: open dir %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("users: fsync dir %s: %w", dir, err)
	}
	return nil
}
