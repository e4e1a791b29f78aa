package config

import (
	"errors"
	"reflect"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// decodeStrict decodes doc over the values already in out (a pointer to a
// struct), key by key, so that every error names the full key path: an
// unknown key, a key given twice, or a value yaml cannot convert. Values
// with their own UnmarshalYAML and non-struct values are decoded by yaml;
// structs are walked here. A null value keeps what out holds.
func decodeStrict(doc *yaml.Node, out any) error {
	root := doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil
		}
		root = root.Content[0]
	}
	return decodeValue(root, reflect.ValueOf(out).Elem(), "")
}

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

func decodeValue(n *yaml.Node, v reflect.Value, path string) error {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}

	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}

	walk := v.Kind() == reflect.Struct && !reflect.PointerTo(v.Type()).Implements(unmarshalerType)
	if !walk {
		if err := n.Decode(v.Addr().Interface()); err != nil {
			return &KeyError{Key: display(path), Line: n.Line, Err: cleanYAMLError(err)}
		}
		return nil
	}

	if n.Kind != yaml.MappingNode {
		return keyErr(display(path), n.Line, "want a mapping of keys, got a %s", kindName(n.Kind))
	}
	return decodeMapping(n, v, path, map[string]bool{})
}

// decodeMapping decodes the pairs of mapping n into struct v. Merge keys
// (<<: *anchor) are applied first so the mapping's own keys win over them.
func decodeMapping(n *yaml.Node, v reflect.Value, path string, seen map[string]bool) error {
	fields := yamlFields(v.Type())

	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Tag == "!!merge" {
			if err := decodeMerge(n.Content[i+1], v, path); err != nil {
				return err
			}
		}
	}

	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Tag == "!!merge" {
			continue
		}
		key := join(path, keyName(k))

		idx, ok := fields[k.Value]
		if !ok || k.Kind != yaml.ScalarNode {
			return keyErr(key, k.Line, "unknown key")
		}

		if seen[k.Value] {
			return keyErr(key, k.Line, "key given twice")
		}
		seen[k.Value] = true

		if err := decodeValue(val, v.Field(idx), key); err != nil {
			return err
		}
	}
	return nil
}

func decodeMerge(n *yaml.Node, v reflect.Value, path string) error {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}

	switch n.Kind {
	case yaml.MappingNode:
		return decodeMapping(n, v, path, map[string]bool{})
	case yaml.SequenceNode:
		// Earlier maps in a merge sequence win, so apply them last.
		for i := len(n.Content) - 1; i >= 0; i-- {
			if err := decodeMerge(n.Content[i], v, path); err != nil {
				return err
			}
		}
		return nil
	default:
		return keyErr(display(path), n.Line, "a merge key needs a mapping or a list of mappings")
	}
}

// yamlFields maps the yaml key of each exported field to its index.
func yamlFields(t reflect.Type) map[string]int {
	m := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}

		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		m[name] = i
	}
	return m
}

var linePrefix = regexp.MustCompile(`^line \d+: `)

// cleanYAMLError drops yaml's "unmarshal errors" wrapping and line prefix,
// since KeyError carries the key and the line.
func cleanYAMLError(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) || len(te.Errors) == 0 {
		return err
	}

	msgs := make([]string, len(te.Errors))
	for i, m := range te.Errors {
		msgs[i] = linePrefix.ReplaceAllString(m, "")
	}
	return errors.New(strings.Join(msgs, "; "))
}

// keyName is how a mapping key appears in a key path: its text, quoted
// when empty, or its kind when it is not a scalar.
func keyName(k *yaml.Node) string {
	switch {
	case k.Kind != yaml.ScalarNode:
		return "(" + kindName(k.Kind) + " key)"
	case k.Value == "":
		return `""`
	}
	return k.Value
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func display(path string) string {
	if path == "" {
		return "(top level)"
	}
	return path
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	default:
		return "scalar"
	}
}
