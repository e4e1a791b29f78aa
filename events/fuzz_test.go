package events

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// Seeds beyond testdata/fuzz: the golden envelopes and the unknown
// variant, in both forms.
func fuzzSeeds(f *testing.F, codec Codec) {
	inputs := [][]byte{[]byte(refundJSON), []byte(orderJSON)}
	files, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		inputs = append(inputs, b)
	}

	for _, in := range inputs {
		if codec == JSON {
			f.Add(in)
			continue
		}
		env, err := JSON.Unmarshal(in)
		if err != nil {
			f.Fatal(err)
		}
		b, err := codec.Marshal(env)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// checkReencodes is the fuzz property: input that decodes re-encodes, and
// the re-encoding decodes to the same envelope. Known events must also
// survive the other codec.
func checkReencodes(t *testing.T, codec, other Codec, data []byte) {
	env, err := codec.Unmarshal(data)
	if err != nil {
		return
	}

	out, err := codec.Marshal(env)
	if err != nil {
		t.Fatalf("decoded but does not re-encode: %v", err)
	}
	back, err := codec.Unmarshal(out)
	if err != nil {
		t.Fatalf("re-encoding does not decode: %v\n%q", err, out)
	}
	if !reflect.DeepEqual(env, back) {
		t.Fatalf("value changed:\n%s\n%s", describe(env), describe(back))
	}

	if _, raw := env.Event.(*RawEvent); raw {
		return
	}
	cross, err := other.Marshal(env)
	if err != nil {
		t.Fatalf("%s cannot encode it: %v", other.Name(), err)
	}
	if back, err = other.Unmarshal(cross); err != nil || !reflect.DeepEqual(env, back) {
		t.Fatalf("through %s: %v\n%s\n%s", other.Name(), err, describe(env), describe(back))
	}
}

func FuzzUnmarshalJSON(f *testing.F) {
	fuzzSeeds(f, JSON)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkReencodes(t, JSON, MessagePack, data)
	})
}

func FuzzUnmarshalMessagePack(f *testing.F) {
	fuzzSeeds(f, MessagePack)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkReencodes(t, MessagePack, JSON, data)
	})
}

// TestFuzzSeedsDecode keeps the committed seeds meaningful: the fuzz
// property skips input that does not decode, so a broken seed would test
// nothing.
func TestFuzzSeedsDecode(t *testing.T) {
	for name, codec := range map[string]Codec{"FuzzUnmarshalJSON": JSON, "FuzzUnmarshalMessagePack": MessagePack} {
		files, err := filepath.Glob(filepath.Join("testdata", "fuzz", name, "*"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no seeds for %s: %v", name, err)
		}
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			lit, ok := strings.CutPrefix(lines[len(lines)-1], "[]byte(")
			if !ok || len(lines) != 2 {
				t.Fatalf("%s: not a corpus file", file)
			}
			data, err := strconv.Unquote(strings.TrimSuffix(lit, ")"))
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if _, err := codec.Unmarshal([]byte(data)); err != nil {
				t.Errorf("%s does not decode: %v", file, err)
			}
		}
	}
}
