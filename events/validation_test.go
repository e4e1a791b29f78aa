package events

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/uuid"
)

// ruleCase sets one field (or, for cross-field rules, several) of a valid
// event and says whether the result must still be valid.
type ruleCase struct {
	name   string
	mutate func(ev reflect.Value)
	valid  bool
}

// setField sets the field with JSON name on the event struct ev. For an
// optional field a nil value clears it and any other value is stored
// behind a new pointer.
func setField(ev reflect.Value, name string, value any) {
	info, err := structInfoOf(ev.Type())
	if err != nil {
		panic(err)
	}
	fi, _ := info.fieldPos(name)
	if fi == nil {
		panic("no field " + name)
	}

	f := ev.Field(fi.index)
	if fi.optional {
		if value == nil {
			f.SetZero()
			return
		}
		p := reflect.New(fi.elem)
		p.Elem().Set(reflect.ValueOf(value).Convert(fi.elem))
		f.Set(p)
		return
	}
	f.Set(reflect.ValueOf(value).Convert(f.Type()))
}

// stringField reads a string field, optional or not.
func stringField(ev reflect.Value, name string) string {
	info, _ := structInfoOf(ev.Type())
	fi, _ := info.fieldPos(name)
	f := reflect.Indirect(ev.Field(fi.index))
	return f.String()
}

func setBoth(f1 string, v1 any, f2 string, v2 any) func(reflect.Value) {
	return func(ev reflect.Value) {
		setField(ev, f1, v1)
		setField(ev, f2, v2)
	}
}

func set(field string, value any) func(reflect.Value) {
	return func(ev reflect.Value) { setField(ev, field, value) }
}

// padTo returns s followed by copies of pad until it is n bytes long.
func padTo(s string, pad rune, n int) string {
	for len(s)+utf8.RuneLen(pad) <= n {
		s += string(pad)
	}
	return s
}

var maxLengthArg = regexp.MustCompile(`\d+`)

// casesFor lists accepted and rejected values for one catalogue rule.
func casesFor(row catalogueRow, r catalogueRule, base reflect.Value) []ruleCase {
	f := r.field
	switch catalogueRuleName(r.rule) {
	case RuleNotNilUUID:
		return []ruleCase{{"random", set(f, uuid.New()), true}, {"nil", set(f, uuid.Nil), false}}
	case RuleOptionalUUID:
		return []ruleCase{
			{"absent", set(f, nil), true},
			{"random", set(f, uuid.New()), true},
			{"nil", set(f, uuid.Nil), false},
		}
	case RuleNotEmpty:
		return []ruleCase{
			{"given", set(f, stringField(base, f)), true},
			{"empty", set(f, ""), false},
			{"spaces", set(f, "   "), false},
			{"unicode space", set(f, "\t\u00a0\u2003\n"), false},
		}
	case RuleMaxLength:
		n, _ := strconv.Atoi(maxLengthArg.FindString(r.rule))
		return maxLengthCases(f, stringField(base, f), n)
	case RuleAlphanumericWithDash:
		return []ruleCase{
			{"cyrillic, digit, dash, underscore", set(f, "Статья-2_b"), true},
			{"devanagari vowel sign (Other_Alphabetic)", set(f, "कि"), true},
			{"superscript digit (No)", set(f, "x²"), true},
			{"roman numeral (Nl)", set(f, "Ⅻ"), true},
			{"space", set(f, "a b"), false},
			{"at sign", set(f, "a@b"), false},
			{"dot", set(f, "a.b"), false},
			{"virama (not alphabetic)", set(f, "क्"), false},
			{"trailing newline", set(f, "post\n"), false},
		}
	case RuleRange:
		return rangeCases(row, f, base)
	case RuleCurrencyCode:
		return []ruleCase{
			{"EUR", set(f, "EUR"), true},
			{"XAU", set(f, "XAU"), true},
			{"lowercase", set(f, "eur"), false},
			{"two letters", set(f, "EU"), false},
			{"four letters", set(f, "EURO"), false},
			{"digit", set(f, "E1R"), false},
			{"empty", set(f, ""), false},
			{"non-ASCII capital in three bytes", set(f, "EÜ"), false},
		}
	case RuleInvalidValue:
		return invalidValueCases[row.variant]
	}
	panic("no cases for rule " + r.rule)
}

// maxLengthCases checks the limit in UTF-8 bytes, as RusToK's str::len
// comparison does: a value of fewer characters than the limit but more
// bytes is rejected.
func maxLengthCases(f, given string, n int) []ruleCase {
	overInBytes := given
	for len(overInBytes) <= n {
		overInBytes += "é"
	}
	if utf8.RuneCountInString(overInBytes) > n {
		panic("case does not separate bytes from characters")
	}
	return []ruleCase{
		{"exactly the limit", set(f, padTo(given, 'a', n)), true},
		{"two-byte characters up to the limit", set(f, padTo(given, 'é', n)), true},
		{"one byte over", set(f, padTo(given, 'a', n+1)), false},
		{"fewer characters but more bytes than the limit", set(f, overInBytes), false},
	}
}

