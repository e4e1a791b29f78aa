package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads, expands, parses and validates the file at path. An empty
// path gives Defaults(). A missing file is an error that satisfies
// errors.Is(err, fs.ErrNotExist), so a caller with an optional default
// path can fall back to Defaults.
func Load(path string) (*File, error) {
	if path == "" {
		return Defaults(), nil
	}

	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: read %s: %w", path, err)
	}

	f, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("config: load %s: %w", path, err)
	}
	return f, nil
}

// Parse expands ${VAR} references from the environment, parses the YAML
// over Defaults() and validates the result. Empty data gives the defaults.
func Parse(data []byte) (*File, error) {
	f, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return f, nil
}

// parse is Parse with errors not yet prefixed by the package name.
func parse(data []byte) (*File, error) {
	text := Expand(string(data), nil)

	dec := yaml.NewDecoder(strings.NewReader(text))
	var doc yaml.Node
	err := dec.Decode(&doc)
	if errors.Is(err, io.EOF) {
		return Defaults(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("parse yaml: %w", err)
	}

	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("the file must hold one YAML document")
	}

	f := Defaults()
	if err := decodeStrict(&doc, f); err != nil {
		return nil, err
	}

	if err := f.Validate(); err != nil {
		return nil, err
	}
	return f, nil
}
