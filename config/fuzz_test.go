package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary text to Parse: it must not panic, an error
// that is a *KeyError must name a key, and an accepted file must validate.
func FuzzParse(f *testing.F) {
	full, err := os.ReadFile(filepath.Join("testdata", "full.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(full))
	f.Add("events:\n  iggy:\n    embedded:\n      tcp_port: 0\n")
	f.Add("events: &a\n  outbox:\n    relay:\n      <<: *a\n")
	f.Add("events:\n  transport: ${X:-iggy}\n")

	f.Fuzz(func(t *testing.T, text string) {
		cfg, err := Parse([]byte(text))
		if err != nil {
			var ke *KeyError
			if errors.As(err, &ke) && ke.Key == "" {
				t.Fatalf("key error without a key: %v", err)
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("Parse accepted a file that does not validate: %v", err)
		}
	})
}