func rangeCases(row catalogueRow, f string, base reflect.Value) []ruleCase {
	maxOfType := int64(math.MaxInt64)
	minOfType := int64(math.MinInt64)
	info, _ := structInfoOf(base.Type())
	if fi, _ := info.fieldPos(f); fi.bits == 32 {
		maxOfType, minOfType = math.MaxInt32, math.MinInt32
	}

	cases := []ruleCase{
		{"minus one", set(f, int64(-1)), false},
		{"minimum", set(f, minOfType), false},
	}
	// threshold 0 leaves no room below it for remaining; "both zero" in
	// the cross-field cases covers it.
	if row.variant == "InventoryLow" && f == "threshold" {
		cases = append(cases, ruleCase{"one", func(v reflect.Value) {
			setField(v, "remaining", 0)
			setField(v, "threshold", 1)
		}, true})
	} else {
		cases = append(cases, ruleCase{"zero", set(f, int64(0)), true})
	}
	// remaining must stay below threshold, so its maximum is checked by
	// the cross-field cases instead.
	if !(row.variant == "InventoryLow" && f == "remaining") {
		cases = append(cases, ruleCase{"maximum", set(f, maxOfType), true})
	}
	if row.variant == "PriceUpdated" && f == "old_amount" {
		cases = append(cases, ruleCase{"absent", set(f, nil), true})
	}
	return cases
}

var invalidValueCases = map[string][]ruleCase{
	"MediaUploaded": {
		{"type/subtype", set("mime_type", "a/b"), true},
		{"no slash", set("mime_type", "imagepng"), false},
	},
	"UserRegistered": {
		{"shortest", set("email", "a@b.c"), true},
		{"no dot", set("email", "user@example"), false},
		{"no at sign", set("email", "user.example.com"), false},
		{"neither", set("email", "user"), false},
	},
	"InventoryLow": {
		{"one below", setBoth("remaining", 4, "threshold", 5), true},
		{"zero below maximum", setBoth("remaining", 0, "threshold", math.MaxInt32), true},
		{"equal", setBoth("remaining", 5, "threshold", 5), false},
		{"above", setBoth("remaining", 6, "threshold", 5), false},
		{"both zero", setBoth("remaining", 0, "threshold", 0), false},
	},
	"OrderStatusChanged": {
		{"different", setBoth("old_status", "paid", "new_status", "shipped"), true},
		{"same", setBoth("old_status", "paid", "new_status", "paid"), false},
		{"case differs", setBoth("old_status", "paid", "new_status", "Paid"), true},
	},
}

// TestCatalogueRules breaks every rule of every event in the catalogue,
// one field at a time, and checks the error names that field and rule;
// it also checks values at the edge of each rule are accepted.
func TestCatalogueRules(t *testing.T) {
	for _, row := range readCatalogue(t) {
		for _, r := range row.rules {
			base := reflect.ValueOf(validEvent(t, row.variant)).Elem()
			cases := casesFor(row, r, base)
			if len(cases) == 0 {
				t.Fatalf("%s %s: no cases", row.variant, r.rule)
			}
			for _, tc := range cases {
				name := fmt.Sprintf("%s/%s/%s/%s", row.variant, r.field, catalogueRuleName(r.rule), tc.name)
				t.Run(name, func(t *testing.T) {
					ev := reflect.ValueOf(validEvent(t, row.variant))
					tc.mutate(ev.Elem())
					checkRuleResult(t, ev.Interface().(DomainEvent).Validate(), tc.valid, r)
				})
			}
		}
	}
}

func checkRuleResult(t *testing.T, err error, valid bool, r catalogueRule) {
	t.Helper()
	if valid {
		if err != nil {
			t.Fatalf("rejected: %v", err)
		}
		return
	}

	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("accepted or wrong error type: %v", err)
	}
	if ve.Field != r.field || ve.Rule != catalogueRuleName(r.rule) {
		t.Fatalf("error names %s/%s, want %s/%s: %v", ve.Field, ve.Rule, r.field, catalogueRuleName(r.rule), err)
	}
	if msg := err.Error(); !strings.Contains(msg, r.field) || !strings.Contains(msg, ve.Rule) {
		t.Fatalf("Error() %q does not name the field and the rule", msg)
	}
}

// TestValidationMessages checks the messages match the text RusToK's
// EventValidationError displays.
func TestValidationMessages(t *testing.T) {
	tests := []struct {
		ev   DomainEvent
		want string
	}{
		{&NodeCreated{Kind: "post"}, "UUID field 'node_id' cannot be nil"},
		{&NodeCreated{NodeID: id1, Kind: " "}, "Field 'kind' cannot be empty"},
		{&NodeCreated{NodeID: id1, Kind: strings.Repeat("a", 65)}, "Field 'kind' exceeds maximum length of 64 characters"},
		{&NodeCreated{NodeID: id1, Kind: "a b"}, "Field 'kind' contains invalid characters"},
		{&OrderPlaced{OrderID: id1, Total: -5, Currency: "EUR"},
			"Field 'total' value -5 is out of valid range (0..9223372036854775807)"},
		{&OrderPlaced{OrderID: id1, Currency: "EU"},
			"Invalid value for field 'currency': currency code must be exactly 3 characters"},
		{&OrderPlaced{OrderID: id1, Currency: "eur"},
			"Invalid value for field 'currency': currency code must be uppercase letters"},
		{&InventoryLow{VariantID: id1, ProductID: id2, Remaining: 5, Threshold: 5},
			"Invalid value for field 'remaining': must be less than threshold for low inventory"},
		{&UserRegistered{UserID: id1, Email: "x"}, "Invalid value for field 'email': invalid email format"},
	}
	for _, tc := range tests {
		var ve *ValidationError
		if err := tc.ev.Validate(); !errors.As(err, &ve) || ve.Message != tc.want {
			t.Errorf("%s: got %v, want message %q", tc.ev.Variant(), err, tc.want)
		}
	}
}

// TestRuleOrder checks the first broken rule is reported in RusToK's
// order: MediaUploaded checks the slash in mime_type before size.
func TestRuleOrder(t *testing.T) {
	err := (&MediaUploaded{MediaID: id1, MimeType: "png", Size: -1}).Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field != "mime_type" {
		t.Fatalf("got %v, want the mime_type error first", err)
	}
}
