package users

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iggyflow/iggyflow/broker"
)

// cheap keeps argon2 fast in tests; the format and checks are the same.
var cheap = Argon2Params{Memory: 64, Time: 1, Threads: 1}

func open(t *testing.T, dir string, mod func(*Options)) *Store {
	t.Helper()
	o := Options{DataDir: dir, AllowDefaultRoot: true, Argon2: cheap}
	if mod != nil {
		mod(&o)
	}
	s, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func wantCode(t *testing.T, err error, want *broker.Error) {
	t.Helper()
	var be *broker.Error
	if !errors.As(err, &be) || be.Code != want.Code {
		t.Fatalf("got %v, want code %d (%s)", err, want.Code, want.Name)
	}
}

func TestRootCredentials(t *testing.T) {
	if _, err := Open(Options{DataDir: t.TempDir(), Argon2: cheap}); !errors.Is(err, ErrNoRootCredentials) {
		t.Fatalf("no credentials, not loopback: %v", err)
	}
	if _, err := Open(Options{DataDir: t.TempDir(), RootUsername: "admin", Argon2: cheap}); !errors.Is(err, ErrNoRootCredentials) {
		t.Fatalf("username without password: %v", err)
	}
	if _, err := Open(Options{DataDir: t.TempDir(), RootUsername: "ad", RootPassword: "secret", Argon2: cheap}); err == nil {
		t.Fatal("two-character root username accepted")
	}

	s := open(t, t.TempDir(), nil)
	if u, err := s.Authenticate("iggy", "iggy"); err != nil || u.ID != RootID {
		t.Fatalf("default root: %+v, %v", u, err)
	}

	dir := t.TempDir()
	s = open(t, dir, func(o *Options) { o.RootUsername, o.RootPassword, o.AllowDefaultRoot = "admin", "s3cret!", false })
	if _, err := s.Authenticate("admin", "s3cret!"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, second(s.Authenticate("iggy", "iggy")), broker.ErrInvalidCredentials)

	// Credentials apply on first start only.
	s = open(t, dir, func(o *Options) { o.RootUsername, o.RootPassword = "other", "other" })
	if _, err := s.Authenticate("admin", "s3cret!"); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if u, _ := s.Get(broker.ByID(RootID)); !bytes.Equal(u.Permissions, rootPermissions()) {
		t.Fatalf("root permissions % x", u.Permissions)
	}
}

func second[T any](_ T, err error) error { return err }

func TestAuthenticate(t *testing.T) {
	s := open(t, t.TempDir(), nil)
	wantCode(t, second(s.Authenticate("ig", "iggy")), broker.ErrInvalidUsername)
	wantCode(t, second(s.Authenticate(strings.Repeat("a", 51), "iggy")), broker.ErrInvalidUsername)
	wantCode(t, second(s.Authenticate("iggy", "ig")), broker.ErrInvalidPassword)
	wantCode(t, second(s.Authenticate("iggy", strings.Repeat("p", 101))), broker.ErrInvalidPassword)
	wantCode(t, second(s.Authenticate("nobody", "iggy")), broker.ErrInvalidCredentials)
	wantCode(t, second(s.Authenticate("iggy", "wrong")), broker.ErrInvalidCredentials)
	wantCode(t, second(s.Authenticate("IGGY", "iggy")), broker.ErrInvalidCredentials)
}

func TestUserLifecycle(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, nil)

	alice, err := s.Create("alice", "password1", Active, []byte{0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0})
	if err != nil || alice.ID != 1 {
		t.Fatalf("alice %+v, %v", alice, err)
	}
	bob, err := s.Create("bob", "password2", Active, nil)
	if err != nil || bob.ID != 2 {
		t.Fatalf("bob %+v, %v", bob, err)
	}
	wantCode(t, second(s.Create("alice", "password3", Active, nil)), broker.ErrUserAlreadyExists)
	wantCode(t, second(s.Create("iggy", "password3", Active, nil)), broker.ErrUserAlreadyExists)
	wantCode(t, second(s.Create("al", "password3", Active, nil)), broker.ErrInvalidUsername)
	wantCode(t, second(s.Create("carl", "pw", Active, nil)), broker.ErrInvalidPassword)
	wantCode(t, second(s.Create("carl", "password", 3, nil)), broker.ErrInvalidCommand)

	// Names are case-sensitive; lookups work by id and by name.
	if _, err := s.Create("Alice", "password", Active, nil); err != nil {
		t.Fatal(err)
	}
	if u, ok := s.Get(broker.ByName("alice")); !ok || u.ID != 1 {
		t.Fatalf("by name %+v", u)
	}

	// Deleting frees the id for the next user, most recently freed first.
	if err := s.Delete(broker.ByID(1)); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(broker.ByName("bob")); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.Delete(broker.ByID(1)), broker.ErrResourceNotFound)
	wantCode(t, s.Delete(broker.ByID(RootID)), broker.ErrCannotDeleteUser)
	if u, _ := s.Create("dave", "password", Active, nil); u.ID != 2 {
		t.Fatalf("dave got id %d, want the last freed id 2", u.ID)
	}
	if u, _ := s.Create("erin", "password", Active, nil); u.ID != 1 {
		t.Fatalf("erin got id %d, want 1", u.ID)
	}
	if u, _ := s.Create("fred", "password", Active, nil); u.ID != 4 {
		t.Fatalf("fred got id %d, want 4", u.ID)
	}

	// Everything survives a restart, id reuse included.
	s.Delete(broker.ByName("fred"))
	s = open(t, dir, nil)
	if names := usernames(s.List()); names != "iggy,erin,dave,Alice" {
		t.Fatalf("after restart: %s", names)
	}
	if u, _ := s.Create("gina", "password", Active, nil); u.ID != 4 {
		t.Fatalf("gina got id %d after restart, want 4", u.ID)
	}
}

