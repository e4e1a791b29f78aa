package events

import (
	"bufio"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// catalogueRow is one line of RusToK's event catalogue
// (testdata/golden/rustok-event-catalogue.md).
type catalogueRow struct {
	variant   string
	eventType string
	fields    []catalogueField
	rules     []catalogueRule
}

type catalogueField struct{ name, rustType string }

type catalogueRule struct{ field, rule string }

// readCatalogue parses the markdown table. A rule cell reads
// "field: rule; field: rule"; the "||" inside one rule is not a column
// separator.
func readCatalogue(t *testing.T) []catalogueRow {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "golden", "rustok-event-catalogue.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	var rows []catalogueRow
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| variant") {
			continue
		}
		cells := strings.Split(strings.ReplaceAll(strings.Trim(line, "| "), "||", "\x00"), "|")
		if len(cells) != 4 {
			t.Fatalf("catalogue line has %d cells: %s", len(cells), line)
		}
		rows = append(rows, parseCatalogueRow(t, cells))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

func parseCatalogueRow(t *testing.T, cells []string) catalogueRow {
	t.Helper()
	for i := range cells {
		cells[i] = strings.ReplaceAll(strings.TrimSpace(cells[i]), "\x00", "||")
	}

	row := catalogueRow{variant: cells[0], eventType: strings.Trim(cells[1], "`")}
	for _, f := range strings.Split(cells[2], ", ") {
		name, typ, ok := strings.Cut(f, ": ")
		if !ok {
			t.Fatalf("bad field %q", f)
		}
		row.fields = append(row.fields, catalogueField{name, typ})
	}
	for _, r := range strings.Split(cells[3], "; ") {
		field, rule, ok := strings.Cut(r, ": ")
		if !ok {
			t.Fatalf("bad rule %q", r)
		}
		row.rules = append(row.rules, catalogueRule{field, rule})
	}
	return row
}

var goTypeOfRust = map[string]reflect.Type{
	"Uuid":           reflect.TypeFor[uuid.UUID](),
	"String":         reflect.TypeFor[string](),
	"i32":            reflect.TypeFor[int32](),
	"i64":            reflect.TypeFor[int64](),
	"Option<Uuid>":   reflect.TypeFor[*uuid.UUID](),
	"Option<String>": reflect.TypeFor[*string](),
	"Option<i64>":    reflect.TypeFor[*int64](),
}

func TestCatalogueMatchesRusToK(t *testing.T) {
	rows := readCatalogue(t)
	if len(rows) != 40 {
		t.Fatalf("catalogue has %d rows, want 40", len(rows))
	}
	if got := len(DefaultRegistry.Variants()); got != len(rows) {
		t.Errorf("DefaultRegistry has %d variants, catalogue %d", got, len(rows))
	}

	for _, row := range rows {
		t.Run(row.variant, func(t *testing.T) {
			factory, ok := DefaultRegistry.ByVariant(row.variant)
			if !ok {
				t.Fatal("not registered")
			}
			ev := factory()
			if ev.Variant() != row.variant || ev.EventType() != row.eventType || ev.SchemaVersion() != 1 {
				t.Errorf("got %s %s v%d, want %s %s v1", ev.Variant(), ev.EventType(), ev.SchemaVersion(),
					row.variant, row.eventType)
			}
			if byType, ok := DefaultRegistry.ByEventType(row.eventType); !ok || reflect.TypeOf(byType()) != reflect.TypeOf(ev) {
				t.Errorf("ByEventType(%q) does not return the same kind", row.eventType)
			}
			checkFields(t, reflect.TypeOf(ev).Elem(), row.fields)
		})
	}
}

// checkFields wants the struct's JSON fields in the catalogue's order with
// the Go types standing for the Rust ones.
func checkFields(t *testing.T, st reflect.Type, want []catalogueField) {
	t.Helper()
	info, err := structInfoOf(st)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.fields) != len(want) {
		t.Fatalf("%d fields, want %d", len(info.fields), len(want))
	}
	for i, f := range want {
		got := info.fields[i]
		if got.name != f.name {
			t.Errorf("field %d is %s, want %s", i, got.name, f.name)
		}
		if goType := st.Field(got.index).Type; goType != goTypeOfRust[f.rustType] {
			t.Errorf("field %s is %s, want the Go form of %s", f.name, goType, f.rustType)
		}
	}
}

