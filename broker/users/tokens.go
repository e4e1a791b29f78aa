package users

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"unicode/utf8"

	"github.com/zeebo/blake3"

	"github.com/iggyflow/iggyflow/broker"
)

// tokenBytes is the size of a PAT's random secret before base64.
const tokenBytes = 50

func tokenHash(tok string) string {
	sum := blake3.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// CreateToken makes a PAT for a user and returns it; only its hash is
// kept. expiry is µs from now; 0 and math.MaxUint64 mean never. Errors: 50
// for a name outside 3..30 characters, 51 for a duplicate name, 52 past the
// per-user limit, 20 for an unknown user.
func (s *Store) CreateToken(userID uint32, name string, expiry uint64) (string, error) {
	if n := utf8.RuneCountInString(name); n < MinTokenName || n > MaxTokenName {
		return "", broker.ErrInvalidPATName.With("name of %d characters, want %d..%d", n, MinTokenName, MaxTokenName)
	}
	secret := make([]byte, tokenBytes)
	if _, err := rand.Read(secret); err != nil {
		return "", fmt.Errorf("users: read token bytes: %w", err)
	}
	tok := base64.StdEncoding.EncodeToString(secret)

	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byID[userID]; !ok {
		return "", broker.ErrResourceNotFound.With("user %d", userID)
	}
	err := s.commit(func(st *fileState) error {
		mine := 0
		for _, t := range st.Tokens {
			if t.UserID != userID {
				continue
			}
			if t.Name == name {
				return broker.ErrPATAlreadyExists.With("%q", name)
			}
			mine++
		}
		if mine >= s.opts.MaxTokensPerUser {
			return broker.ErrPATLimitReached.With("%d tokens", mine)
		}
		st.Tokens = append(st.Tokens, token{UserID: userID, Name: name,
			ExpiryAt: s.expiryAt(expiry), Hash: tokenHash(tok)})
		return nil
	})
	if err != nil {
		return "", err
	}
	return tok, nil
}

// expiryAt turns a duration in µs into an absolute time, 0 for never.
func (s *Store) expiryAt(expiry uint64) uint64 {
	if expiry == 0 || expiry == math.MaxUint64 {
		return 0
	}
	now := s.now()
	if expiry > math.MaxUint64-now {
		return 0
	}
	return now + expiry
}

// Tokens lists a user's PATs in creation order.
func (s *Store) Tokens(userID uint32) []TokenInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []TokenInfo
	for _, t := range s.state.Tokens {
		if t.UserID == userID {
			out = append(out, TokenInfo{Name: t.Name, ExpiryAt: t.ExpiryAt})
		}
	}
	return out
}

// DeleteToken removes a user's PAT by name: 20 when there is none.
func (s *Store) DeleteToken(userID uint32, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commit(func(st *fileState) error {
		i := slices.IndexFunc(st.Tokens, func(t token) bool { return t.UserID == userID && t.Name == name })
		if i < 0 {
			return broker.ErrResourceNotFound.With("token %q", name)
		}
		st.Tokens = slices.Delete(st.Tokens, i, i+1)
		return nil
	})
}

// AuthenticateToken returns the user a PAT belongs to: 20 for an unknown
// token (as Iggy's server answers), 54 for an expired one, 47 for an
// inactive user.
func (s *Store) AuthenticateToken(tok string) (User, error) {
	h := tokenHash(tok)
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.state.Tokens, func(t token) bool { return t.Hash == h })
	if i < 0 {
		return User{}, broker.ErrResourceNotFound.With("personal access token")
	}
	t := s.state.Tokens[i]
	if t.ExpiryAt != 0 && t.ExpiryAt <= s.now() {
		return User{}, broker.ErrPATExpired.With("%q", t.Name)
	}
	u, ok := s.byID[t.UserID]
	if !ok {
		return User{}, broker.ErrResourceNotFound.With("user %d", t.UserID)
	}
	if u.Status != Active {
		return User{}, broker.ErrUserInactive.With("user %d", u.ID)
	}
	return *u, nil
}
