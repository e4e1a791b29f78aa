package events

import "bytes"

// A small reader for JSON that encoding/json has already validated
// (json.Valid). It walks the members of an object without building any
// value, so decoding can be strict (exact keys, no duplicates, no null
// where Rust wants a value) and cheap.

// skipSpace returns the index of the first non-space byte at or after i.
func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// valueEnd returns the index just past the JSON value starting at i.
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		return compositeEnd(b, i)
	}
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// stringEnd returns the index just past the string whose quote is at i.
// Most strings have no escapes, so it looks for the closing quote with
// IndexByte first and walks byte by byte only past a backslash.
func stringEnd(b []byte, i int) int {
	if j := bytes.IndexByte(b[i+1:], '"'); j >= 0 && bytes.IndexByte(b[i+1:i+1+j], '\\') < 0 {
		return i + 2 + j
	}
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// compositeEnd returns the index just past the object or array at i.
func compositeEnd(b []byte, i int) int {
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			i = stringEnd(b, i)
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
		i++
	}
	return i
}

// eachMember calls visit with the raw key (quotes included) and the raw
// value of every member of the object obj, in order. obj must be a valid
// JSON object with no surrounding space.
func eachMember(obj []byte, visit func(key, value []byte) error) error {
	i := skipSpace(obj, 1)
	for i < len(obj) && obj[i] != '}' {
		keyEnd := stringEnd(obj, i)
		key := obj[i:keyEnd]

		i = skipSpace(obj, keyEnd)
		i = skipSpace(obj, i+1) // past ':'
		end := valueEnd(obj, i)
		if err := visit(key, obj[i:end]); err != nil {
			return err
		}

		i = skipSpace(obj, end)
		if i < len(obj) && obj[i] == ',' {
			i = skipSpace(obj, i+1)
		}
	}
	return nil
}

// eachElement calls visit with every raw element of the array arr, in
// order. arr must be a valid JSON array with no surrounding space.
func eachElement(arr []byte, visit func(value []byte) error) error {
	i := skipSpace(arr, 1)
	for i < len(arr) && arr[i] != ']' {
		end := valueEnd(arr, i)
		if err := visit(arr[i:end]); err != nil {
			return err
		}

		i = skipSpace(arr, end)
		if i < len(arr) && arr[i] == ',' {
			i = skipSpace(arr, i+1)
		}
	}
	return nil
}
