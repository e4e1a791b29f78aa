package events

import (
	"errors"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

// orderJSON is order-placed.json with one part replaced by each case.
const orderJSON = `{"id":"0195a2f5-0a11-7b22-8c33-4d44e55f6607","event_type":"order.placed",` +
	`"schema_version":1,"correlation_id":"0195a2f4-7c3e-7a10-9b2d-3f6e1c8d4a01","causation_id":null,` +
	`"tenant_id":"6f1c2b9a-4e57-4d3b-8a21-9c0e7d5f3b12","trace_id":null,"timestamp":"2026-02-19T10:15:31Z",` +
	`"actor_id":null,"event":{"type":"OrderPlaced","data":{"order_id":"c0a8012e-5d6f-4a7b-9c8d-0e1f2a3b4c5d",` +
	`"customer_id":null,"total":125990,"currency":"EUR"}},"retry_count":0}`

// orderData is the event data of orderJSON.
const orderData = `{"order_id":"c0a8012e-5d6f-4a7b-9c8d-0e1f2a3b4c5d","customer_id":null,` +
	`"total":125990,"currency":"EUR"}`

type decodeCase struct {
	name string
	old  string // replaced in orderJSON
	new  string
	path string // "" for a whole-input error, "ok" for input that decodes
}

var decodeCases = []decodeCase{
	{"unchanged", "", "", "ok"},
	{"unknown member skipped", `"retry_count":0`, `"retry_count":0,"extra":[1,{"a":null}]`, "ok"},
	{"optional member absent", `"causation_id":null,`, ``, "ok"},
	{"optional field absent", `"customer_id":null,`, ``, "ok"},
	{"space everywhere", `"id":`, " \n\t\"id\" : ", "ok"},
	{"data before type", `{"type":"OrderPlaced","data":` + orderData + `}`,
		`{"data":{"order_id":"c0a8012e-5d6f-4a7b-9c8d-0e1f2a3b4c5d","total":125990,"currency":"EUR"},` +
			`"type":"OrderPlaced"}`, "ok"},
	{"UUID without hyphens", `"c0a8012e-5d6f-4a7b-9c8d-0e1f2a3b4c5d"`,
		`"c0a8012e5d6f4a7b9c8d0e1f2a3b4c5d"`, "ok"},
	{"escaped string", `"EUR"`, `"\u0045UR"`, "ok"},
	{"offset timestamp", `"2026-02-19T10:15:31Z"`, `"2026-02-19T12:15:31+02:00"`, "ok"},

	{"empty input", orderJSON, ``, ""},
	{"not JSON", orderJSON, `{"id":`, ""},
	{"trailing data", `"retry_count":0}`, `"retry_count":0}x`, ""},
	{"two values", `"retry_count":0}`, `"retry_count":0} {}`, ""},
	{"array", orderJSON, `[` + orderJSON + `]`, ""},
	{"not UTF-8", `"EUR"`, "\"E\xffR\"", ""},
	{"missing id", `"id":"0195a2f5-0a11-7b22-8c33-4d44e55f6607",`, ``, "id"},
	{"key differs in case", `"id":`, `"ID":`, "id"},
	{"duplicate member", `"retry_count":0`, `"retry_count":0,"retry_count":1`, "retry_count"},
	{"null tenant", `"tenant_id":"6f1c2b9a-4e57-4d3b-8a21-9c0e7d5f3b12"`, `"tenant_id":null`, "tenant_id"},
	{"bad UUID", `"6f1c2b9a-4e57-4d3b-8a21-9c0e7d5f3b12"`, `"6f1c2b9a-4e57"`, "tenant_id"},
	{"UUID as number", `"tenant_id":"6f1c2b9a-4e57-4d3b-8a21-9c0e7d5f3b12"`, `"tenant_id":7`, "tenant_id"},
	{"schema version too big", `"schema_version":1`, `"schema_version":65536`, "schema_version"},
	{"schema version negative", `"schema_version":1`, `"schema_version":-1`, "schema_version"},
	{"schema version fraction", `"schema_version":1`, `"schema_version":1.0`, "schema_version"},
	{"schema version exponent", `"schema_version":1`, `"schema_version":1e0`, "schema_version"},
	{"schema version string", `"schema_version":1`, `"schema_version":"1"`, "schema_version"},
	{"retry count too big", `"retry_count":0`, `"retry_count":4294967296`, "retry_count"},
	{"bad timestamp", `"2026-02-19T10:15:31Z"`, `"2026-02-19 10:15:31"`, "timestamp"},
	{"trace id number", `"trace_id":null`, `"trace_id":5`, "trace_id"},
	{"event not object", `"event":{"type":"OrderPlaced","data":` + orderData + `}`,
		`"event":"OrderPlaced"`, "event"},
	{"event type missing", `"type":"OrderPlaced",`, ``, "event.type"},
	{"event type number", `"type":"OrderPlaced"`, `"type":1`, "event.type"},
	{"event type twice", `"type":"OrderPlaced"`, `"type":"OrderPlaced","type":"OrderPlaced"`, "event.type"},
	{"known variant without data", `,"data":` + orderData, ``, "event.data"},
	{"data not object", `"data":` + orderData,
		`"data":["c0a8012e-5d6f-4a7b-9c8d-0e1f2a3b4c5d",null,125990,"EUR"]`, "event.data"},
	{"field missing", `"order_id":"c0a8012e-5d6f-4a7b-9c8d-0e1f2a3b4c5d",`, ``, "event.data.order_id"},
	{"field null", `"order_id":"c0a8012e-5d6f-4a7b-9c8d-0e1f2a3b4c5d"`, `"order_id":null`, "event.data.order_id"},
	{"field twice", `"total":125990`, `"total":125990,"total":1`, "event.data.total"},
	{"fraction in integer", `"total":125990`, `"total":1259.90`, "event.data.total"},
	{"integer as string", `"total":125990`, `"total":"125990"`, "event.data.total"},
	{"integer overflow", `"total":125990`, `"total":9223372036854775808`, "event.data.total"},
	{"string as number", `"currency":"EUR"`, `"currency":978`, "event.data.currency"},
	{"optional field wrong type", `"customer_id":null`, `"customer_id":true`, "event.data.customer_id"},
}

func TestJSONDecodeErrors(t *testing.T) {
	for _, tc := range decodeCases {
		t.Run(tc.name, func(t *testing.T) {
			input := orderJSON
			if tc.old != "" {
				if !strings.Contains(input, tc.old) {
					t.Fatalf("case does not apply: %q not in the input", tc.old)
				}
				input = strings.Replace(input, tc.old, tc.new, 1)
			}
			checkDecodeResult(t, JSON, []byte(input), tc.path)
		})
	}
}

// TestMessagePackDecodeErrors runs the same cases through MessagePack.
// The input is converted member by member, so UUIDs arrive as strings,
// which the codec also accepts; cases about JSON syntax do not apply.
func TestMessagePackDecodeErrors(t *testing.T) {
	for _, tc := range decodeCases {
		if tc.path == "" {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			input := strings.Replace(orderJSON, tc.old, tc.new, 1)
			mp, err := jsonToMsgpack([]byte(input))
			if err != nil {
				t.Fatal(err)
			}
			checkDecodeResult(t, MessagePack, mp, tc.path)
		})
	}
}