var (
	id1 = mustUUID("0195a2f5-0a11-7b22-8c33-4d44e55f6601")
	id2 = mustUUID("0195a2f5-0a11-7b22-8c33-4d44e55f6602")
	id3 = mustUUID("0195a2f5-0a11-7b22-8c33-4d44e55f6603")
)

// validEvents has one valid event per variant; the rule tests break one
// field of it at a time.
func validEvents() []DomainEvent {
	return []DomainEvent{
		&NodeCreated{NodeID: id1, Kind: "post", AuthorID: ptr(id2)},
		&NodeUpdated{NodeID: id1, Kind: "post"},
		&NodeTranslationUpdated{NodeID: id1, Locale: "ru"},
		&NodePublished{NodeID: id1, Kind: "page"},
		&NodeUnpublished{NodeID: id1, Kind: "page"},
		&NodeDeleted{NodeID: id1, Kind: "page"},
		&BodyUpdated{NodeID: id1, Locale: "pt-BR"},
		&CategoryCreated{CategoryID: id1},
		&CategoryUpdated{CategoryID: id1},
		&CategoryDeleted{CategoryID: id1},
		&TagCreated{TagID: id1},
		&TagAttached{TagID: id1, TargetType: "node", TargetID: id2},
		&TagDetached{TagID: id1, TargetType: "node", TargetID: id2},
		&MediaUploaded{MediaID: id1, MimeType: "image/png", Size: 2048},
		&MediaDeleted{MediaID: id1},
		&UserRegistered{UserID: id1, Email: "user@example.com"},
		&UserLoggedIn{UserID: id1},
		&UserUpdated{UserID: id1},
		&UserDeleted{UserID: id1},
		&ProductCreated{ProductID: id1},
		&ProductUpdated{ProductID: id1},
		&ProductPublished{ProductID: id1},
		&ProductDeleted{ProductID: id1},
		&VariantCreated{VariantID: id1, ProductID: id2},
		&VariantUpdated{VariantID: id1, ProductID: id2},
		&VariantDeleted{VariantID: id1, ProductID: id2},
		&InventoryUpdated{VariantID: id1, ProductID: id2, LocationID: id3, OldQuantity: 12, NewQuantity: 11},
		&InventoryLow{VariantID: id1, ProductID: id2, Remaining: 2, Threshold: 5},
		&PriceUpdated{VariantID: id1, ProductID: id2, Currency: "EUR", OldAmount: ptr(int64(1200)), NewAmount: 1500},
		&OrderPlaced{OrderID: id1, CustomerID: ptr(id2), Total: 125990, Currency: "EUR"},
		&OrderStatusChanged{OrderID: id1, OldStatus: "pending", NewStatus: "paid"},
		&OrderCompleted{OrderID: id1},
		&OrderCancelled{OrderID: id1, Reason: ptr("customer asked")},
		&ReindexRequested{TargetType: "product", TargetID: ptr(id2)},
		&IndexUpdated{IndexName: "products", TargetID: id2},
		&BuildRequested{BuildID: id1, RequestedBy: "admin"},
		&TenantCreated{TenantID: id1},
		&TenantUpdated{TenantID: id1},
		&LocaleEnabled{TenantID: id1, Locale: "de"},
		&LocaleDisabled{TenantID: id1, Locale: "de"},
	}
}

func validEvent(t *testing.T, variant string) DomainEvent {
	t.Helper()
	for _, ev := range validEvents() {
		if ev.Variant() == variant {
			return ev
		}
	}
	t.Fatalf("no valid %s in the table", variant)
	return nil
}

func TestValidEventsPass(t *testing.T) {
	seen := map[string]bool{}
	for _, ev := range validEvents() {
		if err := ev.Validate(); err != nil {
			t.Errorf("%s: %v", ev.Variant(), err)
		}
		seen[ev.Variant()] = true
	}
	for _, v := range DefaultRegistry.Variants() {
		if !seen[v] {
			t.Errorf("no valid %s in the table", v)
		}
	}
}

var ruleName = regexp.MustCompile(`^[a-z_]+`)

// catalogueRuleName maps a catalogue rule ("max_length(64)",
// "InvalidValue when ...") to ValidationError.Rule.
func catalogueRuleName(rule string) string {
	if strings.HasPrefix(rule, "InvalidValue") {
		return RuleInvalidValue
	}
	return ruleName.FindString(rule)
}