func usernames(us []User) string {
	var names []string
	for _, u := range us {
		names = append(names, u.Username)
	}
	return strings.Join(names, ",")
}

func TestUpdatePermissionsPassword(t *testing.T) {
	s := open(t, t.TempDir(), nil)
	u, _ := s.Create("alice", "password1", Active, nil)
	s.Create("bob", "password2", Active, nil)

	wantCode(t, s.Update(broker.ByID(u.ID), strp("bob"), nil), broker.ErrUserAlreadyExists)
	wantCode(t, s.Update(broker.ByID(u.ID), strp("al"), nil), broker.ErrInvalidUsername)
	wantCode(t, s.Update(broker.ByID(99), strp("zed"), nil), broker.ErrResourceNotFound)
	inactive := Inactive
	if err := s.Update(broker.ByID(u.ID), strp("alicia"), &inactive); err != nil {
		t.Fatal(err)
	}
	wantCode(t, second(s.Authenticate("alicia", "password1")), broker.ErrUserInactive)
	if err := s.Update(broker.ByName("alicia"), strp("alicia"), nil); err != nil {
		t.Fatalf("renaming to the same name: %v", err)
	}

	blob := []byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	if err := s.SetPermissions(broker.ByName("alicia"), blob); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(broker.ByID(u.ID)); !bytes.Equal(got.Permissions, blob) {
		t.Fatalf("permissions % x", got.Permissions)
	}
	if err := s.SetPermissions(broker.ByID(u.ID), nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(broker.ByID(u.ID)); got.Permissions != nil {
		t.Fatalf("permissions not cleared: % x", got.Permissions)
	}
	wantCode(t, s.SetPermissions(broker.ByID(RootID), blob), broker.ErrCannotChangePermissions)
	wantCode(t, s.SetPermissions(broker.ByID(42), blob), broker.ErrResourceNotFound)

	wantCode(t, s.ChangePassword(broker.ByName("bob"), "wrong-one", "newpass"), broker.ErrInvalidCredentials)
	wantCode(t, s.ChangePassword(broker.ByName("bob"), "password2", "np"), broker.ErrInvalidPassword)
	wantCode(t, s.ChangePassword(broker.ByName("nobody"), "password2", "newpass"), broker.ErrResourceNotFound)
	if err := s.ChangePassword(broker.ByName("bob"), "password2", "newpass"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, second(s.Authenticate("bob", "password2")), broker.ErrInvalidCredentials)
	if _, err := s.Authenticate("bob", "newpass"); err != nil {
		t.Fatal(err)
	}
}

func strp(s string) *string { return &s }

func TestTokens(t *testing.T) {
	dir := t.TempDir()
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { return now }
	s := open(t, dir, func(o *Options) { o.MaxTokensPerUser, o.Now = 3, clock })
	bob, _ := s.Create("bob", "password", Active, nil)

	tok, err := s.CreateToken(RootID, "ci-token", 0)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(tok)
	if err != nil || len(tok) != 68 || len(raw) != 50 {
		t.Fatalf("token %q: %d chars, %d bytes, %v", tok, len(tok), len(raw), err)
	}
	if u, err := s.AuthenticateToken(tok); err != nil || u.ID != RootID {
		t.Fatalf("login with token: %+v, %v", u, err)
	}
	wantCode(t, second(s.CreateToken(RootID, "ci-token", 0)), broker.ErrPATAlreadyExists)
	wantCode(t, second(s.CreateToken(RootID, "ab", 0)), broker.ErrInvalidPATName)
	wantCode(t, second(s.CreateToken(RootID, strings.Repeat("n", 31), 0)), broker.ErrInvalidPATName)
	wantCode(t, second(s.CreateToken(77, "orphan", 0)), broker.ErrResourceNotFound)
	if _, err := s.CreateToken(bob.ID, "ci-token", 0); err != nil {
		t.Fatalf("same name for another user: %v", err)
	}

	short, err := s.CreateToken(RootID, "short", 5_000_000) // 5 s
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateToken(RootID, "never", 1<<64-1); err != nil {
		t.Fatal(err)
	}
	wantCode(t, second(s.CreateToken(RootID, "fourth", 0)), broker.ErrPATLimitReached)

	want := []TokenInfo{{"ci-token", 0}, {"short", uint64(now.UnixMicro()) + 5_000_000}, {"never", 0}}
	if got := s.Tokens(RootID); len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("tokens %+v", got)
	}

	now = now.Add(6 * time.Second)
	wantCode(t, second(s.AuthenticateToken(short)), broker.ErrPATExpired)
	wantCode(t, second(s.AuthenticateToken(tok+"x")), broker.ErrResourceNotFound)

	// Only the hash is on disk: neither the token nor a password appears.
	file, _ := os.ReadFile(filepath.Join(dir, FileName))
	if bytes.Contains(file, []byte(tok)) || bytes.Contains(file, []byte("\"password\": \"password\"")) {
		t.Fatal("secret stored in clear")
	}
	if !bytes.Contains(file, []byte("$argon2id$v=19$m=64,t=1,p=1$")) {
		t.Fatalf("no PHC argon2id hash in %s", file)
	}

	// Tokens survive a restart; deleting removes them.
	s = open(t, dir, func(o *Options) { o.Now = clock })
	if _, err := s.AuthenticateToken(tok); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if err := s.DeleteToken(RootID, "ci-token"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DeleteToken(RootID, "ci-token"), broker.ErrResourceNotFound)
	wantCode(t, second(s.AuthenticateToken(tok)), broker.ErrResourceNotFound)

	// Deleting a user deletes its tokens.
	bobTok, _ := s.CreateToken(bob.ID, "bob-token", 0)
	s.Delete(broker.ByID(bob.ID))
	wantCode(t, second(s.AuthenticateToken(bobTok)), broker.ErrResourceNotFound)
}