// TestMessagePackMalformed covers what only a binary format can get
// wrong.
func TestMessagePackMalformed(t *testing.T) {
	good, err := MessagePack.Marshal(fullEnvelope(&OrderPlaced{OrderID: id1, Total: 1, Currency: "EUR"}))
	if err != nil {
		t.Fatal(err)
	}
	g := string(good)
	ts := mpString(t, "2026-02-19T10:15:31.123456789Z")
	shortUUID := mustReplace(t, g, "\xc4\x10"+string(id1[:]), "\xc4\x0f"+string(id1[:15]))
	wideTotal := mustReplace(t, g, "\xa5total\x01", "\xa5total\xcf\xff\xff\xff\xff\xff\xff\xff\xff")
	negativeRetry := mustReplace(t, g, "\xabretry_count\x03", "\xabretry_count\xff")
	nilTimestamp := mustReplace(t, g, "\xa9timestamp"+ts, "\xa9timestamp\xc0")
	intTimestamp := mustReplace(t, g, "\xa9timestamp"+ts, "\xa9timestamp\x05")
	binString := mustReplace(t, g, "\xa3EUR", "\xc4\x03EUR")

	tests := []struct {
		name  string
		input string
		path  string
	}{
		{"empty", "", ""},
		{"array instead of map", "\x91\x01", ""},
		{"truncated", string(good[:len(good)-1]), "retry_count"},
		{"cut inside the event", g[:strings.Index(g, "\xa5event")+12], "event"},
		{"trailing byte", string(good) + "\x00", ""},
		{"bin UUID of 15 bytes", shortUUID, "event.data.order_id"},
		{"uint64 beyond int64", wideTotal, "event.data.total"},
		{"negative retry count", negativeRetry, "retry_count"},
		{"nil timestamp", nilTimestamp, "timestamp"},
		{"integer timestamp", intTimestamp, "timestamp"},
		{"bin where a string belongs", binString, "event.data.currency"},
		{"map length beyond input", "\xdf\xff\xff\xff\xff", ""},
		{"string length beyond input", "\x81\xdb\xff\xff\xff\xff", ""},
		{"reserved code", "\x81\xc1", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkDecodeResult(t, MessagePack, []byte(tc.input), tc.path)
		})
	}
}

func checkDecodeResult(t *testing.T, codec Codec, input []byte, path string) {
	t.Helper()
	env, err := codec.Unmarshal(input)
	if path == "ok" {
		if err != nil {
			t.Fatalf("rejected: %v", err)
		}
		if env.Event.(*OrderPlaced).Currency != "EUR" || env.ID.String() != "0195a2f5-0a11-7b22-8c33-4d44e55f6607" {
			t.Fatalf("decoded wrong values: %+v", env)
		}
		return
	}

	var de *DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("got %v (%T), want a *DecodeError", err, err)
	}
	if de.Path != path {
		t.Fatalf("error at %q, want %q: %v", de.Path, path, err)
	}
	if path != "" && !strings.Contains(err.Error(), path) {
		t.Fatalf("message %q does not name %s", err, path)
	}
}

func mustReplace(t *testing.T, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("%q not in the input", old)
	}
	return strings.Replace(s, old, new, 1)
}

func mpString(t *testing.T, s string) string {
	t.Helper()
	b, err := msgpack.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
