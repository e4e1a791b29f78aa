package config

import "fmt"

// KeyError is a problem with one key of the configuration file. Its text
// starts with the key path, such as
// `events.iggy.mode: must be "embedded" or "remote", got "kafka"`; Parse and
// Load put "config: " in front.
type KeyError struct {
	// Key is the full dotted path, such as "events.iggy.mode".
	Key string
	// Line is the line of the file the key is on; 0 when the problem was
	// found after parsing, by Validate.
	Line int
	// Err says what is wrong.
	Err error
}

func (e *KeyError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s (line %d): %v", e.Key, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Key, e.Err)
}

// Unwrap returns the underlying problem.
func (e *KeyError) Unwrap() error { return e.Err }

func keyErr(key string, line int, format string, args ...any) *KeyError {
	return &KeyError{Key: key, Line: line, Err: fmt.Errorf(format, args...)}
}
