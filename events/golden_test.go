package events

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"
)

// The golden envelopes are RusToK's serde_json form, copied from the
// shared test vectors into testdata/golden.

func ptr[T any](v T) *T { return &v }

func mustUUID(s string) uuid.UUID { return uuid.MustParse(s) }

var tenant = mustUUID("6f1c2b9a-4e57-4d3b-8a21-9c0e7d5f3b12")

var goldenEnvelopes = []struct {
	file string
	want *Envelope
}{
	{"order-placed.json", &Envelope{
		ID:            mustUUID("0195a2f5-0a11-7b22-8c33-4d44e55f6607"),
		EventType:     "order.placed",
		SchemaVersion: 1,
		CorrelationID: mustUUID("0195a2f4-7c3e-7a10-9b2d-3f6e1c8d4a01"),
		CausationID:   ptr(mustUUID("0195a2f4-7c3e-7a10-9b2d-3f6e1c8d4a01")),
		TenantID:      tenant,
		TraceID:       ptr("18446744073709551"),
		Timestamp:     time.Date(2026, 2, 19, 10, 15, 31, 0, time.UTC),
		Event: &OrderPlaced{
			OrderID:    mustUUID("c0a8012e-5d6f-4a7b-9c8d-0e1f2a3b4c5d"),
			CustomerID: ptr(mustUUID("a1b2c3d4-e5f6-4789-8abc-def012345678")),
			Total:      125990,
			Currency:   "EUR",
		},
	}},
	{"node-created.json", &Envelope{
		ID:            mustUUID("0195a2f4-7c3e-7a10-9b2d-3f6e1c8d4a01"),
		EventType:     "node.created",
		SchemaVersion: 1,
		CorrelationID: mustUUID("0195a2f4-7c3e-7a10-9b2d-3f6e1c8d4a01"),
		TenantID:      tenant,
		Timestamp:     time.Date(2026, 2, 19, 10, 15, 30, 123456000, time.UTC),
		ActorID:       ptr(mustUUID("2b7e9d41-0c8a-4f6e-b3d2-5a1f7c9e0d34")),
		Event: &NodeCreated{
			NodeID: mustUUID("8d3f1a6c-2e9b-4c7d-a5f0-1b4e6d8c2a97"),
			Kind:   "post",
		},
	}},
	{"inventory-updated.json", &Envelope{
		ID:            mustUUID("0195a2f5-0a11-7b22-8c33-4d44e55f6608"),
		EventType:     "inventory.updated",
		SchemaVersion: 1,
		CorrelationID: mustUUID("0195a2f5-0a11-7b22-8c33-4d44e55f6608"),
		TenantID:      tenant,
		Timestamp:     time.Date(2026, 2, 19, 10, 15, 31, 500000000, time.UTC),
		Event: &InventoryUpdated{
			VariantID:   mustUUID("11111111-2222-4333-8444-555555555555"),
			ProductID:   mustUUID("66666666-7777-4888-9999-aaaaaaaaaaaa"),
			LocationID:  mustUUID("bbbbbbbb-cccc-4ddd-8eee-ffffffffffff"),
			OldQuantity: 12,
			NewQuantity: 11,
		},
	}},
}

func readGolden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "golden", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGoldenDecodes(t *testing.T) {
	for _, tc := range goldenEnvelopes {
		t.Run(tc.file, func(t *testing.T) {
			got, err := JSON.Unmarshal(readGolden(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			assertEnvelopeEqual(t, got, tc.want)
			if err := got.Validate(); err != nil {
				t.Errorf("golden envelope does not validate: %v", err)
			}
		})
	}
}

// TestGoldenReencodes compares our JSON with the golden file member by
// member: key order and fraction digits may differ, values may not.
func TestGoldenReencodes(t *testing.T) {
	for _, tc := range goldenEnvelopes {
		t.Run(tc.file, func(t *testing.T) {
			golden := readGolden(t, tc.file)
			ours, err := JSON.Marshal(tc.want)
			if err != nil {
				t.Fatal(err)
			}

			var wantMap, gotMap map[string]any
			if err := json.Unmarshal(golden, &wantMap); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(ours, &gotMap); err != nil {
				t.Fatalf("our JSON does not parse: %v\n%s", err, ours)
			}
			compareJSONMaps(t, "", gotMap, wantMap)

			back, err := JSON.Unmarshal(ours)
			if err != nil {
				t.Fatal(err)
			}
			assertEnvelopeEqual(t, back, tc.want)
		})
	}
}

// TestGoldenKeyOrder checks that we write members in RusToK's declaration
// order, which the golden files follow.
func TestGoldenKeyOrder(t *testing.T) {
	for _, tc := range goldenEnvelopes {
		ours, err := JSON.Marshal(tc.want)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := topLevelKeys(t, ours), topLevelKeys(t, readGolden(t, tc.file)); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: key order %v, want %v", tc.file, got, want)
		}
	}
}

func topLevelKeys(t *testing.T, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func compareJSONMaps(t *testing.T, path string, got, want map[string]any) {
	t.Helper()
	for k, wv := range want {
		gv, ok := got[k]
		if !ok {
			t.Errorf("%s%s: missing", path, k)
			continue
		}
		if k == "timestamp" {
			compareTimestamps(t, gv, wv)
			continue
		}
		wm, wIsMap := wv.(map[string]any)
		gm, gIsMap := gv.(map[string]any)
		if wIsMap && gIsMap {
			compareJSONMaps(t, path+k+".", gm, wm)
			continue
		}
		if !reflect.DeepEqual(gv, wv) {
			t.Errorf("%s%s = %v, want %v", path, k, gv, wv)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s%s: not in the golden envelope", path, k)
		}
	}
}

func compareTimestamps(t *testing.T, got, want any) {
	t.Helper()
	g, err1 := time.Parse(time.RFC3339Nano, got.(string))
	w, err2 := time.Parse(time.RFC3339Nano, want.(string))
	if err1 != nil || err2 != nil || !g.Equal(w) {
		t.Errorf("timestamp = %v, want %v", got, want)
	}
	if s := got.(string); s[len(s)-1] != 'Z' {
		t.Errorf("timestamp %q is not written in UTC with Z", s)
	}
}

func assertEnvelopeEqual(t *testing.T, got, want *Envelope) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("envelope mismatch\n got: %s\nwant: %s", describe(got), describe(want))
	}
}

func describe(env *Envelope) string {
	b, err := json.Marshal(struct {
		*Envelope
		Event any
	}{env, env.Event})
	if err != nil {
		return err.Error()
	}
	return string(b)
}
