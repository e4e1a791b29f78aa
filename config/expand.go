package config

import (
	"os"
	"strings"
)

// Expand replaces ${NAME} with the value lookup gives for NAME (empty when
// it gives none) and ${NAME:-default} with that value, or with default when
// the value is missing or empty. NAME is a letter or underscore followed by
// letters, digits and underscores; a "${" not starting such a reference is
// kept as written. A nil lookup reads the process environment.
func Expand(s string, lookup func(string) (string, bool)) string {
	if lookup == nil {
		lookup = os.LookupEnv
	}

	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		s = s[i:]

		value, n, ok := reference(s, lookup)
		if !ok {
			b.WriteString("${")
			s = s[2:]
			continue
		}
		b.WriteString(value)
		s = s[n:]
	}
}

// reference resolves the reference at the start of s ("${..."), returning
// its value and length, or ok false when s does not start a valid one.
func reference(s string, lookup func(string) (string, bool)) (value string, n int, ok bool) {
	end := strings.IndexByte(s, '}')
	if end < 0 {
		return "", 0, false
	}
	body := s[2:end]

	name, def, hasDefault := strings.Cut(body, ":-")
	if !validName(name) {
		return "", 0, false
	}

	v, found := lookup(name)
	if hasDefault && (!found || v == "") {
		v = def
	}
	return v, end + 1, true
}

func validName(name string) bool {
	if name == "" {
		return false
	}

	for i, r := range name {
		letter := r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		digit := r >= '0' && r <= '9'
		if !letter && !(digit && i > 0) {
			return false
		}
	}
	return true
}