func TestFailedWriteKeepsState(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, nil)

	// A non-empty directory where the file should be makes the final
	// rename fail, for root too.
	path := filepath.Join(dir, FileName)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(path, "blocker"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create("alice", "password", Active, nil); err == nil {
		t.Fatal("create succeeded although the file could not be replaced")
	}
	if _, ok := s.Get(broker.ByName("alice")); ok {
		t.Fatal("user kept in memory after a failed write")
	}
	if _, err := s.CreateToken(RootID, "token", 0); err == nil || len(s.Tokens(RootID)) != 0 {
		t.Fatalf("token kept after a failed write: %v", err)
	}
}

func TestNoTempFilesLeft(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, nil)
	for i := 0; i < 5; i++ {
		if _, err := s.Create("user"+string(rune('a'+i)), "password", Active, nil); err != nil {
			t.Fatal(err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != FileName {
		t.Fatalf("directory holds %v", entries)
	}
}

func TestPasswordHashFormat(t *testing.T) {
	h, err := hashPassword("secret", cheap)
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := hashPassword("secret", cheap)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	for _, c := range []struct {
		hash, pw string
		ok       bool
	}{{h, "secret", true}, {h, "Secret", false}, {h2, "secret", true}} {
		if ok, err := checkPassword(c.hash, c.pw); err != nil || ok != c.ok {
			t.Fatalf("check %q: %v %v", c.pw, ok, err)
		}
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=64,t=1,p=0$c2FsdA$aGFzaA",
		"$argon2id$v=18$m=64,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=64,t=1,p=1$!!$aGFzaA"} {
		if _, err := checkPassword(bad, "x"); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}
