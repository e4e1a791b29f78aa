package events

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/google/uuid"
)

// fieldKind is the wire shape of one event field. Both codecs handle the
// same closed set, so an event encodes the same way in JSON and in
// MessagePack, and decoding can be strict about types.
type fieldKind int

const (
	kindUUID fieldKind = iota
	kindString
	kindBool
	kindInt
	kindUint
)

var uuidType = reflect.TypeFor[uuid.UUID]()

// fieldInfo describes one field of an event struct.
type fieldInfo struct {
	// name is the key in the event's data map.
	name  string
	index int
	kind  fieldKind
	// optional fields are pointers: nil is written as null.
	optional bool
	// bits is the size of an integer field, for range checks on decode.
	bits int
	// elem is the type behind the pointer of an optional field.
	elem reflect.Type
}

// structInfo describes an event struct: its fields in declaration order.
type structInfo struct {
	typ    reflect.Type
	fields []fieldInfo
}

// maxFields bounds the fields of an event struct, so that decoders can
// track the fields seen in one word.
const maxFields = 64

// fieldPos returns the field called name and its position, or nil.
func (s *structInfo) fieldPos(name string) (*fieldInfo, int) {
	for i := range s.fields {
		if s.fields[i].name == name {
			return &s.fields[i], i
		}
	}
	return nil, -1
}

// missingField returns the name of the first required field whose bit is
// not set in seen, or "". Optional fields may be absent: serde reads an
// absent Option as None.
func (s *structInfo) missingField(seen uint64) string {
	for i := range s.fields {
		if seen&(1<<i) == 0 && !s.fields[i].optional {
			return s.fields[i].name
		}
	}
	return ""
}

// describeStruct builds the field list of an event struct. Exported fields
// need a json tag giving their name (options after a comma are ignored;
// "-" skips the field) and one of the supported types: uuid.UUID, string,
// bool, signed and unsigned integers, or a pointer to one of those.
func describeStruct(t reflect.Type) (*structInfo, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("%s is not a struct", t)
	}

	info := &structInfo{typ: t}
	seen := map[string]bool{}
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}

		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			return nil, fmt.Errorf("%s.%s has no json tag", t, sf.Name)
		}
		if seen[name] {
			return nil, fmt.Errorf("%s: two fields named %q", t, name)
		}
		seen[name] = true

		fi, err := describeField(sf.Type)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", t, sf.Name, err)
		}
		fi.name, fi.index = name, i
		info.fields = append(info.fields, fi)
	}
	if len(info.fields) > maxFields {
		return nil, fmt.Errorf("%s has more than %d fields", t, maxFields)
	}
	return info, nil
}

func describeField(t reflect.Type) (fieldInfo, error) {
	fi := fieldInfo{}
	if t.Kind() == reflect.Pointer {
		fi.optional, fi.elem = true, t.Elem()
		t = t.Elem()
	}

	switch {
	case t == uuidType:
		fi.kind = kindUUID
	case t.Kind() == reflect.String:
		fi.kind = kindString
	case t.Kind() == reflect.Bool:
		fi.kind = kindBool
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		fi.kind, fi.bits = kindInt, t.Bits()
	case t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uint64:
		fi.kind, fi.bits = kindUint, t.Bits()
	default:
		return fi, errors.New("unsupported field type " + t.String())
	}
	return fi, nil
}

// structCache holds a *structInfo or an error per event struct type.
var structCache sync.Map

// structInfoOf returns the cached description of an event struct type.
func structInfoOf(t reflect.Type) (*structInfo, error) {
	if v, ok := structCache.Load(t); ok {
		if err, isErr := v.(error); isErr {
			return nil, err
		}
		return v.(*structInfo), nil
	}

	info, err := describeStruct(t)
	if err != nil {
		structCache.Store(t, err)
		return nil, err
	}
	structCache.Store(t, info)
	return info, nil
}
